"""NPY and NPZ readers.

Never ``allow_pickle``: an object array, or a file that is a pickle, is refused before anything is
loaded (a pickle can run code). The NPY header is parsed here (with numpy's parser, any exception from
it is a ReadError) and its shape checked against the bytes that follow *before* any array is created, so
a header that promises 10¹⁵ elements is an error, not an allocation. A ``.npy`` file on disk is then
read chunk by chunk (:class:`NpyFile`: each chunk's rows read with one ``pread`` into an array of its
own), so peak memory is bounded by the chunk size, and a file cut short while it is read is an error
naming the size its header announces and the size it has now — never a memory-mapped page past the end
of the file, which kills the process with SIGBUS; stdin, compressed files and NPZ members are held in
memory (``LOSSCLI_MAX_MEMORY_BYTES``; an NPZ member whose
declared size is above that, or above ``LOSSCLI_MAX_DECOMPRESSION_RATIO`` times its compressed size, is
refused before it is decompressed).

Columns: a 1-D array is one column ``'1'``; a 2-D array ``(N, K)`` has the columns ``'1'``..``'K'``
(1-based positions as names), which are also one :class:`~losscli.io.base.Block` when the array is
numeric, read in row blocks (a 2000 × 131072 array of logits as 63 arrays, not 131072 columns); a 1-D
structured array has its field names. float32 columns stay float32
(a convention's clip may depend on the dtype), other floating columns come as float64, integer and boolean columns as int64 (uint64 as float64), complex as complex128, strings as
object arrays of ``str``. More than two dimensions, or no rows, is a ReadError.
"""

from __future__ import annotations

import io
import math
import os
import warnings
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from losscli.errors import ReadError
from losscli.io import limits
from losscli.io.changes import REWRITTEN_HINT, FileStamp

if TYPE_CHECKING:
    import zipfile
from losscli.io.base import Block, Chunk, Input, Source

_REFUSED_HINT = "save it with a numeric or string dtype"
_MAGIC = b"\x93NUMPY"
#: numpy's own limit for a header parsed without allow_pickle
_MAX_HEADER_SIZE = 10000
#: a Fortran-ordered file whose columns are read in pieces smaller than this is memory-mapped (NpyFile)
_MIN_PIECE = 4096
#: ``os.preadv`` reads at an offset into a buffer in one call (Linux, macOS, the BSDs; not Windows)
_PREADV = hasattr(os, "preadv")


def _refused(name: str) -> ReadError:
    return ReadError(f"{name} holds an object array: object arrays are refused, never unpickled", hint=_REFUSED_HINT)


def _header_reader(version: tuple[int, int]) -> Any:
    fmt = np.lib.format
    private = getattr(fmt, "_read_array_header", None)
    if private is None:
        try:
            from numpy.lib import _format_impl

            private = getattr(_format_impl, "_read_array_header", None)
        except ImportError:  # numpy < 2
            private = None
    if private is not None:
        return lambda fp: private(fp, version, max_header_size=_MAX_HEADER_SIZE)
    if version == (1, 0):
        return lambda fp: fmt.read_array_header_1_0(fp, max_header_size=_MAX_HEADER_SIZE)
    if version == (2, 0):
        return lambda fp: fmt.read_array_header_2_0(fp, max_header_size=_MAX_HEADER_SIZE)
    return None


def read_npy_header(fp: IO[bytes], name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """Parse an NPY header: ``(shape, fortran_order, dtype, data_offset)``. Never loads data.

    Refuses pickles and object dtypes; every malformation is a ReadError.
    """
    magic = fp.read(8)
    if not magic.startswith(_MAGIC):
        if magic[:1] == b"\x80" and magic[1:2] and magic[1] <= 5:
            raise ReadError(
                f"{name} is a Python pickle, not an NPY array: refused, never unpickled",
                hint="save the array with numpy.save (a numeric or string dtype)",
            )
        if magic.startswith((b"PK\x03\x04", b"PK\x05\x06")):  # a zip: torch.save's, or np.savez's under .npy
            raise ReadError(
                f"{name} is a zip archive, not an NPY array: a PyTorch file (torch.save) or an NPZ (numpy.savez) "
                "named .npy?",
                hint="save a tensor with numpy.save('p.npy', tensor.detach().cpu().numpy()); read an NPZ with "
                     "--input-format npz (a PyTorch file is refused there too, never unpickled)",
            )
        raise ReadError(f"{name}: not a valid .npy file (no NPY magic string)")
    if len(magic) < 8:
        raise ReadError(f"{name}: not a valid .npy file (truncated header)")
    version = (magic[6], magic[7])
    reader = _header_reader(version)
    if reader is None or version not in ((1, 0), (2, 0), (3, 0)):
        raise ReadError(f"{name}: unsupported .npy format version {version[0]}.{version[1]}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            shape, fortran, dtype = reader(fp)
    except Exception as exc:  # ValueError, SyntaxError, tokenize.TokenError, TypeError, ... from parsing
        text = str(exc).split("\n")[0]
        if len(text) > 200:
            text = text[:197] + "..."
        raise ReadError(f"{name}: not a valid .npy file (bad header: {text or type(exc).__name__})") from None
    if dtype.hasobject:
        raise _refused(name)
    if any(not isinstance(d, int) or d < 0 for d in shape):
        raise ReadError(f"{name}: not a valid .npy file (bad shape {shape!r})")
    return tuple(int(d) for d in shape), bool(fortran), dtype, fp.tell()


def _check_size(name: str, shape: tuple[int, ...], dtype: np.dtype, available: int) -> int:
    """The bytes of the data a parsed header announces, checked against the ``available`` bytes after it
    (before anything is allocated)."""
    if dtype.itemsize == 0:
        raise ReadError(f"{name}: dtype {dtype} has no size (an empty string or void type)")
    if len(shape) == 2:
        limits.check_columns(name, shape[1])
    count = math.prod(shape)
    need = count * dtype.itemsize
    if need > available:
        raise ReadError(
            f"{name}: not a valid .npy file (truncated: its header announces shape {shape} of {dtype}, "
            f"{need} bytes, but only {max(0, available)} bytes follow)",
            hint="the file was cut off while it was written or copied; write it again",
        )
    return need


def _npy_array(
    name: str, shape: tuple[int, ...], fortran: bool, dtype: np.dtype, offset: int, available: int, buffer: Any
) -> np.ndarray:
    """The array of a parsed header, viewed in ``buffer`` (the whole file, held in memory)."""
    _check_size(name, shape, dtype, available)
    count = math.prod(shape)
    order = "F" if fortran else "C"
    if count == 0:
        return np.empty(shape, dtype=dtype, order=order)
    try:
        flat = np.frombuffer(buffer, dtype=dtype, count=count, offset=offset)
    except ValueError as exc:
        raise ReadError(f"{name}: not a valid .npy file ({exc})") from None
    return flat.reshape(shape, order=order)


def load_npy_bytes(data: bytes, name: str) -> np.ndarray:
    """An NPY file held in memory (stdin, decompressed, an NPZ member) → a read-only array view."""
    shape, fortran, dtype, offset = read_npy_header(io.BytesIO(data), name)
    return _npy_array(name, shape, fortran, dtype, offset, len(data) - offset, buffer=data)


def load_npy_file(path: str, name: str) -> NpyFile:
    """An NPY file on disk → an :class:`NpyFile` (its header checked; nothing else is read yet)."""
    try:
        with open(path, "rb") as fh:
            shape, fortran, dtype, offset = read_npy_header(fh, name)
            stat = os.fstat(fh.fileno())
    except OSError as exc:
        raise ReadError(f"cannot read {name}: {exc.strerror or exc}") from None
    _check_size(name, shape, dtype, stat.st_size - offset)
    return NpyFile(path, name, shape, fortran, dtype, offset, stat)


class NpyFile:
    """The array of an NPY file on disk, read by rows: each read fills an array of its own with ``pread``.

    Not a memory map: a mapped page past the end of a file that another process cut short (rewriting it
    with ``numpy.save``, which truncates it first) kills the reading process with SIGBUS when it is
    touched, whereas a read then returns short. A read that comes back short, or finds the file modified
    since its header was read (its rows might mix two versions), is a ReadError naming the sizes. Reading
    costs one copy from the page cache, which a memory map leaves to the first touch of each page: about
    10 ms of CPU time for 80 MB (2 M × 10 float32), read on the pipeline's prefetch thread.

    The one exception is a Fortran-ordered file whose columns are read in pieces under
    :data:`_MIN_PIECE` bytes (a chunk of 128 rows of 32k columns): one read per column and chunk would take
    25 times as long as the memory map (:meth:`mapping`), which is used there, its size checked before
    each chunk is copied out of it at once.
    """

    def __init__(
        self, path: str, name: str, shape: tuple[int, ...], fortran: bool, dtype: np.dtype, offset: int,
        stat: os.stat_result,
    ) -> None:
        self.path = path
        self.name = name
        self.shape = shape
        self.ndim = len(shape)
        self.fortran = fortran and self.ndim == 2 and shape[1] > 1  # one column is laid out alike either way
        self.dtype = dtype
        self.offset = offset
        self.end = offset + math.prod(shape) * dtype.itemsize  #: the size the header announces
        self._stamp = FileStamp(name, stat, "its header was read")
        self._mapping: np.memmap | None = None

    @property
    def width(self) -> int:
        """Values per row (1 for a 1-D or structured array)."""
        return 1 if self.ndim == 1 else self.shape[1]

    def open(self) -> IO[bytes]:
        """An unbuffered binary file to read from."""
        try:
            return open(self.path, "rb", buffering=0)
        except OSError as exc:
            raise ReadError(f"cannot read {self.name}: {exc.strerror or exc}") from None

    def mapped(self, step: int) -> bool:
        """Whether chunks of ``step`` rows are copied out of :meth:`mapping` (see the class)."""
        return self.fortran and min(step, self.shape[0]) * self.dtype.itemsize < _MIN_PIECE

    def mapping(self) -> np.memmap:
        """The whole array, memory-mapped: slice it only after :meth:`check`, and copy the slice at once."""
        if self._mapping is None:
            try:
                self._mapping = np.memmap(self.path, dtype=self.dtype, mode="r", offset=self.offset,
                                          shape=self.shape, order="F" if self.fortran else "C")
            except (OSError, ValueError) as exc:
                raise ReadError(f"cannot read {self.name}: {exc}") from None
        return self._mapping

    def rows(self, fh: IO[bytes], start: int, stop: int, out: np.ndarray | None = None) -> np.ndarray:
        """Rows ``start:stop`` (C order; all columns, in Fortran order, of a Fortran-ordered file), read into
        ``out`` (an array of at least that many rows and this file's row shape, whose first rows are used) or a
        new array."""
        rows = stop - start
        if out is None:
            out = np.empty((rows, *self.shape[1:]), dtype=self.dtype, order="F" if self.fortran else "C")
        else:
            out = out[:rows]
        if self.fortran:
            for j in range(self.width):
                self._fill(fh, out[:, j], self.offset + (j * self.shape[0] + start) * self.dtype.itemsize)
        else:
            self._fill(fh, out, self.offset + start * self.dtype.itemsize * self.width)
        self.check(fh)
        return out

    def column(self, fh: IO[bytes], j: int, start: int, stop: int) -> np.ndarray:
        """Rows ``start:stop`` of the 0-based column ``j`` of a Fortran-ordered file, read into a new array."""
        out = np.empty(stop - start, dtype=self.dtype)
        self._fill(fh, out, self.offset + (j * self.shape[0] + start) * self.dtype.itemsize)
        self.check(fh)
        return out

    def _fill(self, fh: IO[bytes], out: np.ndarray, at: int) -> None:
        """Fill the contiguous array ``out`` with the bytes of the file from offset ``at``."""
        if not out.flags.c_contiguous:  # reshape would read into a copy
            raise AssertionError("NpyFile reads into contiguous arrays only")
        view = out.reshape(-1).view(np.uint8)
        want, got = view.nbytes, 0
        fd = fh.fileno()
        while got < want:
            try:
                if _PREADV:
                    n = os.preadv(fd, [view[got:]], at + got)
                else:  # pragma: no cover - platforms without preadv (Windows)
                    fh.seek(at + got)
                    n = fh.readinto(view[got:]) or 0
            except OSError as exc:
                raise ReadError(f"cannot read {self.name}: {exc.strerror or exc}") from None
            if n <= 0:
                raise self._cut(fh)
            got += n

    def check(self, fh: IO[bytes]) -> None:
        """Refuse a file cut short or modified since its header was read."""
        size = os.fstat(fh.fileno()).st_size
        if size < self.end:  # shorter than its header announces: said with the shape
            raise self._cut(fh, size)
        self._stamp.check(fh.fileno())

    def _cut(self, fh: IO[bytes], size: int | None = None) -> ReadError:
        if size is None:
            size = os.fstat(fh.fileno()).st_size
        return ReadError(
            f"{self.name} was cut short while it was read: its header announces shape {self.shape} of "
            f"{self.dtype}, {self.end} bytes in all, but the file now holds {size} bytes",
            hint=REWRITTEN_HINT,
        )


def _fresh(a: np.ndarray, dtype: Any, own: bool) -> np.ndarray:
    """``a`` as a fresh array of ``dtype``: ``a`` itself when it is the caller's ``own`` fresh array and
    already contiguous and of that type, else a converted copy."""
    return np.asarray(a, dtype=dtype, order="C") if own else np.array(a, dtype=dtype)


def numpy_column(a: np.ndarray, name: str = "", column: str = "", *, own: bool = False) -> np.ndarray:
    """Convert one column of a typed array to what readers yield (a fresh, writable array; with ``own``,
    ``a`` is the caller's own fresh array, returned as it is when it is contiguous and of that type)."""
    kind = a.dtype.kind
    if kind == "f":  # float16 and float32 kept: a convention's clip may depend on it (scikit-learn's dtype eps)
        return _fresh(a, _kept_float(a.dtype), own)
    if kind in "iub":
        if a.dtype == np.uint64:
            return np.array(a, dtype=np.float64)
        return _fresh(a, np.int64, own)
    if kind == "c":
        return np.array(a, dtype=np.complex128)
    if kind in "USmM":
        try:
            if kind == "U":
                _check_code_points(a, name, column)
                texts = [s.strip() for s in a.tolist()]
            elif kind == "S":
                texts = [s.decode("utf-8", "replace").strip() for s in a.tolist()]
            else:
                texts = [str(v) for v in a]
        except (ValueError, UnicodeError, OverflowError, SystemError) as exc:  # e.g. dates out of range
            raise ReadError(f"{name}: column {column!r} holds invalid values of {a.dtype} ({exc})") from None
        out = np.empty(len(texts), dtype=object)
        out[:] = texts
        return out
    if kind == "O":  # unreachable: object arrays are refused when the header is read
        raise _refused(name)
    raise ReadError(f"{name}: column {column!r} has dtype {a.dtype}, which is not a number or a string")


def numpy_block(a: np.ndarray, *, own: bool = False) -> np.ndarray:
    """Convert a 2-D numeric block as :func:`numpy_column` converts one column (float16 and float32 kept,
    other floats → float64, integers and booleans → int64, uint64 → float64); a fresh array, converted in
    one step (with ``own``, ``a`` itself when it is the caller's fresh array of that type already)."""
    kind = a.dtype.kind
    if kind == "f":
        return _fresh(a, _kept_float(a.dtype), own)
    if a.dtype == np.uint64:
        return np.array(a, dtype=np.float64)
    return _fresh(a, np.int64, own)


def _kept(dtype: np.dtype) -> bool:
    """Whether values of ``dtype`` are read as they are (a block's or a column's type, native byte order)."""
    if dtype.kind == "f":
        return dtype == np.dtype(_kept_float(dtype))
    if dtype.kind in "iub" and dtype != np.uint64:
        return dtype == np.dtype(np.int64)
    return False


def _kept_float(dtype: np.dtype) -> type:
    """The type a float column is read as: float16 and float32 as they are (scikit-learn clips
    probabilities at the eps of their dtype), any other float as float64."""
    return {2: np.float16, 4: np.float32}.get(dtype.itemsize, np.float64)


def _check_code_points(a: np.ndarray, name: str, column: str) -> None:
    """A ``U`` array from a file may hold UCS-4 values that are no characters (numpy's ``tolist`` then
    raises SystemError): refuse them with a ReadError."""
    if a.size == 0 or a.dtype.itemsize == 0:
        return
    order = a.dtype.byteorder if a.dtype.byteorder in "<>" else "="
    codes = np.ascontiguousarray(a).view(np.dtype("u4").newbyteorder(order))
    bad = codes > 0x10FFFF
    if bad.any():
        raise ReadError(
            f"{name}: column {column!r} holds a value that is no Unicode character "
            f"(code 0x{int(codes[bad][0]):X})",
            hint="the file is corrupt, or was not written by numpy.save",
        )


class _ArraySource(Source):
    """An array in memory or memory-mapped, read by slicing."""

    #: a chunk is a copy of bytes in memory or the page cache: read ahead on a thread of its own, it takes a
    #: core from the kernels and gains no time (a 2 M × 10 float32 NPY on two cores: 6 % more CPU time, 4 MB
    #: more memory, the same wall time to 1 %)
    read_ahead_gains = False

    def _setup(self, inp: Input, array: np.ndarray, fmt: str, path: str) -> None:
        name = inp.name
        if array.dtype.hasobject:
            raise _refused(name)
        fields = array.dtype.names
        if fields:
            limits.check_columns(name, len(fields))
            if array.ndim != 1:
                raise ReadError(f"{name}: a structured array must be 1-D, got shape {array.shape}")
            for f in fields:
                sub = array.dtype.fields[f][0]
                if sub.shape or sub.names:
                    raise ReadError(
                        f"{name}: field {f!r} has shape {sub.shape or 'struct'}, not one value per row",
                        hint="store one field per column",
                    )
            columns = list(fields)
        elif array.ndim == 1:
            columns = ["1"]
        elif array.ndim == 2:
            limits.check_columns(name, array.shape[1])
            columns = [str(j + 1) for j in range(array.shape[1])]
        else:
            raise ReadError(
                f"{name}: arrays must be 1-D (N,) or 2-D (N, K), got shape {array.shape}",
                hint="reshape it to (N, K) before saving",
            )
        if array.shape[0] == 0 or not columns:
            raise ReadError(f"{name} holds an empty array (shape {array.shape})")
        self._array = array
        numeric_matrix = array.ndim == 2 and not fields and array.dtype.kind in "fiub" and len(columns) > 1
        super().__init__(
            path=path,
            name=name,
            format=fmt,
            columns=columns,
            n_rows=int(array.shape[0]),
            size_bytes=inp.size_bytes,
            header_rows=0,
        )
        if numeric_matrix:
            self.blocks = {f"1:{len(columns)}": columns}

    def _column(self, column: str) -> np.ndarray:
        a = self._array
        if a.dtype.names:
            return a[column]
        if a.ndim == 1:
            return a
        return a[:, int(column) - 1]

    def _read(self, columns: list[Any], chunk_rows: int | None) -> Iterator[Chunk]:
        n = int(self.n_rows or 0)
        step = chunk_rows or n
        a = self._array
        if isinstance(a, NpyFile):
            yield from self._read_file(a, columns, step)
            return
        views = {c: a if isinstance(c, Block) else self._column(c) for c in columns}
        for start in range(0, n, step):
            stop = min(n, start + step)
            yield Chunk({c: self._convert(v[start:stop], c) for c, v in views.items()}, first_row=start)

    def _convert(self, rows: np.ndarray, key: Any, *, own: bool = False) -> np.ndarray:
        if isinstance(key, Block):
            return numpy_block(rows, own=own)
        return numpy_column(rows, self.name, key, own=own)

    def _read_file(self, a: NpyFile, columns: list[Any], step: int) -> Iterator[Chunk]:
        """Row blocks of an NPY file on disk, each read into an array of this read's own: no copy beyond the
        read where one column or the whole block is read in its own type (the array read is the chunk's),
        else one conversion per key from a buffer read into again for the next block. Memory stays bounded
        by the blocks in use; writing into a chunk changes neither the file nor another chunk.

        A Fortran-ordered file is read column by column: the whole block (every column, then converted) or
        each column wanted; or copied out of its memory map where those pieces are small (:class:`NpyFile`).
        """
        n = int(a.shape[0])
        by_column = a.fortran and not any(isinstance(c, Block) for c in columns)
        # the array read is the chunk's own where it is all the key wants, in the type it is read as
        whole = len(columns) == 1 and not a.dtype.names and (
            isinstance(columns[0], Block) or a.width == 1) and _kept(a.dtype)
        spare: np.ndarray | None = None  # the buffer several keys are converted from, read into again
        with a.open() as fh:
            if a.mapped(step):
                m = a.mapping()
                views = {c: m if isinstance(c, Block) else m[:, int(c) - 1] for c in columns}
                for start in range(0, n, step):
                    stop = min(n, start + step)
                    a.check(fh)  # no page past the end is touched; each key is copied out now (own=False)
                    yield Chunk({c: self._convert(v[start:stop], c) for c, v in views.items()}, first_row=start)
                return
            for start in range(0, n, step):
                stop = min(n, start + step)
                if by_column:
                    yield Chunk(
                        {c: self._convert(a.column(fh, start=start, stop=stop, j=int(c) - 1), c, own=True)
                         for c in columns},
                        first_row=start,
                    )
                    continue
                if whole:
                    block = a.rows(fh, start, stop)
                else:
                    if spare is None:
                        spare = np.empty((min(step, n), *a.shape[1:]), dtype=a.dtype, order="F" if a.fortran else "C")
                    block = a.rows(fh, start, stop, out=spare)
                if whole and a.fortran:  # the block as read, Fortran-ordered as a copy of its rows would be
                    yield Chunk({columns[0]: block}, first_row=start)
                    continue
                # a key of the reused buffer is converted to an array of its own (own=False copies it)
                yield Chunk({c: self._convert(self._part(block, c), c, own=whole) for c in columns}, first_row=start)

    def _part(self, block: np.ndarray, key: Any) -> np.ndarray:
        """The rows of ``key`` (a Block or a column) in ``block``, rows of the whole array."""
        if isinstance(key, Block):
            return block
        if block.dtype.names:
            return block[key]
        if block.ndim == 1:
            return block
        return block[:, int(key) - 1]


class NpySource(_ArraySource):
    def __init__(self, inp: Input) -> None:
        if inp.fs_path is not None and inp.codec is None:
            array = load_npy_file(inp.fs_path, inp.name)
        else:
            array = load_npy_bytes(inp.read_all(), inp.name)
        self._setup(inp, array, "npy", inp.given)


def _npz_keys(names: list[str]) -> dict[str, str]:
    """Array name → zip member name, as numpy's NpzFile names them (``a.npy`` → ``a``)."""
    out: dict[str, str] = {}
    for m in names:
        out.setdefault(m[:-4] if m.endswith(".npy") else m, m)
    return out


def read_npz_member(zf: zipfile.ZipFile, member: str, name: str) -> bytes:
    """The bytes of one member, refusing bombs before decompressing (declared size and ratio)."""
    try:
        info = zf.getinfo(member)
    except KeyError:
        raise ReadError(f"{name}: member {member!r} is missing") from None
    cap = limits.max_memory_bytes()
    if info.file_size > cap:
        raise limits.too_large(name, f"the member {member}", cap)
    ratio = limits.max_ratio()
    if ratio and info.file_size > limits.RATIO_GRACE_BYTES and info.file_size > ratio * max(1, info.compress_size):
        raise ReadError(
            f"{name}: refusing to decompress {member} ({limits.human(info.file_size)} from "
            f"{limits.human(info.compress_size)}): a ratio above {ratio:g}:1 looks like a decompression bomb",
            hint="if the file is genuine, raise the limit with LOSSCLI_MAX_DECOMPRESSION_RATIO (0 turns it off)",
        )
    try:
        with zf.open(info) as fh:
            data = fh.read(info.file_size + 1)  # zipfile never returns more than the declared size
    except ReadError:
        raise
    except Exception as exc:  # BadZipFile (CRC), zlib.error, EOFError, NotImplementedError, RuntimeError (encrypted)
        raise ReadError(f"{name}: cannot read the member {member} ({type(exc).__name__}: {exc})") from None
    return data


class NpzSource(_ArraySource):
    def __init__(self, inp: Input, key: str | None) -> None:
        name = inp.name
        explicit = key is not None
        src: Any = inp.fs_path if (inp.fs_path is not None and inp.codec is None) else io.BytesIO(inp.read_all())
        import zipfile  # only .npz files need it

        try:
            zf = zipfile.ZipFile(src)
        except OSError as exc:
            raise ReadError(f"cannot read {name}: {exc.strerror or exc}") from None
        except Exception as exc:  # BadZipFile, ValueError, EOFError, struct.error, ... from a malformed zip
            raise ReadError(f"{name}: not a valid .npz file ({exc})") from None
        with zf:
            try:
                members = _npz_keys(zf.namelist())
            except Exception as exc:  # a malformed central directory
                raise ReadError(f"{name}: not a valid .npz file ({exc})") from None
            keys = list(members)
            names = zf.namelist()
            if any(n.endswith("data.pkl") for n in names) and not any(n.endswith(".npy") for n in names):
                raise ReadError(
                    f"{name} is a PyTorch file (torch.save): a pickle inside a zip, refused, never unpickled",
                    hint="save the tensor with numpy: numpy.save('p.npy', tensor.detach().cpu().numpy())",
                )
            if names and not any(n.endswith(".npy") for n in names):  # pandas' to_csv('p.csv.zip'), a zip of files
                zipped = "the_file.zip" if inp.path == "-" else inp.path
                raise ReadError(
                    f"{name} is a zip archive of {', '.join(names[:5])}, not an NPZ of .npy arrays",
                    hint=f"unzip it and give the file inside (unzip -p {zipped} {names[0]} > {names[0]}); a .gz, "
                         ".bz2, .xz or .zst file is decompressed as it is read (df.to_csv('p.csv.gz'))",
                )
            if key is None:
                if not keys:
                    raise ReadError(f"{name} holds no arrays",
                                    hint="save the arrays into it: numpy.savez(file, y=labels, p=predictions)")
                if len(keys) != 1:
                    two = (f"; labels and predictions from one file: --labels {inp.path}:{keys[0]} --preds "
                           f"{inp.path}:{keys[1]}") if len(keys) > 1 else ""
                    raise ReadError(
                        f"{name} holds {len(keys)} arrays ({', '.join(keys[:20]) or 'none'}); choose one",
                        hint=f"write it as {inp.path}:KEY, e.g. {inp.path}:{keys[0]}{two}" if keys else None,
                    )
                key = keys[0]
            elif key not in members and key.endswith(".npy") and key[:-4] in members:
                key = key[:-4]
            if key not in members:
                raise ReadError(
                    f"{name} has no array {key!r}", hint=f"it holds: {', '.join(keys[:20]) or 'nothing'}"
                )
            data = read_npz_member(zf, members[key], name)
        array = load_npy_bytes(data, f"{name}:{key}")
        if explicit:
            inp.name = f"{name}:{key}"
        self.key = key
        self._setup(inp, array, "npz", inp.given)
