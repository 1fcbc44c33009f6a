"""The pinball (quantile) loss: invariants on generated data and its parameter."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import ParameterError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(1, 30)


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


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


def test_pinball_alphas_per_column():
    with pytest.raises(ParameterError, match="alpha has 2 values but the predictions have 3 columns"):
        losscli.evaluate("pinball", [1.0], [[0.5, 1.0, 2.0]], alpha=[0.1, 0.9])
    with pytest.raises(ParameterError, match="≤ 1"):
        losscli.evaluate("pinball(alpha=1.5)", [1.0], [0.5])
