"""An exactly rounded running sum of floats, the accumulator's and the summary metrics' building block."""

from __future__ import annotations

import math


class ExactSum:
    """An exactly rounded running sum of floats (Shewchuk's partials, as ``math.fsum``)."""

    __slots__ = ("partials",)

    def __init__(self, partials: list[float] | None = None) -> None:
        self.partials: list[float] = list(partials or [])

    def add(self, x: float) -> None:
        x = float(x)
        if not math.isfinite(x):  # inf/NaN cannot be tracked exactly: keep them as a partial of their own
            self.partials.append(x)
            return
        i = 0
        partials = self.partials
        for y in partials:
            if not math.isfinite(y):
                partials[i] = y
                i += 1
                continue
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]

    def merge(self, other: ExactSum) -> None:
        for x in other.partials:
            self.add(x)

    def value(self) -> float:
        finite = [p for p in self.partials if math.isfinite(p)]
        rest = [p for p in self.partials if not math.isfinite(p)]
        return math.fsum(finite) + sum(rest) if rest else math.fsum(finite)

    def copy(self) -> ExactSum:
        return ExactSum(self.partials)
