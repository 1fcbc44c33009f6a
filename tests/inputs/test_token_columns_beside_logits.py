"""A per-token file as language-model evaluations write it: a document id, a position and the token beside one
column per logit (``doc, pos, token, logit_0 …``). The whole-number columns were scored as classes of their own
(29.7 for torch's 5.10, exit 0); they are refused with the logit columns to choose, on both engines. Elements of
an array of [score, flag] pairs (lm-evaluation-harness's ``filtered_resps``), chosen whole, gave the flags as
classes (2.73 for torch's 0.28); refused with the scores to choose."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

torch = pytest.importorskip("torch")


@pytest.fixture
def tokens(tmp_path):
    rng = np.random.default_rng(7)
    docs, steps, vocab = 4, 16, 8
    logits, y = rng.normal(size=(docs * steps, vocab)) * 2, rng.integers(0, vocab, docs * steps)
    y[steps - 5 : steps] = -100
    frame = pd.DataFrame(logits, columns=[f"logit_{i}" for i in range(vocab)])
    frame.insert(0, "token", y)
    frame.insert(0, "pos", np.tile(np.arange(steps), docs))
    frame.insert(0, "doc", np.repeat(np.arange(docs), steps))
    frame.to_csv(tmp_path / "tokens.csv", index=False)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y), ignore_index=-100).item()
    return tmp_path / "tokens.csv", ref


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_ids_and_positions_beside_logits_are_refused_and_the_hint_gives_torchs_number(tokens, capsys, engine):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    path, ref = tokens
    args = ["eval", "scce", path, "--label-cols", "token", "--logits", "--ignore-index", "-100", "--engine", engine,
            "-q"]
    code, out, err = run_cli(args, capsys)
    assert code == 2 and out == "", err
    assert "columns 'doc', 'pos' of" in err and "--pred-cols logit_0:logit_7" in err
    code, out, err = run_cli([*args, "--pred-cols", "logit_0:logit_7"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(ref, rel=1e-13)


def test_probability_columns_with_whole_values_stay_predictions(tmp_path, capsys):
    """A class never predicted (its probability column 0 in every row) is a prediction like the others."""
    rng = np.random.default_rng(2)
    p = rng.dirichlet(np.ones(2), 30)
    frame = pd.DataFrame({"y": rng.integers(0, 2, 30), "p0": p[:, 0], "p1": p[:, 1], "p2": 0.0})
    frame.to_csv(tmp_path / "f.csv", index=False)
    code, out, err = run_cli(["eval", "scce", tmp_path / "f.csv", "-q"], capsys)
    assert code == 0, err
    y = frame.y.to_numpy()
    assert float(out) == pytest.approx(float(-np.mean(np.log(p[np.arange(30), y]))), rel=1e-14)


def test_score_and_flag_pairs_are_refused_and_the_hint_gives_torchs_number(tmp_path, capsys):
    rows = [(0, [-2.7675, -10.0398, -4.3037, -4.2178]), (3, [-21.4932, -9.2802, -7.5028, -0.712]),
            (1, [-3.1, -1.2, -5.5, -2.0])]
    with open(tmp_path / "samples.jsonl", "w", encoding="utf-8") as f:
        for i, (target, ll) in enumerate(rows):
            greedy = int(np.argmax(ll))
            f.write(json.dumps({"doc_id": i, "target": target,
                                "resps": [[[x, k == greedy]] for k, x in enumerate(ll)],
                                "filtered_resps": [[x, k == greedy] for k, x in enumerate(ll)]}) + "\n")
    ref = torch.nn.functional.cross_entropy(torch.tensor([r[1] for r in rows], dtype=torch.float64),
                                            torch.tensor([r[0] for r in rows])).item()
    base = ["eval", "cce", tmp_path / "samples.jsonl", "--label-cols", "target", "--logits", "--id-col", "doc_id",
            "-q"]
    for chosen, hint in (("filtered_resps", "filtered_resps[*][0]"), ("filtered_resps[*]", "filtered_resps[*][0]"),
                         ("resps", "resps[*][0][0]")):
        code, out, err = run_cli([*base, "--pred-cols", chosen], capsys)
        assert code == 2 and out == "", err
        assert f"--pred-cols '{hint}'" in err
        code, out, err = run_cli([*base, "--pred-cols", hint], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(ref, rel=1e-14)


def test_true_among_the_numbers_of_an_array_is_not_1(tmp_path, capsys):
    """``[0.25, true, -1.5]``: NumPy read the array as [0.25, 1.0, -1.5]; a plain field ``true`` among numbers
    is refused, and so is the element now, naming it."""
    (tmp_path / "b.jsonl").write_text('{"label": 1, "logits": [0.25, true, -1.5]}\n'
                                      '{"label": 0, "logits": [1.0, -0.5, 2.0]}\n')
    code, out, err = run_cli(["eval", "scce", tmp_path / "b.jsonl", "--logits", "-q"], capsys)
    assert code == 3 and out == ""
    assert "column logits[1] row 1 (value 'true')" in err


def test_an_attention_mask_beside_logits_is_no_class(tmp_path, capsys):
    """Hugging Face's attention_mask (0/1) written beside the labels and the logits was scored as class 0's logit
    (5.005 for torch's 5.099, exit 0): a model's input, it is left out of the predictions, as a fold is."""
    rng = np.random.default_rng(7)
    logits, y = rng.normal(size=(128, 16)) * 2, rng.integers(0, 16, 128)
    mask = np.ones(128, dtype=int)
    mask[-10:], y[-10:] = 0, -100
    frame = pd.DataFrame(logits, columns=[f"logit_{i}" for i in range(16)])
    frame.insert(0, "labels", y)
    frame.insert(0, "attention_mask", mask)
    frame.to_csv(tmp_path / "hf.csv", index=False)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y), ignore_index=-100).item()
    code, out, err = run_cli(["eval", "scce", tmp_path / "hf.csv", "--logits", "--ignore-index", "-100", "--json"],
                             capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["inputs"]["preds"]["columns"] == [f"logit_{i}" for i in range(16)]
    assert doc["value"] == pytest.approx(ref, rel=1e-14)


@pytest.mark.parametrize("masked", [-1e30, -100.0, -2.0])
def test_a_class_masked_with_one_negative_logit_stays_a_class(tmp_path, capsys, masked):
    """A class masked out with one large negative logit in every row (as the hint for -inf says to) is a score,
    not an id: it is taken, and the value is torch's."""
    rng = np.random.default_rng(0)
    logits = np.round(rng.normal(size=(30, 3)), 3)
    logits[:, 2] = masked
    y = rng.integers(0, 2, 30)
    pd.DataFrame({"label": y, "logit_0": logits[:, 0], "logit_1": logits[:, 1], "logit_2": logits[:, 2]}).to_csv(
        tmp_path / "m.csv", index=False)
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    code, out, err = run_cli(["eval", "scce", tmp_path / "m.csv", "--logits", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(ref, rel=1e-14)
