"""Human views of the quality sections: confidence intervals, breakdowns, baseline comparisons, checks.

Markdown (``--md``, ``$GITHUB_STEP_SUMMARY``) and rich tables read the same report sections
(``Evaluation.extra`` / the JSON keys ``ci``, ``by_class``, ``by_group``, ``baseline``, ``checks``).
"""

from __future__ import annotations

import math
import re
from typing import Any

from losscli.escape import markdown_cell as _md
from losscli.escape import printable

ICONS = {"pass": "✅ pass", "fail": "❌ FAIL", "warn": "⚠️ warn", "error": "💥 ERROR"}
STYLES = {"pass": "green", "fail": "bold red", "warn": "yellow", "error": "bold red"}


def _f(x: float | None) -> str:
    return "—" if x is None or (isinstance(x, float) and not math.isfinite(x)) else f"{x:.6g}"


def _pct(x: float | None) -> str:
    return "—" if x is None else f"{x * 100:.1f}%"


def ci_text(ci: dict[str, Any]) -> str:
    return (f"[{_f(ci['low'])}, {_f(ci['high'])}]  (bootstrap, {ci['resamples']} resamples, "
            f"seed {ci['seed']})")


def ci_label(ci: dict[str, Any]) -> str:
    return f"{ci['confidence'] * 100:g}% CI"


def baseline_text(info: dict[str, Any]) -> str:
    if not info.get("comparable"):
        return f"{info['file']}: {info.get('problem', 'not comparable')}"
    change = info.get("change")
    rel = info.get("rel_change")
    sign = "+" if change is not None and change >= 0 else ""
    rel_s = f", {sign}{rel * 100:.3g}%" if rel is not None else ""
    return f"{_f(info['value'])} in {info['file']}  (change {sign}{_f(change)}{rel_s})"


# ------------------------------------------------------------------------------------------ markdown


def checks_markdown(checks: list[dict[str, Any]]) -> str:
    if not checks:
        return ""
    lines = ["| status | check | value | limit | n | detail |", "|---|---|---:|---:|---:|---|"]
    for c in checks:
        detail = _md(c["message"])
        lines.append(f"| {ICONS.get(c['status'], c['status'])} | {_md(c['check'])} | {_f(c.get('value'))} | "
                     f"{_f(c.get('limit'))} | {c.get('n') if c.get('n') is not None else '—'} | {detail} |")
    return "\n".join(lines) + "\n"


#: Per-slice language-model values, shown as columns when the slices have them (a cross-entropy's groups).
SLICE_METRICS = ("perplexity", "words", "word_perplexity", "bytes", "byte_perplexity", "bits_per_byte")


def slice_metrics(rows: list[dict[str, Any]]) -> list[str]:
    """The language-model values the slices carry, in display order."""
    return [k for k in SLICE_METRICS if rows and k in rows[0]]


def _cell(v: Any) -> str:
    return str(v) if isinstance(v, int) and not isinstance(v, bool) else _f(v)


def slices_markdown(rows: list[dict[str, Any]], key: str, worst: Any = None) -> str:
    more = slice_metrics(rows)
    lines = [f"| {key} | n | mean | share of loss |" + "".join(f" {m} |" for m in more),
             "|---|---:|---:|---:|" + "---:|" * len(more)]
    for r in rows:
        mark = " **(worst)**" if worst is not None and r[key] == worst else ""
        lines.append(f"| {_md(r[key])}{mark} | {r['n']} | {_f(r['mean'])} | {_pct(r.get('share'))} |"
                     + "".join(f" {_cell(r.get(m))} |" for m in more))
    return "\n".join(lines) + "\n"


def sections_markdown(extra: dict[str, Any], loss: str) -> str:
    """Markdown for one evaluation's quality sections (empty when there are none)."""
    parts = []
    loss = _md(loss)
    if extra.get("ci"):
        ci = extra["ci"]
        parts.append(f"**{loss}** {ci_label(ci)}: {ci_text(ci)}\n")
    if extra.get("baseline"):
        parts.append(f"**{loss}** baseline: {_md(baseline_text(extra['baseline']))}\n")
    if extra.get("by_class"):
        rows = extra["by_class"]
        w = _worst(rows)
        parts.append(f"**{loss}** by true class\n\n" + slices_markdown(rows, "class", w and w["class"]))
    if extra.get("by_group"):
        bg = extra["by_group"]
        w = bg.get("worst")
        parts.append(f"**{loss}** by {_code(bg['column'])}\n\n" + slices_markdown(bg["groups"], "group", w and w["group"]))
    if extra.get("checks"):
        parts.append(checks_markdown(extra["checks"]))
    return "\n".join(parts)


def _code(text: Any) -> str:
    """A plain column name as inline code; anything else escaped as text."""
    s = str(text)
    return f"`{s}`" if re.fullmatch(r"[\w .:/-]+", s) else _md(s)


def _worst(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    scored = [r for r in rows if r["mean"] is not None]
    return max(scored, key=lambda r: r["mean"]) if scored else None


def evaluations_markdown(evals: list[Any]) -> str:
    """The sections of every evaluation, each preceded by a blank line (for ``markdown_summary``)."""
    out = ""
    for ev in evals:
        label = ev.result.loss + (f" · {ev.file}" if getattr(ev, "file", None) else "")
        text = sections_markdown(getattr(ev, "extra", {}) or {}, label)
        if text:
            out += "\n" + text
    return out


# ------------------------------------------------------------------------------------------ rich


def summary_rows(extra: dict[str, Any]) -> list[tuple[str, str]]:
    """Extra rows for the summary grid of the table view."""
    rows = []
    if extra.get("ci"):
        rows.append((ci_label(extra["ci"]), ci_text(extra["ci"])))
    if extra.get("baseline"):
        rows.append(("baseline", printable(baseline_text(extra["baseline"]))))
    if extra.get("by_group") and extra["by_group"].get("worst"):
        w = extra["by_group"]["worst"]
        rows.append(("worst group", f"{printable(w['group'])}  mean {_f(w['mean'])} (n={w['n']})"))
    return rows


def render_sections(extra: dict[str, Any], console: Any) -> None:
    """Breakdown and check tables of one evaluation (after its summary)."""
    if extra.get("by_class"):
        console.print(slices_table(extra["by_class"], "class", "by true class"))
    if extra.get("by_group"):
        bg = extra["by_group"]
        console.print(slices_table(bg["groups"], "group", f"by {printable(bg['column'])}"))
    if extra.get("checks"):
        console.print(checks_table(extra["checks"]))


def slices_table(rows: list[dict[str, Any]], key: str, title: str) -> Any:
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column(key)
    table.add_column("n", justify="right")
    table.add_column("mean", justify="right")
    table.add_column("share of loss", justify="right")
    more = slice_metrics(rows)
    for m in more:
        table.add_column(m, justify="right")
    w = _worst(rows)
    for r in rows:
        table.add_row(printable(r[key]), str(r["n"]), _f(r["mean"]), _pct(r.get("share")),
                      *(_cell(r.get(m)) for m in more), style="bold red" if w is not None and r is w else None)
    return table


def checks_table(checks: list[dict[str, Any]], title: str = "checks") -> Any:
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    table.add_column("status")
    table.add_column("check")
    table.add_column("value", justify="right")
    table.add_column("limit", justify="right")
    table.add_column("detail")
    for c in checks:
        table.add_row(Text(c["status"].upper(), style=STYLES.get(c["status"])), printable(c["check"]), _f(c.get("value")),
                      _f(c.get("limit")), printable(c["message"]))
    return table
