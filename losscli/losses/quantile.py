"""Quantile regression: the pinball loss of one or several predicted quantiles (scikit-learn)."""

from __future__ import annotations

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, per_column, row_mean
from losscli.spec import KernelOutput, Param, register_loss


@register_loss(
    "pinball",
    aliases=("quantile", "quantile_loss", "pinball_loss"),
    conventions=("sklearn",),
    peer_names=("mean_pinball_loss",),
    label_kind="real",
    pred_kind="real",
    elementwise=True,
    broadcast_labels=True,
    params=(
        Param(
            "alpha",
            "float_or_floats",
            0.5,
            "quantile level α in [0, 1]: one value, or one per prediction column",
            low=0.0,
            high=1.0,
            allow_none=False,
        ),
    ),
    formula="l = mean_k [α_k·max(y − q_k, 0) + (1 − α_k)·max(q_k − y, 0)]",
    latex=r"\ell = \frac1K\sum_k \alpha_k (y - q_k)_+ + (1-\alpha_k)(q_k - y)_+",
    description="Pinball (quantile) loss; several quantile columns at once against one label column.",
    peer="sklearn mean_pinball_loss",
    example={"y_true": [1.0, 2.0, 3.0], "y_pred": [[0.5, 1.5], [2.0, 2.5], [2.0, 4.0]],
             "params": {"alpha": [0.1, 0.9]}},
)
def pinball(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, alpha: float | tuple[float, ...] = 0.5
) -> KernelOutput:
    """Pinball loss (scikit-learn ``mean_pinball_loss``).

    Formula: with e = y − q, ``l = α·e`` if e ≥ 0 else ``(α − 1)·e``; mean over the K prediction columns.
    ``alpha`` is one level for every column (scikit-learn) or one level per column, so predicted quantiles
    (q_0.1, q_0.5, q_0.9) are scored against one label column in one pass; α = 0.5 is half the MAE.
    """
    y, q = f64(y_true), f64(y_pred)
    a = per_column(alpha, 1 if q.ndim == 1 else q.shape[1], "alpha")
    e = y - q
    sign = (e >= 0).astype(np.float64)
    return KernelOutput(row_mean(a * sign * e - (1.0 - a) * (1.0 - sign) * e))
