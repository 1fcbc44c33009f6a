"""What ``eval``, ``check`` and ``compare`` do alike: build the evaluators from the loss settings, plan the
inputs (the plan decides the chunk size, so every command streams in bounded memory), stream them through
the evaluators with the quality taps, the per-sample sink and the progress bar, decide the gates and write
the side reports.

Every file a run writes is staged in the command's :class:`~losscli.files.OutputTransaction`.
"""

from __future__ import annotations

import dataclasses
import math
import sys
from typing import TYPE_CHECKING, Any

from losscli.errors import UsageError
from losscli.escape import printable
from losscli.files import same_file
from losscli.settings import LossSettings, ReportSettings

if TYPE_CHECKING:
    from losscli.quality import gates
    from losscli.quality.paired import CompareSettings

# ------------------------------------------------------------------------------------------- evaluators


def convention_of(loss: LossSettings) -> Any:
    """The convention of the settings, with ``eps`` overriding its probability clip."""
    from losscli.conventions import get_convention

    conv = get_convention(loss.convention)
    if loss.eps is not None:
        conv = dataclasses.replace(conv, clip="fixed", fixed_eps=loss.eps)
    return conv


#: the options that say what the prediction columns hold (not a parameter of one loss): with them, a loss
#: that reads those columns as probabilities and cannot read them as said would score other numbers
INPUT_KINDS = {"from_logits": "--logits", "log_probs": "--log-probs"}


def loss_params(specs: list[Any], loss: LossSettings) -> list[dict[str, Any]]:
    """The parameters of each loss: an option goes to the losses that take it; an option none of them
    takes is a usage error naming the losses that do. ``--logits`` and ``--log-probs`` say what the
    predictions are, so a loss of probabilities that does not take them (``brier``, ``d2_log_loss``, ``dice``,
    ...) is a usage error beside one that does: it would read the logits as probabilities."""
    from losscli.registry import list_losses

    per_loss: list[dict[str, Any]] = [{} for _ in specs]
    for param, value in loss.params.items():
        takers = [i for i, spec in enumerate(specs) if spec.param(param) is not None]

        def everyone(param: str = param) -> list[str]:  # every loss taking it (loads plugins: for hints only)
            return [s.name for s in list_losses() if s.param(param) is not None]

        if not takers:
            flag = "--logits/--probs" if param == "from_logits" else "--" + param.replace("_", "-")
            names = ", ".join(s.name for s in specs)
            raise UsageError(
                f"{names} {'does' if len(specs) == 1 else 'do'} not take {flag}",
                hint=f"it is taken by: {', '.join(everyone())}" if everyone() else None,
            )
        if param in INPUT_KINDS and value:
            readers = [s.name for i, s in enumerate(specs)
                       if i not in takers and s.pred_kind in ("probability", "distribution")]
            if readers:
                what = "logits" if param == "from_logits" else "log-probabilities"
                raise UsageError(
                    f"{', '.join(readers)} {'takes' if len(readers) == 1 else 'take'} probabilities, not "
                    f"{what}: with {INPUT_KINDS[param]} {'it' if len(readers) == 1 else 'they'} would read the "
                    f"{what} as probabilities",
                    hint=f"evaluate {', '.join(readers)} on probabilities in a run of {'its' if len(readers) == 1 else 'their'} "
                         f"own; {INPUT_KINDS[param]} is taken by: {', '.join(everyone())}",
                )
        for i in takers:
            per_loss[i][param] = value
    return per_loss


def loss_texts(loss: LossSettings) -> list[str]:
    from losscli.registry import split_loss_list

    return split_loss_list(loss.expression)


def build_evaluators(loss: LossSettings, *, keep_per_sample: bool) -> list[Any]:
    """One :class:`~losscli.engine.evaluator.Evaluator` per loss of the expression (``"bce,brier(...)"``)."""
    from losscli.engine.evaluator import Evaluator
    from losscli.registry import get_loss, implied_params

    texts = loss_texts(loss)
    specs = [get_loss(t) for t in texts]
    params = loss_params(specs, loss)
    conv = convention_of(loss)
    counting = count_takers(specs, loss.counts)
    evaluators = [
        Evaluator(spec, convention=conv, reduction=loss.reduction, sum_tol=loss.sum_tol,
                  keep_per_sample=keep_per_sample, counts=loss.counts if i in counting else (),
                  **implied_params(text, par))
        for i, (spec, text, par) in enumerate(zip(specs, texts, params, strict=True))
    ]
    if loss.sum_tol_given:
        refuse_unused_sum_tol(evaluators)
    if loss.eps is not None:
        refuse_unused_eps(evaluators)
    return evaluators


def refuse_unused_eps(evaluators: list[Any]) -> None:
    """``--eps`` clips predicted probabilities; where none of the losses clips any (mse, hinge; brier or ece,
    which take probabilities as given; bce or cce from logits, computed from them exactly) it would change
    nothing: a usage error naming why, and the losses it applies to."""
    if any(ev.clips() for ev in evaluators):
        return
    from losscli.registry import list_losses

    def why(ev: Any) -> str:
        if ev.spec.pred_kind not in ("probability", "distribution"):
            return f"{ev.spec.name} takes none"
        clipping = [c for c in ev.spec.conventions if c != ev.conv.name and ev.spec.clips and ev.spec.clips(ev.params, c)]
        elsewhere = f"; under --convention {', '.join(clipping)} it does" if clipping else ""
        if ev.params.get("from_logits"):
            return f"{ev.spec.name} from logits clips none (it is computed from them exactly{elsewhere})"
        if ev.params.get("log_probs"):
            return f"{ev.spec.name} from log-probabilities clips none" + (f" ({elsewhere[2:]})" if elsewhere else "")
        return f"{ev.spec.name} clips none (it takes them as given{elsewhere})"

    def taker(spec: Any) -> str | None:
        """A loss the clip applies to on probabilities, with the conventions where it does if not all."""
        if spec.pred_kind not in ("probability", "distribution"):
            return None
        where = [c for c in spec.conventions if spec.clips is None or spec.clips({}, c)]
        if not where:
            return None
        return spec.name if len(where) == len(spec.conventions) else f"{spec.name} (--convention {', '.join(where)})"

    takers = ", ".join(t for t in map(taker, list_losses()) if t)
    raise UsageError(
        f"--eps clips predicted probabilities, and {'; '.join(why(ev) for ev in evaluators)}",
        hint=f"leave out --eps; it applies to these losses on probabilities: {takers}",
    )


def refuse_unused_sum_tol(evaluators: list[Any]) -> None:
    """``--sum-tol`` is the tolerance of the check that rows sum to 1; given for losses none of which checks
    that (mse, bce, a cross-entropy on logits), it would change nothing: a usage error naming those that do."""
    if any(ev.checks_row_sums for ev in evaluators):
        return
    from losscli.registry import list_losses

    names = ", ".join(ev.spec.name for ev in evaluators)
    why = " on logits" if any(ev.spec.pred_kind == "distribution" for ev in evaluators) else ""
    takers = ", ".join(s.name for s in list_losses() if "distribution" in (s.label_kind, s.pred_kind))
    raise UsageError(
        f"--sum-tol is the tolerance of the check that rows sum to 1, and {names} "
        f"{'does' if len(evaluators) == 1 else 'do'} not check that{why}",
        hint=f"leave out --sum-tol; it applies to one-hot or soft label rows and to probability or log-probability "
             f"rows over classes ({takers}; binary_crossentropy's predict_proba columns under --convention sklearn)",
    )


def refuse_per_sample_output(evaluators: list[Any], report: ReportSettings) -> None:
    """A batch-level loss (Keras' ``Dice()``, the default of dice and tversky under ``--convention keras``)
    has no per-sample values: asking for them (``-o``, ``--format jsonl/csv/tsv``) is a usage error."""
    batch = [ev for ev in evaluators if getattr(ev, "batch_level", False)]
    if not batch:
        return
    asked = ("--output" if report.output else f"--format {report.fmt}" if report.fmt in ("jsonl", "csv", "tsv")
             else None)
    if asked is None:
        return
    ev = batch[0]
    default = " (Keras' default, under --convention keras)" if ev.conv.name == "keras" else ""
    raise UsageError(
        f"{ev.spec.name} with axis=None{default} is one value for the whole batch: it has no per-sample "
        f"values for {asked}",
        hint=f"for one value per sample give '{ev.spec.name}(axis=-1)'; for the batch value drop {asked} "
             "(--format json or table)",
    )


def count_takers(specs: list[Any], counts: tuple[str, ...]) -> set[int]:
    """The losses that take the per-row word/byte counts (the cross-entropies, which have a perplexity);
    counts that none of them takes are a usage error naming those that do."""
    if not counts:
        return set()
    takers = {i for i, spec in enumerate(specs) if spec.perplexity}
    if not takers:
        from losscli.registry import list_losses

        flags = ", ".join(f"--{n}-col" for n in counts)
        names = ", ".join(s.name for s in specs)
        raise UsageError(f"{names} {'has' if len(specs) == 1 else 'have'} no word/byte perplexity ({flags})",
                         hint="they are reported for: " + ", ".join(s.name for s in list_losses() if s.perplexity))
    return takers


def refuse_sum_tol_unchecked(loss: LossSettings, evaluators: list[Any]) -> None:
    """``--sum-tol`` given, and no input of the run (every prediction file of a ranking, both sides of a
    comparison) had rows over classes for it to check: a usage error, decided once the inputs are read and
    found valid (a data error first; nothing is written)."""
    if loss.sum_tol_given and not any(ev.rows_checked for ev in evaluators):
        from losscli.engine.evaluator import refuse_sum_tol_without_rows

        names = list(dict.fromkeys(ev.spec.name for ev in evaluators if ev.checks_row_sums))
        if names:
            refuse_sum_tol_without_rows(names)


def one_evaluator(loss: LossSettings, *, keep_per_sample: bool = False) -> Any:
    """The evaluator of a single loss expression (``compare`` and check files take one loss)."""
    evaluators = build_evaluators(loss, keep_per_sample=keep_per_sample)
    if len(evaluators) != 1:
        raise UsageError(f"give one loss here, not {len(evaluators)} ({loss.expression})")
    return evaluators[0]


# ------------------------------------------------------------------------------------------- inputs


def expand_paths(patterns: list[str]) -> list[str]:
    """Paths and globs → the files, in order, without repeats."""
    from losscli.inputs.plan import glob_paths

    out: list[str] = []
    for pattern in patterns:
        out.extend(glob_paths(pattern))
    return list(dict.fromkeys(out))


def refuse_overwriting_inputs(outputs: list[str], inputs: list[str | None]) -> None:
    """An output file that is one of the inputs is a usage error (it would destroy the data), and so are two
    outputs naming one file (the last written would replace the first)."""
    for i, out in enumerate(outputs):
        if any(same_file(out, other) for other in outputs[:i]):
            raise UsageError(f"two outputs name the file {out}", hint="give each output a file of its own")
    import os

    files = []
    for inp in inputs:
        if not inp or inp == "-":
            continue
        if not os.path.exists(inp) and ":" in inp and os.path.exists(inp.rsplit(":", 1)[0]):
            inp = inp.rsplit(":", 1)[0]  # an array of an NPZ file (d.npz:y): the file
        if any(c in inp for c in "*?[") and not os.path.exists(inp):
            import glob  # (only a pattern needs it)

            files += glob.glob(inp)  # a glob of shards that the Dask engine reads unexpanded: the files it matches
        else:
            files.append(inp)
    for out in outputs:
        for inp in files:
            if os.path.isdir(inp) and os.path.commonpath([os.path.realpath(out), os.path.realpath(inp)]) == \
                    os.path.realpath(inp):  # a part of a directory read as one dataset, or a new one among them
                raise UsageError(f"the output file {out} is in {inp}, a directory read as one of the inputs",
                                 hint="write the results to another folder")
            if same_file(out, inp):
                raise UsageError(f"the output file {out} is one of the inputs",
                                 hint="write the results to another file")


# ------------------------------------------------------------------------------------------- streaming


def evaluate_plan(plan: Any, evaluators: list[Any], *, report: ReportSettings, session: Any = None,
                  tag_file: bool = False) -> list[Any]:
    """Stream one input plan through the evaluators with the quality taps, the ``--output`` sink and the
    progress bar; the sink's file is staged in the open output transaction."""
    from losscli.pipeline import run_many

    sink = None
    observers: list[Any] = session.attach(plan, evaluators) if session is not None else []
    if report.output:
        from losscli.report.naming import column_names
        from losscli.report.sink import PerSampleSink

        names = column_names([(ev.spec.name, ev.params) for ev in evaluators])
        sink = PerSampleSink(report.output, names, with_ids=plan.ids is not None)
        input_rows = plan.options.nan != "error"  # --nan skip: the index is the input row, as on stdout

        def write_rows(batch: Any, values: list[Any], offset: int) -> None:
            sink.write(values, batch.ids, offset, batch.rows if input_rows else None)

        observers.append(write_rows)
    reliability: list[Any] = []
    if report.html:  # the reliability diagram's bins, for the losses on class probabilities or logits
        from losscli.engine.calibration import Reliability, applies

        for ev in evaluators:
            kind = applies(ev.spec, ev.params, len(plan.preds.columns))
            reliability.append(Reliability.of(kind, ev.params, ev.conv.name) if kind else None)
        observers += [rel.observe for rel in reliability if rel is not None]
    progress = None
    if report.progress:
        from losscli.report.progress import maybe_progress

        progress = maybe_progress(plan)
        if progress is not None:
            observers.append(progress.observe)
    try:
        # -q prints values only: no display rows or histogram sample to keep (unless an HTML report shows them)
        display = report.fmt != "quiet" or bool(report.html)
        evaluations = run_many(plan, evaluators, observers=observers, display=display)
    except BaseException:
        if sink is not None:
            sink.abort()
        raise
    finally:
        if progress is not None:
            progress.close()
    if sink is not None:  # (.npy holds a value per input row: NaN for the rows --nan skip dropped, to the last)
        sink.commit(input_rows=plan.samples + plan.skipped if plan.options.nan != "error" else None)
    for ev in evaluators:
        ev.skipped_rows = plan.skipped
    if session is not None:
        session.bind(evaluations)
    if reliability:
        for ev, rel in zip(evaluations, reliability, strict=True):
            ev.reliability = rel
    if tag_file:
        for ev in evaluations:
            ev.file = plan.preds.source.name
    return evaluations


def evaluate_local(loss: LossSettings, inputs: Any, pred_files: list[str], *, report: ReportSettings,
                   session: Any, stdin: Any) -> tuple[list[Any], list[Any]]:
    """Every prediction file (or the one-file input) through fresh evaluators, streamed here;
    (evaluations, evaluators). Several files make a leaderboard."""
    from losscli.inputs.plan import plan_inputs

    evaluations: list[Any] = []
    used: list[Any] = []
    several = len(pred_files) > 1
    for pred_file in pred_files or [None]:
        options = inputs if pred_file is None else dataclasses.replace(inputs, preds=pred_file)
        evaluators = build_evaluators(loss, keep_per_sample=report.keep_per_sample)
        for ev in evaluators:
            ev.shard = bool(report.state_out)
        plan = plan_inputs(options, evaluators[0].spec, stdin=stdin)
        evaluations.extend(evaluate_plan(plan, evaluators, report=report, session=session, tag_file=several))
        used.extend(evaluators)
    refuse_sum_tol_unchecked(loss, used)
    if several:
        evaluations = leaderboard(evaluations, len(loss_texts(loss)))
    return evaluations, used


def leaderboard(evaluations: list[Any], n_losses: int) -> list[Any]:
    """Results grouped by file, files ranked by the first loss's value (best first; undefined last).

    Best is the lowest value of a loss and the highest of a score (``higher_is_better`` in the registry:
    ``r2``, ``explained_variance``, ``d2_log_loss``, ``d2_brier``)."""
    groups = [evaluations[i:i + n_losses] for i in range(0, len(evaluations), n_losses)]
    for given, group in enumerate(groups):
        for ev in group:
            ev.given = given  # the file's place on the command line (``-q`` prints in that order)
    from losscli.registry import get_loss

    sign = -1.0 if groups and get_loss(groups[0][0].result.loss).higher_is_better else 1.0

    def key(group: list[Any]) -> float:
        v = group[0].result.value
        return sign * v if math.isfinite(v) else math.inf

    groups.sort(key=key)
    out = []
    for rank, group in enumerate(groups, start=1):
        for ev in group:
            ev.rank = rank
            out.append(ev)
    return out


# ------------------------------------------------------------------------------------------- gates


def finish_checks(session: Any, evaluations: list[Any], report: ReportSettings) -> int:
    """Decide the checks of an evaluation, update the baseline, write the side reports; the exit status."""
    checks = session.decide()
    session.checks = checks  # their failure lines are written after the report
    if session.gates.update_baseline and session.gates.baseline:
        from losscli.quality.session import baseline_results, update_baseline

        update_baseline(session.gates.baseline, baseline_results(evaluations), checks)
    if report.junit_xml or report.openmetrics or report.step_summary:
        from losscli.report.machine import summary_dict
        from losscli.report.markdown import markdown_summary
        from losscli.report.sidefiles import write_side_reports

        results = [summary_dict(ev, per_sample=False) for ev in evaluations]
        markdown = markdown_summary(evaluations) if report.step_summary else None
        write_side_reports(report, results=results, checks=checks, markdown=markdown)
    if report.html:
        write_html(report, evaluations, checks)
    if not checks:  # a run that asked for no gate
        return 0
    from losscli.quality import gates

    return gates.exit_status(checks)


def write_html(report: ReportSettings, evaluations: list[Any], checks: list[Any], **page: Any) -> None:
    """``--html``: the page of the run, staged in the output transaction like every side file."""
    from losscli.files import write_atomic
    from losscli.report.html import html_report

    write_atomic(report.html, html_report(evaluations, checks, **page), make_folder=True)


def report_check_lines(checks: list[gates.CheckResult]) -> None:
    """One line per failed, warned or errored check on stderr (after the report, so they end the log)."""
    if checks:  # (a run that asked for no gate has none, and does not load the gates)
        from losscli.quality.gates import PASS

        for c in checks:
            if c.status != PASS:
                sys.stderr.write(printable(c.line()) + "\n")
    sys.stderr.flush()


# ------------------------------------------------------------------------------------------- compare


def _run_side(loss: LossSettings, inputs: Any, preds: str, stdin: Any, pairing: Any, *, reliability: bool = False,
              preds2: str | None = None) -> tuple[Any, Any, Any]:
    """Evaluate one prediction file of a paired comparison (with its own second input ``preds2`` of a
    pairwise loss, if any); ``pairing`` observes its samples (and the reliability bins are kept, for an HTML
    report)."""
    from losscli.inputs.plan import plan_inputs
    from losscli.pipeline import run_many

    evaluator = one_evaluator(loss)
    plan = plan_inputs(dataclasses.replace(inputs, data=[], preds=preds, preds2=preds2), evaluator.spec, stdin=stdin)
    evaluator.chunk_listeners.append(pairing.listen)
    observers: list[Any] = [pairing.observe]
    rel = None
    if reliability:
        from losscli.engine.calibration import Reliability, applies

        kind = applies(evaluator.spec, evaluator.params, len(plan.preds.columns))
        rel = Reliability.of(kind, evaluator.params, evaluator.conv.name) if kind else None
        if rel is not None:
            observers.append(rel.observe)
    (evaluation,) = run_many(plan, [evaluator], keep_ids=True, observers=observers)  # ids pair the two runs
    evaluation.reliability = rel
    evaluation.file = plan.preds.source.name
    return plan.preds.source.name, evaluation, evaluator


def _release_reader_memory() -> None:
    """Between the two runs of a comparison: give the memory pyarrow's allocator kept from the candidate's
    readers back to the system (it keeps freed pages for reuse; the baseline's run would allocate beside
    them, and both would count in the process's peak)."""
    pyarrow = sys.modules.get("pyarrow")
    if pyarrow is not None:
        pyarrow.default_memory_pool().release_unused()


def compare_files(loss: LossSettings, inputs: Any, compare: CompareSettings, candidate: str, baseline: str, *,
                  stdin: Any = None, name: str | None = None, evidence: dict[str, Any] | None = None,
                  p_value: bool = False, baseline_preds2: str | None = None
                  ) -> tuple[dict[str, Any], list[gates.CheckResult]]:
    """The paired comparison of two prediction files and its ``fail_if_worse`` check (if asked for). A
    pairwise loss takes the candidate's second input from ``inputs.preds2`` and the baseline's from
    ``baseline_preds2`` when they are files of their own.

    The candidate's samples are spilled to a temporary file and paired with the baseline's as it streams
    (:mod:`losscli.quality.paired_stream`), so memory stays bounded. ``evidence``, when given, receives
    what an HTML report draws: both sides' evaluations (``evaluations``) and a uniform sample of the
    per-sample differences candidate − baseline (``differences``). ``p_value`` keeps the difference's
    bootstrap p-value in the document (several candidates need it for their correction)."""
    from losscli.quality.paired_stream import LockstepPairing, SideSpill, UniformSample

    refuse_uncomparable(one_evaluator(loss), inputs, [candidate, baseline, baseline_preds2])
    cand_spill, base_spill = SideSpill(), SideSpill()
    try:
        keep = evidence is not None
        sample = UniformSample() if keep else None
        cfile, cand_ev, evaluator = _run_side(loss, inputs, candidate, stdin, cand_spill, reliability=keep,
                                              preds2=inputs.preds2)
        _release_reader_memory()
        pairing = LockstepPairing(cand_spill, base_spill, rule=evaluator.rule,
                                  higher_is_better=bool(evaluator.spec.higher_is_better), tol=compare.tol,
                                  top=compare.top, seed=compare.seed,
                                  on_pairs=None if sample is None else sample.add)
        bfile, base_ev, base_evaluator = _run_side(loss, inputs, baseline, stdin, _PairingObserver(base_spill, pairing),
                                                   reliability=keep, preds2=baseline_preds2)
        if evidence is not None and sample is not None:
            evidence["evaluations"] = [cand_ev, base_ev]
            # rows paired by id, not in step: the differences are left to the comparison's own tables
            evidence["differences"] = sample.values() if pairing.in_step else None
        comp = pairing.result((cfile, cand_ev.result, cand_ev.ids, evaluator.outputs),
                              (bfile, base_ev.result, base_ev.ids, base_evaluator.outputs),
                              resamples=compare.resamples, confidence=compare.confidence)
    finally:
        cand_spill.close()
        base_spill.close()
    refuse_sum_tol_unchecked(loss, [evaluator, base_evaluator])
    comp["warnings"] = list(dict.fromkeys(cand_ev.warnings + base_ev.warnings + comp["warnings"]))
    if not p_value:
        del comp["difference"]["p_value"]
    checks = [worse_check(comp, name or comp["loss"])] if compare.fail_if_worse else []
    if checks:
        comp["checks"] = [c.to_dict() for c in checks]
    return comp, checks


def compare_many(loss: LossSettings, inputs: Any, compare: CompareSettings, candidates: list[str], baseline: str,
                 *, stdin: Any = None, evidence: dict[str, Any] | None = None
                 ) -> tuple[dict[str, Any], list[gates.CheckResult]]:
    """Several candidates, each compared with one baseline, ranked best first, with Holm's correction.

    Each candidate is a paired comparison of its own (:func:`compare_files`; the baseline is streamed again
    for each, so memory stays bounded by one pair). The family of tests "candidate k's reduction equals the
    baseline's" is corrected with Holm's step-down on the bootstrap p-values
    (:func:`losscli.quality.multiple.holm`): a candidate is significantly better or worse only when its
    adjusted p-value is at most α = 1 − confidence. Adjusting the p-values, not the intervals' levels,
    needs one bootstrap per candidate and gives a decision that does not depend on the order of the files;
    each interval stays at the nominal level (per-candidate, uncorrected, marked as such). ``fail_if_worse``
    fails a candidate on the corrected verdict. ``evidence`` (for the HTML report) receives every side's
    evaluation (``evaluations``: the candidates ranked, the baseline last) and each candidate's per-sample
    differences (``differences``, in the order of ``candidates`` in the document)."""
    from losscli.quality.multiple import holm

    alpha = round(1.0 - compare.confidence, 12)  # 0.05, not 0.050000000000000044
    quiet = dataclasses.replace(compare, fail_if_worse=False)
    comps: list[dict[str, Any]] = []
    sides: list[dict[str, Any]] = []
    for candidate in candidates:
        side: dict[str, Any] | None = {} if evidence is not None else None
        comp, _ = compare_files(loss, inputs, quiet, candidate, baseline, stdin=stdin, evidence=side, p_value=True)
        comps.append(comp)
        sides.append(side or {})
    from losscli.quality.paired import TOO_FEW

    adjusted = holm([c["difference"]["p_value"] for c in comps])
    for comp, p_adj in zip(comps, adjusted, strict=True):
        d = comp["difference"]
        d["p_adjusted"] = p_adj
        comp["verdict_uncorrected"] = comp["verdict"]
        if comp["verdict"] == TOO_FEW:  # no verdict to correct
            continue
        if comp["verdict"] == "undefined" or p_adj is None or d["mean"] is None:
            comp["verdict"] = "undefined"
        elif p_adj > alpha or d["mean"] == 0:
            comp["verdict"] = "no significant difference"
        else:
            worse = d["mean"] < 0 if comp["higher_is_better"] else d["mean"] > 0
            comp["verdict"] = "worse" if worse else "better"
    hib = bool(comps[0]["higher_is_better"])

    def key(item: tuple[int, dict[str, Any]]) -> tuple[float, int]:
        v = item[1]["candidate"]["value"]
        if v is None:
            return math.inf, item[0]
        return (-v if hib else v), item[0]

    order = [i for i, _ in sorted(enumerate(comps), key=key)]
    ranked = []
    for rank, i in enumerate(order, start=1):
        entry = {"rank": rank, **{k: v for k, v in comps[i].items()
                                   if k not in ("schema", "command", "loss", "params", "convention", "reduction",
                                                "baseline", "higher_is_better", "warnings")}}
        ranked.append(entry)
    first = comps[0]
    doc = {
        "schema": 1,
        "command": "compare",
        "loss": first["loss"],
        "params": first["params"],
        "convention": first["convention"],
        "reduction": first["reduction"],
        "higher_is_better": hib,
        "baseline": first["baseline"],
        "correction": {"method": "holm", "family": len(comps), "alpha": alpha,
                       "p_value": "paired bootstrap, two-sided achieved significance level"},
        "candidates": ranked,
        "warnings": list(dict.fromkeys(w for c in comps for w in c["warnings"])),
    }
    checks: list[gates.CheckResult] = []
    if compare.fail_if_worse:
        for entry in ranked:
            check = worse_check({**entry, **{k: doc[k] for k in ("loss", "reduction")}},
                                f"{doc['loss']} {entry['candidate']['file']}", alpha=alpha)
            entry["checks"] = [check.to_dict()]
            checks.append(check)
    if evidence is not None:
        evidence["evaluations"] = [sides[i]["evaluations"][0] for i in order] + [sides[0]["evaluations"][1]]
        for rank, ev in enumerate(evidence["evaluations"][:-1], start=1):
            ev.rank = rank
        evidence["differences"] = [sides[i]["differences"] for i in order]
    return doc, checks


def refuse_uncomparable(evaluator: Any, inputs: Any, files: list[str | None]) -> None:
    """What a paired comparison refuses whatever the data: an input read from standard input (each side reads
    the labels again) and a summary metric (no per-sample losses to pair)."""
    if inputs.labels == "-" or "-" in (*files, inputs.preds2):
        raise UsageError("compare reads its inputs twice: give files, not '-' (stdin)")
    if evaluator.summary is not None:
        spec = evaluator.spec
        raise UsageError(
            f"compare pairs per-sample losses; {spec.name} is a summary metric ({evaluator.summary.value})",
            hint=f"gate {spec.name} with `losscli eval ... --baseline FILE --max-increase`, or compare a per-sample loss",
        )


class _PairingObserver:
    """The baseline run's listener (its spill) and observer (the lock-step pairing)."""

    def __init__(self, spill: Any, pairing: Any) -> None:
        self.listen = spill.listen
        self.observe = pairing


def worse_check(comp: dict[str, Any], name: str, alpha: float | None = None) -> gates.CheckResult:
    """``fail_if_worse``: a failure when the interval of candidate − baseline lies on the worse side; with
    ``alpha`` (several candidates), when the comparison's Holm-corrected verdict is worse."""
    from losscli.quality import gates
    from losscli.quality.paired import TOO_FEW

    d = comp["difference"]
    ci = d["ci"]
    level = f"{ci['confidence'] * 100:g}% CI [{gates.short_number(ci['low'])}, {gates.short_number(ci['high'])}]"
    if alpha is not None:
        level += f", Holm p {gates.short_number(d['p_adjusted'])} (α {alpha:g})"
    sign = "+" if (d["mean"] or 0) >= 0 else ""
    what = f"{comp['loss']} {comp['reduction']} candidate − baseline {sign}{gates.short_number(d['mean'])}, {level}"
    n = f"(n={comp['n']})"
    if comp["verdict"] == "worse":
        status, text = gates.FAIL, f"{what}: significantly worse {n}"
    elif comp["verdict"] == "undefined":
        status, text = gates.FAIL, f"{what}: the interval is undefined, cannot tell {n}"
    elif comp["verdict"] == TOO_FEW:
        status, text = gates.FAIL, f"{what}: {TOO_FEW}, a comparison that cannot be made is a failed check {n}"
    else:
        status, text = gates.PASS, f"{what}: not significantly worse ({comp['verdict']}) {n}"
    return gates.CheckResult(f"{name} fail_if_worse", "fail_if_worse", status, text, comp["loss"], d["mean"], 0.0,
                         comp["n"], details={"ci_low": ci["low"], "ci_high": ci["high"]})


# ------------------------------------------------------------------------------------------- check files


def run_named_check(check: Any, report: ReportSettings) -> tuple[list[Any], list[gates.CheckResult], list[dict]]:
    """Evaluate one check of a check file: (evaluations, check results, comparisons)."""
    from losscli.inputs.plan import plan_inputs
    from losscli.quality import gates
    from losscli.quality.session import QualitySession

    evaluator = one_evaluator(check.loss)
    plan = plan_inputs(check.inputs, evaluator.spec)
    session = QualitySession(check.gates)
    evaluations = evaluate_plan(plan, [evaluator], report=dataclasses.replace(report, output=None, progress=False),
                                session=session)
    if not check.baseline_preds:  # with them, the comparison decides on both inputs
        refuse_sum_tol_unchecked(check.loss, [evaluator])
    checks = session.decide()
    comparisons = []
    if check.baseline_preds:
        refuse_unpaired(check)
        comp, more = compare_files(check.loss, check.inputs, check.compare, check.preds, check.baseline_preds,
                                   name=check.name, baseline_preds2=check.baseline_preds2)
        comparisons.append(comp)
        checks += gates.demote_failures(more)
    if not checks:
        r = evaluations[0].result
        checks.append(gates.CheckResult(f"{check.name}", "evaluate", gates.PASS,
                                    f"{r.loss} {r.reduction} {gates.short_number(r.value)} (n={r.n}; no gate)", r.loss,
                                    r.value, None, r.n))
        evaluations[0].extra["checks"] = [checks[0].to_dict()]
    return evaluations, checks, comparisons


def refuse_unpaired(check: Any) -> None:
    """``baseline_preds`` is compared with ``preds``: with ``data`` there is no predictions file to pair."""
    if check.baseline_preds and not check.preds:
        raise UsageError(f"check {check.name!r}: baseline_preds needs labels and preds",
                         hint="give labels and preds instead of data")


def refuse_check_mistakes(check: Any) -> Any:
    """Every mistake of a check that depends on the check file alone — not one loss, a limit naming another
    loss (or a value it does not report), a breakdown of a summary metric, ``baseline_preds`` beside
    ``data`` — as the usage error :func:`run_named_check` would raise, before any check runs; the check's
    evaluator (unused)."""
    from losscli.quality import gates
    from losscli.quality.session import refuse_summary_slices

    evaluator = one_evaluator(check.loss)
    refuse_summary_slices(check.gates, evaluator)
    asked = check.gates
    gates.check_names(asked.limit_options(), [evaluator.spec.name], [evaluator.params])
    gates.check_metric_names({"--max": asked.maximum, "--min": asked.minimum}, reported_metrics(evaluator))
    if check.baseline_preds:
        refuse_unpaired(check)
        refuse_uncomparable(evaluator, check.inputs, [check.preds, check.baseline_preds, check.baseline_preds2])
    return evaluator


def reported_metrics(evaluator: Any) -> set[str]:
    """The derived values (:data:`~losscli.engine.derived.METRICS`) an evaluator's result can report, as its
    ``finish`` gives them: a cross-entropy's perplexity when its value is a mean, the word and byte rates with
    their counts; a summary metric's own in their place."""
    if evaluator.summary is not None:
        return {evaluator.summary.per_sample} if evaluator.summary.per_sample else set()
    out = set()
    if evaluator.spec.perplexity and evaluator.rule in ("weighted_mean", "mean_over_n", "mean_over_elements"):
        out.add("perplexity")
    if "words" in evaluator.counts:
        out.add("word_perplexity")
    if "bytes" in evaluator.counts:
        out |= {"byte_perplexity", "bits_per_byte"}
    return out
