"""The public ``losscli.evaluate``: arrays (:func:`losscli.engine.evaluator.evaluate`) or the columns of a
pandas or polars DataFrame (or a pyarrow Table, or anything with ``__arrow_c_stream__``), read with the
command line's column grammar, label inference, class mapping and chunking, so both give the same numbers.

>>> import pandas as pd, losscli
>>> df = pd.DataFrame({"id": ["a", "b"], "label": ["cat", "dog"], "cat": [0.8, 0.3], "dog": [0.2, 0.7]})
>>> r = losscli.evaluate("cce", df, id_col="id")
>>> round(r.value, 6)
0.289909
>>> r.to_frame()  # doctest: +NORMALIZE_WHITESPACE
    categorical_crossentropy
id
a                   0.223144
b                   0.356675
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.engine.evaluator import Evaluator, Result
from losscli.engine.evaluator import evaluate as evaluate_arrays
from losscli.engine.tensors import from_torch
from losscli.engine.validate import DEFAULT_SUM_TOL
from losscli.errors import UsageError
from losscli.inputs.plan import InputOptions, plan_source, plan_two_sources
from losscli.io.frame import FrameSource, is_frame
from losscli.pipeline import run
from losscli.spec import LossSpec


def evaluate(
    loss: str | LossSpec,
    y_true: Any,
    y_pred: Any = None,
    *,
    sample_weight: Any = None,
    label_cols: str | list[str] | None = None,
    pred_cols: str | list[str] | None = None,
    weight_col: str | None = None,
    id_col: str | None = None,
    classes: list[Any] | None = None,
    nan: str = "error",
    convention: str | Convention = "losscli",
    reduction: str = "mean",
    sum_tol: float = DEFAULT_SUM_TOL,
    words_col: str | None = None,
    bytes_col: str | None = None,
    per_sample: bool = True,
    **params: Any,
) -> Result:
    """Evaluate ``loss`` on arrays, or on the columns of a DataFrame, in memory.

    Args:
        loss: a registry name or alias, optionally with inline parameters (``"huber(delta=0.5)"``).
        y_true: labels, ``(N,)`` or ``(N, K)``; or a DataFrame (pandas, polars, pyarrow, or any object
            with ``__arrow_c_stream__``) holding every column, with ``y_pred`` left out.
        y_pred: probabilities, logits (``from_logits=True``) or values, ``(N,)`` or ``(N, K)``; float32
            input is processed in chunks, never copied to float64 as a whole.
        sample_weight: ``(N,)`` non-negative weights, or ``None``.
        label_cols, pred_cols, weight_col, id_col: with a DataFrame, which columns play which role, in the
            command line's grammar (names, ranges ``p0:p9``, globs ``p_*``, list fields ``logits``, or a
            list of names) and with its defaults (the label column is ``label``, ``y``, ``target`` or
            ``y_true``; the other columns, but an ``id`` and a ``weight`` column, are the predictions).
        classes: the class of each prediction column, in order, for labels that are names (or arbitrary
            values): ``classes[j]`` is column ``j``; for a binary loss, ``[negative, positive]``.
        words_col, bytes_col: with a DataFrame, the column of each row's words / bytes, for a cross-entropy's
            ``word_perplexity``, ``byte_perplexity`` and ``bits_per_byte`` (with arrays: ``word_counts=``,
            ``byte_counts=``).
        nan: ``"error"`` (default), ``"skip"`` or ``"warn"`` to leave out rows with a missing value
            (DataFrames and ``classes=`` only; ``Result.rows`` then gives the rows kept).
        convention: ``losscli`` (default), ``torch``, ``keras`` or ``sklearn``.
        reduction: ``mean``, ``sum``, ``mean_over_n`` or ``weighted_mean``.
        per_sample: ``False`` keeps no per-sample values (``Result.per_sample`` is ``None``): the value and
            its summary alone, with no memory beyond a chunk's, and faster where the compiled kernels take
            the loss (they then keep each block's values in cache).
        **params: the loss's parameters (``from_logits``, ``label_smoothing``, ``class_weights``, ...).

    Returns:
        A :class:`Result` with ``per_sample``, ``value``, ``mean``, ``sum``, ``n`` and ``weight_sum``
        (``Result.to_frame()`` for a pandas DataFrame of the per-sample values, by id).

    Raises:
        losscli.errors.LossCliError: a usage problem (unknown loss or parameter) or invalid input.

    As on the command line, ``cce`` and the other losses over distributions take class indices as well
    as one-hot rows.
    """
    y_true, y_pred, sample_weight = (from_torch(a) for a in (y_true, y_pred, sample_weight))
    columns = {"label_cols": label_cols, "pred_cols": pred_cols, "weight_col": weight_col, "id_col": id_col,
               "words_col": words_col, "bytes_col": bytes_col}
    if y_pred is None or classes is not None or any(v is not None for v in columns.values()) or (
            is_frame(y_true) and is_frame(y_pred)):
        given = [k for k in ("word_counts", "byte_counts") if params.get(k) is not None]
        if given:
            col = "words_col" if given[0] == "word_counts" else "bytes_col"
            raise UsageError(f"{given[0]}= goes with arrays; with a DataFrame or classes= the counts are a column",
                             hint=f"put them in the frame and name it: {col}=...")
    if y_pred is None or classes is not None or any(v is not None for v in columns.values()):
        return evaluate_frame(loss, y_true, y_pred, sample_weight=sample_weight, classes=classes, nan=nan,
                              convention=convention, reduction=reduction, sum_tol=sum_tol, per_sample=per_sample,
                              **columns, **params)
    if is_frame(y_true) and is_frame(y_pred):
        return _two_frames(loss, y_true, y_pred, sample_weight=sample_weight, nan=nan, convention=convention,
                           reduction=reduction, sum_tol=sum_tol, per_sample=per_sample, **params)
    if nan != "error":
        raise UsageError("nan= applies to DataFrames (and classes=); remove the rows with NaN from the arrays")
    return evaluate_arrays(loss, y_true, y_pred, sample_weight=sample_weight, convention=convention,
                           reduction=reduction, sum_tol=sum_tol, per_sample=per_sample, **params)


def evaluate_frame(
    loss: str | LossSpec,
    frame: Any,
    y_pred: Any = None,
    *,
    sample_weight: Any = None,
    label_cols: str | list[str] | None = None,
    pred_cols: str | list[str] | None = None,
    weight_col: str | None = None,
    id_col: str | None = None,
    classes: list[Any] | None = None,
    nan: str = "error",
    convention: str | Convention = "losscli",
    reduction: str = "mean",
    sum_tol: float = DEFAULT_SUM_TOL,
    words_col: str | None = None,
    bytes_col: str | None = None,
    per_sample: bool = True,
    **params: Any,
) -> Result:
    """:func:`evaluate` on a DataFrame. With ``y_pred``, ``frame`` is the labels array and the arrays are
    read as a table of columns ``y_true``, ``y_pred`` (or ``y_pred[0]``, … for 2-D predictions) and
    ``sample_weight`` (how ``classes=`` works for arrays)."""
    if y_pred is not None:
        if any(v is not None for v in (label_cols, pred_cols, weight_col, id_col, words_col, bytes_col)):
            raise UsageError(
                "label_cols, pred_cols, weight_col, id_col, words_col and bytes_col select columns of a DataFrame",
                hint="pass the DataFrame alone: losscli.evaluate(loss, frame, label_cols=..., pred_cols=...)",
            )
        frame, label_cols, pred_cols, weight_col = _arrays_table(frame, y_pred, sample_weight)
        name = "<arrays>"
    else:
        if not is_frame(frame):
            raise UsageError(
                f"y_pred is missing, and y_true is a {type(frame).__name__}, not a DataFrame",
                hint="pass labels and predictions (evaluate(loss, y_true, y_pred)), or one DataFrame",
            )
        if sample_weight is not None:
            raise UsageError("with a DataFrame, name the weight column: weight_col=...")
        name = None
    _check_nan(nan)
    counts = {name: col for name, col in (("words", words_col), ("bytes", bytes_col)) if col is not None}
    ev = Evaluator(loss, convention=convention, reduction=reduction, sum_tol=sum_tol, counts=tuple(counts),
                   keep_per_sample=per_sample, **params)
    source = FrameSource(frame, name)
    options = InputOptions(
        data=[source.name], label_cols=_selection(label_cols, "label_cols"),
        pred_cols=_selection(pred_cols, "pred_cols"), weight_col=_selection(weight_col, "weight_col"),
        id_col=id_col, classes=_classes(classes), nan=nan,
        extra_cols={name: _selection(col, f"{name}_col") for name, col in counts.items()},
    )
    plan = plan_source(options, ev.spec, source)  # the plan decides the chunk size, as on the command line
    return _result(run(plan, ev, display=per_sample), id_col)


def _two_frames(loss: str | LossSpec, y_true: Any, y_pred: Any, *, sample_weight: Any, nan: str, convention: str |
                Convention, reduction: str, sum_tol: float, per_sample: bool = True, **params: Any) -> Result:
    """Labels and predictions as two DataFrames, read as the command line reads two files: label and
    prediction columns inferred (an ``id`` column is joined on, not scored), columns paired by name, pandas
    indexes checked to agree row by row."""
    import pyarrow as pa

    _check_nan(nan)
    ev = Evaluator(loss, convention=convention, reduction=reduction, sum_tol=sum_tol, keep_per_sample=per_sample,
                   **params)
    labels, preds = FrameSource(y_true, "<labels>"), FrameSource(y_pred, "<predictions>")
    weights = None
    if sample_weight is not None:
        weights = FrameSource(pa.table({"sample_weight": np.asarray(sample_weight, dtype=np.float64)}), "<weights>")
    options = InputOptions(labels=labels.name, preds=preds.name, weights=None if weights is None else weights.name,
                           nan=nan)
    return _result(run(plan_two_sources(options, ev.spec, labels, preds, weights), ev, display=per_sample))


def _check_nan(nan: str) -> None:
    if nan not in ("error", "skip", "warn"):
        raise UsageError(f"nan must be 'error', 'skip' or 'warn', not {nan!r}")


def _result(evaluation: Any, id_col: str | None = None) -> Result:
    """The result of a DataFrame's evaluation, with its ids (``id_col``) and the input row of each sample
    kept where rows were skipped."""
    result = evaluation.result
    if evaluation.ids is not None:
        result.ids = evaluation.ids
        result.id_name = id_col
    if evaluation.skipped:
        result.rows = evaluation.sample_rows  # the input row of each kept sample
    return result


def _selection(value: str | list[str] | tuple[str, ...] | None, name: str) -> str | None:
    """A column selection: the grammar's string as it is, a list of names joined by commas."""
    if value is None or isinstance(value, str):
        return value
    if not isinstance(value, Iterable):
        raise UsageError(f"{name}= takes a column name or a list of them, not {type(value).__name__} {value!r}",
                         hint=f"name the columns: {name}='y' or {name}=['p0', 'p1'] (positions as the command "
                              "line writes them: '1', '2:4')")
    items = [str(v) for v in value]
    if any("," in v for v in items):
        raise UsageError(f"{name}: a name in a list holds a comma", hint="give the selection as one string")
    return ",".join(items)


def _classes(classes: Any) -> list[str] | None:
    """``classes=`` as ``--classes`` takes them: in the prediction columns' order — a list, a tuple, an array,
    or one comma-separated string. A set has no order (its order changed with ``PYTHONHASHSEED``, and so did
    the value), so it is refused, as is a mapping."""
    if classes is None:
        return None
    if isinstance(classes, str):
        return [c.strip() for c in classes.split(",")]
    if isinstance(classes, (AbstractSet, Mapping)) or not isinstance(classes, Iterable):
        raise UsageError(f"classes= gives the class of each prediction column in their order: a list or tuple, "
                         f"not a {type(classes).__name__}",
                         hint="classes=['cat', 'dog'] (column 0 is 'cat'); for a binary loss [negative, positive]")
    return [str(c) for c in classes]


def _arrays_table(y_true: Any, y_pred: Any, sample_weight: Any) -> tuple[Any, str, str, str | None]:
    import pyarrow as pa

    yt = np.asarray(y_true)
    yp = np.asarray(y_pred)
    if yt.ndim != 1:
        raise UsageError(f"classes= maps one label per sample, got labels of shape {yt.shape}")
    if yp.ndim not in (1, 2) or yp.shape[0] != yt.shape[0]:
        raise UsageError(f"{yt.shape[0]} labels but predictions of shape {yp.shape}")
    cols: dict[str, Any] = {"y_true": pa.array(yt.tolist() if yt.dtype.kind in "OUS" else yt)}
    if yp.ndim == 1:
        cols["y_pred"] = pa.array(yp)
        preds = "y_pred"
    else:
        for j in range(yp.shape[1]):
            cols[f"y_pred[{j}]"] = pa.array(np.ascontiguousarray(yp[:, j]))
        preds = "y_pred"
    weight = None
    if sample_weight is not None:
        cols["sample_weight"] = pa.array(np.asarray(sample_weight, dtype=np.float64))
        weight = "sample_weight"
    return pa.table(cols), "y_true", preds, weight
