"""R's write.table writes row names under a header one cell short, which pandas (and so the Dask engine) reads as
the index and dropped: a labels and a predictions file whose row names were in another order were paired by
position under --engine dask, a wrong number with exit 0, where the local engine reads the row names as a column
and checks them. The Dask engine now keeps them as a column, as under write.csv's "" header cell, where they pair
the rows as the row names say.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_process

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

RNG = np.random.default_rng(11)
N = 40
Y = RNG.integers(0, 2, N)
P = np.round(RNG.uniform(0.02, 0.98, N), 6)
BCE = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))


def _run(folder, *args):
    return run_process(folder, "eval", "bce", *args, "-q")


def test_files_with_row_names_in_another_order_are_not_paired_by_position(tmp_path):
    order = np.random.default_rng(3).permutation(N)
    # write.table(df, f) with its defaults: one space, names and row names quoted, the header one cell short
    (tmp_path / "y.txt").write_text('"y"\n' + "".join(f'"{i + 1}" {Y[i]}\n' for i in range(N)))
    (tmp_path / "p.txt").write_text('"p"\n' + "".join(f'"{i + 1}" {float(P[i])!r}\n' for i in order))
    code, out, err = _run(tmp_path, "--labels", "y.txt", "--preds", "p.txt", "--engine", "dask")
    assert code == 0, err  # joined on the row names, as files of write.csv's "" header cell are
    assert float(out) == pytest.approx(BCE, rel=1e-12)  # 1.0 before: predictions paired by position
    (tmp_path / "f.txt").write_text('"y" "p"\n' + "".join(f'"{i + 1}" {Y[i]} {float(P[i])!r}\n' for i in range(N)))
    code, out, err = _run(tmp_path, "f.txt", "--engine", "dask")
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


def test_labels_of_a_range_index_from_100_beside_that_index_in_another_order_are_refused(tmp_path):
    """Labels written by to_parquet with a RangeIndex(100, 140) (kept in the metadata only) beside predictions
    whose index holds 100 … 139 in another order: the local engine refused them, the Dask engine numbered the
    labels' rows from 0 and paired them by position (a wrong number, exit 0)."""
    pd = pytest.importorskip("pandas")
    pytest.importorskip("pyarrow")
    order = np.random.default_rng(4).permutation(N)
    pd.DataFrame({"y": Y}, index=pd.RangeIndex(100, 100 + N)).to_parquet(tmp_path / "y.parquet")
    pd.DataFrame({"p": P[order]}, index=100 + order).to_parquet(tmp_path / "p.parquet")
    for engine in ("local", "dask"):
        code, out, err = _run(tmp_path, "--labels", "y.parquet", "--preds", "p.parquet", "--engine", engine)
        assert code == 3 and out == "" and "another order" in err, (engine, err)
    # the hint: the index as a column named id in both files, joined on it
    pd.DataFrame({"y": Y}, index=pd.RangeIndex(100, 100 + N)).rename_axis("id").reset_index().to_parquet(
        tmp_path / "y.parquet")
    pd.DataFrame({"p": P[order]}, index=100 + order).rename_axis("id").reset_index().to_parquet(tmp_path / "p.parquet")
    for engine in ("local", "dask"):
        code, out, err = _run(tmp_path, "--labels", "y.parquet", "--preds", "p.parquet", "--engine", engine)
        assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), (engine, err)
