"""Names that tell parametrisations apart: per-sample output columns and OpenMetrics series.

``huber(delta=0.5),huber(delta=2)`` are two results of one loss; everything that names results (a column
of ``--output``, of JSONL/CSV on stdout, an OpenMetrics series) must keep them apart. A loss evaluated
once keeps its plain name; losses evaluated more than once are named by the parameters that differ.
"""

from __future__ import annotations

from typing import Any


def _value(v: Any) -> str:
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_value(x) for x in v) + "]"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, float):
        return f"{v:.17g}" if float(f"{v:g}") != v else f"{v:g}"
    return str(v)


def distinct_params(items: list[tuple[str, dict[str, Any]]]) -> list[str | None]:
    """For each ``(loss, params)``: ``"k=v,..."`` of the parameters that differ among the items of the same
    loss, or ``None`` for a loss that occurs once (or whose parametrisations are all equal)."""
    out: list[str | None] = []
    for loss, params in items:
        same = [p for name, p in items if name == loss]
        keys = [k for k in params if any(other.get(k) != params[k] for other in same)]
        out.append(",".join(f"{k}={_value(params[k])}" for k in keys) if keys else None)
    return out


def column_names(items: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Per-sample column names: ``loss`` for a single result, else the loss name, with the differing
    parameters when a loss occurs more than once (``huber(delta=0.5)``); exact repeats get ``#2``, ``#3``."""
    if len(items) == 1:
        return ["loss"]
    names = [loss if p is None else f"{loss}({p})" for (loss, _), p in zip(items, distinct_params(items), strict=True)]
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}#{seen[name]}")
    return out
