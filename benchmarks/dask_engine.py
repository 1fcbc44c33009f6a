"""Benchmark: the Dask engine against the local streaming engine on a multi-GB Parquet dataset.

    python benchmarks/dask_engine.py [--gb 2.0] [--shards 16] [--keep]

Generates the dataset (a label and 4 logits per row, float64, in Parquet shards) under
``benchmarks/data/dask/``, then times ``losscli eval scce 'part-*.parquet' --logits -q`` with
``--engine local`` and ``--engine dask`` (a local cluster of one worker process per core, started inside
the timed command), checks that both print the same value to float64 rounding, and prints throughput and
the ratio. Needs ``pip install -e '.[bench,dask]'``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
CLASSES = 4


def generate(folder: Path, gb: float, shards: int) -> int:
    import pyarrow as pa
    import pyarrow.parquet as pq

    bytes_per_row = 8 * (CLASSES + 1)
    rows = int(gb * 1e9 / bytes_per_row)
    per_shard = rows // shards
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for k in range(shards):
        path = folder / f"part-{k:04d}.parquet"
        if path.exists():
            continue
        writer = None
        done = 0
        while done < per_shard:
            n = min(1 << 20, per_shard - done)
            x = rng.normal(size=(n, CLASSES))
            y = rng.integers(0, CLASSES, n)
            table = pa.table({"label": y, **{f"logit_{j}": x[:, j] for j in range(CLASSES)}})
            if writer is None:
                writer = pq.ParquetWriter(path, table.schema)
            writer.write_table(table, row_group_size=1 << 18)
            done += n
        writer.close()
    return per_shard * shards


def timed(args: list[str]) -> tuple[float, str]:
    start = time.perf_counter()
    out = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "NO_COLOR": "1"})
    elapsed = time.perf_counter() - start
    if out.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{out.stderr}")
    return elapsed, out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gb", type=float, default=2.0, help="dataset size in GB of float64 values (default 2)")
    ap.add_argument("--shards", type=int, default=16)
    ap.add_argument("--repeat", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="keep the generated data")
    a = ap.parse_args()
    folder = HERE / "data" / "dask"
    t0 = time.perf_counter()
    rows = generate(folder, a.gb, a.shards)
    size = sum(p.stat().st_size for p in folder.glob("part-*.parquet"))
    print(f"dataset: {rows:,} rows × {CLASSES} logits in {a.shards} shards, {size / 1e9:.2f} GB on disk "
          f"(generated in {time.perf_counter() - t0:.0f} s); {os.cpu_count()} cores")
    base = [sys.executable, "-m", "losscli", "eval", "scce", str(folder / "part-*.parquet"), "--logits", "-q",
            "--no-progress"]
    results = {}
    for engine in ("local", "dask"):
        best, value = min(timed([*base, "--engine", engine]) for _ in range(a.repeat))
        results[engine] = (best, float(value))
        print(f"{engine:6s} {best:7.2f} s  {rows / best / 1e6:6.2f} M rows/s  {size / best / 1e6:7.1f} MB/s  "
              f"value {value}")
    (tl, vl), (td, vd) = results["local"], results["dask"]
    print(f"dask / local time: {td / tl:.2f}×   |value difference| = {abs(vd - vl):.3g} "
          f"(relative {abs(vd - vl) / abs(vl):.2g})")
    if not a.keep:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
