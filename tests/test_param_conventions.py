"""A parameter the convention's library lacks is refused under that convention, never computed as if it had it."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import invoke
from click.testing import CliRunner

import losscli
from losscli.registry import list_losses

Y_BIN = np.array([1.0, 0.0, 1.0, 0.0])
P_BIN = np.array([0.8, 0.3, 0.6, 0.1])
Y_IDX = np.array([0, 2, 1, 2])
P_ROWS = np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.2, 0.5, 0.3], [0.3, 0.3, 0.4]])
RATES = np.array([0.5, 2.0, 3.0, 1.5])
COUNTS = np.array([0.0, 2.0, 4.0, 1.0])

#: (loss, labels, predictions, the parameter a peer lacks, the conventions that lack it, one that has it)
LACKING = [
    ("scce", Y_IDX, P_ROWS, {"label_smoothing": 0.1}, ["keras", "sklearn"], "torch"),
    ("bce", Y_BIN, P_BIN, {"label_smoothing": 0.1}, ["torch", "sklearn"], "keras"),
    ("bce", Y_BIN, P_BIN, {"pos_weight": 2.0}, ["keras", "sklearn"], "losscli"),
    ("cce", np.eye(3)[Y_IDX], P_ROWS, {"label_smoothing": 0.1}, ["sklearn"], "torch"),
    ("binary_focal", Y_BIN, P_BIN, {"label_smoothing": 0.1}, ["torch"], "keras"),
    ("poisson", COUNTS, RATES, {"full": True}, ["keras"], "torch"),
    ("ece", Y_BIN, P_BIN, {"strategy": "quantile", "n_bins": 2}, ["torch"], "losscli"),
    ("ece", Y_BIN, P_BIN, {"classwise": True, "n_bins": 2}, ["torch"], "losscli"),
]
CASES = [(loss, y, p, params, conv, ok) for loss, y, p, params, lacking, ok in LACKING for conv in lacking]


def _id(case) -> str:
    loss, _, _, params, conv, _ = case
    return f"{loss}-{'-'.join(params)}-{conv}"


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_a_parameter_the_library_lacks_is_refused_naming_it(case):
    loss, y, p, params, conv, ok = case
    name = next(iter(params))
    with pytest.raises(losscli.UsageError) as info:
        losscli.evaluate(loss, y, p, convention=conv, **params)
    assert f"has no {name} for this loss" in str(info.value)
    assert f"--convention {conv}" in str(info.value)
    assert ok in info.value.hint and f"drop {name}" in info.value.hint


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_the_parameter_at_its_default_is_accepted(case):
    """Writing the default (label_smoothing=0, full=false, strategy=uniform) asks for nothing the peer lacks."""
    loss, y, p, params, conv, _ = case
    name = next(iter(params))
    default = losscli.get_loss(loss).param(name).default
    plain = losscli.evaluate(loss, y, p, convention=conv, **{k: v for k, v in params.items() if k != name})
    spelled = losscli.evaluate(loss, y, p, convention=conv, **{**params, name: default})
    assert spelled.value == plain.value


def _cli(loss: str, params: dict, conv: str, tmp_path, y, p) -> list[str]:
    labels, preds = tmp_path / "labels.npy", tmp_path / "preds.npy"
    np.save(labels, y)
    np.save(preds, p)
    expr = loss + ("(" + ", ".join(f"{k}={json.dumps(v)}" for k, v in params.items()) + ")" if params else "")
    return ["eval", expr, "--labels", labels, "--preds", preds, "--convention", conv, "-q"]


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_the_command_exits_2_with_one_message_and_its_hints_work(case, tmp_path):
    loss, y, p, params, conv, ok = case
    runner = CliRunner()
    name = next(iter(params))
    r = invoke(runner, _cli(loss, params, conv, tmp_path, y, p))
    assert r.exit_code == 2 and r.stdout == ""
    assert r.stderr.count("error:") == 1 and "Traceback" not in r.stderr and name in r.stderr
    # the hint's first way: drop the parameter, and get the convention's own number
    rest = {k: v for k, v in params.items() if k != name}
    dropped = invoke(runner, _cli(loss, rest, conv, tmp_path, y, p))
    assert dropped.exit_code == 0
    assert float(dropped.stdout) == losscli.evaluate(loss, y, p, convention=conv, **rest).value
    # the other: a convention that defines it
    moved = invoke(runner, _cli(loss, params, ok, tmp_path, y, p))
    assert moved.exit_code == 0
    expected = losscli.evaluate(loss, y, p, convention=ok, **params).value
    assert math.isfinite(expected) and float(moved.stdout) == expected


def test_torch_pos_weight_and_keras_smoothing_are_still_their_peers_numbers():
    """What the peers do define is unchanged: torch's pos_weight on logit(p), Keras' binary smoothing."""
    x = np.log(P_BIN / (1 - P_BIN))
    log_sig, log_sig_neg = -np.logaddexp(0, -x), -np.logaddexp(0, x)
    torch_pw = np.mean(-(2.0 * Y_BIN * log_sig + (1 - Y_BIN) * log_sig_neg))
    assert losscli.evaluate("bce", Y_BIN, x, from_logits=True, pos_weight=2.0, convention="torch").value == \
        pytest.approx(torch_pw, rel=1e-14)
    ys = Y_BIN * 0.9 + 0.05
    keras = np.mean(-(ys * np.log(P_BIN) + (1 - ys) * np.log1p(-P_BIN)))
    assert losscli.evaluate("bce", Y_BIN, P_BIN, label_smoothing=0.1, convention="keras").value == \
        pytest.approx(keras, rel=1e-6)  # Keras computes in float32


def test_every_restriction_names_conventions_of_its_loss_and_explain_shows_it():
    restricted = 0
    for spec in list_losses():
        for param in spec.params:
            if param.peers is None:
                continue
            restricted += 1
            assert set(param.peers) <= set(spec.conventions), (spec.name, param.name)
            shown = param.describe()["conventions"]
            assert shown[0] == "losscli" and [c for c in spec.conventions if param.defined_under(c)] == shown
    assert restricted >= 8
    runner = CliRunner()
    r = invoke(runner, ["explain", "scce"])
    assert r.exit_code == 0
    assert "label_smoothing (float, default 0.0; only under losscli, torch)" in r.stdout


@pytest.mark.parametrize("convention", ["losscli", "torch", "keras"])
def test_a_negative_focal_alpha_turns_the_balancing_off_as_torchvisions_alpha_minus_1(convention):
    """torchvision applies α = 0.25 by default and turns it off with alpha=-1; so does the torch convention."""
    x = np.array([1.5, -0.7, 2.0, 0.3])
    y = np.array([1.0, 0.0, 0.0, 1.0])
    p = 1 / (1 + np.exp(-x))
    pt = np.where(y == 1, p, 1 - p)
    plain = float(np.mean((1 - pt) ** 2 * -np.log(pt)))
    off = losscli.evaluate("focal", y, x, from_logits=True, convention=convention, alpha=-1)
    assert off.value == pytest.approx(plain, rel=1e-6 if convention == "keras" else 1e-14)
    if convention == "torch":  # the default there is torchvision's α = 0.25
        balanced = float(np.mean(np.where(y == 1, 0.25, 0.75) * (1 - pt) ** 2 * -np.log(pt)))
        assert losscli.evaluate("focal", y, x, from_logits=True, convention="torch").value == \
            pytest.approx(balanced, rel=1e-14)


def test_torch_pos_weight_on_probabilities_is_refused_and_both_hints_work(tmp_path):
    """torch has pos_weight in BCEWithLogitsLoss alone (BCELoss has none): on probabilities it was taken under
    --convention torch (exit 0) for a number torch has not. The hints: logits (torch's number), or losscli."""
    runner = CliRunner()
    r = invoke(runner, _cli("bce", {"pos_weight": 2.0}, "torch", tmp_path, Y_BIN, P_BIN))
    assert r.exit_code == 2 and r.stdout == "" and r.stderr.count("error:") == 1, r.stderr
    assert "pos_weight for logits alone" in r.stderr and "--logits" in r.stderr and "--convention losscli" in r.stderr
    x = np.log(P_BIN / (1 - P_BIN))
    logits = invoke(runner, [*_cli("bce", {"pos_weight": 2.0}, "torch", tmp_path, Y_BIN, x), "--logits"])
    torch_pw = np.mean(-(2.0 * Y_BIN * -np.logaddexp(0, -x) + (1 - Y_BIN) * -np.logaddexp(0, x)))
    assert logits.exit_code == 0 and float(logits.stdout) == pytest.approx(torch_pw, rel=1e-14)
    own = invoke(runner, _cli("bce", {"pos_weight": 2.0}, "losscli", tmp_path, Y_BIN, P_BIN))
    want = np.mean(-(2.0 * Y_BIN * np.log(P_BIN) + (1 - Y_BIN) * np.log1p(-P_BIN)))
    assert own.exit_code == 0 and float(own.stdout) == pytest.approx(want, rel=1e-14)
    with pytest.raises(losscli.UsageError, match="for logits alone"):
        losscli.evaluate("bce", Y_BIN, np.log(P_BIN), log_probs=True, pos_weight=2.0, convention="torch")


@pytest.mark.parametrize("value", [np.float64(2.0), np.float32(2.0), np.array(2.0), np.int64(2)])
def test_a_numpy_scalar_parameter_is_a_number(value):
    """``pos_weight=np.float64(2)`` (a value taken from an array) was a TypeError traceback: 'not iterable'."""
    x = np.log(P_BIN / (1 - P_BIN))
    got = losscli.evaluate("bce", Y_BIN, x, from_logits=True, pos_weight=value, convention="torch").value
    assert got == losscli.evaluate("bce", Y_BIN, x, from_logits=True, pos_weight=2.0, convention="torch").value
    cw = losscli.evaluate("scce", Y_IDX, P_ROWS, class_weights=np.array([1.0, value, 1.0])).value
    assert cw == losscli.evaluate("scce", Y_IDX, P_ROWS, class_weights=[1.0, 2.0, 1.0]).value
