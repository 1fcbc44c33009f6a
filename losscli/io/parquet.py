"""Parquet reader (pyarrow, imported only when a Parquet file is opened).

Columns are the top-level schema names; ``n_rows`` comes from the footer metadata. Reading streams record
batches (``ParquetFile.iter_batches(batch_size=chunk_rows, columns=...)``), so only the requested
columns are decoded and peak memory follows the chunk size. float16 and float32 columns keep their type
(scikit-learn clips probabilities at their dtype's eps), other floating
and decimal columns come as float64, integer and boolean columns as int64 (float64 with NaN when they hold nulls; integers beyond what
those hold exactly, such as 64-bit hashes written as uint64, as their decimal text, never rounded),
string and dictionary columns as object arrays of ``str`` (nulls as ``""``), dates and times as their
ISO text.

A list column of numbers (``list``, ``large_list`` or ``fixed_size_list`` of floats or integers: a row's
logits or probabilities, as ``df.to_parquet``, polars and Hugging Face datasets write them) is the columns
``name[0]``, ``name[1]``, … (the bare name selects them all) and one :class:`~losscli.io.base.Block`, read
as one 2-D array per chunk (:mod:`losscli.io.arrow_lists`); its width is the fixed size, or the length of
the first row. Other nested columns (structs, maps, lists of text or of lists) are a ReadError when read.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import NoRowsError, ReadError
from losscli.io import limits
from losscli.io._arrow import to_float64, to_int64, to_text
from losscli.io.arrow_lists import first_width, is_list, list_matrix, numeric_list, pa_fixed
from losscli.io.base import Block, Chunk, Input, Source, rechunk
from losscli.io.changes import FileStamp, open_watched

#: batch size for whole-file reads (``chunk_rows=None``)
WHOLE_FILE_BATCH = 1 << 16
#: rows read when the file is opened to find the width of a variable-size list column
WIDTH_SAMPLE_ROWS = 64
#: how a file with list columns is opened: pages read as needed through a buffer, not a whole column chunk
#: of a row group at once (pre-buffered, a 500 MB row group of 131072-wide logits cost 640 MB of RSS before
#: its first batch; read this way, 150 MB)
STREAMED = {"pre_buffer": False, "buffer_size": 8 << 20}


def pandas_index_levels(schema: Any) -> list[str]:
    """The columns in which pandas wrote a DataFrame's index (named or not; one per level of a MultiIndex),
    by the schema's pandas metadata (Parquet, Arrow IPC, a table made by ``pyarrow.Table.from_pandas``);
    none for a table pandas did not write or a range index (kept in the metadata only)."""
    try:
        meta = schema.pandas_metadata or {}
    except (ValueError, UnicodeDecodeError):  # metadata that is not JSON: not pandas'
        return []
    index = meta.get("index_columns") if isinstance(meta, dict) else None
    if not isinstance(index, list) or not all(isinstance(c, str) for c in index):
        return []
    return [c for c in index if c in schema.names]


def class_label_names(schema: Any) -> dict[str, list[str]]:
    """The class names of each ``ClassLabel`` column in a Hugging Face ``datasets`` schema's metadata
    (``{"info": {"features": {"label": {"_type": "ClassLabel", "names": [...]}}}}``, Parquet and Arrow files
    alike): label k of that column is class ``names[k]``. Empty for other files or metadata not so made."""
    import json

    raw = (schema.metadata or {}).get(b"huggingface")
    try:
        doc = json.loads(raw) if raw else None
    except (ValueError, UnicodeDecodeError):
        return {}
    info = doc.get("info") if isinstance(doc, dict) else None
    features = info.get("features") if isinstance(info, dict) else None
    if not isinstance(features, dict):
        return {}
    out = {}
    for column, feature in features.items():
        names = feature.get("names") if isinstance(feature, dict) and feature.get("_type") == "ClassLabel" else None
        if column in schema.names and isinstance(names, list) and len(names) > 1 \
                and all(isinstance(n, str) for n in names) and len(set(names)) == len(names):
            out[column] = names
    return out


def _pandas_index_column(schema: Any) -> str | None:
    """The column of a one-level pandas index (see :func:`pandas_index_levels`), else ``None``."""
    levels = pandas_index_levels(schema)
    return levels[0] if len(levels) == 1 else None


def _pandas_range_index(schema: Any) -> tuple[int, int] | None:
    """(start, step) of the range index that pandas kept in the file's metadata only (a default
    ``RangeIndex``: row i is numbered start + i·step); ``None`` otherwise."""
    try:
        meta = schema.pandas_metadata or {}
    except (ValueError, UnicodeDecodeError):
        return None
    index = meta.get("index_columns") if isinstance(meta, dict) else None
    if not isinstance(index, list) or len(index) != 1 or not isinstance(index[0], dict):
        return None
    kind, start, step = index[0].get("kind"), index[0].get("start"), index[0].get("step")
    if kind != "range" or not isinstance(start, int) or not isinstance(step, int) or not step:
        return None
    return start, step


class ParquetSource(Source):
    def __init__(self, inp: Input) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._inp = inp
        #: the file on disk when its footer was read (None for stdin or a compressed file, held in memory)
        self._stamp: FileStamp | None = None
        source = self._arrow_source()
        try:
            pf = pq.ParquetFile(source, **STREAMED)
        except (pa.ArrowException, OSError, ValueError) as exc:
            self._close(source)
            raise ReadError(f"{inp.name}: not a valid Parquet file ({exc})") from None
        try:
            schema = pf.schema_arrow
            n_rows = pf.metadata.num_rows
            limits.check_columns(inp.name, len(schema.names))
            if not schema.names:
                raise ReadError(f"{inp.name} holds no columns",
                                hint="write the labels and predictions as columns of the table")
            _refuse_duplicates(inp.name, schema.names)
            self._types = {f.name: f.type for f in schema}
            index_levels = pandas_index_levels(schema)
            range_index = _pandas_range_index(schema)
            class_names = class_label_names(schema)
            if n_rows == 0:
                raise NoRowsError(f"{inp.name} has columns but no rows", columns=list(schema.names))
            widths = _list_widths(pf, [f for f in schema if numeric_list(f.type)])
        except UnicodeDecodeError:
            raise ReadError(f"{inp.name}: not a valid Parquet file (a column name is not UTF-8)",
                            hint="write the file again with pyarrow or pandas") from None
        except (pa.ArrowException, OSError) as exc:
            self._check(source)
            raise ReadError(f"{inp.name}: cannot read ({exc})") from None
        finally:
            pf.close()
            self._close(source)
        columns: list[str] = []
        blocks: dict[str, list[str]] = {}
        #: element column → (list column, index)
        self._elements: dict[str, tuple[str, int]] = {}
        for name in schema.names:
            width = widths.get(name)
            if not width:
                columns.append(name)
                continue
            members = [f"{name}[{i}]" for i in range(width)]
            blocks[name] = members
            columns += members
            self._elements.update({m: (name, i) for i, m in enumerate(members)})
        if len(columns) != len(schema.names):
            limits.check_columns(inp.name, len(columns))
            _refuse_duplicates(inp.name, columns)
        super().__init__(
            path=inp.given,
            name=inp.name,
            format="parquet",
            columns=columns,
            n_rows=n_rows,
            size_bytes=inp.size_bytes,
            header_rows=0,
        )
        self.blocks = blocks
        self.set_pandas_index([c for c in index_levels if c in columns])
        self.range_index = range_index
        self.class_names = {c: names for c, names in class_names.items() if c in columns}
        self._widths = {name: len(m) for name, m in blocks.items()}
        self.unsampled = {f.name for f in schema if f.name not in blocks and pa.types.is_nested(f.type)}

    def _arrow_source(self) -> Any:
        """What pyarrow reads: a file on disk opened afresh (``pyarrow.OSFile``, read with reads), its stamp taken
        on the first open and checked on the next ones (:class:`~losscli.io.changes.FileStamp`: a file cut short
        or rewritten since its footer was read is a ReadError, not pyarrow's "magic bytes not found" nor rows of
        two versions); else the content in memory."""
        import pyarrow as pa

        inp = self._inp
        if inp.fs_path is None or inp.codec is not None:
            return pa.BufferReader(inp.read_all())
        try:
            file = open_watched(inp.fs_path)
        except OSError as exc:
            raise ReadError(f"cannot read {inp.name}: {exc}") from None
        try:
            if self._stamp is None:
                self._stamp = FileStamp.of(inp.name, file.fileno(), "its footer was read")
            else:
                self._stamp.check(file.fileno())
        except BaseException:
            file.close()
            raise
        return file

    def _check(self, source: Any) -> None:
        """Refuse the file ``source`` reads (from :meth:`_arrow_source`) if it was cut short or changed."""
        if self._stamp is not None and not isinstance(source, _buffer_reader()):
            self._stamp.check(source.fileno())

    def _close(self, source: Any) -> None:
        if not isinstance(source, _buffer_reader()):
            source.close()

    def _read(self, keys: list[Any], chunk_rows: int | None) -> Iterator[Chunk]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        columns: list[str] = []  # the file's columns to read
        seen: set[str] = set()  # a set: 100,000 columns must cost linear time
        for key in keys:
            top = key.name if isinstance(key, Block) else self._elements.get(key, (key, 0))[0]
            if top not in seen:
                seen.add(top)
                columns.append(top)
                if top not in self._widths:  # fail before reading anything
                    _check_type(self.name, top, self._types[top])
        source = self._arrow_source()
        try:
            pf = pq.ParquetFile(source, **(STREAMED if self.blocks else {}))
        except (pa.ArrowException, OSError, ValueError) as exc:
            self._check(source)
            self._close(source)
            raise ReadError(f"{self.name}: cannot read ({exc})") from None
        try:

            def batches() -> Iterator[Any]:
                """Record batches, one row group at a time.

                ``ParquetFile.iter_batches`` over the whole file reads ahead without bound (1.6 GB of
                RSS after 20 M rows of a 3.6 GB file here); a row group at a time stays at the size of
                one group and is faster. A row group of more than two chunks is itself read in batches
                (a 1 M × 11 file written as one row group: 278 MB peak instead of 383 MB).
                """
                limit = 2 * (chunk_rows or WHOLE_FILE_BATCH)  # rows; chunk_rows already accounts for the width
                for i in range(pf.num_row_groups):
                    if pf.metadata.row_group(i).num_rows <= limit:
                        yield from pf.read_row_group(i, columns=columns, use_threads=True).to_batches()
                    else:
                        yield from pf.iter_batches(batch_size=chunk_rows or WHOLE_FILE_BATCH, row_groups=[i],
                                                   columns=columns, use_threads=True)

            def pieces() -> Iterator[tuple[int, dict[str, Any]]]:
                try:
                    for b in batches():
                        self._check(source)  # the batch was read from the file as it was when its footer was read
                        yield b.num_rows, {c: b.column(c) for c in columns}
                except (pa.ArrowException, OSError) as exc:
                    self._check(source)  # a short read: say so, with the sizes
                    raise ReadError(f"{self.name}: cannot read ({exc})") from None

            start = 0
            for n, cols in rechunk(pieces(), chunk_rows, pa.concat_arrays):
                try:
                    chunk = self._convert(keys, cols, start)
                except (pa.ArrowException, ValueError, OverflowError) as exc:  # a cast that cannot be done
                    raise ReadError(f"{self.name}: cannot convert its values ({exc})") from None
                yield Chunk(chunk, first_row=start)
                start += n
        finally:
            pf.close()
            self._close(source)

    def _convert(self, keys: list[Any], cols: dict[str, Any], first_row: int) -> dict[Any, np.ndarray]:
        matrices: dict[str, np.ndarray] = {}

        def matrix(name: str) -> np.ndarray:
            if name not in matrices:
                matrices[name] = list_matrix(cols[name], self._widths[name], name, first_row, self._error,
                                             nulls_as_nan=self.nulls_as_nan)
            return matrices[name]

        out: dict[Any, np.ndarray] = {}
        for key in keys:
            if isinstance(key, Block):
                out[key] = matrix(key.name)
            elif key in self._elements:
                name, i = self._elements[key]
                out[key] = np.array(matrix(name)[:, i])
            elif is_list(self._types[key]):
                if numeric_list(self._types[key]):
                    raise ReadError(
                        f"{self.name}: the list column {key!r} is null in its first {WIDTH_SAMPLE_ROWS} rows, so "
                        "its width (the number of classes) is unknown",
                        hint="write it as a fixed-size list (pyarrow.list_(pyarrow.float32(), V), polars pl.Array)",
                    )
                list_matrix(cols[key], 0, key, first_row, self._error)  # a list of text: refused, naming a value
            else:
                out[key] = arrow_column(cols[key], self.name, key)
        return out


def _buffer_reader() -> type:
    import pyarrow as pa

    return pa.BufferReader


def _refuse_duplicates(name: str, columns: list[str]) -> None:
    """Columns are read by name, so two of one name cannot be told apart: refuse the file."""
    first: dict[str, int] = {}
    for i, col in enumerate(columns, start=1):
        if col in first:
            raise ReadError(f"{name} has two columns named {col!r} (columns {first[col]} and {i})",
                            hint="rename one of them, e.g. with pyarrow's Table.rename_columns")
        first[col] = i


def _list_widths(pf: Any, fields: list[Any]) -> dict[str, int | None]:
    """The width of each numeric list column: its fixed size, or the length of its first row that is not
    null among the first rows (``None`` when they are all null)."""
    widths: dict[str, int | None] = {f.name: f.type.list_size for f in fields if pa_fixed(f.type)}
    variable = [f.name for f in fields if f.name not in widths]
    # one row at a time: batches of 64 rows of a 128k vocabulary cost 140 MB (the reader reads ahead)
    for name in variable:
        widths[name] = None
        for i, batch in enumerate(pf.iter_batches(batch_size=1, columns=[name])):
            widths[name] = first_width(batch.column(name))
            if widths[name] is not None or i + 1 >= WIDTH_SAMPLE_ROWS:
                break
    return widths


def _check_type(name: str, column: str, t: Any) -> None:
    import pyarrow as pa

    if is_list(t) and not pa.types.is_nested(t.value_type):
        return  # a list of text or a list whose first rows are null: refused with its first value when read
    if pa.types.is_nested(t) or pa.types.is_binary(t) or pa.types.is_large_binary(t):
        raise ReadError(f"{name}: column {column!r} has type {t}, not one number or string per row",
                        hint=spark_vector_hint(column) if _spark_vector(t) else None)


#: the fields of Spark ML's vector (VectorUDT) as Parquet stores it, dense or sparse
SPARK_VECTOR_FIELDS = frozenset({"type", "size", "indices", "values"})


def spark_vector_hint(column: str) -> str:
    """How to write the Spark ML vector column ``column`` so that its numbers can be read."""
    return ("a Spark ML vector (VectorUDT, as a model's probability and rawPrediction are written), dense or "
            f"sparse: write it as an array, df.withColumn('{column}', pyspark.ml.functions.vector_to_array("
            f"'{column}')), before df.write.parquet, and give --pred-cols {column} (a binary classifier's P(1): "
            f"--pred-cols '{column}[1]')")


def _spark_vector(t: Any) -> bool:
    """Whether the Arrow type ``t`` is Spark ML's vector as Parquet stores it: a struct of ``type``, ``size``,
    ``indices`` and ``values``."""
    import pyarrow as pa

    return pa.types.is_struct(t) and {t.field(i).name for i in range(t.num_fields)} == SPARK_VECTOR_FIELDS


def arrow_column(arr: Any, name: str = "", column: str = "") -> np.ndarray:
    """A pyarrow Array of a Parquet column → a fresh, writable numpy array (see module docstring)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    t = arr.type
    if pa.types.is_dictionary(t):
        values = arr.dictionary
        if getattr(pa.types, "is_string_view", _no)(values.type):  # polars' Categorical: no take kernel for views
            try:
                values = values.cast(pa.large_string())
            except pa.ArrowNotImplementedError:  # pyarrow before 17 has no such cast: the categories as text
                values = pa.array(values.to_pylist(), type=pa.large_string())
        arr = pc.take(values, arr.indices)  # dictionary_decode, for any value type
        t = arr.type
    if t in (pa.float16(), pa.float32()):  # kept: a convention's clip may depend on it (scikit-learn's dtype eps)
        return to_float64(arr).astype(np.float16 if t == pa.float16() else np.float32)
    if pa.types.is_null(t) or pa.types.is_floating(t) or pa.types.is_decimal(t):
        return to_float64(arr)
    if pa.types.is_integer(t) or pa.types.is_boolean(t):
        if pa.types.is_integer(t) and (arr.null_count or t == pa.uint64()) and len(arr) > arr.null_count:
            lo, hi = (x.as_py() for x in pc.min_max(arr).values())
            exact = 2**53 if arr.null_count else 2**63 - 1  # float64 (nulls as NaN), else int64, holds them
            if lo < -exact or hi > exact:  # ids from 2**53 (hashes): as written, never rounded
                return to_text(pc.cast(arr, pa.string()))
        if arr.null_count:
            return to_float64(arr)
        return to_int64(arr)
    if pa.types.is_string(t) or pa.types.is_large_string(t) or getattr(pa.types, "is_string_view", _no)(t):
        return to_text(arr)
    if pa.types.is_timestamp(t) and t.tz is None:  # as pandas writes them in a CSV file: 2024-01-01 at midnight
        from losscli.io.timestamps import datetime_texts

        return datetime_texts(arr.to_numpy(zero_copy_only=False))
    if pa.types.is_temporal(t):
        return to_text(pc.cast(arr, pa.string()))
    raise ReadError(f"{name}: column {column!r} has type {t}, not one number or string per row")


def _no(_: Any) -> bool:
    return False
