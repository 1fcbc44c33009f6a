"""Summary metrics (scikit-learn's definitions) whose value comes from whole-input sums, not a mean.

RMSE, RMSLE, R², explained variance, max error, D² log loss and D² Brier are not means of per-sample
values: each is a function of sums over all samples (√ of a mean, a ratio of sums, a maximum). Every
kernel here returns a per-sample value whose mean is a familiar loss (squared error, absolute error, log
loss, Brier score) and declares, through :class:`~losscli.spec.Summary`, the mergeable statistics its
value needs and how the value follows from them. Multi-output regression metrics are averaged over the
outputs (scikit-learn's ``multioutput='uniform_average'``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.errors import ShapeError, UsageError
from losscli.losses._common import f64, row_mean
from losscli.losses._domain import refuse
from losscli.losses.margin import brier
from losscli.spec import KernelOutput, Summary, never_clips, register_loss

REAL = {"label_kind": "real", "pred_kind": "real", "elementwise": True, "conventions": ("sklearn",)}
REG_EXAMPLE = {"y_true": [3.0, -0.5, 2.0, 7.0], "y_pred": [2.5, 0.0, 2.0, 8.0]}


def _cols(a: np.ndarray) -> np.ndarray:
    return a.reshape(a.shape[0], -1)


def _weighted_sum(terms: np.ndarray, w: np.ndarray | None) -> tuple[str, Any]:
    """Σ_i w_i·t_ik per column k, as ``bins`` statistics: every term added exactly, so the sums do not
    depend on the chunking."""
    t = _cols(terms)
    wt = t if w is None else np.asarray(w, np.float64).reshape(-1, 1) * t
    k = t.shape[1]
    return "bins", (np.tile(np.arange(k), t.shape[0]), wt.reshape(-1), k)


def _weight_stats(y: np.ndarray, w: np.ndarray | None) -> dict[str, tuple[str, Any]]:
    n = y.shape[0]
    weight = ("sum", [float(n)]) if w is None else _weighted_sum(np.ones(n), w)
    return {"n": ("sum", [float(n)]), "w": weight}


def _scores(num: np.ndarray, den: np.ndarray) -> float:
    """scikit-learn's R²/explained-variance assembly with ``force_finite=True``, averaged over outputs.

    1 − num/den where den ≠ 0; where den = 0 the score is 1 for a perfect fit (num = 0) and 0 otherwise.
    """
    out = np.ones_like(num)
    valid = (num != 0) & (den != 0)
    out[valid] = 1.0 - num[valid] / den[valid]
    out[(num != 0) & (den == 0)] = 0.0
    return float(np.mean(out))


def _too_few(stats: dict[str, Any]) -> bool:
    """scikit-learn returns NaN (with a warning) for these scores on fewer than two samples; samples whose
    weights sum to 0 define no score either (scikit-learn divides by that sum)."""
    return float(stats["n"][0]) < 2 or stats["w"][0] == 0


# ------------------------------------------------------------------------------------------------- RMSE
def _squared_error_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **_: Any) -> dict:
    e = f64(y_pred) - f64(y_true)
    return {"se": _weighted_sum(e * e, w), **_weight_stats(e, w)}


def _rmse_finish(stats: dict[str, Any], **_: Any) -> float:
    if stats["w"][0] == 0:
        return math.nan
    return float(np.mean(np.sqrt(stats["se"] / stats["w"][0])))


@register_loss(
    "rmse",
    peer_names=("root_mean_squared_error",),
    aliases=("root_mean_squared_error",),
    formula="value = mean_k √(Σ_i w_i (y_ik − p_ik)² / Σ_i w_i); per sample: mean_k (y − p)²",
    latex=r"\mathrm{RMSE} = \frac{1}{K}\sum_k \sqrt{\frac{\sum_i w_i (y_{ik}-p_{ik})^2}{\sum_i w_i}}",
    description="Root mean squared error, per output then averaged (a summary metric).",
    peer="sklearn root_mean_squared_error",
    example=REG_EXAMPLE,
    summary=Summary(_squared_error_stats, _rmse_finish, "√ of the weighted mean squared error, averaged over outputs",
                    "mean_squared_error"),
    **REAL,
)
def rmse(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Root mean squared error (scikit-learn ``root_mean_squared_error``).

    Formula: ``RMSE = mean_k √(Σ_i w_i e_ik² / Σ_i w_i)``, e = p − y; the per-sample value is the squared
    error (the mean over a row's outputs), whose mean is the MSE.
    """
    e = f64(y_pred) - f64(y_true)
    return KernelOutput(row_mean(e * e))


# ------------------------------------------------------------------------------------------------ RMSLE
def _check_log1p(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
    for arr, name in ((yt, "y_true"), (yp, "y_pred")):
        refuse(np.asarray(arr) <= -1, np.asarray(arr), name, offset,
               "rmsle needs values > −1 (log(1 + x) is undefined otherwise)",
               hint="use rmse for values that can be −1 or below")


def _squared_log_error_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **_: Any) -> dict:
    d = np.log1p(f64(y_true)) - np.log1p(f64(y_pred))
    return {"se": _weighted_sum(d * d, w), **_weight_stats(d, w)}


@register_loss(
    "rmsle",
    peer_names=("root_mean_squared_log_error",),
    aliases=("root_mean_squared_log_error",),
    formula="value = mean_k √(Σ_i w_i (log1p y_ik − log1p p_ik)² / Σ_i w_i); per sample: the squared log error",
    latex=r"\mathrm{RMSLE} = \frac{1}{K}\sum_k \sqrt{\frac{\sum_i w_i (\log(1+y_{ik})-\log(1+p_{ik}))^2}{\sum_i w_i}}",
    description="Root mean squared logarithmic error (values > −1), a summary metric.",
    peer="sklearn root_mean_squared_log_error",
    example={"y_true": [3.0, 5.0, 2.5, 7.0], "y_pred": [2.5, 5.0, 4.0, 8.0]},
    check=_check_log1p,
    summary=Summary(_squared_log_error_stats, _rmse_finish,
                    "√ of the weighted mean squared log error, averaged over outputs", "mean_squared_log_error"),
    **REAL,
)
def rmsle(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Root mean squared logarithmic error (scikit-learn ``root_mean_squared_log_error``).

    Formula: ``RMSLE = mean_k √(Σ_i w_i (log1p y − log1p p)² / Σ_i w_i)``; values ≤ −1 are refused, as
    scikit-learn does.
    """
    d = np.log1p(f64(y_true)) - np.log1p(f64(y_pred))
    return KernelOutput(row_mean(d * d))


# --------------------------------------------------------------------------------- R², explained variance
def _r2_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **_: Any) -> dict:
    y = f64(y_true)
    e = f64(y_pred) - y
    return {"se": _weighted_sum(e * e, w), "y": ("moments", _cols(y)), **_weight_stats(y, w)}


def _r2_finish(stats: dict[str, Any], **_: Any) -> float:
    if _too_few(stats):
        return math.nan
    return _scores(stats["se"], stats["y"][2])


@register_loss(
    "r2",
    peer_names=("r2_score",),
    aliases=("r2_score", "r_squared"),
    formula="value = mean_k [1 − Σ_i w_i (y_ik − p_ik)² / Σ_i w_i (y_ik − ȳ_k)²]; per sample: mean_k (y − p)²",
    latex=r"R^2 = 1 - \frac{\sum_i w_i (y_i - p_i)^2}{\sum_i w_i (y_i - \bar y)^2}",
    description="Coefficient of determination R² (higher is better), a summary metric.",
    peer="sklearn r2_score (force_finite=True)",
    example=REG_EXAMPLE,
    higher_is_better=True,
    summary=Summary(_r2_stats, _r2_finish, "1 − SS_res/SS_tot per output, averaged", "mean_squared_error"),
    **REAL,
)
def r2(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Coefficient of determination (scikit-learn ``r2_score``, ``force_finite=True``).

    Formula: ``R² = 1 − Σ w(y − p)² / Σ w(y − ȳ_w)²`` per output, averaged over outputs; a constant target
    scores 1 when predicted exactly and 0 otherwise; fewer than two samples give NaN, as in scikit-learn.
    The per-sample value is the squared error.
    """
    e = f64(y_pred) - f64(y_true)
    return KernelOutput(row_mean(e * e))


def _ev_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **_: Any) -> dict:
    y = f64(y_true)
    r = y - f64(y_pred)
    return {"r": ("moments", _cols(r)), "y": ("moments", _cols(y)), **_weight_stats(y, w)}


def _ev_finish(stats: dict[str, Any], **_: Any) -> float:
    if stats["w"][0] == 0:
        return math.nan
    return _scores(stats["r"][2], stats["y"][2])


@register_loss(
    "explained_variance",
    peer_names=("explained_variance_score",),
    aliases=("explained_variance_score",),
    formula="value = mean_k [1 − Var_w(y_k − p_k) / Var_w(y_k)]; per sample: mean_k (y − p)²",
    latex=r"\mathrm{EV} = 1 - \frac{\operatorname{Var}_w(y - p)}{\operatorname{Var}_w(y)}",
    description="Explained variance score (higher is better), a summary metric.",
    peer="sklearn explained_variance_score (force_finite=True)",
    example=REG_EXAMPLE,
    higher_is_better=True,
    summary=Summary(_ev_stats, _ev_finish, "1 − Var(residual)/Var(target) per output, averaged",
                    "mean_squared_error"),
    **REAL,
)
def explained_variance(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Explained variance (scikit-learn ``explained_variance_score``, ``force_finite=True``).

    Formula: ``EV = 1 − Var_w(y − p) / Var_w(y)`` per output (weighted population variances), averaged
    over outputs; a constant target scores 1 when the residual is constant and 0 otherwise (one sample
    scores 1, as in scikit-learn, which has no two-sample rule here). The
    per-sample value is the squared error.
    """
    e = f64(y_pred) - f64(y_true)
    return KernelOutput(row_mean(e * e))


# ------------------------------------------------------------------------------------------- max error
def _max_error_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **_: Any) -> dict:
    if w is not None:
        raise UsageError("max_error takes no sample weights (scikit-learn's max_error has none)",
                         hint="drop --weights/--weight-col for max_error")
    if y_pred.ndim == 2 and y_pred.shape[1] > 1:
        raise ShapeError(f"max_error takes one output, got {y_pred.shape[1]} prediction columns",
                         hint="evaluate each output on its own (--pred-cols one column)")
    e = np.abs(f64(y_pred) - f64(y_true)).reshape(-1)
    return {"abs": ("max", [float(e.max()) if e.size else -math.inf]), **_weight_stats(e, None)}


def _max_error_finish(stats: dict[str, Any], **_: Any) -> float:
    return float(stats["abs"][0]) if stats["n"][0] else math.nan


@register_loss(
    "max_error",
    peer_names=("max_error",),
    formula="value = max_i |y_i − p_i|; per sample: |y − p|",
    latex=r"\max_i |y_i - p_i|",
    description="Largest absolute error (one output, no weights), a summary metric.",
    peer="sklearn max_error",
    example=REG_EXAMPLE,
    summary=Summary(_max_error_stats, _max_error_finish, "the largest absolute error", "mean_absolute_error"),
    **REAL,
)
def max_error(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Maximum absolute error (scikit-learn ``max_error``). Formula: ``max_i |y_i − p_i|``; one output, unweighted."""
    return KernelOutput(row_mean(np.abs(f64(y_pred) - f64(y_true))))


# ------------------------------------------------------------------------------------ D² log loss / Brier
def _class_onehot(y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """One-hot rows of the class labels over the prediction's classes (two for one probability column)."""
    labels = np.asarray(y_true).astype(np.int64).reshape(-1)
    c = 2 if y_pred.ndim == 1 else y_pred.shape[1]
    out = np.zeros((labels.shape[0], c))
    out[np.arange(labels.shape[0]), labels] = 1.0
    return out


def _d2_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, *, kernel: Any, **params: Any) -> dict:
    loss = kernel(y_true, y_pred, **params).loss
    return {
        "loss": _weighted_sum(loss, w),
        "classes": _weighted_sum(_class_onehot(y_true, y_pred), w),
        "columns": ("max", [1.0 if y_pred.ndim == 1 else float(y_pred.shape[1])]),
        **_weight_stats(loss, w),
    }


def _d2_log_loss_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **params: Any) -> dict:
    return _d2_stats(y_true, y_pred, w, kernel=d2_log_loss, **params)


def _d2_log_loss_finish(stats: dict[str, Any], **_: Any) -> float | tuple[float, str]:
    if _too_few(stats):
        return math.nan
    pi = stats["classes"] / stats["w"][0]
    pi = pi[pi > 0]
    null = float(-np.sum(pi * np.log(pi)))
    model = float(stats["loss"][0] / stats["w"][0])
    return _d2(model, null)


def _d2(model: float, null: float) -> float | tuple[float, str]:
    if null > 0:
        return 1.0 - model / null
    return math.nan, "D² is undefined when the labels hold one class (the class-frequency prediction is exact)"


@register_loss(
    "d2_log_loss",
    clips=never_clips,
    one_hot_labels=True,
    peer_names=("d2_log_loss_score",),
    aliases=("d2_log_loss_score",),
    label_kind="class_index",
    pred_kind="distribution",
    conventions=("sklearn",),
    formula="value = 1 − log_loss(y, p) / log_loss(y, π), π = the weighted class frequencies; per sample: −log p_y",
    latex=r"D^2 = 1 - \frac{\mathrm{LogLoss}(y, p)}{\mathrm{LogLoss}(y, \pi)}",
    description="D² log loss: fraction of log loss explained against the class-frequency model (higher is better).",
    peer="sklearn d2_log_loss_score",
    example={"y_true": [1, 0, 1, 1], "y_pred": [0.9, 0.2, 0.6, 0.7]},
    higher_is_better=True,
    summary=Summary(_d2_log_loss_stats, _d2_log_loss_finish,
                    "1 − log loss / log loss of the class-frequency prediction", "log_loss"),
)
def d2_log_loss(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """D² log loss (scikit-learn ``d2_log_loss_score``).

    Formula: ``D² = 1 − LL(y, p) / LL(y, π)`` with ``LL`` the weighted mean log loss and π the weighted
    class frequencies of the labels (the null model); NaN with a warning when the labels hold one class
    (scikit-learn refuses that unless given ``labels``, then answers a huge negative number, such as
    −1.03e15 where the null model's clipped log loss is near 0, or −inf); binary on one probability
    column (of class 1) or multiclass on C columns. As scikit-learn's ``log_loss``: the probabilities of the
    true class are clipped to [ε, 1 − ε], ε the machine epsilon of the predictions' dtype (float32's for
    float32 files), and rows are used as given, not renormalised. The per-sample value is the log loss.
    """
    eps = float(np.finfo(y_pred.dtype if y_pred.dtype.kind == "f" else np.float64).eps)
    labels = np.asarray(y_true).astype(np.int64).reshape(-1)
    p = f64(y_pred)
    p_true = np.where(labels == 1, p, 1.0 - p) if p.ndim == 1 else p[np.arange(p.shape[0]), labels]
    clipped = int(np.count_nonzero((p_true < eps) | (p_true > 1.0 - eps)))
    return KernelOutput(-np.log(np.clip(p_true, eps, 1.0 - eps)), clipped=clipped)


def _d2_brier_stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, **params: Any) -> dict:
    return _d2_stats(y_true, y_pred, w, kernel=brier, **params)


def _d2_brier_finish(stats: dict[str, Any], **_: Any) -> float | tuple[float, str]:
    if _too_few(stats):
        return math.nan
    pi = stats["classes"] / stats["w"][0]
    null = float(1.0 - np.sum(pi * pi)) * (0.5 if stats["columns"][0] <= 2 else 1.0)
    model = float(stats["loss"][0] / stats["w"][0])
    return _d2(model, null)


@register_loss(
    "d2_brier",
    clips=never_clips,
    one_hot_labels=True,
    peer_names=("d2_brier_score",),
    aliases=("d2_brier_score",),
    label_kind="class_index",
    pred_kind="distribution",
    conventions=("sklearn",),
    formula="value = 1 − Brier(y, p) / Brier(y, π), π = the weighted class frequencies; per sample: the Brier score",
    latex=r"D^2 = 1 - \frac{\mathrm{Brier}(y, p)}{\mathrm{Brier}(y, \pi)}",
    description="D² Brier score: fraction of the Brier score explained against the class-frequency model (higher is better).",
    peer="sklearn d2_brier_score",
    example={"y_true": [1, 0, 1, 1], "y_pred": [0.9, 0.2, 0.6, 0.7]},
    higher_is_better=True,
    summary=Summary(_d2_brier_stats, _d2_brier_finish,
                    "1 − Brier score / Brier score of the class-frequency prediction", "brier_score"),
)
def d2_brier(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """D² Brier score (scikit-learn ``d2_brier_score``).

    Formula: ``D² = 1 − B(y, p) / B(y, π)`` with ``B`` the weighted mean Brier score (binary: (y − p)²;
    multiclass: Σ_c (1[y = c] − p_c)²) and π the weighted class frequencies of the labels. The per-sample
    value is the Brier score.
    """
    return brier(y_true, y_pred, conv=conv)
