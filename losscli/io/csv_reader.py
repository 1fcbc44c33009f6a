"""CSV/TSV reader: stdlib ``csv`` + numpy for small inputs, pyarrow's streaming reader for large ones.

Two engines read the same grammar and give the same arrays (the tests read every edge case both ways):

- ``stdlib``: inputs under :data:`SMALL_INPUT_BYTES` (on disk, or buffered from stdin; for a compressed
  file, its decompressed content). No pandas, no pyarrow: ``losscli`` on a 10-row file starts in the time
  it takes to import numpy. Parses the whole file, then cuts chunks.
- ``arrow``: larger inputs, streamed with ``pyarrow.csv.open_csv`` in blocks sized from ``chunk_rows`` and
  the average row length, every requested column first read as float64 (the fastest path). A column
  with a cell that does not parse as a float makes the reader restart from the current chunk with that
  column read as text, which is then converted chunk by chunk exactly as the stdlib engine does.
  A plain file on disk on a machine with two cores or more is first parsed in line-aligned blocks on
  worker threads by the same pyarrow parser with the same options (:mod:`losscli.io.csv_blocks`: 0.26 s
  instead of 0.43 s for the 106 MB file below), or by the compiled parser of plain numbers where it is
  built and takes the block (:mod:`losscli.io.csv_floats`: the same bits, 0.15 s); where it cannot be cut
  at line ends, or a block does not parse, the streaming reader reads on from the rows already taken, and
  reports any error with its row.

Measured on this machine (2 shared cores, Python 3.11, numpy 2.4.6, pyarrow 26.0.1, pandas 3.1.1) on a
1,000,000-row × 10-column float CSV (``%.6f``, 95 MB), to float64 arrays, best of 3. "Fresh process"
includes interpreter start and every import; "in process" is the read alone, imports done.

=====================================================  =============  ==================  ===========
reader                                                 fresh process  in process          rows/s
=====================================================  =============  ==================  ===========
losscli arrow engine, whole file                       0.87 s         0.66 s              1.5 M
losscli arrow engine, ``chunk_rows=65536``             0.90 s         0.72 s              1.4 M
losscli arrow engine, 2 of the 10 columns, chunked     0.54 s         0.30 s              3.3 M
pandas ``read_csv`` C engine, ``chunksize=65536``      0.99 s         0.67 s              1.5 M
pyarrow ``open_csv``, inferred types, 1 MiB blocks     --             1.23 s              0.8 M
pyarrow ``open_csv``, all text then ``cast``, 4 MiB    --             0.75 s              1.3 M
losscli stdlib engine (``csv`` + ``np.array``)         10.7 s         9.3–13.5 s (load)   0.1 M
=====================================================  =============  ==================  ===========

pyarrow with declared float64 columns is as fast as pandas' C reader once imported, imports in a third
of the time (0.05–0.13 s against 0.46 s), and unlike pandas rejects rows with too *few* cells (pandas pads
them with NaN), so it is the large-file engine. Note that ``pyarrow.Array.to_numpy()`` imports pandas
(+0.4 s), so :mod:`losscli.io._arrow` converts from the buffers instead. The stdlib engine parses 13–23
MB/s (0.14–0.24 M rows/s of 10 columns); importing pyarrow costs at least 0.05 s, so the engines break even
near 1 MB (:data:`SMALL_INPUT_BYTES`): a 2,000-row file reads in 0.12 s in a fresh process, most of it
``import numpy``.

Rules both engines follow:

- a header row unless ``header=False`` (then columns are ``'1'``..``'K'``); ``header=None`` guesses (see
  :func:`guess_header`: a first row of numbers is data); header names are stripped,
  an empty header cell is named by its position, a repeated name gets a ``_2``, ``_3`` suffix;
  blank lines before the header are skipped;
- UTF-8, with or without a BOM; CRLF or LF; ``"``-quoted fields (``"0.5"`` is the number 0.5, a
  doubled ``""`` is a quote); whitespace around cells is ignored;
- a blank line is a row of empty cells, and an empty cell is NaN (in a text column, ``""``): never skipped;
- a file that ends inside a quoted cell (a quote never closed) is a ReadError, as in pandas: the parsers
  would read every row after the quote into that cell (:mod:`losscli.io.csv_quotes`);
- a comma-separated file whose rows are two integers (under no header, or one name) that a decimal comma
  wrote (``-0,22``, ``1,05``: :func:`decimal_comma_column`) is a ReadError, unless the delimiter is given;
- a number is anything Python's ``float()`` accepts (``1e-3``, ``nan``, ``-inf``, ``+.5``); a chunk of a
  column holding any other text comes as an ``object`` array of the stripped texts;
- a row with more or fewer cells than the header, bytes that are not UTF-8, an empty file and a
  header without rows raise :class:`~losscli.errors.ReadError` naming the file and the row or line;
- limits (:mod:`losscli.io.limits`): a line longer than ``LOSSCLI_MAX_LINE_BYTES`` (16 MiB) or a header of
  more than ``LOSSCLI_MAX_COLUMNS`` (100,000) columns is a ReadError; neither engine holds more than a
  few blocks of the file, so a pathological file costs bounded memory. Compressed files are
  decompressed as a stream, under the decompression-bomb guard.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import math
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from losscli.column_names import names_a_role
from losscli.errors import EmptyContentError, HeaderOnlyError, Location, ReadError
from losscli.io import csv_blocks, csv_floats, csv_quotes, limits
from losscli.io._arrow import to_float64
from losscli.io.base import LOGICAL, MISSING, Chunk, Input, Source, first_cells, rechunk
from losscli.io.detect import SNIFF_BYTES, sniff_delimiter, text_format
from losscli.io.plain_numbers import all_plain

#: inputs smaller than this are parsed with the stdlib engine (compressed files count 4× their size)
SMALL_INPUT_BYTES = 1 << 20

#: arrow block size bounds (bytes)
MIN_BLOCK = 1 << 18
#: pyarrow reads up to 32 blocks ahead of the parser (its background reader), so a reader holds about 32 ×
#: the block size: 256 KiB blocks bound that to 8 MiB per file (three files read in step: 24 MiB), and
#: larger blocks do not read faster here.
MAX_BLOCK = 1 << 18

_BOM = b"\xef\xbb\xbf"
#: a number written with a decimal comma (``0,9``, ``-,5``)
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+([eE][+-]?\d+)?")
#: the first line Excel reads as the delimiter to use (``sep=;``)
_EXCEL_SEP = re.compile(r"sep=([^\r\n\"])\r?\n")


# --------------------------------------------------------------------------------------------------
# cell conversion, shared by both engines


def _clean(cell: str | None) -> str:
    """Strip whitespace; unwrap a quoted cell that had spaces before its opening quote."""
    if cell is None:
        return ""
    t = cell.strip()
    if len(t) >= 2 and t[0] == '"' and t[-1] == '"':
        t = t[1:-1].replace('""', '"').strip()
    return t


def cells_to_text(cells: Any) -> np.ndarray:
    """Cell texts exactly as written (stripped; missing as ``""``), for keys: never parsed as numbers."""
    out = np.empty(len(cells), dtype=object)
    out[:] = [_clean(c) for c in cells]
    return out


def cells_to_array(cells: Any) -> np.ndarray:
    """Cell texts (``None`` = missing) → float64 (empty → NaN), or an object array of stripped texts (also where
    a cell holds what only Python reads as a number: :mod:`~losscli.io.plain_numbers`)."""
    with contextlib.suppress(ValueError, TypeError):
        if all_plain(cells):
            return np.array(cells, dtype=np.float64)
    texts = [_clean(c) for c in cells]
    if all_plain(texts):
        with contextlib.suppress(ValueError):
            return np.array([t if t else "nan" for t in texts], dtype=np.float64)
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


# --------------------------------------------------------------------------------------------------


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1


def _utf8_error(name: str, data: bytes, exc: UnicodeDecodeError, base_line: int = 1) -> ReadError:
    line = base_line + data.count(b"\n", 0, exc.start)
    bad = data[exc.start : exc.start + 1].hex()
    return ReadError(
        f"byte 0x{bad} is not valid UTF-8",
        hint="re-save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`)",
        location=Location(array="", file=name, file_row=line),
    )


def _decode_head(name: str, head: bytes, complete: bool) -> str:
    try:
        return head.decode("utf-8")
    except UnicodeDecodeError as exc:
        if not complete and exc.start >= len(head) - 3 and "unexpected end" in exc.reason:
            return head[: exc.start].decode("utf-8")  # a character cut by the sample size
        raise _utf8_error(name, head, exc) from None


def _is_number(cell: str) -> bool:
    try:
        float(_clean(cell))
    except ValueError:
        return False
    return True


def _savetxt_header(text: str, delimiter: str | None, default: str) -> tuple[str, str] | None:
    """``np.savetxt(…, header=…)`` writes its header after ``# `` (its default ``comments``): (the text with
    the mark taken off, its delimiter) when the first line is such a header — as many names as the next
    line holds numbers — else ``None`` (a comment above a header of its own is refused, with a hint)."""
    if not text.startswith("# "):
        return None
    stripped = text[2:]
    lines = stripped.splitlines()
    if len(lines) < 2:
        return None
    d = delimiter or sniff_delimiter(stripped, default)
    names = next(csv.reader([lines[0]], delimiter=d), [])
    first = next(csv.reader([lines[1]], delimiter=d), [])
    if len(names) < 1 or len(names) != len(first) or not all(_is_number(c) for c in first):
        return None
    if any(_is_number(n) for n in names):
        return None
    return stripped, d


def guess_header(first: list[str], name: str, notes: list[str], delimiter: str = ",",
                 below: Callable[[], list[list[str]]] | None = None, text: str | None = None) -> bool:
    """Is the first row a header? Not when its cells are numbers, or missing values beside numbers (a
    trailing delimiter, a null: ``np.savetxt`` and ``awk`` write no header), except for pandas' default
    column names ``0,1,…,K−1`` (a frame or a ``Series`` without names), which are read as a header. Logical
    values (``TRUE``, ``false``: what Spark, ``data.table::fwrite`` and Julia write without a header) count as
    numbers beside a number (``TRUE,0.7``); a row of them alone is data when it holds one twice over columns
    of logical values (``below()`` gives the rows that follow): ``False,True`` is a header of class names
    (pandas' ``get_dummies``, a classifier's ``classes_``), and so is a lone ``True``. An empty first cell is an index's name
    (pandas' ``to_csv()``, R's ``write.csv``): a header, whatever follows it — but for a space delimiter, where
    it is the padding of aligned columns. Either guess on numbers is noted, naming the option that overrides
    it."""
    cells = [_clean(c) for c in first]
    if cells and cells[0] == "" and delimiter != " ":
        return True
    numbers = [c for c in cells if c.lower() not in MISSING]
    logical = [c.lower() in LOGICAL for c in numbers]
    if numbers and all(logical) and not _logical_row_is_data(cells, numbers, below):
        return True
    shown = first_cells(cells, cut=12)
    if not numbers:
        return True
    if len(cells) > _MAX_COLUMNS_COMPARED:  # a wide row: names unless numbers, as soon as a word is met
        if not all(_numeric(c, delimiter) for c in cells):
            return True
    else:
        numeric = [_numeric(c, delimiter) for c in cells]  # (a decimal comma beside another delimiter, 1;0,9,
        if not all(numeric):  # is a number: refused when read)
            if (word := word_repeated_below(cells, numeric, below, delimiter, text)) is None:
                return True
            notes.append(f"{name}: the first row ({shown}) is read as data, not as a header: {word!r} is also a "
                         "value of its column below (pass --header if it is one)")
            return False
    pandas_names = [str(k) for k in range(len(numbers))]
    if cells == pandas_names:
        notes.append(f"{name}: the first row ({shown}) is read as a header (pandas' default column names); "
                     "pass --no-header if it is data")
        return True
    kind = ("logical values" if all(logical) else "numbers and logical values" if any(logical) else "numbers")
    notes.append(f"{name}: the first row ({shown}) holds {kind}, not names: it is read as data, not as a header "
                 "(pass --header if it is one)")
    return False


#: a first row of more words than this beside numbers is names; wider than this, its rows below are not parsed
_MAX_WORDS_IN_A_SAMPLE, _MAX_COLUMNS_COMPARED = 8, 1024


def _numeric(cell: str, delimiter: str) -> bool:
    """Is ``cell`` (cleaned) a number, a logical value or missing (a decimal comma beside another delimiter
    counts)?"""
    c = cell.lower()
    return c in MISSING or c in LOGICAL or _is_number(c) or (delimiter != "," and bool(_DECIMAL_COMMA.fullmatch(c)))


def word_repeated_below(cells: list[str], numeric: list[bool], below: Callable[[], list[list[str]]] | None,
                        delimiter: str = ",", text: str | None = None) -> str | None:
    """Is a first row holding words beside other cells a sample? ``cat,0.3,0.7`` is the first row of a file
    without a header whose labels are class names (``np.savetxt(fmt="%s")``, ``df.to_csv(header=False)``, R's
    ``write.table(col.names = FALSE)``). It is when one of its words is a value of its own column in another row
    below (not in a copy of the whole row: a header written again, files run together), its cells could open
    their columns (:func:`kinds_agree`), and none of its words is a role's name that its column below does not
    hold (``id`` beside ``y`` over ``y``/``n`` labels): then (that word), else ``None``. No header names a column
    after one of its values: headers of names (``label,0,1,2`` over class names, ``y,0.1,0.5`` over numbers,
    ``id,0.0,1.0`` over ids written once, ``0,1,spam`` over probabilities) stay headers, and so do a lone
    ``cat``, which no other cell can show to be a sample, and a role's name its column holds (``y`` over ``y``/``n``
    labels: the column's name as likely as a first label). ``below()`` gives the rows that follow, parsed only
    when a word is written again as a whole cell in ``text`` (the sampled text) and the row is narrow."""
    words = [j for j, is_numeric in enumerate(numeric) if not is_numeric]
    if (below is None or len(cells) < 2 or len(words) > _MAX_WORDS_IN_A_SAMPLE
            or len(cells) > _MAX_COLUMNS_COMPARED):
        return None
    if text is not None:  # a word written again as a whole cell (the first line aside): else a header, unparsed
        rest = text[text.find("\n") + 1:]
        d = re.escape(delimiter)
        if not any(re.search(rf'(?:^|{d})[ \t]*"?{re.escape(cells[j])}"?[ \t]*(?:{d}|\r|$)', rest, re.MULTILINE)
                   for j in words):
            return None
    rows = [[_clean(c) for c in r[:len(cells)]] for r in below() if r]
    held = _held_below(cells, words, rows)
    # a role's name its column holds (y over y/n, target over target/other) is as likely that column's name
    found = next((cells[j] for j in words if held[j] and not names_a_role(cells[j])), None)
    if found is None or not kinds_agree(cells, numeric, rows, delimiter) or _names_roles(cells, words, held):
        return None
    return found


def _held_below(cells: list[str], words: list[int], rows: list[list[str]], *, copies: bool = False
                ) -> dict[int, bool]:
    """For each of the first row's ``words``, whether its column holds it in another row of ``rows`` (not, unless
    ``copies``, in a copy of the whole first row: a header written again)."""
    return {j: any(j < len(r) and r[j] == cells[j] and (copies or r != cells) for r in rows) for j in words}


def _names_roles(cells: list[str], words: list[int], held: dict[int, bool]) -> bool:
    """Does a word of the first row name a role (``id``, ``label``, ``pred_1``: see
    :func:`~losscli.column_names.names_a_role`) that its column does not hold: a header?"""
    return any(names_a_role(cells[j]) and not held[j] for j in words)


def kinds_agree(cells: list[str], numeric: list[bool], rows: list[list[str]], delimiter: str = ",", *,
                pandas: bool = True) -> bool:
    """Could a first row of ``cells`` (``numeric``: its numbers, logical and missing values) open the columns of
    ``rows`` (cleaned)? Not when a word stands over a column of numbers alone (``y`` over ``0.25``), nor (with
    ``pandas``) when its integers are pandas' default names ``0,1,…`` and one stands over a column holding a
    number that is no integer (``0,1,spam`` over probabilities). A column holding a word is text, which a word
    or a number may open (an answer ``8`` above ``Paris``); an integer may open a column of decimals (R and
    ``%g`` write ``1`` for 1.0)."""
    integers = [c for c, is_number in zip(cells, numeric, strict=True) if is_number and c.lower() not in MISSING]
    pandas_names = pandas and bool(integers) and integers == [str(k) for k in range(len(integers))]
    for j, c in enumerate(cells):
        if c.lower() in MISSING:
            continue
        column = [r[j] for r in rows if j < len(r) and r[j].lower() not in MISSING]
        text = any(not _numeric(v, delimiter) for v in column)
        if column and not text and not numeric[j]:
            return False
        if pandas_names and numeric[j] and not text and not_integers([c], [[v] for v in column]):
            return False
    return True


def _may_be_sample(cells: list[str], numeric: list[bool], rows: list[list[str]], delimiter: str, *,
                   pandas: bool) -> bool:
    """Could a first row guessed to be a header for its words be a sample? Its cells could open their columns
    (:func:`kinds_agree`) and none of its words names a role its column does not hold (a lone ``y`` over ``y``/``n``
    holds it, its rows being copies of it)."""
    words = [j for j, is_numeric in enumerate(numeric) if not is_numeric]
    return (kinds_agree(cells, numeric, rows, delimiter, pandas=pandas)
            and not _names_roles(cells, words, _held_below(cells, words, rows, copies=len(cells) == 1)))


def _logical_row_is_data(cells: list[str], values: list[str], below: Callable[[], list[list[str]]] | None) -> bool:
    """Is a first row of logical values alone (``values``, its cells but the missing ones) a sample? When it
    holds one value twice (``TRUE,TRUE,FALSE``: no header names two columns alike) over columns of logical
    values; ``False,True`` names two classes, and a lone ``True`` one (``get_dummies(drop_first=True)``)."""
    if len(values) < 2 or len({v.lower() for v in values}) == len(values):
        return False
    return logical_below(cells, below() if below is not None else [])


def logical_below(cells: list[str] | tuple[str, ...], following: list[list[str]]) -> bool:
    """Is every cell of ``following`` (the rows below a first row) in the columns where the first row has a
    value (not missing) a logical value or missing, with at least one such row?"""
    rows = [r for r in following if r]
    cols = [j for j, c in enumerate(cells) if _clean(c).lower() not in MISSING]
    return bool(rows) and all(
        j >= len(r) or _clean(r[j]).lower() in LOGICAL or _clean(r[j]).lower() in MISSING for r in rows for j in cols)


def written_otherwise(first: list[str], following: list[list[str]]) -> bool:
    """Is a first row of bare integers ``0,1,…`` certainly pandas' header? Only when a row below writes a
    whole number as pandas writes a float column's (``151.0``), in one of those columns: that writer would
    have written a first row of data as ``0.0``. Other spellings prove nothing: awk, R and ``printf %g``
    write ``0`` above ``2.5`` and ``1e+05``."""
    k = len(first)
    return any(_PANDAS_WHOLE.fullmatch(_clean(cell)) for row in following for cell in row[:k])


_PANDAS_WHOLE = re.compile(r"[+-]?\d+\.0+")
_WHOLE = re.compile(r"[+-]?\d+")


def not_integers(first: list[str], following: list[list[str]]) -> bool:
    """Do the rows below a first row of numbers write, in its columns, a value that is no integer as written
    (``0.25``, ``1.0``, ``1e-05``; a missing value is none)? Then the first row of integers is of another
    kind than the rest: column names as pandas writes integer ones, more likely than a first sample."""
    k = len(first)
    for row in following:
        for cell in row[:k]:
            c = _clean(cell)
            if c.lower() not in MISSING and not _WHOLE.fullmatch(c):
                return True
    return False


def decimal_comma_column(rows: list[list[str]]) -> tuple[int, str, str] | None:
    """Is a comma-separated file whose rows are two integers one column of numbers written with a decimal
    comma (``5,13``, ``-0,22``)? Yes when some row writes what two columns of integers never do: a whole part
    ``-0`` (the sign of a negative decimal), or a second cell with a leading zero (``1,05``); no, whatever
    those say, when a first cell has a leading zero (padded integers), a second cell a sign, or a row holds
    something else. (The first such row's 1-based number among ``rows``, the row as written, the reason),
    or ``None``. Labels ``0..9`` beside counts write neither."""
    found = None
    for i, row in enumerate(rows):
        if not row:
            continue
        if len(row) != 2:
            return None
        whole, frac = _clean(row[0]), _clean(row[1])
        if not _WHOLE.fullmatch(whole) or not frac.isdigit() or not frac.isascii():
            return None
        if len(whole.lstrip("+-")) > 1 and whole.lstrip("+-").startswith("0"):
            return None  # 007,5: padded integers, not a decimal's whole part
        if found is None and whole.lstrip("+") == "-0":
            found = (i + 1, ",".join(row), f"'{whole}' is a negative decimal's whole part, not an integer")
        elif found is None and len(frac) > 1 and frac.startswith("0"):
            found = (i + 1, ",".join(row), f"'{frac}' keeps a leading zero, as decimals do and integers do not")
    return found


def _split_decimal(cells: list[str]) -> str:
    """Two neighbouring cells of a comma-separated row that read as a number cut at its decimal comma (``'-0,25'``):
    a whole part ``-0`` (the sign of a negative decimal) or a part after it with a leading zero (``0,05``);
    else ``''``."""
    for whole, frac in itertools.pairwise(_clean(c) for c in cells):
        if _WHOLE.fullmatch(whole) and frac.isdigit() and frac.isascii() and (
                whole.lstrip("+") == "-0" or (len(frac) > 1 and frac.startswith("0"))):
            return f"'{whole},{frac}'"
    return ""


def _decimal_comma_error(inp: Input, found: tuple[int, str, str], header_rows: int) -> ReadError:
    row, written, why = found
    if inp.given == "-":
        how = "pipe it through tr , . first"
    elif inp.codec:
        how = "tr , . on the decompressed file"
    else:
        folder, base = os.path.split(inp.given)
        stem, dot, ext = base.rpartition(".")
        point = os.path.join(folder, f"{stem}_point.{ext}" if dot and stem else f"{base}_point")
        how = f"tr , . < {shlex.quote(inp.given)} > {shlex.quote(point)}, and pass that file"
    return ReadError(
        "a decimal comma? every row is two integers around a comma, as numbers split there would be",
        location=Location(array="", file=inp.name, file_row=row + header_rows, value=written),
        hint=f"{why}: write the numbers with a decimal point ({how}); if they are two columns of integers, pass "
             "--delimiter ','",
    )


def _r_row_names(text: str, delimiter: str, header_at: int, width: int, complete: bool) -> bool:
    """Whether the sampled rows below the header (row ``header_at`` of ``text``, ``width`` cells) are R's
    write.table rows with row names: every one a cell longer than the header, their first cells each there
    once and looking like row names — quoted (as R writes them by default), texts that are not numbers, or
    R's default 1, 2, 3, … (``quote = FALSE``; two rows at least: a lone row's 1 may be a label). Other numbers (unquoted, not counting from 1) stay refused: a
    header short of the name of a label or prediction column looks just the same, and that column would be
    dropped as row names."""
    lines = io.StringIO(text, newline="").readlines()
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    firsts: list[str] = []
    quoted = True
    try:
        for _ in range(header_at + 1):
            next(reader)
        while len(firsts) < 2000:
            at = reader.line_num  # the index of the row's first line
            row = next(reader)
            if not row:
                continue
            if not complete and reader.line_num >= len(lines):  # the last row of a cut sample: maybe partial
                break
            if len(row) != width + 1:
                return False
            firsts.append(row[0])
            quoted = quoted and lines[at].startswith('"')
    except (StopIteration, csv.Error):
        pass
    if not firsts or len(set(firsts)) != len(firsts):
        return False
    if quoted or (len(firsts) > 1 and firsts == [str(i) for i in range(1, len(firsts) + 1)]):
        return True
    return not any(_number(c) for c in firsts)


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def _unique_names(cells: list[str]) -> list[str]:
    """The columns' names: a header cell's own (cleaned), a repeat with ``_2``, ``_3``, ...; an empty cell (an
    index's) named by its position, or, where a cell names another column so (pandas' ``,0,1,2`` over
    ``pd.DataFrame(logits).to_csv()``, R's ``"","1","2"``), as pandas names it (``Unnamed: 0``): the names
    written are the columns' names, whatever the empty cells."""
    written = {_clean(c) for c in cells} - {""}

    def unwritten(i: int) -> str:  # a name no header cell writes: the position, else pandas', else suffixed
        for name in (str(i + 1), f"Unnamed: {i}", *(f"Unnamed: {i}_{k}" for k in range(2, len(cells) + 2))):
            if name not in written:
                return name
        raise AssertionError("unreachable: more names than header cells")

    names = [_clean(c) or unwritten(i) for i, c in enumerate(cells)]
    seen: set[str] = set()
    out = []
    for n in names:
        candidate, k = n, 1
        while candidate in seen:
            k += 1
            candidate = f"{n}_{k}"
        seen.add(candidate)
        out.append(candidate)
    return out


class CsvSource(Source):
    """A delimited text file. ``engine`` is ``'stdlib'`` or ``'arrow'`` (chosen by size, see module doc)."""

    def __init__(self, inp: Input, *, kind: str, delimiter: str | None, header: bool | None) -> None:
        self._inp = inp
        self._header = header
        #: the rows have a first cell more than the header: R's row names, read as an unnamed first column
        self.row_names = False
        #: the last column when it is empty in every sampled row (a delimiter ending each row): not read
        self.trailing_empty: str | None = None
        self._sampled_whole = True  # the sample held every row
        self._lines_end_with_delimiter: bool | None = None  # checked on the bytes when the sample was not all
        #: the first row's cells when they were all numbers, read as data (a guess)
        self.first_row_as_data: tuple[str, ...] | None = None
        #: the guessed header is logical values alone (``False,True``: class names, or a first sample)
        self.logical_header: tuple[str, ...] | None = None
        #: with :attr:`first_row_as_data`: a row below writes, in its columns, a number that is no integer
        self.rows_below_not_integers = False
        #: the first row's cells when they hold a word that is a value of its column below, read as data (a guess)
        self.words_row_as_data: tuple[str, ...] | None = None
        #: a header guessed to be pandas' names ``0,1,…`` stands over integers alone (hard predictions, or data)
        self.header_over_integers = False
        #: the first row was guessed to be a header (neither --header nor --no-header given): it may be a
        #: sample (see :meth:`header_may_be_sample`)
        self.guessed_header = False
        self._header_kinds_agree: Callable[[bool], bool] | None = None
        notes: list[str] = []
        certain = False  # a guessed header of pandas' names that the rows below confirm
        n = SNIFF_BYTES
        head = inp.head(n)
        # a header longer than the sample: read on until its end of line, up to the line limit
        max_line = limits.max_line_bytes()
        while b"\n" not in head and b"\r" not in head and len(head) == n:
            if n > max_line:
                raise _long_line(inp.name, 1, max_line)
            n = max(n + 1, min(n * 4, max_line + 1))
            head = inp.head(n)
        complete = len(head) < n
        bom = head.startswith(_BOM)
        text = _decode_head(inp.name, head[3:] if bom else head, complete)
        if not text.strip():
            raise EmptyContentError(f"{inp.name} is empty")
        default = "\t" if kind == "tsv" else ","
        excel = _EXCEL_SEP.match(text)  # Excel's "sep=;" line: the delimiter, then the file
        #: the file's first line is Excel's ``sep=;`` (read past here; the Dask engine cannot)
        self.excel_sep_line = excel is not None
        #: a file on disk whose text starts with its first row (no compression, BOM or ``sep=`` line): a header
        #: line can be put before it in the shell, ``<(echo NAMES; cat FILE)``
        self.plain_text_file = inp.data is None and inp.codec is None and not bom and excel is None
        if excel:
            text = text[excel.end():]
        self.delimiter = delimiter or (excel.group(1) if excel else sniff_delimiter(text, default))
        #: the header is np.savetxt's, after its comment mark ``# `` (read past here; the Dask engine cannot)
        self.commented_header = False
        if not excel and header is not False and (names := _savetxt_header(text, delimiter, default)):
            text, self.delimiter = names
            self.commented_header = True

        parsed: list[list[str]] = []

        def head_rows(stop: int) -> list[list[str]]:
            """The first ``stop`` rows of the sampled text, parsed once for the header guess and the checks."""
            if len(parsed) < stop:
                parsed[:] = itertools.islice(csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter),
                                             stop)
            return parsed[:stop]

        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        try:
            first = next(reader)
            skipped = 1 if excel else 0
            if header is not False:
                while not first:  # blank lines before the header
                    skipped += 1
                    first = next(reader)
            if header is None:
                start = skipped + 1 - (1 if excel else 0)  # the rows below the first in ``text`` (no sep= line)

                def rows_below() -> list[list[str]]:
                    below = head_rows(start + 2000)[start:]
                    return below if complete else below[:-1]  # (the last may be cut by the sample's size)

                header = guess_header(first, inp.name, notes, self.delimiter, rows_below, text)
                if header and notes:
                    certain = written_otherwise(first, rows_below())
                    self.header_over_integers = not not_integers(first, rows_below())
                elif notes and all(_numeric(_clean(c), self.delimiter) for c in first):
                    # numbers read as data: kept to compare with the other files' first rows
                    self.first_row_as_data = tuple(_clean(c) for c in first)
                    self.rows_below_not_integers = not_integers(first, rows_below())
                elif notes:  # words read as data, one of them a value below (see word_repeated_below)
                    self.words_row_as_data = tuple(_clean(c) for c in first)
                self._header = header
                self.guessed_header = bool(header)
                cells = tuple(_clean(c) for c in first)
                if header and len(cells) <= _MAX_COLUMNS_COMPARED and not (cells[0] == "" and self.delimiter != " "):
                    kinds = [_numeric(c, self.delimiter) for c in cells]
                    if not all(kinds):  # words (pandas' names 0…, logical values and an index's "": see above)
                        self._header_kinds_agree = lambda pandas: _may_be_sample(  # noqa: E731 - asked for hints
                            list(cells), kinds, [[_clean(c) for c in r[:len(cells)]] for r in rows_below() if r],
                            self.delimiter, pandas=pandas)
                values = [c for c in cells if c.lower() not in MISSING]
                if header and values and all(c.lower() in LOGICAL for c in values) and logical_below(
                        cells, rows_below()):  # class names, or a first sample (one row short of the others)
                    self.logical_header = cells
                if not header:
                    reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
                    first = next(reader)
            if header:
                limits.check_columns(inp.name, len(first))
                if _r_row_names(text, self.delimiter, skipped - (1 if excel else 0), len(first), complete):
                    # R's write.table: row names under no header cell of their own, read as pandas reads them
                    # (the index), as the "" header cell of write.csv (col.names = NA) has them read
                    first = ["", *first]
                    self.row_names = True
                names = _unique_names(first)
                header_rows = skipped + 1
                has_rows = any(row for row in reader) or not complete  # blank lines alone are no rows
            else:
                k = len(first)
                while k == 0:
                    k = len(next(reader))
                limits.check_columns(inp.name, k)
                names = [str(i + 1) for i in range(k)]
                header_rows = 1 if excel else 0
                has_rows = True
        except StopIteration:
            has_rows = False
            header_rows = 0
            names = []
        except csv.Error as exc:
            raise ReadError(
                f"malformed CSV ({exc})", location=Location(array="", file=inp.name, file_row=reader.line_num)
            ) from exc
        if (delimiter is None and not excel and not self.commented_header and self.delimiter == ","
                and (header_rows == 0 or len(names) == 1)):
            # one column of numbers with a decimal comma, without a header or under one name: not two columns
            sample = head_rows(2001)
            sample = sample[header_rows:] if complete else sample[header_rows:-1]
            if (found := decimal_comma_column(sample)) is not None:
                raise _decimal_comma_error(inp, found, header_rows)
        if not has_rows:
            if not names:
                raise ReadError(f"{inp.name} has a header but no rows")
            raise HeaderOnlyError(f"{inp.name} has a header but no rows", hint="pass --no-header if the first line "
                                  "is data", columns=names, delimiter=self.delimiter)
        if inp.codec:  # the decompressed size decides (a small file may decompress to gigabytes)
            size = len(inp.head(SMALL_INPUT_BYTES)) if SMALL_INPUT_BYTES > 0 else 0
        elif inp.data is not None:
            size = len(inp.data)
        else:
            size = inp.size_bytes or 0
        self.engine = "stdlib" if size < SMALL_INPUT_BYTES else "arrow"
        self._max_line = max_line
        #: empty lines after the last row, read as rows of missing values by every engine (to keep row
        #: numbers) and dropped at the end of the read, as pandas, NumPy and pyarrow skip them
        self._trailing_blank = trailing_blank_lines(inp.tail(4096))
        self._block_floor = 0  # raised when a line is longer than the blocks the arrow engine reads
        self._avg_row_bytes = max(1.0, len(head) / max(1, head.count(b"\n")))
        end = 0
        for _ in range(header_rows):  # arrow needs the header inside its first block
            end = head.find(b"\n", end) + 1
        self._min_block = 2 * end + 4096
        self._body_offset = _body_offset(head, header_rows, bom)
        self._cells: list[tuple[str, ...]] | None = None
        super().__init__(
            path=inp.given,
            name=inp.name,
            format=text_format(self.delimiter),
            columns=names,
            n_rows=None,
            size_bytes=inp.size_bytes,
            header_rows=header_rows,
        )
        self.notes = notes
        #: a header of numbers guessed to be pandas' default names: maybe data (see :func:`guess_header`)
        self.header_maybe_data = bool(notes) and header_rows > 0 and not certain
        if self.row_names:
            self.notes.append(f"{inp.name}: the header has one cell fewer than the rows, as R's write.table writes "
                              "row names: the first column is read as the row names (an index), not a label or a "
                              "prediction")
        if header_rows:
            self.unnamed = {n for n, c in zip(names, first, strict=False) if not _clean(c)}
        if len(names) > 1 and (not header_rows or names[-1] in self.unnamed):
            # every row ending with the delimiter (Excel's 1;0.9;): an empty last column, not a label or prediction
            sample = head_rows(2001)[header_rows - (1 if excel else 0):]
            sample = [r for r in (sample if complete else sample[:-1]) if r]
            if sample and all(len(r) == len(names) and not _clean(r[-1]) for r in sample):
                self.unnamed.add(names[-1])
                self.trailing_empty = names[-1]
                self._sampled_whole = complete
                self.notes.append(f"{inp.name}: every row ends with a {_delim_name(self.delimiter)} (an empty last "
                                  f"column, as Excel writes): column {names[-1]} is not read")

    # ---------------------------------------------------------------------------------------- stdlib

    @property
    def has_header(self) -> bool:
        """Whether the first row is read as a header (given, or guessed)."""
        return bool(self._header)

    def header_may_be_sample(self, *, pandas: bool = True) -> bool:
        """Whether the first row, guessed to be a header for its words, could be a sample: its cells could open
        their columns (:func:`kinds_agree`: ``zebra`` over class names, ``house_a,100,90``; not ``y`` over
        numbers, nor, unless not ``pandas``, pandas' names ``0,1`` beside a word over probabilities). A row of
        pandas' names alone, of logical values or under an index's ``""`` is not asked: its guess is checked
        otherwise."""
        return self._header_kinds_agree is not None and self._header_kinds_agree(pandas)

    def _parse_all(self) -> list[tuple[str, ...]]:
        """Every column's cell texts, after checking the row lengths (cached)."""
        if self._cells is not None:
            return self._cells
        # a small file on disk is read whole by choice (LOSSCLI_MAX_MEMORY_BYTES is for stdin and compressed files)
        disk = self._inp.fs_path is not None and self._inp.codec is None
        data = self._inp.read_all(at_least=SMALL_INPUT_BYTES if disk else 0)
        if data.startswith(_BOM):
            data = data[3:]
        if len(data) > self._max_line:
            self._check_line_lengths(data)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _utf8_error(self.name, data, exc) from None
        self._check_quotes(csv_quotes.scan_quotes([data], self.delimiter))
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=self.delimiter)
        k = len(self.columns)
        try:
            for _ in range(self.header_rows):
                next(reader)
            rows = list(reader)
        except csv.Error as exc:
            raise self._error(f"malformed CSV ({exc})", file_row=reader.line_num) from exc
        blank = [""] * k
        for i, row in enumerate(rows):
            if len(row) != k:
                if not row:
                    rows[i] = blank
                else:
                    raise self._ragged(i, len(row), self.delimiter.join(row))
        self._cells = list(zip(*rows, strict=True)) if rows else [() for _ in range(k)]
        return self._cells

    def _check_line_lengths(self, data: bytes) -> None:
        for lineno, line in enumerate(data.split(b"\n"), 1):
            if len(line) > self._max_line:
                raise _long_line(self.name, lineno, self._max_line)

    def _ragged(self, data_row: int, got: int, text: str, file_row: int | None = None) -> ReadError:
        k = len(self.columns)
        what = "the header has" if self._header else "the first row has"
        if self.row_names:  # the header is one cell short of them
            what = "the rows above (row names, then a cell per name of the header) have"
        snippet = text if len(text) <= 80 else text[:77] + "..."
        hint = (f"every row needs the same number of {_delim_name(self.delimiter)}-separated cells; quote cells "
                "that contain the delimiter")
        if '\\"' in text:  # a quote escaped with a backslash (Spark's) closed its cell early, or not at all
            hint = ("quotes escaped with a backslash (\\\"), as Spark's CSV writer escapes them, are no escape to CSV "
                    "readers (pandas, pyarrow, R, this one): such a quote ends its cell, or, doubled, goes on into the "
                    "next row; write the file with quotes doubled, as RFC 4180 and pandas do (Spark: "
                    "df.write.option('escape', '\"').csv(...))")
        elif self.delimiter == "," and (cut := _split_decimal(text.split(","))):
            hint = (f"{cut} looks like a number cut at its decimal comma, which is also the delimiter: write the "
                    "file again with decimal points, or with ';' between cells (as Excel does beside decimal commas)")
        elif self._header and got == k + 1 and (data_row == 0 if file_row is None else
                                                file_row == self.header_rows + 1):
            # R's write.table: row names with no header cell of their own, from the first row on
            hint = ("the header has one cell fewer than the rows, as R's write.table writes row names: write with "
                    "row.names = FALSE, or col.names = NA (a header cell for them, as write.csv writes)")
        if self.columns and self.columns[0].startswith("#"):  # a comment line read as the header
            hint = f"the first line, {self.columns[0][:40]!r}, is a comment: remove comment lines (sed '/^#/d')"
        return self._error(
            f"a row with {got} cell{'s' if got != 1 else ''} where {what} {k}",
            hint=hint,
            data_row=data_row if file_row is None else None,
            file_row=file_row,
            value=snippet,
        )

    def _read_stdlib(self, columns: list[str], chunk_rows: int | None) -> Iterator[Chunk]:
        cells = self._parse_all()
        index = {c: i for i, c in enumerate(self.columns)}
        n = len(cells[0]) if cells else 0
        step = chunk_rows or max(n, 1)
        for start in range(0, n, step):
            stop = min(n, start + step)
            yield Chunk({c: (cells_to_text if c in self.text_columns else cells_to_array)(cells[index[c]][start:stop])
                         for c in columns}, first_row=start)

    # ----------------------------------------------------------------------------------------- arrow

    def _block_size(self, chunk_rows: int | None) -> int:
        size = (
            MAX_BLOCK
            if chunk_rows is None
            else min(MAX_BLOCK, max(MIN_BLOCK, chunk_rows * self._avg_row_bytes))
        )
        return int(max(size, self._min_block, self._block_floor))

    def _arrow_source(self) -> Any:
        if self._inp.data is not None:
            import pyarrow as pa

            return pa.BufferReader(self._inp.data)
        if self._inp.codec is None:
            return self._inp.fs_path  # arrow opens and reads it natively, without the GIL
        return self._inp.open()

    def _read_arrow(self, columns: list[str], chunk_rows: int | None) -> Iterator[Chunk]:
        text_cols: set[str] = set(self.text_columns) & set(columns)
        done = 0  # rows already yielded: a restart resumes here
        n_workers = self._block_workers()
        while True:
            try:
                batches = (  # blocks come mostly as NumPy arrays already, converted on the workers
                    self._block_batches(columns, text_cols, n_workers, chunk_rows) if n_workers and done == 0
                    else self._arrow_batches(columns, text_cols, done, chunk_rows)
                )
                for n, cols in rechunk(batches, chunk_rows, _concat_any):
                    yield Chunk(self._to_numpy(cols, columns), first_row=done)
                    done += n
                return
            except _NotFloat as exc:
                if exc.columns <= text_cols:  # cannot happen; avoid looping forever
                    raise ReadError(f"{self.name}: {exc.message}") from None
                text_cols |= exc.columns
            except csv_blocks.NotSplittable:
                n_workers = 0  # read on with the streaming reader
            except _LineTooLong:
                # a line longer than the block: find it; within the limit, read on with larger blocks
                lineno, length = self._longest_line()
                if length > self._max_line or self._block_floor > self._max_line:
                    raise _long_line(self.name, lineno, self._max_line) from None
                self._block_floor = max(2 * self._block_floor, length + 4096, self._block_size(chunk_rows) * 2)

    def _block_workers(self) -> int:
        """Worker threads for parsing this file in blocks (:mod:`losscli.io.csv_blocks`); 0: stream it."""
        path = self._inp.fs_path
        if self._body_offset is None or self._inp.codec or self._inp.data is not None or path is None:
            return 0
        return csv_blocks.workers() if os.path.isfile(path) else 0

    def _block_batches(
        self, columns: list[str], text_cols: set[str], n_workers: int, chunk_rows: int | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        """The body parsed in blocks on ``n_workers`` threads; raises ``NotSplittable`` where it cannot be."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        pa.lib.enable_signal_handlers(False)  # as in _arrow_batches
        block_bytes = min(csv_blocks.BLOCK_BYTES, self._max_line)
        if chunk_rows is not None:
            # a block's rows become float64 arrays (8 bytes a cell, where a narrow file's text may take 2):
            # blocks of a quarter of a chunk's text keep the blocks in flight within a chunk's own memory
            block_bytes = min(block_bytes, max(csv_blocks.MIN_BLOCK_BYTES, int(chunk_rows * self._avg_row_bytes / 4)))
        read_options = pacsv.ReadOptions(use_threads=False, block_size=block_bytes + 1, column_names=self.columns)
        parse_options = self._parse_options(newlines_in_values=True, on_invalid=None)
        convert_options = self._convert_options(columns, text_cols)

        # blocks of plain numbers go to the compiled parser (the same bits, in less time), the others to pyarrow
        fast = None if text_cols else csv_floats.block_parser(self.columns, columns, self.delimiter)

        def parse(buf: Any) -> tuple[int, dict[str, np.ndarray]]:
            if fast is not None and (parsed := fast(buf)) is not None:
                return parsed
            table = pacsv.read_csv(
                pa.BufferReader(buf),
                read_options=read_options,
                parse_options=parse_options,
                convert_options=convert_options,
            )
            # float64 columns and key texts convert cell by cell, here; a text column that is not a key is
            # converted chunk by chunk (numbers, or every cell as text), by the consumer
            cols = {c: _one_array(table.column(c)) for c in columns}
            done = [c for c in columns if c not in text_cols or c in self.text_columns]
            return table.num_rows, {**cols, **self._to_numpy(cols, done)}

        assert self._inp.fs_path is not None and self._body_offset is not None
        blocks = csv_blocks.parse_blocks(
            self._inp.fs_path, self._body_offset, parse,
            delimiter=self.delimiter, n_workers=n_workers, block_bytes=block_bytes,
        )
        try:
            yield from blocks
        except pa.ArrowInvalid as exc:
            # a column of text is restarted as text, as the streaming reader does; any other error is
            # found again, and reported with its row, by the streaming reader
            if _CONVERSION_ERROR.search(str(exc)):
                raise self._arrow_error(exc, [], columns, text_cols, 0) from None
            raise csv_blocks.NotSplittable from None
        except OSError:
            raise csv_blocks.NotSplittable from None
        finally:
            blocks.close()

    def _convert_options(self, columns: list[str], text_cols: set[str]) -> Any:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        return pacsv.ConvertOptions(
            include_columns=columns,
            column_types={c: (pa.string() if c in text_cols else pa.float64()) for c in columns},
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
            check_utf8=True,
        )

    def _arrow_batches(
        self, columns: list[str], text_cols: set[str], skip: int, chunk_rows: int | None
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        import pyarrow as pa
        import pyarrow.csv as pacsv

        # pyarrow's own Ctrl-C handler, swapped in and out around each blocking call, can let a SIGINT that
        # lands in between kill the process instead of raising KeyboardInterrupt: leave SIGINT to Python
        # (blocks are 256 KiB, so an interrupt still takes effect at once).
        pa.lib.enable_signal_handlers(False)
        bad_rows: list[Any] = []
        lent = _LentToArrow()
        read_options, parse_options = self._arrow_options(
            threads=True, block_size=self._block_size(chunk_rows), skip=skip,
            on_invalid=lent.lend(_RowCollector(bad_rows)),
        )
        convert_options = self._convert_options(columns, text_cols)
        src = self._arrow_source()
        reader = None
        try:
            try:
                reader = pacsv.open_csv(
                    lent.stream(src, self.delimiter),
                    read_options=read_options,
                    parse_options=parse_options,
                    convert_options=convert_options,
                )
                for batch in reader:
                    _raise_deferred(src)
                    yield batch.num_rows, {c: batch.column(c) for c in columns}
                _raise_deferred(src)
                reader = None
                scanned = lent.scanned()
                self._check_quotes(csv_quotes.scan_quotes(self._pieces(), self.delimiter)
                                   if scanned is None else scanned)
            except pa.ArrowInvalid as exc:
                reader = parse_options = None
                _release(src, lent)  # before _arrow_error opens the file again
                _raise_deferred(src)  # the cut-off end of a stream that failed is no error of its own
                raise self._arrow_error(exc, bad_rows, columns, text_cols, skip) from None
        finally:
            reader = parse_options = None
            _release(src, lent)

    def _arrow_error(
        self, exc: Exception, bad_rows: list[Any], columns: list[str], text_cols: set[str], skip: int
    ) -> Exception:
        msg = str(exc)
        if "straddling object straddles" in msg or "straddles two block boundaries" in msg:
            return _LineTooLong(msg)
        m = _CONVERSION_ERROR.search(msg)
        if m:
            k = int(m.group(1))
            name = self.columns[k] if k < len(self.columns) else None
            cols = {name} if name in columns else set(columns) - text_cols
            return _NotFloat(cols, msg)
        if "invalid UTF8" in msg:
            return self._locate_utf8_error() or ReadError(f"{self.name}: {msg}")
        if bad_rows or "Expected" in msg:
            rows = [r for r in bad_rows if r.number is not None]
            if rows:
                r = min(rows, key=lambda r: r.number)
                return self._ragged(-1, r.actual_columns, r.text, file_row=r.number)
            return self._locate_ragged_row(skip) or ReadError(f"{self.name}: {msg}")
        return ReadError(f"{self.name}: {msg}")

    def _arrow_options(self, *, threads: bool, block_size: int, skip: int, on_invalid: Any) -> tuple[Any, Any]:
        """pyarrow read and parse options for this file: the reader and the ragged-row locator must parse
        the same way, or the locator would name a different row."""
        import pyarrow.csv as pacsv

        read_options = pacsv.ReadOptions(
            use_threads=threads,
            block_size=block_size,
            skip_rows=self.header_rows,
            column_names=self.columns,
            skip_rows_after_names=skip,
        )
        return read_options, self._parse_options(newlines_in_values=True, on_invalid=on_invalid)

    def _parse_options(self, *, newlines_in_values: bool, on_invalid: Any) -> Any:
        import pyarrow.csv as pacsv

        return pacsv.ParseOptions(
            delimiter=self.delimiter,
            quote_char='"',
            double_quote=True,
            escape_char=False,
            newlines_in_values=newlines_in_values,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        )

    def _locate_ragged_row(self, skip: int) -> ReadError | None:
        """Re-parse single-threaded (arrow then knows row numbers) to name the first bad row."""
        import pyarrow as pa
        import pyarrow.csv as pacsv

        found: list[Any] = []
        lent = _LentToArrow()
        src = self._arrow_source()
        reader = None
        try:
            reader = pacsv.open_csv(
                lent.stream(src),
                # passed as temporaries: no local may keep the row handler alive after _release
                *self._arrow_options(threads=False, block_size=self._block_size(None), skip=skip,
                                     on_invalid=lent.lend(_RowCollector(found))),
                convert_options=pacsv.ConvertOptions(
                    include_columns=self.columns[:1],
                    column_types={self.columns[0]: pa.string()},
                    check_utf8=False,
                ),
            )
            for _ in reader:
                pass
        except pa.ArrowInvalid:
            pass
        finally:
            reader = None
            _release(src, lent)
        if found and found[0].number is not None:
            r = found[0]
            return self._ragged(-1, r.actual_columns, r.text, file_row=r.number)
        return None

    def _longest_line(self) -> tuple[int, int]:
        """(physical line number, length) of the first line longer than the line limit, else of the longest
        line. Streams the file in blocks (quotes are ignored: a quoted cell spanning lines counts as
        several lines), so that a 100 MB line costs a block of memory, not 100 MB."""
        best = (0, 0)
        lineno, length = 1, 0
        for block in self._pieces():
            pos = 0
            while True:
                nl = block.find(b"\n", pos)
                if nl < 0:
                    length += len(block) - pos
                    break
                length += nl - pos
                if length > best[1]:
                    best = (lineno, length)
                if length > self._max_line:
                    return best
                lineno, length, pos = lineno + 1, 0, nl + 1
            if length > self._max_line:
                return lineno, length
        if length > best[1]:
            best = (lineno, length)
        return best

    def nonfinite_as_written(self, data_row: int, column: str) -> str | None:
        """The cell of a missing or infinite value as written (``NA``, ``1e999``): its line read again (1 MiB at
        a time, counting line ends); ``"\n"`` for a blank line. ``None`` when the line found does not hold such
        a value there (a quoted line break above it moves the lines)."""
        cell = self.cell_as_written(data_row, column)
        if cell is None or cell == "\n":
            return cell
        try:
            nonfinite = cell == "" or not math.isfinite(float(cell))
        except ValueError:
            nonfinite = True  # a text the reader took for missing (NA, null, ...)
        return cell if nonfinite else None

    def cell_as_written(self, data_row: int, column: str) -> str | None:
        """The cell at ``data_row`` of ``column`` as written (stripped), its line read again; ``"\n"`` for a
        blank line; ``None`` where it cannot be found (a quoted line break above it moves the lines)."""
        if column not in self.columns:
            return None
        target = self.file_row(data_row) - 1  # line ends before the line
        seen, line, found = 0, b"", False
        try:
            for piece in self._pieces():
                ends = piece.count(b"\n")
                if seen + ends < target:
                    seen += ends
                    continue
                at = 0
                while seen < target:
                    at = piece.index(b"\n", at) + 1
                    seen += 1
                found = True
                line += piece[at:]
                if b"\n" in line:
                    break
                seen = target  # the line goes on in the next piece
        except (OSError, ValueError, ReadError):
            return None
        if not found:
            return None
        text = line.split(b"\n")[0].rstrip(b"\r").decode("utf-8", "replace")
        if not text.strip():
            return "\n"
        try:
            cells = next(csv.reader([text], delimiter=self.delimiter), [])
        except csv.Error:  # a lone carriage return inside the line (old Mac line ends): no cell to show
            return None
        if len(cells) != len(self.columns):
            return None
        return cells[self.columns.index(column)].strip()

    def filter_command(self, command: str, in_place: str | None = None, data_row: int = 0) -> str | None:
        """A shell command that passes this file's text through the filter ``command``: ``in_place`` (such as
        ``sed -i …``) on a plain file, else into a new plain file ``fixed-NAME`` (decompressed first), or,
        for standard input, in the pipe before losscli."""
        if self._inp.data is not None or self._inp.fs_path is None:
            return f"… | {command} | losscli … -"
        path = shlex.quote(self._inp.fs_path)
        name = os.path.basename(self._inp.fs_path)
        if self._inp.codec is None:
            return f"{in_place} {path}" if in_place else f"{command} {path} > {shlex.quote('fixed-' + name)}"
        tool = {"gzip": "gzip", "bz2": "bzip2", "xz": "xz", "zstd": "zstd"}.get(self._inp.codec, self._inp.codec)
        plain = "fixed-" + (re.sub(r"\.(gz|gzip|bz2|xz|zst|zstd)$", "", name, flags=re.IGNORECASE) or name)
        return f"{tool} -dc {path} | {command} > {shlex.quote(plain)}"

    def _check_quotes(self, scan: csv_quotes.QuoteScan) -> None:
        """Raise for quoting that loses rows: a quote escaped with a backslash before the one that closes its
        cell (Spark's ``\""``, read as RFC 4180's quote, so the cell takes the next rows in), or a quoted cell
        the content ends inside (:meth:`_check_quotes_closed`)."""
        found = scan.open_cell()
        if (line := scan.backslash_escaped()) is not None:
            raise ReadError(csv_quotes.BACKSLASH_ESCAPED, hint=csv_quotes.BACKSLASH_HINT,
                            location=Location(array="", file=self.name, file_row=line, row_word="line"))
        self._check_quotes_closed(found)

    def _check_quotes_closed(self, found: tuple[int, bytes] | None) -> None:
        """Raise for a quoted cell the content ends inside: ``found``, what :mod:`~losscli.io.csv_quotes`
        found (its line and first bytes)."""
        if found is not None:
            line, start = found
            cell = start.split(b"\n")[0].split(b"\r")[0].decode("utf-8", "replace")
            closed = '"' + cell[1:].split(self.delimiter)[0] + '"'  # where a cell of one value would end
            raise ReadError(
                "a quote that is never closed",
                hint=f"close it where its cell ends ({closed}), or remove it: as it is, every row after it "
                     "would be read into that one cell (pandas refuses this file too)",
                location=Location(array="", file=self.name, file_row=line, row_word="line", value=cell),
            )

    def _pieces(self) -> Iterator[bytes]:
        """The content in pieces of 1 MiB, decompressed, without its BOM."""
        with self._inp.open() as f:
            first = True
            while piece := f.read(1 << 20):
                if first and piece.startswith(_BOM):
                    piece = piece[len(_BOM):]
                first = False
                yield piece

    def _locate_utf8_error(self) -> ReadError | None:
        with self._inp.open() as f:
            for lineno, line in enumerate(f, 1):
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError as exc:
                    return _utf8_error(self.name, line, exc, base_line=lineno)
        return None

    def _to_numpy(self, cols: dict[str, Any], columns: list[str]) -> dict[str, np.ndarray]:
        """Arrow columns → what a chunk holds: a key column's texts, else float64 (or the cells' texts);
        columns already converted stay as they are."""
        return {c: cols[c] if isinstance(cols[c], np.ndarray)
                else cells_to_text(cols[c].to_pylist()) if c in self.text_columns
                else self._arrow_to_numpy(cols[c])
                for c in columns}

    def _arrow_to_numpy(self, arr: Any) -> np.ndarray:
        import pyarrow as pa

        if not pa.types.is_floating(arr.type):
            import pyarrow.compute as pc

            try:
                arr = pc.cast(arr, pa.float64())
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                return cells_to_array(arr.to_pylist())
        return to_float64(arr)

    # ------------------------------------------------------------------------------------------

    def _read(self, columns: list[str], chunk_rows: int | None) -> Iterator[Chunk]:
        # an empty last column seen in the sample only: read too, and checked empty on the rows below it
        extra = self.trailing_empty if (self.trailing_empty and self.trailing_empty not in columns
                                        and not self._sampled_whole) else None
        if extra and self._lines_end_with_delimiter is None:
            self._lines_end_with_delimiter = self._every_line_ends_with_delimiter()
        if self._lines_end_with_delimiter:
            extra = None  # every line ends with the delimiter: the last cell of every row is empty
        wanted = [*columns, extra] if extra else columns
        chunks = self._read_stdlib(wanted, chunk_rows) if self.engine == "stdlib" else self._read_arrow(wanted,
                                                                                                      chunk_rows)
        if extra:
            chunks = self._still_empty(chunks, extra)
        return _without_last_rows(chunks, self._trailing_blank) if self._trailing_blank else chunks

    def _every_line_ends_with_delimiter(self) -> bool:
        """Whether every line of the content ends with the delimiter (looked at on the bytes, with NumPy: about
        15 ms for 1 M rows, where parsing the empty column would cost the compiled parser of plain numbers
        70 ms). ``False`` also for a blank line, or a last line without its line end that does not: the column
        is then read and checked row by row."""
        d = ord(self.delimiter)
        prev = b"\n\n"  # the two bytes before the piece (a line end before the first line)
        rest = b""  # the end of the content after its last line end
        try:
            for piece in self._pieces():
                data = np.frombuffer(prev + piece, dtype=np.uint8)
                at = np.flatnonzero(data[2:] == 10) + 2  # this piece's line ends, in data
                if at.size:
                    before = data[at - 1]
                    if not ((before == d) | ((before == 13) & (data[at - 2] == d))).all():
                        return False  # a blank line among them too (its \n or \r\n follows a line end)
                    rest = piece[int(at[-1]) - 1:]
                else:
                    rest = (rest + piece)[-64:]
                prev = (prev + piece)[-2:]
        except (OSError, ValueError, ReadError):
            return False
        last = rest.strip()
        return not last or last[-1] == d

    def _still_empty(self, chunks: Iterator[Chunk], column: str) -> Iterator[Chunk]:
        """``chunks`` without ``column``, the last one, found empty in the sampled rows: a value in it is a
        ReadError (it would be left out of the scores silently)."""
        for chunk in chunks:
            values = chunk.columns.pop(column)
            if values.dtype == object:
                filled = np.flatnonzero([bool(v) for v in values])
            else:
                filled = np.flatnonzero(~np.isnan(values))
            if filled.size:
                row = chunk.first_row + int(filled[0])
                cut = self.filter_command(f"cut -d{shlex.quote(self.delimiter)} -f1-{len(self.columns) - 1}")
                raise self._error(
                    f"a value in the last column, empty in the first rows (each ended with a "
                    f"{_delim_name(self.delimiter)}, as Excel writes)",
                    hint=f"leave the column out ({cut}, and pass that file) or fill it in the first rows too",
                    data_row=row,
                    column=column,
                    value=self.cell_as_written(row, column) or str(values[int(filled[0])]),
                )
            yield chunk


def trailing_blank_lines(tail: bytes | None) -> int:
    """How many empty lines (``\\n`` or ``\\r\\n`` alone) end ``tail``, the end of a text file, after its last
    line of content; 0 when unknown (``None``: compressed content) or when the tail holds nothing else."""
    if not tail:
        return 0
    parts = tail.split(b"\n")
    if parts[-1] != b"":  # no newline at the very end: the last line has content
        return 0
    for n, part in enumerate(reversed(parts[:-1])):
        if part not in (b"", b"\r"):
            return n
    return 0


def _without_last_rows(chunks: Iterator[Chunk], n: int) -> Iterator[Chunk]:
    """``chunks`` less their last rows that are empty (every cell missing), ``n`` at the most: the blank lines
    counted at the end of the file, as the parser read them (inside an unclosed quote they are one cell's
    text, and no row is dropped)."""
    held: list[Chunk] = []
    rows = 0
    for chunk in chunks:
        held.append(chunk)
        rows += len(chunk)
        while held and rows - len(held[0]) >= n:
            rows -= len(held[0])
            yield held.pop(0)
    drop = 0
    for chunk in reversed(held):  # the empty rows at the end, looked at in the last n rows only
        m = min(len(chunk), n - drop)
        empty = _empty_rows({k: v[len(chunk) - m:] for k, v in chunk.columns.items()}, m)
        run = m - int(np.flatnonzero(~empty)[-1]) - 1 if not empty.all() else m
        drop += run
        if run < m or drop == n:
            break
    keep = rows - drop
    for chunk in held:
        if keep <= 0:
            return
        if len(chunk) > keep:
            chunk = Chunk({k: v[:keep] for k, v in chunk.columns.items()}, chunk.first_row)
        keep -= len(chunk)
        yield chunk


def _empty_rows(columns: dict[Any, np.ndarray], m: int) -> np.ndarray:
    """Which of ``m`` rows (``columns``' arrays) have every cell missing: NaN, or empty text."""
    out = np.ones(m, dtype=bool)
    for values in columns.values():
        a = np.asarray(values).reshape(m, -1)
        if a.dtype.kind == "f":
            out &= np.isnan(a).all(axis=1)
        else:
            out &= np.array([all(v is None or (isinstance(v, float) and v != v) or not str(v).strip() for v in row)
                             for row in a.tolist()], dtype=bool)
    return out


class _LentToArrow:
    """Python objects lent to pyarrow: the row handler, and a proxy of a Python stream.

    pyarrow's C++ threads hold such objects and drop the last reference on whichever thread finishes last;
    dropping it takes the GIL, and a C++ thread that asks for the GIL once the interpreter is shutting down
    aborts the process ("terminate called without an active exception"). Nothing but pyarrow and this
    list ever references a lent object, so pyarrow has let go of it exactly when its reference count is 2
    (the list's and ``getrefcount``'s argument); :meth:`wait` sleeps, releasing the GIL, until then.
    """

    def __init__(self) -> None:
        self.objects: list[Any] = []

    def lend(self, o: Any) -> Any:
        self.objects.append(o)
        return o

    def stream(self, src: Any, delimiter: str | None = None) -> Any:
        """What to give pyarrow for ``src``: a lent proxy of a Python stream (with a ``delimiter``, its quoting
        scanned as it is read); a path or an arrow buffer as is."""
        if isinstance(src, (str, bytes)) or not hasattr(src, "stop"):
            return src
        return self.lend(_ArrowStream(src, None if delimiter is None else csv_quotes.QuoteScan(delimiter)))

    def scanned(self) -> csv_quotes.QuoteScan | None:
        """The quoting of what was read through the stream lent (None if pyarrow read a path or a buffer
        itself: then the content is scanned again)."""
        return next((o.scan for o in self.objects if isinstance(o, _ArrowStream) and o.scan), None)

    def busy(self) -> bool:
        return any(sys.getrefcount(self.objects[i]) > 2 for i in range(len(self.objects)))

    def wait(self, timeout: float = 5.0) -> None:
        import time

        deadline = time.monotonic() + timeout
        while self.busy() and time.monotonic() < deadline:
            time.sleep(0.001)


class _RowCollector:
    """pyarrow's ``invalid_row_handler``: keeps the bad rows (for the message) and stops the reading."""

    def __init__(self, rows: list[Any]) -> None:
        self.rows = rows

    def __call__(self, row: Any) -> str:
        self.rows.append(row)
        return "error"


class _ArrowStream(io.RawIOBase):
    """A proxy of a Python stream, lent to pyarrow (which holds it, and only it).

    An exception of the stream (a decompression bomb, corrupt data) is not raised through pyarrow's
    threads: it is kept on the stream (``deferred``, without its traceback, which would hold this proxy),
    pyarrow sees the end of the file, and the reader raises it once pyarrow has stopped.
    """

    def __init__(self, inner: Any, scan: csv_quotes.QuoteScan | None = None) -> None:
        self._inner = inner
        self.scan = scan  #: the quoting of the bytes read through it (see :mod:`losscli.io.csv_quotes`)

    def readable(self) -> bool:
        return True

    def read(self, n: int | None = -1) -> bytes:
        try:
            data = self._inner.read(n)
        except BaseException as exc:  # noqa: BLE001 - raised by the reader, not in pyarrow's thread
            self._inner.defer(_detached(exc))
            return b""
        if self.scan:
            self.scan.feed(data)
        return data

    def readinto(self, b: Any) -> int:
        try:
            n = self._inner.readinto(b)
        except BaseException as exc:  # noqa: BLE001 - as in read()
            self._inner.defer(_detached(exc))
            return 0
        if self.scan:
            self.scan.feed(bytes(memoryview(b)[:n]))
        return n


def _detached(exc: BaseException) -> BaseException:
    """``exc`` without tracebacks, its own or its context's: their frames (and the frames that called
    them) would keep the proxy lent to pyarrow alive."""
    exc.__traceback__ = None
    exc.__context__ = None
    exc.__cause__ = None
    return exc


def _raise_deferred(src: Any) -> None:
    """Raise the exception a stream lent to pyarrow kept (see :class:`_ArrowStream`)."""
    exc = getattr(src, "deferred", None)
    if exc is not None:
        raise exc


def _release(src: Any, lent: _LentToArrow | None = None) -> None:
    """Close a source pyarrow read from. A Python stream is first stopped and settled, so that pyarrow's
    read-ahead is out of it (see :class:`~losscli.io.sources._ClosingStream`); then wait until pyarrow
    has released every Python object it was lent."""
    if hasattr(src, "stop"):
        src.stop()
        src.settle()
    if lent is not None:
        lent.wait()
    if hasattr(src, "close"):
        src.close()


def _concat_any(parts: list[Any]) -> Any:
    """Join pieces of one column: NumPy arrays, or pyarrow arrays."""
    if isinstance(parts[0], np.ndarray):
        return np.concatenate(parts)
    import pyarrow as pa

    return pa.concat_arrays(parts)


def _one_array(col: Any) -> Any:
    """A column of a block's table as one array (a table parsed in one block has one chunk: no copy)."""
    return col.chunk(0) if col.num_chunks == 1 else col.combine_chunks()


_CONVERSION_ERROR = re.compile(r"In CSV column #(\d+): .*conversion error to double")


def _body_offset(head: bytes, header_rows: int, bom: bool) -> int | None:
    """Byte offset of the first data row, if the header rows are plain lines ending in ``\n`` (no line
    break inside quotes, no lone ``\r``) within ``head``; else None (the file is not parsed in blocks)."""
    end = 3 if bom else 0
    for _ in range(header_rows):
        nl = head.find(b"\n", end)
        if nl < 0:
            return None
        line = head[end:nl]
        if line.count(b'"') % 2 or b"\r" in line[:-1]:
            return None
        end = nl + 1
    return end


class _LineTooLong(Exception):
    """Raised inside the arrow engine when a row is longer than the block size."""


def _long_line(name: str, line: int, limit: int) -> ReadError:
    return ReadError(
        f"a line longer than the limit of {limits.human(limit)}",
        hint="is this really a CSV/TSV file? If it is, raise the limit with LOSSCLI_MAX_LINE_BYTES",
        location=Location(array="", file=name, file_row=line),
    )


class _NotFloat(Exception):
    """Raised inside the arrow engine when columns read as float64 hold text."""

    def __init__(self, columns: set[str], message: str) -> None:
        super().__init__(message)
        self.columns = columns
        self.message = message


def _delim_name(d: str) -> str:
    return {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "space"}.get(d, repr(d))
