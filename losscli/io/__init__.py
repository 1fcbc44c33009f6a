"""The reading stage: open prediction/label files and yield raw columns in chunks.

- :func:`open_source` opens a path (``-`` for stdin, ``f.npz:key`` for an NPZ member) as a
  :class:`Source`, detecting the format (:mod:`losscli.io.detect`);
- :func:`select_columns` resolves a column selection (names, 1-based positions, ``a:b`` ranges,
  ``*``/``?`` globs) against ``Source.columns`` (:mod:`losscli.io.columns`);
- :meth:`Source.read` yields :class:`Chunk` s of the selected columns.

Importing this package imports neither numpy nor pyarrow nor pandas; numpy comes with the readers,
pyarrow only for Parquet, Arrow IPC and large CSV files, orjson for JSON lines, pandas never.
"""

from __future__ import annotations

from losscli.io.base import Block, Chunk, Source
from losscli.io.columns import describe_columns, select_columns
from losscli.io.detect import FORMATS, detect_format
from losscli.io.sources import open_source

__all__ = [
    "Block",
    "Chunk",
    "FORMATS",
    "Source",
    "describe_columns",
    "detect_format",
    "open_source",
    "select_columns",
]
