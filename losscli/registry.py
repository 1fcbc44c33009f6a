"""The loss registry: looks losses up by name or alias, and parses loss expressions.

The specs themselves are declared by the kernels (:mod:`losscli.spec`); the registry collects them. The
built-in losses (:mod:`losscli.losses`) are loaded exactly like third-party ones, which come through the
entry-point group ``losscli.losses``: the entry point may name a :class:`~losscli.spec.LossSpec`, an
iterable of them, a module whose import declares them with :func:`~losscli.spec.register_loss`, or a
callable returning any of these.
"""

from __future__ import annotations

import ast
import difflib
import re
from typing import Any

from losscli.errors import ParameterError, UnknownLossError, UsageError
from losscli.spec import DECLARED, LossSpec


class Registry:
    """Canonical names and aliases → :class:`LossSpec`."""

    def __init__(self) -> None:
        self._specs: dict[str, LossSpec] = {}
        self._aliases: dict[str, str] = {}
        self._plugins_loaded = False
        self._collected = 0

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
        """Load the built-in losses and the plugins once (the same way), then collect new declarations."""
        if not self._plugins_loaded:
            self._plugins_loaded = True
            from importlib import import_module

            add_loaded(self, import_module("losscli.losses"))
            load_entry_points(self)
        self.collect()

    def collect(self) -> None:
        """Add the specs declared with :func:`~losscli.spec.register_loss` since the last collection."""
        while self._collected < len(DECLARED):
            spec = DECLARED[self._collected]
            self._collected += 1
            if self._specs.get(spec.name) is not spec:
                self.add(spec)


REGISTRY = Registry()


def add_loaded(registry: Registry, obj: Any) -> None:
    """Add what a loss module or entry point provides: a :class:`LossSpec`, an iterable of them, a module
    whose import declared them with :func:`~losscli.spec.register_loss`, or a callable returning any of
    these. The built-in losses (the module :mod:`losscli.losses`) are loaded this way too."""
    if callable(obj) and not isinstance(obj, LossSpec) and not hasattr(obj, "spec"):
        obj = obj()
    items = [obj] if isinstance(obj, LossSpec) else obj if isinstance(obj, (list, tuple)) else []
    for item in items:
        if isinstance(item, LossSpec) and item.name not in registry._specs:
            registry.add(item)
    registry.collect()


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
        add_loaded(registry, obj)
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
