"""The Dask engine: evaluate losses on a ``dask.dataframe`` partition by partition, reduce the states.

Every partition runs the same validation and kernels as the local engine and returns its accumulator
state; the states are merged in partition order, so the result equals the local engine's to float64
rounding (the sums are exact up to each partition's last partial block). Use it for datasets spread
over many files or over object storage (any fsspec URL the environment can read), locally on all cores
or on an existing ``dask.distributed`` cluster.

>>> import dask.dataframe as dd, losscli.dask            # doctest: +SKIP
>>> ddf = dd.read_parquet("s3://bucket/scores/*.parquet")  # doctest: +SKIP
>>> r = losscli.dask.evaluate(ddf, None, "bce", label_cols=["label"], pred_cols=["p"])  # doctest: +SKIP

Requires the optional extra: ``pip install 'losscli[dask]'``.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.column_names import LABEL_NAMES
from losscli.errors import InputError, Location, ReadError, ShapeError, UsageError
from losscli.values import plain_params

_ROW = "__losscli_row__"
#: the labels' and the predictions' pandas index columns, carried for the index watch
_LINDEX, _PINDEX = "__losscli_labels_index__", "__losscli_preds_index__"
#: a key column both frames hold, not joined on: carried from each to be checked row by row
_LKEY, _PKEY = "__losscli_labels_key__", "__losscli_preds_key__"


def _require_dask() -> Any:
    try:
        import dask  # noqa: F401
        import dask.dataframe as dd
    except ImportError:
        raise UsageError(
            "the Dask engine needs dask", hint="pip install 'losscli[dask]'"
        ) from None
    return dd


# ------------------------------------------------------------------------------------------- partitions


def _partition_states(
    df: Any,
    losses_json: str,
    convention: str,
    reduction: str,
    label_cols: list[str],
    pred_cols: list[str],
    weight_col: str | None,
    classes: list[str] | None,
    sum_tol: float,
    nan: str = "error",
    count_cols: dict[str, str] | None = None,
    watch: int = 0,
    check_key: str | list[str] | None = None,
    pred_dtype: str | None = None,
    numbering: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """Evaluate one partition (a pandas DataFrame); return the states, or the error as data. With ``watch``
    watched pairs of columns, the partition's rows carry, for the k-th, the labels' (``_LINDEX`` + k, else their
    row numbers ``_ROW``) and the predictions' (``_PINDEX`` + k): their
    :class:`~losscli.inputs.index_watch.IndexWatch` come back too. With
    ``check_key`` (a column both frames hold, or a list of the names of their pandas indexes) its two copies
    (``_LKEY``, ``_PKEY``) must agree row by row.
    The predictions are read as ``pred_dtype`` when given, else in their own float type (``pred_dtype``
    comes back: partitions of other float types are evaluated again in their common type).

    The losses come as JSON text: Dask would otherwise treat nested tuples in task arguments as tasks.
    """
    import json

    from losscli.engine.evaluator import Evaluator
    from losscli.errors import LossCliError
    from losscli.pipeline import adapt_labels

    losses = [(name, params, tuple(counts)) for name, params, counts in json.loads(losses_json)]
    watched = None
    if watch:
        from losscli.inputs.index_watch import IndexWatch, update_row_numbers

        rows = df[_ROW].to_numpy(dtype=np.int64)
        watched = []
        for k in range(watch):
            index_watch = IndexWatch()
            lindex = f"{_LINDEX}{k}"
            theirs = df[f"{_PINDEX}{k}"].to_numpy()
            if lindex in df.columns:
                index_watch.update(df[lindex].to_numpy(), theirs, rows)
                data = index_watch.to_data()
            elif numbering is not None and tuple(numbering) != (1, 1):  # the RangeIndex in the labels' metadata
                index_watch.update(numbering[0] + numbering[1] * rows, theirs, rows)
                data = index_watch.to_data()
            else:  # the labels' row numbers from 0 (pandas') and from 1 (R's row names, or a RangeIndex from 1)
                from_one = IndexWatch()
                update_row_numbers([index_watch, from_one], [0, 1], theirs, rows)
                data = {**index_watch.to_data(), "from_one": from_one.to_data()}
            watched.append(data)
    try:
        needed = [*label_cols, *pred_cols, *([weight_col] if weight_col else []), *(count_cols or {}).values()]
        absent = [c for c in needed if c not in df.columns]
        if absent:  # a shard of other columns than the first one's (whose columns the frame was given)
            raise InputError(f"no column {absent[0]!r} in this partition (its columns: "
                             f"{', '.join(map(str, list(df.columns)[:20]))})",
                             hint="every shard of one dataset needs the same columns")
        if check_key is not None:
            _check_key(df, check_key)
        if len(df) == 0:
            evs = [Evaluator(n, convention=convention, reduction=reduction, keep_per_sample=False, counts=c, **p)
                   for n, p, c in losses]
            return {"states": [(ev.acc.to_json(), ev.outputs, [], {}) for ev in evs], "rows": 0, "skipped": 0,
                    "watch": watched}
        from losscli.registry import get_loss

        binary = all(get_loss(name).label_kind == "binary" for name, _, _ in losses)
        y_pred = _predictions(df, pred_cols, pred_dtype)  # (the predictions' cells judged first, as the local
        y_true = _labels(df, label_cols, classes, binary)  # engine judges them)
        weights = column_numbers(df, weight_col) if weight_col else None
        counts = {name: _numbers(df, col) for name, col in (count_cols or {}).items()}
        skipped = 0
        if nan != "error":  # --nan skip/warn: drop rows with a missing value, as the local engine does
            bad = np.zeros(len(df), dtype=bool)
            for a in (y_true, y_pred, weights, *counts.values()):
                if a is not None and a.dtype.kind == "f":
                    missing = np.isnan(a)
                    bad |= missing if missing.ndim == 1 else missing.any(axis=1)
            skipped = int(bad.sum())
            if skipped:
                keep = ~bad
                y_true, y_pred = y_true[keep], y_pred[keep]
                weights = None if weights is None else weights[keep]
                counts = {k: v[keep] for k, v in counts.items()}
        out = []
        for name, params, wanted in losses:
            ev = Evaluator(name, convention=convention, reduction=reduction, keep_per_sample=False,
                           sum_tol=sum_tol, counts=wanted, **params)
            ev.update(adapt_labels(ev.spec, y_true, y_pred), y_pred, weights,
                      counts={k: counts[k] for k in wanted} or None)
            out.append((ev.acc.to_json(), ev.outputs, list(ev.warnings), ev.off_rows_seen()))
        return {"states": out, "rows": len(df), "skipped": skipped, "watch": watched, "pred_dtype": str(y_pred.dtype)}
    except LossCliError as exc:
        loc = getattr(exc, "location", None)
        return {"error": {
            "type": type(exc).__name__, "message": exc.message, "hint": exc.hint,
            "exit_code": exc.exit_code,
            "location": None if loc is None else {"array": loc.array, "row": loc.row, "column": loc.column,
                                                  "value": loc.value},
        }}
    except (ValueError, TypeError) as exc:
        return {"error": _unreadable(df, [*label_cols, *pred_cols, *([weight_col] if weight_col else [])], exc,
                                     len(label_cols))}


def _unreadable(df: Any, columns: list[str], exc: Exception, label_count: int = 0) -> dict[str, Any]:
    """The error (as data) of a partition whose columns did not convert to numbers: the first cell that is not
    one (:class:`NotANumber`'s, else the first found), its column and row, with the local engine's hint for what
    it looks like (a decimal comma, points between thousands); else the conversion's own words. The first
    ``label_count`` of ``columns`` are labels."""
    from losscli.inputs.number_hints import BOOLEAN_CLASS_INDEX, number_hint
    from losscli.io.base import LOGICAL, MISSING
    from losscli.io.plain_numbers import plain_float

    if isinstance(exc, NotANumber):  # a cell of a column read as text, named where it was met
        labels = exc.column in columns[:label_count]
        hint = number_hint(exc.text) or ("every value in this column must be a number" if not labels
                                         else f"{BOOLEAN_CLASS_INDEX}; for a binary loss's labels give --classes "
                                         "False,True" if exc.text.strip().lower() in LOGICAL
                                         else "give --classes to map string labels to prediction columns")
        return {"type": "InputError", "message": f"non-numeric value in column {exc.column!r} (value {exc.text!r})",
                "hint": hint,
                "exit_code": 3, "location": {"array": None, "row": exc.row, "column": None, "value": exc.text}}
    for column in columns:
        if column not in df.columns or df[column].dtype.kind in "iufb":
            continue
        for row, value in enumerate(df[column].tolist()):
            text = "" if value is None else str(value).strip()
            if text.lower() in MISSING or text.lower() in LOGICAL:
                continue
            try:
                plain_float(text)
            except ValueError:
                return {"type": "InputError", "message": f"non-numeric value in column {column!r} (value {text!r})",
                        "hint": number_hint(text) or "every value in this column must be a number", "exit_code": 3,
                        "location": {"array": None, "row": row, "column": None, "value": text}}
    return {"type": "InputError", "message": f"cannot read the partition: {exc}", "hint": None, "exit_code": 3,
            "location": None}


def _numbers(df: Any, column: Any) -> np.ndarray:
    """A count column as numbers, cell by cell where it was read as text (:func:`column_numbers`): its missing
    cells (``NA``, ``none``, empty) as NaN for ``--nan`` to decide, and a text that is no number refused by
    name, as the local engine reads them."""
    col = df[column]
    try:
        _refuse_python_numbers(col)
        return col.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        return column_numbers(df, column)


def _refuse_python_numbers(*cols: Any) -> None:
    """A ValueError where a text column holds a number only Python's float reads (``３``, ``1_000``), which the
    conversion to float64 would take: :func:`_unreadable` then names the cell, as the local engine does."""
    from losscli.io.plain_numbers import all_plain

    for col in cols:
        if col.dtype.kind not in "iufbmM" and not all_plain(
                v.strip() if isinstance(v, str) else None for v in col.tolist()):
            raise ValueError("a number only Python reads")


class NotANumber(ValueError):
    """A cell of a column read as text that is no number: its ``column``, ``row`` in the partition and ``text``."""

    def __init__(self, column: Any, row: int, text: str) -> None:
        super().__init__(f"{column}: {text!r}")
        self.column, self.row, self.text = column, row, text


def column_numbers(df: Any, column: Any, *, booleans: bool = False) -> np.ndarray:
    """A column as float64. A column read as text (a text among the numbers, in its first rows or in a block of
    its own) is read cell by cell as the local reader reads cells: the missing markers (``NA``, ``none``, in any
    case) as NaN, a number written in the digits 0-9 as that number, and with ``booleans`` (labels) ``true`` and
    ``false`` as 1 and 0; any other cell is a :class:`NotANumber`."""
    col = df[column]
    if col.dtype.kind in "iuf" or (booleans and col.dtype.kind == "b"):
        return col.to_numpy(dtype=np.float64)
    if col.dtype.kind == "b" and len(col):  # True and False: no number, as the local reader reads them here
        raise NotANumber(column, 0, str(col.iloc[0]))
    import pandas as pd

    from losscli.io.base import LOGICAL, MISSING
    from losscli.io.plain_numbers import plain_float

    values = np.empty(len(col))
    for row, cell in enumerate(col.tolist()):
        if not isinstance(cell, str):  # missing (None, NaN, pd.NA), or a number among texts
            values[row] = np.nan if pd.isna(cell) else float(cell)
            continue
        text = cell.strip()
        low = text.lower()
        if low in MISSING:
            values[row] = np.nan
        elif booleans and low in LOGICAL:
            values[row] = float(low == "true")
        else:
            try:
                values[row] = plain_float(text)
            except ValueError:
                raise NotANumber(column, row, text) from None
    return values


def _levels(key: Any) -> list[str]:
    """The columns of one side of a checked key: one name, or the levels of a MultiIndex (a tuple or list)."""
    return list(key) if isinstance(key, (tuple, list)) else [key]


def _key_name(prefix: str, level: int) -> str:
    """The column carrying a checked key's ``level`` (0 for a one-column key) from one side."""
    return prefix if level == 0 else f"{prefix}{level}"


def _check_key(df: Any, key: str | list[Any]) -> None:
    """The key both frames hold (or their pandas indexes: a list of the two names, or of the two lists of a
    MultiIndex's levels, checked level by level) agrees row by row (as the local engine checks it), else an
    InputError."""
    from losscli.inputs.index_watch import ORDER_HINT, REPEATS_HINT
    from losscli.inputs.keyindex import id_keys
    from losscli.inputs.plan import first_other_id, same_order_hint

    levels = _levels(key[1]) if isinstance(key, list) else [key]
    for k, level in enumerate(levels):
        found = first_other_id(df[_key_name(_LKEY, k)].to_numpy(), df[_key_name(_PKEY, k)].to_numpy())
        if found is None:
            continue
        row, x, y = found
        what, hint = ("pandas index", ORDER_HINT) if isinstance(key, list) else ("id", same_order_hint(key))
        labels_key = df[_key_name(_LKEY, k)].to_numpy()
        if isinstance(key, list) and len(set(id_keys(labels_key))) < len(labels_key):  # no key to join on
            hint = REPEATS_HINT
        if len(levels) > 1:  # as the local engine words it
            what = f"level {level!r} of the pandas index"
            hint = ("sort both frames alike before writing them (df.sort_index()); if their rows are paired by "
                    "position, write them without their index (df.reset_index(drop=True))")
        raise InputError(f"the rows of the labels and the predictions are in another order: {what} {x!r} in one, "
                         f"{y!r} in the other", location=Location("y_pred", row=row, value=y), hint=hint)


def _predictions(df: Any, cols: list[str], dtype: str | None = None) -> np.ndarray:
    """The prediction columns as one array (one column: 1-D): float16 and float32 kept, as the local readers
    keep them (scikit-learn clips at the eps of the dtype), anything else as float64; or as ``dtype``. Columns
    read as text are read cell by cell (:func:`column_numbers`)."""
    if dtype is None:
        dtypes = [df[c].dtype for c in cols]
        common = np.result_type(*dtypes) if all(isinstance(d, np.dtype) and d.kind == "f" for d in dtypes) else None
        dtype = common if common in (np.float16, np.float32) else np.float64
    if any(df[c].dtype.kind not in "iuf" for c in cols):
        values = np.column_stack([column_numbers(df, c) for c in cols]).astype(dtype, copy=False)
        return values if len(cols) > 1 else values[:, 0]
    return df[cols].to_numpy(dtype=dtype) if len(cols) > 1 else df[cols[0]].to_numpy(dtype=dtype)


def _labels(df: Any, label_cols: list[str], classes: list[str] | None, binary: bool = False) -> np.ndarray:
    """The label columns as float64: class names mapped to their index by ``classes`` (numeric names by value),
    else numbers, read cell by cell where a column was read as text (:func:`column_numbers`; for ``binary``
    losses with true and false as 1 and 0, as the local reader reads binary labels)."""
    if len(label_cols) > 1 or not classes:
        values = [column_numbers(df, c, booleans=binary) for c in label_cols]
        return values[0] if len(values) == 1 else np.column_stack(values)
    import pandas as pd

    from losscli.inputs.number_hints import booleans_name_no_class
    from losscli.inputs.plan import booleans_are_classes, class_key, label_key
    from losscli.io.base import LOGICAL

    col = df[label_cols[0]]
    index = {c: j for j, c in enumerate(classes)}
    try:  # numeric class names match numeric labels by value (1 and 1.0 are one class)
        numeric = {float(c): j for c, j in index.items()}
    except ValueError:
        numeric = None
    booleans = booleans_are_classes(map(class_key, classes), classes)  # true and false, as the local engine
    mapped = None
    if numeric is not None:
        with contextlib.suppress(NotANumber):  # (a column read as text: its numbers, by value)
            mapped = pd.Series(column_numbers(df, label_cols[0], booleans=booleans), index=col.index).map(numeric)
    if mapped is None:
        mapped = col.astype(str).str.strip().map(index)
    unmatched = mapped.isna() & ~col.isna()  # a missing label stays missing (--nan decides), as in the local engine
    if unmatched.any():  # cell by cell, as the local engine matches labels to classes
        keyed: dict[Any, int] = {}
        for j, c in enumerate(classes):
            keyed.setdefault(class_key(c), j)

        def match(v: Any) -> float:
            j = keyed.get(label_key(v, booleans))
            return np.nan if j is None else float(j)

        again = col[unmatched].map(match)
        if again.isna().any():
            bad = col[unmatched][again.isna()].iloc[0]
            if isinstance(bad, np.generic):
                bad = bad.item()
            known = ", ".join(classes[:12])
            hint = "list every class with --classes"
            if isinstance(bad, (bool, str)) and str(bad).strip().lower() in LOGICAL:
                hint = booleans_name_no_class(known)
            raise InputError(f"label {bad!r} is not one of the classes ({known})", location=Location("y_true"),
                             hint=hint)
        mapped = mapped.astype(np.float64)
        mapped[unmatched] = again
    return mapped.to_numpy(dtype=np.float64)


# ------------------------------------------------------------------------------------------- frames


def _with_row_numbers(ddf: Any) -> Any:
    """``ddf`` with a global 0-based row-number column (partition lengths are computed once)."""
    lengths = ddf.map_partitions(len).compute()
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)

    def number(df: Any, partition_info: dict | None = None) -> Any:
        k = partition_info["number"] if partition_info else 0
        return df.assign(**{_ROW: np.arange(offsets[k], offsets[k] + len(df), dtype=np.int64)})

    meta = ddf._meta.assign(**{_ROW: np.zeros(0, dtype=np.int64)})
    return ddf.map_partitions(number, meta=meta), int(np.sum(lengths))


def _default_label(columns: list[str]) -> list[str]:
    for c in columns:
        if str(c).strip().lower() in LABEL_NAMES:
            return [c]
    raise UsageError("no label column", hint=f"name it label, y, target or y_true, or pass label_cols "
                     f"(columns: {', '.join(map(str, columns[:20]))})")


def _integer_ids(ddf: Any, id_col: str) -> Any:
    """Ids read as text with an integer written with a zero fraction (``3.0``, as pandas writes integer ids
    that had a missing value) as that integer (``3``), so that they join with the other file's ``3``."""
    if ddf[id_col].dtype.kind not in "OU" and str(ddf[id_col].dtype) not in ("string", "str"):
        return ddf
    from losscli.inputs.plan import ZERO_FRACTION

    return ddf.assign(**{id_col: ddf[id_col].str.replace(f"^{ZERO_FRACTION}$", r"\1", regex=True)})


def _ids_as_text(left: Any, right: Any, id_col: str) -> tuple[Any, Any]:
    """Id columns of different types (integers in a Parquet file, text in a CSV) both as text, as the local
    engine compares ids (:func:`~losscli.inputs.keyindex.id_keys`: ``3.0`` of a float column is ``3``)."""
    a, b = left[id_col].dtype, right[id_col].dtype
    if a == b:
        return left, right

    def text(s: Any) -> Any:
        import pandas as pd

        from losscli.inputs.keyindex import id_keys

        return pd.Series(id_keys(s.to_numpy()), index=s.index, dtype=object)

    def as_text(frame: Any) -> Any:
        return frame.assign(**{id_col: frame[id_col].map_partitions(text, meta=(id_col, object))})

    return as_text(left), as_text(right)


def combine_frames(
    ddf_labels: Any,
    ddf_preds: Any | None,
    *,
    label_cols: list[str] | None,
    pred_cols: list[str] | None,
    weight_col: str | None,
    id_col: str | None,
    carry: tuple[str, ...] = (),
    watch_index: list[tuple[str | None, str, str]] | None = None,
    check_key: str | tuple[str, str] | None = None,
    warnings: list[str] | None = None,
) -> tuple[Any, list[str], list[str]]:
    """One frame holding labels, predictions (and weights, and the predictions' columns ``carry``: per-row
    counts), and the label and prediction columns. Frames paired by row order carry ``check_key`` from each
    (``_LKEY``, ``_PKEY``; a pair of names: the labels' column and the predictions'), and the watched columns
    (``_LINDEX`` + k, ``_PINDEX`` + k); joined ones are refused when an id repeats, and labels without a
    prediction are counted into ``warnings``."""
    if ddf_preds is None or ddf_preds is ddf_labels:
        cols = list(ddf_labels.columns)
        labels = label_cols or _default_label(cols)
        skip = set(labels) | {weight_col, id_col, *carry}
        preds = pred_cols or [c for c in cols if c not in skip]
        return ddf_labels, labels, preds
    lab_cols = list(ddf_labels.columns)
    pre_cols = list(ddf_preds.columns)
    # the sample weights are a column of the predictions, or else of the labels
    left_weight = [weight_col] if weight_col and weight_col not in pre_cols and weight_col in lab_cols else []
    right_weight = [weight_col] if weight_col and not left_weight else []
    labels = label_cols or [c for c in lab_cols if c not in (id_col, *left_weight)]
    preds = pred_cols or [c for c in pre_cols if c not in (id_col, weight_col, *carry)]
    clash = (set(labels) | ({id_col} if id_col else set())) & set(preds + right_weight)
    if clash:  # two files may name their columns alike (header-less files: 1..K): rename the labels' side
        renamed = {c: f"__label__{c}" for c in labels if c in clash}
        ddf_labels = ddf_labels.rename(columns=renamed)
        labels = [renamed.get(c, c) for c in labels]
    keep_preds = preds + right_weight + [c for c in carry if c not in preds]
    if id_col:
        left = _integer_ids(ddf_labels[[id_col, *labels, *left_weight]], id_col)
        right = _integer_ids(ddf_preds[[id_col, *keep_preds]], id_col)
        left, right = _ids_as_text(left, right, id_col)
        import dask

        counts = dask.compute(left.map_partitions(len).sum(), right.map_partitions(len).sum(),
                              right[id_col].drop_duplicates(split_out=max(1, right.npartitions))
                              .map_partitions(len).sum(),
                              left[id_col].drop_duplicates(split_out=max(1, left.npartitions))
                              .map_partitions(len).sum())  # in one pass over both frames
        n_left, n_right, distinct, distinct_left = (int(c) for c in counts)
        if distinct != n_right:
            raise InputError(f"{n_right - distinct} duplicate {id_col} values among the predictions",
                             hint="every prediction needs exactly one label with the same id: one row per id")
        if distinct_left != n_left:  # a repeated label id could stand in for a missing one in the counts below
            raise InputError(f"{n_left - distinct_left} duplicate {id_col} values among the labels",
                             hint="every prediction needs exactly one label with the same id: one row per id")
        frame = left.merge(right, on=id_col, how="inner")
        n = int(frame.map_partitions(len).compute().sum())
        if n != n_right:
            raise InputError(f"{n_right - n} predictions have no label with the same {id_col}"
                             if n < n_right else f"duplicate {id_col} values among the labels",
                             hint="every prediction needs exactly one label with the same id")
        if n < n_left and warnings is not None:
            warnings.append(f"{n_left - n} ids of the labels have no prediction: they are not scored")
        return frame, labels, preds
    left_frame, right_frame = ddf_labels[labels + left_weight], ddf_preds[keep_preds]
    if check_key is not None:
        lkey, pkey = check_key if isinstance(check_key, tuple) else (check_key, check_key)
        lkeys, pkeys = _levels(lkey), _levels(pkey)
        for k, (lname, pname) in enumerate(zip(lkeys, pkeys, strict=True)):  # a MultiIndex: one pair per level
            left_frame = left_frame.assign(**{_key_name(_LKEY, k): ddf_labels[lname]})
            right_frame = right_frame.assign(**{_key_name(_PKEY, k): ddf_preds[pname]})
    for k, (lindex, pindex, _) in enumerate(watch_index or ()):  # under names of their own
        if lindex is not None:
            left_frame = left_frame.assign(**{f"{_LINDEX}{k}": ddf_labels[lindex]})
        right_frame = right_frame.assign(**{f"{_PINDEX}{k}": ddf_preds[pindex]})
    left, n_left = _with_row_numbers(left_frame)
    right, n_right = _with_row_numbers(right_frame)
    if n_left != n_right:
        err = ShapeError(f"the predictions have {n_right} rows but the labels have {n_left}",
                         hint="one row per sample in the same order, or join by key with id_col")
        err.rows = (n_left, n_right)  # type: ignore[attr-defined]  # (for a hint naming the files' first rows)
        raise err
    return left.merge(right, on=_ROW, how="inner"), labels, preds


# ------------------------------------------------------------------------------------------- evaluate


def evaluate(ddf_labels: Any, ddf_preds: Any | None, loss: str, **options: Any) -> Any:
    """Evaluate ``loss`` (or ``"bce,brier,..."``) on Dask DataFrames; a :class:`~losscli.engine.evaluator.Result`, or
    a list of them for several losses.

    ``ddf_preds=None`` (or the same frame) means one frame holding every column. Two frames are aligned
    by row order (global row numbers) or joined on ``id_col``. Options, as :func:`evaluate_many`:
    ``label_cols``, ``pred_cols``, ``weight_col``, ``id_col``, ``classes``, ``convention``, ``reduction``,
    ``sum_tol``, ``client`` (a ``dask.distributed`` client; without one Dask's current default scheduler
    is used), ``count_cols`` (``{"words": COL, "bytes": COL}``: each row's words and bytes, for a
    cross-entropy's word/byte perplexity and bits per byte) and the loss's parameters (``from_logits=True``, ``ignore_index=-1``, ...).
    """
    out = [ev.result() for ev in evaluate_many(ddf_labels, ddf_preds, loss, **options)]
    return out[0] if len(out) == 1 else out


def evaluate_many(
    ddf_labels: Any,
    ddf_preds: Any | None,
    loss: str,
    *,
    label_cols: list[str] | None = None,
    pred_cols: list[str] | None = None,
    weight_col: str | None = None,
    id_col: str | None = None,
    classes: list[str] | None = None,
    convention: Any = "losscli",
    reduction: str = "mean",
    sum_tol: float = 1e-3,
    nan: str = "error",
    client: Any = None,
    per_loss_params: list[dict[str, Any]] | None = None,
    count_cols: dict[str, str] | None = None,
    watch_index: list[tuple[str | None, str, str]] | None = None,
    check_key: str | tuple[str, str] | None = None,
    source: str | None = None,
    row_files: tuple[str, str, int] | None = None,
    numbering: tuple[int, int] | None = None,
    csv_files: list[tuple[str, str]] | None = None,
    **params: Any,
) -> list[Any]:
    """Like :func:`evaluate`, returning the merged :class:`~losscli.engine.evaluator.Evaluator` of every loss.
    ``source`` names the data in messages (``partition 3 of scores/*.csv``); ``row_files``: the labels' and
    the predictions' files paired by row, and the lines before the predictions' first row of data (1 for a
    CSV header), so that a refusal of rows in another order names the file's row as the local engine does.

    ``watch_index``: pairs of columns (the labels' pandas index column, or ``None`` for their row numbers; the
    predictions'; ``"column"`` for a text column of one name in both, ``"key"`` for one whose sampled values
    are there once, else ``"preds"``): two frames paired by
    row order whose pair holds the same values in another order are refused
    (:class:`~losscli.inputs.index_watch.IndexWatch`, summed over the partitions). ``check_key``: a key column
    both frames hold (or the labels' and the predictions' names of their pandas indexes), paired by row order,
    checked to agree row by row. ``numbering``: the labels' rows numbered ``start + step·row`` (a RangeIndex
    pandas kept in their Parquet metadata, other than its default 0, 1, …), for the labels' side of a pair
    without an index column; by default their row numbers from 0 and from 1 are both watched. ``csv_files``:
    (path, delimiter) of the CSV inputs, whose blocks are checked for Spark's backslash-escaped quotes first
    (:func:`refuse_escapes`)."""
    _require_dask()
    import dask

    from losscli.engine.accumulator import Accumulator
    from losscli.engine.evaluator import Evaluator
    from losscli.engine.text_counts import check_count_names
    from losscli.registry import get_loss, parse_loss_expression, split_loss_list

    texts = split_loss_list(loss)
    losses: list[tuple[str, dict[str, Any]]] = []
    for i, text in enumerate(texts):
        name, inline = parse_loss_expression(text)
        extra = per_loss_params[i] if per_loss_params is not None else params
        losses.append((name, {**inline, **extra}))
    count_cols = dict(count_cols or {})
    names = check_count_names(count_cols)
    takers = [bool(names) and get_loss(n).perplexity for n, _ in losses]
    if names and not any(takers):
        raise UsageError(f"{', '.join(n for n, _ in losses)}: no word/byte perplexity "
                         f"({', '.join(f'--{c}-col' for c in names)})",
                         hint="they are reported for the cross-entropies (token_nll, scce, cce, bce)")
    templates = [Evaluator(n, convention=convention, reduction=reduction, keep_per_sample=False,
                           counts=names if t else (), **p)
                 for (n, p), t in zip(losses, takers, strict=True)]  # checks names and parameters before any work
    if id_col or ddf_preds is None or ddf_preds is ddf_labels:
        watch_index = check_key = None
    # a list: Dask runs no tuple (nor a MultiIndex's tuple of levels)
    key_name = [_levels(k) if isinstance(k, tuple) else k for k in check_key] if isinstance(check_key, tuple) \
        else check_key
    if csv_files:  # before the rows are counted, which such a file gets wrong
        with reading(source):
            refuse_escapes(csv_files, client)
    notes: list[str] = []
    with reading(source):  # (rows counted, ids joined: the first reads past the sampled partitions)
        frame, labels, preds = combine_frames(ddf_labels, ddf_preds, label_cols=label_cols, pred_cols=pred_cols,
                                              weight_col=weight_col, id_col=id_col,
                                              carry=tuple(count_cols.values()), watch_index=watch_index,
                                              check_key=check_key, warnings=notes)
    preds = [c for c in preds if c not in count_cols.values()]
    missing = [c for c in [*labels, *preds, *([weight_col] if weight_col else []), *count_cols.values()]
               if c not in frame.columns]
    if missing:
        raise UsageError(f"no column {missing[0]!r}",
                         hint=f"columns: {', '.join(map(str, list(frame.columns)[:20]))}")
    parts = frame.to_delayed()
    task = dask.delayed(_partition_states, pure=True)
    import json

    losses_json = json.dumps([[n, plain_params(p), list(ev.counts)] for (n, p), ev in zip(losses, templates, strict=True)])
    def run(pred_dtype: str | None) -> Any:
        work = [task(p, losses_json, convention, reduction, labels, preds, weight_col, classes, sum_tol, nan,
                     count_cols, len(watch_index or ()), key_name, pred_dtype, numbering)
                for p in parts]
        with reading(source):
            outcomes = client.gather(client.compute(work)) if client is not None else dask.compute(*work)
        for k, outcome in enumerate(outcomes):
            if "error" in outcome:
                _raise(outcome["error"], k, count_cols, source)
        return outcomes

    outcomes = run(None)
    dtypes = {outcome["pred_dtype"] for outcome in outcomes if outcome.get("pred_dtype")}
    if len(dtypes) > 1:  # partitions of float16/32/64: evaluated in the type they make together, as one file
        outcomes = run(str(np.result_type(*dtypes)))
    if watch_index:
        _refuse_shuffled_columns(watch_index, outcomes, row_files, numbering)
    for i, ev in enumerate(templates):
        for k, outcome in enumerate(outcomes):
            state, outputs, warnings, off = outcome["states"][i]
            rows_before = ev.acc.n_total
            ev.acc.merge(Accumulator.from_json(state))
            ev.outputs = max(ev.outputs, outputs)
            # rows not summing to 1: counted over every partition, the first named among all rows
            warnings = ev.fold_off_rows(off, rows_before, warnings)
            for w in warnings:  # a partition counts its rows (and names them) from its own first row
                ev._warn(f"{w} (partition {k}, its rows counted from its first)"
                         if len(outcomes) > 1 and re.search(r"\brows?\b", w) else w)
        for w in notes:
            ev._warn(w)
        ev.rows = ev.acc.n_total
        ev.weighted = weight_col is not None
        ev.skipped_rows = sum(outcome.get("skipped", 0) for outcome in outcomes)
        if ev.skipped_rows and nan == "warn":
            ev._warn(f"{ev.skipped_rows} rows with missing values were skipped (--nan {nan})")
    return templates


def _refuse_shuffled_columns(watch_index: list[tuple[str | None, str, str]], outcomes: list[dict[str, Any]],
                             row_files: tuple[str, str, int] | None = None,
                             numbering: tuple[int, int] | None = None) -> None:
    """The partitions' watches of each pair of columns summed: the same values in another order are refused.
    A pair is (the labels' pandas index, or ``None`` for their row numbers; the predictions'; ``"column"`` or
    ``"key"`` for a text column of one name in both, else the kind of the other file). A ``"key"`` column that
    agrees on every row proves the order: a text column's values in another order are then the rows' own (as
    the local engine decides it). With ``row_files`` (labels' file, predictions' file, lines before the
    predictions' first row of data) the error names the predictions' file and row in the local engine's words.
    ``numbering``: the labels' RangeIndex kept in their Parquet metadata, which numbers their rows."""
    from losscli.errors import InputError
    from losscli.inputs.index_watch import (
        ORDER_HINT,
        REPEATS_HINT,
        IndexWatch,
        column_hint,
        order_message,
        shared_column_message,
    )

    watches, from_one = [], []
    for k in range(len(watch_index)):
        watch, one = IndexWatch(), IndexWatch()
        for outcome in outcomes:
            watch.merge(outcome["watch"][k])
            if "from_one" in outcome["watch"][k]:
                one.merge(outcome["watch"][k]["from_one"])
        watches.append(watch)
        from_one.append(one)
    proven = any(kind == "key" and watch.agreed() for watch, (_, _, kind) in zip(watches, watch_index, strict=True))
    for watch, one, (lindex, pindex, kind) in zip(watches, from_one, watch_index, strict=True):
        found, numbered_from_one = watch.shuffled(), False
        if found is None and lindex is None and kind not in ("column", "key"):
            found, numbered_from_one = one.shuffled(), True  # R's row names number the rows from 1
        if found is None or (proven and kind in ("column", "key")):
            continue
        row, x, y = found
        location = None
        if row_files is not None:  # the row as a spreadsheet shows it (the header is row 1), as the local engine
            labels_file, preds_file, before = row_files
            location = Location("y_pred", file=preds_file, column_name=pindex if kind in ("column", "key") else None,
                                file_row=row + before + 1, value=str(y))
        if kind in ("column", "key"):
            if location is not None:
                raise InputError(shared_column_message(labels_file, preds_file, pindex, str(x), str(y)),
                                 location=location, hint=column_hint(pindex, watch.repeats))
            raise InputError(
                f"the rows of the labels and the predictions are in another order: their column {pindex!r} holds "
                f"the same values in both, in another order (data row {row + 1}: {x!r} in the labels, {y!r} in "
                "the predictions), so pairing the rows by position would pair different rows",
                hint=column_hint(pindex, watch.repeats),
            )
        hint = REPEATS_HINT if watch.repeats else ORDER_HINT
        if lindex is not None and location is not None:
            raise InputError(order_message(labels_file, preds_file, "pandas index", str(x), str(y)),
                             location=location, hint=hint)
        labels = f"the labels' pandas index {lindex!r}" if lindex is not None else "the labels' row numbers"
        from losscli.inputs.infer import is_reset_index_name

        what = "pandas index"
        if lindex is None and is_reset_index_name(str(pindex)):  # a column of its own (id, index): not the index
            what = "column"
            hint = (f"if the predictions' rows follow their column {pindex!r}, sort them by it "
                    f"(df.sort_values({str(pindex)!r}, ignore_index=True)) before writing them; if they are in the "
                    f"labels' order, drop that column (df.drop(columns={str(pindex)!r})) before writing them")
            if numbered_from_one:
                labels += " counted from 1"
        elif numbered_from_one and tuple(numbering or ()) == (1, 1):  # the RangeIndex itself, from 1
            labels = "the RangeIndex that pandas kept in the labels' Parquet metadata (1, 2, 3, …)"
        elif numbered_from_one:
            labels += " counted from 1 (as R numbers its row names)"
            hint = ("if the predictions' rows follow that column, sort them by it before writing them "
                    "(df[order(as.numeric(rownames(df))), ] in R, df.sort_index() in pandas); if they are in the "
                    "labels' order, write them without it (row.names = FALSE in R, index=False in pandas)")
        elif lindex is None and tuple(numbering or (0, 1)) in ((0, 1), (1, 1)):  # pandas' from 0: sorted, they pair
            hint = ("if the predictions' rows follow their pandas index, sort them by it (df.sort_index()) before "
                    "writing them; if they are in the labels' order, write them without it (index=False)")
        at = f"{x} in the labels, {y} in the predictions" if location is not None else (
            f"data row {row + 1}: {x} in the labels, {y} in the predictions")
        raise InputError(
            f"the predictions' {what} {pindex!r} holds {labels} in another order ({at}): the rows are paired "
            f"by position, so if the predictions' rows follow their {what} they are not in the labels' order",
            location=location, hint=hint,
        )


def _raise(error: dict[str, Any], partition: int, count_cols: dict[str, str] | None = None,
           source: str | None = None) -> None:
    from losscli import errors
    from losscli.errors import shown_value

    cls = getattr(errors, error["type"], None)
    if not (isinstance(cls, type) and issubclass(cls, errors.LossCliError)):
        cls = errors.InputError
    loc = error.get("location")
    message = error["message"]
    if loc and loc.get("array") in (count_cols or {}):  # a per-row count: its column and value
        message += f" in column {count_cols[loc['array']]}"  # type: ignore[index]
        if loc.get("value") is not None:
            message += f" (value {shown_value(loc['value'])})"
    message = f"{message} (partition {partition}{f' of {source}' if source else ''}"
    if loc and loc.get("row") is not None:
        message += f", row {loc['row'] + 1} of the partition"
    message += ")"
    if issubclass(cls, errors.InputError):
        raise errors.InputError(message, hint=error.get("hint"))
    raise errors.UsageError(message, hint=error.get("hint"))


# ------------------------------------------------------------------------------------------- reading


#: the size of the blocks a CSV file is split into, each a partition parsed on its own from a line start
CSV_BLOCKSIZE = "64MB"


class NumbersReadAsText(Exception):
    """A block of a CSV file where pandas read as text a column that Dask took for numbers from the file's
    first rows (``columns``: their names as pandas names them). Dask would convert such a column with Python's
    ``float``, which reads ``３`` and ``1_000.5`` as numbers (and any text as ``True`` in a column of booleans):
    the files are read again with these columns as text, and each cell is judged as the local engine judges it."""

    def __init__(self, columns: list[Any]) -> None:
        super().__init__(columns)
        self.columns = list(columns)


def read_csv_block(data: Any, *args: Any, losscli_numeric: tuple[Any, ...] = (),
                   losscli_booleans: tuple[Any, ...] = (), losscli_range_index: bool = False,
                   losscli_columns: tuple[Any, ...] | None = None, losscli_header: bool = True,
                   **kwargs: Any) -> Any:
    """``pandas.read_csv`` of one block of a CSV file, as Dask reads each; :class:`NumbersReadAsText` when a column
    of ``losscli_numeric`` (the columns Dask's sample of the file read as numbers) comes out as text or booleans,
    or one of ``losscli_booleans`` (read as booleans) as anything else: Dask would convert it with ``astype``, which
    takes any text, number or empty cell for True. A block without rows (a shard of its header alone) is as it is.
    With ``losscli_range_index`` (the sample's rows had as many cells as the header), a block whose first row has
    one cell more is a ParserError: pandas would take that row's first cell for the rows' names, and read the
    block's other rows one cell short (missing values, which ``--nan skip`` would drop). A file whose header is not
    the first file's (``losscli_columns``: the same columns in another order, or others) is refused: Dask reads its
    blocks after the first under the first file's header, which would pair their cells with other columns. A row
    with fewer cells than the others (``losscli_header``: each block opens with the file's header) is a
    ParserError (:func:`_refuse_short_rows`)."""
    import pandas as pd

    df = pd.read_csv(data, *args, **kwargs)
    if losscli_columns is not None and tuple(df.columns) != losscli_columns:
        raise ValueError(f"a file has the columns {', '.join(map(str, df.columns))} where the first file has "
                         f"{', '.join(map(str, losscli_columns))}: the Dask engine reads each file's rows under the "
                         "first file's header, so every file needs it (the same columns in the same order); the "
                         "local engine (leave out --engine dask) pairs the columns by name")
    if losscli_range_index and not isinstance(df.index, pd.RangeIndex):
        raise pd.errors.ParserError(f"a row has one cell more than the header (its first cell: {df.index[0]})")
    if len(df) and df.shape[1] > 1 and df.iloc[:, -1].isna().any():  # a row cut short reads as missing cells
        # R's row names (a header one cell short): a cell each row more, read as the index, which pandas makes a
        # RangeIndex from 1 or from the block's first row name when they count up one by one
        default = isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1
        names = 0 if default else df.index.nlevels
        _refuse_short_rows(data, df.shape[1] + names, kwargs.get("sep", ","), losscli_header, names)
    if len(df):
        kinds = {c: df[c].dtype.kind for c in (*losscli_numeric, *losscli_booleans) if c in df.columns}
        other = [c for c in losscli_numeric if kinds.get(c, "f") not in "iuf"]
        other += [c for c in losscli_booleans if kinds.get(c, "b") != "b"]
        if other:
            raise NumbersReadAsText(other)
    return df


def _refuse_short_rows(data: Any, width: int, sep: str, header: bool, names: int = 0) -> None:
    """A ParserError when a row of the CSV block ``data`` (the bytes pandas read, its first line the header when
    ``header``) has fewer cells than ``width`` (``names`` of them row names, which the header lacks, as R writes).

    pandas fills the cells missing at the end of such a row with missing values, which cannot be told from
    empty cells once read, and which ``--nan skip`` would drop (the local engine refuses the row). The block's
    rows are counted again by Arrow's CSV parser (quoted cells, delimiters and line breaks in them, as pandas
    reads them), only where the last column has a missing value."""
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if not hasattr(data, "getvalue"):  # (Dask hands each block over as bytes in memory)
        return
    labels = [f"c{i}" for i in range(width)]
    try:
        pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data.getbuffer())),  # the block's bytes, not a copy of them
            read_options=pacsv.ReadOptions(column_names=labels, skip_rows=1 if header else 0),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=True),
            convert_options=pacsv.ConvertOptions(include_columns=labels[:1], column_types={labels[0]: pa.binary()}),
            memory_pool=pa.system_memory_pool(),  # freed to the allocator pandas uses, not kept by Arrow's own
        )
    except pa.ArrowInvalid as exc:
        short = _ARROW_CELL_COUNT.search(str(exc))
        if short is not None and not names and int(short.group(2)) == width + 1:
            # rows of one cell more than the header: row names after all, counting from 0 (a RangeIndex as pandas
            # reads them, as pandas' to_csv(index_label=False) writes them)
            _refuse_short_rows(data, width + 1, sep, header, 1)
            return
        if short is None or int(short.group(2)) >= width:
            return  # not a row cut short: pandas read the block, and the reading goes on as it did
        got, row = int(short.group(2)), short.group(3)
        where = ("the rows above (row names, then a cell per name of the header) have" if names
                 else "the header has" if header else "the rows have")
        raise pd.errors.ParserError(
            f"a row with {got} cell{'s' if got != 1 else ''} where {where} {width} (value {row!r}): every row "
            f"needs the same number of {_DELIMITER_NAMES.get(sep, repr(sep))}-separated cells; quote cells that "
            "contain the delimiter") from None


#: Arrow's CSV parse error of a row of another number of cells
_ARROW_CELL_COUNT = re.compile(r"Expected (\d+) columns, got (\d+): ?(.*)", re.S)


def csv_separator(path: str, delimiter: str | None) -> str:
    """The delimiter :func:`read_frame` reads the CSV/TSV files at ``path`` with."""
    return delimiter or ("\t" if path.lower().endswith((".tsv", ".tab")) else ",")


def read_frame(path: str, *, header: bool = True, delimiter: str | None = None, text_columns: Any = (),
               blank_rows: bool = False) -> Any:
    """A Dask DataFrame from a CSV/TSV or Parquet path or glob (local or any fsspec URL). CSV columns named
    in ``text_columns`` (ids) are read as the text written."""
    dd = _require_dask()
    lower = path.lower()
    from losscli.io.detect import format_from_name

    if path == "-":
        raise UsageError("the Dask engine reads files, not standard input",
                         hint="read standard input with the local engine (leave out --engine dask)")
    named = format_from_name(lower)
    if named in ("jsonl", "arrow", "npy", "npz"):
        what = {"jsonl": "JSON lines", "arrow": "Arrow IPC", "npy": "NPY", "npz": "NPZ"}[named]
        raise UsageError(
            f"{path}: the Dask engine reads CSV/TSV and Parquet, not {what}",
            hint="read it with the local engine (leave out --engine dask), which streams these formats too",
        )
    try:
        if lower.endswith((".parquet", ".pq")) or lower.endswith("/"):
            import warnings

            levels = parquet_index_levels(path)
            if len(levels) > 1 and any(_UNNAMED_LEVEL.fullmatch(c) for c in levels):
                return _plain_parquet(path)
            with warnings.catch_warnings():  # Dask's own use of a pandas keyword pandas deprecates (named indexes)
                warnings.simplefilter("ignore", DeprecationWarning)
                warnings.simplefilter("ignore", FutureWarning)
                return _index_as_column(dd.read_parquet(path), path)
        sep = csv_separator(path, delimiter)
        from fsspec.utils import infer_compression

        # in blocks of CSV_BLOCKSIZE; a compressed file whole, as it cannot be split
        blocksize = None if infer_compression(path) is not None else CSV_BLOCKSIZE
        if infer_compression(path) == "zstd":
            _refuse_cut_zstd(path)
        # ``blank_rows`` (two files paired by row): a blank line is a row of missing values, as the local
        # reader reads one among the rows; skipped, it would pair the rows after it with the other file's next
        # ones. Elsewhere blank lines are skipped, as pandas skips them (trailing ones too).
        options = dict(sep=sep, header=0 if header else None, blocksize=blocksize, assume_missing=True,
                       dtype={c: str for c in text_columns} or None, skip_blank_lines=not blank_rows)
        frame = dd.read_csv(path, **options)
        import pandas as pd
        from dask.dataframe.io.csv import read_pandas

        # each block checked as the sample was read (read_csv_block): its columns of numbers and of booleans, and
        # its rows as many cells as the header
        frame = read_pandas(read_csv_block, path, **options,
                            losscli_numeric=tuple(c for c, dtype in frame.dtypes.items() if dtype.kind in "iuf"),
                            losscli_booleans=tuple(c for c, dtype in frame.dtypes.items() if dtype.kind == "b"),
                            losscli_range_index=isinstance(frame._meta.index, pd.RangeIndex),
                            losscli_columns=tuple(frame.columns) if header else None, losscli_header=header)
        if not header:  # named 1..K, as the local reader names the columns of a headerless file
            frame.columns = [str(i + 1) for i in range(len(frame.columns))]
        return frame
    except FileNotFoundError as exc:
        raise ReadError(f"no file matches {path}: {exc}") from None
    except (OSError, ValueError) as exc:
        raise read_error(path, exc) from None


def _refuse_cut_zstd(path: str) -> None:
    """Refuse a .zst file (of a path or glob) cut short: Dask reads it through fsspec's zstd reader, which ends
    quietly at the cut and would score the rows before it (exit 0); the local engine's reader refuses it."""
    import fsspec

    from losscli.io.detect import zstd_cut_short

    for f in fsspec.open_files(path, mode="rb"):
        with f as fh:
            if zstd_cut_short(fh):
                raise ReadError(f"{f.path}: cannot decompress (zstd): the file ends inside a frame (cut short)",
                                hint="the file was cut off while it was written or copied; write it again")


def _csv_blocks(path: str) -> list[tuple[str, Any]]:
    """(file, delayed bytes) of each block of the CSV files at ``path`` (a path, glob or URL) in file order,
    split as :func:`read_frame` splits them into partitions (a compressed file whole)."""
    from dask.bytes import read_bytes

    try:
        _, blocks, files = read_bytes(path, delimiter=b"\n", blocksize=CSV_BLOCKSIZE, sample=False,
                                      compression="infer", include_path=True)
    except ValueError:  # a compressed file among them: read whole, as read_csv reads it
        _, blocks, files = read_bytes(path, delimiter=b"\n", blocksize=None, sample=False,
                                      compression="infer", include_path=True)
    except OSError:  # the read itself names what is wrong
        return []
    return [(file, block) for file, parts in zip(files, blocks, strict=True) for block in parts]


def refuse_escapes(csv_files: list[tuple[str, str]], client: Any = None) -> None:
    """Check every block of the CSV inputs ((path, delimiter) each) as a partition parses it, from its line
    start (:func:`~losscli.io.csv_quotes.escaped_in_block`), on the ``client`` if given, and refuse the first
    where a backslash-escaped quote closes a cell, naming its file and line as the local engine does (the
    line ends of the blocks before it are counted then)."""
    import os

    import dask

    from losscli.io.csv_quotes import BACKSLASH_ESCAPED, BACKSLASH_HINT, escaped_in_block, line_ends

    def compute(tasks: list[Any]) -> list[Any]:
        return list(client.gather(client.compute(tasks)) if client is not None else dask.compute(*tasks))

    blocks: list[tuple[str, Any, str]] = []  # (file, delayed bytes, delimiter)
    named: dict[str, str] = {}  # a file's path as the blocks name it → as the command line names it
    for path, delimiter in dict.fromkeys(csv_files):
        found = _csv_blocks(path)
        if len({file for file, _ in found}) == 1:
            named[found[0][0]] = path
        elif "://" not in path and not os.path.isabs(path):  # a relative glob: its files relative too, as given
            named.update({file: os.path.relpath(file) for file, _ in found if os.path.isabs(file)})
        blocks += [(file, block, delimiter) for file, block in found]
    check = dask.delayed(escaped_in_block, pure=True)
    lines = compute([check(block, delimiter) for _, block, delimiter in blocks])
    at = next((k for k, line in enumerate(lines) if line is not None), None)
    if at is None:
        return
    file = blocks[at][0]
    before = [block for f, block, _ in blocks[:at] if f == file]
    count = dask.delayed(line_ends, pure=True)
    ends = sum(compute([count(block) for block in before]))
    raise ReadError(BACKSLASH_ESCAPED, hint=BACKSLASH_HINT,
                    location=Location(array="", file=named.get(file, file), file_row=ends + lines[at],
                                      row_word="line"))


_DELIMITER_NAMES = {",": "comma", "\t": "tab", ";": "semicolon", "|": "pipe", " ": "space"}


def without_empty_last(ddf: Any, path: str, delimiter: str, cut: str | None) -> Any:
    """``ddf`` without its last column, which every sampled row of ``path`` left empty (each ended with the
    ``delimiter``, as Excel writes): a value in it in any partition is a ReadError naming the partition, the row
    and the value, with the command ``cut`` that leaves the column out (as the local engine refuses it)."""
    name = ddf.columns[-1]
    meta = ddf._meta.drop(columns=[name])
    return ddf.map_partitions(_drop_empty_last, name, path, delimiter, cut, meta=meta)


def _drop_empty_last(df: Any, name: Any, path: str, delimiter: str, cut: str | None,
                     partition_info: dict[str, Any] | None = None) -> Any:
    column = df[name]
    filled = column.notna().to_numpy()
    if column.dtype == object:
        filled &= column.astype(str).str.strip().ne("").to_numpy()
    if filled.any():
        row = int(np.flatnonzero(filled)[0])
        part = "" if partition_info is None else f"partition {partition_info.get('number')}, "
        value = column.iloc[row]
        shown = repr(str(value)) if not isinstance(value, float) else repr(f"{value:g}")
        hint = f"leave the column out ({cut}, and pass that file) or fill it in the first rows too" if cut else (
            "leave the column out, or fill it in the first rows too")
        raise ReadError(
            f"{path}: a value in the last column, empty in the first rows (each ended with a "
            f"{_DELIMITER_NAMES.get(delimiter, repr(delimiter))}, as Excel writes): {shown} ({part}row {row + 1} of "
            "the partition)",
            hint=hint,
        )
    return df.drop(columns=[name])


@contextlib.contextmanager
def reading(source: str | None) -> Iterator[None]:
    """Errors of reading the data (``source``) met inside a computation (the partitions past the sampled ones:
    a ragged row, a cut or empty file, bytes that are not UTF-8, a shard without a column of the first one's)
    as losscli's reading errors. A partition's own errors come back as data (:func:`_partition_states`)."""
    from losscli.errors import LossCliError

    try:
        yield
    except LossCliError:
        raise
    except KeyError as exc:
        if "not in index" not in str(exc):
            raise
        raise shard_lacks_column(source or "the data", exc) from None
    except (ValueError, OSError, EOFError) as exc:  # pandas' and Arrow's errors, bytes that are not UTF-8, a
        raise read_error(source or "the data", exc) from None  # file cut short (gzip's EOFError)


def shard_lacks_column(path: str, exc: KeyError) -> InputError:
    """The error of a shard of ``path`` without a column of the first one's (Parquet files of other schemas)."""
    return InputError(f"{path}: a shard lacks a column of the first one's ({str(exc).strip(chr(34))})",
                      hint="every shard of one dataset needs the same columns")


def read_error(path: str, exc: BaseException) -> ReadError:
    """A reading error of Dask's (or of pandas inside it, at any partition) as one line naming ``path``."""
    import pandas as pd

    if isinstance(exc, UnicodeDecodeError):
        return ReadError(f"cannot read {path} with Dask: bytes that are not UTF-8",
                         hint="re-save the file as UTF-8 (for example `iconv -f latin1 -t utf-8`); the local engine "
                              "(leave out --engine dask) names the byte and its row")
    parsing = isinstance(exc, pd.errors.ParserError) or "Original Message:" in str(exc)
    text = str(exc).split("Original Message:", 1)[-1].replace("\\n", " ").strip() or type(exc).__name__
    return ReadError(f"cannot read {path} with Dask: {text}",
                     hint="the local engine (leave out --engine dask) names the row and its cells" if parsing
                     else None)


def _index_as_column(ddf: Any, path: str) -> Any:
    """A pandas index stored in the Parquet files as a column (not a RangeIndex kept in the metadata only) as
    that column again, as the local reader sees it: the index checks and joins use it. Each level of a
    MultiIndex is a column of its own (Dask reads them as an index of no name, which pandas would drop)."""
    levels = parquet_index_levels(path)
    if not levels or all(c in ddf.columns for c in levels):  # (read as columns already)
        return ddf
    out = ddf.reset_index()
    named = dict(zip(out.columns[:len(levels)], levels, strict=True))
    return out.rename(columns=named) if any(a != b for a, b in named.items()) else out


#: the column of a level of no name of a pandas index in Parquet
_UNNAMED_LEVEL = re.compile(r"__index_level_\d+__")


def _parquet_files(path: str) -> tuple[Any, list[str]]:
    """(file system, the Parquet files of ``path``: a file, a glob or a folder, in sorted order)."""
    import fsspec

    fs, _, paths = fsspec.get_fs_token_paths(path)
    files: list[str] = []
    for p in sorted(paths):
        files += sorted(f for f in fs.find(p) if f.lower().endswith((".parquet", ".pq"))) if fs.isdir(p) else [p]
    return fs, files


def _read_plain(file: str, fs: Any) -> Any:
    """One Parquet file as a pandas frame of its columns as stored: the pandas metadata not applied, so that the
    levels of a pandas index are columns under their stored names."""
    import pyarrow.parquet as pq

    with fs.open(file, "rb") as f:
        return pq.read_table(f).to_pandas(ignore_metadata=True)


def _plain_parquet(path: str) -> Any:
    """The Parquet files at ``path`` as a Dask frame of their columns as stored, one partition per file:
    Dask's reader fails on a MultiIndex of levels without a name (``__index_level_0__``, ...), whose columns
    it names ``level_0`` in its metadata; read so, the levels are columns, as the local reader sees them."""
    import pyarrow.parquet as pq

    dd = _require_dask()
    fs, files = _parquet_files(path)
    with fs.open(files[0], "rb") as f:
        meta = pq.read_schema(f).empty_table().to_pandas(ignore_metadata=True)
    return dd.from_map(_read_plain, files, fs=fs, meta=meta, enforce_metadata=False)


def parquet_index_levels(path: str) -> list[str]:
    """The columns in which pandas stored the index of the Parquet files at ``path`` (a path, glob or folder;
    the first file's metadata): one, one per level of a MultiIndex, or none."""
    try:
        import pyarrow.parquet as pq

        from losscli.io.parquet import pandas_index_levels

        fs, files = _parquet_files(path)
        with fs.open(files[0], "rb") as f:
            return pandas_index_levels(pq.read_schema(f))
    except (ImportError, OSError, ValueError, IndexError):
        return []


def parquet_class_names(path: str) -> dict[str, list[str]]:
    """The class names of the ``ClassLabel`` columns of the Parquet files at ``path`` (the first file's
    metadata; :func:`losscli.io.parquet.class_label_names`)."""
    try:
        import pyarrow.parquet as pq

        from losscli.io.parquet import class_label_names

        fs, files = _parquet_files(path)
        with fs.open(files[0], "rb") as f:
            return class_label_names(pq.read_schema(f))
    except (ImportError, OSError, ValueError, IndexError):
        return {}


def parquet_index_column(path: str) -> str | None:
    """The column in which pandas stored the one-level index of the Parquet files at ``path`` (see
    :func:`parquet_index_levels`), or ``None``."""
    levels = parquet_index_levels(path)
    return levels[0] if len(levels) == 1 else None


def parquet_range_index(path: str) -> tuple[int, int] | None:
    """(start, step) of the RangeIndex pandas kept in the metadata of the one Parquet file at ``path``, other
    than its default (0, 1); ``None`` for any other path or index."""
    if not path.lower().endswith((".parquet", ".pq")) or any(ch in path for ch in "*?["):
        return None
    try:
        import fsspec
        import pyarrow.parquet as pq

        from losscli.io.parquet import _pandas_range_index

        fs, _, paths = fsspec.get_fs_token_paths(path)
        if len(paths) != 1 or fs.isdir(paths[0]):
            return None
        with fs.open(paths[0], "rb") as f:
            found = _pandas_range_index(pq.read_schema(f))
    except (ImportError, OSError, ValueError, IndexError):
        return None
    return None if found in (None, (0, 1)) else found


def _check_address(scheduler: str) -> None:
    """``--scheduler`` is an address distributed's parser takes, checked before a client is made of it: a client
    that fails on it has made itself the process's scheduler already (the next computation in the process would
    wait for it for ever)."""
    from distributed.comm.addressing import parse_address, parse_host_port

    try:
        scheme, location = parse_address(scheduler)
        if scheme in ("tcp", "tls", "ws", "wss"):
            parse_host_port(location)
    except (ValueError, TypeError) as exc:  # "missing port number in address 'processes'"
        raise UsageError(f"--scheduler {scheduler!r} is not a Dask scheduler's address: {exc}",
                         hint="give HOST:PORT or tcp://HOST:PORT, or leave out --scheduler for a local cluster"
                         ) from None


def make_client(scheduler: str | None) -> tuple[Any, Any]:
    """A client for ``scheduler`` (an address), or a local cluster of processes on this machine."""
    _require_dask()
    try:
        from dask.distributed import Client, LocalCluster
    except ImportError:
        raise UsageError("--engine dask needs dask.distributed", hint="pip install 'losscli[dask]'") from None
    if scheduler:
        _check_address(scheduler)
        try:
            return Client(scheduler, timeout="20s"), None
        except OSError as exc:
            raise UsageError(f"cannot connect to the Dask scheduler {scheduler}: {exc}") from None
    import logging
    import os
    import warnings

    with warnings.catch_warnings():  # another cluster's port: this one takes a free port, no message needed
        warnings.filterwarnings("ignore", message="Port .* is already in use")
        # the workers' logs silenced: a task's error reaches the command as its exception, which names the
        # problem in one line (a worker's own report of it would add a traceback on stderr)
        cluster = LocalCluster(n_workers=max(1, min(os.cpu_count() or 1, 8)), threads_per_worker=1, processes=True,
                               dashboard_address=None, host="127.0.0.1", silence_logs=logging.CRITICAL)
    client = Client(cluster)
    client.run(_quiet_head)  # the workers print on this command's stderr
    return client, cluster


def _quiet_head() -> None:
    """On a worker of the local cluster: no warning that a partition holds fewer rows than the head of the first
    partitions asks for (the column rule's sample asks the first 1, 4, 16, … partitions for its rows)."""
    import warnings

    warnings.filterwarnings("ignore", message="Insufficient elements for `head`", category=UserWarning)
