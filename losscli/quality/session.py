"""Quality features of one evaluation run: signature, confidence interval, breakdowns and gates.

:class:`GateOptions` is what the command line (``eval``) or a check file asks for; :class:`RunQuality`
attaches the streaming taps to an evaluator before the run and, after it, fills each evaluation's report
sections (``Evaluation.extra``: ``signature``, ``ci``, ``by_class``, ``by_group``, ``baseline``,
``checks``) and returns the check results — all before any output is written.
"""

from __future__ import annotations

import math
import os
import sys
from dataclasses import field
from typing import TYPE_CHECKING, Any

from losscli.errors import UsageError
from losscli.escape import printable
from losscli.files import after_commit, write_atomic
from losscli.records import record

if TYPE_CHECKING:  # the gates, taps, breakdowns and bootstrap are imported when a run asks for them
    from losscli.quality import gates
    from losscli.quality.breakdown import ClassBreakdown, GroupBreakdown
    from losscli.quality.taps import LabelHasher, RatioTap, WeightTap

BASELINE_KINDS = ("baseline", "signature", "max_increase", "max_rel_increase")


@record
class GateOptions:
    """Gates and extras requested for an evaluation (built by :mod:`losscli.commands.settings`)."""

    maximum: list[gates.Limit] = field(default_factory=list)
    minimum: list[gates.Limit] = field(default_factory=list)
    baseline: str | None = None
    max_increase: list[gates.Limit] = field(default_factory=list)
    max_rel_increase: list[gates.Limit] = field(default_factory=list)
    force: bool = False
    update_baseline: bool = False
    warn_only: bool = False
    ci: float | None = None
    resamples: int = 2000
    seed: int = 0
    by_class: bool = False
    group_col: str | None = None
    max_group: list[gates.Limit] = field(default_factory=list)
    max_class: list[gates.Limit] = field(default_factory=list)
    name: str | None = None  # check-name prefix (a check file's check name)
    #: the baseline file holds the results of several prediction files (a check file's checks share it):
    #: only an entry of this run's file (or naming none) is its baseline
    baseline_by_file: bool = False

    def baseline_read(self) -> list[str]:
        """The baseline as a file the run reads (and must not overwrite): unless --update-baseline writes it."""
        return [self.baseline] if self.baseline and not self.update_baseline else []

    def baseline_written(self) -> list[str]:
        """The baseline as a file the run writes (--update-baseline)."""
        return [self.baseline] if self.baseline and self.update_baseline else []

    def validate(self) -> None:
        if (self.max_increase or self.max_rel_increase) and not self.baseline:
            raise UsageError("--max-increase and --max-rel-increase need --baseline FILE")
        if self.update_baseline and not self.baseline:
            raise UsageError("--update-baseline needs --baseline FILE (the file to write)")
        if self.ci is not None and not 0.0 < self.ci < 1.0:
            raise UsageError(f"--ci is a confidence level in (0, 1), e.g. 0.95; got {self.ci}")
        if self.resamples < 10:
            raise UsageError(f"--bootstrap needs at least 10 resamples, got {self.resamples}")
        if self.max_group and not self.group_col:
            raise UsageError("--max-group needs --group-col COL")
        if self.max_class:
            self.by_class = True

    def limit_options(self) -> dict[str, list[gates.Limit]]:
        return {"--max": self.maximum, "--min": self.minimum, "--max-increase": self.max_increase,
                "--max-rel-increase": self.max_rel_increase, "--max-group": self.max_group,
                "--max-class": self.max_class}

    def extra_cols(self) -> dict[str, str]:
        return {"group": self.group_col} if self.group_col else {}

    def asks_for_checks(self) -> bool:
        """Whether a threshold, a baseline, an interval or a breakdown is asked for (a plain run asks for
        none: it decides no check and adds no report section)."""
        return bool(self.maximum or self.minimum or self.baseline or self.max_increase or self.max_rel_increase
                    or self.ci is not None or self.by_class or self.group_col or self.max_group or self.max_class)


def group_perplexities(rows: list[dict[str, Any]], unit: str | None, counts: tuple[str, ...] = ()) -> dict[str, Any]:
    """Each group's (document's) perplexity, exp of its mean (2^mean in bits), added to its row; and their
    mean under its own name — the mean of per-document perplexities, which is not the corpus perplexity.

    The mean is over the groups whose perplexity is defined (``groups_in_mean`` says how many); a group
    without one — no counted sample, weights summing to 0 — is left out of it with a warning (under the key
    ``warnings``, which the caller reports), and a perplexity beyond float64 makes the mean undefined (null).

    With per-row ``counts`` (words, bytes; summed per group in the row) each group's row also gets its
    word_perplexity, byte_perplexity and bits_per_byte (lm-evaluation-harness's, over the group's rows)."""
    from losscli.engine.text_counts import rates

    base = 2.0 if unit == "bits" else math.e
    values = []
    undefined: list[str] = []
    overflow: list[str] = []
    for row in rows:
        if counts:
            found, _ = rates(math.nan if row.get("sum") is None else row["sum"], {k: row[k] for k in counts},
                             unit_scale=1.0 / math.log(2.0) if unit == "bits" else 1.0)
            row.update({k: (v if math.isfinite(v) else None) for k, v in found.items() if k not in counts})
        mean = row.get("mean")
        try:
            row["perplexity"] = None if mean is None else base**mean
        except OverflowError:
            row["perplexity"] = None
            overflow.append(str(row.get("group")))
        if row["perplexity"] is not None:
            values.append(row["perplexity"])
        elif mean is None:
            undefined.append(str(row.get("group")))
    out: dict[str, Any] = {
        "mean_of_group_perplexities": math.fsum(values) / len(values) if values and not overflow else None,
        "groups_in_mean": 0 if overflow else len(values),
    }
    warnings = []
    if undefined:
        named = ", ".join(undefined[:5]) + (f" and {len(undefined) - 5} more" if len(undefined) > 5 else "")
        warnings.append(f"mean_of_group_perplexities leaves out {len(undefined)} of {len(rows)} groups whose "
                        f"perplexity is undefined (no counted sample, or weights summing to 0): {named}")
    if overflow:
        warnings.append(f"mean_of_group_perplexities is undefined: the perplexity of group {overflow[0]} is "
                        "beyond float64")
    if warnings:
        out["warnings"] = warnings
    return out


def group_section(evaluator: Any, result: Any, column: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The ``by_group`` section of a result: its groups' rows, the worst, and with a cross-entropy the
    per-group perplexities (their warnings join the result's)."""
    from losscli.quality.breakdown import worst

    section = {"column": column, "groups": rows, "worst": worst(rows, bool(getattr(evaluator.spec,
                                                                                   "higher_is_better", False)))}
    if evaluator.spec.perplexity:  # per-document perplexities beside the corpus one (the result's)
        found = group_perplexities(rows, evaluator.params.get("unit"), tuple(getattr(evaluator, "counts", ())))
        for w in found.pop("warnings", []):
            if w not in result.warnings:
                result.warnings.append(w)
        section.update(found)
    return section


def merged_sections(evaluator: Any, result: Any) -> tuple[dict[str, Any], dict[str, Any], list[str]]:
    """The slices of merged shard states (``evaluator.shard_entries``): (the report sections ``by_class``
    and ``by_group``, equal to one pass's over the shards' rows; the state sections ``merge --state-out``
    writes; warnings for each section the merge cannot give — slices some shard lacks, intervals)."""
    from losscli.quality.breakdown import SLICE_SECTIONS, merge_slice_sections

    report: dict[str, Any] = {}
    state: dict[str, Any] = {}
    notes: list[str] = []
    entries = evaluator.shard_entries
    total = float(result.sum) if result.sum is not None else math.nan
    for section in SLICE_SECTIONS:
        merged, why = merge_slice_sections(section, [(path, entry.get(section)) for path, entry in entries])
        if why is not None:
            notes.append(f"{result.loss}: {why}")
        if merged is None:
            continue
        state[section] = merged.state()
        rows = merged.rows(evaluator.outputs, total)
        report[section] = rows if section == "by_class" else group_section(evaluator, result, merged.column, rows)
    with_ci = [path for path, entry in entries if entry.get("ci") is not None]
    if with_ci:
        state["ci"] = entries[[path for path, _ in entries].index(with_ci[0])][1]["ci"]  # a later merge says it too
        notes.append(f"{result.loss}: merge gives no confidence interval (ci), which {len(with_ci)} of "
                     f"{len(entries)} states were evaluated with: a bootstrap interval resamples every sample's "
                     "value, and a state keeps only sums; for an interval of the whole dataset run `losscli eval "
                     "... --ci` on it (a quoted glob of its shards is one dataset)")
    return report, state, notes


class UnhashedLabels:
    """The label hasher of an engine that does not hash the labels (Dask): its signature says so (null)."""

    def digests(self) -> dict[str, str | None]:
        return {"labels_sha256": None, "weights_sha256": None}


def refuse_summary_slices(asked: GateOptions, evaluator: Any) -> None:
    """An interval or a breakdown of a summary metric (r2, auc, ...: no mean of per-sample losses to resample
    or to slice) is a usage error; it depends on the options alone, so a check file's is found before any
    check runs."""
    summary = getattr(evaluator, "summary", None)
    if summary is None or not (asked.ci is not None or asked.by_class or asked.group_col):
        return
    which = "--ci" if asked.ci is not None else "--by-class/--max-class" if asked.by_class else "--group-col"
    name = evaluator.spec.name
    raise UsageError(
        f"{which} works on means of per-sample losses; {name} is a summary metric ({summary.value})",
        hint=f"use {which} with a per-sample loss (e.g. mse), or evaluate each slice's {name} on its own file",
    )


class RunQuality:
    """The quality taps of one evaluator; :meth:`finish` turns them into report sections and checks.

    ``index`` is the evaluator's position among those sharing one pass (observers get every evaluator's
    values); ``hasher`` is the plan's label hasher, shared by those evaluators.
    """

    def __init__(self, asked: GateOptions, evaluator: Any, plan: Any, *, index: int = 0,
                 hasher: LabelHasher | UnhashedLabels | None = None) -> None:
        self.gates = asked
        self.evaluator = evaluator
        self.plan = plan
        self.index = index
        self.spec = evaluator.spec
        self.mean_rule = evaluator.conv.resolve_reduction(evaluator.spec, "mean", evaluator.params)
        if hasher is None:
            from losscli.quality.taps import LabelHasher, is_joined

            hasher = LabelHasher(joined=is_joined(plan))
        self.hasher = hasher
        self.tap: WeightTap | None = None
        self.by_class: ClassBreakdown | None = None
        self.by_group: GroupBreakdown | None = None
        refuse_summary_slices(asked, evaluator)
        self.ratio_tap: RatioTap | None = None
        if asked.ci is not None or asked.by_class or asked.group_col:
            evaluator.state_sections = self.state_sections  # a shard's state keeps the slices' sums
        if asked.ci is not None:
            from losscli.quality.taps import install_ratio_tap

            self.ratio_tap = install_ratio_tap(evaluator, asked.seed)
        if asked.by_class or asked.group_col:
            from losscli.quality.breakdown import ClassBreakdown, GroupBreakdown
            from losscli.quality.taps import install_tap

            self.tap = install_tap(evaluator, keep=False)
            if asked.by_class:
                self.by_class = ClassBreakdown(self.spec, self.tap, self.mean_rule, _class_names(plan),
                                               ignore_index=getattr(evaluator, "params", {}).get("ignore_index"))
            if asked.group_col:
                self.by_group = GroupBreakdown(self.tap, self.mean_rule, asked.group_col,
                                               counts=tuple(getattr(evaluator, "counts", ())))
            listeners = getattr(plan, "drop_listeners", None)
            if listeners is not None:  # rows dropped for missing values: their slices are still present
                listeners += [b.dropped for b in (self.by_class, self.by_group) if b is not None]

    def state_sections(self) -> dict[str, Any]:
        """What a shard's state keeps beside its totals (``--state-out``): the slices' exact running sums,
        which ``merge`` adds up, and that an interval was asked, which it cannot rebuild."""
        from losscli.quality.breakdown import class_state, group_state

        out: dict[str, Any] = {}
        if self.by_class is not None:
            out["by_class"] = class_state(self.by_class)
        if self.by_group is not None:
            out["by_group"] = group_state(self.by_group)
        if self.gates.ci is not None:
            out["ci"] = {"confidence": self.gates.ci, "resamples": self.gates.resamples, "seed": self.gates.seed}
        return out

    def observers(self) -> list[Any]:
        """Observers of this evaluator's values (``run_many`` style: a list of every evaluator's values)."""
        out = []
        j = self.index
        for obs in (self.by_class, self.by_group):
            if obs is not None:
                out.append(lambda batch, values, offset, obs=obs: obs(batch, values[j], offset))
        return out

    def finish(self, evaluation: Any, baseline: gates.Baseline | None = None, *, by_file: bool = False,
               label: str | None = None) -> list[gates.CheckResult]:
        """Fill ``evaluation.extra`` and return this evaluation's check results (not yet softened). ``label``
        names the result where its loss is evaluated with several parameter sets (``huber(delta=2)``)."""
        from losscli.quality import gates

        asked, result = self.gates, evaluation.result
        extra = evaluation.extra
        name = asked.name or label or result.loss
        hib = bool(getattr(self.spec, "higher_is_better", False))
        sig = gates.signature(result, self.hasher.digests())
        # the clip changes the value as a parameter does: --eps, or scikit-learn's eps of a float32 or float16
        # input (the convention's default is left unsaid)
        eps = self.evaluator.clip_eps()
        if eps is not None:
            sig["params"]["eps"] = eps
        extra["signature"] = sig
        if self.ratio_tap is not None:
            from losscli.quality.bootstrap import bootstrap_ratio

            num, den = self.ratio_tap.parts(self.evaluator.outputs)
            iv = bootstrap_ratio(num, den, resamples=asked.resamples, confidence=asked.ci, seed=asked.seed)
            if self.ratio_tap.grouped:
                iv.method = f"grouped ({num.shape[0]} buckets), {iv.method}"
            extra["ci"] = iv.to_dict()
        total = float(result.sum) if result.sum is not None else math.nan
        if self.by_class is not None:
            extra["by_class"] = self.by_class.result(self.evaluator.outputs, total)
        if self.by_group is not None:
            rows = self.by_group.result(self.evaluator.outputs, total)
            extra["by_group"] = group_section(self.evaluator, result, asked.group_col, rows)  # type: ignore[arg-type]
        checks = gates.threshold_checks(name, result, gates.limit_for(asked.maximum, result.loss, result.params),
                                    gates.limit_for(asked.minimum, result.loss, result.params))
        checks += gates.metric_checks(name, result, asked.maximum, asked.minimum)
        if self.by_group is not None:
            checks += gates.slice_checks(name, result.loss, "max_group", "group", extra["by_group"]["groups"],
                                         "group", gates.limit_for(asked.max_group, result.loss, result.params), hib)
        if self.by_class is not None:
            checks += gates.slice_checks(name, result.loss, "max_class", "class", extra["by_class"], "class",
                                         gates.limit_for(asked.max_class, result.loss, result.params), hib)
        if baseline is not None:
            found, info = gates.baseline_checks(
                name, result, sig, baseline, gates.limit_for(asked.max_increase, result.loss, result.params),
                gates.limit_for(asked.max_rel_increase, result.loss, result.params), higher_is_better=hib, force=asked.force,
                update=asked.update_baseline, file=_preds_file(evaluation), by_file=by_file,
                columns=_preds_columns(evaluation),
            )
            if asked.update_baseline:
                for c in found:
                    if c.status == gates.FAIL:
                        c.critical = False
                        c.message += " (accepted: --update-baseline)"
            checks += found
            extra["baseline"] = info
        if label is not None:  # every message starts with the loss: say which of its parameter sets
            for c in checks:
                if c.message.startswith(result.loss):
                    c.message = label + c.message[len(result.loss):]
        if getattr(evaluation, "file", None) and len(checks):
            for c in checks:
                c.check = f"{c.check} [{evaluation.file}]"
                c.message = f"{c.message} [{evaluation.file}]"
        return checks


class QualitySession:
    """Quality features over every evaluation of one command: attach taps, then decide.

    ``attach(plan, evaluators)`` before a pass returns the observers to add; ``bind(evaluations)`` after it
    pairs them with their taps; ``decide(evaluations)`` fills the report sections and returns the checks.
    """

    def __init__(self, asked: GateOptions, *, hash_labels: bool = True) -> None:
        self.gates = asked
        #: whether anything will read the labels' digest (the signature of a JSON result, a baseline): hashing
        #: them costs a pass over every label (``-q`` on 2 M rows: 14 ms of 0.23 s)
        self.hash_labels = hash_labels or bool(asked.baseline)
        self._pending: list[RunQuality] = []
        self._pairs: list[tuple[RunQuality, Any]] = []
        self.checks: list[gates.CheckResult] = []

    def attach(self, plan: Any, evaluators: list[Any]) -> list[Any]:
        hasher: LabelHasher | UnhashedLabels = UnhashedLabels()
        observers: list[Any] = []
        if self.hash_labels:
            from losscli.quality.taps import LabelHasher, is_joined

            hasher = label_hasher = LabelHasher(joined=is_joined(plan))
            observers.append(lambda batch, values, offset: label_hasher(batch, values[0] if values else None, offset))
        runs = [RunQuality(self.gates, ev, plan, index=j, hasher=hasher) for j, ev in enumerate(evaluators)]
        self._pending = runs
        for r in runs:
            observers += r.observers()
        return observers

    def refuse_taps(self) -> None:
        """A usage error when the gates need per-sample values (an engine that keeps none)."""
        if self.gates.ci is not None or self.gates.by_class or self.gates.group_col:
            raise UsageError("--ci, --by-class and --group-col need --engine local")

    def refuse_untapped(self) -> None:
        """A usage error for the gates an engine without per-sample values or a label hash cannot serve."""
        self.refuse_taps()
        if self.gates.baseline:
            raise UsageError("--baseline needs --engine local: the Dask engine does not hash the labels, so it "
                             "cannot tell whether they are the baseline's",
                             hint="compare with the baseline on --engine local, or gate with --max/--min")

    def bind_untapped(self, evaluators: list[Any], evaluations: list[Any]) -> None:
        """Pair evaluations that ran elsewhere (the Dask engine) with their gates: thresholds apply;
        intervals and breakdowns, which need the per-sample values, are refused (see :meth:`refuse_taps`),
        and so are baselines: the labels were not hashed there, so a baseline's could not be checked (the
        signature says ``null`` rather than a hash of no labels)."""
        self.refuse_untapped()
        hasher = UnhashedLabels()
        self._pairs += [(RunQuality(self.gates, ev, None, index=j, hasher=hasher), evaluation)
                        for j, (ev, evaluation) in enumerate(zip(evaluators, evaluations, strict=True))]

    def bind(self, evaluations: list[Any]) -> None:
        if len(evaluations) != len(self._pending):  # pragma: no cover - one evaluation per evaluator
            raise RuntimeError("evaluations do not match the attached evaluators")
        self._pairs += list(zip(self._pending, evaluations, strict=True))
        self._pending = []

    def decide(self) -> list[gates.CheckResult]:
        """The checks of every bound evaluation, with their report sections. A run that asks for no gate and
        whose report shows no signature (``-q``, the table, Markdown) has neither checks nor sections to add:
        the gates are not loaded."""
        if not self.hash_labels and not self.gates.asks_for_checks():
            return []
        return decide_checks(self._pairs, self.gates)


def _preds_file(evaluation: Any) -> str | None:
    """The predictions file of an evaluation (a ranked file's name, else the one file of the run), as a
    baseline entry of it names it."""
    from losscli.quality.gates import entry_file

    return entry_file(_as_entry(evaluation))


def _preds_columns(evaluation: Any) -> list[str] | None:
    """The prediction columns of an evaluation, where its inputs say."""
    from losscli.quality.gates import entry_columns

    return entry_columns(_as_entry(evaluation))


def _as_entry(evaluation: Any) -> dict[str, Any]:
    return {"file": getattr(evaluation, "file", None), "inputs": getattr(evaluation, "inputs", None) or {}}


def _class_names(plan: Any) -> dict[int, str] | None:
    return plan.class_names() if plan.class_map else None


def decide_checks(runs: list[tuple[RunQuality, Any]], asked: GateOptions) -> list[gates.CheckResult]:
    """Every run's checks, softened (warn-only, non-critical) and attached to the evaluations' reports."""
    from losscli.quality import gates

    gates.check_names(asked.limit_options(), [ev.result.loss for _, ev in runs], [ev.result.params for _, ev in runs])
    gates.check_metric_names({"--max": asked.maximum, "--min": asked.minimum},
                             {k for _, ev in runs for k in (ev.result.metrics or {})})
    baseline = gates.load_baseline(asked.baseline) if asked.baseline else None
    # several prediction files ranked against a baseline that holds the result of one of them: each is
    # compared with its own entry only (a baseline of none of them is a bar for all)
    files = {_preds_file(ev) for _, ev in runs}
    by_file = asked.baseline_by_file or (
        baseline is not None and len(files) > 1 and bool(files & {gates.entry_file(d) for d in baseline.docs}))
    from losscli.report.naming import distinct_params

    # one loss evaluated with several parameter sets: each result's checks are named by its parameters
    differing = distinct_params([(ev.result.loss, ev.result.params) for _, ev in runs])
    checks: list[gates.CheckResult] = []
    for (quality, ev), params in zip(runs, differing, strict=True):
        label = None if params is None else f"{ev.result.loss}({params})"
        mine = gates.demote_failures(quality.finish(ev, baseline, by_file=by_file, label=label),
                                     warn_only=asked.warn_only)
        ev.extra["checks"] = [c.to_dict() for c in mine] if mine else []
        if not mine:
            del ev.extra["checks"]
        checks += mine
    return checks


def baseline_results(evaluations: list[Any]) -> list[dict[str, Any]]:
    """The results ``--update-baseline`` writes: the summaries, without checks or comparisons."""
    from losscli.report.machine import summary_dict

    docs = []
    for ev in evaluations:
        doc = summary_dict(ev, per_sample=False)
        for key in ("checks", "baseline"):
            doc.pop(key, None)
        docs.append(doc)
    return docs


def baseline_document(results: list[dict[str, Any]]) -> str:
    """The JSON written by ``--update-baseline`` (:func:`baseline_results`): one result, or a list of them."""
    import json

    body = results[0] if len(results) == 1 else results
    return json.dumps(body, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def update_baseline(path: str, results: list[dict[str, Any]], checks: list[gates.CheckResult]) -> bool:
    """Rewrite the baseline unless a critical check failed (``--warn-only`` or not); say why on stderr when
    it is not. ``results``: those of :func:`baseline_results`.

    Only a missing file or a losscli result is replaced: anything else is a usage error (the path is
    probably wrong, and the file is not ours to overwrite)."""
    from losscli.quality import gates

    if os.path.exists(path):
        problem = gates.load_baseline(path).problem
        if problem is not None and "missing" not in problem:
            raise UsageError(f"--update-baseline would replace {path}, which is not a losscli result",
                             hint="give the path of a baseline written by losscli, or a new file")
    if gates.exit_status(checks) != 0 or any(c.warned_only for c in checks):
        sys.stderr.write(f"losscli: baseline {printable(path)} not updated: a check failed\n")
        return False
    write_atomic(path, baseline_document(results), make_folder=True)
    after_commit(lambda: sys.stderr.write(f"losscli: baseline {printable(path)} updated\n"))  # once in place
    return True
