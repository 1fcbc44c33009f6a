"""The human view: per-sample rows (head, tail, worst highlighted), a summary and a histogram."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.conventions import RULES
from losscli.escape import printable
from losscli.pipeline import Evaluation

BARS = "▁▂▃▄▅▆▇█"


def _f(x: float | None) -> str:
    return "—" if x is None or not math.isfinite(x) else f"{x:.6g}"


def histogram(values: np.ndarray, bins: int = 24) -> tuple[str, float, float]:
    """A one-line histogram of ``values`` (bar heights ∝ counts) and its range."""
    v = values[np.isfinite(values)]
    if v.size == 0:
        return "", math.nan, math.nan
    lo, hi = float(v.min()), float(v.max())
    if hi <= lo:
        return BARS[-1], lo, hi
    counts, _ = np.histogram(v, bins=bins, range=(lo, hi))
    top = counts.max()
    line = "".join(" " if c == 0 else BARS[min(len(BARS) - 1, int((c / top) * (len(BARS) - 1) + 0.5))] for c in counts)
    return line, lo, hi


def render(evals: list[Evaluation], console: Any, *, sample_rows: bool = True) -> None:
    """Print every evaluation to a rich console: its samples (the first, the last and the worst; not without
    ``sample_rows``), its summary and its breakdowns."""
    from rich.table import Table
    from rich.text import Text

    if any(ev.file is not None for ev in evals):
        board = Table(title="leaderboard (best first)", title_justify="left")
        for col, just in (("rank", "right"), ("file", "left"), ("loss", "left"), ("value", "right"),
                          ("n", "right"), ("std", "right"), ("clipped", "right")):
            board.add_column(col, justify=just)
        for ev in evals:
            r = ev.result
            board.add_row(str(ev.rank), printable(ev.file or ""), r.loss, _f(r.value), str(r.n), _f(r.std), str(r.clipped),
                          style="bold green" if ev.rank == 1 else None)
        console.print(board)
        return
    for ev in evals:
        r = ev.result
        if getattr(r, "batch_level", False):
            _batch_level(ev, console)
            continue
        has_id = any(row["id"] is not None for row in ev.rows)
        has_p = any(row["p_true"] is not None for row in ev.rows)
        table = Table(title=f"{r.loss} — {printable(ev.inputs['preds']['file'])}", title_justify="left", expand=False)
        table.add_column("#", justify="right", style="dim")
        if has_id:
            table.add_column("id")
        table.add_column("label")
        table.add_column("predicted")
        if has_p:
            table.add_column("p(true)", justify="right")
        table.add_column("loss", justify="right")
        last = -1
        for row in sorted((x for x in ev.rows if x["section"] != "worst"), key=lambda x: x["index"]):
            if last >= 0 and row["index"] > last + 1:
                table.add_row(*_gap(row["index"] - last - 1, has_id, has_p))
            table.add_row(*_cells(row, has_id, has_p), style="bold red" if row["worst"] else None)
            last = row["index"]
        if last >= 0 and r.n_total > last + 1:
            table.add_row(*_gap(r.n_total - last - 1, has_id, has_p))
        extra = [x for x in ev.rows if x["section"] == "worst"]
        if extra:
            table.add_section()
            for row in sorted(extra, key=lambda x: -x["loss"]):
                table.add_row(*_cells(row, has_id, has_p), style="bold red")
        if sample_rows:
            console.print(table)
        else:
            console.print(Text(table.title), style="italic")

        summary = Table.grid(padding=(0, 2))
        summary.add_column(style="bold")
        summary.add_column()
        summary.add_row("loss", r.loss + (f" ({_params(r.params)})" if _params(r.params) else ""))
        summary.add_row("convention", r.convention)
        summary.add_row("reduction", f"{r.reduction} = {getattr(r, 'summary_of', '') or RULES[r.rule]}")
        summary.add_row("value", Text(_f(r.value), style="bold green"))
        for name, v in r.complement.items():
            summary.add_row(name, f"{_f(v)}  (1 − value)")
        for name, v in getattr(r, "metrics", {}).items():
            summary.add_row(name, str(v) if isinstance(v, int) else _f(v))
        summary.add_row("n", str(r.n) + (f"  (ignored {r.ignored})" if r.ignored else ""))
        for key in ("mean", "sum", "std", "min", "max"):
            summary.add_row(key, _f(getattr(r, key)))
        summary.add_row("Σw", _f(r.weight_sum))
        summary.add_row("clipped", str(r.clipped))
        if ev.skipped:
            summary.add_row("skipped", str(ev.skipped))
        sample = r.per_sample if r.per_sample is not None else ev.histogram_sample
        if sample is not None and sample.size:
            line, lo, hi = histogram(sample)
            summary.add_row("distribution", Text(f"{_f(lo)} {line} {_f(hi)}", style="cyan"))
        from losscli.report.sections import render_sections, summary_rows

        for label, text in summary_rows(ev.extra):  # confidence interval, baseline, worst group
            summary.add_row(label, text)
        console.print(summary)
        for title, rows in getattr(r, "details", {}).items():  # a summary metric's tables (reliability bins)
            _details_table(console, title, rows)
        render_sections(ev.extra, console)  # per-class and per-group tables, checks
        console.print()


def _batch_level(ev: Evaluation, console: Any) -> None:
    """A value for the whole batch (Keras' ``Dice()``): no per-sample rows, no distribution, said so."""
    from rich.table import Table
    from rich.text import Text

    r = ev.result
    console.print(Text(f"{r.loss} — {printable(ev.inputs['preds']['file'])}", style="italic"))
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("loss", r.loss + (f" ({_params(r.params)})" if _params(r.params) else ""))
    summary.add_row("convention", r.convention)
    summary.add_row("value", Text(_f(r.value), style="bold green"))
    summary.add_row("scope", f"batch-level: {r.summary_of}")
    summary.add_row("per-sample", f"none (one value for the whole batch); {r.loss}(axis=-1) gives one per sample")
    for name, v in r.metrics.items():
        summary.add_row(name, _f(v))
    summary.add_row("n", str(r.n) + (f"  (ignored {r.ignored})" if r.ignored else ""))
    summary.add_row("clipped", str(r.clipped))
    if ev.skipped:
        summary.add_row("skipped", str(ev.skipped))
    from losscli.report.sections import render_sections, summary_rows

    for label, text in summary_rows(ev.extra):  # baseline
        summary.add_row(label, text)
    console.print(summary)
    render_sections(ev.extra, console)  # checks
    console.print()


def _details_table(console: Any, title: str, rows: list[dict[str, Any]]) -> None:
    """One table of rows of named values (e.g. a calibration error's reliability bins)."""
    from rich.table import Table

    if not rows:
        return
    table = Table(title=title, title_justify="left")
    for key in rows[0]:
        table.add_column(key, justify="right")
    for row in rows:
        table.add_row(*(_f(v) if isinstance(v, float) else "" if v is None else str(v) for v in row.values()))
    console.print(table)


def _params(params: dict[str, Any]) -> str:
    shown = {k: v for k, v in params.items() if v not in (None, False, 0.0) or k == "gamma"}
    return ", ".join(f"{k}={v}" for k, v in shown.items())


def _cells(row: dict[str, Any], has_id: bool, has_p: bool) -> list[str]:
    cells = [str(row.get("row", row["index"]))]  # the input row, as --nl's index
    if has_id:
        cells.append(printable(row["id"] or ""))
    cells += [printable(row["label"]), printable(row["predicted"])]
    if has_p:
        cells.append(_f(row["p_true"]))
    cells.append(_f(row["loss"]))
    return cells


def _gap(count: int, has_id: bool, has_p: bool) -> list[str]:
    width = 4 + int(has_id) + int(has_p)
    return ["…"] + [f"{count} more" if i == 1 else "" for i in range(1, width)]
