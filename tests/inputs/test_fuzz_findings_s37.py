"""Found by random option combinations: --classes beside one-hot labels was ignored (the columns paired by
place, exit 0); a per-token file's 0/1 ``words`` column was read as one more logit class; two parametrised
losses in one expression were an internal error."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

torch = pytest.importorskip("torch")


def test_classes_beside_one_hot_labels_is_refused(tmp_path, capsys):
    pd.DataFrame({"cat": [1, 0, 0], "dog": [0, 1, 0], "bird": [0, 0, 1]}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p_bird": [0.1, 0.2, 0.7], "p_cat": [0.8, 0.1, 0.1], "p_dog": [0.1, 0.7, 0.2]}).to_csv(
        tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(["eval", "cce", *files, "--classes", "bird,cat,dog"], capsys)
    assert (code, out) == (2, "") and "one-hot or multi-label" in err, err
    code, out, err = run_cli(["eval", "cce", *files, "--pred-cols", "p_cat,p_dog,p_bird"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.mean(np.log([0.8, 0.7, 0.7])), rel=1e-12), err


def test_a_per_token_words_column_of_zeros_and_ones_is_no_class(tmp_path, capsys):
    rng = np.random.default_rng(0)
    logits, y = rng.normal(0, 2, (30, 3)).round(4), rng.integers(0, 3, 30)
    pd.DataFrame({"token": y, "l0": logits[:, 0], "l1": logits[:, 1], "l2": logits[:, 2],
                  "words": (rng.random(30) < 0.4).astype(int)}).to_csv(tmp_path / "tok.csv", index=False)
    code, out, err = run_cli(["eval", "scce", tmp_path / "tok.csv", "--label-cols", "token", "--logits", "-q"], capsys)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err


@pytest.mark.parametrize("expression", ["huber(delta=0.5),huber(delta=2)", "huber(delta=0.5)+mse(a=1)"])
def test_two_parametrised_losses_in_one_expression_are_a_usage_error(tmp_path, capsys, expression):
    code, out, err = run_cli(["explain", expression], capsys)
    assert (code, out) == (2, "") and "cannot read loss" in err, err
