"""An exactly rounded running sum of floats, the accumulator's and the summary metrics' building block."""

from __future__ import annotations

import math

import numpy as np


class ExactSum:
    """An exactly rounded running sum of floats (Shewchuk's partials, as ``math.fsum``)."""

    __slots__ = ("partials",)

    def __init__(self, partials: list[float] | None = None) -> None:
        self.partials: list[float] = list(partials or [])

    def add(self, x: float) -> None:
        x = float(x)
        if not math.isfinite(x):  # inf/NaN cannot be tracked exactly: keep them as a partial of their own
            self.partials.append(x)
            return
        i = 0
        partials = self.partials
        for y in partials:
            if not math.isfinite(y):
                partials[i] = y
                i += 1
                continue
            if abs(x) < abs(y):
                x, y = y, x
            hi = x + y
            lo = y - (hi - x)
            if lo:
                partials[i] = lo
                i += 1
            x = hi
        partials[i:] = [x]

    def merge(self, other: ExactSum) -> None:
        for x in other.partials:
            self.add(x)

    def value(self) -> float:
        finite = [p for p in self.partials if math.isfinite(p)]
        rest = [p for p in self.partials if not math.isfinite(p)]
        return math.fsum(finite) + sum(rest) if rest else math.fsum(finite)

    def copy(self) -> ExactSum:
        return ExactSum(self.partials)


#: Bits per limb of the fixed-point sums of :func:`exact_bin_sums`.
_LIMB = 32
#: 2^-_OFFSET is the weight of limb 0's lowest bit: below a subnormal's lowest mantissa bit (2^-1126 as
#: ``frexp`` scales it), so every float's mantissa lands on whole limb bits.
_OFFSET = 1152
#: Values summed per batch by :func:`_limb_sums`: a limb piece is below 2^33, so 2^20 of them add exactly.
_BATCH = 1 << 20
#: Values summed per batch by :func:`_exponent_sums`: a half mantissa is below 2^27, so 2^26 add exactly.
_HALF_BATCH = 1 << 26
_MASK = np.uint64(0xFFFFFFFF)
#: (bin, exponent) cells counted in one histogram before only the cells that occur are kept.
_CELLS = 1 << 22


def exact_bin_sums(index: np.ndarray, values: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per bin, floats whose exact sum is the exact sum of the ``values`` in that bin (``index`` gives
    each value's bin, ``0 <= index < size``): ``(bins, partials)``, to be added into one :class:`ExactSum`
    per bin. The values of one bin, sign and exponent are added as integers (their mantissas, in halves),
    exactly; those totals are then cut into 32-bit limbs of a fixed-point number and added per bin, exactly
    again, and each limb total is one float. So the bins' sums do not depend on how the values are grouped
    (chunks, threads, shards): added into :class:`ExactSum`, every grouping gives the same bits. Infinite and
    NaN values are passed on as they are (and a total beyond the float range as ±inf).
    """
    v = np.ascontiguousarray(values, dtype=np.float64).reshape(-1)
    idx = np.asarray(index, dtype=np.int64).reshape(-1)
    bins: list[np.ndarray] = []
    parts: list[np.ndarray] = []
    finite = np.isfinite(v)
    if not finite.all():
        bins.append(idx[~finite])
        parts.append(v[~finite])
        v, idx = v[finite], idx[finite]
    cell_bins, cell_parts = [], []
    for start in range(0, v.shape[0], _HALF_BATCH):
        b, p = _exponent_sums(idx[start:start + _HALF_BATCH], v[start:start + _HALF_BATCH], size)
        cell_bins.append(b)
        cell_parts.append(p)
    if cell_bins:
        b, p = np.concatenate(cell_bins), np.concatenate(cell_parts)
        big = ~np.isfinite(p)  # a total beyond the float range
        bins.append(b[big])
        parts.append(p[big])
        keep = ~big & (p != 0)
        b, p = b[keep], p[keep]
        for start in range(0, p.shape[0], _BATCH):
            lb, lp = _limb_sums(b[start:start + _BATCH], p[start:start + _BATCH], size)
            bins.append(lb)
            parts.append(lp)
    if not bins:
        return np.zeros(0, dtype=np.int64), np.zeros(0)
    return np.concatenate(bins), np.concatenate(parts)


def _exponent_sums(idx: np.ndarray, v: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Per (bin, sign and exponent) the exact sum of at most :data:`_HALF_BATCH` finite values, as three
    floats each (the high and low halves of the mantissas, and their implicit leading bits)."""
    bits = v.view(np.uint64)
    top = (bits >> np.uint64(52)).astype(np.int64)  # sign and exponent: 0 .. 4095
    mant = bits & np.uint64((1 << 52) - 1)
    high = (mant >> np.uint64(26)).astype(np.float64)
    low = (mant & np.uint64((1 << 26) - 1)).astype(np.float64)
    lo_top, hi_top = int(top.min()), int(top.max())
    span = hi_top - lo_top + 1
    if size * span <= _CELLS:
        key, cells = idx * span + (top - lo_top), size * span
        cell = None
    else:  # many bins: only the cells that occur
        cell, key = np.unique(idx * span + (top - lo_top), return_inverse=True)
        cells = cell.shape[0]
    count = np.bincount(key, minlength=cells).astype(np.float64)
    high_sum = np.bincount(key, weights=high, minlength=cells)
    low_sum = np.bincount(key, weights=low, minlength=cells)
    occupied = np.flatnonzero(count)
    where = occupied if cell is None else cell[occupied]
    bin_of, t = np.divmod(where, span)
    t = t + lo_top
    exponent = t & 0x7FF
    sign = np.where(t >= 0x800, -1.0, 1.0)
    scale = (np.maximum(exponent, 1) - 1075).astype(np.int32)  # a value is mantissa · 2^scale
    lead = np.where(exponent > 0, count[occupied], 0.0)  # the implicit bit of a normal number
    with np.errstate(over="ignore"):  # a total beyond the float range is ±inf
        parts = [sign * np.ldexp(high_sum[occupied], scale + 26), sign * np.ldexp(low_sum[occupied], scale),
                 sign * np.ldexp(lead, scale + 52)]
    return np.tile(bin_of, 3), np.concatenate(parts)


def _limb_sums(idx: np.ndarray, v: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The exact per-bin limb totals of at most :data:`_BATCH` finite, non-zero values, as floats."""
    m, e = np.frexp(v)  # v = m·2^e, 0.5 <= |m| < 1
    mant = np.ldexp(m, 53).astype(np.int64)  # exact: |mant| < 2^53
    q, r = np.divmod(e.astype(np.int64) - 53 + _OFFSET, _LIMB)  # v = mant·2^r · 2^(32q − OFFSET)
    sign = np.where(mant < 0, -1.0, 1.0)
    a = np.abs(mant).astype(np.uint64)
    shift = r.astype(np.uint64)
    low = (a & _MASK) << shift  # below 2^64
    high = (a >> np.uint64(_LIMB)) << shift  # below 2^53
    pieces = ((low & _MASK), (low >> np.uint64(_LIMB)) + (high & _MASK), high >> np.uint64(_LIMB))
    qmin = int(q.min())
    limbs = int(q.max()) - qmin + len(pieces)
    base = q - qmin
    if size * limbs <= 1 << 22:  # one histogram of (bin, limb)
        key, cells = idx * limbs + base, size * limbs
        totals = sum(np.bincount(key + j, weights=sign * piece.astype(np.float64), minlength=cells)
                     for j, piece in enumerate(pieces))
        cell = np.flatnonzero(totals)
        total = totals[cell]
    else:  # many bins: only the (bin, limb) cells that occur
        keys = np.concatenate([idx * limbs + base + j for j in range(len(pieces))])
        cells_of, inverse = np.unique(keys, return_inverse=True)
        weights = np.concatenate([sign * piece.astype(np.float64) for piece in pieces])
        total = np.bincount(inverse, weights=weights, minlength=cells_of.shape[0])
        nz = total != 0
        cell, total = cells_of[nz], total[nz]
    bin_of, limb = np.divmod(cell, limbs)
    with np.errstate(over="ignore"):  # a limb beyond the float range: the sum is too (±inf)
        return bin_of, np.ldexp(total, ((limb + qmin) * _LIMB - _OFFSET).astype(np.int32))
