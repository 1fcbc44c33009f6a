"""Which chunks the compiled kernels evaluate, and the call that does it.

:func:`plan_for` decides, from the loss, its parameters and the convention alone (no import of the
compiled module), whether a loss has a fused compiled kernel. :meth:`FusedPlan.run` then takes a chunk
of the common shapes and dtypes, validates it, computes its per-sample values and the accumulator
statistics of its whole blocks in one pass, and returns ``None`` for anything else — other shapes or
dtypes, or an invalid value — so that the NumPy path handles it (and names the invalid value).

Covered: ``binary_crossentropy`` from logits (any convention) or probabilities (every convention's
clipping), with label smoothing and one ``pos_weight``; ``sparse_categorical_crossentropy`` from logits
with class weights, ``ignore_index`` and label smoothing; ``categorical_crossentropy`` from logits or
probabilities (every convention's clipping, Keras' renormalisation, torch's log floor) with smoothing and
class weights (label rows, and probability rows, must sum to 1 within ``sum_tol``: under a convention that
refuses other rows they go to the NumPy path, which errs; under one that warns, the kernel takes them and
counts them, so that the chunking does not decide which kernel computes a row); ``binary_focal_crossentropy`` (0 ≤ γ ≤ 16, with
or without α) from probabilities, and from logits except under Keras; ``categorical_focal_crossentropy``
(0 ≤ γ ≤ 16, α none, one or one per class) on the same terms; ``mse``, ``mae`` and ``huber``.
Element-wise losses take one or several outputs per row (their mean, as the NumPy kernels). Labels given as
class indices reach the categorical kernels as one-hot rows (the evaluator's ``adapt_labels``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli._native import empty, kernels
from losscli.records import record

BCE_LOGITS, BCE_PROBS, SPARSE_LOGITS, MSE, MAE, HUBER, CCE_LOGITS, CCE_PROBS = 1, 2, 3, 4, 5, 6, 7, 8

#: dtype → the compiled module's code for it
_CODES = {
    np.dtype(np.float64): 0,
    np.dtype(np.float32): 1,
    np.dtype(np.int64): 2,
    np.dtype(np.int32): 3,
    np.dtype(np.uint8): 4,
    np.dtype(np.bool_): 4,
    np.dtype(np.int8): 5,
}
_PRED_CODES = {np.dtype(np.float64): 0, np.dtype(np.float32): 1}


@record(frozen=True)
class FusedPlan:
    """A compiled kernel and its scalar parameters for one evaluator."""

    kind: int
    smooth: float = 0.0
    pos_weight: float | None = None
    class_weights: np.ndarray | None = None
    ignore_index: int | None = None
    clip: Callable[[np.dtype], tuple[float, float]] | None = None
    log_floor: float | None = None
    keras32: bool = False
    renorm: bool = False
    delta: float = 1.0
    sum_tol: float = 0.0
    #: rows off by more than ``sum_tol`` are taken (and counted) rather than left to the NumPy path: a convention
    #: that warns about them (Keras, scikit-learn), so that every chunk of an input takes the same kernel
    lax_sums: bool = False
    cw_argmax: bool = False
    #: several outputs of a row are one distribution, not separate binary outputs (scikit-learn's log_loss):
    #: the compiled kernels leave such rows to the NumPy kernel
    rows_as_distributions: bool = False
    focal_gamma: float | None = None
    focal_alpha: float | None = None
    focal_alphas: np.ndarray | None = None

    def run(
        self,
        y_true: Any,
        y_pred: Any,
        sample_weight: Any,
        *,
        head: int,
        block: int,
        threads: int,
        dst: np.ndarray | None = None,
        discard: bool = False,
    ) -> (
        tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int, np.ndarray, tuple[float, float], int] | None
    ):
        """(values, weights, counted, clipped, block statistics, (min, max) of y_pred, rows off) of one chunk, or
        ``None`` when the chunk is not one the compiled kernel takes (or holds an invalid value). The block
        statistics are an ``(nblocks, 7)`` array of rows ``(count, Σv, Σw, mean, M2, min, max)``. Rows off is the
        number of label or probability rows that do not sum to 1 within ``sum_tol`` (with ``lax_sums``; a few
        near the tolerance's edge may be among them: the caller's check of the chunk tells which warn).

        ``head`` rows complete the accumulator's buffered block; statistics are returned for the whole
        blocks of ``block`` rows that follow. With ``discard`` the caller needs the whole blocks' statistics
        alone: their per-sample values, weights and counted flags may be left unwritten (the kernel computes
        them in cache and keeps only the statistics); the rows outside whole blocks are written as usual.
        """
        mod = kernels()
        if mod is None:
            return None
        if not (isinstance(y_pred, np.ndarray) and isinstance(y_true, np.ndarray)):
            return None
        yp, yt = y_pred, y_true
        clip_dtype = yp.dtype  # float16 is taken as float32 (exact); a dtype-eps clip stays float16's
        if yp.dtype == np.float16:
            yp = yp.astype(np.float32)
        pc, tc = _PRED_CODES.get(yp.dtype), _CODES.get(yt.dtype)
        if pc is None or tc is None:
            return None
        # another layout (a DataFrame's Fortran-ordered values, a column slice) in row order, so that the values
        # are those of these kernels whatever the layout: the NumPy kernels' differ by an ulp or two
        yp, yt = np.ascontiguousarray(yp), np.ascontiguousarray(yt)
        if self.kind in (SPARSE_LOGITS, CCE_LOGITS, CCE_PROBS):
            if yp.ndim != 2 or yp.shape[1] < 2:
                return None
            c = yp.shape[1]
            if self.class_weights is not None and self.class_weights.shape[0] != c:
                return None
            if self.focal_alphas is not None and self.focal_alphas.shape[0] != c:
                return None
            if self.kind != SPARSE_LOGITS and yt.shape != yp.shape:
                return None
        elif yp.ndim == 2:  # several outputs per row: their mean
            c = yp.shape[1]
            if yt.shape != yp.shape or c == 0 or self.rows_as_distributions:
                return None
        elif yp.ndim != 1:
            return None
        else:
            c = 1
        n = yp.shape[0]
        if yt.ndim == 0 or yt.shape[0] != n or n == 0 or (yt.ndim != 1 and yt.shape != yp.shape):
            return None  # a 0-d label (the NumPy path names the shapes)
        swc, sw = 0, None
        if sample_weight is not None:
            sw = sample_weight
            if not isinstance(sw, np.ndarray) or sw.ndim != 1 or sw.shape[0] != n:
                return None
            sw = np.ascontiguousarray(sw)
            swc = _CODES.get(sw.dtype)
            if swc is None or sw.dtype == np.bool_:
                return None
        if yt.dtype == np.bool_:
            yt = yt.view(np.uint8)
        lo, hi = (0.0, 1.0)
        probs = self.kind in (BCE_PROBS, CCE_PROBS)
        if probs and self.clip is not None:
            lo, hi = self.clip(clip_dtype)
        clip = probs and (lo > 0.0 or hi < 1.0)
        if self.kind == CCE_PROBS and lo <= 0.0 and self.log_floor is None:  # log 0 = −inf: NumPy's NaN
            return None
        values = dst if dst is not None and dst.shape == (n,) and dst.flags.c_contiguous else None
        if values is None:  # with ``discard`` the whole blocks' values are never written: no page is touched
            values = np.empty(n) if discard else empty(n)
        needs_w = self.class_weights is not None or sample_weight is not None
        weights = empty(n) if needs_w else None
        counted = np.empty(n, np.bool_) if self.ignore_index is not None else None
        head = min(head, n)
        nblocks = (n - head) // block
        stats = np.empty((nblocks, 7))
        bad, clipped, pmin, pmax, off = mod.fused(
            self.kind,
            yp,
            pc,
            yt,
            tc,
            sw,
            swc,
            n,
            c,
            (
                int(self.smooth != 0.0),
                float(self.smooth),
                int(self.pos_weight is not None),
                float(self.pos_weight or 0.0),
                float(self.delta),
            ),
            (
                int(clip),
                float(lo),
                float(hi),
                int(self.log_floor is not None),
                float(self.log_floor or 0.0),
                int(self.keras32),
                int(self.renorm),
            ),
            (int(self.ignore_index is not None), int(self.ignore_index or 0), float(self.sum_tol),
             int(self.lax_sums), int(self.cw_argmax)),
            (
                int(self.focal_gamma is not None),
                float(self.focal_gamma or 0.0),
                int(self.focal_alpha is not None),
                float(self.focal_alpha or 0.0),
                self.focal_alphas,
            ),
            self.class_weights,
            values,
            weights,
            None if counted is None else counted.view(np.uint8),
            head,
            block,
            stats,
            threads,
            discard and dst is None,
        )
        if bad:
            return None
        return values, weights, counted, int(clipped), stats, (pmin, pmax), int(off)


def block_stats(
    values: np.ndarray, weights: np.ndarray | None, counted: np.ndarray | None
) -> tuple[int, float, float, float, float, float, float]:
    """The accumulator statistics of one block, in the same summation tree as the fused kernels."""
    mod = kernels()
    assert mod is not None
    v = np.ascontiguousarray(values, dtype=np.float64)
    w = None if weights is None else np.ascontiguousarray(weights, dtype=np.float64)
    c = None if counted is None else np.ascontiguousarray(counted, dtype=np.bool_).view(np.uint8)
    return mod.block_stats(v, w, c, v.shape[0])


def _prob_handling(conv: Any) -> dict[str, Any]:
    """How the convention takes probabilities: its clip, log floor, float32 rounding (Keras)."""
    return {"clip": conv.clip_bounds, "log_floor": conv.log_clamp(), "keras32": conv.clip == "keras_float32"}


def _bce_probs(conv: Any, **kw: Any) -> FusedPlan:
    """Binary cross-entropy from probabilities with the convention's clipping, log floor and rounding."""
    return FusedPlan(BCE_PROBS, **_prob_handling(conv), rows_as_distributions=conv.name == "sklearn", **kw)


#: The largest focusing parameter γ the compiled kernels take: (1 − p)^γ = e^{γ·log(1 − p)} keeps about half
#: an ulp while γ times the 2^-61 error of the double-double log stays far below it; larger γ stay on NumPy.
FOCAL_GAMMA_MAX = 16.0


def _focal_gamma(params: dict[str, Any]) -> float | None:
    """The focal loss's γ when the compiled kernels take it (0 ≤ γ ≤ :data:`FOCAL_GAMMA_MAX`), else ``None``."""
    gamma = float(params.get("gamma", 2.0))
    return gamma if 0.0 <= gamma <= FOCAL_GAMMA_MAX else None


def _categorical_focal(params: dict[str, Any], conv: Any, from_logits: bool) -> FusedPlan | None:
    """Categorical focal loss, 0 ≤ γ ≤ 16, α none, one value or one per class (the convention's
    default when not given); from probabilities in every convention, from logits except under Keras."""
    if set(params) - {"from_logits", "label_smoothing", "gamma", "alpha", "log_probs"} or params.get("log_probs"):
        return None
    gamma = _focal_gamma(params)
    if gamma is None:
        return None
    if from_logits and conv.name == "keras":  # Keras takes softmax(x) through its clipped probability path
        return None
    alpha = params.get("alpha")
    alpha = conv.focal_alpha_categorical if alpha is None else alpha
    alphas = None
    if isinstance(alpha, (tuple, list, np.ndarray)):
        values = np.ascontiguousarray(alpha, dtype=np.float64).reshape(-1)
        alpha, alphas = (float(values[0]), None) if values.size == 1 else (None, values)
    focal = {
        "smooth": float(params.get("label_smoothing") or 0.0),
        "focal_gamma": gamma,
        "focal_alpha": None if alpha is None else float(alpha),
        "focal_alphas": alphas,
    }
    if from_logits:
        return FusedPlan(CCE_LOGITS, **focal)
    return FusedPlan(CCE_PROBS, renorm=conv.renormalise, **_prob_handling(conv), **focal)


def _class_weighted(kind: int, params: dict[str, Any], conv: Any, **kw: Any) -> FusedPlan:
    """A softmax cross-entropy with its smoothing and class weights (Keras: the weight of the target class
    multiplies the loss)."""
    cw = params.get("class_weights")
    return FusedPlan(
        kind,
        smooth=float(params.get("label_smoothing") or 0.0),
        class_weights=None if cw is None else np.ascontiguousarray(cw, dtype=np.float64),
        cw_argmax=conv.name == "keras",
        **kw,
    )


def plan_for(spec: Any, params: dict[str, Any], conv: Any) -> FusedPlan | None:
    """The compiled kernel for this loss, parameters and convention, or ``None`` (NumPy kernels)."""
    from losscli.losses import classification, regression

    fn = getattr(spec, "fn", None)
    if getattr(spec, "check", None) is not None:  # a loss-specific validation the compiled kernels lack
        return None
    if params.get("unit", "nats") != "nats":  # the kernels compute in nats; bits stay on the NumPy path
        return None
    params = {k: v for k, v in params.items() if k != "unit"}
    from_logits = bool(params.get("from_logits", False))
    if fn is classification.binary_crossentropy:
        if set(params) - {"from_logits", "label_smoothing", "pos_weight", "log_probs"} or params.get("log_probs"):
            return None
        pw = params.get("pos_weight")
        if isinstance(pw, tuple):
            if len(pw) != 1:
                return None
            pw = pw[0]
        smooth = float(params.get("label_smoothing") or 0.0)
        pw = None if pw is None else float(pw)
        if from_logits:
            return FusedPlan(BCE_LOGITS, smooth=smooth, pos_weight=pw, rows_as_distributions=conv.name == "sklearn")
        return _bce_probs(conv, smooth=smooth, pos_weight=pw)
    if fn is classification.sparse_categorical_crossentropy:
        allowed = {"from_logits", "label_smoothing", "class_weights", "ignore_index", "log_probs"}
        if set(params) - allowed or params.get("log_probs"):
            return None
        if not from_logits:
            return None
        # labels are compared as float64 here, exact as ignore_index is bounded to ±(2**53 − 1)
        return _class_weighted(SPARSE_LOGITS, params, conv, ignore_index=params.get("ignore_index"))
    if fn is classification.binary_focal_crossentropy:
        if set(params) - {"from_logits", "label_smoothing", "gamma", "alpha", "log_probs"} or params.get("log_probs"):
            return None
        gamma = _focal_gamma(params)
        if gamma is None:
            return None
        alpha = params.get("alpha")
        alpha = conv.focal_alpha_binary if alpha is None else alpha
        if alpha is not None and alpha < 0:  # torchvision's alpha=-1: no balancing
            alpha = None
        smooth = float(params.get("label_smoothing") or 0.0)
        focal = {"focal_gamma": gamma, "focal_alpha": None if alpha is None else float(alpha)}
        if from_logits:
            if conv.name == "keras":  # Keras takes σ(x) through its clipped probability path
                return None
            return FusedPlan(BCE_LOGITS, smooth=smooth, **focal)
        return _bce_probs(conv, smooth=smooth, **focal)
    if fn is classification.categorical_crossentropy:
        allowed = {"from_logits", "label_smoothing", "class_weights", "log_probs"}
        if set(params) - allowed or params.get("log_probs"):
            return None
        if from_logits:
            return _class_weighted(CCE_LOGITS, params, conv)
        return _class_weighted(CCE_PROBS, params, conv, renorm=conv.renormalise, **_prob_handling(conv))
    if fn is classification.categorical_focal_crossentropy:
        return _categorical_focal(params, conv, from_logits)
    kinds = {regression.mse: (MSE, set()), regression.mae: (MAE, set()), regression.huber: (HUBER, {"delta"})}
    if fn in kinds and not set(params) - kinds[fn][1]:
        return FusedPlan(kinds[fn][0], delta=float(params.get("delta", 1.0)))
    return None
