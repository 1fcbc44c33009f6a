"""The exception types losscli raises.

Every problem losscli can detect is one subclass of :class:`LossCliError`. The command line maps them to
exit codes: :class:`UsageError` (and its subclasses) → 2, :class:`InputError` (and its subclasses) → 3.
A failed quality check is not an exception; it is the only thing that exits 1.

Input errors carry structured context (which array or file, the 0-based row and column, the value, a
fix) so that the command line can name the file, the spreadsheet row and the column name.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from losscli.records import record


class LossCliError(Exception):
    """Base class of every error losscli raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}: {self.hint}"
        return self.message


class UsageError(LossCliError):
    """A wrong call: unknown loss, bad parameter, an option the loss does not take."""

    exit_code = 2


class UnknownLossError(UsageError, KeyError):
    """The loss name is neither a canonical name nor an alias."""

    def __init__(self, name: str, suggestions: list[str]) -> None:
        hint = f"did you mean {', '.join(suggestions)}?" if suggestions else "see `losscli list`"
        super().__init__(f"unknown loss {name!r}", hint=hint)
        self.name = name
        self.suggestions = suggestions

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return LossCliError.__str__(self)


class ParameterError(UsageError):
    """A loss parameter is unknown, of the wrong type or out of range."""


@record
class Location:
    """Where in the inputs a problem was found.

    ``array`` is ``"y_true"``, ``"y_pred"`` or ``"sample_weight"``; ``row`` and ``column`` are 0-based
    positions within that array (``column`` is ``None`` for 1-D arrays or whole-row problems).
    The reader layer fills ``file`` and the column ``name`` and shifts ``row`` to the file's row.
    """

    array: str
    row: int | None = None
    column: int | None = None
    value: Any = None
    file: str | None = None
    column_name: str | None = None
    file_row: int | None = None
    #: what ``file_row`` counts: ``"row"`` (CSV, arrays, tables) or ``"line"`` (JSON lines)
    row_word: str = "row"
    extra: dict[str, Any] = field(default_factory=dict)


class InputError(LossCliError):
    """The data are unreadable or invalid for the chosen loss (exit code 3)."""

    exit_code = 3
    kind = "invalid input"

    def __init__(self, message: str, *, hint: str | None = None, location: Location | None = None) -> None:
        super().__init__(message, hint=hint)
        self.location = location

    def where(self) -> str:
        """Where the problem is, e.g. ``preds.csv column p2 row 17`` or ``y_pred row 18 column 3``."""
        loc = self.location
        if loc is None:
            return ""
        parts = []
        if loc.file is not None:
            parts.append(loc.file)
            if loc.column_name is not None:
                parts.append(f"column {loc.column_name}")
            if loc.file_row is not None:
                parts.append(f"{loc.row_word} {loc.file_row}")
        elif loc.row is not None:
            parts.append(loc.array)
            parts.append(f"row {loc.row + 1}")
            if loc.column is not None:
                parts.append(f"column {loc.column + 1}")
        return " ".join(parts)

    def __str__(self) -> str:
        text = self.message
        where = self.where()
        loc = self.location
        if where and loc is not None and loc.file is None and text.endswith(f" in {loc.array}"):
            text += where.removeprefix(loc.array)  # "NaN in y_pred row 2", not "NaN in y_pred in y_pred row 2"
        elif where:
            text += f" in {where}"
        if loc is not None and loc.value is not None and (loc.file_row is not None or loc.row is not None):
            text += f" (value {shown_value(loc.value)})"
        if self.hint:
            text += f": {self.hint}"
        return text


def shown_value(value: Any) -> str:
    """A value for a message as it was written: every digit that tells it apart (``1.0000000001`` is not
    ``1``), integers in full, text quoted."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


class ShapeError(InputError):
    kind = "shape mismatch"


class LabelError(InputError):
    kind = "invalid label"


class ProbabilityError(InputError):
    kind = "invalid probability"


class NonFiniteError(InputError):
    kind = "non-finite value"


class WeightError(InputError):
    kind = "invalid weight"


class EmptyInputError(InputError):
    kind = "empty input"


class ReadError(InputError):
    """A file is missing, unreadable, of an unknown format or malformed."""

    kind = "unreadable input"


class EmptyContentError(ReadError):
    """A file that holds nothing (once decompressed: Spark writes an empty partition's part compressed, a gzip
    stream of no bytes): an error for one file, an empty part of a sharded dataset."""


class NoRowsError(ReadError):
    """A file that names its columns and holds no rows (a Parquet or Arrow file of an empty partition, as Spark
    writes one for its first): an error for one file, an empty part of a sharded dataset (``columns`` are the
    names, a list column's as one name)."""

    def __init__(self, message: str, *, hint: str | None = None, columns: list[str]) -> None:
        super().__init__(message, hint=hint)
        self.columns = columns


class HeaderOnlyError(NoRowsError):
    """A CSV file with a header and no rows: an error for one file, an empty part of a sharded dataset
    (``columns`` are the header's names, ``delimiter`` the file's)."""

    def __init__(self, message: str, *, hint: str | None = None, columns: list[str], delimiter: str) -> None:
        super().__init__(message, hint=hint, columns=columns)
        self.delimiter = delimiter


class OutputError(LossCliError):
    """An output file (per-sample results, state, baseline or report) could not be written (exit code 3)."""

    exit_code = 3


class OverflowInputError(InputError):
    """A result beyond float64's range although every per-sample value is finite."""
