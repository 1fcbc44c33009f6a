"""Log-probabilities in base 2 given to --log-probs: their rows do not sum to 1 as exp(a), and the hint was to
use --logits, which takes them for scores (5.23, a number in no unit, for torch's 4.00 nats). The hint now says
they are log₂ and how to give natural logs; following it gives torch's number, in nats or, with --unit bits,
in bits."""

from __future__ import annotations

import math

import numpy as np
import pytest
from cli_helpers import run_cli

torch = pytest.importorskip("torch")


def test_base_2_log_probabilities_are_named_and_the_hint_gives_torchs_number(tmp_path, capsys):
    torch.manual_seed(0)
    logits, y = torch.randn(40, 11, dtype=torch.float64) * 2, torch.randint(0, 11, (40,))
    log_p = torch.log_softmax(logits, -1)
    nats = torch.nn.functional.nll_loss(log_p, y).item()
    np.save(tmp_path / "y.npy", y.numpy())
    np.save(tmp_path / "log2p.npy", (log_p / math.log(2)).numpy())
    code, out, err = run_cli(["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "log2p.npy",
                              "--log-probs", "-q"], capsys)
    assert code == 3 and out == ""
    assert "log-probability rows must sum to 1 as exp(a)" in err and "base 2" in err and "np.log(2)" in err
    np.save(tmp_path / "logp.npy", np.load(tmp_path / "log2p.npy") * np.log(2))  # the hint
    args = ["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "logp.npy", "--log-probs", "-q"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(nats, rel=1e-14)
    code, out, _ = run_cli([*args, "--unit", "bits"], capsys)
    assert code == 0 and float(out) == pytest.approx(nats / math.log(2), rel=1e-14)
