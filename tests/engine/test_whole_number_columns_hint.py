"""Whole-number columns beside predict_proba's columns — Spark ML's hard ``prediction`` beside ``prob_0, prob_1``,
caret's ``rowIndex`` and a hyperparameter beside the class columns — make the rows sum to more than 1 or leave
[0, 1]. The hint was ``--logits``, which then scored every column as a class: a wrong number with exit 0. The
hint now names those columns and says to choose the probability columns."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli


def _probs():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 30)
    p = rng.uniform(0.05, 0.95, 30)
    return y, p


def test_a_hard_prediction_beside_the_class_columns_is_named_not_logits(tmp_path, capsys):
    y, p = _probs()
    path = tmp_path / "spark.csv"
    with open(path, "w") as f:
        f.write("label,prob_0,prob_1,prediction\n")
        for label, q in zip(y, p, strict=True):
            f.write(f"{float(label)},{float(1 - q)!r},{float(q)!r},{float(q > 0.5)}\n")
    code, out, err = run_cli(["eval", "cce", path, "-q"], capsys)
    assert code == 3 and out == ""
    assert "prediction column 3 (of 3) holds whole numbers" in err and "--pred-cols" in err
    assert "pass logits with --logits" not in err
    code, out, err = run_cli(["eval", "cce", path, "--pred-cols", "prob_0,prob_1", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(np.where(y == 1, np.log(p), np.log(1 - p))), rel=1e-12)


def test_an_index_and_a_hyperparameter_beside_the_class_columns_are_named(tmp_path, capsys):
    y, p = _probs()
    path = tmp_path / "caret.csv"
    with open(path, "w") as f:
        f.write('"","obs","no","yes","rowIndex","mtry"\n')
        for i, (label, q) in enumerate(zip(y, p, strict=True)):
            f.write(f'"{i + 1}","{["no", "yes"][label]}",{float(1 - q)!r},{float(q)!r},{(i * 7) % 30 + 1},2\n')
    code, out, err = run_cli(["eval", "cce", path, "--label-cols", "obs", "-q"], capsys)
    # refused as the columns are chosen (exit 2), before any row is read: the hint chooses the class columns
    assert code == 2 and out == ""
    assert "columns 'rowIndex', 'mtry' of" in err and "hold whole numbers" in err and "--pred-cols no:yes" in err
    assert "did you mean --logits?" not in err
    code, out, err = run_cli(["eval", "cce", path, "--label-cols", "obs", "--pred-cols", "no:yes", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(np.where(y == 1, np.log(p), np.log(1 - p))), rel=1e-12)


def test_scores_out_of_range_still_suggest_logits(tmp_path, capsys):
    path = tmp_path / "p.csv"
    path.write_text("y,p\n1,1.7\n0,0.2\n")
    code, _, err = run_cli(["eval", "bce", path, "-q"], capsys)
    assert code == 3 and "did you mean --logits?" in err
