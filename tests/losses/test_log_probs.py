"""``--log-probs``: predictions given as log-probabilities, for every cross-entropy loss, KL and focal."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import ParameterError, ProbabilityError, UsageError

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _log_softmax(x):
    m = x.max(axis=1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


@st.composite
def multiclass(draw):
    n, c = draw(st.integers(1, 30)), draw(st.integers(2, 6))
    x = draw(arrays(np.float64, (n, c), elements=st.floats(-20, 20)))
    y = draw(arrays(np.int64, n, elements=st.integers(0, c - 1)))
    return y, x


@SETTINGS
@given(multiclass())
def test_log_probabilities_equal_logits_for_every_categorical_loss(case):
    y, x = case
    lp = _log_softmax(x)
    onehot = np.eye(x.shape[1])[y]
    for loss, labels, params in (("scce", y, {}), ("cce", onehot, {}), ("kl_divergence", onehot, {}),
                                 ("categorical_focal_crossentropy", onehot, {"alpha": 0.25}),
                                 ("generalized_cross_entropy", y, {})):
        a = losscli.evaluate(loss, labels, lp, log_probs=True, **params).per_sample
        b = losscli.evaluate(loss, labels, x, from_logits=True, **params).per_sample
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=loss)


@SETTINGS
@given(st.integers(1, 30).flatmap(lambda n: st.tuples(
    arrays(np.float64, n, elements=st.sampled_from([0.0, 1.0])),
    arrays(np.float64, n, elements=st.floats(0.001, 0.999)))))
def test_binary_log_probabilities_equal_probabilities(case):
    y, p = case
    for loss in ("bce", "focal"):
        a = losscli.evaluate(loss, y, np.log(p), log_probs=True).per_sample
        b = losscli.evaluate(loss, y, p).per_sample
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12, err_msg=loss)


def test_nll_of_the_true_class_is_the_negative_input_exactly():
    lp = np.array([[-1e-12, -27.6], [-3.0, -0.0512932943875505]])
    r = losscli.evaluate("nll_loss", [0, 1], _log_softmax(lp))
    np.testing.assert_allclose(r.per_sample, -_log_softmax(lp)[[0, 1], [0, 1]], rtol=1e-15)


def test_binary_log_probability_of_zero_is_clipped_as_a_probability_of_one_is():
    for label in (0.0, 1.0):
        for conv in ("losscli", "torch"):
            a = losscli.evaluate("bce", [label], [0.0], log_probs=True, convention=conv)
            b = losscli.evaluate("bce", [label], [1.0], convention=conv)
            assert a.clipped == b.clipped  # the values: equal up to the compiled kernels' rounding (≤ 4 ulp)
            assert a.value == pytest.approx(b.value, rel=4 * 2**-52, abs=0)
    r = losscli.evaluate("bce", [0.0], [0.0], log_probs=True)
    assert r.value == pytest.approx(36.04365338911715) and r.clipped == 1
    assert losscli.evaluate("bce", [0.0], [0.0], log_probs=True, convention="torch").value == 100.0


def test_positive_values_are_refused_with_a_hint_that_works(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([0, 2]))
    np.save(tmp_path / "x.npy", np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0]]))
    args = ["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.npy", "-q"]
    code, out, err = run_cli([*args, "--log-probs"], capsys)
    assert code == 3 and out == "" and "log-probabilities must be ≤ 0" in err and "use --logits" in err
    assert "x.npy" in err and "row 1" in err
    code, out, _ = run_cli([*args, "--logits"], capsys)
    assert code == 0 and float(out) > 0


def test_rows_must_be_distributions():
    with pytest.raises(ProbabilityError, match="Σ exp = 1"):
        losscli.evaluate("scce", [0, 1], np.array([[-1.0, -1.0], [-0.1, -3.0]]), log_probs=True)


def test_log_probabilities_hint_when_probabilities_are_expected():
    with pytest.raises(ProbabilityError, match="add --log-probs"):
        losscli.evaluate("scce", [0, 1], np.log(np.array([[0.5, 0.5], [0.2, 0.8]])))


def test_refusals():
    with pytest.raises(ParameterError, match="both logits and log-probabilities"):
        losscli.evaluate("scce", [0], [[-0.1, -2.4]], log_probs=True, from_logits=True)
    with pytest.raises(UsageError, match="Keras takes no log-probabilities"):
        losscli.evaluate("scce", [0], [[-0.1, -2.4]], log_probs=True, convention="keras")
    with pytest.raises(ParameterError):
        losscli.evaluate("mse", [0.0], [-0.1], log_probs=True)


def test_log_probs_on_the_command_line_names_the_losses_that_take_it(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("y,p\n1.0,-0.1\n")
    code, _, err = run_cli(["eval", "mse", tmp_path / "d.csv", "--log-probs"], capsys)
    assert code == 2 and "mse does not take --log-probs" in err and "sparse_categorical_crossentropy" in err


def test_probabilities_under_a_log_probability_name_get_a_hint_that_works(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([[0.6, 0.4], [0.3, 0.7]]))
    np.save(tmp_path / "p.npy", np.array([[0.5, 0.5], [0.2, 0.8]]))
    files = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "-q"]
    code, out, err = run_cli(["eval", "kl_div", *files], capsys)
    assert code == 3 and out == "" and "look like probabilities" in err and "kl_divergence" in err
    code, out, _ = run_cli(["eval", "kl_divergence", *files], capsys)
    want = np.mean([0.6 * np.log(0.6 / 0.5) + 0.4 * np.log(0.4 / 0.5), 0.3 * np.log(0.3 / 0.2) + 0.7 * np.log(0.7 / 0.8)])
    assert code == 0 and float(out) == pytest.approx(want, rel=1e-12)


@pytest.mark.parametrize("p0, want", [(1e-50, 56.8714801442912), (1e-300, 344.69461676854695), (0.0, math.inf)])
def test_kl_divergence_of_tiny_probabilities_has_no_log_floor_under_torch(p0, want):
    """torch's kl_div takes log p as given: the −100 floor of its BCE cut KL(y ‖ p) of p = 1e-50 to
    49.31 (torch: 56.87, from ``F.kl_div(p.log(), y, reduction="sum")`` in float64, as ``want``)."""
    y, p = [[0.5, 0.5]], [[p0, 1.0 - p0]]
    got = losscli.evaluate("kl_divergence", y, p, convention="torch", reduction="sum").value
    assert got == pytest.approx(want, rel=1e-15) if math.isfinite(want) else got == math.inf
