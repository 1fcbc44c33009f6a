"""Calibration errors (ECE, MCE, RMSCE) from mergeable per-bin sums, with the reliability table.

Samples are put in ``n_bins`` equal-width confidence bins closed on the right — (k/B, (k+1)/B] — with a
confidence of exactly 0 in the first bin and exactly 1 in the last (scikit-learn ``calibration_curve``'s
bins; torchmetrics puts 1.0 in a bin of its own, torchmetrics#3510). Per bin the engine keeps the row
count, the weight W_b, the weighted confidence sum C_b and the weighted accuracy sum A_b, so streaming,
shard states and Dask give the one-pass value:

- ECE  = Σ_b |A_b − C_b| / W                    (torchmetrics ``norm='l1'``)
- MCE  = max_b |A_b − C_b| / W_b over non-empty bins   (``norm='max'``)
- RMSCE = √(Σ_b (A_b − C_b)² / W_b / W)         (``norm='l2'``)

Binary input (one probability column) scores the positive class: confidence p, accuracy y (torchmetrics
``BinaryCalibrationError``). Multiclass input (C columns) scores the top label: confidence max_c p_c,
accuracy 1[argmax_c p_c = y] (``MulticlassCalibrationError``); with ``classwise`` every class c is binned
on its own (confidence p_c, accuracy 1[y = c]) and the errors are averaged over classes. The per-sample
value is confidence − accuracy; its mean is the overall over-confidence (a one-bin, signed calibration
error).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, log_softmax, sigmoid
from losscli.spec import KernelOutput, Param, Summary, register_loss

N_BINS = Param("n_bins", "int", 15, "number of equal-width confidence bins", low=1, high=10_000, allow_none=False)
CLASSWISE = Param("classwise", "bool", False, "bin every class on its own and average the errors over classes",
                  allow_none=False)
EXAMPLE = {"y_true": [0, 0, 1, 1, 1], "y_pred": [0.25, 0.25, 0.55, 0.75, 0.75], "params": {"n_bins": 2}}


def probabilities(y_pred: np.ndarray, from_logits: bool) -> np.ndarray:
    """Probabilities of the positive class (one column) or of every class (C columns)."""
    p = f64(y_pred)
    if not from_logits:
        return p
    return sigmoid(p) if p.ndim == 1 else np.exp(log_softmax(p))


def confidence_and_accuracy(
    y_true: np.ndarray, y_pred: np.ndarray, from_logits: bool, classwise: bool
) -> tuple[np.ndarray, np.ndarray]:
    """Per sample (columns: one, or one per class when class-wise) the confidence and the accuracy."""
    p = probabilities(y_pred, from_logits)
    y = np.asarray(y_true).astype(np.int64).reshape(-1)
    if p.ndim == 1:
        return p, (y == 1).astype(np.float64)
    if classwise:
        return p, (y[:, None] == np.arange(p.shape[1])[None, :]).astype(np.float64)
    top = np.argmax(p, axis=1)
    return p[np.arange(p.shape[0]), top], (top == y).astype(np.float64)


def bin_index(conf: np.ndarray, n_bins: int) -> np.ndarray:
    """Bins (k/B, (k+1)/B], 0 in the first and 1 in the last: scikit-learn ``calibration_curve``'s rule."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    return np.searchsorted(edges[1:-1], conf, side="left")


def _stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, *, n_bins: int, classwise: bool = False,
           from_logits: bool = False, **_: Any) -> dict[str, tuple[str, Any]]:
    conf, acc = confidence_and_accuracy(y_true, y_pred, from_logits, classwise)
    conf2 = conf.reshape(conf.shape[0], -1)
    acc2 = acc.reshape(acc.shape[0], -1)
    k = conf2.shape[1]
    ww = np.ones(conf2.shape[0]) if w is None else np.asarray(w, dtype=np.float64)
    # one histogram of length k·B: column j's bins at j·B .. j·B + B − 1
    idx = (bin_index(conf2, n_bins) + np.arange(k)[None, :] * n_bins).reshape(-1)
    size = k * n_bins
    wcol = np.repeat(ww, k)
    return {
        "count": ("sum", np.bincount(idx, minlength=size).astype(np.float64)),
        "weight": ("sum", np.bincount(idx, weights=wcol, minlength=size)),
        "confidence": ("sum", np.bincount(idx, weights=wcol * conf2.reshape(-1), minlength=size)),
        "accuracy": ("sum", np.bincount(idx, weights=wcol * acc2.reshape(-1), minlength=size)),
    }


def _per_column(stats: dict[str, Any], n_bins: int) -> list[dict[str, np.ndarray]]:
    cols = len(stats["weight"]) // n_bins
    return [{key: np.asarray(stats[key][j * n_bins:(j + 1) * n_bins]) for key in
             ("count", "weight", "confidence", "accuracy")} for j in range(cols)]


def _errors(col: dict[str, np.ndarray]) -> tuple[float, float, float]:
    """(ECE, MCE, RMSCE) of one column's bins."""
    w = col["weight"]
    total = float(w.sum())
    if total <= 0:
        return math.nan, math.nan, math.nan
    gap = np.abs(col["accuracy"] - col["confidence"])
    full = w > 0
    ece = float(gap.sum() / total)
    mce = float(np.max(gap[full] / w[full]))
    rms = float(math.sqrt(np.sum(gap[full] ** 2 / w[full]) / total))
    return ece, mce, rms


def _finish(which: int) -> Any:
    def finish(stats: dict[str, Any], *, n_bins: int, **_: Any) -> float:
        if "weight" not in stats:
            return math.nan
        return float(np.mean([_errors(c)[which] for c in _per_column(stats, n_bins)]))

    return finish


def reliability(stats: dict[str, Any], *, n_bins: int, classwise: bool = False, **_: Any) -> dict[str, Any]:
    """The reliability table: per bin its edges, rows, weight, mean confidence and accuracy (non-empty bins)."""
    if "weight" not in stats:
        return {}
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    rows = []
    for j, col in enumerate(_per_column(stats, n_bins)):
        for b in range(n_bins):
            w = float(col["weight"][b])
            if col["count"][b] == 0:
                continue
            row = {"bin": b, "low": float(edges[b]), "high": float(edges[b + 1]), "count": int(col["count"][b]),
                   "weight": w, "confidence": float(col["confidence"][b] / w) if w > 0 else None,
                   "accuracy": float(col["accuracy"][b] / w) if w > 0 else None}
            rows.append({"class": j, **row} if classwise else row)
    return {"reliability": rows}


def _declare(name: str, which: int, norm: str, formula: str, latex: str, description: str, aliases: tuple) -> Any:
    summary = Summary(_stats, _finish(which), formula.split(";")[0].removeprefix("value = "),
                      "mean_confidence_minus_accuracy", details=reliability)

    @register_loss(
        name,
        aliases=aliases,
        label_kind="class_index",
        pred_kind="distribution",
        accepts_logits=True,
        conventions=("torch",),
        params=(N_BINS, CLASSWISE),
        formula=formula,
        latex=latex,
        description=description,
        peer=f"torchmetrics BinaryCalibrationError / MulticlassCalibrationError (norm='{norm}'); "
             "bins of sklearn calibration_curve",
        example=EXAMPLE,
        summary=summary,
    )
    def kernel(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, n_bins: int = 15,
               classwise: bool = False, from_logits: bool = False) -> KernelOutput:
        conf, acc = confidence_and_accuracy(y_true, y_pred, from_logits, classwise)
        d = conf - acc
        return KernelOutput(d if d.ndim == 1 else d.mean(axis=1))

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = (
        f"{description}\n\n    Formula: ``{formula}``, over ``n_bins`` equal-width bins (k/B, (k+1)/B] with 0 in "
        "the first and 1 in the last;\n    W_b, C_b, A_b = the weight, Σw·confidence and Σw·accuracy of bin b. "
        "The per-sample value is\n    confidence − accuracy."
    )
    return kernel


ece = _declare(
    "ece", 0, "l1", "value = Σ_b |A_b − C_b| / W; per sample: confidence − accuracy",
    r"\mathrm{ECE} = \sum_b \frac{W_b}{W}\left|\mathrm{acc}_b - \mathrm{conf}_b\right|",
    "Expected calibration error: the weighted mean gap between accuracy and confidence over bins.",
    ("expected_calibration_error",),
)
mce = _declare(
    "mce", 1, "max", "value = max_b |A_b − C_b| / W_b over non-empty bins; per sample: confidence − accuracy",
    r"\mathrm{MCE} = \max_b \left|\mathrm{acc}_b - \mathrm{conf}_b\right|",
    "Maximum calibration error: the largest gap between accuracy and confidence over non-empty bins.",
    ("maximum_calibration_error",),
)
rmsce = _declare(
    "rmsce", 2, "l2", "value = √(Σ_b (A_b − C_b)² / W_b / W); per sample: confidence − accuracy",
    r"\mathrm{RMSCE} = \sqrt{\sum_b \frac{W_b}{W}\left(\mathrm{acc}_b - \mathrm{conf}_b\right)^2}",
    "Root-mean-square calibration error over bins.",
    ("rms_calibration_error",),
)
