"""``losscli list`` and ``losscli explain``: the registry's losses as a table, JSON or a worked explanation."""

from __future__ import annotations

from typing import Any

from losscli.commands.output import console, default_format, emit


def run_list(fmt: str | None) -> None:
    import json

    from losscli.registry import list_losses

    specs = list_losses()
    fmt = default_format(fmt)
    if fmt == "json":
        emit([json.dumps([s.describe() for s in specs], indent=2, ensure_ascii=False) + "\n"])
        return
    from rich.table import Table

    table = Table(title="losscli losses", title_justify="left")
    table.add_column("loss", style="bold")
    table.add_column("aliases")
    table.add_column("labels")
    table.add_column("logits")
    table.add_column("conventions")
    table.add_column("parameters")
    table.add_column("formula")
    for s in specs:
        params = ", ".join(f"{p.name}={p.default_text()}" for p in s.params if p.name != "from_logits")
        table.add_row(s.name, ", ".join(s.aliases), s.label_kind, "yes" if s.accepts_logits else "—",
                      ", ".join(c for c in s.conventions if c != "losscli") or "—", params, s.formula)  # markup is off: as written
    console().print(table)


# ------------------------------------------------------------------------------------------- explain


def explain_data(name: str) -> dict[str, Any]:
    """Everything ``losscli explain`` shows, as data."""
    import numpy as np

    from losscli.conventions import CONVENTIONS
    from losscli.engine.evaluator import evaluate
    from losscli.errors import LossCliError
    from losscli.registry import expression_params, get_loss
    from losscli.spec import LABEL_KINDS, PRED_KINDS

    spec = get_loss(name)
    # what eval takes from the name: 'huber(delta=0.5)' the delta, BCEWithLogitsLoss logits
    written = expression_params(name)
    out = spec.describe()
    out["label_kind_doc"] = LABEL_KINDS[spec.label_kind]
    out["pred_kind_doc"] = PRED_KINDS[spec.pred_kind]
    out["doc"] = spec.doc
    out["conventions"] = {
        c.name: {
            "mean": c.mean_rule(spec),
            "description": c.description,
            **({"defaults": dict(own)} if (own := {p.name: p.default_for(c.name) for p in spec.params
                                                   if p.default_for(c.name) != p.default}) else {}),
        }
        for c in CONVENTIONS.values()
        if c.name in spec.conventions
    }
    ex = spec.example
    if ex:
        kind = ("from_logits", "log_probs")  # an input kind the name gives replaces the example's
        params = {**{k: v for k, v in ex.get("params", {}).items() if not (k in kind and set(kind) & set(written))},
                  **written}
        out["example"] = {"y_true": ex["y_true"], "y_pred": ex["y_pred"], "params": params}
        try:
            r = evaluate(spec, np.asarray(ex["y_true"]), np.asarray(ex["y_pred"]), **params)
        except LossCliError as exc:  # parameters the example's inputs do not fit (3 classes, probabilities)
            out["example"]["not_applicable"] = str(exc)
        else:
            out["example"].update(per_sample=r.per_sample.tolist(), mean=r.value)
    return out


def run_explain(name: str, fmt: str) -> None:
    import json

    data = explain_data(name)
    if fmt == "json":
        emit([json.dumps(data, indent=2, ensure_ascii=False) + "\n"])
        return
    lines = [
        f"{data['name']} — {data['description']}",
        f"aliases: {', '.join(data['aliases']) or '—'}",
        f"peer names: {', '.join(data['peer_names']) or '—'}",
        "",
        f"formula:  {data['formula']}",
        f"LaTeX:    {data['latex']}",
        f"follows:  {data['peer']}",
        "",
        f"labels:       {data['label_kind']} — {data['label_kind_doc']}",
        f"predictions:  {data['pred_kind']} — {data['pred_kind_doc']}"
        + ("; logits with --logits" if data["accepts_logits"] else "")
        + ("; log-probabilities with --log-probs" if data["accepts_log_probs"] else ""),
        "",
        "parameters:",
    ]
    if data["parameters"]:
        lines += [f"  {p['name']} ({p['type']}, default {p['default']}"
                  + "".join(f"; {c}: {v}" for c, v in p.get("default_by_convention", {}).items())
                  + (f"; only under {', '.join(p['conventions'])}" if "conventions" in p else "")
                  + (f"; under {', '.join(p['logits_only'])} with --logits only" if "logits_only" in p else "")
                  + f"): {p['doc']}" for p in data["parameters"]]
    else:
        lines.append("  none")
    lines += ["", "conventions that define it (what --reduction mean divides by):"]
    for cname, c in data["conventions"].items():
        own = ", ".join(f"{k}={v}" for k, v in c.get("defaults", {}).items())
        lines.append(f"  {cname:8s} mean = {c['mean']}" + (f"   (defaults to {own})" if own else ""))
    if "example" in data:
        ex = data["example"]
        lines += [
            "",
            "worked example:",
            f"  y_true = {ex['y_true']}",
            f"  y_pred = {ex['y_pred']}" + (f"   {ex['params']}" if ex["params"] else ""),
            *([f"  not with these parameters: {ex['not_applicable']}"] if "not_applicable" in ex else [
                "  per-sample = [" + ", ".join(f"{v:.6g}" for v in ex["per_sample"]) + "]",
                f"  {'value' if data.get('summary') else 'mean'} = {ex['mean']:.6g}"]),
        ]
    lines += ["", data["doc"]]
    emit(["\n".join(lines) + "\n"])
