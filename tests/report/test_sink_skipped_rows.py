"""``-o losses.npy`` has no index column: it holds one value per input row, NaN at the rows ``--nan skip``
dropped, so element i is input row i, as the ``index`` of ``.csv``, ``.jsonl`` and ``.parquet`` says."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

from losscli.errors import UsageError
from losscli.report.sink import PerSampleSink

Y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0, 1.0])
P = np.array([np.nan, 0.2, 0.3, np.nan, 0.6, 0.1, np.nan])  # rows 0, 3 and 6 (the last) are skipped


def _bce(y: np.ndarray, p: np.ndarray) -> np.ndarray:
    return -(y * np.log(p) + (1 - y) * np.log1p(-p))


def _write(path, rows: np.ndarray) -> None:
    path.write_text("y,p\n" + "".join(f"{y:g},{'nan' if np.isnan(p) else repr(float(p))}\n" for y, p in rows))


@pytest.mark.parametrize("chunk", ["1", "2", "100"])
def test_npy_output_holds_a_value_per_input_row_with_nan_at_skipped_rows(tmp_path, capsys, chunk):
    _write(tmp_path / "d.csv", np.column_stack([Y, P]))
    args = ["eval", "bce", tmp_path / "d.csv", "--nan", "skip", "--chunk-rows", chunk, "-q"]
    code, out, err = run_cli([*args, "-o", tmp_path / "l.npy"], capsys)
    assert code == 0, err
    got = np.load(tmp_path / "l.npy")
    assert got.shape == (7,) and got.dtype == np.float64
    assert np.isnan(got[[0, 3, 6]]).all()
    expected = _bce(Y, P)
    np.testing.assert_allclose(got[[1, 2, 4, 5]], expected[[1, 2, 4, 5]], rtol=1e-12)
    assert float(out) == pytest.approx(np.nanmean(expected), rel=1e-12)
    # the same values as the Parquet file's rows, each at its index
    code, _, _ = run_cli([*args, "-o", tmp_path / "l.parquet"], capsys)
    table = pq.read_table(tmp_path / "l.parquet").to_pydict()
    assert table["index"] == [1, 2, 4, 5]
    np.testing.assert_array_equal(got[table["index"]], table["loss"])


def test_npy_output_of_shards_numbers_rows_across_them(tmp_path, capsys):
    rows = np.column_stack([Y, P])
    _write(tmp_path / "part-1.csv", rows[:4])
    _write(tmp_path / "part-2.csv", rows[4:])
    code, _, err = run_cli(["eval", "bce", tmp_path / "part-*.csv", "--nan", "skip", "-o", tmp_path / "l.npy", "-q"],
                           capsys)
    assert code == 0, err
    got = np.load(tmp_path / "l.npy")
    assert got.shape == (7,) and np.isnan(got[[0, 3, 6]]).all()
    np.testing.assert_allclose(got[[1, 2, 4, 5]], _bce(Y, P)[[1, 2, 4, 5]], rtol=1e-12)


def test_npy_output_without_skipped_rows_is_unchanged(tmp_path, capsys):
    p = np.where(np.isnan(P), 0.5, P)
    _write(tmp_path / "d.csv", np.column_stack([Y, p]))
    code, _, err = run_cli(["eval", "bce", tmp_path / "d.csv", "--nan", "skip", "-o", tmp_path / "l.npy", "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(np.load(tmp_path / "l.npy"), _bce(Y, p), rtol=1e-12)


def test_npy_rows_out_of_input_order_are_refused_with_a_file_that_names_rows(tmp_path):
    sink = PerSampleSink(str(tmp_path / "l.npy"), ["loss"], with_ids=False)
    try:
        sink.write([np.array([1.0, 2.0])], None, 0, np.array([3, 5]))
        with pytest.raises(UsageError) as info:
            sink.write([np.array([3.0])], None, 2, np.array([4]))
        assert ".parquet" in str(info.value.hint)
    finally:
        sink.abort()
