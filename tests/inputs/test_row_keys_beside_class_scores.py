"""A frame indexed by a named integer (``sample``, ``img``) written with ``to_csv()`` (or ``reset_index()``
then any writer) holds that index as its first column, distinct whole numbers beside the class scores. Beside
logits it was scored as one more class (1786.6 for torch's 1.34, exit 0). It is refused with the columns to
choose — never left out, which would skip the checks of the rows' order an index gets; logit columns that
happen to hold whole numbers in a few rows are scores, as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import log_loss, run_cli

torch = pytest.importorskip("torch")


def _frame(n: int = 30, seed: int = 0) -> tuple[np.ndarray, np.ndarray, pd.Index, float]:
    rng = np.random.default_rng(seed)
    logits, y = rng.normal(size=(n, 3)), rng.integers(0, 3, n)
    index = pd.Index(rng.choice(5000, n, replace=False), name="sample")
    ref = torch.nn.functional.cross_entropy(torch.tensor(logits), torch.tensor(y)).item()
    return logits, y, index, ref


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_named_index_beside_logits_is_refused_and_the_hint_gives_torchs_number(tmp_path, capsys, engine):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    logits, y, index, ref = _frame()
    f = tmp_path / "named.csv"
    d = pd.DataFrame(logits, columns=["l0", "l1", "l2"], index=index)
    d["label"] = y
    d.to_csv(f)
    code, out, err = run_cli(["eval", "CrossEntropyLoss", f, "--engine", engine, "-q"], capsys)
    assert (code, out) == (2, "") and "column 'sample' of" in err and "--pred-cols l0:l2" in err, err
    code, out, err = run_cli(["eval", "CrossEntropyLoss", f, "--engine", engine, "-q", "--pred-cols", "l0:l2"], capsys)
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err


def test_two_files_string_classes_and_probabilities(tmp_path, capsys):
    logits, y, index, ref = _frame(seed=2)
    (tmp_path / "y.csv").write_text(pd.DataFrame({"label": y}).to_csv(index=False))
    pd.DataFrame(logits, columns=["cat", "dog", "bird"], index=index).to_csv(tmp_path / "logits.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "logits.csv", "-q"]
    code, out, err = run_cli(["eval", "CrossEntropyLoss", *files], capsys)
    assert (code, out) == (2, "") and "--pred-cols cat:bird" in err, err
    code, out, err = run_cli(["eval", "CrossEntropyLoss", *files, "--pred-cols", "cat:bird"], capsys)
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err
    p = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pd.DataFrame(p, columns=["p0", "p1", "p2"], index=index.rename("img")).to_csv(tmp_path / "p.csv")
    files[3] = tmp_path / "p.csv"
    code, out, err = run_cli(["eval", "scce", *files], capsys)
    assert (code, out) == (2, "") and "column 'img' of" in err, err
    code, out, err = run_cli(["eval", "scce", *files, "--pred-cols", "p0:p2"], capsys)
    assert code == 0 and float(out) == pytest.approx(log_loss(y, p), rel=1e-12), err


@pytest.mark.parametrize("text", [
    "y,z0,z1,z2\n0,2.5,1,0.1\n1,0.3,2,1.2\n0,1.1,0,3.3\n1,0.7,3,-0.4\n",  # a whole logit column, a few rows
    "y,z0,z1,z2\n0,1,2.5,0.1\n1,2,0.3,1.2\n0,0,1.1,3.3\n1,3,0.7,-0.4\n",  # the first column so
])
def test_logits_that_happen_to_be_whole_are_scores(tmp_path, capsys, text):
    f = tmp_path / "z.csv"
    f.write_text(text)
    d = pd.read_csv(f)
    z, y = d[["z0", "z1", "z2"]].to_numpy(), d["y"].to_numpy()
    ref = torch.nn.functional.cross_entropy(torch.tensor(z, dtype=torch.float64), torch.tensor(y)).item()
    code, out, err = run_cli(["eval", "scce", "--logits", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err


@pytest.mark.parametrize("shuffled", [False, True])
def test_a_key_both_files_hold_is_left_to_the_index_rules(tmp_path, capsys, shuffled):
    logits, y, index, ref = _frame(seed=5)
    pd.DataFrame({"label": y}, index=index.rename("row")).to_csv(tmp_path / "y.csv")
    p = pd.DataFrame(logits, columns=["l0", "l1", "l2"], index=index.rename("row"))
    (p.sample(frac=1, random_state=1) if shuffled else p).to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(["eval", "CrossEntropyLoss", *files], capsys)
    assert (code, out) == (2, "") and "--id-col row" in err, err
    code, out, err = run_cli(["eval", "CrossEntropyLoss", *files, "--id-col", "row"], capsys)
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err
