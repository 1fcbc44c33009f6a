"""Quality gates: absolute thresholds, baselines with signatures, and the check results they produce.

A check result is one gate on one loss: ``pass``, ``fail``, ``warn`` (failed, but not critical) or
``error`` (its inputs could not be evaluated). Only a failed critical check makes the exit status 1; a
comparison that cannot be made (a missing, unreadable or incompatible baseline) is a failed check, never
a pass.

The direction of "worse" comes from the registry (``LossSpec.higher_is_better``), never from the user:
``--max-increase`` bounds how much *worse* a loss may get than its baseline.
"""

from __future__ import annotations

import math
import os
from dataclasses import field
from pathlib import Path
from typing import Any

from losscli.engine.derived import METRICS
from losscli.errors import UsageError
from losscli.records import record
from losscli.values import finite_or_none as _num
from losscli.values import json_params

PASS, FAIL, WARN, ERROR = "pass", "fail", "warn", "error"

#: Signature fields that must agree for a baseline comparison.
SIGNATURE_KEYS = ("loss", "params", "convention", "reduction", "n", "labels_sha256", "weights_sha256")


@record
class CheckResult:
    """The outcome of one gate."""

    check: str
    kind: str
    status: str
    message: str
    loss: str | None = None
    value: float | None = None
    limit: float | None = None
    n: int | None = None
    critical: bool = True
    details: dict[str, Any] = field(default_factory=dict)
    #: a failure of a critical check that ``--warn-only`` turned into a warning (it still keeps the baseline)
    warned_only: bool = False
    #: the named check of a check file this gate belongs to (its stderr line names it; the report's rows
    #: name it in ``check``)
    source: str | None = None

    @property
    def failed(self) -> bool:
        return self.status in (FAIL, WARN, ERROR)

    def line(self) -> str:
        """The one-line form written to stderr: ``FAIL binary_crossentropy mean 0.412 > max 0.35 (n=10000)``,
        after the name of its check-file check if any (``FAIL model A: binary_crossentropy mean ...``)."""
        named = "" if self.source is None else f"{self.source}: "
        return f"{self.status.upper()} {named}{self.message}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "check": self.check,
            "kind": self.kind,
            "status": self.status,
            "critical": self.critical,
            "loss": self.loss,
            "value": _num(self.value),
            "limit": _num(self.limit),
            "n": self.n,
            "message": self.message,
        }
        out.update(self.details)
        return out


def short_number(x: float | None) -> str:
    """A number for messages: 6 significant digits, ``undefined`` for NaN/None."""
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "undefined"
    return f"{x:.6g}"


def demote_failures(results: list[CheckResult], *, warn_only: bool = False) -> list[CheckResult]:
    """Turn failures of non-critical checks (or every check with ``warn_only``) into warnings."""
    for r in results:
        if warn_only:
            r.warned_only = r.warned_only or (r.critical and r.status == FAIL)
            r.critical = False
        if r.status == FAIL and not r.critical:
            r.status = WARN
    return results


def exit_status(results: list[CheckResult]) -> int:
    """3 if a check's inputs could not be evaluated, else 1 if a critical check failed, else 0."""
    if any(r.status == ERROR for r in results):
        return 3
    if any(r.status == FAIL for r in results):
        return 1
    return 0


def counts(results: list[CheckResult]) -> dict[str, int]:
    out = {PASS: 0, FAIL: 0, WARN: 0, ERROR: 0}
    for r in results:
        out[r.status] += 1
    return out


# ----------------------------------------------------------------------------------------- limits


#: the options that take a metric's name
METRIC_OPTIONS = ("--max", "--min")


@record(frozen=True)
class Limit:
    """One threshold: applies to ``loss`` (a canonical name) or to every loss when ``loss`` is None; or,
    when ``metric`` is set, to that value derived from a loss (:data:`METRICS`) wherever one is reported."""

    value: float
    text: str
    loss: str | None = None
    metric: str | None = None
    #: the parameters written with the loss (``huber(delta=0.5)=0.12``): the limit is only that result's
    params: dict[str, Any] | None = None


def parse_limit(item: str | float, option: str, *, relative: bool = False) -> Limit:
    """Parse ``X``, ``NAME=X`` (a loss's name or alias; for ``--max``/``--min`` also a metric of
    :data:`METRICS`) or, for relative limits, ``X%``/``NAME=X%``."""
    from losscli.registry import get_loss, parse_loss_expression

    text = str(item).strip()
    name = metric = None
    number = text
    if "=" in text:
        head, number = text.rsplit("=", 1)
        head, number = head.strip(), number.strip()
        key = head.lower().replace("-", "_")
        if key in METRICS:
            if option not in METRIC_OPTIONS:
                raise UsageError(
                    f"{option} applies to losses; {key} is a value derived from one",
                    hint=f"bound it with --max {key}=X or --min {key}=X",
                )
            metric = key
        elif head:
            base, inline = parse_loss_expression(head)
            name = get_loss(base).name
            params = json_params(inline) or None
    value = _parse_number(number, option, relative=relative)
    return Limit(value, number, name, metric, params if name else None)


def _params_match(wanted: dict[str, Any] | None, params: dict[str, Any]) -> bool:
    """Whether a result's parameters hold every parameter a limit or a baseline entry was written with."""
    have = json_params(params)
    return all(have.get(k) == v for k, v in (wanted or {}).items())


def _parse_number(text: str, option: str, *, relative: bool) -> float:
    s = text.strip()
    percent = s.endswith("%")
    if percent:
        if not relative:
            raise UsageError(f"{option} takes a number, not a percentage ({text!r})")
        s = s[:-1].strip()
    try:
        if "_" in s:  # Python's float reads 1_0 as 10: a typo here is never a number
            raise ValueError(s)
        value = float(s)
    except ValueError:
        what = "a number or a percentage like 2%" if relative else "a number"
        raise UsageError(f"{option} takes {what}, optionally as LOSS=VALUE; got {text!r}") from None
    if not math.isfinite(value):
        raise UsageError(f"{option} must be finite, not {text!r}")
    if relative and not percent and abs(value) > 1.0:  # 2 meant as 2 % would allow 200 %: a silent pass
        raise UsageError(f"{option} {text}: a bare number is a fraction, so {text} is {value * 100:g} %",
                         hint=f"write {text}% for {text} percent, or {value * 100:g}% if that much is meant")
    return value / 100.0 if percent else value


def parse_limits(items: list[Any] | tuple[Any, ...] | None, option: str, *, relative: bool = False) -> list[Limit]:
    out = [parse_limit(x, option, relative=relative) for x in (items or [])]
    seen: set[str | None] = set()
    for lim in out:
        key = lim.metric or lim.loss
        if lim.params:
            import json

            key = f"{key}({json.dumps(lim.params, sort_keys=True)})"
        if key in seen:
            which = key or "every loss"
            raise UsageError(f"{option} is given twice for {which}")
        seen.add(key)
    return out


def limit_for(limits: list[Limit], loss: str, params: dict[str, Any] | None = None) -> Limit | None:
    """The limit naming ``loss`` (with the result's ``params``, where the limit was written with some:
    ``huber(delta=0.5)=0.12`` is not ``huber(delta=2)``'s; one written with them first), else the unnamed one
    (a metric's limit is no loss's)."""
    named = [lim for lim in limits if lim.loss == loss and lim.metric is None
             and (not lim.params or _params_match(lim.params, params or {}))]
    if named:
        return max(named, key=lambda lim: len(lim.params or {}))
    plain = [lim for lim in limits if lim.loss is None and lim.metric is None]
    return plain[0] if plain else None


def metric_limits(limits: list[Limit]) -> list[Limit]:
    """The limits that name a derived value (:data:`METRICS`)."""
    return [lim for lim in limits if lim.metric is not None]


def check_metric_names(limits: dict[str, list[Limit]], reported: set[str]) -> None:
    """A limit on a metric that no evaluated loss reports is a usage error (it would never be checked)."""
    for option, lims in limits.items():
        for lim in metric_limits(lims):
            if lim.metric not in reported:
                raise UsageError(
                    f"{option} names {lim.metric}, which no evaluated loss reports",
                    hint=f"{lim.metric} is {METRICS[lim.metric]}"
                    + ("" if lim.metric == "perplexity" else "; the loss must be a cross-entropy (scce, cce, "
                       "token_nll, …)"),
                )


def check_names(limits: dict[str, list[Limit]], evaluated: list[str],
                params: list[dict[str, Any]] | None = None) -> None:
    """A limit naming a loss that is not evaluated, or written with parameters that no evaluated result of it
    has (``huber(delta=3)`` beside ``huber(delta=0.5)``, a misspelt name), is a usage error: it would never be
    checked. ``params``: the parameters of each result of ``evaluated``."""
    for option, lims in limits.items():
        for lim in lims:
            if lim.metric is not None or lim.loss is None:
                continue
            if lim.loss not in evaluated:
                raise UsageError(
                    f"{option} names {lim.loss}, which is not evaluated here",
                    hint=f"evaluated: {', '.join(evaluated)}",
                )
            if lim.params and params is not None and not any(
                    loss == lim.loss and _params_match(lim.params, p) for loss, p in zip(evaluated, params, strict=True)):
                shown = ", ".join(f"{k}={v!r}" for k, v in lim.params.items())
                have = "; ".join(", ".join(f"{k}={v!r}" for k, v in json_params(p).items() if v is not None)
                                 for loss, p in zip(evaluated, params, strict=True) if loss == lim.loss)
                raise UsageError(
                    f"{option} names {lim.loss}({shown}), but no evaluated {lim.loss} has those parameters",
                    hint=f"evaluated {lim.loss} with: {have or 'its defaults'}; write the limit with those, or as "
                         f"{lim.loss}=X for every {lim.loss}",
                )


# ----------------------------------------------------------------------------------------- thresholds


def _check_message(what: str, value: float | None, rel: str, kind: str, limit: str, n: int) -> str:
    """``bce mean 0.31 <= max 0.35 (n=200)``; an undefined value says so once."""
    shown = "" if value is None or math.isnan(value) else f" {short_number(value)}"
    return f"{what}{shown} {rel} {kind} {limit} (n={n})"


def _compare(value: float | None, kind: str, limit: float, n: int | None = None) -> tuple[str, str]:
    """(status, relation) of ``value`` against a ``max`` or ``min`` limit; an undefined value (NaN) fails, an
    infinite one is compared as it is (above any ``max``, and above any ``min`` when it is +inf). A value of
    ``n`` = 0 samples (Keras' 0 when every row is ignored or skipped, and the perplexity 1 it gives) fails:
    it says nothing of the model."""
    if n is not None and not n:
        return FAIL, "is of no samples (every row ignored or skipped): it cannot be compared with"
    if value is None or math.isnan(value):
        return FAIL, "is undefined: it cannot be compared with"
    if kind == "max":
        return (FAIL, ">") if value > limit else (PASS, "<=")
    return (FAIL, "<") if value < limit else (PASS, ">=")


def threshold_checks(
    name: str, result: Any, maximum: Limit | None, minimum: Limit | None
) -> list[CheckResult]:
    """``max``/``min`` on the reported value (the requested reduction, the mean by default)."""
    out = []
    what = f"{result.loss} {result.reduction}"
    value = result.value
    for kind, lim in (("max", maximum), ("min", minimum)):
        if lim is None:
            continue
        status, rel = _compare(value, kind, lim.value, result.n)
        message = _check_message(what, value, rel, kind, lim.text, result.n)
        out.append(CheckResult(f"{name} {kind}", kind, status, message, result.loss, value, lim.value, result.n))
    return out


def metric_checks(name: str, result: Any, maximum: list[Limit], minimum: list[Limit]) -> list[CheckResult]:
    """``--max``/``--min`` on the derived values (:data:`METRICS`) that ``result`` reports."""
    out = []
    reported = result.metrics or {}
    for kind, lims in (("max", metric_limits(maximum)), ("min", metric_limits(minimum))):
        for lim in lims:
            if lim.metric not in reported:
                continue
            value = reported[lim.metric]
            status, rel = _compare(value, kind, lim.value, result.n)
            message = _check_message(f"{result.loss} {lim.metric}", value, rel, kind, lim.text, result.n)
            out.append(CheckResult(f"{name} {lim.metric} {kind}", kind, status, message, result.loss, value,
                                   lim.value, result.n, details={"metric": lim.metric}))
    return out


def slice_checks(
    name: str, loss: str, kind: str, label: str, rows: list[dict[str, Any]], key: str, limit: Limit | None,
    higher_is_better: bool,
) -> list[CheckResult]:
    """``--max-group``/``--max-class``: every slice's mean must stay within the limit.

    One failed check per offending slice; a single passing check naming the worst slice otherwise.
    """
    if limit is None:
        return []
    bad = []
    for row in rows:
        mean = row["mean"]
        worse = mean is None or (mean < limit.value if higher_is_better else mean > limit.value)
        if worse:
            bad.append(row)
    rel, word = ("<", "min") if higher_is_better else (">", "max")
    opt = f"{word}-{label}"
    if bad:
        return [
            CheckResult(
                f"{name} {kind} {row[key]}", kind, FAIL,
                _slice_message(loss, label, row[key], row["mean"], row["n"], rel, opt, limit.text),
                loss, row["mean"], limit.value, row["n"], details={label: row[key]},
            )
            for row in bad
        ]
    scored = [r for r in rows if r["mean"] is not None]
    if not scored:
        return [CheckResult(f"{name} {kind}", kind, FAIL, f"{loss}: no {label} has a defined mean", loss)]
    w = (min if higher_is_better else max)(scored, key=lambda r: r["mean"])
    nrel = ">=" if higher_is_better else "<="
    plural = "classes" if label == "class" else f"{label}s"
    return [
        CheckResult(
            f"{name} {kind}", kind, PASS,
            f"{loss} every {label} mean {nrel} {opt} {limit.text} ({len(rows)} {plural}; worst {w[key]} "
            f"{short_number(w['mean'])}, n={w['n']})",
            loss, w["mean"], limit.value, w["n"], details={label: w[key]},
        )
    ]


def _slice_message(loss: str, label: str, name: Any, mean: float | None, n: int, rel: str, opt: str,
                   limit: str) -> str:
    """A failed slice: its mean beyond the limit, or why it has none (both fail)."""
    if mean is None:
        why = "" if n else " (no counted sample: every row ignored or skipped)"
        return f"{loss} {label} {name} mean is undefined{why}: it cannot be compared with {opt} {limit} (n={n})"
    return f"{loss} {label} {name} mean {short_number(mean)} {rel} {opt} {limit} (n={n})"


# ----------------------------------------------------------------------------------------- signatures


def signature(result: Any, digests: dict[str, str | None]) -> dict[str, Any]:
    """What a result was computed from: loss, parameters, convention, reduction, n and the labels' hash."""
    params = json_params(result.params)
    return {
        "loss": result.loss,
        "params": params,
        "convention": result.convention,
        "reduction": result.reduction,
        "n": result.n,
        "labels_sha256": digests.get("labels_sha256"),
        "weights_sha256": digests.get("weights_sha256"),
    }


def _without_new_defaults(loss: Any, a: dict[str, Any], b: dict[str, Any]) -> tuple[dict, dict]:
    """The two parameter sets without a parameter only one of them has at its default value: a parameter a
    later version added (``log_probs=False``) does not change what the loss computes."""
    from losscli.registry import REGISTRY

    try:
        spec = REGISTRY.get(str(loss))
    except Exception:
        return a, b
    defaults = json_params(spec.defaults())
    drop = {k for k in set(a) ^ set(b) if k in defaults and a.get(k, b.get(k)) == defaults[k]}
    return ({k: v for k, v in a.items() if k not in drop}, {k: v for k, v in b.items() if k not in drop})


def signature_differences(current: dict[str, Any], baseline: dict[str, Any] | None) -> list[str]:
    """What differs between two signatures, as short phrases; empty when they agree."""
    if not isinstance(baseline, dict):
        return ["the baseline has no signature"]
    out = []
    for key in SIGNATURE_KEYS:
        a, b = current.get(key), baseline.get(key)
        if key == "params" and isinstance(a, dict) and isinstance(b, dict):
            a, b = _without_new_defaults(current.get("loss"), a, b)
        if a == b:
            continue
        if key.endswith("sha256"):
            what = "labels" if key.startswith("labels") else "sample weights"
            if a is None or b is None:
                out.append(f"{what}: {'none' if b is None else 'given'} in the baseline, "
                           f"{'none' if a is None else 'given'} now")
            else:
                out.append(f"{what} differ (sha256 {b[:12]}… in the baseline, {a[:12]}… now)")
        elif key == "params":
            keys = sorted(set(a or {}) | set(b or {}))
            diff = [k for k in keys if (a or {}).get(k) != (b or {}).get(k)]
            out.append("params differ: " + ", ".join(
                f"{k} {(b or {}).get(k)!r} in the baseline, {(a or {}).get(k)!r} now" for k in diff))
        else:
            out.append(f"{key} {b!r} in the baseline, {a!r} now")
    return out


# ----------------------------------------------------------------------------------------- baselines


@record
class Baseline:
    """A losscli JSON result read from a file, or why it could not be read."""

    path: str
    docs: list[dict[str, Any]] = field(default_factory=list)
    problem: str | None = None

    def find(self, loss: str, file: str | None = None, params: dict[str, Any] | None = None, *,
             by_file: bool = False, columns: list[str] | None = None,
             sig: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """The result for ``loss``: of its results with other parameters (``huber(delta=0.5),huber(delta=2)``),
        the one with ``params``; of its results under other conventions or reductions (checks sharing the
        file), the one computed as this run's signature ``sig`` says; where the baseline ranked several
        files, the one of ``file`` (else ``None``:
        another file's result is no baseline for this one). ``by_file``: the baseline stands for several
        inputs (checks sharing it, or a run ranking several), so even a single entry of another file, or of
        other prediction ``columns`` of it, is none (an entry naming no file stands for any). Paths are the
        same when one is the other's end (``data/p.csv`` and ``/ci/../data/p.csv``)."""
        found = [d for d in self.docs if d.get("loss") == loss]
        if len(found) > 1 and params is not None:
            alike = [d for d in found if json_params(d.get("params") or {}) == json_params(params)]
            found = alike or found
        if len(found) > 1 and sig is not None:
            mine = computed_with({"loss": loss, "signature": sig})
            found = [d for d in found if computed_with(d) == mine] or found
        if by_file and file is not None:
            found = [d for d in found if same_source(d, file, columns)]
        if len(found) > 1:
            exact = [d for d in found if file is not None and entry_file(d) == file]
            mine = [d for d in exact or found if same_source(d, file, columns)] if file is not None else []
            return mine[0] if len(mine) == 1 else None
        return found[0] if found else None

    def updated_with(self, docs: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """This baseline's results with those of ``docs`` put in place of the entries they stand for (the
        same loss, parameters and file; an entry naming no file stands for any), the others kept in order
        and new ones added at the end: what ``check --only`` writes to a file other checks share."""

        key = computed_with
        fresh = list(docs)
        taken: dict[int, dict[str, Any]] = {}
        # entries of the very same path first, then of another spelling of it (``p.csv`` is the end of
        # ``old/p.csv`` too: its entry must not take old/p.csv's result); each result replaces one entry
        for exact in (True, False):
            for i, old in enumerate(self.docs):
                if i in taken:
                    continue
                same = next((d for d in fresh if key(d) == key(old) and same_source(old, entry_file(d), entry_columns(d))
                             and (not exact or entry_file(old) == entry_file(d))), None)
                if same is not None:
                    taken[i] = same
                    fresh.remove(same)
        return [taken.get(i, old) for i, old in enumerate(self.docs)] + fresh


def computed_with(doc: dict[str, Any]) -> tuple[Any, ...]:
    """What a baseline entry was computed with: its loss, parameters (the clip's eps among them, where its
    signature has them), convention, reduction and whether sample weights were given — its signature without
    the samples and their hashes."""
    import json

    sig = doc.get("signature") if isinstance(doc.get("signature"), dict) else {}
    params = sig.get("params") if isinstance(sig.get("params"), dict) else doc.get("params")
    return (doc.get("loss"), json.dumps(json_params(params or {}), sort_keys=True, default=str),
            sig.get("convention", doc.get("convention")), sig.get("reduction", doc.get("reduction")),
            sig.get("weights_sha256") is not None)


def entry_file(doc: dict[str, Any]) -> str | None:
    """The predictions file a baseline entry is the result of: a ranked file's name, else the file of its
    inputs (``None`` for standard input or an entry that names none)."""
    file = doc.get("file")
    if file is None:
        preds = (doc.get("inputs") or {}).get("preds") if isinstance(doc.get("inputs"), dict) else None
        file = preds.get("file") if isinstance(preds, dict) else None
    return file if isinstance(file, str) and file != "-" else None


def entry_columns(doc: dict[str, Any]) -> list[str] | None:
    """The prediction columns a baseline entry was computed from, where it says."""
    inputs = doc.get("inputs") if isinstance(doc.get("inputs"), dict) else {}
    preds = inputs.get("preds") if isinstance(inputs, dict) else None
    cols = preds.get("columns") if isinstance(preds, dict) else None
    return [str(c) for c in cols] if isinstance(cols, list) else None


def same_path(a: str, b: str) -> bool:
    """Two spellings of one file: equal once normalised, or one the other's end, component by component
    (``sample_data/p.csv`` written from the project's folder, ``/ci/../sample_data/p.csv`` from a check
    file's); ``a/p.csv`` and ``b/p.csv`` are not."""
    def parts(p: str) -> list[str]:
        return [x for x in os.path.normpath(p).replace("\\", "/").split("/") if x not in ("", ".", "..")]

    pa, pb = parts(a), parts(b)
    short, long = sorted((pa, pb), key=len)
    return bool(short) and long[len(long) - len(short):] == short


def same_source(doc: dict[str, Any], file: str | None, columns: list[str] | None) -> bool:
    """Whether a baseline entry is the result of ``file``'s prediction ``columns`` (what is unknown on either
    side does not tell them apart)."""
    have = entry_file(doc)
    if have is not None and file is not None and not same_path(have, file):
        return False
    cols = entry_columns(doc)
    return cols is None or columns is None or list(cols) == list(columns)


def load_baseline(path: str) -> Baseline:
    """Read a baseline; a missing, unreadable or malformed file is recorded as a problem, not raised.

    The document is checked against the result schema: one result or a list of them, each with a loss
    name, a numeric (or null) value, a known ``schema`` version and, if present, a signature object.
    """
    from losscli.errors import LossCliError
    from losscli.io.documents import parse_json, read_bytes

    p = Path(path)
    if not p.exists():
        return Baseline(path, problem=f"baseline {path} is missing (no such file)")
    try:
        data = parse_json(read_bytes(path, "baseline"), path, "baseline")
    except LossCliError as exc:
        return Baseline(path, problem=exc.message)
    docs = data if isinstance(data, list) else [data]
    if not docs or not all(isinstance(d, dict) and "loss" in d and "value" in d for d in docs):
        return Baseline(path, problem=f"baseline {path} is not a losscli JSON result (no loss and value)")
    for d in docs:
        problem = _result_problem(d)
        if problem:
            return Baseline(path, problem=f"baseline {path} is not a losscli JSON result this version reads: {problem}")
    return Baseline(path, docs)


def _result_problem(doc: dict[str, Any]) -> str | None:
    from losscli.engine.evaluator import SCHEMA

    if "schema" in doc and (doc["schema"] != SCHEMA or isinstance(doc["schema"], bool)):
        return f"result schema {str(doc['schema'])[:20]!s}, this losscli reads schema {SCHEMA}"
    if not isinstance(doc["loss"], str):
        return "loss must be a string"
    value = doc["value"]
    if value is not None and (not isinstance(value, (int, float)) or isinstance(value, bool)):
        return "value must be a number or null"
    sig = doc.get("signature")
    if sig is None:
        return None
    if not isinstance(sig, dict):
        return "signature must be an object"
    for key in SIGNATURE_KEYS:
        v = sig.get(key)
        if key.endswith("sha256") and v is not None and not isinstance(v, str):
            return f"signature {key} must be a string"
        if key == "params" and v is not None and not isinstance(v, dict):
            return "signature params must be an object"
    return None


def baseline_checks(
    name: str,
    result: Any,
    sig: dict[str, Any],
    baseline: Baseline,
    increase: Limit | None,
    rel_increase: Limit | None,
    *,
    higher_is_better: bool = False,
    force: bool = False,
    update: bool = False,
    file: str | None = None,
    by_file: bool = False,
    columns: list[str] | None = None,
) -> tuple[list[CheckResult], dict[str, Any]]:
    """Compare a result with its baseline: (check results, the comparison for the report).

    With ``update`` (``--update-baseline``) a missing or incompatible baseline is not a failure: the
    comparison is shown when it can be made and the baseline is rewritten afterwards.
    """
    loss = result.loss
    info: dict[str, Any] = {"file": baseline.path}
    checks: list[CheckResult] = []
    hint = " (run with --update-baseline to create it)" if "missing" in (baseline.problem or "") else ""

    def refuse(kind: str, message: str) -> tuple[list[CheckResult], dict[str, Any]]:
        info["comparable"] = False
        info["problem"] = message
        status = PASS if update else FAIL
        text = message + (" — it will be rewritten (--update-baseline)" if update else "")
        checks.append(CheckResult(f"{name} baseline", kind, status, text, loss, result.value, None, result.n))
        return checks, info

    if baseline.problem:
        return refuse("baseline", f"{loss}: {baseline.problem}{'' if update else hint}; "
                      "a comparison that cannot be made is a failed check")
    doc = baseline.find(loss, file, result.params, by_file=by_file, columns=columns, sig=sig)
    if doc is None:
        entries = [d for d in baseline.docs if d.get("loss") == loss]
        if entries and by_file:
            shown = ", ".join(sorted({f"{entry_file(d)} ({', '.join(entry_columns(d) or ['?'])})" for d in entries}))
            mine = f"{file!r}" + (f" ({', '.join(columns)})" if columns else "")
            return refuse("baseline", f"{loss}: baseline {baseline.path} holds {loss} results of other predictions "
                          f"({shown}), none of {mine}: another model's result is no baseline for this one")
        if len(entries) > 1:
            import json

            shown = ", ".join(str(d["file"]) if d.get("file") else json.dumps(d.get("params"), sort_keys=True)
                              for d in entries)
            return refuse("baseline", f"{loss}: baseline {baseline.path} holds {len(entries)} results for {loss} "
                          f"({shown}), none of them of {file!r} with these parameters: which one is this run's "
                          "baseline is not known")
        found = ", ".join(str(d.get("loss")) for d in baseline.docs)
        return refuse("baseline", f"{loss}: baseline {baseline.path} has no result for {loss} (it has {found})")
    differs = signature_differences(sig, doc.get("signature"))
    info["signature_differences"] = differs
    if differs:
        text = f"{loss}: baseline {baseline.path} is not comparable: " + "; ".join(differs)
        if not force:
            return refuse("signature", text + " (use --force to compare anyway)")
        checks.append(CheckResult(f"{name} signature", "signature", WARN, text + " (compared anyway: --force)",
                                  loss, None, None, result.n, critical=False))
    old = doc.get("value")
    new = result.value
    if not isinstance(old, (int, float)) or isinstance(old, bool) or not math.isfinite(old):
        return refuse("baseline", f"{loss}: baseline {baseline.path} has no defined value")
    old = float(old)
    change = new - old if new is not None and not math.isnan(new) else math.nan  # +inf: infinitely worse
    rel = change / abs(old) if old != 0 else (0.0 if change == 0 else math.copysign(math.inf, change))
    worse = -change if higher_is_better else change
    worse_rel = -rel if higher_is_better else rel
    info.update({"comparable": True, "value": old, "change": _num(change),
                 "rel_change": _num(rel) if math.isfinite(rel) else None})
    what = f"{loss} {result.reduction} {short_number(new)} vs baseline {short_number(old)}"
    word = "decrease" if higher_is_better else "increase"
    sign = "+" if change >= 0 else ""
    if increase is None and rel_increase is None:
        checks.append(CheckResult(f"{name} baseline", "baseline", PASS,
                                  f"{what} ({sign}{short_number(change)}; no limit given)", loss, new, None, result.n,
                                  details={"baseline": old}))
    if increase is not None:
        bad = not math.isfinite(worse) or worse > increase.value
        rel_s = ">" if bad else "<="
        checks.append(CheckResult(
            f"{name} max_increase", "max_increase", FAIL if bad else PASS,
            f"{what}: {sign}{short_number(change)} {rel_s} max {word} {increase.text} (n={result.n})",
            loss, change, increase.value, result.n, details={"baseline": old},
        ))
    if rel_increase is not None:
        bad = not (worse_rel <= rel_increase.value)
        rel_s = ">" if bad else "<="
        pct = f"{sign}{rel * 100:.3g}%" if math.isfinite(rel) else f"{sign}inf%"
        checks.append(CheckResult(
            f"{name} max_rel_increase", "max_rel_increase", FAIL if bad else PASS,
            f"{what}: {pct} {rel_s} max rel {word} {_pct(rel_increase)} (n={result.n})",
            loss, rel, rel_increase.value, result.n, details={"baseline": old},
        ))
    return checks, info


def _pct(lim: Limit) -> str:
    return lim.text if lim.text.endswith("%") else f"{lim.value * 100:.6g}%"

