"""``losscli compare``: a paired, significance-aware comparison of prediction files on one labels file: one
candidate against the baseline, or several ranked with Holm's correction."""

from __future__ import annotations

import time
from typing import Any

from losscli.commands import settings
from losscli.commands.output import render_document, warn_once
from losscli.errors import UsageError
from losscli.files import OutputTransaction, same_file


def run_compare(loss: str, opts: dict[str, Any], *, stdin: Any, decided: dict[str, Any]) -> int:
    """Returns the exit status, decided before any output is written."""
    from losscli.inputs.text_options import refuse_unused_text_options
    from losscli.operations import evaluation as op
    from losscli.quality import gates
    from losscli.report.comparison import compare_markdown
    from losscli.report.sidefiles import write_side_reports

    report = settings.report_settings(opts)
    missing = [o for o, k in (("--labels", "labels"), ("--preds", "preds"), ("--baseline-preds", "baseline_preds"))
               if not opts.get(k)]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}", hint="compare needs --labels, --preds and --baseline-preds")
    if opts.get("reduction") == "none":
        raise UsageError("compare compares the models' reduced values; --reduction none gives per-sample values only",
                         hint="use --reduction mean (or sum); `losscli eval --reduction none` lists per-sample values")
    _refuse_unshown_options(opts, report)
    loss_settings = settings.loss_settings(loss, opts)
    compare = settings.compare_settings(opts)
    candidates = _candidates(list(opts["preds"]), opts["baseline_preds"])
    baseline2 = _second_inputs(opts, candidates)
    inputs = settings.input_settings(opts, data=[], preds=candidates[0])
    refuse_unused_text_options(inputs, [*candidates, opts["baseline_preds"], baseline2])
    if len(candidates) > 1:
        return _run_many(loss_settings, compare, report, candidates, opts, stdin=stdin, decided=decided)
    op.refuse_overwriting_inputs(report.files(), [*inputs.files(), *loss_settings.files, opts["baseline_preds"],
                                                  baseline2])
    started = time.perf_counter()
    with OutputTransaction():
        evidence: dict[str, Any] | None = {} if report.html else None
        comp, checks = op.compare_files(loss_settings, inputs, compare, candidates[0], opts["baseline_preds"],
                                        stdin=stdin, evidence=evidence, baseline_preds2=baseline2)
        warn_once(comp["warnings"])
        status = gates.exit_status(checks)
        decided["status"] = status
        write_side_reports(report, results=[], checks=checks, markdown=compare_markdown(comp),
                           comparisons=[comp], elapsed=time.perf_counter() - started)
        if evidence is not None:
            op.write_html(report, evidence["evaluations"], checks, comparisons=[comp],
                          differences=evidence["differences"], title="losscli compare")
        from losscli.report.comparison import render_compare

        render_document(comp, report.fmt, markdown=compare_markdown(comp), draw=lambda c: render_compare(comp, c),
                        quiet=lambda: _number(comp["difference"]["mean"]))
    op.report_check_lines(checks)
    return status


def _refuse_unshown_options(opts: dict[str, Any], report: Any) -> None:
    """``-q`` prints the difference alone: beside it, the options that set the interval and the verdict, or the
    samples' counts and the worst listed, would change nothing unless ``--fail-if-worse`` (the verdict) or a
    report that shows them (``--step-summary``, ``--html``) takes them: a usage error naming the option."""
    if report.fmt != "quiet" or report.step_summary or report.html:
        return
    shown = (("--top", "top", "lists the most worsened samples", "them"),
             ("--tol", "tol", "sets which samples count as unchanged, improved or worsened", "the counts"))
    verdict = (("--confidence", "confidence", "sets the level of the interval and the verdict", "the interval"),
               ("--bootstrap", "bootstrap", "sets the resamples of the interval", "the interval"),
               ("--seed", "seed", "seeds the resamples of the interval", "the interval"))
    for flag, key, what, them in (*shown, *(() if opts.get("fail_if_worse") else verdict)):
        if opts.get(key) is not None:
            verdict_too = "" if them in ("them", "the counts") else "add --fail-if-worse to exit 1 on the verdict, "
            raise UsageError(f"{flag} {what}, and -q prints only the difference: it would change nothing",
                             hint=f"leave out {flag}, {verdict_too}or drop -q: --json, --md and the table show "
                                  f"{them}, as do --step-summary and --html")


def _second_inputs(opts: dict[str, Any], candidates: list[str]) -> str | None:
    """The baseline's ``--baseline-preds2``, checked against the candidate's ``--preds2``: both or neither,
    and with one candidate."""
    preds2, baseline2 = opts.get("preds2"), opts.get("baseline_preds2")
    if bool(preds2) != bool(baseline2):
        given, other = ("--preds2", "--baseline-preds2") if preds2 else ("--baseline-preds2", "--preds2")
        raise UsageError(f"{given} needs {other}: each model's second input comes from a file of its own",
                         hint="give both, or put each model's two inputs in its predictions file and select them "
                              "with --pred-cols and --pred2-cols")
    if preds2 and len(candidates) > 1:
        raise UsageError("--preds2 goes with one --preds file", hint="compare each candidate on its own")
    return baseline2


def _run_many(loss_settings: Any, compare: Any, report: Any, candidates: list[str], opts: dict[str, Any], *,
              stdin: Any, decided: dict[str, Any]) -> int:
    """Several candidates against one baseline: the ranked, Holm-corrected comparison."""
    from losscli.operations import evaluation as op
    from losscli.quality import gates
    from losscli.report.comparison import compare_many_markdown
    from losscli.report.sidefiles import write_side_reports

    inputs = settings.input_settings(opts, data=[], preds=candidates[0])
    op.refuse_overwriting_inputs(report.files(), [*inputs.files(), *loss_settings.files, *candidates,
                                                  opts["baseline_preds"]])
    started = time.perf_counter()
    with OutputTransaction():
        evidence: dict[str, Any] | None = {} if report.html else None
        doc, checks = op.compare_many(loss_settings, inputs, compare, candidates, opts["baseline_preds"],
                                      stdin=stdin, evidence=evidence)
        warn_once(doc["warnings"])
        status = gates.exit_status(checks)
        decided["status"] = status
        markdown = compare_many_markdown(doc)
        write_side_reports(report, results=[], checks=checks, markdown=markdown,
                           comparisons=[_flat(doc, c) for c in doc["candidates"]], elapsed=time.perf_counter() - started)
        if evidence is not None:
            op.write_html(report, evidence["evaluations"], checks,
                          comparisons=[_flat(doc, c) for c in doc["candidates"]],
                          differences_each=evidence["differences"], title="losscli compare")
        from losscli.report.comparison import render_compare_many

        by_file = {c["candidate"]["file"]: c["difference"]["mean"] for c in doc["candidates"]}
        render_document(doc, report.fmt, markdown=markdown, draw=lambda c: render_compare_many(doc, c),
                        quiet=lambda: "".join(_number(by_file[f]) for f in candidates))
    op.report_check_lines(checks)
    return status


def _number(value: float | None) -> str:
    """One difference on a line of its own, at full precision (``nan`` when undefined)."""
    return f"{float('nan') if value is None else float(value)!r}\n"


def _flat(doc: dict[str, Any], entry: dict[str, Any]) -> dict[str, Any]:
    """One candidate's entry as a stand-alone comparison (the shape side reports take)."""
    return {**{k: doc[k] for k in ("schema", "command", "loss", "params", "convention", "reduction", "baseline",
                                   "higher_is_better")}, **entry}


def _candidates(patterns: list[str], baseline: str) -> list[str]:
    """The files of ``--preds``, a glob giving several candidates as eval's ``--preds`` does; the baseline,
    where a glob matches it too ('runs/*.csv'), is no candidate of its own (named as a ``--preds`` it is one)."""
    from losscli.operations.evaluation import expand_paths

    out: list[str] = []
    for pattern in patterns:
        found = expand_paths([pattern])
        if found != [pattern]:
            found = [f for f in found if baseline == "-" or not same_file(f, baseline)] or found
        out += found
    return list(dict.fromkeys(out))
