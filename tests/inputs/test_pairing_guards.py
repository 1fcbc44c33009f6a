"""Inputs that would give a wrong number by pairing the wrong columns or rows are refused, with a hint that
works: a column taken as both labels and predictions, a fold or a column copied into both files, a binary class
order that contradicts the column's name, the same numbers opening both files, a weights file or predictions
whose pandas index holds the labels' rows in another order."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli


def value(args, capsys) -> float:
    code, out, err = run_cli(["eval", *map(str, args), "-q"], capsys)
    assert code == 0, err
    return float(out)


def refused(args, capsys, code: int = 2) -> str:
    got, out, err = run_cli(["eval", *map(str, args), "-q"], capsys)
    assert got == code and out == "", err
    assert err.count("error:") == 1 and "Traceback" not in err
    return err


def mean_squared_error(y, p) -> float:
    """scikit-learn's mean_squared_error (uniform average over outputs): the mean of every squared error."""
    return float(np.mean((np.asarray(y, float) - np.asarray(p, float)) ** 2))


def log_loss(y, p) -> float:
    """scikit-learn's log_loss of binary labels and P(1) (probabilities inside (0, 1): no clipping)."""
    return _bce(y, p)


def _bce(y, p) -> float:
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


# ------------------------------------------------------------------------- one column as labels and predictions


def test_a_column_selected_as_both_labels_and_predictions_is_refused(tmp_path, capsys):
    """pandas' default names 0, 1: '--label-cols 1' is the column named 1 or the first column (refused as
    ambiguous), '--pred-cols 2' the second column; one column taken as both is refused."""
    rng = np.random.default_rng(0)
    y, yhat = rng.normal(size=50), rng.normal(size=50)
    pd.DataFrame(np.c_[y, yhat]).to_csv(tmp_path / "d.csv", index=False)
    expected = float(np.mean((y - yhat) ** 2))
    # 2 names no column: the digits are positions, as the user meant (the named reading scored p against itself)
    assert value(["mse", tmp_path / "d.csv", "--label-cols", "1", "--pred-cols", "2"], capsys) == pytest.approx(
        expected, rel=1e-13)
    err = refused(["mse", tmp_path / "d.csv", "--label-cols", "1"], capsys)
    assert "'1' is ambiguous" in err and "=1 for the column named 1, or #1 for column 1" in err
    err = refused(["mse", tmp_path / "d.csv", "--label-cols", "=1", "--pred-cols", "2"], capsys)
    assert "both take column '1'" in err and "scored against itself" in err
    for label, pred in (("0", "=1"), ("#1", "#2"), ("0", "1")):  # 0 is no position: 1 is the column named 1
        assert value(["mse", tmp_path / "d.csv", "--label-cols", label, "--pred-cols", pred], capsys) == pytest.approx(
            expected, rel=1e-13)


# ------------------------------------------------------------------------- an extra column among the predictions


@pytest.mark.parametrize("extra", ["fold", "epoch", "model_version"])
def test_a_column_that_says_how_the_row_was_made_is_not_a_prediction(tmp_path, capsys, extra):
    rng = np.random.default_rng(1)
    n = 90
    logits = rng.normal(size=(n, 3))
    y = rng.integers(0, 3, n)
    frame = pd.DataFrame({"target": y, **{f"logit_{k}": logits[:, k] for k in range(3)}, extra: rng.integers(0, 5, n)})
    frame.to_csv(tmp_path / "d.csv", index=False)
    z = logits - logits.max(axis=1, keepdims=True)
    expected = float(-np.mean((z - np.log(np.exp(z).sum(axis=1, keepdims=True)))[np.arange(n), y]))
    assert value(["scce", tmp_path / "d.csv", "--logits"], capsys) == pytest.approx(expected, rel=1e-13)


def test_prediction_columns_named_as_the_labels_are_all_scored(tmp_path, capsys):
    """Multi-output regression with the same names in both files: x1, x2 and score are all targets."""
    rng = np.random.default_rng(3)
    y, p = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    pd.DataFrame(y, columns=["x1", "x2", "score"]).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=["x1", "x2", "score"]).to_csv(tmp_path / "p.csv", index=False)
    assert value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(np.mean((y - p) ** 2)), rel=1e-13)


def test_the_column_count_error_names_the_columns_taken(tmp_path, capsys):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"age": rng.random(20), "income": rng.random(20), "target": rng.random(20),
                          "prediction": rng.random(20)})
    frame.to_csv(tmp_path / "d.csv", index=False)
    err = refused(["mse", tmp_path / "d.csv"], capsys, code=3)
    assert "the labels were taken from target and the predictions from age, income, prediction" in err
    assert value(["mse", tmp_path / "d.csv", "--pred-cols", "prediction"], capsys) == pytest.approx(
        float(np.mean((frame["target"] - frame["prediction"]) ** 2)), rel=1e-13)


# ------------------------------------------------------------------------- binary class order


def test_a_binary_class_order_against_the_columns_name_is_refused_and_the_hint_orders_it(tmp_path, capsys):
    rng = np.random.default_rng(5)
    churn = rng.random(80) < 0.4
    p_churn = np.clip(np.where(churn, 0.7, 0.3) + rng.normal(0, 0.15, 80), 0.02, 0.98)
    pd.DataFrame({"outcome": np.where(churn, "churn", "stay")}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p_churn": p_churn}).to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["bce", *files, "--classes", "churn,stay"], capsys)
    assert "its name says 'churn'" in err and "give --classes stay,churn" in err
    assert value(["bce", *files, "--classes", "stay,churn"], capsys) == pytest.approx(_bce(churn, p_churn), rel=1e-13)


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("layout", ["two files", "one file"])
def test_class_names_beside_one_column_named_for_one_of_them_need_no_classes(tmp_path, capsys, engine, layout):
    """Labels churn/stay beside one column p_churn (or churn_prob, is_churn): the column's name says which class it
    is the probability of, so the labels map as --classes stay,churn maps them (the note says so), on both engines,
    whichever class comes first in the file; a class neither name names later in the file is refused by row."""
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(5)
    n = 3000
    churn = rng.random(n) < 0.4
    churn[:5] = [False, True, False, False, True]
    p = np.round(np.clip(np.where(churn, 0.7, 0.3) + rng.normal(0, 0.15, n), 0.02, 0.98), 6)
    labels = np.where(churn, "churn", "stay").astype(object)
    expected = _bce(churn, p)
    for column, prob in (("p_churn", p), ("churn_prob", p), ("p_stay", 1 - p), ("Stay_Probability", 1 - p)):
        if layout == "one file":
            pd.DataFrame({"label": labels, column: prob}).to_csv(tmp_path / "d.csv", index=False)
            files = [tmp_path / "d.csv"]
        else:
            pd.DataFrame({"outcome": labels}).to_csv(tmp_path / "y.csv", index=False)
            pd.DataFrame({column: prob}).to_csv(tmp_path / "p.csv", index=False)
            files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
        code, out, err = run_cli(["eval", "bce", *files, "--engine", engine, "--json", "--summary-only"], capsys)
        assert code == 0, err
        doc = json.loads(out)
        assert doc["value"] == pytest.approx(expected, rel=1e-12), column
        positive = "churn" if "churn" in column else "stay"
        negative = "stay" if positive == "churn" else "churn"
        assert doc["inputs"]["classes"] == [negative, positive]
        assert f"{column} taken as the probability of {positive!r}, as its name says" in " ".join(
            doc["inputs"]["notes"])
    other = labels.copy()
    other[2500] = "churned"
    pd.DataFrame({"outcome": other}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p_churn": p}).to_csv(tmp_path / "p.csv", index=False)
    err = refused(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--engine", engine],
                  capsys, code=3)
    assert "label 'churned' is not one of the classes" in err


def test_class_names_beside_a_column_that_names_neither_or_one_class_alone_still_need_classes(tmp_path, capsys):
    """One column named for no class (prob), or labels whose sampled rows hold one class only: which class the
    column is the probability of is not said, so --classes is asked for, as before."""
    rng = np.random.default_rng(7)
    n = 1500
    yes = rng.random(n) < 0.5
    yes[:1200] = False  # the sampled rows hold 'no' alone
    p = np.round(rng.uniform(0.05, 0.95, n), 6)
    pd.DataFrame({"answer": np.where(yes, "yes", "no")}).to_csv(tmp_path / "y.csv", index=False)
    for column in ("prob", "p_yes"):
        pd.DataFrame({column: p}).to_csv(tmp_path / "p.csv", index=False)
        files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
        err = refused(["bce", *files], capsys, code=3)
        assert "--classes no,yes" in err
        assert value(["bce", *files, "--classes", "no,yes"], capsys) == pytest.approx(_bce(yes, p), rel=1e-13)


# ------------------------------------------------------------------------- the same numbers opening both files


def test_the_same_decimal_names_opening_both_files_wait_for_header_or_no_header(tmp_path, capsys):
    rng = np.random.default_rng(6)
    y, p = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    pd.DataFrame(y, columns=["0.1", "0.5", "0.9"]).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=["0.1", "0.5", "0.9"]).to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert "are the same numbers (0.1,0.5,0.9)" in err and "--header" in err
    assert value(["mse", *files, "--header"], capsys) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)


def _mse_both_engines(args, capsys) -> list[tuple[int, str, str]]:
    return [run_cli(["eval", "mse", *map(str, args), "-q", "--engine", engine], capsys) for engine in ("local", "dask")]


def test_pandas_integer_names_opening_both_files_wait_for_header_or_no_header(tmp_path, capsys):
    """pandas writes integer column names as a header row: df[[2, 0, 1]] and a column named 7 in both files
    were read as a first sample (2,0,1 against 2,0,1: a zero loss, one sample too many, exit 0)."""
    rng = np.random.default_rng(13)
    y, p = rng.normal(size=(30, 3)), rng.normal(size=(30, 3))
    pd.DataFrame(y)[[2, 0, 1]].to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p)[[2, 0, 1]].to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    for code, out, err in _mse_both_engines(files, capsys):
        assert (code, out) == (2, "") and err.count("error:") == 1, err
        assert "are the same numbers (2,0,1): column names, or data?" in err and "--header if" in err
    assert value(["mse", *files, "--header"], capsys) == pytest.approx(mean_squared_error(y, p), rel=1e-13)
    pd.DataFrame({7: y[:, 0]}).to_csv(tmp_path / "y7.csv", index=False)
    pd.DataFrame({7: p[:, 0]}).to_csv(tmp_path / "p7.csv", index=False)
    files = ["--labels", tmp_path / "y7.csv", "--preds", tmp_path / "p7.csv"]
    for code, out, err in _mse_both_engines(files, capsys):
        assert (code, out) == (2, "") and "are the same numbers (7)" in err and "--header if" in err, err
    assert value(["mse", *files, "--header"], capsys) == pytest.approx(mean_squared_error(y[:, 0], p[:, 0]),
                                                                       rel=1e-13)


def test_the_same_integers_opening_files_of_data_read_as_data_or_as_told(tmp_path, capsys):
    rng = np.random.default_rng(14)
    # labels and hard predictions that agree on the first sample: integers in every row, so data
    y, p = np.r_[1, rng.integers(0, 2, 39)], np.r_[1, rng.integers(0, 2, 39)]
    np.savetxt(tmp_path / "y.txt", y, fmt="%d")
    np.savetxt(tmp_path / "p.txt", p, fmt="%d")
    assert value(["mse", "--labels", tmp_path / "y.txt", "--preds", tmp_path / "p.txt"], capsys) == pytest.approx(
        mean_squared_error(y, p), rel=1e-13)
    # a probability of exactly 1 (%g writes it 1) above integer labels 1: one file of floats only, so data
    q = np.r_[1, rng.uniform(0.05, 0.95, 39)]
    np.savetxt(tmp_path / "q.txt", q, fmt="%.17g")
    assert value(["mse", "--labels", tmp_path / "y.txt", "--preds", tmp_path / "q.txt"], capsys) == pytest.approx(
        mean_squared_error(y, q), rel=1e-13)
    # %g data whose first sample is 2,0,1 in both files: asked, and --no-header answers it
    a, b = rng.normal(size=(20, 3)), rng.normal(size=(20, 3))
    a[0] = b[0] = [2, 0, 1]
    np.savetxt(tmp_path / "a.csv", a, fmt="%.17g", delimiter=",")
    np.savetxt(tmp_path / "b.csv", b, fmt="%.17g", delimiter=",")
    files = ["--labels", tmp_path / "a.csv", "--preds", tmp_path / "b.csv"]
    err = refused(["mse", *files], capsys)
    assert "(2,0,1)" in err and "--no-header if they are data" in err
    assert value(["mse", *files, "--no-header"], capsys) == pytest.approx(mean_squared_error(a, b), rel=1e-13)


# ------------------------------------------------------------------------- pandas indexes of other files


def test_a_weights_files_pandas_index_is_checked_like_the_predictions(tmp_path, capsys):
    rng = np.random.default_rng(7)
    n = 50
    frame = pd.DataFrame({"y": rng.integers(0, 2, n), "p": rng.uniform(0.05, 0.95, n), "w": rng.uniform(0.5, 2, n)})
    shuffled = frame.sample(frac=1, random_state=0)
    shuffled[["y"]].to_csv(tmp_path / "y.csv")
    shuffled[["p"]].to_csv(tmp_path / "p.csv")
    frame.sample(frac=1, random_state=5)[["w"]].to_csv(tmp_path / "w_sorted.csv")  # another order, index kept
    shuffled[["w"]].to_csv(tmp_path / "w.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["bce", *files, "--weights", tmp_path / "w_sorted.csv"], capsys, code=3)
    assert "w_sorted.csv are in another order: pandas index" in err
    per = -(frame["y"] * np.log(frame["p"]) + (1 - frame["y"]) * np.log1p(-frame["p"]))
    expected = float(np.sum(frame["w"] * per) / frame["w"].sum())
    assert value(["bce", *files, "--weights", tmp_path / "w.csv"], capsys) == pytest.approx(expected, rel=1e-13)


def _fold_by_fold(n: int, k: int = 5, seed: int = 0) -> np.ndarray:
    order = np.random.default_rng(seed).permutation(n)
    return np.concatenate([np.sort(part) for part in np.array_split(order, k)])


@pytest.mark.parametrize("n", [200, 2500])
def test_out_of_fold_predictions_written_fold_by_fold_are_refused_beside_labels_without_index(tmp_path, capsys, n):
    rng = np.random.default_rng(8)
    y = rng.integers(0, 2, n)
    p = rng.uniform(0.05, 0.95, n)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    oof = pd.DataFrame({"oof": p}).iloc[_fold_by_fold(n)]
    oof.to_csv(tmp_path / "oof.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds"]
    err = refused(["bce", *files, tmp_path / "oof.csv"], capsys, code=3)
    assert "holds the row numbers of" in err and "df.sort_index()" in err
    oof.sort_index().to_csv(tmp_path / "oof_sorted.csv")  # the hint
    assert value(["bce", *files, tmp_path / "oof_sorted.csv"], capsys) == pytest.approx(_bce(y, p), rel=1e-13)
    # a test split's row numbers (other rows) beside fresh labels pair by position, as before
    split = pd.DataFrame({"p": p}, index=rng.choice(10 * n, n, replace=False))
    split.to_csv(tmp_path / "split.csv")
    assert value(["bce", *files, tmp_path / "split.csv"], capsys) == pytest.approx(_bce(y, p), rel=1e-13)
    doc = json.loads(run_cli(["eval", "bce", *files, tmp_path / "split.csv", "--json", "--summary-only"],
                             capsys)[1])
    assert doc["n"] == n


@pytest.mark.parametrize("suffix", ["feather", "parquet", "csv"])
@pytest.mark.parametrize("name", ["index", "idx"])
def test_predictions_whose_reset_index_column_holds_the_labels_rows_in_another_order_are_refused(
        tmp_path, capsys, suffix, name):
    # to_feather takes no index but a reset one: df.iloc[perm].reset_index() writes it as a column 'index'
    # (and an index named idx is written under its name); it was left out as an id and the rows were paired
    # by position: 1.13 for 0.97
    rng = np.random.default_rng(11)
    n = 60
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    perm = rng.permutation(n)
    labels = pd.DataFrame({"y": y})
    preds = pd.DataFrame({"p": p}).iloc[perm].rename_axis(name).reset_index()

    def write(df, path):
        {"feather": df.to_feather, "parquet": df.to_parquet,
         "csv": lambda f: df.to_csv(f, index=False)}[suffix](path)

    write(labels, tmp_path / f"y.{suffix}")
    write(preds, tmp_path / f"p.{suffix}")
    files = ["--labels", tmp_path / f"y.{suffix}", "--preds"]
    err = refused(["bce", *files, tmp_path / f"p.{suffix}"], capsys, code=3)
    assert f"column {name!r} of" in err
    # the hint's two ways out: sort by the column, or drop it (the rows are then taken in the labels' order)
    write(preds.sort_values(name, ignore_index=True), tmp_path / f"sorted.{suffix}")
    assert value(["bce", *files, tmp_path / f"sorted.{suffix}"], capsys) == pytest.approx(_bce(y, p), rel=1e-13)
    write(preds.drop(columns=name), tmp_path / f"dropped.{suffix}")
    assert value(["bce", *files, tmp_path / f"dropped.{suffix}"], capsys) == pytest.approx(_bce(y, p[perm]),
                                                                                          rel=1e-13)
    # in the labels' order, the column is an index that agrees: the same number
    write(pd.DataFrame({"p": p}).rename_axis(name).reset_index(), tmp_path / f"ordered.{suffix}")
    assert value(["bce", *files, tmp_path / f"ordered.{suffix}"], capsys) == pytest.approx(_bce(y, p), rel=1e-13)


@pytest.mark.parametrize("key", ["ID", "sample_id", "key"])
def test_an_id_column_beside_labels_holding_their_own_key_is_not_taken_for_their_row_numbers(tmp_path, capsys, key):
    # labels with a key column of another name or case, in the predictions' order: the predictions' first
    # column 'id' holds the same keys (here a permutation of 0..n-1), not the labels' row numbers reset from a
    # pandas index; the rows are paired by position, as the keys say they should be
    rng = np.random.default_rng(12)
    n = 60
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    ids = rng.permutation(n)
    pd.DataFrame({key: ids, "y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"id": ids, "p": p}).to_csv(tmp_path / "p.csv", index=False)
    assert value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        _bce(y, p), rel=1e-13)


# ------------------------------------------------------------------------- labels files beside other columns


def test_a_text_column_beside_the_label_column_is_not_a_label(tmp_path, capsys):
    rng = np.random.default_rng(9)
    n, classes = 120, np.array(["x", "y", "z"])
    k = rng.integers(0, 3, n)
    probs = rng.dirichlet(np.ones(3), n)
    pd.DataFrame({"label": classes[k], "region": rng.choice(["eu", "us"], n)}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(probs, columns=classes).to_csv(tmp_path / "p.csv", index=False)
    expected = float(-np.mean(np.log(probs[np.arange(n), k])))
    assert value(["cce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        expected, rel=1e-13)


def test_a_header_of_class_numbers_read_as_data_is_named_in_the_row_count_error(tmp_path, capsys):
    """predict_proba written with columns=clf.classes_ (1, 2, 3): the header is numbers."""
    rng = np.random.default_rng(10)
    n = 60
    y = rng.choice([2, 3], n)  # class 1 absent from this split
    probs = rng.dirichlet(np.ones(3), n)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(probs, columns=[1, 2, 3]).to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["scce", *files], capsys, code=3)
    assert "the first row of" in err and "(1,2,3) was read as data: pass --header" in err
    code, out, err = run_cli(["eval", "scce", *files, "--header", "-q"], capsys)
    assert code == 0 and "numbered from 1" not in err  # the columns were matched to the labels by name
    assert float(out) == pytest.approx(float(-np.mean(np.log(probs[np.arange(n), y - 1]))), rel=1e-13)


def test_a_guessed_header_beside_a_real_one_gets_a_hint_that_works(tmp_path, capsys):
    """np.savetxt labels starting with 0 (taken for pandas' default name) beside predictions with a header:
    --no-header would read the predictions' header as data, so the hint is to write a header line."""
    rng = np.random.default_rng(11)
    y = np.r_[0, rng.integers(0, 2, 39)]
    p = rng.uniform(0.05, 0.95, 40)
    np.savetxt(tmp_path / "y.txt", y, fmt="%d")
    pd.DataFrame({"p": p}).to_csv(tmp_path / "p.csv", index=False)
    err = refused(["bce", "--labels", tmp_path / "y.txt", "--preds", tmp_path / "p.csv"], capsys, code=3)
    assert "header='y', comments=''" in err
    np.savetxt(tmp_path / "y.txt", y, fmt="%d", header="y", comments="")
    assert value(["bce", "--labels", tmp_path / "y.txt", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        _bce(y, p), rel=1e-13)


def test_pandas_integer_names_in_both_files_get_a_hint_that_names_header(tmp_path, capsys):
    """Labels written pd.DataFrame(y) (header 0, taken for pandas' default names) beside predict_proba's
    column 1 written pd.DataFrame(P)[[1]] (header 1, read as data): one row apart, the hint said --no-header,
    which gave 1.516 for log_loss' 0.8255, exit 0. Both first rows are integer names: --header is named."""
    rng = np.random.default_rng(15)
    n = 50
    y = rng.integers(0, 2, n)
    p1 = rng.uniform(0.05, 0.95, n)
    pd.DataFrame(y).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(np.c_[1 - p1, p1])[[1]].to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    for engine in ("local", "dask"):
        err = refused(["bce", *files, "--engine", engine], capsys, code=3)
        assert "y.csv (0) and " in err and "p.csv (1) are integers as pandas writes column names" in err
        assert "pass --header if both are column names" in err
    assert value(["bce", *files, "--header"], capsys) == pytest.approx(log_loss(y, p1), rel=1e-13)
    # the same spellings written as data (np.savetxt): --no-header, as the hint says for data
    q = np.r_[1, p1[1:]]
    np.savetxt(tmp_path / "yd.txt", np.r_[0, y[1:]], fmt="%d")
    np.savetxt(tmp_path / "pd.txt", q, fmt="%.17g")
    files = ["--labels", tmp_path / "yd.txt", "--preds", tmp_path / "pd.txt"]
    err = refused(["mse", *files], capsys, code=3)
    assert "--no-header if both are data" in err
    assert value(["mse", *files, "--no-header"], capsys) == pytest.approx(
        mean_squared_error(np.r_[0, y[1:]], q), rel=1e-13)


def test_a_predict_proba_and_a_multiclass_decision_function_get_hints_that_work(tmp_path, capsys):
    rng = np.random.default_rng(12)
    n = 50
    y = rng.integers(0, 2, n)
    p1 = rng.uniform(0.05, 0.95, n)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p0": 1 - p1, "p1": p1}).to_csv(tmp_path / "proba.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "proba.csv"]
    err = refused(["bce", *files], capsys, code=3)
    assert "--convention sklearn scores it as log_loss does" in err
    assert value(["bce", *files, "--convention", "sklearn"], capsys) == pytest.approx(_bce(y, p1), rel=1e-13)
    assert value(["bce", *files, "--pred-cols", "p1"], capsys) == pytest.approx(_bce(y, p1), rel=1e-13)
    k = rng.integers(0, 3, n)
    scores = rng.normal(size=(n, 3))
    pd.DataFrame({"y": k}).to_csv(tmp_path / "k.csv", index=False)
    pd.DataFrame(scores, columns=["s0", "s1", "s2"]).to_csv(tmp_path / "s.csv", index=False)
    files = ["--labels", tmp_path / "k.csv", "--preds", tmp_path / "s.csv"]
    err = refused(["hinge_loss", *files], capsys, code=3)
    assert "multiclass_hinge" in err
    # scikit-learn's hinge_loss on (N, C) scores: max(0, 1 + max_{c≠y} s_c − s_y), averaged
    rows = np.arange(n)
    other = np.where(np.eye(3, dtype=bool)[k], -np.inf, scores).max(axis=1)
    expected = float(np.mean(np.maximum(0, 1 + other - scores[rows, k])))
    assert value(["multiclass_hinge", *files], capsys) == pytest.approx(expected, rel=1e-13)


# ------------------------------------------------------------------------- columns copied into both files


@pytest.mark.parametrize("extra", ["kfold", "epoch"])
def test_a_fold_column_only_the_labels_file_holds_is_not_a_label(tmp_path, capsys, extra):
    """train_folds.csv (id, target, kfold) beside an out-of-fold file (id, oof)."""
    rng = np.random.default_rng(13)
    n = 80
    y, p = rng.normal(size=n), rng.normal(size=n)
    pd.DataFrame({"id": np.arange(n), "target": y, extra: rng.integers(0, 5, n)}).to_csv(tmp_path / "y.csv",
                                                                                         index=False)
    pd.DataFrame({"id": np.arange(n), "oof": p}).sample(frac=1, random_state=2).to_csv(tmp_path / "p.csv",
                                                                                       index=False)
    assert value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(np.mean((y - p) ** 2)), rel=1e-13)


@pytest.mark.parametrize("names", [["fold", "call", "raise"], ["score", "version"], ["score", "split"]])
def test_outputs_and_classes_named_like_meta_columns_in_both_files_are_scored(tmp_path, capsys, names):
    """A poker action called fold, an output called version: a column both files hold is an output."""
    rng = np.random.default_rng(17)
    y, p = rng.random((60, len(names))), rng.random((60, len(names)))
    pd.DataFrame(y, columns=names).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=names).to_csv(tmp_path / "p.csv", index=False)
    assert value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(np.mean((y - p) ** 2)), rel=1e-13)


def test_a_class_named_fold_is_a_prediction_column(tmp_path, capsys):
    rng = np.random.default_rng(18)
    classes = np.array(["fold", "call", "raise"])
    k = rng.integers(0, 3, 90)
    probs = rng.dirichlet(np.ones(3), 90)
    pd.DataFrame({"action": classes[k]}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(probs, columns=classes).to_csv(tmp_path / "p.csv", index=False)
    assert value(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(-np.mean(np.log(probs[np.arange(90), k]))), rel=1e-13)


def test_class_names_sharing_their_first_word_are_classes(tmp_path, capsys):
    """Kaggle leaf classification: Acer_*, Quercus_* … and one lone name are all classes."""
    rng = np.random.default_rng(14)
    classes = ["Acer_Capillipes", "Acer_Mono", "Acer_Opalus", "Quercus_Alba", "Quercus_Rubra", "Tilia_Oliveri"]
    n = 90
    k = rng.integers(0, len(classes), n)
    probs = rng.dirichlet(np.ones(len(classes)), n)
    pd.DataFrame({"id": np.arange(n), "species": np.array(classes)[k]}).to_csv(tmp_path / "y.csv", index=False)
    sub = pd.DataFrame(probs, columns=classes)
    sub.insert(0, "id", np.arange(n))
    sub.sample(frac=1, random_state=1).to_csv(tmp_path / "p.csv", index=False)
    assert value(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(-np.mean(np.log(probs[np.arange(n), k]))), rel=1e-13)


@pytest.mark.parametrize("column,classes,given", [("p_no_show", ("No", "Yes"), "No,Yes"),
                                                  ("p_edible", ("p", "e"), "p,e")])
def test_a_column_name_that_names_no_class_is_not_judged(tmp_path, capsys, column, classes, given):
    """p_no_show is P(Yes) of a No-show column; p_edible is P(e) where the classes are e and p."""
    rng = np.random.default_rng(15)
    positive = rng.random(60) < 0.3
    prob = np.clip(np.where(positive, 0.7, 0.25) + rng.normal(0, 0.1, 60), 0.02, 0.98)
    pd.DataFrame({"outcome": np.where(positive, classes[1], classes[0])}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({column: prob}).to_csv(tmp_path / "p.csv", index=False)
    assert value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--classes", given],
                 capsys) == pytest.approx(_bce(positive, prob), rel=1e-13)


def test_a_lone_prediction_column_named_version_is_the_prediction(tmp_path, capsys):
    rng = np.random.default_rng(16)
    y, p = rng.normal(size=30), rng.normal(size=30)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"version": p}).to_csv(tmp_path / "p.csv", index=False)
    assert value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(np.mean((y - p) ** 2)), rel=1e-13)


def test_the_dask_engine_checks_the_binary_class_order_and_reads_a_named_parquet_index(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(19)
    yes = rng.random(60) < 0.4
    p_yes = np.clip(np.where(yes, 0.7, 0.3) + rng.normal(0, 0.1, 60), 0.02, 0.98)
    pd.DataFrame({"answer": np.where(yes, "yes", "no")}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p_yes": p_yes}).to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--engine", "dask"]
    err = refused(["bce", *files, "--classes", "yes,no"], capsys)
    assert "give --classes no,yes" in err
    assert value(["bce", *files, "--classes", "no,yes"], capsys) == pytest.approx(_bce(yes, p_yes), rel=1e-13)
    # a named pandas index stored in Parquet is an index, not an output
    idx = pd.Index(rng.permutation(60) + 1000, name="sample")
    y, p = rng.normal(size=60), rng.normal(size=60)
    pd.DataFrame({"y": y}, index=idx).to_parquet(tmp_path / "y.parquet")
    pd.DataFrame({"p": p}, index=idx).to_parquet(tmp_path / "p.parquet")
    for engine in ("local", "dask"):
        assert value(["mse", "--labels", tmp_path / "y.parquet", "--preds", tmp_path / "p.parquet", "--engine",
                      engine], capsys) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)


def test_get_dummies_label_columns_with_a_class_named_y_stay_labels(tmp_path, capsys):
    """One-hot True/False columns x, y, z: y is named like a label column, and x, z are not text beside it."""
    rng = np.random.default_rng(20)
    classes = np.array(["x", "y", "z"])
    k = rng.integers(0, 3, 90)
    probs = rng.dirichlet(np.ones(3), 90)
    pd.get_dummies(pd.Series(classes[k])).to_csv(tmp_path / "y.csv", index=False)
    assert (tmp_path / "y.csv").read_text().splitlines()[0] == "x,y,z"
    pd.DataFrame(probs, columns=classes).to_csv(tmp_path / "p.csv", index=False)
    assert value(["cce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(-np.mean(np.log(probs[np.arange(90), k]))), rel=1e-13)


@pytest.mark.parametrize("joined", [False, True])
def test_a_kfold_column_copied_into_the_out_of_fold_file_is_not_scored(tmp_path, capsys, joined):
    """train_folds.csv (id, target, kfold) beside oof.csv (id, target, kfold): the kfold is a copy."""
    rng = np.random.default_rng(21)
    n = 200
    y, p, fold = rng.normal(size=n), rng.normal(size=n), rng.integers(0, 5, n)
    pd.DataFrame({"id": np.arange(n), "target": y, "kfold": fold}).to_csv(tmp_path / "y.csv", index=False)
    oof = pd.DataFrame({"id": np.arange(n), "target": p, "kfold": fold})
    (oof.sample(frac=1, random_state=4) if joined else oof).to_csv(tmp_path / "p.csv", index=False)
    assert value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys) == pytest.approx(
        float(np.mean((y - p) ** 2)), rel=1e-13)


@pytest.mark.parametrize("column,renumber", [("kfold", lambda f: (f + 1) % 5), ("version", lambda f: f + 7)])
def test_a_meta_column_both_files_hold_beside_the_label_column_is_not_scored_whatever_its_values(
        tmp_path, capsys, column, renumber):
    """train_folds.csv (id, target, kfold) beside an out-of-fold file whose kfold was numbered anew and
    written fold by fold (no sampled row pairs them), or a dataset's and a model's version: not an output."""
    rng = np.random.default_rng(22)
    n = 3000
    y, p, fold = rng.normal(size=n), rng.normal(size=n), rng.integers(0, 5, n)
    pd.DataFrame({"id": np.arange(n), "target": y, column: fold}).to_csv(tmp_path / "y.csv", index=False)
    oof = pd.DataFrame({"id": np.arange(n), "target": p, column: renumber(fold)})
    oof.sort_values(column, kind="stable").to_csv(tmp_path / "p.csv", index=False)
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    assert value(["mse", *files], capsys) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)
    # the note's hint: selected, the column is scored as a second output
    both = value(["mse", *files, "--label-cols", f"target,{column}", "--pred-cols", f"target,{column}"], capsys)
    assert both == pytest.approx(float(np.mean((y - p) ** 2) + np.mean((fold - renumber(fold)) ** 2)) / 2, rel=1e-13)


def test_multiclass_classes_against_the_columns_names_are_refused_and_the_hint_orders_them(tmp_path, capsys):
    """--classes bird,cat,dog on columns cat,dog,bird paired them by position: 2.13 for 0.257."""
    pd.DataFrame({"label": ["cat", "dog", "bird", "cat"], "cat": [0.8, 0.1, 0.1, 0.7], "dog": [0.1, 0.8, 0.1, 0.2],
                  "p_bird": [0.1, 0.1, 0.8, 0.1]}).to_csv(tmp_path / "d.csv", index=False)
    err = refused(["cce", tmp_path / "d.csv", "--classes", "bird,cat,dog"], capsys)
    assert "give --classes cat,dog,bird" in err
    expected = -(3 * np.log(0.8) + np.log(0.7)) / 4
    for classes in ("cat,dog,bird", None):  # the hint, and no --classes at all
        args = ["cce", tmp_path / "d.csv", *(["--classes", classes] if classes else [])]
        assert value(args, capsys) == pytest.approx(expected, rel=1e-13)


def test_a_copy_of_the_labels_in_the_predictions_file_is_refused(tmp_path, capsys):
    """Both files ``y, score``: y was scored against its own copy beside score against the labels' score
    (0.4237 with exit 0); the hint's columns give log_loss(y, score)."""
    (tmp_path / "l.csv").write_text("y,score\n1,0.6\n0,0.4\n1,0.5\n")
    (tmp_path / "p.csv").write_text("y,score\n1,0.9\n0,0.2\n1,0.7\n")
    err = refused(["bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert "a copy of the labels" in err and "--label-cols y --pred-cols score" in err
    got = value(["bce", "--labels", tmp_path / "l.csv", "--preds", tmp_path / "p.csv", "--label-cols", "y",
                 "--pred-cols", "score"], capsys)
    assert got == pytest.approx(_bce([1, 0, 1], [0.9, 0.2, 0.7]), rel=1e-15)


def test_columns_counted_from_one_beside_labels_without_a_zero_are_refused_as_ambiguous(tmp_path, capsys):
    """``p1, p2, p3`` beside labels 1 and 2 only: read by position (label 1 → p2), where classes 1..3 would
    read label 1 as p1 — 1.705 or 0.364, and the first rows cannot tell. Each --classes of the hint gives its
    reading."""
    (tmp_path / "c.csv").write_text("y,p1,p2,p3\n1,0.7,0.2,0.1\n2,0.1,0.8,0.1\n1,0.6,0.3,0.1\n")
    err = refused(["scce", tmp_path / "c.csv"], capsys)
    assert "show no class 0" in err and "--classes 1,2,3" in err and "--classes 0,1,2" in err
    by_name = value(["scce", tmp_path / "c.csv", "--classes", "1,2,3"], capsys)
    by_position = value(["scce", tmp_path / "c.csv", "--classes", "0,1,2"], capsys)
    assert by_name == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.6])), rel=1e-15)
    assert by_position == pytest.approx(-np.mean(np.log([0.2, 0.1, 0.3])), rel=1e-15)
    (tmp_path / "z.csv").write_text("y,p1,p2,p3\n0,0.7,0.2,0.1\n2,0.1,0.8,0.1\n1,0.6,0.3,0.1\n")
    assert value(["scce", tmp_path / "z.csv"], capsys) == pytest.approx(-np.mean(np.log([0.7, 0.1, 0.3])), rel=1e-15)


@pytest.mark.parametrize("fmt", ["parquet", "jsonl"])
def test_ids_of_typed_files_keep_their_spaces(tmp_path, capsys, fmt):
    """Parquet and JSON strings were stripped: the label id 'x ' joined the prediction id 'x' (a pairing of
    other rows, exit 0), and ids were written without their spaces. They are the texts stored now."""

    labels = pd.DataFrame({"id": ["x ", "y"], "label": [1, 0]})
    preds = pd.DataFrame({"id": ["y", "x"], "p": [0.2, 0.9]})
    for name, df in (("l", labels), ("p", preds)):
        path = tmp_path / f"{name}.{fmt}"
        df.to_parquet(path, index=False) if fmt == "parquet" else df.to_json(path, orient="records", lines=True)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / f"l.{fmt}", "--preds", tmp_path / f"p.{fmt}",
                              "--id-col", "id", "-q"], capsys)
    assert (code, out) == (3, "") and "'x'" in err
    one = pd.DataFrame({"id": ["  sp ", "\ttab"], "label": [1, 0], "p": [0.9, 0.2]})
    path = tmp_path / f"one.{fmt}"
    one.to_parquet(path, index=False) if fmt == "parquet" else one.to_json(path, orient="records", lines=True)
    code, out, err = run_cli(["eval", "bce", path, "--id-col", "id", "--nl"], capsys)
    assert code == 0, err
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["  sp ", "\ttab"]


@pytest.mark.parametrize("chunk", [None, "1"])
def test_json_lines_ids_are_texts_in_every_chunk(tmp_path, capsys, chunk):
    """A chunk whose ids all looked numeric read them as numbers: "4 " joined "4" and "007" joined "7" with
    --chunk-rows 1, not with whole files (the README: a join is the same whatever --chunk-rows is)."""
    (tmp_path / "l.jsonl").write_text('{"id":"a","y":1}\n{"id":"007","y":0}\n')
    (tmp_path / "p.jsonl").write_text('{"id":"a","p":0.9}\n{"id":"7","p":0.2}\n')
    extra = ["--chunk-rows", chunk] if chunk else []
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "l.jsonl", "--preds", tmp_path / "p.jsonl",
                              "--id-col", "id", "--label-cols", "y", "--pred-cols", "p", *extra, "-q"], capsys)
    assert (code, out) == (3, "") and "'7'" in err
    (tmp_path / "n.jsonl").write_text('{"id":"a","y":1}\n{"id":7,"y":0}\n')  # a JSON number: the text 7
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "n.jsonl", "--preds", tmp_path / "p.jsonl",
                              "--id-col", "id", "--label-cols", "y", "--pred-cols", "p", *extra, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2, rel=1e-15), err


# ------------------------------------------------------------------ a named pandas index written into both files


def test_a_groupby_multiindex_in_both_files_is_refused_and_the_hint_gives_the_peers_number(tmp_path, capsys):
    """``groupby([...]).sum().to_csv()`` writes the index levels as columns ``store, day`` in both files: they
    were paired with themselves beside ``sales`` (0.0379 for mean_squared_error's 0.1137, exit 0)."""
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"store": np.repeat([3, 5], 20), "day": np.tile(np.arange(1, 21), 2),
                          "sales": rng.normal(size=40)})
    truth = frame.groupby(["store", "day"]).sum()
    pred = truth + rng.normal(size=(40, 1)) * 0.3
    truth.to_csv(tmp_path / "y.csv")
    pred.to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert "'store', 'day'" in err and "scored against itself" in err and "--label-cols sales --pred-cols sales" in err
    got = value(["mse", *files, "--label-cols", "sales", "--pred-cols", "sales"], capsys)
    assert got == pytest.approx(mean_squared_error(truth.sales, pred.sales), rel=1e-13)


@pytest.mark.parametrize("name", ["row", "obs", "ts", "step"])
def test_a_named_index_in_both_files_is_refused_and_the_hint_gives_the_peers_number(tmp_path, capsys, name):
    """``set_index`` or ``index.name`` beside ``target`` and ``prediction``: the index, numbered from 500 in both
    files, was scored as a second output (half the MSE, exit 0)."""
    rng = np.random.default_rng(1)
    y = rng.normal(size=40)
    p = y + rng.normal(size=40) * 0.5
    index = pd.RangeIndex(500, 540, name=name)
    pd.DataFrame({"target": y}, index=index).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"prediction": p}, index=index).to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert f"column {name!r}" in err and "--label-cols target --pred-cols prediction" in err
    got = value(["mse", *files, "--label-cols", "target", "--pred-cols", "prediction"], capsys)
    assert got == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)


def test_a_named_index_in_another_order_is_refused_and_joining_on_it_gives_the_peers_number(tmp_path, capsys):
    """Predictions written after a shuffle keep their named index: the rows were paired by position and the
    index scored as an output (255.7 for 0.97, exit 0)."""
    rng = np.random.default_rng(2)
    n = 300
    y = rng.normal(size=n) * 3
    truth = pd.DataFrame({"y": y}, index=pd.RangeIndex(n, name="obs"))
    pred = pd.DataFrame({"pred": y + rng.normal(size=n)}, index=truth.index).sample(frac=1, random_state=0)
    truth.to_csv(tmp_path / "y.csv")
    pred.to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert "column 'obs'" in err and "--id-col obs" in err
    expected = float(np.mean((truth.y - pred.pred.sort_index()) ** 2))
    assert value(["mse", *files, "--id-col", "obs"], capsys) == pytest.approx(expected, rel=1e-13)


def test_index_numbers_that_differ_are_refused_with_both_fixes(tmp_path, capsys):
    """Labels indexed 500, 501, … beside predictions numbered afresh, both named ``row``: each row's number was
    compared with another's. Paired by position (the hint's second fix), the number is the peer's."""
    rng = np.random.default_rng(3)
    y = rng.normal(size=50)
    p = y + rng.normal(size=50) * 0.2
    pd.DataFrame({"y": y}, index=pd.RangeIndex(500, 550, name="row")).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"pred": p}, index=pd.Index(rng.permutation(50) + 1000, name="row")).to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert "--id-col row" in err and "--label-cols y --pred-cols pred" in err
    got = value(["mse", *files, "--label-cols", "y", "--pred-cols", "pred"], capsys)
    assert got == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)


def test_outputs_that_are_not_keys_are_still_paired_by_name(tmp_path, capsys):
    """What an index holds is not what outputs hold: a 0/1 output predicted exactly, integer outputs that
    repeat, and columns named by position (no header) are scored."""
    rng = np.random.default_rng(4)
    Y = np.c_[rng.integers(0, 2, 30), rng.integers(0, 4, 30), rng.normal(size=30)]
    P = Y.copy()
    P[:, 1] = (P[:, 1] + rng.integers(0, 2, 30)) % 4
    P[:, 2] += rng.normal(size=30)
    pd.DataFrame(Y, columns=["a", "b", "c"]).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(P, columns=["a", "b", "c"]).to_csv(tmp_path / "p.csv", index=False)
    got = value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert got == pytest.approx(float(np.mean((Y - P) ** 2)), rel=1e-13)


def test_a_shuffled_groupby_multiindex_is_refused_and_sorting_by_it_gives_the_peers_number(tmp_path, capsys):
    """Predictions of a ``groupby`` frame written after a shuffle keep their MultiIndex (``store`` repeats, so
    neither level is a key alone): paired by position it gave 20.7 for 0.1137, exit 0."""
    rng = np.random.default_rng(5)
    frame = pd.DataFrame({"store": np.repeat([3, 5], 20), "day": np.tile(np.arange(1, 21), 2),
                          "sales": rng.normal(size=40)})
    truth = frame.groupby(["store", "day"]).sum()
    pred = (truth + rng.normal(size=(40, 1)) * 0.3).sample(frac=1, random_state=0)
    truth.to_csv(tmp_path / "y.csv")
    pred.to_csv(tmp_path / "p.csv")
    err = refused(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert "'store', 'day'" in err and "another order" in err and "df.sort_index()" in err
    pred.sort_index().to_csv(tmp_path / "p.csv")  # the hint
    err = refused(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert "--label-cols sales --pred-cols sales" in err
    got = value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--label-cols", "sales",
                 "--pred-cols", "sales"], capsys)
    assert got == pytest.approx(mean_squared_error(truth.sales, pred.sort_index().sales), rel=1e-13)


@pytest.mark.parametrize("case", ["whole-number amounts", "an output predicted exactly", "a constant output"])
def test_outputs_that_look_alike_in_both_files_are_scored(tmp_path, capsys, case):
    """Leading outputs that are not an index: amounts in whole numbers, each different (rounded predictions),
    class ids predicted exactly on every row, a column that is 2 everywhere: scored beside the others."""
    rng = np.random.default_rng(6)
    n = 200
    second = rng.normal(size=n)
    if case == "whole-number amounts":
        first = rng.permutation(100_000)[:n].astype(float)
        first_p = first + rng.integers(1, 50, n)
    elif case == "an output predicted exactly":
        first = first_p = rng.integers(0, 4, n).astype(float)
    else:
        first = first_p = np.full(n, 2.0)
    pd.DataFrame({"a": first, "b": second}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"a": first_p, "b": second + rng.normal(size=n)}).to_csv(tmp_path / "p.csv", index=False)
    got = value(["mae", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    y = pd.read_csv(tmp_path / "y.csv").to_numpy()
    p = pd.read_csv(tmp_path / "p.csv").to_numpy()
    assert got == pytest.approx(float(np.mean(np.abs(y - p))), rel=1e-13)


def test_a_long_shuffled_file_with_a_named_index_is_refused(tmp_path, capsys):
    """3000 rows: the first rows of the shuffled predictions hold other row numbers than the labels' first rows
    (0 to 999), so neither the same rows nor a reordering shows in them; the labels' run of row numbers does."""
    rng = np.random.default_rng(9)
    n = 3000
    y = rng.normal(size=n)
    truth = pd.DataFrame({"y": y}, index=pd.RangeIndex(n, name="obs"))
    pred = pd.DataFrame({"pred": y + rng.normal(size=n) * 0.1}, index=truth.index).sample(frac=1, random_state=2)
    truth.to_csv(tmp_path / "y.csv")
    pred.to_csv(tmp_path / "p.csv")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    err = refused(["mse", *files], capsys)
    assert "column 'obs'" in err and "--id-col obs" in err
    expected = mean_squared_error(truth.y, pred.pred.sort_index())
    assert value(["mse", *files, "--id-col", "obs"], capsys) == pytest.approx(expected, rel=1e-13)


def test_np_savetxt_labels_beside_a_pandas_series_follow_the_header_line_hint(tmp_path):
    """``np.savetxt(y, fmt='%d')`` labels opening with 0 beside ``pd.Series(p).to_csv(index=False)`` (its name
    ``0`` above the values): both first rows are only guessed to be names, and neither --header nor --no-header
    reads one file's first row as data and the other's as names. The refusal's hint gives the data file a
    header line in the shell, which gives scikit-learn's number."""
    import shlex
    import subprocess
    import sys

    from cli_helpers import log_loss

    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, 200), rng.random(200)
    y[0] = 0
    np.savetxt(tmp_path / "y.txt", y, fmt="%d")
    pd.Series(p).to_csv(tmp_path / "p.csv", index=False)
    base = [sys.executable, "-m", "losscli", "eval", "bce", "--preds", "p.csv", "-q"]
    r = subprocess.run([*base, "--labels", "y.txt"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and r.stdout == ""
    assert "<(echo y; cat y.txt) in place of y.txt" in r.stderr
    for flag in ("--header", "--no-header"):  # neither reads the files as written
        assert subprocess.run([*base, "--labels", "y.txt", flag], cwd=tmp_path, capture_output=True).returncode == 3
    r = subprocess.run(["bash", "-c", shlex.join(base[:-1]) + " -q --labels <(echo y; cat y.txt)"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(log_loss(y, p), rel=1e-15)
    # the other way round: labels written by pandas, predictions by np.savetxt
    t, q = rng.integers(0, 5, 12) + 0.5, rng.integers(0, 5, 12)
    q[0] = 0
    pd.Series(t).to_csv(tmp_path / "t.csv", index=False)
    np.savetxt(tmp_path / "q.csv", q, fmt="%d")
    base = [sys.executable, "-m", "losscli", "eval", "mse", "--labels", "t.csv"]
    r = subprocess.run([*base, "--preds", "q.csv", "-q"], cwd=tmp_path, capture_output=True, text=True)
    assert r.returncode == 2 and "<(echo y; cat q.csv) in place of q.csv" in r.stderr
    r = subprocess.run(["bash", "-c", shlex.join(base) + " -q --preds <(echo y; cat q.csv)"], cwd=tmp_path,
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(np.mean((t - q) ** 2), rel=1e-15)


def test_no_prediction_column_left_says_what_took_each_column(tmp_path, capsys):
    """``--id-col p`` on a file ``id,y,p`` leaves no prediction: the error says what took each column, so the
    option that claimed the predictions shows; with ``--pred-cols p`` and the right key it runs."""
    (tmp_path / "f.csv").write_text("id,y,p\na,1,0.2\nb,0,0.3\nc,1,0.4\n")
    err = refused(["bce", tmp_path / "f.csv", "--id-col", "p"], capsys)
    assert "no prediction columns left in" in err
    assert "('id': an id column; 'y': the labels; 'p': taken by --id-col)" in err
    assert value(["bce", tmp_path / "f.csv", "--id-col", "id"], capsys) == pytest.approx(
        -np.mean(np.log([0.2, 0.7, 0.4])), rel=1e-15)


def test_a_fold_column_is_never_the_predictions_by_default(tmp_path, capsys):
    """A file of labels and a fold column (the predictions' column taken by --id-col, or left out of the file):
    the fold was scored as probabilities, exit 0. No prediction is left: the error names what each column is,
    and with --pred-cols fold it is scored as asked."""
    frame = pd.DataFrame({"key": range(1, 9), "y": [0, 1, 1, 0, 1, 0, 0, 1], "p": np.linspace(0.1, 0.9, 8),
                          "fold": [0, 1] * 4, "w": np.linspace(1, 2, 8)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    err = refused(["bce", tmp_path / "t.csv", "--id-col", "p"], capsys)
    assert ("'fold': it says how the row was made (a fold, an epoch, a version); 'w': a weight column (--weight-col)"
            in err)
    frame[["y", "fold"]].to_csv(tmp_path / "yf.csv", index=False)
    assert "'fold': it says how the row was made" in refused(["bce", tmp_path / "yf.csv"], capsys)
    assert value(["bce", tmp_path / "t.csv", "--pred-cols", "p"], capsys) == pytest.approx(
        float(-np.mean(np.where(frame.y == 1, np.log(frame.p), np.log1p(-frame.p)))), rel=1e-15)
