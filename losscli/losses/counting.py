"""Counting losses: the share of wrong predictions (0-1 loss, top-k error, Hamming loss).

Each per-sample value is 0 or 1 (Hamming: the share of a sample's wrong labels), so the mean is an error
rate and 1 − mean the matching accuracy.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, row_mean
from losscli.losses._domain import refuse
from losscli.spec import IGNORE_BOUND_HINT, KernelOutput, Param, never_clips, register_loss


def _predicted_positive(y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """1[p > 0.5] for probabilities, 1[x > 0] for logits (a tie predicts the negative class)."""
    return f64(y_pred) > (0.0 if from_logits else 0.5)


def _check_probability_column(
    yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int
) -> None:
    if yp.ndim == 1 and not params.get("from_logits"):
        refuse((yp < 0) | (yp > 1), yp, "y_pred", offset,
               "one prediction column is read as the probability of class 1, which must lie in [0, 1]",
               "for decision scores or logits add --logits (class 1 when the score is > 0)")


@register_loss(
    "zero_one",
    aliases=("zero_one_error", "error_rate", "misclassification_rate"),
    conventions=("sklearn",),
    peer_names=("zero_one_loss",),
    label_kind="class_index",
    pred_kind="score",
    accepts_logits=True,
    check=_check_probability_column,
    complement="accuracy",
    params=(Param("ignore_index", "int", None, "label value whose samples are ignored (loss 0, not counted), as "
                  "torchmetrics' accuracy ignores them", low=-(2**53 - 1), high=2**53 - 1,
                  bound_hint=IGNORE_BOUND_HINT),),
    formula="l = 1[ŷ ≠ y], ŷ = argmax_c s_c (one column: 1[p > 0.5], logits 1[x > 0])",
    latex=r"\ell = \mathbb{1}[\hat y \ne y],\quad \hat y = \arg\max_c s_c",
    description="0-1 loss: the error rate of the predicted class (accuracy = 1 − value).",
    peer="sklearn zero_one_loss of the argmax (ties: the first class); ignore_index as torchmetrics' accuracy",
    example={"y_true": [1, 0, 2], "y_pred": [[0.1, 0.7, 0.2], [0.3, 0.6, 0.1], [0.2, 0.3, 0.5]]},
)
def zero_one(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, from_logits: bool = False,
             ignore_index: int | None = None) -> KernelOutput:
    """0-1 loss (scikit-learn ``zero_one_loss`` of ``argmax(scores)``).

    Formula: ``l = 1[ŷ ≠ y]``. ŷ is the column of the largest score (probabilities, logits or any scores
    give the same ŷ; a tie goes to the first column, as ``numpy.argmax``). One prediction column is the
    probability of class 1 (ŷ = 1[p > 0.5]), or its logit with ``from_logits`` (ŷ = 1[x > 0]). Samples whose
    label is ``ignore_index`` give 0 and are not counted (torchmetrics' ``Accuracy(ignore_index=…)``: the
    error rate of the other samples), so a token classifier's padding (−100) is left out of its accuracy as
    of its cross-entropy.
    """
    labels = np.asarray(y_true).astype(np.int64)
    if y_pred.ndim == 1:
        pred = _predicted_positive(y_pred, from_logits).astype(np.int64)
    else:
        pred = np.argmax(y_pred, axis=1)
    wrong = (pred != labels).astype(np.float64)
    if ignore_index is None:
        return KernelOutput(wrong)
    counted = labels != ignore_index
    return KernelOutput(np.where(counted, wrong, 0.0), counted=counted)


@register_loss(
    "top_k_error",
    aliases=("top_k", "topk_error"),
    conventions=("sklearn",),
    label_kind="class_index",
    pred_kind="score",
    multiclass=True,
    complement="top_k_accuracy",
    params=(Param("k", "int", 2, "how many of the highest scores may hold the true class", low=1,
                  allow_none=False),),
    formula="l = 1[y not among the k highest scores]",
    latex=r"\ell = \mathbb{1}\big[\#\{c : s_c \succ s_y\} \ge k\big]",
    description="Top-k error rate: the true class is not among the k best-scored (accuracy = 1 − value).",
    peer="1 − sklearn top_k_accuracy_score (k = 2 by default, as there)",
    example={"y_true": [1, 0, 2], "y_pred": [[0.1, 0.7, 0.2], [0.3, 0.6, 0.1], [0.5, 0.3, 0.2]]},
)
def top_k_error(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, k: int = 2) -> KernelOutput:
    """Top-k error (1 − scikit-learn ``top_k_accuracy_score`` per sample).

    Formula: ``l = 1[rank(y) ≥ k]`` with rank(y) = #{c : s_c > s_y} + #{tied classes ranked before y}.
    Ties are ranked by column, the first first (so k = 1 is the argmax of ``zero_one``); under the
    sklearn convention the last first, as ``top_k_accuracy_score`` sorts (a stable sort, reversed).
    k ≥ C gives 0.
    """
    labels = np.asarray(y_true).astype(np.int64)
    s = f64(y_pred)
    n, c = s.shape
    s_y = s[np.arange(n), labels][:, None]
    cols = np.arange(c)[None, :]
    before = cols > labels[:, None] if conv.name == "sklearn" else cols < labels[:, None]
    rank = (s > s_y).sum(axis=1) + ((s == s_y) & before).sum(axis=1)
    return KernelOutput((rank >= k).astype(np.float64))


def _check_hamming(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
    refuse((yt != 0) & (yt != 1), yt, "y_true", offset, "hamming labels must be 0 or 1",
           "soft targets have no Hamming loss; threshold them first")


@register_loss(
    "hamming",
    clips=never_clips,
    conventions=("sklearn",),
    peer_names=("hamming_loss",),
    label_kind="binary",
    pred_kind="probability",
    accepts_logits=True,
    elementwise=True,
    check=_check_hamming,
    complement="hamming_score",
    formula="l = mean_k 1[ŷ_k ≠ y_k], ŷ_k = 1[p_k > 0.5] (logits: 1[x_k > 0])",
    latex=r"\ell = \frac1K\sum_k \mathbb{1}[\hat y_k \ne y_k]",
    description="Hamming loss: the share of wrong labels of a multi-label sample (0/1 labels).",
    peer="sklearn hamming_loss of the thresholded predictions",
    example={"y_true": [[1, 0, 1], [0, 1, 1]], "y_pred": [[0.9, 0.2, 0.4], [0.1, 0.7, 0.8]]},
)
def hamming(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, from_logits: bool = False) -> KernelOutput:
    """Hamming loss (scikit-learn ``hamming_loss`` of the predictions thresholded at 0.5).

    Formula: ``l = mean_k 1[ŷ_k ≠ y_k]`` with ŷ_k = 1[p_k > 0.5] (from logits 1[x_k > 0]); predicted 0/1
    labels are probabilities too and pass through unchanged.
    """
    wrong = _predicted_positive(y_pred, from_logits) != (f64(y_true) == 1)
    return KernelOutput(row_mean(wrong.astype(np.float64)))
