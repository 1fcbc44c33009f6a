"""``compare --preds2 --baseline-preds2``: each model's second input of a pairwise loss in a file of its own."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli


@pytest.fixture
def models(tmp_path):
    """Labels and two models' (x1, x2) embeddings, as separate files and as one file per model."""
    rng = np.random.default_rng(6)
    n, d = 3000, 4
    y = rng.choice([-1.0, 1.0], n)
    files = {}
    np.save(tmp_path / "y.npy", y)
    for model, noise in (("new", 0.3), ("old", 0.6)):
        x1 = rng.standard_normal((n, d))
        x2 = x1 * y[:, None] + rng.normal(0, noise, (n, d))
        np.save(tmp_path / f"{model}1.npy", x1)
        np.save(tmp_path / f"{model}2.npy", x2)
        np.save(tmp_path / f"{model}.npy", np.hstack([x1, x2]))
        files[model] = (x1, x2)
    return tmp_path, y, files


def _compare(capsys, *args):
    code, out, err = run_cli(["compare", "cosine_embedding(margin=0.1)", "--json", "--bootstrap", "200", *args], capsys)
    assert code == 0, err
    return json.loads(out)


def test_separate_second_inputs_equal_the_columns_of_one_file(models, capsys):
    d, y, files = models
    split = _compare(capsys, "--labels", d / "y.npy", "--preds", d / "new1.npy", "--preds2", d / "new2.npy",
                     "--baseline-preds", d / "old1.npy", "--baseline-preds2", d / "old2.npy")
    joined = _compare(capsys, "--labels", d / "y.npy", "--preds", d / "new.npy", "--baseline-preds", d / "old.npy",
                      "--pred-cols", "1:4", "--pred2-cols", "5:8")
    for key in ("n", "samples", "difference", "verdict"):
        assert split[key] == joined[key], key
    # against the formula: mean over rows of (1 − cos) for y = 1, max(0, cos − margin) for y = −1
    def loss(x1, x2):
        cos = (x1 * x2).sum(1) / np.sqrt((x1 * x1).sum(1) * (x2 * x2).sum(1))
        return np.where(y > 0, 1 - cos, np.maximum(0.0, cos - 0.1))
    diff = loss(*files["new"]) - loss(*files["old"])
    assert split["difference"]["mean"] == pytest.approx(diff.mean(), rel=1e-12)
    assert split["candidate"]["file"].endswith("new1.npy") and split["baseline"]["file"].endswith("old1.npy")


def test_one_second_input_without_the_other_is_a_usage_error_and_the_hint_works(models, capsys):
    d, _, _ = models
    base = ["compare", "cosine_embedding", "--labels", d / "y.npy", "--preds", d / "new1.npy",
            "--baseline-preds", d / "old1.npy", "--json"]
    code, out, err = run_cli([*base, "--preds2", d / "new2.npy"], capsys)
    assert code == 2 and out == ""
    assert "--preds2 needs --baseline-preds2" in err and "--pred2-cols" in err
    code, _, err = run_cli([*base, "--baseline-preds2", d / "old2.npy"], capsys)
    assert code == 2 and "--baseline-preds2 needs --preds2" in err
    code, _, err = run_cli([*base, "--preds2", d / "new2.npy", "--baseline-preds2", d / "old2.npy"], capsys)
    assert code == 0, err
    code, _, err = run_cli([*base, "--preds", d / "new1.npy", "--preds", d / "old1.npy", "--preds2", d / "new2.npy",
                            "--baseline-preds2", d / "old2.npy"], capsys)
    assert code == 2 and "--preds2 goes with one --preds file" in err
    code, _, err = run_cli([*base, "--preds2", "-", "--baseline-preds2", d / "old2.npy"], capsys)
    assert code == 2 and "compare reads its inputs twice" in err
