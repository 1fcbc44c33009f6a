"""A GitHub-flavoured Markdown summary, for CI job summaries and pull-request comments."""

from __future__ import annotations

import math

from losscli.escape import markdown_cell as _md
from losscli.pipeline import Evaluation


def _f(x: float) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.6g}"


def _metrics_markdown(evals: list[Evaluation]) -> str:
    """The values reported beside each value (perplexity, word/byte perplexity, bits per byte, accuracy,
    a summary metric's mean per-sample loss): one table, a row per loss that has any."""
    rows = [(ev, {**ev.result.complement, **({} if getattr(ev.result, "batch_level", False) else ev.result.metrics)})
            for ev in evals]  # a batch-level value has no per-sample statistics to show
    rows = [(ev, m) for ev, m in rows if m]
    if not rows:
        return ""
    names = list(dict.fromkeys(k for _, m in rows for k in m))
    lines = ["", "| loss | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
    for ev, m in rows:
        label = f"`{ev.result.loss}`" + (f" · {_md(ev.file)}" if ev.file is not None else "")
        cells = [(str(int(m[k])) if k in ("words", "bytes") else _f(m[k])) if k in m else "" for k in names]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


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
    out = "\n".join(lines) + "\n" + _metrics_markdown(evals)
    batch = [f"> {_md(ev.result.loss)}: one value for the whole batch ({_md(ev.result.summary_of)}), no per-sample "
             "values" for ev in evals if ev.result.batch_level]
    if batch:
        out += "\n" + "\n".join(dict.fromkeys(batch)) + "\n"
    if notes:
        out += "\n" + "\n".join(f"> ⚠ {_md(w)}" for w in dict.fromkeys(notes)) + "\n"
    from losscli.report.sections import evaluations_markdown

    return out + evaluations_markdown(evals)  # intervals, breakdowns, baseline, checks (when asked for)
