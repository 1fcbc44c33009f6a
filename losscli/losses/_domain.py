"""Domain checks shared by kernels' ``check`` hooks: refuse a value outside a loss's domain, naming the
array, row, column and value as written."""

from __future__ import annotations

import numpy as np

from losscli.errors import LabelError, Location, ProbabilityError


def refuse(
    bad: np.ndarray,
    a: np.ndarray,
    array: str,
    offset: int,
    message: str,
    hint: str | None = None,
) -> None:
    """Raise for the first ``True`` of ``bad`` (a mask over ``a``), if any.

    Label problems raise :class:`LabelError`, prediction problems :class:`ProbabilityError` (both exit 3).
    """
    if not bad.any():
        return
    idx = np.argwhere(bad)[0]
    row, col = int(idx[0]), (int(idx[1]) if len(idx) > 1 else None)
    value = a[row] if col is None else a[row, col]
    error = LabelError if array == "y_true" else ProbabilityError
    raise error(
        message,
        location=Location(array, row=row + offset, column=col, value=value.item() if hasattr(value, "item") else value),
        hint=hint,
    )
