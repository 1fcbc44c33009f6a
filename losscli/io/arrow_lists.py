"""A list column of Arrow data (one row's logits or probabilities) → one 2-D numpy array (rows × width).

This is what ``df.to_parquet`` of a column of arrays, polars ``pl.List``/``pl.Array`` and Hugging Face
datasets write: ``list``, ``large_list`` or ``fixed_size_list`` of float16, float32, float64 (or integers).
The conversion has no Python loop: the values are flattened once (``ListArray.flatten``, which follows the
slice offset and skips null rows) and reshaped, without a copy for float16, float32 and float64 without
nulls (floats keep their type, as the scalar readers keep it: scikit-learn clips at the dtype's eps);
integers are converted in one step to int64.

What cannot be a matrix is refused with the row, the column and the value as written (a
:class:`~losscli.errors.ReadError`): a row whose length differs from the first row's, elements that are
not numbers, and — unless the caller lets missing values through as NaN (``--nan skip``/``warn``) — a null
row or a null element.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.errors import ReadError

#: how many values of a refused row a message shows
SHOWN = 6

#: ``error(message, hint, data_row, column, value)`` → the ReadError to raise (the source fills the file)
ErrorFactory = Callable[..., ReadError]


def usual_width(lengths: Any) -> int:
    """The width of a list column from the lengths of its sampled rows (0 for a null row): the most common
    length, the longest of equally common ones. One longer row among thousands is then the row refused as
    too long, not the width that makes every other row short of a value."""
    counts = np.bincount(np.asarray(lengths, dtype=np.int64))
    if not len(counts):
        return 0
    counts[0] = 0 if len(counts) > 1 else counts[0]  # null (and empty) rows count for no width
    return int(len(counts) - 1 - np.argmax(counts[::-1]))


def is_list(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t))


def is_number(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_floating(t) or pa.types.is_integer(t) or pa.types.is_decimal(t))


def numeric_list(t: Any) -> bool:
    """A list (of any kind) of numbers: a block of columns."""
    return is_list(t) and is_number(t.value_type)


def first_width(arr: Any) -> int | None:
    """The length of the first non-null row of a list array (``None`` when every row is null)."""
    import pyarrow.compute as pc

    if pa_fixed(arr.type):
        return int(arr.type.list_size)
    valid = arr.drop_null() if arr.null_count else arr
    if len(valid) == 0:
        return None
    return int(pc.list_value_length(valid[:1])[0].as_py())


def pa_fixed(t: Any) -> bool:
    import pyarrow as pa

    return bool(pa.types.is_fixed_size_list(t))


class Written:
    """A value for a message that is shown exactly as this text (not quoted): ``null``, a list."""

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text


NULL = Written("null")


def shown(values: list[Any]) -> Written:
    """A row as written, shortened: ``[0.1, 0.2, …] (131072 values)``."""
    if len(values) <= SHOWN:
        return Written("[" + ", ".join(_one(v) for v in values) + "]")
    return Written("[" + ", ".join(_one(v) for v in values[:SHOWN]) + f", …] ({len(values)} values)")


def _one(v: Any) -> str:
    return "null" if v is None else repr(v) if isinstance(v, str) else str(v)


def list_matrix(
    arr: Any, width: int, column: str, first_row: int, error: ErrorFactory, *, nulls_as_nan: bool = False
) -> np.ndarray:
    """The list array ``arr`` as a ``(len(arr), width)`` array (see the module docstring).

    ``column`` names the list column in messages, ``first_row`` is the 0-based data row of ``arr[0]``.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    from losscli.io._arrow import to_float64, to_int64, valid_mask

    n = len(arr)
    vt = arr.type.value_type
    if not is_number(vt):
        _refuse_type(arr, vt, column, first_row, error)
    valid = valid_mask(arr)  # None: no null row
    if valid is not None and not nulls_as_nan:
        row = int(np.flatnonzero(~valid)[0])
        raise error(
            f"a null row where the list column needs {width} numbers",
            hint="leave such rows out with --nan skip, or fill them before writing the file",
            data_row=first_row + row, column=column, value=NULL,
        )
    if not pa_fixed(arr.type):
        lengths = to_int64(pc.list_value_length(arr).fill_null(width))
        bad = np.flatnonzero(lengths != width)
        if bad.size:
            row = int(bad[0])
            raise error(
                f"a list of {int(lengths[row])} values where the first row has {width} (every row needs one "
                "value per class)",
                hint=f"find the rows of another length with pyarrow.compute.list_value_length(table[{column!r}]) "
                f"and repair or drop them; or write the column as a fixed-size list "
                f"(pyarrow.list_(pyarrow.float32(), {width}), polars pl.Array)",
                data_row=first_row + row, column=column, value=shown(arr[row].as_py()),
            )
    flat = arr.flatten()  # follows the slice offset, leaves out null rows
    rows = n if valid is None else int(valid.sum())
    if flat.null_count:
        if not nulls_as_nan:
            at = int(np.flatnonzero(~valid_mask(flat))[0])  # type: ignore[operator]
            row = at // width if valid is None else int(np.flatnonzero(valid)[at // width])
            element = at % width
            raise error(
                "a null inside a list of numbers",
                hint="leave such rows out with --nan skip, or fill the missing values before writing the file",
                data_row=first_row + row, column=f"{column}[{element}]", value=NULL,
            )
        values = to_float64(flat)  # nulls as NaN; float16 and float32 keep their type
        if flat.type in (pa.float16(), pa.float32()):
            values = values.astype(np.float16 if flat.type == pa.float16() else np.float32)
    elif flat.type == pa.float32():
        values = _view(flat, np.float32)
    elif flat.type == pa.float64():
        values = _view(flat, np.float64)
    elif flat.type == pa.float16():
        values = _view(flat, np.float16)
    elif pa.types.is_integer(flat.type) and flat.type != pa.uint64():
        values = to_int64(flat)
    else:  # uint64, decimals
        values = to_float64(flat)
    matrix = values.reshape(rows, width)
    if valid is None:
        return matrix
    out = np.full((n, width), np.nan, dtype=np.float64 if matrix.dtype.kind != "f" else matrix.dtype)
    out[valid] = matrix
    return out


def _view(flat: Any, dtype: Any) -> np.ndarray:
    """The values of a flat array without nulls, viewed in place (read-only, no copy)."""
    size = np.dtype(dtype).itemsize
    return np.frombuffer(flat.buffers()[1], dtype=dtype, count=len(flat), offset=flat.offset * size)


def _refuse_type(arr: Any, vt: Any, column: str, first_row: int, error: ErrorFactory) -> None:
    """Elements that are not numbers: name the first one as written."""
    flat = arr.flatten()
    lengths = arr.value_lengths() if not pa_fixed(arr.type) else None
    row, value = 0, None
    for i in range(len(arr)):  # stops at the first row holding a value
        if arr[i].is_valid and (lengths is None or (lengths[i].as_py() or 0) > 0):
            row, value = i, arr[i].as_py()[0]
            break
    del flat
    what = "text" if vt in _text_types() else str(vt)
    raise error(
        f"the list column holds {what}, not numbers",
        hint=f"write the column as numbers, e.g. with pyarrow: table.set_column(table.schema.get_field_index("
        f"{column!r}), {column!r}, pyarrow.compute.cast(table[{column!r}], pyarrow.list_(pyarrow.float64())))",
        data_row=first_row + row, column=column, value=NULL if value is None else value,
    )


def _text_types() -> tuple[Any, ...]:
    import pyarrow as pa

    return (pa.string(), pa.large_string())
