"""Which format is a file in, and how is it compressed?

Detection order, for a path the user gave:

1. ``fmt`` (``--input-format``) when given: ``csv``, ``tsv``, ``npy``, ``npz``, ``parquet``, ``jsonl`` or ``arrow``.
2. The extension, after taking off a compression suffix: ``.csv`` → csv; ``.tsv``/``.tab`` → tsv;
   ``.txt`` → text (delimiter sniffed; JSON lines when the content is); ``.npy``; ``.npz``; ``.parquet``/``.pq``; ``.jsonl``/``.ndjson``/``.json``
   → jsonl; ``.arrow``/``.arrows``/``.feather``/``.ipc`` → arrow (IPC file or stream). The compression suffixes
   ``.gz``, ``.bz2``, ``.xz`` and ``.zst`` are decompressed (csvkit's rule), so ``preds.csv.gz`` is a
   gzipped CSV and ``preds.gz`` is gzipped something, sniffed after decompressing.
3. The content: ``\\x93NUMPY`` → npy, ``PK\\x03\\x04`` → npz (a zip of .npy files), ``PAR1`` → parquet,
   ``ARROW1`` or ``\\xff\\xff\\xff\\xff`` → arrow (IPC file or stream), text starting with ``{`` → jsonl,
   ``FEA1`` (Feather version 1) → refused with a hint,
   gzip/bzip2/xz/zstd magic → decompress and look again, text → CSV/TSV with the delimiter sniffed among
   ``,`` ``\\t`` ``;`` ``|`` (sqlite-utils' ``rows_from_file`` rule), a Python pickle → refused (never
   unpickled), anything else → "unknown format".

One refinement: a *text* extension never beats unmistakable binary magic. A ``.csv`` whose first bytes
are gzip or NPY magic cannot be read as UTF-8 text anyway, so it is read as what it is instead of failing
with a confusing encoding error. A binary extension (``.npy``) is trusted; its reader reports a bad file.

Nothing here imports numpy or pyarrow.
"""

from __future__ import annotations

import io
import os
import re
from typing import IO, Any

from losscli.errors import ReadError, UsageError

FORMATS = ("csv", "tsv", "npy", "npz", "parquet", "jsonl", "arrow")
TEXT_FORMATS = ("csv", "tsv")

#: extension → format; ``"text"`` means CSV or TSV by sniffing with ``,`` preferred.
EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".txt": "text",
    ".npy": "npy",
    ".npz": "npz",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".arrow": "arrow",
    ".arrows": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
}

#: extension → compression codec
COMPRESSIONS = {".gz": "gzip", ".gzip": "gzip", ".bz2": "bz2", ".xz": "xz", ".zst": "zstd", ".zstd": "zstd"}

_MAGIC_FORMATS = (
    (b"\x93NUMPY", "npy"),
    (b"PK\x03\x04", "npz"),
    (b"PK\x05\x06", "npz"),  # an empty zip
    (b"PAR1", "parquet"),
    (b"ARROW1", "arrow"),  # Arrow IPC file format (Feather v2)
    (b"\xff\xff\xff\xff", "arrow"),  # Arrow IPC stream format (a continuation marker first)
)

_MAGIC_COMPRESSIONS = (
    (b"\x1f\x8b", "gzip"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x28\xb5\x2f\xfd", "zstd"),
)

#: candidate delimiters, in order of preference when several fit equally well
DELIMITERS = (",", "\t", ";", "|")

#: how many bytes are looked at to sniff
SNIFF_BYTES = 64 * 1024

_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|", "space": " "}


def normalize_format(fmt: str | None) -> str | None:
    """Check a ``--format`` value; ``None``/``"auto"`` mean detect. ``pq`` and ``tab`` are accepted aliases."""
    if fmt is None:
        return None
    f = fmt.strip().lower().lstrip(".")
    f = {"pq": "parquet", "tab": "tsv", "auto": "", "ndjson": "jsonl", "json": "jsonl", "feather": "arrow",
         "ipc": "arrow"}.get(f, f)
    if f == "":
        return None
    if f not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", hint=f"choose one of {', '.join(FORMATS)}")
    return f


def normalize_delimiter(delimiter: str | None) -> str | None:
    """Check a ``--delimiter`` value. Accepts one character or ``tab``/``\\t``/``comma``/``semicolon``/``pipe``."""
    if delimiter is None:
        return None
    d = _DELIMITER_NAMES.get(delimiter.lower(), delimiter)
    if len(d) != 1 or d in ('"', "\r", "\n"):
        raise UsageError(
            f"bad delimiter {delimiter!r}",
            hint="give one character such as ',' or ';', or 'tab' for tab-separated files",
        )
    return d


def split_compression(name: str) -> tuple[str, str | None]:
    """``'a.csv.gz'`` → ``('a.csv', 'gzip')``; no compression suffix → ``(name, None)``."""
    base, ext = os.path.splitext(name)
    codec = COMPRESSIONS.get(ext.lower())
    if codec is None:
        return name, None
    return base, codec


def format_from_name(name: str) -> str | None:
    """The format the extension names (``'text'`` for ``.txt``), ignoring a compression suffix; else ``None``."""
    base, _ = split_compression(name)
    return EXTENSIONS.get(os.path.splitext(base)[1].lower())


def compression_from_magic(head: bytes) -> str | None:
    for magic, codec in _MAGIC_COMPRESSIONS:
        if head.startswith(magic):
            return codec
    return None


def format_from_magic(head: bytes) -> str | None:
    """``'npy'``, ``'npz'``, ``'parquet'`` or ``'arrow'`` from the first bytes; ``None`` for anything else."""
    for magic, fmt in _MAGIC_FORMATS:
        if head.startswith(magic):
            return fmt
    return None


def is_pickle(head: bytes) -> bool:
    """A pickle of protocol 2 to 5 (``\\x80`` then the protocol byte, then an opcode)."""
    return len(head) >= 3 and head[0] == 0x80 and 2 <= head[1] <= 5


def looks_like_text(head: bytes) -> bool:
    """True unless the bytes hold NULs or many control characters (so they are no CSV/TSV)."""
    if not head:
        return True
    if b"\x00" in head:
        return False
    control = sum(head.count(bytes([c])) for c in range(32) if c not in (9, 10, 12, 13, 27))
    return control <= max(1, len(head) // 100)


_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"), (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"), (b"\xfe\xff", "utf-16"),
)


def wide_encoding(head: bytes) -> str | None:
    """The encoding to convert from when the bytes are UTF-16 or UTF-32 text: ``'utf-16'``/``'utf-32'`` by
    the byte order mark, else ``'utf-16le'``, ``'utf-32be'``... by the pattern of NUL bytes that ASCII
    text has in them (every 2nd, or 3 of every 4 bytes); ``None`` for anything else."""
    for bom, enc in _BOMS:
        if head.startswith(bom):
            return enc
    sample = head[: 4096 - 4096 % 4]
    if len(sample) < 4 or b"\x00" not in sample:
        return None
    quads = [sample[i:i + 4] for i in range(0, len(sample) - 3, 4)]
    if sum(q.count(0) == 3 for q in quads) >= 0.9 * len(quads):
        return "utf-32le" if sum(q[0] != 0 for q in quads) >= 0.9 * len(quads) else "utf-32be"
    even, odd = sample[0::2], sample[1::2]
    if even.count(0) >= 0.9 * len(even) and odd.count(0) <= 0.1 * len(odd):
        return "utf-16be"
    if odd.count(0) >= 0.9 * len(odd) and even.count(0) <= 0.1 * len(even):
        return "utf-16le"
    return None


def check_text(name: str, head: bytes) -> None:
    """Refuse bytes that cannot be CSV/TSV text: UTF-16/32 (with the conversion that works) or a NUL byte."""
    enc = wide_encoding(head)
    if enc is not None:
        shown = name if name not in ("-", "<stdin>") else "FILE"
        raise ReadError(
            f"{name} is {enc.upper().replace('LE', '').replace('BE', '')} text; losscli reads CSV/TSV as UTF-8",
            hint=f"convert it first: iconv -f {enc} -t utf-8 {shown} > converted.csv",
        )
    nul = head.find(b"\x00")
    if nul >= 0:
        raise ReadError(
            f"{name} is not CSV/TSV text: it holds a NUL byte (offset {nul})",
            hint=f"give a CSV/TSV, NPY, NPZ or Parquet file, or name its format with --input-format ({', '.join(FORMATS)})",
        )


def binary_magic(head: bytes) -> bool:
    """The bytes start like a binary format losscli reads or a compressed stream."""
    return format_from_magic(head) is not None or compression_from_magic(head) is not None or is_pickle(head)


def _looks_like_json_lines(head: bytes) -> bool:
    """Text whose first line is a JSON object (``{...``) or a JSON array (``[...]``)."""
    first = head.lstrip(b"\xef\xbb\xbf \t\r\n").split(b"\n", 1)[0].strip()
    return first.startswith(b"{") or (first.startswith(b"[") and first.endswith(b"]"))


def _first_line_is_json(head: bytes) -> bool:
    """The first line of ``head`` parses as a JSON object or array (a line longer than ``head``: it opens as
    one, which has to do)."""
    if not _looks_like_json_lines(head):
        return False
    import json

    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"\n" not in text:  # a first line longer than the head: its opening `{` or `[` has to do
        return True
    first = text.split(b"\n", 1)[0]
    try:
        return isinstance(json.loads(first), (dict, list))
    except ValueError:  # also a UnicodeDecodeError
        return False


def _count_outside_quotes(line: str, delimiter: str) -> int:
    if '"' not in line:
        return line.count(delimiter)
    n = 0
    quoted = False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == delimiter and not quoted:
            n += 1
    return n


def sniff_delimiter(sample: str, default: str = ",") -> str:
    """Pick the delimiter among ``,`` ``\\t`` ``;`` ``|`` from the first lines of a text sample.

    For every candidate that occurs in the first (header) line, count the sampled lines that hold it
    exactly as often as the first line does (outside double quotes). The candidate with the most such
    lines wins; ties go to ``default`` (the extension's delimiter), then to the order above. A sample in
    which no candidate occurs in the first line is a one-column file and keeps ``default`` — unless every
    line is the same number (two or more) of numbers separated by single spaces, as ``np.savetxt`` writes
    by default, below a first line of as many numbers or names (a header, ``y p``; or names one fewer, R's
    ``write.table(quote = FALSE)`` over rows that start with their row names), or every line is what R's
    ``write.table`` writes by default (:func:`_r_space_table`: numbers and quoted texts): then the delimiter
    is a space.
    """
    lines = sample.splitlines()
    if len(lines) > 1 and not sample.endswith(("\n", "\r")):
        lines = lines[:-1]  # the last line may be cut off by the sample size
    lines = [ln for ln in lines[:100] if ln.strip()]
    if not lines:
        return default
    best, best_score = default, 0
    candidates = (default,) + tuple(d for d in DELIMITERS if d != default)
    tied: list[str] = []
    for d in candidates:
        expected = _count_outside_quotes(lines[0], d)
        if expected == 0:
            continue
        score = sum(1 for ln in lines if _count_outside_quotes(ln, d) == expected)
        if score > best_score:
            best, best_score, tied = d, score, [d]
        elif score == best_score:
            tied.append(d)
    if len(tied) > 1 and not _all_numbers(lines, best):
        # 1;0,9 with no header (Excel's semicolons beside decimal commas): the one cutting into numbers only
        best = next((d for d in tied if _all_numbers(lines, d)), best)
    if best_score == 0 and _space_separated_numbers(lines[1:] or lines) and (
            len(lines) == 1 or len(lines[0].split(" ")) == len(lines[1].split(" ")) or _names_one_short(lines)):
        return " "
    if best_score == 0 and _r_space_table(lines):
        return " "
    return best


def _names_one_short(lines: list[str]) -> bool:
    """A first line of names (no number among them) one fewer than the numbers of the line below, as R's
    ``write.table(quote = FALSE)`` writes a header over rows that start with their row names."""
    names = lines[0].split(" ")
    return len(names) + 1 == len(lines[1].split(" ")) and all(n and not _is_float(n) for n in names)


_DECIMAL_COMMA_NUMBER = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")


def _all_numbers(lines: list[str], delimiter: str) -> bool:
    """Whether ``lines`` cut at ``delimiter`` are numbers only, with a decimal point or comma (``0,9``), or
    empty cells (a delimiter ending a row)."""
    for ln in lines:
        for cell in ln.split(delimiter):
            cell = cell.strip().strip('"').strip()
            if cell and not _is_float(cell) and not _DECIMAL_COMMA_NUMBER.fullmatch(cell):
                return False
    return True


#: what R's write.table writes unquoted besides numbers: missing values, logicals, infinities
_R_WORDS = frozenset({"NA", "NaN", "Inf", "-Inf", "TRUE", "FALSE"})


def _split_spaces(line: str) -> list[str] | None:
    """``line`` cut at single spaces outside double quotes (``None``: a quote left open, or two spaces in a
    row — padding, not R's single space)."""
    cells, cell, quoted = [], [], False
    for ch in line:
        if ch == '"':
            quoted = not quoted
        elif ch == " " and not quoted:
            cells.append("".join(cell))
            cell = []
            continue
        cell.append(ch)
    cells.append("".join(cell))
    if quoted or "" in cells:
        return None
    return cells


def _r_space_table(lines: list[str]) -> bool:
    """The lines are what R's ``write.table`` writes by default (``sep = " "``): rows of as many cells each
    (two or more), numbers, ``NA``, ``TRUE``/``FALSE`` or quoted texts (row names, factors), under a header
    of quoted names, one per column, or one fewer (no name for the row names; ``""`` with ``col.names =
    NA``), or under no header. Some quoted cell is needed: unquoted numbers are ``np.savetxt``'s, checked
    apart."""
    rows = [_split_spaces(ln.rstrip("\r")) for ln in lines]
    if any(r is None for r in rows) or not rows:
        return False
    head = rows[0]
    assert head is not None
    quoted = all(len(c) >= 2 and c[0] == '"' and c[-1] == '"' for c in head)
    data = rows[1:] if quoted and len(rows) > 1 else rows
    width = len(data[0] or [])
    if width < 2 or any(len(r or []) != width for r in data):
        return False
    if data is not rows and len(head) not in (width, width - 1):
        return False
    some_quote = data is not rows
    for r in data:
        for c in r or []:
            if len(c) >= 2 and c[0] == '"' and c[-1] == '"' and '"' not in c[1:-1]:
                some_quote = True
            elif c not in _R_WORDS and not _is_float(c):
                return False
    return some_quote


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _space_separated_numbers(lines: list[str]) -> bool:
    """Every line: the same number (≥ 2) of numbers, separated by single spaces."""
    width = None
    for ln in lines:
        cells = ln.split(" ")
        if len(cells) < 2 or (width is not None and len(cells) != width):
            return False
        width = len(cells)
        for c in cells:
            try:
                float(c)
            except ValueError:
                return False
    return True


def text_format(delimiter: str) -> str:
    """The format name reported for a delimited text file: ``'tsv'`` for tabs, else ``'csv'``."""
    return "tsv" if delimiter == "\t" else "csv"


def detect_format(name: str, head: bytes, fmt: str | None = None) -> str:
    """The format of a (decompressed) file from ``fmt``, its name and its first bytes.

    Returns ``'csv'``, ``'tsv'``, ``'text'`` (delimited text with no format implied by the name: sniff
    with ``,`` preferred), ``'npy'``, ``'npz'``, ``'parquet'``, ``'jsonl'`` or ``'arrow'``. Raises :class:`ReadError` for content
    that is neither one of the binary formats nor text.
    """
    fmt = normalize_format(fmt)
    if fmt is not None:
        if fmt in ("csv", "tsv", "text"):
            check_text(name, head)
        return fmt
    by_name = format_from_name(name)
    by_magic = format_from_magic(head)
    if by_name in (None, "arrow") and head.startswith(b"FEA1"):
        raise ReadError(
            f"{name} is a Feather version 1 file (a format pyarrow deprecates), which losscli does not read",
            hint="re-save it as Feather version 2 (pandas' DataFrame.to_feather or pyarrow.feather.write_feather)",
        )
    if by_name is not None and by_name not in ("csv", "tsv", "text"):
        return by_name
    if by_magic is not None:
        return by_magic
    if is_pickle(head):
        raise ReadError(
            f"{name} is a Python pickle: refused, never unpickled (loading a pickle can run code)",
            hint="save the data as CSV, NPY (numpy.save with a numeric dtype) or Parquet",
        )
    if by_name is not None:
        check_text(name, head)
        # ".txt" says text, not which: JSON lines in it are read as such (a first line that parses as a JSON
        # object or array; a CSV header such as `[y],[p]` does not)
        return "jsonl" if by_name == "text" and _first_line_is_json(head) else by_name
    if wide_encoding(head):
        check_text(name, head)
    if looks_like_text(head):
        return "jsonl" if _looks_like_json_lines(head) else "text"
    raise ReadError(
        f"{name}: unknown format (not CSV/TSV text, JSON lines, NPY, NPZ, Parquet or Arrow IPC/Feather)",
        hint="save the data as CSV, JSON lines, NPY (numpy.save), NPZ, Parquet or Feather",
    )


def open_decompressed(raw: IO[bytes], codec: str, name: str) -> IO[bytes]:
    """Wrap a binary stream in a decompressing reader for ``codec`` (``gzip``, ``bz2``, ``xz``, ``zstd``).

    ``zstd`` uses pyarrow's zstd codec (pyarrow is a dependency of losscli), else the optional ``zstandard``
    package (:class:`_ZstdFrames`), else fails with a ReadError saying ``pip install zstandard``. Either
    reader refuses a stream that ends inside a frame (a file cut short), where ``zstandard``'s own
    ``stream_reader`` ends quietly and hands out the rows of the blocks before the cut.
    """
    if codec == "gzip":
        import gzip

        return gzip.GzipFile(fileobj=raw, mode="rb")
    if codec == "bz2":
        import bz2

        return bz2.BZ2File(raw, mode="rb")
    if codec == "xz":
        import lzma

        return lzma.LZMAFile(raw, mode="rb")
    if codec == "zstd":
        stream = _arrow_zstd(raw)
        if stream is not None:
            return stream
        try:
            import zstandard
        except ImportError:
            zstandard = None
        if zstandard is not None:
            return io.BufferedReader(_ZstdFrames(raw, zstandard.ZstdDecompressor()))
        raise ReadError(
            f"{name} is zstd-compressed and no zstd decompressor is installed",
            hint="pip install zstandard",
        )
    raise ValueError(f"unknown compression {codec!r}")


def zstd_cut_short(fh: IO[bytes]) -> bool:
    """Whether the zstd stream in the seekable binary file ``fh`` ends inside a frame (the file was cut short),
    found by walking its frames' headers and blocks without decompressing (RFC 8878): a reader that ends
    quietly there (``zstandard``'s, which fsspec and so Dask use) would hand out the rows before the cut."""
    end = fh.seek(0, os.SEEK_END)
    at = 0
    while at < end:
        fh.seek(at)
        head = fh.read(4)
        if len(head) < 4:
            return True
        magic = int.from_bytes(head, "little")
        if 0x184D2A50 <= magic <= 0x184D2A5F:  # a skippable frame: its size follows
            size = fh.read(4)
            if len(size) < 4:
                return True
            at += 8 + int.from_bytes(size, "little")
            continue
        if magic != 0xFD2FB528:
            return False  # not zstd (or trailing data): the decompressor says so
        descriptor = fh.read(1)
        if not descriptor:
            return True
        d = descriptor[0]
        single, checksum = bool(d & 0x20), bool(d & 0x04)
        content_size = (1 if single else 0, 2, 4, 8)[d >> 6]
        at += 5 + (0 if single else 1) + (0, 1, 2, 4)[d & 3] + content_size
        while True:  # the blocks: a 3-byte header (last block, type, size), then its content
            fh.seek(at)
            header = fh.read(3)
            if len(header) < 3:
                return True
            h = int.from_bytes(header, "little")
            at += 3 + (1 if (h >> 1) & 3 == 1 else h >> 3)  # an RLE block holds one byte
            if h & 1:
                break
        at += 4 if checksum else 0
    return at > end


def _arrow_zstd(raw: IO[bytes]) -> IO[bytes] | None:
    try:
        import pyarrow as pa
    except ImportError:
        return None
    if not pa.Codec.is_available("zstd"):
        return None
    return pa.CompressedInputStream(pa.PythonFile(raw, mode="r"), "zstd")


class _ZstdFrames(io.RawIOBase):
    """zstd frames one after another (as ``zstd`` and ``pzstd`` write them), decompressed with ``zstandard``;
    the end of the input inside a frame is an :class:`EOFError` (the file was cut short). The input is fed
    in pieces of :attr:`PIECE` bytes, so that one piece gives at most 32 MiB (a zstd block of 128 KiB
    takes at least 4 bytes) and the decompression guard sees a bomb before it fills the memory."""

    PIECE = 1024

    def __init__(self, raw: IO[bytes], decompressor: Any) -> None:
        self._raw = raw
        self._dctx = decompressor
        self._frame: Any = None  # the frame being decompressed, if any
        self._out = b""
        self._at = 0
        self._done = False

    def readable(self) -> bool:
        return True

    def readinto(self, b: Any) -> int:
        while self._at >= len(self._out):
            if self._done:
                return 0
            self._more()
        n = min(len(b), len(self._out) - self._at)
        b[:n] = self._out[self._at : self._at + n]
        self._at += n
        return n

    def _more(self) -> None:
        data = self._raw.read(self.PIECE)
        if not data:
            if self._frame is not None:
                raise EOFError("the data ends inside a zstd frame: the file was cut short")
            self._done = True
            return
        parts = []
        while data:
            if self._frame is None:
                self._frame = self._dctx.decompressobj()
            parts.append(self._frame.decompress(data))
            if not self._frame.eof:
                break
            data, self._frame = self._frame.unused_data, None  # the next frame starts here
        self._out, self._at = b"".join(parts), 0

    def close(self) -> None:
        if not self.closed:
            self._raw.close()
        super().close()


def decompress_bytes(data: bytes, codec: str, name: str) -> bytes:
    """Decompress a whole buffer (stdin, a pipe) into memory.

    At most ``LOSSCLI_MAX_MEMORY_BYTES`` may come out, and a ratio above
    ``LOSSCLI_MAX_DECOMPRESSION_RATIO`` is refused as a decompression bomb (see :mod:`losscli.io.limits`):
    the output is produced in blocks and checked after each one.
    """
    import io

    from losscli.io.limits import DecompressionGuard, max_memory_bytes

    raw = io.BytesIO(data)
    guard = DecompressionGuard(name, codec, raw, cap=max_memory_bytes())
    parts = []
    try:
        with open_decompressed(raw, codec, name) as f:
            while True:
                block = f.read(1 << 20)
                if not block:
                    break
                guard.add(len(block))
                parts.append(block)
    except (ReadError, MemoryError):
        raise
    except Exception as exc:  # gzip.BadGzipFile, lzma.LZMAError, OSError, EOFError, zstd errors
        raise ReadError(f"{name}: cannot decompress ({codec}): {exc}") from None
    return b"".join(parts)
