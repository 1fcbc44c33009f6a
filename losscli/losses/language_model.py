"""Language-model cross-entropy from a column of log-probabilities of the true tokens.

Language-model evaluations often write one row per token with the log-probability the model gave the
token that came (``logprob``), not the full (N, V) logits. The negative of that column is the token's
cross-entropy, exactly what ``cross_entropy(logits, tokens)`` gives per token; its mean is reported with
its perplexity (and in bits with ``unit='bits'``). The label column holds the token ids, which only serve
to leave out padding (``ignore_index``, −100 as torch).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.errors import ShapeError
from losscli.losses._common import f64
from losscli.losses._domain import refuse
from losscli.spec import IGNORE_BOUND_HINT, KernelOutput, Param, register_loss


def _check_log_probs(yt: np.ndarray, yp: np.ndarray, params: dict[str, Any], conv: Convention, offset: int) -> None:
    if np.ndim(yp) > 1 or np.ndim(yt) > 1:
        raise ShapeError(f"token_nll takes one column of log-probabilities and one of token ids, got predictions of "
                         f"shape {np.shape(yp)} and labels of shape {np.shape(yt)}",
                         hint="choose the columns with --label-cols and --pred-cols; for logits over the vocabulary "
                              "use sparse_categorical_crossentropy --logits")
    p = np.asarray(yp, dtype=np.float64)
    refuse(p > 0, p, "y_pred", offset, "token_nll takes log-probabilities (≤ 0) of the true tokens",
           hint="for probabilities of the true token give their log, e.g. log(p); for logits over the vocabulary "
           "use sparse_categorical_crossentropy --logits")


@register_loss(
    "token_nll",
    conventions=("torch",),
    aliases=("true_token_nll", "nll_from_log_prob"),
    label_kind="real",
    pred_kind="real",
    params=(Param("ignore_index", "int", -100, "token id of padding rows, left out (torch's −100)",
                  low=-(2**53 - 1), high=2**53 - 1, bound_hint=IGNORE_BOUND_HINT),),
    formula="l = −log p(true token), the log-probability given in one column; padding (ignore_index) left out",
    latex=r"\ell_i = -\log p_\theta(x_i \mid x_{<i})",
    description="Language-model cross-entropy (and perplexity) from a column of true-token log-probabilities.",
    peer="torch cross_entropy(logits, tokens, ignore_index=-100) per token, given log p of the true token",
    example={"y_true": [17, 4, -100], "y_pred": [-0.5, -2.0, -1.0]},
    check=_check_log_probs,
    perplexity=True,
    torch_mean="weighted_mean",
)
def token_nll(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, ignore_index: int | None = -100) -> KernelOutput:
    """Cross-entropy of the true token from its log-probability.

    Formula: ``l = −a`` with a = log p(true token) from the prediction column; rows whose label is
    ``ignore_index`` (padding, −100) count for nothing (value 0, not counted), as torch's ``cross_entropy``
    with ``ignore_index``. The mean over counted rows is exp-ed into the corpus perplexity.
    """
    lp = f64(y_pred)
    if ignore_index is None:
        return KernelOutput(-lp)
    counted = np.asarray(y_true) != ignore_index
    return KernelOutput(np.where(counted, -lp, 0.0), counted=counted)
