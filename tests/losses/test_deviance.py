"""The Tweedie deviances (Poisson, Gamma, power p): invariants on generated data, and inputs outside their domains."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import LabelError, ParameterError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(1, 30)


def positive(n):
    return arrays(np.float64, n, elements=st.floats(1e-3, 1e3))


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


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


def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_deviance_domains(tmp_path, capsys):
    f = _csv(tmp_path / "d.csv", "y,mu", [(1, 0.5), (2, -0.3), (0, 1)])
    code, out, err = run_cli(["eval", "poisson_deviance", f], capsys)
    assert code == 3 and out == ""
    assert "predicted means > 0" in err and "d.csv" in err and "row 3" in err and "-0.3" in err
    with pytest.raises(LabelError, match="targets > 0"):
        losscli.evaluate("gamma_deviance", [0.0, 1.0], [1.0, 1.0])
    with pytest.raises(LabelError, match="targets ≥ 0"):
        losscli.evaluate("tweedie_deviance(power=1.5)", [-1.0], [1.0])
    assert losscli.evaluate("tweedie_deviance(power=-1)", [-1.0], [1.0]).value > 0  # any real y for p < 0
    assert losscli.evaluate("tweedie_deviance", [-1.0], [-2.0]).value == 1.0  # p = 0: the squared error
    with pytest.raises(ParameterError, match=r"lies in \(0, 1\)"):
        losscli.evaluate("tweedie_deviance(power=0.5)", [1.0], [1.0])
