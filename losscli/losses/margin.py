"""Margin and overlap losses: hinge family, Brier score, Dice and Tversky."""

from __future__ import annotations

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, row_mean
from losscli.losses.overlap import AXIS, DICE, TVERSKY
from losscli.spec import KernelOutput, Param, never_clips, register_loss


def _signed(y_true: np.ndarray, conv: Convention) -> np.ndarray:
    """Labels as −1/+1: 0 maps to −1 (Keras maps {0, 1} only when every label is 0 or 1)."""
    y = f64(y_true)
    if conv.name == "keras":
        return 2.0 * y - 1.0 if np.all((y == 0) | (y == 1)) else y
    return np.where(y == 0, -1.0, y)


@register_loss(
    "hinge",
    conventions=("keras", "sklearn"),
    peer_names=("Hinge", "hinge_loss"),
    label_kind="sign",
    pred_kind="score",
    elementwise=True,
    formula="l = mean_k max(1 − y·s, 0), y ∈ {−1, +1}",
    latex=r"\ell = \frac1K\sum_k \max(1 - y_k s_k, 0)",
    description="Binary hinge loss on decision scores (labels −1/+1 or 0/1).",
    peer="Keras Hinge",
    example={"y_true": [1, -1, 1], "y_pred": [0.8, -0.3, -0.2]},
)
def hinge(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Hinge loss (Keras ``Hinge``). Formula: ``l = max(1 − y·s, 0)``, labels 0/1 mapped to −1/+1.

    Labels are read as given in every convention: scikit-learn's ``hinge_loss`` binarises the labels it
    sees, so labels of one class only (all +1) are read as the negative class there (``hinge_loss([1, 1],
    [0.5, 2])`` is 2.25; losscli gives 0.25)."""
    return KernelOutput(row_mean(np.maximum(1.0 - _signed(y_true, conv) * f64(y_pred), 0.0)))


@register_loss(
    "squared_hinge",
    conventions=("keras",),
    peer_names=("SquaredHinge",),
    label_kind="sign",
    pred_kind="score",
    elementwise=True,
    formula="l = mean_k max(1 − y·s, 0)²",
    latex=r"\ell = \frac1K\sum_k \max(1 - y_k s_k, 0)^2",
    description="Squared hinge loss on decision scores.",
    peer="Keras SquaredHinge",
    example={"y_true": [1, -1, 1], "y_pred": [0.8, -0.3, -0.2]},
)
def squared_hinge(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Squared hinge (Keras ``SquaredHinge``). Formula: ``l = max(1 − y·s, 0)²``."""
    m = np.maximum(1.0 - _signed(y_true, conv) * f64(y_pred), 0.0)
    return KernelOutput(row_mean(m * m))


@register_loss(
    "categorical_hinge",
    conventions=("keras",),
    peer_names=("CategoricalHinge",),
    label_kind="distribution",
    pred_kind="score",
    multiclass=True,
    formula="l = max(max_c (1−y_c)·s_c − Σ_c y_c·s_c + 1, 0)",
    latex=r"\ell = \max\big(\max_c (1-y_c)s_c - \textstyle\sum_c y_c s_c + 1,\ 0\big)",
    description="Categorical hinge on one-hot labels and class scores.",
    peer="Keras CategoricalHinge",
    example={"y_true": [[0, 1, 0], [1, 0, 0]], "y_pred": [[0.2, 0.5, 0.3], [0.4, 0.4, 0.2]]},
)
def categorical_hinge(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Categorical hinge (Keras ``CategoricalHinge``).

    Formula: ``l = max(neg − pos + 1, 0)``, ``pos = Σ y·s``, ``neg = max((1 − y)·s)`` (the target class
    contributes 0 to ``neg``, as Keras masks by multiplication).
    """
    y, s = f64(y_true), f64(y_pred)
    pos = (y * s).sum(axis=1)
    neg = ((1.0 - y) * s).max(axis=1)
    return KernelOutput(np.maximum(neg - pos + 1.0, 0.0))


@register_loss(
    "multiclass_hinge",
    conventions=("sklearn",),
    aliases=("crammer_singer", "multi_hinge"),
    label_kind="class_index",
    pred_kind="score",
    multiclass=True,
    formula="l = max(0, 1 − (s_y − max_{k≠y} s_k))",
    latex=r"\ell = \max\big(0,\ 1 - (s_y - \max_{k\ne y} s_k)\big)",
    description="Crammer–Singer multiclass hinge on integer labels and class scores.",
    peer="sklearn hinge_loss (multiclass)",
    example={"y_true": [1, 0, 2], "y_pred": [[0.1, 0.7, 0.2], [0.6, 0.3, 0.1], [0.2, 0.5, 0.3]]},
)
def multiclass_hinge(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Crammer–Singer hinge (scikit-learn ``hinge_loss`` with more than two classes).

    Formula: ``l = max(0, 1 − (s_y − max_{k≠y} s_k))``.
    """
    labels = np.asarray(y_true).astype(np.int64)
    s = f64(y_pred)
    rows = np.arange(s.shape[0])
    s_y = s[rows, labels]
    others = s.copy()
    others[rows, labels] = -np.inf
    return KernelOutput(np.maximum(0.0, 1.0 - (s_y - others.max(axis=1))))


@register_loss(
    "brier",
    clips=never_clips,
    conventions=("sklearn",),
    one_hot_labels=True,
    peer_names=("brier_score_loss",),
    aliases=("brier_score",),
    label_kind="class_index",
    pred_kind="distribution",
    formula="binary: l = (y − p)²; multiclass: l = Σ_c (1[y = c] − p_c)²",
    latex=r"\ell = \sum_c (\mathbb{1}[y=c] - p_c)^2",
    description="Brier score: binary on one probability column, multiclass on C columns.",
    peer="sklearn brier_score_loss (scale_by_half='auto')",
    example={"y_true": [1, 0, 1], "y_pred": [0.9, 0.2, 0.6]},
)
def brier(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention) -> KernelOutput:
    """Brier score (scikit-learn ``brier_score_loss`` with ``scale_by_half='auto'``).

    Formula: binary (one probability column, or two columns halved) ``l = (y − p)²``; multiclass
    ``l = Σ_c (1[y = c] − p_c)²`` (range [0, 2]).
    """
    p = f64(y_pred)
    if p.ndim == 1:
        d = f64(y_true) - p
        return KernelOutput(d * d)
    labels = np.asarray(y_true).astype(np.int64)
    onehot = np.zeros_like(p)
    onehot[np.arange(p.shape[0]), labels] = 1.0
    loss = ((onehot - p) ** 2).sum(axis=1)
    return KernelOutput(0.5 * loss if p.shape[1] == 2 else loss)


@register_loss(
    "dice",
    clips=never_clips,
    conventions=("keras",),
    aliases=("dice_loss",),
    label_kind="binary",
    pred_kind="probability",
    formula="l = 1 − 2Σ_k y·p / (Σ_k y + Σ_k p + 1e-7), over each sample's outputs (axis=None: one value, the "
            "sums over the whole batch)",
    latex=r"\ell = 1 - \frac{2\sum_k y_k p_k}{\sum_k y_k + \sum_k p_k + \epsilon}",
    description="Dice loss per sample over its outputs (e.g. the pixels of a mask), or one value for the whole "
                "batch (axis=None, the default under --convention keras as in Keras' Dice()).",
    peer="Keras Dice(axis=-1); Keras Dice() (its default axis=None: one value for the batch) with axis=None, "
         "the default under --convention keras",
    params=(AXIS,),
    summary=DICE,
    example={"y_true": [[1, 1, 0, 0], [0, 1, 1, 0]], "y_pred": [[0.9, 0.6, 0.2, 0.1], [0.1, 0.8, 0.3, 0.2]]},
)
def dice(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, axis: str | None = "-1") -> KernelOutput:
    """Dice loss (Keras ``Dice`` with ``axis=-1``; ``axis=None``: Keras' default, see :mod:`losscli.losses.overlap`).

    Formula: ``l = 1 − 2Σ y·p / (Σ y + Σ p + ε)``, ε = 1e-7, sums over the sample's outputs. With
    ``axis=None`` (the default under the keras convention) the value sums over the whole batch and no
    per-sample values are reported.
    """
    y, p = f64(y_true), f64(y_pred)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    inter = (y * p).sum(axis=1)
    return KernelOutput(1.0 - 2.0 * inter / (y.sum(axis=1) + p.sum(axis=1) + 1e-7))


@register_loss(
    "tversky",
    clips=never_clips,
    conventions=("keras",),
    aliases=("tversky_loss",),
    label_kind="binary",
    pred_kind="probability",
    params=(
        Param("alpha", "float", 0.5, "weight of false positives Σ(1−y)·p", low=0.0, allow_none=False),
        Param("beta", "float", 0.5, "weight of false negatives Σy·(1−p)", low=0.0, allow_none=False),
        AXIS,
    ),
    formula="l = 1 − TP / (TP + α·FP + β·FN + 1e-7), TP = Σy·p, FP = Σ(1−y)·p, FN = Σy·(1−p), over each sample's "
            "outputs (axis=None: one value, the sums over the whole batch)",
    latex=r"\ell = 1 - \frac{TP}{TP + \alpha FP + \beta FN + \epsilon}",
    description="Tversky loss per sample over its outputs (α = β = 0.5 is Dice), or one value for the whole batch "
                "(axis=None, the default under --convention keras as in Keras' Tversky()).",
    peer="Salehi et al. 2017; Keras Tversky(axis=-1); Keras Tversky() (its default axis=None: one value for the "
         "batch) with axis=None, the default under --convention keras",
    summary=TVERSKY,
    example={"y_true": [[1, 1, 0, 0], [0, 1, 1, 0]], "y_pred": [[0.9, 0.6, 0.2, 0.1], [0.1, 0.8, 0.3, 0.2]]},
)
def tversky(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, alpha: float = 0.5, beta: float = 0.5,
    axis: str | None = "-1",
) -> KernelOutput:
    """Tversky loss (Salehi et al. 2017; Keras ``Tversky`` with ``axis=-1``).

    Formula: ``l = 1 − TP / (TP + α·FP + β·FN + ε)`` with TP = Σ y·p, FP = Σ (1 − y)·p, FN = Σ y·(1 − p)
    and ε = 1e-7, sums over the sample's outputs. With ``axis=None`` (the default under the keras
    convention, as Keras' ``Tversky()``) the sums run over the whole batch: one value, no per-sample values.

    Keras 3.15.1 computes the two terms the other way round (its code weighs Σ y·(1 − p) by α, against
    its own docstring; fixed upstream later): the keras convention reproduces that release's numbers.
    """
    y, p = f64(y_true), f64(y_pred)
    if y.ndim == 1:
        y, p = y[:, None], p[:, None]
    tp = (y * p).sum(axis=1)
    fp = ((1.0 - y) * p).sum(axis=1)
    fn = (y * (1.0 - p)).sum(axis=1)
    if conv.name == "keras":
        fp, fn = fn, fp
    return KernelOutput(1.0 - tp / (tp + alpha * fp + beta * fn + 1e-7))
