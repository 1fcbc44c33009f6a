"""Shared numerics for the kernels: the kernel output type and stable log-space helpers.

Kernels are pure NumPy functions ``fn(y_true, y_pred, *, conv, **params) -> KernelOutput``. They receive
validated arrays (``y_pred`` is float32 or float64, 1-D ``(N,)`` or 2-D ``(N, K)``) and never do I/O.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..conventions import Convention


@dataclass
class KernelOutput:
    """What a kernel returns for N samples.

    Attributes:
        loss: per-sample loss, float64 ``(N,)``, already multiplied by the class weight of the sample's
            true class where the loss takes class weights (sample weights are applied later).
        weight: the per-sample normalising weight of a weighted mean (the class weight of the true class),
            or ``None`` for all ones.
        counted: which samples count (``False`` for ignored ones), or ``None`` for all.
        clipped: how many probability values were clipped.
    """

    loss: np.ndarray
    weight: np.ndarray | None = None
    counted: np.ndarray | None = None
    clipped: int = 0


def f64(a: np.ndarray) -> np.ndarray:
    """``a`` as float64 (no copy when it already is)."""
    return np.asarray(a, dtype=np.float64)


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = −log(1 + e^{−x}), exact for any finite x (never ``log(sigmoid(x))``)."""
    return -np.logaddexp(0.0, -x)


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) without overflow."""
    return np.logaddexp(0.0, x)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) computed without overflow warnings."""
    out = np.empty_like(x, dtype=np.float64)
    pos = x >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))
    ex = np.exp(x[~pos])
    out[~pos] = ex / (1.0 + ex)
    return out


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of ``(N, C)`` logits via log-sum-exp.

    For small C the reduction runs column by column (C vectorised passes over N) rather than NumPy's
    per-row reduction, which is several times faster for 2–16 classes.
    """
    x = f64(x)
    return x - logsumexp_rows(x)[:, None]


def logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """log Σ_c e^{x_c} per row of ``(N, C)``, stable for any finite logits."""
    n, c = x.shape
    if c <= 16:
        cols = [x[:, j] for j in range(c)]
        m = cols[0].copy()
        for col in cols[1:]:
            np.maximum(m, col, out=m)
        s = np.exp(cols[0] - m)
        for col in cols[1:]:
            s += np.exp(col - m)
        return m + np.log(s)
    m = x.max(axis=1)
    return m + np.log(np.exp(x - m[:, None]).sum(axis=1))


def clipped_probabilities(p: np.ndarray, conv: Convention) -> tuple[np.ndarray, int]:
    """Probabilities clipped as ``conv`` prescribes, and how many values the clip changed."""
    lo, hi = conv.clip_bounds(p.dtype)
    q = conv.prepare_probabilities(p)
    if lo <= 0.0 and hi >= 1.0:
        return q, 0
    changed = int(np.count_nonzero((q < lo) | (q > hi)))
    if changed:
        q = np.clip(q, lo, hi)
    return q, changed


def safe_log(p: np.ndarray, conv: Convention) -> np.ndarray:
    """log p for already-clipped probabilities, with torch's −100 floor where the convention has it."""
    floor = conv.log_clamp()
    with np.errstate(divide="ignore"):
        out = np.log(p)
    if floor is not None:
        np.maximum(out, floor, out=out)
    return out


def safe_log1m(p: np.ndarray, conv: Convention) -> np.ndarray:
    """log(1 − p) for already-clipped probabilities (log1p for accuracy near 0)."""
    floor = conv.log_clamp()
    with np.errstate(divide="ignore"):
        out = np.log1p(-p)
    if floor is not None:
        np.maximum(out, floor, out=out)
    return out


def xlogy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """x·log y with 0·log 0 = 0 (as ``scipy.special.xlogy``)."""
    out = np.zeros(np.broadcast(x, y).shape, dtype=np.float64)
    nz = np.broadcast_to(x != 0, out.shape)
    xb = np.broadcast_to(x, out.shape)
    yb = np.broadcast_to(y, out.shape)
    with np.errstate(divide="ignore"):
        out[nz] = xb[nz] * np.log(yb[nz])
    return out


def smooth_binary(y: np.ndarray, eps: float) -> np.ndarray:
    """Binary label smoothing y(1−ε) + ε/2."""
    return f64(y) * (1.0 - eps) + 0.5 * eps if eps else f64(y)


def smooth_categorical(y: np.ndarray, eps: float) -> np.ndarray:
    """Categorical label smoothing y(1−ε) + ε/C over the last axis."""
    if not eps:
        return f64(y)
    return f64(y) * (1.0 - eps) + eps / y.shape[-1]


def row_mean(a: np.ndarray) -> np.ndarray:
    """Per-sample mean over outputs: ``a`` itself for 1-D, the row mean for 2-D."""
    return a if a.ndim == 1 else a.mean(axis=1)


def as_2d(a: np.ndarray) -> np.ndarray:
    return a[:, None] if a.ndim == 1 else a


def per_column(value: float | tuple[float, ...] | None, k: int, what: str) -> np.ndarray | float | None:
    """A scalar, or a tuple of one value per output column checked against ``k``."""
    from ..errors import ParameterError

    if value is None or isinstance(value, float):
        return value
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 1:
        return float(arr[0])
    if arr.size != k:
        raise ParameterError(f"{what} has {arr.size} values but the predictions have {k} columns")
    return arr
