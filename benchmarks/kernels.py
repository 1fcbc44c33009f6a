#!/usr/bin/env python
"""The compiled kernels against torch and against losscli's own NumPy kernels, in one run.

    python benchmarks/kernels.py [--repeat N] [--quick] [--levels avx512,avx2] [--only BCE,MSE]

For each case — sparse CE from float32 logits at 5M×2, 2M×10 and 200k×1000, categorical CE from logits and
from probabilities with soft labels at 2M×10, categorical focal loss (γ = 2) from logits with soft labels at
2M×10, BCE with logits on 10M float32, and MSE on the same 10M values (no exp or log: the cost of reading,
checking, writing and summing alone, a floor under BCE's time) — it times ``losscli.evaluate(...)``
(per-sample values and the summary; for BCE also the mean alone, with ``per_sample=False``, as ``eval -q``
computes it, against torch's ``reduction="mean"``) with the compiled kernels at each instruction-set level asked for, with
the NumPy kernels (``LOSSCLI_KERNELS=numpy``), and torch's ``reduction="none"`` call on float32 tensors with 2
threads (torch has no categorical cross-entropy from probabilities nor categorical focal loss: there it times
the same formula written with torch's operations, ``−Σ y·log p`` and ``−Σ (1 − p)^γ·y·log_softmax(x)`` with
``1 − p = −expm1(log p)``). All of them run in turn, ``--repeat`` times after a warm-up (best time kept), so
load from other processes hits each alike; the CPU time of the process (all its threads) is shown too, as it
is less sensitive to that load. Accuracy is the largest relative difference of the per-sample losses from
torch in float64 on the same inputs (torch float32 is shown next to it), and from an exact reference (the
formula in ``np.longdouble``, as in ``run.py``). Needs the ``bench`` extra (torch) and the compiled kernels
(``pip install -e .``).

torch picks its kernels by the CPU as losscli does; ``ATEN_CPU_CAPABILITY=avx2`` makes it use its AVX2 ones,
as on a machine without AVX-512: ``ATEN_CPU_CAPABILITY=avx2 python benchmarks/kernels.py --levels avx2``
compares the two AVX2 builds.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable

import numpy as np
from run import accuracy_subset, max_rel, ref_bce_logits, ref_scce

import losscli
from losscli import _native


def ref_cce(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """−Σ_c y_c·log softmax(x)_c in extended precision (``np.longdouble``)."""
    xl = x.astype(np.longdouble)
    m = xl.max(axis=1, keepdims=True)
    lse = m + np.log(np.exp(xl - m).sum(axis=1, keepdims=True))
    return (y.astype(np.longdouble) * (lse - xl)).sum(axis=1)



def ref_cce_probs(p: np.ndarray, y: np.ndarray) -> np.ndarray:
    """−Σ_c y_c·log p_c in extended precision, p clipped to losscli's [ε, 1 − ε]."""
    eps = np.finfo(np.float64).eps
    pl = np.clip(p.astype(np.longdouble), eps, 1 - eps)
    return -(y.astype(np.longdouble) * np.log(pl)).sum(axis=1)


def ref_cfocal(x: np.ndarray, y: np.ndarray, gamma: float) -> np.ndarray:
    """−Σ_c (1 − p_c)^γ·y_c·log p_c, p = softmax(x), in extended precision (log p by the form that keeps the
    largest class's digits: (x − m) − log1p(Σ_{c≠argmax} e^{x_c − m}))."""
    xl = x.astype(np.longdouble)
    rows = np.arange(xl.shape[0])
    m = xl.max(axis=1, keepdims=True)
    e = np.exp(xl - m)
    e[rows, xl.argmax(axis=1)] = 0
    lp = (xl - m) - np.log1p(e.sum(axis=1, keepdims=True))
    return -((-np.expm1(lp)) ** gamma * y.astype(np.longdouble) * lp).sum(axis=1)


TORCH_THREADS = 2


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def use(kernels: str, level: str | None = None) -> None:
    """Switch losscli between its compiled kernels (at ``level``) and its NumPy kernels."""
    os.environ["LOSSCLI_KERNELS"] = kernels
    os.environ.pop("LOSSCLI_KERNEL_LEVEL", None)
    if level:
        os.environ["LOSSCLI_KERNEL_LEVEL"] = level
    _native.reset()


def best_times(fns: dict[str, Callable[[], object]], setups: dict[str, Callable[[], None]], repeat: int):
    """Best wall-clock and best CPU time (all threads of the process) of each function, all run in turn
    ``repeat`` times after one warm-up each."""
    times: dict[str, list[float]] = {k: [] for k in fns}
    cpu: dict[str, list[float]] = {k: [] for k in fns}
    for r in range(repeat + 1):
        for key, fn in fns.items():
            setups[key]()
            t, c = time.perf_counter(), time.process_time()
            fn()
            if r:
                times[key].append(time.perf_counter() - t)
                cpu[key].append(time.process_time() - c)
    return {k: min(v) for k, v in times.items()}, {k: min(v) for k, v in cpu.items()}


def main() -> int:
    import torch
    import torch.nn.functional as F

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--quick", action="store_true", help="5x fewer rows")
    ap.add_argument("--levels", default="", help="compiled levels to time (default: every one the CPU has)")
    ap.add_argument("--only", default="", help="time only the cases whose name contains one of these words "
                    "(comma-separated, case-insensitive), e.g. --only BCE,MSE")
    args = ap.parse_args()

    torch.set_num_threads(TORCH_THREADS)
    use("auto")
    mod = _native.kernels()
    if mod is None:
        raise SystemExit(f"the compiled kernels are not in use: {_native.reason()}")
    levels = [lv for lv in (args.levels.split(",") if args.levels else mod.levels()) if lv != "baseline"]
    div = 5 if args.quick else 1
    rng = np.random.default_rng(0)
    cases = []

    def case(name: str, ours: Callable[[], object], peer: Callable[..., object], tensors: tuple,
             exact: Callable[[], tuple]) -> None:
        """A case: losscli, torch's ``peer`` on the float32 tensors, the same in float64 (integer class
        indices stay integers), and the exact reference."""
        as64 = tuple(t.double() if t.is_floating_point() else t for t in tensors)
        cases.append((name, ours, lambda: peer(*tensors), lambda: peer(*as64), exact))

    def ce(xt: torch.Tensor, yt: torch.Tensor) -> torch.Tensor:
        return F.cross_entropy(xt, yt, reduction="none")

    for n, c in [(5_000_000, 2), (2_000_000, 10), (200_000, 1000)]:
        n //= div
        x = rng.standard_normal((n, c), dtype=np.float32) * np.float32(3)
        y = rng.integers(0, c, n)
        sub = accuracy_subset(n, c)
        case(f"sparse CE logits {n:,}×{c}", lambda x=x, y=y: losscli.evaluate("scce", y, x, from_logits=True),
             ce, (torch.from_numpy(x), torch.from_numpy(y)),
             lambda x=x, y=y, sub=sub: (ref_scce(x[sub], y[sub]), sub))
    n, c = 2_000_000 // div, 10
    x = rng.standard_normal((n, c), dtype=np.float32) * np.float32(3)
    yp = rng.dirichlet(np.ones(c), n).astype(np.float32)
    xt, ypt = torch.from_numpy(x), torch.from_numpy(yp)
    sub = accuracy_subset(n, c)
    case(f"categorical CE logits, soft labels {n:,}×{c}", lambda: losscli.evaluate("cce", yp, x, from_logits=True),
         ce, (xt, ypt), lambda: (ref_cce(x[sub], yp[sub]), sub))
    p = rng.dirichlet(np.ones(c), n).astype(np.float32)
    case(f"categorical CE probabilities, soft labels {n:,}×{c}", lambda: losscli.evaluate("cce", yp, p),
         lambda pt, yt: -(yt * pt.log()).sum(dim=1), (torch.from_numpy(p), ypt),
         lambda: (ref_cce_probs(p[sub], yp[sub]), sub))

    def torch_cfocal(xt: torch.Tensor, yt: torch.Tensor) -> torch.Tensor:
        lp = F.log_softmax(xt, dim=1)
        return -((-torch.expm1(lp)) ** 2 * yt * lp).sum(dim=1)

    case(f"categorical focal (γ = 2) logits, soft labels {n:,}×{c}",
         lambda: losscli.evaluate("categorical_focal", yp, x, from_logits=True, gamma=2.0),
         torch_cfocal, (xt, ypt), lambda: (ref_cfocal(x[sub], yp[sub], 2.0), sub))
    n = 10_000_000 // div
    xb = rng.standard_normal(n, dtype=np.float32) * np.float32(3)
    yb = rng.integers(0, 2, n).astype(np.float32)
    subb = accuracy_subset(n, 1)
    case(f"BCE with logits {n:,}", lambda: losscli.evaluate("bce", yb, xb, from_logits=True),
         lambda xt, yt: F.binary_cross_entropy_with_logits(xt, yt, reduction="none"),
         (torch.from_numpy(xb), torch.from_numpy(yb)), lambda: (ref_bce_logits(xb[subb], yb[subb]), subb))
    # the value alone, as ``eval -q`` and the summaries compute it (no per-sample values written), against
    # torch's mean: the accuracy is that of the mean, against the exact mean of all the samples
    case(f"BCE with logits {n:,}, the mean alone", lambda: losscli.evaluate("bce", yb, xb, from_logits=True,
                                                                          per_sample=False),
         lambda xt, yt: F.binary_cross_entropy_with_logits(xt, yt).reshape(1),
         (torch.from_numpy(xb), torch.from_numpy(yb)),
         lambda: (np.array([ref_bce_logits(xb, yb).mean()]), slice(None)))
    # the same arrays through an element-wise loss with no exp or log: what reading, checking, writing the
    # float64 per-sample values to fresh memory and summing them cost on their own, the floor under BCE
    case(f"MSE (no exp or log: the floor under BCE) {n:,}", lambda: losscli.evaluate("mse", yb, xb),
         lambda xt, yt: F.mse_loss(xt, yt, reduction="none"),
         (torch.from_numpy(xb), torch.from_numpy(yb)),
         lambda: ((xb[subb].astype(np.longdouble) - yb[subb]) ** 2, subb))

    print(
        f"machine: {cpu_name()}, {os.cpu_count()} CPUs; torch {torch.__version__} ({TORCH_THREADS} threads, float32, "
        f"its {torch.backends.cpu.get_cpu_capability()} kernels)"
    )
    print(f"losscli compiled kernels: levels {', '.join(mod.levels())}; timed: {', '.join(levels)}")
    print(f"best of {args.repeat} runs each, all run in turn\n")
    head = "| case | " + " | ".join(f"compiled {lv}" for lv in levels) + " | NumPy kernels | torch f32 |"
    head += (
        " "
        + " | ".join(f"{lv} vs torch" for lv in levels)
        + " | "
        + " | ".join(f"{lv} vs NumPy" for lv in levels)
        + " | CPU time: "
        + " / ".join(levels)
        + " / NumPy / torch"
        + " | max rel err vs torch f64: losscli / torch f32 | vs exact: losscli / torch f64 |"
    )
    print(head)
    print("|" + "---|" * (head.count("|") - 1))
    words = [w.strip().lower() for w in args.only.split(",") if w.strip()]
    if words:
        cases = [c for c in cases if any(w in c[0].lower() for w in words)]
        if not cases:
            raise SystemExit(f"no case matches --only {args.only}")
    for name, ours, peer, torch64, exact in cases:
        fns: dict[str, Callable[[], object]] = {f"c:{lv}": ours for lv in levels}
        setups: dict[str, Callable[[], None]] = {f"c:{lv}": (lambda lv=lv: use("auto", lv)) for lv in levels}
        fns["numpy"], setups["numpy"] = ours, lambda: use("numpy")
        fns["torch"], setups["torch"] = peer, lambda: None
        t, cpu = best_times(fns, setups, args.repeat)
        use("auto")
        got = ours()
        mine = np.array([got.value]) if got.per_sample is None else got.per_sample  # the mean alone: its value
        ref64 = torch64().numpy()
        err, err_t = max_rel(mine, ref64), max_rel(peer().numpy(), ref64)
        ref, sub = exact()
        err_x, err_64 = max_rel(mine[sub], ref), max_rel(ref64[sub], ref)
        ms = lambda s: f"{s * 1e3:.1f} ms"  # noqa: E731
        row = [name, *(ms(t[f"c:{lv}"]) for lv in levels), ms(t["numpy"]), ms(t["torch"])]
        row += [f"{t['torch'] / t[f'c:{lv}']:.2f}×" for lv in levels]
        row += [f"{t['numpy'] / t[f'c:{lv}']:.2f}×" for lv in levels]
        row.append(
            " / ".join(f"{cpu[k] * 1e3:.0f}" for k in [*(f"c:{lv}" for lv in levels), "numpy", "torch"])
            + " ms"
        )
        row += [f"{err:.1e} / {err_t:.1e}", f"{err_x:.1e} / {err_64:.1e}"]
        print("| " + " | ".join(row) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
