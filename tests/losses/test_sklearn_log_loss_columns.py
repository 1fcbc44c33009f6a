"""scikit-learn's log_loss on several probability columns: a row is one distribution, not K binary outputs.

Expected values from scikit-learn 1.9.1 (``sklearn.metrics.log_loss``), written here as the peer printed them.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli

CASES = [
    # a binary predict_proba (N, 2) with 1-D labels, rows off 1 within the tolerance and an exact 0
    ([1, 0, 1], [[0.9995, 0.0], [0.3, 0.7], [0.6004, 0.4]], np.float64, 12.721305641772416),
    # float32 predict_proba: clipped at float32's epsilon (scikit-learn then computes in float32, losscli in
    # float64: they agree to float32's precision)
    ([1, 0, 0], [[0.2, 0.8], [0.9, 0.1], [0.35, 0.65]], np.float32, 0.45944204926490784),
    # one-hot label rows (N, 2): the same log_loss
    ([[0, 1], [1, 0], [0, 1]], [[0.9995, 0.0], [0.3, 0.7], [0.6004, 0.4]], np.float64, 12.721305641772416),
    # one-hot label rows (N, 3) beside a multiclass predict_proba
    ([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]],
     [[0.7, 0.2, 0.1], [0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.3, 0.3, 0.4]], np.float64, 0.6455747489491626),
]


@pytest.mark.parametrize("kernels", ["compiled", "numpy"])
@pytest.mark.parametrize("y,p,dtype,expected", CASES)
def test_bce_under_sklearn_is_log_loss(y, p, dtype, expected, kernels, monkeypatch):
    if kernels == "numpy":
        monkeypatch.setenv("LOSSCLI_KERNELS", "numpy")
    r = losscli.evaluate("bce", np.array(y), np.array(p, dtype=dtype), convention="sklearn", sum_tol=1e-3)
    assert r.value == pytest.approx(expected, rel=1e-15 if dtype == np.float64 else 1e-7)


@pytest.mark.parametrize("kernels", ["compiled", "numpy"])
@pytest.mark.parametrize("case", ["multi-label", "logits", "pos_weight"])
def test_what_log_loss_has_no_form_for_is_refused_under_sklearn(case, kernels, monkeypatch):
    """Several independent binary outputs, logits, a positive weight: scikit-learn's log_loss has none of
    them (it would take a row's columns as one distribution), so no number is given as scikit-learn's."""
    if kernels == "numpy":
        monkeypatch.setenv("LOSSCLI_KERNELS", "numpy")
    y, p = np.array([[1, 1], [0, 1]]), np.array([[0.8, 0.3], [0.2, 0.7]])  # label rows that are not one-hot
    kw = {"multi-label": {}, "logits": {"from_logits": True}, "pos_weight": {"pos_weight": 2.0}}[case]
    if case != "multi-label":
        y = np.array([1, 0])
    with pytest.raises(losscli.UsageError, match="--convention (losscli or )?torch"):
        losscli.evaluate("bce", y, p, convention="sklearn", **kw)


def test_bce_under_the_other_conventions_stays_the_mean_of_the_columns():
    y, p = np.array([[1, 0, 1], [0, 1, 0]]), np.array([[0.8, 0.3, 0.6], [0.2, 0.7, 0.1]])
    expected = float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))
    for conv in ("torch", "keras", "losscli"):
        assert losscli.evaluate("bce", y, p, convention=conv).value == pytest.approx(expected, rel=1e-6)


def test_bce_under_sklearn_on_a_predict_proba_file(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n")
    (tmp_path / "p.csv").write_text("p0,p1\n0.9995,0.0\n0.3,0.7\n0.6004,0.4\n")
    code, out, err = run_cli(["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "--convention", "sklearn", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(12.721305641772416, rel=1e-15), err


@pytest.mark.parametrize("y,p,dtype,expected", [
    # rows summing to 0.8-0.9: used as given (scikit-learn warns and does not renormalise)
    ([0, 1, 2, 1, 0, 2], [[0.5, 0.2, 0.1], [0.1, 0.6, 0.1], [0.2, 0.2, 0.4], [0.3, 0.3, 0.3], [0.6, 0.1, 0.2],
                          [0.1, 0.1, 0.7]], np.float64, 0.3640861064048121),
    # float32 with an exact 0 on a true class: clipped at float32's epsilon
    ([1, 1, 2, 0], [[1, 0, 0], [0.2, 0.5, 0.3], [0.1, 0.1, 0.8], [0.3, 0.6, 0.1]], np.float32, -3.3431489684008637),
])
def test_d2_log_loss_is_scikit_learns(y, p, dtype, expected):
    r = losscli.evaluate("d2_log_loss", np.array(y), np.array(p, dtype=dtype), convention="sklearn", sum_tol=0.5)
    assert r.value == pytest.approx(expected, rel=1e-14 if dtype == np.float64 else 1e-7)
