"""A Hugging Face dataset exported with ``to_json`` holds its ClassLabel ``label`` (ints) beside ``label_text``
(the class names). Scored with ``--label-cols label_text``, the prediction columns named for the classes are
the predictions; the ``label`` column is the labels again, not one more class. It was taken as a fourth
prediction column: refused as "probabilities in [0, 1]: did you mean --logits?", and with ``--logits`` scored
as a class of its own, a wrong number."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

NAMES = ["neg", "neu", "pos"]


def _write(path):
    rng = np.random.default_rng(7)
    y = rng.integers(0, 3, 30)
    logits = rng.normal(size=(30, 3)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    with open(path, "w") as f:
        for label, row in zip(y, probs, strict=True):
            record = {"label": int(label), "label_text": NAMES[label]}
            record.update({c: float(row[NAMES.index(c)]) for c in ["pos", "neg", "neu"]})
            f.write(json.dumps(record) + "\n")
    return y, probs, logits


def test_the_label_ints_are_not_a_class_beside_label_text(tmp_path, capsys):
    y, probs, _ = _write(tmp_path / "ds.jsonl")
    code, out, err = run_cli(["eval", "cce", tmp_path / "ds.jsonl", "--label-cols", "label_text", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(np.log(probs[np.arange(len(y)), y])), rel=1e-12)


def test_with_logits_the_label_ints_are_no_logit(tmp_path, capsys):
    y, probs, _ = _write(tmp_path / "ds.jsonl")
    code, out, err = run_cli(["eval", "cce", tmp_path / "ds.jsonl", "--label-cols", "label_text", "--logits", "-q"],
                             capsys)
    assert code == 0, err
    lse = np.log(np.exp(probs).sum(1))  # the three class columns read as logits
    assert float(out) == pytest.approx(np.mean(lse - probs[np.arange(len(y)), y]), rel=1e-12)


def test_a_label_named_column_is_still_the_prediction_when_no_other_remains(tmp_path, capsys):
    path = tmp_path / "d.csv"
    path.write_text("truth,y\n1,0.9\n0,0.2\n1,0.6\n")
    code, out, err = run_cli(["eval", "bce", path, "--label-cols", "truth", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.6])), rel=1e-12)
