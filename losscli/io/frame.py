"""A DataFrame in memory as a :class:`~losscli.io.sources.Source`: pandas, polars, a pyarrow Table, or
any object with the Arrow PyCapsule stream interface (``__arrow_c_stream__``), read through Arrow.

The frame becomes a ``pyarrow.Table`` once (no copy for polars and Arrow-backed pandas columns), and is
then read exactly as an Arrow IPC file is (:class:`~losscli.io.arrow_ipc.ArrowBatchesSource`): the same
column names (list columns expanded to ``logits[0]``, …; struct columns by dotted path), the same types,
chunks of ``chunk_rows``. Rows are numbered from 1 in messages (row 1 is the frame's first row).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from losscli.errors import ReadError, UsageError
from losscli.io import limits
from losscli.io.arrow_ipc import ArrowBatchesSource
from losscli.io.parquet import pandas_index_levels

#: record batch size when the table is cut (``chunk_rows`` re-cuts them)
BATCH_ROWS = 1 << 16


def is_frame(obj: Any) -> bool:
    """A pandas or polars DataFrame, a pyarrow Table/RecordBatch, or an Arrow PyCapsule stream; not a column
    (a pandas or polars ``Series``, a pyarrow array, which pandas 3 and pyarrow also give that stream)."""
    if type(obj).__name__ in ("Series", "Array", "ChunkedArray") or type(obj).__name__.endswith("Array"):
        return False
    if hasattr(obj, "__arrow_c_stream__"):
        return True
    module = type(obj).__module__ or ""
    return type(obj).__name__ in ("DataFrame", "Table", "RecordBatch") and module.split(".")[0] in (
        "pandas", "polars", "pyarrow")


def to_table(obj: Any) -> Any:
    """``obj`` as a ``pyarrow.Table`` (pandas without its index, unless the index is named)."""
    import pyarrow as pa

    if isinstance(obj, pa.Table):
        return obj
    if isinstance(obj, pa.RecordBatch):
        return pa.Table.from_batches([obj])
    module = (type(obj).__module__ or "").split(".")[0]
    try:
        if module == "pandas":
            # a named index is kept; an unnamed one as pandas' to_parquet keeps it: a RangeIndex in the
            # metadata only, any other (shuffled rows) as a column, so two frames' rows are checked to agree
            named_index = any(n is not None for n in getattr(obj.index, "names", [None]))
            return pa.Table.from_pandas(obj, preserve_index=True if named_index else None)
        if hasattr(obj, "__arrow_c_stream__"):
            return pa.table(obj)
    except (pa.ArrowException, TypeError, ValueError) as exc:
        raise ReadError(f"cannot read the {type(obj).__name__} through Arrow ({exc})") from None
    raise UsageError(
        f"expected a DataFrame (pandas, polars, pyarrow, or an object with __arrow_c_stream__), "
        f"got {type(obj).__name__}"
    )


class FrameSource(ArrowBatchesSource):
    def __init__(self, frame: Any, name: str | None = None) -> None:
        table = to_table(frame)
        self._table = table
        self._display = name or f"<{type(frame).__name__}>"
        if table.num_rows == 0:
            raise ReadError(f"{self._display} has no rows")
        first = table.slice(0, BATCH_ROWS).combine_chunks().to_batches()[0]
        columns = self._flatten_schema(table.schema, first)
        limits.check_columns(self._display, len(columns))
        super().__init__(path=self._display, name=self._display, format="frame", columns=columns,
                         n_rows=table.num_rows, size_bytes=None, header_rows=0)
        self.blocks = self._list_blocks
        self.set_pandas_index([c for c in pandas_index_levels(table.schema) if c in columns])

    def _batches(self) -> Iterator[Any]:
        return iter(self._table.to_batches(max_chunksize=BATCH_ROWS))
