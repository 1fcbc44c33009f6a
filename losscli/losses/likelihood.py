"""Likelihood losses of predicted distributions: the Gaussian negative log-likelihood (torch)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64
from losscli.losses._domain import refuse
from losscli.spec import KernelOutput, Param, register_loss


def _check_variance(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
    var = yp[:, 1]
    refuse(var < 0, var, "y_pred", offset, "gaussian_nll: variances must be ≥ 0 (second prediction column)",
           "the second prediction column is the variance σ², not a log-variance")


@register_loss(
    "gaussian_nll",
    aliases=("gaussian_nll_loss", "gaussian_negative_log_likelihood"),
    conventions=("torch",),
    peer_names=("gaussian_nll_loss", "GaussianNLLLoss"),
    label_kind="real",
    pred_kind="mean_variance",
    pred_columns=2,
    params=(
        Param("full", "bool", False, "add the constant ½·log(2π)", allow_none=False),
        Param("eps", "float", 1e-6, "variances are clamped to at least eps", low=0.0, open_low=True,
              allow_none=False),
    ),
    formula="l = ½·(log max(σ², eps) + (y − μ)² / max(σ², eps)) [+ ½·log 2π]",
    latex=r"\ell = \tfrac12\left(\log\max(\sigma^2,\epsilon) + \frac{(y-\mu)^2}{\max(\sigma^2,\epsilon)}\right)",
    description="Gaussian negative log-likelihood of a predicted mean and variance (two prediction columns).",
    peer="torch gaussian_nll_loss (heteroscedastic: one variance per sample)",
    check=_check_variance,
    example={"y_true": [1.0, 2.0, 0.5], "y_pred": [[1.2, 0.5], [1.5, 1.0], [0.5, 0.1]]},
)
def gaussian_nll(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, full: bool = False, eps: float = 1e-6
) -> KernelOutput:
    """Gaussian negative log-likelihood (torch ``gaussian_nll_loss``).

    Formula: ``l = ½·(log v + (y − μ)²/v)`` with v = max(σ², eps) (torch clamps the variance the same
    way), plus ½·log(2π) when ``full``. Predictions are two columns: the mean μ, then the variance σ² ≥ 0.
    """
    y, p = f64(y_true), f64(y_pred)
    v = np.maximum(p[:, 1], eps)
    d = p[:, 0] - y
    loss = 0.5 * (np.log(v) + d * d / v)
    if full:
        loss += 0.5 * math.log(2 * math.pi)
    return KernelOutput(loss)
