"""A pandas index whose values repeat (batches numbered from 0 each) in both files: the Dask engine joined on
it and failed ("2000 duplicate Unnamed: 0 values", exit 3) where the local engine pairs the rows by position and
checks the index row by row; and a shuffle of such files got the hint to join on the index, which repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.distributed")

N, BATCH = 3000, 1000


def _log_loss(y, p) -> float:
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


@pytest.fixture
def data():
    rng = np.random.default_rng(12)
    return rng.integers(0, 2, N), rng.uniform(0.05, 0.95, N), rng.permutation(N)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_batches_numbered_from_zero_in_both_files_give_the_number(tmp_path, capsys, data, engine):
    y, p, _ = data
    index = np.arange(N) % BATCH
    pd.DataFrame({"y": y}, index=index).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"p": p}, index=index).to_csv(tmp_path / "p.csv")
    code, out, err = run_cli(["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "--engine", engine, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_log_loss(y, p), rel=1e-13)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_such_files_in_another_order_are_refused_with_a_hint_that_works(tmp_path, capsys, data, engine):
    y, p, perm = data
    index = np.arange(N) % BATCH
    pd.DataFrame({"y": y}, index=index).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"p": p}, index=index).iloc[perm].to_csv(tmp_path / "p.csv")
    code, out, err = run_cli(["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "--engine", engine, "-q"], capsys)
    assert code == 3 and out == "", err
    assert "its values repeat, so they key no row" in err and "rename_axis('id')" in err, err
    # the hint: a key both files hold, made before the rows are reordered
    keyed = pd.DataFrame({"p": p}, index=index).reset_index().rename_axis("id").reset_index()
    keyed.iloc[perm].to_csv(tmp_path / "p_id.csv", index=False)
    pd.DataFrame({"y": y}, index=index).reset_index().rename_axis("id").reset_index().to_csv(tmp_path / "y_id.csv",
                                                                                            index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", str(tmp_path / "y_id.csv"), "--preds",
                              str(tmp_path / "p_id.csv"), "--engine", engine, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_log_loss(y, p), rel=1e-13)
