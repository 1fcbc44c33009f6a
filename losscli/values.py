"""Plain values for JSON documents: finite floats or ``None`` (JSON has no NaN), parameters as lists.

>>> finite_or_none(float("nan")) is None, finite_or_none(2)
(True, 2.0)
>>> plain_params({"alpha": (0.25, 0.75), "gamma": 2.0})
{'alpha': [0.25, 0.75], 'gamma': 2.0}
"""

from __future__ import annotations

import math
from typing import Any


def finite_or_none(x: Any) -> float | None:
    """``x`` as a float when it is a finite number, else ``None``."""
    if x is None:
        return None
    x = float(x)
    return x if math.isfinite(x) else None


def plain_params(params: dict[str, Any]) -> dict[str, Any]:
    """Loss parameters with tuples as lists (JSON arrays), everything else as it is."""
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in params.items()}


def json_params(params: dict[str, Any]) -> dict[str, Any]:
    """Loss parameters as a JSON document gives them back (what a state, a baseline or a limit compares)."""
    import json

    return json.loads(json.dumps(plain_params(params), default=str))
