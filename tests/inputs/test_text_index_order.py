"""Two files whose pandas indexes hold texts or dates (``s000 …``, ``pd.date_range``), each value once, in
another order (predictions written after ``preds.iloc[perm]``) were paired by position: bce 1.0797 where the
rows paired by their index give 1.0513, exit 0. They are refused as the same row numbers in another order
are, on the sampled rows or, in files longer than the sample, once read whole; every fix the hint gives
scores the rows as they were meant. An index whose values repeat (days of several rows) in another order is
refused too: rows of different days would be paired. Indexes in the same order and one file's index are
scored as before."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from losscli.inputs.infer import SAMPLE_ROWS

SHORT, LONG = 40, 3 * SAMPLE_ROWS + 17


def _bce(y, p) -> float:
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def _index(kind: str, n: int) -> pd.Index:
    if kind == "text":
        return pd.Index([f"s{i:03d}" for i in range(n)])
    return pd.date_range("2020-01-01", periods=n, freq="h")


def _write(frame: pd.DataFrame, path, **kw) -> None:
    (frame.to_csv if str(path).endswith(".csv") else frame.to_parquet)(path, **kw)


def _frames(kind: str, n: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    index = _index(kind, n)
    labels = pd.DataFrame({"y": rng.integers(0, 2, n)}, index=index)
    preds = pd.DataFrame({"p": rng.uniform(0.01, 0.99, n)}, index=index)
    return labels, preds, rng.permutation(n)


def _eval(capsys, labels, preds, *extra):
    return run_cli(["eval", "bce", "--labels", labels, "--preds", preds, "-q", *extra], capsys)


CASES = [(kind, n, fmt) for kind in ("text", "date") for n in (SHORT, LONG) for fmt in ("csv", "parquet")]


@pytest.mark.parametrize("kind,n,fmt", CASES)
def test_indexes_of_texts_or_dates_in_another_order_are_refused(tmp_path, capsys, kind, n, fmt):
    labels, preds, perm = _frames(kind, n)
    _write(labels, tmp_path / f"y.{fmt}")
    _write(preds.iloc[perm], tmp_path / f"p.{fmt}")
    aligned = _bce(labels["y"], preds["p"])
    assert abs(aligned - _bce(labels["y"], preds["p"].iloc[perm])) > 1e-3  # position gives another number
    for extra in ([], ["--chunk-rows", "700"]):
        code, out, err = _eval(capsys, tmp_path / f"y.{fmt}", tmp_path / f"p.{fmt}", *extra)
        assert code == 3 and out == "", err
        assert "are in another order: pandas index" in err and err.count("error:") == 1
        assert "rename_axis('id').reset_index()" in err and "index=False" in err
        first = str(labels.index[0])[:10]
        assert first in err  # the labels' first row, where the other file holds another


@pytest.mark.parametrize("kind,n,fmt", CASES)
def test_every_fix_the_hint_gives_scores_the_rows_as_meant(tmp_path, capsys, kind, n, fmt):
    """The index as a column named id in both files: joined on it (the aligned number); both sorted by the
    index: paired by position, aligned; written without the index: paired by position, as the files hold
    them (the hint's case of rows already in the labels' order)."""
    labels, preds, perm = _frames(kind, n)
    shuffled = preds.iloc[perm]
    aligned = _bce(labels["y"], preds["p"])
    extra = {"index": False} if fmt == "csv" else {}
    _write(labels.rename_axis("id").reset_index(), tmp_path / f"y_id.{fmt}", **extra)
    _write(shuffled.rename_axis("id").reset_index(), tmp_path / f"p_id.{fmt}", **extra)
    _write(labels.sort_index(), tmp_path / f"y_sorted.{fmt}")
    _write(shuffled.sort_index(), tmp_path / f"p_sorted.{fmt}")
    _write(labels, tmp_path / f"y_plain.{fmt}", index=False)
    _write(shuffled, tmp_path / f"p_plain.{fmt}", index=False)
    for name, expected in (("id", aligned), ("sorted", aligned),
                           ("plain", _bce(labels["y"], shuffled["p"]))):
        code, out, err = _eval(capsys, tmp_path / f"y_{name}.{fmt}", tmp_path / f"p_{name}.{fmt}")
        assert code == 0, (name, err)
        assert float(out) == pytest.approx(expected, rel=1e-12), name


def test_the_hint_gives_sklearns_number(tmp_path, capsys):
    metrics = pytest.importorskip("sklearn.metrics")
    labels, preds, perm = _frames("date", SHORT)
    labels.rename_axis("id").reset_index().to_csv(tmp_path / "y.csv", index=False)
    preds.iloc[perm].rename_axis("id").reset_index().to_csv(tmp_path / "p.csv", index=False)
    code, out, err = _eval(capsys, tmp_path / "y.csv", tmp_path / "p.csv")
    assert code == 0, err
    assert float(out) == pytest.approx(metrics.log_loss(labels["y"], preds["p"]), rel=1e-12)


@pytest.mark.parametrize("kind,n,fmt", CASES)
def test_the_same_order_and_one_files_index_are_scored_as_before(tmp_path, capsys, kind, n, fmt):
    labels, preds, perm = _frames(kind, n)
    _write(labels, tmp_path / f"y.{fmt}")
    _write(preds, tmp_path / f"p.{fmt}")
    _write(labels, tmp_path / f"y_plain.{fmt}", index=False)
    _write(preds.iloc[perm], tmp_path / f"p_shuffled.{fmt}")
    for y, p, expected in ((f"y.{fmt}", f"p.{fmt}", _bce(labels["y"], preds["p"])),
                           (f"y_plain.{fmt}", f"p_shuffled.{fmt}", _bce(labels["y"], preds["p"].iloc[perm]))):
        for extra in ([], ["--chunk-rows", "700"]):
            code, out, err = _eval(capsys, tmp_path / y, tmp_path / p, *extra)
            assert code == 0, err
            assert float(out) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("n", [SHORT, LONG])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_an_index_whose_values_repeat_in_another_order_is_refused(tmp_path, capsys, n, fmt):
    """Days of several rows each (a value repeated), in another order: rows of different days would be paired
    (it was scored by position, exit 0). Refused; the hint's key column gives the rows' number, and the same
    files in one order are scored by position."""
    rng = np.random.default_rng(5)
    days = pd.date_range("2021-01-01", periods=n // 4 + 1, freq="D").repeat(4)[:n]
    labels = pd.DataFrame({"y": rng.integers(0, 2, n)}, index=days)
    preds = pd.DataFrame({"p": rng.uniform(0.01, 0.99, n)}, index=days)
    perm = rng.permutation(n)
    aligned = _bce(labels["y"], preds["p"])
    assert abs(aligned - _bce(labels["y"], preds["p"].iloc[perm])) > 1e-3
    _write(labels, tmp_path / f"y.{fmt}")
    _write(preds.iloc[perm], tmp_path / f"p.{fmt}")
    for extra in ([], ["--chunk-rows", "700"]):
        code, out, err = _eval(capsys, tmp_path / f"y.{fmt}", tmp_path / f"p.{fmt}", *extra)
        assert code == 3 and out == "", err
        assert "are in another order: pandas index" in err and "its values repeat" in err
    # the hint: a key of each row, made before the rows are reordered, in both files
    _write(labels.reset_index().rename_axis("id").reset_index(), tmp_path / f"y_id.{fmt}", index=False)
    _write(preds.reset_index().rename_axis("id").reset_index().iloc[perm], tmp_path / f"p_id.{fmt}", index=False)
    _write(preds, tmp_path / f"p_same.{fmt}")
    for y, p in ((f"y_id.{fmt}", f"p_id.{fmt}"), (f"y.{fmt}", f"p_same.{fmt}")):
        for extra in ([], ["--chunk-rows", "700"]):
            code, out, err = _eval(capsys, tmp_path / y, tmp_path / p, *extra)
            assert code == 0, err
            assert float(out) == pytest.approx(aligned, rel=1e-12)


def test_texts_of_other_rows_are_paired_by_position(tmp_path, capsys):
    """A test split's ids beside predictions of other ids (not the same values): no question of order."""
    labels, preds, _ = _frames("text", LONG)
    other = preds.set_axis([f"t{i:04d}" for i in range(LONG)])
    labels.to_csv(tmp_path / "y.csv")
    other.iloc[::-1].to_csv(tmp_path / "p.csv")
    code, out, err = _eval(capsys, tmp_path / "y.csv", tmp_path / "p.csv", "--chunk-rows", "700")
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(labels["y"], other["p"].iloc[::-1]), rel=1e-12)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
@pytest.mark.parametrize("n", [SHORT, LONG])
def test_the_dask_engine_joins_or_refuses_them(tmp_path, capsys, fmt, n):
    """The Dask engine shares the rule: sampled indexes of the same values are joined on (the aligned number),
    longer ones are watched over the partitions and refused."""
    pytest.importorskip("dask.dataframe")
    labels, preds, perm = _frames("date", n)
    _write(labels, tmp_path / f"y.{fmt}")
    _write(preds.iloc[perm], tmp_path / f"p.{fmt}")
    _write(preds, tmp_path / f"po.{fmt}")
    aligned = _bce(labels["y"], preds["p"])
    code, out, err = _eval(capsys, tmp_path / f"y.{fmt}", tmp_path / f"p.{fmt}", "--engine", "dask")
    if n == SHORT:
        assert code == 0, err
        assert float(out) == pytest.approx(aligned, rel=1e-12)
    else:
        assert code == 3 and out == "" and "in another order" in err, err
    code, out, err = _eval(capsys, tmp_path / f"y.{fmt}", tmp_path / f"po.{fmt}", "--engine", "dask")
    assert code == 0, err
    assert float(out) == pytest.approx(aligned, rel=1e-12)
