"""The bootstrap's tap: exact per-sample parts up to a bound, random buckets beyond it (bounded memory)."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.quality import taps
from losscli.quality.bootstrap import bootstrap_ratio


def _feed(tap, values, weights, chunk):
    for start in range(0, values.size, chunk):
        tap.record(values[start:start + chunk], weights[start:start + chunk], None)


def test_exact_below_the_bound_equals_the_per_sample_bootstrap():
    rng = np.random.default_rng(0)
    v, w = rng.exponential(size=5000), rng.random(5000) + 0.5
    tap = taps.RatioTap("weighted_mean", seed=1)
    _feed(tap, v * w, w, 700)
    assert not tap.grouped
    num, den = tap.parts(1)
    assert np.array_equal(num, v * w) and np.array_equal(den, w)


def test_buckets_beyond_the_bound_keep_the_sums_and_the_interval(monkeypatch):
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 10_000)
    rng = np.random.default_rng(2)
    n = 300_000
    v, w = rng.gamma(0.5, 2.0, size=n), rng.random(n) + 0.5
    tap = taps.RatioTap("weighted_mean", seed=0)
    _feed(tap, v * w, w, 4096)
    assert tap.grouped
    num, den = tap.parts(1)
    assert num.shape == (taps.BUCKETS,) and den is not None
    assert num.sum() == pytest.approx((v * w).sum(), rel=1e-12) and den.sum() == pytest.approx(w.sum(), rel=1e-12)
    grouped = bootstrap_ratio(num, den, resamples=400, seed=3)
    exact = bootstrap_ratio(v * w, w, resamples=400, seed=3)
    width = exact.high - exact.low
    assert grouped.estimate == pytest.approx(exact.estimate, rel=1e-12)
    assert abs(grouped.low - exact.low) < 0.15 * width and abs(grouped.high - exact.high) < 0.15 * width


def test_buckets_do_not_depend_on_the_chunking(monkeypatch):
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 1000)
    rng = np.random.default_rng(4)
    v = rng.random(50_000)
    parts = []
    for chunk in (333, 4096, 50_000):
        tap = taps.RatioTap("mean_over_n", seed=5)
        _feed(tap, v, np.ones_like(v), chunk)
        parts.append(tap.parts(1))
    for num, den in parts[1:]:
        np.testing.assert_allclose(num, parts[0][0], rtol=1e-12)
        np.testing.assert_allclose(den, parts[0][1], rtol=1e-12)


def test_buckets_are_spread_evenly():
    counts = np.bincount(taps.bucket_of(np.arange(1 << 22), seed=7), minlength=taps.BUCKETS)
    assert counts.size == taps.BUCKETS
    assert counts.min() > 0.8 * 64 and counts.max() < 1.2 * 64
