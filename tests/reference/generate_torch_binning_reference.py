"""Generate ``torch_binning_reference.json``: torch's ``linspace`` bin edges and torchmetrics' calibration
errors on confidences that lie on those edges.

torchmetrics bins confidences with ``bucketize(conf, linspace(0, 1, B + 1), right=True) − 1``: bins closed on
the left, on edges ``torch.linspace`` makes in the confidences' dtype (float32 for a top-label confidence).
Probabilities written with one or two decimals (0.5, 0.7, 0.25) lie on such edges, where the side the bin
is closed on decides the value. Inputs come from ``numpy.random.default_rng`` with a fixed seed, so a rerun
writes the same file (on a CPU with FMA: torch's float32/float64 edges are fused multiply-adds there).

How to rerun (from the repository root)::

    pip install torch==2.13.0 torchmetrics==1.9.0
    python tests/reference/generate_torch_binning_reference.py

Fields: ``edges`` — for each dtype, ``torch.linspace(0, 1, B + 1, dtype)`` for B = 1 … 40 (as float64,
exact); ``cases`` — ``id``, ``kind`` (binary or multiclass), ``n_bins``, ``dtype`` (the predictions' dtype),
``y_true``, ``y_pred`` (the probabilities as written, with two decimals: ``y_pred.astype(dtype)`` is what the
metric was given), ``expected`` (ECE, MCE and RMSCE: norms l1, max, l2), ``rtol``, ``source``.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import torch
import torchmetrics
from torchmetrics.classification import BinaryCalibrationError, MulticlassCalibrationError

OUT = Path(__file__).with_name("torch_binning_reference.json")
SEED = 20261206
DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64}
NORMS = {"ece": "l1", "mce": "max", "rmsce": "l2"}


def edges() -> dict[str, list[list[float]]]:
    return {name: [torch.linspace(0, 1, b + 1, dtype=dt).double().tolist() for b in range(1, 41)]
            for name, dt in DTYPES.items()}


def _errors(metric_class, q, y, **kw) -> dict[str, float]:
    values = {}
    for loss, norm in NORMS.items():
        metric = metric_class(norm=norm, **kw)
        metric.update(q, y)
        values[loss] = float(metric.compute())
    return values


def cases() -> list[dict]:
    rng = np.random.default_rng(SEED)
    n = 300
    out = []
    for n_bins in (5, 10, 15):
        p = np.round(rng.random(n) * 20) / 20  # probabilities with two decimals, many on the edges
        y = (rng.random(n) < p).astype(np.int64)
        for dtype in ("float64", "float32", "float16"):
            out.append({
                "id": f"binary_{dtype}_{n_bins}_bins", "kind": "binary", "n_bins": n_bins, "dtype": dtype,
                "y_true": y.tolist(), "y_pred": p.tolist(),
                "expected": _errors(BinaryCalibrationError, torch.tensor(p.astype(dtype)), torch.tensor(y),
                                    n_bins=n_bins),
                "rtol": {"float64": 1e-12, "float32": 1e-5, "float16": 1e-2}[dtype],  # its sums in the dtype
                "source": f"torchmetrics {torchmetrics.__version__} BinaryCalibrationError(n_bins={n_bins}, "
                          f"norm=l1|max|l2) on {dtype} tensors",
            })
        top = np.round((0.35 + 0.65 * rng.random(n)) * 20) / 20
        probs = np.stack([top, (1 - top) / 2, (1 - top) / 2], axis=1)
        yc = np.where(rng.random(n) < top, 0, rng.integers(1, 3, n))
        for dtype in ("float64", "float32"):
            out.append({
                "id": f"multiclass_{dtype}_{n_bins}_bins", "kind": "multiclass", "n_bins": n_bins, "dtype": dtype,
                "y_true": yc.tolist(), "y_pred": probs.tolist(),
                "expected": _errors(MulticlassCalibrationError, torch.tensor(probs.astype(dtype)), torch.tensor(yc),
                                    num_classes=3, n_bins=n_bins),
                "rtol": 1e-5,  # its sums in float32
                "source": f"torchmetrics {torchmetrics.__version__} MulticlassCalibrationError(num_classes=3, "
                          f"n_bins={n_bins}, norm=l1|max|l2) on {dtype} tensors (top-label confidences binned "
                          "and summed in float32, as torchmetrics casts them)",
            })
    return out


def main() -> None:
    doc = {
        "generated_by": "tests/reference/generate_torch_binning_reference.py",
        "seed": SEED,
        "versions": {"torch": torch.__version__, "torchmetrics": torchmetrics.__version__,
                     "numpy": np.__version__, "python": platform.python_version(), "machine": platform.machine()},
        "edges": edges(),
        "cases": cases(),
    }
    OUT.write_text(json.dumps(doc) + "\n", encoding="utf-8")
    print(f"wrote {len(doc['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
