"""Regression losses: MSE, MAE, Huber, smooth L1, log-cosh, MSLE, MAPE, Poisson, cosine similarity.

Element-wise losses on N×K inputs report the mean over the K outputs per sample (Keras' per-sample
axis step); under the torch convention ``sum`` is the sum over all N·K elements.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.errors import UsageError
from losscli.losses._common import f64, row_mean, softplus, xlogy
from losscli.spec import KernelOutput, Param, register_loss

REAL = {"label_kind": "real", "pred_kind": "real", "elementwise": True}
REG_EXAMPLE = {"y_true": [3.0, -0.5, 2.0, 7.0], "y_pred": [2.5, 0.0, 2.0, 8.0]}


@register_loss(
    "mse",
    conventions=("torch", "keras", "sklearn"),
    peer_names=("mse_loss", "MSELoss", "MeanSquaredError", "mean_squared_error"),
    aliases=("mean_squared_error", "l2", "squared_error"),
    formula="l = mean_k (y − p)²",
    latex=r"\ell = \frac{1}{K}\sum_k (y_k - p_k)^2",
    description="Mean squared error.",
    peer="torch mse_loss; Keras MeanSquaredError; sklearn mean_squared_error",
    torch_mean="weighted_mean",
    example=REG_EXAMPLE,
    **REAL,
)
def mse(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Mean squared error. Formula: ``l = mean_k (y − p)²``."""
    d = f64(y_pred) - f64(y_true)
    return KernelOutput(row_mean(d * d))


@register_loss(
    "mae",
    conventions=("torch", "keras", "sklearn"),
    peer_names=("l1_loss", "L1Loss", "MeanAbsoluteError", "mean_absolute_error"),
    aliases=("mean_absolute_error", "l1", "absolute_error"),
    formula="l = mean_k |y − p|",
    latex=r"\ell = \frac{1}{K}\sum_k |y_k - p_k|",
    description="Mean absolute error.",
    peer="torch l1_loss; Keras MeanAbsoluteError; sklearn mean_absolute_error",
    torch_mean="weighted_mean",
    example=REG_EXAMPLE,
    **REAL,
)
def mae(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Mean absolute error. Formula: ``l = mean_k |y − p|``."""
    return KernelOutput(row_mean(np.abs(f64(y_pred) - f64(y_true))))


@register_loss(
    "huber",
    conventions=("torch", "keras"),
    peer_names=("huber_loss", "HuberLoss", "Huber"),
    aliases=("huber_loss",),
    params=(
        Param(
            "delta",
            "float",
            1.0,
            "threshold δ between quadratic and linear",
            low=0.0,
            open_low=True,
            allow_none=False,
        ),
    ),
    formula="l = ½e² if |e| ≤ δ else δ(|e| − ½δ), e = p − y",
    latex=r"\ell = \begin{cases}\tfrac12 e^2 & |e|\le\delta\\ \delta(|e|-\tfrac12\delta) & \text{else}\end{cases}",
    description="Huber loss: quadratic near zero, linear beyond δ.",
    peer="torch huber_loss; Keras Huber",
    torch_mean="mean_over_n",
    example=REG_EXAMPLE,
    **REAL,
)
def huber(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, delta: float = 1.0) -> KernelOutput:
    """Huber loss (torch ``huber_loss``, Keras ``Huber``).

    Formula: ``l = ½e²`` if ``|e| ≤ δ`` else ``δ(|e| − ½δ)``, with e = p − y; mean over outputs.
    """
    a = np.abs(f64(y_pred) - f64(y_true))
    return KernelOutput(row_mean(np.where(a <= delta, 0.5 * a * a, delta * (a - 0.5 * delta))))


@register_loss(
    "smooth_l1",
    conventions=("torch",),
    peer_names=("smooth_l1_loss", "SmoothL1Loss"),
    aliases=("smooth_l1_loss",),
    params=(Param("beta", "float", 1.0, "threshold β; β = 0 gives L1", low=0.0, allow_none=False),),
    formula="l = ½e²/β if |e| < β else |e| − ½β",
    latex=r"\ell = \begin{cases}\tfrac12 e^2/\beta & |e|<\beta\\ |e|-\tfrac12\beta & \text{else}\end{cases}",
    description="Smooth L1 loss (= Huber(δ=β)/β).",
    peer="torch smooth_l1_loss",
    torch_mean="mean_over_n",
    example=REG_EXAMPLE,
    **REAL,
)
def smooth_l1(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, beta: float = 1.0) -> KernelOutput:
    """Smooth L1 (torch ``smooth_l1_loss``).

    Formula: ``l = ½e²/β`` if ``|e| < β`` else ``|e| − ½β``; β = 0 is the L1 loss.
    """
    a = np.abs(f64(y_pred) - f64(y_true))
    if beta == 0:
        return KernelOutput(row_mean(a))
    return KernelOutput(row_mean(np.where(a < beta, 0.5 * a * a / beta, a - 0.5 * beta)))


@register_loss(
    "log_cosh",
    conventions=("keras",),
    peer_names=("LogCosh",),
    aliases=("logcosh",),
    formula="l = mean_k log cosh(p − y)",
    latex=r"\ell = \frac{1}{K}\sum_k \log\cosh(p_k - y_k)",
    description="Log-cosh loss, computed as e + softplus(−2e) − log 2 (no overflow).",
    peer="Keras LogCosh",
    example=REG_EXAMPLE,
    **REAL,
)
def log_cosh(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Log-cosh (Keras ``LogCosh``). Formula: ``l = log cosh(e) = e + softplus(−2e) − log 2``, e = p − y."""
    e = f64(y_pred) - f64(y_true)
    return KernelOutput(row_mean(e + softplus(-2.0 * e) - math.log(2.0)))


@register_loss(
    "msle",
    conventions=("keras", "sklearn"),
    peer_names=("MeanSquaredLogarithmicError", "mean_squared_log_error"),
    aliases=("mean_squared_logarithmic_error", "mean_squared_log_error"),
    formula="l = mean_k (log(1 + y) − log(1 + p))²",
    latex=r"\ell = \frac{1}{K}\sum_k \left(\log(1+y_k) - \log(1+p_k)\right)^2",
    description="Mean squared logarithmic error (values must be > −1).",
    peer="sklearn mean_squared_log_error; Keras MeanSquaredLogarithmicError (floors at 1e-7)",
    example={"y_true": [3.0, 5.0, 2.5, 7.0], "y_pred": [2.5, 5.0, 4.0, 8.0]},
    **REAL,
)
def msle(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Mean squared logarithmic error.

    Formula: ``l = (log1p(y) − log1p(p))²``. scikit-learn refuses values ≤ −1 (losscli refuses
    negative values); Keras floors both at 1e-7 first.
    """
    y, p = f64(y_true), f64(y_pred)
    if conv.msle_floor:
        y, p = np.maximum(y, 1e-7), np.maximum(p, 1e-7)
    d = np.log1p(y) - np.log1p(p)
    return KernelOutput(row_mean(d * d))


@register_loss(
    "mape",
    conventions=("keras", "sklearn"),
    peer_names=("MeanAbsolutePercentageError", "mean_absolute_percentage_error"),
    aliases=("mean_absolute_percentage_error",),
    formula="l = mean_k |y − p| / max(|y|, ε)  (×100 under keras)",
    latex=r"\ell = \frac{1}{K}\sum_k \frac{|y_k - p_k|}{\max(|y_k|, \epsilon)}",
    description="Mean absolute percentage error, as a fraction (scikit-learn) or a percentage (Keras).",
    peer="sklearn mean_absolute_percentage_error; Keras MeanAbsolutePercentageError",
    example=REG_EXAMPLE,
    **REAL,
)
def mape(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Mean absolute percentage error.

    Formula: ``l = |y − p| / max(|y|, ε)`` with ε = 2.22e-16 (scikit-learn: a fraction); the keras
    convention multiplies by 100 and uses ε = 1e-7.
    """
    y, p = f64(y_true), f64(y_pred)
    frac = np.abs(y - p) / np.maximum(np.abs(y), conv.mape_eps)
    return KernelOutput(row_mean(100.0 * frac if conv.percent_mape else frac))


def _check_poisson(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
    if conv.name == "keras" and (params.get("from_logits") or params.get("full")):
        raise UsageError(
            "poisson: Keras' Poisson takes rates and has no Stirling term (--logits, full=true)",
            hint="use --convention torch (poisson_nll_loss(log_input=True, full=...)) or losscli",
        )


@register_loss(
    "poisson",
    conventions=("torch", "keras"),
    peer_names=("Poisson", "poisson_nll_loss(from_logits=True)", "PoissonNLLLoss(from_logits=True)"),
    aliases=("poisson_nll", "poisson_loss"),
    pred_kind="rate",
    label_kind="real",
    elementwise=True,
    accepts_logits=True,
    params=(
        Param("full", "bool", False, "add the Stirling term of log y! (for y > 1), as torch's full=True",
              allow_none=False, peers=("torch",)),
    ),
    formula="l = p − y·log p (rate p), e^x − y·x (log-rate x with from_logits) [+ Stirling term]",
    latex=r"\ell = p - y\log p \;=\; e^{x} - y\,x",
    description="Poisson negative log-likelihood (without log y! unless full) of a rate or log-rate.",
    peer="Keras Poisson; torch poisson_nll_loss (log_input=False for rates, True with from_logits)",
    check=_check_poisson,
    example={"y_true": [3.0, 0.0, 1.0], "y_pred": [2.0, 0.5, 1.5]},
)
def poisson(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, from_logits: bool = False, full: bool = False
) -> KernelOutput:
    """Poisson loss of a predicted rate or log-rate.

    Formula: ``l = p − y·log p`` (0·log 0 = 0). Keras computes ``p − y·log(p + 1e-7)``; torch's
    ``poisson_nll_loss(log_input=False)`` ``p − y·log(p + 1e-8)``. From log-rates x (``from_logits``,
    torch's default ``log_input=True``): ``l = e^x − y·x`` under every convention.
    ``full`` adds Stirling's approximation of log y!, ``y·log y − y + ½·log(2πy)``, where y > 1 (0 for
    y ≤ 1), as torch's ``full=True``.
    """
    y, p = f64(y_true), f64(y_pred)
    if from_logits:
        loss = np.exp(p) - y * p
    elif conv.name == "keras":
        loss = p - y * np.log(p + 1e-7)
    elif conv.name == "torch":
        loss = p - y * np.log(p + 1e-8)
    else:
        loss = p - xlogy(y, p)
    if full:
        big = y > 1
        yb = np.where(big, y, 1.0)
        loss = loss + np.where(big, yb * np.log(yb) - yb + 0.5 * np.log(2 * math.pi * yb), 0.0)
    return KernelOutput(row_mean(loss))


@register_loss(
    "cosine_similarity",
    conventions=("keras",),
    peer_names=("CosineSimilarity",),
    aliases=("cosine", "cosine_proximity"),
    label_kind="real",
    pred_kind="real",
    formula="l = −Σ_k ŷ_k·p̂_k, x̂ = x / max(‖x‖, 1e-7)",
    latex=r"\ell = -\frac{y\cdot p}{\lVert y\rVert\,\lVert p\rVert}",
    description="Negative cosine similarity between label and prediction vectors (−1 best, 1 worst).",
    peer="Keras CosineSimilarity",
    example={"y_true": [[0.0, 1.0], [1.0, 1.0]], "y_pred": [[1.0, 0.0], [1.0, 1.0]]},
)
def cosine_similarity(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Negative cosine similarity (Keras ``CosineSimilarity``).

    Formula: ``l = −Σ_k ŷ_k p̂_k`` with ``x̂ = x / sqrt(max(Σx², 1e-14))``, so a zero vector gives 0.
    """
    y, p = f64(y_true), f64(y_pred)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    yn = y / np.sqrt(np.maximum((y * y).sum(axis=1, keepdims=True), 1e-14))
    pn = p / np.sqrt(np.maximum((p * p).sum(axis=1, keepdims=True), 1e-14))
    return KernelOutput(-(yn * pn).sum(axis=1))
