"""Peak resident memory of every feature of ``losscli eval``, ``compare`` and ``check`` on 8 M rows.

    python benchmarks/memory.py [--rows 8000000] [--dir DIR]

Each command runs as its own process; its peak RSS comes from ``wait4``. The data (binary labels,
probabilities, a second model, weights, a Parquet file with a 50-value group column, the labels and
probabilities as JSON lines, and the same as one-column CSV files, with an id column in the labels and,
shuffled, in the predictions: integers 0, 1, … and texts id-0, id-1, …) is generated in DIR (a temporary
folder by default). The input is 8 M rows × (1 label + 1 prediction): 72 MB of NPY.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np


def make_data(folder: Path, n: int) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n).astype(np.int8)
    p = np.clip(rng.random(n), 1e-6, 1 - 1e-6)
    np.save(folder / "y.npy", y)
    np.save(folder / "p.npy", p)
    np.save(folder / "p2.npy", np.clip(p + rng.normal(0, 0.01, n), 1e-6, 1 - 1e-6))
    groups = pa.array([f"g{k}" for k in rng.integers(0, 50, n)]).dictionary_encode()
    pq.write_table(pa.table({"label": y, "p": p, "group": groups}), folder / "data.parquet", row_group_size=1 << 20)
    with open(folder / "s.jsonl", "w") as f:  # the same labels and predictions as JSON lines
        for a in range(0, n, 1 << 16):
            rows = zip(y[a:a + (1 << 16)].tolist(), p[a:a + (1 << 16)].tolist(), strict=True)
            f.write("".join(f'{{"label": {yy}, "p": {pp!r}}}\n' for yy, pp in rows))
    import pyarrow.csv as pacsv

    w = rng.random(n)
    ids = rng.permutation(n)  # the predictions in another order than the labels: a real join
    import pyarrow.compute as pc

    text_ids = pc.binary_join_element_wise("id-", pc.cast(pa.array(np.arange(n)), pa.string()), "")  # id-0, …
    for name, cols in {"data.csv": {"label": y, "p": p}, "y.csv": {"label": y}, "p.csv": {"p": p}, "p2.csv": {"p": np.load(folder / "p2.npy")},
                       "w.csv": {"weight": w}, "yid.csv": {"id": np.arange(n), "label": y},
                       "pid.csv": {"id": ids, "p": p[ids]}, "ytid.csv": {"id": text_ids, "label": y},
                       "ptid.csv": {"id": text_ids.take(pa.array(ids)), "p": p[ids]}}.items():
        pacsv.write_csv(pa.table(cols), folder / name)
    (folder / "losscheck.toml").write_text('[[check]]\nname = "m"\nloss = "bce"\nlabels = "y.npy"\n'
                                           'preds = "p.npy"\nmax = 10\n')


CASES = {
    "eval": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "-q"],
    "eval --ci": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "--ci", "0.95", "--json",
                  "--summary-only"],
    "eval --by-class": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "--by-class", "--json",
                        "--summary-only"],
    "eval --group-col": ["eval", "bce", "data.parquet", "--pred-cols", "p", "--group-col", "group", "--json",
                         "--summary-only"],
    "eval --output .csv": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "-q", "--output", "o.csv"],
    "eval --output .jsonl": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "-q", "--output", "o.jsonl"],
    "eval --output .parquet": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "-q", "--output",
                               "o.parquet"],
    "eval --output .npy": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "-q", "--output", "o.npy"],
    "eval --html": ["eval", "bce", "--labels", "y.npy", "--preds", "p.npy", "--by-class", "--html", "r.html", "-q"],
    "eval JSON lines": ["eval", "bce", "s.jsonl", "-q"],
    "eval --preds2": ["eval", "margin_ranking", "--labels", "y.npy", "--preds", "p.npy", "--preds2", "p2.npy", "-q"],
    "eval Parquet": ["eval", "bce", "data.parquet", "--pred-cols", "p", "-q"],
    "eval CSV": ["eval", "bce", "data.csv", "-q"],
    "eval CSV --labels --preds": ["eval", "bce", "--labels", "y.csv", "--preds", "p.csv", "-q"],
    "eval CSV --weights": ["eval", "bce", "--labels", "y.csv", "--preds", "p.csv", "--weights", "w.csv", "-q"],
    "eval CSV --preds2": ["eval", "margin_ranking", "--labels", "y.csv", "--preds", "p.csv", "--preds2", "p2.csv",
                          "-q"],
    "eval CSV --id-col": ["eval", "bce", "--labels", "yid.csv", "--preds", "pid.csv", "--id-col", "id", "-q"],
    "eval CSV --id-col, text ids": ["eval", "bce", "--labels", "ytid.csv", "--preds", "ptid.csv", "--id-col", "id",
                                    "-q"],
    "eval NPY labels, CSV preds": ["eval", "bce", "--labels", "y.npy", "--preds", "p.csv", "-q"],
    "check": ["check", "losscheck.toml", "--json"],
    "compare": ["compare", "bce", "--labels", "y.npy", "--preds", "p.npy", "--baseline-preds", "p2.npy", "--json"],
    "compare --html": ["compare", "bce", "--labels", "y.npy", "--preds", "p.npy", "--baseline-preds", "p2.npy",
                       "--html", "c.html", "--json"],
    "compare CSV": ["compare", "bce", "--labels", "y.csv", "--preds", "p.csv", "--baseline-preds", "p2.csv", "--json"],
}


#: A small launcher process runs the command: a child's peak RSS counts the memory of the process it was
#: forked from, so the command must not be forked from this (large) one.
_LAUNCHER = ("import resource, subprocess, sys; "
             "code = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode; "
             "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)")


def peak_rss(cmd: list[str], cwd: Path | None = None) -> tuple[float, int]:
    """Peak resident memory (MB) and exit status of the command ``cmd`` run in ``cwd``."""
    out = subprocess.run([sys.executable, "-c", _LAUNCHER, *cmd], cwd=cwd,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1])


def peak_rss_mb(args: list[str], cwd: Path) -> tuple[float, int]:
    """Peak resident memory (MB) and exit status of ``losscli ARGS`` run in ``cwd``."""
    return peak_rss([sys.executable, "-m", "losscli", *args], cwd)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=8_000_000)
    parser.add_argument("--dir", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        make_data(folder, args.rows)
        print(f"| feature ({args.rows:,} rows) | peak RSS |")
        print("|---|---:|")
        for name, cmd in CASES.items():
            mb, code = peak_rss_mb(cmd, folder)
            print(f"| `{name}` | {mb:.0f} MB{'' if code == 0 else f' (exit {code})'} |", flush=True)


if __name__ == "__main__":
    main()
