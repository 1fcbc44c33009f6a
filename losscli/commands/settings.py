"""Options parsed once: click's options (and a check file's keys) become typed settings objects.

Nothing below the commands sees a raw option dict: the operations and both engines take
:class:`~losscli.settings.LossSettings`, :class:`~losscli.inputs.plan.InputOptions`,
:class:`~losscli.quality.session.GateOptions`, :class:`~losscli.settings.ReportSettings`,
:class:`~losscli.settings.EngineSettings`, :class:`~losscli.quality.paired.CompareSettings` and a check's
:class:`~losscli.quality.checkfile.CheckSettings`. Value ranges are checked here, before any input is read.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from losscli.errors import ParameterError, UsageError
from losscli.settings import EngineSettings, LossSettings, ReportSettings

if TYPE_CHECKING:
    from losscli.inputs.plan import InputOptions
    from losscli.quality.checkfile import CheckSettings, CheckSpec
    from losscli.quality.paired import CompareSettings
    from losscli.quality.session import GateOptions

#: Loss-parameter options: option name → loss parameter.
PARAM_OPTIONS = {
    "log_probs": "log_probs",
    "label_smoothing": "label_smoothing",
    "class_weights": "class_weights",
    "pos_weight": "pos_weight",
    "ignore_index": "ignore_index",
    "gamma": "gamma",
    "alpha": "alpha",
    "delta": "delta",
    "beta": "beta",
    "q": "q",
    "n_bins": "n_bins",
    "strategy": "strategy",
    "unit": "unit",
}

Options = Mapping[str, Any]


def losses_taking(param: str) -> list[str]:
    """The names of the registered losses that take the parameter ``param``."""
    from losscli.registry import list_losses

    return [s.name for s in list_losses() if s.param(param) is not None]


def _finite(value: Any, option: str, *, low: float | None = None, high: float | None = None,
            open_low: bool = False, open_high: bool = False) -> float:
    """``value`` as a finite float within the bounds, else a usage error naming the option."""
    try:
        out = float(value)
    except (TypeError, ValueError):
        raise UsageError(f"{option} takes a number, not {value!r}") from None
    if not math.isfinite(out):
        raise UsageError(f"{option} must be finite, not {value!r}")
    if low is not None and (out < low or (open_low and out == low)):
        raise UsageError(f"{option} must be {'>' if open_low else '≥'} {low:g}, not {value!r}")
    if high is not None and (out > high or (open_high and out == high)):
        raise UsageError(f"{option} must be {'<' if open_high else '≤'} {high:g}, not {value!r}")
    return out


# ------------------------------------------------------------------------------------------- loss


def loss_settings(loss: str, opts: Options) -> LossSettings:
    """The losses of ``LOSS`` with the loss-parameter options, the convention and the reduction."""
    params: dict[str, Any] = {}
    files: list[str] = []
    if opts.get("from_logits") is not None:
        params["from_logits"] = opts["from_logits"]
    for option, param in PARAM_OPTIONS.items():
        value = opts.get(option)
        if value is None:
            continue
        if option == "class_weights" and isinstance(value, str) and os.path.isfile(value):
            files.append(value)
            value = _read_numbers(value, "--class-weights")
        params[param] = value
    eps = opts.get("eps")
    if eps is not None:
        eps = _finite(eps, "--eps", low=0.0, high=0.5, open_low=True, open_high=True)
    given = opts.get("sum_tol")
    sum_tol = 1e-3 if given is None else _finite(given, "--sum-tol", low=0.0)
    counts = tuple(name for name in ("words", "bytes")
                   if opts.get(f"{name}_col") is not None or opts.get(name) is not None)
    return LossSettings(expression=loss, params=params, convention=opts.get("convention") or "losscli", eps=eps,
                        reduction=opts.get("reduction") or "mean", sum_tol=sum_tol, sum_tol_given=given is not None,
                        counts=counts, files=tuple(files))


def _read_numbers(path: str, flag: str) -> list[float]:
    try:
        with open(path, encoding="utf-8-sig") as f:
            text = f.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ParameterError(f"cannot read the {flag} file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    items = [t for t in text.replace(",", " ").split() if t]
    try:
        return [float(t) for t in items]
    except ValueError:
        raise ParameterError(f"{flag} file {path} must hold numbers only") from None


# ------------------------------------------------------------------------------------------- inputs


def input_settings(opts: Options, *, data: list[str], preds: str | None,
                   extra_cols: dict[str, str] | None = None) -> InputOptions:
    """Where the inputs are and which columns hold what."""
    from losscli.inputs.plan import InputOptions

    classes = opts.get("classes")
    if isinstance(classes, str):
        classes = [c.strip() for c in classes.split(",")]
    chunk_rows = opts.get("chunk_rows")
    if chunk_rows is not None and int(chunk_rows) < 1:
        raise UsageError(f"--chunk-rows must be at least 1, not {chunk_rows}")

    def text(key: str) -> str | None:
        return None if opts.get(key) is None else str(opts[key])

    preds2 = opts.get("preds2")
    extra = dict(extra_cols or {})
    files = {}
    for name in ("words", "bytes"):  # per-row counts ride along with the predictions, like the group column
        if text(f"{name}_col") is not None:
            extra[name] = str(text(f"{name}_col"))
        if text(name) is not None:  # or come in a file of their own, aligned by row
            files[name] = str(text(name))

    return InputOptions(
        data=data, labels=opts.get("labels"), preds=preds, weights=opts.get("weights"),
        preds2=preds2, pred2_cols=text("pred2_cols") if preds2 else None,
        label_cols=text("label_cols"), pred_cols=text("pred_cols") if preds2 else _pred_selection(opts),
        weight_col=text("weight_col"),
        id_col=opts.get("id_col"), classes=[str(c) for c in classes] if classes else None,
        nan=opts.get("nan") or "error", chunk_rows=chunk_rows, header=_header(opts),
        delimiter=opts.get("delimiter"), fmt=opts.get("input_format"), extra_cols=extra, extra_files=files,
    )


def _header(opts: Options) -> bool | None:
    """``--header``/``--no-header``; neither: guessed (a first CSV row of numbers is data)."""
    if opts.get("header") and opts.get("no_header"):
        raise UsageError("--header and --no-header contradict each other")
    return True if opts.get("header") else False if opts.get("no_header") else None


def _pred_selection(opts: Options) -> str | None:
    """The prediction columns: ``--pred-cols``, then the second input's ``--pred2-cols`` (pairwise losses)."""
    first, second = opts.get("pred_cols"), opts.get("pred2_cols")
    if second is None:
        return None if first is None else str(first)
    if first is None:
        raise UsageError("--pred2-cols needs --pred-cols", hint="select the first input's columns with --pred-cols")
    return f"{first},{second}"


# ------------------------------------------------------------------------------------------- gates


def gate_settings(opts: Options, *, name: str | None = None) -> GateOptions:
    """Thresholds, baselines, intervals and breakdowns (option names as in :mod:`losscli.cli_options`). The
    gates' parsers are loaded only for the limits given."""
    from losscli.quality.session import GateOptions

    def limits(key: str, option: str, *, relative: bool = False) -> list[Any]:
        given = _many(opts.get(key))
        if not given:
            return []
        from losscli.quality.gates import parse_limits

        return parse_limits(given, option, relative=relative)

    if opts.get("update_baseline"):
        refuse_stdout_as_file(opts.get("baseline"), "--baseline")  # written, so a file
    if name is None:
        _refuse_options_without_effect(opts)
    ci = opts.get("ci")
    out = GateOptions(
        maximum=limits("max", "--max"),
        minimum=limits("min", "--min"),
        baseline=opts.get("baseline"),
        max_increase=limits("max_increase", "--max-increase"),
        max_rel_increase=limits("max_rel_increase", "--max-rel-increase", relative=True),
        force=bool(opts.get("force")),
        update_baseline=bool(opts.get("update_baseline")),
        warn_only=bool(opts.get("warn_only")),
        ci=None if ci is None else _finite(ci, "--ci"),
        resamples=_resamples(opts),
        seed=_seed(opts),
        by_class=bool(opts.get("by_class")),
        group_col=opts.get("group_col"),
        max_group=limits("max_group", "--max-group"),
        max_class=limits("max_class", "--max-class"),
        name=name,
    )
    try:
        out.validate()
    except UsageError as exc:
        if name is None:
            raise
        raise UsageError(f"check {name!r}: {exc.message}", hint=exc.hint) from None
    return out


def _refuse_options_without_effect(opts: Options) -> None:
    """A command-line option that only changes what another one does is a usage error without it: it would
    be accepted and do nothing. (A check file's checks share ``check --force``: not refused there.)"""
    if opts.get("ci") is None:
        for key, what in (("bootstrap", "sets the resamples"), ("seed", "seeds the random draws")):
            if opts.get(key) is not None:
                raise UsageError(f"--{key} {what} of the bootstrap interval of --ci, and no --ci is given",
                                 hint=f"add --ci 0.95 for the interval, or leave out --{key}")
    if opts.get("force") and not opts.get("baseline"):
        raise UsageError("--force compares with a baseline whose signature differs, and no --baseline is given",
                         hint="add --baseline FILE, or leave out --force")
    if opts.get("warn_only") and not any(opts.get(k) for k in ("max", "min", "baseline", "max_group", "max_class")):
        raise UsageError("--warn-only reports failed checks as warnings, and no check is given",
                         hint="add a check (--max, --min, --baseline, --max-group, --max-class), or leave out "
                              "--warn-only")


def _many(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


#: The most bootstrap resamples (each costs a pass over the per-sample losses).
MAX_RESAMPLES = 100_000


def _resamples(opts: Options) -> int:
    value = opts.get("bootstrap")
    if value is None:
        return 2000
    if isinstance(value, bool) or not float(value).is_integer() or not 10 <= int(value) <= MAX_RESAMPLES:
        raise UsageError(f"--bootstrap takes a whole number of resamples from 10 to {MAX_RESAMPLES}, not {value!r}")
    return int(value)


def _seed(opts: Options) -> int:
    value = opts.get("seed")
    if value is None:
        return 0
    if isinstance(value, bool) or not float(value).is_integer() or not 0 <= int(value) < 2**32:
        raise UsageError(f"--seed takes a whole number from 0 to 2**32 − 1, not {value!r}")
    return int(value)


# ------------------------------------------------------------------------------------------- reports


def refuse_stdout_as_file(path: str | None, flag: str) -> None:
    """``-`` names standard input where a file is read; as the file an option writes it is a usage error
    (standard output carries the report), not a file named ``-``; so is ``/dev/stdout`` or any path naming
    what standard output is now (a pipe: the file and the report run together; a file: one replaces the
    other)."""
    if path is None:
        return
    if path != "-" and not _is_stdout(path):
        return
    hint = ("for per-sample values on standard output use --format csv, tsv or jsonl" if flag == "--output"
            else "give it a file name")
    raise UsageError(f"{flag} {path} : standard output carries the report, not this file", hint=hint)


def _is_stdout(path: str) -> bool:
    """Whether ``path`` is what standard output is now (the null device aside: both go nowhere)."""
    try:
        mine, out = os.stat(path), os.fstat(1)
        null = os.stat(os.devnull)
    except (OSError, ValueError):
        return False
    same = (mine.st_dev, mine.st_ino) == (out.st_dev, out.st_ino)
    return same and (mine.st_dev, mine.st_ino) != (null.st_dev, null.st_ino)


def report_settings(opts: Options, *, per_sample_formats: bool = True) -> ReportSettings:
    """stdout's format (:func:`stdout_format`) and the files to write."""
    fmt = stdout_format(opts)
    step_summary = bool(opts.get("step_summary"))
    if step_summary and not os.environ.get("GITHUB_STEP_SUMMARY"):
        raise UsageError(
            "--step-summary needs the environment variable GITHUB_STEP_SUMMARY (set by GitHub Actions)",
            hint="outside GitHub Actions write the report with --md > report.md",
        )
    for option in ("output", "state_out", "junit_xml", "openmetrics", "html"):
        refuse_stdout_as_file(opts.get(option), "--" + option.replace("_", "-"))
    output = opts.get("output")
    if opts.get("summary_only"):
        _refuse_summary_only(fmt)
    summary_only = bool(opts.get("summary_only") or output)
    per_sample_only = opts.get("reduction") == "none"
    if per_sample_only and opts.get("state_out"):
        raise UsageError(
            "--state-out keeps the sums that shards merge into one value, and --reduction none asks for no value",
            hint="write the state with the reduction the merged value is to have (--reduction mean or sum); the "
                 "per-sample values with --output",
        )
    if per_sample_only:
        _check_no_reduction(opts, fmt, summary_only)
    if opts.get("html"):
        from losscli.report.html import check_available

        check_available()  # matplotlib, before any input is read
    return ReportSettings(
        fmt=fmt, summary_only=summary_only, output=output, per_sample_only=per_sample_only,
        state_out=opts.get("state_out"), junit_xml=opts.get("junit_xml"), openmetrics=opts.get("openmetrics"),
        step_summary=step_summary, step_summary_file=os.environ.get("GITHUB_STEP_SUMMARY") if step_summary else None,
        progress=not opts.get("no_progress"), html=opts.get("html"),
        sample_rows=not opts.get("summary_only"),
    )


#: stdout's formats: the shortest option that asks for each, and what it writes
_FORMATS = {"json": ("--json", "the JSON report"), "jsonl": ("--nl", "one JSON line per sample"),
            "csv": ("--csv", "one CSV line per sample"), "tsv": ("--tsv", "one TSV line per sample"),
            "md": ("--md", "the Markdown summary"), "table": ("--format table", "the table")}


def stdout_format(opts: Options) -> str:
    """stdout's format: ``quiet`` for ``-q``, else the one asked for (a table on a terminal, JSON otherwise).
    ``-q`` beside a format is a usage error: stdout holds one of them, and the other would be ignored."""
    from losscli.commands.output import default_format

    fmt = opts.get("fmt")
    if not opts.get("quiet"):
        return default_format(fmt)
    if fmt is not None:
        flag, what = _FORMATS.get(fmt, (f"--format {fmt}", f"the {fmt} report"))
        raise UsageError(f"-q and {flag} ask for two reports on standard output, which holds one",
                         hint=f"give one of them: -q alone prints the value, {flag} alone {what}")
    return "quiet"


def _refuse_summary_only(fmt: str) -> None:
    """``--summary-only`` leaves the per-sample values out of the JSON report and the table; beside a format
    that has none (``-q``, ``--md``) or nothing else (``--nl``, ``--csv``, ``--tsv``) it would do nothing."""
    if fmt in ("json", "table"):
        return
    if fmt in ("quiet", "md"):
        flag, what = ("-q", "prints only the value") if fmt == "quiet" else ("--md", "writes the summary alone")
        raise UsageError(f"--summary-only changes nothing beside {flag}, which {what} (it leaves the per-sample "
                         "values out of the JSON report and the table)",
                         hint=f"leave out --summary-only ({flag} alone gives the same output)")
    flag, what = _FORMATS[fmt]
    raise UsageError(f"--summary-only leaves the per-sample values out, and {flag} writes only them ({what})",
                     hint="for the summary alone use --json --summary-only (or --md); for the per-sample values leave "
                          f"out --summary-only, or write them to a file with -o losses.{fmt} beside a --json summary")


def _check_no_reduction(opts: Options, fmt: str, summary_only: bool) -> None:
    """``--reduction none`` gives per-sample values only: refuse what needs a reduced value."""
    needs_value = [f"--{k.replace('_', '-')}" for k in ("max", "min", "baseline", "max_increase", "max_rel_increase",
                                                        "ci", "update_baseline", "max_group", "max_class")
                   if opts.get(k)]
    if needs_value:
        raise UsageError(f"{needs_value[0]} needs a reduced value; --reduction none gives per-sample values only",
                         hint="use --reduction mean (or sum) for checks")
    if fmt in ("table", "md") or (summary_only and not opts.get("output")):
        several = len(opts.get("preds") or ()) > 1  # each file's values: --json alone keeps them apart
        raise UsageError("--reduction none gives per-sample values only",
                         hint="choose --json (each prediction file's per_sample list), or run once per file"
                         if several else "choose --nl, --csv, --tsv, --json, -q (one value per line) or -o FILE")


def engine_settings(opts: Options) -> EngineSettings:
    """Where the evaluation runs; ``--scheduler`` names a Dask cluster, so it goes with ``--engine dask``."""
    name = opts.get("engine") or "local"
    if opts.get("scheduler") and name != "dask":
        raise UsageError("--scheduler names a Dask cluster: it goes with --engine dask",
                         hint="add --engine dask, or leave out --scheduler")
    return EngineSettings(name=name, scheduler=opts.get("scheduler"))


def compare_settings(opts: Options) -> CompareSettings:
    """Bootstrap and listing settings of a paired comparison."""
    from losscli.quality.paired import CompareSettings

    confidence = opts.get("confidence")
    confidence = 0.95 if confidence is None else _finite(confidence, "--confidence", low=0.0, high=1.0,
                                                          open_low=True, open_high=True)
    tol = opts.get("tol")
    tol = 1e-12 if tol is None else _finite(tol, "--tol", low=0.0)
    top = opts.get("top")
    return CompareSettings(resamples=_resamples(opts), confidence=confidence, seed=_seed(opts),
                           top=10 if top is None else int(top), tol=tol,
                           fail_if_worse=bool(opts.get("fail_if_worse")))


# ------------------------------------------------------------------------------------------- check files


#: Check-file keys that mean what the command-line option of the same name means.
_CHECK_KEYS = ("labels", "weights", "preds2", "label_cols", "pred_cols", "pred2_cols", "weight_col", "id_col",
               "classes", "convention",
               "reduction", "eps", "nan", "sum_tol", "delimiter", "input_format", "bootstrap", "seed", "confidence", "ci",
               "by_class", "group_col", "max_group", "max_class", "max", "min", "baseline", "max_increase",
               "max_rel_increase", "fail_if_worse", "words_col", "bytes_col", "words", "bytes")


def check_settings(spec: CheckSpec, *, force: bool, update_baseline: bool) -> CheckSettings:
    """The settings of one check: its keys read as the same-named options (``header``, ``logits`` and
    ``params`` spelled as in the check file)."""
    from losscli.quality.checkfile import CheckSettings

    s = spec.settings
    unknown = [k for k in (s.get("params") or {}) if k not in PARAM_OPTIONS.values()]
    if unknown:
        raise UsageError(f"check {spec.name!r}: unknown loss parameter {unknown[0]!r}",
                         hint=f"write it in the loss, e.g. loss = \"{spec.loss}({unknown[0]}=...)\"")
    if s.get("baseline_preds2") and not (s.get("preds2") and s.get("baseline_preds")):
        raise UsageError(f"check {spec.name!r}: baseline_preds2 goes with baseline_preds and preds2")
    if s.get("preds2") and s.get("baseline_preds") and not s.get("baseline_preds2"):
        raise UsageError(f"check {spec.name!r}: preds2 with baseline_preds needs baseline_preds2 (the baseline's "
                         "second input)",
                         hint="give baseline_preds2, or put each model's two inputs in its predictions file and "
                              "select them with pred_cols and pred2_cols")
    opts: dict[str, Any] = {k: s.get(k) for k in _CHECK_KEYS}
    opts["no_header"] = s.get("header") is False
    opts["header"] = s.get("header") is True
    opts["from_logits"] = s.get("logits")
    opts["log_probs"] = s.get("log_probs")
    opts["force"] = bool(s.get("force") or force)
    opts["update_baseline"] = bool(update_baseline and s.get("baseline"))
    opts.update(s.get("params") or {})
    try:
        loss = loss_settings(spec.loss, opts)
        compare = compare_settings(opts)
    except UsageError as exc:
        raise UsageError(f"check {spec.name!r}: {exc.message}", hint=exc.hint) from None
    gates = gate_settings(opts, name=spec.name)
    inputs = input_settings(opts, data=[s["data"]] if s.get("data") else [], preds=s.get("preds"),
                            extra_cols=gates.extra_cols())
    return CheckSettings(name=spec.name, loss=loss, inputs=inputs, gates=gates, compare=compare,
                         preds=s.get("preds"), baseline_preds=s.get("baseline_preds"), warn=spec.warn,
                         baseline_preds2=s.get("baseline_preds2"))
