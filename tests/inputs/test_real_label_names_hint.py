"""Text labels for a loss whose labels are numbers (token_nll beside OpenAI-style token strings, mse): the hint
was to give --classes, which such a loss refuses, with a hint back to leave --classes out. It now says to choose
a column of numbers, which gives the number."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli


def test_token_strings_as_token_nll_labels_get_a_hint_that_works(tmp_path, capsys):
    with open(tmp_path / "tokens.jsonl", "w", encoding="utf-8") as f:
        for i, (token, logprob) in enumerate(zip(["The", " cat", " sat"], [-2.5, -4.1, -1.3], strict=True)):
            f.write(json.dumps({"pos": i, "token": token, "logprob": logprob}) + "\n")
    args = ["eval", "token_nll", tmp_path / "tokens.jsonl", "--pred-cols", "logprob", "-q"]
    code, out, err = run_cli([*args, "--label-cols", "token"], capsys)
    assert code == 3 and out == ""
    assert "token_nll's labels are numbers, not names: choose a column of numbers with --label-cols" in err
    assert "--classes" not in err
    code, out, err = run_cli([*args, "--label-cols", "pos"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx((2.5 + 4.1 + 1.3) / 3, rel=1e-15)


def test_a_typo_among_numeric_labels_gets_the_plain_hint(tmp_path, capsys):
    (tmp_path / "r.csv").write_text("y,pred\n1.5,1.2\n2.0,2.5\nx,0.4\n")
    code, out, err = run_cli(["eval", "mse", tmp_path / "r.csv", "-q"], capsys)
    assert code == 3 and out == ""
    assert "(value 'x'): every value in this column must be a number" in err


@pytest.mark.parametrize("names", [["X1", "X2", "X3"], ["V1", "V2", "V3"], ["p1", "p2", "p3"]])
def test_labels_numbered_from_one_name_classes_in_the_hint_that_gives_the_peers_number(tmp_path, capsys, names):
    """R's factors and MATLAB's indices number classes from 1: ``scce`` said only "labels must lie in [0, 3)"."""
    rng = np.random.default_rng(0)
    y, p = rng.integers(1, 4, 20), rng.dirichlet(np.ones(3), 20)
    f = tmp_path / "r.csv"
    f.write_text(f"y,{','.join(names)}\n" + "".join(f"{a},{b[0]},{b[1]},{b[2]}\n" for a, b in zip(y, p, strict=True)))
    code, out, err = run_cli(["eval", "scce", f, "-q"], capsys)
    assert (code, out) == (3, "") and "give --classes 1,2,3 (the classes of the prediction columns, in order)" in err, err
    code, out, err = run_cli(["eval", "scce", f, "-q", "--classes", "1,2,3"], capsys)
    peer = float(-np.mean(np.log(p[np.arange(20), y - 1])))  # scikit-learn's log_loss(y, p, labels=[1, 2, 3])
    assert code == 0 and float(out) == pytest.approx(peer, rel=1e-14), err
