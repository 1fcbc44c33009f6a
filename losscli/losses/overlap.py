"""Batch-level Dice and Tversky (Keras ``Dice()``/``Tversky()`` with their default ``axis=None``).

With ``axis=None`` Keras sums the overlap terms over every element of the batch and reports one value,
not a mean of per-sample values: ``1 − 2ΣTP / (Σy + Σp + ε)`` for Dice, ``1 − TP / (TP + α·FP + β·FN + ε)``
for Tversky, ε = 1e-7. The engine keeps TP, FP, FN, Σy and Σp as mergeable sums (a summary metric), so
streaming, shard states and Dask give the one-pass value. Sample weights are refused: the value is not a
mean over samples. ``axis=None`` is the default under the keras convention (as in Keras); the other
conventions default to ``axis=-1`` (one value per sample).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.errors import UsageError
from losscli.losses._common import f64
from losscli.spec import Param, Summary

EPSILON = 1e-7

AXIS = Param("axis", "choice", "-1", "-1: one value per sample over its outputs; None: one value for the whole "
             "batch, no per-sample values (Keras' default: the default under --convention keras)",
             choices=("-1", "none"), by_convention=(("keras", "none"),))


def batch_level(params: dict[str, Any]) -> bool:
    return params.get("axis") == "none"


def _stats(y_true: np.ndarray, y_pred: np.ndarray, w: np.ndarray | None, *, conv: Convention, **_: Any) -> dict:
    if w is not None:
        keras = ": Keras' default, under --convention keras" if conv.name == "keras" else ""
        raise UsageError(f"a batch-level Dice or Tversky (axis=None{keras}) takes no sample weights",
                         hint="drop the sample weights, or give axis=-1 for one value per sample "
                              "(e.g. 'dice(axis=-1)')")
    y, p = f64(y_true).reshape(-1), f64(y_pred).reshape(-1)
    fp, fn = (1.0 - y) * p, y * (1.0 - p)
    if conv.name == "keras":  # Keras 3.15.1 weighs the two terms the other way round (see tversky)
        fp, fn = fn, fp
    # tp, fp, fn, Σy, Σp, each term added exactly (``bins``): the sums do not depend on the chunking
    terms = np.stack([y * p, fp, fn, y, p], axis=1)
    return {"overlap": ("bins", (np.tile(np.arange(5), y.shape[0]), terms.reshape(-1), 5)),
            "n": ("sum", [float(np.shape(y_true)[0])])}


def _dice(stats: dict[str, Any], **_: Any) -> float:
    tp, _fp, _fn, sy, sp = stats["overlap"]
    return float(1.0 - 2.0 * tp / (sy + sp + EPSILON))


def _tversky(stats: dict[str, Any], *, alpha: float = 0.5, beta: float = 0.5, **_: Any) -> float:
    tp, fp, fn, _sy, _sp = stats["overlap"]
    return float(1.0 - tp / (tp + alpha * fp + beta * fn + EPSILON))


DICE = Summary(_stats, _dice, "1 − 2ΣTP / (Σy + Σp + 1e-7) over the whole batch (axis=None)", "mean_per_sample_dice",
               applies=batch_level, batch_level=True)
TVERSKY = Summary(_stats, _tversky, "1 − ΣTP / (ΣTP + α·ΣFP + β·ΣFN + 1e-7) over the whole batch (axis=None)",
                  "mean_per_sample_tversky", applies=batch_level, batch_level=True)
