"""Two files that hold a text or date column of one name (``set_index("store")`` written by ``to_csv``, a
``date`` column in both, a date index in a CSV file and a Parquet file) in another order were paired by
position: mse 1.9865 where the rows paired as written give 0.1994, exit 0, on both engines. Such a column is
watched as a pandas index is: the same values in another order (repeated ones too) are refused, with a hint
that, followed, gives the rows' number. The same columns in one order, columns of other values (a time the
labels were taken beside a time the predictions were made) and a predicted class beside the true one are
scored by position as before; a CSV file's ``2024-01-01`` and a Parquet file's midnight are one date, in the
row-by-row check and in a join."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from losscli.inputs.infer import SAMPLE_ROWS

SHORT, LONG = 200, 3 * SAMPLE_ROWS + 17
ENGINES = ["local", "dask"]


def _mse(y, p) -> float:
    return float(np.mean((np.asarray(y, dtype=np.float64) - np.asarray(p, dtype=np.float64)) ** 2))


def _log_loss(y, p) -> float:
    """scikit-learn's log_loss of 0/1 labels and P(1) in (0, 1), in float64."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def _frames(n: int, index: pd.Index, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    labels = pd.DataFrame({"y": y}, index=index)
    preds = pd.DataFrame({"pred": y + rng.normal(scale=0.5, size=n)}, index=index)
    return labels, preds, rng.permutation(n)


def _write(frame: pd.DataFrame, path, **kw) -> None:
    (frame.to_csv if str(path).endswith(".csv") else frame.to_parquet)(path, **kw)


def _eval(capsys, engine, labels, preds, *extra):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
        extra = (*extra, "--engine", "dask")
    return run_cli(["eval", "mse", "--labels", labels, "--preds", preds, "-q", *extra], capsys)


def _assert_scored(capsys, engine, expected, labels, preds, *extra) -> None:
    code, out, err = _eval(capsys, engine, labels, preds, *extra)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)


def _refusal(capsys, engine, labels, preds, *extra) -> str:
    """The message of a refusal (exit 3, nothing on stdout)."""
    code, out, err = _eval(capsys, engine, labels, preds, *extra)
    assert code == 3 and out == "", err
    return err


def _stores(n: int) -> pd.Index:
    return pd.Index(np.random.default_rng(2).choice(["north", "south", "east", "west"], n), name="store")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [SHORT, LONG])
@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_a_named_index_of_repeated_texts_in_another_order_is_refused(tmp_path, capsys, engine, n, fmt):
    labels, preds, perm = _frames(n, _stores(n))
    aligned = _mse(labels["y"], preds["pred"])
    assert abs(aligned - _mse(labels["y"], preds["pred"].iloc[perm])) > 0.5  # position gives another number
    _write(labels, tmp_path / f"y.{fmt}")
    _write(preds.iloc[perm], tmp_path / f"p.{fmt}")
    _write(preds, tmp_path / f"same.{fmt}")
    chunks = [[], ["--chunk-rows", "700"]] if engine == "local" else [[]]
    for extra in chunks:
        err = _refusal(capsys, engine, tmp_path / f"y.{fmt}", tmp_path / f"p.{fmt}", *extra)
        assert "in another order" in err and "its values repeat" in err and err.count("error:") == 1
        if fmt == "csv":
            assert "column 'store'" in err
        _assert_scored(capsys, engine, aligned, tmp_path / f"y.{fmt}", tmp_path / f"same.{fmt}", *extra)
    # the hint: a key of each row, made before the rows are reordered, in both files
    _write(labels.reset_index().rename_axis("id").reset_index(), tmp_path / f"y_id.{fmt}", index=False)
    _write(preds.reset_index().rename_axis("id").reset_index().iloc[perm], tmp_path / f"p_id.{fmt}", index=False)
    _assert_scored(capsys, engine, aligned, tmp_path / f"y_id.{fmt}", tmp_path / f"p_id.{fmt}")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [SHORT, LONG])
@pytest.mark.parametrize("preds_fmt", ["csv", "parquet"])
def test_a_date_column_of_both_files_in_another_order_is_refused(tmp_path, capsys, engine, n, preds_fmt):
    """A ``date`` column in both (a named index in the Parquet file): refused; ``--id-col date`` joins the rows,
    a CSV file's dates with a Parquet file's timestamps."""
    days = pd.date_range("2024-01-01", periods=n, freq="D", name="date")
    labels, preds, perm = _frames(n, days)
    aligned = _mse(labels["y"], preds["pred"])
    _write(labels, tmp_path / "y.csv")
    _write(preds.iloc[perm], tmp_path / f"p.{preds_fmt}")
    err = _refusal(capsys, engine, tmp_path / "y.csv", tmp_path / f"p.{preds_fmt}")
    assert "column 'date' holds the same values" in err and "--id-col date" in err
    _assert_scored(capsys, engine, aligned, tmp_path / "y.csv", tmp_path / f"p.{preds_fmt}", "--id-col", "date")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("freq", ["D", "h", "1500ms"])
def test_a_date_index_in_a_csv_file_and_in_a_parquet_file_is_one_index(tmp_path, capsys, engine, freq):
    """pandas writes midnights as ``2024-01-01`` in a CSV file; Parquet keeps timestamps: in one order they are
    checked row by row and agree, in another they are refused (they were paired by position, exit 0), and the
    hint's id column joins them."""
    n = SHORT
    labels, preds, perm = _frames(n, pd.date_range("2024-01-01", periods=n, freq=freq))
    aligned = _mse(labels["y"], preds["pred"])
    labels.to_csv(tmp_path / "y.csv")
    preds.to_parquet(tmp_path / "same.parquet")
    preds.iloc[perm].to_parquet(tmp_path / "p.parquet")
    _assert_scored(capsys, engine, aligned, tmp_path / "y.csv", tmp_path / "same.parquet")
    err = _refusal(capsys, engine, tmp_path / "y.csv", tmp_path / "p.parquet")
    assert "pandas index" in err and "in another order" in err
    labels.rename_axis("id").reset_index().to_csv(tmp_path / "y_id.csv", index=False)
    preds.iloc[perm].rename_axis("id").reset_index().to_parquet(tmp_path / "p_id.parquet")
    _assert_scored(capsys, engine, aligned, tmp_path / "y_id.csv", tmp_path / "p_id.parquet")


@pytest.mark.parametrize("engine", ENGINES)
def test_columns_of_one_name_that_differ_otherwise_are_paired_by_position(tmp_path, capsys, engine):
    """The time a label was taken beside the time a prediction was made (other values), and a predicted class
    beside the true one (``label``: the errors swap classes, the same values in another order): not a sign of
    another order."""
    n = SHORT
    labels, preds, _ = _frames(n, pd.RangeIndex(n))
    aligned = _mse(labels["y"], preds["pred"])
    when = pd.date_range("2024-01-01", periods=n, freq="h")
    classes = np.array(["cat", "dog"])[np.arange(n) % 2]
    swapped = classes.copy()
    swapped[:10] = swapped[:10][::-1]
    labels.assign(when=when.strftime("%Y-%m-%d %H:%M:%S"), label=classes).to_csv(tmp_path / "y.csv", index=False)
    preds.assign(when=(when + pd.Timedelta("5min")).strftime("%Y-%m-%d %H:%M:%S"), label=swapped).to_csv(
        tmp_path / "p.csv", index=False)
    code, out, err = _eval(capsys, engine, tmp_path / "y.csv", tmp_path / "p.csv", "--label-cols", "y",
                           "--pred-cols", "pred")
    assert code == 0, err
    assert float(out) == pytest.approx(aligned, rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris"])
def test_a_date_column_of_a_time_zone_in_a_csv_file_and_in_a_parquet_file_is_one_column(tmp_path, capsys, engine, tz):
    """pandas writes ``2024-01-01 00:00:00+00:00`` in a CSV file, a Parquet timestamp of a time zone was read as
    ``2024-01-01 00:00:00.000000Z``: the local engine saw other values and scored the shuffled rows by position
    (mse 2.40 for 0.09, exit 0). One spelling: refused, and ``--id-col date`` joins them."""
    n = SHORT
    days = pd.date_range("2024-01-01", periods=n, freq="D", tz=tz, name="date")
    labels, preds, perm = _frames(n, days)
    aligned = _mse(labels["y"], preds["pred"])
    labels.reset_index().to_csv(tmp_path / "y.csv", index=False)
    preds.reset_index().to_parquet(tmp_path / "same.parquet", index=False)
    preds.reset_index().iloc[perm].to_parquet(tmp_path / "p.parquet", index=False)
    _assert_scored(capsys, engine, aligned, tmp_path / "y.csv", tmp_path / "same.parquet")
    err = _refusal(capsys, engine, tmp_path / "y.csv", tmp_path / "p.parquet")
    assert "column 'date' holds the same values" in err and "--id-col date" in err
    _assert_scored(capsys, engine, aligned, tmp_path / "y.csv", tmp_path / "p.parquet", "--id-col", "date")


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [SHORT, LONG])
def test_a_class_name_beside_the_label_holds_predicted_classes_in_the_predictions(tmp_path, capsys, engine, n):
    """A labels file of ``y`` and its class name ``sentiment`` (Hugging Face's ``label_text``), a predictions file
    of ``prob`` and the predicted class name under that name: a model that predicts as many positives as there
    are (a threshold at the k-th score) errs as often each way, so the names where they differ are the same
    values in another order. It was refused (exit 3) for rows paired as written; scored by position as a column
    named as the labels is. A column that names no class (``store``) in another order is still refused."""
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, n)
    prob = 1 / (1 + np.exp(-(3 * (y - 0.5) + rng.normal(size=n))))
    predicted = np.zeros(n, dtype=int)
    predicted[np.argsort(-prob)[: y.sum()]] = 1
    names = np.array(["negative", "positive"])
    assert (predicted != y).any()
    pd.DataFrame({"y": y, "sentiment": names[y]}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"prob": prob, "sentiment": names[predicted]}).to_csv(tmp_path / "p.csv", index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q",
                              *(["--engine", "dask"] if engine == "dask" else [])], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_log_loss(y, prob), rel=1e-12)
    perm = rng.permutation(n)
    stores = rng.choice(["north", "south", "east"], n)
    pd.DataFrame({"y": y, "store": stores}).to_csv(tmp_path / "y2.csv", index=False)
    pd.DataFrame({"prob": prob, "store": stores}).iloc[perm].to_csv(tmp_path / "p2.csv", index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y2.csv", "--preds", tmp_path / "p2.csv", "-q",
                              *(["--engine", "dask"] if engine == "dask" else [])], capsys)
    assert code == 3 and "column 'store'" in err, err


@pytest.mark.parametrize("engine", ENGINES)
def test_two_rows_swapped_in_a_column_of_repeated_values_give_a_hint_that_works(tmp_path, capsys, engine):
    """Two rows of other stores swapped: the rows where the columns differ hold each value once, but the column
    repeats its values, so joining on it (the hint was --id-col store, 'its values do not repeat') fails on
    duplicate ids. The hint is a key made before the rows were reordered, which gives the rows' number."""
    n = SHORT
    labels, preds, _ = _frames(n, _stores(n))
    stores = labels.index.to_numpy()
    i, j = 0, int(np.flatnonzero(stores != stores[0])[0])
    perm = np.arange(n)
    perm[[i, j]] = perm[[j, i]]
    aligned = _mse(labels["y"], preds["pred"])
    labels.to_csv(tmp_path / "y.csv")
    preds.iloc[perm].to_csv(tmp_path / "p.csv")
    err = _refusal(capsys, engine, tmp_path / "y.csv", tmp_path / "p.csv")
    assert "its values repeat" in err and "--id-col store" not in err
    labels.reset_index().rename_axis("id").reset_index().to_csv(tmp_path / "y_id.csv", index=False)
    preds.reset_index().rename_axis("id").reset_index().iloc[perm].to_csv(tmp_path / "p_id.csv", index=False)
    _assert_scored(capsys, engine, aligned, tmp_path / "y_id.csv", tmp_path / "p_id.csv")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_column_of_sentences_that_agrees_proves_the_order(tmp_path, capsys, engine):
    """A multiple-choice file: ``question`` (each once) agrees row by row, and ``answer`` holds the gold letter
    in the labels and the predicted one in the predictions, two errors swapping A and C (the same values in
    another order). The question proves the files' order: scored (it was refused, exit 3); shuffled, refused."""
    n = SHORT
    rng = np.random.default_rng(4)
    gold = rng.choice(list("ABCD"), n)
    gold[[5, 17]] = ["A", "C"]
    predicted = gold.copy()
    predicted[[5, 17]] = ["C", "A"]
    correct = (predicted == gold).astype(int)
    confidence = rng.uniform(0.3, 0.99, n)
    questions = [f"question {i}?" for i in range(n)]
    pd.DataFrame({"question": questions, "answer": gold, "correct": correct}).to_csv(tmp_path / "y.csv", index=False)
    preds = pd.DataFrame({"question": questions, "answer": predicted, "confidence": confidence})
    preds.to_csv(tmp_path / "p.csv", index=False)
    preds.iloc[rng.permutation(n)].to_csv(tmp_path / "shuffled.csv", index=False)
    expected = _log_loss(correct, confidence)
    choose = ["--label-cols", "correct", "--pred-cols", "confidence"]
    base = ["eval", "bce", "--labels", tmp_path / "y.csv", "-q", *choose]
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
        base += ["--engine", "dask"]
    code, out, err = run_cli([*base, "--preds", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)
    code, out, err = run_cli([*base, "--preds", tmp_path / "shuffled.csv"], capsys)
    assert code == 3 and out == "", err
    assert "column 'question'" in err
