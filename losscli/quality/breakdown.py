"""Per-class and per-group breakdowns of a loss, collected while streaming (bounded memory).

Each slice keeps running sums — counted samples, Σ per-sample values, Σ denominators of the convention's
mean — so its mean is the same ratio the overall mean is (losscli: Σw·l/Σw), restricted to the slice.
A class's share is its part of the total loss, Σv_class / Σv.

* by class: the true class of each sample — the class index for sparse labels, the argmax of one-hot or
  soft label rows, the 0/1 label (≥ 0.5) for binary labels;
* by group: the value of a column carried along with the predictions (``InputOptions.extra_cols``).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.chunking import BLOCK
from losscli.engine.exact_sum import ExactSum
from losscli.errors import ReadError, UsageError
from losscli.quality.taps import WeightTap
from losscli.values import finite_or_none as _num


class SliceSums:
    """Running (count, Σv, Σden) per slice, slices numbered 0..k-1 and growing as they appear.

    The sums are taken over fixed blocks of :data:`~losscli.chunking.BLOCK` rows of the stream (a block's rows
    added in their order, per slice) and the block sums added into a double-double running sum per slice
    (TwoSum, vectorised over the slices), as the accumulator sums the whole: their bits do not depend on how
    the rows come in chunks, and shards whose sizes are multiples of a block merge to one pass's bits.

    A slice is *present* once a row of it has been read, counted or not: a slice whose every row was ignored
    (``--ignore-index``) or dropped (``--nan skip``) is reported with n = 0 and an undefined mean, as a slice
    whose weights sum to 0 is, rather than left out (where a per-slice gate would not see it)."""

    def __init__(self) -> None:
        self.count = np.zeros(0, dtype=np.int64)
        self.present = np.zeros(0, dtype=bool)
        #: per slice, the high and low parts of Σv (row 0) and Σden (row 1) over the blocks completed
        self._hi = np.zeros((2, 0))
        self._lo = np.zeros((2, 0))
        #: the rows of the block being filled: (slot, values, den) pieces, and how many rows they hold
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        self._pending_rows = 0

    def grow(self, k: int) -> None:
        """Make room for slices 0..k-1."""
        if k > self.count.size:
            grow = k - self.count.size
            self.count = np.concatenate([self.count, np.zeros(grow, dtype=np.int64)])
            self.present = np.concatenate([self.present, np.zeros(grow, dtype=bool)])
            self._hi = np.concatenate([self._hi, np.zeros((2, grow))], axis=1)
            self._lo = np.concatenate([self._lo, np.zeros((2, grow))], axis=1)

    def touch(self, slots: np.ndarray) -> None:
        """Mark slices as present without adding to their sums (rows dropped before the evaluation)."""
        slots = np.asarray(slots, dtype=np.int64)
        if slots.size:
            self.grow(int(slots.max()) + 1)
            self.present[slots] = True

    def add(self, slot: np.ndarray, values: np.ndarray, den: np.ndarray, counted: np.ndarray | None,
            valid: np.ndarray | None = None) -> None:
        """Add one batch; ``valid`` masks the rows that belong to a slice at all (a class label that is the
        ignore index, -100, is none: its row is in slot 0 with nothing counted)."""
        slot = np.asarray(slot, dtype=np.int64)
        self.grow(int(slot.max()) + 1 if slot.size else 0)
        c = np.ones(slot.size, dtype=bool) if counted is None else counted
        self.count += np.bincount(slot[c], minlength=self.count.size)
        self.present[slot if valid is None else slot[valid]] = True
        if not slot.size:
            return
        self._pending.append((slot, np.asarray(values, dtype=np.float64).reshape(-1),
                              np.asarray(den, dtype=np.float64).reshape(-1)))
        self._pending_rows += slot.size
        if self._pending_rows < BLOCK:
            return
        slots, vals, dens = self._joined_pending()
        full = slots.size - slots.size % BLOCK
        for start in range(0, full, BLOCK):
            block = slice(start, start + BLOCK)
            self._hi, self._lo = _dd_add(self._hi, self._lo, self._block_sums(slots[block], vals[block],
                                                                            dens[block]))
        # (copies: a view would keep the whole chunk in memory)
        self._pending = [(slots[full:].copy(), vals[full:].copy(), dens[full:].copy())] if full < slots.size else []
        self._pending_rows = slots.size - full

    def _block_sums(self, slots: np.ndarray, vals: np.ndarray, dens: np.ndarray) -> np.ndarray:
        """Σv and Σden per slice of one block's rows, added in their order."""
        size = self.count.size
        return np.stack([np.bincount(slots, weights=vals, minlength=size),
                         np.bincount(slots, weights=dens, minlength=size)])

    def parts(self) -> tuple[np.ndarray, np.ndarray]:
        """(high, low) parts of every slice's Σv (row 0) and Σden (row 1) so far, the block being filled
        included (it stays pending: more rows may come)."""
        if not self._pending:
            return self._hi, self._lo
        return _dd_add(self._hi, self._lo, self._block_sums(*self._joined_pending()))

    def _joined_pending(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The slots, values and denominators of the rows pending, each as one array."""
        slots, vals, dens = (np.concatenate(part) for part in zip(*self._pending, strict=True))
        return slots, vals, dens

    def totals(self) -> tuple[np.ndarray, np.ndarray]:
        """(Σv, Σden) of every slice so far, rounded once."""
        total = _rounded(*self.parts())
        return total[0], total[1]

    def set_totals(self, vsum: list[float], dsum: list[float]) -> None:
        """Start from these sums of every slice (merged shards')."""
        self._hi = np.array([vsum, dsum], dtype=np.float64).reshape(2, -1)
        self._lo = np.zeros_like(self._hi)
        self._pending, self._pending_rows = [], 0

    def rows(self, names: list[str], outputs: int, total: float, key: str) -> list[dict[str, Any]]:
        out = []
        vsum, dsum = self.totals()
        for j, name in enumerate(names):
            if j >= self.count.size or not self.present[j]:
                continue
            den = dsum[j] * outputs
            mean = vsum[j] / den if den and self.count[j] else math.nan
            out.append(
                {
                    key: name,
                    "n": int(self.count[j]),
                    "mean": _num(mean),
                    "sum": _num(float(vsum[j])),
                    "share": _num(float(vsum[j]) / total) if total else None,
                }
            )
        return out


class _Sliced:
    def __init__(self, tap: WeightTap, rule: str) -> None:
        self.tap = tap
        self.rule = rule  # the convention's mean rule: weighted_mean, mean_over_n or mean_over_elements
        self.sums = SliceSums()

    def _feed(self, slot: np.ndarray, values: np.ndarray, valid: np.ndarray | None = None) -> None:
        w, c, n = self.tap.last
        if n != values.shape[0]:  # pragma: no cover - the evaluator feeds its accumulator once per batch
            raise RuntimeError("breakdown out of step with the evaluator")
        den = self.tap.last_denominators("weighted_mean" if self.rule == "weighted_mean" else "mean_over_n")
        self.sums.add(slot, np.asarray(values, dtype=np.float64), den, c, valid)

    def factor(self, outputs: int) -> int:
        return outputs if self.rule == "mean_over_elements" else 1


class ClassBreakdown(_Sliced):
    """Mean loss, count and share of the total loss per true class."""

    def __init__(self, spec: Any, tap: WeightTap, rule: str, class_names: dict[int, str] | None = None,
                 ignore_index: int | None = None) -> None:
        if spec.label_kind == "real":
            raise UsageError(f"--by-class needs class labels; {spec.name} takes real-valued targets")
        super().__init__(tap, rule)
        self.kind = spec.label_kind
        self.names = class_names or {}
        #: the loss's ignore index: a label holding it is no class, even where it is one of the classes (its rows
        #: are left out on purpose, so the class has no sample to report or gate)
        self.ignore_index = ignore_index

    def true_class(self, y: np.ndarray) -> np.ndarray:
        """Each row's true class (0 for a label that is no class: the ignore index, NaN)."""
        return self.classes(y)[0]

    def classes(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Each row's true class and, for class indices, which rows hold one (``None``: all do); a row whose
        label is no class (the ignore index, NaN) is put in class 0, where it counts for nothing."""
        y = np.asarray(y)
        if y.ndim == 2 and (self.kind == "distribution" or (self.kind == "class_index" and y.shape[1] > 1)):
            # one-hot rows (a sparse loss takes them too, as when it is evaluated beside cce): their argmax,
            # which the loss's ignore index leaves out as it does a label column's
            out = np.argmax(y, axis=1).astype(np.int64)
            if self.ignore_index is None:
                return out, None
            valid = out != self.ignore_index
            return np.where(valid, out, 0), valid
        if y.ndim == 2:
            if y.shape[1] != 1:
                raise UsageError("--by-class needs one label per sample (not multi-label columns)")
            y = y[:, 0]
        y = y.astype(np.float64)
        if self.kind in ("binary", "sign"):
            return ((y >= 0.5) if self.kind == "binary" else (y > 0)).astype(np.int64), np.isfinite(y)
        valid = np.isfinite(y) & (y >= 0)
        if self.ignore_index is not None:
            valid &= y != self.ignore_index
        out = np.where(valid, y, 0).astype(np.int64)
        return out, valid

    def __call__(self, batch: Any, values: np.ndarray, offset: int) -> None:
        slot, valid = self.classes(batch.y_true)
        self._feed(slot, values, valid)

    def dropped(self, y_true: np.ndarray, extra: dict[str, np.ndarray]) -> None:
        """Rows dropped before the evaluation (``--nan skip``): their classes are present, with no sample."""
        slot, valid = self.classes(y_true)
        self.sums.touch(slot if valid is None else slot[valid])

    def result(self, outputs: int, total: float) -> list[dict[str, Any]]:
        size = self.sums.count.size
        names = ["-1", "+1"] if self.kind == "sign" else [self.names.get(j, str(j)) for j in range(size)]
        return self.sums.rows(names, self.factor(outputs), total, "class")


class GroupBreakdown(_Sliced):
    """Mean loss and count per value of a group column; bounded by the number of distinct groups.

    ``counts`` names per-row counts riding along with the batch (``words``, ``bytes``), summed per group over
    the counted rows (exactly, as integers) and reported in each group's row."""

    def __init__(self, tap: WeightTap, rule: str, column: str, counts: tuple[str, ...] = ()) -> None:
        super().__init__(tap, rule)
        self.column = column
        self.index: dict[str, int] = {}
        self.counts = counts
        self.count_sums: dict[str, list[int]] = {name: [] for name in counts}

    def __call__(self, batch: Any, values: np.ndarray, offset: int) -> None:
        col = batch.extra.get("group")
        if col is None:  # pragma: no cover - the plan always carries it when asked
            raise RuntimeError("the group column did not ride along with the batch")
        keys, inverse = np.unique(_group_keys(np.asarray(col)), return_inverse=True)
        slots = np.array([self.index.setdefault(str(k), len(self.index)) for k in keys.tolist()], dtype=np.int64)
        slot = slots[inverse.reshape(-1)]
        self._feed(slot, values)
        if self.counts:
            self._add_counts(batch, slot)

    def dropped(self, y_true: np.ndarray, extra: dict[str, np.ndarray]) -> None:
        """Rows dropped before the evaluation (``--nan skip``): their groups are present, with no sample."""
        col = extra.get("group")
        if col is None or not len(col):
            return
        keys = np.unique(_group_keys(np.asarray(col)))
        self.sums.touch(np.array([self.index.setdefault(str(k), len(self.index)) for k in keys.tolist()],
                                 dtype=np.int64))

    def _add_counts(self, batch: Any, slot: np.ndarray) -> None:
        """Per group, Σ count over the counted rows (the evaluator already checked the counts)."""
        _, c, _ = self.tap.last
        keep = np.ones(slot.size, dtype=bool) if c is None else c
        for name in self.counts:
            sums = self.count_sums[name]
            sums.extend([0] * (len(self.index) - len(sums)))
            per = np.zeros(len(self.index), dtype=np.int64)
            np.add.at(per, slot[keep], np.asarray(batch.extra[name], dtype=np.float64)[keep].astype(np.int64))
            for j in np.flatnonzero(per).tolist():
                sums[j] += int(per[j])

    def result(self, outputs: int, total: float) -> list[dict[str, Any]]:
        names = [None] * len(self.index)
        for k, j in self.index.items():
            names[j] = k
        rows = self.sums.rows(names, self.factor(outputs), total, "group")  # type: ignore[arg-type]
        if self.counts:
            for row in rows:
                j = self.index[row["group"]]
                for name in self.counts:
                    sums = self.count_sums[name]
                    row[name] = sums[j] if j < len(sums) else 0
        rows.sort(key=lambda r: r["group"])
        return rows


#: the group of the rows whose group cell is missing (empty, NaN)
MISSING_GROUP = "(missing)"


def _dd_add(hi: np.ndarray, lo: np.ndarray, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Double-double running sums (hi, lo) plus ``x``, elementwise: Knuth's TwoSum carries the rounding error
    of hi + x into lo."""
    with np.errstate(invalid="ignore", over="ignore"):
        s = hi + x
        b = s - hi
        err = (hi - (s - b)) + (x - b)
    return s, lo + np.where(np.isfinite(err), err, 0.0)


def _rounded(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Double-double sums rounded once (an infinite or NaN high part as it is)."""
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(hi), hi + lo, hi)


def _group_keys(col: np.ndarray) -> np.ndarray:
    """Group values as strings: integral floats without '.0', missing values as ``(missing)``; a cell that
    holds the text ``(missing)`` itself is another group, shown quoted (``"(missing)"``)."""
    if col.dtype.kind == "f":
        out = np.empty(col.shape[0], dtype=object)
        finite = np.isfinite(col)
        integral = finite & (col == np.round(col))
        out[integral] = [str(int(v)) for v in col[integral].tolist()]
        other = finite & ~integral
        out[other] = [repr(v) for v in col[other].tolist()]
        out[~finite] = MISSING_GROUP
        return out.astype(str)
    if col.dtype.kind in "iub":
        return col.astype(str)
    text = np.array(["" if v is None else str(v).strip() for v in col.tolist()], dtype=object)
    text[text == MISSING_GROUP] = f'"{MISSING_GROUP}"'
    text[text == ""] = MISSING_GROUP
    return text.astype(str)


def worst(rows: list[dict[str, Any]], higher_is_better: bool) -> dict[str, Any] | None:
    """The slice with the worst mean (highest for a loss)."""
    scored = [r for r in rows if r["mean"] is not None]
    if not scored:
        return None
    pick = min if higher_is_better else max
    return pick(scored, key=lambda r: r["mean"])


# ------------------------------------------------------------------------------- shard states and merge

#: the sections of a shard's state that hold slices (``eval --state-out`` with --by-class / --group-col)
SLICE_SECTIONS = ("by_class", "by_group")


def slice_state(sums: SliceSums, keys: list[str], rule: str) -> dict[str, Any]:
    """The running sums of the present slices, by name, as a state file keeps them (floats in hex)."""
    keep = [j for j in range(min(len(keys), sums.count.size)) if sums.present[j]]
    hi, lo = sums.parts()  # (the block being filled summed once)
    vsum, dsum = _rounded(hi, lo)
    return {
        "rule": rule,
        "slices": [keys[j] for j in keep],
        "n": [int(sums.count[j]) for j in keep],
        "sum": [float(vsum[j]).hex() for j in keep],
        "den": [float(dsum[j]).hex() for j in keep],
        # the double-double parts, added exactly by merge: shards of whole blocks give one pass's bits
        "sum_partials": [[float(hi[0, j]).hex(), float(lo[0, j]).hex()] for j in keep],
        "den_partials": [[float(hi[1, j]).hex(), float(lo[1, j]).hex()] for j in keep],
    }


def class_state(breakdown: ClassBreakdown) -> dict[str, Any]:
    """A :class:`ClassBreakdown`'s state: its slices are the class indices (their names beside them)."""
    size = breakdown.sums.count.size
    state = slice_state(breakdown.sums, [str(j) for j in range(size)], breakdown.rule)
    return {"kind": breakdown.kind, **state,
            "names": ["-1", "+1"][:size] if breakdown.kind == "sign" else [breakdown.names.get(j, str(j))
                                                                             for j in range(size)]}


def group_state(breakdown: GroupBreakdown) -> dict[str, Any]:
    """A :class:`GroupBreakdown`'s state: its slices are the group names, with their per-row count sums."""
    keys = [""] * len(breakdown.index)
    for k, j in breakdown.index.items():
        keys[j] = k
    breakdown.sums.grow(len(keys))
    state = slice_state(breakdown.sums, keys, breakdown.rule)
    present = [j for j in range(len(keys)) if breakdown.sums.present[j]]
    counts = {name: [int(sums[j]) if j < len(sums) else 0 for j in present]
              for name, sums in breakdown.count_sums.items()}
    return {"column": breakdown.column, **state, **({"counts": counts} if counts else {})}


class MergedSlices:
    """The slices of several shards' states, summed by name: a class by its index, a group by its value."""

    def __init__(self, section: str, first: dict[str, Any]) -> None:
        self.section = section
        self.rule = first.get("rule")
        self.kind = first.get("kind")
        self.column = first.get("column")
        self.order: list[str] = []
        self.names: dict[str, str] = {}
        self.n: dict[str, int] = {}
        #: each slice's exact sums of values and of denominators (a shard's partials, else its rounded sum)
        self.sum: dict[str, ExactSum] = {}
        self.den: dict[str, ExactSum] = {}
        self.counts: dict[str, dict[str, int]] = {k: {} for k in (first.get("counts") or {})}

    def differs(self, state: dict[str, Any]) -> str | None:
        """Why ``state`` cannot be added to these slices (another column, rule or kind of class), or None."""
        for key in ("column", "rule", "kind"):
            if state.get(key) != getattr(self, key):
                return f"its {key} is {state.get(key)!r}, not {getattr(self, key)!r}"
        if set(state.get("counts") or {}) != set(self.counts):
            return "it sums other per-row counts"
        names = state.get("names") if self.section == "by_class" else None
        for key, name in self.names.items():
            if isinstance(names, list) and int(key) < len(names) and str(names[int(key)]) != name:
                return f"its class {key} is {names[int(key)]!r}, not {name!r}"
        return None

    def add(self, state: dict[str, Any], where: str) -> None:
        """Add one shard's slices (checked: lists of one length, counts ≥ 0, floats in hex)."""
        slices, n, sums, dens = (state.get(k) for k in ("slices", "n", "sum", "den"))
        lists = [slices, n, sums, dens]
        if not all(isinstance(x, list) for x in lists) or len({len(x) for x in lists}) != 1:  # type: ignore[arg-type]
            raise ReadError(f"{where}: its {self.section} section is damaged (its lists differ in length)",
                            hint="write it again with `losscli eval ... --state-out`")
        names = state.get("names") if self.section == "by_class" else None
        counts = state.get("counts") or {}
        exact = [state.get("sum_partials"), state.get("den_partials")]
        if not all(isinstance(x, list) and len(x) == len(slices) for x in exact):  # type: ignore[arg-type]
            exact = [None, None]  # a state of an older version: its rounded sums
        for i, key in enumerate(slices):  # type: ignore[arg-type]
            try:
                count = int(n[i])  # type: ignore[index]
                total, den = (
                    [float.fromhex(x) for x in partials[i]] if partials is not None else [float.fromhex(rounded[i])]
                    for partials, rounded in zip(exact, (sums, dens), strict=True))  # type: ignore[index]
                extra = {name: int(counts[name][i]) for name in self.counts}
            except (TypeError, ValueError, IndexError, KeyError, OverflowError):
                raise ReadError(f"{where}: its {self.section} section is damaged (slice {key!r})",
                                hint="write it again with `losscli eval ... --state-out`") from None
            whole = isinstance(n[i], int) and not isinstance(n[i], bool)  # type: ignore[index]
            named = isinstance(key, str) and (self.section != "by_class" or key.isdigit())
            if count < 0 or not whole or not named or not all(isinstance(v, int) and v >= 0 for v in extra.values()):
                raise ReadError(f"{where}: its {self.section} section is damaged (slice {key!r})",
                                hint="write it again with `losscli eval ... --state-out`")
            if key not in self.n:
                self.order.append(key)
                self.n[key], self.sum[key], self.den[key] = 0, ExactSum(), ExactSum()
            self.n[key] += count
            for x in total:
                self.sum[key].add(x)
            for x in den:
                self.den[key].add(x)
            for name, value in extra.items():
                self.counts[name][key] = self.counts[name].get(key, 0) + value
            if isinstance(names, list) and key.isdigit() and int(key) < len(names):
                self.names.setdefault(key, str(names[int(key)]))

    def state(self) -> dict[str, Any]:
        """The merged slices as a state section (what ``merge --state-out`` writes)."""
        keys = self.ordered()
        out: dict[str, Any] = {"rule": self.rule, "slices": keys, "n": [self.n[k] for k in keys],
                               "sum": [self.sum[k].value().hex() for k in keys],
                               "den": [self.den[k].value().hex() for k in keys],
                               "sum_partials": [[x.hex() for x in self.sum[k].partials] for k in keys],
                               "den_partials": [[x.hex() for x in self.den[k].partials] for k in keys]}
        if self.section == "by_class":
            size = max((int(k) + 1 for k in keys), default=0)
            out = {"kind": self.kind, **out, "names": [self.names.get(str(j), str(j)) for j in range(size)]}
        else:
            out = {"column": self.column, **out}
            if self.counts:
                out["counts"] = {name: [per.get(k, 0) for k in keys] for name, per in self.counts.items()}
        return out

    def ordered(self) -> list[str]:
        return sorted(self.order, key=int) if self.section == "by_class" else list(self.order)

    def rows(self, outputs: int, total: float) -> list[dict[str, Any]]:
        """The report's rows, as :class:`SliceSums` makes them in one pass."""
        keys = self.ordered()
        sums = SliceSums()
        sums.grow(len(keys))
        sums.count[:] = [self.n[k] for k in keys]
        sums.set_totals([self.sum[k].value() for k in keys], [self.den[k].value() for k in keys])
        sums.present[:] = True
        factor = outputs if self.rule == "mean_over_elements" else 1
        if self.section == "by_class":
            return sums.rows([self.names.get(k, k) for k in keys], factor, total, "class")
        rows = sums.rows(keys, factor, total, "group")
        for row in rows:
            for name, per in self.counts.items():
                row[name] = per.get(row["group"], 0)
        rows.sort(key=lambda r: r["group"])
        return rows


def merge_slice_sections(section: str, shards: list[tuple[str, dict[str, Any] | None]]
                         ) -> tuple[MergedSlices | None, str | None]:
    """The slices of ``section`` summed over every shard's state, or (None, why not) when a shard has none
    or has others (grouped by another column); why not is a warning that says what to do instead."""
    option = "--by-class" if section == "by_class" else "--group-col"
    held = [(path, state) for path, state in shards if state is not None]
    if not held:
        return None, None
    missing = [path for path, state in shards if state is None]
    if missing:
        return None, (f"merge gives no {section}: {len(missing)} of {len(shards)} states hold none "
                      f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''}), so the merged slices would "
                      f"leave out their rows; write every shard's state with {option}")
    merged = MergedSlices(section, held[0][1])  # type: ignore[arg-type]
    for path, state in held:
        why = merged.differs(state)  # type: ignore[arg-type]
        if why is not None:
            return None, (f"merge gives no {section}: the state {path} does not match {held[0][0]}'s ({why}); "
                          f"write every shard's state with the same {option}")
        merged.add(state, path)  # type: ignore[arg-type]
    return merged, None
