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
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import driver  # noqa: E402

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
    ("data.jsonl", None), ("data.arrow", None), ("data.feather", None), ("data", "jsonl"), ("-", "jsonl"),
    ("data.jsonl.gz", None), ("-", "arrow"),
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
    jsonls = [
        b'{"y": 0, "p": 0.1}\n{"y": 1, "p": 0.9}\n',
        b'{"id": "a", "label": 2, "logits": [0.1, -1.0, 2.5], "meta": {"w": 1}}\n\n{"id": "b", "label": 0}\n',
        b'{"target": 1, "resps": [["-7.25", "False"], ["-1.5", "True"]]}\n{"target": 0, "resps": [[NaN, 1]]}\n',
        b'[1, 0.5]\n[0, 0.25]\n',
    ]

    def arrow(stream: bool, **cols: list) -> bytes:
        b = io.BytesIO()
        t = pa.table(cols)
        with (pa.ipc.new_stream if stream else pa.ipc.new_file)(b, t.schema) as w:
            for batch in t.to_batches(max_chunksize=2):
                w.write_batch(batch)
        return b.getvalue()

    arrows = [
        arrow(True, y=[0, 1, 1], p=[[0.1, 0.9], [0.5], None], m=[{"a": 1}, {"a": None}, {"a": 3}]),
        arrow(False, y=[0, 1, None], s=["a", None, "c"]),
    ]
    blobs = csvs + jsonls + arrows + [
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
    own = {0: csvs, 6: [gzip.compress(csvs[0])], 16: jsonls, 17: arrows, 18: arrows[:1], 21: [gzip.compress(jsonls[1])]}
    for idx, group in own.items():
        out.extend(bytes([idx, 0]) + b for b in group)
    return out


# ------------------------------------------------------------------------------- built-in mutation loop


def builtin_fuzz(runs: int, seed: int = 0, max_time: float | None = None, verbose: bool = True) -> dict:
    """The seeds, then mutations of them, ``runs`` inputs in all (as libFuzzer counts); returns counts.
    Re-raises the first crash, with its input saved."""
    return driver.builtin_fuzz(read_bytes, seeds(), runs, seed, max_time, verbose)


def main(argv: list[str]) -> None:
    # every module the readers use, loaded before instrumentation so that libFuzzer sees their coverage
    driver.main(argv, read_bytes, seeds, modules=("bz2", "lzma", "zipfile", "losscli.io.limits", "losscli.io.npy",
                                                  "losscli.io.parquet"))


if __name__ == "__main__":
    main(sys.argv)
