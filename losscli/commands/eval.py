"""``losscli eval``: evaluate one or more losses on one input, or rank several prediction files."""

from __future__ import annotations

from typing import Any

from losscli.commands import settings
from losscli.commands.output import render_evaluations, report_notes, warn_once
from losscli.errors import UsageError
from losscli.files import OutputTransaction


def run_eval(loss: str, file: str | None, opts: dict[str, Any], *, stdin: Any, decided: dict[str, Any]) -> int:
    """Returns the exit status, decided before any output is written.

    One pass over the inputs evaluates every loss of ``LOSS`` (``bce,brier,...``); several prediction
    files (``--preds`` repeated or a glob) give one result per file, ranked by the first loss (a
    leaderboard); a glob as FILE is one dataset stored in shards.
    """
    from losscli.inputs.text_options import refuse_unused_text_options
    from losscli.operations import evaluation as op
    from losscli.quality.session import QualitySession

    loss_settings = settings.loss_settings(loss, opts)
    engine = settings.engine_settings(opts)
    report = settings.report_settings(opts)
    probes = op.build_evaluators(loss_settings, keep_per_sample=False)  # unknown losses and options: usage errors first
    op.refuse_per_sample_output(probes, report)
    session = QualitySession(settings.gate_settings(opts),  # usage errors before any input is read
                             hash_labels=report.shows_signature)
    _refuse_unshown_sections(report, session.gates)
    raw_preds = list(opts.get("preds") or ())
    local = engine.name == "local"
    if not local:
        session.refuse_taps()
    pred_files = op.expand_paths(raw_preds) if local else raw_preds
    data = [file] if file else []  # a glob: one dataset, opened by the input plan with a directory's rules
    if report.output and len(pred_files) > 1:
        raise UsageError("--output takes one prediction file", hint="run once per file to keep per-sample losses")
    if report.per_sample_only and len(pred_files) > 1 and report.fmt in ("quiet", "jsonl", "csv", "tsv"):
        flag = {"quiet": "-q", "jsonl": "--nl", "csv": "--csv", "tsv": "--tsv"}[report.fmt]
        does = ("would print every file's values one after another, with nothing to tell where a file ends"
                if flag == "-q" else "writes one line per file (a ranking, of no value under none)")
        raise UsageError(f"--reduction none asks for per-sample values, and beside several prediction files "
                         f"({len(pred_files)}) {flag} {does}",
                         hint="run once per file, or use --json: each file's per_sample list, under its file")
    if report.state_out and len(pred_files) > 1:
        raise UsageError("--state-out takes one prediction dataset", hint="run once per file")
    if opts.get("preds2") and len(pred_files) > 1:
        raise UsageError("--preds2 goes with one predictions file", hint="run once per pair of files")
    if opts.get("preds2") and not local:
        raise UsageError("--preds2 needs --engine local",
                         hint="with --engine dask put both inputs in one file and select them with --pred2-cols")
    inputs = settings.input_settings(opts, data=data, preds=pred_files[0] if pred_files else None,
                              extra_cols=session.gates.extra_cols())
    refuse_unused_text_options(inputs, pred_files)
    op.refuse_overwriting_inputs([*report.files(), *session.gates.baseline_written()],
                                 [*inputs.files(), *pred_files, *loss_settings.files, *session.gates.baseline_read()])
    with OutputTransaction():
        if local:
            evaluations, evaluators = op.evaluate_local(loss_settings, inputs, pred_files, report=report,
                                                        session=session, stdin=stdin)
        else:
            from losscli.operations.dask_inputs import evaluate_with_dask

            if len(pred_files) > 1:
                raise UsageError("--engine dask takes one prediction dataset", hint="give a glob of its shards")
            session.refuse_untapped()  # before the cluster does any work
            evaluations, evaluators = evaluate_with_dask(loss_settings, inputs, report, engine)
            session.bind_untapped(evaluators, evaluations)
        if report.state_out:
            from losscli.engine.state import write_state

            used = evaluations[0].inputs if evaluations else {}
            write_state(report.state_out, evaluators, source=file or (pred_files[0] if pred_files else None),
                        columns={r: used[r]["columns"] for r in ("labels", "preds") if "columns" in used.get(r, {})})
        report_notes(evaluations, quiet=report.fmt == "quiet")
        warned = [*(w for ev in evaluations for w in ev.warnings), *_unmerged(report, session.gates)]
        warn_once(warned)
        status = op.finish_checks(session, evaluations, report)  # checks, baseline, side reports
        warn_once(w for ev in evaluations for w in ev.warnings if w not in warned)  # the slices' own
        decided["status"] = status
        render_evaluations(evaluations, report.fmt, summary_only=report.summary_only,
                           sample_rows=report.sample_rows)
    op.report_check_lines(session.checks)  # one line per failed check on stderr, after the report
    return status


def _refuse_unshown_sections(report: Any, gates: Any) -> None:
    """``--ci``, ``--by-class`` and ``--group-col`` add sections to the report: beside ``-q`` or a per-sample
    format, with no gate deciding on them, no side report showing them and (slices) no ``--state-out`` keeping
    them for ``merge``, they would be computed and shown nowhere, a usage error."""
    if report.fmt not in ("quiet", "jsonl", "csv", "tsv") or gates.update_baseline or any(
            (report.junit_xml, report.openmetrics, report.html, report.step_summary)):
        return
    asked = [(flag, what) for flag, what, on in (
        ("--ci", "a confidence interval", gates.ci is not None),
        ("--by-class", "per-class values", gates.by_class and not gates.max_class and not report.state_out),
        ("--group-col", "per-group values", bool(gates.group_col) and not gates.max_group
         and not report.state_out)) if on]
    if not asked:
        return
    flag, what = asked[0]
    shown = {"quiet": "-q prints only the value", "jsonl": "--nl writes only per-sample values",
             "csv": "--csv writes only per-sample values", "tsv": "--tsv writes only per-sample values"}[report.fmt]
    raise UsageError(f"{flag} adds {what} to the report, and {shown}: they would be computed and shown nowhere",
                     hint=f"for {what} use --json, --md or the table (or a side report: --junit-xml, --openmetrics, "
                          f"--html), or leave out {flag}")


def _unmerged(report: Any, gates: Any) -> list[str]:
    """What a shard's state leaves out: it keeps the totals and the slices' sums, so ``merge`` gives the
    per-class and per-group slices but no interval (a bootstrap needs every sample's value)."""
    if not (report.state_out and gates.ci is not None):
        return []
    return [f"the state in {report.state_out} keeps no confidence interval: `losscli merge` gives none (a bootstrap "
            "resamples every sample's value; this shard's own interval is in this report)"]
