"""Invariants checked on generated data (hypothesis)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(min_value=1, max_value=40)


@st.composite
def binary_case(draw, lim=30.0):
    n = draw(n_samples)
    x = draw(arrays(np.float64, n, elements=st.floats(-lim, lim)))
    y = draw(arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])))
    return y, x


@st.composite
def multiclass_case(draw, lim=30.0):
    n = draw(n_samples)
    c = draw(st.integers(2, 6))
    x = draw(arrays(np.float64, (n, c), elements=st.floats(-lim, lim)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return y, x


def _sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@SETTINGS
@given(binary_case(lim=25.0))
def test_bce_logits_and_probabilities_agree(case):
    y, x = case
    a = losscli.evaluate("bce", y, x, from_logits=True).per_sample
    b = losscli.evaluate("bce", y, _sigmoid(x)).per_sample
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)


@SETTINGS
@given(multiclass_case(lim=12.0))
def test_cce_logits_and_probabilities_agree(case):
    y, x = case
    p = np.exp(x - x.max(axis=1, keepdims=True))
    p /= p.sum(axis=1, keepdims=True)
    a = losscli.evaluate("scce", y, x, from_logits=True).per_sample
    b = losscli.evaluate("scce", y, p).per_sample
    np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-9)
    onehot = np.eye(x.shape[1])[y]
    c = losscli.evaluate("cce", onehot, x, from_logits=True).per_sample
    np.testing.assert_allclose(a, c, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(multiclass_case(), st.sampled_from(["scce", "multiclass_hinge", "generalized_cross_entropy"]))
def test_unit_weights_equal_no_weights(case, loss):
    y, x = case
    kw = {} if loss == "multiclass_hinge" else {"from_logits": True}
    a = losscli.evaluate(loss, y, x, **kw)
    b = losscli.evaluate(loss, y, x, sample_weight=np.ones(len(y)), **kw)
    assert a.value == b.value
    np.testing.assert_array_equal(a.per_sample, b.per_sample)


@SETTINGS
@given(binary_case(), st.lists(st.integers(1, 15), min_size=1, max_size=6))
def test_chunked_accumulation_equals_one_pass(case, sizes):
    y, x = case
    w = np.linspace(0.5, 2.0, len(y))
    whole = losscli.evaluate("bce", y, x, from_logits=True, sample_weight=w)
    ev = losscli.Evaluator("bce", from_logits=True)
    start = 0
    for s in sizes:
        if start < len(y):
            ev.update(y[start:start + s], x[start:start + s], w[start:start + s])
        start += s
    if start < len(y):
        ev.update(y[start:], x[start:], w[start:])
    r = ev.result()
    assert (r.value, r.sum, r.n, r.weight_sum, r.std) == (whole.value, whole.sum, whole.n, whole.weight_sum, whole.std)


@SETTINGS
@given(multiclass_case(), st.randoms(use_true_random=False))
def test_permutation_invariance(case, rnd):
    y, x = case
    perm = list(range(len(y)))
    rnd.shuffle(perm)
    a = losscli.evaluate("scce", y, x, from_logits=True, label_smoothing=0.1)
    b = losscli.evaluate("scce", y[perm], x[perm], from_logits=True, label_smoothing=0.1)
    assert math.isclose(a.value, b.value, rel_tol=1e-13, abs_tol=1e-13)
    np.testing.assert_array_equal(a.per_sample[perm], b.per_sample)


@SETTINGS
@given(binary_case(lim=1e4), st.sampled_from(["bce", "focal"]))
def test_finite_and_correct_for_huge_logits(case, loss):
    y, x = case
    r = losscli.evaluate(loss, y, x, from_logits=True)
    assert np.isfinite(r.per_sample).all()
    if loss == "bce":
        exact = np.maximum(x, 0) - x * y + np.log1p(np.exp(-np.abs(x)))
        np.testing.assert_allclose(r.per_sample, exact, rtol=1e-12, atol=1e-300)


@SETTINGS
@given(multiclass_case(lim=1e4))
def test_finite_for_huge_multiclass_logits(case):
    y, x = case
    r = losscli.evaluate("scce", y, x, from_logits=True)
    m = x.max(axis=1)
    exact = m + np.log(np.exp(x - m[:, None]).sum(axis=1)) - x[np.arange(len(y)), y]
    np.testing.assert_allclose(r.per_sample, exact, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(arrays(np.float64, st.integers(1, 30), elements=st.sampled_from([0.0, 1.0, 0.5, 1e-300, 1 - 1e-16])),
       st.sampled_from(["losscli", "torch", "keras", "sklearn"]))
def test_probabilities_of_exactly_zero_and_one(p, convention):
    y = (np.arange(len(p)) % 2).astype(float)
    r = losscli.evaluate("bce", y, p, convention=convention)
    assert np.isfinite(r.per_sample).all() and (r.per_sample >= 0).all()


@SETTINGS
@given(case=multiclass_case(lim=60.0))
def test_log_softmax_keeps_full_relative_precision(case):
    """Every entry of log_softmax within 8 ulp (exp, a sum and log1p, each within about 1 ulp) of an exact
    (mpmath) value, the most probable class's too (where m + log Σ e^{x−m} − x_max would lose the digits
    of a confident prediction)."""
    import mpmath

    from losscli.losses._common import log_softmax

    _, x = case
    x = np.round(x * 2.0**20) / 2.0**20  # multiples of 2^-20 below 64: every x_c − m is exact (no input rounding)
    got = log_softmax(x)
    mpmath.mp.prec = 1000  # enough for e^{−(2·60)} next to 1
    for i in range(x.shape[0]):
        row = [mpmath.mpf(float(v)) for v in x[i]]
        m = max(row)
        lse = m + mpmath.log(mpmath.fsum(mpmath.exp(v - m) for v in row))
        for k, v in enumerate(row):
            exact = v - lse
            assert abs(mpmath.mpf(float(got[i, k])) - exact) <= 8 * math.ulp(float(exact)), (i, k)
