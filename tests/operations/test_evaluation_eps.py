"""``--eps`` clips predicted probabilities: for losses none of which takes probabilities it would change
nothing, and is a usage error naming the losses it applies to; beside one that does it is taken."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

DATA = Path(__file__).resolve().parents[2] / "sample_data"


def _mse() -> float:
    table = np.genfromtxt(DATA / "regression.csv", delimiter=",", names=True)
    return float(np.mean((table["y_true"] - table["y_pred"]) ** 2))


@pytest.mark.parametrize("loss", ["mse", "mse,huber"])
def test_eps_for_losses_without_probabilities_is_a_usage_error_and_its_hint_works(loss, capsys):
    code, out, err = run_cli(["eval", loss, DATA / "regression.csv", "--eps", "0.01", "-q"], capsys)
    assert code == 2 and out == ""
    assert "--eps clips predicted probabilities" in err and "mse" in err and "none" in err
    assert "leave out --eps" in err and "binary_crossentropy" in err and err.count("\n") == 1
    code, out, _ = run_cli(["eval", "mse", DATA / "regression.csv", "-q"], capsys)  # the hint
    assert code == 0 and float(out) == pytest.approx(_mse(), rel=1e-12)


def test_eps_beside_a_loss_on_probabilities_is_taken(capsys):
    y = np.loadtxt(DATA / "binary_labels.csv", delimiter=",", skiprows=1)
    p = np.clip(np.loadtxt(DATA / "binary_probs.csv", delimiter=",", skiprows=1), 0.2, 0.8)
    code, out, err = run_cli(["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds",
                              DATA / "binary_probs.csv", "--eps", "0.2", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p)))), rel=1e-12)
