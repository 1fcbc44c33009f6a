"""Reliability (calibration) of probabilistic predictions, accumulated chunk by chunk.

For a binary loss on probabilities or logits: the predicted probability of class 1 against the share of
positive labels, in :data:`BINS` equal-width bins of the prediction. For a loss over class probabilities or
logits (``cce``, ``scce``, ...): the confidence (the largest class probability, softmax of logits) against
the accuracy (the share of samples whose largest class is the true class), in bins of the confidence —
the reliability diagram of Guo et al. (2017). The bins are those of the ``ece`` loss
(:func:`losscli.losses.calibration.bin_index`: closed on the right, 0 in the first, 1 in the last). Each bin keeps its count, its sum of predictions and its sum
of outcomes, so chunks merge by addition and memory does not grow with the input; the expected
calibration error (ECE) is ``Σ_b n_b/N · |outcome_b − prediction_b|`` over the non-empty bins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.losses._common import log_softmax, sigmoid
from losscli.losses.calibration import bin_index
from losscli.spec import LossSpec

BINS = 10


def applies(spec: LossSpec, params: dict[str, Any], n_pred_cols: int) -> str | None:
    """``"binary"``, ``"multiclass"`` or ``None`` (no reliability diagram for this loss and these inputs)."""
    if spec.label_kind == "binary" and spec.pred_kind == "probability" and n_pred_cols == 1:
        return "binary"
    if spec.pred_kind == "distribution" and spec.label_kind in ("class_index", "distribution") and n_pred_cols > 1:
        return "multiclass"
    return None


@dataclass
class Reliability:
    """Bins of one evaluation; :meth:`observe` is a pipeline observer (batch, values, offset)."""

    kind: str  # 'binary' or 'multiclass'
    from_logits: bool
    log_probs: bool = False
    #: the label of rows the loss ignores (``--ignore-index``): no sample of the diagram
    ignore_index: int | None = None
    count: np.ndarray = field(default_factory=lambda: np.zeros(BINS, dtype=np.int64))
    predicted: np.ndarray = field(default_factory=lambda: np.zeros(BINS))
    outcome: np.ndarray = field(default_factory=lambda: np.zeros(BINS))

    @classmethod
    def of(cls, kind: str, params: dict[str, Any]) -> Reliability:
        """The bins of a loss's predictions as its parameters read them: logits, log-probabilities, and
        the label of the rows it ignores."""
        return cls(kind, bool(params.get("from_logits")), bool(params.get("log_probs")), params.get("ignore_index"))

    def add(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        """Add a chunk of labels and predictions (already validated by the evaluation)."""
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true, dtype=np.float64)
        if self.kind == "binary":
            x = y_pred.reshape(-1)
            p = sigmoid(x) if self.from_logits else np.exp(x) if self.log_probs else x
            hit = y_true.reshape(-1)
            counted = None
        else:
            probs = np.exp(log_softmax(y_pred)) if self.from_logits else np.exp(y_pred) if self.log_probs else y_pred
            p = probs.max(axis=1)
            truth = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
            hit = (probs.argmax(axis=1) == truth).astype(np.float64)
            counted = truth != self.ignore_index if self.ignore_index is not None and y_true.ndim == 1 else None
        ok = np.isfinite(p) & np.isfinite(hit)
        if counted is not None:
            ok &= counted
        p, hit = p[ok], hit[ok]
        b = bin_index(p, BINS)  # the bins of the ece/mce/rmsce losses: (k/B, (k+1)/B], 0 and 1 inside
        self.count += np.bincount(b, minlength=BINS)
        self.predicted += np.bincount(b, weights=p, minlength=BINS)
        self.outcome += np.bincount(b, weights=hit, minlength=BINS)

    def observe(self, batch: Any, values: Any, offset: int) -> None:
        self.add(batch.y_true, batch.y_pred)

    def table(self) -> list[dict[str, float]]:
        """Non-empty bins: their range, count, mean prediction and mean outcome."""
        out = []
        for i in range(BINS):
            n = int(self.count[i])
            if n:
                out.append({"low": i / BINS, "high": (i + 1) / BINS, "n": n,
                            "predicted": self.predicted[i] / n, "outcome": self.outcome[i] / n})
        return out

    def ece(self) -> float:
        """Expected calibration error over the non-empty bins (NaN without samples)."""
        total = int(self.count.sum())
        if total == 0:
            return float("nan")
        return float(sum(b["n"] / total * abs(b["outcome"] - b["predicted"]) for b in self.table()))
