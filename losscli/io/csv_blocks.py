"""Parallel parsing of a plain CSV file on disk: line-aligned blocks parsed by pyarrow on worker threads.

pyarrow's streaming CSV reader (what :mod:`losscli.io.csv_reader` streams with) tokenises on one thread:
on two cores a 1 M-row × 11-column file (106 MB) takes it 0.43 s, where its whole-file ``read_csv`` on
both cores takes 0.22 s, but holds the whole table. This module streams at the whole-file speed with a
bounded memory: it reads the body of the file in blocks of at most :data:`BLOCK_BYTES`, cuts each block
after its last line end (the next block starts there), and parses the blocks with
``pyarrow.csv.read_csv`` on a pool of worker threads (pyarrow parses without the GIL). Tables come back in
file order; at most ``workers + 1`` blocks are read ahead.

A cut after a line end is a record boundary unless a quoted cell holds a line break. A block is only
parsed here when every line end in it is outside quoted cells, as the parsers' quoting rule decides it
(:func:`losscli.io.csv_quotes.line_ends_outside`: a block starts at a record boundary), and the last block
does not end inside a quoted cell; otherwise, and for a line longer than a block, :class:`NotSplittable`
tells the caller to read on with its streaming reader from the rows it has already taken. So do pyarrow's
own errors on a block (a ragged row, bytes that are not UTF-8): the streaming reader, which knows row
numbers, reports them. (A column that holds text where numbers were expected is the caller's to handle: it
reads the column again as text.)
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

#: a block of the file parsed by one worker (and the longest line a block can hold)
BLOCK_BYTES = 1 << 21
#: the smallest block a reader asks for (smaller ones cost more in calls than they save in memory)
MIN_BLOCK_BYTES = 1 << 16
#: at most this many worker threads
MAX_WORKERS = 4

_NEWLINE = 10


class NotSplittable(Exception):
    """The file cannot be parsed in blocks from here on: read on with the streaming reader."""


def workers() -> int:
    """Worker threads for this machine: 0 (parse serially) on a single core."""
    n = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return min(MAX_WORKERS, n) if n > 1 else 0


def splittable(block: Any, delimiter: str, last: bool = False) -> bool:
    """Are the line ends of ``block`` (bytes-like, starting at a record boundary) record boundaries, and
    does the ``last`` block of the file not end inside a quoted cell? See :mod:`losscli.io.csv_quotes`."""
    from losscli.io.csv_quotes import line_ends_outside

    return line_ends_outside(block, delimiter, end_too=last)


def parse_blocks(
    path: str,
    offset: int,
    parse: Callable[[Any], Any],
    *,
    delimiter: str,
    n_workers: int,
    block_bytes: int | None = None,
) -> Iterator[Any]:
    """What ``parse`` makes of the blocks of ``path`` from byte ``offset`` on, in file order.

    ``parse`` takes a pyarrow buffer of whole lines (it runs on a worker thread: a table, or the arrays
    made of it, are built in parallel).
    Blocks hold at most ``block_bytes`` (default :data:`BLOCK_BYTES`). Raises :class:`NotSplittable`
    where the file cannot be cut at line ends, and whatever ``parse`` raises, when the consumer reaches
    that block.
    """
    import pyarrow as pa

    size = block_bytes or BLOCK_BYTES
    pending: deque[Any] = deque()

    def job(buf: Any, last: bool) -> Any:
        if not splittable(buf, delimiter, last):
            raise NotSplittable
        return parse(buf)

    from concurrent.futures import ThreadPoolExecutor

    pool = ThreadPoolExecutor(max_workers=n_workers, thread_name_prefix="losscli-csv")
    f = pa.OSFile(path, "r")
    try:
        end = f.size()
        pos = offset
        while True:
            while pos < end and len(pending) <= n_workers:
                f.seek(pos)
                buf = f.read_buffer(min(size, end - pos))
                if not len(buf):
                    raise NotSplittable  # the file shrank under us: let the streaming reader say so
                last = pos + len(buf) >= end
                cut = len(buf) if last else _after_last_newline(buf)
                if cut == 0:
                    raise NotSplittable  # a line longer than a block
                pending.append(pool.submit(job, buf.slice(0, cut), last))
                pos += cut
            if not pending:
                return
            yield pending.popleft().result()
    finally:
        # no waiting here: this may run as the generator is finalised, where an interrupt raised during a
        # wait would be reported and ignored; a worker ends with the block it is parsing (milliseconds)
        pool.shutdown(wait=False, cancel_futures=True)
        f.close()


def _after_last_newline(buf: Any) -> int:
    """Offset just after the last ``\\n`` of ``buf`` (0 if it has none), looking back from the end."""
    a = np.frombuffer(buf, dtype=np.uint8)
    n = len(a)
    w = 4096
    while True:
        lo = max(0, n - w)
        hits = np.flatnonzero(a[lo:] == _NEWLINE)
        if len(hits):
            return lo + int(hits[-1]) + 1
        if lo == 0:
            return 0
        w *= 16
