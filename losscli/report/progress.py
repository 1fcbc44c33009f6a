"""A progress bar on stderr for large inputs: rows, rows/s, bytes read and time left.

Shown only when stderr is a terminal and the predictions file is larger than :data:`MIN_BYTES`; never on
stdout. The total is the file's row count when the format knows it (NPY, Parquet), else an estimate from
the file size and the byte length of its first lines (exact once the file is read).
"""

from __future__ import annotations

import os
import sys
import time
from typing import Any

MIN_BYTES = 8 << 20


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _estimate_rows(path: str, size: int) -> int | None:
    """Rows of an uncompressed text file estimated from the length of its first lines."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
    except OSError:
        return None
    lines = head.count(b"\n")
    if lines < 2 or head[:2] == b"\x1f\x8b":
        return None
    return max(1, int(size / (len(head) / lines)) - 1)


class Progress:
    """Wraps a rich progress bar; :meth:`observe` is a pipeline observer."""

    def __init__(self, name: str, total_rows: int | None, size: int) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

        self.size = size
        self.total_rows = total_rows
        self.start = time.perf_counter()
        self._bar = Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,.0f} rows"),
            TextColumn("{task.fields[speed]}"),
            TextColumn("{task.fields[read]}"),
            TimeElapsedColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        from rich.markup import escape

        from losscli.escape import printable

        self._task = self._bar.add_task(escape(printable(name)), total=total_rows, speed="", read="")
        self._bar.start()

    def observe(self, batch: Any, values: Any, offset: int) -> None:
        done = offset + len(batch)
        elapsed = max(time.perf_counter() - self.start, 1e-9)
        fields = {"speed": f"{done / elapsed:,.0f} rows/s"}
        if self.total_rows:
            fields["read"] = f"≈{min(1.0, done / self.total_rows) * self.size / 1e6:,.0f}/{self.size / 1e6:,.0f} MB"
            if done > self.total_rows:
                self._bar.update(self._task, total=None)
        self._bar.update(self._task, completed=done, **fields)

    def close(self) -> None:
        self._bar.stop()


def maybe_progress(plan: Any) -> Progress | None:
    """A progress bar for ``plan``'s predictions file, or ``None`` when one would not help."""
    if not _stderr_is_terminal() or os.environ.get("LOSSCLI_NO_PROGRESS"):
        return None
    source = plan.preds.source
    size = source.size_bytes or 0
    if size < MIN_BYTES:
        return None
    total = source.n_rows
    if total is None and source.format in ("csv", "tsv") and os.path.isfile(source.path):
        total = _estimate_rows(source.path, size)
    return Progress(source.name, total, size)
