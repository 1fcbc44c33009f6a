"""Markdown and rich views of ``losscli compare`` (one candidate, or several ranked) and ``losscli check``."""

from __future__ import annotations

from typing import Any

from losscli.escape import markdown_cell as _md
from losscli.escape import printable
from losscli.report.sections import _f, checks_markdown, checks_table, ci_label, sections_markdown


def _sign(x: float | None) -> str:
    return "+" if x is not None and x >= 0 else ""


def _ci(comp: dict[str, Any]) -> str:
    ci = comp["difference"]["ci"]
    return f"[{_sign(ci['low'])}{_f(ci['low'])}, {_sign(ci['high'])}{_f(ci['high'])}]"


def _verdict(comp: dict[str, Any]) -> str:
    v = comp["verdict"]
    return {"worse": "significantly worse", "better": "significantly better"}.get(v, v)


def compare_markdown(comp: dict[str, Any], heading: bool = True) -> str:
    d = comp["difference"]
    ci = d["ci"]
    s = comp["samples"]
    lines = []
    if heading:
        lines += [f"**{comp['loss']}** ({comp['convention']}, {comp['reduction']}): candidate vs baseline, "
                  f"paired over {comp['n']} samples", ""]
    lines += [
        f"| | file | {comp['reduction']} |",
        "|---|---|---:|",
        f"| candidate | {_md(comp['candidate']['file'])} | {_f(comp['candidate']['value'])} |",
        f"| baseline | {_md(comp['baseline']['file'])} | {_f(comp['baseline']['value'])} |",
        f"| **difference** | | **{_sign(d['mean'])}{_f(d['mean'])}** |",
        "",
        f"{ci_label(ci)} of the difference: {_ci(comp)} (paired bootstrap, {ci['resamples']} resamples, "
        f"seed {ci['seed']}) — **{_verdict(comp)}**",
        "",
        f"Samples: {s['improved']} improved, {s['worsened']} worsened, {s['unchanged']} unchanged.",
    ]
    if comp["worst"]:
        has_id = any("id" in w for w in comp["worst"])
        lines += ["", "Samples that worsened most:", "",
                  "| index | " + ("id | " if has_id else "") + "candidate | baseline | difference |",
                  "|---:|" + ("---|" if has_id else "") + "---:|---:|---:|"]
        for w in comp["worst"]:
            idc = f"{_md(w.get('id', ''))} | " if has_id else ""
            lines.append(f"| {w['row']} | {idc}{_f(w['candidate'])} | {_f(w['baseline'])} | "
                         f"+{_f(w['difference'])} |")
    out = "\n".join(lines) + "\n"
    if comp.get("checks"):
        out += "\n" + checks_markdown(comp["checks"])
    if comp.get("warnings"):
        out += "\n" + "\n".join(f"> ⚠ {_md(w)}" for w in comp["warnings"]) + "\n"
    return out


def render_compare(comp: dict[str, Any], console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    d = comp["difference"]
    ci = d["ci"]
    grid = Table.grid(padding=(0, 2))
    grid.add_column(style="bold")
    grid.add_column()
    grid.add_row("loss", f"{comp['loss']}  ({comp['convention']}, {comp['reduction']})")
    grid.add_row("candidate", f"{_f(comp['candidate']['value'])}  {printable(comp['candidate']['file'])}")
    grid.add_row("baseline", f"{_f(comp['baseline']['value'])}  {printable(comp['baseline']['file'])}")
    style = {"worse": "bold red", "better": "bold green"}.get(comp["verdict"], "bold")
    grid.add_row("difference", Text(f"{_sign(d['mean'])}{_f(d['mean'])}", style=style))
    grid.add_row(ci_label(ci), f"{_ci(comp)}  (paired bootstrap, {ci['resamples']} resamples, seed {ci['seed']})")
    grid.add_row("verdict", Text(_verdict(comp), style=style))
    s = comp["samples"]
    grid.add_row("samples", f"{comp['n']} paired: {s['improved']} improved, {s['worsened']} worsened, "
                 f"{s['unchanged']} unchanged")
    console.print(grid)
    if comp["worst"]:
        has_id = any("id" in w for w in comp["worst"])
        table = Table(title="worsened most", title_justify="left")
        table.add_column("#", justify="right", style="dim")
        if has_id:
            table.add_column("id")
        for col in ("candidate", "baseline", "difference"):
            table.add_column(col, justify="right")
        for w in comp["worst"]:
            cells = [str(w["row"])] + ([printable(w.get("id", ""))] if has_id else [])
            cells += [_f(w["candidate"]), _f(w["baseline"]), "+" + _f(w["difference"])]
            table.add_row(*cells)
        console.print(table)
    if comp.get("checks"):
        console.print(checks_table(comp["checks"]))


def _p(x: float | None) -> str:
    return "—" if x is None else f"{x:.3g}"


def _many_rows(doc: dict[str, Any]) -> list[list[str]]:
    """One row per candidate, best first: rank, file, value, difference, interval, p, Holm p, verdict."""
    rows = []
    for c in doc["candidates"]:
        d = c["difference"]
        rows.append([str(c["rank"]), c["candidate"]["file"], _f(c["candidate"]["value"]),
                     f"{_sign(d['mean'])}{_f(d['mean'])}", _ci(c), _p(d["p_value"]), _p(d["p_adjusted"]),
                     _verdict(c)])
    return rows


_MANY_HEAD = ["rank", "candidate", "value", "difference", "interval", "p", "Holm p", "verdict"]


def _many_note(doc: dict[str, Any]) -> str:
    c0 = doc["candidates"][0]
    ci = c0["difference"]["ci"]
    corr = doc["correction"]
    return (f"Baseline {doc['baseline']['file']}: {_f(doc['baseline']['value'])}. Differences are candidate − "
            f"baseline with each one's {ci_label(ci)} (paired bootstrap, {ci['resamples']} resamples, seed "
            f"{ci['seed']}; not corrected). Verdicts use the p-values adjusted by Holm's step-down over "
            f"{corr['family']} candidates at α = {corr['alpha']:g}.")


def compare_many_markdown(doc: dict[str, Any]) -> str:
    """Several candidates against one baseline: the ranked table, then each one's samples and checks."""
    lines = [f"**{doc['loss']}** ({doc['convention']}, {doc['reduction']}): {len(doc['candidates'])} candidates "
             f"vs baseline", "",
             "| " + " | ".join(_MANY_HEAD) + " |", "|---:|---|---:|---:|---:|---:|---:|---|"]
    for row in _many_rows(doc):
        row[1] = _md(row[1])
        row[-1] = f"**{row[-1]}**"
        lines.append("| " + " | ".join(row) + " |")
    lines += ["", _md(_many_note(doc)), ""]
    for c in doc["candidates"]:
        s = c["samples"]
        lines.append(f"- #{c['rank']} {_md(c['candidate']['file'])}: paired over {c['n']} samples, "
                     f"{s['improved']} improved, {s['worsened']} worsened, {s['unchanged']} unchanged")
    out = "\n".join(lines) + "\n"
    checks = [ch for c in doc["candidates"] for ch in c.get("checks") or []]
    if checks:
        out += "\n" + checks_markdown(checks)
    if doc.get("warnings"):
        out += "\n" + "\n".join(f"> ⚠ {_md(w)}" for w in doc["warnings"]) + "\n"
    return out


def render_compare_many(doc: dict[str, Any], console: Any) -> None:
    from rich.table import Table
    from rich.text import Text

    def short(x: float | None) -> str:
        return "—" if x is None else f"{_sign(x)}{x:.4g}"

    table = Table(title=f"{doc['loss']} ({doc['convention']}, {doc['reduction']}): candidates vs baseline",
                  title_justify="left")
    for col in ("#", "candidate", "value", "difference [interval]", "p", "Holm p", "verdict"):
        table.add_column(col, justify="left" if col in ("candidate", "verdict") else "right", overflow="fold")
    for c in doc["candidates"]:
        d = c["difference"]
        ci = d["ci"]
        style = {"worse": "bold red", "better": "bold green"}.get(c["verdict"], "bold")
        verdict = {"no significant difference": "no sig. difference"}.get(c["verdict"], c["verdict"])
        table.add_row(str(c["rank"]), printable(c["candidate"]["file"]), _f(c["candidate"]["value"]),
                      Text(f"{short(d['mean'])} [{short(ci['low'])}, {short(ci['high'])}]", style=style),
                      _p(d["p_value"]), _p(d["p_adjusted"]), Text(verdict, style=style))
    console.print(table)
    console.print(Text(printable(_many_note(doc)), style="dim"))
    checks = [ch for c in doc["candidates"] for ch in c.get("checks") or []]
    if checks:
        console.print(checks_table(checks))


def _counts_line(doc: dict[str, Any]) -> str:
    n = doc["counts"]
    parts = [f"{n['pass']} passed", f"{n['fail']} failed"]
    if n["warn"]:
        parts.append(f"{n['warn']} warned")
    if n["error"]:
        parts.append(f"{n['error']} errors")
    return ", ".join(parts)


def check_markdown(doc: dict[str, Any]) -> str:
    verdict = {"pass": "✅ passed", "fail": "❌ failed", "error": "💥 errors"}[doc["status"]]
    out = f"### losscli checks — {verdict} ({_counts_line(doc)})\n\n" + checks_markdown(doc["checks"])
    for res in doc["results"]:
        extra = {k: res.get(k) for k in ("ci", "baseline", "by_class", "by_group")}
        text = sections_markdown(extra, f"{res['check']} · {res['loss']}")  # escaped there
        if text:
            out += "\n" + text
    for comp in doc.get("comparisons") or []:
        out += "\n" + compare_markdown({**comp, "checks": None})
    return out


def render_check(doc: dict[str, Any], console: Any) -> None:
    from rich.text import Text

    from losscli.report.sections import render_sections, summary_rows

    console.print(checks_table(doc["checks"], title=f"losscli checks — {printable(doc['config'])}"))
    for res in doc["results"]:
        rows = summary_rows(res)
        for label, text in rows:
            console.print(Text(f"{printable(res['check'])}: {label} ", style="bold") + Text(text))
        render_sections({k: res.get(k) for k in ("by_class", "by_group")}, console)
    for comp in doc.get("comparisons") or []:
        render_compare({**comp, "checks": None}, console)
    style = {"pass": "bold green", "fail": "bold red", "error": "bold red"}[doc["status"]]
    console.print(Text(f"{doc['status'].upper()}: {_counts_line(doc)}", style=style))
