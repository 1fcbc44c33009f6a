"""``losscli check``: run the named checks of a check file (``losscheck.toml`` or ``[tool.losscli]``)."""

from __future__ import annotations

import os
import time
from typing import Any

from losscli.commands import settings
from losscli.commands.output import render_document
from losscli.errors import LossCliError, UsageError
from losscli.files import OutputTransaction


def _refuse_mistakes(config: str, specs: list[Any], report: Any, opts: dict[str, Any]) -> None:
    """Every mistake of a check that depends on the check file alone (its settings, its loss and the limits
    on it: :func:`~losscli.operations.evaluation.refuse_check_mistakes`), a report file that is the check file
    or an input of a check, and two outputs naming one file: a usage error naming the check before any check
    runs, so nothing is written and no check's gate is left unevaluated (``warn = true`` or not). What
    depends on the data (a file that cannot be read, a column it lacks) is left to the check's own run."""
    from losscli.inputs.text_options import refuse_unused_text_options
    from losscli.operations.evaluation import refuse_check_mistakes, refuse_overwriting_inputs

    read, baselines = [config], {}
    for spec in specs:
        try:
            check = settings.check_settings(spec, force=bool(opts.get("force")),
                                            update_baseline=bool(opts.get("update_baseline")))
            refuse_check_mistakes(check)
            refuse_unused_text_options(check.inputs, [check.preds, check.baseline_preds, check.baseline_preds2])
        except UsageError as exc:  # a mistake in the check file (max_group without group_col, a parameter
            # the loss lacks, two losses): exit 2 before any check runs, as for an unknown key
            if not exc.message.startswith(f"check {spec.name!r}"):
                exc.message = f"check {spec.name!r}: {exc.message}"
            raise
        except LossCliError:
            continue
        read += check.files_read()
        # keyed by the file, as the updates below: checks sharing a baseline write it once
        baselines.update({os.path.realpath(b): b for b in check.gates.baseline_written()})
    refuse_overwriting_inputs([*report.files(), *baselines.values()], read)


def _shared_baselines(specs: list[Any]) -> set[str]:
    """The baseline files (resolved) that several checks of the file use, whether they run or not: each
    check's entry there is its own, found by its predictions file."""
    seen: dict[str, int] = {}
    for spec in specs:
        path = spec.settings.get("baseline")
        if isinstance(path, str) and path:
            key = os.path.realpath(path)
            seen[key] = seen.get(key, 0) + 1
    return {k for k, n in seen.items() if n > 1}


def run_check(config: str | None, opts: dict[str, Any], *, decided: dict[str, Any]) -> int:
    """Run every named check (or those of ``--only``); returns the exit status."""
    from losscli.operations import evaluation as op
    from losscli.quality import checkfile, gates
    from losscli.quality.session import baseline_results, update_baseline
    from losscli.report.comparison import check_markdown
    from losscli.report.machine import summary_dict
    from losscli.report.sidefiles import write_side_reports

    report = settings.report_settings(opts)
    started = time.perf_counter()
    cf = checkfile.load(config)
    only = list(opts.get("only") or ())
    missing = [n for n in only if n not in {c.name for c in cf.checks}]
    if missing:
        raise UsageError(f"no check named {missing[0]!r} in {cf.path}",
                         hint=f"checks: {', '.join(c.name for c in cf.checks)}")
    specs = [c for c in cf.checks if not only or c.name in only]
    _refuse_mistakes(cf.path, specs, report, opts)
    all_checks: list[gates.CheckResult] = []
    results: list[dict[str, Any]] = []
    comparisons: list[dict[str, Any]] = []
    shown: list[Any] = []  # the evaluations, for the HTML report
    error_codes: set[int] = set()
    #: baseline file → (its path as written, its results, the checks that decide whether it is written):
    #: checks sharing one file write it once, with all their results
    updates: dict[str, tuple[str, list[dict[str, Any]], list[gates.CheckResult]]] = {}
    left_out = bool(only)  # checks not run (--only) or not evaluated (an error): their entries are kept
    shared = _shared_baselines(cf.checks)
    with OutputTransaction():
        for spec in specs:
            try:
                check = settings.check_settings(spec, force=bool(opts.get("force")),
                                         update_baseline=bool(opts.get("update_baseline")))
                check.gates.baseline_by_file = bool(check.gates.baseline) and (
                    os.path.realpath(check.gates.baseline) in shared)
                evaluations, checks, comps = op.run_named_check(check, report)
            except UsageError as exc:  # a mistake of the check file found with its data (a column it names that
                # the file lacks, --by-class of a loss on real values): exit 2, warn or not, nothing written
                if not exc.message.startswith(f"check {spec.name!r}"):
                    exc.message = f"check {spec.name!r}: {exc.message}"
                raise
            except LossCliError as exc:
                left_out = True
                code = exc.exit_code
                failed = gates.CheckResult(spec.name, "input" if code == 3 else "usage", gates.ERROR, f"{spec.name}: {exc}",
                                       None, critical=not spec.warn, details={"exit_code": code})
                if spec.warn:
                    failed.status = gates.WARN
                    failed.message += " (not evaluated)"
                else:
                    error_codes.add(code)
                all_checks.append(failed)
                continue
            for c in checks:
                c.source = spec.name  # two checks' failures of one loss are told apart on stderr
            if check.warn:
                gates.demote_failures(checks, warn_only=True)
                for ev in evaluations:
                    if "checks" in ev.extra:
                        ev.extra["checks"] = [c.to_dict() for c in checks if c.loss in (None, ev.result.loss)]
            if check.gates.update_baseline and check.gates.baseline:
                # keyed by the file, however each check spells its path
                _, docs, deciding = updates.setdefault(os.path.realpath(check.gates.baseline),
                                                       (check.gates.baseline, [], []))
                for doc in baseline_results(evaluations):  # each entry names its file: checks may share one
                    preds = (doc.get("inputs") or {}).get("preds")
                    if doc.get("file") is None and isinstance(preds, dict) and preds.get("file"):
                        doc["file"] = preds["file"]
                    docs.append(doc)
                deciding += [c for c in checks if c.kind != "fail_if_worse"]
            for ev in evaluations:
                doc = summary_dict(ev, per_sample=False)
                doc["check"] = spec.name
                results.append(doc)
                ev.file = f"check {spec.name}"
                shown.append(ev)
            for comp in comps:
                comp["check"] = spec.name
            comparisons += comps
            all_checks += checks
        for path, docs, deciding in updates.values():
            if left_out:  # the checks left out keep their entries in a file they share
                docs = gates.load_baseline(path).updated_with(docs)
            update_baseline(path, docs, deciding)
        worst_error = 2 if 2 in error_codes else max(error_codes, default=0)
        status = worst_error or gates.exit_status(all_checks)
        decided["status"] = status
        doc = {
            "schema": 1,
            "command": "check",
            "config": cf.path,
            "status": "error" if worst_error else ("fail" if status == 1 else "pass"),
            "exit_code": status,
            "counts": gates.counts(all_checks),
            "checks": [c.to_dict() for c in all_checks],
            "results": results,
            "comparisons": comparisons,
        }
        markdown = check_markdown(doc)
        write_side_reports(report, results=results, checks=all_checks, markdown=markdown, comparisons=comparisons,
                           elapsed=time.perf_counter() - started)
        if report.html:
            op.write_html(report, shown, all_checks, comparisons=comparisons, title=f"losscli check — {cf.path}")
        from losscli.report.comparison import render_check

        render_document(doc, report.fmt, markdown=markdown, draw=lambda c: render_check(doc, c))
    op.report_check_lines(all_checks)
    return status
