"""The HTML report (``--html FILE``): one self-contained page to look at instead of read.

Sections, each when the run has what it needs: the summary table (with intervals), the checks, the
leaderboard of several prediction files, the loss distribution, per-class and per-group bars, the
reliability diagram of class probabilities or logits (:mod:`losscli.engine.calibration`), and the worst samples.

The charts are drawn by matplotlib (the ``losscli[report]`` extra) as SVG inlined in the page; fonts are
the browser's (``svg.fonttype = none``), nothing is fetched (a Content-Security-Policy forbids every
request), so the file opens offline, anywhere. A short inline script marks the page with the number of
charts the browser laid out (``data-charts-rendered``), which the browser test reads.
"""

from __future__ import annotations

import html
import io
import math
from typing import Any

from losscli.errors import UsageError

#: colours: one accent, a warning colour for the worst group or a failed check, greys for the rest
ACCENT = "#3b6fb6"
WORST = "#c8553d"
MUTED = "#9aa5b1"

_CSS = """
:root { color-scheme: light; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", sans-serif; margin: 0;
       color: #1f2933; background: #f5f7fa; }
header { background: #1f2933; color: #fff; padding: 14px 28px; }
header h1 { font-size: 20px; margin: 0 0 2px; }
header p { margin: 0; color: #cbd2d9; font-size: 13px; }
main { padding: 18px 28px 32px; max-width: 1400px; }
section { background: #fff; border: 1px solid #e4e7eb; border-radius: 8px; padding: 12px 16px 14px;
          margin: 0 0 16px; overflow-x: auto; }
h2 { font-size: 16px; margin: 0 0 8px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 16px; }
.grid section { margin: 0; }
table { border-collapse: collapse; width: 100%; font-size: 14px; }
th, td { text-align: left; padding: 5px 10px; border-bottom: 1px solid #e4e7eb; }
th { color: #52606d; font-weight: 600; background: #f5f7fa; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.value { font-size: 26px; font-weight: 700; color: #1f2933; }
.pass { color: #1f7a4d; font-weight: 600; } .fail { color: #c8553d; font-weight: 700; }
.warn { color: #b7791f; font-weight: 600; }
.chart svg { width: 100%; height: auto; display: block; }
.note { color: #52606d; font-size: 13px; margin: 6px 0 0; }
"""

_CHECK_SCRIPT = """
window.addEventListener("load", function () {
  var n = 0;
  document.querySelectorAll(".chart svg").forEach(function (s) {
    var b = s.getBoundingClientRect();
    if (b.width > 50 && b.height > 50 && s.querySelectorAll("path, rect, line, use").length > 3) n++;
  });
  document.body.setAttribute("data-charts-rendered", String(n));
});
"""


def _matplotlib() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise UsageError("--html needs matplotlib", hint="pip install 'losscli[report]'") from None
    return matplotlib


def check_available() -> None:
    """Raise the usage error now (before any input is read) when the extra is not installed."""
    _matplotlib()


def _esc(x: Any) -> str:
    return html.escape(str(x))


def _num(v: Any, digits: int = 6) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return "—" if not math.isfinite(v) else f"{v:.{digits}g}"
    return _esc(v)


class _Charts:
    """matplotlib figures → inline SVG (no pyplot state; reproducible ids per figure)."""

    def __init__(self) -> None:
        self.count = 0

    def figure(self, width: float = 6.4, height: float = 3.4) -> Any:
        _matplotlib()
        from matplotlib.figure import Figure

        fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
        return fig

    def svg(self, fig: Any) -> str:
        import matplotlib

        self.count += 1
        buf = io.StringIO()
        with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": f"losscli-{self.count}"}):
            fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None})
        text = buf.getvalue()
        return text[text.index("<svg"):]


def _chart_text(text: str) -> str:
    """A name (a group, a class, a file) as a chart's label: control characters escaped as the terminal shows
    them, and ``$`` kept a dollar sign (matplotlib reads text between two as math, and refuses math it cannot
    parse)."""
    from losscli.escape import printable

    return printable(text).replace("$", r"\$")


def _style(ax: Any) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=10)
    ax.grid(axis="y", color="#e4e7eb", linewidth=0.8)
    ax.set_axisbelow(True)


def _title(ev: Any) -> str:
    r = ev.result
    return f"{r.loss}" + (f" — {ev.file}" if ev.file else "")


def _distribution(charts: _Charts, ev: Any) -> str | None:
    import numpy as np

    values = ev.result.per_sample if ev.result.per_sample is not None else ev.histogram_sample
    if values is None or len(values) == 0:
        return None
    v = _finite(values)
    if v is None:
        return None
    fig = charts.figure()
    ax = fig.add_subplot()
    _histogram(ax, v, most_bins=40)
    ax.axvline(ev.result.mean, color=WORST, linewidth=1.8, label=f"mean {ev.result.mean:.4g}")
    ax.axvline(float(np.median(v)), color="#1f2933", linewidth=1.2, linestyle="--", label=f"median {np.median(v):.4g}")
    ax.set_xlabel("per-sample loss", fontsize=11)
    ax.set_ylabel("samples", fontsize=11)
    ax.legend(frameon=False, fontsize=10)
    _style(ax)
    sampled = "" if v.size >= ev.result.n else f" ({v.size:,} of {ev.result.n:,} samples, uniformly drawn)"
    return _card(f"Loss distribution — {_esc(_title(ev))}{sampled}", charts.svg(fig))


def _bars(charts: _Charts, title: str, labels: list[str], means: list[float | None], counts: list[int],
          highlight: str | None = None, overall: float | None = None) -> str:
    """Horizontal bars of the slices' means; a slice whose mean is undefined (its weights sum to 0) has no
    bar and says "—"."""
    fig = charts.figure(6.4, max(2.4, 0.42 * len(labels) + 1.2))
    ax = fig.add_subplot()
    colors = [WORST if lab == highlight else ACCENT for lab in labels]
    y = list(range(len(labels)))[::-1]
    defined = [m is not None and math.isfinite(m) for m in means]
    ax.barh(y, [m if ok else 0.0 for m, ok in zip(means, defined, strict=True)], color=colors, height=0.62)
    ax.set_yticks(y, [f"{_chart_text(lab)}  (n={n})" for lab, n in zip(labels, counts, strict=True)], fontsize=10)
    for yi, m, ok in zip(y, means, defined, strict=True):
        ax.text(m if ok else 0.0, yi, f" {m:.4g}" if ok else " — (undefined)", va="center", fontsize=10)
    means = [m for m, ok in zip(means, defined, strict=True) if ok]
    if overall is not None and math.isfinite(overall):
        ax.axvline(overall, color="#1f2933", linewidth=1.2, linestyle="--")
        ax.text(overall, 1.01, f"overall {overall:.4g}", transform=ax.get_xaxis_transform(), ha="center",
                va="bottom", fontsize=9, color="#1f2933")
    ax.set_xlabel("mean loss", fontsize=11)
    ax.set_xlim(0, max(means) * 1.22 if means and max(means) > 0 else 1)
    _style(ax)
    ax.grid(axis="y", visible=False)
    ax.grid(axis="x", color="#e4e7eb", linewidth=0.8)
    return _card(title, charts.svg(fig))


def _reliability(charts: _Charts, ev: Any, rel: Any) -> str | None:
    """The reliability diagram: the bins of a calibration loss itself (``ece``, ``mce``, ``rmsce``, with
    their ``n_bins`` and ``strategy``), so that the chart shows the reported value's bins; else
    :class:`~losscli.engine.calibration.Reliability`'s bins of the predictions: the ``ece`` loss's default bins,
    weighted as it weighs them, so its ECE is ``eval ece``'s value."""
    own = _loss_bins(ev)
    if own is not None:
        bins = [{"low": b["low"], "width": b["high"] - b["low"], "outcome": b["accuracy"],
                 "predicted": b["confidence"], "n": b["count"]} for b in own]
        strategy = ev.result.params.get("strategy", "uniform")
        heading = f"{ev.result.loss} {ev.result.value:.4f}"
        note = (f"the loss's {len(own)} non-empty {strategy} bins of the confidence; bars: accuracy per bin; "
                "numbers at the foot: samples per bin")
        binary = False
    elif rel is not None and rel.table():
        # the ece loss's bins (a confidence of exactly 1 has a bin of its own under torch: drawn at the edge)
        bins = [{**b, "width": b["high"] - b["low"] or 1.0 / rel.n_bins} for b in rel.table()]
        bins = [{**b, "low": min(b["low"], 1.0 - b["width"])} for b in bins]
        heading = f"ECE {rel.ece():.4f}"
        note = "bars: observed outcome per bin of the prediction; numbers at the foot: samples per bin"
        binary = rel.kind == "binary"
    else:
        return None
    fig = charts.figure(6.4, 3.8)
    ax = fig.add_subplot()
    ax.plot([0, 1], [0, 1], color=MUTED, linestyle="--", linewidth=1.2, label="perfectly calibrated")
    ax.bar([b["low"] for b in bins], [b["outcome"] for b in bins], width=[b["width"] * 0.92 for b in bins],
           align="edge", color=ACCENT, alpha=0.85, label="observed")
    ax.plot([b["predicted"] for b in bins], [b["outcome"] for b in bins], "o", color=WORST, markersize=5,
            label="bin mean")
    for b in bins:
        inside = b["outcome"] > 0.08
        ax.text(b["low"] + b["width"] / 2, 0.015, str(b["n"]), ha="center", va="bottom", fontsize=8,
                color="#ffffff" if inside else "#52606d")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("predicted probability of class 1" if binary else "confidence (largest class probability)",
                  fontsize=11)
    ax.set_ylabel("share of positives" if binary else "accuracy", fontsize=11)
    ax.legend(frameon=False, fontsize=9, loc="upper left")
    _style(ax)
    return _card(f"Reliability — {_esc(_title(ev))}  ·  {heading}", charts.svg(fig), note=note)


def _loss_bins(ev: Any) -> list[dict[str, Any]] | None:
    """The non-empty confidence bins a calibration loss reported (top-label; not class-wise), or None."""
    details = getattr(ev.result, "details", None) or {}
    rows = details.get("reliability")
    if not rows or ev.result.params.get("classwise") or any("class" in r for r in rows):
        return None
    rows = [r for r in rows if r.get("count")]
    return rows or None


def _leaderboard(charts: _Charts, evs: list[Any]) -> str | None:
    ranked = [ev for ev in evs if ev.file is not None and ev.rank is not None]
    if len(ranked) < 2:
        return None
    first = ranked[0].result.loss
    ranked = sorted((ev for ev in ranked if ev.result.loss == first), key=lambda ev: ev.rank)
    labels = [f"#{ev.rank} {ev.file}" for ev in ranked]
    values = [ev.result.value for ev in ranked]
    fig = charts.figure(6.4, max(2.4, 0.45 * len(ranked) + 1.2))
    ax = fig.add_subplot()
    y = list(range(len(ranked)))[::-1]
    ax.barh(y, values, color=[ACCENT if i else "#1f7a4d" for i in range(len(ranked))], height=0.62)
    for yi, ev in zip(y, ranked, strict=True):
        ci = ev.extra.get("ci") if ev.extra else None
        if ci and ci.get("low") is not None:
            ax.plot([ci["low"], ci["high"]], [yi, yi], color="#1f2933", linewidth=1.6)
        ax.text(ev.result.value, yi, f" {ev.result.value:.4g}", va="bottom", fontsize=10)
    ax.set_yticks(y, [_chart_text(lab) for lab in labels], fontsize=10)
    from losscli.registry import get_loss

    better = "higher" if get_loss(first).higher_is_better else "lower"
    ax.set_xlabel(f"{first} ({ranked[0].result.reduction}; {better} is better)", fontsize=11)
    _style(ax)
    ax.grid(axis="y", visible=False)
    return _card("Leaderboard", charts.svg(fig))


def _card(title: str, body: str, note: str | None = None) -> str:
    extra = f'<p class="note">{_esc(note)}</p>' if note else ""
    return f'<section><h2>{title}</h2><div class="chart">{body}</div>{extra}</section>'


def _reduction(r: Any) -> str:
    """The reduction as shown: a batch-level value (Keras' ``Dice()``) says so."""
    return f"{r.reduction} (batch-level)" if getattr(r, "batch_level", False) else r.reduction


def _summary_table(evs: list[Any]) -> str:
    several = any(ev.file for ev in evs)
    head = (("<th>file</th>" if several else "") + "<th>loss</th><th>convention</th><th>reduction</th>"
            '<th class="num">n</th><th class="num">value</th><th class="num">interval</th>'
            '<th class="num">std</th><th class="num">min</th><th class="num">max</th>')
    rows = []
    for ev in evs:
        r = ev.result
        ci = (ev.extra or {}).get("ci")
        ci_text = f"[{_num(ci.get('low'), 4)}, {_num(ci.get('high'), 4)}] @ {ci.get('confidence')}" if ci else "—"
        rows.append(
            "<tr>" + (f"<td>{_esc(ev.file or '')}</td>" if several else "")
            + f"<td><code>{_esc(r.loss)}</code></td><td>{_esc(r.convention)}</td><td>{_esc(_reduction(r))}</td>"
            f'<td class="num">{r.n}</td><td class="num value">{_num(r.value, 5)}</td>'
            f'<td class="num">{_esc(ci_text)}</td><td class="num">{_num(r.std, 4)}</td>'
            f'<td class="num">{_num(r.min, 4)}</td><td class="num">{_num(r.max, 4)}</td></tr>'
        )
    return f'<section><h2>Summary</h2><table><tr>{head}</tr>{"".join(rows)}</table></section>'


def _checks_table(checks: list[Any]) -> str | None:
    if not checks:
        return None
    rows = []
    for c in checks:
        cls = {"pass": "pass", "fail": "fail"}.get(c.status, "warn")
        rows.append(f'<tr><td class="{cls}">{_esc(c.status.upper())}</td><td>{_esc(c.check)}</td>'
                    f'<td class="num">{_num(c.value)}</td><td class="num">{_num(c.limit)}</td>'
                    f'<td class="num">{_num(c.n)}</td><td>{_esc(c.message)}</td></tr>')
    failed = sum(c.status == "fail" and c.critical for c in checks)
    verdict = '<span class="fail">failed</span>' if failed else '<span class="pass">passed</span>'
    return (f"<section><h2>Checks — {verdict}</h2><table><tr><th>status</th><th>check</th>"
            '<th class="num">value</th><th class="num">limit</th><th class="num">n</th><th>detail</th></tr>'
            f'{"".join(rows)}</table></section>')


def _worst_table(ev: Any, limit: int = 10) -> str | None:
    rows = [r for r in ev.rows if r.get("worst")]
    if not rows:
        return None
    rows = sorted(rows, key=lambda r: -(r["loss"] if r["loss"] is not None else -math.inf))[:limit]
    body = "".join(
        f'<tr><td>{_esc(r["id"] if r["id"] is not None else r.get("row", r["index"]))}</td><td>{_esc(r["label"])}</td>'
        f'<td>{_esc(r["predicted"])}</td><td class="num">{_num(r["p_true"], 4)}</td>'
        f'<td class="num">{_num(r["loss"], 5)}</td></tr>'
        for r in rows
    )
    return (f"<section><h2>Worst samples — {_esc(_title(ev))}</h2><table><tr><th>id / sample</th><th>label</th>"
            '<th>predicted</th><th class="num">p(true)</th><th class="num">loss</th></tr>'
            f"{body}</table></section>")


def _comparisons_table(comparisons: list[dict[str, Any]]) -> str | None:
    if not comparisons:
        return None
    named = any(c.get("check") for c in comparisons)
    ranked = any("rank" in c for c in comparisons)  # several candidates: ranks and Holm-adjusted p-values
    rows = []
    for c in comparisons:
        d = c["difference"]
        ci = d.get("ci") or {}
        verdict = c.get("verdict", "")
        cls = "fail" if verdict == "worse" else "pass" if verdict == "better" else "warn"
        samples = c.get("samples") or {}
        holm = (f"<td class=\"num\">{_num(d.get('p_value'), 3)}</td><td class=\"num\">{_num(d.get('p_adjusted'), 3)}</td>"
                if ranked else "")
        rows.append(
            "<tr>" + (f"<td>{_esc(c.get('check', ''))}</td>" if named else "")
            + (f"<td class=\"num\">{_esc(c.get('rank', ''))}</td>" if ranked else "")
            + f"<td><code>{_esc(c['loss'])}</code></td>"
            f"<td>{_esc(c['candidate']['file'])}</td><td class=\"num\">{_num(c['candidate']['value'], 5)}</td>"
            f"<td>{_esc(c['baseline']['file'])}</td><td class=\"num\">{_num(c['baseline']['value'], 5)}</td>"
            f"<td class=\"num\">{_num(d['mean'], 4)}</td>"
            f"<td class=\"num\">[{_num(ci.get('low'), 4)}, {_num(ci.get('high'), 4)}] @ {_esc(ci.get('confidence', ''))}</td>"
            + holm + f"<td class=\"{cls}\">{_esc(verdict)}</td><td class=\"num\">{samples.get('worsened', '—')} / "
            f"{samples.get('improved', '—')}</td></tr>"
        )
    return ("<section><h2>Paired comparison (candidate − baseline)</h2><table><tr>"
            + ("<th>check</th>" if named else "") + ('<th class="num">rank</th>' if ranked else "") + "<th>loss</th>"
            '<th>candidate</th><th class="num">value</th><th>baseline</th><th class="num">value</th>'
            '<th class="num">difference</th><th class="num">interval</th>'
            + ('<th class="num">p</th><th class="num">Holm p</th>' if ranked else "")
            + "<th>verdict</th>"
            '<th class="num">samples worse / better</th></tr>' + "".join(rows) + "</table>"
            + ("<p class=\"note\">Intervals are per candidate (not corrected); verdicts use the p-values adjusted "
               "by Holm's step-down for the number of candidates.</p>" if ranked else "") + "</section>")


def _finite(values: Any) -> Any:
    """The finite values as a float64 array, or ``None`` when there are none."""
    import numpy as np

    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    return v if v.size else None


def _histogram(ax: Any, v: Any, *, most_bins: int) -> None:
    """A histogram of ``v`` with about √n bins (10 to ``most_bins``)."""
    ax.hist(v, bins=min(most_bins, max(10, int(math.sqrt(v.size)))), color=ACCENT, alpha=0.9)


def _differences(charts: _Charts, differences: Any, comp: dict[str, Any]) -> str | None:

    d = _finite(differences)
    if d is None:
        return None
    fig = charts.figure()
    ax = fig.add_subplot()
    _histogram(ax, d, most_bins=50)
    ax.axvline(0.0, color="#1f2933", linewidth=1.2, linestyle="--", label="no change")
    ax.axvline(float(d.mean()), color=WORST, linewidth=1.8, label=f"mean {d.mean():.4g}")
    ax.set_xlabel("candidate − baseline, per sample (> 0: the candidate is worse)", fontsize=11)
    ax.set_ylabel("samples", fontsize=11)
    ax.legend(frameon=False, fontsize=10)
    _style(ax)
    return _card(f"Per-sample differences — {_esc(comp['candidate']['file'])} vs {_esc(comp['baseline']['file'])}",
                 charts.svg(fig))


def _worst_changes(comp: dict[str, Any]) -> str | None:
    rows = comp.get("worst") or []
    if not rows:
        return None
    body = "".join(
        f'<tr><td>{_esc(r.get("id", r["row"]))}</td><td class="num">{_num(r["candidate"], 5)}</td>'
        f'<td class="num">{_num(r["baseline"], 5)}</td><td class="num">{_num(r["difference"], 5)}</td></tr>'
        for r in rows
    )
    which = f" — {_esc(comp['candidate']['file'])}" if "rank" in comp else ""  # several candidates: name each
    return (f"<section><h2>Samples that got most worse{which}</h2><table><tr><th>id / row</th>"
            '<th class="num">candidate</th><th class="num">baseline</th><th class="num">difference</th></tr>'
            f"{body}</table></section>")


def html_report(evaluations: list[Any], checks: list[Any] | None = None, *,
                comparisons: list[dict[str, Any]] | None = None, differences: Any = None,
                differences_each: list[Any] | None = None,
                title: str = "losscli report", command: str = "") -> str:
    """The page of an ``eval``, ``compare`` or ``check`` run: its evaluations (each one's ``reliability``,
    :class:`~losscli.engine.calibration.Reliability`, gives its reliability diagram), its checks, its
    paired comparisons and, for ``compare``, the per-sample differences candidate − baseline
    (``differences``; with several candidates, ``differences_each``: one per comparison, in order)."""
    charts = _Charts()
    top = [s for s in (_summary_table(evaluations) if evaluations else None, _checks_table(checks or []),
                       _comparisons_table(comparisons or [])) if s]
    cards: list[str] = []
    if differences is not None and comparisons:
        card = _differences(charts, differences, comparisons[0])
        if card:
            cards.append(card)
    for diff, comp in zip(differences_each or [], comparisons or [], strict=False):
        card = _differences(charts, diff, comp) if diff is not None else None
        if card:
            cards.append(card)
    board = _leaderboard(charts, evaluations)
    if board:
        cards.append(board)
    worst: list[str] = []
    for ev in evaluations:
        extra = ev.extra or {}
        for card in (_distribution(charts, ev), _reliability(charts, ev, getattr(ev, "reliability", None))):
            if card:
                cards.append(card)
        by_class = extra.get("by_class")
        if by_class:
            cards.append(_bars(charts, f"Per class — {_esc(_title(ev))}", [str(c["class"]) for c in by_class],
                               [c["mean"] for c in by_class], [c["n"] for c in by_class], overall=ev.result.mean))
        by_group = extra.get("by_group")
        if by_group:
            groups = by_group["groups"]
            worst_group = (by_group.get("worst") or {}).get("group")
            cards.append(_bars(charts, f"Per group ({_esc(by_group['column'])}) — {_esc(_title(ev))}",
                               [str(g["group"]) for g in groups], [g["mean"] for g in groups],
                               [g["n"] for g in groups], highlight=worst_group, overall=ev.result.mean))
        table = _worst_table(ev)
        if table:
            worst.append(table)
    for comp in comparisons or []:
        table = _worst_changes(comp)
        if table:
            worst.append(table)
    inputs = (evaluations[0].inputs or {}) if evaluations else {}
    files = ", ".join(dict.fromkeys(str(v.get("file")) for v in inputs.values() if isinstance(v, dict)))
    from losscli.version import __version__

    sub = " · ".join(s for s in (_esc(files), _esc(command), f"losscli {__version__}") if s)
    csp = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_esc(title)}</title><style>{_CSS}</style></head>\n"
        f'<body data-charts="{charts.count}"><header><h1>{_esc(title)}</h1><p>{sub}</p></header><main>\n'
        + "\n".join(top)
        + (f'\n<div class="grid">{"".join(cards)}</div>\n' if cards else "")
        + ("\n" + "".join(worst) if worst else "")
        + f"\n</main><script>{_CHECK_SCRIPT}</script></body></html>\n"
    )
