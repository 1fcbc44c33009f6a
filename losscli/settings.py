"""Typed settings of a run that no lower layer owns: the loss, the report and side files, and the engine.
:mod:`losscli.commands.settings` builds them (with the input settings,
:class:`losscli.inputs.plan.InputOptions`, the gates, :class:`losscli.quality.session.GateOptions`, and a
paired comparison's, :class:`losscli.quality.paired.CompareSettings`) from click's options or a check
file's keys, once; nothing below the commands sees an option dict.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

from losscli.records import record


@record(frozen=True)
class LossSettings:
    """Which losses, with which parameters, under which convention.

    ``params`` are the loss-parameter options by parameter name (``from_logits`` included); each is passed
    to the losses of ``expression`` that take it.
    """

    expression: str
    params: dict[str, Any] = field(default_factory=dict)
    convention: str = "losscli"
    eps: float | None = None
    reduction: str = "mean"
    sum_tol: float = 1e-3
    #: whether ``sum_tol`` was given (``--sum-tol``), not the default: a loss of the run must check row sums
    sum_tol_given: bool = False
    #: per-row counts the inputs give (``words``, ``bytes``: ``--words-col``/``--bytes-col``), for the word and
    #: byte perplexity and bits per byte of the cross-entropies
    counts: tuple[str, ...] = ()
    #: files the loss options read (``--class-weights FILE``)
    files: tuple[str, ...] = ()


@record(frozen=True)
class ReportSettings:
    """What is written, where: stdout's format and the files of a run."""

    fmt: str = "json"
    summary_only: bool = False
    output: str | None = None
    state_out: str | None = None
    junit_xml: str | None = None
    openmetrics: str | None = None
    step_summary: bool = False
    #: the file ``--step-summary`` appends to (``$GITHUB_STEP_SUMMARY``)
    step_summary_file: str | None = None
    progress: bool = True
    per_sample_only: bool = False  # reduction 'none': the per-sample values are the result
    #: the HTML report's file (``--html``)
    html: str | None = None
    #: the table lists samples (the first, the last and the worst); ``--summary-only``: its summary alone
    sample_rows: bool = True

    @property
    def keep_per_sample(self) -> bool:
        """Whether stdout's format lists every sample."""
        if self.per_sample_only:
            return not self.output
        return self.fmt in ("jsonl", "csv", "tsv") or (self.fmt == "json" and not self.summary_only)

    @property
    def shows_signature(self) -> bool:
        """Whether a result's signature (its labels' digest) is written: JSON-family output and the side
        reports carry it; ``-q``, the table and Markdown do not."""
        return self.fmt not in ("quiet", "table", "md") or bool(
            self.junit_xml or self.openmetrics or self.step_summary or self.html)

    def files(self) -> list[str]:
        """Every file this run writes or appends to (the step summary)."""
        step = self.step_summary_file if self.step_summary else None
        return [p for p in (self.output, self.state_out, self.junit_xml, self.openmetrics, self.html, step) if p]


@record(frozen=True)
class EngineSettings:
    """Where the evaluation runs: ``local`` (streaming here) or ``dask`` (a cluster)."""

    name: str = "local"
    scheduler: str | None = None
