"""Pipeline taps: what quality gates need from a streaming evaluation, collected as it runs.

* :class:`WeightTap` — a chunk listener of an :class:`~losscli.engine.evaluator.Evaluator` that sees each chunk's
  normalising weights (sample weight × class weight) and counted mask, which a reduction divides by.
* :class:`LabelHasher` — a pipeline observer computing the SHA-256 of the labels (and sample weights) as
  read, in a canonical form: float64 little-endian bytes, in label-file order.
* :class:`RowTap` — a pipeline observer keeping each sample's label-file row and id (for pairing two runs).

Per-sample "numerators" and "denominators" of a reduction rule (:func:`rule_parts`) let a ratio be
recomputed on any subset or resample: value = Σ num / Σ den.
"""

from __future__ import annotations

from dataclasses import field
from typing import Any

import numpy as np

from losscli.records import record


@record
class WeightTap:
    """Records the normalising weights and counted mask of every chunk an evaluator accumulates."""

    keep: bool = False
    last: tuple[np.ndarray | None, np.ndarray | None, int] = (None, None, 0)
    _weights: list[np.ndarray | None] = field(default_factory=list, repr=False)
    _counted: list[np.ndarray | None] = field(default_factory=list, repr=False)
    _lengths: list[int] = field(default_factory=list, repr=False)
    _values: list[np.ndarray] = field(default_factory=list, repr=False)

    def record(self, values: Any, weights: Any = None, counted: Any = None) -> None:
        n = int(np.shape(values)[0]) if np.ndim(values) else 0
        w = None if weights is None else np.array(weights, dtype=np.float64).reshape(-1)
        c = None if counted is None else np.array(counted, dtype=bool).reshape(-1)
        self.last = (w, c, n)
        if self.keep:
            self._values.append(np.array(values, dtype=np.float64).reshape(-1))
            self._weights.append(w)
            self._counted.append(c)
            self._lengths.append(n)

    def last_denominators(self, rule: str) -> np.ndarray:
        """Denominator contributions of the latest chunk's samples (outputs factor left out)."""
        w, c, n = self.last
        return _den(rule, w, c, n)

    def values(self) -> np.ndarray:
        """Per-sample values (w·l) of every recorded sample."""
        return np.concatenate(self._values) if self._values else np.zeros(0)

    def weights(self) -> np.ndarray | None:
        """Normalising weights of every recorded sample (None if all were 1)."""
        if all(w is None for w in self._weights):
            return None
        return np.concatenate(
            [np.ones(n) if w is None else w for w, n in zip(self._weights, self._lengths, strict=True)]
        ) if self._lengths else np.zeros(0)

    def counted(self) -> np.ndarray | None:
        """Counted mask of every recorded sample (None if all were counted)."""
        if all(c is None for c in self._counted):
            return None
        return np.concatenate(
            [np.ones(n, dtype=bool) if c is None else c for c, n in zip(self._counted, self._lengths, strict=True)]
        ) if self._lengths else np.zeros(0, dtype=bool)


def install_tap(evaluator: Any, *, keep: bool) -> WeightTap:
    """Attach a :class:`WeightTap` to a fresh evaluator (before any update)."""
    if evaluator.rows:
        raise RuntimeError("install_tap needs a fresh evaluator")
    tap = WeightTap(keep=keep)
    evaluator.chunk_listeners.append(tap.record)
    return tap


def _den(rule: str, w: np.ndarray | None, c: np.ndarray | None, n: int) -> np.ndarray:
    if rule == "weighted_mean":
        d = np.ones(n) if w is None else w.astype(np.float64, copy=True)
        if c is not None:
            d[~c] = 0.0
        return d
    return np.ones(n) if c is None else c.astype(np.float64)


def rule_parts(
    rule: str, values: np.ndarray, weights: np.ndarray | None, counted: np.ndarray | None, outputs: int
) -> tuple[np.ndarray, np.ndarray | None]:
    """Per-sample (numerator, denominator) with value = Σnum / Σden for a reduction rule.

    The denominator is None for the sum rules (the value is Σnum).
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[0]
    if rule == "sum":
        return values, None
    if rule == "sum_over_elements":
        return values * outputs, None
    den = _den(rule, weights, counted, n)
    if rule == "mean_over_elements":
        den = den * outputs
    return values, den


class LabelHasher:
    """SHA-256 of the labels (and sample weights) as read: float64 little-endian, label-file order.

    Rows aligned by order are hashed as they stream by. Rows joined by key (``--id-col`` with separate
    files) arrive in the predictions' order: each is put in a temporary file, in a bucket of
    :data:`WINDOW_ROWS` consecutive label-file rows (:class:`~losscli.spill.BucketSpill`), and at the end the
    buckets are read back one at a time, in label-file order, and hashed. Memory stays at one bucket
    whatever the number of rows.
    """

    #: label-file rows per bucket of joined rows (the most held in memory at once when hashing them)
    WINDOW_ROWS = 1 << 19

    def __init__(self, *, joined: bool = False) -> None:
        import hashlib  # only a run that writes the digest hashes

        self.joined = joined
        self._labels = hashlib.sha256()
        self._weights = hashlib.sha256()
        self._has_weights = False
        self._shape: tuple[int, ...] | None = None
        self._spill: Any = None  # joined rows: (row, labels, weight) records by window of rows
        self._any_weights = False

    def __call__(self, batch: Any, values: np.ndarray, offset: int) -> None:
        y = np.asarray(batch.y_true)
        w = None if batch.weights is None else np.asarray(batch.weights)
        if self._shape is None:
            self._shape = y.shape[1:]
            self._labels.update(f"losscli-labels:{self._shape}\n".encode())
        if self.joined:
            self._keep(np.asarray(batch.label_rows, dtype=np.int64), y, w)
            return
        self._feed(y, w)

    def _keep(self, rows: np.ndarray, y: np.ndarray, w: np.ndarray | None) -> None:
        from losscli.spill import BucketSpill

        if self._spill is None:
            width = int(np.prod(self._shape, dtype=np.int64))
            self._spill = BucketSpill(np.dtype([("row", "<i8"), ("y", "<f8", (width,)), ("w", "<f8")]))
        rec = np.empty(len(rows), dtype=self._spill.dtype)
        rec["row"] = rows
        rec["y"] = np.asarray(y, dtype="<f8").reshape(len(rows), -1)
        rec["w"] = 1.0 if w is None else np.asarray(w, dtype="<f8").reshape(-1)
        self._any_weights |= w is not None
        self._spill.add(rows // self.WINDOW_ROWS, rec)

    def _feed(self, y: np.ndarray, w: np.ndarray | None) -> None:
        # the array's own buffer, not a bytes copy of it (which would double the time of hashing)
        self._labels.update(np.ascontiguousarray(y, dtype="<f8"))
        if w is not None:
            self._has_weights = True
            self._weights.update(np.ascontiguousarray(w, dtype="<f8"))

    def digests(self) -> dict[str, str | None]:
        if self._spill is not None:
            spill, self._spill = self._spill, None
            try:
                for bucket in spill.buckets():  # windows of label-file rows, in order
                    rec = spill.read(bucket)
                    rec = rec[np.argsort(rec["row"], kind="stable")]
                    self._feed(rec["y"], rec["w"] if self._any_weights else None)
                    del rec
            finally:
                spill.close()
        if self._shape is None:
            self._labels.update(b"losscli-labels:empty\n")
            self._shape = ()
        return {
            "labels_sha256": self._labels.hexdigest(),
            "weights_sha256": self._weights.hexdigest() if self._has_weights else None,
        }


class RowTap:
    """Keeps every sample's 0-based label-file row and id (if any), for pairing two runs."""

    def __init__(self) -> None:
        self._rows: list[np.ndarray] = []
        self._ids: list[np.ndarray] = []

    def __call__(self, batch: Any, values: np.ndarray, offset: int) -> None:
        self._rows.append(np.asarray(batch.label_rows, dtype=np.int64))
        if batch.ids is not None:
            self._ids.append(np.asarray(batch.ids))

    def rows(self) -> np.ndarray:
        return np.concatenate(self._rows) if self._rows else np.zeros(0, dtype=np.int64)

    def ids(self) -> np.ndarray | None:
        return np.concatenate(self._ids) if self._ids else None


def is_joined(plan: Any) -> bool:
    """Whether a plan joins labels and predictions by key from separate files (rows in prediction order)."""
    return plan.ids is not None and plan.labels.source is not plan.preds.source


#: Samples whose numerators and denominators are kept one by one for a bootstrap interval; beyond this
#: they are summed into :data:`BUCKETS` random buckets, so memory stays bounded whatever the input size.
EXACT_SAMPLES = 1 << 20
#: Buckets of the grouped bootstrap (each sample joins one at random, by a seeded hash of its row).
BUCKETS = 1 << 16


def bucket_of(rows: np.ndarray, seed: int) -> np.ndarray:
    """A bucket in [0, BUCKETS) for each sample number: the top bits of a Fibonacci hash of row ⊕ seed."""
    hashed = rows.astype(np.uint64)  # a copy, then worked on in place (one array of temporaries)
    hashed ^= np.uint64((seed * 0x632BE59BD9B4E019) & 0xFFFFFFFFFFFFFFFF)
    hashed *= np.uint64(0x9E3779B97F4A7C15)
    hashed >>= np.uint64(64 - BUCKETS.bit_length() + 1)
    return hashed.view(np.int64)  # below BUCKETS: the same values as int64


class RatioTap:
    """A chunk listener keeping what a bootstrap interval of ``Σ num / Σ den`` needs, in bounded memory.

    Up to :data:`EXACT_SAMPLES` samples the per-sample numerators and denominators of the reduction rule are
    kept as they are (an exact bootstrap over samples). Beyond that every sample is added into one of
    :data:`BUCKETS` buckets chosen by a seeded hash of its row, and the bootstrap resamples buckets: the
    buckets are random groups of samples, so the resampled sums have the samples' bootstrap mean and
    variance (a grouped bootstrap), at a memory cost that no longer depends on the number of samples.
    """

    def __init__(self, rule: str, seed: int = 0) -> None:
        self.rule = rule
        self.seed = seed
        self.n = 0
        self._num: list[np.ndarray] = []
        self._den: list[np.ndarray | None] = []
        self._bucket_num: np.ndarray | None = None
        self._bucket_den: np.ndarray | None = None

    @property
    def grouped(self) -> bool:
        return self._bucket_num is not None

    def record(self, values: Any, weights: Any = None, counted: Any = None) -> None:
        values = np.asarray(values, dtype=np.float64).reshape(-1)
        w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
        c = None if counted is None else np.asarray(counted, dtype=bool).reshape(-1)
        num, den = rule_parts(self.rule, values, w, c, 1)
        start, self.n = self.n, self.n + values.shape[0]
        if self._bucket_num is None:
            self._num.append(np.array(num, dtype=np.float64))
            self._den.append(None if den is None else np.array(den, dtype=np.float64))
            if self.n > EXACT_SAMPLES:
                self._to_buckets()
            return
        self._add(np.arange(start, self.n, dtype=np.int64), num, den)

    def _to_buckets(self) -> None:
        num = np.concatenate(self._num)
        den = None if self._den[0] is None else np.concatenate(self._den)  # type: ignore[arg-type]
        self._num, self._den = [], []
        self._bucket_num = np.zeros(BUCKETS)
        self._bucket_den = None if den is None else np.zeros(BUCKETS)
        self._add(np.arange(num.shape[0], dtype=np.int64), num, den)

    def _add(self, rows: np.ndarray, num: np.ndarray, den: np.ndarray | None) -> None:
        slot = bucket_of(rows, self.seed)
        assert self._bucket_num is not None
        self._bucket_num += np.bincount(slot, weights=num, minlength=BUCKETS)
        if self._bucket_den is not None and den is not None:
            self._bucket_den += np.bincount(slot, weights=den, minlength=BUCKETS)

    def parts(self, outputs: int) -> tuple[np.ndarray, np.ndarray | None]:
        """(numerators, denominators) of the samples — or of the buckets once grouped — for ``outputs``."""
        if self._bucket_num is not None:
            num, den = self._bucket_num.copy(), None if self._bucket_den is None else self._bucket_den.copy()
        else:
            num = np.concatenate(self._num) if self._num else np.zeros(0)
            den = None if not self._den or self._den[0] is None else np.concatenate(self._den)  # type: ignore[arg-type]
        if self.rule == "sum_over_elements":
            num = num * outputs
        elif self.rule == "mean_over_elements" and den is not None:
            den = den * outputs
        return num, den


def install_ratio_tap(evaluator: Any, seed: int) -> RatioTap:
    """Attach a :class:`RatioTap` for the evaluator's reduction rule (before any update)."""
    if evaluator.rows:
        raise RuntimeError("install_ratio_tap needs a fresh evaluator")
    tap = RatioTap(evaluator.rule, seed)
    evaluator.chunk_listeners.append(tap.record)
    return tap
