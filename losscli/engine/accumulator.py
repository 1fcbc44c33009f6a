"""A mergeable accumulator of per-sample losses.

Sums are taken over fixed blocks of :data:`BLOCK` consecutive samples (NumPy's pairwise summation inside
a block) and the block sums are added exactly (Shewchuk's algorithm, as ``math.fsum``). A sequence of
:meth:`Accumulator.update` calls buffers the tail of a chunk until its block is full, so feeding the same
samples in any chunk sizes gives bit-identical sums, means and standard deviations; the in-memory API and
streaming from files therefore agree exactly. :meth:`Accumulator.merge` combines independent states (shards)
exactly up to the rounding inside each shard's last partial block: a few ulps at most.

The standard deviation is of the reported per-sample values over counted samples (population, ddof = 0),
combined block by block with Chan's parallel formula.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from losscli.chunking import BLOCK
from losscli.losses._common import workspace

__all__ = ["BLOCK", "Accumulator", "ExactSum"]


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


@dataclass
class Accumulator:
    """Running state of one loss over any number of chunks.

    ``n`` counts counted samples, ``n_total`` every sample seen (ignored ones included).
    """

    n: int = 0
    n_total: int = 0
    clipped: int = 0
    sum_values: ExactSum = field(default_factory=ExactSum)
    sum_weights: ExactSum = field(default_factory=ExactSum)
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    _pending: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = field(
        default_factory=list, repr=False
    )
    _pending_len: int = 0

    # ------------------------------------------------------------------ updating
    def update(
        self,
        values: np.ndarray,
        weights: np.ndarray | None = None,
        counted: np.ndarray | None = None,
        clipped: int = 0,
        *,
        mapper: Callable[..., Iterable[Any]] = map,
    ) -> None:
        """Add a chunk: per-sample values v = w·l, normalising weights w (None = 1), counted mask.

        ``mapper`` (a ``map``, e.g. a thread pool's) computes the full blocks' statistics; they are
        folded in block order, so the result does not depend on it.
        """
        values = np.asarray(values, dtype=np.float64)
        self.clipped += int(clipped)
        n = values.shape[0]
        self.n_total += n
        if n == 0:
            return
        start = 0
        if self._pending_len:  # complete the buffered block with the head of this chunk
            start = min(n, BLOCK - self._pending_len)
            self._pending.append(_rows((values, weights, counted), 0, start))
            self._pending_len += start
            if self._pending_len < BLOCK:
                return
            self._absorb(*_block_stats(*self._take_pending()))
        full = start + ((n - start) // BLOCK) * BLOCK
        chunk = (values, weights, counted)

        def stats(begin: int) -> tuple[int, float, float, float, float, float, float]:
            return _block_stats(*_rows(chunk, begin, begin + BLOCK))

        blocks = range(start, full, BLOCK)
        for block in (mapper if len(blocks) > 1 else map)(stats, blocks):
            self._absorb(*block)
        if full < n:
            self._pending = [_rows(chunk, full, n)]
            self._pending_len = n - full

    def _take_pending(self) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        parts = self._pending
        self._pending, self._pending_len = [], 0
        if len(parts) == 1:
            return parts[0]
        v = np.concatenate([p[0] for p in parts])
        w = None
        if any(p[1] is not None for p in parts):
            w = np.concatenate(
                [np.ones(p[0].shape[0]) if p[1] is None else np.asarray(p[1], np.float64) for p in parts]
            )
        c = None
        if any(p[2] is not None for p in parts):
            c = np.concatenate([np.ones(p[0].shape[0], bool) if p[2] is None else p[2] for p in parts])
        return v, w, c

    def _absorb(
        self, nb: int, sv: float, sw: float, mean_b: float, m2_b: float, lo: float, hi: float
    ) -> None:
        self.sum_values.add(sv)
        self.sum_weights.add(sw)
        if nb:
            total = self.n + nb
            delta = mean_b - self.mean
            self.mean += delta * nb / total
            self.m2 += m2_b + delta * delta * self.n * nb / total
            self.n = total
            self.min = min(self.min, lo)
            self.max = max(self.max, hi)

    def flush(self) -> None:
        """Fold the buffered partial block into the totals (done before merging or serialising)."""
        if self._pending_len:
            self._absorb(*_block_stats(*self._take_pending()))

    def finished(self) -> Accumulator:
        """A copy with the partial block folded in; the original keeps buffering."""
        out = self.copy()
        out.flush()
        return out

    def copy(self) -> Accumulator:
        out = Accumulator(
            n=self.n,
            n_total=self.n_total,
            clipped=self.clipped,
            sum_values=self.sum_values.copy(),
            sum_weights=self.sum_weights.copy(),
            mean=self.mean,
            m2=self.m2,
            min=self.min,
            max=self.max,
        )
        out._pending = list(self._pending)
        out._pending_len = self._pending_len
        return out

    # ------------------------------------------------------------------ merging
    def merge(self, other: Accumulator) -> Accumulator:
        """Combine another state into this one (for shards evaluated independently)."""
        self.flush()
        other = other.finished()
        self.sum_values.merge(other.sum_values)
        self.sum_weights.merge(other.sum_weights)
        self.clipped += other.clipped
        self.n_total += other.n_total
        if other.n:
            total = self.n + other.n
            delta = other.mean - self.mean
            self.mean += delta * other.n / total
            self.m2 += other.m2 + delta * delta * self.n * other.n / total
            self.n = total
            self.min = min(self.min, other.min)
            self.max = max(self.max, other.max)
        return self

    # ------------------------------------------------------------------ reading
    @property
    def ignored(self) -> int:
        return self.n_total - self.n

    def totals(self) -> dict[str, Any]:
        """Final sums and moments (with the buffered partial block folded in)."""
        s = self.finished()
        return {
            "n": s.n,
            "n_total": s.n_total,
            "ignored": s.n_total - s.n,
            "clipped": s.clipped,
            "sum": s.sum_values.value(),
            "weight_sum": s.sum_weights.value(),
            "std": math.sqrt(s.m2 / s.n) if s.n else math.nan,
            "min": s.min if s.n else math.nan,
            "max": s.max if s.n else math.nan,
        }

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready state (exact partial sums included) that :meth:`from_json` restores."""
        s = self.finished()
        return {
            "n": s.n,
            "n_total": s.n_total,
            "clipped": s.clipped,
            "sum_values": [float(x).hex() for x in s.sum_values.partials],
            "sum_weights": [float(x).hex() for x in s.sum_weights.partials],
            "mean": s.mean.hex(),
            "m2": s.m2.hex(),
            "min": s.min.hex(),
            "max": s.max.hex(),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Accumulator:
        def f(x: str) -> float:
            return float.fromhex(x)

        return cls(
            n=int(data["n"]),
            n_total=int(data["n_total"]),
            clipped=int(data["clipped"]),
            sum_values=ExactSum([f(x) for x in data["sum_values"]]),
            sum_weights=ExactSum([f(x) for x in data["sum_weights"]]),
            mean=f(data["mean"]),
            m2=f(data["m2"]),
            min=f(data["min"]),
            max=f(data["max"]),
        )


def _rows(
    part: tuple[np.ndarray, np.ndarray | None, np.ndarray | None], start: int, end: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    v, w, c = part
    return v[start:end], None if w is None else w[start:end], None if c is None else c[start:end]


def _block_stats(
    v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
) -> tuple[int, float, float, float, float, float, float]:
    """(count, Σv, Σw, mean, M2, min, max) of one block; mean/M2/min/max over counted samples."""
    sv = float(np.sum(v))
    if c is None:
        nb = v.shape[0]
        sw = float(np.sum(w)) if w is not None else float(nb)
        vc = v
    else:
        nb = int(np.count_nonzero(c))
        sw = float(np.sum(w[c])) if w is not None else float(nb)
        vc = v[c]
    if nb == 0:
        return 0, sv, sw, 0.0, 0.0, math.inf, -math.inf
    mean_b = float(np.sum(vc)) / nb if c is not None else sv / nb
    (d,) = workspace("block_stats", nb)
    np.subtract(vc, mean_b, out=d)
    np.multiply(d, d, out=d)  # Σd² by pairwise summation (np.dot would call BLAS and its threads)
    return nb, sv, sw, mean_b, float(np.sum(d)), float(vc.min()), float(vc.max())
