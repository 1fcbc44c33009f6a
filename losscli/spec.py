"""The kernel contract: what a loss is, what its kernel returns, and how a kernel declares itself.

This is the public surface for plugin authors (``from losscli.spec import KernelOutput, LossSpec, Param,
register_loss``). A kernel is a pure NumPy function ``fn(y_true, y_pred, *, conv, **params) ->
KernelOutput``; :func:`register_loss` attaches its metadata (formula, peer, parameters, label and
prediction kinds) from which the command line's help, ``losscli list``, ``losscli explain`` and the docs
are generated. Nothing here looks losses up: that is :mod:`losscli.registry`, which collects the specs
declared here, the built-in ones and those of plugins alike.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import re
from collections.abc import Callable, Iterable
from dataclasses import field
from typing import TYPE_CHECKING, Any

from losscli.errors import ParameterError, UsageError
from losscli.records import record

if TYPE_CHECKING:
    import numpy as np

#: Specs declared by :func:`register_loss` without an explicit registry, in declaration order.
DECLARED: list[LossSpec] = []

#: The conventions a loss may be defined by (see :mod:`losscli.conventions`).
CONVENTION_NAMES = ("losscli", "torch", "keras", "sklearn")

#: The library each convention reproduces, for messages.
CONVENTION_LIBRARIES = {"losscli": "losscli", "torch": "PyTorch", "keras": "Keras", "sklearn": "scikit-learn"}

#: What the labels of a loss are.
LABEL_KINDS = {
    "binary": "0/1 labels or soft targets in [0, 1]; one column, or one per output for multi-label",
    "distribution": "one-hot or soft label rows over C classes (each row sums to 1)",
    "class_index": "integer class labels in [0, C)",
    "real": "real-valued targets, one column or one per output",
    "sign": "binary labels as −1/+1 (0/1 are mapped to −1/+1)",
}

#: What the predictions of a loss are.
PRED_KINDS = {
    "probability": "probabilities in [0, 1] (or logits with from_logits)",
    "distribution": "probability rows over C classes (or logits with from_logits)",
    "score": "real-valued decision scores",
    "real": "real-valued predictions",
    "rate": "non-negative rates (Poisson mean), or log-rates with from_logits",
    "positive": "predicted means μ (> 0 where the loss needs it)",
    "mean_variance": "two columns: the predicted mean and the predicted variance (≥ 0)",
    "pair": "the two inputs of a pair, x₁ then x₂: two aligned groups of prediction columns (--pred-cols and "
            "--pred2-cols), or x₂ in its own file read in step (--preds2)",
}

#: The prediction kinds that are class scores: a probability or a logit per class (or one, a binary loss's)
CLASS_SCORE_KINDS = frozenset({"probability", "distribution"})

#: How far from 1 a probability row or a soft-label row may sum by default (``sum_tol``, checked by
#: :mod:`losscli.engine.validate`): loose enough for probabilities written with 4 decimals over up to ~100
#: classes.
DEFAULT_SUM_TOL = 1e-3



#: why an ``ignore_index`` stays within ±(2**53 − 1): labels read from text are float64, exact only that far
#: (a label 2**53 + 1 reads as 2**53 and would match an ignore index 2**53)
IGNORE_BOUND_HINT = ("labels read from a text file are float64, exact below 2**53: an ignore index from there on "
                     "could match another label (torch's is -100)")


def _exact_int(value: Any) -> int | None:
    """``value`` as the integer it is exactly, or ``None``: ints and integral floats, and text written as
    either (``"-100"``, ``"5.0"``, ``"1e3"``); digits are read as digits, not through a float, so that
    ``9223372036854775807`` stays itself; a float beyond 2**53 is no exact integer."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        text = value.strip()
        with contextlib.suppress(ValueError):
            return int(text)
        try:
            value = float(text)
        except ValueError:
            return None
    try:
        if isinstance(value, numbers.Integral):
            return int(value)
        x = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    if not math.isfinite(x) or x != int(x) or abs(x) > 2.0**53:
        return None
    return int(x)

@record(frozen=True)
class Param:
    """One typed loss parameter.

    ``kind`` is ``float``, ``int``, ``bool``, ``floats`` (a list of floats), ``float_or_floats`` or ``choice``
    (one of the strings ``choices``).
    ``low``/``high`` bound numeric values (inclusive unless ``open_low``/``open_high``).
    """

    name: str
    kind: str
    default: Any
    doc: str
    low: float | None = None
    high: float | None = None
    open_low: bool = False
    open_high: bool = False
    allow_none: bool = True
    choices: tuple[str, ...] = ()
    #: ``((convention, default), ...)``: a convention whose library has another default for this parameter
    #: (Keras' ``Dice()`` is ``axis=None``); an explicit value always wins
    by_convention: tuple[tuple[str, Any], ...] = ()
    #: the peers' conventions whose library defines this parameter for the loss (``None``: every one the
    #: loss has); under the others a value other than the default is refused, since the peer has no number
    #: for it. ``losscli`` always defines it.
    peers: tuple[str, ...] | None = None
    #: the conventions whose library defines this parameter for logits alone (torch's ``pos_weight``:
    #: ``BCEWithLogitsLoss`` has it, ``BCELoss`` has not): there a value on probabilities is refused
    logits_only: tuple[str, ...] = ()
    #: what to do about a value out of bounds, where the bounds need saying why
    bound_hint: str | None = None

    def defined_under(self, convention: str) -> bool:
        """Whether ``convention``'s library takes this parameter (``losscli`` takes every one)."""
        return self.peers is None or convention == "losscli" or convention in self.peers

    def default_for(self, convention: str | None) -> Any:
        """The default under ``convention`` (the plain default when it has none of its own, or for ``None``)."""
        for name, value in self.by_convention:
            if name == convention:
                return value
        return self.default

    def default_text(self) -> str:
        """The default as help and the docs show it: ``-1 (keras: none)``."""
        own = ", ".join(f"{name}: {value}" for name, value in self.by_convention)
        return f"{self.default} ({own})" if own else str(self.default)

    def coerce(self, value: Any, loss: str) -> Any:
        """Check and convert ``value``; raise :class:`ParameterError` naming the loss and parameter."""
        if value is None and self.kind == "choice" and "none" in self.choices:
            return "none"  # spelled None (Keras' axis=None): one canonical value, the same after a JSON round trip
        if value is None:
            if self.allow_none or self.default is None:
                return None
            raise ParameterError(f"{loss}: parameter {self.name} needs a value")
        where = f"{loss}: parameter {self.name}"
        if self.kind == "choice":
            text = str(value).strip().lower()
            if text not in self.choices:
                raise ParameterError(f"{where} must be one of {', '.join(self.choices)}, not {value!r}")
            return text
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", "yes", "no"}:
                return value.lower() in {"true", "1", "yes"}
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ParameterError(f"{where} must be true or false, not {value!r}")
        if self.kind == "int":
            out = _exact_int(value)
            if out is None:
                raise ParameterError(f"{where} must be an integer, not {value!r}")
            # the bounds, compared as integers (through a float, 2**53 + 1 would pass a bound of 2**53)
            if self.low is not None and out < self.low:
                raise ParameterError(f"{where} must be ≥ {self.low}, not {value!r}", hint=self.bound_hint)
            if self.high is not None and out > self.high:
                raise ParameterError(f"{where} must be ≤ {self.high}, not {value!r}", hint=self.bound_hint)
            return out
        if self.kind in ("floats", "float_or_floats"):
            if isinstance(value, str):
                value = [v for v in re.split(r"[,\s]+", value.strip().strip("[]()")) if v]
                if len(value) == 1 and self.kind == "float_or_floats":
                    value = value[0]
            if isinstance(value, (list, tuple)) or (hasattr(value, "__array__") and getattr(value, "ndim", 1) != 0):
                items = [self._number(v, where) for v in list(value)]
                if not items:
                    raise ParameterError(f"{where} must not be empty")
                return tuple(items)
            if self.kind == "floats":
                return (self._number(value, where),)
            return self._number(value, where)
        return self._number(value, where)

    def _number(self, value: Any, where: str) -> float:
        try:
            if isinstance(value, bool):
                raise ValueError
            out = float(value)
        except (TypeError, ValueError):
            raise ParameterError(f"{where} must be a number, not {value!r}") from None
        if out != out or out in (float("inf"), float("-inf")):
            raise ParameterError(f"{where} must be finite, not {value!r}")
        if self.low is not None and (out < self.low or (self.open_low and out == self.low)):
            bound = ">" if self.open_low else "≥"
            raise ParameterError(f"{where} must be {bound} {self.low:g}, not {value!r}")
        if self.high is not None and (out > self.high or (self.open_high and out == self.high)):
            bound = "<" if self.open_high else "≤"
            raise ParameterError(f"{where} must be {bound} {self.high:g}, not {value!r}")
        return out

    def describe(self) -> dict[str, Any]:
        out = {"name": self.name, "type": self.kind, "default": self.default, "doc": self.doc}
        if self.by_convention:
            out["default_by_convention"] = dict(self.by_convention)
        if self.peers is not None:
            out["conventions"] = ["losscli", *self.peers]
        if self.logits_only:
            out["logits_only"] = list(self.logits_only)
        return out


def _shown(value: Any) -> str:
    """A parameter value as a user wrote it: ``2.0``, ``1,2,3``, ``true``."""
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return f"{value:g}" if isinstance(value, float) else str(value)


#: The unit of a cross-entropy: nats (natural log, as every peer) or bits (÷ ln 2); the engine converts.
UNIT = Param("unit", "choice", "nats", "unit of the value: nats (natural log) or bits (log base 2)",
             allow_none=False, choices=("nats", "bits"))


@record(frozen=True)
class LossSpec:
    """Everything losscli knows about one loss.

    Attributes:
        name: the canonical name.
        fn: the kernel, ``fn(y_true, y_pred, *, conv, **params) -> KernelOutput``; pure NumPy.
        label_kind / pred_kind: keys of :data:`LABEL_KINDS` / :data:`PRED_KINDS`.
        accepts_logits: whether ``from_logits`` is a parameter.
        params: typed parameters with defaults.
        formula / latex: the per-sample formula as text and LaTeX.
        description: one line.
        peer: the library definition the kernel follows.
        elementwise: the per-sample value is the mean over the K outputs of an N×K input.
        multiclass: predictions have one column per class (C ≥ 2).
        torch_mean: the rule torch's ``reduction='mean'`` uses (a key of ``conventions.RULES``),
            or a callable of the parameters returning one.
        example: a small worked example ``{"y_true": ..., "y_pred": ..., "params": {...}}``.
        conventions: the conventions (:data:`CONVENTION_NAMES`) whose library defines the loss; ``losscli``
            is always one of them. Asking for another is a usage error naming these.
        peer_names: the names the peers give the loss, as they spell them (``"BCEWithLogitsLoss"``),
            optionally with the parameters the name implies (``"nll_loss(log_probs=True)"``). They resolve
            like aliases, case-insensitively, and rank first among suggestions for an unknown name.
        accepts_log_probs: whether ``log_probs`` (predictions are log-probabilities) is a parameter.
        pred_columns: a fixed number of prediction columns for one label column (e.g. mean and variance).
        pred_groups: the prediction columns are this many aligned groups of equal width (x₁ | x₂), for one
            label column.
        broadcast_labels: one label column may stand for every prediction column.
        check: extra domain checks, ``check(y_true, y_pred, params, conv, row_offset)``, raising an
            ``InputError`` that names the row and value (run after the generic validation).
        complement: the name of 1 − the mean of an error rate (``"accuracy"``), reported with it.
    """

    name: str
    fn: Callable[..., Any]
    label_kind: str
    pred_kind: str
    params: tuple[Param, ...]
    formula: str
    latex: str
    description: str
    peer: str
    aliases: tuple[str, ...] = ()
    accepts_logits: bool = False
    elementwise: bool = False
    multiclass: bool = False
    torch_mean: Any = "mean_over_n"
    higher_is_better: bool = False
    example: dict[str, Any] = field(default_factory=dict)
    source: str = "losscli"
    conventions: tuple[str, ...] = CONVENTION_NAMES
    peer_names: tuple[str, ...] = ()
    accepts_log_probs: bool = False
    pred_columns: int | None = None
    pred_groups: int = 1
    broadcast_labels: bool = False
    check: Callable[..., Any] | None = None
    complement: str | None = None
    summary: Summary | None = None
    perplexity: bool = False
    #: class-index labels may also come as one-hot label rows (scikit-learn's brier_score_loss, log_loss)
    one_hot_labels: bool = False
    #: whether the probability clip (``--eps``) can change the loss, given its parameters and the convention's
    #: name (:func:`clips_probabilities` and its kin); ``None``: undeclared, taken as yes where the
    #: predictions are probabilities
    clips: Callable[[dict[str, Any], str], bool] | None = None

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    def check_convention(self, convention: str, params: dict[str, Any]) -> None:
        """Refuse a convention whose library does not define this loss (or these inputs)."""
        if convention not in self.conventions:
            raise UsageError(
                f"{self.name} is not defined by {CONVENTION_LIBRARIES.get(convention, convention)} "
                f"(--convention {convention})",
                hint=f"conventions that define it: {', '.join(self.conventions)}",
            )
        if params.get("log_probs") and params.get("from_logits"):
            raise ParameterError(
                f"{self.name}: predictions cannot be both logits and log-probabilities",
                hint="give either --logits or --log-probs",
            )
        if params.get("log_probs") and convention in ("keras", "sklearn"):
            raise UsageError(
                f"{self.name}: {CONVENTION_LIBRARIES[convention]} takes no log-probabilities (--log-probs)",
                hint="use --convention torch or losscli, or pass probabilities or --logits",
            )
        for p in self.params:
            value = params.get(p.name, p.default_for(convention))
            if value != p.default_for(convention) and convention in p.logits_only and not params.get("from_logits"):
                library = CONVENTION_LIBRARIES[convention]
                raise UsageError(
                    f"{self.name}: {library} has {p.name} for logits alone, so there is no {library} number for "
                    f"{p.name}={_shown(value)} on {'log-' if params.get('log_probs') else ''}probabilities "
                    f"(--convention {convention})",
                    hint=f"give logits with --logits, or use --convention losscli, which takes {p.name} with "
                         "probabilities",
                )
            if p.defined_under(convention) or value == p.default_for(convention):
                continue
            under = [c for c in self.conventions if p.defined_under(c)]
            library = CONVENTION_LIBRARIES[convention]
            raise UsageError(
                f"{self.name}: {library} has no {p.name} for this loss, so there is no {library} number for "
                f"{p.name}={_shown(value)} (--convention {convention})",
                hint=f"drop {p.name}, or use --convention {' or '.join(under)}, where it is defined",
            )

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def defaults(self, convention: str | None = None) -> dict[str, Any]:
        """Every parameter's default, under ``convention`` where its library's default differs."""
        return {p.name: p.default_for(convention) for p in self.params}

    def bind(self, params: dict[str, Any], convention: str | None = None) -> dict[str, Any]:
        """Defaults (under ``convention``) overlaid with ``params``, each checked and converted. Unknown
        names are refused."""
        bound = self.defaults(convention)
        for key, value in params.items():
            p = self.param(key)
            if p is None:
                known = ", ".join(q.name for q in self.params) or "none"
                import difflib  # only a misspelt name needs it

                close = difflib.get_close_matches(key, [q.name for q in self.params], n=1)
                hint = f"did you mean {close[0]}?" if close else f"its parameters are: {known}"
                raise ParameterError(f"{self.name} takes no parameter {key!r}", hint=hint)
            bound[key] = p.coerce(value, self.name)
        return bound

    def describe(self) -> dict[str, Any]:
        """A JSON-ready description (used by ``losscli list --format json`` and the docs)."""
        return {
            "name": self.name,
            "aliases": list(self.aliases),
            "description": self.description,
            "label_kind": self.label_kind,
            "pred_kind": self.pred_kind,
            "accepts_logits": self.accepts_logits,
            "accepts_log_probs": self.accepts_log_probs,
            "parameters": [p.describe() for p in self.params],
            "formula": self.formula,
            "latex": self.latex,
            "peer": self.peer,
            "elementwise": self.elementwise,
            "higher_is_better": self.higher_is_better,
            "source": self.source,
            "conventions": list(self.conventions),
            "peer_names": list(self.peer_names),
            **({"summary": self.summary.value} if self.summary is not None else {}),
            **({"perplexity": True} if self.perplexity else {}),
        }


@record(frozen=True)
class Summary:
    """How a summary metric's value comes from mergeable sums instead of the mean of per-sample values.

    ``stats(y_true, y_pred, sample_weight, **params)`` returns one chunk's statistics as
    ``{name: (kind, values)}``: ``("sum", vector of the chunk's totals)``, ``("bins", (index, values, size))``
    (the same sums given value by value, each added exactly to its bin: the sums' bits do not depend on the
    chunking), ``("max", vector of its maxima)`` or ``("moments", per-row values (N,) or (N, K))``, the last
    weighted by the sample weights.
    ``finish(stats, **params)`` turns the statistics of all chunks (sums and maxima as vectors, moments as
    ``(W, mean, M2)`` per column) into the metric's value, or ``(NaN, why)`` where it is undefined. Both are pure NumPy; the engine keeps the
    statistics beside the accumulator, so streaming, chunking, shard states and Dask give the one-pass value.
    ``value`` names what the value is, for ``list``/``explain`` and the docs.
    """

    stats: Callable[..., dict[str, tuple[str, Any]]]
    finish: Callable[..., float | tuple[float, str]]
    value: str
    #: what the mean of the per-sample values is (e.g. "mean squared error"), reported beside the value
    per_sample: str = ""
    #: ``details(stats, **params)``: JSON-ready tables reported with the value (e.g. ``{"reliability": [...]}``);
    #: a ``"notes"`` list of strings among them is reported with the result's warnings
    details: Callable[..., dict[str, Any]] | None = None
    #: ``applies(params)``: whether these parameters make the loss a summary metric (``dice(axis=None)``);
    #: ``None`` = always
    applies: Callable[[dict[str, Any]], bool] | None = None
    #: the value is one value for the whole batch that no per-sample values add up to (Keras' ``Dice()``):
    #: the per-sample values are not reported (no per-sample output), and the summary says so
    batch_level: bool = False


@record
class KernelOutput:
    """What a kernel returns for N samples.

    Attributes:
        loss: per-sample loss, float64 ``(N,)``, already multiplied by the class weight of the sample's
            true class where the loss takes class weights (sample weights are applied later).
        weight: the per-sample normalising weight of a weighted mean (the class weight of the true class),
            or ``None`` for all ones.
        counted: which samples count (``False`` for ignored ones), or ``None`` for all.
        clipped: how many probability values were clipped.
    """

    loss: np.ndarray
    weight: np.ndarray | None = None
    counted: np.ndarray | None = None
    clipped: int = 0


def clips_probabilities(params: dict[str, Any], convention: str) -> bool:
    """The probability clip applies to probabilities, not to logits or log-probabilities (which the loss
    takes exactly)."""
    return not params.get("from_logits") and not params.get("log_probs")


def clips_probabilities_and_log_probabilities(params: dict[str, Any], convention: str) -> bool:
    """The clip applies to probabilities and, in log space, to log-probabilities; not to logits."""
    return not params.get("from_logits")


def never_clips(params: dict[str, Any], convention: str) -> bool:
    """The loss takes its probabilities as given (a squared error, an overlap, a calibration bin)."""
    return False


def register_loss(
    name: str,
    *,
    label_kind: str,
    pred_kind: str,
    formula: str,
    latex: str,
    description: str,
    peer: str,
    aliases: Iterable[str] = (),
    params: Iterable[Param] = (),
    accepts_logits: bool = False,
    elementwise: bool = False,
    multiclass: bool = False,
    torch_mean: Any = "mean_over_n",
    example: dict[str, Any] | None = None,
    registry: Any = None,
    conventions: Iterable[str] = CONVENTION_NAMES,
    peer_names: Iterable[str] = (),
    accepts_log_probs: bool = False,
    pred_columns: int | None = None,
    pred_groups: int = 1,
    broadcast_labels: bool = False,
    check: Callable[..., Any] | None = None,
    complement: str | None = None,
    higher_is_better: bool = False,
    summary: Summary | None = None,
    perplexity: bool = False,
    one_hot_labels: bool = False,
    clips: Callable[[dict[str, Any], str], bool] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator declaring a kernel function as a loss (its :class:`LossSpec` becomes ``fn.spec``).

    The spec joins :data:`DECLARED`, which the registry collects, or ``registry`` when one is given (an
    object with an ``add(spec)`` method).

    ``from_logits`` is added to the parameters when ``accepts_logits`` is true, ``log_probs`` when
    ``accepts_log_probs`` is. ``conventions`` always includes ``losscli``.
    """
    if isinstance(aliases, str) or isinstance(peer_names, str) or isinstance(conventions, str):
        raise TypeError(f"{name}: aliases, peer_names and conventions are tuples of names, not one string")
    conventions = tuple(dict.fromkeys(("losscli", *conventions)))
    unknown = [c for c in conventions if c not in CONVENTION_NAMES]
    if unknown:
        raise ValueError(f"unknown conventions {unknown}")
    if label_kind not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {label_kind!r}")
    if pred_kind not in PRED_KINDS:
        raise ValueError(f"unknown prediction kind {pred_kind!r}")
    all_params = list(params)
    if accepts_logits:
        all_params.insert(0, Param("from_logits", "bool", False, "predictions are logits", allow_none=False))
    if accepts_log_probs:
        at = 1 if accepts_logits else 0
        all_params.insert(
            at, Param("log_probs", "bool", False, "predictions are log-probabilities", allow_none=False)
        )

    if perplexity:
        all_params.append(UNIT)

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        module = fn.__module__ or ""
        spec = LossSpec(
            name=name,
            fn=fn,
            label_kind=label_kind,
            pred_kind=pred_kind,
            params=tuple(all_params),
            formula=formula,
            latex=latex,
            description=description,
            peer=peer,
            aliases=tuple(aliases),
            accepts_logits=accepts_logits,
            elementwise=elementwise,
            multiclass=multiclass,
            torch_mean=torch_mean,
            example=example or {},
            source="losscli" if module.startswith("losscli.") else module.split(".")[0],
            conventions=conventions,
            peer_names=tuple(peer_names),
            accepts_log_probs=accepts_log_probs,
            pred_columns=pred_columns,
            pred_groups=pred_groups,
            broadcast_labels=broadcast_labels,
            check=check,
            complement=complement,
            higher_is_better=higher_is_better,
            summary=summary,
            perplexity=perplexity,
            one_hot_labels=one_hot_labels,
            clips=clips,
        )
        if registry is not None:
            registry.add(spec)
        else:
            DECLARED.append(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return decorate
