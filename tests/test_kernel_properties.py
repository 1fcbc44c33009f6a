"""Invariants of the deviance, quantile, likelihood, margin and counting kernels on generated data."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(1, 30)


def positive(n):
    return arrays(np.float64, n, elements=st.floats(1e-3, 1e3))


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


# ------------------------------------------------------------------------------------ deviances
@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(positive(n), positive(n))),
       st.sampled_from([-1.5, -1.0, 0.0, 1.0, 1.2, 1.5, 2.0, 2.5, 3.0]))
def test_tweedie_deviance_is_non_negative_and_zero_at_the_truth(case, power):
    y, mu = case
    d = per("tweedie_deviance", y, mu, power=power)
    assert np.all(d >= -1e-9 * np.maximum(1.0, np.abs(y) ** max(2 - power, 0.0)))
    np.testing.assert_allclose(per("tweedie_deviance", y, y, power=power), 0.0, atol=1e-9 * max(1.0, y.max() ** 2))


@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(positive(n), positive(n))))
def test_tweedie_powers_0_1_2_are_mse_poisson_and_gamma(case):
    y, mu = case
    np.testing.assert_array_equal(per("tweedie_deviance", y, mu, power=0.0), per("mse", y, mu))
    np.testing.assert_array_equal(per("tweedie_deviance", y, mu, power=1.0), per("poisson_deviance", y, mu))
    np.testing.assert_array_equal(per("tweedie_deviance", y, mu, power=2.0), per("gamma_deviance", y, mu))


@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(positive(n), positive(n))), st.floats(1e-2, 1e2))
def test_gamma_deviance_is_scale_invariant(case, c):
    y, mu = case
    np.testing.assert_allclose(per("gamma_deviance", c * y, c * mu), per("gamma_deviance", y, mu),
                               rtol=1e-7, atol=1e-10)


@SETTINGS
@given(st.floats(0.1, 10.0), st.floats(0.1, 10.0), st.sampled_from([-1.0, 1.0, 1.3, 1.5, 2.0, 2.7, 3.0]))
def test_tweedie_deviance_is_twice_the_integral_of_its_score(y, mu, power):
    """d(y, μ) = 2·∫_μ^y (y − t)/t^p dt (the definition of the unit deviance), by Gauss–Legendre."""
    nodes, w = np.polynomial.legendre.leggauss(60)
    t = 0.5 * (y - mu) * nodes + 0.5 * (y + mu)
    want = 2.0 * 0.5 * (y - mu) * np.sum(w * (y - t) / t**power)
    got = per("tweedie_deviance", np.array([y]), np.array([mu]), power=power)[0]
    assert got == pytest.approx(want, rel=1e-7, abs=1e-9)


# ------------------------------------------------------------------------------------ pinball
reals = arrays(np.float64, st.integers(1, 30), elements=st.floats(-1e3, 1e3))


@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=st.floats(-1e3, 1e3)),
                                             arrays(np.float64, n, elements=st.floats(-1e3, 1e3)))),
       st.floats(0.0, 1.0))
def test_pinball_is_non_negative_symmetric_under_reflection_and_half_mae_at_the_median(case, alpha):
    y, q = case
    a = per("pinball", y, q, alpha=alpha)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a, per("pinball", -y, -q, alpha=1.0 - alpha), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(per("quantile", y, q, alpha=0.5), 0.5 * np.abs(y - q), rtol=1e-15, atol=0)


@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=st.floats(-1e3, 1e3)),
                                             arrays(np.float64, (n, 3), elements=st.floats(-1e3, 1e3)))))
def test_pinball_quantile_columns_are_the_mean_of_each_column_alone(case):
    y, q = case
    alphas = [0.1, 0.5, 0.9]
    together = per("pinball", y, q, alpha=alphas)
    alone = np.mean([per("pinball", y, q[:, j], alpha=a) for j, a in enumerate(alphas)], axis=0)
    np.testing.assert_allclose(together, alone, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------ Gaussian NLL
@SETTINGS
@given(n_samples.flatmap(lambda n: st.tuples(arrays(np.float64, n, elements=st.floats(-1e3, 1e3)),
                                             arrays(np.float64, n, elements=st.floats(-1e3, 1e3)),
                                             arrays(np.float64, n, elements=st.floats(0.0, 1e3)))))
def test_gaussian_nll_full_adds_a_constant_and_the_mean_is_best_at_the_truth(case):
    y, mu, var = case
    p = np.stack([mu, var], axis=1)
    plain = per("gaussian_nll", y, p)
    np.testing.assert_allclose(per("gaussian_nll", y, p, full=True) - plain, 0.5 * math.log(2 * math.pi),
                               rtol=0, atol=1e-9 * max(1.0, np.abs(plain).max()))
    at_truth = per("gaussian_nll", y, np.stack([y, var], axis=1))
    assert np.all(at_truth <= plain)
    np.testing.assert_allclose(per("gaussian_nll", y, np.stack([mu, np.ones_like(mu)], axis=1)),
                               0.5 * (y - mu) ** 2, rtol=1e-15, atol=0)


# ------------------------------------------------------------------------------------ margins
@st.composite
def scores(draw, lim=50.0):
    n, c = draw(n_samples), draw(st.integers(2, 6))
    s = draw(arrays(np.float64, (n, c), elements=st.floats(-lim, lim)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return y, s


@SETTINGS
@given(scores(), st.sampled_from([1, 2]), st.floats(0.0, 3.0), st.floats(-10, 10))
def test_multi_margin_matches_its_definition_and_ignores_a_common_shift(case, p, margin, shift):
    y, s = case
    n, c = s.shape
    want = np.array([sum(max(0.0, margin - s[i, y[i]] + s[i, j]) ** p for j in range(c) if j != y[i]) / c
                     for i in range(n)])
    got = per("multi_margin", y, s, p=p, margin=margin)
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(per("multi_margin", y, s + shift, p=p, margin=margin), got, rtol=1e-9, atol=1e-9)
    w = np.linspace(0.5, 2.0, c)
    np.testing.assert_allclose(per("multi_margin", y, s, p=p, margin=margin, class_weights=list(w)), got * w[y],
                               rtol=1e-15, atol=0)


@SETTINGS
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])),
    arrays(np.float64, n, elements=st.floats(-1e150, 1e150)))))
def test_soft_margin_is_bce_from_logits_on_0_1_labels_and_finite_for_any_score(case):
    y01, s = case
    a = per("soft_margin", 2 * y01 - 1, s)
    assert np.all(np.isfinite(a)) and np.all(a >= 0)
    np.testing.assert_array_equal(a, per("soft_margin", y01, s))
    np.testing.assert_allclose(a, per("bce", y01, s, from_logits=True), rtol=1e-14, atol=1e-300)


@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, (n, 4), elements=st.sampled_from([0.0, 1.0])),
    arrays(np.float64, (n, 4), elements=st.floats(-60, 60)))))
def test_multilabel_soft_margin_is_the_row_mean_of_bce_from_logits(case):
    y, s = case
    np.testing.assert_allclose(per("multilabel_soft_margin", y, s), per("bce", y, s, from_logits=True),
                               rtol=1e-14, atol=1e-300)
    w = [1.0, 2.0, 0.5, 0.0]
    terms = np.stack([per("bce", y[:, j], s[:, j], from_logits=True) for j in range(4)], axis=1)
    np.testing.assert_allclose(per("multilabel_soft_margin", y, s, class_weights=w), (terms * w).mean(axis=1),
                               rtol=1e-13, atol=1e-300)


# ------------------------------------------------------------------------------------ counting
@SETTINGS
@given(scores())
def test_zero_one_is_top_1_error_and_top_k_error_falls_with_k(case):
    y, s = case
    c = s.shape[1]
    z = per("zero_one", y, s)
    np.testing.assert_array_equal(z, (np.argmax(s, axis=1) != y).astype(float))
    np.testing.assert_array_equal(z, per("top_k_error", y, s, k=1))
    errs = [per("top_k_error", y, s, k=k) for k in range(1, c + 1)]
    for a, b in zip(errs, errs[1:], strict=False):
        assert np.all(b <= a)
    assert not errs[-1].any()
    assert losscli.evaluate("zero_one", y, s).value == pytest.approx(z.mean())


@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.int64, (n, 3), elements=st.integers(0, 1)),
    arrays(np.float64, (n, 3), elements=st.floats(0.0, 1.0)))))
def test_hamming_of_0_1_predictions_is_the_mean_absolute_difference(case):
    y, p = case
    hard = (p > 0.5).astype(float)
    np.testing.assert_array_equal(per("hamming", y, hard), np.abs(y - hard).mean(axis=1))
    np.testing.assert_array_equal(per("hamming", y, p), per("hamming", y, hard))


# ------------------------------------------------------------------------------------ poisson
@SETTINGS
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.integers(0, 50).map(float)),
    arrays(np.float64, n, elements=st.floats(-20, 5)))))
def test_poisson_from_log_rates_equals_poisson_of_the_rates(case):
    y, x = case
    a = per("poisson", y, x, from_logits=True)
    np.testing.assert_allclose(a, per("poisson", y, np.exp(x)), rtol=1e-9, atol=1e-12)
    stirling = np.where(y > 1, y * np.log(np.maximum(y, 1)) - y + 0.5 * np.log(2 * np.pi * np.maximum(y, 1)), 0.0)
    np.testing.assert_allclose(per("poisson", y, x, from_logits=True, full=True) - a, stirling,
                               rtol=1e-9, atol=1e-9)


# ------------------------------------------------------------------------------------ streaming
@pytest.mark.parametrize(("loss", "params", "make"), [
    ("tweedie_deviance", {"power": 1.5}, lambda r, n: (r.uniform(0, 3, n), r.uniform(0.1, 3, n))),
    ("pinball", {"alpha": [0.1, 0.9]}, lambda r, n: (r.normal(size=n), r.normal(size=(n, 2)))),
    ("gaussian_nll", {}, lambda r, n: (r.normal(size=n), np.stack([r.normal(size=n), r.uniform(0, 2, n)], 1))),
    ("multi_margin", {"p": 2}, lambda r, n: (r.integers(0, 4, n), r.normal(size=(n, 4)))),
    ("top_k_error", {"k": 2}, lambda r, n: (r.integers(0, 4, n), r.normal(size=(n, 4)))),
    ("hamming", {}, lambda r, n: (r.integers(0, 2, (n, 3)), r.uniform(size=(n, 3)))),
])
def test_streamed_in_chunks_equals_one_pass(loss, params, make):
    rng = np.random.default_rng(5)
    y, p = make(rng, 1000)
    w = rng.uniform(0, 2, 1000)
    one = losscli.evaluate(loss, y, p, sample_weight=w, **params)
    ev = losscli.Evaluator(loss, **params)
    for a in range(0, 1000, 137):
        ev.update(y[a:a + 137], p[a:a + 137], w[a:a + 137])
    r = ev.result()
    assert r.value == pytest.approx(one.value, rel=1e-13)
    np.testing.assert_array_equal(r.per_sample, one.per_sample)


# ------------------------------------------------------------------------------------ pairwise
@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])),
    arrays(np.float64, (n, 6), elements=st.floats(-100, 100)))), st.floats(0.1, 100), st.floats(-1, 1))
def test_cosine_embedding_ignores_the_scale_of_each_input_and_matches_its_definition(case, c, margin):
    y, x = case
    a, b = x[:, :3], x[:, 3:]
    assume(np.all((a * a).sum(axis=1) > 1e-2) and np.all((b * b).sum(axis=1) > 1e-2))  # beyond torch's 1e-12
    got = per("cosine_embedding", y, x, margin=margin)
    # torch's 1e-12 in the norms moves the cosine by at most ~1e-12 / (c²·‖a‖²) ≤ 1e-8 here
    np.testing.assert_allclose(per("cosine_embedding", y, np.concatenate([c * a, b], axis=1), margin=margin), got,
                               rtol=1e-7, atol=1e-7)
    cos = (a * b).sum(axis=1) / np.linalg.norm(a, axis=1) / np.linalg.norm(b, axis=1)
    np.testing.assert_allclose(got, np.where(y == 1, 1 - cos, np.maximum(0, cos - margin)), rtol=1e-9, atol=1e-9)


@SETTINGS
@given(st.integers(1, 20).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([-1.0, 1.0])),
    arrays(np.float64, (n, 2), elements=st.floats(-100, 100)))), st.floats(0, 5))
def test_margin_ranking_is_symmetric_under_swapping_the_inputs_and_the_label(case, margin):
    y, x = case
    np.testing.assert_array_equal(per("margin_ranking", y, x, margin=margin),
                                  per("margin_ranking", -y, x[:, ::-1], margin=margin))
