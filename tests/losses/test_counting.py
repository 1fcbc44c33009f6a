"""0-1 loss, top-k error and Hamming loss: definitions on generated data, their inputs and their accuracy."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

import losscli
from losscli.errors import LabelError

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


def _csv(path, header, rows):
    path.write_text(header + "\n" + "\n".join(",".join(str(v) for v in r) for r in rows) + "\n")
    return path


def test_probability_column_of_zero_one_and_its_hint(tmp_path, capsys):
    f = _csv(tmp_path / "z.csv", "y,score", [(1, 2.5), (0, -1.0)])
    code, out, err = run_cli(["eval", "zero_one", f, "-q"], capsys)
    assert code == 3 and "probability of class 1" in err and "--logits" in err
    code, out, _ = run_cli(["eval", "zero_one", f, "--logits", "-q"], capsys)
    assert code == 0 and float(out) == 0.0


def test_hamming_needs_hard_labels():
    with pytest.raises(LabelError, match="0 or 1"):
        losscli.evaluate("hamming", [[0.5, 1.0]], [[0.2, 0.9]])


def test_error_rates_report_their_accuracy(tmp_path, capsys):

    f = _csv(tmp_path / "z.csv", "y,p0,p1,p2", [(0, 0.7, 0.2, 0.1), (1, 0.6, 0.3, 0.1), (2, 0.1, 0.1, 0.8),
                                              (1, 0.2, 0.5, 0.3)])
    code, out, _ = run_cli(["eval", "zero_one", f, "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["value"] == 0.25 and doc["accuracy"] == 0.75
    code, out, _ = run_cli(["eval", "top_k_error(k=2)", f, "--json"], capsys)
    assert json.loads(out)["top_k_accuracy"] == 1.0
    code, out, _ = run_cli(["eval", "zero_one", f, "--reduction", "sum", "--json"], capsys)
    assert "accuracy" not in json.loads(out)  # only a mean has a complement
    code, out, _ = run_cli(["eval", "zero_one", f, "--format", "table"], capsys)
    assert "accuracy" in out and "0.75" in out


@SETTINGS
@given(scores(), st.data())
def test_zero_one_leaves_ignored_labels_out_as_torchmetrics_accuracy_does(case, data):
    """torchmetrics' ``Accuracy(ignore_index=-100)``: the error rate of the other samples (0 per ignored
    sample, not counted)."""
    y, s = case
    ignored = data.draw(arrays(np.bool_, y.shape))
    ignored[0] = False  # every sample ignored is refused: no mean
    y = np.where(ignored, -100, y)
    r = losscli.evaluate("zero_one", y, s, ignore_index=-100)
    kept = ~ignored
    assert r.n == int(kept.sum())
    assert np.array_equal(r.per_sample, np.where(kept, (np.argmax(s, axis=1) != y).astype(np.float64), 0.0))
    assert r.value == pytest.approx(float(np.mean(np.argmax(s[kept], axis=1) != y[kept])), rel=1e-15)


def test_ignore_index_reaches_zero_one_beside_a_cross_entropy(tmp_path, capsys):
    """``scce,zero_one --ignore-index -100`` (a token classifier's loss and accuracy): zero_one took no
    ignore_index, refused the padding rows, and its hint asked for the --ignore-index already given."""
    path = tmp_path / "tokens.csv"
    path.write_text("label,a,b,c\n0,1.0,0.5,0.1\n-100,0.2,0.3,0.5\n2,0.1,0.2,3.0\n1,2.0,0.0,0.0\n")
    code, out, err = run_cli(["eval", "scce,zero_one", path, "--logits", "--ignore-index", "-100", "--json"], capsys)
    assert code == 0, err
    scce, zero_one = json.loads(out)
    assert scce["n"] == zero_one["n"] == 3
    assert zero_one["value"] == pytest.approx(1 / 3, rel=1e-15)
    assert zero_one["per_sample"] == [0.0, 0.0, 0.0, 1.0]
