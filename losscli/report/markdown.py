"""A GitHub-flavoured Markdown summary, for CI job summaries and pull-request comments."""

from __future__ import annotations

import math

from losscli.escape import markdown_cell as _md
from losscli.pipeline import Evaluation


def _f(x: float) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.6g}"


def markdown_summary(evals: list[Evaluation]) -> str:
    ranked = any(ev.file is not None for ev in evals)
    head = "| rank | file " if ranked else ""
    rule = "|---:|---" if ranked else ""
    lines = [
        head + "| loss | convention | reduction | n | value | mean | std | min | max | Σw | clipped | ignored |",
        rule + "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ev in evals:
        r = ev.result
        lead = f"| {ev.rank} | {_md(ev.file)} " if ranked else ""
        lines.append(
            lead + f"| `{r.loss}` | {r.convention} | {r.reduction}{' (batch-level)' if r.batch_level else ''} | "
            f"{r.n} | **{_f(r.value)}** | {_f(r.mean)} | "
            f"{_f(r.std)} | {_f(r.min)} | {_f(r.max)} | {_f(r.weight_sum)} | {r.clipped} | {r.ignored} |"
        )
    notes = [w for ev in evals for w in ev.warnings]
    out = "\n".join(lines) + "\n"
    batch = [f"> {_md(ev.result.loss)}: one value for the whole batch ({_md(ev.result.summary_of)}), no per-sample "
             "values" for ev in evals if ev.result.batch_level]
    if batch:
        out += "\n" + "\n".join(dict.fromkeys(batch)) + "\n"
    if notes:
        out += "\n" + "\n".join(f"> ⚠ {_md(w)}" for w in dict.fromkeys(notes)) + "\n"
    from losscli.report.sections import evaluations_markdown

    return out + evaluations_markdown(evals)  # intervals, breakdowns, baseline, checks (when asked for)
