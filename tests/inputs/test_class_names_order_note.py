"""Class numbers beside prediction columns named for classes out of sorted order (``dog, cat, bird``) are the
columns' places, as torch and Keras number classes; scikit-learn's ``LabelEncoder`` numbers them in sorted
order. The run says which reading it took and which ``--classes`` gives the other, and that one gives
scikit-learn's number."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import log_loss, run_cli


def test_the_note_names_the_pairing_and_its_hint_gives_label_encoders_number(tmp_path, capsys):
    rng = np.random.default_rng(5)
    words = np.array(["dog", "cat", "bird"])[rng.integers(0, 3, 50)]
    classes, encoded = np.unique(words, return_inverse=True)  # as LabelEncoder numbers them: bird, cat, dog
    p = rng.dirichlet([1, 1, 1], 50)  # columns in that order
    pd.DataFrame({"label": encoded}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=[f"p_{c}" for c in classes])[["p_dog", "p_cat", "p_bird"]].to_csv(
        tmp_path / "p.csv", index=False)
    args = ["eval", "scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--json"]
    code, out, err = run_cli(args, capsys)
    notes = json.loads(out)["inputs"]["notes"]
    note = next(n for n in notes if "class numbers of label" in n)
    assert "(0 → p_dog, 1 → p_cat, 2 → p_bird)" in note and note.endswith("give --classes 2,1,0")
    code, out, err = run_cli([*args, "--classes", "2,1,0"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["value"] == pytest.approx(log_loss(encoded, p), rel=1e-12), err
    assert not any("class numbers of label" in n for n in doc["inputs"].get("notes", []))


def test_sorted_or_numbered_columns_need_no_note(tmp_path, capsys):
    y = np.array([0, 1, 2, 1])
    p = np.full((4, 3), 1 / 3)
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
    for cols in (["bird", "cat", "dog"], ["p0", "p1", "p2"], ["logits[0]", "logits[1]", "logits[2]"]):
        pd.DataFrame(p, columns=cols).to_csv(tmp_path / "p.csv", index=False)
        code, out, err = run_cli(["eval", "scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                                  "--json"], capsys)
        assert code == 0 and not any("class numbers" in n for n in json.loads(out)["inputs"].get("notes", [])), (cols, err)
