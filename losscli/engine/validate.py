"""Validation between reading and computing: shapes, finiteness, label and probability domains.

Every check is a fast vectorised pass (a min and a max cover finiteness and range at once); only when a
check fails is the first offending element located, so the error can name its row and column. What a
library would accept with a warning is accepted with a warning under that library's convention; the
``losscli`` convention is strict.

Tolerances (documented in the README): probability rows and soft-label rows must sum to 1 within
``sum_tol`` (default :data:`DEFAULT_SUM_TOL` = 1e-3, loose enough for probabilities written with 4
decimals over up to ~100 classes).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.conventions import Convention
from losscli.engine.accumulator import SIGN_OTHER, SIGN_ZERO
from losscli.errors import (
    LabelError,
    Location,
    NonFiniteError,
    ParameterError,
    ProbabilityError,
    ShapeError,
    UsageError,
    WeightError,
)
from losscli.losses._common import minmax
from losscli.records import record
from losscli.spec import DEFAULT_SUM_TOL, PRED_KINDS, LossSpec

Warn = Callable[[str], None]
#: rows that do not sum to 1 under a convention that takes them: (label or probability, how many, the first's
#: sample number (1-based), its sum, what the convention does with them)
OffRowsSink = Callable[[str, int, int, float, str], None]

#: what a binary loss's labels must be (its name first)
_BINARY_LABELS = "{} labels must be 0 or 1 (or soft targets in [0, 1])"


@record
class Checked:
    y_true: np.ndarray
    y_pred: np.ndarray
    sample_weight: np.ndarray | None


def _numeric(a: object, array: str) -> np.ndarray:
    arr = np.asarray(a)
    if arr.dtype == object or arr.dtype.kind in "USVO":
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            raise NonFiniteError(
                f"{array} holds non-numeric values",
                location=Location(array),
                hint="every value must be a number",
            ) from None
    if arr.dtype.kind == "b":
        arr = arr.astype(np.int64)
    if arr.dtype.kind == "c":
        bad = np.iscomplex(arr)
        where = _loc(array, arr, bad, 0) if bad.any() else Location(array)
        raise NonFiniteError(f"{array} holds complex numbers", location=where,
                             hint="losses take real numbers: save the real part (a.real) or the magnitude (abs(a))")
    return arr


def _first(mask: np.ndarray) -> tuple[int, int | None]:
    idx = np.argwhere(mask)[0]
    return int(idx[0]), (int(idx[1]) if len(idx) > 1 else None)


def _loc(array: str, a: np.ndarray, mask: np.ndarray, offset: int) -> Location:
    row, col = _first(mask)
    value = a[row] if col is None else a[row, col]
    return Location(
        array, row=row + offset, column=col, value=value.item() if hasattr(value, "item") else value
    )


def keras_sign_labels(spec: LossSpec, y_true: np.ndarray, row_offset: int, seen: int) -> int:
    """What the labels of a Keras hinge loss have held with this chunk (``seen``: before it; see
    :data:`~losscli.engine.accumulator.SIGN_ZERO`). A 0 beside a value other than 0 and 1, in this chunk or
    over the chunks so far, is a :class:`LabelError` (Keras would read those 0s as −1 in a batch of 0/1
    labels and as 0 in any other, so the value would depend on how the rows are cut into chunks), located at
    the first label of the kind met second, wherever the chunks are cut."""
    y = np.asarray(y_true)
    zero = y == 0
    other = ~(zero | (y == 1))
    now = (SIGN_ZERO if zero.any() else 0) | (SIGN_OTHER if other.any() else 0)
    both = SIGN_ZERO | SIGN_OTHER
    if seen | now != both:
        return seen | now
    if seen == both:  # merged states of each kind, updated again
        raise sign_labels_error(spec)
    if seen:  # the other kind is this chunk's
        mask = other if seen == SIGN_ZERO else zero
    else:  # both here: the one found second
        mask = other if _first(other)[0] > _first(zero)[0] else zero
    raise sign_labels_error(spec, _loc("y_true", y, mask, row_offset))


def sign_labels_error(spec: LossSpec, location: Location | None = None, *, shards: bool = False) -> LabelError:
    """Labels of a Keras hinge loss that hold 0 beside a value other than 0 and 1 (``location``: the label
    of the kind met second, where known; ``shards``: found merging the states of shards)."""
    return LabelError(
        f"{spec.name} under Keras' convention: the labels "
        + ("of the shards merged " if shards else "")
        + "hold 0 beside a value other than 0 and 1; Keras reads 0/1 labels as −1/+1 only when every label of "
        "a batch is 0 or 1, so these 0s would be −1 in some chunks and 0 in others",
        hint=("evaluate the shards again " if shards else "")
        + "with the labels written as −1/+1 throughout (or 0/1 throughout); beside −1/+1 labels, "
        "--convention losscli reads every 0 as −1",
        location=location,
    )


class _Bounds:
    """(min, max) of the arrays of one check, each computed once (on worker threads when large)."""

    def __init__(self) -> None:
        self._seen: dict[int, tuple[np.ndarray, object, object]] = {}

    def __call__(self, a: np.ndarray) -> tuple[object, object]:
        if a.size == 0:  # no value breaks a bound (an empty chunk: the mean of no samples is refused later)
            return np.inf, -np.inf
        hit = self._seen.get(id(a))
        if hit is not None and hit[0] is a:
            return hit[1], hit[2]
        lo, hi = minmax(a)
        self._seen[id(a)] = (a, lo, hi)
        return lo, hi


def _check_finite(a: np.ndarray, array: str, offset: int, bounds: _Bounds | None = None, *,
                  masked_logits: bool = False) -> None:
    """Every value finite. ``masked_logits``: ``a`` holds logits of a softmax, where −inf masks a class out (a
    constrained vocabulary, a padded choice), which the hint then says how to give."""
    if a.dtype.kind in "iu" or a.size == 0:
        return
    lo, hi = (bounds or _Bounds())(a)
    if np.isfinite(lo) and np.isfinite(hi):
        return
    bad = ~np.isfinite(a)
    loc = _loc(array, a, bad, offset)
    kind = "NaN" if np.isnan(loc.value) else ("+inf" if loc.value > 0 else "-inf")
    # --nan skip drops missing values (NaN), not infinities: an infinite prediction is a value to mend
    hint = ("remove or fill missing values (or use --nan skip to drop such rows)" if kind == "NaN" else
            "a class masked out with a logit of -inf (a constrained vocabulary, a padded choice): give it a large "
            "negative logit instead, np.nan_to_num(x, neginf=-1e30), whose probability is 0 as well"
            if kind == "-inf" and masked_logits else
            "an infinite value has no loss to average: fix it where it was written (a logit or probability that "
            "overflowed), or drop the row")
    raise NonFiniteError(f"{kind} in {array}", location=loc, hint=hint)


def _squeeze_column(a: np.ndarray) -> np.ndarray:
    return a[:, 0] if a.ndim == 2 and a.shape[1] == 1 else a


def check_inputs(
    spec: LossSpec,
    conv: Convention,
    params: dict,
    y_true: object,
    y_pred: object,
    sample_weight: object | None = None,
    *,
    row_offset: int = 0,
    sum_tol: float = DEFAULT_SUM_TOL,
    warn: Warn | None = None,
    off_rows: OffRowsSink | None = None,
) -> Checked:
    """Validate and normalise one chunk of inputs for ``spec``; raise an :class:`InputError` subclass.

    ``row_offset`` is added to reported row numbers (the chunk's position in the whole input). Rows that do
    not sum to 1 under a lenient convention go to ``off_rows`` (an :class:`OffRows` tally's, for one warning
    over every chunk), else to ``warn`` as this chunk's warning.
    """
    warn = warn or (lambda _msg: None)
    if off_rows is None:
        off_rows = _warning_of(warn)
    sklearn_proba = False  # bce under the sklearn convention on several probability columns: log_loss
    yp = _numeric(y_pred, "y_pred")
    yt = _numeric(y_true, "y_true")
    if yp.ndim == 0 or yp.ndim > 2:
        raise ShapeError(
            f"y_pred must be 1-D (N,) or 2-D (N, K), got shape {yp.shape}", location=Location("y_pred")
        )
    if yt.ndim == 0 or yt.ndim > 2:
        raise ShapeError(f"y_true must be 1-D or 2-D, got shape {yt.shape}", location=Location("y_true"))
    if yt.shape[0] != yp.shape[0]:
        raise ShapeError(
            f"y_true has {yt.shape[0]} rows but y_pred has {yp.shape[0]}",
            location=Location("y_pred"),
            hint="labels and predictions must have one row per sample, in the same order",
        )
    if yp.dtype.kind in "iu":
        yp = yp.astype(np.float64)
    from_logits = bool(params.get("from_logits", False))
    log_probs = bool(params.get("log_probs", False))
    kind = spec.label_kind

    # ---- shapes
    grouped = spec.pred_columns is not None or spec.pred_groups > 1
    if grouped:
        yt, yp = _check_pred_columns(spec, yt, yp)
    elif spec.multiclass:
        if yp.ndim == 2 and yp.shape[1] == 1 and spec.name != "brier":
            yp = yp[:, 0]
        if yp.ndim == 1 and spec.name != "brier":
            raise ShapeError(
                f"{spec.name} needs one prediction column per class (N, C), got {yp.shape[0]} rows × 1 column",
                location=Location("y_pred"),
                hint="for one probability or logit per sample use binary_crossentropy",
            )
    if kind == "class_index":
        yt = _squeeze_column(yt)
        if yt.ndim == 2 and yt.shape == yp.shape and spec.one_hot_labels:
            yt = _one_hot_to_index(spec, yt, row_offset)
        if yt.ndim != 1:
            raise ShapeError(
                f"{spec.name} takes one integer class label per sample, got labels of shape {yt.shape}",
                location=Location("y_true"),
                hint="for one-hot or soft label rows use categorical_crossentropy",
            )
    elif kind == "distribution":
        if yt.ndim == 1 and yp.ndim == 2:
            raise ShapeError(
                f"{spec.name} takes one-hot or soft label rows (N, {yp.shape[1]}), got one label per sample",
                location=Location("y_true"),
                hint="for integer class labels use sparse_categorical_crossentropy",
            )
        if yt.shape != yp.shape:
            raise ShapeError(
                f"labels have {yt.shape[1] if yt.ndim == 2 else 1} columns but predictions have "
                f"{yp.shape[1] if yp.ndim == 2 else 1}",
                location=Location("y_pred"),
                hint="give one label column and one prediction column per class, in the same order",
            )
    elif not grouped:
        if yp.ndim == 2 and yp.shape[1] == 1:
            yp = yp[:, 0]
        yt = _squeeze_column(yt)
        if sklearn_proba := (spec.name == "binary_crossentropy" and conv.name == "sklearn" and yp.ndim == 2
                             and yp.shape[1] >= 2):
            _check_sklearn_log_loss(spec, yt, yp, params)
            if yt.ndim == 1 and yp.shape[1] == 2:  # scikit-learn's log_loss on a binary predict_proba (N, 2)
                # the labels as written, before they become two columns
                _check_range(yt, 0.0, 1.0, "y_true", row_offset, LabelError, _BINARY_LABELS.format(spec.name),
                             _proba_label_hint)
                yt = np.stack([1 - yt, yt], axis=1)
        if spec.broadcast_labels and yt.ndim == 1 and yp.ndim == 2:
            yt = np.repeat(yt[:, None], yp.shape[1], axis=1)
        if yt.shape != yp.shape:
            kt = 1 if yt.ndim == 1 else yt.shape[1]
            kp = 1 if yp.ndim == 1 else yp.shape[1]
            hint = f"{spec.name} compares each prediction column with the label column of the same position"
            if spec.name == "hinge" and kt == 1 and kp > 2:
                hint += ("; a multiclass decision_function (N, C)? multiclass_hinge is scikit-learn's hinge_loss "
                         "for several classes")
            if spec.name == "binary_crossentropy" and kt == 1 and kp == 2 and params.get("from_logits"):
                # two logits z0, z1 of a softmax: its loss is sparse_categorical_crossentropy's (the binary
                # cross-entropy of z1 − z0), not the binary cross-entropy of z1 alone
                hint += ("; two logits of a softmax classifier (N, 2)? its loss is sparse_categorical_crossentropy "
                         "--logits (torch's CrossEntropyLoss), with the 0/1 labels as class indices")
            elif spec.name == "binary_crossentropy" and kt == 1 and kp == 2:
                hint += ("; a predict_proba (N, 2)? --convention sklearn scores it as log_loss does, or select the "
                         "positive class's column with --pred-cols")
            raise ShapeError(f"labels have {kt} column(s) but predictions have {kp}", location=Location("y_pred"),
                             hint=hint)
    n = yp.shape[0]

    # ---- finiteness
    bounds = _Bounds()
    _check_finite(yt, "y_true", row_offset, bounds)
    _check_finite(yp, "y_pred", row_offset, bounds,
                  masked_logits=from_logits and yp.ndim == 2 and spec.pred_kind == "distribution")

    # ---- labels
    c = yp.shape[1] if yp.ndim == 2 else 2
    if kind == "class_index":
        yt = _check_class_labels(spec, yt, c, params.get("ignore_index"), row_offset, bounds)
    elif kind == "binary":
        _check_range(
            yt,
            0.0,
            1.0,
            "y_true",
            row_offset,
            LabelError,
            _BINARY_LABELS.format(spec.name),
            _binary_label_hint,
            bounds=bounds,
        )
    elif kind == "distribution":
        _check_range(
            yt,
            0.0,
            1.0,
            "y_true",
            row_offset,
            LabelError,
            f"{spec.name} labels must be one-hot or soft rows with values in [0, 1]",
            None,
            bounds=bounds,
        )
        _check_rows_sum(yt, "y_true", row_offset, sum_tol, conv, off_rows, labels=True, spec=spec)
    elif kind == "sign" and conv.name != "keras":
        bad = ~np.isin(yt, (-1, 0, 1))
        if bad.any():
            raise LabelError(
                f"{spec.name} labels must be −1/+1 (or 0/1)", location=_loc("y_true", yt, bad, row_offset)
            )

    # ---- predictions
    if log_probs:
        _check_log_probs(spec, yp, row_offset, sum_tol, conv, off_rows, bounds)
    elif spec.pred_kind in ("probability", "distribution") and not from_logits:
        _check_range(
            yp,
            0.0,
            1.0,
            "y_pred",
            row_offset,
            ProbabilityError,
            "predictions must be probabilities in [0, 1]",
            (
                "these look like log-probabilities: add --log-probs"
                if spec.accepts_log_probs and bounds(yp)[1] <= 0.0
                else (lambda _value: _whole_columns_hint(yp, None) or "did you mean --logits?")
                if spec.accepts_logits
                else "these look like scores, not probabilities"
            ),
            bounds=bounds,
        )
        if (spec.pred_kind == "distribution" or sklearn_proba) and yp.ndim == 2:
            _check_rows_sum(yp, "y_pred", row_offset, sum_tol, conv, off_rows, labels=False, spec=spec)
    elif (
        from_logits
        and spec.pred_kind in ("probability", "distribution")
        and n >= 8
        and bounds(yp)[0] >= 0.0
        and bounds(yp)[1] <= 1.0
    ):
        warn("every prediction lies in [0, 1]: are these probabilities rather than logits? (drop --logits)")
    if spec.pred_kind == "rate" and from_logits:
        _check_range(yt, 0.0, None, "y_true", row_offset, LabelError, "Poisson counts must be ≥ 0", None)
    elif spec.pred_kind == "rate":
        _check_range(
            yp,
            0.0,
            None,
            "y_pred",
            row_offset,
            ProbabilityError,
            "Poisson rates must be ≥ 0",
            "predict a rate (the Poisson mean), not its log",
        )
        if conv.name in ("losscli", "sklearn"):
            bad = (yp == 0) & (yt > 0)
            if bad.any():
                raise ProbabilityError(
                    "a zero rate with a positive count has an infinite Poisson loss",
                    location=_loc("y_pred", yp, bad, row_offset),
                    hint="predict a positive rate",
                )
        _check_range(yt, 0.0, None, "y_true", row_offset, LabelError, "Poisson counts must be ≥ 0", None)
    if spec.name == "msle" and not conv.msle_floor:
        for arr, name in ((yt, "y_true"), (yp, "y_pred")):
            _check_range(
                arr,
                -1.0,
                None,
                name,
                row_offset,
                LabelError,
                "msle needs values > −1 (log(1 + x) is undefined otherwise)",
                None,
                open_low=True,
            )

    # ---- parameters that depend on the data's shape
    k = yp.shape[1] if yp.ndim == 2 else 1
    if params.get("class_weights") is not None and len(params["class_weights"]) != c:
        raise ParameterError(
            f"class_weights has {len(params['class_weights'])} values but the predictions have {c} classes",
            hint=f"give exactly {c} weights, one per prediction column",
        )
    pw = params.get("pos_weight")
    if isinstance(pw, tuple) and len(pw) not in (1, k):
        raise ParameterError(f"pos_weight has {len(pw)} values but the predictions have {k} columns")

    if spec.check is not None:
        spec.check(yt, yp, params, conv, row_offset)

    # ---- sample weights
    sw = None
    if sample_weight is not None:
        sw = _squeeze_column(_numeric(sample_weight, "sample_weight"))
        if sw.ndim != 1 or sw.shape[0] != n:
            raise ShapeError(
                f"sample_weight has shape {sw.shape} but there are {n} samples",
                location=Location("sample_weight"),
                hint="give one weight per sample",
            )
        _check_finite(sw, "sample_weight", row_offset, bounds)
        _check_range(
            sw,
            0.0,
            None,
            "sample_weight",
            row_offset,
            WeightError,
            "sample weights must be ≥ 0",
            None,
            bounds=bounds,
        )
    return Checked(yt, yp, sw)


def _one_hot_to_index(spec: LossSpec, yt: np.ndarray, row_offset: int) -> np.ndarray:
    """Class indices of one-hot label rows; a row that is not one-hot is refused with its row and values."""
    ones = yt == 1
    bad = ~(((yt == 0) | ones).all(axis=1) & (ones.sum(axis=1) == 1))
    if bad.any():
        row = int(np.argmax(bad))
        raise LabelError(
            f"{spec.name} takes one-hot label rows (one 1, the rest 0), not {[v.item() for v in yt[row]]}",
            location=Location("y_true", row=row + row_offset),
            hint="give one integer class label per sample, or one-hot rows",
        )
    return np.argmax(yt, axis=1)


def _check_pred_columns(spec: LossSpec, yt: np.ndarray, yp: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One label column, and exactly ``spec.pred_columns`` prediction columns (e.g. mean and variance) or
    ``spec.pred_groups`` groups of equal width (x₁ | x₂)."""
    k, groups = spec.pred_columns, spec.pred_groups
    yt = _squeeze_column(yt)
    got = 1 if yp.ndim == 1 else yp.shape[1]
    if k is not None and (yp.ndim != 2 or got != k):
        raise ShapeError(
            f"{spec.name} needs {k} prediction columns, got {got}",
            location=Location("y_pred"),
            hint=f"select them in order with --pred-cols: {PRED_KINDS[spec.pred_kind]}",
        )
    if k is None and (yp.ndim != 2 or got % groups):
        raise ShapeError(
            f"{spec.name} needs {groups} groups of prediction columns of equal width, got {got} column(s)",
            location=Location("y_pred"),
            hint="select the first input's columns with --pred-cols and the second's with --pred2-cols",
        )
    if yt.ndim != 1:
        raise ShapeError(
            f"{spec.name} takes one label column, got {yt.shape[1]}",
            location=Location("y_true"),
            hint="select the label column with --label-cols",
        )
    return yt, yp


def _check_log_probs(
    spec: LossSpec,
    yp: np.ndarray,
    offset: int,
    tol: float,
    conv: Convention,
    off_rows: OffRowsSink,
    bounds: _Bounds,
) -> None:
    """Log-probabilities are ≤ 0, and rows over classes are distributions (Σ e^a = 1)."""
    if not spec.accepts_log_probs:
        raise ParameterError(f"{spec.name} takes no log-probabilities")
    lo, hi = bounds(yp) if yp.size else (0.0, 0.0)
    _check_range(
        yp,
        None,
        0.0,
        "y_pred",
        offset,
        ProbabilityError,
        "log-probabilities must be ≤ 0",
        (
            f"these look like probabilities: name the loss {spec.name} without --log-probs "
            "(torch's nll_loss and kl_div take log-probabilities)"
            if lo >= 0.0 and hi <= 1.0
            else "these look like logits: use --logits instead of --log-probs"
        ),
        bounds=bounds,
    )
    if spec.pred_kind == "distribution" and yp.ndim == 2:
        with np.errstate(under="ignore"):
            probs = np.exp(yp)
        try:
            _check_rows_sum(probs, "y_pred", offset, tol, conv, off_rows, labels=False, spec=spec)
        except ProbabilityError as exc:
            with np.errstate(under="ignore", over="ignore"):
                base2 = bool(np.all(np.abs(_row_sums(np.exp2(yp)) - 1.0) <= tol))
            # rows of log₂ p sum to 1 as powers of 2: --logits would take them for scores (a number in no unit)
            exc.message = exc.message.replace("probability rows must sum to 1",
                                              "log-probability rows must sum to 1 as exp(a)", 1)
            exc.hint = ("these are log-probabilities in base 2 (Σ 2^a = 1): multiply them by ln 2 (x * np.log(2)) "
                        "for the natural logs --log-probs takes (--unit bits reports the value in bits)" if base2
                        else "log-probability rows must satisfy Σ exp = 1; for unnormalised scores use --logits")
            raise


def _check_range(
    a: np.ndarray,
    low: float | None,
    high: float | None,
    array: str,
    offset: int,
    error: type,
    message: str,
    hint: str | Callable[[Any], str | None] | None,
    *,
    open_low: bool = False,
    bounds: _Bounds | None = None,
) -> None:
    if a.size == 0:
        return
    lo, hi = (bounds or _Bounds())(a)
    bad_low = low is not None and (lo < low or (open_low and lo <= low))
    bad_high = high is not None and hi > high
    if not (bad_low or bad_high):
        return
    mask = np.zeros(a.shape, dtype=bool)
    if low is not None:
        mask |= (a <= low) if open_low else (a < low)
    if high is not None:
        mask |= a > high
    loc = _loc(array, a, mask, offset)
    raise error(message, location=loc, hint=hint(loc.value) if callable(hint) else hint)


def _binary_label_hint(value: Any) -> str:
    """The fix for a binary label out of [0, 1], by the value found: −1 of ±1 labels, or a class index."""
    if value == -1:
        return "for −1/+1 labels pass --classes -1,1 (the negative class first)"
    if isinstance(value, (int, float)) and float(value).is_integer() and value > 1:
        return ("a class index? for labels 0..C−1 with one prediction column per class use "
                "sparse_categorical_crossentropy (scce)")
    return "is it the label column? --label-cols names the column of 0/1 labels (or of soft targets in [0, 1])"


def _proba_label_hint(value: Any) -> str:
    """The fix for a label out of [0, 1] beside a binary predict_proba (N, 2): its two classes named."""
    if isinstance(value, (int, float)) and float(value).is_integer():
        return ("labels of two other classes? --classes NEGATIVE,POSITIVE names them in the order of predict_proba's "
                "columns (its sorted classes): --classes 1,2 for labels 1 and 2, --classes -1,1 for ±1 labels")
    return _binary_label_hint(value)


def _check_sklearn_log_loss(spec: LossSpec, yt: np.ndarray, yp: np.ndarray, params: dict) -> None:
    """scikit-learn's log_loss takes a row's columns as one distribution of probabilities: a binary
    predict_proba (N, 2) with one label column, or one-hot label rows. Logits, a positive weight and
    independent binary outputs (multi-label rows, which do not sum to 1) have no log_loss: they are
    refused, not given another library's number."""
    if params.get("from_logits") or params.get("log_probs") or params.get("pos_weight") is not None:
        raise UsageError(
            f"{spec.name} under --convention sklearn is log_loss on a predict_proba (N, {yp.shape[1]}): it takes "
            "probabilities, without --logits, --log-probs or --pos-weight",
            hint="give predict_proba's probabilities, or use --convention torch or keras for one binary "
            "cross-entropy per column",
        )
    if yt.ndim == 2 and yt.shape[1] == yp.shape[1]:
        sums = _row_sums(np.asarray(yt, dtype=np.float64))
        if not np.all(np.abs(sums - 1.0) <= 1e-6):  # one-hot (or soft) rows are a distribution: log_loss's form
            row = int(np.argmax(np.abs(sums - 1.0) > 1e-6))
            raise UsageError(
                f"scikit-learn's log_loss has no multi-label form: label row {row + 1} sums to {sums[row]:g}, so "
                f"its {yt.shape[1]} columns are independent binary outputs, not one distribution",
                hint="use --convention torch or keras for one binary cross-entropy per column (their mean)",
            )


#: losses whose Keras definition takes probability rows as given (no p/Σp): KLDivergence and
#: CategoricalGeneralizedCrossEntropy; the keras convention's other categorical losses renormalise
_KERAS_ROWS_AS_GIVEN = frozenset({"kl_divergence", "generalized_cross_entropy"})


def _row_sums(a: np.ndarray) -> np.ndarray:
    if a.shape[1] <= 16:
        s = a[:, 0].astype(np.float64)
        for j in range(1, a.shape[1]):
            s = s + a[:, j]
        return s
    return a.sum(axis=1, dtype=np.float64)


class OffRows:
    """Rows that do not sum to 1 which a lenient convention takes (Keras renormalises them, scikit-learn uses
    them as given), counted over every chunk: one warning per kind of row (label, probability) naming how many
    there are and the first, whatever the chunks. :meth:`add` keeps that warning current in a list of them."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[int, int, float, str]] = {}  # kind → (count, first sample, its sum, action)

    def add(self, warnings: list[str], what: str, count: int, first: int, total: float, action: str) -> None:
        """Fold in one chunk's ``count`` rows of kind ``what`` (the first at sample ``first``, summing to
        ``total``) and put the kind's warning in ``warnings``, in place of its earlier version."""
        before = self.seen.get(what)
        old = off_rows_warning(what, *before) if before else None
        self.seen[what] = (before[0] + count, *before[1:]) if before else (count, first, total, action)
        new = off_rows_warning(what, *self.seen[what])
        if old in warnings:
            warnings[warnings.index(old)] = new
        elif new not in warnings:
            warnings.append(new)


def off_rows_warning(what: str, count: int, first: int, total: float, action: str) -> str:
    """The warning about ``count`` rows of kind ``what`` that do not sum to 1."""
    return f"{count} {what} rows do not sum to 1 (sample {first}, the first, sums to {total:.6g}); {action}"


def _warning_of(warn: Warn) -> OffRowsSink:
    def sink(what: str, count: int, first: int, total: float, action: str) -> None:
        warn(off_rows_warning(what, count, first, total, action))

    return sink


def warn_off_rows(spec: LossSpec, conv: Convention, params: dict, y_true: np.ndarray, y_pred: np.ndarray, *,
                  row_offset: int, sum_tol: float, off_rows: OffRowsSink) -> None:
    """The row-sum checks of :func:`check_inputs` alone, for a chunk whose other checks the compiled kernel made
    (it takes rows off by more than ``sum_tol`` under a lenient convention and counts them; these checks tell
    ``off_rows`` which, as the NumPy path would)."""
    if spec.label_kind == "distribution" and y_true.ndim == 2:
        _check_rows_sum(y_true, "y_true", row_offset, sum_tol, conv, off_rows, labels=True, spec=spec)
    probabilities = not params.get("from_logits") and not params.get("log_probs")
    if probabilities and spec.pred_kind == "distribution" and y_pred.ndim == 2:
        _check_rows_sum(y_pred, "y_pred", row_offset, sum_tol, conv, off_rows, labels=False, spec=spec)


def _check_rows_sum(
    a: np.ndarray,
    array: str,
    offset: int,
    tol: float,
    conv: Convention,
    off_rows: OffRowsSink,
    *,
    labels: bool,
    spec: LossSpec,
) -> None:
    """Rows of ``a`` sum to 1 within ``tol``: others are an error, or under a lenient convention (Keras,
    scikit-learn) told to ``off_rows``."""
    sums = _row_sums(a)
    bad = np.abs(sums - 1.0) > tol
    if not bad.any():
        return
    row = int(np.argmax(bad))
    what = "label" if labels else "probability"
    if not conv.strict:
        renormalised = conv.renormalise and not labels and spec.name not in _KERAS_ROWS_AS_GIVEN
        off_rows(what, int(bad.sum()), row + offset + 1, float(sums[row]),
                 "renormalised, as Keras does" if renormalised else f"used as given, as {conv.name} does")
        return
    hint = (None if labels else _whole_columns_hint(a, tol)) or _sum_hint(a, sums, labels, spec)
    raise (LabelError if labels else ProbabilityError)(
        f"{what} rows must sum to 1 (tolerance {tol:g}); {int(bad.sum())} do not, the first sums to "
        f"{_sum_text(float(sums[row]))}",
        location=Location(array, row=row + offset, value=float(sums[row])),
        hint=hint,
    )


def _sum_text(x: float) -> str:
    short = f"{x:.6g}"
    return repr(x) if short == "1" else short


def _whole_columns_hint(a: np.ndarray, tol: float | None) -> str | None:
    """The fix when some prediction columns hold whole numbers beside probabilities (a hard prediction, a row
    index or a hyperparameter written beside predict_proba's columns: Spark ML's ``prediction``, caret's
    ``rowIndex``): they are no class, and ``--logits`` would score them as one. ``None`` unless the other
    columns are probabilities (rows summing to 1 within ``tol``, when given)."""
    if a.ndim != 2 or a.shape[1] < 2 or not np.isfinite(a).all():
        return None
    whole = [j for j in range(a.shape[1]) if (a[:, j] == np.round(a[:, j])).all()]
    rest = [j for j in range(a.shape[1]) if j not in whole]
    if not whole or not rest:
        return None
    probs = a[:, rest]
    if probs.min() < 0.0 or probs.max() > 1.0:
        return None
    if tol is not None and (len(rest) < 2 or (np.abs(probs.sum(axis=1) - 1.0) > tol).any()):
        return None
    which = ", ".join(str(j + 1) for j in whole)
    return (f"prediction column{'s' if len(whole) > 1 else ''} {which} (of {a.shape[1]}) hold{'' if len(whole) > 1 else 's'} "
            "whole numbers beside probabilities: a hard prediction or an index, not a class? choose the "
            "probability columns with --pred-cols (--logits would score every column as a class)")


def _sum_hint(a: np.ndarray, sums: np.ndarray, labels: bool, spec: LossSpec) -> str:
    """The fix for rows that do not sum to 1: a wider --sum-tol for rounded probabilities, --logits for
    scores, renormalising otherwise."""
    if labels:
        return "soft labels must be distributions; normalise them"
    finite = np.isfinite(a)
    in_unit = bool(finite.all() and a.min() >= 0.0 and a.max() <= 1.0)
    worst = float(np.max(np.abs(sums - 1.0))) if in_unit else float("inf")
    if in_unit and worst <= 0.05:
        tol = next(t for t in (0.002, 0.005, 0.01, 0.02, 0.05, 0.1) if t >= 2 * worst)
        return (f"probabilities rounded when they were written? accept rows within {tol:g} of 1 with "
                f"--sum-tol {tol:g} (they are used as given), or write more decimals")
    if spec.accepts_logits:
        return "pass logits with --logits, or renormalise the rows"
    return "renormalise the rows"


def _check_class_labels(
    spec: LossSpec,
    yt: np.ndarray,
    c: int,
    ignore_index: int | None,
    offset: int,
    bounds: _Bounds | None = None,
) -> np.ndarray:
    if yt.dtype.kind in "iuf" and yt.size:  # fast path: every label in range (min and max are known)
        lo, hi = (bounds or _Bounds())(yt)
        if lo >= 0 and hi < c:
            if yt.dtype.kind != "f":
                return yt
            ints = yt.astype(np.int64)  # exact for values in [0, c)
            if not (ints != yt).any():
                return ints
    if yt.dtype.kind == "f":
        frac = yt != np.floor(yt)
        if frac.any():
            raise LabelError(
                f"{spec.name} labels must be integer class indices",
                location=_loc("y_true", yt, frac, offset),
                hint="for one-hot or soft labels use categorical_crossentropy",
            )
        _check_label_range(spec, yt, c, ignore_index, offset)  # on the floats: 1e20 has no int64
        yt = yt.astype(np.int64)
    _check_label_range(spec, yt, c, ignore_index, offset)
    return yt


def _check_label_range(spec: LossSpec, yt: np.ndarray, c: int, ignore_index: int | None, offset: int) -> None:
    valid = (yt >= 0) & (yt < c)
    if ignore_index is not None:
        valid |= yt == ignore_index
    if not valid.all():
        loc = _loc("y_true", yt, ~valid, offset)
        hint = "check the label column and the number of prediction columns"
        if ignore_index is None and c > 1 and yt.min() >= 1 and yt.max() == c and (yt == np.floor(yt)).all():
            # classes numbered from 1 (R's factors, MATLAB's indices): the classes' names, in column order
            hint = (f"the labels read so far run from 1 to {c}: if the classes are numbered from 1 (as R and MATLAB "
                    "number them), "
                    + (f"give --classes {','.join(str(k) for k in range(1, c + 1))} (the classes of the prediction "
                       "columns, in order), or " if c <= 30 else "") + "subtract 1 from the labels")
        if ignore_index is not None:
            hint += f" (ignored label: {ignore_index})"
        elif loc.value is not None and float(loc.value) < 0 and float(loc.value) == int(loc.value):
            v = int(loc.value)  # torch marks targets to skip with ignore_index = -100 by default
            if any(p.name == "ignore_index" for p in spec.params):
                hint = (f"if {v} marks targets to ignore (as torch's ignore_index, -100 by default), pass "
                        f"--ignore-index {v}; else {hint}")
            else:  # given for another loss of the run (scce,zero_one), it does not reach this one
                hint = (f"{spec.name} takes no --ignore-index: if {v} marks targets to ignore, evaluate "
                        f"{spec.name} on the rows without them; else {hint}")
        raise LabelError(f"{spec.name} labels must lie in [0, {c}) for {c} prediction columns", location=loc, hint=hint)
