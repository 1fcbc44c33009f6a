"""torch's margin losses on class scores: multi-class margin, soft margin and multi-label soft margin."""

from __future__ import annotations

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import as_2d, f64, per_column, row_mean, sigmoid_cross_entropy, softplus
from losscli.spec import KernelOutput, Param, register_loss

WEIGHTS = Param("class_weights", "floats", None, "one weight per class (C values)", low=0.0)


@register_loss(
    "multi_margin",
    aliases=("multi_margin_hinge",),
    conventions=("torch",),
    peer_names=("multi_margin_loss", "MultiMarginLoss"),
    label_kind="class_index",
    pred_kind="score",
    multiclass=True,
    params=(
        Param("p", "int", 1, "exponent of the hinge: 1 or 2", low=1, high=2, allow_none=False),
        Param("margin", "float", 1.0, "margin", allow_none=False),
        WEIGHTS,
    ),
    formula="l = Σ_{c≠y} w_y·max(0, margin − s_y + s_c)^p / C",
    latex=r"\ell = \frac1C\sum_{c\ne y} w_y \max(0,\ m - s_y + s_c)^p",
    description="Multi-class margin (one-vs-all hinge) loss on integer labels and class scores.",
    peer="torch multi_margin_loss (its mean is ÷ N, class weights do not normalise)",
    example={"y_true": [1, 0, 2], "y_pred": [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]]},
)
def multi_margin(
    y_true: np.ndarray,
    y_pred: np.ndarray,
    *,
    conv: Convention,
    p: int = 1,
    margin: float = 1.0,
    class_weights: tuple[float, ...] | None = None,
) -> KernelOutput:
    """Multi-class margin loss (torch ``multi_margin_loss``).

    Formula: ``l = Σ_{c≠y} w_y·max(0, margin − s_y + s_c)^p / C``, p ∈ {1, 2}; the class weight of the
    true class multiplies each term, as torch's kernel does. torch's ``mean`` divides by N (not by the
    weights), and so does losscli's. Unlike ``multiclass_hinge`` (Crammer–Singer: the largest violation
    only) every class's violation counts.
    """
    labels = np.asarray(y_true).astype(np.int64)
    s = f64(y_pred)
    n, c = s.shape
    rows = np.arange(n)
    z = np.maximum(margin - s[rows, labels][:, None] + s, 0.0)
    if p == 2:
        z = z * z
    z[rows, labels] = 0.0
    loss = z.sum(axis=1) / c
    if class_weights is not None:
        loss = loss * per_column(class_weights, c, "class_weights")[labels]
    return KernelOutput(loss)


@register_loss(
    "soft_margin",
    conventions=("torch",),
    peer_names=("soft_margin_loss", "SoftMarginLoss"),
    label_kind="sign",
    pred_kind="score",
    elementwise=True,
    formula="l = mean_k log(1 + e^{−y·s}), y ∈ {−1, +1} (0 read as −1)",
    latex=r"\ell = \frac1K\sum_k \log\left(1 + e^{-y_k s_k}\right)",
    description="Soft margin (logistic) loss on decision scores with −1/+1 (or 0/1) labels.",
    peer="torch soft_margin_loss",
    example={"y_true": [1, -1, 1], "y_pred": [0.8, -0.3, -0.2]},
)
def soft_margin(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Soft margin loss (torch ``soft_margin_loss``).

    Formula: ``l = log(1 + e^{−y·s}) = softplus(−y·s)``, exact for any finite score; labels −1/+1, with 0
    read as −1 (torch documents ±1 only). torch's ``mean`` is over all N·K elements.
    """
    y = f64(y_true)
    y = np.where(y == 0, -1.0, y)
    return KernelOutput(row_mean(softplus(-y * f64(y_pred))))


@register_loss(
    "multilabel_soft_margin",
    conventions=("torch",),
    peer_names=("multilabel_soft_margin_loss", "MultiLabelSoftMarginLoss"),
    label_kind="binary",
    pred_kind="score",
    params=(WEIGHTS,),
    formula="l = Σ_c w_c·[−y_c·log σ(s_c) − (1 − y_c)·log σ(−s_c)] / C",
    latex=r"\ell = -\frac1C\sum_c w_c\left[y_c\log\sigma(s_c) + (1-y_c)\log\sigma(-s_c)\right]",
    description="Multi-label soft margin loss: class-weighted mean over the C labels of BCE from logits.",
    peer="torch multilabel_soft_margin_loss",
    example={"y_true": [[1, 0, 1], [0, 1, 0]], "y_pred": [[1.5, -0.5, 0.3], [-1.0, 2.0, 0.1]]},
)
def multilabel_soft_margin(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, class_weights: tuple[float, ...] | None = None
) -> KernelOutput:
    """Multi-label soft margin loss (torch ``multilabel_soft_margin_loss``).

    Formula: ``l = Σ_c w_c·BCE_logits(s_c, y_c) / C`` (one value per sample: torch's ``sum`` adds the
    samples, its ``mean`` divides by N). BCE from logits is computed exactly in log space.
    """
    s, y = as_2d(f64(y_pred)), as_2d(f64(y_true))
    terms = sigmoid_cross_entropy(s, y)
    if class_weights is not None:
        terms = terms * per_column(class_weights, s.shape[1], "class_weights")
    return KernelOutput(terms.mean(axis=1))
