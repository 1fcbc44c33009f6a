"""Plausibility: inputs that are valid but probably not what was meant, said as warnings (stderr and the
JSON ``warnings``), never refused — swapped label and prediction files, most predictions clipped, a
class count that differs from the labels' range.

Checked on the first batch (a sample of the data) and on the final counts; the numbers are not changed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.spec import LossSpec

#: fewer samples than this say nothing either way
MIN_SAMPLES = 20


def batch_warnings(spec: LossSpec, params: dict[str, Any], y_true: np.ndarray, y_pred: np.ndarray) -> list[str]:
    """Warnings about one (the first) batch of validated-shape inputs (the classes' range: :class:`ClassRange`,
    over every batch)."""
    out: list[str] = []
    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    if yt.dtype.kind not in "iuf" or yp.dtype.kind not in "iuf" or len(yp) < MIN_SAMPLES:
        return out
    if (spec.label_kind == "binary" and spec.pred_kind == "probability" and not params.get("from_logits")
            and yt.shape == yp.shape):
        finite = np.isfinite(yt) & np.isfinite(yp)
        t, p = yt[finite], yp[finite]
        soft = np.mean((t > 0) & (t < 1)) if t.size else 0.0
        if t.size and np.isin(p, (0.0, 1.0)).all() and soft > 0.5:
            out.append("the labels look like probabilities and the predictions like 0/1 labels: are the labels "
                       "and predictions files swapped?")
    return out


class ClassRange:
    """The smallest and largest class index among every batch's labels (of a loss on one column per class, three
    or more, whose labels are not mapped by name or by ``--classes``: a class no label holds is then only
    absent), for the warnings of :meth:`warnings`: over the whole input, whatever the chunks (a class that first
    appears late is not absent)."""

    def __init__(self, spec: LossSpec, params: dict[str, Any], *, named_classes: bool = False) -> None:
        self.on = spec.label_kind in ("class_index", "distribution") and not named_classes
        self.ignored = params.get("ignore_index")  # a class the run ignores is absent by design
        self.c, self.count, self.lo, self.hi = 0, 0, np.inf, -np.inf

    def add(self, y_true: np.ndarray, y_pred: np.ndarray) -> None:
        yt, yp = np.asarray(y_true), np.asarray(y_pred)
        if not self.on or yt.dtype.kind not in "iuf" or yp.dtype.kind not in "iuf" or yp.ndim != 2 or yp.shape[1] <= 2:
            return
        c = yp.shape[1]
        if yt.ndim == 1 and yt.size and self.ignored is None:
            # the common case in two passes, not six: every label a class index (else filtered below)
            lo, hi = yt.min(), yt.max()
            if lo >= 0 and hi < c:  # False for NaN
                self.c, self.count = c, self.count + int(yt.size)
                self.lo, self.hi = min(self.lo, float(lo)), max(self.hi, float(hi))
                return
        if yt.ndim == 1:
            labels = yt[np.isfinite(yt)]
            if self.ignored is not None:
                labels = labels[labels != self.ignored]
        elif yt.ndim == 2 and yt.shape == yp.shape and np.isin(yt, (0.0, 1.0)).all():
            labels = np.argmax(yt, axis=1)
        else:
            return
        labels = labels[(labels >= 0) & (labels < c)]
        if labels.size:
            self.c = c
            self.count += int(labels.size)
            self.lo, self.hi = min(self.lo, float(labels.min())), max(self.hi, float(labels.max()))

    def warnings(self) -> list[str]:
        c, out = self.c, []
        if not c or self.count < MIN_SAMPLES * c:
            return out
        if self.hi < c - 1 and self.ignored != c - 1:
            out.append(f"no label is class {c - 1}, the last of the {c} prediction columns: is a column "
                       "extra (an index or an id)? choose the prediction columns with --pred-cols")
        if self.lo > 0 and self.ignored != 0:
            out.append(f"no label is class 0, the first of the {c} prediction columns: are the labels "
                       "numbered from 1? name the columns p_1…p_C, or give --classes")
        return out


def result_warnings(clipped: int, n: int, outputs: int) -> list[str]:
    """Warnings about the final counts: most predictions clipped."""
    if n >= MIN_SAMPLES and clipped > 0.5 * n * max(outputs, 1):
        return [f"{clipped} of {n * max(outputs, 1)} predictions were clipped to [ε, 1−ε]: are these "
                "probabilities (logits need --logits), or are the labels and predictions files swapped?"]
    return []
