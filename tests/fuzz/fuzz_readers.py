"""Fuzzing harness for the readers (:mod:`losscli.io`): arbitrary bytes through ``open_source(...).read()``.

The property: whatever the bytes, the format hint, the file name, the engine, the delimiter or the chunk
size, reading either succeeds (yielding well-formed chunks) or raises one of losscli's own errors
(:class:`~losscli.errors.ReadError`, :class:`~losscli.errors.UsageError`,
:class:`~losscli.errors.InputError`). Anything else — ``ValueError``, ``MemoryError``, ``IndexError``, a
pyarrow exception, a hang — is a crash.

Run it with atheris (``pip install atheris``), libFuzzer's flags apply::

    python tests/fuzz/fuzz_readers.py -runs=200000                  # seeds are generated into a tmp corpus
    python tests/fuzz/fuzz_readers.py -max_total_time=600 my_corpus/

Without atheris the same target runs under a small built-in mutation loop (deterministic with
``-seed=N``)::

    python tests/fuzz/fuzz_readers.py -runs=5000 -seed=1

``tests/test_fuzz_quick.py`` runs a few hundred inputs of the built-in loop as part of the test suite.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import os
import random
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from losscli.errors import InputError, ReadError, UsageError  # noqa: E402
from losscli.io import csv_reader, open_source  # noqa: E402

ALLOWED = (ReadError, UsageError, InputError)

#: (name suffix, --format) pairs the first control byte chooses from
NAMES = (
    ("data.csv", None), ("data.tsv", None), ("data.txt", None), ("data.npy", None), ("data.npz", None),
    ("data.parquet", None), ("data.csv.gz", None), ("data.gz", None), ("data.bin", None), ("data", "csv"),
    ("data", "npy"), ("data", "npz"), ("data", "parquet"), ("-", None), ("-", "csv"), ("data.npz:arr_0", None),
)
DELIMITERS = (None, None, ",", ";", "\t", "|")

_TMP = tempfile.mkdtemp(prefix="losscli-fuzz-")
#: the harness keeps inputs small; the resource limits are lowered so that they are exercised too
LIMITS = {
    "LOSSCLI_MAX_LINE_BYTES": "65536",
    "LOSSCLI_MAX_COLUMNS": "2000",
    "LOSSCLI_MAX_MEMORY_BYTES": str(8 << 20),
    "LOSSCLI_MAX_DECOMPRESSION_RATIO": "50",
}


@contextlib.contextmanager
def _engine(arrow: bool) -> Iterator[None]:
    """The CSV engine to use (arrow with tiny blocks, so that it streams) and the lowered limits."""
    saved = csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK
    saved_env = {k: os.environ.get(k) for k in LIMITS}
    os.environ.update(LIMITS)
    if arrow:
        csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK = 0, 256, 1024
    try:
        yield
    finally:
        csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK = saved
        for k, v in saved_env.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def read_bytes(data: bytes) -> None:
    """The fuzz target: the first 2 bytes choose how ``data[2:]`` is read. Raises only ALLOWED errors."""
    if len(data) < 2:
        return
    c0, c1 = data[0], data[1]
    body = data[2:]
    name, fmt = NAMES[c0 % len(NAMES)]
    arrow = bool(c0 & 0x80)
    delimiter = DELIMITERS[c1 % len(DELIMITERS)]
    header = not (c1 & 0x08)
    chunk_rows = None if (c1 >> 4) & 0x3 == 0 else (c1 >> 4) & 0x3
    stdin = None
    if name == "-":
        path = "-"
        stdin = io.BytesIO(body)
    else:
        key = ""
        if ":" in name:
            name, key = name.split(":")
        path = os.path.join(_TMP, name)
        with open(path, "wb") as fh:
            fh.write(body)
        if key:
            path += ":" + key
    with _engine(arrow):
        try:
            src = open_source(path, fmt=fmt, delimiter=delimiter, header=header, stdin=stdin)
            n = 0
            for chunk in src.read(None, chunk_rows):
                lengths = {len(a) for a in chunk.columns.values()}
                assert len(lengths) == 1, f"columns of unequal length {lengths}"
                assert chunk.first_row == n, (chunk.first_row, n)
                assert set(chunk.columns) == set(src.columns)
                for a in chunk.columns.values():
                    assert isinstance(a, np.ndarray) and a.ndim == 1, (type(a), getattr(a, "shape", None))
                n += len(chunk)
                if chunk_rows is not None:
                    assert len(chunk) <= chunk_rows
        except ALLOWED as exc:
            str(exc)  # formatting the message must not fail either


# ---------------------------------------------------------------------------------------------- seeds


def seeds() -> list[bytes]:
    """Valid (and nearly valid) inputs of every format, each with a few control-byte prefixes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    def npy(a: np.ndarray) -> bytes:
        b = io.BytesIO()
        np.save(b, a)
        return b.getvalue()

    def npz(**arrays: np.ndarray) -> bytes:
        b = io.BytesIO()
        np.savez_compressed(b, **arrays)
        return b.getvalue()

    def parquet(**cols: list) -> bytes:
        b = io.BytesIO()
        pq.write_table(pa.table(cols), b)
        return b.getvalue()

    csvs = [
        b"y,p\n0,0.1\n1,0.9\n1,0.7\n",
        b"\xef\xbb\xbfy;p\r\n0;0.1\r\n1;\"0.9\"\r\n",
        b"label\tcat\tdog\ncat\t0.5\t0.5\ndog\t0.2\t0.8\n",
        b"p\n0.1\n\n0.3\n",
        b'a,b\n"1,5",2\n3,"x""y"\n',
        b"a,b,c\n1,2\n3,4,5,6\n",
        b"x\n1e-3\nnan\n-inf\n+.5\n",
    ]
    blobs = csvs + [
        gzip.compress(csvs[0]),
        npy(np.arange(6.0).reshape(3, 2)),
        npy(np.array([1, 0, 1], dtype=np.int8)),
        npy(np.array([(1, 0.5)], dtype=[("y", "i4"), ("p", "f8")])),
        npy(np.array(["a", "bc"])),
        npz(arr_0=np.arange(4.0)),
        npz(a=np.zeros((2, 2)), b=np.ones(3)),
        parquet(y=[0, 1, None], p=[0.1, 0.9, 0.5], s=["a", None, "c"]),
    ]
    prefixes = [bytes([a, b]) for a in range(len(NAMES)) for b in (0x00, 0x12, 0x2A)]
    prefixes += [bytes([a | 0x80, 0x31]) for a in (0, 1, 2, 6, 7, 13, 14)]
    rng = random.Random(0)
    out = []
    for blob in blobs:
        for p in rng.sample(prefixes, 8):
            out.append(p + blob)
    # each blob under its own name, so that every format is reached
    own = {0: csvs, 6: [gzip.compress(csvs[0])]}
    for idx, group in own.items():
        out.extend(bytes([idx, 0]) + b for b in group)
    return out


# ------------------------------------------------------------------------------- built-in mutation loop


def mutate(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(9)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:  # flip a bit
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:  # insert random bytes
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and b:  # delete a range
            del b[pos : pos + rng.randint(1, 16)]
        elif op == 3:  # insert interesting text
            b[pos:pos] = rng.choice(
                [b",", b";", b"\t", b'"', b"\n", b"\r\n", b"\r", b"nan", b"-inf", b"1e309", b"\x00", b"\xff",
                 b"\xef\xbb\xbf", b"9" * 40, b",,,,", b'""', b"\\", b"0x1F"]
            )
        elif op == 4 and b:  # overwrite with an interesting byte
            b[rng.randrange(len(b))] = rng.choice([0, 0x7F, 0x80, 0xFF, 0x22, 0x2C, 0x0A, 0x0D])
        elif op == 5 and b:  # duplicate a range
            s = rng.randrange(len(b))
            b[pos:pos] = b[s : s + rng.randint(1, 64)]
        elif op == 6 and corpus:  # splice with another input
            other = rng.choice(corpus)
            cut = rng.randrange(len(other) + 1)
            b = b[:pos] + bytearray(other[cut:])
        elif op == 7 and len(b) > 2:  # truncate
            del b[rng.randrange(2, len(b) + 1):]
        elif op == 8 and len(b) >= 2:  # new control bytes
            b[0], b[1] = rng.randrange(256), rng.randrange(256)
    return bytes(b)


def builtin_fuzz(runs: int, seed: int = 0, max_time: float | None = None, verbose: bool = True) -> dict:
    """Run the seeds, then mutations of them, ``runs`` inputs in all (as libFuzzer counts); returns counts.
    Re-raises the first crash, with its input saved."""
    rng = random.Random(seed)
    corpus = seeds()
    start = time.monotonic()
    done = 0
    for data in corpus[:runs]:
        _run_one(data)
        done += 1
    while done < runs and (max_time is None or time.monotonic() - start < max_time):
        data = mutate(rng.choice(corpus), rng, corpus)
        _run_one(data)
        done += 1
        if verbose and done % 1000 == 0:
            print(f"#{done} in {time.monotonic() - start:.0f}s", file=sys.stderr)
    return {"executions": done, "crashes": 0, "seconds": time.monotonic() - start}


def _run_one(data: bytes) -> None:
    try:
        read_bytes(data)
    except BaseException:
        crash = Path(_TMP) / f"crash-{abs(hash(data)):x}"
        crash.write_bytes(data)
        print(f"crash input saved to {crash}", file=sys.stderr)
        raise


def main(argv: list[str]) -> None:
    try:
        import atheris
    except ImportError:
        atheris = None
    if atheris is None or "--builtin" in argv:
        runs, seed, max_time = 10_000, 0, None
        for a in argv[1:]:
            if a.startswith("-runs="):
                runs = int(a.split("=", 1)[1])
            elif a.startswith("-seed="):
                seed = int(a.split("=", 1)[1])
            elif a.startswith("-max_total_time="):
                max_time = float(a.split("=", 1)[1])
        print(builtin_fuzz(runs, seed, max_time))
        return
    args = [a for a in argv if a != "--builtin"]
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus directory given: write the seeds
        corpus = tempfile.mkdtemp(prefix="losscli-fuzz-corpus-")
        for i, s in enumerate(seeds()):
            Path(corpus, f"seed-{i:03d}").write_bytes(s)
        args.append(corpus)
    # every module the readers use, loaded now so that instrument_all() gives libFuzzer their coverage
    import bz2  # noqa: F401
    import lzma  # noqa: F401
    import zipfile  # noqa: F401

    import losscli.io.limits  # noqa: F401
    import losscli.io.npy  # noqa: F401
    import losscli.io.parquet  # noqa: F401

    atheris.instrument_all()
    atheris.Setup(args, _atheris_target)
    atheris.Fuzz()


def _atheris_target(data: bytes) -> None:
    read_bytes(data)


if __name__ == "__main__":
    main(sys.argv)
