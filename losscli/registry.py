"""The loss registry: one place mapping names and aliases to self-describing loss specs.

Adding a loss is one kernel function plus one :func:`register_loss` decoration. The command line's help,
``losscli list``, ``losscli explain`` and the docs are all generated from these specs.

Third-party packages add losses through the entry-point group ``losscli.losses``. The entry point may
name a :class:`LossSpec`, an iterable of them, a module whose import registers them with
:func:`register_loss`, or a callable returning any of these.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .errors import ParameterError, UnknownLossError, UsageError

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
    "rate": "non-negative rates (Poisson mean)",
}


@dataclass(frozen=True)
class Param:
    """One typed loss parameter.

    ``kind`` is ``float``, ``int``, ``bool``, ``floats`` (a list of floats) or ``float_or_floats``.
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

    def coerce(self, value: Any, loss: str) -> Any:
        """Check and convert ``value``; raise :class:`ParameterError` naming the loss and parameter."""
        if value is None:
            if self.allow_none or self.default is None:
                return None
            raise ParameterError(f"{loss}: parameter {self.name} needs a value")
        where = f"{loss}: parameter {self.name}"
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in {"true", "false", "1", "0", "yes", "no"}:
                return value.lower() in {"true", "1", "yes"}
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise ParameterError(f"{where} must be true or false, not {value!r}")
        if self.kind == "int":
            try:
                if isinstance(value, bool) or float(value) != int(float(value)):
                    raise ValueError
                out = int(float(value))
            except (TypeError, ValueError):
                raise ParameterError(f"{where} must be an integer, not {value!r}") from None
            return out
        if self.kind in ("floats", "float_or_floats"):
            if isinstance(value, str):
                value = [v for v in re.split(r"[,\s]+", value.strip().strip("[]()")) if v]
                if len(value) == 1 and self.kind == "float_or_floats":
                    value = value[0]
            if isinstance(value, (list, tuple)) or hasattr(value, "__array__"):
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
        return {"name": self.name, "type": self.kind, "default": self.default, "doc": self.doc}


@dataclass(frozen=True)
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

    def param(self, name: str) -> Param | None:
        for p in self.params:
            if p.name == name:
                return p
        return None

    @property
    def doc(self) -> str:
        return (self.fn.__doc__ or "").strip()

    def defaults(self) -> dict[str, Any]:
        return {p.name: p.default for p in self.params}

    def bind(self, params: dict[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with ``params``, each checked and converted. Unknown names are refused."""
        bound = self.defaults()
        for key, value in params.items():
            p = self.param(key)
            if p is None:
                known = ", ".join(q.name for q in self.params) or "none"
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
            "parameters": [p.describe() for p in self.params],
            "formula": self.formula,
            "latex": self.latex,
            "peer": self.peer,
            "elementwise": self.elementwise,
            "higher_is_better": self.higher_is_better,
            "source": self.source,
        }


class Registry:
    """Canonical names and aliases → :class:`LossSpec`."""

    def __init__(self) -> None:
        self._specs: dict[str, LossSpec] = {}
        self._aliases: dict[str, str] = {}
        self._plugins_loaded = False

    def add(self, spec: LossSpec, *, replace: bool = False) -> LossSpec:
        names = (spec.name, *spec.aliases)
        for n in names:
            owner = self._aliases.get(n.lower())
            if owner is not None and owner != spec.name and not replace:
                raise UsageError(f"loss name {n!r} is already taken by {owner}")
        self._specs[spec.name] = spec
        for n in names:
            self._aliases[n.lower()] = spec.name
        return spec

    def remove(self, name: str) -> None:
        spec = self._specs.pop(name)
        for n in (spec.name, *spec.aliases):
            self._aliases.pop(n.lower(), None)

    def names(self) -> list[str]:
        self._ensure_loaded()
        return list(self._specs)

    def specs(self) -> list[LossSpec]:
        self._ensure_loaded()
        return list(self._specs.values())

    def get(self, name: str) -> LossSpec:
        self._ensure_loaded()
        key = name.strip().lower().replace("-", "_")
        canonical = self._aliases.get(key) or self._aliases.get(name.strip().lower())
        if canonical is None:
            choices = list(self._aliases)
            close = difflib.get_close_matches(key, choices, n=4, cutoff=0.5)
            close += [c for c in choices if key and (c.startswith(key) or key in c) and c not in close]
            close = list(dict.fromkeys(self._aliases[c] if c not in self._specs else c for c in close))
            raise UnknownLossError(name, close[:4])
        return self._specs[canonical]

    def _ensure_loaded(self) -> None:
        if not self._plugins_loaded:
            self._plugins_loaded = True
            from . import losses  # noqa: F401  (registers the built-in losses)

            load_entry_points(self)


REGISTRY = Registry()


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
    registry: Registry | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorator registering a kernel function as a loss.

    ``from_logits`` is added to the parameters when ``accepts_logits`` is true.
    """
    if label_kind not in LABEL_KINDS:
        raise ValueError(f"unknown label kind {label_kind!r}")
    if pred_kind not in PRED_KINDS:
        raise ValueError(f"unknown prediction kind {pred_kind!r}")
    all_params = list(params)
    if accepts_logits:
        all_params.insert(0, Param("from_logits", "bool", False, "predictions are logits", allow_none=False))

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
        )
        (registry or REGISTRY).add(spec)
        fn.spec = spec  # type: ignore[attr-defined]
        return fn

    return decorate


def load_entry_points(registry: Registry, group: str = "losscli.losses") -> list[str]:
    """Load third-party losses from the entry-point group; return the names of the entry points."""
    from importlib.metadata import entry_points

    loaded = []
    for ep in entry_points(group=group):
        try:
            obj = ep.load()
        except Exception as exc:  # a broken plugin must not break losscli
            import sys

            print(f"losscli: warning: could not load loss plugin {ep.name!r}: {exc}", file=sys.stderr)
            continue
        if callable(obj) and not isinstance(obj, LossSpec) and not hasattr(obj, "spec"):
            obj = obj()
        items = [obj] if isinstance(obj, LossSpec) else obj if isinstance(obj, (list, tuple)) else []
        for item in items:
            if isinstance(item, LossSpec) and item.name not in registry._specs:
                registry.add(item)
        loaded.append(ep.name)
    return loaded


# ---------------------------------------------------------------------------------------- parsing

_EXPR = re.compile(r"^\s*([A-Za-z_][\w\-]*)\s*(?:\((.*)\))?\s*$", re.S)


def parse_loss_expression(text: str) -> tuple[str, dict[str, Any]]:
    """Split ``"huber(delta=0.5)"`` into ``("huber", {"delta": 0.5})`` without evaluating code.

    Values may be numbers, booleans (``true``/``True``), ``None``, strings and lists/tuples of numbers.
    """
    m = _EXPR.match(text)
    if not m:
        raise UsageError(f"cannot read loss {text!r}", hint="write NAME or NAME(param=value, ...)")
    name, inner = m.group(1), m.group(2)
    if inner is None or not inner.strip():
        return name, {}
    try:
        call = ast.parse(f"f({inner})", mode="eval").body
    except SyntaxError:
        raise UsageError(
            f"cannot read the parameters of {text!r}", hint="write NAME(param=value, ...)"
        ) from None
    assert isinstance(call, ast.Call)
    if call.args:
        raise UsageError(f"parameters of {text!r} must be named", hint=f"e.g. {name}(delta=0.5)")
    params: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise UsageError(f"cannot read the parameters of {text!r}")
        params[kw.arg] = _literal(kw.value, text)
    return name, params


def _literal(node: ast.AST, text: str) -> Any:
    if isinstance(node, ast.Name) and node.id.lower() in {"true", "false", "none", "null"}:
        return {"true": True, "false": False}.get(node.id.lower())
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        raise UsageError(f"only literal values are allowed in {text!r}") from None
    return value


def split_loss_list(text: str) -> list[str]:
    """Split ``"bce,brier,focal(gamma=2, alpha=0.25)"`` at the commas outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    if any(not p for p in parts):
        raise UsageError(f"cannot read the loss list {text!r}", hint="write NAME[,NAME(param=value)...]")
    return parts


def get_loss(name: str | LossSpec) -> LossSpec:
    """The spec for a name or alias (inline parameters are ignored here)."""
    if isinstance(name, LossSpec):
        return name
    base, _ = parse_loss_expression(name)
    return REGISTRY.get(base)


def resolve(loss: str | LossSpec, params: dict[str, Any] | None = None) -> tuple[LossSpec, dict[str, Any]]:
    """A spec and its bound parameters from ``"name(k=v)"`` plus explicit ``params``.

    A parameter given both inline and explicitly with different values is a usage error.
    """
    if isinstance(loss, LossSpec):
        spec, inline = loss, {}
    else:
        base, inline = parse_loss_expression(loss)
        spec = REGISTRY.get(base)
    merged = dict(inline)
    for key, value in (params or {}).items():
        if value is None:
            continue
        if key in inline and inline[key] != value:
            raise ParameterError(
                f"{spec.name}: parameter {key} given twice ({inline[key]!r} inline, {value!r} as an option)"
            )
        merged[key] = value
    return spec, spec.bind(merged)


def list_losses() -> list[LossSpec]:
    """Every registered loss spec, built-in and from plugins, in registration order."""
    return REGISTRY.specs()
