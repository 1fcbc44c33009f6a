"""``losscli merge``: combine the shard states written by ``eval --state-out`` into the global result."""

from __future__ import annotations

from typing import Any

from losscli.commands.output import render_evaluations, warn_once
from losscli.files import OutputTransaction

EXIT_OK = 0


def run_merge(patterns: list[str], fmt: str, *, state_out: str | None, decided: dict[str, Any]) -> int:
    """Merge the state files (paths or globs); ``fmt`` is stdout's format (``quiet`` for ``-q``)."""
    from losscli.commands.settings import refuse_stdout_as_file
    from losscli.engine.state import merge_documents, read_state, state_columns, write_state
    from losscli.operations.evaluation import expand_paths, refuse_overwriting_inputs
    from losscli.pipeline import Evaluation

    refuse_stdout_as_file(state_out, "--state-out")
    paths = expand_paths(patterns)
    if state_out:
        refuse_overwriting_inputs([state_out], list(paths))
    docs = [(p, read_state(p)) for p in paths]
    evaluators = merge_documents(docs)
    evaluations = []
    for ev in evaluators:
        inputs = {"states": paths, "sources": ev.sources, "preds": {"file": ", ".join(ev.sources) or "states"},
                  **({"skipped_rows": ev.skipped_rows} if ev.skipped_rows else {})}
        evaluations.append(_with_slices(ev, Evaluation(ev.result(), inputs, None, skipped=ev.skipped_rows)))
    warn_once(w for e in evaluations for w in e.warnings)
    with OutputTransaction():
        if state_out:
            write_state(state_out, evaluators, columns=state_columns(docs))
        decided["status"] = EXIT_OK
        render_evaluations(evaluations, fmt, summary_only=True)
    return EXIT_OK


def _with_slices(evaluator: Any, evaluation: Any) -> Any:
    """Add the merged per-class and per-group slices of the shards' states to ``evaluation`` (and to the
    state ``merge --state-out`` writes); what cannot be merged is said in the result's warnings."""
    from losscli.quality.session import merged_sections

    report, state, notes = merged_sections(evaluator, evaluation.result)
    evaluation.extra.update(report)
    evaluator.state_sections = state
    for note in notes:
        if note not in evaluation.result.warnings:
            evaluation.result.warnings.append(note)
    return evaluation
