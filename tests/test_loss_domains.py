"""Inputs outside a new loss's domain: one message naming the file, row and value, and a hint that works."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli
from losscli.errors import LabelError, ParameterError, ProbabilityError, ShapeError, UsageError


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


def test_probability_column_of_zero_one_and_its_hint(tmp_path, capsys):
    f = _csv(tmp_path / "z.csv", "y,score", [(1, 2.5), (0, -1.0)])
    code, out, err = run_cli(["eval", "zero_one", f, "-q"], capsys)
    assert code == 3 and "probability of class 1" in err and "--logits" in err
    code, out, _ = run_cli(["eval", "zero_one", f, "--logits", "-q"], capsys)
    assert code == 0 and float(out) == 0.0


def test_hamming_needs_hard_labels():
    with pytest.raises(LabelError, match="0 or 1"):
        losscli.evaluate("hamming", [[0.5, 1.0]], [[0.2, 0.9]])


def test_poisson_log_rates_and_conventions(tmp_path, capsys):
    f = _csv(tmp_path / "p.csv", "y,x", [(3, 0.7), (0, -1.2)])
    code, out, _ = run_cli(["eval", "poisson_nll_loss", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(np.mean([np.exp(0.7) - 3 * 0.7, np.exp(-1.2)]), rel=1e-15)
    code, out, err = run_cli(["eval", "poisson", f, "-q"], capsys)
    assert code == 3 and "rates must be ≥ 0" in err
    with pytest.raises(UsageError, match="Keras' Poisson takes rates"):
        losscli.evaluate("poisson", [1.0], [0.3], from_logits=True, convention="keras")


def test_multi_margin_power_and_weights():
    with pytest.raises(ParameterError, match="≤ 2"):
        losscli.evaluate("multi_margin(p=3)", [0], [[0.1, 0.2]])
    with pytest.raises(ParameterError, match="class_weights has 3 values"):
        losscli.evaluate("multi_margin", [0], [[0.1, 0.2]], class_weights=[1, 2, 3])


def test_pinball_alphas_per_column():
    with pytest.raises(ParameterError, match="alpha has 2 values but the predictions have 3 columns"):
        losscli.evaluate("pinball", [1.0], [[0.5, 1.0, 2.0]], alpha=[0.1, 0.9])
    with pytest.raises(ParameterError, match="≤ 1"):
        losscli.evaluate("pinball(alpha=1.5)", [1.0], [0.5])


def test_soft_margin_labels():
    with pytest.raises(LabelError, match="−1/\\+1"):
        losscli.evaluate("soft_margin", [2.0], [0.5])
    with pytest.raises(ProbabilityError):
        losscli.evaluate("hamming", [[1, 0]], [[1.5, 0.2]])


def test_pairwise_inputs_from_two_column_groups(tmp_path, capsys):
    f = _csv(tmp_path / "e.csv", "y,a1,a2,b1,b2", [(1, 1, 0, 0.8, 0.6), (-1, 0.5, 0.5, 0.5, 0.4)])
    code, out, _ = run_cli(["eval", "cosine_embedding", f, "--pred-cols", "a1,a2", "--pred2-cols", "b1,b2", "-q"],
                           capsys)
    want = losscli.evaluate("cosine_embedding", [1, -1], [[1, 0, 0.8, 0.6], [0.5, 0.5, 0.5, 0.4]]).value
    assert code == 0 and float(out) == want
    code, _, err = run_cli(["eval", "cosine_embedding", f, "--pred2-cols", "b1,b2"], capsys)
    assert code == 2 and "--pred2-cols needs --pred-cols" in err
    code, _, err = run_cli(["eval", "cosine_embedding", f, "--pred-cols", "a1,a2", "--pred2-cols", "b1"], capsys)
    assert code == 3 and "2 groups of prediction columns of equal width, got 3" in err
    with pytest.raises(ShapeError, match="needs 2 prediction columns"):
        losscli.evaluate("margin_ranking", [1], [0.5])


def test_error_rates_report_their_accuracy(tmp_path, capsys):
    import json

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
