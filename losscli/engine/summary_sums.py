"""Mergeable sums kept beside a loss's accumulator, from which a summary metric (RMSE, R², ECE, ...) is computed.

A summary metric's kernel module declares the statistics it needs per chunk (:class:`losscli.spec.Summary`);
this module keeps them across chunks, shards and processes:

- ``sum``: a vector of sums (one per output, class or bin), each kept exactly (Shewchuk partials);
- ``bins``: the same sums, given as per-value ``(index, values, size)`` and added exactly
  (:func:`~losscli.engine.exact_sum.exact_bin_sums`): their bits do not depend on the chunking;
- ``max``: a vector of running maxima;
- ``moments``: per column the weight W, the weighted mean and the weighted sum of squared deviations M2,
  taken over fixed blocks of :data:`~losscli.chunking.BLOCK` consecutive rows (a chunk's last rows wait for
  the next chunk's to fill their block, as the accumulator's sums do) and combined block by block and shard
  by shard with Chan's parallel formula (no Σx² − (Σx)²/n cancellation),
  of the values less a shift K, a value of the column (its first): the means that Chan's formula subtracts
  are then of the spread's size, not of the values' (targets of 1e12 ± 1: a mean of 1e12 carries a
  rounding of 1e-4, which the formula's Δ·Δ·W term multiplied into M2);
- ``sample``: per-row (confidence, accuracy) pairs, weighted by the sample weights, kept exactly up to a
  bound and as a fine histogram beyond it (:class:`~losscli.engine.confidence_sample.ConfidenceSample`:
  the equal-mass bins of a calibration error).

Streaming, chunking and merging give the one-pass value bit for bit for ``bins`` and ``max``, and chunking
for ``moments`` (merged shards carry the rounding of each shard's last partial block: a few ulps, as the
accumulator's); a ``sum`` given as a chunk's rounded totals carries the rounding of each chunk's sums. The
state serialises to JSON with every float in hex, so ``--state-out``/``merge`` and the Dask engine carry it
exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from losscli.chunking import BLOCK
from losscli.engine.confidence_sample import ConfidenceSample
from losscli.engine.exact_sum import ExactSum, exact_bin_sums


class SummarySums:
    """Named mergeable statistics: ``sum`` vectors, ``max`` vectors and weighted ``moments``."""

    def __init__(self) -> None:
        self.sums: dict[str, list[ExactSum]] = {}
        self.maxima: dict[str, np.ndarray] = {}
        #: name → (W, mean of x − K, M2, K) per column
        self.moments: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.samples: dict[str, ConfidenceSample] = {}
        #: name → (rows, their weights or ``None``): the rows of ``moments`` that wait for their block to fill
        self._pending: dict[str, tuple[np.ndarray, np.ndarray | None]] = {}

    def is_empty(self) -> bool:
        """Whether no statistic was added."""
        return not (self.sums or self.maxima or self.moments or self.samples or self._pending)

    # ------------------------------------------------------------------ updating
    def update(self, stats: dict[str, tuple[str, Any]], weights: np.ndarray | None) -> None:
        """Add one chunk's statistics, ``{name: (kind, values)}``.

        ``sum``: values are a vector of the chunk's totals (already summed by the kernel module);
        ``bins``: ``(index, values, size)``, every value added exactly to the sum of its bin (of ``size``);
        ``max``: a vector of the chunk's maxima; ``moments``: per-row values ``(N,)`` or ``(N, K)``,
        weighted by ``weights`` (``None`` = 1).
        """
        for name, (kind, values) in stats.items():
            if kind == "sum":
                self._add_sum(name, np.atleast_1d(np.asarray(values, dtype=np.float64)))
            elif kind == "bins":
                self._add_bins(name, *values)
            elif kind == "max":
                self._add_max(name, np.atleast_1d(np.asarray(values, dtype=np.float64)))
            elif kind == "moments":
                x = np.asarray(values, dtype=np.float64)
                self._add_blocks(name, x.reshape(x.shape[0], -1), weights)
            elif kind == "sample":
                conf, acc = values
                self.samples.setdefault(name, ConfidenceSample()).add(conf, acc, weights)
            else:  # pragma: no cover - a kernel module's declaration error
                raise ValueError(f"unknown statistic kind {kind!r}")

    def _add_sum(self, name: str, vec: np.ndarray) -> None:
        acc = self.sums.get(name)
        if acc is None or len(acc) < vec.shape[0]:
            acc = (acc or []) + [ExactSum() for _ in range(vec.shape[0] - len(acc or []))]
            self.sums[name] = acc
        for s, x in zip(acc, vec.tolist(), strict=False):
            s.add(x)

    def _add_bins(self, name: str, index: np.ndarray, values: np.ndarray, size: int) -> None:
        """Add every value to its bin's sum exactly (a bin of no value is kept, as 0)."""
        self._add_sum(name, np.zeros(int(size)))
        sums = self.sums[name]
        bins, partials = exact_bin_sums(index, values, int(size))
        for b, x in zip(bins.tolist(), partials.tolist(), strict=True):
            sums[b].add(x)

    def _add_max(self, name: str, vec: np.ndarray) -> None:
        cur = self.maxima.get(name)
        if cur is None:
            self.maxima[name] = vec.copy()
        elif cur.shape != vec.shape:
            raise ValueError(f"statistic {name}: {vec.shape[0]} columns after {cur.shape[0]}")
        else:
            self.maxima[name] = np.fmax(cur, vec)

    def _add_blocks(self, name: str, x: np.ndarray, weights: np.ndarray | None) -> None:
        """Fold a chunk's rows into the column moments block by block (:data:`BLOCK` rows of the stream each):
        the rows waiting from the chunks before fill their block first, and the rows past this chunk's last
        full block wait for the next chunk's. So the moments do not depend on how the rows come in chunks."""
        w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
        start = 0
        if name in self._pending:  # complete the waiting block with the head of this chunk
            px, pw = self._pending.pop(name)
            start = min(x.shape[0], BLOCK - px.shape[0])
            x_head = np.concatenate([px, x[:start]])
            w_head = None if pw is None and w is None else np.concatenate(
                [np.ones(px.shape[0]) if pw is None else pw, np.ones(start) if w is None else w[:start]])
            if x_head.shape[0] < BLOCK:
                self._pending[name] = (x_head, w_head)
                return
            self._add_rows(name, x_head, w_head)
        full = start + (x.shape[0] - start) // BLOCK * BLOCK
        for begin in range(start, full, BLOCK):
            self._add_rows(name, x[begin:begin + BLOCK], None if w is None else w[begin:begin + BLOCK])
        if full < x.shape[0]:
            self._pending[name] = (x[full:].copy(), None if w is None else w[full:].copy())

    def flush(self) -> None:
        """Fold the rows waiting for their block into the moments (done before merging or serialising)."""
        pending, self._pending = self._pending, {}
        for name, (x, w) in pending.items():
            self._add_rows(name, x, w)

    def _add_rows(self, name: str, x: np.ndarray, weights: np.ndarray | None) -> None:
        """Fold a chunk's rows (rows × columns) into the column moments, about the column's shift: the first
        row that weighs (a row of weight 0 may lie anywhere, padding)."""
        cur = self.moments.get(name)
        if cur is not None and cur[3].shape[0] != x.shape[1]:
            raise ValueError(f"moments of {x.shape[1]} columns after {cur[3].shape[0]}")
        if cur is not None and np.any(cur[0] > 0):
            shift = cur[3]
        else:  # nothing weighs yet: the shift is this chunk's
            w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
            first = np.flatnonzero(w > 0) if w is not None else np.arange(min(1, x.shape[0]))
            shift = x[first[0]].copy() if first.size else np.zeros(x.shape[1])
        self._add_moments(name, *_chunk_moments(x - shift, weights), shift)

    def _add_moments(self, name: str, w: np.ndarray, mean: np.ndarray, m2: np.ndarray, shift: np.ndarray) -> None:
        """Fold (W, mean of x − ``shift``, M2) into the column's moments, re-expressed about its own K. K_b −
        K_a is exact where the two shifts lie within a factor of 2 of each other (values of a column about
        a far-off mean); else it rounds at their size, no worse than values taken without a shift."""
        cur = self.moments.get(name)
        if cur is None or not np.any(cur[0] > 0):  # moments of nothing that weighs: replaced, shift and all
            self.moments[name] = (w, mean, m2, shift)
            return
        moved = mean + (shift - cur[3]) if np.any(shift != cur[3]) else mean
        self.moments[name] = (*_chan(cur[:3], (w, moved, m2)), cur[3])

    def merge(self, other: SummarySums) -> SummarySums:
        """Fold another state (a shard's) into this one."""
        self.flush()
        other = other.finished()
        for name, sums in other.sums.items():
            self._add_sum(name, np.zeros(len(sums)))
            for mine, theirs in zip(self.sums[name], sums, strict=False):
                mine.merge(theirs)
        for name, vec in other.maxima.items():
            self._add_max(name, vec)
        for name, mom in other.moments.items():
            self._add_moments(name, *mom)
        for name, sample in other.samples.items():
            self.samples.setdefault(name, ConfidenceSample()).merge(sample)
        return self

    # ------------------------------------------------------------------ reading
    def view(self) -> dict[str, Any]:
        """``{name: vector}`` for sums and maxima, ``{name: (W, mean, M2)}`` for moments (the rows waiting for
        their block folded in)."""
        if self._pending:
            return self.finished().view()
        out: dict[str, Any] = {n: np.array([s.value() for s in v]) for n, v in self.sums.items()}
        out.update({n: v.copy() for n, v in self.maxima.items()})
        out.update({n: (w, mean + shift, m2) for n, (w, mean, m2, shift) in self.moments.items()})
        out.update({n: s.view() for n, s in self.samples.items()})
        return out

    def copy(self) -> SummarySums:
        """A copy that goes on taking rows as this one would (its waiting rows too)."""
        out = SummarySums.from_json(self._json())
        out._pending = {n: (x.copy(), None if w is None else w.copy()) for n, (x, w) in self._pending.items()}
        return out

    def finished(self) -> SummarySums:
        """A copy with the waiting rows folded in; this one keeps them waiting."""
        out = self.copy()
        out.flush()
        return out

    def to_json(self) -> dict[str, Any]:
        """The state as JSON (the waiting rows folded in)."""
        return (self.finished() if self._pending else self)._json()

    def _json(self) -> dict[str, Any]:
        def hexes(a: np.ndarray) -> list[str]:
            return [float(x).hex() for x in a]

        return {
            "sum": {n: [[float(p).hex() for p in s.partials] for s in v] for n, v in self.sums.items()},
            "max": {n: hexes(v) for n, v in self.maxima.items()},
            # (W, mean, M2) as every version reads them, and the shift with the mean about it for this one
            "moments": {n: [hexes(w), hexes(mean + shift), hexes(m2)] for n, (w, mean, m2, shift) in
                        self.moments.items()},
            "moments_shift": {n: [hexes(shift), hexes(mean)] for n, (_, mean, _, shift) in self.moments.items()},
            **({"sample": {n: s.to_json() for n, s in self.samples.items()}} if self.samples else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SummarySums:
        def floats(xs: list[str]) -> np.ndarray:
            return np.array([float.fromhex(x) for x in xs], dtype=np.float64)

        out = cls()
        for n, v in data.get("sum", {}).items():
            out.sums[n] = [ExactSum([float.fromhex(p) for p in parts]) for parts in v]
        for n, v in data.get("max", {}).items():
            out.maxima[n] = floats(v)
        shifted = data.get("moments_shift", {})
        for n, m in data.get("moments", {}).items():
            if len(m) not in (3, 4):
                raise ValueError(f"moments {n!r} hold {len(m)} arrays, not 3 (or 4)")
            w, mean, m2, *rest = (floats(a) for a in m)  # a fourth array: the shift, the mean about it
            shift, about = (floats(a) for a in shifted[n]) if n in shifted else (
                (rest[0], mean) if rest else (np.zeros_like(w), mean))
            out.moments[n] = (w, about, m2, shift)  # an earlier version's state: shift 0
        for n, s in data.get("sample", {}).items():
            out.samples[n] = ConfidenceSample.from_json(s)
        return out


def _chunk_moments(x2: np.ndarray, weights: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(W, weighted mean, Σw·(x − mean)²) per column of one chunk (rows × columns)."""
    w = np.ones(x2.shape[0]) if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
    total = float(np.sum(w))
    k = x2.shape[1]
    if total == 0:
        return np.zeros(k), np.zeros(k), np.zeros(k)
    mean = (w[:, None] * x2).sum(axis=0) / total
    d = x2 - mean
    m2 = (w[:, None] * d * d).sum(axis=0)
    return np.full(k, total), mean, m2


def _chan(
    a: tuple[np.ndarray, np.ndarray, np.ndarray], b: tuple[np.ndarray, np.ndarray, np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Chan et al.'s combination of two weighted (W, mean, M2) triples."""
    wa, ma, sa = a
    wb, mb, sb = b
    if wa.shape != wb.shape:
        raise ValueError(f"moments of {wb.shape[0]} columns after {wa.shape[0]}")
    w = wa + wb
    with np.errstate(invalid="ignore", divide="ignore"):
        frac = np.where(w > 0, wb / np.where(w > 0, w, 1.0), 0.0)
    delta = mb - ma
    mean = ma + delta * frac
    m2 = sa + sb + delta * delta * wa * frac
    return w, mean, m2
