#!/usr/bin/env python
"""``losscli eval`` end to end against the bare reader of the same files, both as whole processes.

    python benchmarks/end_to_end.py [--repeat N] [--quick] [--data-dir DIR]

Four inputs (logits of 10 classes and integer labels): a 2 M-row float32 NPY pair
(``--labels y.npy --preds p.npy``), a 1 M-row Parquet file and a 1 M-row CSV of float32 values (one file
each, labels in a ``label`` column), and a 1 M-row CSV of float64 values as pandas writes them (17
significant digits). For each, ``losscli eval scce … --logits -q`` and the reader alone (``np.load`` of both
files, ``pyarrow.parquet.read_table``, ``polars.read_csv`` or, without polars, ``pyarrow.csv.read_csv``)
run in turn ``--repeat`` times after a warm-up, as processes of their own (interpreter start and imports
included on both sides); the table shows medians and their ratio. The child processes may write Python
bytecode caches (an installed package has them), so neither side recompiles its sources on every run.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

import numpy as np
from run import HERE, log, make_csv, run_cmd

LOSSCLI = [sys.executable, "-m", "losscli", "eval", "scce"]


def make_npy(data: Path, rows: int, classes: int = 10) -> tuple[Path, Path]:
    preds, labels = data / f"logits_{rows}x{classes}.npy", data / f"labels_{rows}.npy"
    if not (preds.exists() and labels.exists()):
        log(f"generating {rows:,}-row NPY ...")
        rng = np.random.default_rng(2)
        np.save(preds, rng.standard_normal((rows, classes), dtype=np.float32) * np.float32(3))
        np.save(labels, rng.integers(0, classes, rows))
    return labels, preds


def make_parquet(data: Path, rows: int, classes: int = 10) -> Path:
    out = data / f"logits_{rows}x{classes}.parquet"
    if not out.exists():
        import pyarrow as pa
        import pyarrow.parquet as pq

        log(f"generating {rows:,}-row Parquet ...")
        rng = np.random.default_rng(3)
        x = rng.standard_normal((rows, classes), dtype=np.float32) * np.float32(3)
        cols = {f"logit_{j}": x[:, j] for j in range(classes)}
        cols["label"] = rng.integers(0, classes, rows)
        pq.write_table(pa.table(cols), out, row_group_size=128 * 1024)
    return out


def make_csv64(data: Path, rows: int, classes: int = 10) -> Path:
    """``rows`` × (``classes`` float64 logits + integer label) as pandas writes them (each float's shortest
    repr: up to 17 significant digits), in 250,000-row pieces."""
    out = data / f"logits64_{rows}x{classes}.csv"
    if not out.exists():
        import pandas as pd

        log(f"generating {rows:,}-row float64 CSV ...")
        rng = np.random.default_rng(4)
        part = out.with_suffix(".part")
        for start in range(0, rows, 250_000):
            m = min(250_000, rows - start)
            df = pd.DataFrame(rng.standard_normal((m, classes)) * 3, columns=[f"logit_{j}" for j in range(classes)])
            df["label"] = rng.integers(0, classes, m)
            df.to_csv(part, index=False, header=start == 0, mode="w" if start == 0 else "a")
        part.replace(out)
    return out


def csv_reader() -> tuple[str, str]:
    try:
        import polars  # noqa: F401

        return "polars.read_csv", "import polars; polars.read_csv({f!r})"
    except ImportError:
        return "pyarrow.csv.read_csv", "import pyarrow.csv; pyarrow.csv.read_csv({f!r})"


def paired(a: list[str], b: list[str], repeat: int) -> tuple[float, float]:
    """Medians of ``a`` and ``b`` run in turn ``repeat`` times after one warm-up each."""
    for cmd in (a, b):
        _, code, _, err = run_cmd(cmd)
        if code != 0:
            raise SystemExit(f"{' '.join(cmd)} failed (exit {code}): {err}")
    ta, tb = [], []
    for _ in range(repeat):
        ta.append(run_cmd(a)[0])
        tb.append(run_cmd(b)[0])
    return statistics.median(ta), statistics.median(tb)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="5x fewer rows")
    ap.add_argument("--data-dir", type=Path, default=HERE / "data", help="where generated data is cached")
    args = ap.parse_args()
    data = args.data_dir
    data.mkdir(parents=True, exist_ok=True)
    div = 5 if args.quick else 1

    labels, preds = make_npy(data, 2_000_000 // div)
    parquet = make_parquet(data, 1_000_000 // div)
    csv = make_csv(data, 1_000_000 // div)
    csv64 = make_csv64(data, 1_000_000 // div)
    name, code = csv_reader()
    py = [sys.executable, "-c"]
    cases = [
        (
            f"{2_000_000 // div:,} × 10 float32 NPY + labels NPY",
            [*LOSSCLI, "--labels", str(labels), "--preds", str(preds), "--logits", "-q"],
            "np.load (both files)",
            [*py, f"import numpy as np; np.load({str(labels)!r}); np.load({str(preds)!r})"],
        ),
        (
            f"{1_000_000 // div:,} × 10 Parquet",
            [*LOSSCLI, str(parquet), "--logits", "-q"],
            "pyarrow.parquet.read_table",
            [*py, f"import pyarrow.parquet as pq; pq.read_table({str(parquet)!r})"],
        ),
        (
            f"{1_000_000 // div:,} × 10 CSV, {csv.stat().st_size / 2**20:.0f} MB",
            [*LOSSCLI, str(csv), "--logits", "-q"],
            name,
            [*py, code.format(f=str(csv))],
        ),
        (
            f"{1_000_000 // div:,} × 10 CSV of float64 values as pandas writes them, {csv64.stat().st_size / 2**20:.0f} MB",
            [*LOSSCLI, str(csv64), "--logits", "-q"],
            name,
            [*py, code.format(f=str(csv64))],
        ),
    ]
    print(f"{os.cpu_count()} CPUs; median of {args.repeat} paired runs, each a process of its own\n")
    print("| input | losscli eval scce --logits -q | bare reader | ratio |")
    print("|---|---|---|---|")
    for what, ours, reader, theirs in cases:
        t_ours, t_theirs = paired(ours, theirs, args.repeat)
        print(f"| {what} | {t_ours:.2f} s | {reader} {t_theirs:.2f} s | {t_ours / t_theirs:.2f}× |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
