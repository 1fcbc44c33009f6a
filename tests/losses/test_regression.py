"""poisson from log-rates and with the Stirling term."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import UsageError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def per(loss, y_true, y_pred, **kw):
    return losscli.evaluate(loss, y_true, y_pred, **kw).per_sample


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


def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_poisson_log_rates_and_conventions(tmp_path, capsys):
    f = _csv(tmp_path / "p.csv", "y,x", [(3, 0.7), (0, -1.2)])
    code, out, _ = run_cli(["eval", "poisson_nll_loss", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(np.mean([np.exp(0.7) - 3 * 0.7, np.exp(-1.2)]), rel=1e-15)
    code, out, err = run_cli(["eval", "poisson", f, "-q"], capsys)
    assert code == 3 and "rates must be ≥ 0" in err
    with pytest.raises(UsageError, match="Keras' Poisson takes rates"):
        losscli.evaluate("poisson", [1.0], [0.3], from_logits=True, convention="keras")
