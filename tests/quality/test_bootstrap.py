"""The vectorised bootstrap: coverage on synthetic data with a known truth, determinism, ratios, edges."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

from losscli.quality.bootstrap import bootstrap_ratio, resample_sums


def _paired_sample(rng, n, delta):
    """Per-sample losses of a baseline and a candidate whose true mean difference is ``delta``."""
    base = rng.exponential(1.0, size=n)  # skewed, like losses
    cand = base + delta + rng.normal(0.0, 0.5, size=n)
    return cand, base


@pytest.mark.parametrize("method,n,reps,resamples", [("direct", 200, 200, 400), ("shift", 4000, 200, 400)])
def test_paired_interval_covers_the_true_difference(method, n, reps, resamples):
    rng = np.random.default_rng(12345)
    delta = 0.1
    hits = 0
    for rep in range(reps):
        cand, base = _paired_sample(rng, n, delta)
        iv = bootstrap_ratio(cand, np.ones(n), minus=(base, np.ones(n)), resamples=resamples, confidence=0.95,
                             seed=rep, method=method)
        assert iv.method == method
        hits += iv.low <= delta <= iv.high
    coverage = hits / reps
    assert 0.90 <= coverage <= 0.99, coverage


def test_weighted_mean_interval_covers_the_ratio_of_expectations():
    # E[w·l]/E[w] with w ~ U(0.5, 2) independent of l ~ Exp(1): the truth is 1.0.
    rng = np.random.default_rng(7)
    hits, reps = 0, 200
    for rep in range(reps):
        n = 300
        loss = rng.exponential(1.0, size=n)
        w = rng.uniform(0.5, 2.0, size=n)
        iv = bootstrap_ratio(w * loss, w, resamples=300, seed=rep)
        hits += iv.contains(1.0)
    assert 0.90 <= hits / reps <= 0.99


def test_same_seed_same_interval_other_seed_other_interval():
    rng = np.random.default_rng(1)
    v = rng.exponential(size=500)
    a = bootstrap_ratio(v, np.ones(500), resamples=1000, seed=42)
    b = bootstrap_ratio(v, np.ones(500), resamples=1000, seed=42)
    c = bootstrap_ratio(v, np.ones(500), resamples=1000, seed=43)
    assert (a.low, a.high, a.std_error) == (b.low, b.high, b.std_error)
    assert (a.low, a.high) != (c.low, c.high)
    big = rng.exponential(size=30000)
    s1 = bootstrap_ratio(big, np.ones(30000), resamples=2000, seed=5)
    s2 = bootstrap_ratio(big, np.ones(30000), resamples=2000, seed=5)
    assert s1.method == "shift" and (s1.low, s1.high) == (s2.low, s2.high)


def test_estimate_is_the_ratio_and_lies_inside():
    rng = np.random.default_rng(3)
    v, w = rng.exponential(size=1000), rng.uniform(0.1, 3, size=1000)
    iv = bootstrap_ratio(v * w, w, resamples=500, seed=0)
    assert iv.estimate == pytest.approx((v * w).sum() / w.sum())
    assert iv.low < iv.estimate < iv.high
    assert iv.to_dict()["resamples"] == 500 and iv.to_dict()["seed"] == 0


def test_sum_statistic_without_denominator():
    v = np.arange(1.0, 101.0)
    iv = bootstrap_ratio(v, None, resamples=500, seed=0)
    assert iv.estimate == v.sum()
    assert iv.low < v.sum() < iv.high


def test_methods_agree_on_the_spread():
    rng = np.random.default_rng(11)
    v = rng.exponential(size=20000)
    d = bootstrap_ratio(v, np.ones(v.size), resamples=600, seed=1, method="direct")
    s = bootstrap_ratio(v, np.ones(v.size), resamples=600, seed=1, method="shift")
    se = v.std() / np.sqrt(v.size)
    for iv in (d, s):
        assert iv.std_error == pytest.approx(se, rel=0.12)


def test_resample_sums_keep_each_resample_a_multinomial_draw():
    # Every resample has n draws: summing ones gives n exactly, by either method.
    ones = np.ones(5000)
    for method in ("direct", "shift"):
        sums, used = resample_sums([ones], 64, np.random.default_rng(0), method)
        assert used == method
        np.testing.assert_allclose(sums[0], 5000.0, rtol=0, atol=1e-6)


def test_undefined_inputs_and_denominators():
    v = np.array([1.0, np.inf, 2.0])
    iv = bootstrap_ratio(v, np.ones(3), resamples=50)
    assert np.isnan(iv.low) and np.isnan(iv.high)
    # one counted sample among many ignored: some resamples miss it (zero denominator) and are dropped
    den = np.zeros(50)
    den[0] = 1.0
    iv = bootstrap_ratio(np.where(den > 0, 2.0, 0.0), den, resamples=200, seed=0)
    assert iv.undefined > 0 and iv.low == iv.high == 2.0
    with pytest.raises(ValueError):
        bootstrap_ratio(np.ones(3), np.ones(4))
    with pytest.raises(ValueError):
        bootstrap_ratio(np.ones(3), confidence=1.5)


def test_a_million_paired_samples_take_seconds():
    rng = np.random.default_rng(0)
    n = 1_000_000
    base = rng.exponential(size=n)
    cand = base + rng.normal(0, 0.1, size=n)
    ones = np.ones(n)
    started = time.perf_counter()
    iv = bootstrap_ratio(cand, ones, minus=(base, ones), resamples=2000, seed=0)
    elapsed = time.perf_counter() - started
    assert iv.method == "shift"
    assert iv.low < iv.estimate < iv.high
    assert elapsed < 20, elapsed


def test_paired_p_value_is_the_achieved_significance_of_the_same_resamples():
    from losscli.quality.bootstrap import achieved_significance

    rng = np.random.default_rng(3)
    n = 300
    base = rng.exponential(1.0, n)
    ones = np.ones(n)
    # identical sides: every resampled difference is 0, p = 1
    assert bootstrap_ratio(base, ones, minus=(base, ones), resamples=500).p_value == 1.0
    # a clear difference: no resample on the other side of 0, p = 2/(B + 1), never 0
    iv = bootstrap_ratio(base + 0.5, ones, minus=(base, ones), resamples=999)
    assert iv.p_value == pytest.approx(2 / 1000)
    # by hand on known statistics: 3 of 9 at or below 0 → 2·(3 + 1)/10
    assert achieved_significance(np.array([-2.0, -1.0, 0.0, 1, 2, 3, 4, 5, 6])) == pytest.approx(0.8)
    assert math.isnan(achieved_significance(np.array([])))
    # the p-value and the percentile interval agree: the interval excludes 0 iff p is about below 1 − level
    for shift in np.linspace(0.0, 0.3, 13):
        cand = base + shift + rng.normal(0, 1.0, n)
        iv = bootstrap_ratio(cand, ones, minus=(base, ones), resamples=2000, confidence=0.95, seed=1)
        excludes = iv.low > 0 or iv.high < 0
        if iv.p_value < 0.045:
            assert excludes
        if iv.p_value > 0.055:
            assert not excludes
