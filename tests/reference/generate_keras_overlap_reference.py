"""Generate ``keras_overlap_reference_values.json``: Keras' ``Dice()`` and ``Tversky()`` as constructed by
default (``axis=None``, one value for the whole batch), which losscli's keras convention reproduces without
an explicit ``axis``.

Every expected value is a call into Keras 3 (torch backend) on float32 inputs, as a model computes it:
``keras.losses.Dice()(y, p)`` and ``keras.losses.Tversky(alpha, beta)(y, p)``. Each case also carries Keras'
per-sample value (``axis=-1``) averaged over the batch, ``keras.losses.Dice(axis=-1, dtype="float64")`` with
``reduction="sum_over_batch_size"``, which the keras convention gives with an explicit ``axis=-1``. Inputs
are drawn from ``numpy.random.default_rng`` with a fixed seed, so a rerun writes the same file.

How to rerun (from the repository root)::

    pip install torch==2.13.0 keras==3.15.1
    KERAS_BACKEND=torch python tests/reference/generate_keras_overlap_reference.py

Case fields: ``id``, ``loss``, ``params`` (never ``axis``), ``y_true``, ``y_pred``, ``keras_value`` (the
batch-level value), ``per_sample_mean`` (``axis=-1``), ``rtol``, ``atol``, ``source``.
"""

from __future__ import annotations

import json
import os
import platform
from pathlib import Path

import numpy as np

os.environ.setdefault("KERAS_BACKEND", "torch")

import keras  # noqa: E402

OUT = Path(__file__).with_name("keras_overlap_reference_values.json")
SEED = 20261206
RNG = np.random.default_rng(SEED)


def batch(n: int, k: int, positive: float) -> tuple[np.ndarray, np.ndarray]:
    """Binary masks and probabilities that overlap them partly (values float32-exact)."""
    y = (RNG.random((n, k)) < positive).astype(np.float32)
    p = np.clip(0.55 * y + RNG.uniform(0.0, 0.5, (n, k)), 0.0, 1.0).astype(np.float32)
    return y.astype(np.float64), p.astype(np.float64)


def keras_batch(cls: str, y: np.ndarray, p: np.ndarray, **kw: float) -> float:
    loss = getattr(keras.losses, cls)(**kw)  # the default constructor: axis=None, float32
    return float(keras.ops.convert_to_numpy(loss(y.astype("float32"), p.astype("float32"))))


def keras_per_sample_mean(cls: str, y: np.ndarray, p: np.ndarray, **kw: float) -> float:
    loss = getattr(keras.losses, cls)(axis=-1, dtype="float64", reduction="sum_over_batch_size", **kw)
    return float(keras.ops.convert_to_numpy(loss(y, p)))


def main() -> None:
    cases = []
    inputs = {"small": batch(6, 4, 0.5), "mask": batch(40, 64, 0.3), "sparse": batch(25, 9, 0.1)}
    for name, (y, p) in inputs.items():
        variants = [("dice", "Dice", {})] + [
            ("tversky", "Tversky", kw) for kw in ({}, {"alpha": 0.3, "beta": 0.7}, {"alpha": 0.8, "beta": 0.2})
        ]
        for loss, cls, kw in variants:
            tag = "_".join(f"{k}{v:g}" for k, v in kw.items()) or "default"
            args = ", ".join(f"{k}={v}" for k, v in kw.items())
            cases.append({
                "id": f"{loss}/{name}/{tag}", "loss": loss, "params": kw,
                "y_true": y.tolist(), "y_pred": p.tolist(),
                "keras_value": keras_batch(cls, y, p, **kw),
                "per_sample_mean": keras_per_sample_mean(cls, y, p, **kw),
                # Keras computes the batch value in float32: its rounding, not a difference of definition
                "rtol": 2e-6, "atol": 1e-7,
                "source": f"keras {keras.__version__} keras.losses.{cls}({args})(y, p) on float32 (axis=None); "
                          f"per_sample_mean: keras.losses.{cls}({args}{', ' if args else ''}axis=-1, "
                          "dtype='float64')(y, p)",
            })
    import torch

    doc = {
        "generated_by": "tests/reference/generate_keras_overlap_reference.py "
                        "(KERAS_BACKEND=torch python tests/reference/generate_keras_overlap_reference.py)",
        "seed": SEED,
        "versions": {"python": platform.python_version(), "numpy": np.__version__, "keras": keras.__version__,
                     "torch": torch.__version__, "backend": keras.backend.backend()},
        "cases": cases,
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(cases)} cases to {OUT}")


if __name__ == "__main__":
    main()
