"""Assembling aligned (labels, predictions, weights) batches from one, two or three input files.

Two-file mode: ``--labels`` and ``--preds`` (and optionally ``--weights``), aligned by row order or joined
by ``--id-col``. One-file mode: a single file holding every column; the label column defaults to one named
``label``, ``y``, ``target`` or ``y_true`` and the remaining numeric columns are the predictions. A pairwise
loss may take its second input from ``--preds2``, a file read in step with the predictions (or the one
file), row by row: never joined, its id column (if it has the one the predictions have) must agree row by
row, as a weights file's does.

This stage knows the loss's label kind only to decide how many label columns it needs and how string
class labels map to prediction columns; all value checks happen in :mod:`losscli.engine.validate`.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import field
from typing import Any

import numpy as np

from losscli.chunking import default_chunk_rows
from losscli.column_names import WEIGHT_NAMES, is_id_name
from losscli.errors import InputError, Location, NonFiniteError, ReadError, ShapeError, UsageError
from losscli.inputs.infer import (
    MISSING,
    SAMPLE_ROWS,
    Selection,
    Table,
    infer_one_file,
    infer_two_files,
    is_reset_index_name,
    is_text,
    prediction_candidates,
    text_index,
)
from losscli.inputs.keyindex import KeyIndex, first_repeat, id_keys
from losscli.io import Block, Chunk, Source, open_source, select_columns
from losscli.io.base import LOGICAL, first_cells
from losscli.io.plain_numbers import plain_float
from losscli.records import record
from losscli.spec import CLASS_SCORE_KINDS, LossSpec

#: Extra columns holding per-row counts (``--words-col``, ``--bytes-col``): numbers, missing values as NaN.
COUNT_COLUMNS = ("words", "bytes")

PRED_PREFIXES = ("p_", "prob_", "proba_", "probability_", "logit_", "logits_", "score_", "pred_")
# The two patterns below are compiled on first use (re keeps them): only a file whose prediction columns are
# named by class looks them up, and compiling them costs 0.5 ms of every start.
#: the same words with the class number right after them (``p0``, ``prob2``)
_BARE_NUMBERED = rf"(?:{'|'.join(p.rstrip('_') for p in PRED_PREFIXES)})(\d+)"
#: the words a probability column's name puts before or after a class name (``p_churn``, ``churn_prob``)
PROBABILITY_WORDS = ("p", "prob", "proba", "probability", "pred", "prediction", "score", "is", "yhat")
#: a class number with one of those words after it (``1_prob``, ``0-score``)
_SUFFIX_NUMBERED = rf"([+-]?\d+)[_\-. ](?:{'|'.join(PROBABILITY_WORDS)})"


@record
class InputOptions:
    """Where the data are and which columns hold what (the CLI's input options)."""

    data: list[str] = field(default_factory=list)
    labels: str | None = None
    preds: str | None = None
    weights: str | None = None
    #: the second input of a pairwise loss, a file read in step with ``preds`` (or the one data file)
    preds2: str | None = None
    label_cols: str | None = None
    pred_cols: str | None = None
    #: the columns of ``preds2`` (``None``: its numeric columns that are not index-like)
    pred2_cols: str | None = None
    weight_col: str | None = None
    id_col: str | None = None
    classes: list[str] | None = None
    nan: str = "error"
    chunk_rows: int | None = None
    header: bool | None = None  #: None: guess (a first CSV row of numbers is data)
    delimiter: str | None = None
    fmt: str | None = None
    #: Extra columns of the predictions (or data) file carried through as ``Batch.extra[name]``,
    #: e.g. ``{"group": "region"}`` for per-group breakdowns. Values are column selections.
    extra_cols: dict[str, str] = field(default_factory=dict)
    #: Files of their own holding an extra column (``--words FILE``), aligned with the predictions by row;
    #: ``extra_cols[name]``, if given, selects the column in that file, else it has exactly one.
    extra_files: dict[str, str] = field(default_factory=dict)

    def files(self) -> list[str]:
        """Every file these options read (standard input, ``-``, left out)."""
        named = [*self.data, self.labels, self.preds, self.preds2, self.weights, *self.extra_files.values()]
        return [p for p in named if p and p != "-"]


@record
class Batch:
    """One aligned chunk of samples."""

    y_true: np.ndarray
    y_pred: np.ndarray
    weights: np.ndarray | None
    ids: np.ndarray | None
    rows: np.ndarray  # 0-based data rows in the predictions (or data) file
    label_rows: np.ndarray  # 0-based data rows in the labels file
    extra: dict[str, np.ndarray] = field(default_factory=dict)  # InputOptions.extra_cols, by name

    def __len__(self) -> int:
        return self.y_pred.shape[0]


@record
class Role:
    """Which columns of which source play a role (labels, predictions, weights, ids)."""

    source: Source
    columns: list[str]

    def __post_init__(self) -> None:
        #: the columns as a slice of one block of the source (read as one 2-D array), or ``None``
        self.block = self.source.block_of(self.columns)

    def document(self) -> dict[str, Any]:
        """The file and columns, for a result's ``inputs``: a whole list column by its name (and width)."""
        if self.block is not None:
            key, lo, hi = self.block
            if (lo, hi) == (0, len(self.source.blocks[key.name])) and self.columns[0].endswith("]"):
                return {"file": self.source.name, "columns": [key.name], "values_per_row": hi}
        return {"file": self.source.name, "columns": self.columns}

    def read_keys(self) -> list[Any]:
        """What to ask the source for: the block, or the columns one by one."""
        return [self.block[0]] if self.block is not None else list(self.columns)

    def arrays(self, columns: dict[Any, np.ndarray]) -> list[np.ndarray]:
        """The role's arrays in a chunk read with :meth:`read_keys`: one 2-D array for a block, else one per column."""
        if self.block is not None:
            key, lo, hi = self.block
            matrix = columns[key]
            return [matrix if (lo, hi) == (0, matrix.shape[1]) else matrix[:, lo:hi]]
        return [columns[c] for c in self.columns]


def _same_number(x: str, y: str) -> bool:
    """Two ids written as the same number (``1`` and ``1.0``): the same row, for a check of the row order (a
    join keeps ids as the text written)."""
    try:
        return float(x) == float(y)
    except ValueError:
        return False


def same_order_hint(key: str) -> str:
    """The hint for two files paired by position whose key column ``key`` disagrees row by row (both engines)."""
    return f"write both files in the same row order, or join them on it with --id-col {key} if its values do not repeat"


def first_other_id(lab: Any, pred: Any) -> tuple[int, str, str] | None:
    """The first row where two id columns paired by position disagree — (row, the labels' id, the other's),
    ids as text (:func:`id_keys`; ``1`` and ``1.0`` agree, and ``2024-01-01`` and ``2024-01-01 00:00:00``) — or
    ``None``."""
    la, pa = np.asarray(lab), np.asarray(pred)
    if la.dtype.kind in "iuf" and pa.dtype.kind in "iuf":  # numbers: compared at once
        differ = np.flatnonzero(la.astype(np.float64) != pa.astype(np.float64))
    elif la.dtype.kind == pa.dtype.kind == "O":  # texts as written: compared element by element in C
        differ = np.flatnonzero(la != pa)
    else:
        differ = np.flatnonzero(np.array(id_keys(la), dtype=object) != np.array(id_keys(pa), dtype=object))
    for i in differ.tolist():
        x, y = id_keys(la[i:i + 1])[0], id_keys(pa[i:i + 1])[0]
        if x != y and not _same_number(x, y):
            return i, x, y
    return None


def guessed_headers_error(names: list[str]) -> UsageError:
    """Files read side by side whose first rows were all only guessed to be headers (numbers that are pandas'
    default column names ``0, 1, …``, which ``np.savetxt`` data can also start with) would each lose a
    sample with no row-count mismatch to reveal it: such a run waits for ``--header`` or ``--no-header``."""
    import shlex

    quoted = [shlex.quote(name) for name in names]
    lines = ", or ".join(f"<(echo y; cat {q}) in place of {q}" for q in quoted)
    return UsageError(
        f"the first rows of {', '.join(names)} hold only the numbers 0, 1, …: column names as pandas writes "
        "them, or data (as np.savetxt writes it)?",
        hint="pass --no-header if the first rows are data, --header if they are column names; if one file is "
             "data and the other has names (np.savetxt's beside pandas' to_csv), give the data file a header line "
             f"in the shell: {lines} (or save it with np.savetxt(..., header='y', comments=''))",
    )


def guessed_header_hint(short: Any, long: Any, sources: list[Any]) -> str:
    """The hint of a file one row short of ``long`` whose first row was guessed to be pandas' default names
    (``0``): the guess may be wrong (--no-header), unless ``long`` opens with integers read as data that pandas
    would write as names too (``1``: ``df[[1]]``), where both files' first rows are names (--header) or both
    data; or unless another file's header is real, which --no-header would read as data."""
    first = getattr(long, "first_row_as_data", None)
    if pandas_integer_names(first):
        return (f"the first rows of {short.name} ({first_cells(short.columns)}) and {long.name} "
                f"({first_cells(first)}) are integers as pandas writes column names, the one read as a "
                "header and the other as data: pass --header if both are column names, --no-header if both are data")
    others = [src for src in sources if src is not short and src.header_rows > 0
              and not getattr(src, "header_maybe_data", False)]
    if others:  # --no-header would read the other file's real header as data
        return (f"the first row of {short.name} was read as a header (pandas' default column name); if it "
                f"is data, write {short.name} with a header line (np.savetxt(..., header='y', "
                f"comments='')), as --no-header would read the header of {others[0].name} as data too")
    return f"the first row of {short.name} was read as a header: pass --no-header if it is data"


def one_row_short_hint(short: Any, long: Any, sources: list[Any]) -> str | None:
    """The hint of a file one row short of ``long`` where a first row's reading may be wrong (a guessed header,
    or a first row read as data), for both engines; ``None`` where none is."""
    if getattr(short, "header_maybe_data", False):
        return guessed_header_hint(short, long, sources)
    if names := getattr(short, "logical_header", None):
        return _logical_header_hint(short, long, names, sources)
    guessed = getattr(short, "guessed_header", False)
    for first, why, header_too, alone in (
            (getattr(long, "first_row_as_data", None), "", lambda: guessed and short.header_may_be_sample(pandas=False),
             " (a header of numbers, such as classes 1, 2, 3)"),
            (getattr(long, "words_row_as_data", None), ", as one of its words is a value of its column below",
             lambda: guessed, "")):
        if not first:
            continue
        # a header that is a guess too (a word header that could be a sample: 0,1 as R writes probabilities)
        if header_too():
            return (f"the first row of {short.name} ({first_cells(short.columns)}) was read as a header and that of "
                    f"{long.name} ({first_cells(first)}) as data{why}: pass --no-header if both are samples, --header "
                    "if both are column names")
        return (f"the first row of {long.name} ({first_cells(first)}) was read as data{why}: pass --header if it is "
                f"column names{alone}")
    if guessed and long.header_rows > 0 and short.header_may_be_sample():
        return _header_line_hint(f"the first row of {short.name} ({first_cells(short.columns)}) was read as a "
                                 "header, a guess", short, short.columns, long)
    return None


def _logical_header_hint(short: Any, long: Any, names: tuple[str, ...], sources: list[Any]) -> str:
    """The hint of a file one row short of ``long`` whose first row of logical values was guessed to be a header
    (class names as pandas writes them, ``False,True``; or a first sample): ``--no-header`` if it is a sample;
    beside another file with a header, a header line for it instead (in the shell for a plain file); and
    ``--header`` when ``long`` opens with numbers read as data, which may be its column names instead."""
    hint = f"the first row of {short.name} ({first_cells(names)}) was read as a header, logical values naming classes as pandas " \
           "writes them"
    first = getattr(long, "first_row_as_data", None)
    if first and (pandas_integer_names(first) or _names_like(first)):  # names as pandas writes them, read as data
        return (f"{hint}, and the first row of {long.name} ({first_cells(first)}) "
                "as data: pass --header if both are column names, --no-header if both are samples")
    headed = [src for src in sources if src is not short and src.header_rows > 0]
    if not headed:
        return f"{hint}: pass --no-header if it is a sample"
    return _header_line_hint(hint, short, names, headed[0])


def _header_line_hint(hint: str, short: Any, names: tuple[str, ...] | list[str], headed: Any) -> str:
    """``hint`` (a file one row short whose guessed header may be a sample), then: give ``short`` a header
    line, as --no-header would read the header of ``headed`` as data too (in the shell, for a plain file)."""
    import shlex

    delimiter = getattr(short, "delimiter", ",")
    line = delimiter.join(f"y{k + 1}" for k in range(len(names)))
    q = shlex.quote(short.name)
    # printf writes a tab from \t, which an error message shows escaped (echo would write the backslash)
    shell = (f"printf {shlex.quote(line.replace(chr(9), chr(92) + 't') + chr(92) + 'n')}" if delimiter == "\t"
             else f"echo {shlex.quote(line)}")
    return (f"{hint}: if it is a sample, give {short.name} a header line, as --no-header would read the header of "
            f"{headed.name} as data too" + (f": in the shell, <({shell}; cat {q}) in place of {q}"
                                               if getattr(short, "plain_text_file", False) else ""))


def _names_like(cells: tuple[str, ...] | None) -> bool:
    """Cells that could be column names of numbers: two or more plain numbers counting up (horizons ``1,2,3``,
    years ``2023,2024``, quantiles ``10,50,90`` or ``0.1,0.5,0.9``); a row of data (``2,0,3``, one-hot
    ``1,0,0``) seldom does."""
    if cells is None or len(cells) < 2 or not all(re.fullmatch(r"[+-]?\d+(\.\d+)?", c) for c in cells):
        return False
    values = [float(c) for c in cells]
    return all(a < b for a, b in zip(values, values[1:], strict=False))


def pandas_integer_names(cells: tuple[str, ...] | list[str] | None) -> bool:
    """Cells that could be integer column names as pandas writes them: distinct integers ``0``, ``1``, …
    without sign or padding — a frame's columns reordered (``2,0,1``) or some of them kept (``7``, ``2,0``)."""
    return bool(cells) and all(re.fullmatch(r"0|[1-9]\d*", c) for c in cells) and len(set(cells)) == len(cells)


def _reordered_names(cells: tuple[str, ...]) -> bool:
    """``0, …, K−1`` in another order (``2,0,1``): pandas' default names after ``df[[2, 0, 1]]``."""
    return len(cells) > 1 and sorted(int(c) for c in cells) == list(range(len(cells)))


def _same_names_opening(sources: list[Any]) -> tuple[str, ...] | None:
    """The first row every file opens with, read as data, when it is more likely column names: numbers counting
    up (:func:`_names_like`), pandas' default names in another order (``2,0,1``), or other integer names
    (``7``, ``2,0``) above rows that are no integers in every file — a column of floats under an integer name,
    as pandas writes ``pd.DataFrame({7: y})``. Integer rows identical in both files (``1`` above labels and
    hard predictions ``0``, ``1``; ``2,0,3`` above multi-output counts) stay data."""
    firsts = [getattr(s, "first_row_as_data", None) for s in sources]
    first = firsts[0]
    if len(sources) < 2 or first is None or any(f != first for f in firsts):
        return None
    if _names_like(first):
        return first
    if pandas_integer_names(first) and (_reordered_names(first) or all(
            getattr(s, "rows_below_not_integers", False) for s in sources)):
        return first
    return None


def refuse_guessed_headers(sources: list[Any]) -> None:
    """Files read side by side whose first rows are only guessed to be headers, or the same numbers read as
    data that are more likely column names, wait for ``--header`` or ``--no-header`` (exit 2)."""
    guessed = [s for s in sources if getattr(s, "header_maybe_data", False)]
    logical = [s for s in sources if getattr(s, "logical_header", None)]
    if len(sources) > 1 and logical and guessed and len(logical) + len(guessed) == len(sources) and all(
            getattr(s, "header_over_integers", False) for s in guessed):
        # logical class names (False,True) beside pandas' names over integers (0,1 over hard predictions): a
        # header-less pair of files, as likely (names over probabilities, as pandas writes them, are read)
        shown = ", ".join(f"{s.name} ({first_cells(s.columns)})" for s in sources)
        raise UsageError(
            f"the first rows of {shown} were all only guessed to be headers (logical values naming classes as pandas "
            "writes them, pandas' default column names 0, 1, … over integers): read so, each file would lose a "
            "sample with no row-count mismatch to show it",
            hint="pass --no-header if the first rows are samples, --header if they are column names")
    if len(sources) > 1 and len(guessed) == len(sources):
        raise guessed_headers_error([s.name for s in guessed])
    if (first := _same_names_opening(sources)) is not None:
        # the same numbers opening every file, read as data: column names (years, horizons 1,2,3, pandas'
        # integer names) more likely than labels and predictions that agree to the digit; read as data they
        # would add a zero loss
        raise UsageError(
            f"the first rows of {', '.join(s.name for s in sources)} are the same numbers "
            f"({first_cells(first)}): column names, or data?",
            hint="pass --header if they are column names (years, horizons, integer names as pandas writes them), "
                 "--no-header if they are data",
        )


class InputPlan:
    """The decided inputs of one evaluation; :meth:`batches` yields aligned :class:`Batch` objects."""

    def __init__(
        self,
        options: InputOptions,
        labels: Role,
        preds: Role,
        weights: Role | None,
        ids: tuple[Role, Role] | None,
        class_map: dict[Any, int] | None,
        label_mode: str,
        extras: dict[str, Role] | None = None,
    ) -> None:
        self.options = options
        self.labels = labels
        self.preds = preds
        self.weights = weights
        self.ids = ids
        self.class_map = class_map
        self.label_mode = label_mode  # 'value', 'class', 'onehot_from_class', 'binary_from_class'
        self.extras = extras or {}
        #: the second input of a pairwise loss (``--preds2``), read in step with ``preds``
        self.preds2: Role | None = None
        #: the id column of ``preds`` and of ``preds2``, which must agree row by row
        self.pair_ids: tuple[Role, Role] | None = None
        self.skipped = 0
        #: the loss whose labels are real values (a regression's targets, token_nll's ids), never class names
        self.real_labels: str | None = None
        #: called with the labels and carried columns of the rows dropped for missing values (``--nan
        #: skip``/``warn``) before they are dropped: a breakdown still shows their slice (with no sample)
        self.drop_listeners: list[Callable[[np.ndarray, dict[str, np.ndarray]], None]] = []
        self.samples = 0
        self.warnings: list[str] = []
        #: what was inferred about the inputs (header rows, columns not used, a join), for the user to see
        self.notes: list[str] = []
        #: id columns of both files that must agree row by row (when they are not joined on)
        #: columns checked to agree row by row: a shared id column, or the files' pandas indexes
        self.checked_ids: tuple[Role, Role] | None = None
        #: the checked ids are the two files' pandas indexes (not a shared id column beside a weights file)
        self.checked_by_index = False
        #: pandas indexes (the labels', another file's) that only the whole files can tell whether they number
        #: the same rows (:class:`~losscli.inputs.index_watch.IndexWatch`); the labels' may be their row numbers,
        #: (start, step): the range index of their metadata, or (0, 1) for a file without an index
        self.watched_indexes: list[tuple[Role | tuple[int, int], Role]] = []
        #: the watched columns that are text columns of one name in both files, not a pandas index
        self.watched_columns: set[str] = set()
        #: those of them whose sampled values are there once in each file: one that agrees on every row proves
        #: the files' order, and the others' values in another order are then the rows' own (a predicted answer)
        self.key_columns: set[str] = set()
        #: the pandas indexes of the labels and of a weights file, which must agree row by row
        self.checked_weight_index: tuple[Role, Role] | None = None
        #: the files are joined on a key column both hold that was not given with --id-col
        self.auto_joined = False
        #: Rows per chunk, decided here once for every reader, the joins and the evaluators.
        self.chunk_rows = options.chunk_rows or default_chunk_rows(self._values_per_row())

    #: A text column (ids, groups) costs about this many float64 values per row while it is held as strings.
    TEXT_WEIGHT = 8

    def _values_per_row(self) -> int:
        """What one row of every column read costs, in float64 values (it sizes the chunks)."""
        numeric = len(self.labels.columns) + len(self.preds.columns) + (len(self.weights.columns) if self.weights else 0)
        numeric += len(self.preds2.columns) if self.preds2 else 0
        text = (1 if self.ids else 0) + len(self.extras) + (1 if self.pair_ids else 0)
        text += sum(c in role.source.text_columns for role in self._index_roles() for c in role.columns)
        return numeric + self.TEXT_WEIGHT * text

    def _index_roles(self) -> list[Role]:
        """The pandas index columns read to check or watch the pairing (not a shared id column)."""
        checked = list(self.checked_ids or ()) if self.checked_by_index else []
        watched = [r for pair in self.watched_indexes for r in pair if isinstance(r, Role)]
        return [*checked, *watched, *(self.checked_weight_index or ())]

    # ------------------------------------------------------------------ description
    def class_names(self) -> dict[int, str]:
        """Each prediction column's class, by index: the first name mapped to it (``bee`` of ``bee`` and
        ``p_bee``, which the map holds both of to match labels), integers without their ``.0``."""
        out: dict[int, str] = {}
        for k, j in (self.class_map or {}).items():
            out.setdefault(j, str(int(k)) if isinstance(k, float) and k == int(k) else str(k))
        return out

    def inputs_document(self) -> dict[str, Any]:
        """The files and columns used, for the ``inputs`` section of a result."""
        out: dict[str, Any] = {"labels": self.labels.document(), "preds": self.preds.document()}
        if self.weights:
            out["weights"] = {"file": self.weights.source.name, "columns": self.weights.columns}
        if self.preds2:
            out["preds2"] = {"file": self.preds2.source.name, "columns": self.preds2.columns}
        if self.ids:
            out["id"] = self.ids[1].columns[0]
        if self.class_map:
            out["classes"] = [name for _, name in sorted(self.class_names().items())]
        if self.skipped:
            out["skipped_rows"] = self.skipped
        if self.notes:
            out["notes"] = list(self.notes)
        return out

    # ------------------------------------------------------------------ reading
    def read_ahead_gains(self) -> bool:
        """Whether reading the next batch while this one is computed gains time (see
        :attr:`~losscli.io.base.Source.read_ahead_gains`): unless every input is an array file."""
        roles = [self.labels, self.preds, self.weights, self.preds2, *self.extras.values()]
        return any(role.source.read_ahead_gains for role in roles if role is not None)

    def batches(self) -> Iterator[Batch]:
        if self.ids is not None and self.labels.source is not self.preds.source:
            yield from self._joined_batches()
            return
        yield from self._aligned_batches()

    def _aligned_batches(self) -> Iterator[Batch]:
        chunk_rows = self.chunk_rows
        roles = [self.labels, self.preds] + ([self.weights] if self.weights else [])
        if self.ids:
            roles.append(self.ids[1])
        if self.checked_ids:
            roles.extend(self.checked_ids)
        if self.preds2:
            roles.append(self.preds2)
        if self.pair_ids:
            roles.extend(self.pair_ids)
        watches = []
        if self.watched_indexes:
            from losscli.inputs.index_watch import IndexWatch, update_row_numbers

            roles.extend(r for pair in self.watched_indexes for r in pair if isinstance(r, Role))
            watches = [IndexWatch() for _ in self.watched_indexes]
        if self.checked_weight_index:
            roles.extend(self.checked_weight_index)
        roles.extend(self.extras.values())
        by_source: dict[int, tuple[Source, list[str]]] = {}
        seen: dict[int, set[str]] = {}  # sets: bookkeeping stays linear in the number of columns
        for role in roles:
            key = id(role.source)
            src, cols = by_source.setdefault(key, (role.source, []))
            known = seen.setdefault(key, set())
            for c in role.read_keys():
                if c not in known:
                    known.add(c)
                    cols.append(c)
        refuse_guessed_headers([src for src, _ in by_source.values()])
        streams = {key: _RowStream(src.read(cols, chunk_rows)) for key, (src, cols) in by_source.items()}
        step = chunk_rows or None
        while True:
            parts = {key: s.take(step) for key, s in streams.items()}
            lengths = {key: (len(next(iter(p[0].values()))) if p else 0) for key, p in parts.items()}
            if len(set(lengths.values())) > 1:
                self._row_count_mismatch(streams, parts, by_source)
            n = next(iter(lengths.values()))
            if n == 0:
                self._end_watches(watches)
                return
            columns: dict[int, dict[str, np.ndarray]] = {key: p[0] for key, p in parts.items()}
            first = next(iter(parts.values()))[1]
            rows = np.arange(first, first + n)

            def get(role: Role, columns: dict = columns) -> list[np.ndarray]:
                return role.arrays(columns[id(role.source)])

            if self.checked_ids:
                for level, (lab, pred) in enumerate(zip(get(self.checked_ids[0]), get(self.checked_ids[1]),
                                                        strict=True)):
                    self._check_same_ids(lab, pred, rows, level=level)
            if self.pair_ids:
                self._check_pair_ids(get(self.pair_ids[0])[0], get(self.pair_ids[1])[0], rows)
            if self.checked_weight_index:
                a, b = self.checked_weight_index
                for level, (lab, other) in enumerate(zip(get(a), get(b), strict=True)):
                    self._check_same_ids(lab, other, rows, b, by_index=True, level=level)
            numbered: dict[int, tuple[list[Any], list[int], Role]] = {}  # row numbers from several starts
            for watch, (first, second) in zip(watches, self.watched_indexes, strict=True):
                if isinstance(first, Role) or first[1] != 1:
                    numbers = get(first)[0] if isinstance(first, Role) else first[0] + first[1] * rows
                    watch.update(numbers, get(second)[0], rows)
                else:
                    group = numbered.setdefault(id(second), ([], [], second))
                    group[0].append(watch)
                    group[1].append(first[0])
            for group_watches, starts, second in numbered.values():
                update_row_numbers(group_watches, starts, get(second)[0], rows)

            batch = self._assemble(
                get(self.labels),
                get(self.preds),
                get(self.weights) if self.weights else None,
                get(self.ids[1])[0] if self.ids else None,
                rows,
                rows,
                {name: get(role)[0] for name, role in self.extras.items()},
                get(self.preds2) if self.preds2 else None,
            )
            if batch is not None:
                yield batch
            if step is None:
                self._end_watches(watches)
                return

    def _end_watches(self, watches: list[Any]) -> None:
        """Refuse files whose pandas indexes, or text columns of one name, read whole, hold the same values in
        another order (the text columns' not where one whose values are there once agrees on every row)."""
        proven = any(second.columns[0] in self.key_columns and watch.agreed()
                     for watch, (_, second) in zip(watches, self.watched_indexes, strict=True))
        for watch, (first, second) in zip(watches, self.watched_indexes, strict=True):
            found = watch.shuffled()
            if found is None or (proven and second.columns[0] in self.watched_columns):
                continue
            row, x, y = found
            other = second.source.name
            if isinstance(first, Role) and second.columns[0] in self.watched_columns:
                self._shared_column_error(str(x), str(y), row, second, repeats=watch.repeats)
            column = _index_as_column(second)
            if getattr(second.source, "row_names", False) and not isinstance(first, Role):
                index = f"the column of row names of {other} (R's, under a header one cell short)"
                sort = "its row names, sort it by them (df[order(as.numeric(rownames(df))), ] in R)"
                drop = "write it with row.names = FALSE"
            elif column is None and first == (1, 1):  # numbered from 1: R's write.csv, or a pandas index
                index = (f"the unnamed first column of {other} (row names as R's write.csv writes them, or a pandas "
                         "index)")
                sort = ("that column, sort it by it (df[order(as.numeric(rownames(df))), ] in R, df.sort_index() in "
                        "pandas)")
                drop = "write it without that column (row.names = FALSE in R, index=False in pandas)"
            elif column is None:
                index = f"the pandas index of {other}"
                sort = "its index, sort it by the index (df.sort_index())"
                drop = "write it without the index (index=False)"
            else:
                index = f"column {column!r} of {other} (a pandas index reset into a column, or a named one)"
                sort = f"its column {column!r}, sort it by that column (df.sort_values({column!r}, ignore_index=True))"
                drop = f"drop that column (df.drop(columns={column!r})) before writing it"
            if isinstance(first, Role):
                self._order_error(str(x), str(y), row, second, by_index=True, repeats=watch.repeats)
            elif self.labels.source.range_index is not None and tuple(self.labels.source.range_index) == first:
                try:
                    self._order_error(str(x), str(y), row, second, by_index=True, where=(
                        f"the RangeIndex that pandas kept in the metadata of {self.labels.source.name} numbers a "
                        f"row {x}, {index} {y}"))
                except InputError as exc:
                    if column is not None:  # index=False would not leave the column out
                        exc.hint = f"if the rows of {other} follow {sort} before writing it; if they are in the " \
                                   f"labels' order, {drop}"
                    raise
            else:  # labels without an index beside a file whose index holds their row numbers in another order
                raise InputError(
                    f"{index} holds the row numbers of {self.labels.source.name} ({first[0]} to "
                    f"{first[0] + first[1] * (watch.rows - 1)}) in another order (first out of place: {y} where the labels have row {x}): "
                    f"if its rows follow that index (predictions written fold by fold, or after a shuffle), they "
                    f"are not in the labels' order; if both files were written from one shuffled frame, they are. "
                    f"Which one is not known",
                    location=Location("y_pred", file=other, file_row=second.source.file_row(row), value=str(y)),
                    hint=f"if the rows of {other} follow {sort} before writing it; if they are in the labels' "
                         f"order, {drop}",
                )

    def _join_hint(self, hint: str) -> str:
        """A join error's hint; for a join the command chose itself, how to pair the rows by position instead."""
        if not self.auto_joined or self.ids is None:
            return hint
        key = self.ids[0].columns[0]
        return (f"{hint} (the files are joined on {key!r}, which both hold; to pair their rows by position "
                "instead, choose the columns with --label-cols and --pred-cols)")

    def _check_same_ids(self, lab: np.ndarray, pred: np.ndarray, rows: np.ndarray, role: Role | None = None,
                        *, by_index: bool | None = None, level: int = 0) -> None:
        """The labels' ids (or pandas index, or its ``level``) and those of ``role``'s file (the predictions')
        agree row by row."""
        found = first_other_id(lab, pred)
        if found is not None:
            i, x, y = found
            by_index = self.checked_by_index if by_index is None else by_index
            # an index whose values repeat (batches numbered from 0 each) is no key to join on
            repeats = bool(by_index) and len(set(id_keys(np.asarray(lab)))) < len(lab)
            self._order_error(x, y, int(rows[i]), role or self.checked_ids[1],  # type: ignore[index]
                              by_index=by_index, level=level, repeats=repeats)

    def _order_error(self, x: str, y: str, row: int, role: Role, *, by_index: bool, where: str | None = None,
                     level: int = 0, repeats: bool = False) -> None:
        """The rows of the two files are in another order: id (or pandas index) ``x`` in the labels, ``y`` in
        the predictions at stream row ``row`` (``where`` says so in other words; ``repeats``: the index repeats
        values, so it is no key to join on)."""
        if by_index:
            from losscli.inputs.index_watch import ORDER_HINT, REPEATS_HINT

            what, hint = "pandas index", REPEATS_HINT if repeats else ORDER_HINT
            if len(role.columns) > 1:  # a MultiIndex: a level's values in one and the other
                what = f"level {role.columns[level]!r} of the pandas index"
                hint = ("sort both frames alike before writing them (df.sort_index()); if their rows are paired by "
                        "position, write them without their index (df.reset_index(drop=True))")
        elif self.weights is not None and self.weights.source not in (self.labels.source, self.preds.source):
            what = "id"
            hint = (f"put the sample weights in a column of the predictions file (--weight-col) and join "
                    f"by --id-col {role.columns[0]}")
        else:
            what, hint = "id", same_order_hint(role.columns[0])
        from losscli.inputs.index_watch import order_message

        raise InputError(
            (f"the rows of {self.labels.source.name} and {role.source.name} are in another order: {where}" if where
             else order_message(self.labels.source.name, role.source.name, what, x, y)),
            location=Location("y_pred", file=role.source.name, column_name=None if by_index else role.columns[0],
                              file_row=role.source.file_row(row), value=y),
            hint=hint,
        )

    def _shared_column_error(self, x: str, y: str, row: int, role: Role, *, repeats: bool) -> None:
        """A text column of one name in both files holds the same values in another order (``x`` in the labels,
        ``y`` in the predictions at stream row ``row``): the files hold their rows in other orders."""
        from losscli.inputs.index_watch import column_hint, shared_column_message

        column = role.columns[0]
        raise InputError(
            shared_column_message(self.labels.source.name, role.source.name, column, x, y),
            location=Location("y_pred", file=role.source.name, column_name=column,
                              file_row=role.source.file_row(row), value=y),
            hint=column_hint(column, repeats),
        )

    def _check_pair_ids(self, first: np.ndarray, second: np.ndarray, rows: np.ndarray) -> None:
        """The id column of ``--preds2`` agrees with that of the predictions row by row (it is not joined)."""
        a, b = id_keys(first), id_keys(second)
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                self._pair_order_error(x, y, int(rows[i]))

    def _pair_order_error(self, x: str, y: str, row: int) -> None:
        one, two = self.pair_ids  # type: ignore[misc]
        raise InputError(
            f"the rows of {two.source.name} are in another order than those of {one.source.name}: id {x!r} in "
            f"one, {y!r} in the other",
            location=Location("y_pred", file=two.source.name, column_name=two.columns[0],
                              file_row=two.source.file_row(row), value=y),
            hint=f"--preds2 is read in step with the predictions, row by row (not joined by id): write "
                 f"{two.source.name} in the row order of {one.source.name}, or put its columns in "
                 f"{one.source.name} and select them with --pred2-cols",
        )

    def _row_count_mismatch(self, streams: dict, parts: dict, by_source: dict) -> None:
        counts = {}
        for key, stream in streams.items():
            counts[key] = stream.consumed + stream.count_rest()
        order = sorted(counts, key=lambda k: counts[k])
        few, many = order[0], order[-1]
        hint = ("labels, predictions and weights need one row per sample in the same order, "
                "or join them by key with --id-col")
        short = by_source[few][0]
        if self.preds2 is not None and self.preds2.source in (by_source[few][0], by_source[many][0]):
            hint = (f"--preds2 is read in step with the predictions: {self.preds2.source.name} needs one row per "
                    f"sample, in the order of {self.preds.source.name}")
        long = by_source[many][0]
        if counts[many] - counts[few] == 1:
            hint = one_row_short_hint(short, long, [src for src, _ in by_source.values()]) or hint
        raise ShapeError(
            f"{by_source[many][0].name} has {counts[many]} rows but {by_source[few][0].name} has {counts[few]}",
            hint=hint,
        )

    def _joined_batches(self) -> Iterator[Batch]:
        label_role, pred_role = self.ids  # type: ignore[misc]
        id_col = label_role.columns[0]
        label_keys = self.labels.read_keys()
        if self._weights_with_labels():  # looked up by id along with the labels
            label_keys = list(dict.fromkeys(label_keys + self.weights.read_keys()))  # type: ignore[union-attr]
        lab_cols = list(dict.fromkeys(label_keys + label_role.columns))
        index = KeyIndex()
        try:
            yield from self._join_with(index, label_keys, lab_cols, id_col, pred_role)
        finally:
            index.close()

    def _join_with(self, index: KeyIndex, label_keys: list[Any], lab_cols: list[Any], id_col: str,
                   pred_role: Role) -> Iterator[Batch]:
        kept: dict[Any, list[np.ndarray]] = {c: [] for c in label_keys}
        read_as: dict[Any, list[np.dtype]] = {c: [] for c in label_keys}  # the dtypes looked up before narrowing
        was64: set[Any] = set()
        for ch in self.labels.source.read(lab_cols, self.chunk_rows):  # the ids go into the index only
            index.add(id_keys(ch.columns[id_col]))
            for c in label_keys:
                col = ch.columns[c]
                narrow = _compact(col)
                if col.dtype == np.float64:
                    was64.add(c)
                    read_as[c].append(narrow.dtype)
                else:
                    read_as[c].append(col.dtype)
                kept[c].append(narrow)
                del col, narrow
        dups = index.finish()
        if not len(index):
            raise ReadError(f"{self.labels.source.name} has no rows")
        lab = {c: _concat_kept(parts) for c, parts in kept.items()}
        del kept
        # each label column is looked up in the dtype it had before narrowing (float64 if it was read so)
        want = {c: _concat_kept([np.empty(0, d) for d in read_as[c]]).dtype for c in label_keys}
        want.update({c: np.dtype(np.float64) for c in was64 if want[c] == np.float32})
        if dups:
            i, j = dups[0]
            k = self._label_id_at(id_col, i)
            raise InputError(
                f"{len(dups)} duplicate id{'s' if len(dups) > 1 else ''} (the first: {k!r}, also in row "
                f"{self.labels.source.file_row(j)})",
                location=Location("y_true", file=self.labels.source.name, column_name=id_col,
                                  file_row=self.labels.source.file_row(i)),
                hint=self._join_hint("each id must appear once"),
            )
        seen = np.zeros(len(index), dtype=bool)
        pred_cols = list(dict.fromkeys(self.preds.read_keys() + pred_role.columns))
        wcols = []
        if self.weights is not None and not self._weights_with_labels():
            if self.weights.source is not self.preds.source:
                raise UsageError("with --id-col, sample weights must be a column of the predictions or the labels "
                                 "file", hint="put the sample weights in a column of the predictions or the labels file "
                                      "and select it with --weight-col")
            wcols = [c for c in self.weights.columns if c not in set(pred_cols)]
        taken = set(pred_cols) | set(wcols)
        wcols += [c for role in self.extras.values() for c in role.columns if c not in taken]
        second = self._second_input_stream()
        reader = self.preds.source.read(pred_cols + wcols, self.chunk_rows)
        done = 0  # rows of the predictions read
        for chunk in reader:
            done = chunk.first_row + len(chunk)
            ids = chunk.columns[pred_role.columns[0]]
            keys = id_keys(ids)
            idx = index.lookup(keys)
            missing = np.flatnonzero(idx < 0)
            if missing.size:  # an id as written in one file, and with a zero fraction in the other (3 and 3.0)
                idx[missing] = index.lookup([_other_spelling(keys[i]) for i in missing.tolist()])
                missing = np.flatnonzero(idx < 0)
            if missing.size:
                raise InputError(
                    f"{missing.size} {'ids' if missing.size > 1 else 'id'} of {self.preds.source.name} "
                    f"{'have' if missing.size > 1 else 'has'} no label in {self.labels.source.name} "
                    f"(first: {id_written(ids, int(missing[0]))!r}, "
                    f"row {self.preds.source.file_row(chunk.first_row + int(missing[0]))})",
                    hint=self._join_hint("every prediction needs a label with the same id"),
                )
            j = first_repeat(idx, seen)
            if j is not None:
                raise InputError(
                    f"duplicate id {id_written(ids, j)!r}",
                    location=Location("y_pred", file=self.preds.source.name, column_name=pred_role.columns[0],
                                      file_row=self.preds.source.file_row(chunk.first_row + j)),
                    hint=self._join_hint("each id must appear once"),
                )
            seen[idx] = True
            rows = np.arange(chunk.first_row, chunk.first_row + len(chunk))
            pred2 = None
            if second is not None:
                pred2 = self._second_input(second, len(chunk), reader, done)
                if self.pair_ids is not None:
                    self._check_pair_ids(chunk.columns[self.pair_ids[0].columns[0]],
                                         pred2.pop(), rows)
            joined = {c: lab[c][idx].astype(want[c], copy=False) for c in label_keys}
            weight_cols = None
            if self.weights is not None:
                weight_cols = self.weights.arrays(joined if self._weights_with_labels() else chunk.columns)
            batch = self._assemble(
                self.labels.arrays(joined),
                self.preds.arrays(chunk.columns),
                weight_cols,
                chunk.columns[pred_role.columns[0]],
                rows,
                idx,
                {name: chunk.columns[role.columns[0]] for name, role in self.extras.items()},
                pred2,
            )
            if batch is not None:
                yield batch
        if second is not None and second.take(1) is not None:
            self._second_input_count_mismatch(second.consumed + second.count_rest(), done)
        extra = int((~seen).sum())
        if extra:
            self.warnings.append(
                f"{extra} {'ids' if extra > 1 else 'id'} of {self.labels.source.name} "
                f"{'have' if extra > 1 else 'has'} no prediction in {self.preds.source.name}; "
                f"{'they are' if extra > 1 else 'it is'} not scored"
            )

    def _weights_with_labels(self) -> bool:
        """The sample weights are a column of the labels file (a join looks them up with the labels)."""
        return self.weights is not None and self.weights.source is self.labels.source

    def _label_id_at(self, id_col: str, row: int) -> str:
        """The id of one row of the labels file, as written (read again: the index keeps no text)."""
        for ch in self.labels.source.read([id_col], self.chunk_rows):
            if ch.first_row <= row < ch.first_row + len(ch):
                return id_written(ch.columns[id_col], row - ch.first_row)
        raise AssertionError(f"row {row} of {self.labels.source.name} not found")

    def _second_input_stream(self) -> _RowStream | None:
        """``--preds2`` read on its own, for a join: its columns (then its id column, to check)."""
        if self.preds2 is None:
            return None
        cols = self.preds2.read_keys()
        if self.pair_ids is not None and self.pair_ids[1].columns[0] not in cols:
            cols.append(self.pair_ids[1].columns[0])
        return _RowStream(self.preds2.source.read(cols, self.chunk_rows))

    def _second_input(self, stream: _RowStream, n: int, reader: Any, rows_so_far: int) -> list[np.ndarray]:
        """The next ``n`` rows of ``--preds2`` (its columns, then its id column when checked)."""
        part = stream.take(n)
        got = 0 if part is None else len(next(iter(part[0].values())))
        if got < n:
            rest = sum(len(ch) for ch in reader)
            self._second_input_count_mismatch(stream.consumed, rows_so_far + rest)
        cols = part[0]  # type: ignore[index]
        out = self.preds2.arrays(cols)  # type: ignore[union-attr]
        if self.pair_ids is not None:
            out.append(cols[self.pair_ids[1].columns[0]])
        return out

    def _second_input_count_mismatch(self, second: int, first: int) -> None:
        raise ShapeError(
            f"{self.preds2.source.name} has {second} rows but {self.preds.source.name} has {first}",  # type: ignore[union-attr]
            hint=f"--preds2 is read in step with the predictions: {self.preds2.source.name} needs one row per "  # type: ignore[union-attr]
                 f"sample, in the order of {self.preds.source.name}",
        )

    # ------------------------------------------------------------------ one batch
    def _assemble(
        self,
        label_cols: list[np.ndarray],
        pred_cols: list[np.ndarray],
        weight_cols: list[np.ndarray] | None,
        ids: np.ndarray | None,
        rows: np.ndarray,
        label_rows: np.ndarray,
        extra: dict[str, np.ndarray] | None = None,
        pred2_cols: list[np.ndarray] | None = None,
    ) -> Batch | None:
        extra = dict(extra or {})
        y_pred = self._numeric_matrix(pred_cols, self.preds, rows)
        if pred2_cols is not None:  # x₂ of a pairwise loss, after x₁
            y_pred = np.column_stack([y_pred, self._numeric_matrix(pred2_cols, self.preds2, rows)])  # type: ignore[arg-type]
        y_true = self._labels(label_cols, rows, label_rows, y_pred.shape[1] if y_pred.ndim == 2 else 1)
        weights = None
        if weight_cols is not None:
            weights = self._numeric_matrix(weight_cols, self.weights, rows)  # type: ignore[arg-type]
            if weights.ndim == 2:
                raise UsageError("sample weights must be a single column", hint="select one with --weight-col")
        for name in COUNT_COLUMNS:  # per-row words/bytes: numbers (checked by the evaluator), NaN if missing
            if name in extra and extra[name].dtype.kind in "OUS":
                extra[name] = _to_float(extra[name], self.extras[name].source, self.extras[name].columns[0], rows)
        if self.options.nan != "error":
            bad = np.zeros(len(rows), dtype=bool)
            for a in (y_true, y_pred, weights, *(extra[k] for k in COUNT_COLUMNS if k in extra)):
                if a is not None and a.dtype.kind == "f":
                    nan = np.isnan(a)
                    bad |= nan if nan.ndim == 1 else nan.any(axis=1)
            if bad.any():
                self.skipped += int(bad.sum())
                for listener in self.drop_listeners:
                    listener(y_true[bad], {k: v[bad] for k, v in extra.items()})
                keep = ~bad
                y_true, y_pred = y_true[keep], y_pred[keep]
                weights = None if weights is None else weights[keep]
                ids = None if ids is None else ids[keep]
                rows, label_rows = rows[keep], label_rows[keep]
                extra = {k: v[keep] for k, v in extra.items()}
        if len(rows) == 0:
            return None
        self.samples += len(rows)
        return Batch(y_true, y_pred, weights, ids, rows, label_rows, extra)

    def _numeric_matrix(self, cols: list[np.ndarray], role: Role, rows: np.ndarray) -> np.ndarray:
        if len(cols) == 1 and cols[0].ndim == 2:  # a block: one 2-D array already
            if cols[0].dtype.kind not in "OUS":
                return cols[0]
            cols = [cols[0][:, j] for j in range(cols[0].shape[1])]  # text: parsed column by column
        out = []
        for name, col in zip(role.columns, cols, strict=True):
            if col.dtype.kind in "OUS":
                col = _to_float(col, role.source, name, rows, labels=role is self.labels,
                                pred_cols=self.preds.columns, classes_given=bool(self.options.classes),
                                real_labels=self.real_labels)
            out.append(col)
        if len(out) == 1:
            return out[0]
        return np.column_stack(out)

    def _labels(self, cols: list[np.ndarray], rows: np.ndarray, label_rows: np.ndarray, c: int) -> np.ndarray:
        mode = self.label_mode
        if mode == "value":
            return self._numeric_matrix(cols, self.labels, label_rows)
        col = cols[0]
        idx = self._class_indices(col, label_rows)
        if mode == "class":
            return idx
        if mode == "binary_from_class":
            return idx.astype(np.float64)
        self._check_class_indices(cols[0], idx, label_rows, c)
        onehot = np.zeros((len(idx), c), dtype=np.float64)
        ok = np.isfinite(idx)
        onehot[np.flatnonzero(ok), idx[ok].astype(np.int64)] = 1.0
        if (~ok).any():
            onehot[~ok] = np.nan
        return onehot

    def _check_class_indices(self, col: np.ndarray, idx: np.ndarray, label_rows: np.ndarray, c: int) -> None:
        """Class indices must be whole numbers in [0, c): name the first that is not, as written."""
        finite = np.isfinite(idx)
        bad = finite & ((idx != np.floor(idx)) | (idx < 0) | (idx >= c))
        if not bad.any():
            return
        i = int(np.flatnonzero(bad)[0])
        v = idx[i]
        written = col[i]
        if isinstance(written, (float, np.floating)) and float(written).is_integer():
            written = int(written)
        what = "not a whole number" if v != np.floor(v) else f"not a class index in 0..{c - 1}"
        raise InputError(
            f"label {written} is {what} ({c} prediction columns)",
            location=Location("y_true", file=self.labels.source.name, column_name=self.labels.columns[0],
                              file_row=self.labels.source.file_row(int(label_rows[i])), value=written),
            hint="labels are class indices 0..C-1, one per prediction column in order; for other class "
            "names give --classes in prediction-column order",
        )

    def _class_indices(self, col: np.ndarray, label_rows: np.ndarray) -> np.ndarray:
        if self.class_map is None:
            if col.dtype.kind in "OUS":
                col = _to_float(col, self.labels.source, self.labels.columns[0], label_rows, labels=True,
                                pred_cols=self.preds.columns, booleans=self.label_mode == "binary_from_class")
            return col
        out = np.empty(len(col), dtype=np.float64)
        booleans = booleans_are_classes(self.class_map, self.options.classes)
        for i, v in enumerate(col.tolist()):
            key = label_key(v, booleans)
            if key is None:
                out[i] = np.nan
                continue
            j = self.class_map.get(key)
            if j is None:
                from losscli.inputs import number_hints

                known = ", ".join(_written(k) for k in list(self.class_map)[:12])
                raise InputError(
                    f"label {_written(v)} is not one of the classes ({known})",
                    location=Location(
                        "y_true",
                        file=self.labels.source.name,
                        column_name=self.labels.columns[0],
                        file_row=self.labels.source.file_row(int(label_rows[i])),
                        value=v,
                    ),
                    hint=number_hints.booleans_name_no_class(known)
                    if str(key).lower() in LOGICAL
                    else "list every class with --classes, in prediction-column order",
                )
            out[i] = j
        return out

    # ------------------------------------------------------------------ error context
    def annotate(self, err: InputError, batch: Batch | None, sample_offset: int) -> InputError:
        """Fill the file, column name and spreadsheet row of an error raised on ``batch``."""
        loc = err.location
        if loc is None or loc.file is not None:
            return err
        if isinstance(err, ShapeError) and loc.array == "y_pred" and err.message.startswith("labels have"):
            weighty = [c for c in self.labels.columns if c.strip().lower() in WEIGHT_NAMES]
            if weighty and len(self.labels.columns) > 1 and self.weights is None:  # weights read as a label
                err.hint = (f"{err.hint}; if column {weighty[0]!r} of {self.labels.source.name} holds sample "
                            f"weights, give --weight-col {weighty[0]}; if it is an output, select the prediction "
                            f"columns with --pred-cols (a weight-named column is a prediction only if selected)")
            else:
                def cols(c: list[str]) -> str:
                    return ", ".join(c[:6]) + (", …" if len(c) > 6 else "")

                err.hint = (f"{err.hint}; the labels were taken from {cols(self.labels.columns)} and the predictions "
                            f"from {cols(self.preds.columns)}: choose them with --label-cols and --pred-cols")
        role = {"y_true": self.labels, "y_pred": self.preds, "sample_weight": self.weights}.get(loc.array)
        if role is None:
            role = self.extras.get(loc.array) if loc.array in COUNT_COLUMNS else None
        if role is None:
            return err
        if role is self.preds and self.preds2 is not None and loc.column is not None and loc.column >= len(
                role.columns):  # a column of x₂, from --preds2
            loc.column -= len(role.columns)
            role = self.preds2
        loc.file = role.source.name
        if loc.column is not None and loc.column < len(role.columns):
            loc.column_name = role.columns[loc.column]
        elif len(role.columns) == 1 or loc.array == "y_true" and self.label_mode != "value":
            loc.column_name = role.columns[0]
        if batch is not None and loc.row is not None:
            local = loc.row - sample_offset
            if 0 <= local < len(batch):
                rows = batch.label_rows if loc.array == "y_true" else batch.rows
                data_row = int(rows[local])
                loc.file_row = role.source.file_row(data_row)
                loc.row_word = role.source.row_word
                shard_name = getattr(role.source, "shard_name", None)
                if shard_name is not None:
                    loc.file = shard_name(data_row)
                if isinstance(err, NonFiniteError) and isinstance(loc.value, float) and not math.isfinite(loc.value):
                    _nonfinite_as_written(err, role.source, data_row)
        return err


def _nonfinite_as_written(err: NonFiniteError, source: Source, data_row: int) -> None:
    """Say what a NaN or infinite value of a text file at ``data_row`` was: a blank line (with a command that
    removes them), an empty cell, or the text written (``NA``, ``1e999``)."""
    loc = err.location
    written = None if loc is None or loc.column_name is None else source.nonfinite_as_written(data_row,
                                                                                             loc.column_name)
    if written is None or loc is None:
        return
    if written == "\n":
        fix = source.filter_command("sed '/^[[:space:]]*$/d'", "sed -i '/^[[:space:]]*$/d'", data_row)
        err.message = "a blank line"
        loc.column_name = loc.column = None
        loc.value = None
        err.hint = (f"blank lines among the rows are rows of missing values: remove them ({fix}), or use --nan "
                    "skip to drop such rows")
        return
    loc.value = written
    if not written:
        err.message = err.message.replace("NaN in", "an empty cell in", 1)


class _RowStream:
    """Re-chunks a source's chunk iterator into blocks of exactly ``n`` rows."""

    def __init__(self, chunks: Iterator[Chunk]) -> None:
        self._it = chunks
        self._buf: list[Chunk] = []
        self._buffered = 0
        self.consumed = 0
        self._done = False

    def _fill(self, n: int | None) -> None:
        while not self._done and (n is None or self._buffered < n):
            try:
                ch = next(self._it)
            except StopIteration:
                self._done = True
                break
            if len(ch):
                self._buf.append(ch)
                self._buffered += len(ch)

    def take(self, n: int | None) -> tuple[dict[str, np.ndarray], int] | None:
        self._fill(n)
        if not self._buffered:
            return None
        first = self._buf[0].first_row
        names = list(self._buf[0].columns)
        if len(self._buf) == 1:
            merged = self._buf[0].columns
        else:
            merged = {c: _concat([b.columns[c] for b in self._buf]) for c in names}
        total = self._buffered
        k = total if n is None else min(n, total)
        out = {c: a[:k] for c, a in merged.items()}
        if k < total:
            rest = Chunk({c: a[k:] for c, a in merged.items()}, first + k)
            self._buf, self._buffered = [rest], total - k
        else:
            self._buf, self._buffered = [], 0
        self.consumed += k
        return out, first

    def count_rest(self) -> int:
        n = self._buffered
        for ch in self._it:
            n += len(ch)
        return n


def _concat(parts: list[np.ndarray]) -> np.ndarray:
    if any(p.dtype.kind in "OUS" for p in parts):
        return np.concatenate([p.astype(object) for p in parts])
    return np.concatenate(parts)


def _compact(col: np.ndarray) -> np.ndarray:
    """A label column kept for a join, in the narrowest type that holds every value exactly: integers in
    the smallest integer type of their range (1 byte per row for 0/1 or class indices), float64 as float32
    when that holds each value (widened back to the same values when looked up)."""
    if col.dtype.kind in "iu" and col.size:
        narrow = np.result_type(np.min_scalar_type(col.min()), np.min_scalar_type(col.max()))
        return col.astype(narrow) if narrow.itemsize < col.dtype.itemsize else col
    if col.dtype == np.float64:
        narrow = col.astype(np.float32)
        if np.array_equal(narrow, col, equal_nan=True):
            return narrow
    return col


def _concat_kept(parts: list[np.ndarray]) -> np.ndarray:
    if len(parts) == 1:
        return parts[0]
    if any(p.dtype == np.float64 for p in parts) and all(p.dtype.kind == "f" for p in parts):
        return np.concatenate([p.astype(np.float64, copy=False) for p in parts])
    if any(p.dtype.kind in "OUS" for p in parts):
        return np.concatenate([p.astype(object) for p in parts])
    return np.concatenate(parts)


def _other_spelling(key: str) -> str:
    """The other way pandas writes an integer id: ``3`` ↔ ``3.0`` (a column of integer ids that had a missing
    value is float64, written with a zero fraction); ``key`` itself for any other text."""
    if key.lstrip("+-").isdigit():
        return key + ".0"
    return _integer_as_written(key)


def id_written(col: np.ndarray, i: int) -> str:
    """The id of row ``i`` as its file has it, for a message: a CSV cell as written, a typed value as a key."""
    if col.dtype.kind in "OUS":
        return "" if col[i] is None else str(col[i])
    return id_keys(col[i : i + 1])[0]


#: an integer id written with a zero fraction (``3.0``, ``-12.00``), as pandas writes integer ids that had a
#: missing value; group 1 is the integer as written (the Dask engine applies the same pattern to its columns)
ZERO_FRACTION = r"([+-]?\d+)\.0+"


def _integer_as_written(key: str) -> str:
    """``3.0``, ``-12.00`` → ``3``, ``-12``; any other text as it is."""
    found = re.fullmatch(ZERO_FRACTION, key) if key.endswith("0") else None
    return found.group(1) if found else key


def _written(v: Any) -> str:
    """A label for a message, as it was written: ``1`` rather than ``1.0``, ``'cat'`` quoted."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    if isinstance(v, str):
        return repr(v)
    return str(v)


def _with_float_keys(class_map: dict[Any, int]) -> dict[Any, int]:
    """``class_map`` with each integer class beyond 2**53 also under the float a text file's label reads as
    (one that two classes round to stands for neither)."""
    out = dict(class_map)
    rounded: dict[float, list[int]] = {}
    for k, j in class_map.items():
        if isinstance(k, int):
            rounded.setdefault(float(k), []).append(j)
    for f, js in rounded.items():
        if len(set(js)) == 1 and f not in out:
            out[f] = js[0]
    return out


def booleans_are_classes(class_keys: Any, classes: Any) -> bool:
    """Whether true and false are classes (1 and 0) among these: where the classes are 0 and 1, or where
    ``--classes`` names them (False,True,Maybe); among the classes 0, 1, 2 (or columns p_1, p_2, p_3) they name no
    class, as the column rule finds (both engines)."""
    return set(class_keys) <= {0.0, 1.0} or any(str(c).strip().lower() in LOGICAL for c in classes or ())


def label_key(v: Any, booleans: bool) -> Any:
    """A label's :func:`class_key` for matching it to classes; the texts true and false stay texts where they are
    no classes (``booleans``: :func:`booleans_are_classes`)."""
    if not booleans and isinstance(v, str) and v.strip().lower() in LOGICAL:
        return v.strip()
    return class_key(v)


def class_key(v: Any) -> Any:
    """Normalise a label value for matching: numbers by value, strings stripped; booleans and their names
    (``True``/``false``, as pandas and a CSV file write them) as 1 and 0, so that boolean labels match the
    classes ``False, True`` whether either is a name or a value."""
    if v is None:
        return None
    if isinstance(v, (bool, np.bool_)):
        return float(bool(v))
    if isinstance(v, (int, np.integer)):
        return float(v) if abs(int(v)) <= 2**53 else int(v)  # beyond 2**53 floats merge neighbours
    if isinstance(v, (float, np.floating)):
        return None if v != v else float(v)
    s = str(v).strip()
    if s == "":
        return None
    if s.lower() in LOGICAL:
        return 1.0 if s.lower() == "true" else 0.0
    with contextlib.suppress(ValueError):
        return class_key(int(s))  # digits as the integer they write
    try:
        return float(s)
    except ValueError:
        return s


def _rewrite_command(source: Any, command: str) -> str | None:
    """``command < FILE > FILE_point.ext, and pass that file``: a filter that rewrites the numbers of a file
    whose delimiter is not a comma (Excel in a semicolon locale: every comma a decimal comma), read from a
    plain file; else ``None``."""
    if getattr(source, "delimiter", ",") in (",", None) or source.path == "-" or source.path.endswith(
            (".gz", ".bz2", ".xz", ".zst")):
        return None
    stem, dot, ext = source.path.rpartition(".")
    point = f"{stem}_point.{ext}" if dot and stem and "/" not in ext else f"{source.path}_point"
    import shlex  # the hint's command: an .npy run's plan needs no shell quoting

    return f"{command} < {shlex.quote(source.path)} > {shlex.quote(point)}, and pass that file"


def _some_numbers(col: np.ndarray, look: int = 100) -> bool:
    """Whether any of the first ``look`` cells of a text column is a number (a column of numbers with a typo
    in it, rather than one of names)."""
    for v in col[:look].tolist():
        try:
            plain_float(str(v).strip())
        except ValueError:
            continue
        return True
    return False


def _to_float(col: np.ndarray, source: Source, name: str, rows: np.ndarray, *, labels: bool = False,
              pred_cols: list[str] | None = None, classes_given: bool = False, booleans: bool = True,
              real_labels: str | None = None) -> np.ndarray:
    """A text column as numbers (empty cells and NaN spellings NaN); a value that is not a number is an error
    naming it, with a hint for what it looks like (a thousands separator, a decimal comma, class names).
    Labels ``true``/``false`` are 1 and 0 unless ``booleans`` is false (class indices, which the column rule takes
    for class names where they are among the first rows)."""
    out = np.empty(len(col), dtype=np.float64)
    for i, v in enumerate(col.tolist()):
        if v is None:
            out[i] = np.nan
            continue
        s = str(v).strip()
        if s.lower() in MISSING:
            out[i] = np.nan
            continue
        if labels and booleans and s.lower() in LOGICAL:  # get_dummies writes booleans: one-hot 1, 0
            out[i] = 1.0 if s.lower() == "true" else 0.0
            continue
        try:
            out[i] = plain_float(s)  # (３, 1_000: Python's float reads them, CSV readers do not)
        except ValueError:
            hint = "every value in this column must be a number"
            if s == name and source.header_rows:  # files joined with cat: each one's header among the rows
                raise _repeated_header(source, name, int(rows[i]), labels) from None
            from losscli.inputs.number_hints import DECIMAL_COMMA, THOUSANDS_POINTS, number_hint

            shape = number_hint(s)
            if shape is not None:
                hint = shape
                # Excel in a semicolon locale: the commas are all decimal commas; the filter that rewrites them
                rewrite = {THOUSANDS_POINTS: "sed -e 's/\\.//g' -e 's/,/./g'", DECIMAL_COMMA: "tr , ."}.get(shape)
                command = _rewrite_command(source, rewrite) if rewrite else None
                if command:
                    hint += f": {command}"
            elif labels and s.lower() in LOGICAL:  # (not booleans: class indices)
                from losscli.inputs.number_hints import BOOLEAN_CLASS_INDEX

                hint = BOOLEAN_CLASS_INDEX
            elif labels and real_labels:  # a regression's targets, token_nll's ids: never class names
                if not _some_numbers(col):  # names where numbers go (among numbers: a typo, the plain hint)
                    hint = (f"{real_labels}'s labels are numbers, not names: choose a column of numbers with --label-cols"
                            + (" (the token ids, -100 marking padding; or the positions, where no row is padding)"
                               if real_labels == "token_nll" else ""))
            elif labels and classes_given:  # --classes given, but not for this layout of columns
                hint = ("--classes maps the class names of one label column, beside one prediction column per class "
                        "or a binary loss's one or two columns: choose them with --label-cols and --pred-cols")
            elif labels and len(names := {str(v).strip() for v in col.tolist() if v is not None and str(v).strip()}
                                ) <= 20:
                shown = sorted(names)[:4]  # a few distinct texts: class names (dates or ids are many)
                if len(shown) == 1 and pred_cols and len(pred_cols) == 1:  # a chunk of one class beside p_churn
                    word = class_word(pred_cols[0])
                    if word and word != shown[0] and _class_named_by(pred_cols[0], [shown[0], word]) == word:
                        shown = [shown[0], word]
                named = _class_named_by(pred_cols[0], shown) if pred_cols and len(pred_cols) == 1 else None
                if named is not None and len(shown) == 2:  # one column named for a class: its probability
                    shown = [c for c in shown if c != named] + [named]
                example = ",".join(shown) if len(shown) <= 3 else "A,B,C"
                hint = (f"labels that are class names need --classes with their order (the negative class first for a "
                        f"binary loss), e.g. --classes {example}")
            raise NonFiniteError(
                "non-numeric value",
                location=Location(
                    "y_true" if labels else "y_pred", file=_file_of(source, int(rows[i])), column_name=name,
                    file_row=source.file_row(int(rows[i])), value=s
                ),
                hint=hint,
            ) from None
    return out


def _file_of(source: Source, data_row: int) -> str:
    """The file ``data_row`` lives in, for a message: the shard's of a dataset in shards."""
    shard_name = getattr(source, "shard_name", None)
    return source.name if shard_name is None else shard_name(data_row)


def _repeated_header(source: Source, name: str, row: int, labels: bool) -> NonFiniteError:
    """The header again at ``row`` (files joined with ``cat``), with a command that keeps only the first."""
    fix = source.filter_command("awk 'NR == 1 {h = $0} NR == 1 || $0 != h'", data_row=row)
    return NonFiniteError(
        "the header again among the rows",
        location=Location("y_true" if labels else "y_pred", file=_file_of(source, row), column_name=name,
                          file_row=source.file_row(row), value=name),
        hint=f"files joined with cat keep every header: keep the first only ({fix}), or give losscli the parts "
             "as shards (a quoted glob of them)",
    )


# ---------------------------------------------------------------------------------------- planning


def plan_inputs(options: InputOptions, spec: LossSpec, *, stdin: Any = None) -> InputPlan:
    """Open the input files, decide the columns of every role and return the plan."""
    dash = [p for p in [*options.data, options.labels, options.preds, options.preds2, options.weights,
                        *options.extra_files.values()] if p == "-"]
    if len(dash) > 1:
        raise UsageError("only one input may be read from standard input ('-')")
    opened: dict[str, Source] = {}

    def src(path: str, header: bool | None = options.header) -> Source:
        if path not in opened:
            if path != "-" and os.path.isdir(path):  # a dataset writer's directory of parts
                from losscli.inputs.directory import open_directory

                opened[path] = open_directory(path, src)
            elif is_glob(path):  # --labels 'y/part-*.parquet': one dataset's parts, as a directory's
                from losscli.inputs.directory import open_glob

                opened[path] = open_glob(path, src)
            else:
                opened[path] = open_source(
                    path, fmt=options.fmt, delimiter=options.delimiter, header=header, stdin=stdin
                )
            _nulls_as_nan(options, opened[path])
        return opened[path]

    if options.data:
        if options.labels or options.preds:
            raise UsageError("give either FILE (one file holding every column) or --labels and --preds, not both")
        if len(options.data) > 1:
            from losscli.inputs.shards import ShardedSource

            if "-" in options.data:
                raise UsageError("standard input cannot be one of several shards")
            data: Source = ShardedSource.open(options.data, src)
        else:
            data = src(options.data[0])
        return _extra_files(_attach_second_input(_plan_one_file(options, spec, data), options, spec, src), src)
    if not options.labels or not options.preds:
        missing = "--labels" if not options.labels else "--preds"
        raise UsageError(f"missing {missing}", hint="give FILE, or both --labels and --preds")
    labels, preds = src(options.labels), src(options.preds)
    weights = src(options.weights) if options.weights else None
    plan = _plan_two_files(options, spec, labels, preds, weights)
    if plan.ids is None and plan.checked_ids is None:  # paired by position
        from losscli.inputs.directory import refuse_unaligned_partitions

        refuse_unaligned_partitions([labels, preds, *([weights] if weights is not None else [])])
    return _extra_files(_attach_second_input(plan, options, spec, src), src)


def _attach_second_input(plan: InputPlan, options: InputOptions, spec: LossSpec, src: Any) -> InputPlan:
    """``--preds2``: the second input of a pairwise loss, read in step with the predictions row by row.

    Its columns are ``--pred2-cols``, or else its numeric columns that are not index-like; there must be as
    many as the predictions give x₁. When it holds the id column of the predictions (``--id-col``, a join
    key or a checked id), that column must agree with theirs row by row: it is never joined."""
    if not options.preds2:
        return plan
    if spec.pred_kind != "pair":
        from losscli.registry import list_losses

        pairwise = ", ".join(s.name for s in list_losses() if s.pred_kind == "pair")
        raise UsageError(f"--preds2 is the second input of a pairwise loss ({pairwise}); {spec.name} takes one",
                         hint="drop --preds2")
    if options.preds2 == options.preds or options.preds2 in options.data:
        raise UsageError("--preds2 names the predictions file itself",
                         hint="select the second input's columns of that file with --pred2-cols")
    second = src(options.preds2)
    table = sample_table(second)
    one = plan.preds
    key = (plan.ids[1].columns[0] if plan.ids
           else plan.checked_ids[1].columns[0] if plan.checked_ids and not plan.checked_by_index else None)
    if key is None:
        key = next((c for c in one.source.columns if is_id_name(c) and c in table.columns), None)
    elif key not in table.columns:
        key = None
    notes: list[str] = []
    cols = None
    if options.pred2_cols:
        cols = select_columns(options.pred2_cols, table.columns, option="--pred2-cols", file=table.name)
    else:
        cols = prediction_candidates(table, {key} if key else set(), key, notes)
        if not cols:
            raise UsageError(f"no prediction columns left in {table.name}", hint="choose them with --pred2-cols")
    if len(cols) != len(one.columns):
        raise ShapeError(
            f"{spec.name} takes two inputs of equal width: {one.source.name} gives x₁ {len(one.columns)} column(s) "
            f"({_listed(one.columns)}) but {table.name} gives x₂ {len(cols)} ({_listed(cols)})",
            hint="select as many columns with --pred2-cols (in --preds2) as with --pred-cols",
        )
    plan.preds2 = Role(second, cols)
    if key is not None:
        one.source.text_columns.add(key)
        second.text_columns.add(key)
        plan.pair_ids = (Role(one.source, [key]), Role(second, [key]))
        notes.append(f"{table.name} is read in step with {one.source.name}; their column {key!r} is checked to "
                     "agree row by row")
    plan.notes = list(dict.fromkeys([*plan.notes, *second.notes, *notes]))
    plan.chunk_rows = options.chunk_rows or default_chunk_rows(plan._values_per_row())
    return plan


def _listed(cols: list[str]) -> str:
    return ", ".join(cols[:6]) + (", …" if len(cols) > 6 else "")


def _extra_files(plan: InputPlan, src: Any) -> InputPlan:
    """Extra columns read from files of their own (``--words FILE``), aligned with the predictions by row."""
    for name, path in plan.options.extra_files.items():
        source = src(path)
        flag = f"--{name.replace('_', '-')}"
        sel = plan.options.extra_cols.get(name)
        chosen = list(source.columns) if sel is None else select_columns(sel, source.columns, option=f"{flag}-col",
                                                                         file=source.name)
        if len(chosen) != 1:
            raise UsageError(f"{flag} {source.name} has {len(chosen)} columns; which one?",
                             hint=f"select it with {flag}-col COL")
        if plan.ids is not None and plan.labels.source is not plan.preds.source:
            raise UsageError(f"with --id-col, {flag} must be a column of the predictions file",
                             hint=f"give it with {flag}-col COL")
        if name == "group":  # group names are the text written, whatever each block's values look like
            source.text_columns.add(chosen[0])
        plan.extras[name] = Role(source, chosen)
    if plan.options.extra_files:
        plan.chunk_rows = plan.options.chunk_rows or default_chunk_rows(plan._values_per_row())
    return plan


#: blocks up to this wide are sampled column by column (the rule looks for row counters among them); the
#: members of wider blocks (a language model's logits) are numbers of one matrix and are not sampled
SAMPLED_BLOCK_WIDTH = 64


def sample_table(source: Source, rows: int = SAMPLE_ROWS) -> Table:
    """What the column rule sees of ``source``: its columns and a sample of its first rows."""
    members = {c for cols in source.blocks.values() for c in cols}
    wanted: list[Any] = [c for c in source.columns if c not in members and c not in source.unsampled]
    narrow = [Block(name) for name, cols in source.blocks.items() if len(cols) <= SAMPLED_BLOCK_WIDTH]
    sample: dict[str, np.ndarray] = {}
    if wanted or narrow:
        chunks = source.read(wanted + narrow, rows)
        try:
            first = next(iter(chunks), None)
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()
        if first is not None:
            for key, values in first.columns.items():
                if isinstance(key, Block):
                    sample.update({c: values[:, j] for j, c in enumerate(source.blocks[key.name])})
                else:
                    sample[key] = values
    table = Table(source.name, list(source.columns), sample, set(getattr(source, "unnamed", ())))
    table.blocks = dict(source.blocks)
    table.index_column = getattr(source, "index_column", None)
    table.index_levels = tuple(getattr(source, "index_levels", ()))
    table.range_index = source.range_index
    table.row_names = bool(getattr(source, "row_names", False))
    if getattr(source, "guessed_header", False):
        table.header_maybe_sample = source.header_may_be_sample
    # an array's columns, or those of a file without a header, are named 1..K by their place
    positional = source.format in ("npy", "npz") or (source.format in ("csv", "tsv") and source.header_rows == 0)
    table.real_header = not positional or table.columns != [str(j + 1) for j in range(len(table.columns))]
    return table


def _selection(options: InputOptions, spec: LossSpec, taken: list[str]) -> Selection:
    return Selection(options.label_cols, options.pred_cols, options.weight_col, options.id_col, taken,
                     class_scores=spec.pred_kind in CLASS_SCORE_KINDS)


def _extra_columns(options: InputOptions, source: Source) -> list[str]:
    taken: list[str] = []
    for name, sel in options.extra_cols.items():
        if name in options.extra_files:  # a column of its own file
            continue
        taken += select_columns(sel, source.columns, option=f"--{name.replace('_', '-')}-col", file=source.name)
    return taken


def _nulls_as_nan(options: InputOptions, *sources: Source) -> None:
    """A missing value of the ``sources`` reads as NaN where ``--nan`` lets rows with it be skipped."""
    for source in sources:
        source.nulls_as_nan = options.nan != "error"


def plan_source(options: InputOptions, spec: LossSpec, data: Source) -> InputPlan:
    """The plan of one source already opened (a DataFrame): the one-file rules of :func:`plan_inputs`."""
    _nulls_as_nan(options, data)
    return _plan_one_file(options, spec, data)


def plan_two_sources(options: InputOptions, spec: LossSpec, labels: Source, preds: Source,
                     weights: Source | None = None) -> InputPlan:
    """The plan of labels and predictions already opened (two DataFrames): the two-file rules of
    :func:`plan_inputs` (ids joined on, pandas indexes checked, columns paired by name)."""
    _nulls_as_nan(options, labels, preds, *([weights] if weights is not None else []))
    return _plan_two_files(options, spec, labels, preds, weights)


def _plan_two_files(
    options: InputOptions, spec: LossSpec, labels: Source, preds: Source, weights: Source | None
) -> InputPlan:
    tables = {id(labels): sample_table(labels), id(preds): sample_table(preds)}
    if weights is not None:
        tables[id(weights)] = sample_table(weights)
    cols = infer_two_files(tables[id(labels)], tables[id(preds)], tables.get(id(weights)),
                           _selection(options, spec, _extra_columns(options, preds)))
    ids = None if cols.id_col is None else (Role(labels, [cols.id_col]), Role(preds, [cols.id_col]))
    for key in (cols.id_col, cols.checked_id):
        if key is not None:
            labels.text_columns.add(key)
            preds.text_columns.add(key)
    weight_role = None
    if cols.weight is not None:
        weight_role = Role(weights if weights is not None else labels if cols.weight_in_labels else preds,
                           cols.weight)
    notes = [*labels.notes, *preds.notes, *(weights.notes if weights is not None else []), *cols.notes]
    plan = _finish(options, spec, labels, cols.labels, preds, cols.preds, weight_role, ids, notes,
                   label_sample=tables[id(labels)].sample.get(cols.labels[0]) if cols.labels else None)
    plan.auto_joined = ids is not None and options.id_col is None
    if cols.checked_id is not None:
        plan.checked_ids = (Role(labels, [cols.checked_id]), Role(preds, [cols.checked_id]))
    elif cols.checked_index is not None:
        a, b = cols.checked_index
        plan.checked_ids = (Role(labels, _levels(a)), Role(preds, _levels(b)))
        plan.checked_by_index = True
    if ids is None:
        for a, b, other in cols.watched_index:
            source = weights if other == "weights" else preds
            if other in ("column", "key"):
                plan.watched_columns.add(b)
            if other == "key":
                plan.key_columns.add(b)
            # labels without an index: their row numbers, from a range index kept in their metadata, else from 0
            # (a pandas index) and from 1 (R's row names, under write.table's header one cell short or write.csv's
            # "" cell): the other file's index holding either in another order is refused
            # (pandas' default RangeIndex kept in a Parquet file's metadata is the labels' row numbers from 0)
            # (a RangeIndex from 1 is watched from 0 too, as an index column counting from 1 is: pandas' 0 … N−1
            # in another order beside it are the same rows, shuffled)
            ranged = labels.range_index is not None and tuple(labels.range_index) != (0, 1)
            firsts = [Role(labels, [a])] if a is not None else [labels.range_index] if ranged else [(0, 1), (1, 1)]
            if a is None and ranged and tuple(labels.range_index) == (1, 1):
                firsts = [(1, 1), (0, 1)]
            role = Role(source, [b])  # one role: its row numbers from several starts are fed at about the cost of one
            plan.watched_indexes.extend((first, role) for first in firsts)
        if cols.checked_weight_index is not None and weights is not None:
            a, b = cols.checked_weight_index
            plan.checked_weight_index = (Role(labels, _levels(a)), Role(weights, _levels(b)))
    # a pandas index of texts or dates is read as the text written (a key), not tried as numbers first; its texts
    # count in the chunks' size
    texts = [(role.source, c) for role in plan._index_roles() for c in role.columns
             if text_index(tables[id(role.source)], c)]
    for source, c in texts:
        source.text_columns.add(c)
    if texts:
        plan.chunk_rows = options.chunk_rows or default_chunk_rows(plan._values_per_row())
    return plan


def _levels(index: str | tuple[str, ...]) -> list[str]:
    """The columns of a pandas index: its one column, or those of a MultiIndex's levels."""
    return [index] if isinstance(index, str) else list(index)


def _plan_one_file(options: InputOptions, spec: LossSpec, data: Source) -> InputPlan:
    if options.weights:
        raise UsageError("--weights FILE goes with --labels/--preds; in one-file mode use --weight-col")
    table = sample_table(data)
    cols = infer_one_file(table, _selection(options, spec, _extra_columns(options, data)))
    ids = None if cols.id_col is None else (Role(data, [cols.id_col]), Role(data, [cols.id_col]))
    if cols.id_col is not None:
        data.text_columns.add(cols.id_col)
    weight_role = None if cols.weight is None else Role(data, cols.weight)
    return _finish(options, spec, data, cols.labels, data, cols.preds, weight_role, ids, [*data.notes, *cols.notes],
                   label_sample=table.sample.get(cols.labels[0]) if cols.labels else None)


def _refuse_shared_columns(labels: Source, label_cols: list[str], preds: Source, pred_cols: list[str],
                           weights: Role | None) -> None:
    """A column of one file cannot be both the labels and the predictions (a loss of 0), nor the weights."""
    if labels is not preds and labels.name != preds.name:
        return
    own = weights is not None and weights.source in (labels, preds)
    refuse_shared_columns(preds.name, label_cols, pred_cols, weights.columns if own else None)  # type: ignore[union-attr]


def refuse_shared_columns(name: str, label_cols: list[str], pred_cols: list[str], weight_cols: list[str] | None) -> None:
    """In one file ``name``, a column taken as both labels and predictions (a loss of 0), or as the weights
    and either, is refused (both engines)."""
    shared = [c for c in label_cols if c in set(pred_cols)]
    what = "--label-cols and --pred-cols"
    if not shared and weight_cols:
        shared = [c for c in weight_cols if c in set(label_cols) | set(pred_cols)]
        what = "--weight-col and the label or prediction columns"
    if shared:
        raise UsageError(
            f"{what} both take column {shared[0]!r} of {name}: it would be scored against itself",
            hint="select them apart: a column by its name, or by its 1-based position (=1 is the column named 1, "
                 "#1 the first column)",
        )


def _finish(
    options: InputOptions,
    spec: LossSpec,
    labels: Source,
    label_cols: list[str],
    preds: Source,
    pred_cols: list[str],
    weights: Role | None,
    ids: tuple[Role, Role] | None,
    notes: list[str] | None = None,
    label_sample: np.ndarray | None = None,
) -> InputPlan:
    """The plan of the columns chosen; ``label_sample``: the sampled rows of the (first) label column."""
    _refuse_shared_columns(labels, label_cols, preds, pred_cols, weights)
    notes = list(notes or [])
    kind = spec.label_kind
    mode = "value"
    class_map = None
    refuse_classes_for_values(options, spec)
    if options.classes:
        class_map = {}
        for j, c in enumerate(options.classes):
            key = class_key(c)
            if key in class_map:
                raise UsageError(f"--classes lists {c!r} twice")
            class_map[key] = j
        class_map = _with_float_keys(class_map)
    one_hot = kind == "class_index" and len(label_cols) == len(pred_cols) > 1 and spec.one_hot_labels
    refuse_negative_class_column([kind], label_cols, pred_cols, options.classes, label_sample)
    if kind in ("class_index",) and not one_hot:  # one-hot label columns are read as values, checked later
        if len(label_cols) != 1:
            raise UsageError(
                f"{spec.name} takes one label column of class indices, got {len(label_cols)}",
                hint="select it with --label-cols, or use categorical_crossentropy for one-hot columns",
            )
        mode = "class"
        if len(pred_cols) == 1 and class_map is None and (
                named := classes_named_by_column(pred_cols[0], label_sample)) is not None:
            # one probability column named for one of two class names (p_yes beside yes/no): P(that class), as
            # a binary loss reads it and as --classes no,yes gives it
            class_map = _with_float_keys({class_key(c): j for j, c in enumerate(named)})
            notes.append(classes_named_note(pred_cols[0], named))
    elif kind == "distribution" and len(label_cols) == 1 and len(pred_cols) > 1:
        mode = "onehot_from_class"
    elif kind == "distribution" and len(label_cols) == 1 and options.classes:  # class names, one column
        raise UsageError(f"{spec.name} needs one prediction column per class: --classes names "
                         f"{len(options.classes)} classes but there is {len(pred_cols)} prediction column",
                         hint="for one probability or logit per sample use binary_crossentropy")
    elif kind == "binary" and len(label_cols) == 1 and len(pred_cols) == 1 and not options.classes and (
            named := classes_named_by_column(pred_cols[0], label_sample)) is not None:
        class_map = _with_float_keys({class_key(c): j for j, c in enumerate(named)})
        notes.append(classes_named_note(pred_cols[0], named))
        mode = "binary_from_class"
    elif kind in ("binary", "sign") and len(label_cols) == 1 and len(pred_cols) == 1 and options.classes:
        if len(options.classes) != 2:
            raise UsageError("a binary loss needs --classes NEGATIVE,POSITIVE (two values)")
        refuse_contradicting_classes(pred_cols[0], options.classes)
        mode = "binary_from_class"
    elif kind == "binary" and len(label_cols) == 1 and len(pred_cols) == 2:  # a binary predict_proba (N, 2)
        pred_cols, class_map, mode = _binary_proba_columns(labels, label_cols[0], pred_cols, preds, spec,
                                                           options.classes, class_map, notes)
    if mode != "value" and class_map is None:
        class_map = _class_map_from_columns(labels, label_cols[0], pred_cols, spec, preds, notes)
    if (
        options.classes
        and mode in ("class", "onehot_from_class")
        and len(options.classes) != len(pred_cols)
        and not (len(pred_cols) == 1 and len(options.classes) == 2)  # binary: the positive class's column
    ):
        raise UsageError(
                f"--classes names {len(class_map)} classes but there are {len(pred_cols)} prediction columns",
                hint="give one class per prediction column, in column order",
            )
    if options.classes and mode in ("class", "onehot_from_class"):
        refuse_classes_against_columns(pred_cols, list(options.classes))
    if options.classes and mode == "value" and len(label_cols) > 1 and (
            label_sample is None or label_sample.dtype.kind not in "OUS"):  # one-hot or multi-label numbers
        raise UsageError(
            f"--classes maps one label column of class names or indices to the prediction columns; the labels here "
            f"are {len(label_cols)} columns (one-hot or multi-label), paired with the prediction columns by place",
            hint="leave out --classes, and give the prediction columns in the label columns' order with --pred-cols",
        )
    extras = {}
    for name, sel in options.extra_cols.items():
        if name in options.extra_files:  # a column of its own file (see _extra_files)
            continue
        chosen = select_columns(sel, preds.columns, option=f"--{name.replace('_', '-')}-col", file=preds.name)
        flag = f"--{name.replace('_', '-')}-col"
        if len(chosen) != 1:
            raise UsageError(f"{flag} must select one column, got {len(chosen)}")
        if pred_cols == chosen:  # among several prediction columns it is set aside (a label column may group)
            raise UsageError(f"{flag} takes column {chosen[0]!r} of {preds.name}, which is the prediction column",
                             hint=f"give {flag} another column, or choose the prediction columns with --pred-cols")
        if name == "group":  # group names are the text written, whatever each block's values look like
            preds.text_columns.add(chosen[0])
        extras[name] = Role(preds, chosen)
        pred_cols = [c for c in pred_cols if c != chosen[0]]
    plan = InputPlan(
        options, Role(labels, label_cols), Role(preds, pred_cols), weights, ids, class_map, mode, extras
    )
    plan.real_labels = spec.name if spec.label_kind == "real" else None
    plan.notes = list(dict.fromkeys(notes))
    return plan



def refuse_contradicting_classes(column: str, classes: list[Any]) -> None:
    """A binary loss's ``--classes NEGATIVE,POSITIVE`` whose positive class is not the one the prediction
    column is named for (``--classes churn,stay`` with ``p_churn``) is refused."""
    if _class_named_by(column, classes) == classes[0]:
        negative, positive = classes
        raise UsageError(
            f"--classes {negative},{positive} makes the prediction column {column!r} the probability of "
            f"{positive!r}, but its name says {negative!r}",
            hint=f"give --classes {positive},{negative} (the negative class first: the column is the "
                 f"positive class's probability)",
        )


def refuse_negative_class_column(label_kinds: list[str], label_cols: list[str], pred_cols: list[str],
                                 classes: Any, label_sample: np.ndarray | None) -> None:
    """A binary loss's one prediction column named as the probability of the class 0 (``p0``, ``proba_0``,
    ``prob_class_0``, ``0_prob``) beside one column of labels 0 and 1 (not class names; no ``--classes``) is
    refused (either engine; ``label_kinds``: the losses' ``label_kind``, a class-index loss on one column being
    Brier's binary form): it holds P(0), which the loss would take for P(1), or it is the first of columns
    numbered from 0, which only its writer knows. Names of an output rather than a probability (``pred_0``,
    ``score_0``, ``yhat_0``: a model's or a fold's first) and a header ``0`` (pandas' name of
    ``pd.DataFrame(p)``'s column) are read as before."""
    if (classes or len(label_cols) != 1 or len(pred_cols) != 1 or is_text(label_sample)
            or not {"binary", "class_index"} & set(label_kinds)):
        return
    column = pred_cols[0]
    name = column.strip().lower()
    words = "p|prob|proba|probability"
    if re.fullmatch(rf"(?:{words})[_\-. ]?(?:class[_\-. ]?)?0|(?:class[_\-. ]?)?0[_\-. ]?(?:{words})", name):
        raise UsageError(
            f"the prediction column {column!r} is named for the class 0, but a binary loss takes the probability "
            "of the class 1",
            hint="if it holds the probability of 1, name it so (p1, or p); if it holds the probability of 0, give "
                 "--classes 1,0 (0 is then the positive class)",
        )


def refuse_classes_against_columns(pred_cols: list[str], classes: list[Any]) -> None:
    """``--classes`` against the prediction columns' names, for either engine: one score column and two
    classes (:func:`refuse_contradicting_classes`), or one column per class
    (:func:`refuse_classes_against_names`)."""
    if len(pred_cols) == 1 and len(classes) == 2:
        refuse_contradicting_classes(pred_cols[0], classes)
    elif len(pred_cols) > 1:
        refuse_classes_against_names(pred_cols, classes)


def refuse_classes_against_names(pred_cols: list[str], classes: list[Any]) -> None:
    """``--classes`` gives the prediction columns their classes in column order; where every column is named
    for a class (``cat``, ``p_cat``, ``cat_prob``) and the names give another order, it is refused (a
    silently wrong pairing otherwise)."""
    if len(classes) != len(pred_cols):
        return
    named = []
    for column in pred_cols:
        exact = [c for c in classes if str(c).strip().lower() == column.strip().lower()]
        named.append(exact[0] if len(exact) == 1 else _class_named_by(column, classes))
    if any(c is None for c in named) or len({str(c) for c in named}) != len(named):
        return
    if [str(c) for c in named] != [str(c) for c in classes]:
        order = ",".join(str(c) for c in named)
        raise UsageError(
            f"--classes {','.join(str(c) for c in classes)} gives the prediction columns "
            f"{', '.join(repr(c) for c in pred_cols)} their classes in that order, but their names say {order}",
            hint=f"give --classes {order} (one class per prediction column, in column order), or leave --classes "
                 "out: the columns' names give the classes",
        )


def _class_named_by(column: str, classes: list[Any]) -> Any:
    """The class of ``classes`` that ``column`` is named for: the whole name is the class with a probability
    word before or after it (``p_churn``, ``churn_prob``, ``is_spam``); else ``None`` (``p_no_show`` names
    neither ``No`` nor ``Yes``)."""
    name = column.strip().lower()
    words = "|".join(PROBABILITY_WORDS)
    found = [c for c in classes if re.fullmatch(
        rf"(?:(?:{words})[_\-. ]?{re.escape(str(c).strip().lower())}|{re.escape(str(c).strip().lower())}"
        rf"[_\-. ]?(?:{words}))", name)]
    return found[0] if len(found) == 1 else None


def classes_named_by_column(column: str, labels: np.ndarray | None) -> list[str] | None:
    """A binary loss's classes (NEGATIVE, POSITIVE) read off labels that are class names beside one prediction
    column named for one of them (``p_yes`` beside ``no`` and ``yes``; both engines): the column is that
    class's probability, the other name the negative class. ``None`` unless the labels' sample holds exactly
    two names (not numbers, booleans or missing values) and the column names one of them."""
    if labels is None or labels.dtype.kind not in "OUS":
        return None
    names = sorted({t for v in labels.tolist() if v is not None and (t := str(v).strip()) and t.lower() not in MISSING})
    if len(names) != 2 or any(class_key(n) != n for n in names):
        return None
    named = _class_named_by(column, names)
    return None if named is None else [n for n in names if n != named] + [named]


def classes_named_note(column: str, classes: list[str]) -> str:
    """The note that says which class a binary loss's prediction column was taken for (both engines)."""
    negative, positive = classes
    return (f"labels {negative!r} and {positive!r}: {column} taken as the probability of {positive!r}, as its name "
            f"says (--classes {negative},{positive})")


def _numbered_columns(preds: Source, pred_cols: list[str]) -> dict[Any, int] | None:
    """Class numbers named by the prediction columns: :func:`numbered_columns` of ``preds``'s columns."""
    return numbered_columns(pred_cols, real_header=preds.header_rows > 0 or preds.format in ("parquet", "arrow",
                                                                                             "frame"))


def shared_numbers(pred_cols: list[str]) -> list[int] | None:
    """The numbers of columns that one word and a number name each (R's ``X0, X1`` from ``make.names``, Hugging
    Face's ``LABEL_0``, ``class_2``, ``p1``), in column order; ``None`` unless there are two or more, the word
    (its letters, with any separator before the number) is the same in every name and the numbers differ."""
    if len(pred_cols) < 2:
        return None
    found = [re.fullmatch(r"(.*?[a-z][^\d]*?)[_\-. ]?(\d+)", c.strip().lower()) for c in pred_cols]
    if not all(found) or len({m.group(1) for m in found if m}) != 1:
        return None
    numbers = [int(m.group(2)) for m in found if m]
    return numbers if len(set(numbers)) == len(numbers) else None


def numbered_columns(pred_cols: list[str], *, real_header: bool) -> dict[Any, int] | None:
    """Class numbers named by the prediction columns (``p_1``, ``prob_2``, ``1_prob``, or a header of numbers),
    if every column is so named; ``None`` for positional names (an array's or a header-less file's ``1..K``). Names
    without a separator (``p0``, ``prob2``) number the classes only as 0..C−1 in some order: ``p1, p2`` beside
    labels 0 and 1 is a 1-based naming of the columns in order, kept positional. Other names of one word and a
    number (R's ``X2, X0, X1``, ``LABEL_0``, ``class_1``) number the classes when they are 0..C−1 in some order."""
    out = _numbered_by_words(pred_cols, real_header=real_header)
    if out is None and real_header and (numbers := shared_numbers(pred_cols)) is not None \
            and sorted(numbers) == list(range(len(numbers))):
        return {float(k): j for j, k in enumerate(numbers)}
    return out


def _numbered_by_words(pred_cols: list[str], *, real_header: bool) -> dict[Any, int] | None:
    """:func:`numbered_columns` of names with a probability word (``p_1``, ``1_prob``, ``p0``) or of numbers."""
    out: dict[Any, int] = {}
    bare_names = False
    for j, c in enumerate(pred_cols):
        key = c.strip()
        low = key.lower()
        prefix = next((p for p in PRED_PREFIXES if low.startswith(p)), None)
        bare = re.fullmatch(_BARE_NUMBERED, low)
        suffixed = re.fullmatch(_SUFFIX_NUMBERED, low)
        if prefix is not None:
            key = key[len(prefix):]
        elif suffixed is not None:
            key = suffixed.group(1)
        elif bare is not None:
            key = bare.group(1)
            bare_names = True
        elif not real_header:
            return None
        if not re.fullmatch(r"[+-]?\d+", key):
            return None
        out[float(int(key))] = j
    if bare_names and set(out) != {float(k) for k in range(len(pred_cols))}:
        return None
    return out if len(out) == len(pred_cols) else None


def two_class_columns(pred_cols: list[str], classes: list[Any]) -> list[str] | None:
    """The two prediction columns of a binary predict_proba in the order of ``classes`` (the negative class's
    column first) when each names one of the two classes (``dog``, ``p_dog``, ``dog_prob``, ``p1``, ``proba_1``,
    a header ``1``; ``p_true`` names 1): the columns are paired with the classes by name, whatever their order
    in the file. ``None`` when they do not both name a class: they are then read in column order."""
    named = [_column_class(c, classes) for c in pred_cols]
    if len(pred_cols) == 2 and (None in named or named[0] == named[1]) \
            and (numbers := shared_numbers(pred_cols)) is not None:  # R's X1, X0; LABEL_1, LABEL_0
        named = [_column_class(str(k), classes) for k in numbers]
    if len(pred_cols) != 2 or None in named or named[0] == named[1]:
        return None
    return [pred_cols[named.index(0)], pred_cols[named.index(1)]]


def _column_class(column: str, classes: list[Any]) -> int | None:
    """The position in ``classes`` of the class that ``column`` is named for, or ``None``."""
    name = column.strip()
    bare = re.fullmatch(_BARE_NUMBERED, name.lower())
    prefix = next((p for p in PRED_PREFIXES if name.lower().startswith(p)), None)
    spellings = {name, *([bare.group(1)] if bare else []), *([name[len(prefix):]] if prefix else [])}
    keys = [class_key(c) for c in classes]
    found = {j for j, k in enumerate(keys) for w in spellings
             if (class_key(w) == k and k is not None) or w.lower() == str(classes[j]).strip().lower()}
    if not found and (c := _class_named_by(column, list(classes))) is not None:
        found = {list(classes).index(c)}
    return found.pop() if len(found) == 1 else None


def _numeric_texts(values: np.ndarray) -> bool:
    """Whether label texts are numbers, booleans or missing values only (read as values, not class names)."""
    return all(v is None or str(v).strip().lower() in MISSING or isinstance(class_key(v), (float, int))
               for v in values.tolist())


def _binary_proba_columns(
    labels: Source, label_col: str, pred_cols: list[str], preds: Source, spec: LossSpec, classes: list[str] | None,
    class_map: dict[Any, int] | None, notes: list[str],
) -> tuple[list[str], dict[Any, int] | None, str]:
    """(prediction columns, class map, label mode) of a binary loss given two prediction columns (a
    predict_proba (N, 2), which ``--convention sklearn`` scores as log_loss does): columns that name the two
    classes are paired with them by name, as one column per class is for the categorical losses.

    With ``--classes NEGATIVE,POSITIVE`` the labels are those classes, and the columns named for them are put
    in that order (else read in column order). Without it, labels that are class names take the column named
    for each (the first column's class is the negative one, as predict_proba's columns follow ``classes_``);
    labels 0/1 take the columns named for 0 and 1 (``p0``/``p1``, ``proba_1``, a header ``1``), and columns
    numbered for other classes (``p_1``, ``p_2``) map the labels by number."""
    if classes:
        if len(classes) != 2:
            raise UsageError("a binary loss needs --classes NEGATIVE,POSITIVE (two values)")
        ordered = two_class_columns(pred_cols, list(classes))
        if ordered is not None and ordered != pred_cols:
            notes.append(f"prediction columns {', '.join(pred_cols)} taken in class order "
                         f"{classes[0]}, {classes[1]} by their names")
        return ordered or pred_cols, class_map, "binary_from_class"
    sample = next(iter(labels.read([label_col], 256)), None)
    col = None if sample is None else sample.columns[label_col]
    if col is not None and col.dtype.kind in "OUS" and not _numeric_texts(col):
        return pred_cols, _class_map_from_columns(labels, label_col, pred_cols, spec, preds), \
            "binary_from_class"
    ordered = two_class_columns(pred_cols, [0, 1])
    if ordered is not None:
        if ordered != pred_cols:
            notes.append(f"prediction columns {', '.join(pred_cols)} taken in class order 0, 1 by their names")
        return ordered, None, "value"
    numbered = _numbered_columns(preds, pred_cols)
    if numbered is not None and set(numbered) != {0.0, 1.0}:
        return pred_cols, _with_float_keys(numbered), "binary_from_class"
    _refuse_unordered_numbers(pred_cols, preds.name)
    return pred_cols, None, "value"


def _class_map_from_columns(
    labels: Source, label_col: str, pred_cols: list[str], spec: LossSpec, preds: Source | None = None,
    notes: list[str] | None = None,
) -> dict[Any, int] | None:
    """Map class labels to prediction columns by name: strings (``cat`` → ``cat`` or ``p_cat``) and numbers
    when the columns are numbered (``1`` → ``p_1``).

    Returns ``None`` when labels are numeric and the columns are not numbered otherwise than 0..C-1 (class
    indices are used as they are): that is decided on the first rows of the label column.
    """
    preds = preds or labels
    sample = next(iter(labels.read([label_col], 256)), None)
    if sample is None or sample.columns[label_col].dtype.kind not in "OUS":
        if (by_names := class_label_map(labels.class_names.get(label_col), label_col, pred_cols, notes)) is not None:
            return by_names
        numbered = _numbered_columns(preds, pred_cols)
        if numbered is None or numbered == {float(j): j for j in range(len(pred_cols))}:
            if numbered is None:
                _refuse_unordered_numbers(pred_cols, preds.name)
                if notes is not None and (note := _unsorted_class_names_note(pred_cols, label_col)):
                    notes.append(note)
            if sample is not None:
                _refuse_one_based_doubt(sample.columns[label_col], pred_cols, labels.name, label_col)
            return None  # class indices, used as they are
        return numbered
    names = {}
    for j, c in enumerate(pred_cols):
        key = c.strip()
        for prefix in PRED_PREFIXES:
            if key.lower().startswith(prefix):
                names.setdefault(key[len(prefix):], j)
        names.setdefault(key, j)
    texts = [str(v).strip() for v in sample.columns[label_col].tolist()]
    values = {t for t in texts if t}
    unknown = [v for v in values if v not in names]
    if label_col in unknown and labels.header_rows:  # files joined with cat: a header among the labels
        raise _repeated_header(labels, label_col, texts.index(label_col), labels=True)
    if unknown:
        hint = ("name the prediction columns after the classes (cat or p_cat), or give --classes in "
                "prediction-column order")
        if len(pred_cols) == 1 and len(values) == 2:  # one class's probability: which class's, --classes says
            named = pred_cols[0].strip() if pred_cols[0].strip() in values else None
            order = [v for v in sorted(values) if v != named] + ([named] if named else [])
            hint = (f"one prediction column is the probability of one class, the second given to --classes: "
                    f"--classes {','.join(order)}")
        raise UsageError(
            f"string labels ({', '.join(sorted(values)[:6])}) in {labels.name} column {label_col} do not match "
            f"the prediction columns ({', '.join(pred_cols[:10])})",
            hint=hint,
        )
    out: dict[Any, int] = {}
    for k, j in names.items():
        key = class_key(k)
        if key in out and out[key] != j:  # 'p_1' and 'p_true' would be one class: the later would win
            raise UsageError(f"two prediction columns of {(preds or labels).name} name one class ({k!r} and another)",
                             hint="rename one of the columns (true and false match 1 and 0, 007 matches 7)")
        out.setdefault(key, j)
    return _with_float_keys(out)


def _refuse_unordered_numbers(pred_cols: list[str], name: str) -> None:
    """Columns numbered in another order than their own (``X3, X1, X2``; ``p2, p1``) that name no class 0..C−1
    are not taken by position: column 1 would be class 0, which neither a 1-based naming nor classes by number
    make it."""
    numbers = shared_numbers(pred_cols)
    if numbers is None or numbers == sorted(numbers):
        return
    by_number = ",".join(str(k) for k in numbers)
    lowest = min(numbers)
    from_zero = ",".join(str(k - lowest) for k in numbers)
    raise UsageError(
        f"the prediction columns of {name} ({', '.join(pred_cols[:10])}) are not in the order of "
        "their numbers, which are not 0..C-1: which class each one is cannot be told from the names",
        hint=f"give the classes in prediction-column order: --classes {by_number} (the numbers are the classes) "
        f"or --classes {from_zero} (they count the classes from {lowest})",
    )


def class_word(column: str) -> str:
    """A prediction column's name without the word before a class's name (``p_cat`` → ``cat``)."""
    key = column.strip()
    return key[len(next((p for p in PRED_PREFIXES if key.lower().startswith(p)), "")):]


def class_label_map(names: list[str] | None, label_col: str, pred_cols: list[str], notes: list[str] | None
                    ) -> dict[Any, int] | None:
    """Class numbers to prediction columns by the labels' class ``names`` in the file's metadata (a Hugging Face
    ``ClassLabel``: label k is class ``names[k]``) when the prediction columns name those classes (``neg`` or
    ``p_neg``), in any order (both engines); ``None`` otherwise."""
    if not names or len(names) != len(pred_cols):
        return None
    place = {}
    for j, c in enumerate(pred_cols):
        place.setdefault(c.strip(), j)
        place.setdefault(class_word(c), j)
    if not all(n in place for n in names) or len({place[n] for n in names}) != len(names):
        return None
    out = {float(k): place[n] for k, n in enumerate(names)}
    if all(place[n] == k for k, n in enumerate(names)):
        return None  # the columns in the names' order: class indices as they are (ignore_index kept)
    if notes is not None:
        pairs = ", ".join(f"{k} → {pred_cols[place[n]]}" for k, n in enumerate(names[:6]))
        notes.append(f"the class numbers of {label_col} name their classes by the file's ClassLabel names: {pairs}"
                     f"{', …' if len(names) > 6 else ''}")
    return out


def _unsorted_class_names_note(pred_cols: list[str], label_col: str) -> str | None:
    """The note beside class indices paired by position with prediction columns that name their classes by
    words out of sorted order (``dog, cat, bird``): torch and Keras number classes by their output's place, as
    here, where scikit-learn's ``LabelEncoder`` and ``predict_proba``'s ``classes_`` number them in sorted order
    (bird 0, cat 1, dog 2); the note says which ``--classes`` reads them so. ``None`` in sorted order (the two
    agree) or for names that are not words."""
    if len(pred_cols) < 2:
        return None
    words = [class_word(c) for c in pred_cols]
    if any(not w or any(ch.isdigit() for ch in w) for w in words) or len(set(words)) < len(words) \
            or words == sorted(words):
        return None
    ranks = {w: k for k, w in enumerate(sorted(words))}
    pairs = ", ".join(f"{k} → {c}" for k, c in enumerate(pred_cols[:6])) + (", …" if len(pred_cols) > 6 else "")
    return (f"the class numbers of {label_col} are the prediction columns' places ({pairs}); if they number the "
            "classes in sorted order (scikit-learn's LabelEncoder, predict_proba's classes_), give --classes "
            f"{','.join(str(ranks[w]) for w in words)}")


def _refuse_one_based_doubt(values: np.ndarray, pred_cols: list[str], name: str, label_col: str) -> None:
    """Columns numbered ``p1..pC`` beside class labels that never show a 0 (nor C, which only a 1-based
    naming allows): label 1 is ``p2`` by position, or ``p1`` by name, and the first rows cannot tell."""
    if shared_numbers(pred_cols) != list(range(1, len(pred_cols) + 1)):  # p1..pC, R's X1..XC
        return
    v = values[np.isfinite(values)] if values.dtype.kind == "f" else values
    if not len(v) or (v == 0).any() or not ((v >= 1) & (v < len(pred_cols)) & (v == np.round(v))).all():
        return
    one_based = ",".join(str(k) for k in range(1, len(pred_cols) + 1))
    zero_based = ",".join(str(k) for k in range(len(pred_cols)))
    raise UsageError(
        f"the prediction columns {pred_cols[0]}..{pred_cols[-1]} count from 1, and the labels in {name} column "
        f"{label_col} show no class 0: is label 1 column {pred_cols[0]} (classes 1..{len(pred_cols)}) or "
        f"{pred_cols[1]} (classes 0..{len(pred_cols) - 1})?",
        hint=f"--classes {one_based} reads {pred_cols[0]} as class 1; --classes {zero_based} reads it as class 0",
    )


def natural_key(path: str) -> list[Any]:
    """Sort key of a path with its numbers compared as numbers: ``part-2`` before ``part-10``."""
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path)]


def refuse_classes_for_values(options: InputOptions, spec: LossSpec) -> None:
    """``--classes`` maps class labels to prediction columns: for a loss on real-valued targets (mse, huber) it
    has nothing to map, and is a usage error (both engines)."""
    if options.classes and spec.label_kind == "real":
        raise UsageError(f"--classes maps class labels to prediction columns, and {spec.name} takes real-valued "
                         "targets, which are read as values", hint="leave out --classes")


def is_glob(path: str) -> bool:
    """Whether ``path`` is a glob: it holds ``*``, ``?`` or ``[`` and names no file (``p[1].csv`` that exists is
    read as it is)."""
    return path != "-" and any(ch in path for ch in "*?[") and not os.path.exists(path)


def glob_paths(pattern: str) -> list[str]:
    """Expand a glob (files in natural order: ``part-2`` before ``part-10``, as the shards were numbered); a
    plain path, or a path that exists (``p[1].csv``), is returned as it is: only a pattern that names no file
    is a glob."""
    if not is_glob(pattern):
        return [pattern]
    import glob  # (only a pattern needs it)

    found = sorted(glob.glob(pattern), key=natural_key)
    if not found:
        remote = "://" in pattern and not pattern.startswith("file://")
        raise ReadError(f"no file matches {pattern!r}", hint="the local engine reads files on this machine: "
                        "read object storage with --engine dask (pip install 'losscli[dask]')" if remote else None)
    return found


__all__ = ["InputOptions", "InputPlan", "Batch", "plan_inputs", "glob_paths"]


def _index_as_column(role: Role) -> str | None:
    """The name of a watched index that is a column of its own (``index`` or ``level_0`` from
    ``reset_index()``, an index named ``idx`` or ``id`` written under its name), which ``index=False`` does not
    leave out; ``None`` for pandas' index."""
    name = role.columns[0]
    if name == role.source.index_column or not is_reset_index_name(name):
        return None
    return name
