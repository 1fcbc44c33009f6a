#!/usr/bin/env python
"""losscli benchmarks: kernel speed and accuracy, end-to-end CSV, peak memory, startup.

    python benchmarks/run.py [--quick] [--only kernel,e2e,memory,startup] [--repeat N] [--data-dir DIR]

Every ratio compares two things measured in this run on the same data (best of ``--repeat`` timed runs
after one warm-up; startup uses medians). The data is generated on first use and cached in
``benchmarks/data/`` (git-ignored; ``--clean`` deletes it afterwards, ``--data-dir`` puts it elsewhere).
Not part of the test suite. Needs the ``bench`` extra: ``pip install -e '.[bench]'``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SECTIONS = ("kernel", "e2e", "memory", "startup")
MB = 1 << 20

# Targets (see benchmarks/README.md).
KERNEL_SPEEDUP = 1.5  # losscli at least 1.5x faster than the peer on every shape
E2E_RATIO = 1.3  # losscli eval on a CSV at most 1.3x the fastest full read of that CSV
RSS_LIMIT_MB = 300  # peak RSS of losscli eval on >= 2 GB inputs
STARTUP_RATIO = 2.5  # losscli eval on a 10-row CSV at most 2.5x `python -c "import numpy"`
ACCURACY = 1e-6  # max relative difference from an exact reference


# ---------------------------------------------------------------------------------------------- output
@dataclass
class Row:
    section: str
    case: str
    losscli: str
    peer: str
    ratio: str
    target: str
    ok: bool | None  # None: not measured (failed or skipped)
    note: str = ""


ROWS: list[Row] = []


def log(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def add(row: Row) -> None:
    ROWS.append(row)
    status = {True: "ok", False: "BELOW TARGET", None: "n/a"}[row.ok]
    log(f"{row.section:8s} {row.case}: {row.losscli} vs {row.peer} -> {row.ratio} ({row.target}) {status}")


def print_table(header: str) -> None:
    cols = ("section", "case", "losscli", "peer", "ratio", "target", "status")
    data = [
        (
            r.section,
            r.case,
            r.losscli,
            r.peer,
            r.ratio,
            r.target,
            {True: "ok", False: "BELOW", None: "n/a"}[r.ok] + (f" ({r.note})" if r.note else ""),
        )
        for r in ROWS
    ]
    widths = [max(len(c), *(len(d[i]) for d in data)) if data else len(c) for i, c in enumerate(cols)]
    print()
    print(header)
    print("  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for d in data:
        print("  ".join(v.ljust(w) for v, w in zip(d, widths, strict=True)))


def fmt_s(t: float) -> str:
    return f"{t * 1e3:.0f} ms" if t < 10 else f"{t:.1f} s"


# ---------------------------------------------------------------------------------------------- timing
def best_of(fn: Callable[[], object], repeat: int) -> float:
    fn()  # warm-up
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def best_of_pair(a: Callable[[], object], b: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Best times of ``a`` and ``b`` run alternately (after a warm-up of each), so that load from other
    processes or frequency changes hit both alike."""
    a()
    b()
    ta, tb = [], []
    for _ in range(repeat):
        for fn, times in ((a, ta), (b, tb)):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
    return min(ta), min(tb)


def child_env() -> dict[str, str]:
    """The environment of timed child processes: this one's, except that they may write Python bytecode
    caches (an installed package has them; with ``PYTHONDONTWRITEBYTECODE`` set, every run would compile
    every module it imports again, and start-up would be timed at twice its cost)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}


def run_cmd(cmd: list[str], **kw: object) -> tuple[float, int, int, str]:
    """Run ``cmd``; return (wall seconds, exit code, peak RSS in bytes of the child, stderr tail). The peak
    RSS counts this process's own at the fork (Linux keeps the larger of the two across ``exec``): measure
    memory with :func:`memory.peak_rss` instead."""
    kw.setdefault("env", child_env())
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, **kw)
    err = proc.stderr.read() if proc.stderr else b""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t
    proc.returncode = os.waitstatus_to_exitcode(status)
    rss = usage.ru_maxrss * 1024  # kilobytes on Linux
    tail = err.decode(errors="replace").strip().splitlines()
    return wall, proc.returncode, rss, (tail[-1] if tail else "")


LOSSCLI = [sys.executable, "-m", "losscli"]


def losscli_cmd(*args: str) -> list[str]:
    return [*LOSSCLI, "eval", *args]


# ---------------------------------------------------------------------------------------------- accuracy
def max_rel(a: np.ndarray, ref: np.ndarray) -> float:
    a = np.asarray(a, dtype=np.longdouble)
    den = np.maximum(np.abs(ref), np.longdouble(1e-300))
    return float(np.max(np.abs(a - ref) / den))


def ref_scce(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Exact sparse CE from logits in extended precision: log1p(Σ_{c≠y} exp(x_c − x_y))."""
    xl = x.astype(np.longdouble)
    rows = np.arange(len(y))
    d = xl - xl[rows, y][:, None]
    d[rows, y] = -np.inf
    return np.log1p(np.exp(d).sum(axis=1))


def ref_bce_logits(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    xl, yl = x.astype(np.longdouble), y.astype(np.longdouble)
    return np.maximum(xl, 0) * (1 - yl) + np.maximum(-xl, 0) * yl + np.log1p(np.exp(-np.abs(xl)))


def ref_bce_probs(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    eps = np.finfo(p.dtype).eps  # the sklearn convention's clip
    pl = np.clip(p, eps, 1 - eps).astype(np.longdouble)
    yl = y.astype(np.longdouble)
    return -(yl * np.log(pl) + (1 - yl) * np.log1p(-pl))


def accuracy_subset(n: int, c: int, budget: int = 2_000_000) -> slice:
    return slice(0, max(1, min(n, budget // max(c, 1))))


# ---------------------------------------------------------------------------------------------- kernel
def bench_kernel(args: argparse.Namespace) -> None:
    import torch

    torch.set_num_threads(2)
    rng = np.random.default_rng(0)
    shapes = [(5_000_000, 2), (2_000_000, 10), (200_000, 1000)]
    if args.quick:
        shapes = [(n // 5, c) for n, c in shapes]
    for n, c in shapes:
        _kernel_scce(args, rng, n, c)
    _kernel_bce_logits(args, rng, 2_000_000 if args.quick else 10_000_000)
    for n in [1_000_000] if args.quick else [1_000_000, 10_000_000]:
        _kernel_bce_probs(args, rng, n)


def _torch_rows(case: str, accuracy_case: str, ours: float, peer: float, err: float, err_t: float) -> None:
    """The speed row and the accuracy row of one kernel measured against torch."""
    add(Row("kernel", case, fmt_s(ours), f"torch {fmt_s(peer)}", f"{peer / ours:.2f}x faster",
            f">= {KERNEL_SPEEDUP}x", peer / ours >= KERNEL_SPEEDUP))
    add(Row("accuracy", accuracy_case, f"{err:.1e}", f"torch f32 {err_t:.1e}", "max rel err",
            f"<= {ACCURACY:g}", err <= ACCURACY))


def _kernel_scce(args: argparse.Namespace, rng: np.random.Generator, n: int, c: int) -> None:
    import torch
    import torch.nn.functional as F

    import losscli

    tag = " (quick)" if args.quick else ""
    x = rng.standard_normal((n, c), dtype=np.float32) * np.float32(3)
    y = rng.integers(0, c, n)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours, peer = best_of_pair(
        lambda: losscli.evaluate("scce", y, x, from_logits=True),
        lambda: F.cross_entropy(xt, yt, reduction="none"),
        args.repeat,
    )
    sub = accuracy_subset(n, c)
    ref = ref_scce(x[sub], y[sub])
    err = max_rel(losscli.evaluate("scce", y[sub], x[sub], from_logits=True).per_sample, ref)
    err_t = max_rel(F.cross_entropy(xt[sub], yt[sub], reduction="none").numpy(), ref)
    _torch_rows(f"scce logits f32 {n:,}x{c}{tag}", f"scce {n:,}x{c}", ours, peer, err, err_t)


def _kernel_bce_logits(args: argparse.Namespace, rng: np.random.Generator, n: int) -> None:
    import torch
    import torch.nn.functional as F

    import losscli

    tag = " (quick)" if args.quick else ""
    x = rng.standard_normal(n, dtype=np.float32) * np.float32(3)
    y = rng.integers(0, 2, n).astype(np.float32)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    ours, peer = best_of_pair(
        lambda: losscli.evaluate("bce", y, x, from_logits=True),
        lambda: F.binary_cross_entropy_with_logits(xt, yt, reduction="none"),
        args.repeat,
    )
    sub = accuracy_subset(n, 1)
    ref = ref_bce_logits(x[sub], y[sub])
    err = max_rel(losscli.evaluate("bce", y[sub], x[sub], from_logits=True).per_sample, ref)
    err_t = max_rel(F.binary_cross_entropy_with_logits(xt[sub], yt[sub], reduction="none").numpy(), ref)
    _torch_rows(f"bce logits f32 {n:,}{tag}", f"bce logits {n:,}", ours, peer, err, err_t)


def _kernel_bce_probs(args: argparse.Namespace, rng: np.random.Generator, n: int) -> None:
    from sklearn.metrics import log_loss

    import losscli

    p = rng.random(n)
    y = (rng.random(n) < p).astype(np.int64)
    ours, peer = best_of_pair(
        lambda: losscli.evaluate("bce", y, p, convention="sklearn"), lambda: log_loss(y, p), args.repeat
    )
    ref = float(np.mean(ref_bce_probs(p, y)))
    err = abs(losscli.evaluate("bce", y, p, convention="sklearn").value - ref) / ref
    err_s = abs(log_loss(y, p) - ref) / ref
    add(
        Row(
            "kernel",
            f"bce probs f64 {n:,} (mean)",
            fmt_s(ours),
            f"sklearn log_loss {fmt_s(peer)}",
            f"{peer / ours:.2f}x faster",
            f">= {KERNEL_SPEEDUP}x",
            peer / ours >= KERNEL_SPEEDUP,
        )
    )
    add(
        Row(
            "accuracy",
            f"bce probs mean {n:,}",
            f"{err:.1e}",
            f"sklearn {err_s:.1e}",
            "rel err of mean",
            f"<= {ACCURACY:g}",
            err <= ACCURACY,
        )
    )


# ---------------------------------------------------------------------------------------------- data
def _atomic(path: Path, write: Callable[[Path], None]) -> Path:
    if path.exists():
        return path
    part = path.with_name(path.name + ".part")
    write(part)
    part.rename(path)
    return path


def make_csv(data: Path, rows: int, classes: int = 10) -> Path:
    """``rows`` × (``classes`` float32 logits + integer label) as CSV (~110 bytes a row for 10 classes)."""

    def write(part: Path) -> None:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        rng = np.random.default_rng(1)
        log(f"generating {rows:,}-row CSV {part.name} ...")
        with pacsv.CSVWriter(
            part, pa.schema([(f"logit_{j}", pa.float32()) for j in range(classes)] + [("label", pa.int64())])
        ) as w:
            for start in range(0, rows, 500_000):
                m = min(500_000, rows - start)
                x = rng.standard_normal((m, classes), dtype=np.float32) * 3
                y = rng.integers(0, classes, m)
                cols = [pa.array(x[:, j]) for j in range(classes)] + [pa.array(y)]
                w.write_table(
                    pa.Table.from_arrays(cols, names=[f"logit_{j}" for j in range(classes)] + ["label"])
                )

    return _atomic(data / f"logits_{rows}x{classes}.csv", write)


def make_big_csv(data: Path, base: Path, min_bytes: int) -> Path:
    """``base``'s rows repeated until the file holds ``min_bytes`` (fast; the data repeats)."""

    def write(part: Path) -> None:
        raw = base.read_bytes()
        header, body = raw.split(b"\n", 1)
        reps = math.ceil((min_bytes - len(header)) / len(body))
        log(f"writing {part.name}: {reps} copies of {base.name} ...")
        with open(part, "wb") as f:
            f.write(header + b"\n")
            for _ in range(reps):
                f.write(body)

    return _atomic(data / f"big_{min_bytes // MB}MB_{base.stem}.csv", write)


def make_big_npy(data: Path, min_bytes: int, classes: int = 10) -> tuple[Path, Path]:
    rows = math.ceil(min_bytes / (4 * classes))
    preds = data / f"big_preds_{rows}x{classes}_f32.npy"
    labels = data / f"big_labels_{rows}.npy"

    def write_preds(part: Path) -> None:
        log(f"writing {part.name} ({rows * classes * 4 / MB:.0f} MB) ...")
        rng = np.random.default_rng(2)
        with open(part, "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<f4", "fortran_order": False, "shape": (rows, classes)}
            )
            for start in range(0, rows, 1 << 20):
                m = min(1 << 20, rows - start)
                f.write((rng.standard_normal((m, classes), dtype=np.float32) * 3).tobytes())

    def write_labels(part: Path) -> None:
        rng = np.random.default_rng(3)
        with open(part, "wb") as f:
            np.lib.format.write_array_header_1_0(
                f, {"descr": "<i8", "fortran_order": False, "shape": (rows,)}
            )
            for start in range(0, rows, 1 << 22):
                f.write(rng.integers(0, classes, min(1 << 22, rows - start)).astype("<i8").tobytes())

    return _atomic(preds, write_preds), _atomic(labels, write_labels)


# ---------------------------------------------------------------------------------------------- e2e
READERS = {
    "polars.read_csv": "import polars; polars.read_csv({f!r})",
    "pandas.read_csv": "import pandas; pandas.read_csv({f!r})",
    "pandas.read_csv(engine=pyarrow)": "import pandas; pandas.read_csv({f!r}, engine='pyarrow')",
    "pyarrow.csv.read_csv": "import pyarrow.csv; pyarrow.csv.read_csv({f!r})",
}


def bench_e2e(args: argparse.Namespace, data: Path) -> None:
    rows = 200_000 if args.quick else 1_000_000
    csv = make_csv(data, rows)
    size = csv.stat().st_size / MB
    tag = f"{rows:,}x(10+label) CSV {size:.0f} MB" + (" (quick)" if args.quick else "")
    reader_times: dict[str, float] = {}
    for name, code in READERS.items():
        src = code.format(f=str(csv))
        setup, stmt = src.split("; ", 1)
        ns: dict[str, object] = {}
        try:
            exec(setup, ns)
            reader_times[name] = best_of(lambda stmt=stmt, ns=ns: exec(stmt, ns), args.repeat)
        except Exception as exc:  # a reader that is not installed or fails
            log(f"{name} failed: {exc!r}")
    if not reader_times:
        add(Row("e2e", tag, "-", "no reader worked", "-", f"<= {E2E_RATIO}x", None))
        return
    best_name = min(reader_times, key=reader_times.get)
    best_read = reader_times[best_name]
    log("readers in-process: " + ", ".join(f"{k} {fmt_s(v)}" for k, v in reader_times.items()))
    # The same fastest read as a process of its own (interpreter start and import included).
    proc_read = min(
        run_cmd([sys.executable, "-c", READERS[best_name].format(f=str(csv))])[0] for _ in range(args.repeat)
    )

    cmd = losscli_cmd("scce", str(csv), "--logits", "-q")
    wall, code, _, err = run_cmd(cmd)  # warm-up, also checks it works
    if code != 0:
        add(
            Row(
                "e2e",
                tag,
                f"FAILED (exit {code})",
                f"{best_name} {fmt_s(best_read)}",
                "-",
                f"<= {E2E_RATIO}x",
                None,
                err[:120],
            )
        )
        return
    ours = min(run_cmd(cmd)[0] for _ in range(args.repeat))
    add(
        Row(
            "e2e",
            tag + ", vs read in-process",
            fmt_s(ours),
            f"{best_name} {fmt_s(best_read)}",
            f"{ours / best_read:.2f}x",
            f"<= {E2E_RATIO}x",
            ours / best_read <= E2E_RATIO,
        )
    )
    add(
        Row(
            "e2e",
            tag + ", vs read as a process",
            fmt_s(ours),
            f"python -c {best_name} {fmt_s(proc_read)}",
            f"{ours / proc_read:.2f}x",
            f"<= {E2E_RATIO}x",
            ours / proc_read <= E2E_RATIO,
        )
    )


# ---------------------------------------------------------------------------------------------- memory
def bench_memory(args: argparse.Namespace, data: Path) -> None:
    min_bytes = (256 if args.quick else 2048) * MB + MB
    tag = " (quick: small files)" if args.quick else ""
    base = make_csv(data, 200_000 if args.quick else 1_000_000)
    big_csv = make_big_csv(data, base, min_bytes)
    preds, labels = make_big_npy(data, min_bytes)
    cases = [
        (
            f"scce CSV {big_csv.stat().st_size / MB:,.0f} MB{tag}",
            losscli_cmd("scce", str(big_csv), "--logits", "-q"),
        ),
        (
            f"scce NPY f32 {preds.stat().st_size / MB:,.0f} MB{tag}",
            losscli_cmd("scce", "--labels", str(labels), "--preds", str(preds), "--logits", "-q"),
        ),
    ]
    # through a small launcher: a child forked from this process would count this process's memory too
    from memory import peak_rss

    for case, cmd in cases:
        wall, code, _, err = run_cmd(cmd)
        rss = peak_rss(cmd)[0] * MB
        if code != 0:
            add(
                Row(
                    "memory", case, f"FAILED (exit {code})", "-", "-", f"< {RSS_LIMIT_MB} MB", None, err[:120]
                )
            )
            continue
        add(
            Row(
                "memory",
                case,
                f"{rss / MB:.0f} MB peak RSS",
                f"(wall {fmt_s(wall)})",
                "-",
                f"< {RSS_LIMIT_MB} MB",
                rss / MB < RSS_LIMIT_MB,
            )
        )


# ---------------------------------------------------------------------------------------------- startup
def bench_startup(args: argparse.Namespace, data: Path) -> None:
    tiny = data / "tiny_bce.csv"
    if not tiny.exists():
        rng = np.random.default_rng(4)
        tiny.write_text(
            "y,p\n" + "".join(f"{int(rng.random() < 0.5)},{rng.random():.6f}\n" for _ in range(10))
        )
    runs = 5 if args.quick else 11
    cmd = losscli_cmd("bce", str(tiny), "-q")
    _, code, _, err = run_cmd(cmd)
    numpy_t = statistics.median(run_cmd([sys.executable, "-c", "import numpy"])[0] for _ in range(runs))
    if code != 0:
        add(
            Row(
                "startup",
                "eval bce on 10-row CSV",
                f"FAILED (exit {code})",
                f"import numpy {fmt_s(numpy_t)}",
                "-",
                f"<= {STARTUP_RATIO}x",
                None,
                err[:120],
            )
        )
        return
    ours = statistics.median(run_cmd(cmd)[0] for _ in range(runs))
    add(
        Row(
            "startup",
            "eval bce on 10-row CSV (median)",
            fmt_s(ours),
            f"import numpy {fmt_s(numpy_t)}",
            f"{ours / numpy_t:.2f}x",
            f"<= {STARTUP_RATIO}x",
            ours / numpy_t <= STARTUP_RATIO,
        )
    )


# ---------------------------------------------------------------------------------------------- main
def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller data (5x fewer rows, 256 MB memory files)")
    ap.add_argument(
        "--only", default=",".join(SECTIONS), help=f"comma-separated subset of {','.join(SECTIONS)}"
    )
    ap.add_argument(
        "--repeat", type=int, default=None, help="timed runs per measurement (default 5, quick 3)"
    )
    ap.add_argument("--data-dir", type=Path, default=HERE / "data", help="where generated data is cached")
    ap.add_argument(
        "--tmp", action="store_true", help="generate the data in a temporary directory, removed after"
    )
    ap.add_argument("--clean", action="store_true", help="delete the data directory afterwards")
    ap.add_argument("--json", type=Path, help="also write the rows as JSON to this file")
    args = ap.parse_args(argv)
    args.repeat = args.repeat or (3 if args.quick else 5)
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    data = Path(tempfile.mkdtemp(prefix="losscli-bench-")) if args.tmp else args.data_dir
    data.mkdir(parents=True, exist_ok=True)

    import losscli

    threads = os.environ.get("LOSSCLI_THREADS", "default")
    header = (
        f"losscli {losscli.__version__} | numpy {np.__version__} | python {sys.version.split()[0]} | "
        f"{os.cpu_count()} CPUs | LOSSCLI_THREADS={threads} | repeat={args.repeat}"
        + (" | QUICK (smaller data)" if args.quick else "")
    )
    log(header)
    started = time.perf_counter()
    try:
        for section in SECTIONS:
            if section not in only:
                continue
            try:
                if section == "kernel":
                    bench_kernel(args)
                elif section == "e2e":
                    bench_e2e(args, data)
                elif section == "memory":
                    bench_memory(args, data)
                else:
                    bench_startup(args, data)
            except Exception as exc:  # report and go on with the other sections
                add(
                    Row(
                        section,
                        "(section)",
                        f"ERROR {type(exc).__name__}",
                        "-",
                        "-",
                        "-",
                        None,
                        str(exc)[:120],
                    )
                )
    finally:
        if args.tmp or args.clean:
            shutil.rmtree(data, ignore_errors=True)
    print_table(header + f" | {time.perf_counter() - started:.0f} s")
    if args.json:
        args.json.write_text(json.dumps([r.__dict__ for r in ROWS], indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
