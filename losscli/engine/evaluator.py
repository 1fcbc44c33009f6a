"""The public Python API: :func:`evaluate` for arrays in memory, :class:`Evaluator` for chunks.

Both go through the same stages — validate → kernel → weights → accumulator — so evaluating an array in
one call and streaming it chunk by chunk give identical results.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping
from dataclasses import field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from losscli._native import empty as per_sample_array
from losscli._native.dispatch import plan_for as fused_plan
from losscli.chunking import BLOCK, FUSED_CHUNK_VALUES, default_chunk_rows
from losscli.conventions import RULES, Convention, get_convention
from losscli.engine.accumulator import (
    BIG,
    SHIFT,
    SIGN_OTHER,
    SIGN_ZERO,
    Accumulator,
    CompiledBlocks,
    accumulator_form,
    all_as_given,
)
from losscli.engine.labels import adapt_labels
from losscli.engine.tensors import from_torch, refuse_unplain
from losscli.engine.text_counts import COUNTS, check_count_names, checked_counts, chunk_totals, rates
from losscli.errors import EmptyInputError, OverflowInputError, ShapeError, UsageError
from losscli.losses._common import SMALL_C, parallel_map, worker_threads, writing_into
from losscli.records import record
from losscli.registry import resolve
from losscli.spec import DEFAULT_SUM_TOL, LossSpec
from losscli.values import finite_or_none as _finite
from losscli.values import json_params, plain_params

if TYPE_CHECKING:
    from losscli.engine.validate import OffRows

SCHEMA = 1

#: Values (rows × columns) per piece of a chunk: a kernel's float64 temporaries for one piece stay in the
#: core's cache, and pieces are what the worker threads share out. Rows of many classes take bigger
#: pieces, so that the per-call overhead of NumPy stays small against the work on a few hundred rows.
PIECE_VALUES = 1 << 17
WIDE_PIECE_VALUES = 1 << 18

#: Built-in kernels whose values for a sample depend on more than that sample (under keras, hinge maps
#: 0/1 labels to ±1 only when every label of the chunk is 0 or 1): never split into pieces.
_WHOLE_CHUNK = frozenset({"hinge", "squared_hinge"})


@record
class Result:
    """The result of evaluating one loss.

    ``value`` is the requested reduction; ``mean`` is the convention's ``mean`` (losscli: Σw·l/Σw) — for a
    summary metric (``LossSpec.summary``: RMSE, R², ECE, ...) both are the metric, computed from its sums,
    and the mean of the per-sample values is in ``metrics`` under its name;
    ``per_sample`` holds the reported per-sample values w_i·l_i (``None`` when not kept).
    """

    loss: str
    params: dict[str, Any]
    convention: str
    reduction: str
    rule: str
    value: float
    mean: float
    sum: float
    n: int
    n_total: int
    weight_sum: float
    std: float
    min: float
    max: float
    clipped: int
    ignored: int
    outputs: int
    per_sample: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)
    state: Accumulator | None = field(default=None, repr=False)
    #: 1 − the value of an error rate under its name (``{"accuracy": 0.93}``), when the value is a mean
    complement: dict[str, float] = field(default_factory=dict)
    #: the id of each sample (from ``id_col`` of a DataFrame), aligned with ``per_sample``
    ids: np.ndarray | None = field(default=None, repr=False)
    id_name: str | None = None
    #: the 0-based input row of each sample when rows were left out (``nan="skip"``), else ``None``
    rows: np.ndarray | None = field(default=None, repr=False)
    #: what the value of a summary metric is (its rule), when the value is not a reduction of per-sample values
    summary_of: str = ""
    #: further named values reported beside the value (a summary metric's mean per-sample loss under its name)
    metrics: dict[str, float] = field(default_factory=dict)
    #: tables reported with a summary metric's value (``{"reliability": [{"bin": 0, ...}, ...]}``)
    details: dict[str, Any] = field(default_factory=dict)
    #: the value is one value for the whole batch (Keras' ``Dice()``): no per-sample values exist, and
    #: ``sum``/``std``/``min``/``max`` (of per-sample values) are NaN
    batch_level: bool = False

    def to_frame(self, name: str | None = None) -> Any:
        """The per-sample values as a pandas DataFrame: one column (named ``name``, default the loss),
        indexed by the ids (``id_col``) or else by the input row of each sample.

        >>> import losscli
        >>> losscli.evaluate("mse", [1.0, 2.0], [1.5, 2.0]).to_frame()
            mse
        0  0.25
        1  0.00
        """
        import pandas as pd

        if self.batch_level:
            raise UsageError(f"{self.loss} with axis=None is one value for the whole batch; it has no per-sample "
                             "values", hint=f"evaluate {self.loss} with axis=-1 for one value per sample")
        if self.per_sample is None:
            raise UsageError("this result kept no per-sample values", hint="evaluate with keep_per_sample=True")
        if self.ids is not None:
            index = pd.Index(self.ids, name=self.id_name)
        elif self.rows is not None:
            index = pd.Index(self.rows)
        else:
            index = pd.RangeIndex(len(self.per_sample))
        return pd.DataFrame({name or self.loss: self.per_sample}, index=index)

    def summary(self) -> dict[str, Any]:
        """The result as a JSON-ready dict (without ``per_sample``); non-finite floats become ``None``."""
        return {
            "schema": SCHEMA,
            "loss": self.loss,
            "params": plain_params(self.params),
            "convention": self.convention,
            "reduction": self.reduction,
            "rule": self.summary_of or RULES[self.rule],
            "value": _finite(self.value),
            "n": self.n,
            "mean": _finite(self.mean),
            "sum": _finite(self.sum),
            "weight_sum": _finite(self.weight_sum),
            "std": _finite(self.std),
            "min": _finite(self.min),
            "max": _finite(self.max),
            "clipped": self.clipped,
            "ignored": self.ignored,
            "warnings": list(self.warnings),
            **{k: _finite(v) for k, v in self.complement.items()},
            **{k: (int(v) if k in COUNTS else _finite(v)) for k, v in self.metrics.items()},
            **self.details,
            **({"batch_level": True, "per_sample": None} if self.batch_level else {}),
        }

    def to_dict(self, per_sample: bool = True) -> dict[str, Any]:
        out = self.summary()
        if per_sample and self.per_sample is not None:
            out["per_sample"] = [_finite(float(x)) for x in self.per_sample]
        return out



def reduce_totals(rule: str, totals: dict[str, Any], outputs: int, conv: Convention) -> float:
    """Apply a reduction rule to accumulated totals; an empty mean follows the convention."""
    s, w, n = totals["sum"], totals["weight_sum"], totals["n"]
    if rule == "none":
        return math.nan
    if rule == "sum":
        return s
    if rule == "sum_over_elements":
        return s * outputs
    divisor = {"weighted_mean": w, "mean_over_n": n, "mean_over_elements": n * outputs}[rule]
    if divisor == 0:
        if conv.empty == "zero":
            return 0.0
        if conv.empty == "nan":
            return math.nan
        raise EmptyInputError(
            f"cannot take a mean: {why_empty(totals)}" if totals["n_total"] else "cannot take a mean of no samples",
            hint="check the inputs, the sample weights and --ignore-index",
        )
    if rule == "weighted_mean":  # Σw·l / Σw from the scaled sums: finite whenever the true mean is
        (ms, es), (mw, ew) = totals.get("sum_scaled", (s, 0)), totals.get("weight_sum_scaled", (w, 0))
        if ms == ms and mw == mw and math.isfinite(mw) and mw:
            return _ldexp(ms / mw, es - ew)
        return s / divisor
    ms, es = totals.get("sum_scaled", (s, 0))
    return _ldexp(ms / divisor, es)


def why_empty(totals: dict[str, Any]) -> str:
    """Why a mean over ``totals`` has nothing to divide by."""
    if not totals["n_total"]:
        return "there are no samples"
    return "every sample is ignored" if totals["n"] == 0 else "the weights sum to 0"


def _ldexp(x: float, e: int) -> float:
    try:
        return math.ldexp(x, e)
    except OverflowError:
        return math.copysign(math.inf, x)


def _compiled_block_stats(
    v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
    """The statistics of a buffered block, summed as the compiled kernels sum their blocks."""
    from losscli._native import dispatch

    return accumulator_form(dispatch.block_stats(v, w, c), v, w, c)


def _huge(sample_weight: Any) -> bool:
    """Sample weights so large that a weighted loss may overflow: from 2**1006 (see accumulator.BIG)."""
    if sample_weight is None:
        return False
    sw = np.asarray(sample_weight, dtype=np.float64)
    if not sw.size:
        return False
    finite = sw[np.isfinite(sw)]
    return bool(finite.size and np.max(np.abs(finite)) >= BIG)


def check_sum_tol(tol: Any) -> float:
    """A tolerance for rows summing to 1: a finite number ≥ 0 (0 means exactly), else a UsageError."""
    from losscli.errors import UsageError

    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not math.isfinite(tol) or tol < 0:
        raise UsageError(f"--sum-tol must be a finite number ≥ 0, not {tol!r}")
    return float(tol)


def refuse_sum_tol_without_rows(names: list[str]) -> None:
    """``--sum-tol`` beside one label column and one prediction column (a binary probability, P(class 1)):
    no row over classes is there to sum to 1, so it would check nothing, a usage error."""
    raise UsageError(
        f"--sum-tol is the tolerance of the check that rows over classes sum to 1, and {', '.join(names)} "
        "here reads one label column and one prediction column (a binary probability): no row to check",
        hint="leave out --sum-tol; it applies to probability or log-probability columns of two or more classes, "
             "and to one-hot or soft label rows")


class Evaluator:
    """Evaluates one loss over a sequence of chunks.

    >>> ev = Evaluator("bce")
    >>> ev.update([1, 0], [0.9, 0.2])       # per-sample values of the chunk
    array([0.10536052, 0.22314355])
    >>> round(ev.result().value, 6)
    0.164252
    """

    def __init__(
        self,
        loss: str | LossSpec,
        *,
        convention: str | Convention = "losscli",
        reduction: str = "mean",
        keep_per_sample: bool = True,
        sum_tol: float = DEFAULT_SUM_TOL,
        counts: Iterable[str] = (),
        **params: Any,
    ) -> None:
        self.conv = get_convention(convention)
        self.spec, self.params = resolve(loss, params, self.conv.name)
        self.spec.check_convention(self.conv.name, self.params)
        self.reduction = reduction
        self.rule = self.conv.resolve_reduction(self.spec, reduction, self.params)
        self.keep_per_sample = keep_per_sample
        #: whether the caller reads the per-sample values :meth:`update` returns; ``False`` (a caller that
        #: uses the result alone, with no per-sample values kept and no listeners) lets the compiled kernels
        #: leave them in cache, and :meth:`update` then returns NaN in their place
        self.values_needed = True
        #: one shard of a dataset whose state is written for ``merge`` (``--state-out``): where no sample of
        #: it counts (every row ignored, or weights summing to 0) its own mean is NaN (null) with a warning,
        #: where the convention would refuse it: the merged mean is defined
        self.shard = False
        #: rows of the input skipped before evaluation (``--nan skip``/``warn``), kept with its state
        self.skipped_rows = 0
        #: whether sample weights were given (a weighted and an unweighted shard do not merge)
        self.weighted = False
        #: the report sections a shard's state keeps beside its totals (``by_class``, ``by_group``, and ``ci``
        #: saying that an interval was asked): a callable the quality features set, or the merged sections
        self.state_sections: Callable[[], dict[str, Any]] | dict[str, Any] | None = None
        #: each merged state's (path, entry), for merging the sections beyond the totals
        self.shard_entries: list[tuple[str, dict[str, Any]]] = []
        self.sum_tol = check_sum_tol(sum_tol)
        #: whether a chunk had rows over classes for :attr:`sum_tol` to check (a ``--sum-tol`` that no input of a
        #: run had any for is refused: :func:`refuse_sum_tol_without_rows`)
        self.rows_checked = False
        self.acc = Accumulator()
        #: the summary metric's sums and value, when the spec declares one that applies to these parameters
        self.summary = self.spec.summary
        if self.summary is not None and self.summary.applies is not None and not self.summary.applies(self.params):
            self.summary = None
        #: one value for the whole batch, with no per-sample values (Keras' ``Dice()``): none are kept
        self.batch_level = self.summary is not None and self.summary.batch_level
        if self.batch_level:
            self.keep_per_sample = False
        if self.summary is not None:
            self._check_summary_reduction(reduction)
            from losscli.engine.summary_sums import SummarySums

            self.acc.side = SummarySums()
        self.rows = 0
        self.outputs = 1
        self.warnings: list[str] = []
        self._off: OffRows | None = None  # rows not summing to 1 that a lenient convention takes, once any is seen
        self._chunks: list[np.ndarray] = []
        #: called as ``listener(values, weights, counted)`` after each chunk is accumulated (per-sample
        #: values w·l, normalising weights or None, counted mask or None): for breakdowns and intervals
        self.chunk_listeners: list[Callable[[np.ndarray, np.ndarray | None, np.ndarray | None], None]] = []
        self._kernel_params = {k: v for k, v in self.params.items() if k != "unit"}
        #: a cross-entropy in bits: every per-sample value ÷ ln 2 (kernels compute in nats)
        self._unit_scale = 1.0 / math.log(2.0) if self.params.get("unit") == "bits" else 1.0
        self._threads = worker_threads()
        fn_module = getattr(self.spec.fn, "__module__", "") or ""
        self._splittable = fn_module.startswith("losscli.losses.") and self.spec.name not in _WHOLE_CHUNK
        self._out: np.ndarray | None = None  # per-sample values of all chunks, when the total is known
        self._fused = fused_plan(self.spec, self.params, self.conv)  # compiled kernel, loaded when it runs
        if self._fused is not None:
            self._fused = replace(self._fused, sum_tol=self.sum_tol, lax_sums=not self.conv.strict)
        #: the per-row counts (words, bytes) every chunk brings, for word/byte perplexity and bits per byte
        self.counts = check_count_names(counts)
        if self.counts:
            self._check_counts_apply()
        self._chunk_counts: dict[str, np.ndarray] | None = None
        #: the float type of the predictions seen (their common type), which a convention's clip may follow
        self.pred_dtype: np.dtype | None = None

    def _merge_key(self, *, clip: bool) -> tuple:
        """What two evaluators must share to merge: loss, parameters, convention, reduction (and clip eps)."""
        return (self.spec.name, json_params(self.params), self.conv, self.reduction, self.clip_eps() if clip else 0)

    def _note_dtype(self, dtype: Any) -> None:
        """Fold a chunk's (or a shard's) prediction float type into :attr:`pred_dtype`. A chunk of another float
        type than the chunks before it, where the clip depends on the type (scikit-learn's eps of the dtype), is
        a usage error: its values would be clipped at another eps than theirs, a mixture no one pass gives."""
        if isinstance(dtype, np.dtype) and dtype.kind == "f":
            before = self.pred_dtype
            if (before is not None and self.rows and dtype != before and self.clips()
                    and self.conv.clip_bounds(dtype) != self.conv.clip_bounds(before)):
                raise UsageError(
                    f"{self.spec.name}: a chunk of {dtype} predictions after chunks of {before}, under a convention "
                    f"that clips at the eps of the predictions' type ({self.conv.name})",
                    hint=f"give every chunk in one type, e.g. .astype('{np.result_type(before, dtype)}'), the type "
                         "evaluate() would take for the whole array")
            self.pred_dtype = dtype if before is None else np.result_type(before, dtype)

    @property
    def checks_row_sums(self) -> bool:
        """Whether rows are checked to sum to 1 within :attr:`sum_tol` (refused, or warned about under a lenient
        convention): one-hot or soft label rows, probability or log-probability rows over classes (not
        logits), and scikit-learn's log_loss on binary_crossentropy's predict_proba columns."""
        if self.spec.label_kind == "distribution":
            return True
        probabilities = bool(self.params.get("log_probs")) or not self.params.get("from_logits")
        if self.spec.pred_kind == "distribution":
            return probabilities
        return self.spec.name == "binary_crossentropy" and self.conv.name == "sklearn" and probabilities

    def clips(self) -> bool:
        """Can the probability clip change this loss's values (its declared ``clips``, given its parameters
        and convention; an undeclared loss: where its predictions are probabilities)?"""
        if self.spec.clips is None:
            return self.spec.pred_kind in ("probability", "distribution")
        return bool(self.spec.clips(self.params, self.conv.name))

    def clip_eps(self) -> float | None:
        """The eps probabilities were clipped at where it is not the convention's default: ``--eps``, or
        scikit-learn's eps of a float32 or float16 input; ``None`` otherwise (also for logits)."""
        if self.spec.pred_kind not in ("probability", "distribution"):
            return None
        if self.conv.clip == "fixed" and self.conv.fixed_eps is not None:
            # where the loss's declaration says the clip applies: log-probabilities of bce, Keras' logits of a
            # focal loss or KL too, not a loss that takes its probabilities as given
            return float(self.conv.fixed_eps) if self.clips() else None
        if self.params.get("from_logits") or self.params.get("log_probs"):
            return None
        if self.conv.clip == "dtype_eps" and self.pred_dtype is not None and self.pred_dtype.itemsize < 8:
            return self.conv.clip_bounds(self.pred_dtype)[0]
        return None

    def _check_counts_apply(self) -> None:
        """Word and byte perplexity are of a cross-entropy's plain NLL: no class weights, no smoothing."""
        flags = ", ".join(f"--{n}-col/--{n}" for n in self.counts)  # a column, or a file of its own
        if not self.spec.perplexity:
            raise UsageError(
                f"{flags}: word/byte perplexity and bits per byte are of a cross-entropy; {self.spec.name} is not one",
                hint="evaluate token_nll (a column of log-probabilities), scce or cce with the word/byte counts",
            )
        for param in ("class_weights", "pos_weight", "label_smoothing"):
            value = self.params.get(param)
            if value not in (None, 0, 0.0):
                raise UsageError(
                    f"{flags}: word/byte perplexity and bits per byte are of the plain negative log-likelihood "
                    f"(lm-evaluation-harness); {param.replace('_', '-')} changes it",
                    hint=f"drop --{param.replace('_', '-')} to get them",
                )

    def _check_summary_reduction(self, reduction: str) -> None:
        """A summary metric has one value (from whole-input sums): only the ``mean`` reduction names it."""
        if self.rule != "weighted_mean" and reduction not in ("mean", "sum_over_batch_size"):
            per_sample = " or give axis=-1 for per-sample values" if self.summary.batch_level else ""
            raise UsageError(
                f"{self.spec.name} is a summary metric ({self.summary.value}); it has no reduction "
                f"{reduction!r}",
                hint=f"drop --reduction (the default, mean) for {self.spec.name}{per_sample}",
            )

    def _reserve(self, n: int) -> None:
        """Write the per-sample values of the next ``n`` rows into one array (no concatenation at the end)."""
        if self.keep_per_sample and not self._chunks:
            self._out = per_sample_array(n)

    def _warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    def off_rows_seen(self) -> dict[str, list[Any]]:
        """The rows not summing to 1 counted so far, per kind (``[count, first sample, its sum, action]``), for
        a state or a partition's outcome to carry to a merge."""
        return {what: list(seen) for what, seen in (self._off.seen.items() if self._off is not None else ())}

    def fold_off_rows(self, seen: Mapping[str, Any], rows_before: int, warnings: Iterable[str] = ()) -> list[str]:
        """Fold the rows another part counted (:meth:`off_rows_seen`), whose samples follow ``rows_before`` of
        this one's, into this evaluator's warning; return ``warnings`` without that part's own version of it."""
        from losscli.engine.validate import off_rows_warning

        theirs = {off_rows_warning(what, *entry) for what, entry in seen.items()}
        for what, (count, first, total, action) in seen.items():
            self._off_rows(what, int(count), int(first) + rows_before, float(total), str(action))
        return [w for w in warnings if w not in theirs]

    def _off_rows(self, what: str, count: int, first: int, total: float, action: str) -> None:
        """Rows that do not sum to 1, taken under a lenient convention: one warning over every chunk."""
        if self._off is None:
            from losscli.engine.validate import OffRows

            self._off = OffRows()
        self._off.add(self.warnings, what, count, first, total, action)

    def update(self, y_true: Any, y_pred: Any, sample_weight: Any = None, *,
               counts: dict[str, Any] | None = None) -> np.ndarray:
        """Validate and evaluate one chunk; return its per-sample values (w_i·l_i).

        As on the command line, a loss over distributions (``cce``, ``kld``, ...) takes one class index
        per sample as well as one-hot rows, and a sparse loss takes one-hot rows as well as indices.
        ``counts`` gives the declared per-row counts (``{"words": ..., "bytes": ...}``) of the chunk.
        """
        y_true, y_pred, sample_weight = (from_torch(a) for a in (y_true, y_pred, sample_weight))
        for a, what in ((y_true, "y_true"), (y_pred, "y_pred"), (sample_weight, "sample_weight")):
            refuse_unplain(a, what)
        if counts:
            if not isinstance(counts, Mapping):
                raise UsageError(f"counts= maps each count to its values, not a {type(counts).__name__}",
                                 hint="counts={'words': [...]} (or 'bytes'), one value per row of the chunk")
            counts = {k: from_torch(v) for k, v in counts.items()}
        self._chunk_counts = self._take_counts(counts, y_pred, sample_weight, y_true)
        self._note_dtype(getattr(y_pred, "dtype", None))
        self.weighted = self.weighted or sample_weight is not None
        if self.spec.label_kind in ("distribution", "class_index"):
            y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
            y_true = adapt_labels(self.spec, y_true, y_pred)
        self.rows_checked = self.rows_checked or (self.checks_row_sums and max(np.ndim(y_true), np.ndim(y_pred)) > 1)
        if self._fused is not None:
            values = self._update_fused(y_true, y_pred, sample_weight)
            if values is not None:
                return values
        # the NumPy path's checks (the compiled kernel checks its chunks itself)
        from losscli.engine.validate import check_inputs

        checked = check_inputs(
            self.spec,
            self.conv,
            self.params,
            y_true,
            y_pred,
            sample_weight,
            row_offset=self.rows,
            sum_tol=self.sum_tol,
            warn=self._warn,
            off_rows=self._off_rows,
        )
        if self.spec.label_kind == "sign" and self.conv.name == "keras":  # 0/1 mapped over the whole input
            from losscli.engine.validate import keras_sign_labels

            self.acc.sign_labels = keras_sign_labels(self.spec, checked.y_true, self.rows, self.acc.sign_labels)
        values = self.compute(checked.y_true, checked.y_pred, checked.sample_weight)
        return values

    def _take_counts(self, counts: dict[str, Any] | None, y_pred: Any, sample_weight: Any,
                     y_true: Any = None) -> dict[str, np.ndarray] | None:
        """The chunk's per-row counts, checked (whole numbers ≥ 0, one per row), or ``None``.

        A multi-label binary cross-entropy (K label columns) is refused with them: its per-sample value is the
        mean over the K outputs, 1/K of the row's negative log-likelihood, so Σ of it over Σ words would not
        be lm-evaluation-harness's Σ NLL / Σ words."""
        given = tuple(sorted(counts or {}))
        if given != tuple(sorted(self.counts)):
            if not self.counts:
                raise UsageError(f"{self.spec.name} was set up without per-row counts; this chunk gives "
                                 f"{', '.join(given)}", hint="declare them: Evaluator(..., counts=(...))")
            raise UsageError(f"{self.spec.name} needs the per-row {' and '.join(self.counts)} of every chunk"
                             + (f", not only {', '.join(given)}" if given else ""))
        if not self.counts:
            return None
        if self.spec.label_kind == "binary" and np.ndim(y_true) == 2 and np.shape(y_true)[1] > 1:
            raise UsageError(
                f"word/byte perplexity and bits per byte are of each row's negative log-likelihood; "
                f"{self.spec.name} on {np.shape(y_true)[1]} label columns (multi-label) reports the mean over them",
                hint="give one label column per row (a token or a document), or drop the word/byte counts")
        if sample_weight is not None:
            raise UsageError("word/byte perplexity and bits per byte are of unweighted sums (lm-evaluation-harness): "
                             "sample weights do not apply", hint="drop the sample weights, or the word/byte counts")
        n = int(np.shape(y_pred)[0]) if np.ndim(y_pred) else 0
        return {name: checked_counts(name, counts[name], n, self.rows) for name in self.counts}  # type: ignore[index]

    def compute(self, y_true: np.ndarray, y_pred: np.ndarray, sample_weight: np.ndarray | None) -> np.ndarray:
        """Kernel, weights and accumulation for an already validated chunk.

        A large chunk is cut into pieces of about :data:`PIECE_VALUES` values that worker threads evaluate
        (kernels are row-wise, so the values do not depend on the cut); the results are joined in order.
        """
        n = y_pred.shape[0] if y_pred.ndim else 0
        cols = y_pred.shape[1] if y_pred.ndim == 2 else 1
        scaled = _huge(sample_weight)
        if scaled and self.summary is not None:  # its sums hold w·x: they would overflow
            raise OverflowInputError(
                f"{self.spec.name} is computed from sums of weighted values, which overflow float64 with sample "
                "weights this large",
                hint="rescale the sample weights (divide them all by one number: the metric does not change)",
            )
        if scaled:  # w·l could overflow where Σw·l/Σw does not: compute with the weights scaled down
            sample_weight = np.asarray(sample_weight, dtype=np.float64) * 2.0 ** -SHIFT
        dst = None
        if self._out is not None and self.rows + n <= self._out.shape[0] and not scaled:
            dst = self._out[self.rows : self.rows + n]
        step = max(1, (PIECE_VALUES if cols <= SMALL_C else WIDE_PIECE_VALUES) // max(cols, 1))
        if not self._splittable or n < 2 * step:
            values, weights, counted, clipped = self._kernel(y_true, y_pred, sample_weight, dst)
            mapper = map
        else:
            if dst is None:
                dst = per_sample_array(n)
            sw = None if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
            errs = np.geterr()
            errs["under"] = "ignore"

            def piece(start: int) -> tuple[np.ndarray | None, np.ndarray | None, int]:
                sl = slice(start, min(start + step, n))
                with np.errstate(**errs):  # error settings are per thread: the caller's, as sequentially
                    _, w, c, k = self._kernel(y_true[sl], y_pred[sl], None if sw is None else sw[sl], dst[sl])
                return w, c, k

            mapper = parallel_map(self._threads)
            parts = list(mapper(piece, range(0, n, step)))
            values = dst
            weights = _join([p[0] for p in parts], pieces_of=(n, step), fill=1.0)
            counted = _join([p[1] for p in parts], pieces_of=(n, step), fill=True)
            clipped = sum(int(p[2]) for p in parts)
        if self.summary is not None and n:
            stats = self.summary.stats(y_true, y_pred, sample_weight, conv=self.conv, **self._kernel_params)
            self.acc.side.update(stats, sample_weight)
        return self._accumulate(values, weights, counted, clipped, y_pred, mapper=mapper, scaled=scaled)

    def took_compiled(self) -> bool:
        """Whether the compiled kernel took the chunks so far (their blocks are summed as it sums them)."""
        return self.acc.stats is _compiled_block_stats

    def _update_fused(self, y_true: Any, y_pred: Any, sample_weight: Any) -> np.ndarray | None:
        """Validate, evaluate and accumulate a chunk with the compiled kernel; ``None`` if it does not take
        the chunk (other shapes or dtypes, or an invalid value, which the NumPy path then reports)."""
        from losscli._native import dispatch

        if dispatch.kernels() is None:  # not built, or LOSSCLI_KERNELS=numpy
            self._fused = None
            return None
        if _huge(sample_weight):  # weights beyond float64's reach once multiplied: the scaled NumPy path
            return None
        if self.acc.stats is None and self.acc.n_total:  # the NumPy path took earlier chunks: stay on it
            self._fused = None
            return None
        n = y_pred.shape[0] if isinstance(y_pred, np.ndarray) and y_pred.ndim else 0
        dst = None
        if self._out is not None and self.rows + n <= self._out.shape[0]:
            dst = self._out[self.rows : self.rows + n]
        # nobody reads this chunk's per-sample values: the kernel keeps those of whole blocks in cache
        discard = not (self.values_needed or self.keep_per_sample or self.chunk_listeners
                       or self._chunk_counts is not None or dst is not None)

        def run(discard: bool) -> tuple | None:
            return self._fused.run(y_true, y_pred, sample_weight, head=(BLOCK - self.acc._pending_len) % BLOCK,
                                   block=BLOCK, threads=self._threads, dst=dst, discard=discard)

        done = run(discard)
        if done is not None and discard and not all_as_given(done[4]):
            done = run(False)  # a block the accumulator sums again from its values (rare: see as_given)
            discard = False
        if done is None:
            return None
        self.acc.stats = _compiled_block_stats  # its blocks are summed as the fused kernel sums them
        values, weights, counted, clipped, stats, (lo, hi), off = done
        if off:  # rows the kernel took under a lenient convention: which of them warn, as the NumPy path says
            from losscli.engine.validate import warn_off_rows

            warn_off_rows(self.spec, self.conv, self.params, y_true, y_pred, row_offset=self.rows,
                          sum_tol=self.sum_tol, off_rows=self._off_rows)
        start = (BLOCK - pending) % BLOCK if (pending := self.acc._pending_len) else 0
        blocks = CompiledBlocks(stats, values, weights, counted, min(start, n))
        logits = self._fused.kind in (dispatch.BCE_LOGITS, dispatch.SPARSE_LOGITS, dispatch.CCE_LOGITS)
        if logits and n >= 8 and lo >= 0.0 and hi <= 1.0:  # as validate.check_inputs warns
            self._warn(
                "every prediction lies in [0, 1]: are these probabilities rather than logits? (drop --logits)"
            )
        values = self._accumulate(values, weights, counted, clipped, y_pred, blocks=blocks)
        return np.broadcast_to(np.float64(np.nan), values.shape) if discard else values

    def _accumulate(
        self,
        values: np.ndarray,
        weights: np.ndarray | None,
        counted: np.ndarray | None,
        clipped: int,
        y_pred: np.ndarray,
        *,
        mapper: Callable[..., Any] = map,
        blocks: CompiledBlocks | None = None,
        scaled: bool = False,
    ) -> np.ndarray:
        """Fold a chunk's per-sample values into the accumulator and the kept values (``scaled``: values
        and weights come scaled by 2**-SHIFT, see :meth:`compute`)."""
        n = values.shape[0]
        if (
            self.spec.elementwise
            and y_pred.ndim == 2
            or self.rule == "mean_over_elements"
            and y_pred.ndim == 2
        ):
            self.outputs = y_pred.shape[1]
        self.acc.update(values, weights, counted, clipped, mapper=mapper, scaled=scaled, blocks=blocks)
        if self._chunk_counts is not None:
            self.acc.add_counts(chunk_totals(self._chunk_counts, counted))
            self._chunk_counts = None
        if scaled:  # the per-sample values as they are (±inf beyond float64), for reports and listeners
            with np.errstate(over="ignore"):
                values = values * 2.0 ** SHIFT
                weights = None if weights is None else weights * 2.0 ** SHIFT
            if self._out is not None and self.rows + n <= self._out.shape[0]:
                self._out[self.rows : self.rows + n] = values
                values = self._out[self.rows : self.rows + n]
        for listener in self.chunk_listeners:
            listener(values, weights, counted)
        self.rows += values.shape[0]
        if self.keep_per_sample:
            self._chunks.append(values)
        return values

    def _kernel(
        self,
        y_true: np.ndarray,
        y_pred: np.ndarray,
        sample_weight: np.ndarray | None,
        dst: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None, int]:
        """(values w·l, normalising weights, counted mask, clipped count) of rows; values into ``dst``."""
        # an overflow to inf is not a numpy warning: the result says so (see :meth:`result`)
        with np.errstate(under="ignore", over="ignore", invalid="ignore"), writing_into(dst):  # NaN: see _result
            out = self.spec.fn(y_true, y_pred, conv=self.conv, **self._kernel_params)
        values, weights = out.loss, out.weight
        if self._unit_scale != 1.0:
            values = np.multiply(values, self._unit_scale, out=dst) if dst is not None else values * self._unit_scale
        if sample_weight is not None:
            sw = np.asarray(sample_weight, dtype=np.float64)
            with np.errstate(over="ignore"):
                values = np.multiply(values, sw, out=dst) if dst is not None else values * sw
                weights = sw if weights is None else weights * sw
        elif dst is not None and values is not dst:
            np.copyto(dst, values)
            values = dst
        return values, weights, out.counted, out.clipped

    def merge(self, other: Evaluator) -> Evaluator:
        """Combine another evaluator of the same loss, parameters, convention and reduction (for shards);
        any other is a usage error (its sums are of another quantity). The per-sample values are kept only
        where both kept them (else a result would list some of the samples)."""
        if not isinstance(other, Evaluator):
            raise UsageError(f"merge takes another Evaluator, not {type(other).__name__}")
        both = self.pred_dtype is not None and other.pred_dtype is not None  # an empty shard has no clip of its own
        mine, theirs = self._merge_key(clip=both), other._merge_key(clip=both)
        if mine != theirs:
            differ = [what for what, a, b in zip(("loss", "parameters", "convention", "reduction", "clip eps"), mine,
                                                 theirs, strict=True) if a != b]
            raise UsageError(f"cannot merge {other.spec.name} into {self.spec.name}: the {' and '.join(differ)} "
                             "differ", hint="merge only evaluators of the same loss, parameters, convention and "
                                            "reduction")
        if self.rows and other.rows and self.weighted != other.weighted:  # as `losscli merge` refuses them
            raise UsageError(f"cannot merge {other.spec.name} into {self.spec.name}: one was updated with sample "
                             "weights and the other without (a weighted mean beside a mean over samples)",
                             hint="give every shard sample weights (ones where there are none), or none")
        self.acc.merge(other.acc)
        self.weighted = self.weighted or other.weighted
        self.skipped_rows += other.skipped_rows
        self._note_dtype(other.pred_dtype)
        self._out = None
        rows_before = self.rows
        self.rows += other.rows
        self.outputs = max(self.outputs, other.outputs)
        for w in self.fold_off_rows(other.off_rows_seen(), rows_before, other.warnings):  # their samples follow ours
            self._warn(w)
        if self.keep_per_sample and not other.keep_per_sample and other.rows:
            self.keep_per_sample, self._chunks = False, []
        elif self.keep_per_sample:
            self._chunks.extend(other._chunks)
        return self

    def result(self) -> Result:
        """The result of the chunks so far. Warnings about the value itself (undefined on too few samples,
        overflowing) go to the result alone: the evaluator keeps those of its inputs, so that a shard's state
        does not carry a warning that the merged value no longer deserves."""
        kept = list(self.warnings)
        try:
            return self._result()
        finally:
            self.warnings = kept

    def _result(self) -> Result:
        if self.acc.sign_labels == SIGN_ZERO | SIGN_OTHER:  # merged shards, each of one kind of labels
            from losscli.engine.validate import sign_labels_error

            raise sign_labels_error(self.spec, shards=True)
        totals = self.acc.totals()
        mean_rule = self.conv.resolve_reduction(self.spec, "mean", self.params)
        conv = replace(self.conv, empty="nan") if self.shard and self.conv.empty == "error" else self.conv
        value = reduce_totals(self.rule, totals, self.outputs, conv)
        # the mean beside another reduction (a sum) is reported, not asked for: of no sample it is NaN (null)
        mean = value if mean_rule == self.rule else reduce_totals(mean_rule, totals, self.outputs,
                                                                  replace(conv, empty="nan"))
        if conv is not self.conv and math.isnan(value) and (totals["n"] == 0 or totals["weight_sum"] == 0):
            self._warn(f"{why_empty(totals)}: this shard's own {self.reduction} is undefined (null); its state "
                       "counts its rows for `losscli merge`")
        if math.isinf(value) and totals["n"] and math.isfinite(totals["max"]) and math.isfinite(totals["min"]):
            raise OverflowInputError(
                f"the {self.reduction} of finite per-sample losses (the largest {totals['max']:.6g}) overflows "
                "float64",
                hint="rescale the values or the sample weights (the mean is finite when their scale allows)",
            )
        if not math.isfinite(value) and totals["n"] and math.isinf(totals["max"]) and not any(
                "overflow" in w for w in self.warnings):
            self._warn(f"the {self.reduction} is {value}: a per-sample loss is infinite (or beyond float64's "
                       "1.8e308)")
        if math.isnan(value) and totals["n"] and (math.isnan(totals["max"]) or math.isnan(totals["min"])) and not any(
                "NaN" in w or "nan" in w for w in self.warnings):
            self._warn(f"the {self.reduction} is nan: a per-sample loss is NaN though its inputs are finite (the "
                       "formula overflows float64 for values this large)")
        if totals["n"] > 1 and not math.isfinite(totals["std"]) and math.isfinite(totals["max"]) and math.isfinite(
                totals["min"]):
            self._warn("the standard deviation of the per-sample losses overflows float64 (their spread is beyond "
                       "1.3e154): it is reported as null; the value is exact")
        complement = self._complement(value)
        metrics: dict[str, float] = self._perplexity(value)
        if self.counts:
            found, why = rates(totals["sum"], {k: self.acc.counts.get(k, 0) for k in self.counts},
                               unit_scale=self._unit_scale)
            metrics.update(found)
            for w in why:
                self._warn(w)
        if self.summary is not None:
            value, metrics = self._summary_value(value)
            mean = value
        details = self._summary_details()
        per_sample = None
        if self.keep_per_sample:
            if self._out is not None and self.rows == self._out.shape[0]:
                per_sample = self._out  # every chunk was written into it in order
            elif len(self._chunks) == 1:
                per_sample = self._chunks[0]
            else:
                per_sample = np.concatenate(self._chunks) if self._chunks else np.zeros(0)
        return Result(
            loss=self.spec.name,
            params=dict(self.params),
            convention=self.conv.name,
            reduction=self.reduction,
            rule=self.rule,
            value=value,
            mean=mean,
            sum=math.nan if self.batch_level else totals["sum"],
            n=totals["n"],
            n_total=totals["n_total"],
            weight_sum=totals["weight_sum"],
            std=math.nan if self.batch_level else totals["std"],
            min=math.nan if self.batch_level else totals["min"],
            max=math.nan if self.batch_level else totals["max"],
            clipped=totals["clipped"],
            ignored=totals["ignored"],
            outputs=self.outputs,
            per_sample=per_sample,
            warnings=list(self.warnings),
            state=self.acc,
            complement=complement,
            metrics=metrics,
            details=details,
            summary_of=self.summary.value if self.summary is not None else "",
            batch_level=self.batch_level,
        )

    def _perplexity(self, value: float) -> dict[str, float]:
        """A cross-entropy's perplexity, exp of the mean per-row value (2^value in bits), when the value is a mean.

        With one row per token this is the corpus perplexity exp(Σ NLL / Σ tokens) (padding excluded by
        ``ignore_index``), not the mean of per-text perplexities.
        """
        if not self.spec.perplexity or self.rule not in ("weighted_mean", "mean_over_n", "mean_over_elements"):
            return {}
        base = 2.0 if self.params.get("unit") == "bits" else math.e
        try:
            return {"perplexity": base**value if math.isfinite(value) else math.nan}
        except OverflowError:
            return {"perplexity": math.inf}

    def _summary_details(self) -> dict[str, Any]:
        summary = self.summary
        if summary is None or summary.details is None or self.acc.side is None:
            return {}
        details = dict(summary.details(self.acc.side.view(), **self.params))
        for note in details.pop("notes", []):  # said with the warnings (stderr, JSON, Markdown, the table)
            self._warn(f"{self.spec.name}: {note}")
        return details

    def _summary_value(self, mean: float) -> tuple[float, dict[str, float]]:
        """A summary metric's value from its sums, and the mean of the per-sample values under its name."""
        summary = self.summary
        side = self.acc.side
        if side is None or side.is_empty():
            return math.nan, {}
        out = summary.finish(side.view(), **self.params)
        value, why = (float(out[0]), out[1]) if isinstance(out, tuple) else (float(out), None)
        if why:
            self._warn(f"{self.spec.name}: {why} (NaN)")
        elif math.isnan(value) and self.acc.n_total < 2:
            self._warn(f"{self.spec.name} is undefined on fewer than two samples (NaN, as scikit-learn)")
        return value, ({summary.per_sample: mean} if summary.per_sample else {})

    def _complement(self, value: float) -> dict[str, float]:
        """``{name: 1 − value}`` for an error rate whose value is a mean (``zero_one`` → accuracy)."""
        name = self.spec.complement
        if name is None or self.rule not in ("weighted_mean", "mean_over_n", "mean_over_elements"):
            return {}
        return {name: 1.0 - value}


def _join(parts: list[np.ndarray | None], *, pieces_of: tuple[int, int], fill: Any) -> np.ndarray | None:
    """The pieces' arrays end to end (``None`` if every piece has none; missing ones filled)."""
    if all(p is None for p in parts):
        return None
    n, step = pieces_of
    out = []
    for i, p in enumerate(parts):
        out.append(np.full(min(step, n - i * step), fill) if p is None else p)
    return np.concatenate(out)


def _array(a: Any, what: str) -> np.ndarray:
    """``a`` as an array; rows of different lengths (a ragged list) are a shape error, not NumPy's; masked
    values and dates are input errors (:func:`~losscli.engine.tensors.refuse_unplain`)."""
    refuse_unplain(a, what)
    try:
        out = np.asarray(a)
    except ValueError:
        raise ShapeError(f"{what} is not rectangular: its rows have different lengths",
                         hint="give every row the same number of values (pad, or drop the short rows)") from None
    refuse_unplain(out, what)  # a pandas Series of dates is an array of datetime64 once converted
    return out


def evaluate(
    loss: str | LossSpec,
    y_true: Any,
    y_pred: Any,
    *,
    sample_weight: Any = None,
    convention: str | Convention = "losscli",
    reduction: str = "mean",
    sum_tol: float = DEFAULT_SUM_TOL,
    word_counts: Any = None,
    byte_counts: Any = None,
    per_sample: bool = True,
    **params: Any,
) -> Result:
    """Evaluate ``loss`` on arrays in memory.

    Args:
        loss: a registry name or alias, optionally with inline parameters (``"huber(delta=0.5)"``).
        y_true: labels, ``(N,)`` or ``(N, K)``.
        y_pred: probabilities, logits (``from_logits=True``) or values, ``(N,)`` or ``(N, K)``; float32
            input is processed in chunks, never copied to float64 as a whole.
        sample_weight: ``(N,)`` non-negative weights, or ``None``.
        convention: ``losscli`` (default), ``torch``, ``keras`` or ``sklearn``.
        reduction: ``mean``, ``sum``, ``mean_over_n`` or ``weighted_mean``.
        word_counts / byte_counts: ``(N,)`` whole numbers ≥ 0, the words / bytes of each row (a token, or a
            document scored by its summed NLL), for a cross-entropy's ``word_perplexity``, ``byte_perplexity``
            and ``bits_per_byte`` (lm-evaluation-harness's definitions, over the counted rows) in ``metrics``.
        per_sample: ``False`` keeps no per-sample values (``Result.per_sample`` is ``None``; see
            :func:`losscli.frames.evaluate`).
        **params: the loss's parameters (``from_logits``, ``label_smoothing``, ``class_weights``, ...).

    Returns:
        A :class:`Result` with ``per_sample``, ``value``, ``mean``, ``sum``, ``n`` and ``weight_sum``.

    Raises:
        losscli.errors.LossCliError: a usage problem (unknown loss or parameter) or invalid input.

    As on the command line, ``cce`` and the other losses over distributions take class indices as well
    as one-hot rows. ``losscli.evaluate`` (:func:`losscli.frames.evaluate`) also takes DataFrames.
    """
    y_true, y_pred, sample_weight = (from_torch(a) for a in (y_true, y_pred, sample_weight))
    given = {k: from_torch(v) for k, v in (("words", word_counts), ("bytes", byte_counts)) if v is not None}
    ev = Evaluator(loss, convention=convention, reduction=reduction, sum_tol=sum_tol, counts=tuple(given),
                   keep_per_sample=per_sample, **params)
    ev.values_needed = per_sample
    yp, yt = _array(y_pred, "y_pred"), _array(y_true, "y_true")
    sw = None if sample_weight is None else _array(sample_weight, "sample_weight")
    counts = {k: np.asarray(v) for k, v in given.items()}
    n_rows = yp.shape[0] if yp.ndim else 0
    for k, v in counts.items():
        if v.ndim != 1 or v.shape[0] != n_rows:
            raise ShapeError(f"{n_rows} predictions but {v.shape[0] if v.ndim else 1} {COUNTS[k]}s",
                             hint=f"give one {COUNTS[k]} per row ({k[:-1]}_counts, shape (N,))")
    if yp.ndim >= 1 and yt.ndim >= 1 and yp.shape[0] != yt.shape[0]:
        ev.update(yt, yp, sw, counts=counts or None)  # raises the shape error with both counts
    n = yp.shape[0] if yp.ndim else 0
    if yp.ndim in (1, 2) and yt.ndim >= 1:
        ev._reserve(n)
    step = default_chunk_rows(yp.shape[1] if yp.ndim == 2 else 1)
    large = step
    if yp.ndim in (1, 2) and yp.flags.c_contiguous:
        # once the compiled kernel has taken a chunk, it reads the rest in place (no float64 copy to bound):
        # larger chunks save a call, a wake of the worker threads and the tail of each call's work (a fifth of
        # the time of rows of 1000 logits in chunks of 1024 rows); chunks it turns down (weights of another
        # dtype, rows it leaves to the NumPy path) keep the size that bounds the NumPy path's copies
        rows = FUSED_CHUNK_VALUES // (yp.shape[1] if yp.ndim == 2 else 1)
        large = max(step, (rows // BLOCK) * BLOCK or rows)
    # each chunk in C order (a copy of one chunk where the array is Fortran-ordered or strided, as
    # ``DataFrame.to_numpy()`` gives): the command line reads C-ordered chunks, and the compiled kernels
    # take them, so the API's numbers are the command line's to the last bit
    c = np.ascontiguousarray
    if n <= step:
        ev.update(c(yt) if yt.ndim else yt, c(yp) if yp.ndim else yp, sw if sw is None or not sw.ndim else c(sw),
                  counts=counts or None)
    else:
        start = 0
        while start < n:
            end = start + step
            ev.update(c(yt[start:end]), c(yp[start:end]), None if sw is None or sw.ndim == 0 else c(sw[start:end]),
                      counts={k: v[start:end] for k, v in counts.items()} or None)
            start = end
            if ev.took_compiled():
                step = large
    return ev.result()
