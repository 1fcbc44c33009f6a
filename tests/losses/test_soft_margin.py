"""torch's multi-class margin, soft margin and multi-label soft margin: definitions on generated data."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import LabelError, ParameterError, ProbabilityError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(1, 30)


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


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


def test_multi_margin_power_and_weights():
    with pytest.raises(ParameterError, match="≤ 2"):
        losscli.evaluate("multi_margin(p=3)", [0], [[0.1, 0.2]])
    with pytest.raises(ParameterError, match="class_weights has 3 values"):
        losscli.evaluate("multi_margin", [0], [[0.1, 0.2]], class_weights=[1, 2, 3])


def test_soft_margin_labels():
    with pytest.raises(LabelError, match="−1/\\+1"):
        losscli.evaluate("soft_margin", [2.0], [0.5])
    with pytest.raises(ProbabilityError):
        losscli.evaluate("hamming", [[1, 0]], [[1.5, 0.2]])
