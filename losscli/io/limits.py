"""Resource limits of the readers: what a hostile or broken input may cost before it is refused.

Every limit has a default (the constants below) and an environment variable that overrides it; sizes
accept a ``K``/``M``/``G`` suffix (powers of 1024). An input over a limit is a
:class:`~losscli.errors.ReadError` (exit 3) that names the file, the limit and the variable; a bad
value of a variable is a :class:`~losscli.errors.UsageError` (exit 2).

==================================  =================  =========================================================
variable                            default            what it bounds
==================================  =================  =========================================================
``LOSSCLI_MAX_LINE_BYTES``          16M                one CSV/TSV/JSON line (the header, or one row)
``LOSSCLI_MAX_COLUMNS``             262144             columns of one file (CSV header, NPY 2nd axis, Parquet):
                                                       a language model's logits over a 256k-token vocabulary
``LOSSCLI_MAX_MEMORY_BYTES``        2G                 an input that must be held whole in memory: stdin, a
                                                       pipe, a compressed NPY/NPZ/Parquet file, an NPZ member
``LOSSCLI_MAX_DECOMPRESSION_RATIO`` 100                decompressed ÷ compressed bytes, checked once more than
                                                       16 MiB came out (0 turns the check off)
==================================  =================  =========================================================

Everything else is streamed (CSV/TSV on disk, compressed or not; NPY on disk, read by rows;
Parquet and Arrow IPC record batches), so peak memory follows the chunk size, not the file size.
"""

from __future__ import annotations

import os
from typing import IO, Any

from losscli.errors import ReadError, UsageError

MAX_LINE_BYTES = 16 << 20
MAX_COLUMNS = 1 << 18
MAX_MEMORY_BYTES = 2 << 30
MAX_DECOMPRESSION_RATIO = 100.0
#: the ratio is only checked once this many bytes were decompressed (small files compress as they like)
RATIO_GRACE_BYTES = 16 << 20

_DEFAULTS = {
    "LOSSCLI_MAX_LINE_BYTES": "MAX_LINE_BYTES",
    "LOSSCLI_MAX_COLUMNS": "MAX_COLUMNS",
    "LOSSCLI_MAX_MEMORY_BYTES": "MAX_MEMORY_BYTES",
    "LOSSCLI_MAX_DECOMPRESSION_RATIO": "MAX_DECOMPRESSION_RATIO",
}
_SUFFIXES = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30, "t": 1 << 40}


def _parse(var: str, text: str, ratio: bool) -> float:
    t = text.strip().lower().removesuffix("b").removesuffix("i")
    scale = 1
    if t and t[-1] in _SUFFIXES and not ratio:
        scale = _SUFFIXES[t[-1]]
        t = t[:-1]
    try:
        value = float(t) * scale
    except ValueError:
        value = -1.0
    if not (value >= 0 if ratio else value >= 1) or value != value:
        raise UsageError(
            f"bad value {text!r} of the environment variable {var}",
            hint="give a non-negative number" if ratio else "give a positive size such as 100000 or 64M",
        )
    return value


def get(var: str) -> float:
    """The limit named by the environment variable ``var`` (its module default when unset)."""
    ratio = var == "LOSSCLI_MAX_DECOMPRESSION_RATIO"
    text = os.environ.get(var)
    if text is None or not text.strip():
        return float(globals()[_DEFAULTS[var]])
    return _parse(var, text, ratio)


def max_line_bytes() -> int:
    return int(get("LOSSCLI_MAX_LINE_BYTES"))


def max_columns() -> int:
    return int(get("LOSSCLI_MAX_COLUMNS"))


def max_memory_bytes() -> int:
    return int(get("LOSSCLI_MAX_MEMORY_BYTES"))


def max_ratio() -> float:
    return get("LOSSCLI_MAX_DECOMPRESSION_RATIO")


def human(n: float) -> str:
    """``16777216`` → ``'16 MiB'``."""
    for unit, size in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if n >= size:
            v = n / size
            return f"{v:.0f} {unit}" if v == int(v) else f"{v:.1f} {unit}"
    return f"{int(n)} bytes"


def check_columns(name: str, n: int) -> None:
    """Refuse a file with more than ``LOSSCLI_MAX_COLUMNS`` columns."""
    limit = max_columns()
    if n > limit:
        raise ReadError(
            f"{name} has {n} columns, more than the limit of {limit}",
            hint="select fewer columns before saving, or raise the limit with LOSSCLI_MAX_COLUMNS",
        )


def too_large(name: str, what: str, limit: int) -> ReadError:
    """``what`` (``'standard input'``, ``'the member a.npy'``) is larger than the memory limit."""
    return ReadError(
        f"{name}: {what} is larger than the {human(limit)} that may be held in memory",
        hint="give it as an uncompressed file on disk (CSV, NPY and Parquet files are streamed), or raise "
        "the limit with LOSSCLI_MAX_MEMORY_BYTES",
    )


def read_upto(stream: IO[bytes], n: int, block: int = 1 << 20) -> bytes:
    """At most ``n`` bytes (fewer at the end of the stream), read in blocks: ``read(n)`` with a large ``n``
    would allocate ``n`` bytes up front (BufferedReader, bz2), whatever the stream holds."""
    if n < 0:
        n = 1 << 62
    parts = []
    got = 0
    while got < n:
        data = stream.read(min(block, n - got))
        if not data:
            break
        if isinstance(data, str):  # a text stream was passed
            data = data.encode("utf-8")
        parts.append(data)
        got += len(data)
    return b"".join(parts)


def read_capped(stream: IO[bytes], name: str, what: str, limit: int | None = None,
                 check_head: Any = None) -> bytes:
    """Read a whole stream, refusing more than ``LOSSCLI_MAX_MEMORY_BYTES`` as soon as it is exceeded.

    ``check_head(first_bytes)`` may refuse the stream after its first block (``/dev/zero`` is no CSV),
    before the rest is read. Peak memory stays near the limit: the blocks are joined only when the whole
    stream fits.
    """
    limit = max_memory_bytes() if limit is None else limit
    block = 1 << 20
    parts: list[bytes] = []
    got = 0
    while got <= limit:
        data = stream.read(min(block, limit + 1 - got))
        if not data:
            break
        if isinstance(data, str):  # a text stream was passed
            data = data.encode("utf-8")
        if check_head is not None and not parts:
            check_head(data)
        parts.append(data)
        got += len(data)
    if got > limit:
        parts.clear()
        raise too_large(name, what, limit)
    if len(parts) == 1:
        return parts[0]
    out = bytearray(got)
    view = memoryview(out)
    pos = 0
    while parts:  # copy and free block by block: the peak is one block above the data
        piece = parts.pop(0)
        view[pos:pos + len(piece)] = piece
        pos += len(piece)
    view.release()
    return out  # type: ignore[return-value]  # a bytearray: bytes(out) would double the peak


class DecompressionGuard:
    """Counts decompressed against compressed bytes and refuses a decompression bomb.

    ``consumed()`` returns the compressed bytes read so far (the raw stream's position); ``cap`` is the
    most that may be decompressed at all (for data held in memory), ``None`` for a stream.
    """

    def __init__(self, name: str, codec: str, raw: Any, cap: int | None = None) -> None:
        self.name = name
        self.codec = codec
        self.raw = raw
        self.cap = cap
        self.ratio = max_ratio()
        self.out = 0

    def consumed(self) -> int:
        try:
            return max(1, int(self.raw.tell()))
        except (OSError, ValueError, AttributeError):
            return 1

    def add(self, n: int) -> None:
        self.out += n
        if self.cap is not None and self.out > self.cap:
            raise too_large(self.name, f"the decompressed content ({self.codec})", self.cap)
        if self.ratio and self.out > RATIO_GRACE_BYTES:
            used = self.consumed()
            if self.out > self.ratio * used:
                raise ReadError(
                    f"{self.name}: refusing to decompress ({self.codec}) past {human(self.out)} from "
                    f"{human(used)}: a ratio above {self.ratio:g}:1 looks like a decompression bomb",
                    hint="if the file is genuine, raise the limit with LOSSCLI_MAX_DECOMPRESSION_RATIO "
                    "(0 turns the check off)",
                )
