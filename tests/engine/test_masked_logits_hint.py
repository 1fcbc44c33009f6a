"""A class masked out of a softmax with a logit of −inf (a constrained vocabulary, a padded multiple choice):
the refusal's hint was to drop the row, which drops every row. It now says how to give the mask as a large
negative logit, which gives torch's number."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

torch = pytest.importorskip("torch")


def test_minus_inf_logits_get_a_hint_that_gives_torchs_number(tmp_path, capsys):
    torch.manual_seed(0)
    logits, y = torch.randn(40, 11, dtype=torch.float64) * 2, torch.randint(0, 10, (40,))
    logits[:, 10] = -float("inf")
    ref = torch.nn.functional.cross_entropy(logits, y).item()
    np.save(tmp_path / "y.npy", y.numpy())
    np.save(tmp_path / "x.npy", logits.numpy())
    args = ["eval", "scce", "--labels", tmp_path / "y.npy", "--logits", "-q"]
    code, out, err = run_cli([*args, "--preds", tmp_path / "x.npy"], capsys)
    assert code == 3 and out == ""
    assert "np.nan_to_num(x, neginf=-1e30)" in err
    np.save(tmp_path / "fixed.npy", np.nan_to_num(np.load(tmp_path / "x.npy"), neginf=-1e30))
    code, out, err = run_cli([*args, "--preds", tmp_path / "fixed.npy"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(ref, rel=1e-14)


def test_a_sigmoid_losss_minus_inf_logit_gets_no_masking_hint(tmp_path, capsys):
    """bce's outputs are no classes of one softmax: a -inf logit there is no mask, and the hint says so."""
    (tmp_path / "b.csv").write_text("y1,y2,l1,l2\n1,0,0.5,-inf\n0,1,-0.3,1.2\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "b.csv", "--label-cols", "y1,y2", "--pred-cols", "l1,l2",
                              "--logits", "-q"], capsys)
    assert code == 3 and out == ""
    assert "masked" not in err and "an infinite value has no loss to average" in err
