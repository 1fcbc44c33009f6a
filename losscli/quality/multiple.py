"""Multiple-comparison correction of several candidates' p-values: Holm's step-down (Holm 1979).

Holm–Bonferroni controls the family-wise error rate (the chance of calling any candidate significantly
different from the baseline when none is) at α under any dependence between the tests — the candidates of
``compare`` share one baseline and one labels file, so their tests are dependent. It is uniformly more
powerful than plain Bonferroni. Same definition as statsmodels' ``multipletests(method="holm")``.
"""

from __future__ import annotations

import math


def holm(p_values: list[float | None]) -> list[float | None]:
    """Holm-adjusted p-values, in the input order.

    With the m defined p-values sorted, p_(1) ≤ … ≤ p_(m), the adjusted value of the i-th is
    max_{j ≤ i} min(1, (m − j + 1)·p_(j)); a hypothesis is rejected at level α iff its adjusted p-value
    is ≤ α (the step-down procedure). An undefined p-value (None or NaN) stays undefined and, conservatively,
    still counts in m.
    """
    m = len(p_values)
    defined = [(p, i) for i, p in enumerate(p_values) if p is not None and not math.isnan(p)]
    for p, _ in defined:
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"a p-value lies in [0, 1], not {p}")
    out: list[float | None] = [None] * m
    running = 0.0
    for rank, (p, i) in enumerate(sorted(defined)):
        running = max(running, min(1.0, (m - rank) * p))
        out[i] = running
    return out
