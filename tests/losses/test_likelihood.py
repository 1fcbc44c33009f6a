"""The Gaussian negative log-likelihood: invariants on generated data, its two prediction columns and variances."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import ShapeError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
n_samples = st.integers(1, 30)


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


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


def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_gaussian_nll_shapes_and_variances(tmp_path, capsys):
    f = _csv(tmp_path / "g.csv", "y,mu,var", [(1, 1.2, 0.5), (2, 1.5, -1)])
    code, out, err = run_cli(["eval", "gaussian_nll", f], capsys)
    assert code == 3 and "variances must be ≥ 0" in err and "row 3" in err
    with pytest.raises(ShapeError, match="needs 2 prediction columns, got 3"):
        losscli.evaluate("gaussian_nll", [1.0], [[1.0, 1.0, 1.0]])
    f = _csv(tmp_path / "g2.csv", "y,mu,var,other", [(1, 1.2, 0.5, 7), (2, 1.5, 1, 7)])
    code, _, err = run_cli(["eval", "gaussian_nll", f], capsys)
    assert code == 3 and "--pred-cols" in err
    code, out, _ = run_cli(["eval", "gaussian_nll", f, "--pred-cols", "mu,var", "-q"], capsys)
    want = losscli.evaluate("gaussian_nll", [1.0, 2.0], [[1.2, 0.5], [1.5, 1.0]]).value
    assert code == 0 and float(out) == want
