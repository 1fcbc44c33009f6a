"""A compact index of the labels file's ids, for joining predictions to labels by ``--id-col``.

The predictions stream chunk by chunk, in any order, so the labels must be looked up by key: the index
holds, per label row, its key in sorted order and the row it came from, nothing else. A key is the id as
written (:func:`id_keys`: ``007`` is not ``7``, a date and time has one spelling; an id the labels do not hold as
written is looked up again as pandas' other spelling of an integer, ``3`` ↔ ``3.0``):

- when every id of the labels file is an integer written canonically (``12``, ``-3``: no sign ``+``, no
  leading zero, within int64), the key is that integer: exact, 8 bytes;
- otherwise the key is two independent 64-bit keyed hashes of the text (Python's SipHash, seeded per
  process): 16 bytes; two different ids share both with probability about n²/2¹²⁹ (below 10⁻²³ for
  10⁸ ids).

Up to :data:`SPILL_ROWS` label rows the index is two arrays in memory: the sorted keys and the row of each
(in the smallest unsigned type that holds it), 12 bytes per label row for integer ids and 20 otherwise.
Beyond that it moves to a temporary file (:class:`~losscli.spill.BucketSpill`) in :data:`BUCKETS` buckets
by a hash of the key, each bucket sorted on its own; a chunk of predictions is looked up bucket by bucket,
reading one bucket at a time, so what stays in memory no longer grows with the labels file.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

_I64 = (-(1 << 63), (1 << 63) - 1)


def _int_keys(keys: list[str]) -> np.ndarray | None:
    """The ids as int64 when each is an integer written canonically, else ``None``."""
    out = np.empty(len(keys), dtype=np.int64)
    lo, hi = _I64
    for i, k in enumerate(keys):
        try:
            v = int(k)
        except ValueError:
            return None
        if not lo <= v <= hi or str(v) != k:
            return None
        out[i] = v
    return out


def _hash_keys(keys: Iterable[str], n: int) -> np.ndarray:
    """Two independent keyed 64-bit hashes per id, as an (n, 2) int64 array."""
    out = np.empty((n, 2), dtype=np.int64)
    out[:, 0] = np.fromiter((hash(k) for k in keys), dtype=np.int64, count=n)
    out[:, 1] = np.fromiter((hash("\x00" + k) for k in keys), dtype=np.int64, count=n)
    return out


#: Label rows indexed in memory; beyond this the index moves to a temporary file.
SPILL_ROWS = 1 << 20
#: Buckets of a spilled index (a bucket holds about 1/256 of the labels file's ids).
BUCKETS = 256
_SHIFT = np.uint64(64 - BUCKETS.bit_length() + 1)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


#: spill records: the key (an integer id, or the two hashes of a text id) and the label row
_INT_RECORD = np.dtype([("key", "<i8"), ("row", "<i8")])
_TEXT_RECORD = np.dtype([("key", "<i8", (2,)), ("row", "<i8")])


def _bucket(keys: np.ndarray) -> np.ndarray:
    """The bucket of each key: the top bits of a Fibonacci hash of an integer, of the first hash of a text."""
    if keys.ndim == 1:
        return ((keys.view(np.uint64) * _GOLDEN) >> _SHIFT).astype(np.int64)
    return (np.ascontiguousarray(keys[:, 0]).view(np.uint64) >> _SHIFT).astype(np.int64)


def _records(keys: np.ndarray, first_row: int) -> np.ndarray:
    """Spill records of keys read from ``first_row`` on: the key (one or two int64) and the row."""
    dtype = _INT_RECORD if keys.ndim == 1 else _TEXT_RECORD
    rec = np.empty(len(keys), dtype=dtype)
    rec["key"] = keys
    rec["row"] = np.arange(first_row, first_row + len(keys), dtype=np.int64)
    return rec


def _sort(keys: np.ndarray) -> np.ndarray:
    """The order sorting integer keys, or pairs of hashes by the first then the second."""
    if keys.ndim == 1:
        return np.argsort(keys)  # introsort: no buffer beside the result (a stable sort needs one)
    return np.lexsort((keys[:, 1], keys[:, 0]))


def _duplicates(keys: np.ndarray, rows: np.ndarray) -> list[tuple[int, int]]:
    """(row, earlier row with the same id) for every repeated id of sorted ``keys`` (``rows`` beside them)."""
    if keys.ndim == 1:
        same = keys[1:] == keys[:-1]
    else:
        same = (keys[1:, 0] == keys[:-1, 0]) & (keys[1:, 1] == keys[:-1, 1])
    if not same.any():
        return []
    # each row after the earliest of a run of equal keys repeats that earliest row
    starts = np.flatnonzero(np.concatenate(([True], ~same)))
    rows = rows.astype(np.int64)
    earliest = np.minimum.reduceat(rows, starts)
    run = np.cumsum(np.concatenate(([True], ~same))) - 1
    later = rows != earliest[run]
    return list(zip(rows[later].tolist(), earliest[run][later].tolist(), strict=True))


def _search(keys: np.ndarray, rows: np.ndarray, probe: np.ndarray, ok: np.ndarray | None) -> np.ndarray:
    """The row of each probe in sorted ``keys`` (int64), -1 where absent; ``ok`` False matches nothing."""
    found = np.full(len(probe), -1, dtype=np.int64)
    if not len(probe) or not len(keys):
        return found
    if keys.ndim == 1:
        pos = np.minimum(np.searchsorted(keys, probe), len(keys) - 1)
        hit = keys[pos] == probe
        if ok is not None:
            hit &= ok
    else:
        first = np.ascontiguousarray(keys[:, 0])
        lo = np.searchsorted(first, probe[:, 0], side="left")
        hi = np.searchsorted(first, probe[:, 0], side="right")
        pos = np.minimum(lo, len(first) - 1)
        hit = (hi > lo) & (keys[pos, 1] == probe[:, 1])
        for j in np.flatnonzero((hi - lo > 1) & ~hit):  # first halves shared by different ids: rare
            match = np.flatnonzero(keys[lo[j]:hi[j], 1] == probe[j, 1])
            if match.size:
                pos[j], hit[j] = lo[j] + match[0], True
    found[hit] = rows[pos[hit]]
    return found


class KeyIndex:
    """Sorted keys of the labels file's ids and the label row of each; built from chunks of id texts."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._integer = True
        self._n = 0
        self._spill: Any = None  # unsorted records by bucket, once beyond SPILL_ROWS
        self._sorted: Any = None  # each bucket sorted by key, after finish()
        self.keys: np.ndarray = np.empty(0, dtype=np.int64)
        self.rows: np.ndarray = np.empty(0, dtype=np.uint32)

    @property
    def integer(self) -> bool:
        """Whether the keys are the ids as integers (else hashes of their text)."""
        return self._integer

    @property
    def spilled(self) -> bool:
        """Whether the index is in a temporary file (more than :data:`SPILL_ROWS` label rows)."""
        return self._spill is not None or self._sorted is not None

    def add(self, keys: list[str]) -> None:
        """The ids of the next rows of the labels file, as text."""
        part = _int_keys(keys) if self._integer else None
        if part is None:
            if self._integer:
                self._to_text()
            part = _hash_keys(keys, len(keys))
        first, self._n = self._n, self._n + len(keys)
        if self._spill is not None:
            rec = _records(part, first)
            self._spill.add(_bucket(part), rec)
            return
        self._parts.append(part)
        if self._n > SPILL_ROWS:
            self._start_spill()

    def _start_spill(self) -> None:
        from losscli.spill import BucketSpill

        self._spill = BucketSpill(_INT_RECORD if self._integer else _TEXT_RECORD)
        first = 0
        for part in self._parts:
            self._spill.add(_bucket(part), _records(part, first))
            first += len(part)
        self._parts = []

    def _to_text(self) -> None:
        """The ids so far were canonical integers (their text is str(value)): hash every one of them."""
        self._integer = False
        self._parts = [_hash_keys([str(v) for v in p.tolist()], len(p)) for p in self._parts]
        if self._spill is None:
            return
        from losscli.spill import BucketSpill

        old, self._spill = self._spill, BucketSpill(_TEXT_RECORD)
        try:
            for b in old.buckets():
                rec = old.read(b)
                pairs = _hash_keys([str(v) for v in rec["key"].tolist()], len(rec))
                new = np.empty(len(rec), dtype=_TEXT_RECORD)
                new["key"], new["row"] = pairs, rec["row"]
                self._spill.add(_bucket(pairs), new)
        finally:
            old.close()

    def finish(self) -> list[tuple[int, int]]:
        """Sort the keys; returns the duplicates as (row, earlier row with the same id), in row order."""
        if self._spill is not None:
            return self._finish_spilled()
        if self._integer:
            keys = np.concatenate(self._parts) if self._parts else np.empty(0, dtype=np.int64)
            self._parts = []
            order = _sort(keys)
            keys.sort()  # in place: the same values as keys[order], without a second copy
        else:
            pairs = np.concatenate(self._parts) if self._parts else np.empty((0, 2), dtype=np.int64)
            self._parts = []
            order = _sort(pairs)
            keys = pairs[order]
            del pairs
        self.rows = order.astype(np.min_scalar_type(max(len(order) - 1, 0)))
        del order
        self.keys = keys
        return sorted(_duplicates(self.keys, self.rows))

    def _finish_spilled(self) -> list[tuple[int, int]]:
        from losscli.spill import BucketSpill

        spill, self._spill = self._spill, None
        self._sorted = BucketSpill(spill.dtype)
        dups: list[tuple[int, int]] = []
        try:
            for b in spill.buckets():
                rec = spill.read(b)
                rec = rec[_sort(rec["key"])]
                dups += _duplicates(rec["key"], rec["row"])
                self._sorted.put(b, rec)
                del rec
        finally:
            spill.close()
        return sorted(dups)

    def close(self) -> None:
        """Remove the temporary file of a spilled index (the index is unusable after)."""
        for s in (self._spill, self._sorted):
            if s is not None:
                s.close()
        self._spill = self._sorted = None

    def __len__(self) -> int:
        return self._n

    def lookup(self, keys: list[str]) -> np.ndarray:
        """The label row of each id (int64), -1 where the labels file has no such id."""
        n = len(keys)
        if not n or not self._n:
            return np.full(n, -1, dtype=np.int64)
        if self._integer:
            probe, ok = self._probe_ints(keys)
        else:
            probe, ok = _hash_keys(keys, n), None
        if self._sorted is None:
            return _search(self.keys, self.rows, probe, ok)
        found = np.full(n, -1, dtype=np.int64)
        buckets = _bucket(probe)
        order = np.argsort(buckets, kind="stable")
        b = buckets[order]
        starts = np.flatnonzero(np.concatenate(([True], b[1:] != b[:-1])))
        for s, e in zip(starts.tolist(), np.append(starts[1:], n).tolist(), strict=True):
            at = order[s:e]
            rec = self._sorted.read(int(b[s]))  # one bucket of the index at a time
            found[at] = _search(np.ascontiguousarray(rec["key"]), rec["row"], probe[at],
                                None if ok is None else ok[at])
            del rec
        return found

    @staticmethod
    def _probe_ints(keys: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """Each id as int64 and whether it is an integer written canonically (the others match nothing)."""
        out = np.zeros(len(keys), dtype=np.int64)
        ok = np.zeros(len(keys), dtype=bool)
        lo, hi = _I64
        for i, k in enumerate(keys):
            try:
                v = int(k)
            except ValueError:
                continue
            if lo <= v <= hi and str(v) == k:
                out[i], ok[i] = v, True
        return out, ok


def first_repeat(rows: np.ndarray, seen: np.ndarray) -> int | None:
    """The first position whose label row was matched before (by an earlier chunk or earlier in ``rows``)."""
    earlier = seen[rows]
    order = np.argsort(rows, kind="stable")
    repeat = np.zeros(len(rows), dtype=bool)
    s = rows[order]
    repeat[order[1:][s[1:] == s[:-1]]] = True
    bad = np.flatnonzero(earlier | repeat)
    return int(bad[0]) if bad.size else None


def id_keys(col: np.ndarray) -> list[str]:
    """Ids as text: CSV cells exactly as written (``007`` is not ``7``), but a date and time in one spelling
    (:func:`~losscli.io.timestamps.same_time`: ``2024-01-01T00:00:00`` is ``2024-01-01``); integers of typed
    formats exactly; floats of typed formats in their shortest form (``3.0`` is ``3``); datetimes of typed
    formats in that spelling, as pandas writes them in a CSV file (``2024-01-01`` at midnight)."""
    from losscli.io.timestamps import datetime_texts, same_times  # ids only: not on the way of every run

    if col.dtype.kind == "M":
        return datetime_texts(col).tolist()
    if col.dtype.kind in "iub":
        return [str(v) for v in col.tolist()]
    if col.dtype.kind == "f":
        return [str(int(v)) if v == v and v not in (np.inf, -np.inf) and v == int(v) else repr(v)
                for v in col.tolist()]
    return same_times(["" if v is None else str(v) for v in col.tolist()])

