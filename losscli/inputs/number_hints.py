"""What a cell that is not a number looks like, said as a hint: the same words from both engines."""

from __future__ import annotations

import re

from losscli.io.plain_numbers import python_only_hint

#: 1,234.5: commas between thousands
THOUSANDS_COMMAS = "thousands separators are not numbers; remove them"
#: 3.446,88: points between thousands and a decimal comma (Excel in a German locale)
THOUSANDS_POINTS = ("points between thousands and a decimal comma: write numbers without thousands separators and "
                    "with a decimal point (3446.88)")
#: 0,5
DECIMAL_COMMA = "a decimal comma? write decimals with a point (0.5, not 0,5)"
#: [0.1, 0.9] written as the text of one cell
LIST_AS_TEXT = ("a list written as text (datasets' Dataset.to_csv and pandas' to_csv write a list or array cell so): "
                "write the file with to_json or to_parquet, which keep the list's numbers (one column per element, "
                "selected by the list's name)")
#: any other comma
COMMA_INSIDE = "a comma inside a cell: quote the cell or use another delimiter"
#: true or false among class indices
BOOLEAN_CLASS_INDEX = ("these labels are class indices (0, 1, ..., one per prediction column, in order): write true as "
                       "the index 1 and false as 0")


def booleans_name_no_class(known: str) -> str:
    """The hint for true or false among labels whose classes (``known``, as listed) are not 0 and 1 or named so."""
    return f"true and false name none of these classes: write the class of the row ({known})"


def number_hint(text: str) -> str | None:
    """The hint for a cell's ``text`` (stripped) that is not a number, by what it looks like; ``None`` when it
    looks like none of these (a word, a class name)."""
    if (python := python_only_hint(text)) is not None:
        return python
    if re.fullmatch(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?", text):
        return THOUSANDS_COMMAS
    if re.fullmatch(r"[+-]?\d{1,3}(\.\d{3})+,\d*", text):
        return THOUSANDS_POINTS
    if re.fullmatch(r"[+-]?\d*,\d+([eE][+-]?\d+)?", text):
        return DECIMAL_COMMA
    if text.startswith("[") and text.endswith("]"):
        return LIST_AS_TEXT
    if "," in text:
        return COMMA_INSIDE
    return None
