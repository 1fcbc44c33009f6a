"""Which number texts a cell may hold: the digits 0-9, without ``_``, as CSV readers read them.

Python's ``float`` also reads other scripts' digits (full-width ``３``, Arabic-Indic ``٣``, Devanagari ``३``)
and digits grouped with ``_`` (``1_000.5``, a Python literal): pandas, polars and Arrow read such a cell as
text, so the peers give no number for the column. Such a cell is refused by name (the hint says what it holds
and how to write it), never read as a number. Cells are judged stripped, as they are read (a number padded
with no-break spaces is that number).
"""

from __future__ import annotations

from collections.abc import Iterable


def python_only(text: str) -> bool:
    """Whether a stripped cell holds a character other than ASCII, or ``_`` (what only Python's ``float`` reads
    of a number)."""
    return not text.isascii() or "_" in text


def plain_float(text: str) -> float:
    """``float(text)`` of a stripped cell, as CSV readers read it: a ValueError for a text that only Python's
    ``float`` reads as a number (:func:`python_only`), as for one that is none."""
    if python_only(text):
        raise ValueError(f"a number only Python reads: {text!r}")
    return float(text)


def all_plain(cells: Iterable[str | None]) -> bool:
    """Whether no cell of a column's stripped texts (``None`` for missing) is :func:`python_only`."""
    joined = "".join(c for c in cells if c)
    return joined.isascii() and "_" not in joined


def python_only_hint(text: str) -> str | None:
    """The hint for a cell that only Python's ``float`` reads as a number (what it holds, and how to write it),
    else ``None``."""
    if not python_only(text):
        return None
    try:
        float(text)
    except ValueError:
        return None
    odd = next((c for c in text if not c.isascii()), None)
    if odd is None:
        return ("digits grouped with '_' are Python's spelling, which CSV readers (pandas, polars) read as text: "
                f"write the number without them ({text.replace('_', '')})")
    import unicodedata  # only a number in other digits needs it

    plain = "".join(str(unicodedata.decimal(c)) if c.isdecimal() else c for c in text).replace("_", "")
    return (f"digits other than 0-9 ({unicodedata.name(odd, f'U+{ord(odd):04X}').lower()}), which CSV readers "
            f"(pandas, polars) read as text: write the number in the digits 0-9 ({plain})")
