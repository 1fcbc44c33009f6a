"""What the fuzzing harnesses share: the command line (atheris when installed, else a built-in mutation loop
that is deterministic with ``-seed=N``), crash saving and the byte mutations.

A harness calls :func:`run` with its target (bytes → None; raises only on a crash) and its seeds.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

_CRASHES = tempfile.mkdtemp(prefix="losscli-fuzz-crashes-")

TEXT = [b",", b"|", b"\n", b"\r\n", b"\r", b'"', b"\\", b"[/]", b"[bold]", b"<!--", b"-->", b"<b>", b"&amp;",
        b"]]>", b"\x00", b"\x1b[31m", b"\x7f", b"\xc2\x85", b"\xe2\x80\xae", b"\xef\xbf\xbe", b"\xff", b"{", b"}",
        b"nan", b"1e999", b"-1", b"9" * 30, b"#", b"`", b"*", b"_", b"=", b"\t",
        b";", b"-inf", b"1e309", b"\xef\xbb\xbf", b",,,,", b'""', b"0x1F", b": ", b"null", b'"x": [1, 2]']


def mutate(data: bytes, rng: random.Random, corpus: list[bytes]) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(8)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
        elif op == 2 and b:
            del b[pos:pos + rng.randint(1, 16)]
        elif op in (3, 4):
            b[pos:pos] = rng.choice(TEXT)
        elif op == 5 and b:
            s = rng.randrange(len(b))
            b[pos:pos] = b[s:s + rng.randint(1, 64)]
        elif op == 6 and corpus:
            other = rng.choice(corpus)
            b = b[:pos] + bytearray(other[rng.randrange(len(other) + 1):])
        elif op == 7 and len(b) > 1:
            del b[rng.randrange(1, len(b) + 1):]
    return bytes(b)


def run_one(target: Callable[[bytes], None], data: bytes) -> None:
    try:
        target(data)
    except BaseException:
        crash = Path(_CRASHES) / f"crash-{abs(hash(data)):x}"
        crash.write_bytes(data)
        print(f"crash input saved to {crash}", file=sys.stderr)
        raise


def builtin_fuzz(target: Callable[[bytes], None], seeds: list[bytes], runs: int, seed: int = 0,
                 max_time: float | None = None, verbose: bool = True) -> dict:
    """The seeds, then mutations of them: ``runs`` inputs in all. Re-raises the first crash."""
    rng = random.Random(seed)
    start = time.monotonic()
    done = 0
    for data in seeds[:runs]:
        run_one(target, data)
        done += 1
    while done < runs and (max_time is None or time.monotonic() - start < max_time):
        run_one(target, mutate(rng.choice(seeds), rng, seeds))
        done += 1
        if verbose and done % 10000 == 0:
            print(f"#{done} in {time.monotonic() - start:.0f}s", file=sys.stderr)
    return {"executions": done, "crashes": 0, "seconds": time.monotonic() - start}


def main(argv: list[str], target: Callable[[bytes], None], seeds: Callable[[], list[bytes]],
         modules: tuple[str, ...] = ()) -> None:
    """``-runs=N``, ``-seed=N``, ``-max_total_time=S``; ``--builtin`` forces the built-in loop."""
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
        print(builtin_fuzz(target, seeds(), runs, seed, max_time))
        return
    args = [a for a in argv if a != "--builtin"]
    if not any(not a.startswith("-") for a in args[1:]):  # no corpus folder given: write the seeds
        corpus = tempfile.mkdtemp(prefix="losscli-fuzz-corpus-")
        for i, s in enumerate(seeds()):
            Path(corpus, f"seed-{i:03d}").write_bytes(s)
        args.append(corpus)
    import importlib

    for name in modules:  # loaded before instrument_all() so that libFuzzer sees their coverage
        importlib.import_module(name)
    atheris.instrument_all()
    atheris.Setup(args, target)
    atheris.Fuzz()
