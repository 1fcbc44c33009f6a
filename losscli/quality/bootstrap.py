"""Vectorised bootstrap confidence intervals for ratio statistics (Σ num / Σ den) and paired differences.

Every reduction losscli reports is a ratio of sums over samples: the weighted mean Σw·l/Σw, the plain
mean Σl/n, or a sum (no denominator). A bootstrap resample draws n samples with replacement, i.e. gives
sample i a multinomial count k_i, and its statistic is Σk·num / Σk·den — so only the resample *sums* are
needed, never the resampled arrays. For a paired comparison (candidate − baseline on the same samples)
both ratios use the same counts.

Two ways to draw the resample sums, both exact bootstrap resamples:

``direct``
    index blocks from ``rng.integers`` and gathered sums, a few resamples at a time (bounded memory).
    Cost ∝ n × resamples; used while that product is small.
``shift``
    for large n: the samples are put in a random order and a few independent multinomial count vectors
    k are drawn; the sums of *every* circular shift of k against the data (Σ_i k[i]·a[i+c]) come from one
    FFT cross-correlation, and the resamples are distinct random shifts. A shifted multinomial count vector
    is itself a multinomial count vector, so each resample is an exact bootstrap resample; two shifts of the
    same k are correlated only through the autocorrelation of the randomly ordered data (O(1/√n)). Cost
    ∝ n·log n per count vector: seconds for a million samples.

The interval is the percentile interval of the resampled statistics. For a paired difference the
achieved significance level (``p_value``) comes from the same resamples: two-sided, from the number of
resampled differences on the smaller side of 0, with the usual +1 so that B resamples never claim a
p-value below 2/(B + 1) (Davison & Hinkley 1997, §4.2). Results depend only on the data and the seed.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.records import record
from losscli.values import finite_or_none as num

#: Above this many (samples × resamples) the ``shift`` method is used.
DIRECT_BUDGET = 20_000_000
#: Values gathered per block of the direct method.
BLOCK_VALUES = 1 << 22
#: Independent multinomial count vectors of the shift method.
COUNT_VECTORS = 16


@record
class Interval:
    """A bootstrap percentile interval of a statistic."""

    estimate: float
    low: float
    high: float
    confidence: float
    resamples: int
    seed: int
    method: str
    std_error: float
    undefined: int = 0  # resamples whose statistic was undefined (a zero denominator)
    #: two-sided achieved significance level of "the statistic is 0" (see the module docstring)
    p_value: float = math.nan

    def to_dict(self) -> dict[str, Any]:
        out = {
            "confidence": self.confidence,
            "low": num(self.low),
            "high": num(self.high),
            "resamples": self.resamples,
            "seed": self.seed,
            "method": self.method,
            "std_error": num(self.std_error),
        }
        if self.undefined:
            out["undefined_resamples"] = self.undefined
        return out

    def contains(self, x: float) -> bool:
        return self.low <= x <= self.high


def resample_sums(
    arrays: list[np.ndarray], resamples: int, rng: np.random.Generator, method: str = "auto"
) -> tuple[np.ndarray, str]:
    """Resample sums of each array under the same bootstrap counts: shape (len(arrays), resamples)."""
    a = np.vstack([np.asarray(x, dtype=np.float64) for x in arrays])  # (m, n)
    n = a.shape[1]
    if method == "auto":
        method = "direct" if n * resamples <= DIRECT_BUDGET or n < 4 * resamples else "shift"
    if method == "direct":
        return _direct(a, resamples, rng), method
    if method == "shift":
        return _shift(a, resamples, rng), method
    raise ValueError(f"unknown bootstrap method {method!r}")


def _direct(a: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    m, n = a.shape
    at = np.ascontiguousarray(a.T)  # (n, m): one gather fetches every array's value of a sample
    out = np.empty((m, resamples))
    rows = max(1, BLOCK_VALUES // max(n * m, 1))
    for start in range(0, resamples, rows):
        r = min(rows, resamples - start)
        idx = rng.integers(0, n, size=(r, n))
        out[:, start : start + r] = at[idx].sum(axis=1).T
    return out


def _shift(a: np.ndarray, resamples: int, rng: np.random.Generator) -> np.ndarray:
    m, n = a.shape
    perm = rng.permutation(n)
    spectra = np.fft.rfft(a[:, perm], axis=1)
    vectors = min(COUNT_VECTORS, resamples)
    per = [resamples // vectors + (1 if i < resamples % vectors else 0) for i in range(vectors)]
    out = np.empty((m, resamples))
    col = 0
    for size in per:
        counts = np.bincount(rng.integers(0, n, size=n), minlength=n).astype(np.float64)
        fk = np.conj(np.fft.rfft(counts))
        lags = rng.choice(n, size=size, replace=size > n)
        for j in range(m):
            corr = np.fft.irfft(fk * spectra[j], n)  # corr[c] = Σ_i k[i]·a[(i+c) mod n]
            out[j, col : col + size] = corr[lags]
        col += size
    return out


def _ratio(num: np.ndarray, den: np.ndarray | None) -> np.ndarray:
    if den is None:
        return num
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den != 0, num / np.where(den != 0, den, 1.0), np.nan)


def bootstrap_ratio(
    num: np.ndarray,
    den: np.ndarray | None = None,
    *,
    minus: tuple[np.ndarray, np.ndarray | None] | None = None,
    resamples: int = 2000,
    confidence: float = 0.95,
    seed: int = 0,
    method: str = "auto",
) -> Interval:
    """Percentile interval of Σnum/Σden (a sum when ``den`` is None), minus Σnum_b/Σden_b if ``minus``.

    ``num`` are per-sample numerators (losses w·l), ``den`` per-sample denominators (normalising weights,
    1 for counted samples, 0 for ignored ones). With ``minus`` the statistic is a paired difference: both
    ratios are taken under the same resample counts.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1), not {confidence}")
    if resamples < 1:
        raise ValueError("resamples must be at least 1")
    parts: list[np.ndarray] = [np.asarray(num, dtype=np.float64)]
    layout = [0, None, None, None]
    if den is not None:
        layout[1] = len(parts)
        parts.append(np.asarray(den, dtype=np.float64))
    if minus is not None:
        layout[2] = len(parts)
        parts.append(np.asarray(minus[0], dtype=np.float64))
        if minus[1] is not None:
            same = den is not None and minus[1] is den
            if same:
                layout[3] = layout[1]
            else:
                layout[3] = len(parts)
                parts.append(np.asarray(minus[1], dtype=np.float64))
    n = parts[0].shape[0]
    if any(p.shape != (n,) for p in parts):
        raise ValueError("every per-sample array must have the same length")

    def statistic(sums: list[np.ndarray]) -> np.ndarray:
        value = _ratio(sums[layout[0]], None if layout[1] is None else sums[layout[1]])
        if layout[2] is not None:
            value = value - _ratio(sums[layout[2]], None if layout[3] is None else sums[layout[3]])
        return value

    full = [np.array([p.sum()]) for p in parts]
    estimate = float(statistic(full)[0]) if n else math.nan
    finite = n > 0 and all(np.isfinite(p).all() for p in parts)
    if not finite:
        return Interval(estimate, math.nan, math.nan, confidence, resamples, seed, "none", math.nan)
    rng = np.random.default_rng(seed)
    sums, used = resample_sums(parts, resamples, rng, method)
    stats = statistic(list(sums))
    ok = np.isfinite(stats)
    undefined = int((~ok).sum())
    stats = stats[ok]
    if stats.size == 0:
        return Interval(estimate, math.nan, math.nan, confidence, resamples, seed, used, math.nan, undefined)
    alpha = (1.0 - confidence) / 2.0
    low, high = np.quantile(stats, [alpha, 1.0 - alpha])
    se = float(stats.std(ddof=1)) if stats.size > 1 else math.nan
    return Interval(estimate, float(low), float(high), confidence, resamples, seed, used, se, undefined,
                    p_value=achieved_significance(stats))


def achieved_significance(stats: np.ndarray) -> float:
    """Two-sided bootstrap p-value of "the statistic is 0": with k the smaller of the numbers of resampled
    statistics ≤ 0 and ≥ 0 among B, 2·(k + 1)/(B + 1), at most 1."""
    if stats.size == 0:
        return math.nan
    k = min(int(np.count_nonzero(stats <= 0.0)), int(np.count_nonzero(stats >= 0.0)))
    return min(1.0, 2.0 * (k + 1) / (stats.size + 1))
