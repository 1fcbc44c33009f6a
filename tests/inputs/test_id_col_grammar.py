"""--id-col takes the column options' grammar: ``#1`` (the first column) was refused as "not a column",
though the README names one grammar for every column option. A name wins as before; the two files must
resolve to one name, since they are joined on it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import log_loss, run_cli


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_the_first_column_by_position_joins_the_files(tmp_path, capsys, engine):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(8)
    keys, y, p = [f"s{i}" for i in range(40)], rng.integers(0, 2, 40), rng.random(40)
    pd.DataFrame({"k": keys, "y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"k": keys, "p": p}).sample(frac=1, random_state=0).to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q", "--engine", engine]
    for key in ("#1", "k", "=k"):
        code, out, err = run_cli(["eval", "bce", *files, "--id-col", key], capsys)
        assert code == 0 and float(out) == pytest.approx(log_loss(y, p), rel=1e-12), (key, err)


def test_a_position_naming_two_columns_is_refused(tmp_path, capsys):
    pd.DataFrame({"k": ["a", "b"], "y": [1, 0]}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"key": ["a", "b"], "p": [0.9, 0.2]}).to_csv(tmp_path / "p.csv", index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--id-col", "#1"], capsys)
    assert (code, out) == (2, "") and "is the column 'k' of" in err and "'key' of" in err, err
