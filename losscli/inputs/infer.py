"""Which columns are labels, predictions, weights and ids when the command line does not say: one rule for
one-file and two-file mode, for the local engine and the Dask engine.

The rule, on each file's column names and a sample of its first rows (:data:`SAMPLE_ROWS`):

- an **index-like** column is never a prediction unless selected: an empty header cell or ``Unnamed: N``
  (pandas' ``to_csv()`` index and its round trip), ``__index_level_N__`` (pandas' Parquet index), a name
  of :data:`ID_NAMES`, a key by :func:`looks_like_key` (``customer_id``, ``PassengerId``) or the
  ``--id-col``, and — among prediction candidates only — a column of integers counting ``0, 1, 2, …`` or
  ``1, 2, 3, …`` row by row (text and counters are left out only when other columns remain: a lone column
  is used, and a bad cell in it is reported);
- a **non-numeric** column (every sampled cell is text or missing, at least two are text) is not a
  prediction unless selected; nor, while other columns remain, is a column named as in :data:`META_NAMES`
  (``fold``, ``epoch``) or :data:`COUNT_NAMES` (``words``, ``bytes``) that the labels file does not hold
  (nor name as a class), and in the labels file
  such a column the predictions file lacks is not a label beside one named as in :data:`LABEL_NAMES`;
- a **weight-named** column (:data:`WEIGHT_NAMES`) is a weight only with ``--weight-col`` (a column of the
  predictions file, or else named in the labels file); it is never a prediction unless selected (a weight
  copied into the predictions file would pair with itself); in the labels file it is a label unless chosen;
- one file: the label column is the first named as in :data:`LABEL_NAMES`;
- two files: the labels are the labels file's columns that are not index-like (counters are dropped when
  more than one column is left and the label columns do not match the prediction columns one to one); a key
  both files hold is joined on (:func:`_shared_keys`), or else checked to agree row by row; without one,
  their pandas indexes are checked row by row when they number the same rows, or watched over the whole
  files when the first rows cannot tell (:func:`_pandas_indexes`);
- label and prediction columns named alike (the same names, or the same after each side's prefix) are
  paired by name, not by position; beside others, leading columns of the same names in both files that
  hold what a pandas index holds (:func:`_refuse_shared_index`: pandas writes a named index as the first
  columns) are refused.

What was decided is returned as notes, reported on stderr and in the JSON ``inputs``.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import field
from typing import Any

import numpy as np

from losscli.column_names import (
    COUNT_NAMES,
    ID_NAMES,
    LABEL_NAMES,
    META_NAMES,
    MODEL_INPUT_NAMES,
    WEIGHT_NAMES,
    is_id_name,
)
from losscli.errors import UsageError
from losscli.inputs.keyindex import id_keys
from losscli.io import select_columns
from losscli.io.base import LOGICAL, MISSING, first_cells
from losscli.records import record

#: id-like names: never predictions; a name both files hold is the key they are joined on
JOIN_NAMES = ID_NAMES
SAMPLE_ROWS = 1000

_PANDAS_INDEX = re.compile(r"(Unnamed: \d+|__index_level_\d+__|level_\d+)")


@record
class Table:
    """What the rule sees of one file: its name, columns, the header cells that were empty and a sample."""

    name: str
    columns: list[str]
    sample: Mapping[str, np.ndarray]
    unnamed: set[str] = field(default_factory=set)
    #: blocks of the file (a list column's elements, a 2-D array's columns): block name → member columns
    blocks: dict[str, list[str]] = field(default_factory=dict)
    #: the column that a pandas writer's metadata names as the index
    index_column: str | None = None
    #: the columns it names as the levels of a MultiIndex (two or more)
    index_levels: tuple[str, ...] = ()
    #: (start, step) of a range index a pandas writer kept in its metadata only (Parquet), with no column
    range_index: tuple[int, int] | None = None
    #: its first column is R's row names (a header one cell short): an index that numbers the rows from 1
    row_names: bool = False
    #: whether a header row (or a format's schema) named the columns, not a header-less file's 1..K
    real_header: bool = True
    #: a column's class names by number (a Hugging Face ``ClassLabel`` in the schema's metadata)
    class_names: dict[str, list[str]] = field(default_factory=dict)
    #: a header only guessed (``house_a,100,90``): whether it could be a sample, its cells opening their columns
    #: (asked only where its names are not used: see :func:`refuse_positions_under_a_guessed_header`)
    header_maybe_sample: Callable[[], bool] | None = None


@record
class Selection:
    """The column options of the command line (``None``: infer)."""

    label_cols: str | None = None
    pred_cols: str | None = None
    weight_col: str | None = None
    id_col: str | None = None
    taken: list[str] = field(default_factory=list)  #: columns other options claim (--group-col, ...)
    #: the predictions are class scores (probabilities or logits, a column per class), which a row's index or
    #: key never is
    class_scores: bool = False


@record
class Columns:
    """The decided columns, and why the others are not used."""

    labels: list[str]
    preds: list[str]
    weight: list[str] | None
    id_col: str | None
    notes: list[str] = field(default_factory=list)
    #: an id column both files hold that is not joined on (a weights file keeps the row order): the plan
    #: checks that it agrees row by row
    checked_id: str | None = None
    #: the pandas index columns of the labels and the predictions files (a column, or the columns of the
    #: levels of a MultiIndex), checked to agree row by row
    checked_index: tuple[str | tuple[str, ...], str | tuple[str, ...]] | None = None
    #: ``weight`` is a column of the labels file (``--weight-col`` names no column of the predictions file)
    weight_in_labels: bool = False
    #: pandas index columns (labels', other file's) whose first rows cannot tell whether they number the same
    #: rows (files longer than the sample): watched while read, refused at the end if they do, in another order;
    #: the labels' is ``None`` for their row numbers (the range index of their metadata, else 0, 1, 2, …); the
    #: other file is ``"preds"``, ``"weights"``, or ``"column"`` for a text column of one name in the labels and
    #: the predictions (:func:`_shared_columns`), watched as an index is, ``"key"`` for one whose sampled values are
    #: there once in each file (a question, a sentence): agreeing on every row, it proves the files' order
    watched_index: list[tuple[str | None, str, str]] = field(default_factory=list)
    #: the pandas index columns of the labels and the weights files, checked to agree row by row
    checked_weight_index: tuple[str, str] | None = None


#: sampled rows from which rows reordered, or runs of whole numbers, in a column of both files are taken for an
#: index (a few rows of integer outputs may agree so by chance)
KEY_ROWS = 8


def looks_like_key(table: Table, name: str) -> bool:
    """A column named like a key (:func:`~losscli.column_names.is_id_name`) whose sampled values are keys:
    texts, or integers that are not all 0 and 1. ``state_ID`` holding 0/1 (the one-hot column of a class
    named ID) or ``p_ID`` holding probabilities is not a key."""
    if not is_id_name(name):
        return False
    sample = table.sample.get(name)
    if sample is None or not len(sample):
        return True
    v = numeric(sample)
    if v is None:
        return not all(str(x).strip().lower() in LOGICAL for x in sample.tolist())
    v = v[np.isfinite(v)]
    return bool(len(v)) and bool((v == np.round(v)).all()) and not bool(np.isin(v, (0.0, 1.0)).all())


def index_reason(table: Table, name: str, id_col: str | None = None, *, keys: bool = True) -> str | None:
    """Why ``name`` is an index-like column by its name (or ``None``); a name that only looks like a key
    (``class_id``) counts with ``keys``."""
    if name in table.unnamed or not name.strip():
        return "an unnamed column (a pandas index)"
    if table.index_column is not None and name == table.index_column:
        return "the pandas index (by the file's metadata)"
    if name in table.index_levels:
        return "a level of the pandas index (by the file's metadata)"
    if _PANDAS_INDEX.fullmatch(name.strip()):
        return "a pandas index"
    if id_col is not None and name == id_col:
        return "the --id-col"
    if name.strip().lower() in ID_NAMES or (keys and looks_like_key(table, name)):
        return "an id column"
    return None


def is_counter(values: np.ndarray | None) -> bool:
    """Integers counting 0, 1, 2, … or 1, 2, 3, … (at least 3 rows): a row index written as a column."""
    if values is None or len(values) < 3:
        return False
    v = numeric(values)
    if v is None or v.dtype.kind not in "iuf" or not np.isfinite(v).all():
        return False
    start = v[0]
    return start in (0, 1) and bool(np.array_equal(v, np.arange(start, start + len(v))))


def numeric(values: np.ndarray) -> np.ndarray | None:
    """The sample as numbers (missing-value markers as NaN), or ``None`` when a cell is text."""
    if values.dtype.kind in "iufb":
        return values
    out = np.empty(len(values), dtype=np.float64)
    for i, v in enumerate(values.tolist()):
        s = "" if v is None else str(v).strip()
        if s.lower() in MISSING:
            out[i] = np.nan
            continue
        try:
            out[i] = float(s)
        except ValueError:
            return None
    return out


def _pick(selection: str | None, table: Table, option: str, sel: Selection | None = None) -> list[str] | None:
    if not selection:
        return None
    together = () if sel is None else (sel.label_cols, sel.pred_cols, sel.weight_col)
    return select_columns(selection, table.columns, option=option, file=table.name, together=together)


def is_text(values: np.ndarray | None) -> bool:
    """A text column: at least two sampled cells, and every cell that is not missing is not a number (a
    column of numbers with a bad cell is not text: it is refused cell by cell when read)."""
    if values is None or values.dtype.kind in "iufb":
        return False
    texts = 0
    for v in values.tolist():
        s = "" if v is None else str(v).strip()
        if s.lower() in MISSING:
            continue
        try:
            float(s)
        except ValueError:
            texts += 1
            continue
        return False
    return texts >= 2


def prediction_candidates(table: Table, exclude: set[str], id_col: str | None, notes: list[str], *,
                          targets: Collection[str] = (), labels_chosen: bool = False,
                          class_scores: bool = False) -> list[str]:
    """The prediction columns of ``table`` by the rule above (those of ``exclude`` left out; a meta-named
    column among ``targets`` — the labels file's columns, or a class name its labels hold — is a prediction).
    With ``labels_chosen`` (``--label-cols`` named the labels of one file) a column named as in
    :data:`LABEL_NAMES` is not a prediction while other columns remain: it holds the labels too (Hugging Face's
    ``label`` ints beside ``label_text``), and would be one more class. With ``class_scores`` (probabilities or
    logits, a column per class) a first column of distinct whole numbers beside fractional scores is refused
    (:func:`_refuse_row_key`)."""
    named, soft = [], []
    members = {c for cols in table.blocks.values() for c in cols}  # numbers of one matrix: never an index
    for c in table.columns:
        if c in exclude:
            continue
        if c in members:
            named.append(c)
            continue
        why = index_reason(table, c, id_col)
        if why is None and c.strip().lower() in WEIGHT_NAMES:
            why = "a weight column (select it with --weight-col)"
        if why is not None:
            notes.append(f"{table.name}: column {_shown(c, table)} is not a prediction: {why}")
            continue
        named.append(c)
    # by value: text and row counters are left out when other columns remain
    out = []
    for c in named:
        sample = table.sample.get(c)
        why = "not numeric" if is_text(sample) else "a row counter (0, 1, 2, … or 1, 2, 3, …)" if is_counter(
            sample) else None
        if why is None and c.strip().lower() in META_NAMES and c not in targets:
            why = "it says how the row was made (a fold, an epoch, a version: select it with --pred-cols if not)"
        if why is None and c.strip().lower() in MODEL_INPUT_NAMES and c not in targets:
            why = "an input of the model (a mask, token ids: select it with --pred-cols if not)"
        if why is None and labels_chosen and c.strip().lower() in LABEL_NAMES:
            why = "named like a label column, beside the labels chosen (select it with --pred-cols if not)"
        if why is None and c.strip().lower() in COUNT_NAMES and c not in targets and _counts(sample):
            why = "a per-row count (give it with --words-col or --bytes-col, or select it with --pred-cols)"
        if why is None:
            out.append(c)
        else:
            soft.append((c, why))
    if not out:
        return _one_block(table, named)
    if class_scores:
        _refuse_row_key(table, out, targets)
        _refuse_whole_columns(table, out, targets, members)
    for c, why in soft:
        notes.append(f"{table.name}: column {_shown(c, table)} is not a prediction: {why}")
    return _one_block(table, out)


#: sampled rows from which a column of distinct whole numbers beside class scores is taken for a row's key: as
#: many distinct whole numbers span at least 19, which no logit column does
ROW_KEY_ROWS = 20


def _refuse_row_key(table: Table, cols: list[str], targets: Collection[str]) -> None:
    """The first prediction column, when it is the file's first column and holds distinct whole numbers in
    :data:`ROW_KEY_ROWS` sampled rows or more beside columns of fractional scores, is a row's index or key
    (``df.to_csv()`` of a frame indexed by ``sample``, or ``reset_index()`` then any writer), not a class:
    scored, it is one more class (1786.6 for torch's 1.34). Refused with the columns to choose and the join;
    never left out, which would skip the checks of the rows' order that an index gets. A column the labels file
    holds too (``targets``) is left to the rules of a shared index."""
    c = cols[0]
    if len(cols) < 2 or c != table.columns[0] or c in targets:
        return
    v = numeric(np.asarray(table.sample.get(c, ())))
    if v is None or len(v) < ROW_KEY_ROWS or v.dtype.kind not in "iuf":
        return
    v = v.astype(np.float64)
    if not (np.isfinite(v).all() and _whole(v) and len(np.unique(v)) == len(v)):
        return
    rest = cols[1:]
    if not any(_fractional(table.sample.get(r)) for r in rest):
        return
    import shlex

    chosen = _columns_text(table, rest)
    raise UsageError(
        f"column {c!r} of {table.name} holds distinct whole numbers beside fractional class scores: a row's "
        f"index or key (a frame indexed by {c!r} written with to_csv()), which would be scored as one more class",
        hint=f"choose the prediction columns: --pred-cols {shlex.quote(chosen)} (and, where the labels' file holds "
             f"the key too, join the files on it: --id-col {shlex.quote(c)})",
    )


def _refuse_whole_columns(table: Table, cols: list[str], targets: Collection[str], members: set[str]) -> None:
    """Beside columns of fractional class scores, a column of whole numbers that vary, some of them beyond [0, 1]
    (or one number above 1 in every row), in :data:`ROW_KEY_ROWS` sampled rows or more is no class's probability
    or logit: a document id, a position or a token id of a per-token file (``doc, pos, token, logit_0 …``), which
    would be scored as one more class (29.7 for torch's 5.10, exit 0). Refused with the fractional columns to
    choose. A matrix's own columns (one array of a Parquet list or an NPY file) and columns the labels' file
    holds too are left as they are."""
    whole, fractional = [], []
    for c in cols:
        v = numeric(np.asarray(table.sample.get(c, ())))
        if v is None or v.dtype.kind not in "iuf":
            continue
        v = v.astype(np.float64)
        v = v[np.isfinite(v)]
        if c in members or c in targets or len(v) < ROW_KEY_ROWS:
            if len(v) and not _whole(v):
                fractional.append(c)
            continue
        if _whole(v) and (len(np.unique(v)) > 1 and ((v < 0) | (v > 1)).any() or (v > 1).all()):
            # ids, positions, token ids: whole numbers that vary, or one above 1 in every row (one long document);
            # one negative number in every row is a class masked out (a logit of -100 or -1e30), a score
            whole.append(c)
        elif not _whole(v):
            fractional.append(c)
    if not whole or len(fractional) < 2:
        return
    import shlex

    one = len(whole) == 1
    raise UsageError(
        f"{'column' if one else 'columns'} {', '.join(repr(c) for c in whole)} of {table.name} "
        f"{'holds' if one else 'hold'} whole numbers beside fractional class scores: an id, a position, a token id "
        "or a copy of the labels, which would be scored as one more class",
        hint=f"choose the prediction columns: --pred-cols {shlex.quote(_columns_text(table, fractional))}",
    )


def _columns_text(table: Table, cols: list[str]) -> str:
    """Columns as ``--pred-cols`` takes them: a range ``first:last`` where they stand side by side, else a list."""
    at = [table.columns.index(c) for c in cols]
    return f"{cols[0]}:{cols[-1]}" if at == list(range(at[0], at[0] + len(at))) else ",".join(cols)


def _flags(sample: Any) -> bool:
    """Whether sampled cells are all 0 or 1 (true and false are read so)."""
    v = None if sample is None else numeric(np.asarray(sample))
    if v is None or v.dtype.kind not in "iufb":
        return False
    v = v.astype(np.float64)
    return bool(len(v)) and bool(np.isin(v, (0.0, 1.0)).all())


def _refuse_boolean_scores(table: Table, cols: list[str]) -> None:
    """Class scores taken from every element of an array of pairs (``filtered_resps`` of lm-evaluation-harness,
    ``[[loglikelihood, is_greedy], …]``): columns ``P[k][j]`` where one ``j`` holds fractional numbers and another
    only 0/1 (true/false) are a score and a flag per class, and the flags would be scored as classes of their own
    (2.73 for torch's 0.28, exit 0). Refused with the scores to choose, ``P[*][j]``."""
    parts = [re.fullmatch(r"(.*?)\[(\d+)\](.*)\[(\d+)\]", c) for c in cols]  # P[k]…[j]: resps[k][0][j] too
    if len(cols) < 4 or not all(parts):
        return
    groups: dict[tuple[str, str, str], list[str]] = {}
    for c, m in zip(cols, parts, strict=True):
        groups.setdefault((m.group(1), m.group(3), m.group(4)), []).append(c)  # type: ignore[union-attr]
    flags = [key for key, members in groups.items() if all(_flags(table.sample.get(c)) for c in members)]
    scores = [key for key, members in groups.items() if all(_fractional(table.sample.get(c)) for c in members)]
    if not flags or len(scores) != 1:
        return
    import shlex

    (prefix, middle, j), = scores
    named = ", ".join(f"{p}[*]{m}[{k}]" for p, m, k in flags)
    raise UsageError(
        f"the prediction columns of {table.name} are pairs of a score and a flag ({named} holds only 0/1 or "
        f"true/false): a flag beside each class's score (lm-evaluation-harness's [loglikelihood, is_greedy]), "
        "which would be scored as classes of their own",
        hint=f"choose the scores: --pred-cols {shlex.quote(f'{prefix}[*]{middle}[{j}]')}",
    )


def _fractional(sample: Any) -> bool:
    """Whether a sampled cell is a finite number that is not whole (a probability or a logit)."""
    v = None if sample is None else numeric(np.asarray(sample))
    if v is None or v.dtype.kind != "f":
        return False
    v = v[np.isfinite(v)]
    return bool(len(v) and (v != np.round(v)).any())


def _counts(sample: Any) -> bool:
    """Whether sampled cells are counts: whole numbers ≥ 0 (a probability or a logit seldom is: a class's
    probability column named ``words`` stays a prediction; a per-token file's words are 0 or 1)."""
    try:
        values = np.asarray([float(v) for v in sample if v is not None and str(v).strip() != ""], dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return bool(values.size) and bool(np.all((values >= 0) & (values == np.floor(values))))


def _one_block(table: Table, candidates: list[str]) -> list[str]:
    """A list column (a row's logits or probabilities) is the predictions when it is the only candidate;
    next to other candidates the choice is the user's (they cannot all be one row's classes)."""
    chosen = set(candidates)
    lists = [name for name, cols in table.blocks.items() if cols and cols[0] in chosen and _is_list(cols[0])]
    if not lists:
        return candidates
    listed = {c for name in lists for c in table.blocks[name]}
    others = [c for c in candidates if c not in listed]
    if len(lists) == 1 and not others:
        return candidates
    what = [f"the list column {name!r} ({len(table.blocks[name])} values per row)" for name in lists]
    what += [repr(c) for c in others[:5]] + ([f"{len(others) - 5} more"] if len(others) > 5 else [])
    raise UsageError(
        f"{table.name} has several prediction-like columns: {', '.join(what)}",
        hint=f"choose the predictions with --pred-cols, e.g. --pred-cols {lists[0]}",
    )


def _is_list(member: str) -> bool:
    """A list column's elements are named ``name[i]`` (a 2-D array's columns by their positions)."""
    return member.endswith("]")

def _shown(name: str, table: Table) -> str:
    return f"{int(name)} (no header)" if name in table.unnamed and name.isdigit() else repr(name)


def _id_column(sel: Selection, table: Table) -> str | None:
    """The column ``--id-col`` names in ``table``: a column of that name, else one column by the column
    options' grammar (``#1`` the first column, ``=1`` the column named 1, ``3``)."""
    id_col = sel.id_col
    if id_col is None or id_col in table.columns:
        return id_col
    try:
        chosen = select_columns(id_col, table.columns, option="--id-col", file=table.name)
    except UsageError:
        chosen = []
    if len(chosen) != 1:
        raise UsageError(f"--id-col {id_col!r} is not a column of {table.name}",
                         hint=f"columns: {', '.join(table.columns[:20])}")
    return chosen[0]


def _no_predictions_left(table: Table, taken: dict[str, str], id_col: str | None) -> UsageError:
    """No column of ``table`` is left for the predictions: the error says what each column was taken for (an
    option's, or why it is no prediction), so that a column an option claimed by mistake shows."""
    why = []
    for c in table.columns[:12]:
        reason = taken.get(c) or index_reason(table, c, id_col)
        if reason is None:
            sample, name = table.sample.get(c), c.strip().lower()
            reason = ("not numeric" if is_text(sample) else "a row counter" if is_counter(sample)
                      else "a weight column (--weight-col)" if name in WEIGHT_NAMES
                      else "it says how the row was made (a fold, an epoch, a version)" if name in META_NAMES
                      else "an input of the model (a mask, token ids)" if name in MODEL_INPUT_NAMES
                      else "a per-row count (--words-col, --bytes-col)" if name in COUNT_NAMES
                      else "left out")
        why.append(f"{_shown(c, table)}: {reason}")
    more = ", …" if len(table.columns) > 12 else ""
    return UsageError(f"no prediction columns left in {table.name} ({'; '.join(why)}{more})",
                      hint="choose them with --pred-cols")


#: a column selection of positions alone: ``2``, ``#2``, ``2:5``, ``3:``
_POSITIONS = re.compile(r"\s*(#?\d+\s*(:\s*(#?\d+)?)?|:\s*#?\d+)\s*")

def _by_position(selection: str, table: Table, together: tuple[str | None, ...]) -> bool:
    """Whether every item of ``selection`` chooses columns by position (``2``, ``#2``, ``2:5``), as
    :func:`~losscli.io.columns.select_columns` reads its digits beside the ``together`` selections (``2`` is a
    position where ``3`` names no column of ``store_a,1,2``); not where one names a column, or is out of range
    (that error is the selection's own)."""
    for item in selection.split(","):
        if not _POSITIONS.fullmatch(item):
            return False
        for end in (p.strip() for p in item.split(":")):
            if not end or end.startswith("#"):
                continue
            try:
                chosen = select_columns(end, table.columns, option="", together=together)
            except UsageError:
                return False
            if chosen == [end]:  # the column named so
                return False
    return True


def _first_row_maybe_sample(table: Table, selections: tuple[str | None, ...], *, positions: bool,
                            together: tuple[str | None, ...] = ()) -> bool:
    """Whether ``table``'s first row, only guessed to be a header, could be a sample whose loss goes unnoticed
    (:meth:`~losscli.io.csv_reader.CsvSource.header_may_be_sample`: its cells could open their columns, and none
    names a role, ``label``, ``id``, ``pred_1``, that its column does not hold), its columns chosen by position
    alone (with ``positions``) or by position or by default."""
    if table.header_maybe_sample is None:
        return False
    given = [s for s in selections if s]
    if positions and not given:
        return False
    if not all(_by_position(s, table, together) for s in given):
        return False  # the header's names are used
    return table.header_maybe_sample()


def _file_and_first_row(table: Table) -> str:
    """``name (first,cells,…)``: a file and its first row's cells, each cut to 12 characters."""
    return f"{table.name} ({first_cells(table.columns, cut=12)})"


_HEADER_OPTIONS = "pass --header if it is column names, --no-header if it is a sample (a file without a header)"
_HEADERS_OPTIONS = "pass --header if they are column names, --no-header if they are samples (files without a header)"


def refuse_positions_under_a_guessed_header(table: Table, *selections: str | None) -> None:
    """Columns chosen by position alone (``--label-cols 1 --pred-cols 2,3``) in a file whose first row was only
    guessed to be a header and could be a sample (``house_a,100,90``: an id and numbers, no names to tell): read
    as a header, the sample would be lost with no error. Such a run waits for ``--header`` or ``--no-header``."""
    if _first_row_maybe_sample(table, selections, positions=True, together=selections):
        raise UsageError(f"the first row of {_file_and_first_row(table)} was read as a header, a guess, and the columns are chosen "
                         "by position, so none of its names is used: it may be a sample, lost unseen",
                         hint=_HEADER_OPTIONS)


def refuse_guessed_headers_of_both(labels: Table, preds: Table, sel: Selection) -> None:
    """A labels file and a predictions file whose first rows were both only guessed to be headers and could both
    be samples (``cat`` and ``dog`` over class names, written without a header), their columns chosen by
    position or by default: each would lose its first sample with no row-count mismatch to show it."""
    together = (sel.label_cols, sel.pred_cols, sel.weight_col)
    if (_first_row_maybe_sample(labels, (sel.label_cols,), positions=False, together=together)
            and _first_row_maybe_sample(preds, (sel.pred_cols,), positions=False, together=together)):
        raise UsageError(f"the first rows of {_file_and_first_row(labels)} and {_file_and_first_row(preds)} were both read as headers, a guess: "
                         "each may be a sample, and read so each file would lose one with no row-count mismatch to "
                         "show it", hint=_HEADERS_OPTIONS)


def infer_one_file(table: Table, sel: Selection) -> Columns:
    """Labels, predictions, weight and id of one file holding every column."""
    refuse_positions_under_a_guessed_header(table, sel.label_cols, sel.pred_cols, sel.weight_col)
    notes: list[str] = []
    id_col = _id_column(sel, table)
    labels = _pick(sel.label_cols, table, "--label-cols", sel)
    if labels is None:
        labels = [c for c in table.columns if c.strip().lower() in LABEL_NAMES][:1]
        if not labels:
            raise UsageError(
                f"no label column in {table.name}",
                hint=f"name it label, y, target or y_true, or choose one with --label-cols (columns: "
                f"{', '.join(table.columns[:20])})",
            )
    weight = _pick(sel.weight_col, table, "--weight-col", sel)
    taken = set(labels) | set(weight or []) | set(sel.taken) | ({id_col} if id_col else set())
    preds = _pick(sel.pred_cols, table, "--pred-cols", sel)
    if preds is None:
        preds = prediction_candidates(table, taken, id_col, notes, targets=_sampled_texts(table),
                                      labels_chosen=sel.label_cols is not None, class_scores=sel.class_scores)
        if all(c.strip().lower() in (*META_NAMES, *MODEL_INPUT_NAMES) for c in preds):
            # beside the labels in one file, a fold or a version left alone is no prediction (scored, it gives a
            # number with no error); a predictions file of one such column is another matter (infer_two_files)
            preds = []
        if not preds:
            raise _no_predictions_left(table, {**dict.fromkeys(sel.taken, "taken by another option (--group-col, …)"),
                                               **dict.fromkeys(labels, "the labels"),
                                               **dict.fromkeys(weight or [], "the weights"),
                                               **({id_col: "taken by --id-col"} if id_col else {})}, id_col)
    if sel.class_scores:
        _refuse_boolean_scores(table, preds)
    preds = align_by_name(labels, preds, table.name, table.name, notes)
    return Columns(labels, preds, weight, id_col, notes)


def infer_two_files(labels: Table, preds: Table, weights: Table | None, sel: Selection) -> Columns:
    """Labels, predictions, weight and join key of a labels file and a predictions file."""
    refuse_guessed_headers_of_both(labels, preds, sel)
    notes: list[str] = []
    if sel.id_col is None and not sel.label_cols and not sel.pred_cols and _headerless_index(labels, preds):
        for t in (labels, preds):
            t.unnamed = {*t.unnamed, t.columns[0]}
    id_col = sel.id_col
    checked_id = None
    checked_index = None
    watched_index: list[tuple[str | None, str, str]] = []
    keys: list[str] = []  # columns named like keys that hold keys in both files
    if id_col is not None:
        found = [_id_column(sel, t) for t in (labels, preds)]
        if found[0] != found[1]:
            raise UsageError(f"--id-col {id_col!r} is the column {found[0]!r} of {labels.name} but {found[1]!r} of "
                             f"{preds.name}: the files are joined on one name", hint="give the column's name")
        id_col = found[0]
    else:
        keys = [c for c in preds.columns if c in labels.columns and looks_like_key(preds, c)
                and looks_like_key(labels, c)]
        shared = _shared_keys(labels, preds, keys, notes, chosen=bool(sel.label_cols or sel.pred_cols))
        if shared and weights is not None:
            # a weights file aligned by row order: keep the row order, and check the ids agree row by row
            checked_id = shared[0]
            notes.append(f"{labels.name} and {preds.name} are aligned by row order; their column "
                         f"{checked_id!r} is checked to agree row by row")
        elif shared:
            id_col = shared[0]
            notes.append(f"{labels.name} and {preds.name} are joined on their column {id_col!r} "
                         "(not aligned by row order)")
        else:
            if keys:  # a key both hold but not joined on (it counts, repeats, or the columns were chosen)
                checked_id = keys[0]
                notes.append(f"{labels.name} and {preds.name} are aligned by row order; their column "
                             f"{checked_id!r} is checked to agree row by row")
            else:
                checked_index, watched = _pandas_indexes(labels, preds, notes)
                watched_index += [(*pair, "preds") for pair in watched]
    weight = None
    weight_in_labels = False
    checked_weight_index = None
    exclude = set(sel.taken) | {c for c in (id_col, checked_id) if c}
    if weights is not None and id_col is None:  # a weights file's pandas index, like the predictions'
        checked_weight_index, watched = _pandas_indexes(labels, weights, notes)
        watched_index += [(*pair, "weights") for pair in watched]
    if weights is not None:
        weight = _pick(sel.weight_col, weights, "--weight-col", sel)
        if weight is None:
            weight = [c for c in weights.columns if c != id_col and index_reason(weights, c) is None]
            if not weight:
                raise UsageError(f"no weight column left in {weights.name} (its columns: "
                                 f"{', '.join(map(repr, weights.columns[:10]))} look like an index or ids)",
                                 hint="choose it with --weight-col")
    elif sel.weight_col:
        weight, weight_in_labels = _weight_column(sel.weight_col, labels, preds)
        if not weight_in_labels:
            exclude |= set(weight)
    pred_cols = _pick(sel.pred_cols, preds, "--pred-cols", sel)
    if pred_cols is None:
        # a meta-named column (fold, version) is a prediction where the labels file has one of that name or
        # its labels name such a class, else it is set aside
        pred_cols = prediction_candidates(preds, exclude, id_col, notes,
                                          targets={*labels.columns, *_sampled_texts(labels)},
                                          class_scores=sel.class_scores)
        if not pred_cols:
            weights_here = [] if weights is not None or weight_in_labels else weight or []
            raise _no_predictions_left(preds, {**dict.fromkeys(sel.taken, "taken by another option (--group-col, …)"),
                                               **dict.fromkeys(weights_here, "the weights"),
                                               **({id_col: "the key the files are joined on"} if id_col else {})},
                                       id_col)
    if sel.class_scores:
        _refuse_boolean_scores(preds, pred_cols)
    label_cols = _pick(sel.label_cols, labels, "--label-cols", sel)
    if label_cols is None:
        label_cols = []
        for c in labels.columns:
            if c in (id_col, checked_id) or (weight_in_labels and c in weight):
                continue
            why = index_reason(labels, c, id_col, keys=False)
            if why is None and c in keys:  # a key both hold (store_id)
                why = "an id column both files hold"
            if why is not None:
                notes.append(f"{labels.name}: column {_shown(c, labels)} is not a label: {why}")
                continue
            label_cols.append(c)
        if len(label_cols) > 1:
            counters = [c for c in label_cols if is_counter(labels.sample.get(c))]
            # a counter is a written-out row index only when the label columns do not line up with the
            # prediction columns as they are (a one-hot file whose first column counts 0, 1, 2 holds bad
            # labels, reported as such, not an index)
            if counters and len(counters) < len(label_cols) and len(label_cols) != len(pred_cols):
                for c in counters:
                    notes.append(f"{labels.name}: column {c!r} is not a label: a row counter")
                label_cols = [c for c in label_cols if c not in counters]
        named = [c for c in label_cols if c.strip().lower() in LABEL_NAMES]
        # beside a column named as the labels, a fold or epoch column the predictions file lacks describes the row
        apart = [c for c in label_cols if c.strip().lower() in META_NAMES and c not in preds.columns]
        if len(named) == 1 and apart and named[0] not in apart:
            for c in apart:
                notes.append(f"{labels.name}: column {_shown(c, labels)} is not a label: it says how the row was "
                             f"made (select it with --label-cols)")
            label_cols = [c for c in label_cols if c not in apart]
        if len(label_cols) > 1 and len(named) == 1:
            # beside a column named as the labels, a text column (a region, a segment) describes the row
            texts = [c for c in label_cols if c != named[0] and is_text(labels.sample.get(c))
                     and not _booleans(labels.sample.get(c))]  # True/False cells are 1/0 labels (get_dummies)
            for c in texts:
                notes.append(f"{labels.name}: column {_shown(c, labels)} is not a label: text beside the label "
                             f"column {named[0]!r} (select it with --label-cols)")
            label_cols = [c for c in label_cols if c not in texts]
        if not label_cols:
            raise UsageError(f"no label column left in {labels.name}", hint="choose it with --label-cols")
    if not sel.label_cols and not sel.pred_cols:
        # a kfold or split column copied into the predictions file: scored, it would pair with itself
        copied = [c for c in _copied(labels, preds, id_col) if c in label_cols and c in pred_cols]
        # beside a column named as the labels, a meta-named column both files hold says how each row was made,
        # whatever its values (folds numbered anew, a dataset's and a model's version, a copy whose rows the
        # sampled rows cannot pair)
        named = [c for c in label_cols if c.strip().lower() in LABEL_NAMES]
        beside = [c for c in label_cols if len(named) == 1 and c != named[0] and c in pred_cols and c not in copied
                  and c.strip().lower() in META_NAMES]
        apart = copied + beside
        if apart and set(label_cols) - set(apart) and set(pred_cols) - set(apart):
            for c in copied:
                notes.append(f"column {c!r} of {labels.name} and {preds.name} holds the same values in both (a "
                             "copy, not a prediction): not scored (select it with --label-cols and --pred-cols)")
            for c in beside:
                notes.append(f"column {c!r} of {labels.name} and {preds.name} says how each row was made, beside "
                             f"the label column {named[0]!r}: not scored (select it with --label-cols and "
                             "--pred-cols)")
            label_cols = [c for c in label_cols if c not in apart]
            pred_cols = [c for c in pred_cols if c not in apart]
    pred_cols = align_by_name(label_cols, pred_cols, labels.name, preds.name, notes,
                              label_positions=not labels.real_header)
    if id_col is None and checked_id is None:
        indexes = {c for pair in [checked_index or (), *watched_index] for c in pair[:2] if isinstance(c, str)}
        for c in _shared_columns(labels, preds, {*label_cols, *pred_cols, *(weight or ()), *indexes}, label_cols):
            notes.append(f"{labels.name} and {preds.name} are aligned by row order; their column {c!r} is watched "
                         "for the same values in another order")
            # (only texts: numbers or datetimes there once in the sampled rows, times or row numbers, may repeat
            # further down, or number each file's rows whatever they hold, so they prove no order)
            unique = min(len(labels.sample.get(c, ())), len(preds.sample.get(c, ()))) >= KEY_ROWS and (
                _each_once(labels.sample.get(c)) is not None and _each_once(preds.sample.get(c)) is not None
                and is_text(labels.sample.get(c)))
            watched_index.append((c, c, "key" if unique else "column"))
    if not sel.label_cols and not sel.pred_cols and id_col is None:
        _refuse_label_copy(labels, label_cols, preds, pred_cols)
        _refuse_shared_index(labels, label_cols, preds, pred_cols, class_scores=sel.class_scores)
    return Columns(label_cols, pred_cols, weight, id_col, notes, checked_id, checked_index, weight_in_labels,
                   watched_index, checked_weight_index)


def _refuse_label_copy(labels: Table, label_cols: list[str], preds: Table, pred_cols: list[str]) -> None:
    """Both files hold a label-named column (``y``, ``target``) with the same values, paired with itself
    beside other columns: a copy of the labels in the predictions file, which would be scored against itself
    (a near-zero loss averaged in); the command cannot tell which columns were meant."""
    if len(label_cols) < 2:
        return
    for a, b in zip(label_cols, pred_cols, strict=False):
        if a != b or a.strip().lower() not in LABEL_NAMES:
            continue
        x, y = labels.sample.get(a), preds.sample.get(b)
        if x is None or y is None or len(x) != len(y):
            continue
        nx, ny = numeric(x), numeric(y)  # 1 in a CSV is 1.0, in JSON lines or Parquet 1
        same = (np.array_equal(nx, ny, equal_nan=True) if nx is not None and ny is not None
                else [str(v) for v in x.tolist()] == [str(v) for v in y.tolist()])
        if not same:
            continue
        others = [c for c in pred_cols if c != b]
        raise UsageError(
            f"column {a!r} is in {labels.name} and {preds.name} with the same values: a copy of the labels, which "
            "would be scored against itself",
            hint=f"choose the columns: --label-cols {a} --pred-cols {','.join(others)}",
        )


def _refuse_shared_index(labels: Table, label_cols: list[str], preds: Table, pred_cols: list[str], *,
                         class_scores: bool = False) -> None:
    """Leading columns of the same names in both files, paired with themselves beside other columns, that
    hold what a pandas index holds rather than outputs (pandas writes a named index, ``set_index("row")`` or a
    ``groupby`` MultiIndex, as the first columns): the same values row by row, in order or each row once (not
    all 0 and 1, at least two different rows), the same rows each once in another order, or row numbers
    (whole numbers each once, counting up by one in one file). Scored, an index pairs with itself (a loss of 0 averaged in) or
    with another row's number. Outputs predicted exactly, a constant column, or whole-number outputs
    (counts, amounts) are none of these, so they are scored as before; an index that is none of these is not
    caught. Refused, with the columns to choose and the key to join on."""
    pairs = list(zip(label_cols, pred_cols, strict=False))
    block: list[tuple[str, np.ndarray, np.ndarray]] = []
    for a, b in pairs:
        x, y = labels.sample.get(a), preds.sample.get(b)
        if a != b or x is None or y is None or len(x) < 2 or len(y) < 2 or a.strip().isdigit():
            break  # digits name a column by its position (a file without a header, pandas' 0, 1, 2)
        nx, ny = numeric(x), numeric(y)
        if nx is None or ny is None or not (np.isfinite(nx).all() and np.isfinite(ny).all()):
            break
        block.append((a, nx, ny))
    for cut in range(len(block), 0, -1):  # the longest leading block that holds an index
        kind = _index_kind([v for _, v, _ in block[:cut]], [v for _, _, v in block[:cut]])
        if kind is not None:
            break
    else:
        return
    found = [a for a, _, _ in block[:cut]]
    if len(found) == len(pairs):
        return
    # the columns paired with the labels but the index's; beside one label column of class scores, every
    # prediction column but the index's (three logits beside one label of class indices)
    rest = [b for b in pred_cols if b not in found]
    paired = [b for a, b in pairs if a not in found]
    choose = (f"--label-cols {','.join(a for a in label_cols if a not in found)} "
              f"--pred-cols {','.join(rest if class_scores and len(label_cols) - len(found) == 1 else paired)}")
    names = ", ".join(repr(c) for c in found)
    several = len(found) > 1
    what = f"column{'s' if several else ''} {names} of {labels.name} and {preds.name}"
    if kind == "same":
        raise UsageError(
            f"{what} hold{'' if several else 's'} the same values in both files, row by row: a pandas index "
            "(written as a column) or a key, which would be scored against itself",
            hint=f"choose the columns: {choose}" + (f"; or join the files on it: --id-col {found[0]}" if not several
                                                    and _each_once(labels.sample.get(found[0])) is not None else ""),
        )
    join = (f"join them on it: --id-col {found[0]}" if not several else
            "sort both by that index before writing them (df.sort_index()), or write them without it")
    if kind == "reordered":
        raise UsageError(
            f"{what} hold{'' if several else 's'} the same rows in another order: a pandas index (written as a "
            "column) or a key, so the files hold their rows in different orders and would be paired wrongly",
            hint=join,
        )
    raise UsageError(
        f"{what} hold{'' if several else 's'} row numbers (whole numbers each once, one file's counting up by "
        "one), not the same row by row: a pandas index (written as a column) or a key, not an output; scored, "
        "each row's number would be compared with another's",
        hint=f"if it names the same rows in both files, {join}; if the rows are paired by position, choose the "
             f"columns: {choose}",
    )


def _index_kind(left: list[np.ndarray], right: list[np.ndarray]) -> str | None:
    """How columns of both files (the same names, in order) hold an index: ``"same"`` (the same rows in the same
    order, sorted or each once, at least two different rows, not all 0 and 1), ``"reordered"`` (the same rows
    each once, in another order), ``"runs"`` (one column of whole numbers each once, counting up by one in
    at least one file: the first rows of a long file shuffled after its index was made hold other numbers
    than the labels' first rows), or ``None``."""
    a = np.column_stack(left)
    b = np.column_stack(right)
    rows_a, rows_b = [tuple(r) for r in a.tolist()], [tuple(r) for r in b.tolist()]
    unique = len(set(rows_a)) == len(rows_a) and len(set(rows_b)) == len(rows_b)
    if rows_a == rows_b:
        if len(set(rows_a)) < 2 or bool(np.isin(a, (0.0, 1.0)).all()):
            return None
        return "same" if unique or rows_a == sorted(rows_a) else None
    if unique and len(rows_a) == len(rows_b) and sorted(rows_a) == sorted(rows_b) and len(rows_a) >= KEY_ROWS:
        return "reordered"
    if (len(left) == 1 and unique and min(len(rows_a), len(rows_b)) >= KEY_ROWS and _whole(a) and _whole(b)
            and (_runs(a[:, 0]) or _runs(b[:, 0]))):
        return "runs"  # a range index in one file (the first rows of a long one), other row numbers in the other
    return None


def _runs(v: np.ndarray) -> bool:
    """Whole numbers that, sorted, count up by one (a range index, in any order)."""
    return _whole(v) and bool((np.diff(np.sort(v)) == 1).all())


def _whole(v: np.ndarray) -> bool:
    """Numbers that are all whole (``nan`` is not)."""
    return bool((v == np.round(v)).all())


def _headerless_index(labels: Table, preds: Table) -> bool:
    """Is the first column of two files without a header a pandas index (``y_test.to_csv(header=False)`` of a
    split's rows)? It is when both hold distinct whole numbers, the same in both files' sampled rows (row by
    row, or as a set when the sample holds the whole files), beside more columns: scored, it would pair with
    itself (a zero error). Many of the same numbers in other rows (a long file shuffled after its index was
    written) are refused with the join as the hint; other whole numbers each once (prices, counts) are outputs.
    Row counters 0, 1, 2, … in both are left to the rule, which finds them as such."""
    if labels.real_header or preds.real_header or min(len(labels.columns), len(preds.columns)) < 2:
        return False
    a, b = (t.sample.get(t.columns[0]) for t in (labels, preds))
    a, b = (None if v is None or len(v) < 3 else numeric(v) for v in (a, b))
    if a is None or b is None or not all(np.isfinite(v).all() and _whole(v) for v in (a, b)):
        return False
    if (is_counter(a) and is_counter(b)) or len(np.unique(a)) != len(a) or len(np.unique(b)) != len(b):
        return False
    if np.array_equal(a, b) or (len(a) == len(b) < SAMPLE_ROWS and set(a.tolist()) == set(b.tolist())):
        return True
    common = len(set(a.tolist()) & set(b.tolist()))
    if common >= max(3, min(len(a), len(b)) // 10):
        raise UsageError(
            f"the first columns of {labels.name} and {preds.name} (no header) hold whole numbers each once, {common} "
            "of them in both files but in other rows: a pandas index written without a header "
            "(to_csv(header=False)), of rows in another order?",
            hint="join the files on it with --id-col 1; if it is an output, choose the columns with --label-cols "
                 "and --pred-cols")
    return False


def _copied(labels: Table, preds: Table, id_col: str | None) -> list[str]:
    """Meta-named columns (:data:`META_NAMES`: ``kfold``, ``split``) both files hold with the same values in
    their sampled rows — row by row, or id by id where the files are joined (at least 20 ids in both samples,
    else undecided). An output is not judged by its values: only these names, which no model predicts."""
    out = []
    for c in preds.columns:
        if c not in labels.columns or c.strip().lower() not in META_NAMES:
            continue
        a, b = labels.sample.get(c), preds.sample.get(c)
        if a is None or b is None or not len(a) or not len(b):
            continue
        if id_col is not None:
            ka, kb = labels.sample.get(id_col), preds.sample.get(id_col)
            if ka is None or kb is None:
                continue
            left = {str(k): str(v) for k, v in zip(ka.tolist(), a.tolist(), strict=False)}
            pairs = [(left[str(k)], str(v)) for k, v in zip(kb.tolist(), b.tolist(), strict=False) if str(k) in left]
            if len(pairs) >= min(20, len(a), len(b)) and pairs and all(x == y for x, y in pairs):
                out.append(c)
        elif len(a) == len(b) and [str(v) for v in a.tolist()] == [str(v) for v in b.tolist()]:
            out.append(c)
    return out


def _shared_columns(labels: Table, preds: Table, used: set[str], label_cols: list[str]) -> list[str]:
    """Columns of the same name in both files, not read as labels, predictions or weights, that hold texts or
    dates in both (a store, a region, a pandas index of names written as a column by ``to_csv``), or numbers
    that agree row by row in the sampled rows (an index named ``row`` or ``step``, ``level_0``, pandas'
    ``Unnamed: 0.1`` of a round trip, a timestamp; two named as an index and one other): they describe
    the rows, and the same values in another order mean that the files hold their rows in other orders
    (:class:`~losscli.inputs.index_watch.IndexWatch`). A column named as the labels is left out: in the
    predictions file it holds predicted classes, which differ from the labels where the model errs (a model
    that errs as often each way swaps them); so is one that names the labels' classes (:func:`_class_names`)."""
    out, numbers = [], []
    for c in preds.columns:
        if c in used or c not in labels.columns or c.strip().lower() in LABEL_NAMES:
            continue
        if len(label_cols) == 1 and _class_names(labels.sample.get(c), labels.sample.get(label_cols[0])):
            continue
        a, b = labels.sample.get(c), preds.sample.get(c)
        if _texts_or_dates(a) and _texts_or_dates(b):
            out.append(c)
        elif _same_numbers(a, b):
            numbers.append(c)
    # of columns of numbers (features copied into both files, say) one is enough, as rows in another order show
    # in each (one whose values are there once first); and beside it those named as an index or counting the
    # rows, two of them (pandas' Unnamed: 0 beside a round trip's Unnamed: 0.1, a step counting 0, 1, 2, …):
    # written before the rows were reordered they show it, written after they show nothing
    numbers.sort(key=lambda c: _each_once(labels.sample.get(c)) is None)
    named = [c for c in numbers if index_reason(labels, c) is not None or is_counter(labels.sample.get(c))]
    return out + named[:2] + [c for c in numbers if c not in named][:1]


def _same_numbers(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Sampled cells of one column in both files that are numbers agreeing row by row, of at least two values
    (a constant column shows no order)."""
    if a is None or b is None or len(a) != len(b) or len(a) < 2:
        return False
    na, nb = numeric(a), numeric(b)
    if na is None or nb is None or na.dtype.kind == "b" or nb.dtype.kind == "b":
        return False
    na, nb = na.astype(np.float64), nb.astype(np.float64)
    return bool(np.array_equal(na, nb, equal_nan=True)) and len(np.unique(na[~np.isnan(na)])) >= 2


def _class_names(values: np.ndarray | None, label: np.ndarray | None) -> bool:
    """Do the labels file's sampled cells of a column name the label's classes (Hugging Face's ``label_text``
    beside ``label``): values that repeat, each beside one class, each class beside one value?"""
    if values is None or label is None or len(values) != len(label) or not len(values):
        return False
    names, classes = [str(v) for v in values.tolist()], [str(v) for v in label.tolist()]
    pairs = set(zip(names, classes, strict=True))
    return len(pairs) <= len(names) // 2 and len(pairs) == len(set(names)) == len(set(classes))


def _texts_or_dates(values: np.ndarray | None) -> bool:
    """Sampled cells that are datetimes, or texts (:func:`is_text`) other than ``True``/``False``."""
    if values is None or not len(values):
        return False
    return values.dtype.kind == "M" or (is_text(values) and not _booleans(values))


def _booleans(values: np.ndarray | None) -> bool:
    """Sampled cells that are all ``True``/``False`` (or missing): pandas' one-hot columns, read as 1 and 0."""
    if values is None:
        return False
    cells = {str(v).strip().lower() for v in values.tolist() if v is not None and str(v).strip()}
    return bool(cells) and cells <= LOGICAL


def _sampled_texts(table: Table) -> set[str]:
    """The texts of a file's sampled text cells (class names among them), for matching a prediction column's
    name."""
    out: set[str] = set()
    for values in table.sample.values():
        if values is not None and values.dtype.kind in "OU" and is_text(values):
            out.update(str(v).strip() for v in values.tolist()[:1000] if v is not None)
    return out


def _weight_column(selection: str, labels: Table, preds: Table) -> tuple[list[str], bool]:
    """``--weight-col`` without a weights file: a column of the predictions file (by the selection grammar),
    else a column the labels file has by that name (and whether it is the labels file's). A name both files
    hold is refused: which file's weights were meant is not known."""
    names = [n.strip() for n in selection.split(",")]
    in_labels = all(n in labels.columns for n in names)
    try:
        chosen = select_columns(selection, preds.columns, option="--weight-col", file=preds.name)
    except UsageError as err:
        if in_labels:
            return names, True
        raise UsageError(f"{err.message}; nor is it a column of {labels.name}",
                         hint=err.hint or f"{labels.name} has {', '.join(labels.columns[:10])}") from None
    both = [c for c in chosen if c in names and c in labels.columns]
    if both:
        raise UsageError(
            f"--weight-col {selection}: {preds.name} and {labels.name} both have a column {both[0]!r}, so which "
            "file's sample weights are meant is not known",
            hint="keep the sample weights in one of the two files (drop or rename the other's column)",
        )
    return chosen, False


def _shared_keys(labels: Table, preds: Table, keys: list[str], notes: list[str], *, chosen: bool = False
                 ) -> list[str]:
    """The key columns both files hold to join on: one named as :data:`ID_NAMES` says (``id``: joined on, and
    a repeated id is an error); else, when the columns are not ``chosen`` on the command line, the one of
    ``keys`` (columns named like keys that hold keys in both files: ``PassengerId``, ``customer_id``) when
    there is one and its sampled values neither repeat nor count — ``store_id, item_id`` together key a row,
    so neither alone is joined on (the rows keep their order)."""
    named = [c for c in preds.columns if c.strip().lower() in ID_NAMES and c in labels.columns]
    if named:
        return named
    if keys and chosen:
        notes.append(f"{labels.name} and {preds.name} are aligned by row order (the columns were chosen); "
                     f"join on {keys[0]!r} with --id-col {keys[0]}")
        return []
    if len(keys) != 1:
        if keys:
            notes.append(f"{labels.name} and {preds.name} are aligned by row order: they share several key "
                         f"columns ({', '.join(keys)}); join on one with --id-col")
        return []

    def unique(t: Table) -> bool:
        v = t.sample.get(keys[0])
        return v is not None and len(set(v.tolist())) == len(v)

    if is_counter(labels.sample.get(keys[0])) or is_counter(preds.sample.get(keys[0])):
        return []  # 1, 2, 3, … in a file: its rows are in order, paired by position as the key counts them
    if unique(labels) and unique(preds):
        return keys
    notes.append(f"{labels.name} and {preds.name} are aligned by row order: their column {keys[0]!r} repeats "
                 "values, so it is not a key to join on (give --id-col to join on it)")
    return []


def _pandas_index(table: Table, other: Table | None = None) -> str | None:
    """The column a pandas writer made of its index: the one its Parquet metadata names, else a first column
    with an empty header cell or named ``Unnamed: 0``, or ``__index_level_0__``; ``None`` without one. With
    ``other`` (a file without an index), also a first column named as ``reset_index()`` names an index
    (``index``, ``level_0``) or as an id (``idx``, ``id``) when ``other`` has no id column (of any name or case:
    ``ID``, ``sample_id``): ``to_feather`` takes no index but a reset one, and a named index is written under
    its name."""
    if table.index_column is not None:
        return table.index_column
    found = [c for c in table.columns if c.strip() == "__index_level_0__"]
    if not found and table.columns:
        first = table.columns[0]
        unnamed = first in table.unnamed or not first.strip() or first.strip() == "Unnamed: 0"
        # not beside labels that hold a key of their own (ID, sample_id): the column is then a key like it
        reset = other is not None and first not in other.columns and not any(map(is_id_name, other.columns)) and (
            is_reset_index_name(first))
        if unnamed or reset:
            found = [first]
        # (pandas, and so the Dask engine, names the outer one "Unnamed: 0.1" and the inner "Unnamed: 0")
        outer = unnamed or first.strip() == "Unnamed: 0.1"
        if other is not None and "Unnamed: 0" not in other.columns and outer and len(table.columns) > 1 \
                and table.columns[1].strip() == "Unnamed: 0" and is_counter(table.sample.get(first)):
            # beside labels without an index, a read_csv/to_csv round trip (",Unnamed: 0,..."): the outer index is
            # read_csv's fresh 0, 1, 2, …, in order whatever the rows; the frame's own index, which numbers them, is
            # the inner one (two such files: their Unnamed: 0 columns are watched as columns of one name)
            found = [table.columns[1]]
    if not found:
        return None
    sample = table.sample.get(found[0])
    v = None if sample is None else numeric(sample)
    if v is not None and len(v) and np.isnan(v).all():  # an empty column (a trailing comma), not an index
        return None
    return found[0]


def _same_row_numbers(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Do two indexes number the same rows: integers, the same values in both samples (in any order)? Then the
    files hold the same rows and must hold them in the same order. Indexes of other values (a test split's
    row numbers beside a fresh 0, 1, 2, …; batches that restart at 0; rows dropped before a split) say
    nothing about the pairing; dates and texts are compared by :func:`_same_values`."""
    if a is None or b is None or len(a) != len(b) or not len(a):
        return False
    va, vb = numeric(a), numeric(b)
    if va is None or vb is None or not (np.isfinite(va).all() and np.isfinite(vb).all()):
        return False
    if (va != np.round(va)).any() or (vb != np.round(vb)).any():
        return False
    return bool(np.array_equal(np.sort(va), np.sort(vb)))


def _same_values(a: np.ndarray | None, b: np.ndarray | None) -> bool:
    """Do two indexes of other values than whole numbers (texts, dates, fractions) hold the same values, each
    once in both samples (in any order), compared as text as the row-by-row check compares them? Then the
    files hold the same rows and must hold them in the same order, row by row. Values that repeat (a group, a
    day of several rows) are watched instead (:func:`_pandas_indexes`). A date is compared in one spelling
    (:func:`~losscli.inputs.keyindex.id_keys`: a CSV file's ``2024-01-01`` is a Parquet file's midnight)."""
    ka = _each_once(a)
    return ka is not None and ka == _each_once(b)  # as many values: each is there once in both


def _each_once(values: np.ndarray | None) -> set[str] | None:
    """Sampled values (at least two) as text, when each is there once; else ``None``."""
    if values is None or len(values) < 2:
        return None
    keys = set(id_keys(np.asarray(values)))
    return keys if len(keys) == len(values) else None


def is_reset_index_name(name: str) -> bool:
    """A column named as ``reset_index()`` names an index (``index``, ``level_0``) or as an id (``idx``,
    ``id``): a pandas index written as a column of its own."""
    return name.strip().lower() in ID_NAMES or name.strip() == "level_0"


def _pandas_indexes(labels: Table, preds: Table, notes: list[str]) -> tuple[tuple[Any, Any] | None,
                                                                            list[tuple[str | None, str]]]:
    """The two files' pandas index columns (checked, watched). Checked when both number the same rows
    (:func:`_same_row_numbers`): then they must agree row by row (predictions written after a shuffle keep
    their index). Watched when both are integers but the first rows of a longer file cannot tell: the whole
    files then decide (:class:`~losscli.inputs.index_watch.IndexWatch`). Indexes of texts or dates (any values
    but whole numbers) are checked when their samples hold the same values, each once (:func:`_same_values`),
    and watched otherwise (values that repeat, or a longer file's first rows that cannot tell). A file
    without an index, or whose index numbers other rows (a test split beside ``pd.DataFrame(model.predict(X))``),
    is paired by position. Two MultiIndexes of as many levels are checked level by level (the tuples of names).
    A labels' index counting 0, 1, 2, … (or 1, 2, 3, …) is also watched as their row numbers from 0 and from 1
    (``None``): R's row names 1 … N in another order beside pandas' 0 … N−1 (or the reverse) number the same
    rows, shuffled."""
    if labels.index_levels or preds.index_levels:  # a MultiIndex: its levels agree row by row, or no check
        if len(labels.index_levels) == len(preds.index_levels):
            notes.append(f"{labels.name} and {preds.name} are aligned by row order; the levels of their pandas "
                         f"indexes ({', '.join(preds.index_levels)}) are checked to agree row by row")
            return (labels.index_levels, preds.index_levels), []
        notes.append(f"{labels.name} and {preds.name} are aligned by row order: "
                     f"{(labels if labels.index_levels else preds).name} has a pandas MultiIndex, the other "
                     "another index, so their rows are not checked against each other")
        return None, []
    a = _pandas_index(labels)
    b = _pandas_index(preds, None if a is not None else labels)
    if b is None:
        return None, []
    sb = preds.sample.get(b)
    if a is None:  # the labels' row numbers: their range index (Parquet metadata), else 0, 1, 2, … (no index)
        start, step = labels.range_index or ((1, 1) if preds.row_names else (0, 1))  # R numbers rows from 1
        n = min((len(v) for v in labels.sample.values()), default=0)
        sa = start + step * np.arange(n)
        if is_counter(sb) and not is_counter(sa):
            return None, []
        return None, [(None, b)] if _integers(sb) else []
    sa = labels.sample.get(a)
    if is_counter(sb) and not is_counter(sa):
        return None, []  # predictions made afresh (their index counts) beside labels written from a shuffled frame
    if _same_row_numbers(sa, sb):
        notes.append(f"{labels.name} and {preds.name} are aligned by row order; their pandas index columns are "
                     "checked to agree row by row")
        return (a, b), []
    whole = _integers(sa) and _integers(sb)
    if not whole and _same_values(sa, sb):
        notes.append(f"{labels.name} and {preds.name} are aligned by row order; their pandas index columns are "
                     "checked to agree row by row")
        return (a, b), []
    if whole and is_counter(sa):  # the labels' row numbers, from 0 or 1: the other start too
        return None, [(a, b), (None, b)]
    if (whole and SAMPLE_ROWS in (len(sa), len(sb))) or (not _integers(sa) and not _integers(sb)):
        return None, [(a, b)]  # the whole files tell: the same values in another order?
    return None, []


def text_index(table: Table, column: str) -> bool:
    """Does the sample of a pandas index column hold other values than whole numbers (texts, dates)? Such a
    column is read as the text written (a key), as the row-by-row check and the watch compare it."""
    values = table.sample.get(column)
    return values is not None and len(values) > 0 and values.dtype.kind not in "iufb" and not _integers(values)


def _integers(values: np.ndarray | None) -> bool:
    """Sampled values that are all whole numbers."""
    v = None if values is None or not len(values) else numeric(values)
    return v is not None and bool(np.isfinite(v).all()) and _whole(v)


def align_by_name(label_cols: list[str], pred_cols: list[str], labels_name: str, preds_name: str,
                  notes: list[str], *, label_positions: bool = False) -> list[str]:
    """Prediction columns in the order of the label columns they are named after: the same names (``a, b, c``
    and ``c, a, b``), the same names after each side's common prefix (``y_a, y_b`` and ``p_b, p_a``), or the
    same words or numbers once each side's common start and end are left out, in any case (``y0, y1`` and
    ``p1, p0``; ``cat, dog`` and ``dog_prob, cat_prob`` or ``DOG, CAT``). With ``label_positions`` (labels
    of a file without a header, an NPY array: the classes 0, 1, … in column order), prediction columns numbered
    from 0 (``p2, p0, p1``) are also taken for those classes. Columns are paired by name wherever their names
    say how, not by position."""
    if len(label_cols) < 2 or len(label_cols) != len(pred_cols):
        return pred_cols
    keys = list(_name_keys(label_cols, pred_cols))
    if label_positions:
        keys.append((list(range(len(label_cols))), _middles(pred_cols)))
    for lk, pk in keys:
        if len(set(lk)) != len(lk) or set(lk) != set(pk):
            continue
        if lk == pk:
            return pred_cols
        by_key = dict(zip(pk, pred_cols, strict=True))
        out = [by_key[k] for k in lk]
        notes.append(f"the prediction columns of {preds_name} are paired with the label columns of {labels_name} "
                     f"by name, not by position: {', '.join(f'{a} ↔ {b}' for a, b in zip(label_cols, out, strict=True))}")
        return out
    _refuse_names_in_other_places(label_cols, pred_cols, keys[:2], labels_name, preds_name)
    return pred_cols


def _refuse_names_in_other_places(label_cols: list[str], pred_cols: list[str], keys: list[tuple[list[Any], list[Any]]],
                                  labels_name: str, preds_name: str) -> None:
    """Label and prediction columns that share some names, not all, one of them in another place (``a, b, c``
    beside ``b, a, x``): by position ``a`` would be scored against ``b``, by name ``c`` has no pair. A usage
    error, with the prediction columns in the labels' order (the shared names, the others as they come)."""
    for lk, pk in keys:
        if len(set(lk)) != len(lk) or len(set(pk)) != len(pk):
            continue
        moved = [k for i, k in enumerate(lk) if k in pk and pk.index(k) != i]
        if not moved:
            continue
        by_key = dict(zip(pk, pred_cols, strict=True))
        rest = iter(c for k, c in zip(pk, pred_cols, strict=True) if k not in lk)
        order = [by_key[k] if k in by_key else next(rest) for k in lk]
        i, j = lk.index(moved[0]), pk.index(moved[0])
        raise UsageError(
            f"the label columns of {labels_name} ({', '.join(label_cols)}) and the prediction columns of "
            f"{preds_name} ({', '.join(pred_cols)}) share some names, not all, in other places: by position "
            f"{label_cols[i]} would be scored against {pred_cols[i]}, though {pred_cols[j]} is named after it",
            hint=f"give the prediction columns in the labels' order: --pred-cols {','.join(order)} (or pred_cols= "
                 "in Python), after checking which prediction belongs to which label",
        )


def _name_keys(label_cols: list[str], pred_cols: list[str]) -> Iterator[tuple[list[Any], list[Any]]]:
    """What the columns of each side are named after, from the strictest reading to the loosest: the names,
    the names after each side's common prefix cut at a separator, then the names' distinct middles (after the
    longest start and end each side's names share; cased alike, digits as their number)."""
    yield list(label_cols), list(pred_cols)
    lp, pp = _common_prefix(label_cols), _common_prefix(pred_cols)
    yield [c[len(lp):] for c in label_cols], [c[len(pp):] for c in pred_cols]
    yield _middles(label_cols), _middles(pred_cols)


def _middles(cols: list[str]) -> list[Any]:
    """Each name without the start and end all the names share, never cutting into a number (``p_cat``, ``p_dog``
    → ``cat``, ``dog``; ``y0``, ``y10`` → 0, 10; ``x10``, ``x11`` → 10, 11), case-folded; a middle of digits as
    its number."""
    folded = [c.strip().casefold() for c in cols]
    prefix = os.path.commonprefix(folded)
    start = len(prefix.rstrip("0123456789"))  # never into a number (x10, x11)
    suffix = os.path.commonprefix([c[start:][::-1] for c in folded])[::-1]
    end = len(suffix.lstrip("0123456789"))  # (y10, y20)
    out: list[Any] = []
    for c in folded:
        middle = c[start:len(c) - end]
        out.append(int(middle) if middle.isascii() and middle.isdigit() else middle)
    return out


def _common_prefix(cols: list[str]) -> str:
    """The longest prefix every name shares, cut back to its last separator (``y_``, ``p.``, or none)."""
    prefix = os.path.commonprefix(cols)
    cut = max(prefix.rfind(ch) for ch in "_-. :")
    return prefix[:cut + 1] if cut >= 0 else ""


def used_note(labels_name: str, label_cols: list[str], preds_name: str, pred_cols: list[str]) -> str:
    """One line naming the columns used, for stderr on a terminal."""
    def cols(c: list[str]) -> str:
        return ", ".join(c[:8]) + (f", … ({len(c)} columns)" if len(c) > 8 else "")

    if labels_name == preds_name:
        return f"{preds_name}: labels {cols(label_cols)}; predictions {cols(pred_cols)}"
    return f"labels {labels_name}: {cols(label_cols)}; predictions {preds_name}: {cols(pred_cols)}"
