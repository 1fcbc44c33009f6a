"""Open an input file (or stdin) as a :class:`Source` and read its columns in :class:`Chunk` s.

>>> src = open_source("preds.csv")                     # doctest: +SKIP
>>> cols = select_columns("logit_*", src.columns, option="--preds-col")  # doctest: +SKIP
>>> for chunk in src.read(cols, chunk_rows=65536):     # doctest: +SKIP
...     chunk.columns["logit_0"], chunk.first_row

The readers do no validation of loss semantics: they yield raw columns. A numeric column comes as
``float64`` (binary formats keep integer and boolean columns as ``int64`` when they have no missing
values); a missing value (an empty CSV cell, a Parquet null) is NaN and is never dropped; a CSV column
with any cell that is not a number comes, for that chunk, as an ``object`` array of the stripped cell
texts (empty cells as ``""``) so that the caller can map class labels or report the cell.

Chunks hold exactly ``chunk_rows`` rows except the last one; ``chunk_rows=None`` reads the whole file as
one chunk. Peak memory is bounded by the chunk size for CSV/TSV (streamed, compressed or not), NPY on disk
(read by rows) and Parquet and Arrow IPC (record batches); NPZ members, stdin, pipes and compressed binary files are
held in memory, up to the limits of :mod:`losscli.io.limits` (which also refuse decompression bombs,
over-long lines and too many columns).

Errors: a missing file, a directory, a permission problem, an unknown format or a malformed file raise
:class:`~losscli.errors.ReadError` (exit 3) naming the file; asking for columns that do not exist raises
:class:`~losscli.errors.UsageError` (exit 2) listing the ones that do. Readers for the formats are in
:mod:`losscli.io.csv_reader`, :mod:`losscli.io.npy`, :mod:`losscli.io.parquet`, :mod:`losscli.io.jsonl`
and :mod:`losscli.io.arrow_ipc`; pyarrow is only imported for Parquet, Arrow IPC, large CSV files and zstd
without ``zstandard``, orjson for JSON lines, pandas never.
"""

from __future__ import annotations

import os
import stat
import sys
from typing import IO, Any

from losscli.errors import ReadError
from losscli.io import limits
from losscli.io.base import Input, Source, open_file
from losscli.io.detect import (
    compression_from_magic,
    decompress_bytes,
    detect_format,
    normalize_delimiter,
    normalize_format,
    split_compression,
)

STDIN_NAME = "<stdin>"


def split_key(path: str) -> tuple[str, str | None]:
    """``'f.npz:key'`` → ``('f.npz', 'key')`` when ``f.npz`` exists (or is ``-``) and ``path`` itself does not."""
    if path == "-" or ":" not in path or os.path.exists(path):
        return path, None
    base, key = path.rsplit(":", 1)
    if key and (base == "-" or os.path.isfile(base)):
        return base, key
    return path, None


def _read_stdin(stdin: IO[bytes] | None) -> bytes:
    stream = stdin if stdin is not None else getattr(sys.stdin, "buffer", sys.stdin)
    if stdin is None and hasattr(sys.stdin, "isatty") and sys.stdin.isatty():
        print("No input file or piped data provided. Waiting for standard input:", file=sys.stderr)
    try:
        return limits.read_capped(stream, STDIN_NAME, "standard input", check_head=_head_check(STDIN_NAME))
    except OSError as exc:
        raise ReadError(f"cannot read standard input: {exc.strerror or exc}") from None


def _head_check(name: str, codec: str | None = None) -> Any:
    """Refuse a stream early, from its first block, when it can be no input at all (``/dev/zero``)."""
    from losscli.io.detect import binary_magic, check_text

    def check(head: bytes) -> None:
        if codec is None and not binary_magic(head) and b"\x00" in head:
            check_text(name, head)

    return check


def _buffered_input(path: str, name: str, raw: bytes, codec: str | None) -> Input:
    """An input held in memory (stdin, a pipe), decompressed now when it is compressed."""
    codec = codec or compression_from_magic(raw[:8])
    data = decompress_bytes(raw, codec, name) if codec else raw
    return Input(path=path, name=name, fs_path=None, data=data, codec=None, size_bytes=len(raw))


def _make_input(path: str, stdin: IO[bytes] | None) -> Input:
    if path == "-":
        return _buffered_input(path, STDIN_NAME, _read_stdin(stdin), None)
    _, codec = split_compression(path)
    with open_file(path, path) as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):  # a pipe (`<(cmd)`, /dev/stdin) can be read only once
            try:
                raw = limits.read_capped(f, path, "the pipe", check_head=_head_check(path, codec))
            except OSError as exc:
                raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from None
            return _buffered_input(path, path, raw, codec)
        try:
            magic = f.read(8)
        except OSError as exc:
            raise ReadError(f"cannot read {path}: {exc.strerror or exc}") from None
    codec = codec or compression_from_magic(magic)
    return Input(path=path, name=path, fs_path=path, data=None, codec=codec, size_bytes=st.st_size)


def open_source(
    path: str,
    *,
    fmt: str | None = None,
    delimiter: str | None = None,
    header: bool | None = True,
    stdin: IO[bytes] | None = None,
) -> Source:
    """Open ``path`` (``'-'`` for stdin, ``'f.npz:key'`` for one NPZ member) as a :class:`Source`.

    ``fmt`` overrides format detection (see :mod:`losscli.io.detect`); ``delimiter`` overrides the
    sniffed CSV delimiter; ``header=False`` reads the first CSV row as data and names the columns
    ``'1'``..``'K'``; ``header=None`` guesses (a first row holding only numbers is data). ``stdin`` is the binary stream read for ``'-'`` (default ``sys.stdin.buffer``); it
    is read whole, because NPY/NPZ/Parquet readers need to seek.
    """
    fmt = normalize_format(fmt)
    delimiter = normalize_delimiter(delimiter)
    file_path, key = split_key(path)
    inp = _make_input(file_path, stdin)
    inp.given = path
    inner_name = split_compression(file_path)[0] if file_path != "-" else ""
    found = detect_format(inner_name or inp.name, inp.head(), fmt)
    if key is not None and found != "npz":
        raise ReadError(
            f"{path}: the ':{key}' suffix selects an array in an .npz file, but {inp.name} is read as {found}",
            hint="drop the suffix, or pass --format npz",
        )
    if found == "npy":
        from losscli.io.npy import NpySource

        return NpySource(inp)
    if found == "npz":
        from losscli.io.npy import NpzSource

        return NpzSource(inp, key)
    if found == "parquet":
        from losscli.io.parquet import ParquetSource

        return ParquetSource(inp)
    if found == "jsonl":
        from losscli.io.jsonl import JsonlSource

        return JsonlSource(inp, json_name=inner_name.lower().endswith(".json"))
    if found == "arrow":
        from losscli.io.arrow_ipc import ArrowIpcSource

        return ArrowIpcSource(inp)
    from losscli.io.csv_reader import CsvSource

    return CsvSource(inp, kind=found, delimiter=delimiter, header=header)
