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

from losscli.errors import UsageError
from losscli.quality.taps import WeightTap
from losscli.values import finite_or_none as _num


class SliceSums:
    """Running (count, Σv, Σden) per slice, slices numbered 0..k-1 and growing as they appear.

    A slice is *present* once a row of it has been read, counted or not: a slice whose every row was ignored
    (``--ignore-index``) or dropped (``--nan skip``) is reported with n = 0 and an undefined mean, as a slice
    whose weights sum to 0 is, rather than left out (where a per-slice gate would not see it)."""

    def __init__(self) -> None:
        self.count = np.zeros(0, dtype=np.int64)
        self.vsum = np.zeros(0)
        self.dsum = np.zeros(0)
        self.present = np.zeros(0, dtype=bool)

    def grow(self, k: int) -> None:
        """Make room for slices 0..k-1."""
        if k > self.count.size:
            grow = k - self.count.size
            self.count = np.concatenate([self.count, np.zeros(grow, dtype=np.int64)])
            self.vsum = np.concatenate([self.vsum, np.zeros(grow)])
            self.dsum = np.concatenate([self.dsum, np.zeros(grow)])
            self.present = np.concatenate([self.present, np.zeros(grow, dtype=bool)])

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
        self.grow(int(slot.max()) + 1 if slot.size else 0)
        size = self.count.size
        c = np.ones(slot.size, dtype=bool) if counted is None else counted
        self.count += np.bincount(slot[c], minlength=size)
        self.vsum += np.bincount(slot, weights=values, minlength=size)
        self.dsum += np.bincount(slot, weights=den, minlength=size)
        self.present[slot if valid is None else slot[valid]] = True

    def rows(self, names: list[str], outputs: int, total: float, key: str) -> list[dict[str, Any]]:
        out = []
        for j, name in enumerate(names):
            if j >= self.count.size or not self.present[j]:
                continue
            den = self.dsum[j] * outputs
            mean = self.vsum[j] / den if den and self.count[j] else math.nan
            out.append(
                {
                    key: name,
                    "n": int(self.count[j]),
                    "mean": _num(mean),
                    "sum": _num(float(self.vsum[j])),
                    "share": _num(float(self.vsum[j]) / total) if total else None,
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

    def __init__(self, spec: Any, tap: WeightTap, rule: str, class_names: dict[int, str] | None = None) -> None:
        if spec.label_kind == "real":
            raise UsageError(f"--by-class needs class labels; {spec.name} takes real-valued targets")
        super().__init__(tap, rule)
        self.kind = spec.label_kind
        self.names = class_names or {}

    def true_class(self, y: np.ndarray) -> np.ndarray:
        """Each row's true class (0 for a label that is no class: the ignore index, NaN)."""
        return self.classes(y)[0]

    def classes(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """Each row's true class and, for class indices, which rows hold one (``None``: all do); a row whose
        label is no class (the ignore index -100, NaN) is put in class 0, where it counts for nothing."""
        y = np.asarray(y)
        if y.ndim == 2 and (self.kind == "distribution" or (self.kind == "class_index" and y.shape[1] > 1)):
            # one-hot rows (a sparse loss takes them too, as when it is evaluated beside cce): their argmax
            return np.argmax(y, axis=1).astype(np.int64), None
        if y.ndim == 2:
            if y.shape[1] != 1:
                raise UsageError("--by-class needs one label per sample (not multi-label columns)")
            y = y[:, 0]
        y = y.astype(np.float64)
        if self.kind in ("binary", "sign"):
            return ((y >= 0.5) if self.kind == "binary" else (y > 0)).astype(np.int64), np.isfinite(y)
        valid = np.isfinite(y) & (y >= 0)
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
