"""pyarrow → numpy without pandas.

``pyarrow.Array.to_numpy()``, ``np.asarray(array)``, ``pa.scalar()`` and ``pa.array()`` import pandas when
it is installed (~0.4 s here), which would triple the start-up cost of the arrow CSV engine. These helpers
read the fixed-width data buffer and the validity bitmap directly instead.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def valid_mask(arr: Any) -> np.ndarray | None:
    """Boolean mask of non-null entries, or ``None`` when the array has no nulls."""
    if arr.null_count == 0:
        return None
    bitmap = arr.buffers()[0]
    if bitmap is None:  # a null-type array
        return np.zeros(len(arr), dtype=bool)
    bits = np.unpackbits(np.frombuffer(bitmap, dtype=np.uint8), bitorder="little")
    return bits[arr.offset : arr.offset + len(arr)].astype(bool)


def to_float64(arr: Any) -> np.ndarray:
    """A numeric pyarrow Array → a fresh float64 array, nulls as NaN."""
    import pyarrow as pa

    n = len(arr)
    if n == 0:
        return np.empty(0, dtype=np.float64)
    if pa.types.is_null(arr.type):
        return np.full(n, np.nan)
    if arr.type != pa.float64():
        import pyarrow.compute as pc  # ~0.07 s to import: only when a cast is needed

        arr = pc.cast(arr, pa.float64())
    out = np.frombuffer(arr.buffers()[1], dtype=np.float64, count=n, offset=arr.offset * 8).copy()
    mask = valid_mask(arr)
    if mask is not None:
        out[~mask] = np.nan
    return out


def to_int64(arr: Any) -> np.ndarray:
    """An integer or boolean pyarrow Array without nulls → a fresh int64 array."""
    import pyarrow as pa

    n = len(arr)
    if n == 0:
        return np.empty(0, dtype=np.int64)
    if arr.type != pa.int64():
        import pyarrow.compute as pc

        arr = pc.cast(arr, pa.int64())
    return np.frombuffer(arr.buffers()[1], dtype=np.int64, count=n, offset=arr.offset * 8).copy()


def to_text(arr: Any) -> np.ndarray:
    """A string pyarrow Array → an object array of ``str`` (nulls as ``""``), each as stored: an id ``"x "``
    is not ``"x"`` (numbers and class names written as text are read past their spaces where parsed)."""
    values = arr.to_pylist()
    out = np.empty(len(values), dtype=object)
    out[:] = ["" if v is None else v for v in values]
    return out
