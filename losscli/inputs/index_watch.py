"""Whether two files' pandas indexes number the same rows in another order, decided while the files stream.

The first rows of a long file cannot tell a shuffle (the same row numbers in another order: pairing the
rows by position is wrong) from a test split beside fresh row numbers (other numbers: position is right).
The watch keeps, per file, an order-independent fingerprint of the multiset of its index values — two sums
of a 64-bit mix of each value, modulo 2⁶⁴ — and the first row where the two indexes differ. A differing row
with equal fingerprints means the same row numbers in another order. Different row numbers give equal
fingerprints with a probability of about 2⁻¹²⁸; the memory it takes does not grow with the files.

An index of other values (texts, dates, fractions) is watched alike through a 64-bit hash of each value as
text (as the row-by-row check compares them: :func:`~losscli.inputs.keyindex.id_keys`, a date and time in one
spelling); a text that spells a whole number (``12``, not ``012``) stands for that number, so that a chunk of
whole numbers and a chunk that also holds other values (a blank, a fraction) sum alike and no chunking changes
what the watch says. Only the rows where the two indexes differ are hashed (rows of
equal values add the same to both sums). Values may repeat (a store, a day of several rows): where two rows
of different values are paired, the pairing is wrong whatever else the rows hold, and the same values in
another order show that the files hold the same rows in other orders. A text column of the same name in both
files (``set_index("store")`` written by ``to_csv``) is watched as an index is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np

from losscli.inputs.keyindex import id_keys

#: how to write files whose pandas indexes disagree so that the question does not arise (both engines say it)
ORDER_HINT = ("write the index as a column named id in both files (df.rename_axis('id').reset_index()) and they "
              "are joined on it; if their rows are paired by position, write them without their index (index=False)")
#: the same for an index whose values repeat (a store, a day of several rows): no key to join on
REPEATS_HINT = ("its values repeat, so they key no row: write both files in the same row order, or give each row a "
                "key both files hold, a column named id (df.reset_index().rename_axis('id').reset_index(), before "
                "the rows are reordered), and they are joined on it")


def column_hint(column: str, repeats: bool) -> str:
    """The hint for a text column of one name in both files holding the same values in another order (both
    engines say it): a join on it where its values do not repeat, else a key made for the purpose."""
    if repeats:
        return REPEATS_HINT
    return f"join them on it: --id-col {column} (its values do not repeat); or write both files in the same row order"


def order_message(labels: str, preds: str, what: str, x: str, y: str) -> str:
    """The refusal of two files whose rows are in another order: ``what`` (an id, a pandas index) holds ``x``
    in the labels and ``y`` in the predictions at the row the error's location names (both engines say it)."""
    return f"the rows of {labels} and {preds} are in another order: {what} {x!r} in one, {y!r} in the other"


def shared_column_message(labels: str, preds: str, column: str, x: str, y: str) -> str:
    """The refusal of a text column of one name in both files holding the same values in another order (both
    engines say it)."""
    return (f"the rows of {labels} and {preds} are in another order: their column {column!r} holds the same values "
            f"in both files, in another order ({x!r} in one, {y!r} in the other), so pairing the rows by position "
            "would pair different rows")


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
    """An index column as int64, or ``None`` when a value is not a whole number within int64 (datetimes and
    durations are their int64 ticks; a text only as :func:`_whole_number` reads it)."""
    col = np.asarray(col)
    if col.dtype.kind in "OUS":
        numbers = []
        for key in _texts(col):
            if (number := _whole_number(key)) is None:
                return None  # (at the first text that spells none)
            numbers.append(number)
        return np.array(numbers, dtype=np.int64)
    if col.dtype.kind in "Mm":
        return np.ascontiguousarray(col).view(np.int64)
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


#: a whole number as :func:`_texts` spells one (``str(int)``): no sign but minus, no leading zero, no ``-0``
_WHOLE = re.compile(r"-?[1-9][0-9]{0,18}|0")


def _whole_number(key: str) -> int | None:
    """The whole number a text spells (within int64), else ``None``: ``12`` is 12, ``012``, ``+12``, ``12.0``
    and ``1e3`` are texts (as the row-by-row check compares them)."""
    if _WHOLE.fullmatch(key):
        value = int(key)
        if -(2**63) <= value < 2**63:
            return value
    return None


#: texts longer than this many characters are hashed one by one (blake2b) before the vector hash, so that one
#: long value does not widen a whole chunk's array of fixed-width texts
_LONG_TEXT = 64


def _texts(col: np.ndarray) -> list[str]:
    """An index column's values as text, as the row-by-row check compares them."""
    return id_keys(np.asarray(col))


def _text_hashes(keys: list[str]) -> np.ndarray:
    """A 64-bit hash of each text (the same in every process: not Python's salted ``hash``), computed on the
    texts as fixed-width UTF-32 words, one splitmix64 round per word of the value (from its length)."""
    if keys and max(map(len, keys)) > _LONG_TEXT:
        import hashlib

        keys = [k if len(k) <= _LONG_TEXT else
                "\x00" + hashlib.blake2b(k.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()
                for k in keys]
    n = len(keys)
    text = np.array(keys, dtype=str) if n else np.zeros(0, dtype="U1")
    width = max(1, text.dtype.itemsize // 4)  # code points per value, padded with zeros
    units = text.view(np.uint32).reshape(n, width) if n else np.zeros((0, 2), dtype=np.uint32)
    if units.shape[1] % 2:
        units = np.concatenate([units, np.zeros((n, 1), dtype=np.uint32)], axis=1)
    words = np.ascontiguousarray(units).view(np.uint64)
    length = np.strings.str_len(text).astype(np.uint64)
    used = (length + np.uint64(1)) // np.uint64(2)  # a value's own words: the zeros that pad it are left out,
    h = length  # so that its hash does not depend on the longest value of its chunk
    for j in range(words.shape[1]):
        h = np.where(used > j, _mix(h ^ words[:, j], _SEEDS[j % 2]), h)
    return h


def _value_hashes(keys: list[str]) -> np.ndarray:
    """The 64-bit word that stands for each value of an index watched as texts: the number itself for a text
    that spells a whole number (as an index of whole numbers is summed), else :func:`_text_hashes`."""
    h = _text_hashes(keys)
    for i, key in enumerate(keys):
        if key[:1].isdigit() or key[:1] == "-":
            number = _whole_number(key)
            if number is not None:
                h[i] = np.int64(number).view(np.uint64)
    return h


def _shown_text(col: np.ndarray, key: str) -> Any:
    """A value of an index watched as texts for a message: a whole number of a column of numbers as a number
    (as :func:`_shown` gives it), else the text."""
    if np.asarray(col).dtype.kind in "iuf":
        number = _whole_number(key)
        if number is not None:
            return number
    return key


def _shown(col: np.ndarray, ticks: np.ndarray, i: int) -> Any:
    """Row ``i`` of an index for a message: a whole number, or a datetime as written (not its ticks)."""
    col = np.asarray(col)
    if col.dtype.kind in "OUS":  # a text that spells a whole number: as written
        return _texts(col[i:i + 1])[0]
    return str(col[i]) if col.dtype.kind in "Mm" else int(ticks[i])


#: the rows of an index of whole numbers looked at for values that repeat (batches numbered from 0 each), once
_REPEAT_ROWS = 1 << 16


def _repeats(hashes: np.ndarray) -> bool:
    """Does a value come twice (its hash, sorted next to itself)?"""
    ordered = np.sort(hashes)
    return bool((ordered[1:] == ordered[:-1]).any())


class IndexWatch:
    """Fed each chunk's two index columns in step; :meth:`shuffled` says at the end whether the files hold the
    same row numbers in another order."""

    def __init__(self) -> None:
        #: off when a part's watch that was off is merged in (a state of an older version)
        self.active = True
        #: whether the indexes are watched as texts (dates, names) since a chunk held a value that is not a whole
        #: number (``None`` before the first chunk); both ways sum a whole number alike
        self.texts: bool | None = None
        #: the first row (0-based, of the stream) where the indexes differ, and the two values there
        self.first: tuple[int, Any, Any] | None = None
        #: rows seen
        self.rows = 0
        #: whether a value came twice in a chunk holding rows where the indexes differ (a group, not a key: no
        #: join on it)
        self.repeats = False
        self._sums = np.zeros((2, len(_SEEDS)), dtype=np.uint64)

    def update(self, labels_index: np.ndarray, preds_index: np.ndarray, rows: np.ndarray) -> None:
        self.rows += len(rows)
        if not self.active or not len(rows) or _same(labels_index, preds_index):
            return  # (rows of equal values add the same to both sums: a chunk that agrees adds nothing)
        if self.texts:
            self._update_texts(labels_index, preds_index, rows)
            return
        a, b = _as_integers(labels_index), _as_integers(preds_index)
        self.texts = a is None or b is None
        if self.texts:
            self._update_texts(labels_index, preds_index, rows)
            return
        self._note_first(a, b, lambda i: (int(rows[i]), _shown(labels_index, a, i), _shown(preds_index, b, i)))
        self._add(a, b)

    def _update_texts(self, labels_index: np.ndarray, preds_index: np.ndarray, rows: np.ndarray) -> None:
        """A chunk of an index of texts: the rows whose values differ hashed (rows of equal values add the
        same to both sums)."""
        la, lb = np.asarray(labels_index), np.asarray(preds_index)
        equal = la == lb if la.shape == lb.shape else False
        differ = np.flatnonzero(~np.asarray(equal, dtype=bool)) if np.ndim(equal) else np.arange(len(rows))
        if not differ.size:
            return
        ka, kb = _texts(la[differ]), _texts(lb[differ])
        a, b = _value_hashes(ka), _value_hashes(kb)
        if not self.repeats:  # the whole chunk's values: two rows swapped differ in values that repeat elsewhere
            whole = differ.size == len(la)
            self.repeats = any(_repeats(h if whole else _value_hashes(_texts(col)))
                               for h, col in ((a, la), (b, lb)))
        self._note_first(a, b, lambda i: (int(rows[differ[i]]), _shown_text(la, ka[i]), _shown_text(lb, kb[i])))
        self._add(a.view(np.int64), b.view(np.int64))

    def _note_first(self, a: np.ndarray, b: np.ndarray, first: Callable[[int], tuple[int, Any, Any]]) -> None:
        """Keep, once, ``first(i)`` (the row and the two values) of the first position where a and b differ;
        for whole numbers, whether that chunk's values repeat (its first rows: batches numbered from 0 each)."""
        if self.first is None:
            differ = np.flatnonzero(a != b)
            if differ.size:
                self.first = first(int(differ[0]))
                if a.dtype.kind == "i" and not self.repeats:
                    self.repeats = _repeats(a[:_REPEAT_ROWS]) or _repeats(b[:_REPEAT_ROWS])

    def _add(self, a: np.ndarray, b: np.ndarray) -> None:
        for k, values in enumerate((a, b)):
            self._sums[k] += _sums(values)

    def to_data(self) -> dict:
        """The watch as plain data (for a Dask partition's result)."""
        return {"active": self.active, "texts": self.texts, "first": self.first, "rows": self.rows,
                "sums": self._sums.tolist(), "repeats": self.repeats}

    def merge(self, data: dict) -> None:
        """Fold in another part's watch (:meth:`to_data`): sums add modulo 2⁶⁴, the earliest difference wins."""
        self.active = self.active and data["active"]
        texts = data.get("texts")
        if texts is not None:  # parts watched as whole numbers and as texts sum a whole number alike
            self.texts = bool(self.texts) or texts
        self.rows += data["rows"]
        self.repeats = self.repeats or bool(data.get("repeats"))
        self._sums += np.array(data["sums"], dtype=np.uint64)
        first = data["first"]
        if first is not None and (self.first is None or first[0] < self.first[0]):
            self.first = tuple(first)  # type: ignore[assignment]

    def agreed(self) -> bool:
        """Whether the two columns were read and agreed on every row (for a column whose values are there once:
        the files' order is proven)."""
        return self.first is None and self.rows > 0

    def shuffled(self) -> tuple[int, Any, Any] | None:
        """(row, labels' index, predictions' index) at the first row where they differ, when both files hold
        the same row numbers (or, each once, the same texts) in another order; else ``None``."""
        if self.active and self.first is not None and bool((self._sums[0] == self._sums[1]).all()):
            return self.first
        return None


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two chunks of numbers, datetimes or durations hold the same values row by row (one comparison,
    before any value is converted or hashed; missing values alike); ``False`` for texts (compared as written,
    row by row, by the watch of texts)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.shape != b.shape or a.dtype != b.dtype or a.dtype.kind not in "iufMm":
        return False
    if a.dtype.kind in "Mm":
        a, b = a.view(np.int64), b.view(np.int64)
    equal = a == b
    if equal.all():
        return True
    return a.dtype.kind == "f" and bool((equal | (np.isnan(a) & np.isnan(b))).all())


def _sums(values: np.ndarray) -> np.ndarray:
    """The fingerprint sums of whole numbers, one per seed (wrapping modulo 2⁶⁴)."""
    return np.array([_mix(values, seed).sum(dtype=np.uint64) for seed in _SEEDS], dtype=np.uint64)


def update_row_numbers(watches: list[IndexWatch], starts: list[int], preds_index: np.ndarray,
                       rows: np.ndarray) -> None:
    """Feed watches of the labels' row numbers counted from several starts (``start + row``: pandas' from 0,
    R's from 1) against one column of the predictions, as ``watch.update(start + rows, preds_index, rows)``
    for each would, at about the cost of one: the predictions' sums are taken once, and each numbering's sum
    from the first's (the rows of consecutive numbers shift by a few at either end)."""
    n = len(rows)
    b = _as_integers(preds_index) if n and all(w.active and not w.texts for w in watches) else None
    if b is None or int(rows[-1]) - int(rows[0]) != n - 1:
        for watch, start in zip(watches, starts, strict=True):
            watch.update(start + rows, preds_index, rows)
        return
    base = min(starts)  # every other start a shift up from it
    first = int(rows[0]) + base
    theirs, ours = _sums(b), _sums(np.arange(first, first + n, dtype=np.int64))
    for watch, start in zip(watches, starts, strict=True):
        shift = start - base
        if 0 < shift < n:  # Σ mix over [first + shift, first + n + shift): drop the head, add the tail
            head = np.arange(first, first + shift, dtype=np.int64)
            tail = np.arange(first + n, first + n + shift, dtype=np.int64)
            sums = ours - _sums(head) + _sums(tail)
        else:
            sums = ours if shift == 0 else _sums(np.arange(first + shift, first + n + shift, dtype=np.int64))
        watch.rows += n
        watch.texts = False
        if watch.first is None:
            a = rows + start
            watch._note_first(a, b, lambda i, a=a: (int(rows[i]), int(a[i]), int(b[i])))
        watch._sums[0] += sums
        watch._sums[1] += theirs

