"""Pairing two prediction files' per-sample results in bounded memory.

The candidate is evaluated first and each of its samples — label-file row, value, normalising weight,
counted — is spilled to a temporary file (:class:`SideSpill`). While the baseline streams, its chunks are
paired with the spilled samples in lock step (:class:`LockstepPairing`): the outcome counts, the most
worsened samples and the bootstrap's sums are kept as they go. Up to
:data:`~losscli.quality.taps.EXACT_SAMPLES` pairs the per-sample parts are kept too and the result is the
in-memory comparison's, exactly; beyond that the bootstrap resamples random buckets of pairs (both sides of
a pair fall in the bucket of its label-file row), as ``eval --ci`` does.

When the two runs did not score the same rows in the same order (a join by key, rows skipped for missing
values), lock step is impossible: both spills are read back and paired in memory.
"""

from __future__ import annotations

import heapq
import os
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

from losscli.quality import taps
from losscli.quality.bootstrap import bootstrap_ratio
from losscli.quality.paired import (
    Side,
    comparison_document,
    outcome_counts,
    paired_compare,
    positive_weight,
    worst_indices,
    worst_row,
)
from losscli.spill import spill_error, temporary_file

RECORD = np.dtype([("row", "<i8"), ("value", "<f8"), ("weight", "<f8"), ("counted", "?")])
#: records built and written at once when spilling a chunk
WRITE_RECORDS = 1 << 16
#: pairs read and summed at once when pairing a chunk
PAIR_RECORDS = 1 << 16


class Samples(NamedTuple):
    """One side's samples of a chunk: label-file row, value, normalising weight and counted mask (None when
    every weight is 1 and every sample counted, as :data:`RECORD` stores 1.0 and True)."""

    row: np.ndarray
    value: np.ndarray
    weight: np.ndarray | None
    counted: np.ndarray | None

    @classmethod
    def of(cls, rec: np.ndarray) -> Samples:
        """The fields of spilled records."""
        return cls(rec["row"], rec["value"], rec["weight"], rec["counted"])


class SideSpill:
    """One side's samples — (label row, value, weight, counted) — in a temporary file, in stream order.

    Attach :meth:`listen` as the evaluator's chunk listener and :meth:`observe` as a pipeline observer.
    """

    def __init__(self) -> None:
        self.file = temporary_file()  # closed by close()
        self.n = 0
        self.weighted = False
        self.partial = False
        self._last: tuple[Any, Any, Any] | None = None
        self._read = 0

    def listen(self, values: Any, weights: Any = None, counted: Any = None) -> None:
        self._last = (values, weights, counted)

    def observe(self, batch: Any, values: list[np.ndarray], offset: int) -> Samples:
        """Spill the batch's samples; return them (the batch's own arrays, no copy of the records)."""
        assert self._last is not None
        v, w, c = self._last
        out = Samples(np.asarray(batch.label_rows, dtype=np.int64).reshape(-1),
                      np.asarray(v, dtype=np.float64).reshape(-1),
                      None if w is None else np.asarray(w, dtype=np.float64).reshape(-1),
                      None if c is None else np.asarray(c, dtype=bool).reshape(-1))
        self.weighted |= w is not None
        self.partial |= c is not None
        for start in range(0, len(out.row), WRITE_RECORDS):  # a few records at a time: no copy of the chunk
            part = slice(start, start + WRITE_RECORDS)
            rec = np.empty(len(out.row[part]), RECORD)
            rec["row"] = out.row[part]
            rec["value"] = out.value[part]
            rec["weight"] = 1.0 if out.weight is None else out.weight[part]
            rec["counted"] = True if out.counted is None else out.counted[part]
            try:
                self.file.write(rec.view(np.uint8))
            except OSError as exc:
                raise spill_error(exc) from None
        self.n += len(out.row)
        return out

    def rewind(self) -> None:
        try:
            self.file.flush()
        except OSError as exc:
            raise spill_error(exc) from None
        self.file.seek(0)
        self._read = 0

    def take(self, k: int) -> np.ndarray:
        """The next ``k`` records (fewer at the end)."""
        data = self.file.read(k * RECORD.itemsize)
        self._read += len(data) // RECORD.itemsize
        return np.frombuffer(data, dtype=RECORD)

    def records(self, start: int, k: int) -> np.ndarray:
        """Records ``start`` to ``start + k`` (read where they are: the position of :meth:`take` is kept)."""
        self.file.flush()
        data = os.pread(self.file.fileno(), k * RECORD.itemsize, start * RECORD.itemsize)
        return np.frombuffer(data, dtype=RECORD)

    def side(self, file: str, result: Any, ids: np.ndarray | None, outputs: int, rule: str) -> Side:
        """The whole side in memory (for pairing out of lock step)."""
        self.rewind()
        rec = self.take(self.n)
        return Side(file, result, rec["value"].copy(), rec["weight"].copy() if self.weighted else None,
                    rec["counted"].copy() if self.partial else None, rec["row"].copy(), ids, outputs, rule)

    def close(self) -> None:
        self.file.close()


class LockstepPairing:
    """A pipeline observer of the baseline run pairing each chunk with the candidate's spilled samples."""

    def __init__(self, candidate: SideSpill, baseline: SideSpill, *, rule: str, higher_is_better: bool,
                 tol: float, top: int, seed: int, on_pairs: Callable[[np.ndarray], None] | None = None) -> None:
        self.cand, self.base = candidate, baseline
        #: called with each paired chunk's differences candidate − baseline (counted samples), if given
        self.on_pairs = on_pairs
        self.rule, self.hib, self.tol, self.top, self.seed = rule, higher_is_better, tol, top, seed
        self.in_step = True
        self.pairs = 0
        self.counted = 0
        #: counted pairs of weight 0 (left out of ``counted``, the outcome counts and the worst)
        self.weightless = 0
        self.counts = {"improved": 0, "worsened": 0, "unchanged": 0}
        self._worst: list[tuple[float, int, int, Any, float, float]] = []  # heap of (worse, -index, row, id, c, b)
        #: the size of each chunk paired while the pairs are few enough to be compared exactly (their records
        #: are read back from the two spills, chunk by chunk, if the pairs outgrow that); None once bucketed
        self._exact: list[int] | None = []
        self._buckets: np.ndarray | None = None  # (4, BUCKETS): Σnum_c, Σden_c, Σnum_b, Σden_b
        candidate.rewind()

    def __call__(self, batch: Any, values: list[np.ndarray], offset: int) -> None:
        b = self.base.observe(batch, values, offset)
        if not self.in_step:
            return
        n = len(batch)
        # the candidate's records are read a few at a time; only its values and counted flags are kept whole
        a_value, a_counted, a_positive = np.empty(n), np.empty(n, dtype=bool), np.empty(n, dtype=bool)
        sums = None if self._exact is not None else _ChunkSums(self)
        for start in range(0, n, PAIR_RECORDS):
            part = slice(start, min(n, start + PAIR_RECORDS))
            a = Samples.of(self.cand.take(part.stop - start))
            if a.row.shape[0] != part.stop - start or not np.array_equal(a.row, b.row[part]):
                self.in_step = False  # the result pairs the two spills in memory instead
                return
            a_value[part], a_counted[part], a_positive[part] = a.value, a.counted, a.weight > 0
            if sums is not None:
                sums.add(a, Samples(*(None if x is None else x[part] for x in b)))
            del a
        counted = a_counted if b.counted is None else a_counted & b.counted
        positive = positive_weight(a_positive, b.weight, n)  # a pair of weight 0 carries no evidence
        self.weightless += int((counted & ~positive).sum())
        counted &= positive
        worse = np.subtract(a_value, b.value)
        if self.hib:
            np.negative(worse, out=worse)  # b_minus, in place
        if self.on_pairs is not None:
            self.on_pairs((a_value - b.value)[counted])
        for key, k in outcome_counts(worse, counted, self.tol).items():
            self.counts[key] += k
        ids = None if batch.ids is None else np.asarray(batch.ids)
        for i in worst_indices(worse, counted, self.tol, self.top).tolist():
            item = (float(worse[i]), -(self.pairs + i), int(b.row[i]), None if ids is None else ids[i],
                    float(a_value[i]), float(b.value[i]))
            if len(self._worst) < self.top:
                heapq.heappush(self._worst, item)
            elif item > self._worst[0]:
                heapq.heapreplace(self._worst, item)
        self.pairs += n
        self.counted += int(counted.sum())
        del worse, counted, positive, a_value, a_counted, a_positive, b
        if sums is not None:
            sums.finish()
        elif self._exact is not None:
            self._exact.append(n)
            if self.pairs > taps.EXACT_SAMPLES:
                self._to_buckets()

    def _to_buckets(self) -> None:
        """Sum the pairs so far into buckets, read back from the spills a few at a time, in the chunks they
        came in (the same sums, in the same order, as if they had been bucketed as they came)."""
        assert self._exact is not None
        self._buckets = np.zeros((4, taps.BUCKETS))
        start = 0
        for n in self._exact:
            sums = _ChunkSums(self)
            for at in range(start, start + n, PAIR_RECORDS):
                k = min(start + n, at + PAIR_RECORDS) - at
                sums.add(Samples.of(self.cand.records(at, k)), Samples.of(self.base.records(at, k)))
            sums.finish()
            start += n
        self._exact = None

    def result(self, cand_info: tuple[str, Any, np.ndarray | None, int], base_info: tuple[str, Any, np.ndarray | None, int],
               *, resamples: int, confidence: float) -> dict[str, Any]:
        """The comparison document (the candidate's and baseline's file, result, ids and outputs)."""
        (cfile, cres, cids, outputs), (bfile, bres, bids, _) = cand_info, base_info
        full_pairs = self.in_step and self.pairs == self.cand.n == self.base.n
        if not full_pairs or self._exact is not None:
            cand = self.cand.side(cfile, cres, cids, outputs, self.rule)
            base = self.base.side(bfile, bres, bids, outputs, self.rule)
            return paired_compare(cand, base, higher_is_better=self.hib, resamples=resamples,
                                  confidence=confidence, seed=self.seed, top=self.top, tol=self.tol)
        assert self._buckets is not None
        num_c, den_c, num_b, den_b = self._buckets
        if self.rule == "sum_over_elements":
            num_c, num_b = num_c * outputs, num_b * outputs
        elif self.rule == "mean_over_elements":
            den_c, den_b = den_c * outputs, den_b * outputs
        if self.weightless:  # buckets of pairs of weight 0 only add nothing to any sum: not resampled
            used = (self._buckets != 0).any(axis=0)
            num_c, den_c, num_b, den_b = num_c[used], den_c[used], num_b[used], den_b[used]
        ratio = self.rule not in ("sum", "sum_over_elements")
        iv = bootstrap_ratio(num_c, den_c if ratio else None, minus=(num_b, den_b if ratio else None),
                             resamples=resamples, confidence=confidence, seed=self.seed)
        iv.method = f"grouped ({taps.BUCKETS} buckets), {iv.method}"
        worst = [worst_row(-neg, row, sample_id, c, b)
                 for _, neg, row, sample_id, c, b in sorted(self._worst, key=lambda t: (-t[0], -t[1]))]
        return comparison_document(_Named(cfile, cres), _Named(bfile, bres), cres.value, bres.value, self.counted,
                                   iv, self.hib, self.counts, worst, self.tol, [])


class _ChunkSums:
    """One chunk's bucket sums of both sides, added up a few pairs at a time.

    ``np.add.at`` adds each pair's parts to its bucket one after the other, in order, as ``np.bincount`` does
    over a whole chunk: the sums are the same, to the last bit, as one ``bincount`` per chunk (what the
    pairing's results have always been), without the chunk's parts in memory at once."""

    def __init__(self, pairing: LockstepPairing) -> None:
        self.pairing = pairing
        self.acc = np.zeros((4, taps.BUCKETS))
        self.has_den = [False, False]

    def add(self, a: Samples, b: Samples) -> None:
        p = self.pairing
        slot = taps.bucket_of(a.row, p.seed)
        for j, side in enumerate((a, b)):
            num, den = taps.rule_parts(p.rule, side.value, side.weight, side.counted, 1)
            np.add.at(self.acc[2 * j], slot, num)
            if den is not None:
                np.add.at(self.acc[2 * j + 1], slot, den)
                self.has_den[j] = True

    def finish(self) -> None:
        buckets = self.pairing._buckets
        assert buckets is not None
        for j in range(2):
            buckets[2 * j] += self.acc[2 * j]
            if self.has_den[j]:
                buckets[2 * j + 1] += self.acc[2 * j + 1]


class _Named:
    def __init__(self, file: str, result: Any) -> None:
        self.file, self.result = file, result


def b_minus(candidate: np.ndarray, baseline: np.ndarray, higher_is_better: bool) -> np.ndarray:
    """How much worse the candidate is, per sample (positive = worse)."""
    d = candidate - baseline
    return -d if higher_is_better else d


class UniformSample:
    """A systematic sample of a stream of values, at most ``cap`` of them: every ``stride``-th value is
    kept, and when more than ``cap`` are held, every other one is dropped and the stride doubles (the HTML
    report's histogram of per-sample differences, in bounded memory)."""

    def __init__(self, cap: int = 1 << 17) -> None:
        self.cap = cap
        self.stride = 1
        self.seen = 0
        self._index: list[np.ndarray] = []
        self._values: list[np.ndarray] = []
        self._held = 0

    def add(self, values: np.ndarray) -> None:
        idx = np.arange(self.seen, self.seen + len(values))
        self.seen += len(values)
        keep = idx % self.stride == 0
        self._index.append(idx[keep])
        self._values.append(np.asarray(values, dtype=np.float64)[keep])
        self._held += int(keep.sum())
        while self._held > self.cap:
            index, values = np.concatenate(self._index), np.concatenate(self._values)
            self.stride *= 2
            keep = index % self.stride == 0
            self._index, self._values = [index[keep]], [values[keep]]
            self._held = int(keep.sum())

    def values(self) -> np.ndarray:
        return np.concatenate(self._values) if self._values else np.zeros(0)
