"""A compact index of the labels file's ids, for joining predictions to labels by ``--id-col``.

The predictions stream chunk by chunk, in any order, so the labels must be looked up by key: the index
holds, per label row, its key in sorted order and the row it came from, nothing else. A key is the id as
written (:func:`losscli.inputs.plan.id_keys`: ``007`` is not ``7``):

- when every id of the labels file is an integer written canonically (``12``, ``-3``: no sign ``+``, no
  leading zero, within int64), the key is that integer: exact, 8 bytes;
- otherwise the key is two independent 64-bit keyed hashes of the text (Python's SipHash, seeded per
  process): 16 bytes; two different ids share both with probability about n²/2¹²⁹ (below 10⁻²³ for
  10⁸ ids).

The row is stored in the smallest unsigned type that holds it (4 bytes below 4 G rows). So the index costs
12 bytes per label row for integer ids and 20 bytes otherwise, plus one byte per row to mark which labels
got a prediction; the label values themselves are kept beside it (8 bytes per numeric label column).
Building it sorts once (a temporary 8 bytes per row, for the order).
"""

from __future__ import annotations

from collections.abc import Iterable

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


class KeyIndex:
    """Sorted keys of the labels file's ids and the label row of each; built from chunks of id texts."""

    def __init__(self) -> None:
        self._parts: list[np.ndarray] = []
        self._integer = True
        self.keys: np.ndarray = np.empty(0, dtype=np.int64)
        self.rows: np.ndarray = np.empty(0, dtype=np.uint32)

    def add(self, keys: list[str]) -> None:
        """The ids of the next rows of the labels file, as text."""
        if self._integer:
            ints = _int_keys(keys)
            if ints is not None:
                self._parts.append(ints)
                return
            self._integer = False  # the ids so far were canonical integers: their text is str(value)
            self._parts = [_hash_keys([str(v) for v in p.tolist()], len(p)) for p in self._parts]
        self._parts.append(_hash_keys(keys, len(keys)))

    def finish(self) -> list[tuple[int, int]]:
        """Sort the keys; returns the duplicates as (row, earlier row with the same id), in row order."""
        if self._integer:
            keys = np.concatenate(self._parts) if self._parts else np.empty(0, dtype=np.int64)
            self._parts = []
            order = np.argsort(keys)  # introsort: no buffer beside the result (a stable sort needs one)
            keys.sort()  # in place: the same values as keys[order], without a second copy
            same = keys[1:] == keys[:-1]
        else:
            pairs = np.concatenate(self._parts) if self._parts else np.empty((0, 2), dtype=np.int64)
            self._parts = []
            order = np.lexsort((pairs[:, 1], pairs[:, 0]))
            keys = pairs[order]
            del pairs
            same = (keys[1:, 0] == keys[:-1, 0]) & (keys[1:, 1] == keys[:-1, 1])
        n = len(order)
        self.rows = order.astype(np.min_scalar_type(max(n - 1, 0)))
        del order
        self.keys = keys
        dups: list[tuple[int, int]] = []
        if same.any():  # each row after the earliest of a run of equal keys repeats that earliest row
            starts = np.flatnonzero(np.concatenate(([True], ~same)))
            earliest = np.minimum.reduceat(self.rows.astype(np.int64), starts)
            run = np.cumsum(np.concatenate(([True], ~same))) - 1
            rows = self.rows.astype(np.int64)
            later = rows != earliest[run]
            dups = sorted(zip(rows[later].tolist(), earliest[run][later].tolist(), strict=True))
        return dups

    def __len__(self) -> int:
        return len(self.rows)

    def lookup(self, keys: list[str]) -> np.ndarray:
        """The label row of each id (int64), -1 where the labels file has no such id."""
        n = len(keys)
        found = np.full(n, -1, dtype=np.int64)
        if not n or not len(self.rows):
            return found
        if self._integer:
            probe, ok = self._probe_ints(keys)
            pos = np.searchsorted(self.keys, probe)
            pos = np.minimum(pos, len(self.keys) - 1)
            hit = ok & (self.keys[pos] == probe)
        else:
            probe2 = _hash_keys(keys, n)
            first = self.keys[:, 0]
            lo = np.searchsorted(first, probe2[:, 0], side="left")
            hi = np.searchsorted(first, probe2[:, 0], side="right")
            pos = np.minimum(lo, len(first) - 1)
            hit = (hi > lo) & (self.keys[pos, 1] == probe2[:, 1])
            for j in np.flatnonzero((hi - lo > 1) & ~hit):  # first halves shared by different ids: rare
                match = np.flatnonzero(self.keys[lo[j]:hi[j], 1] == probe2[j, 1])
                if match.size:
                    pos[j], hit[j] = lo[j] + match[0], True
        found[hit] = self.rows[pos[hit]]
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

