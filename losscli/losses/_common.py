"""Shared numerics for the kernels: stable log-space helpers, scratch memory and the thread pool.

Kernels are pure NumPy functions ``fn(y_true, y_pred, *, conv, **params) -> KernelOutput``. They receive
validated arrays (``y_pred`` is float32 or float64, 1-D ``(N,)`` or 2-D ``(N, K)``) and never do I/O.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli.conventions import Convention

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor


def f64(a: np.ndarray) -> np.ndarray:
    """``a`` as float64 (no copy when it already is)."""
    return np.asarray(a, dtype=np.float64)


# ---------------------------------------------------------------------------------------------------------
# Scratch memory. A new large NumPy array is fresh memory that the OS maps and zero-fills page by page on
# first touch; for a kernel made of a dozen cheap passes that costs more than the passes themselves. The
# hot kernels therefore compute in per-thread scratch arrays that are reused from call to call (the
# evaluator hands them pieces of a few ten thousand values, so the scratch stays small and in cache), and
# write their result straight into the caller's destination array when one is offered.

_local = threading.local()

#: Largest scratch array (values) a thread keeps between calls; larger requests get fresh arrays.
WORKSPACE_KEEP = 1 << 20


def workspace(slot: str, n: int, k: int = 1, dtype: type = np.float64) -> list[np.ndarray]:
    """``k`` scratch arrays of ``n`` values for this thread and ``slot``, reused by its next request.

    The arrays stay valid until the next request of the same slot on the same thread: a function must
    return none of them, and a function that calls another one using scratch must use another slot.
    """
    total = n * k
    if total > WORKSPACE_KEEP:
        return [np.empty(n, dtype) for _ in range(k)]
    cache = _local.__dict__.setdefault("workspace", {})
    key = (slot, np.dtype(dtype).char)
    buf = cache.get(key)
    if buf is None or buf.shape[0] < total:
        buf = cache[key] = np.empty(max(total, 1), dtype)
    return [buf[i * n : (i + 1) * n] for i in range(k)]


def arange(n: int) -> np.ndarray:
    """``np.arange(n)`` (int64, read-only view of a per-thread cache: do not modify)."""
    cached = getattr(_local, "arange", None)
    if cached is None or cached.shape[0] < n:
        cached = np.arange(max(n, 1024), dtype=np.int64)
        cached.flags.writeable = False
        if n <= WORKSPACE_KEEP:
            _local.arange = cached
    return cached[:n]


def output(n: int) -> np.ndarray:
    """A float64 array for a kernel's ``n`` per-sample losses: the caller's destination if it offered one
    (see :func:`writing_into`; used once), else a new array."""
    dst = getattr(_local, "dst", None)
    if dst is not None and dst.shape == (n,):
        _local.dst = None
        return dst
    return np.empty(n)


@contextmanager
def writing_into(dst: np.ndarray | None) -> Iterator[None]:
    """Offer ``dst`` (float64, contiguous) to the kernel called inside as its :func:`output` array."""
    _local.dst = dst if dst is not None and dst.dtype == np.float64 and dst.flags.c_contiguous else None
    try:
        yield
    finally:
        _local.dst = None


# ---------------------------------------------------------------------------------------------------------
# Worker threads. NumPy releases the GIL inside its loops, so pieces of a chunk evaluated on a small pool
# of threads run on separate cores. Results are always combined in piece order, so they are bit-identical
# to a sequential run.

_pool: ThreadPoolExecutor | None = None
_pool_key: tuple[int, int] = (0, 0)  # (threads, pid)
_pool_lock = threading.Lock()
_THREAD_PREFIX = "losscli-worker"


def worker_threads() -> int:
    """Threads for kernels: ``LOSSCLI_THREADS`` if set (1 = none), else the CPUs this process may use (≤ 8)."""
    env = os.environ.get("LOSSCLI_THREADS", "").strip()
    if env:
        try:
            return max(1, int(env))
        except ValueError:
            pass
    try:
        n = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def parallel_map(n_threads: int) -> Callable[..., Iterable[Any]]:
    """A ``map`` over a shared pool of ``n_threads`` threads (results in order), or ``map`` itself for 1."""
    global _pool, _pool_key
    if n_threads <= 1 or threading.current_thread().name.startswith(_THREAD_PREFIX):
        return map  # one thread, or already on a worker: waiting for the pool from inside it could deadlock
    with _pool_lock:
        if _pool is None or _pool_key != (n_threads, os.getpid()):  # a forked child needs its own threads
            from concurrent.futures import ThreadPoolExecutor

            old, forked = _pool, _pool is not None and _pool_key[1] != os.getpid()
            _pool = ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix=_THREAD_PREFIX)
            _pool_key = (n_threads, os.getpid())
            if old is not None and not forked:
                old.shutdown(wait=False)
        return _pool.map


def minmax(a: np.ndarray, n_threads: int | None = None) -> tuple[Any, Any]:
    """(min, max) of a non-empty array, NaN if it holds one; large arrays are reduced on worker threads."""
    threads = worker_threads() if n_threads is None else n_threads
    if threads <= 1 or a.size < (1 << 21) or a.ndim == 0:
        return np.min(a), np.max(a)
    step = -(-a.shape[0] // (2 * threads))
    parts = list(
        parallel_map(threads)(
            lambda i: (np.min(a[i : i + step]), np.max(a[i : i + step])), range(0, a.shape[0], step)
        )
    )
    return np.min([p[0] for p in parts]), np.max([p[1] for p in parts])


# ---------------------------------------------------------------------------------------------------------
# Log-space helpers. Every result below is a sum of non-negative terms (no cancellation), so it keeps full
# relative precision, tiny losses included; each costs one exp and one log per element.


def _softplus_terms(x: np.ndarray, pos: np.ndarray, neg: np.ndarray | None, lp: np.ndarray) -> None:
    """Fill float64 ``pos`` = relu(x), ``neg`` = relu(−x) (unless None) and ``lp`` = log1p(e^{−|x|}).

    softplus(x) = pos + lp and softplus(−x) = neg + lp. ``x`` is float32 or float64; ``lp`` may not
    alias it.
    """
    np.abs(x, out=lp)
    np.negative(lp, out=lp)
    np.exp(lp, out=lp)
    np.log1p(lp, out=lp)  # e^{−|x|} ∈ (0, 1]: log1p is fast and exact there
    np.maximum(x, 0.0, out=pos)
    if neg is not None:
        np.subtract(pos, x, out=neg)  # relu(−x), exact: 0 − x or x − x


def softplus_parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(relu(x), relu(−x), log1p(e^{−|x|})) of ``x`` as new float64 arrays (see :func:`_softplus_terms`)."""
    x = f64(x)
    pos, neg, lp = np.empty_like(x), np.empty_like(x), np.empty_like(x)
    _softplus_terms(x, pos, neg, lp)
    return pos, neg, lp


def softplus(x: np.ndarray) -> np.ndarray:
    """log(1 + e^x) = relu(x) + log1p(e^{−|x|}), exact for any finite x (no overflow)."""
    pos, _, lp = softplus_parts(x)
    lp += pos
    return lp


def log_sigmoid(x: np.ndarray) -> np.ndarray:
    """log σ(x) = −softplus(−x) = −(relu(−x) + log1p(e^{−|x|})), exact for any finite x."""
    _, neg, lp = softplus_parts(x)
    lp += neg
    return np.negative(lp, out=lp)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) without overflow: 1/(1 + e) for x ≥ 0 and e/(1 + e) for x < 0, e = e^{−|x|}."""
    x = f64(x)
    e = np.abs(x)
    np.negative(e, out=e)
    np.exp(e, out=e)
    out = e + 1.0
    np.reciprocal(out, out=out)
    np.multiply(out, e, out=e)
    np.copyto(out, e, where=x < 0)
    return out


def sigmoid_cross_entropy(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementwise BCE from logits: ``(1 − y)·relu(x) + y·relu(−x) + log1p(e^{−|x|})``, exact.

    For 0/1 labels this is TF's ``max(x, 0) − x·y + log1p(e^{−|x|})``; as a sum of non-negative terms it
    also stays exact for soft labels near 1 (where ``x − x·y`` cancels). ``x`` and ``y`` are 1-D or 2-D
    of one shape; the result has that shape. Computed in per-thread scratch: 1-D results go to
    :func:`output`, 2-D ones to a new array.
    """
    shape, n = x.shape, x.size
    t, pos, neg = (a.reshape(shape) for a in workspace("bce_logits", n, 3))
    lp = output(n) if x.ndim == 1 else np.empty(shape)
    _softplus_terms(x, pos, neg, lp)  # float32 x: abs and max are exact in float32, the rest is float64
    np.multiply(neg, y, out=neg)
    np.subtract(1.0, y, out=t, dtype=np.float64)  # 1 − y of float32 labels in float64, not float32
    np.multiply(pos, t, out=pos)
    pos += neg
    lp += pos
    return lp


def binary_log_loss(p: np.ndarray, y: np.ndarray, conv: Convention) -> tuple[np.ndarray, int]:
    """Elementwise ``−[y·log p + (1 − y)·log(1 − p)]`` on probabilities clipped as ``conv`` says, and the
    number of clipped values; the same operations as :func:`clipped_probabilities`, :func:`safe_log` and
    :func:`safe_log1m`, done in per-thread scratch (1-D results go to :func:`output`)."""
    shape, n = p.shape, p.size
    q, lq, t = (a.reshape(shape) for a in workspace("bce_probs", n, 3))
    np.copyto(q, conv.prepare_probabilities(p) if conv.clip == "keras_float32" else p)
    lo, hi = conv.clip_bounds(p.dtype)
    clipped = 0
    if lo > 0.0 or hi < 1.0:
        clipped = int(np.count_nonzero(q < lo)) + int(np.count_nonzero(q > hi))
        if clipped:
            np.clip(q, lo, hi, out=q)
    floor = conv.log_clamp()
    out = output(n) if p.ndim == 1 else np.empty(shape)
    with np.errstate(divide="ignore"):
        np.log(q, out=out)
        np.negative(q, out=q)
        np.log1p(q, out=lq)
    if floor is not None:
        np.maximum(out, floor, out=out)
        np.maximum(lq, floor, out=lq)
    np.multiply(y, out, out=out)  # y·log p
    np.subtract(1.0, y, out=t, dtype=np.float64)  # 1 − y of float32 labels in float64, not float32
    np.multiply(t, lq, out=lq)  # (1 − y)·log(1 − p)
    out += lq
    np.negative(out, out=out)
    return out, clipped


def log1p_pos(t: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """log(1 + t) for t ≥ 0 of any size with one ``log`` (``np.log1p`` is slow for large t).

    log(1 + t) = log(u) + log(1 + c/u) ≈ log(u) + c/u, with u = fl(1 + t) and c = t − (u − 1) its rounding
    error: exact (Fast2Sum) for t ≤ 1, off by at most 2⁻⁵³ absolute for t > 1, where the result is ≥ log 2.
    ``t`` is overwritten; the result goes to ``out`` (or a new array), which may not be ``t``.
    """
    u = np.add(t, 1.0, out=out)
    c = np.empty_like(t) if out is None else workspace("log1p_pos", t.shape[0])[0]
    np.subtract(u, 1.0, out=c)
    np.subtract(t, c, out=t)
    t /= u
    np.log(u, out=u)
    u += t
    return u


def log1m_exp(a: np.ndarray) -> np.ndarray:
    """log(1 − e^a) for a ≤ 0 (the log of 1 − p from log p), accurate everywhere (Mächler 2012):
    log(−expm1(a)) for a > −log 2, log1p(−e^a) below. a = 0 gives −inf."""
    a = f64(a)
    out = np.empty_like(a)
    near = a > -0.6931471805599453
    with np.errstate(divide="ignore"):
        out[near] = np.log(-np.expm1(a[near]))
        out[~near] = np.log1p(-np.exp(a[~near]))
    return out


def clip_log_probabilities(lp: np.ndarray, conv: Convention) -> tuple[np.ndarray, int]:
    """Log-probabilities kept within the log of the convention's probability clip, and how many changed
    (the log-space form of :func:`clipped_probabilities`)."""
    lo, hi = conv.clip_bounds(np.dtype(np.float64))
    lp = f64(lp)
    if lo <= 0.0 and hi >= 1.0:
        return lp, 0
    llo, lhi = float(np.log(lo)), float(np.log(hi))
    changed = int(np.count_nonzero((lp < llo) | (lp > lhi)))
    return (np.clip(lp, llo, lhi) if changed else lp), changed


def log_softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise log-softmax of ``(N, C)`` logits: (x_c − m) − log1p(A), m the row maximum and
    A = Σ_{c≠a} e^{x_c − m} over the classes other than the (first) maximum a.

    Both parts are ≤ 0, so every entry keeps full relative precision — the largest one too, where
    ``x − (m + log Σ e^{x − m})`` loses the digits of a confident prediction (log p ≈ −1e-10 would be off
    by 1e-6 relative).
    """
    x = f64(x)
    n, c = x.shape
    if n == 0 or c == 0:
        return np.array(x, dtype=np.float64)
    m = x.max(axis=1)
    xs = x - m[:, None]
    e = np.exp(xs)
    e[np.arange(n), xs.argmax(axis=1)] = 0.0
    a = e.sum(axis=1)
    big = ~np.isfinite(m)
    if big.any():  # a row with an infinite logit: the plain formula (NaN or ±inf, as before)
        xs[big] = x[big] - logsumexp_rows(x[big])[:, None]
        a[big] = 0.0
    xs -= np.log1p(a)[:, None]
    return xs


_SIGNS = np.array([1.0, -1.0])

#: Up to this many classes kernels work on a transposed (C, N) copy, so every operation is a long
#: contiguous pass over N: NumPy's per-row reductions over a short row are several times slower.
SMALL_C = 32


def logsumexp_rows(x: np.ndarray) -> np.ndarray:
    """log Σ_c e^{x_c} per row of ``(N, C)`` = m + log Σ_c e^{x_c − m}, m the row maximum."""
    n, c = x.shape
    if c <= SMALL_C:
        xt = np.empty((c, n))
        np.copyto(xt, x.T)
        m = xt.max(axis=0)
        xt -= m
        np.exp(xt, out=xt)
        s = xt.sum(axis=0)
    else:
        xt = np.array(x, dtype=np.float64)  # a copy: exponentiated in place
        m = xt.max(axis=1)
        xt -= m[:, None]
        np.exp(xt, out=xt)
        s = xt.sum(axis=1)
    np.log(s, out=s)
    s += m
    return s


def sparse_nll_from_logits(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """−log softmax(x)_y per row of ``(N, C)`` logits (float32 or float64), as float64 (:func:`output`).

    Computed as log(1 + t), t = Σ_{c≠y} e^{x_c − x_y}: the terms are positive and the target's own term is
    left out, so the result keeps full relative precision even when it is tiny (a confident correct
    prediction), where ``m + log Σ e^{x − m} − x_y`` loses it. One exp per logit and one log per row; C = 2
    is softplus(x_other − x_y). Rows whose t overflows (logit gaps beyond 709) are redone as
    (m − x_y) + log Σ e^{x_c − m}.
    """
    n, c = x.shape
    out = output(n)
    if n == 0:
        return out
    if c == 2:
        z, s = workspace("nll2", n, 2)
        np.subtract(x[:, 1], x[:, 0], out=z, dtype=np.float64)  # x_1 − x_0: exact for float32 logits
        _SIGNS.take(labels, out=s, mode="clip")
        z *= s  # x_other − x_y: +1 for label 0, −1 for label 1
        _softplus_terms(z, s, None, out)
        out += s
        return out
    (idx,) = workspace("nll_idx", n, 1, np.int64)
    xy, t = workspace("nll_rows", n, 2)
    (buf,) = workspace("nll_all", n * c)
    if c <= SMALL_C:
        np.multiply(labels, n, out=idx, dtype=np.int64)  # (y_i, i) in the transposed (C, N) copy
        idx += arange(n)
        xs = buf.reshape(c, n)
        np.copyto(xs, x.T)
        flat = xs.reshape(-1)
        np.take(flat, idx, out=xy, mode="clip")
        xs -= xy
    else:
        np.multiply(arange(n), c, out=idx)  # (i, y_i) in the (N, C) copy
        np.add(idx, labels, out=idx, dtype=np.int64)
        xs = buf.reshape(n, c)
        np.copyto(xs, x)
        flat = xs.reshape(-1)
        np.take(flat, idx, out=xy, mode="clip")
        xs -= xy[:, None]
    with np.errstate(over="ignore"):
        np.exp(xs, out=xs)
    flat[idx] = 0.0
    np.sum(xs, axis=0 if c <= SMALL_C else 1, out=t)
    bad = None
    if not np.isfinite(t.max()):  # t overflowed: logit gaps beyond 709
        bad = np.flatnonzero(~np.isfinite(t))
        t[bad] = 0.0
    log1p_pos(t, out=out)
    if bad is not None:
        xb = f64(x[bad])
        m = xb.max(axis=1)
        out[bad] = (m - xy[bad]) + np.log(np.exp(xb - m[:, None]).sum(axis=1))
    return out


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
    from losscli.errors import ParameterError

    if value is None or isinstance(value, float):
        return value
    arr = np.asarray(value, dtype=np.float64)
    if arr.size == 1:
        return float(arr[0])
    if arr.size != k:
        raise ParameterError(f"{what} has {arr.size} values but the predictions have {k} columns")
    return arr
