"""pandas writes a MultiIndex into Parquet as one column per level, which Dask reads back as an index of no name
and drops: labels and predictions written with a MultiIndex, the predictions after a shuffle, were paired by
position under --engine dask (0.8524 for 0.9958 on 60 rows, exit 0), where the local engine checks the levels
row by row and refuses them. The Dask engine now reads each level as a column and checks it alike.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_process

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")
pd = pytest.importorskip("pandas")
pytest.importorskip("pyarrow")

RNG = np.random.default_rng(0)
N = 60
FRAME = pd.DataFrame({"label": RNG.integers(0, 2, N), "p": np.clip(RNG.random(N), 0.01, 0.99),
                      "g": RNG.integers(0, 3, N), "k": np.arange(N)}).set_index(["g", "k"])


def _bce(frame):
    y, p = frame["label"].to_numpy(), frame["p"].to_numpy()
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def _run(folder, engine, labels="y.parquet", preds="p.parquet", *args):
    return run_process(folder, "eval", "bce", "--labels", labels, "--preds", preds, "--engine", engine, "-q", *args)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_shuffled_multiindex_is_refused_and_sorting_both_gives_the_number(tmp_path, engine):
    FRAME[["label"]].to_parquet(tmp_path / "y.parquet")
    shuffled = FRAME.sample(frac=1, random_state=1)
    shuffled[["p"]].to_parquet(tmp_path / "p.parquet")
    code, out, err = _run(tmp_path, engine)
    assert code == 3 and out == "", err  # 0.8524... with exit 0 before, under dask
    assert "level 'g' of the pandas index" in err and "df.sort_index()" in err, err
    assert "p.parquet" in err or "partition 0" in err, err
    # the hint: sort both frames alike before writing them
    FRAME[["label"]].sort_index().to_parquet(tmp_path / "y.parquet")
    shuffled[["p"]].sort_index().to_parquet(tmp_path / "p.parquet")
    code, out, err = _run(tmp_path, engine)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(FRAME), rel=1e-12)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_multiindexes_in_one_order_pair_and_their_levels_are_no_columns(tmp_path, engine):
    FRAME[["label"]].to_parquet(tmp_path / "y.parquet")
    FRAME[["p"]].to_parquet(tmp_path / "p.parquet")
    code, out, err = _run(tmp_path, engine)
    assert code == 0 and float(out) == pytest.approx(_bce(FRAME), rel=1e-12), err
    # levels of no name (pandas stores them as __index_level_N__) are no columns either
    unnamed = FRAME.rename_axis([None, None])
    unnamed[["label"]].to_parquet(tmp_path / "y.parquet")
    unnamed[["p"]].to_parquet(tmp_path / "p.parquet")
    code, out, err = _run(tmp_path, engine)
    assert code == 0 and float(out) == pytest.approx(_bce(FRAME), rel=1e-12), err
    FRAME.to_parquet(tmp_path / "one.parquet")  # one file: the levels are neither labels nor predictions
    code, out, err = run_process(tmp_path, "eval", "bce", "one.parquet", "--engine", engine, "-q")
    assert code == 0 and float(out) == pytest.approx(_bce(FRAME), rel=1e-12), err
