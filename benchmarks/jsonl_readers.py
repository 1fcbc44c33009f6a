"""Which reader for JSON lines: pyarrow's JSON reader or orjson line by line (and what losscli costs).

    python benchmarks/jsonl_readers.py            # 200k rows: id, label, 10 logits (~29 MB)
    python benchmarks/jsonl_readers.py --rows 1000000 --repeat 5

Every time is the best of ``--repeat`` runs in this process, on the same file, to float64 arrays of the
label and the 10 logits; the ratios are against the fastest reader. The end-to-end rows run
``losscli eval cce FILE --pred-cols logits --logits -q`` as a process (interpreter start and imports
included) on the JSON lines file and on a CSV of the same numbers, with the child's peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
from run import child_env


def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def make(folder: Path, rows: int) -> tuple[Path, Path]:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 10, size=rows)
    logits = np.round(rng.normal(size=(rows, 10)), 6)
    jsonl, csv = folder / "s.jsonl", folder / "s.csv"
    with open(jsonl, "w") as f:
        for i in range(rows):
            f.write(json.dumps({"id": f"s{i}", "label": int(labels[i]), "logits": logits[i].tolist()}) + "\n")
    with open(csv, "w") as f:
        f.write("id,label," + ",".join(f"logit_{j}" for j in range(10)) + "\n")
        for i in range(rows):
            f.write(f"s{i},{labels[i]}," + ",".join(repr(float(v)) for v in logits[i]) + "\n")
    return jsonl, csv


def readers(path: Path) -> dict[str, Callable[[], object]]:
    import orjson
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.json as pj

    from losscli.io import open_source

    def arrow() -> object:
        schema = pa.schema([("label", pa.float64()), ("logits", pa.list_(pa.float64()))])
        reader = pj.open_json(path, read_options=pj.ReadOptions(block_size=1 << 20),
                              parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"))
        out = []
        for b in reader:
            lg = b.column("logits")
            out.append(np.frombuffer(pc.list_flatten(lg).buffers()[1], dtype=np.float64).reshape(len(lg), -1).copy())
        return out

    def orjson_lines() -> object:
        out, rows, labels = [], [], []
        with open(path, "rb") as f:
            for line in f:
                o = orjson.loads(line)
                rows.append(o["logits"])
                labels.append(o["label"])
                if len(rows) == 65536:
                    out.append((np.array(labels, dtype=np.float64), np.array(rows, dtype=np.float64)))
                    rows, labels = [], []
        out.append((np.array(labels, dtype=np.float64), np.array(rows, dtype=np.float64)))
        return out

    def stdlib() -> object:
        with open(path, "rb") as f:
            recs = [json.loads(line) for line in f]
        return np.array([r["logits"] for r in recs]), np.array([r["label"] for r in recs], dtype=np.float64)

    def losscli_reader() -> object:
        src = open_source(str(path))
        cols = ["label", *(f"logits[{j}]" for j in range(10))]
        return [c.columns for c in src.read(cols, chunk_rows=65536)]

    return {"pyarrow.json.open_json (explicit schema)": arrow, "orjson, arrays whole": orjson_lines,
            "losscli JsonlSource (orjson, arrays whole)": losscli_reader, "stdlib json": stdlib}


def run(cmd: list[str]) -> tuple[float, int]:
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, env=child_env())
    _, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd} failed")
    return time.perf_counter() - t, usage.ru_maxrss * 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jsonl, csv = make(Path(tmp), args.rows)
        print(f"{args.rows:,} rows, {jsonl.stat().st_size / 1e6:.0f} MB JSON lines, best of {args.repeat}")
        times = {name: best_of(fn, args.repeat) for name, fn in readers(jsonl).items()}
        fastest = min(times.values())
        for name, t in times.items():
            print(f"  {name:55s} {t:6.2f} s  {args.rows / t / 1e6:5.2f} M rows/s  {t / fastest:4.2f}x")
        base = [sys.executable, "-m", "losscli", "eval", "cce"]
        for label, cmd in (("losscli eval, JSON lines", [*base, str(jsonl), "--pred-cols", "logits", "--logits", "-q"]),
                           ("losscli eval, the same CSV", [*base, str(csv), "--pred-cols", "logit_*", "--logits", "-q"])):
            best = min(run(cmd) for _ in range(args.repeat))
            print(f"  {label:55s} {best[0]:6.2f} s  peak RSS {best[1] / 2**20:.0f} MB")


if __name__ == "__main__":
    main()
