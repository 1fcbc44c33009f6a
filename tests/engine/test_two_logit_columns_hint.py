"""Two logit columns (a softmax classifier's (N, 2)) given to a binary loss from logits: the hint named
--pred-cols for the positive class's column, which scores σ(z₁) alone (0.87 for the model's 0.90). It names
sparse_categorical_crossentropy --logits, which gives torch's CrossEntropyLoss; probabilities keep their hint."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

torch = pytest.importorskip("torch")


def test_the_hint_for_two_logits_gives_torchs_number(tmp_path, capsys):
    rng = np.random.default_rng(6)
    z, y = rng.normal(size=(30, 2)), rng.integers(0, 2, 30)
    pd.DataFrame(z, columns=["z0", "z1"]).to_csv(tmp_path / "z.csv", index=False)
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "z.csv", "-q"]
    code, out, err = run_cli(["eval", "BCEWithLogitsLoss", *files], capsys)
    assert (code, out) == (3, "") and "its loss is sparse_categorical_crossentropy --logits" in err, err
    assert "--pred-cols" not in err.split("binary_crossentropy compares")[1].split(";")[1], err
    code, out, err = run_cli(["eval", "sparse_categorical_crossentropy", "--logits", *files], capsys)
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y)).item()
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    pd.DataFrame(p, columns=["p0", "p1"]).to_csv(tmp_path / "z.csv", index=False)
    code, out, err = run_cli(["eval", "bce", *files], capsys)
    assert code == 3 and "a predict_proba (N, 2)? --convention sklearn" in err, err
