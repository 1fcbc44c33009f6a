"""Quality features of one evaluation run: signature, confidence interval, breakdowns and gates.

:class:`GateOptions` is what the command line (``eval``) or a check file asks for; :class:`RunQuality`
attaches the streaming taps to an evaluator before the run and, after it, fills each evaluation's report
sections (``Evaluation.extra``: ``signature``, ``ci``, ``by_class``, ``by_group``, ``baseline``,
``checks``) and returns the check results — all before any output is written.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass, field
from typing import Any

from losscli.errors import UsageError
from losscli.quality import gates as G
from losscli.quality.bootstrap import bootstrap_ratio
from losscli.quality.breakdown import ClassBreakdown, GroupBreakdown, worst
from losscli.quality.taps import LabelHasher, WeightTap, install_tap, is_joined, rule_parts

BASELINE_KINDS = ("baseline", "signature", "max_increase", "max_rel_increase")


@dataclass
class GateOptions:
    """Gates and extras requested for an evaluation."""

    maximum: list[G.Limit] = field(default_factory=list)
    minimum: list[G.Limit] = field(default_factory=list)
    baseline: str | None = None
    max_increase: list[G.Limit] = field(default_factory=list)
    max_rel_increase: list[G.Limit] = field(default_factory=list)
    force: bool = False
    update_baseline: bool = False
    warn_only: bool = False
    ci: float | None = None
    resamples: int = 2000
    seed: int = 0
    by_class: bool = False
    group_col: str | None = None
    max_group: G.Limit | None = None
    max_class: G.Limit | None = None
    name: str | None = None  # check-name prefix (a check file's check name)

    @classmethod
    def from_options(cls, opts: dict[str, Any]) -> GateOptions:
        """From the ``eval`` options (names as in :mod:`losscli.cli_options`)."""

        def one(key: str, option: str, relative: bool = False) -> G.Limit | None:
            v = opts.get(key)
            return None if v is None else G.parse_limit(v, option, relative=relative)

        out = cls(
            maximum=G.parse_limits(opts.get("max"), "--max"),
            minimum=G.parse_limits(opts.get("min"), "--min"),
            baseline=opts.get("baseline"),
            max_increase=G.parse_limits(opts.get("max_increase"), "--max-increase"),
            max_rel_increase=G.parse_limits(opts.get("max_rel_increase"), "--max-rel-increase", relative=True),
            force=bool(opts.get("force")),
            update_baseline=bool(opts.get("update_baseline")),
            warn_only=bool(opts.get("warn_only")),
            ci=opts.get("ci"),
            resamples=opts.get("bootstrap") or 2000,
            seed=opts.get("seed") if opts.get("seed") is not None else 0,
            by_class=bool(opts.get("by_class")),
            group_col=opts.get("group_col"),
            max_group=one("max_group", "--max-group"),
            max_class=one("max_class", "--max-class"),
        )
        out.validate()
        return out

    def validate(self) -> None:
        if (self.max_increase or self.max_rel_increase) and not self.baseline:
            raise UsageError("--max-increase and --max-rel-increase need --baseline FILE")
        if self.update_baseline and not self.baseline:
            raise UsageError("--update-baseline needs --baseline FILE (the file to write)")
        if self.ci is not None and not 0.0 < self.ci < 1.0:
            raise UsageError(f"--ci is a confidence level in (0, 1), e.g. 0.95; got {self.ci}")
        if self.resamples < 10:
            raise UsageError(f"--bootstrap needs at least 10 resamples, got {self.resamples}")
        if self.max_group is not None and not self.group_col:
            raise UsageError("--max-group needs --group-col COL")
        if self.max_class is not None:
            self.by_class = True

    def limit_options(self) -> dict[str, list[G.Limit]]:
        return {"--max": self.maximum, "--min": self.minimum, "--max-increase": self.max_increase,
                "--max-rel-increase": self.max_rel_increase}

    def extra_cols(self) -> dict[str, str]:
        return {"group": self.group_col} if self.group_col else {}


class RunQuality:
    """The quality taps of one evaluator; :meth:`finish` turns them into report sections and checks.

    ``index`` is the evaluator's position among those sharing one pass (observers get every evaluator's
    values); ``hasher`` is the plan's label hasher, shared by those evaluators.
    """

    def __init__(self, gates: GateOptions, evaluator: Any, plan: Any, *, index: int = 0,
                 hasher: LabelHasher | None = None) -> None:
        self.gates = gates
        self.evaluator = evaluator
        self.plan = plan
        self.index = index
        self.spec = evaluator.spec
        self.mean_rule = evaluator.conv.resolve_reduction(evaluator.spec, "mean", evaluator.params)
        self.hasher = hasher or LabelHasher(joined=is_joined(plan))
        self.tap: WeightTap | None = None
        self.by_class: ClassBreakdown | None = None
        self.by_group: GroupBreakdown | None = None
        if gates.ci is not None or gates.by_class or gates.group_col:
            self.tap = install_tap(evaluator, keep=gates.ci is not None)
        if gates.by_class:
            self.by_class = ClassBreakdown(self.spec, self.tap, self.mean_rule, _class_names(plan))
        if gates.group_col:
            self.by_group = GroupBreakdown(self.tap, self.mean_rule, gates.group_col)

    def observers(self) -> list[Any]:
        """Observers of this evaluator's values (``run_many`` style: a list of every evaluator's values)."""
        out = []
        j = self.index
        for obs in (self.by_class, self.by_group):
            if obs is not None:
                out.append(lambda batch, values, offset, obs=obs: obs(batch, values[j], offset))
        return out

    def finish(self, evaluation: Any, baseline: G.Baseline | None = None) -> list[G.CheckResult]:
        """Fill ``evaluation.extra`` and return this evaluation's check results (not yet softened)."""
        gates, result = self.gates, evaluation.result
        extra = evaluation.extra
        name = gates.name or result.loss
        hib = bool(getattr(self.spec, "higher_is_better", False))
        sig = G.signature(result, self.hasher.digests())
        extra["signature"] = sig
        if gates.ci is not None and self.tap is not None:
            num, den = rule_parts(self.evaluator.rule, self.tap.values(), self.tap.weights(), self.tap.counted(),
                                  self.evaluator.outputs)
            iv = bootstrap_ratio(num, den, resamples=gates.resamples, confidence=gates.ci, seed=gates.seed)
            extra["ci"] = iv.to_dict()
        total = float(result.sum) if result.sum is not None else math.nan
        if self.by_class is not None:
            extra["by_class"] = self.by_class.result(self.evaluator.outputs, total)
        if self.by_group is not None:
            rows = self.by_group.result(self.evaluator.outputs, total)
            extra["by_group"] = {"column": gates.group_col, "groups": rows, "worst": worst(rows, hib)}
        checks = G.threshold_checks(name, result, G.limit_for(gates.maximum, result.loss),
                                    G.limit_for(gates.minimum, result.loss))
        if self.by_group is not None:
            checks += G.slice_checks(name, result.loss, "max_group", "group", extra["by_group"]["groups"],
                                     "group", gates.max_group, hib)
        if self.by_class is not None:
            checks += G.slice_checks(name, result.loss, "max_class", "class", extra["by_class"], "class",
                                     gates.max_class, hib)
        if baseline is not None:
            found, info = G.baseline_checks(
                name, result, sig, baseline, G.limit_for(gates.max_increase, result.loss),
                G.limit_for(gates.max_rel_increase, result.loss), higher_is_better=hib, force=gates.force,
                update=gates.update_baseline, file=getattr(evaluation, "file", None),
            )
            if gates.update_baseline:
                for c in found:
                    if c.status == G.FAIL:
                        c.critical = False
                        c.message += " (accepted: --update-baseline)"
            checks += found
            extra["baseline"] = info
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

    def __init__(self, gates: GateOptions) -> None:
        self.gates = gates
        self._pending: list[RunQuality] = []
        self._pairs: list[tuple[RunQuality, Any]] = []
        self.checks: list[G.CheckResult] = []

    def attach(self, plan: Any, evaluators: list[Any]) -> list[Any]:
        hasher = LabelHasher(joined=is_joined(plan))
        runs = [RunQuality(self.gates, ev, plan, index=j, hasher=hasher) for j, ev in enumerate(evaluators)]
        self._pending = runs
        observers: list[Any] = [lambda batch, values, offset: hasher(batch, values[0] if values else None, offset)]
        for r in runs:
            observers += r.observers()
        return observers

    def bind(self, evaluations: list[Any]) -> None:
        if len(evaluations) != len(self._pending):  # pragma: no cover - one evaluation per evaluator
            raise RuntimeError("evaluations do not match the attached evaluators")
        self._pairs += list(zip(self._pending, evaluations, strict=True))
        self._pending = []

    def decide(self) -> list[G.CheckResult]:
        return decide(self._pairs, self.gates)


def _class_names(plan: Any) -> dict[int, str] | None:
    if not plan.class_map:
        return None
    out = {}
    for k, j in plan.class_map.items():
        out[j] = str(int(k)) if isinstance(k, float) and k == int(k) else str(k)
    return out


def decide(runs: list[tuple[RunQuality, Any]], gates: GateOptions) -> list[G.CheckResult]:
    """Every run's checks, softened (warn-only, non-critical) and attached to the evaluations' reports."""
    G.check_names(gates.limit_options(), [ev.result.loss for _, ev in runs])
    baseline = G.load_baseline(gates.baseline) if gates.baseline else None
    checks: list[G.CheckResult] = []
    for quality, ev in runs:
        mine = G.soften(quality.finish(ev, baseline), warn_only=gates.warn_only)
        ev.extra["checks"] = [c.to_dict() for c in mine] if mine else []
        if not mine:
            del ev.extra["checks"]
        checks += mine
    return checks


def baseline_document(evaluations: list[Any]) -> str:
    """The JSON written by ``--update-baseline``: the results' summaries, without checks or comparisons."""
    import json

    from losscli.report.machine import summary_dict

    docs = []
    for ev in evaluations:
        doc = summary_dict(ev, per_sample=False)
        for key in ("checks", "baseline"):
            doc.pop(key, None)
        docs.append(doc)
    body = docs[0] if len(docs) == 1 else docs
    return json.dumps(body, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def update_baseline(path: str, evaluations: list[Any], checks: list[G.CheckResult]) -> bool:
    """Rewrite the baseline unless a critical check failed; say why on stderr when it is not."""
    if G.exit_status(checks) != 0:
        sys.stderr.write(f"losscli: baseline {path} not updated: a check failed\n")
        return False
    G.write_atomic(path, baseline_document(evaluations))
    sys.stderr.write(f"losscli: baseline {path} updated\n")
    return True
