"""Arrow IPC reader: Feather version 2 and ``.arrow`` files, in the IPC file or the IPC stream format.

Hugging Face ``datasets`` keep their tables as IPC *stream* files (``data-00000-of-00001.arrow``);
pandas' ``to_feather`` and polars' ``write_ipc`` write the IPC *file* format. Both are read record batch
by record batch (re-cut to ``chunk_rows``), so peak memory follows the chunk size:

- a file on disk is read with reads (``pyarrow.OSFile``), one per record batch, into memory of the batch's
  own; not memory-mapped: a mapped page past the end of a file another process cut short (``to_feather``
  rewriting it truncates it first) kills the process with SIGBUS when it is touched, whereas a read then
  comes back short. The file is checked with ``fstat`` (:class:`~losscli.io.changes.FileStamp`) after each
  batch and at its end: a file cut short, or changed (its rows might mix two versions), since its schema
  was read is a ReadError naming the sizes. Every batch is validated in full before it is used, so a
  corrupt file is a ReadError, never a crash;
- a compressed file (``.arrow.gz``) in the stream format is decompressed as a stream; in the file format
  (which needs to seek) it is held in memory, as stdin is, up to ``LOSSCLI_MAX_MEMORY_BYTES``.

Columns are the schema's fields, flattened like JSON lines (:mod:`losscli.io.jsonl`): a struct field's
children by dotted path (``meta.split``), a list field (fixed-size or not) of numbers or strings as one
column per element (``logits[0]``, ``logits[1]``, …; the bare name selects them all). A variable-size list
has as many columns as its longest value in the first record batch; a longer one later is a ReadError
naming the row, a shorter one gives missing values (NaN). Value types are converted as for Parquet
(:func:`losscli.io.parquet.arrow_column`). A list of numbers is also one :class:`~losscli.io.base.Block`,
read as one 2-D array per chunk when it is selected whole (:mod:`losscli.io.arrow_lists`; a batch with a
shorter row or a null takes the column-by-column way, so both give the same values).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import NoRowsError, ReadError
from losscli.io import limits
from losscli.io._arrow import to_int64
from losscli.io.arrow_lists import is_number, list_matrix, pa_fixed, usual_width
from losscli.io.base import Block, Chunk, Input, Source, rechunk
from losscli.io.changes import FileStamp, open_watched
from losscli.io.parquet import arrow_column, class_label_names, pandas_index_levels

Path = tuple[Any, ...]


class ArrowBatchesSource(Source):
    """A source whose data come as Arrow record batches: the flattening of lists and structs, the
    conversion to numpy and the re-cutting to ``chunk_rows`` (subclasses give the batches)."""

    def _flatten_schema(self, schema: Any, first: Any) -> list[str]:
        """Column names of ``schema`` (lists expanded as wide as in the record batch ``first``)."""
        self._paths: dict[str, Path] = {}
        self._widths: dict[Path, int] = {}
        #: the blocks (lists of numbers) found, for :attr:`Source.blocks` (set once the Source is made)
        self._list_blocks: dict[str, list[str]] = {}
        self._block_paths: dict[str, Path] = {}
        for field in schema:
            self._add(field.name, (field.name,), field.type, first.column(field.name))
        if not self._paths:
            raise ReadError(f"{self._display} holds no columns",
                            hint="write the labels and predictions as columns of the table")
        return list(self._paths)

    def _batches(self) -> Iterator[Any]:  # pragma: no cover
        raise NotImplementedError

    # ------------------------------------------------------------------ schema
    def _add(self, name: str, path: Path, t: Any, sample: Any) -> None:
        import pyarrow as pa
        import pyarrow.compute as pc

        if pa.types.is_struct(t):
            for i in range(t.num_fields):
                f = t.field(i)
                self._add(f"{name}.{f.name}", (*path, f.name), f.type, pc.struct_field(sample, [i]))
            return
        if pa.types.is_list(t) or pa.types.is_large_list(t) or pa.types.is_fixed_size_list(t):
            inner = t.value_type
            if pa.types.is_nested(inner):
                raise ReadError(f"{self._display}: column {name!r} has type {t}: lists of lists are not read",
                                hint="store one list of numbers per column, or flatten the table first")
            if pa.types.is_fixed_size_list(t):
                width = t.list_size
            else:
                width = usual_width(to_int64(pc.list_value_length(sample).fill_null(0))) if len(sample) else 0
            self._widths[path] = width
            for i in range(width):
                self._paths[f"{name}[{i}]"] = (*path, i)
            if is_number(inner) and width > 1:
                self._list_blocks[name] = [f"{name}[{i}]" for i in range(width)]
                self._block_paths[name] = path
            return
        self._paths[name] = path

    # ------------------------------------------------------------------ reading
    def _read(self, columns: list[str], chunk_rows: int | None) -> Iterator[Chunk]:
        import pyarrow as pa

        paths = {c: self._block_paths[c.name] if isinstance(c, Block) else self._paths[c] for c in columns}

        def pieces() -> Iterator[tuple[int, dict[str, Any]]]:
            start = 0
            try:
                for b in self._batches():
                    b.validate(full=True)  # a corrupt file's offsets must not be followed out of bounds
                    yield b.num_rows, {
                        c: self._block(b, p, start) if isinstance(c, Block) else self._values(b, p, start)
                        for c, p in paths.items()
                    }
                    start += b.num_rows
            except (pa.ArrowException, OSError) as exc:
                raise ReadError(f"{self.name}: cannot read ({exc})") from None

        start = 0
        for n, cols in rechunk(pieces(), chunk_rows, np.concatenate):
            yield Chunk(cols, first_row=start)
            start += n
        if start == 0:
            raise ReadError(f"{self.name} has columns but no rows")

    def _values(self, batch: Any, path: Path, first_row: int) -> np.ndarray:
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = batch.column(path[0])
        for k in path[1:]:
            t = arr.type
            if isinstance(k, str):
                arr = pc.struct_field(arr, [t.get_field_index(k)])
            else:
                return self._element(arr, k, path, first_row)
        try:
            return arrow_column(arr, self.name, ".".join(map(str, path)))
        except (pa.ArrowException, ValueError, OverflowError) as exc:
            raise ReadError(f"{self.name}: cannot convert its values ({exc})") from None

    def _block(self, batch: Any, path: Path, first_row: int) -> np.ndarray:
        """A whole list of numbers as one 2-D array: flattened and reshaped when every row of the batch is
        full and nothing is null, else column by column (the same values: NaN where a row is shorter)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        arr = batch.column(path[0])
        for k in path[1:]:
            arr = pc.struct_field(arr, [arr.type.get_field_index(k)])
        width = self._widths[path]
        full = pa_fixed(arr.type) or (
            len(arr) == 0 or pc.all(pc.equal(pc.list_value_length(arr), width)).as_py() is True
        )
        if full and arr.null_count == 0 and pc.list_flatten(arr).null_count == 0:
            try:
                return list_matrix(arr, width, _show(path), first_row, self._error)
            except (pa.ArrowException, ValueError, OverflowError) as exc:
                raise ReadError(f"{self.name}: cannot convert its values ({exc})") from None
        lengths = self._lengths(arr, path, first_row)
        flat = arrow_column(pc.list_flatten(arr), self.name, _show(path))
        out = np.full((len(arr), width), np.nan, dtype=np.float64 if flat.dtype.kind != "f" else flat.dtype)
        starts = np.repeat(np.cumsum(lengths) - lengths, lengths)
        out[np.repeat(np.arange(len(arr)), lengths), np.arange(len(flat)) - starts] = flat
        return out

    def _lengths(self, arr: Any, path: Path, first_row: int) -> np.ndarray:
        """The length of every row of a list array (0 for null); a row longer than the list's columns is a
        ReadError."""
        import pyarrow.compute as pc

        width = self._widths[path]
        lengths = to_int64(pc.list_value_length(arr).fill_null(0))
        if lengths.size and lengths.max() > width:
            row = int(np.argmax(lengths > width))
            raise self._error(
                f"the list {_show(path)!r} has {int(lengths[row])} elements in this row, "
                f"where the rows of the first record batch have {width}",
                hint=f"repair or drop the rows of another length (pyarrow.compute.list_value_length(table"
                f"[{_show(path)!r}]) finds them); a list of one value per class has the same length in every row",
                data_row=first_row + row,
            )
        return lengths

    def _element(self, arr: Any, i: int, path: Path, first_row: int) -> np.ndarray:
        """Element ``i`` of every row of a list array (NaN, or ``""`` for text, where a row is shorter)."""
        import pyarrow.compute as pc

        lengths = self._lengths(arr, path[:-1], first_row)
        flat = arrow_column(pc.list_flatten(arr), self.name, _show(path[:-1]))
        starts = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
        has = lengths > i
        if flat.dtype == object:
            out = np.full(len(lengths), "", dtype=object)
        else:
            out = np.full(len(lengths), np.nan)
        out[has] = flat[starts[has] + i]
        return out



class ArrowIpcSource(ArrowBatchesSource):
    """An Arrow IPC file (Feather v2) or stream on disk, compressed, or from stdin."""

    def __init__(self, inp: Input) -> None:
        import pyarrow as pa

        self._inp = inp
        self._display = inp.name
        self._file_format = inp.head(6) == b"ARROW1"
        #: the file on disk when its schema was read (None for stdin or a compressed file, held or streamed)
        self._stamp: FileStamp | None = None
        try:
            reader, file = self._open()
            try:
                schema = reader.schema
                first = _first_batch(reader, self._file_format)
            finally:
                self._close(file)
        except (pa.ArrowException, OSError, ValueError) as exc:
            raise ReadError(f"{inp.name}: not a valid Arrow IPC (Feather) file ({exc})") from None
        if first is None:
            raise NoRowsError(f"{inp.name} has columns but no rows", columns=list(schema.names))
        try:
            columns = self._flatten_schema(schema, first)
        except UnicodeDecodeError:
            raise ReadError(f"{inp.name}: not a valid Arrow IPC (Feather) file (a column name is not UTF-8)",
                            hint="write the file again with pyarrow or pandas") from None
        limits.check_columns(inp.name, len(columns))
        super().__init__(
            path=inp.given, name=inp.name, format="arrow", columns=columns, n_rows=None,
            size_bytes=inp.size_bytes, header_rows=0,
        )
        self.blocks = self._list_blocks
        self.set_pandas_index([c for c in pandas_index_levels(schema) if c in columns])
        self.class_names = {c: names for c, names in class_label_names(schema).items() if c in columns}

    def _open(self) -> tuple[Any, Any]:
        """A fresh reader over the input, and the file it reads when that is a plain file on disk (read with
        reads, its stamp taken on the first open and checked on the next ones), else ``None``."""
        import pyarrow as pa

        inp = self._inp
        file: Any = None
        source: Any
        if inp.fs_path is not None and inp.codec is None:
            source = file = open_watched(inp.fs_path)
            try:
                if self._stamp is None:
                    self._stamp = FileStamp.of(inp.name, file.fileno(), "its schema was read")
                else:
                    self._stamp.check(file.fileno())
            except BaseException:
                file.close()
                raise
        elif self._file_format or inp.data is not None:
            source = pa.BufferReader(inp.read_all())
        else:
            source = pa.PythonFile(inp.open(limits.max_memory_bytes()), mode="r")
        try:
            if self._file_format:
                return pa.ipc.open_file(source), file
            return pa.ipc.open_stream(source), file
        except BaseException:
            self._close(file)
            raise

    def _close(self, file: Any) -> None:
        """Close ``file`` (from :meth:`_open`), first refusing it if it was cut short or changed meanwhile."""
        if file is None:
            return
        try:
            assert self._stamp is not None
            self._stamp.check(file.fileno())
        finally:
            file.close()

    def _batches(self) -> Iterator[Any]:
        import pyarrow as pa

        reader, file = self._open()
        if file is None:
            yield from _batches(reader, self._file_format)
            return
        stamp, fd = self._stamp, file.fileno()
        assert stamp is not None
        try:
            batches = _batches(reader, self._file_format)
            while True:
                try:
                    b = next(batches)
                except StopIteration:
                    break
                except (pa.ArrowException, OSError):  # a short read: say so, with the sizes
                    stamp.check(fd)
                    raise
                stamp.check(fd)  # the batch was read from the file as it was when its schema was read
                yield b
            stamp.check(fd)  # a stream cut short at a batch's end reads as a stream that ends there
        finally:
            file.close()


def _show(path: Path) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


def _batches(reader: Any, file_format: bool) -> Iterator[Any]:
    if file_format:
        for i in range(reader.num_record_batches):
            yield reader.get_batch(i)
    else:
        yield from reader


def _first_batch(reader: Any, file_format: bool) -> Any:
    for b in _batches(reader, file_format):
        if b.num_rows:
            b.validate(full=True)
            return b
    return None
