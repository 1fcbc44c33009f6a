"""A language model's logits: 128k-wide rows from NPY (float16, float32) and from a Parquet list column.

    python benchmarks/wide_logits.py                      # 2000 × 131072 (NPY 0.5 / 1 GB, Parquet 0.5 GB)
    python benchmarks/wide_logits.py --rows 500 --repeat 3
    python benchmarks/wide_logits.py --source DIR         # the losscli of another checkout (DIR/losscli)

Every row times processes, interpreter start and imports included, best of ``--repeat`` runs after one
warm-up, all measured in this run on the same files, with the child's peak RSS (``wait4``):

- ``losscli eval scce --labels y.npy --preds x.npy --logits -q`` against ``numpy.load`` of the same file,
  and against ``numpy.load`` plus the same cross-entropy in float64 NumPy (log-sum-exp minus the true
  logit): the read alone, and the read with the arithmetic losscli cannot avoid;
- ``losscli eval scce lm.parquet --logits -q`` (label and a ``list<float>`` column, as
  ``DataFrame.to_parquet`` writes a column of arrays) against ``pyarrow.parquet.read_table`` of it.

The data are generated into ``--data-dir`` (default: a temporary directory, deleted afterwards).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from run import child_env

MB = 1 << 20


def make(folder: Path, rows: int, vocab: int) -> None:
    rng = np.random.default_rng(0)
    y = rng.integers(0, vocab, size=rows)
    np.save(folder / "y.npy", y)
    x = np.empty((rows, vocab), dtype=np.float32)
    for start in range(0, rows, 256):
        stop = min(rows, start + 256)
        x[start:stop] = rng.standard_normal((stop - start, vocab), dtype=np.float32) * 3
    np.save(folder / "x32.npy", x)
    np.save(folder / "x16.npy", x.astype(np.float16))
    import pyarrow as pa
    import pyarrow.parquet as pq

    half = x[: rows // 2] if rows > 1 else x
    offsets = pa.array(np.arange(0, half.size + 1, vocab, dtype=np.int32))
    logits = pa.ListArray.from_arrays(offsets, pa.array(half.ravel()))
    pq.write_table(pa.table({"label": y[: len(half)], "logits": logits}), folder / "lm.parquet",
                   row_group_size=256)


def measure(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, int, str]:
    """Best time of ``repeat`` runs after a warm-up, the largest peak RSS seen, the last output."""
    _, rss, out = run_waited(cmd, env)
    best = float("inf")
    for _ in range(repeat):
        t, r, out = run_waited(cmd, env)
        best, rss = min(best, t), max(rss, r)
    return best, rss, out


def run_waited(cmd: list[str], env: dict[str, str]) -> tuple[float, int, str]:
    """One process, waited for with ``wait4`` (its own peak RSS, not the largest child's so far)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        # run from the data folder: ``python -m`` puts the working directory first on sys.path
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env, cwd=env.get("LOSSCLI_BENCH_CWD"))
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            lines = err.read().decode().strip().splitlines() or [""]
            raise Failed(f"FAILED (exit {proc.returncode}): {lines[-1][:150]}")
        return elapsed, int(usage.ru_maxrss) * 1024, out.read().decode().strip()


class Failed(Exception):
    """A measured command failed (e.g. a losscli that cannot read the input): reported in its row."""


def attempt(cmd: list[str], env: dict[str, str], repeat: int) -> tuple[float, int, str] | str:
    try:
        return measure(cmd, env, repeat)
    except Failed as exc:
        return str(exc)


NUMPY_CE = (
    "import numpy as np, sys\n"
    "x = np.load(sys.argv[1]); y = np.load(sys.argv[2]); total = 0.0\n"
    "for s in range(0, len(x), 32):\n"
    "    b = x[s:s + 32].astype(np.float64); m = b.max(axis=1)\n"
    "    lse = m + np.log(np.exp(b - m[:, None]).sum(axis=1))\n"
    "    total += float((lse - b[np.arange(len(b)), y[s:s + 32]]).sum())\n"
    "print(total / len(x))\n"
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=2000)
    ap.add_argument("--vocab", type=int, default=131072)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--data-dir", type=Path)
    ap.add_argument("--source", type=Path, help="a checkout whose losscli package is measured")
    ap.add_argument("--make-only", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    folder = args.data_dir or Path(tempfile.mkdtemp(prefix="losscli-wide-"))
    folder.mkdir(parents=True, exist_ok=True)
    if args.make_only:
        make(folder, args.rows, args.vocab)
        return
    env = dict(child_env(), LOSSCLI_BENCH_CWD=str(folder))
    if args.source:
        env["PYTHONPATH"] = str(args.source.resolve()) + os.pathsep + env.get("PYTHONPATH", "")
    check = subprocess.run([sys.executable, "-c", "import losscli, os; print(os.path.dirname(losscli.__file__))"],
                           env=env, cwd=folder, capture_output=True, text=True, check=True)
    print(f"[bench] losscli from {check.stdout.strip()}", file=sys.stderr)
    try:
        if not (folder / "lm.parquet").exists():
            print(f"[bench] writing {args.rows} × {args.vocab} logits to {folder}", file=sys.stderr)
            # in a process of its own: a child inherits the peak RSS of the process it was forked from
            subprocess.run([sys.executable, __file__, "--make-only", "--rows", str(args.rows), "--vocab",
                            str(args.vocab), "--data-dir", str(folder)], check=True)
        py = sys.executable
        y = str(folder / "y.npy")
        rows = []
        for dtype in ("x16", "x32"):
            x = str(folder / f"{dtype}.npy")
            size = os.path.getsize(x) / MB
            load = measure([py, "-c", "import numpy as np, sys; np.load(sys.argv[1])", x], env, args.repeat)
            ce = measure([py, "-c", NUMPY_CE, x, y], env, args.repeat)
            ours = attempt([py, "-m", "losscli", "eval", "scce", "--labels", y, "--preds", x, "--logits", "-q"],
                           env, args.repeat)
            if not isinstance(ours, str) and abs(float(ours[2]) - float(ce[2])) > 1e-9 * abs(float(ce[2])):
                raise SystemExit(f"losscli {ours[2]} differs from NumPy {ce[2]} on {x}")
            name = "float16" if dtype == "x16" else "float32"
            rows.append((f"NPY {name} ({size:.0f} MB)", ours, load, "numpy.load"))
            rows.append((f"NPY {name} ({size:.0f} MB)", ours, ce, "numpy.load + CE float64"))
        pq_path = str(folder / "lm.parquet")
        size = os.path.getsize(pq_path) / MB
        read = measure([py, "-c", "import pyarrow.parquet as pq, sys; pq.read_table(sys.argv[1])", pq_path], env,
                       args.repeat)
        ours = attempt([py, "-m", "losscli", "eval", "scce", pq_path, "--logits", "-q"], env, args.repeat)
        rows.append((f"Parquet list<float> ({size:.0f} MB)", ours, read, "pyarrow read_table"))
    finally:
        if args.data_dir is None:
            shutil.rmtree(folder, ignore_errors=True)
    print(f"{'input':32} {'losscli':>16} {'peer':>16}  {'ratio':>6}  peer")
    for what, ours, (pt, prss, _), peer in rows:
        if isinstance(ours, str):
            print(f"{what:32} {ours}")
            continue
        t, rss, _ = ours
        print(f"{what:32} {t:6.2f} s {rss / MB:5.0f} MB {pt:6.2f} s {prss / MB:5.0f} MB  {t / pt:5.2f}x  {peer}")


if __name__ == "__main__":
    main()
