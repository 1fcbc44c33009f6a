"""Reliability (calibration) of probabilistic predictions, accumulated chunk by chunk.

For a binary loss on probabilities or logits: the predicted probability of class 1 against the share of
positive labels, in bins of the prediction. For a loss over class probabilities or logits (``cce``,
``scce``, ...): the confidence (the largest class probability, softmax of logits) against the accuracy (the
share of samples whose largest class is the true class), in bins of the confidence — the reliability
diagram of Guo et al. (2017). The bins and sums are the ``ece`` loss's own
(:func:`losscli.losses.calibration.bin_stats`): its default :data:`BINS` equal-width bins (closed on the
right, 0 in the first, 1 in the last; torchmetrics' under the torch convention), each keeping its rows, its
weight W_b and its weighted sums of predictions and outcomes, added exactly; rows the loss ignores
(``--ignore-index``) are left out and sample weights weigh every sum. So the diagram's expected calibration
error, ``Σ_b |A_b − C_b| / W``, is the value ``losscli eval ece`` gives for the same predictions and weights.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np

from losscli.engine.summary_sums import SummarySums
from losscli.losses._common import log_softmax, sigmoid
from losscli.losses.calibration import (
    N_BINS,
    bin_stats,
    calibration_errors,
    reliability,
    torch_binning_dtype,
    torch_logit_confidence,
)
from losscli.records import record
from losscli.spec import LossSpec

#: The ``ece`` loss's default number of bins.
BINS = int(N_BINS.default)


def applies(spec: LossSpec, params: dict[str, Any], n_pred_cols: int) -> str | None:
    """``"binary"``, ``"multiclass"`` or ``None`` (no reliability diagram for this loss and these inputs)."""
    if spec.label_kind == "binary" and spec.pred_kind == "probability" and n_pred_cols == 1:
        return "binary"
    if spec.pred_kind == "distribution" and spec.label_kind in ("class_index", "distribution") and n_pred_cols > 1:
        return "multiclass"
    return None


@record
class Reliability:
    """Bins of one evaluation; :meth:`observe` is a pipeline observer (batch, values, offset)."""

    kind: str  # 'binary' or 'multiclass'
    from_logits: bool
    log_probs: bool = False
    #: the label of rows the loss ignores (``--ignore-index``): no sample of the diagram
    ignore_index: int | None = None
    #: torchmetrics' bins (the torch convention's ``ece``), else scikit-learn's
    torch: bool = False
    n_bins: int = BINS
    sums: SummarySums = field(default_factory=SummarySums)

    @classmethod
    def of(cls, kind: str, params: dict[str, Any], convention: str | None = None) -> Reliability:
        """The bins of a loss's predictions as its parameters read them (logits, log-probabilities, the label
        of the rows it ignores), binned as the ``ece`` loss bins them under ``convention``."""
        return cls(kind, bool(params.get("from_logits")), bool(params.get("log_probs")), params.get("ignore_index"),
                   torch=convention == "torch")

    def add(self, y_true: np.ndarray, y_pred: np.ndarray, weights: np.ndarray | None = None) -> None:
        """Add a chunk of labels, predictions and sample weights (already validated by the evaluation)."""
        raw = np.asarray(y_pred)
        y_pred = np.asarray(y_pred, dtype=np.float64)
        y_true = np.asarray(y_true, dtype=np.float64)
        if self.kind == "binary":
            x = y_pred.reshape(-1)
            p = sigmoid(x) if self.from_logits else np.exp(x) if self.log_probs else x
            hit = y_true.reshape(-1)
            truth = hit
        else:
            probs = np.exp(log_softmax(y_pred)) if self.from_logits else np.exp(y_pred) if self.log_probs else y_pred
            p = probs.max(axis=1)
            truth = y_true.argmax(axis=1) if y_true.ndim == 2 else y_true
            hit = (probs.argmax(axis=1) == truth).astype(np.float64)
        if self.torch and self.from_logits:  # float32 and float16 logits as torch computes them, as ece does
            as_torch = torch_logit_confidence(truth, raw, False)
            p, hit = as_torch if as_torch is not None else (p, hit)
        ok = np.isfinite(p) & np.isfinite(hit)
        if self.ignore_index is not None and y_true.ndim == 1:
            ok &= truth != self.ignore_index
        w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)[ok]
        binned = p.astype(torch_binning_dtype(raw, classwise=False))[ok] if self.torch else None
        self.sums.update(bin_stats(p[ok], hit[ok], w, n_bins=self.n_bins, torch_binned=binned), None)

    def observe(self, batch: Any, values: Any, offset: int) -> None:
        self.add(batch.y_true, batch.y_pred, batch.weights)

    @property
    def count(self) -> np.ndarray:
        """Rows per bin (every bin, empty ones too)."""
        stats = self.sums.view()
        return stats["count"].astype(np.int64) if "count" in stats else np.zeros(self.n_bins, dtype=np.int64)

    def table(self) -> list[dict[str, float]]:
        """Bins that weigh: their range, rows, weight, mean prediction and mean outcome (weighted)."""
        stats = self.sums.view()
        if "weight" not in stats:
            return []
        return [{"low": r["low"], "high": r["high"], "n": r["count"], "weight": r["weight"],
                 "predicted": r["confidence"], "outcome": r["accuracy"]}
                for r in reliability(stats, n_bins=self.n_bins)["reliability"] if r["weight"] > 0]

    def ece(self) -> float:
        """Expected calibration error over the bins: the ``ece`` loss's value (NaN without weight)."""
        stats = self.sums.view()
        return calibration_errors(stats, self.n_bins)[0] if "weight" in stats else float("nan")
