"""Does CSV text end inside a quoted cell (a quote opened and never closed)?

pandas refuses such a file ("EOF inside string"); pyarrow and Python's ``csv`` module read the cell to the
end of the data, so every row after the quote becomes part of one cell. In a column that is not read, or in
a last cell holding a number, that loses rows without a word: the readers check it here.

The parsers' rule: a ``"`` opens a quoted cell only at the start of a cell (the start of the data, or
after the delimiter or a line end); inside, ``""`` is a quote and a lone ``"`` closes the cell; any other
``"`` is a character of the cell (``5" screen``). So the count of quotes alone cannot tell (a quote inside a
cell counts too), but runs of adjacent quotes can, without a loop over them: a run of odd length at the
start of a cell *toggles* the state (outside → inside: it opens, with its pairs; inside → outside: it
closes), a run of odd length elsewhere *resets* it to outside (inside it closes the cell, outside it is
text), and a run of even length leaves it as it was (pairs). The state at the end of the data is "inside"
exactly when the toggles after the last reset are odd, and the cell opened at the last of them.

Spark's CSV writer escapes a quote inside a cell with a backslash (``"size 5\""``) where these parsers read
``""`` as a quote: the cell goes on past its line end and takes the next row into it, so rows are lost
without a word. :meth:`QuoteScan.backslash_escaped` finds such a file: a backslash, two quotes and the end of a
cell (``\""`` before the delimiter or a line end), in data where a line end falls inside a quoted cell.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np

_QUOTE, _NEWLINE, _CR = 34, 10, 13
_BOM = b"\xef\xbb\xbf"
#: how many bytes of an open cell a message shows
_SHOWN = 40
#: the bytes kept from one piece for the next: an escape, and the run of backslashes before it, may start in them
_TAIL = 64


class QuoteScan:
    """The quoting state of CSV data fed in pieces; :meth:`open_cell` after the last piece."""

    def __init__(self, delimiter: str) -> None:
        self._starts = _cell_starts(delimiter)
        self._inside = False
        self._last_byte = _NEWLINE  # the byte before the data: the start of a line
        self._lines = 0  # line ends before the current piece
        self._carry = b""  # quotes that ended the last piece: their run may go on in the next one
        self._fed = False  # a BOM before the first byte is no character of a cell
        self._opened: tuple[int, bytes] | None = None  # (line, the cell's first bytes) of the open cell
        # an odd run of backslashes: an even one (JSON's "C:\\runs\\") is backslashes written as such
        self._escaped = re.compile(rb'(?<!\\)(?:\\\\)*\\""(?:' + re.escape(delimiter.encode()) + rb"|\n|\r)")
        self._tail = b""  # the last bytes scanned: a backslash escape (and the run it ends) may start in them
        self._escaped_at: int | None = None  # the line of the first \"" that ends a cell
        self._spans_lines = False  # whether a line end fell inside a quoted cell (looked for after an escape)

    def feed(self, data: bytes) -> None:
        if not self._fed and data:
            self._fed = True
            data = data.removeprefix(_BOM)
        if self._carry:
            data, self._carry = self._carry + data, b""
        if not data:
            return
        if data[-1] == _QUOTE:  # held back: the next piece may continue the run
            kept = data.rstrip(b'"')
            data, self._carry = kept, data[len(kept):]
            if not data:
                return
        if self._inside and self._opened is not None and len(self._opened[1]) < _SHOWN:
            line, shown = self._opened  # the open cell's first bytes, continued from the last piece
            self._opened = (line, shown + data[: _SHOWN - len(shown)])
        if self._escaped_at is None:
            joined = self._tail + data
            if b'\\""' in joined:  # one that ends in this piece (those that end in the tail were seen whole)
                found = next((m for m in self._escaped.finditer(joined) if m.end() > len(self._tail)), None)
                if found is not None:
                    self._escaped_at = self._lines + data.count(b"\n", 0, max(found.start() - len(self._tail), 0)) + 1
            self._tail = joined[-_TAIL:]
        if data.count(b'"'):
            a = np.frombuffer(data, dtype=np.uint8)
            self._runs(a, np.flatnonzero(a == _QUOTE), data)
        elif self._inside and self._escaped_at is not None and b"\n" in data:
            self._spans_lines = True
        self._lines += data.count(b"\n")
        self._last_byte = data[-1]

    def _runs(self, a: np.ndarray, q: np.ndarray, data: bytes) -> None:
        """Apply the runs of quotes at ``q`` (sorted offsets into ``a``, the bytes of ``data``)."""
        at, toggle, reset = _runs(a, q, self._last_byte, self._starts)
        if self._escaped_at is not None and not self._spans_lines:  # only then: the cost of a line's quotes
            self._spans_lines = bool(np.any(_inside_at_line_ends(a, at, toggle, reset, self._inside)))
        resets = np.flatnonzero(reset)
        after = resets[-1] + 1 if len(resets) else 0
        toggles = np.flatnonzero(toggle[after:]) + after
        inside = (self._inside and not len(resets)) != (len(toggles) % 2 == 1)
        if inside and len(toggles):  # opened by the last toggle, in this piece
            pos = int(at[toggles[-1]])
            line = self._lines + data.count(b"\n", 0, pos) + 1
            self._opened = (line, data[pos : pos + _SHOWN])
        self._inside = inside

    def open_cell(self) -> tuple[int, bytes] | None:
        """(1-based line, the cell's first bytes as written) of a quoted cell the data ends inside, else None."""
        if self._carry:  # the quotes that end the data: a run of its own
            carry, self._carry = self._carry, b""
            if self._inside and self._opened is not None and len(self._opened[1]) < _SHOWN:
                line, shown = self._opened
                self._opened = (line, shown + carry[: _SHOWN - len(shown)])
            q = np.arange(len(carry))
            self._runs(np.frombuffer(carry, dtype=np.uint8), q, carry)
        return self._opened if self._inside else None


    def backslash_escaped(self) -> int | None:
        """The 1-based line of a quote escaped with a backslash before the quote that closes its cell (Spark's
        ``\""``), when the data has a line end inside a quoted cell (the rows such a cell took in), else None;
        after :meth:`open_cell`."""
        return self._escaped_at if self._spans_lines else None


#: the error and hint of :meth:`QuoteScan.backslash_escaped`
BACKSLASH_ESCAPED = ('a quote escaped with a backslash (\\") just before the quote that closes its cell, as '
                     "Spark's CSV writer escapes quotes")
BACKSLASH_HINT = ("CSV readers (pandas, pyarrow, R, this one) read \"\" as a quote inside the cell, which then goes "
                  "on into the next rows: write the file with quotes doubled, as RFC 4180 and pandas do (Spark: "
                  "df.write.option('escape', '\"').csv(...))")


def escaped_in_block(data: bytes, delimiter: str) -> int | None:
    """The 1-based line of :meth:`QuoteScan.backslash_escaped` in a block of CSV data read from a line start on
    its own (as a partition of a file split into blocks is parsed), or ``None``. A block without a backslash
    costs one search for a byte."""
    if b"\\" not in data or b'\\""' not in data:
        return None
    scan = QuoteScan(delimiter)
    scan.feed(data)
    scan.open_cell()
    return scan.backslash_escaped()


def line_ends(data: bytes) -> int:
    """The line ends in a block of data."""
    return int(np.count_nonzero(np.frombuffer(data, dtype=np.uint8) == _NEWLINE))


def took_next_row(cell: str, delimiter: str) -> bool:
    """Whether a text cell as a CSV reader gave it shows :meth:`QuoteScan.backslash_escaped`: a line end, and a
    quote after a backslash before the delimiter or a line end (the rest of its row and the next row in it)."""
    return (("\n" in cell or "\r" in cell) and '\\"' in cell
            and re.search(r'(?<!\\)(?:\\\\)*\\"(?:' + re.escape(delimiter) + "|\n|\r)", cell) is not None)


def _inside_at_line_ends(a: np.ndarray, at: np.ndarray, toggle: np.ndarray, reset: np.ndarray,
                         inside: bool) -> np.ndarray:
    """Whether each line end of the bytes ``a`` is inside a quoted cell, given the runs of quotes (where each
    starts, whether it toggles or resets the state, as :func:`_runs` gives them) and the state before ``a``."""
    toggles = np.cumsum(toggle)
    last_reset = np.maximum.accumulate(np.where(reset, np.arange(len(at)), -1))
    since = toggles - np.where(last_reset >= 0, toggles[np.maximum(last_reset, 0)], 0)
    after = np.where(last_reset >= 0, since % 2 == 1, inside != (toggles % 2 == 1))  # the state after each run
    runs_before = np.searchsorted(at, np.flatnonzero(a == _NEWLINE))
    return np.where(runs_before > 0, after[np.maximum(runs_before - 1, 0)], inside)


def _cell_starts(delimiter: str) -> np.ndarray:
    """The bytes after which a cell starts: the delimiter and the line ends."""
    return np.array([ord(delimiter), _NEWLINE, _CR], dtype=np.uint8)


def _runs(a: np.ndarray, q: np.ndarray, before_data: int, starts: np.ndarray
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The runs of adjacent quotes at ``q`` (sorted offsets into the bytes ``a``; ``before_data``: the byte
    before ``a``): where each starts, and whether it toggles the state or resets it (the module docstring)."""
    first = np.flatnonzero(np.diff(q, prepend=-2) != 1)  # the first quote of each run
    odd = np.diff(first, append=len(q)) % 2 == 1
    at = q[first]
    before = a[np.maximum(at - 1, 0)]
    if at[0] == 0:
        before[0] = before_data
    toggle = odd & np.isin(before, starts)
    return at, toggle, odd & ~toggle


def line_ends_outside(data: Any, delimiter: str, *, end_too: bool = False) -> bool:
    """Is every line end of ``data`` (bytes-like, starting outside any quoted cell) outside quoted cells, and, with
    ``end_too``, its end? Then its lines are records (a block of them parses as the whole file would)."""
    a = np.frombuffer(data, dtype=np.uint8)
    q = np.flatnonzero(a == _QUOTE)
    if not len(q):
        return True
    at, toggle, reset = _runs(a, q, _NEWLINE, _cell_starts(delimiter))
    toggles = np.cumsum(toggle)
    last_reset = np.maximum.accumulate(np.where(reset, np.arange(len(at)), -1))
    inside = (toggles - np.where(last_reset >= 0, toggles[np.maximum(last_reset, 0)], 0)) % 2 == 1
    ends = np.flatnonzero(a == _NEWLINE)
    runs_before = np.searchsorted(at, ends)  # the runs before each line end
    if np.any(inside[runs_before[runs_before > 0] - 1]):
        return False
    return not (end_too and inside[-1])


def unclosed_quote(pieces: Iterable[bytes], delimiter: str) -> tuple[int, bytes] | None:
    """:meth:`QuoteScan.open_cell` of the data made of ``pieces``, in order."""
    return scan_quotes(pieces, delimiter).open_cell()


def scan_quotes(pieces: Iterable[bytes], delimiter: str) -> QuoteScan:
    """The :class:`QuoteScan` of the data made of ``pieces``, in order."""
    scan = QuoteScan(delimiter)
    for piece in pieces:
        scan.feed(piece)
    return scan
