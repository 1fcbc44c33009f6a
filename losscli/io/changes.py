"""A file on disk that another program cuts short or rewrites while it is read.

``numpy.save``, ``to_feather`` and ``to_parquet`` writing over an existing file truncate it first, and a
program still writing a file leaves it short: a reader that memory-maps it dies of SIGBUS on a page past
the new end, and one that reads it may mix rows of two versions. A :class:`FileStamp` is taken (``fstat``)
when the file's header is read; checked after each read, it refuses a file now shorter (cut short) or with
another size, modification time or inode (changed) with a message naming the sizes and the fix.
"""

from __future__ import annotations

import functools
import os
from typing import Any

from losscli.errors import ReadError

#: what a message about a file changed or cut short while it was read says to do
REWRITTEN_HINT = (
    "another program is writing it: run again once it has finished (a writer that saves to a temporary name "
    "and renames it into place, os.replace, never leaves a partial file behind)"
)


class FileStamp:
    """The size, modification time and inode of a file opened for reading (``stat``, its ``fstat``).

    ``name`` is the file as messages show it; ``when`` says when the stamp was taken ("its header was read").
    """

    def __init__(self, name: str, stat: os.stat_result, when: str) -> None:
        self.name = name
        self.size = stat.st_size
        self.when = when
        self._stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)

    @classmethod
    def of(cls, name: str, fd: int, when: str) -> FileStamp:
        return cls(name, os.fstat(fd), when)

    def check(self, fd: int) -> None:
        """Refuse the file open as ``fd`` when it is shorter than it was, or not the same file any more."""
        stat = os.fstat(fd)
        if stat.st_size < self.size:
            raise self.cut(stat.st_size)
        if (stat.st_mtime_ns, stat.st_size, stat.st_ino) != self._stamp:
            raise self.changed()

    def cut(self, size: int) -> ReadError:
        return ReadError(
            f"{self.name} was cut short while it was read: it held {self.size} bytes when {self.when}, but the "
            f"file now holds {size} bytes",
            hint=REWRITTEN_HINT,
        )

    def changed(self) -> ReadError:
        return ReadError(
            f"{self.name} changed while it was read (its size or modification time is not what it was when "
            f"{self.when}): its rows might mix two versions of the file",
            hint=REWRITTEN_HINT,
        )


def open_watched(path: str) -> Any:
    """``pyarrow.OSFile(path)``, read with reads, whose ``fileno()`` is a descriptor of the same file opened
    beside it for ``fstat`` (``OSFile.fileno()`` itself fails before pyarrow 17: "no attribute 'handle'");
    ``close()`` closes both."""
    return _watched_class()(path)


@functools.cache
def _watched_class() -> type:
    import pyarrow as pa

    class WatchedOSFile(pa.OSFile):  # type: ignore[misc]
        def __init__(self, path: str) -> None:
            self._fd = os.open(path, os.O_RDONLY)

        def fileno(self) -> int:
            return self._fd

        def close(self) -> None:
            try:
                super().close()
            finally:
                if self._fd >= 0:
                    os.close(self._fd)
                    self._fd = -1

        def __del__(self) -> None:
            if getattr(self, "_fd", -1) >= 0:
                os.close(self._fd)
                self._fd = -1

    return WatchedOSFile
