"""Pairwise and embedding losses of torch: hinge embedding, margin ranking and cosine embedding.

Labels are −1/+1 (0 is read as −1): +1 says the pair is similar (or the first input should rank
higher), −1 dissimilar. The two inputs of a pair are two aligned groups of prediction columns: on the
command line ``--pred-cols`` selects the first, ``--pred2-cols`` the second, which may also come from its
own file, ``--preds2``, read in step with ``--preds``; in the API they are the two halves of ``y_pred``'s
columns.
"""

from __future__ import annotations

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, row_mean
from losscli.spec import KernelOutput, Param, register_loss


def _signs(y_true: np.ndarray) -> np.ndarray:
    y = f64(y_true)
    return np.where(y == 0, -1.0, y)


MARGIN = "margin"  # the parameter name torch uses


@register_loss(
    "hinge_embedding",
    conventions=("torch",),
    peer_names=("hinge_embedding_loss", "HingeEmbeddingLoss"),
    label_kind="sign",
    pred_kind="real",
    elementwise=True,
    params=(Param(MARGIN, "float", 1.0, "margin for dissimilar pairs", allow_none=False),),
    formula="l = x if y = 1, max(0, margin − x) if y = −1 (x a distance)",
    latex=r"\ell = \begin{cases} x & y = 1\\ \max(0,\ m - x) & y = -1\end{cases}",
    description="Hinge embedding loss of a distance x between the two inputs of a pair.",
    peer="torch hinge_embedding_loss",
    example={"y_true": [1, -1, -1], "y_pred": [0.3, 0.4, 1.5]},
)
def hinge_embedding(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, margin: float = 1.0) -> KernelOutput:
    """Hinge embedding loss (torch ``hinge_embedding_loss``).

    Formula: ``l = x`` for similar pairs (y = 1), ``max(0, margin − x)`` for dissimilar ones (y = −1);
    x is the predicted distance. torch's ``mean`` is over all N·K elements.
    """
    y, x = _signs(y_true), f64(y_pred)
    return KernelOutput(row_mean(np.where(y == 1, x, np.maximum(0.0, margin - x))))


@register_loss(
    "margin_ranking",
    conventions=("torch",),
    peer_names=("margin_ranking_loss", "MarginRankingLoss"),
    label_kind="sign",
    pred_kind="pair",
    pred_columns=2,
    params=(Param(MARGIN, "float", 0.0, "margin", allow_none=False),),
    formula="l = max(0, −y·(x₁ − x₂) + margin)",
    latex=r"\ell = \max\big(0,\ -y\,(x_1 - x_2) + m\big)",
    description="Margin ranking loss: y = 1 says x₁ should score higher than x₂, y = −1 lower.",
    peer="torch margin_ranking_loss",
    example={"y_true": [1, -1, 1], "y_pred": [[0.8, 0.3], [0.2, 0.5], [0.1, 0.4]]},
)
def margin_ranking(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, margin: float = 0.0) -> KernelOutput:
    """Margin ranking loss (torch ``margin_ranking_loss``).

    Formula: ``l = max(0, −y·(x₁ − x₂) + margin)``; the two prediction columns are x₁ and x₂.
    """
    y, x = _signs(y_true), f64(y_pred)
    return KernelOutput(np.maximum(0.0, -y * (x[:, 0] - x[:, 1]) + margin))


@register_loss(
    "cosine_embedding",
    conventions=("torch",),
    peer_names=("cosine_embedding_loss", "CosineEmbeddingLoss"),
    label_kind="sign",
    pred_kind="pair",
    pred_groups=2,
    params=(Param(MARGIN, "float", 0.0, "margin for dissimilar pairs, in [−1, 1]", low=-1.0, high=1.0,
                  allow_none=False),),
    formula="l = 1 − cos(x₁, x₂) if y = 1, max(0, cos(x₁, x₂) − margin) if y = −1",
    latex=r"\ell = \begin{cases} 1 - \cos(x_1, x_2) & y = 1\\ \max(0,\ \cos(x_1, x_2) - m) & y = -1\end{cases}",
    description="Cosine embedding loss of two embeddings (two aligned groups of D prediction columns each).",
    peer="torch cosine_embedding_loss",
    example={"y_true": [1, -1], "y_pred": [[1.0, 0.0, 0.8, 0.6], [0.5, 0.5, 0.5, 0.4]]},
)
def cosine_embedding(
    y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, margin: float = 0.0
) -> KernelOutput:
    """Cosine embedding loss (torch ``cosine_embedding_loss``).

    Formula: ``l = 1 − cos`` for similar pairs, ``max(0, cos − margin)`` for dissimilar ones, with
    ``cos = x₁·x₂ / sqrt((‖x₁‖² + 1e-12)·(‖x₂‖² + 1e-12))`` as torch computes it (a zero vector has
    cosine 0). The first half of the prediction columns is x₁, the second half x₂.
    """
    y, x = _signs(y_true), f64(y_pred)
    d = x.shape[1] // 2
    a, b = x[:, :d], x[:, d:]
    cos = (a * b).sum(axis=1) / np.sqrt(((a * a).sum(axis=1) + 1e-12) * ((b * b).sum(axis=1) + 1e-12))
    return KernelOutput(np.where(y == 1, 1.0 - cos, np.maximum(0.0, cos - margin)))
