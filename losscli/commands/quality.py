"""The quality commands (``compare``, ``check``) and the gate hooks of ``eval``.

Every command decides its exit status before writing its report to stdout: 1 only for a failed critical
check, 2 for a usage problem, 3 for unreadable or invalid inputs (or a report file that cannot be written).
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from losscli.commands.output import default_format, emit, print_rich, warn
from losscli.errors import LossCliError, UsageError
from losscli.quality import gates as G
from losscli.quality.session import GateOptions, QualitySession, update_baseline

# ------------------------------------------------------------------------------------------- shared


def _evaluator(loss: str, opts: dict[str, Any], *, keep_per_sample: bool = False) -> Any:
    """One Evaluator for a single loss expression with the loss-parameter options."""
    from losscli.commands.core import make_evaluators

    evaluators = make_evaluators(loss, opts, keep_per_sample=keep_per_sample)
    if len(evaluators) != 1:
        raise UsageError(f"give one loss here, not {len(evaluators)} ({loss})")
    return evaluators[0]


def _input_options(opts: dict[str, Any], *, file: str | None, preds: str | None,
                   extra_cols: dict[str, str] | None = None) -> Any:
    from losscli.commands.core import input_options

    return input_options(opts, data=[file] if file else [], preds=preds, extra_cols=extra_cols)


def _report_lines(checks: list[G.CheckResult]) -> None:
    """One line per failed, warned or errored check on stderr (after the report, so they end the log)."""
    for c in checks:
        if c.status != G.PASS:
            sys.stderr.write(c.line() + "\n")
    sys.stderr.flush()


def report_failures(session: QualitySession) -> None:
    """``eval``: the failure lines of the checks decided by :func:`finish_eval`."""
    _report_lines(session.checks)


# ------------------------------------------------------------------------------------------- eval


def eval_session(opts: dict[str, Any]) -> QualitySession:
    """The quality features of ``eval`` (usage errors are raised here, before any input is read)."""
    from losscli.report.sidefiles import check_report_options

    check_report_options(opts)
    return QualitySession(GateOptions.from_options(opts))


def finish_eval(session: QualitySession, evaluations: list[Any], opts: dict[str, Any]) -> int:
    """Decide the checks of an ``eval`` run, report failures, write the side files; return the status."""
    from losscli.report import markdown_summary
    from losscli.report.machine import summary_dict
    from losscli.report.sidefiles import write_side_reports

    checks = session.decide()
    session.checks = checks  # their failure lines are written after the report (report_failures)
    if session.gates.update_baseline and session.gates.baseline:
        update_baseline(session.gates.baseline, evaluations, checks)
    if opts.get("junit_xml") or opts.get("openmetrics") or opts.get("step_summary"):
        results = [summary_dict(ev, per_sample=False) for ev in evaluations]
        markdown = markdown_summary(evaluations) if opts.get("step_summary") else None
        write_side_reports(opts, results=results, checks=checks, markdown=markdown)
    return G.exit_status(checks)


# ------------------------------------------------------------------------------------------- compare


def _side(loss: str, opts: dict[str, Any], preds: str, stdin: Any) -> Any:
    """Evaluate one prediction file for a paired comparison."""
    from losscli.inputs.plan import plan_inputs
    from losscli.pipeline import run_many
    from losscli.quality.paired import Side
    from losscli.quality.taps import RowTap, install_tap

    evaluator = _evaluator(loss, opts, keep_per_sample=False)
    plan = plan_inputs(_input_options(opts, file=None, preds=preds), evaluator.spec, stdin=stdin)
    tap = install_tap(evaluator, keep=True)
    rows = RowTap()
    (evaluation,) = run_many(plan, [evaluator], observers=[lambda b, values, off: rows(b, values[0], off)])
    return Side(plan.preds.source.name, evaluation.result, tap.values(), tap.weights(), tap.counted(),
                rows.rows(), rows.ids(), evaluator.outputs, evaluator.rule), evaluation, evaluator.spec


def compare_files(loss: str, opts: dict[str, Any], candidate: str, baseline: str, *, stdin: Any = None,
                  name: str | None = None) -> tuple[dict[str, Any], list[G.CheckResult]]:
    """The paired comparison of two prediction files and its ``fail_if_worse`` check (if asked for)."""
    from losscli.quality.paired import paired_compare

    if opts.get("labels") == "-" or "-" in (candidate, baseline):
        raise UsageError("compare reads its inputs twice: give files, not '-' (stdin)")
    cand, cand_ev, spec = _side(loss, opts, candidate, stdin)
    base, base_ev, _ = _side(loss, opts, baseline, stdin)
    comp = paired_compare(
        cand, base, higher_is_better=bool(spec.higher_is_better), resamples=opts.get("bootstrap") or 2000,
        confidence=opts.get("confidence") or 0.95, seed=opts.get("seed") or 0, top=opts.get("top", 10),
        tol=opts.get("tol") if opts.get("tol") is not None else 1e-12,
    )
    comp["warnings"] = list(dict.fromkeys(cand_ev.warnings + base_ev.warnings + comp["warnings"]))
    checks = []
    if opts.get("fail_if_worse"):
        checks.append(worse_check(comp, name or comp["loss"]))
    if checks:
        comp["checks"] = [c.to_dict() for c in checks]
    return comp, checks


def worse_check(comp: dict[str, Any], name: str) -> G.CheckResult:
    d = comp["difference"]
    ci = d["ci"]
    level = f"{ci['confidence'] * 100:g}% CI [{G.g(ci['low'])}, {G.g(ci['high'])}]"
    sign = "+" if (d["mean"] or 0) >= 0 else ""
    what = f"{comp['loss']} {comp['reduction']} candidate − baseline {sign}{G.g(d['mean'])}, {level}"
    n = f"(n={comp['n']})"
    if comp["verdict"] == "worse":
        status, text = G.FAIL, f"{what}: significantly worse {n}"
    elif comp["verdict"] == "undefined":
        status, text = G.FAIL, f"{what}: the interval is undefined, cannot tell {n}"
    else:
        status, text = G.PASS, f"{what}: not significantly worse ({comp['verdict']}) {n}"
    return G.CheckResult(f"{name} fail_if_worse", "fail_if_worse", status, text, comp["loss"], d["mean"], 0.0,
                         comp["n"], details={"ci_low": ci["low"], "ci_high": ci["high"]})


def run_compare(loss: str, opts: dict[str, Any], *, stdin: Any, decided: dict[str, Any]) -> int:
    """``losscli compare``: returns the exit status (decided before any output is written)."""
    from losscli.report.sidefiles import check_report_options, write_side_reports

    check_report_options(opts)
    if not opts.get("labels") or not opts.get("preds") or not opts.get("baseline_preds"):
        missing = [o for o, k in (("--labels", "labels"), ("--preds", "preds"), ("--baseline-preds", "baseline_preds"))
                   if not opts.get(k)]
        raise UsageError(f"missing {', '.join(missing)}", hint="compare needs --labels, --preds and --baseline-preds")
    if not 0.0 < opts["confidence"] < 1.0:
        raise UsageError(f"--confidence must lie in (0, 1), not {opts['confidence']}")
    fmt = default_format(opts.get("fmt"))
    started = time.perf_counter()
    comp, checks = compare_files(loss, opts, opts["preds"], opts["baseline_preds"], stdin=stdin)
    for message in comp["warnings"]:
        warn(message)
    status = G.exit_status(checks)
    decided["status"] = status
    from losscli.report.comparison import compare_markdown

    write_side_reports(opts, results=[], checks=checks, markdown=compare_markdown(comp), comparisons=[comp],
                       elapsed=time.perf_counter() - started)
    if fmt == "json":
        emit([json.dumps(comp, indent=2, allow_nan=False, ensure_ascii=False) + "\n"])
    elif fmt == "md":
        emit([compare_markdown(comp)])
    else:
        from losscli.report.comparison import render_compare

        print_rich(lambda c: render_compare(comp, c))
    _report_lines(checks)
    return status


# ------------------------------------------------------------------------------------------- check


def _gate_options(spec: Any, cli: dict[str, Any]) -> GateOptions:
    s = spec.settings

    def lim(key: str, option: str, relative: bool = False) -> list[G.Limit]:
        v = s.get(key)
        return [] if v is None else [G.parse_limit(v, f"{spec.name}: {option}", relative=relative)]

    gates = GateOptions(
        maximum=lim("max", "max"),
        minimum=lim("min", "min"),
        baseline=s.get("baseline"),
        max_increase=lim("max_increase", "max_increase"),
        max_rel_increase=lim("max_rel_increase", "max_rel_increase", relative=True),
        force=bool(s.get("force") or cli.get("force")),
        update_baseline=bool(cli.get("update_baseline") and s.get("baseline")),
        ci=s.get("ci"),
        resamples=s.get("bootstrap", 2000),
        seed=s.get("seed", 0),
        by_class=bool(s.get("by_class")),
        group_col=s.get("group_col"),
        max_group=(lim("max_group", "max_group") or [None])[0],
        max_class=(lim("max_class", "max_class") or [None])[0],
        name=spec.name,
    )
    try:
        gates.validate()
    except UsageError as exc:
        raise UsageError(f"check {spec.name!r}: {exc.message}", hint=exc.hint) from None
    return gates


def _check_opts(spec: Any) -> dict[str, Any]:
    """A check's settings as the command-line option dict the shared builders take."""
    s = spec.settings
    opts: dict[str, Any] = {k: s.get(k) for k in ("labels", "weights", "label_cols", "pred_cols", "weight_col",
                                                  "id_col", "classes", "convention", "reduction", "eps", "nan",
                                                  "sum_tol", "delimiter", "bootstrap", "seed", "confidence")}
    opts["no_header"] = s.get("header") is False
    opts["from_logits"] = s.get("logits")
    opts["fail_if_worse"] = s.get("fail_if_worse")
    for key, value in (s.get("params") or {}).items():
        opts[key] = value
    return opts


def _run_one(spec: Any, cli: dict[str, Any]) -> tuple[list[Any], list[G.CheckResult], list[dict], GateOptions]:
    """Evaluate one named check: (evaluations, check results, comparisons, its gates)."""
    from losscli.inputs.plan import plan_inputs
    from losscli.pipeline import run_many

    opts = _check_opts(spec)
    unknown = [k for k in (spec.get("params") or {}) if k not in _param_names()]
    if unknown:
        raise UsageError(f"check {spec.name!r}: unknown loss parameter {unknown[0]!r}")
    gates = _gate_options(spec, cli)
    evaluator = _evaluator(spec.loss, opts)
    preds = spec.get("preds")
    options = _input_options(opts, file=spec.get("data"), preds=preds, extra_cols=gates.extra_cols())
    plan = plan_inputs(options, evaluator.spec)
    session = QualitySession(gates)
    observers = session.attach(plan, [evaluator])
    evaluations = run_many(plan, [evaluator], observers=observers)
    session.bind(evaluations)
    checks = session.decide()
    comparisons = []
    if spec.get("baseline_preds"):
        if not preds:
            raise UsageError(f"check {spec.name!r}: baseline_preds needs labels and preds")
        comp, more = compare_files(spec.loss, opts, preds, spec.get("baseline_preds"), name=spec.name)
        comparisons.append(comp)
        checks += G.soften(more)
    if not checks:
        r = evaluations[0].result
        checks.append(G.CheckResult(f"{spec.name}", "evaluate", G.PASS,
                                    f"{r.loss} {r.reduction} {G.g(r.value)} (n={r.n}; no gate)", r.loss, r.value,
                                    None, r.n))
        evaluations[0].extra["checks"] = [checks[0].to_dict()]
    return evaluations, checks, comparisons, gates


def _param_names() -> set[str]:
    from losscli.commands.settings import PARAM_OPTIONS

    return set(PARAM_OPTIONS.values())


def run_check(config: str | None, opts: dict[str, Any], *, decided: dict[str, Any]) -> int:
    """``losscli check``: run every named check of a check file; returns the exit status."""
    from losscli.quality import checkfile
    from losscli.report.machine import summary_dict
    from losscli.report.sidefiles import check_report_options, write_side_reports

    check_report_options(opts)
    started = time.perf_counter()
    cf = checkfile.load(config)
    only = list(opts.get("only") or ())
    specs = [c for c in cf.checks if not only or c.name in only]
    missing = [n for n in only if n not in {c.name for c in cf.checks}]
    if missing:
        raise UsageError(f"no check named {missing[0]!r} in {cf.path}",
                         hint=f"checks: {', '.join(c.name for c in cf.checks)}")
    fmt = default_format(opts.get("fmt"))
    all_checks: list[G.CheckResult] = []
    results: list[dict[str, Any]] = []
    comparisons: list[dict[str, Any]] = []
    error_codes: set[int] = set()
    for spec in specs:
        try:
            evaluations, checks, comps, gates = _run_one(spec, opts)
        except LossCliError as exc:
            code = exc.exit_code
            check = G.CheckResult(spec.name, "input" if code == 3 else "usage", G.ERROR, f"{spec.name}: {exc}",
                                  None, critical=not spec.warn, details={"exit_code": code})
            if spec.warn:
                check.status = G.WARN
                check.message += " (not evaluated)"
            else:
                error_codes.add(code)
            all_checks.append(check)
            continue
        if spec.warn:
            G.soften(checks, warn_only=True)
            for ev in evaluations:
                if "checks" in ev.extra:
                    ev.extra["checks"] = [c.to_dict() for c in checks if c.loss in (None, ev.result.loss)]
        if gates.update_baseline and gates.baseline:
            update_baseline(gates.baseline, evaluations, [c for c in checks if c.kind != "fail_if_worse"])
        for ev in evaluations:
            doc = summary_dict(ev, per_sample=False)
            doc["check"] = spec.name
            results.append(doc)
        for comp in comps:
            comp["check"] = spec.name
        comparisons += comps
        all_checks += checks
    worst_error = 2 if 2 in error_codes else max(error_codes, default=0)
    status = worst_error or G.exit_status(all_checks)
    decided["status"] = status
    n = G.counts(all_checks)
    doc = {
        "schema": 1,
        "command": "check",
        "config": cf.path,
        "status": "error" if worst_error else ("fail" if status == 1 else "pass"),
        "exit_code": status,
        "counts": n,
        "checks": [c.to_dict() for c in all_checks],
        "results": results,
        "comparisons": comparisons,
    }
    from losscli.report.comparison import check_markdown

    markdown = check_markdown(doc)
    write_side_reports(opts, results=results, checks=all_checks, markdown=markdown, comparisons=comparisons,
                       elapsed=time.perf_counter() - started)
    if fmt == "json":
        emit([json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"])
    elif fmt == "md":
        emit([markdown])
    else:
        from losscli.report.comparison import render_check

        print_rich(lambda c: render_check(doc, c))
    _report_lines(all_checks)
    return status
