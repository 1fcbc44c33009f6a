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
from dataclasses import field
from typing import Any

import numpy as np

from losscli.chunking import BLOCK
from losscli.engine.exact_sum import ExactSum
from losscli.losses._common import workspace
from losscli.records import record

__all__ = ["BLOCK", "Accumulator", "CompiledBlocks", "ExactSum"]
#: Block sums of values at least BIG (in magnitude) are taken scaled by 2**-SHIFT, so that no finite sum
#: overflows: a block of BLOCK values below BIG sums to less than 2**1022.
SHIFT = 600
BIG = 2.0 ** (1023 - 17)
#: What a Keras hinge loss's labels have held (:attr:`Accumulator.sign_labels`): a 0, and a value other than
#: 0 and 1. Keras maps 0/1 labels to −1/+1 only when every label of the batch is 0 or 1, so both are refused
#: (:func:`losscli.engine.validate.keras_sign_labels`).
SIGN_ZERO, SIGN_OTHER = 1, 2


@record
class Accumulator:
    """Running state of one loss over any number of chunks.

    ``n`` counts counted samples, ``n_total`` every sample seen (ignored ones included). ``side`` holds
    a summary metric's mergeable sums (:class:`~losscli.engine.summary_sums.SummarySums`), carried through
    copies, merges and the JSON state with the rest.
    """

    n: int = 0
    n_total: int = 0
    clipped: int = 0
    sum_values: ExactSum = field(default_factory=ExactSum)
    sum_weights: ExactSum = field(default_factory=ExactSum)
    #: block sums of large values and weights, scaled by 2**-SHIFT (see :data:`BIG`)
    sum_values_hi: ExactSum = field(default_factory=ExactSum)
    sum_weights_hi: ExactSum = field(default_factory=ExactSum)
    mean: float = 0.0
    m2: float = 0.0
    min: float = math.inf
    max: float = -math.inf
    _pending: list[tuple[np.ndarray, np.ndarray | None, np.ndarray | None]] = field(
        default_factory=list, repr=False
    )
    _pending_len: int = 0
    #: computes one block's statistics; ``None`` = :func:`_block_stats` (the compiled kernels bring their
    #: own, with the summation tree of their fused blocks)
    stats: Callable[..., tuple[int, float, float, float, float, float, float]] | None = field(
        default=None, repr=False, compare=False
    )
    side: Any = None
    #: per-row counts summed over counted rows, exactly (``{"words": Σ, "bytes": Σ}``; see
    #: :mod:`losscli.engine.text_counts`), carried through copies, merges and the JSON state
    counts: dict[str, int] = field(default_factory=dict)
    #: what a Keras hinge loss's labels have held (:data:`SIGN_ZERO` and :data:`SIGN_OTHER` bits), carried
    #: through copies, merges and the JSON state
    sign_labels: int = 0

    # ------------------------------------------------------------------ updating
    def update(
        self,
        values: np.ndarray,
        weights: np.ndarray | None = None,
        counted: np.ndarray | None = None,
        clipped: int = 0,
        *,
        mapper: Callable[..., Iterable[Any]] = map,
        scaled: bool = False,
        blocks: list[tuple[int, float, float, float, float, float, float]] | CompiledBlocks | None = None,
    ) -> None:
        """Add a chunk: per-sample values v = w·l, normalising weights w (None = 1), counted mask.

        ``mapper`` (a ``map``, e.g. a thread pool's) computes the full blocks' statistics; they are
        folded in block order, so the result does not depend on it. ``scaled``: values and weights come
        scaled by 2**-SHIFT (sample weights beyond float64's reach once multiplied by a loss); their sums
        go to the scaled sums, and the chunk is folded in at once (not buffered with unscaled rows).
        ``blocks`` gives the full blocks' statistics already computed (by a fused kernel, as
        :class:`CompiledBlocks`), for the whole blocks after the head that completes the buffered one (not
        with ``scaled``).
        """
        values = np.asarray(values, dtype=np.float64)
        self.clipped += int(clipped)
        n = values.shape[0]
        self.n_total += n
        if n == 0:
            return
        if scaled:
            self.flush()
            for begin in range(0, n, BLOCK):
                self._absorb(*_scaled_block_stats(*_rows((values, weights, counted), begin, begin + BLOCK)))
            return
        start = 0
        if self._pending_len:  # complete the buffered block with the head of this chunk
            start = min(n, BLOCK - self._pending_len)
            self._pending.append(_own_rows((values, weights, counted), 0, start))
            self._pending_len += start
            if self._pending_len < BLOCK:
                return
            self._absorb(*self._stats(*self._take_pending()))
        full = start + ((n - start) // BLOCK) * BLOCK
        chunk = (values, weights, counted)

        def stats(begin: int) -> tuple[int, float, float, float, float, float, float]:
            return self._stats(*_rows(chunk, begin, begin + BLOCK))

        starts = range(start, full, BLOCK)
        if blocks is not None and len(blocks) != len(starts):
            raise ValueError(f"{len(blocks)} block statistics given for {len(starts)} blocks")
        if isinstance(blocks, CompiledBlocks):
            self._fold(blocks)
        else:
            for block in blocks if blocks is not None else (mapper if len(starts) > 1 else map)(stats, starts):
                self._absorb(*block)
        if full < n:  # copies: the caller may write into the values it was handed (Evaluator.update's)
            self._pending = [_own_rows(chunk, full, n)]
            self._pending_len = n - full

    def _stats(
        self, v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
    ) -> tuple[int, float, float, float, float, float, float]:
        return (self.stats or _block_stats)(v, w, c)

    def _fold(self, blocks: CompiledBlocks) -> None:
        """Fold a compiled kernel's whole blocks in order: those taken as they are (:func:`as_given`) by the
        compiled module's ``fold``, the same operations as :meth:`_absorb` in the same order (so the same
        bits) without a Python call per block; any other by :meth:`_absorb` of its statistics summed again."""
        from losscli._native import kernels

        mod, end = kernels(), len(blocks)
        if mod is None:  # the module was unloaded since (a test forcing the NumPy kernels): block by block
            for i in range(end):
                self._absorb(*blocks.at(i))
            return
        i = 0
        while i < end:
            sv, sw = self.sum_values, self.sum_weights
            i, self.n, self.mean, self.m2, self.min, self.max, sv.partials, sw.partials = mod.fold(
                blocks.stats, i, BIG, self.n, self.mean, self.m2, self.min, self.max, sv.partials, sw.partials
            )
            if i < end:
                self._absorb(*blocks.at(i))
                i += 1

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
        self, nb: int, sv: tuple[float, bool], sw: tuple[float, bool], mean_b: float, m2_b: float, lo: float,
        hi: float,
    ) -> None:
        (self.sum_values_hi if sv[1] else self.sum_values).add(sv[0])
        (self.sum_weights_hi if sw[1] else self.sum_weights).add(sw[0])
        if nb and not self.n:  # the first block: its moments as they are (no delta² that could overflow)
            self.mean, self.m2, self.n = mean_b, m2_b, nb
            self.min, self.max = lo, hi
        elif nb:
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
            self._absorb(*self._stats(*self._take_pending()))
        if self.side is not None:
            self.side.flush()

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
            sum_values_hi=self.sum_values_hi.copy(),
            sum_weights_hi=self.sum_weights_hi.copy(),
            mean=self.mean,
            m2=self.m2,
            min=self.min,
            max=self.max,
            stats=self.stats,
        )
        out._pending = list(self._pending)
        out._pending_len = self._pending_len
        out.side = None if self.side is None else self.side.copy()
        out.counts = dict(self.counts)
        out.sign_labels = self.sign_labels
        return out

    def add_counts(self, totals: dict[str, int]) -> None:
        """Add a chunk's summed per-row counts (words, bytes)."""
        for name, total in totals.items():
            self.counts[name] = self.counts.get(name, 0) + int(total)

    # ------------------------------------------------------------------ merging
    def merge(self, other: Accumulator) -> Accumulator:
        """Combine another state into this one (for shards evaluated independently)."""
        self.flush()
        other = other.finished()
        if self.n_total and other.n_total and set(other.counts) != set(self.counts):
            raise ValueError(f"states counting {sorted(other.counts)} and {sorted(self.counts)} do not merge")
        self.add_counts(other.counts)
        self.sign_labels |= other.sign_labels
        self.sum_values.merge(other.sum_values)
        self.sum_weights.merge(other.sum_weights)
        self.sum_values_hi.merge(other.sum_values_hi)
        self.sum_weights_hi.merge(other.sum_weights_hi)
        self.clipped += other.clipped
        self.n_total += other.n_total
        if other.side is not None:
            if self.side is None:
                self.side = other.side.copy()
            else:
                self.side.merge(other.side)
        if other.n and not self.n:
            self.mean, self.m2, self.n = other.mean, other.m2, other.n
            self.min, self.max = other.min, other.max
        elif other.n:
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
            "sum": scaled_value(s.sum_values, s.sum_values_hi),
            "weight_sum": scaled_value(s.sum_weights, s.sum_weights_hi),
            "sum_scaled": scaled_pair(s.sum_values, s.sum_values_hi),
            "weight_sum_scaled": scaled_pair(s.sum_weights, s.sum_weights_hi),
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
            "sum_values_hi": [float(x).hex() for x in s.sum_values_hi.partials],
            "sum_weights_hi": [float(x).hex() for x in s.sum_weights_hi.partials],
            "mean": s.mean.hex(),
            "m2": s.m2.hex(),
            "min": s.min.hex(),
            "max": s.max.hex(),
            **({"summary": s.side.to_json()} if s.side is not None else {}),
            **({"counts": dict(s.counts)} if s.counts else {}),
            **({"sign_labels": s.sign_labels} if s.sign_labels else {}),
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Accumulator:
        def f(x: str) -> float:
            return float.fromhex(x)

        side = None
        if "summary" in data:
            from losscli.engine.summary_sums import SummarySums

            side = SummarySums.from_json(data["summary"])
        return cls(
            side=side,
            n=int(data["n"]),
            n_total=int(data["n_total"]),
            clipped=int(data["clipped"]),
            sum_values=ExactSum([f(x) for x in data["sum_values"]]),
            sum_weights=ExactSum([f(x) for x in data["sum_weights"]]),
            sum_values_hi=ExactSum([f(x) for x in data.get("sum_values_hi", [])]),
            sum_weights_hi=ExactSum([f(x) for x in data.get("sum_weights_hi", [])]),
            mean=f(data["mean"]),
            m2=f(data["m2"]),
            min=f(data["min"]),
            max=f(data["max"]),
            counts={str(k): int(v) for k, v in (data.get("counts") or {}).items()},
            sign_labels=int(data.get("sign_labels", 0)),
        )


def as_given(raw: tuple | np.ndarray) -> bool:
    """Whether the accumulator takes a compiled block's statistics ``(count, Σv, Σw, mean, M2, min, max)``
    as they are: else (no counted sample, values or weights from :data:`BIG` on, or not finite) it sums the
    block's values again with :func:`_block_stats`, which scales such sums."""
    nb, sv, sw, _, m2, lo, hi = raw
    return bool(nb) and max(-lo, hi) < BIG and abs(sw) < BIG and math.isfinite(sv) and math.isfinite(m2)


def all_as_given(stats: np.ndarray) -> bool:
    """:func:`as_given` of every row of ``stats`` (Python's ``max``: ``hi`` where it compares greater)."""
    nb, sv, sw, _, m2, lo, hi = stats.T
    top = np.where(hi > -lo, hi, -lo)
    return bool(((nb != 0) & (top < BIG) & (np.abs(sw) < BIG) & np.isfinite(sv) & np.isfinite(m2)).all())


def given_form(raw: tuple | np.ndarray) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
    """Statistics taken as they are (:func:`as_given`), in the form :meth:`Accumulator._absorb` takes."""
    nb, sv, sw, mean, m2, lo, hi = (float(x) for x in raw)
    return int(nb), (sv, False), (sw, False), mean, m2, lo, hi


class CompiledBlocks:
    """The whole blocks of a chunk as a compiled kernel returns them: ``stats``, an ``(nblocks, 7)`` float64
    array of rows ``(count, Σv, Σw, mean, M2, min, max)``, the ``i``-th block being the rows
    ``first + i·BLOCK`` onwards of the chunk's ``values``, ``weights`` and ``counted``, from which a block
    not taken as it is (:func:`as_given`) is summed again."""

    __slots__ = ("stats", "part", "first")

    def __init__(
        self, stats: np.ndarray, values: np.ndarray, weights: np.ndarray | None, counted: np.ndarray | None,
        first: int,
    ) -> None:
        self.stats, self.part, self.first = stats, (values, weights, counted), first

    def __len__(self) -> int:
        return self.stats.shape[0]

    def at(self, i: int) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
        """Block ``i``'s statistics as :meth:`Accumulator._absorb` takes them."""
        begin = self.first + i * BLOCK
        return accumulator_form(self.stats[i], *_rows(self.part, begin, begin + BLOCK))


def accumulator_form(
    raw: tuple | np.ndarray, v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
    """A compiled block's statistics ``raw`` as :meth:`Accumulator._absorb` takes them: as they are
    (:func:`as_given`), else the block's values ``v`` (weights ``w``, counted ``c``) summed again by
    :func:`_block_stats`, which scales sums from :data:`BIG` on."""
    return given_form(raw) if as_given(raw) else _block_stats(v, w, c)


def _rows(
    part: tuple[np.ndarray, np.ndarray | None, np.ndarray | None], start: int, end: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    v, w, c = part
    return v[start:end], None if w is None else w[start:end], None if c is None else c[start:end]


def _own_rows(
    part: tuple[np.ndarray, np.ndarray | None, np.ndarray | None], start: int, end: int
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
    """:func:`_rows` as copies of their own, to keep beyond the call."""
    v, w, c = _rows(part, start, end)
    return v.copy(), None if w is None else w.copy(), None if c is None else c.copy()


def scaled_value(lo: ExactSum, hi: ExactSum) -> float:
    """``lo + hi·2**SHIFT`` as a float (±inf only when it truly overflows)."""
    h = hi.value()
    if not h:
        return lo.value()
    if not math.isfinite(h):
        return h
    return math.ldexp(math.ldexp(lo.value(), -SHIFT) + h, SHIFT) if abs(h) < 2.0 ** (1024 - SHIFT) else (
        math.copysign(math.inf, h))


def scaled_pair(lo: ExactSum, hi: ExactSum) -> tuple[float, int]:
    """``(m, e)`` with ``lo + hi·2**SHIFT == m·2**e`` and ``m`` finite when both parts are: for ratios."""
    h = hi.value()
    if not h or not math.isfinite(h):
        return (h if h else lo.value()), 0
    return math.ldexp(lo.value(), -SHIFT) + h, SHIFT


def _sum(a: np.ndarray) -> tuple[float, bool]:
    """A block's sum, scaled by 2**-SHIFT when its values are large (flag True)."""
    if a.size and np.isfinite(a).all() and max(-float(a.min()), float(a.max())) >= BIG:
        return float(np.sum(a * 2.0 ** -SHIFT)), True
    return float(np.sum(a)), False


def _scaled_block_stats(
    v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
    """:func:`_block_stats` of values and weights given scaled by 2**-SHIFT: the sums stay scaled, the
    moments are of the true values (±inf where they are beyond float64)."""
    keep = slice(None) if c is None else c
    nb = v.shape[0] if c is None else int(np.count_nonzero(c))
    sv = (float(np.sum(v)), True)
    sw = (float(np.sum(w[keep])), True) if w is not None else (math.ldexp(float(nb), -SHIFT), True)
    if nb == 0:
        return 0, sv, sw, 0.0, 0.0, math.inf, -math.inf
    vc = v[keep]
    mean_s = float(np.sum(vc)) / nb
    with np.errstate(over="ignore", invalid="ignore"):
        d = vc - mean_s
        m2_s = float(np.sum(d * d))
        mean_b = math.ldexp(mean_s, SHIFT) if abs(mean_s) < 2.0 ** (1024 - SHIFT) else math.copysign(math.inf, mean_s)
        m2_b = m2_s * 2.0 ** SHIFT * 2.0 ** SHIFT
    lo, hi = float(vc.min()), float(vc.max())

    def up(x: float) -> float:
        return math.ldexp(x, SHIFT) if abs(x) < 2.0 ** (1024 - SHIFT) else math.copysign(math.inf, x)

    return nb, sv, sw, mean_b, m2_b, up(lo), up(hi)


def _block_stats(
    v: np.ndarray, w: np.ndarray | None, c: np.ndarray | None
) -> tuple[int, tuple[float, bool], tuple[float, bool], float, float, float, float]:
    """(count, Σv, Σw, mean, M2, min, max) of one block; mean/M2/min/max over counted samples. The sums
    come as ``(sum, scaled)`` (see :func:`_sum`)."""
    sv = _sum(v)
    if c is None:
        nb = v.shape[0]
        sw = _sum(w) if w is not None else (float(nb), False)
        vc = v
    else:
        nb = int(np.count_nonzero(c))
        sw = _sum(w[c]) if w is not None else (float(nb), False)
        vc = v[c]
    if nb == 0:
        return 0, sv, sw, 0.0, 0.0, math.inf, -math.inf
    svc = _sum(vc) if c is not None else sv
    mean_b = math.ldexp(svc[0] / nb, SHIFT) if svc[1] else svc[0] / nb
    (d,) = workspace("block_stats", nb)
    with np.errstate(over="ignore", invalid="ignore"):  # values beyond 1e154: M2 (and the std) overflow
        np.subtract(vc, mean_b, out=d)
        np.multiply(d, d, out=d)  # Σd² by pairwise summation (np.dot would call BLAS and its threads)
        m2_b = float(np.sum(d))
    return nb, sv, sw, mean_b, m2_b, float(vc.min()), float(vc.max())
