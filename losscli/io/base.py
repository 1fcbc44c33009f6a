"""What every reader shares: a :class:`Chunk` of rows, the :class:`Source` a reader implements, the
:class:`Input` its bytes come from, and :func:`rechunk`, the one step that cuts batches to the plan's size.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import IO, TYPE_CHECKING, Any, NamedTuple

from losscli.errors import Location, ReadError, UsageError
from losscli.io import limits
from losscli.io.columns import describe_columns
from losscli.io.detect import SNIFF_BYTES, open_decompressed
from losscli.records import record

if TYPE_CHECKING:
    import numpy as np

#: cell texts that are a missing value (compared lower-cased): pandas' default ``na_values``, Excel's
#: ``#N/A`` among them, and the empty cell (the CSV reader's, and the inference's reading of a sample)
MISSING = frozenset({"", "nan", "-nan", "na", "n/a", "#n/a", "#n/a n/a", "#na", "<na>", "null", "none",
                     "1.#ind", "-1.#ind", "1.#qnan", "-1.#qnan"})
#: cell texts that are a logical value (compared lower-cased): what pandas, Spark, R and Julia write for
#: booleans (``True``, ``true``, ``TRUE``)
LOGICAL = frozenset({"true", "false"})


def first_cells(cells: Sequence[str], *, cut: int | None = None) -> str:
    """A row's first four cells for a message, joined by commas (``,…`` after them when there are more); with
    ``cut``, a cell longer than ``cut`` characters is cut to ``cut - 1`` and ``…``."""
    shown = (c if cut is None or len(c) <= cut else c[:cut - 1] + "…" for c in cells[:4])
    return ",".join(shown) + (",…" if len(cells) > 4 else "")


class Block(NamedTuple):
    """The key of a block of columns: a run of columns a reader gives as one 2-D array (rows × columns).

    A list column of a Parquet or Arrow file (``logits``, expanded to ``logits[0]``, ``logits[1]``, …) and
    the columns of a 2-D NPY array are blocks (:attr:`Source.blocks`): reading a 128k-wide row as one
    array costs one conversion per chunk instead of one per column.
    """

    name: str


@record
class Chunk:
    """A block of consecutive rows: one 1-D array per requested column, all of the same length, and one
    2-D array (rows × members) per requested :class:`Block`."""

    columns: dict[Any, np.ndarray]  #: column name (str) or Block → array
    first_row: int  #: 0-based data-row index of the chunk's first row in the file

    def __len__(self) -> int:
        for array in self.columns.values():
            return len(array)
        return 0


class Source:
    """An opened input. Subclasses implement :meth:`_read` for one format.

    Attributes: ``path`` as given (``'-'`` for stdin, ``'f.npz:key'`` keeps the key), ``name`` for
    messages (``'<stdin>'`` for ``'-'``), ``format`` (``csv``/``tsv``/``npy``/``npz``/``parquet``/``jsonl``/``arrow``),
    ``columns`` (header or schema names; ``'1'``..``'K'`` for arrays and header-less text), ``n_rows``
    when it is known without reading (NPY/NPZ shape, Parquet metadata; ``None`` for CSV), ``size_bytes``
    (bytes on disk, or read from stdin; compressed size for compressed files).
    """

    path: str
    name: str
    format: str
    columns: list[str]
    n_rows: int | None
    size_bytes: int | None
    #: physical rows before the first data row (the header, and blank lines before it)
    header_rows: int = 0
    #: what :meth:`file_row` counts in messages (``"line"`` for JSON lines)
    row_word: str = "row"
    #: whether reading the next chunk on a thread of its own, while this one is computed, gains time: parsing
    #: text or decoding Parquet does; copying an array's bytes from memory or the page cache does not
    read_ahead_gains: bool = True

    def __init__(
        self,
        *,
        path: str,
        name: str,
        format: str,
        columns: list[str],
        n_rows: int | None = None,
        size_bytes: int | None = None,
        header_rows: int = 0,
    ) -> None:
        self.path = path
        self.name = name
        self.format = format
        self.columns = list(columns)
        self.n_rows = n_rows
        self.size_bytes = size_bytes
        self.header_rows = header_rows
        #: columns whose header cell was empty (a pandas index written by ``to_csv()``)
        self.unnamed: set[str] = set()
        #: a column's class names by number, as a Hugging Face ``datasets`` ``ClassLabel`` feature in the schema's
        #: metadata names them (Parquet, Arrow IPC): label k is the class ``class_names[column][k]``
        self.class_names: dict[str, list[str]] = {}
        #: the column a pandas writer's metadata names as the DataFrame's index (Parquet, Arrow IPC, frames)
        self.index_column: str | None = None
        #: the columns it names as the levels of a MultiIndex (two or more), else empty
        self.index_levels: tuple[str, ...] = ()
        #: (start, step) of a range index a pandas writer kept in its metadata only, with no column (Parquet)
        self.range_index: tuple[int, int] | None = None
        #: what the reader guessed about the file (a header row or not), for the user to see
        self.notes: list[str] = []
        #: columns read as text exactly as written (keys), never parsed as numbers (CSV/TSV; typed formats
        #: keep their types)
        self.text_columns: set[str] = set()
        #: blocks of numeric columns the reader gives as one 2-D array: block name → member columns in order
        self.blocks: dict[str, list[str]] = {}
        #: columns the column rule does not sample: nested values, read (or refused) only when chosen
        self.unsampled: set[str] = set()
        #: a null inside a list column is read as NaN (``--nan skip``/``warn``) instead of refused
        self.nulls_as_nan = False

    def __repr__(self) -> str:
        return (
            f"<{type(self).__name__} {self.name!r} format={self.format} columns={len(self.columns)} "
            f"n_rows={self.n_rows}>"
        )

    def nonfinite_as_written(self, data_row: int, column: str) -> str | None:
        """How a missing or infinite value (read as NaN or ±inf) at ``data_row`` of ``column`` was written, for
        a message: ``""`` for an empty cell, ``"NA"``, ``"1e999"``, ...; ``None`` where the format keeps no text
        (or it cannot be found)."""
        return None

    def filter_command(self, command: str, in_place: str | None = None, data_row: int = 0) -> str | None:
        """A shell command passing a text file (the shard of ``data_row``) through the filter ``command``
        (``None``: not a text format)."""
        return None

    def set_pandas_index(self, levels: list[str]) -> None:
        """Set :attr:`index_column` (one level) or :attr:`index_levels` (several) from a pandas writer's
        index columns."""
        self.index_column = levels[0] if len(levels) == 1 else None
        self.index_levels = tuple(levels) if len(levels) > 1 else ()

    def file_row(self, data_row: int) -> int:
        """The 1-based row "as a spreadsheet shows it" of the 0-based ``data_row``.

        CSV with a header: ``data_row + 2``; no header, NPY, NPZ, Parquet: ``data_row + 1``.
        """
        return data_row + self.header_rows + 1

    def read(self, columns: list[Any] | None = None, chunk_rows: int | None = None) -> Iterator[Chunk]:
        """Yield the requested columns (all if ``None``) in chunks of ``chunk_rows`` rows.

        An item may be a :class:`Block` of :attr:`blocks`: its members come as one 2-D array under that
        key. Column names are checked now (UsageError listing the existing columns); reading errors
        (ReadError) surface while iterating.
        """
        wanted = self._check_columns(columns)
        if chunk_rows is not None and (
            isinstance(chunk_rows, bool) or int(chunk_rows) != chunk_rows or chunk_rows < 1
        ):
            raise ValueError(f"chunk_rows must be a positive integer or None, got {chunk_rows!r}")
        return self._read(wanted, None if chunk_rows is None else int(chunk_rows))

    def _check_columns(self, columns: Iterable[str] | None) -> list[str]:
        if columns is None:
            return list(self.columns)
        if isinstance(columns, str):
            columns = [columns]
        known = set(self.columns)
        wanted: list[str] = []
        seen: set[str] = set()  # a set: 100,000 columns must cost linear time
        for c in columns:
            if isinstance(c, Block):
                if c.name not in self.blocks:
                    raise ValueError(f"{self.name} has no block {c.name!r}")
            elif c not in known:
                raise UsageError(
                    f"{self.name} has no column {c!r}", hint=f"it has {describe_columns(self.columns)}"
                )
            if c not in seen:
                seen.add(c)
                wanted.append(c)
        if not wanted:
            raise ValueError("no columns requested")
        return wanted

    def _read(self, columns: list[Any], chunk_rows: int | None) -> Iterator[Chunk]:  # pragma: no cover
        raise NotImplementedError

    def block_of(self, columns: list[str]) -> tuple[Block, int, int] | None:
        """``(block, lo, hi)`` when ``columns`` are the members ``lo:hi`` of one block, in order (at least two
        of them), else ``None``: the columns can then be read as one slice of that block."""
        if len(columns) < 2:
            return None
        for name, members in self.blocks.items():
            if len(members) < len(columns):
                continue
            index = self._member_index(name)
            lo = index.get(columns[0])
            if lo is None or lo + len(columns) > len(members):
                continue
            if members[lo : lo + len(columns)] == columns:
                return Block(name), lo, lo + len(columns)
        return None

    def _member_index(self, name: str) -> dict[str, int]:
        cache = self.__dict__.setdefault("_member_indexes", {})
        if name not in cache:
            cache[name] = {c: i for i, c in enumerate(self.blocks[name])}
        return cache[name]

    def _error(
        self,
        message: str,
        *,
        hint: str | None = None,
        data_row: int | None = None,
        file_row: int | None = None,
        column: str | None = None,
        value: Any = None,
    ) -> ReadError:
        """A ReadError about this file, with the file, row and column filled into its location."""
        if file_row is None and data_row is not None:
            file_row = self.file_row(data_row)
        loc = Location(
            array="",
            row=data_row,
            column=self.columns.index(column) if column in self.columns else None,
            value=value,
            file=self.name,
            column_name=column,
            file_row=file_row,
            row_word=self.row_word,
        )
        return ReadError(message, hint=hint, location=loc)


# --------------------------------------------------------------------------------------------------
# opening inputs


class Input:
    """Where the bytes of a source come from: a file on disk (maybe compressed) or a buffer (stdin).

    ``open()`` returns a fresh binary stream of the *decompressed* content, positioned at its start.
    """

    def __init__(
        self,
        *,
        path: str,
        name: str,
        fs_path: str | None,
        data: bytes | None,
        codec: str | None,
        size_bytes: int | None,
    ) -> None:
        self.path = path
        self.name = name
        self.fs_path = fs_path
        self.data = data
        self.codec = codec
        self.size_bytes = size_bytes
        self.given = path  #: the path as the user gave it (with an NPZ ``:key``)
        self._head: bytes | None = None
        self._head_is_all = False

    def open(self, cap: int | None = None) -> IO[bytes]:
        """A fresh stream; compressed content is decompressed under a :class:`~.limits.DecompressionGuard`
        (``cap``: the most that may come out, for content held in memory)."""
        if self.data is not None:
            if isinstance(self.data, bytes):
                return io.BytesIO(self.data)  # shares the bytes
            return io.BufferedReader(_MemoryReader(self.data))  # a BytesIO would copy a bytearray
        assert self.fs_path is not None
        raw = open_file(self.fs_path, self.path)
        if self.codec is None:
            return raw
        try:
            inner = open_decompressed(raw, self.codec, self.name)
        except BaseException:
            raw.close()
            raise
        return _ClosingStream(inner, raw, limits.DecompressionGuard(self.name, self.codec, raw, cap))

    def tail(self, n: int) -> bytes | None:
        """The last ``n`` bytes of uncompressed content (``None`` for compressed content: its end is known
        only once all of it is read)."""
        if self.codec is not None:
            return None
        if self.data is not None:
            return bytes(self.data[-n:])
        assert self.fs_path is not None
        try:
            with open(self.fs_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - n))
                return f.read(n)
        except OSError:  # a pipe or a device: not seekable
            return None

    def head(self, n: int = SNIFF_BYTES) -> bytes:
        """The first ``n`` decompressed bytes (cached; fewer if the content is shorter)."""
        if self._head is None or (len(self._head) < n and not self._head_is_all):
            if self.data is not None:
                self._head = bytes(self.data[:n])
            else:
                with self.open() as f:
                    self._head = self._read_checked(f, n)
            self._head_is_all = len(self._head) < n
        return self._head[:n]

    def read_all(self, at_least: int = 0) -> bytes:
        """The whole (decompressed) content, held in memory: at most ``LOSSCLI_MAX_MEMORY_BYTES``, or
        ``at_least`` where that is more (a reader's own choice to hold a small file on disk whole)."""
        if self.data is not None:
            return self.data
        cap = max(limits.max_memory_bytes(), at_least)
        with self.open(cap) as f:
            data = self._read_checked(f, cap + 1)
        if len(data) > cap:
            raise limits.too_large(self.name, "the file", cap)
        return data

    def _read_checked(self, f: IO[bytes], n: int) -> bytes:
        try:
            return limits.read_upto(f, n)
        except ReadError:
            raise
        except (OSError, EOFError, ValueError) as exc:  # includes gzip.BadGzipFile, lzma.LZMAError
            if self.codec:
                raise ReadError(f"{self.name}: cannot decompress ({self.codec}): {exc}") from exc
            raise ReadError(f"cannot read {self.path}: {getattr(exc, 'strerror', None) or exc}") from exc
        except Exception as exc:  # zstandard.ZstdError and friends
            if self.codec:
                raise ReadError(f"{self.name}: cannot decompress ({self.codec}): {exc}") from exc
            raise


class _ClosingStream(io.RawIOBase):
    """A decompressing stream that also closes the underlying file, and refuses decompression bombs.

    Decompression errors (corrupt data, a truncated stream) become a ReadError naming the file.

    pyarrow's CSV reader calls :meth:`read` from its own C++ read-ahead thread. A C++ thread that calls into
    Python while the interpreter shuts down aborts the process ("terminate called without an active
    exception"), so whoever hands this stream to pyarrow calls :meth:`stop` (every later read is an
    immediate end of file, which ends the read-ahead) and :meth:`settle` (wait until no thread is inside
    or about to enter :meth:`read`) before letting an error — or Ctrl-C — end the process.
    """

    BLOCK = 1 << 20

    def __init__(self, inner: IO[bytes], raw: IO[bytes], guard: limits.DecompressionGuard) -> None:
        import threading
        import time

        self._inner = inner
        self._raw = raw
        self._guard = guard
        self._lock = threading.Lock()
        self._clock = time.monotonic
        self._active = 0
        self._last_call = self._clock()
        self._stopped = False
        self._eof_seen = False

    def readable(self) -> bool:
        return True

    def stop(self) -> None:
        """From now on every read returns ``b""`` at once (the reader sees the end of the file)."""
        self._stopped = True

    #: an exception kept for the reader to raise (see ``losscli.io.csv_reader._ArrowStream``)
    deferred: BaseException | None = None

    def defer(self, exc: BaseException) -> None:
        """Keep the first exception of a read made on pyarrow's thread, and stop."""
        if self.deferred is None:
            self.deferred = exc
        self.stop()

    def settle(self, quiet: float = 0.05, timeout: float = 5.0) -> None:
        """After :meth:`stop`: wait until no call is running and none started for ``quiet`` seconds (or
        the end of the file was handed out). Sleeping releases the GIL, so a thread waiting for it to
        enter :meth:`read` gets in and is seen."""
        import time

        deadline = self._clock() + timeout
        while self._clock() < deadline:
            with self._lock:
                idle = self._active == 0 and (self._eof_seen or self._clock() - self._last_call > quiet)
            if idle:
                return
            time.sleep(0.002)

    def _read(self, n: int) -> bytes:
        with self._lock:
            self._active += 1
            self._last_call = self._clock()
        try:
            if self._stopped:
                self._eof_seen = True
                return b""
            try:
                data = self._inner.read(n)
            except (ReadError, MemoryError):
                raise
            except Exception as exc:  # gzip.BadGzipFile, EOFError, lzma.LZMAError, OSError, zstd errors
                raise ReadError(f"{self._guard.name}: cannot decompress ({self._guard.codec}): {exc}") from None
            if not data and n:
                self._eof_seen = True
            self._guard.add(len(data))
            return data
        finally:
            with self._lock:
                self._active -= 1
                self._last_call = self._clock()

    def read(self, n: int | None = -1) -> bytes:
        if n is not None and 0 <= n <= self.BLOCK:
            return self._read(n)
        # in blocks, so that the guard sees a bomb before it fills the memory
        return limits.read_upto(_Reader(self._read), -1 if n is None else n, self.BLOCK)

    def readinto(self, b: Any) -> int:
        data = self._read(len(b))
        b[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        try:
            line = self._inner.readline(size if size is not None and size >= 0 else -1)
        except (ReadError, MemoryError):
            raise
        except Exception as exc:
            raise ReadError(f"{self._guard.name}: cannot decompress ({self._guard.codec}): {exc}") from None
        self._guard.add(len(line))
        return line

    def close(self) -> None:
        self._stopped = True
        try:
            self._inner.close()
        finally:
            self._raw.close()
            super().close()


class _Reader:
    """A ``read(n)`` function as an object with a ``read`` method."""

    def __init__(self, read: Callable[[int], bytes]) -> None:
        self.read = read


def open_file(fs_path: str, shown: str) -> IO[bytes]:
    try:
        f = open(fs_path, "rb")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise ReadError(f"cannot read {shown}: {exc.strerror or exc}") from exc
    if os.path.isdir(fs_path):  # some platforms open directories
        f.close()
        raise ReadError(f"cannot read {shown}: Is a directory")
    return f


def rechunk(
    batches: Iterable[tuple[int, dict[str, Any]]],
    chunk_rows: int | None,
    concat: Callable[[list[Any]], Any],
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Re-cut ``(n_rows, {column: array})`` batches into pieces of exactly ``chunk_rows`` rows.

    Yields ``(n_rows, {column: array})``; every piece has ``chunk_rows`` rows except the last, which has
    the rest; ``chunk_rows=None`` yields everything as one piece. ``concat`` joins a list of arrays of one
    column (``np.concatenate`` or ``pa.concat_arrays``); arrays must support ``len`` and slicing.
    At most one incoming batch plus one chunk is held at a time.
    """
    pending: list[dict[str, Any]] = []
    pending_rows = 0
    for n, cols in batches:
        if n == 0:
            continue
        pending.append(cols)
        pending_rows += n
        if chunk_rows is None or pending_rows < chunk_rows:
            continue
        merged = _merge(pending, concat)
        start = 0
        while pending_rows - start >= chunk_rows:
            yield chunk_rows, {c: a[start : start + chunk_rows] for c, a in merged.items()}
            start += chunk_rows
        pending_rows -= start
        pending = [{c: a[start:] for c, a in merged.items()}] if pending_rows else []
    if pending_rows:
        yield pending_rows, _merge(pending, concat)


def _merge(pieces: list[dict[str, Any]], concat: Callable[[list[Any]], Any]) -> dict[str, Any]:
    if len(pieces) == 1:
        return pieces[0]
    return {c: concat([p[c] for p in pieces]) for c in pieces[0]}


class _MemoryReader(io.RawIOBase):
    """A seekable stream over a bytes-like object, without copying it (stdin or a pipe held in memory)."""

    def __init__(self, data: Any) -> None:
        self._view = memoryview(data)
        self._pos = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = max(0, min(len(buffer), len(self._view) - self._pos))
        buffer[:n] = self._view[self._pos:self._pos + n]
        self._pos += n
        return n

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self._pos, 2: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos
