"""The confidences of a calibration error with equal-mass (quantile) bins, kept in bounded memory, mergeable.

Equal-mass bins need the quantiles of all the confidences before any sample can be binned, so unlike the
equal-width bins (whose sums are added chunk by chunk) the samples themselves are kept — compactly, and only
up to a bound:

- up to :data:`EXACT_VALUES` confidences (rows × columns), each confidence (float64), its accuracy (one
  byte: the outcome is 0 or 1) and, with sample weights, its weight (float64) are kept as they are: the
  bins' edges are the exact percentiles of the confidences and the value is the one-pass value;
- beyond that, every confidence is added into a fine histogram of :func:`fine_bins` equal-width bins per
  column ((f/F, (f+1)/F], 0 in the first), each keeping its count, weight, Σw·confidence and Σw·accuracy.
  The bins' edges are then taken at fine-bin boundaries (within 1/F of the true percentiles) and the
  bins' sums are the exact sums of the fine bins between them.

Both forms merge (shards, ``merge``, Dask): two exact samples within the bound are joined, anything larger
becomes a histogram; the form depends only on the total number of confidences, not on how they were
chunked. The state serialises to JSON with the arrays as base64 of their little-endian bytes.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

#: Confidences (rows × columns) kept exactly; beyond this the fine histogram takes over.
EXACT_VALUES = 1 << 20
#: Cells of the fine histogram over all columns (at least :data:`MIN_FINE` bins per column).
FINE_CELLS = 1 << 20
MAX_FINE = 1 << 14
MIN_FINE = 256


def fine_bins(columns: int) -> int:
    """Fine bins per column: 16384 for up to 64 columns, fewer (down to 256) for more."""
    return int(max(MIN_FINE, min(MAX_FINE, FINE_CELLS // max(columns, 1))))


def fine_index(conf: np.ndarray, bins: int) -> np.ndarray:
    """The fine bin of each confidence: (f/F, (f+1)/F], 0 in the first, 1 in the last."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    return np.searchsorted(edges[1:-1], conf, side="left")


class ConfidenceSample:
    """The (confidence, accuracy, weight) of every sample and column, exact or as a fine histogram."""

    def __init__(self) -> None:
        self.columns = 0
        self.weighted = False
        self._conf: list[np.ndarray] = []  # chunks of (n, k) float64
        self._acc: list[np.ndarray] = []  # chunks of (n, k) uint8
        self._w: list[np.ndarray] = []  # chunks of (n,) float64, with weights
        self.size = 0  # confidences kept exactly (rows × columns)
        self.hist: dict[str, np.ndarray] | None = None  # (k, F) count, weight, confidence, accuracy

    # ------------------------------------------------------------------ adding
    def add(self, conf: np.ndarray, acc: np.ndarray, weights: np.ndarray | None) -> None:
        """Add a chunk: ``conf`` and ``acc`` are (n,) or (n, k); ``weights`` (n,) or None."""
        conf2 = np.asarray(conf, dtype=np.float64).reshape(np.shape(conf)[0], -1)
        acc2 = (np.asarray(acc) != 0).astype(np.uint8).reshape(conf2.shape)
        if not conf2.shape[0]:
            return
        self._shape(conf2.shape[1], weights is not None)
        w = None if weights is None else np.asarray(weights, dtype=np.float64).reshape(-1)
        if self.hist is None and self.size + conf2.size > EXACT_VALUES:
            self._to_hist()  # the exact values never exceed the bound
        if self.hist is not None:
            self._into_hist(conf2, acc2, w)
            return
        self._conf.append(conf2.copy())
        self._acc.append(acc2)
        if w is not None:
            self._w.append(w.copy())
        self.size += conf2.size

    def _shape(self, columns: int, weighted: bool) -> None:
        if not self.columns and not self.size and self.hist is None:
            self.columns, self.weighted = columns, weighted
            return
        if columns != self.columns:
            raise ValueError(f"calibration sample of {columns} columns after {self.columns}")
        if weighted != self.weighted:
            raise ValueError("calibration sample: sample weights in some chunks only")

    def _to_hist(self) -> None:
        conf, acc, w = self.exact()
        self._conf, self._acc, self._w, self.size = [], [], [], 0
        f = fine_bins(self.columns)
        self.hist = {key: np.zeros((self.columns, f), dtype=np.int64 if key == "count" else np.float64)
                     for key in ("count", "weight", "confidence", "accuracy")}
        self._into_hist(conf, acc, w)

    def _into_hist(self, conf: np.ndarray, acc: np.ndarray, w: np.ndarray | None) -> None:
        assert self.hist is not None
        k, f = self.hist["count"].shape
        idx = (fine_index(conf, f) + np.arange(k)[None, :] * f).reshape(-1)
        ww = np.ones(conf.shape[0]) if w is None else w
        wcol = np.repeat(ww, k)
        size = k * f
        self.hist["count"] += np.bincount(idx, minlength=size).reshape(k, f)
        self.hist["weight"] += np.bincount(idx, weights=wcol, minlength=size).reshape(k, f)
        self.hist["confidence"] += np.bincount(idx, weights=wcol * conf.reshape(-1), minlength=size).reshape(k, f)
        self.hist["accuracy"] += np.bincount(idx, weights=wcol * acc.reshape(-1), minlength=size).reshape(k, f)

    def merge(self, other: ConfidenceSample) -> ConfidenceSample:
        """Fold another sample (a shard's) into this one."""
        if other.hist is None and not other.size:
            return self
        self._shape(other.columns, other.weighted)
        if other.hist is None:
            conf, acc, w = other.exact()
            self.add(conf, acc, w)
            return self
        if self.hist is None:
            self._to_hist()
        assert self.hist is not None
        for key in self.hist:
            self.hist[key] += other.hist[key]
        return self

    # ------------------------------------------------------------------ reading
    def exact(self) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
        """The kept (confidence, accuracy, weight) as (n, k), (n, k) and (n,) or None."""
        k = self.columns or 1
        conf = np.concatenate(self._conf) if self._conf else np.zeros((0, k))
        acc = np.concatenate(self._acc) if self._acc else np.zeros((0, k), dtype=np.uint8)
        w = (np.concatenate(self._w) if self._w else np.zeros(0)) if self.weighted else None
        if len(self._conf) > 1:  # keep one array: later reads do not concatenate again
            self._conf, self._acc = [conf], [acc]
            if w is not None:
                self._w = [w]
        return conf, acc, w

    def view(self) -> dict[str, Any]:
        """What a calibration error is computed from: ``{"exact": True, "confidence", "accuracy", "weight"}``
        or ``{"exact": False, "count", "weight", "confidence", "accuracy"}`` (the fine histogram, (k, F))."""
        if self.hist is not None:
            return {"exact": False, **{key: v.copy() for key, v in self.hist.items()}}
        conf, acc, w = self.exact()
        return {"exact": True, "confidence": conf, "accuracy": acc.astype(np.float64), "weight": w}

    def nbytes(self) -> int:
        """The memory the kept values take."""
        if self.hist is not None:
            return int(sum(v.nbytes for v in self.hist.values()))
        return int(sum(a.nbytes for a in (*self._conf, *self._acc, *self._w)))

    # ------------------------------------------------------------------ JSON
    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"columns": self.columns, "weighted": self.weighted}
        if self.hist is not None:
            out["histogram"] = {key: _b64(v) for key, v in self.hist.items()}
            out["fine_bins"] = int(self.hist["count"].shape[1])
        else:
            conf, acc, w = self.exact()
            out["rows"] = int(conf.shape[0])
            out["confidence"] = _b64(conf)
            out["accuracy"] = _b64(acc)
            if w is not None:
                out["weight"] = _b64(w)
        return out

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConfidenceSample:
        out = cls()
        k = int(data["columns"])
        out.columns, out.weighted = k, bool(data["weighted"])
        if "histogram" in data:
            f = int(data["fine_bins"])
            out.hist = {key: _unb64(data["histogram"][key], np.int64 if key == "count" else np.float64, (k, f))
                        for key in ("count", "weight", "confidence", "accuracy")}
            return out
        n = int(data["rows"])
        if n:
            out._conf = [_unb64(data["confidence"], np.float64, (n, k))]
            out._acc = [_unb64(data["accuracy"], np.uint8, (n, k))]
            if out.weighted:
                out._w = [_unb64(data["weight"], np.float64, (n,))]
            out.size = n * k
        return out


def _b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a, dtype=a.dtype.newbyteorder("<")).tobytes()).decode("ascii")


def _unb64(text: str, dtype: Any, shape: tuple[int, ...]) -> np.ndarray:
    raw = base64.b64decode(text.encode("ascii"), validate=True)
    a = np.frombuffer(raw, dtype=np.dtype(dtype).newbyteorder("<"))
    if a.size != int(np.prod(shape)):
        raise ValueError(f"{a.size} values where {shape} were expected")
    return a.astype(dtype).reshape(shape)
