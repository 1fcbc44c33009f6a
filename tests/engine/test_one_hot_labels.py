"""Binary predict_proba (N, 2) with class labels or one-hot label rows, as scikit-learn takes them."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli


def test_one_hot_rows_mean_their_class_index():
    p = np.array([[0.1, 0.9], [0.8, 0.2], [0.4, 0.6]])
    y = np.array([1, 0, 0])
    onehot = np.eye(2)[y]
    for loss in ("brier", "d2_brier", "d2_log_loss"):
        a = losscli.evaluate(loss, onehot, p, convention="sklearn")
        b = losscli.evaluate(loss, y, p, convention="sklearn")
        assert a.value == b.value


def test_a_row_that_is_not_one_hot_is_refused_and_the_hint_works(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("y0,y1,p0,p1\n0,1,0.1,0.9\n1,1,0.8,0.2\n")
    code, out, err = run_cli(["eval", "brier", bad, "--label-cols", "y0,y1", "--pred-cols", "p0,p1"], capsys)
    assert code == 3 and out == ""
    assert "bad.csv" in err and "row 3" in err and "[1.0, 1.0]" in err and "one integer class label" in err
    good = tmp_path / "good.csv"
    good.write_text("y,p0,p1\n1,0.1,0.9\n0,0.8,0.2\n")
    code, out, err = run_cli(["eval", "brier", good, "--label-cols", "y", "--pred-cols", "p0,p1", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx((0.1**2 + 0.2**2) / 2)


def test_log_loss_on_predict_proba_is_the_binary_log_loss_under_sklearn_only():
    p = np.array([0.9, 0.2, 0.6])
    y = np.array([1, 0, 1])
    proba = np.stack([1 - p, p], axis=1)
    assert losscli.evaluate("log_loss", y, proba, convention="sklearn").value == pytest.approx(
        losscli.evaluate("log_loss", y, p, convention="sklearn").value, rel=1e-15)
    with pytest.raises(losscli.errors.ShapeError):  # losscli's own convention keeps outputs apart
        losscli.evaluate("log_loss", y, proba)
