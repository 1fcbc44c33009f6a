"""Checks as code: the ``losscheck.toml`` schema (or ``[tool.losscli]`` in ``pyproject.toml``).

::

    [defaults]                      # optional: keys every check inherits unless it sets them
    convention = "losscli"

    [[check]]
    name = "binary classifier"      # required, unique
    loss = "bce"                    # required: one loss (name, alias or 'huber(delta=0.5)')
    labels = "data/y.csv"           # inputs, relative to this file's folder ...
    preds = "out/p.csv"
    # preds2 = "out/x2.csv"         # a pairwise loss's second input, read in step with preds
    # data = "scores.csv"           # ... or one file holding every column
    max = 0.35                      # gates: max, min, baseline + max_increase / max_rel_increase,
    warn = false                    # max_group, max_class, baseline_preds + fail_if_worse

Every key is checked: an unknown key, a wrong type or a missing required key is a usage error (exit 2)
before anything is evaluated.
"""

from __future__ import annotations

import math
import os
from dataclasses import field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from losscli.errors import UsageError
from losscli.io.detect import FORMATS
from losscli.records import record

if TYPE_CHECKING:
    from losscli.inputs.plan import InputOptions
    from losscli.quality.paired import CompareSettings
    from losscli.quality.session import GateOptions
    from losscli.settings import LossSettings

#: the command line's bound of --bootstrap
MAX_RESAMPLES = 1_000_000

NUM = (int, float)

#: key → (accepted types, help). ``str`` paths are resolved against the check file's folder.
KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "name": ((str,), "the check's name (unique)"),
    "loss": ((str,), "one loss: name, alias or expression such as 'huber(delta=0.5)'"),
    "labels": ((str,), "labels file"),
    "preds": ((str,), "predictions file"),
    "data": ((str,), "one file holding labels and predictions (instead of labels/preds)"),
    "weights": ((str,), "sample weights file"),
    "label_cols": ((str, int), "label column selection"),
    "pred_cols": ((str, int), "prediction column selection"),
    "pred2_cols": ((str, int), "the second input's columns of a pairwise loss (in preds2 when given)"),
    "preds2": ((str,), "the second input of a pairwise loss: a file aligned row by row with preds (or data)"),
    "weight_col": ((str, int), "sample-weight column"),
    "id_col": ((str,), "join labels and predictions by this key column"),
    "classes": ((str, list), "class order, 'a,b,c' or a list"),
    "logits": ((bool,), "predictions are logits"),
    "log_probs": ((bool,), "predictions are log-probabilities"),
    "params": ((dict,), "loss parameters, e.g. { label_smoothing = 0.1 }"),
    "convention": ((str,), "losscli, torch, keras or sklearn"),
    "reduction": ((str,), "mean, sum, mean_over_n, weighted_mean, none or a peer's name (batchmean, ...)"),
    "eps": (NUM, "probability clip"),
    "nan": ((str,), "error, skip or warn"),
    "sum_tol": (NUM, "tolerance for rows summing to 1"),
    "delimiter": ((str,), "CSV delimiter"),
    "input_format": ((str,), f"format of the input files: {', '.join(FORMATS)}"),
    "header": ((bool,), "CSV files have a header row (default true)"),
    "max": ((int, float, str, list), "fail when the value is above; 'word_perplexity=70' bounds a derived "
            "value (a list for several)"),
    "min": ((int, float, str, list), "fail when the value is below (as max)"),
    "baseline": ((str,), "losscli JSON result to compare with"),
    "max_increase": (NUM, "largest allowed worsening against the baseline"),
    "max_rel_increase": ((str, int, float), "largest relative worsening: '2%' or 0.02"),
    "force": ((bool,), "compare even when signatures differ"),
    "ci": (NUM, "bootstrap confidence level of the value"),
    "bootstrap": ((int,), "bootstrap resamples"),
    "seed": ((int,), "bootstrap seed"),
    "confidence": (NUM, "confidence level of the paired comparison"),
    "by_class": ((bool,), "per-class breakdown"),
    "max_class": ((int, float, str, list), "fail when a class's mean is above (a number, or 'LOSS=X' as max)"),
    "group_col": ((str,), "per-group breakdown by this column"),
    "words_col": ((str,), "words of each row: word_perplexity of a cross-entropy"),
    "bytes_col": ((str,), "bytes of each row: byte_perplexity and bits_per_byte of a cross-entropy"),
    "words": ((str,), "a file of each row's words, aligned with the predictions"),
    "bytes": ((str,), "a file of each row's bytes, aligned with the predictions"),
    "max_group": ((int, float, str, list), "fail when a group's mean is above (a number, or 'LOSS=X' as max)"),
    "baseline_preds": ((str,), "an older model's predictions for a paired comparison"),
    "baseline_preds2": ((str,), "the older model's second input of a pairwise loss (with preds2)"),
    "fail_if_worse": ((bool,), "fail when the candidate is significantly worse than baseline_preds"),
    "warn": ((bool,), "non-critical: a failure is reported as WARN and does not fail the run"),
}
PATH_KEYS = ("labels", "preds", "preds2", "data", "weights", "baseline", "baseline_preds", "baseline_preds2", "words",
             "bytes")
DEFAULT_FILE = "losscheck.toml"


@record
class CheckSpec:
    """One named check from a check file, paths resolved."""

    name: str
    loss: str
    settings: dict[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.settings.get(key, default)

    @property
    def warn(self) -> bool:
        return bool(self.settings.get("warn", False))


@record(frozen=True)
class CheckSettings:
    """One named check of a check file, as settings (built by :func:`losscli.commands.settings.check_settings`;
    kept here, with the check file, so that a run of another command does not create the class)."""

    name: str
    loss: LossSettings
    inputs: InputOptions
    gates: GateOptions
    compare: CompareSettings
    preds: str | None
    baseline_preds: str | None
    warn: bool
    baseline_preds2: str | None = None

    def files_read(self) -> list[str]:
        """Every file this check reads (its baseline included: it is written only with --update-baseline)."""
        named = [*self.inputs.files(), *self.loss.files, self.preds, self.baseline_preds, self.baseline_preds2,
                 *self.gates.baseline_read()]
        return [p for p in named if p]


@record
class CheckFile:
    path: str
    checks: list[CheckSpec]


def find_config(path: str | None, cwd: str | None = None) -> tuple[str, bool]:
    """(the file to read, whether it is a pyproject.toml)."""
    if path:
        return path, Path(path).name == "pyproject.toml"
    here = Path(cwd or os.getcwd())
    if (here / DEFAULT_FILE).is_file():
        return str(here / DEFAULT_FILE), False
    if (here / "pyproject.toml").is_file():
        return str(here / "pyproject.toml"), True
    raise UsageError(
        f"no check file: give one (losscli check FILE), or add {DEFAULT_FILE} or [tool.losscli] in pyproject.toml"
    )


def load(path: str | None = None, *, cwd: str | None = None) -> CheckFile:
    """Read and validate a check file; every problem is a :class:`UsageError`."""
    file, pyproject = find_config(path, cwd)
    from losscli.io.documents import parse_toml, read_bytes

    data = parse_toml(read_bytes(file, "check file", UsageError), file, "check file", UsageError)
    if pyproject:
        data = (data.get("tool") or {}).get("losscli")
        if data is None:
            raise UsageError(f"{file} has no [tool.losscli] table")
    return parse(data, file)


def parse(data: dict[str, Any], file: str = "<checks>") -> CheckFile:
    unknown_top = sorted(set(data) - {"check", "defaults"})
    if unknown_top:
        raise UsageError(f"{file}: unknown table or key {unknown_top[0]!r}", hint="use [defaults] and [[check]]")
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, dict):
        raise UsageError(f"{file}: [defaults] must be a table")
    _validate(defaults, f"{file} [defaults]", required=())
    raw = data.get("check")
    if not raw:
        raise UsageError(f"{file} declares no checks", hint="add [[check]] tables with name, loss and inputs")
    if not isinstance(raw, list):
        raise UsageError(f"{file}: check must be an array of tables ([[check]])")
    base = Path(file).resolve().parent
    checks = []
    names: set[str] = set()
    for i, item in enumerate(raw, start=1):
        if not isinstance(item, dict):
            raise UsageError(f"{file}: check {i} must be a table")
        merged = {**defaults, **item}
        where = f"{file} check {item.get('name', i)!r}"
        _validate(merged, where, required=("name", "loss"))
        if merged["name"] in names:
            raise UsageError(f"{file}: two checks are named {merged['name']!r}")
        names.add(merged["name"])
        if not merged.get("data") and not (merged.get("labels") and merged.get("preds")):
            raise UsageError(f"{where} needs inputs: labels and preds, or data")
        if merged.get("data") and (merged.get("labels") or merged.get("preds")):
            raise UsageError(f"{where}: give either data or labels and preds, not both")
        if merged.get("fail_if_worse") and not merged.get("baseline_preds"):
            raise UsageError(f"{where}: fail_if_worse needs baseline_preds")
        if (merged.get("max_increase") is not None or merged.get("max_rel_increase") is not None) and not merged.get(
            "baseline"
        ):
            raise UsageError(f"{where}: max_increase and max_rel_increase need baseline")
        _refuse_keys_without_effect(item, merged, where)
        if merged.get("reduction") == "none":
            raise UsageError(f"{where}: reduction 'none' gives per-sample values only; a check needs a value",
                             hint="use reduction = 'mean' (or 'sum', or a peer's name such as 'sum_over_batch_size')")
        settings = {k: v for k, v in merged.items() if k not in ("name", "loss")}
        for key in PATH_KEYS:
            value = settings.get(key)
            if isinstance(value, str) and value != "-" and not os.path.isabs(value):
                # (outside the working folder: the path without its "..", as messages name it)
                settings[key] = (os.path.relpath(base / value) if _under_cwd(base / value)
                                 else os.path.normpath(base / value))
        checks.append(CheckSpec(merged["name"], merged["loss"], settings))
    _refuse_defaults_without_effect(defaults, [c.settings for c in checks], f"{file} [defaults]")
    return CheckFile(file, checks)


#: keys that only change what another key does → (the keys they need, what they do): as the command line
#: refuses ``--bootstrap``, ``--seed`` and ``--confidence`` without ``--ci`` or a comparison, and ``--force``
#: without ``--baseline``, a check file refuses them where they would be accepted and do nothing
KEYS_NEEDING = {
    "bootstrap": (("ci", "baseline_preds"), "sets the resamples of the bootstrap"),
    "seed": (("ci", "baseline_preds"), "seeds the bootstrap"),
    "confidence": (("baseline_preds",), "is the level of the paired comparison's interval"),
    "force": (("baseline",), "compares with a baseline whose signature differs"),
}


def _refuse_keys_without_effect(own: dict[str, Any], merged: dict[str, Any], where: str) -> None:
    """A key of the check's own table that changes nothing without the key it sets (``seed`` without ``ci``
    or ``baseline_preds``) is a usage error naming the one it needs."""
    for key, (needed, what) in KEYS_NEEDING.items():
        if key in own and own[key] is not False and not any(merged.get(k) is not None for k in needed):
            raise UsageError(f"{where}: {key} {what}, and the check has no {' or '.join(needed)}",
                             hint=f"add {' or '.join(needed)}, or leave out {key}")


def _refuse_defaults_without_effect(defaults: dict[str, Any], checks: list[dict[str, Any]], where: str) -> None:
    """A default that changes nothing in any check (``seed`` where no check has ``ci`` or ``baseline_preds``)
    is a usage error; one that some check takes is the others' default too, as ``check --force`` is."""
    for key, (needed, what) in KEYS_NEEDING.items():
        if key in defaults and defaults[key] is not False and not any(
                c.get(k) is not None for c in checks for k in needed):
            raise UsageError(f"{where}: {key} {what}, and no check has {' or '.join(needed)}",
                             hint=f"add {' or '.join(needed)} to a check, or leave out {key}")


def _under_cwd(p: Path) -> bool:
    try:
        p.resolve().relative_to(Path.cwd().resolve())
        return True
    except ValueError:
        return False


def _validate(table: dict[str, Any], where: str, required: tuple[str, ...]) -> None:
    for key, value in table.items():
        if key not in KEYS:
            import difflib

            close = difflib.get_close_matches(key, list(KEYS), n=1)
            raise UsageError(f"{where}: unknown key {key!r}", hint=f"did you mean {close[0]}?" if close else
                             f"known keys: {', '.join(KEYS)}")
        types, _ = KEYS[key]
        ok = isinstance(value, types) and not (isinstance(value, bool) and bool not in types)
        if not ok:
            names = " or ".join({"str": "a string", "int": "an integer", "float": "a number", "bool": "true/false",
                                 "list": "a list", "dict": "a table"}[t.__name__] for t in types)
            raise UsageError(f"{where}: {key} must be {names}, not {value!r}")
        _check_range(key, value, where)
    for key in required:
        if key not in table:
            raise UsageError(f"{where}: missing {key}")


#: allowed values of keys whose type alone does not say enough (the command line's option ranges)
CHOICES = {"nan": ("error", "skip", "warn"), "input_format": FORMATS}
#: key → (low, high, open low, open high); ``None`` is unbounded
RANGES: dict[str, tuple[float | None, float | None, bool, bool]] = {
    "eps": (0.0, 0.5, True, True),
    "sum_tol": (0.0, None, False, False),
    "ci": (0.0, 1.0, True, True),
    "confidence": (0.0, 1.0, True, True),
    "bootstrap": (10, MAX_RESAMPLES, False, False),
    "seed": (0, 2**63 - 1, False, False),
}


def _check_range(key: str, value: Any, where: str) -> None:
    """Refuse non-finite numbers everywhere, and values outside a key's range or choices."""
    if key in ("convention", "reduction"):
        from losscli.conventions import CONVENTIONS, REDUCTION_NAMES

        choices = tuple(CONVENTIONS) if key == "convention" else REDUCTION_NAMES
        if value not in choices:
            raise UsageError(f"{where}: {key} must be one of {', '.join(choices)}, not {value!r}")
    if key in CHOICES and value not in CHOICES[key]:
        raise UsageError(f"{where}: {key} must be one of {', '.join(CHOICES[key])}, not {value!r}")
    if isinstance(value, float) and not math.isfinite(value):
        raise UsageError(f"{where}: {key} must be a finite number, not {value!r}")
    if key == "classes" and isinstance(value, list) and not all(
            isinstance(c, (str, int)) and not isinstance(c, bool) for c in value):
        raise UsageError(f"{where}: classes must be a list of names or integers")
    if key == "params":
        for name, v in value.items():
            if isinstance(v, float) and not math.isfinite(v):
                raise UsageError(f"{where}: params.{name} must be a finite number, not {v!r}")
            if isinstance(v, (dict, list)) and not (isinstance(v, list) and all(
                    isinstance(x, (int, float)) and not isinstance(x, bool) for x in v)):
                raise UsageError(f"{where}: params.{name} must be a number, true/false or a list of numbers")
    bounds = RANGES.get(key)
    if bounds is None or not isinstance(value, (int, float)) or isinstance(value, bool):
        return
    low, high, open_low, open_high = bounds
    if (low is not None and (value <= low if open_low else value < low)) or (
            high is not None and (value >= high if open_high else value > high)):
        lo = "(" if open_low else "["
        hi = ")" if open_high or high is None else "]"
        raise UsageError(f"{where}: {key} must lie in {lo}{_bound(low)}, {'∞' if high is None else _bound(high)}{hi}, "
                         f"not {value!r}")


def _bound(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)
