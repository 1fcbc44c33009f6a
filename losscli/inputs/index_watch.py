"""Whether two files' pandas indexes number the same rows in another order, decided while the files stream.

The first rows of a long file cannot tell a shuffle (the same row numbers in another order: pairing the
rows by position is wrong) from a test split beside fresh row numbers (other numbers: position is right).
The watch keeps, per file, an order-independent fingerprint of the multiset of its index values — two sums
of a 64-bit mix of each value, modulo 2⁶⁴ — and the first row where the two indexes differ. A differing row
with equal fingerprints means the same row numbers in another order. Different row numbers give equal
fingerprints with a probability of about 2⁻¹²⁸; the memory it takes does not grow with the files.
"""

from __future__ import annotations

import numpy as np

#: how to write files whose pandas indexes disagree so that the question does not arise (both engines say it)
ORDER_HINT = ("write the index as a column named id in both files (df.rename_axis('id').reset_index()) and they "
              "are joined on it; if their rows are paired by position, write them without their index (index=False)")

#: splitmix64's finaliser constants (a bijection of 64-bit words that scatters neighbouring values)
_M1, _M2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
#: one seed per independent fingerprint
_SEEDS = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xD1B54A32D192ED03))


def _mix(values: np.ndarray, seed: np.uint64) -> np.ndarray:
    """splitmix64's finaliser of ``values + seed`` (int64 read as 64-bit words; sums wrap modulo 2⁶⁴)."""
    z = values.view(np.uint64) + seed
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


def _as_integers(col: np.ndarray) -> np.ndarray | None:
    """An index column as int64, or ``None`` when a value is not a whole number within int64."""
    col = np.asarray(col)
    if col.dtype.kind in "iu":
        if col.dtype.kind == "u" and col.size and int(col.max()) > np.iinfo(np.int64).max:
            return None
        return np.ascontiguousarray(col, dtype=np.int64)
    if col.dtype.kind != "f":
        try:
            col = np.asarray(col, dtype=np.float64)
        except (TypeError, ValueError):
            return None
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(col) & (col == np.round(col)) & (np.abs(col) < 2.0**63)
    if not whole.all():
        return None
    return np.ascontiguousarray(col, dtype=np.int64)


class IndexWatch:
    """Fed each chunk's two index columns in step; :meth:`shuffled` says at the end whether the files hold the
    same row numbers in another order."""

    def __init__(self) -> None:
        #: off once a value is not a whole number (dates, texts): such indexes say nothing of the pairing
        self.active = True
        #: the first row (0-based, of the stream) where the indexes differ, and the two values there
        self.first: tuple[int, int, int] | None = None
        #: rows seen
        self.rows = 0
        self._sums = np.zeros((2, len(_SEEDS)), dtype=np.uint64)

    def update(self, labels_index: np.ndarray, preds_index: np.ndarray, rows: np.ndarray) -> None:
        self.rows += len(rows)
        if not self.active:
            return
        a, b = _as_integers(labels_index), _as_integers(preds_index)
        if a is None or b is None:
            self.active = False
            return
        if self.first is None:
            differ = np.flatnonzero(a != b)
            if differ.size:
                i = int(differ[0])
                self.first = (int(rows[i]), int(a[i]), int(b[i]))
        for k, values in enumerate((a, b)):
            self._sums[k] += np.array([_mix(values, s).sum(dtype=np.uint64) for s in _SEEDS], dtype=np.uint64)

    def to_data(self) -> dict:
        """The watch as plain data (for a Dask partition's result)."""
        return {"active": self.active, "first": self.first, "rows": self.rows, "sums": self._sums.tolist()}

    def merge(self, data: dict) -> None:
        """Fold in another part's watch (:meth:`to_data`): sums add modulo 2⁶⁴, the earliest difference wins."""
        self.active = self.active and data["active"]
        self.rows += data["rows"]
        self._sums += np.array(data["sums"], dtype=np.uint64)
        first = data["first"]
        if first is not None and (self.first is None or first[0] < self.first[0]):
            self.first = tuple(first)  # type: ignore[assignment]

    def shuffled(self) -> tuple[int, int, int] | None:
        """(row, labels' index, predictions' index) at the first row where they differ, when both files hold
        the same row numbers in another order; else ``None``."""
        if self.active and self.first is not None and bool((self._sums[0] == self._sums[1]).all()):
            return self.first
        return None
