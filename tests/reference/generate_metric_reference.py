"""Generate ``metric_reference_values.json``: reference values for summary metrics, calibration, perplexity.

Every expected value comes from a call into the peer: scikit-learn in float64 (``root_mean_squared_error``,
``r2_score``, ``d2_log_loss_score``, ...; ``calibration_curve`` for the reliability bins) and torchmetrics
(``BinaryCalibrationError``/``MulticlassCalibrationError`` on float64 tensors); torch's ``cross_entropy`` and
``nll_loss`` with ``ignore_index=-100`` for perplexity and bits. Inputs are drawn from
``numpy.random.default_rng`` with a fixed seed, so a rerun writes the same file.

How to rerun (from the repository root)::

    pip install torch==2.13.0 scikit-learn==1.9.1 torchmetrics keras==3.15.1   # Keras on the torch backend
    python tests/reference/generate_metric_reference.py

Case fields: ``id``, ``loss``, ``params``, ``convention``, ``y_true``, ``y_pred``, ``sample_weight``,
``expected_value`` (a float, ``"nan"``, or null where only ``expected`` is checked), ``expected`` (further named values, e.g. a reliability table's
columns, or ``{}``), ``rtol``, ``atol``, ``source``.
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
import warnings
from pathlib import Path

import numpy as np
import sklearn.metrics as skm

warnings.filterwarnings("ignore")  # scikit-learn's "R^2 score is not well-defined with less than two samples"

OUT = Path(__file__).with_name("metric_reference_values.json")
SEED = 20261205
RNG = np.random.default_rng(SEED)
CASES: list[dict] = []


def tolist(a):
    return None if a is None else np.asarray(a).tolist()


def num(x) -> float | str | None:
    if x is None:
        return None
    x = float(x)
    return "nan" if x != x else x


def add(case_id, loss, y, p, value, source, *, sw=None, params=None, expected=None, rtol=1e-10, atol=1e-12,
        convention=None):
    CASES.append({
        "id": case_id, "loss": loss, "params": params or {},
        "convention": convention or ("torch" if loss in NORMS else "sklearn"),
        "y_true": tolist(y), "y_pred": tolist(p), "sample_weight": tolist(sw),
        "expected_value": num(value), "expected": expected or {}, "rtol": rtol, "atol": atol, "source": source,
    })


# --------------------------------------------------------------------------------------- summary metrics
REGRESSION = {
    "rmse": skm.root_mean_squared_error,
    "rmsle": skm.root_mean_squared_log_error,
    "r2": skm.r2_score,
    "explained_variance": skm.explained_variance_score,
}


def gen_regression() -> None:
    for loss, fn in REGRESSION.items():
        for k in (1, 3):
            for weighted in (False, True):
                n = 40
                y = RNG.gamma(2.0, 2.0, size=(n, k)) if loss == "rmsle" else RNG.normal(5.0, 3.0, size=(n, k))
                p = np.abs(y + RNG.normal(0, 1.0, size=(n, k))) if loss == "rmsle" else y + RNG.normal(0, 1.5, (n, k))
                y, p = (y[:, 0], p[:, 0]) if k == 1 else (y, p)
                sw = RNG.uniform(0.1, 3.0, size=n) if weighted else None
                value = fn(y, p, sample_weight=sw)
                tag = f"{loss}_k{k}{'_w' if weighted else ''}"
                add(tag, loss, y, p, value, f"sklearn.metrics.{fn.__name__}(y, p, sample_weight=sw)", sw=sw)
    # scikit-learn's edge cases: a constant target (force_finite), a perfect fit, one sample
    const = np.full(6, 2.0)
    off = const + np.array([0.0, 0.1, -0.2, 0.0, 0.3, 0.0])
    for loss in ("r2", "explained_variance"):
        fn = REGRESSION[loss]
        add(f"{loss}_constant_target", loss, const, off, fn(const, off), f"sklearn.metrics.{fn.__name__}: constant y")
        add(f"{loss}_constant_perfect", loss, const, const, fn(const, const),
            f"sklearn.metrics.{fn.__name__}: constant y predicted exactly")
        add(f"{loss}_one_sample", loss, [1.5], [1.0], fn([1.5], [1.0]), f"sklearn.metrics.{fn.__name__}: one sample")
    y = RNG.normal(0, 2, 30)
    p = y + RNG.normal(0, 1, 30)
    add("max_error", "max_error", y, p, skm.max_error(y, p), "sklearn.metrics.max_error(y, p)")


def gen_d2() -> None:
    for loss, fn in (("d2_log_loss", skm.d2_log_loss_score), ("d2_brier", skm.d2_brier_score)):
        for weighted in (False, True):
            n = 50
            sw = RNG.uniform(0.1, 3.0, size=n) if weighted else None
            suffix = "_w" if weighted else ""
            y = RNG.integers(0, 2, n)
            p = np.clip(0.5 + (y - 0.5) * RNG.uniform(0.0, 0.9, n) + RNG.normal(0, 0.15, n), 0.01, 0.99)
            add(f"{loss}_binary{suffix}", loss, y, p, fn(y, p, sample_weight=sw),
                f"sklearn.metrics.{fn.__name__}(y, p, sample_weight=sw) on one probability column", sw=sw)
            c = 4
            y = RNG.integers(0, c, n)
            logits = RNG.normal(0, 1, (n, c))
            logits[np.arange(n), y] += 1.5
            P = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
            add(f"{loss}_multiclass{suffix}", loss, y, P, fn(y, P, sample_weight=sw, labels=list(range(c))),
                f"sklearn.metrics.{fn.__name__}(y, P, sample_weight=sw, labels=range(4)) on (N, 4) probabilities",
                sw=sw)


# ------------------------------------------------------------------------------------------- calibration
NORMS = {"ece": "l1", "rmsce": "l2", "mce": "max"}


def _torchmetrics(binary: bool, norm: str, n_bins: int, y, p) -> float:
    import torch
    from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError

    if binary:
        metric = BinaryCalibrationError(n_bins=n_bins, norm=norm)
        metric.set_dtype(torch.float64)
        metric.update(torch.tensor(p, dtype=torch.float64), torch.tensor(y))
        return float(metric.compute())
    # MulticlassCalibrationError casts the top-label confidences to float32 in its update step; its own
    # top-label step and binning (_ce_compute) are run here in float64
    from torchmetrics.functional.classification.calibration_error import _ce_compute

    check = MulticlassCalibrationError(num_classes=p.shape[1], n_bins=n_bins, norm=norm)
    check.update(torch.tensor(p, dtype=torch.float64), torch.tensor(y))
    confidences, predictions = torch.tensor(p, dtype=torch.float64).max(dim=1)
    accuracies = predictions.eq(torch.tensor(y)).to(torch.float64)
    value = float(_ce_compute(confidences, accuracies, n_bins, norm))
    assert abs(value - float(check.compute())) < 1e-6  # the same as the metric up to its float32 cast
    return value


def gen_calibration() -> None:
    # torchmetrics' documented BinaryCalibrationError example (l1 0.2900, l2 0.2918, max 0.3167)
    y = np.array([0, 0, 1, 1, 1])
    p = np.array([0.25, 0.25, 0.55, 0.75, 0.75])
    for loss, norm in NORMS.items():
        add(f"{loss}_torchmetrics_doc_example", loss, y, p, _torchmetrics(True, norm, 2, y, p),
            f"torchmetrics BinaryCalibrationError(n_bins=2, norm='{norm}') documented example", params={"n_bins": 2})
    n = 300
    y = RNG.integers(0, 2, n)
    p = np.clip(0.5 + (y - 0.5) * RNG.uniform(-0.3, 0.9, n), 0.001, 0.999)
    logits = RNG.normal(0, 1.5, (n, 5))
    yc = np.where(RNG.random(n) < 0.6, np.argmax(logits, axis=1), RNG.integers(0, 5, n))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    for loss, norm in NORMS.items():
        for n_bins in (10, 15):
            add(f"{loss}_binary_b{n_bins}", loss, y, p, _torchmetrics(True, norm, n_bins, y, p),
                f"torchmetrics BinaryCalibrationError(n_bins={n_bins}, norm='{norm}') on float64 tensors",
                params={"n_bins": n_bins})
            add(f"{loss}_multiclass_b{n_bins}", loss, yc, probs, _torchmetrics(False, norm, n_bins, yc, probs),
                f"torchmetrics MulticlassCalibrationError(num_classes=5, n_bins={n_bins}, norm='{norm}'), "
                "top-label, on float64 probabilities", params={"n_bins": n_bins})
        add(f"{loss}_multiclass_logits", loss, yc, logits, _torchmetrics(False, norm, 15, yc, probs),
            f"torchmetrics MulticlassCalibrationError(num_classes=5, n_bins=15, norm='{norm}') on softmax(logits)",
            params={"from_logits": True})
    # scikit-learn's reliability bins, with confidences exactly 0, 1 and on bin edges
    from sklearn.calibration import calibration_curve

    p = np.concatenate([[0.0, 0.0, 1.0, 1.0, 0.2, 0.5, 0.7], RNG.uniform(0, 1, 93)])
    y = (RNG.random(100) < p).astype(int)
    y[:4] = [0, 1, 1, 0]
    for n_bins in (5, 10):
        prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="uniform")
        # no value: torchmetrics bins [a, b) and puts 1.0 in a bin of its own (torchmetrics#3510); these are
        # losscli's bins, not the torch convention's
        add(f"ece_reliability_calibration_curve_b{n_bins}", "ece", y, p, None,
            f"sklearn.calibration.calibration_curve(y, p, n_bins={n_bins}, strategy='uniform') bins",
            params={"n_bins": n_bins}, convention="losscli",
            expected={"reliability.accuracy": prob_true.tolist(), "reliability.confidence": prob_pred.tolist()})


# ------------------------------------------------------------------ binary predict_proba (N, 2), one-hot labels
def gen_predict_proba() -> None:
    n = 40
    y = RNG.integers(0, 2, n)
    y[:2] = [0, 1]
    p = np.clip(0.5 + (y - 0.5) * RNG.uniform(-0.2, 0.9, n), 0.01, 0.99)
    proba = np.stack([1 - p, p], axis=1)
    onehot = np.stack([1 - y, y], axis=1)
    sw = RNG.uniform(0.1, 3.0, n)
    add("log_loss_predict_proba", "log_loss", y, proba, skm.log_loss(y, proba),
        "sklearn.metrics.log_loss(y, predict_proba (N, 2))")
    add("log_loss_predict_proba_w", "log_loss", y, proba, skm.log_loss(y, proba, sample_weight=sw),
        "sklearn.metrics.log_loss(y, predict_proba (N, 2), sample_weight=sw)", sw=sw)
    add("log_loss_predict_proba_one_hot", "log_loss", onehot, proba, skm.log_loss(onehot, proba),
        "sklearn.metrics.log_loss(one-hot y (N, 2), predict_proba (N, 2))")
    add("brier_predict_proba_one_hot", "brier", onehot, proba, skm.brier_score_loss(onehot, proba),
        "sklearn.metrics.brier_score_loss(one-hot y (N, 2), predict_proba (N, 2))")
    add("brier_predict_proba_one_hot_w", "brier", onehot, proba,
        skm.brier_score_loss(onehot, proba, sample_weight=sw),
        "sklearn.metrics.brier_score_loss(one-hot y (N, 2), predict_proba (N, 2), sample_weight=sw)", sw=sw)
    add("d2_log_loss_predict_proba_one_hot", "d2_log_loss", onehot, proba, skm.d2_log_loss_score(onehot, proba),
        "sklearn.metrics.d2_log_loss_score(one-hot y (N, 2), predict_proba (N, 2))")


# --------------------------------------------------------------- Keras batch-level Dice / Tversky (axis=None)
def gen_keras_batch_overlap() -> None:
    import os

    os.environ.setdefault("KERAS_BACKEND", "torch")
    import keras

    n, k = 12, 16
    y = (RNG.random((n, k)) < 0.4).astype(np.float64)
    p = np.clip(0.6 * y + RNG.uniform(0, 0.5, (n, k)), 0.0, 1.0)
    dice = float(keras.losses.Dice()(y.astype("float32"), p.astype("float32")))
    add("dice_keras_axis_none", "dice", y, p, dice, "keras.losses.Dice()(y, p) (axis=None, float32)",
        params={"axis": "none"}, convention="keras", rtol=2e-6, atol=1e-7)
    for alpha, beta in ((0.5, 0.5), (0.3, 0.7)):
        tv = float(keras.losses.Tversky(alpha=alpha, beta=beta)(y.astype("float32"), p.astype("float32")))
        add(f"tversky_keras_axis_none_{alpha}_{beta}", "tversky", y, p, tv,
            f"keras.losses.Tversky(alpha={alpha}, beta={beta})(y, p) (axis=None, float32)",
            params={"alpha": alpha, "beta": beta, "axis": "none"}, convention="keras", rtol=2e-6, atol=1e-7)


# ---------------------------------------------------------------------------------- language models
def gen_language_model() -> None:
    import math

    import torch
    import torch.nn.functional as F

    n, v = 60, 50
    logits = RNG.normal(0, 2, (n, v))
    tokens = RNG.integers(0, v, n)
    tokens[::7] = -100  # padding
    ce = float(F.cross_entropy(torch.tensor(logits), torch.tensor(tokens), ignore_index=-100))
    src = "torch.nn.functional.cross_entropy(logits, tokens, ignore_index=-100) in float64"
    for unit, value in (("nats", ce), ("bits", ce / math.log(2))):
        add(f"scce_lm_{unit}", "scce", tokens, logits, value, f"{src}{' / ln 2' if unit == 'bits' else ''}; "
            "perplexity = exp of it", params={"from_logits": True, "ignore_index": -100, "unit": unit},
            expected={"perplexity": math.exp(ce)}, convention="torch")
    logp = F.log_softmax(torch.tensor(logits), dim=1)
    true_lp = logp[torch.arange(n), torch.tensor(np.maximum(tokens, 0))].numpy()  # padding rows: any log p
    for unit, value in (("nats", ce), ("bits", ce / math.log(2))):
        add(f"token_nll_{unit}", "token_nll", tokens, true_lp, value,
            f"{src}{' / ln 2' if unit == 'bits' else ''}, given log_softmax(logits)[i, token_i]; perplexity = exp",
            params={"unit": unit} if unit == "bits" else {}, expected={"perplexity": math.exp(ce)},
            convention="torch")
    nll = float(F.nll_loss(logp, torch.tensor(tokens), ignore_index=-100))
    add("scce_lm_log_probs_bits", "scce", tokens, logp.numpy(), nll / math.log(2),
        "torch.nn.functional.nll_loss(log_softmax(logits), tokens, ignore_index=-100) / ln 2; perplexity = exp(nll)",
        params={"log_probs": True, "ignore_index": -100, "unit": "bits"}, expected={"perplexity": math.exp(nll)},
        convention="torch")


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("scikit-learn", "torch", "torchmetrics", "keras"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def gen_calibration_at_one() -> None:
    """Confidences of exactly 1 (a saturated sigmoid or softmax): torchmetrics bins them on their own. Its own
    generator (and seed), so the cases above keep their inputs."""
    import torch
    from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError

    rng = np.random.default_rng(SEED + 1)
    n = 400
    p = rng.uniform(0, 1, n) ** 0.3
    p[rng.random(n) < 0.25] = 1.0
    y = (rng.random(n) < np.minimum(p, 0.85)).astype(int)
    logits = rng.normal(0, 1, (n, 4))
    logits[:80, 0] += 25  # softmax within float32's rounding of 1: torchmetrics' float32 cast makes it 1.0
    yc = np.where(rng.random(n) < 0.7, logits.argmax(axis=1), rng.integers(0, 4, n))
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    for loss, norm in NORMS.items():
        metric = BinaryCalibrationError(n_bins=15, norm=norm)
        metric.set_dtype(torch.float64)
        metric.update(torch.tensor(p, dtype=torch.float64), torch.tensor(y))
        add(f"{loss}_binary_confidence_one", loss, y, p, float(metric.compute()),
            f"torchmetrics BinaryCalibrationError(n_bins=15, norm='{norm}') on float64 tensors, a quarter of "
            "the confidences exactly 1")
        metric = MulticlassCalibrationError(num_classes=4, n_bins=15, norm=norm)
        metric.update(torch.tensor(probs, dtype=torch.float64), torch.tensor(yc))
        add(f"{loss}_multiclass_confidence_one", loss, yc, probs, float(metric.compute()),
            f"torchmetrics MulticlassCalibrationError(num_classes=4, n_bins=15, norm='{norm}') on float64 "
            "probabilities, 80 top-label confidences within float32's rounding of 1 (the metric sums in float32: "
            "rtol 1e-6)", rtol=1e-6)


GENERATORS = [gen_regression, gen_d2, gen_calibration, gen_language_model, gen_predict_proba,
              gen_keras_batch_overlap, gen_calibration_at_one]


def main() -> None:
    for gen in GENERATORS:
        gen()
    doc = {
        "generated_by": "tests/reference/generate_metric_reference.py",
        "seed": SEED,
        "versions": versions(),
        "cases": CASES,
    }
    OUT.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
