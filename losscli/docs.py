"""Reference documentation generated from the registry: ``python -m losscli.docs > docs/losses.md``."""

from __future__ import annotations

from losscli.conventions import CONVENTIONS
from losscli.registry import list_losses
from losscli.spec import LABEL_KINDS, PRED_KINDS


def losses_markdown() -> str:
    """Every loss: formula, inputs, parameters, peer, aliases and what ``mean`` means per convention."""
    out = [
        "# Losses",
        "",
        "Generated from the registry by `python -m losscli.docs > docs/losses.md`; do not edit by hand.",
        "",
        "Per-sample values are the weighted losses w_i·l_i (w_i = sample weight × class weight of the true",
        "class). Element-wise losses on N×K inputs report the mean over the K outputs of each sample.",
        "",
        "| loss | aliases | labels | predictions | parameters |",
        "|---|---|---|---|---|",
    ]
    specs = list_losses()
    for s in specs:
        params = ", ".join(f"`{p.name}`={p.default_text()}" for p in s.params) or "—"
        preds = s.pred_kind + (" or logits" if s.accepts_logits else "") + (
            " or log-probabilities" if s.accepts_log_probs else "")
        out.append(f"| [`{s.name}`](#{s.name}) | {', '.join(s.aliases) or '—'} | {s.label_kind} | {preds} | {params} |")
    out.append("")
    for s in specs:
        out += [f"## {s.name}", "", s.description, "", f"- formula: `{s.formula}`", f"- LaTeX: `{s.latex}`",
                f"- labels: {LABEL_KINDS[s.label_kind]}", f"- predictions: {PRED_KINDS[s.pred_kind]}",
                f"- follows: {s.peer}"]
        if s.aliases:
            out.append(f"- aliases: {', '.join(s.aliases)}")
        if s.peer_names:
            out.append(f"- peer names: {', '.join(f'`{n}`' for n in s.peer_names)}")
        out.append(f"- conventions: {', '.join(s.conventions)}")
        for p in s.params:
            own = "".join(f"; under --convention {c}: {v}" for c, v in p.by_convention)
            if p.peers is not None:
                own += f"; only under --convention {', '.join(c for c in s.conventions if p.defined_under(c))}"
            if p.logits_only:
                own += f"; under --convention {', '.join(p.logits_only)} with --logits only"
            out.append(f"- parameter `{p.name}` ({p.kind}, default {p.default}{own}): {p.doc}")
        means = ", ".join(f"{c.name}: {c.mean_rule(s)}" for c in CONVENTIONS.values() if c.name in s.conventions)
        out += [f"- `mean` by convention: {means}", ""]
    out += ["## Conventions", ""]
    for c in CONVENTIONS.values():
        out += [f"- **{c.name}**: {c.description}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(losses_markdown(), end="")
