"""Labels in the layout a loss takes: class indices as one-hot rows for a loss over distributions, exact
one-hot rows as class indices for a sparse loss (the command line and the Python API do the same)."""

from __future__ import annotations

import numpy as np

from losscli.spec import LossSpec


def adapt_labels(spec: LossSpec, y_true: np.ndarray, y_pred: np.ndarray) -> np.ndarray:
    """Labels in the layout ``spec`` takes when one pass serves several losses.

    Class indices become one-hot rows for a loss over distributions (NaN rows stay NaN, so validation
    reports them); exact one-hot rows become class indices for a sparse loss. Anything else is left to
    validation.
    """
    if spec.label_kind == "distribution" and y_true.ndim == 1 and y_pred.ndim == 2 and y_true.dtype.kind in "biuf":
        c = y_pred.shape[1]
        ok = np.isfinite(y_true) & (y_true >= 0) & (y_true < c) & (y_true == np.floor(y_true))
        if not ok.all() and np.isfinite(y_true).all():
            return y_true  # out-of-range labels: let validation name them
        onehot = np.zeros((y_true.shape[0], c))
        idx = np.flatnonzero(ok)
        onehot[idx, y_true[idx].astype(np.int64)] = 1.0
        onehot[~ok] = np.nan
        return onehot
    if (
        spec.label_kind == "class_index"
        and y_true.ndim == 2
        and y_true.shape == y_pred.shape
        and np.isin(y_true, (0.0, 1.0)).all()
        and (y_true.sum(axis=1) == 1).all()
    ):
        return np.argmax(y_true, axis=1)
    return y_true
