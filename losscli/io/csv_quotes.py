"""Does CSV text end inside a quoted cell (a quote opened and never closed)?

pandas refuses such a file ("EOF inside string"); pyarrow and Python's ``csv`` module read the cell to the
end of the data, so every row after the quote becomes part of one cell. In a column that is not read, or in
a last cell holding a number, that loses rows without a word: the readers check it here.

The parsers' rule, which :class:`QuoteScan` follows: a ``"`` opens a quoted cell only at the start of a
cell (the start of the data, or after the delimiter or a line end); inside, ``""`` is a quote and a lone
``"`` closes the cell; any other ``"`` is a character of the cell. An even number of ``"`` cannot leave a
cell open, so the readers count them (:func:`count_quotes`, a byte count at memory speed) and scan only
data whose count is odd.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

_QUOTE, _NEWLINE, _CR = 34, 10, 13
#: how many bytes of an open cell a message shows
_SHOWN = 40


def count_quotes(data: bytes | bytearray) -> int:
    """How many ``"`` bytes ``data`` holds."""
    return data.count(b'"')


class QuoteScan:
    """The quoting state of CSV data fed in pieces; :meth:`open_cell` after the last piece."""

    def __init__(self, delimiter: str) -> None:
        self._starts = np.array([ord(delimiter), _NEWLINE, _CR], dtype=np.uint8)
        self._inside = False
        self._after_quote = False  # inside, the last byte seen was a quote: a closing one, or half of ""
        self._last_byte = _NEWLINE  # the byte before the data: the start of a line
        self._lines = 0  # line ends before the current piece
        self._opened: tuple[int, bytes] | None = None  # (line, the cell's first bytes) of the open cell

    def feed(self, data: bytes) -> None:
        if not data:
            return
        if self._inside and self._opened is not None and len(self._opened[1]) < _SHOWN:
            line, shown = self._opened  # the open cell's first bytes, continued from the last piece
            self._opened = (line, shown + data[: _SHOWN - len(shown)])
        a = np.frombuffer(data, dtype=np.uint8)
        quotes = np.flatnonzero(a == _QUOTE).tolist()
        line_ends = None
        i = 0
        if self._after_quote:  # the quote that ended the last piece: closing, or the first of ""
            self._after_quote = False
            if quotes and quotes[0] == 0:
                i = 1  # "" inside a quoted cell
            else:
                self._inside = False
        while i < len(quotes):
            q = quotes[i]
            if self._inside:
                if i + 1 < len(quotes) and quotes[i + 1] == q + 1:
                    i += 2  # ""
                    continue
                if q + 1 == len(a):
                    self._after_quote = True  # decided by the next piece's first byte
                else:
                    self._inside = False
                i += 1
                continue
            before = a[q - 1] if q else self._last_byte
            if before in self._starts:
                self._inside = True
                if line_ends is None:
                    line_ends = np.flatnonzero(a == _NEWLINE)
                line = self._lines + int(np.searchsorted(line_ends, q)) + 1
                self._opened = (line, bytes(data[q : q + _SHOWN]))
            i += 1
        self._lines += int(np.count_nonzero(a == _NEWLINE)) if line_ends is None else len(line_ends)
        self._last_byte = int(a[-1])

    def open_cell(self) -> tuple[int, bytes] | None:
        """(1-based line, the cell's first bytes as written) of a quoted cell the data ends inside, else None."""
        return self._opened if self._inside and not self._after_quote else None


def unclosed_quote(pieces: Iterable[bytes], delimiter: str) -> tuple[int, bytes] | None:
    """:meth:`QuoteScan.open_cell` of the data made of ``pieces``, in order."""
    scan = QuoteScan(delimiter)
    for piece in pieces:
        scan.feed(piece)
    return scan.open_cell()
