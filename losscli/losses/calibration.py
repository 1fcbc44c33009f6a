"""Calibration errors (ECE, MCE, RMSCE) from mergeable per-bin sums, with the reliability table.

Samples are put in ``n_bins`` equal-width confidence bins closed on the right — (k/B, (k+1)/B] — with a
confidence of exactly 0 in the first bin and exactly 1 in the last (scikit-learn ``calibration_curve``'s
bins). Under the torch convention the bins are torchmetrics': ``bucketize(conf, linspace(0, 1, B + 1),
right=True) − 1``, closed on the left — [e_k, e_{k+1}) — on the edges ``torch.linspace`` makes in the
confidences' dtype (:func:`torch_edges`), with a confidence of exactly 1 in a bin of its own, B + 1 bins in
all (torchmetrics#3510); a top-label confidence is binned as the float32 value torchmetrics casts it to
(0.99999999 is 1.0 there), a binary one in the predictions' dtype; float32 logits go through softmax or
sigmoid in float32 arithmetic, as torch's, float16 logits rounded to float16 after it
(:func:`torch_logit_confidence`). So a probability of 0.5 falls in the bin
above that edge there, and in the bin below it under the other conventions. Per bin the engine keeps the row
count, the weight W_b, the weighted confidence sum C_b and the weighted accuracy sum A_b, so streaming,
shard states and Dask give the one-pass value:

- ECE  = Σ_b |A_b − C_b| / W                    (torchmetrics ``norm='l1'``)
- MCE  = max_b |A_b − C_b| / W_b over non-empty bins   (``norm='max'``)
- RMSCE = √(Σ_b (A_b − C_b)² / W_b / W)         (``norm='l2'``)

With ``strategy='quantile'`` the bins hold equal numbers of samples instead (adaptive, equal-mass bins;
scikit-learn ``calibration_curve(strategy='quantile')``): the edges are the percentiles
``np.percentile(conf, linspace(0, 1, B + 1) · 100)`` of the confidences and a confidence goes to the bin
``searchsorted(edges[1:-1], conf)`` (closed on the right; the lowest confidence in the first bin, the highest
in the last; tied edges leave empty bins), and the errors above are computed on exactly those bins (sample
weights weight the sums; the edges are percentiles of the confidences themselves, as scikit-learn's). The
engine keeps the confidences themselves for this, up to a bound (about a million confidences; see
:mod:`losscli.engine.confidence_sample`); beyond it, a fine histogram of the confidences (16384 equal-width
bins per column) gives edges within 1/16384 of the percentiles and exact sums over the bins between them,
and the result says ``"edges": "approximate"`` in its ``binning`` table.

Binary input (one probability column) scores the positive class: confidence p, accuracy y (torchmetrics
``BinaryCalibrationError``). Multiclass input (C columns) scores the top label: confidence max_c p_c,
accuracy 1[argmax_c p_c = y] (``MulticlassCalibrationError``); with ``classwise`` every class c is binned
on its own (confidence p_c, accuracy 1[y = c]) and the errors are averaged over classes. The per-sample
value is confidence − accuracy; its mean is the overall over-confidence (a one-bin, signed calibration
error).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.losses._common import f64, log_softmax, sigmoid
from losscli.spec import KernelOutput, Param, Summary, never_clips, register_loss

N_BINS = Param("n_bins", "int", 15, "number of confidence bins (equal width, or equal mass with strategy=quantile)", low=1, high=10_000, allow_none=False)
STRATEGY = Param("strategy", "choice", "uniform", "bin edges: uniform (equal width) or quantile (equal mass, "
                 "scikit-learn calibration_curve's percentiles of the confidences)", allow_none=False,
                 choices=("uniform", "quantile"), peers=())
CLASSWISE = Param("classwise", "bool", False, "bin every class on its own and average the errors over classes",
                  allow_none=False, peers=())
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


@functools.lru_cache(maxsize=64)
def torch_edges(n_bins: int, dtype: str) -> np.ndarray:
    """``torch.linspace(0, 1, n_bins + 1, dtype=dtype)`` as torch's CPU kernel makes it: step = 1/n_bins in
    the dtype, e_i = step·i for the first half of the edges and 1 − step·(n_bins − i) for the rest. In float32
    and float64 the kernel's multiply-add is fused (one rounding) where its build uses FMA, as on x86-64 with
    AVX2 and on ARM64; float16 rounds after each operation (torch's half arithmetic). A CPU without FMA may
    give torch's float32/float64 edges a last bit of difference."""
    from fractions import Fraction  # only these edges need it

    t = np.dtype(dtype).type
    steps, half = n_bins + 1, (n_bins + 1) // 2
    step = t(1) / t(n_bins)
    out = np.empty(steps, dtype=dtype)
    for i in range(steps):
        m = steps - i - 1
        if i < half:
            out[i] = step * t(i)
        elif t is np.float16:
            out[i] = t(1) - step * t(m)
        else:  # exact, then rounded once (a float32 edge is exact in float64 first)
            out[i] = float(Fraction(1) - Fraction(float(step)) * m)
    out.flags.writeable = False
    return out


def torch_bin_index(conf: np.ndarray, n_bins: int) -> np.ndarray:
    """torchmetrics' bins: ``bucketize(conf, edges, right=True) − 1`` — [e_k, e_{k+1}) closed on the left, on
    :func:`torch_edges` in the confidences' dtype, and exactly 1 in a bin of its own (index n_bins)."""
    return np.searchsorted(torch_edges(n_bins, conf.dtype.str), conf, side="right") - 1


def torch_binning_dtype(y_pred: np.ndarray, classwise: bool) -> np.dtype:
    """The dtype torchmetrics bins confidences in: float32 for a top-label confidence (it casts them), the
    predictions' own for binary input (float16 and float32 kept, as the readers keep them; else float64)."""
    if np.asarray(y_pred).ndim == 2 and not classwise:
        return np.dtype(np.float32)
    dtype = np.asarray(y_pred).dtype
    return dtype if dtype in (np.float16, np.float32) else np.dtype(np.float64)


def torch_logit_confidence(
    y_true: np.ndarray, y_pred: np.ndarray, classwise: bool
) -> tuple[np.ndarray, np.ndarray] | None:
    """The confidence and accuracy torchmetrics computes from float32 or float16 logits, as torch's CPU kernels
    make them: ``sigmoid`` as 1/(1 + exp(−x)) and ``softmax`` as exp(x − max)·(1/Σ exp(x − max)) in float32
    arithmetic, rounded to the logits' dtype (float16 is computed in float32, as torch's kernels for half
    do); the top label is the first class of the largest of those probabilities (``torch.max``). ``None``
    for other inputs (float64 logits: the float64 values, cast as torchmetrics casts them).

    Computed in float64 and then rounded, a saturated confidence can land one step below 1 where torch's
    arithmetic gives exactly 1 (torchmetrics' bin of its own); in float16 a confidence of 0.9999 is 1 there."""
    x = np.asarray(y_pred)
    if x.dtype not in (np.float16, np.float32) or (x.ndim == 2 and (classwise or x.shape[1] < 2)):
        return None
    dtype = x.dtype
    x = x.astype(np.float32)
    one = np.float32(1.0)
    labels = np.asarray(y_true).astype(np.int64).reshape(-1)
    with np.errstate(over="ignore", under="ignore"):
        if x.ndim == 1:
            p = (one / (one + np.exp(-x))).astype(dtype)
            return p.astype(np.float64), (labels == 1).astype(np.float64)
        e = np.exp(x - x.max(axis=1, keepdims=True))
        probs = (e * (one / e.sum(axis=1, dtype=np.float32, keepdims=True))).astype(dtype)
    top = np.argmax(probs, axis=1)  # the first of equal probabilities, as torch.max
    return probs[np.arange(probs.shape[0]), top].astype(np.float64), (top == labels).astype(np.float64)


def _stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, *, n_bins: int, classwise: bool = False,
           from_logits: bool = False, strategy: str = "uniform", conv: Convention | None = None,
           **_: Any) -> dict[str, tuple[str, Any]]:
    torch = conv is not None and conv.name == "torch"
    as_torch = torch_logit_confidence(y_true, y_pred, classwise) if torch and from_logits else None
    conf, acc = as_torch or confidence_and_accuracy(y_true, y_pred, from_logits, classwise)
    if strategy == "quantile":  # the edges need every confidence: the engine keeps them (bounded)
        return {"sample": ("sample", (conf, acc))}
    binned = conf.astype(torch_binning_dtype(y_pred, classwise)) if torch else None
    return bin_stats(conf, acc, w, n_bins=n_bins, torch_binned=binned)


def bin_stats(conf: np.ndarray, acc: np.ndarray, w: np.ndarray | None, *, n_bins: int,
              torch_binned: np.ndarray | None = None) -> dict[str, tuple[str, Any]]:
    """One chunk's equal-width bins of (confidence, accuracy) pairs, (N,) or (N, K): per bin the rows, the
    weight, Σw·confidence and Σw·accuracy, each value added exactly to its bin (``bins`` statistics: the
    sums, and so the errors, do not depend on the chunking); torchmetrics' bins of ``torch_binned``, the
    confidences in the dtype torchmetrics bins them in (:func:`torch_binning_dtype`)."""
    conf2 = conf.reshape(conf.shape[0], -1)
    acc2 = acc.reshape(acc.shape[0], -1)
    k = conf2.shape[1]
    ww = np.ones(conf2.shape[0]) if w is None else np.asarray(w, dtype=np.float64).reshape(-1)
    per = n_bins
    if torch_binned is not None:  # torchmetrics' bins, exactly 1 in one of its own
        idx = torch_bin_index(torch_binned.reshape(conf2.shape), n_bins)
        per = n_bins + 1
    else:
        idx = bin_index(conf2, n_bins)
    # one histogram of length k·per: column j's bins at j·per .. j·per + per − 1
    idx = (idx + np.arange(k)[None, :] * per).reshape(-1)
    size = k * per
    count = np.bincount(idx, minlength=size).astype(np.float64)
    flat = acc2.reshape(-1)
    hit = flat != 0  # an accuracy is mostly 0 or 1: only the others add to its sums
    if w is None:  # counts are exact as they are
        ones = bool(np.all(flat[hit] == 1))
        weight = ("sum", count)
        accuracy = ("sum", np.bincount(idx[hit], minlength=size).astype(np.float64)) if ones else (
            "bins", (idx[hit], flat[hit], size))
        confidence = ("bins", (idx, conf2.reshape(-1), size))
    else:
        wcol = np.repeat(ww, k)
        weight, accuracy = ("bins", (idx, wcol, size)), ("bins", (idx[hit], wcol[hit] * flat[hit], size))
        confidence = ("bins", (idx, wcol * conf2.reshape(-1), size))
    return {
        "count": ("sum", count),
        "weight": weight,
        "confidence": confidence,
        "accuracy": accuracy,
        "bins": ("max", np.array([float(per)])),  # bins per column: n_bins, or n_bins + 1 under torch
    }


def quantile_edges(conf: np.ndarray, n_bins: int) -> np.ndarray:
    """scikit-learn ``calibration_curve(strategy='quantile')``'s edges: percentiles of the confidences."""
    return np.percentile(conf, np.linspace(0.0, 1.0, n_bins + 1) * 100)


def _sums(idx: np.ndarray, n_bins: int, conf: np.ndarray, acc: np.ndarray, w: np.ndarray) -> dict[str, np.ndarray]:
    return {"count": np.bincount(idx, minlength=n_bins).astype(np.float64),
            "weight": np.bincount(idx, weights=w, minlength=n_bins),
            "confidence": np.bincount(idx, weights=w * conf, minlength=n_bins),
            "accuracy": np.bincount(idx, weights=w * acc, minlength=n_bins)}


def _quantile_columns(sample: dict[str, Any], n_bins: int) -> list[dict[str, np.ndarray]]:
    """Per column the equal-mass bins' sums and edges (``low``/``high`` per bin), from the kept confidences
    (exact percentiles) or from the fine histogram (edges at its bins' boundaries)."""
    out = []
    if sample["exact"]:
        conf, acc, w = sample["confidence"], sample["accuracy"], sample["weight"]
        for j in range(conf.shape[1]):
            c = conf[:, j]
            edges = quantile_edges(c, n_bins) if c.size else np.zeros(n_bins + 1)
            idx = np.searchsorted(edges[1:-1], c, side="left")
            col = _sums(idx, n_bins, c, acc[:, j], np.ones(c.size) if w is None else w)
            out.append({**col, "low": edges[:-1], "high": edges[1:]})
        return out
    for j in range(sample["count"].shape[0]):
        out.append(_from_fine({key: sample[key][j] for key in ("count", "weight", "confidence", "accuracy")}, n_bins))
    return out


def _from_fine(fine: dict[str, np.ndarray], n_bins: int) -> dict[str, np.ndarray]:
    """Equal-mass bins made of whole fine bins: inner edge k at the upper boundary of the fine bin holding
    the sample at the percentile's position (N − 1)·k/B (numpy's rule), so each edge is within one fine bin
    of the percentile; the sums are the fine bins' exact sums."""
    count = fine["count"]
    f = count.shape[0]
    total = int(count.sum())
    if not total:
        zeros = np.zeros(n_bins)
        return {"count": zeros, "weight": zeros, "confidence": zeros, "accuracy": zeros, "low": zeros, "high": zeros}
    cum = np.cumsum(count)
    pos = np.floor((total - 1) * np.arange(1, n_bins) / n_bins)
    inner = np.searchsorted(cum, pos, side="right")  # the fine bin of each inner edge
    coarse = np.searchsorted(inner, np.arange(f), side="left")  # the bin of each fine bin
    out = {key: np.bincount(coarse, weights=fine[key].astype(np.float64), minlength=n_bins)
           for key in ("count", "weight", "confidence", "accuracy")}
    full = np.flatnonzero(count)
    bounds = np.concatenate([[full[0]], inner + 1, [full[-1] + 1]]) / f
    out["low"], out["high"] = bounds[:-1], bounds[1:]
    return out


def _columns(stats: dict[str, Any], n_bins: int) -> list[dict[str, np.ndarray]]:
    """Every column's bins (equal width or equal mass)."""
    if "sample" in stats:
        return _quantile_columns(stats["sample"], n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    low, high = edges[:-1], edges[1:]
    per = _bins_per_column(stats, n_bins)
    if per == n_bins + 1:  # torch: a last bin holding exactly 1
        low, high = np.append(low, 1.0), np.append(high, 1.0)
    return [{**col, "low": low, "high": high} for col in _per_column(stats, per)]


def _bins_per_column(stats: dict[str, Any], n_bins: int) -> int:
    """n_bins, or n_bins + 1 where the bins were made under the torch convention."""
    return int(np.asarray(stats["bins"])[0]) if "bins" in stats else n_bins


def _per_column(stats: dict[str, Any], per: int) -> list[dict[str, np.ndarray]]:
    cols = len(stats["weight"]) // per
    return [{key: np.asarray(stats[key][j * per:(j + 1) * per]) for key in
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


def calibration_errors(stats: dict[str, Any], n_bins: int) -> tuple[float, float, float]:
    """(ECE, MCE, RMSCE) of the statistics of :func:`bin_stats` (as the engine keeps them), averaged over
    columns: the values of the ``ece``, ``mce`` and ``rmsce`` losses."""
    errors = [_errors(c) for c in _columns(stats, n_bins)]
    return tuple(float(np.mean([e[i] for e in errors])) for i in range(3))  # type: ignore[return-value]


def _finish(which: int) -> Any:
    def finish(stats: dict[str, Any], *, n_bins: int, **_: Any) -> float:
        if "weight" not in stats and "sample" not in stats:
            return math.nan
        return float(np.mean([_errors(c)[which] for c in _columns(stats, n_bins)]))

    return finish


def reliability(stats: dict[str, Any], *, n_bins: int, classwise: bool = False, strategy: str = "uniform",
                **_: Any) -> dict[str, Any]:
    """The reliability table: per bin its edges, rows, weight, mean confidence and accuracy (non-empty bins);
    with equal-mass bins also how the edges were found (``binning``: exact percentiles or approximate)."""
    if "weight" not in stats and "sample" not in stats:
        return {}
    rows = []
    for j, col in enumerate(_columns(stats, n_bins)):
        for b in range(len(col["weight"])):
            w = float(col["weight"][b])
            if col["count"][b] == 0:
                continue
            row = {"bin": b, "low": float(col["low"][b]), "high": float(col["high"][b]), "count": int(col["count"][b]),
                   "weight": w, "confidence": float(col["confidence"][b] / w) if w > 0 else None,
                   "accuracy": float(col["accuracy"][b] / w) if w > 0 else None}
            rows.append({"class": j, **row} if classwise else row)
    if "sample" not in stats:
        return {"reliability": rows}
    sample = stats["sample"]
    exact = bool(sample["exact"])
    binning = {"strategy": strategy, "n_bins": n_bins,
               "edges": "exact" if exact else "approximate",
               "how": "percentiles of the confidences (scikit-learn calibration_curve)" if exact else
               f"approximate percentiles: boundaries of a fine histogram of {sample['count'].shape[1]} equal-width "
               "bins, each edge within one fine bin of the percentile; the sums are exact",
               "confidences": int(sample["confidence"].size if exact else sample["count"].sum())}
    out: dict[str, Any] = {"reliability": rows, "binning": [binning]}
    if not exact:
        out["notes"] = [f"the quantile bin edges are approximate ({binning['confidences']} confidences, more than "
                        f"are kept exactly: each edge within 1/{sample['count'].shape[1]} of its percentile; the "
                        "bins' sums are exact)"]
    return out


def _declare(name: str, which: int, norm: str, formula: str, latex: str, description: str, aliases: tuple) -> Any:
    summary = Summary(_stats, _finish(which), formula.split(";")[0].removeprefix("value = "),
                      "mean_confidence_minus_accuracy", details=reliability)

    @register_loss(
        name,
        clips=never_clips,
        aliases=aliases,
        label_kind="class_index",
        pred_kind="distribution",
        accepts_logits=True,
        conventions=("torch",),
        params=(N_BINS, STRATEGY, CLASSWISE),
        formula=formula,
        latex=latex,
        description=description,
        peer=f"torchmetrics BinaryCalibrationError / MulticlassCalibrationError (norm='{norm}'); "
             "bins of sklearn calibration_curve (strategy='uniform' or 'quantile')",
        example=EXAMPLE,
        summary=summary,
    )
    def kernel(y_true: np.ndarray, y_pred: np.ndarray, *, conv: Convention, n_bins: int = 15,
               strategy: str = "uniform", classwise: bool = False, from_logits: bool = False) -> KernelOutput:
        conf, acc = confidence_and_accuracy(y_true, y_pred, from_logits, classwise)
        d = conf - acc
        return KernelOutput(d if d.ndim == 1 else d.mean(axis=1))

    kernel.__name__ = kernel.__qualname__ = name
    kernel.__doc__ = (
        f"{description}\n\n    Formula: ``{formula}``, over ``n_bins`` equal-width bins (k/B, (k+1)/B] with 0 in "
        "the first and 1 in the last\n    (``strategy='uniform'``), or equal-mass bins whose edges are the "
        "percentiles of the confidences\n    (``strategy='quantile'``, scikit-learn calibration_curve's); "
        "W_b, C_b, A_b = the weight, Σw·confidence and\n    Σw·accuracy of bin b. The per-sample value is "
        "confidence − accuracy."
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
