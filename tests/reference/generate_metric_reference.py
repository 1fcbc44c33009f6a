"""Generate ``metric_reference_values.json``: reference values for losscli's summary metrics and calibration.

Every expected value comes from a call into the peer: scikit-learn in float64 (``root_mean_squared_error``,
``r2_score``, ``d2_log_loss_score``, ...; ``calibration_curve`` for the reliability bins) and torchmetrics
(``BinaryCalibrationError``/``MulticlassCalibrationError`` on float64 tensors). Inputs are drawn from
``numpy.random.default_rng`` with a fixed seed, so a rerun writes the same file.

How to rerun (from the repository root)::

    pip install torch==2.13.0 scikit-learn==1.9.1 torchmetrics
    python tests/reference/generate_metric_reference.py

Case fields: ``id``, ``loss``, ``params``, ``convention``, ``y_true``, ``y_pred``, ``sample_weight``,
``expected_value`` (a float or ``"nan"``), ``expected`` (further named values, e.g. a reliability table's
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


def num(x) -> float | str:
    x = float(x)
    return "nan" if x != x else x


def add(case_id, loss, y, p, value, source, *, sw=None, params=None, expected=None, rtol=1e-10, atol=1e-12):
    CASES.append({
        "id": case_id, "loss": loss, "params": params or {}, "convention": "sklearn",
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


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("scikit-learn", "torch", "torchmetrics"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


GENERATORS = [gen_regression, gen_d2]


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
