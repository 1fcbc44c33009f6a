"""Numerics without overflow: a finite true result is reported finite; a true overflow is an error or an
explicit warning, never 0.0, NaN or null without a word. Option values are checked when parsed."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli
from losscli.engine.accumulator import Accumulator


def test_equal_huge_weights_give_the_unweighted_mean():
    y, p = np.array([1.0, 0.0, 1.0]), np.array([0.9, 0.2, 0.6])
    plain = losscli.evaluate("bce", y, p).value
    assert losscli.evaluate("bce", y, p, sample_weight=np.full(3, 1e308)).value == pytest.approx(plain, rel=1e-15)


def test_mse_of_values_near_1e154_is_finite():
    r = losscli.evaluate("mse", np.zeros(3), np.full(3, 1.3e154))
    assert r.value == pytest.approx(1.69e308, rel=1e-15)
    doc = r.summary()
    assert doc["value"] is not None and doc["std"] == 0.0


def test_streamed_and_merged_huge_sums_agree():
    v = np.full(200_000, 1e307)
    a = Accumulator()
    for part in np.array_split(v, 7):
        a.update(part)
    b = Accumulator()
    b.update(v[:100_000])
    c = Accumulator()
    c.update(v[100_000:])
    b.merge(Accumulator.from_json(c.to_json()))
    for acc in (a, b):
        t = acc.totals()
        assert t["sum"] == math.inf  # 2e312 does not exist in float64 ...
        m, e = t["sum_scaled"]
        assert math.ldexp(m / t["weight_sum"], e) == pytest.approx(1e307, rel=1e-15)  # ... its mean does


def test_a_true_overflow_of_the_sum_is_an_error(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y\n0\n0\n")
    (tmp_path / "p.csv").write_text("p\n1.3e154\n1.3e154\n")
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--reduction", "sum", "--json"], capsys)
    assert code == 3 and out == "" and "overflows float64" in err and "rescale" in err
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--json"], capsys)
    assert code == 0 and json.loads(out)["value"] == pytest.approx(1.69e308, rel=1e-15)


def test_an_infinite_per_sample_loss_is_said(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y\n0\n0\n")
    (tmp_path / "p.csv").write_text("p\n1e200\n1\n")
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["value"] is None
    assert any("infinite" in w for w in doc["warnings"]) and "infinite" in err


@pytest.mark.parametrize("value", ["nan", "-1", "inf", "-inf"])
def test_sum_tol_is_checked_when_parsed(tmp_path, capsys, value):
    (tmp_path / "d.csv").write_text("label,a,b\n0,0.5,0.5\n")
    code, out, err = run_cli(["eval", "cce", tmp_path / "d.csv", "--sum-tol", value], capsys)
    assert code == 2 and out == "" and "--sum-tol" in err
    with pytest.raises(losscli.UsageError):
        losscli.evaluate("cce", np.array([0]), np.array([[0.5, 0.5]]), sum_tol=float(value))


def test_sum_tol_zero_means_exactly(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("label,a,b\n0,0.5,0.5\n1,0.3,0.7000001\n")
    code, _, err = run_cli(["eval", "cce", tmp_path / "d.csv", "--sum-tol", "0"], capsys)
    assert code == 3 and "tolerance 0)" in err
    code, out, _ = run_cli(["eval", "cce", tmp_path / "d.csv", "-q"], capsys)
    assert code == 0


def test_huge_weights_times_a_loss_beyond_float64_still_give_the_weighted_mean():
    y, p = np.zeros(4), np.array([1.0, 2.0, 3.0, 4.0])
    r = losscli.evaluate("mse", y, p, sample_weight=np.full(4, 1e308))
    assert r.value == pytest.approx(7.5, rel=1e-15)  # each w·l but the first is beyond float64
    assert np.isinf(r.per_sample[1:]).all() and r.per_sample[0] == 1e308
    w = np.array([1e308, 1e308, 2e307, 1.0])
    assert losscli.evaluate("mse", y, p, sample_weight=w).value == pytest.approx((1 + 4 + 0.2 * 9) / 2.2, rel=1e-14)


@pytest.mark.parametrize("chunk", ["1", "3", "1000"])
def test_huge_weights_through_the_command_line_in_any_chunks(tmp_path, capsys, chunk):
    (tmp_path / "d.csv").write_text("y,p,w\n0,1,1e308\n0,2,1e308\n0,3,1e308\n0,4,1e308\n0,5,1\n")
    code, out, err = run_cli(["eval", "mse", tmp_path / "d.csv", "--label-cols", "y", "--pred-cols", "p",
                              "--weight-col", "w", "--chunk-rows", chunk, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx((1 + 4 + 9 + 16 + 25e-308) / 4, rel=1e-15)


def test_an_overflowing_standard_deviation_is_flagged_not_silently_null():
    """The mean of values near 1e154 squared is finite and exact; their spread overflows: said so."""
    import losscli

    r = losscli.evaluate("mse", np.zeros(3), np.array([1.3e154, -1.3e154, 1e150]))
    assert math.isfinite(r.value) and r.value > 1e308
    assert not math.isfinite(r.std)
    assert any("standard deviation" in w and "overflows" in w for w in r.warnings)


@pytest.mark.parametrize("loss, y, p", [("cosine_embedding", [1], [[1e155, 1e155, 1e155, 0.0]]),
                                        ("log_cosh", [1e308], [-1e308]), ("pinball", [1e308], [-1e308])])
def test_a_nan_loss_of_finite_inputs_is_said(loss, y, p, tmp_path, capsys):
    """A formula that overflows to NaN on finite inputs gave a null value, exit 0 and no word (nor NumPy's
    RuntimeWarning on stderr through the command line); a warning says why now."""
    r = losscli.evaluate(loss, y, p)
    assert math.isnan(r.value) and any("NaN though its inputs are finite" in w for w in r.warnings)
    if loss == "log_cosh":
        (tmp_path / "d.csv").write_text("y,p\n1e308,-1e308\n1,2\n")
        code, out, err = run_cli(["eval", loss, tmp_path / "d.csv", "-q"], capsys)
        assert (code, out.strip()) == (0, "nan") and "NaN though its inputs are finite" in err
        assert "RuntimeWarning" not in err
