"""NPY and NPZ readers.

Always ``allow_pickle=False``: an object array is refused, never unpickled (a pickle can run code).
A ``.npy`` file on disk is memory-mapped (``mmap_mode="r"``), so a chunk reads only its own rows and
peak memory is bounded by the chunk size; stdin, compressed files and NPZ members are loaded whole.

Columns: a 1-D array is one column ``'1'``; a 2-D array ``(N, K)`` has the columns ``'1'``..``'K'``
(1-based positions as names); a 1-D structured array has its field names. Floating columns come as
float64, integer and boolean columns as int64 (uint64 as float64), complex as complex128, strings as
object arrays of ``str``. More than two dimensions, or no rows, is a ReadError.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import ReadError
from .sources import Chunk, Input, Source

_REFUSED_HINT = "save it with a numeric or string dtype (object arrays are refused, never unpickled)"


def _load_error(name: str, exc: Exception, what: str) -> ReadError:
    msg = str(exc)
    if "Object arrays" in msg or "Python objects" in msg or "allow_pickle" in msg:
        return ReadError(
            f"{name} holds an object array: object arrays are refused, never unpickled", hint=_REFUSED_HINT
        )
    return ReadError(f"{name}: not a valid {what} file ({msg})")


def numpy_column(a: np.ndarray, name: str = "", column: str = "") -> np.ndarray:
    """Convert one column of a typed array to what readers yield (a fresh, writable array)."""
    kind = a.dtype.kind
    if kind == "f":
        return np.array(a, dtype=np.float64)
    if kind in "iub":
        if a.dtype == np.uint64:
            return np.array(a, dtype=np.float64)
        return np.array(a, dtype=np.int64)
    if kind == "c":
        return np.array(a, dtype=np.complex128)
    if kind == "U":
        return np.array([s.strip() for s in a.tolist()], dtype=object).reshape(len(a))
    if kind == "S":
        return np.array([s.decode("utf-8", "replace").strip() for s in a.tolist()], dtype=object).reshape(
            len(a)
        )
    if kind in "mM":
        return np.array([str(v) for v in a], dtype=object).reshape(len(a))
    if kind == "O":  # unreachable with allow_pickle=False, kept as a guard
        raise ReadError(f"{name} holds an object array: object arrays are refused, never unpickled")
    raise ReadError(f"{name}: column {column!r} has dtype {a.dtype}, which is not a number or a string")


class _ArraySource(Source):
    """An array in memory or memory-mapped, read by slicing."""

    def _setup(self, inp: Input, array: np.ndarray, fmt: str, path: str) -> None:
        name = inp.name
        if array.dtype.hasobject:
            raise ReadError(
                f"{name} holds an object array: object arrays are refused, never unpickled",
                hint=_REFUSED_HINT,
            )
        fields = array.dtype.names
        if fields:
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
            columns = [str(j + 1) for j in range(array.shape[1])]
        else:
            raise ReadError(
                f"{name}: arrays must be 1-D (N,) or 2-D (N, K), got shape {array.shape}",
                hint="reshape it to (N, K) before saving",
            )
        if array.shape[0] == 0 or not columns:
            raise ReadError(f"{name} holds an empty array (shape {array.shape})")
        self._array = array
        super().__init__(
            path=path,
            name=name,
            format=fmt,
            columns=columns,
            n_rows=int(array.shape[0]),
            size_bytes=inp.size_bytes,
            header_rows=0,
        )

    def _column(self, column: str) -> np.ndarray:
        a = self._array
        if a.dtype.names:
            return a[column]
        if a.ndim == 1:
            return a
        return a[:, int(column) - 1]

    def _read(self, columns: list[str], chunk_rows: int | None) -> Iterator[Chunk]:
        n = int(self.n_rows or 0)
        step = chunk_rows or n
        views = {c: self._column(c) for c in columns}
        for start in range(0, n, step):
            stop = min(n, start + step)
            yield Chunk(
                {c: numpy_column(v[start:stop], self.name, c) for c, v in views.items()}, first_row=start
            )


class NpySource(_ArraySource):
    def __init__(self, inp: Input) -> None:
        array: Any
        try:
            if inp.fs_path is not None and inp.codec is None:
                array = np.load(inp.fs_path, mmap_mode="r", allow_pickle=False)
            else:
                array = np.load(io.BytesIO(inp.read_all()), allow_pickle=False)
        except ReadError:
            raise
        except (ValueError, OSError, EOFError) as exc:
            raise _load_error(inp.name, exc, ".npy") from None
        if not isinstance(array, np.ndarray):
            raise ReadError(f"{inp.name}: not a valid .npy file")
        self._setup(inp, array, "npy", inp.given)


class NpzSource(_ArraySource):
    def __init__(self, inp: Input, key: str | None) -> None:
        name = inp.name
        explicit = key is not None
        try:
            src: Any = (
                inp.fs_path if (inp.fs_path is not None and inp.codec is None) else io.BytesIO(inp.read_all())
            )
            npz = np.load(src, allow_pickle=False)
        except ReadError:
            raise
        except Exception as exc:  # zipfile.BadZipFile, ValueError, OSError
            raise _load_error(name, exc, ".npz") from None
        if not hasattr(npz, "files"):
            raise ReadError(f"{name}: not a valid .npz file")
        try:
            keys = list(npz.files)
            if key is None:
                if len(keys) != 1:
                    raise ReadError(
                        f"{name} holds {len(keys)} arrays ({', '.join(keys) or 'none'}); choose one",
                        hint=f"write it as {inp.path}:KEY, e.g. {inp.path}:{keys[0]}" if keys else None,
                    )
                key = keys[0]
            elif key not in keys and key.endswith(".npy") and key[:-4] in keys:
                key = key[:-4]
            if key not in keys:
                raise ReadError(
                    f"{name} has no array {key!r}", hint=f"it holds: {', '.join(keys) or 'nothing'}"
                )
            try:
                array = npz[key]
            except (ValueError, OSError, EOFError) as exc:
                raise _load_error(f"{name}:{key}", exc, ".npy") from None
        finally:
            npz.close()
        if explicit:
            inp.name = f"{name}:{key}"
        self.key = key
        self._setup(inp, array, "npz", inp.given)
