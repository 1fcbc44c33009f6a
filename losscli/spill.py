"""Records that grow with the input, kept in a temporary file in buckets instead of in memory.

A :class:`BucketSpill` takes NumPy records in pieces, each record into a numbered bucket, and gives a bucket
back whole (its records in the order they came). What a process keeps resident is then one bucket at a time;
the file's pages stay in the operating system's cache, which does not count towards the process's memory.

The file has no name (``tempfile.TemporaryFile``): it is gone when closed (by :meth:`BucketSpill.close`, or
when the spill is dropped, as on an error), when the process exits, and when it is killed (Ctrl-C, SIGTERM,
SIGKILL alike), so no exit path can leave it behind.

>>> import numpy as np
>>> s = BucketSpill(np.dtype("<i8"))
>>> s.add(np.array([1, 0, 1]), np.array([10, 20, 30]))
>>> s.add(np.array([0]), np.array([40]))
>>> s.buckets(), s.read(0).tolist(), s.read(1).tolist(), s.read(2).tolist()
([0, 1], [20, 40], [10, 30], [])
>>> s.close()
"""

from __future__ import annotations

import os
import tempfile
import weakref
from typing import IO, Any

import numpy as np

from losscli.errors import OutputError


def temporary_file(**kwargs: Any) -> IO[bytes]:
    """An unnamed temporary file (``tempfile.TemporaryFile``); a folder that cannot hold one is an
    :class:`~losscli.errors.OutputError` naming it."""
    try:
        return tempfile.TemporaryFile(**kwargs)  # noqa: SIM115 - the caller closes it
    except OSError as exc:
        raise spill_error(exc) from None


def spill_error(exc: OSError) -> OutputError:
    """The error for a temporary file that could not be created or written (a full disk, a missing TMPDIR)."""
    return OutputError(
        f"cannot write a temporary file in {tempfile.gettempdir()} ({exc.strerror or exc})",
        hint="free some space there, or point TMPDIR to a folder with room",
    )


class BucketSpill:
    """Records of one dtype in a temporary file, appended bucket by bucket, read back a bucket at a time."""

    def __init__(self, dtype: np.dtype) -> None:
        self.dtype = np.dtype(dtype)
        self._file = temporary_file(buffering=0)  # closed by close() or when dropped
        self._close = weakref.finalize(self, self._file.close)  # a spill dropped on an error closes its file
        self._end = 0
        #: bucket → [(byte offset, records)] in the order they were added
        self._segments: dict[int, list[tuple[int, int]]] = {}
        self.count = 0

    def add(self, buckets: np.ndarray, records: np.ndarray) -> None:
        """Append ``records[i]`` to bucket ``buckets[i]`` for every i (one write for the whole piece)."""
        if not len(records):
            return
        order = np.argsort(buckets, kind="stable")
        b = np.asarray(buckets)[order]
        starts = np.flatnonzero(np.concatenate(([True], b[1:] != b[:-1])))
        ends = np.append(starts[1:], len(b))
        size = self.dtype.itemsize
        self._write(np.ascontiguousarray(records[order], dtype=self.dtype), self._end)
        for s, e in zip(starts.tolist(), ends.tolist(), strict=True):
            self._segments.setdefault(int(b[s]), []).append((self._end + s * size, e - s))
        self._end += len(b) * size
        self.count += len(b)

    def put(self, bucket: int, records: np.ndarray) -> None:
        """Append all of ``records`` to one bucket."""
        self.add(np.full(len(records), bucket, dtype=np.int64), records)

    def buckets(self) -> list[int]:
        """The buckets holding records, in increasing order."""
        return sorted(self._segments)

    def read(self, bucket: int) -> np.ndarray:
        """Every record of ``bucket`` (none if it has none), in the order they were added."""
        segments = self._segments.get(bucket, [])
        out = np.empty(sum(n for _, n in segments), dtype=self.dtype)
        view = memoryview(out.view(np.uint8))
        at = 0
        for offset, n in segments:
            nbytes = n * self.dtype.itemsize
            self._read_into(view[at:at + nbytes], offset)
            at += nbytes
        return out

    def close(self) -> None:
        self._close()
        self._segments = {}

    def _write(self, data: np.ndarray, offset: int) -> None:
        view = memoryview(data.view(np.uint8).reshape(-1))
        fd = self._file.fileno()
        while len(view):
            try:
                done = os.pwrite(fd, view, offset)
            except OSError as exc:
                raise spill_error(exc) from None
            view, offset = view[done:], offset + done

    def _read_into(self, view: memoryview, offset: int) -> None:
        fd = self._file.fileno()
        while len(view):
            got = os.preadv(fd, [view], offset)
            if got <= 0:  # pragma: no cover - the file was written by this object
                raise OSError(f"temporary file ended at byte {offset}")
            view, offset = view[got:], offset + got
