"""The loss registry: looks losses up by name, alias or peer name, and parses loss expressions.

The specs themselves are declared by the kernels (:mod:`losscli.spec`); the registry collects them. The
built-in losses (:mod:`losscli.losses`) are loaded exactly like third-party ones, which come through the
entry-point group ``losscli.losses``: the entry point may name a :class:`~losscli.spec.LossSpec`, an
iterable of them, a module whose import declares them with :func:`~losscli.spec.register_loss`, or a
callable returning any of these.
"""

from __future__ import annotations

import ast
import re
from typing import Any

from losscli.errors import ParameterError, UnknownLossError, UsageError
from losscli.spec import DECLARED, LossSpec


def name_key(name: str) -> str:
    """The form names are compared in: case, ``-`` and ``_`` ignored (``MSELoss`` = ``mse_loss``)."""
    return name.strip().lower().replace("-", "").replace("_", "")


class Registry:
    """Canonical names, aliases and peer names → :class:`LossSpec`.

    Names are compared by :func:`name_key`. A peer name may imply parameters (``nll_loss`` means
    log-probabilities): :meth:`lookup` returns them with the spec.
    """

    def __init__(self) -> None:
        self._specs: dict[str, LossSpec] = {}
        self._aliases: dict[str, str] = {}
        self._implied: dict[str, dict[str, Any]] = {}
        self._peer_keys: dict[str, list[str]] = {}  # key → the peer names as spelled
        self._builtins_loaded = False
        self._plugins_loaded = False
        self._collected = 0

    @staticmethod
    def _names(spec: LossSpec) -> list[tuple[str, dict[str, Any], bool]]:
        """(name, implied parameters, is a peer name) of every name of ``spec``."""
        out = [(n, {}, False) for n in (spec.name, *spec.aliases)]
        for text in spec.peer_names:
            base, implied = parse_loss_expression(text)
            out.append((base, implied, True))
        return out

    def add(self, spec: LossSpec, *, replace: bool = False) -> LossSpec:
        names = self._names(spec)
        for n, implied, _ in names:
            key = name_key(n)
            owner = self._aliases.get(key)
            same = owner == spec.name and self._implied.get(key, {}) == implied
            if owner is not None and not same and not replace:
                raise UsageError(f"loss name {n!r} is already taken by {owner}")
        self._specs[spec.name] = spec
        for n, implied, peer in names:
            key = name_key(n)
            if key in self._aliases and self._aliases[key] == spec.name and not implied and not peer:
                continue  # a losscli alias never overrides a peer spelling of the same key
            self._aliases[key] = spec.name
            if implied:
                self._implied[key] = implied
            if peer:
                self._peer_keys.setdefault(key, [])
                if n not in self._peer_keys[key]:
                    self._peer_keys[key].append(n)
        return spec

    def remove(self, name: str) -> None:
        spec = self._specs.pop(name)
        for n, _, _ in self._names(spec):
            key = name_key(n)
            self._aliases.pop(key, None)
            self._implied.pop(key, None)
            self._peer_keys.pop(key, None)

    def names(self) -> list[str]:
        self._ensure_loaded()
        return list(self._specs)

    def specs(self) -> list[LossSpec]:
        self._ensure_loaded()
        return list(self._specs.values())

    def lookup(self, name: str) -> tuple[LossSpec, dict[str, Any]]:
        """The spec of a name, alias or peer name, and the parameters the name implies."""
        self._ensure_loaded(plugins=False)  # a built-in name needs no plugin: start-up skips their lookup
        key = name_key(name)
        canonical = self._aliases.get(key)
        if canonical is None:
            self._ensure_loaded()
            canonical = self._aliases.get(key)
        if canonical is None:
            raise UnknownLossError(name, self.suggest(name))
        return self._specs[canonical], dict(self._implied.get(key, {}))

    def get(self, name: str) -> LossSpec:
        return self.lookup(name)[0]

    def suggest(self, name: str, n: int = 4) -> list[str]:
        """Close names for an unknown one, closest first, one per loss; a peer spelling ranks before a
        losscli name as close and is shown with the loss it names (``MSELoss (= mse)``)."""
        self._ensure_loaded()
        key = name_key(name)
        if not key:
            return []
        import difflib  # only a misspelt name needs it

        scored = []
        for cand in self._aliases:
            ratio = difflib.SequenceMatcher(None, key, cand).ratio()
            if len(key) >= 3 and (cand.startswith(key) or key in cand):
                ratio = max(ratio, 0.6)
            if ratio >= 0.6:
                scored.append((ratio + (0.05 if cand in self._peer_keys else 0.0), cand))
        out: dict[str, str] = {}
        for _, cand in sorted(scored, key=lambda t: -t[0]):
            canonical = self._aliases[cand]
            if canonical in out:
                continue
            if cand == name_key(canonical):
                out[canonical] = canonical
            elif cand in self._peer_keys:
                # the spelling in the user's style: CamelCase for a name with capitals, else snake_case
                spellings = sorted(self._peer_keys[cand], key=lambda s: (s != s.lower()) != (name != name.lower()))
                out[canonical] = f"{spellings[0]} (= {canonical})"
            else:
                out[canonical] = canonical
        return list(out.values())[:n]

    def _ensure_loaded(self, plugins: bool = True) -> None:
        """Load the built-in losses and (unless ``plugins`` is false) the plugins once, the same way, then
        collect new declarations."""
        if not self._builtins_loaded:
            self._builtins_loaded = True
            from importlib import import_module

            add_loaded(self, import_module("losscli.losses"))
        if plugins and not self._plugins_loaded:
            self._plugins_loaded = True
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
    if not isinstance(text, str):
        raise UsageError(f"a loss is a name (or a LossSpec), not {type(text).__name__} {text!r}",
                         hint="write NAME or NAME(param=value, ...), e.g. 'bce' or 'huber(delta=0.5)'")
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
    if not isinstance(call, ast.Call):  # 'huber(delta=0.5),huber(delta=2)': one loss's parentheses hold two
        raise UsageError(f"cannot read loss {text!r}: one loss here, with its parameters in its parentheses",
                         hint="write NAME(param=value, ...); evaluate losses of other parameters one run each")
    if call.args:
        raise UsageError(f"parameters of {text!r} must be named", hint=f"e.g. {name}(delta=0.5)")
    params: dict[str, Any] = {}
    for kw in call.keywords:
        if kw.arg is None:
            raise UsageError(f"cannot read the parameters of {text!r}")
        if kw.arg in params:
            raise UsageError(f"parameter {kw.arg} is given twice in {text!r}", hint="give each parameter once")
        params[kw.arg] = _literal(kw.value, kw.arg, text, f"f({inner})")
    return name, params


def _literal(node: ast.AST, key: str, text: str, source: str) -> Any:
    """A parameter's value: a Python literal (true/false/none in any case too); ``source`` is what was parsed."""
    if isinstance(node, ast.Name) and node.id.lower() in {"true", "false", "none", "null"}:
        return {"true": True, "false": False}.get(node.id.lower())
    try:
        value = ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError):
        written = ast.get_source_segment(source, node) or "?"
        raise UsageError(
            f"{key}={written} in {text!r} is not a value",
            hint=f"give a number, true/false, a quoted text or a list: {key}=0.5, {key}='{written}', {key}=[1, 2]",
        ) from None
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
    """The spec for a name, alias or peer name (inline parameters are ignored here)."""
    if isinstance(name, LossSpec):
        return name
    base, _ = parse_loss_expression(name)
    return REGISTRY.get(base)


def expression_params(text: str) -> dict[str, Any]:
    """The parameters of a loss expression: those its name implies (``nll_loss`` → log-probabilities)
    overlaid with those written inline. Writing one against what the name implies is a usage error."""
    base, inline = parse_loss_expression(text)
    spec, implied = REGISTRY.lookup(base)
    for key, value in inline.items():
        if key in implied and implied[key] != value:
            raise ParameterError(
                f"{base} means {key}={implied[key]!r}; it cannot take {key}={value!r}",
                hint=f"use {spec.name} with the parameters you want",
            )
    return {**implied, **inline}


def implied_params(text: str, options: dict[str, Any]) -> dict[str, Any]:
    """The parameters of ``text`` (:func:`expression_params`) overlaid with the command-line ``options``;
    an option against what the loss's name implies is a usage error (``BCEWithLogitsLoss --probs``)."""
    base, written = parse_loss_expression(text)
    spec, implied = REGISTRY.lookup(base)
    for key, value in options.items():
        if key in written and value is not None and written[key] != value:  # 'huber(delta=2)' --delta 0.5
            raise ParameterError(
                f"{spec.name}: parameter {key} given twice ({written[key]!r} in {text!r}, {value!r} as an option)",
                hint="give it once",
            )
        if key in implied and value is not None and implied[key] != value:
            flag = "--" + key.replace("_", "-")
            if key == "from_logits":
                flag = "--logits" if value else "--probs"
            raise ParameterError(
                f"{base} means {key}={implied[key]!r}; {flag} contradicts it",
                hint=f"drop {flag}, or name the loss {REGISTRY.get(base).name}",
            )
    return {**expression_params(text), **options}


def resolve(loss: str | LossSpec, params: dict[str, Any] | None = None,
            convention: str | None = None) -> tuple[LossSpec, dict[str, Any]]:
    """A spec and its bound parameters from ``"name(k=v)"`` plus explicit ``params``; a parameter given
    neither way takes its default under ``convention`` (Keras' ``Dice()`` is batch-level: ``axis=None``).

    A parameter given both inline (or implied by a peer name) and explicitly with different values is a
    usage error.
    """
    if isinstance(loss, LossSpec):
        spec, inline = loss, {}
    else:
        spec, inline = get_loss(loss), expression_params(loss)
    merged = dict(inline)
    for key, value in (params or {}).items():
        if value is None:
            p = spec.param(key)
            if p is None or p.kind != "choice" or "none" not in p.choices:
                continue  # None = not given, except where None is a value (Keras' axis=None)
            value = "none"
        if key in inline and inline[key] != value:
            raise ParameterError(
                f"{spec.name}: parameter {key} given twice ({inline[key]!r} in {loss!r}, {value!r} as an option)",
                hint="give it once",
            )
        merged[key] = value
    return spec, spec.bind(merged, convention)


def list_losses() -> list[LossSpec]:
    """Every registered loss spec, built-in and from plugins, in registration order."""
    return REGISTRY.specs()
