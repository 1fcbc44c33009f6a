"""A binary predict_proba (N, 2) is paired with the classes by its columns' names, as one column per class is
for the categorical losses: ``p1, p0`` (or a header ``1,0``) gives class 1 the column ``p1`` whatever the
column order, for binary_crossentropy under ``--convention sklearn`` (scikit-learn's log_loss) as for brier,
zero_one and d2_log_loss, with either engine."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

#: scikit-learn's numbers on the data of :func:`_data` (sklearn.metrics 1.x): log_loss(y, p),
#: brier_score_loss(y, p), zero_one_loss(y, p > 0.5), d2_log_loss_score(y, [1 − p, p])
PEERS = {
    "bce": 0.855427382223625,
    "brier": 0.3152025189258339,
    "zero_one": 0.56,
    "d2_log_loss": -0.23985088891155382,
}


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 50)
    p = rng.uniform(0.05, 0.95, 50)
    return y, p


def _log_loss(y, p) -> float:
    y, p = np.asarray(y, float), np.asarray(p, float)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def test_the_stored_numbers_are_scikit_learns():
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = _data()
    assert metrics.log_loss(y, p) == pytest.approx(PEERS["bce"], rel=1e-13)
    assert metrics.log_loss(y, np.c_[1 - p, p]) == pytest.approx(PEERS["bce"], rel=1e-13)
    assert metrics.brier_score_loss(y, p) == pytest.approx(PEERS["brier"], rel=1e-13)
    assert metrics.zero_one_loss(y, p > 0.5) == pytest.approx(PEERS["zero_one"], rel=1e-13)
    assert metrics.d2_log_loss_score(y, np.c_[1 - p, p]) == pytest.approx(PEERS["d2_log_loss"], rel=1e-12)
    assert _log_loss(y, p) == pytest.approx(PEERS["bce"], rel=1e-13)


def value(args, capsys) -> float:
    code, out, err = run_cli(["eval", *map(str, args), "-q"], capsys)
    assert code == 0, err
    return float(out)


def refused(args, capsys, code: int) -> str:
    got, out, err = run_cli(["eval", *map(str, args), "-q"], capsys)
    assert got == code and out == "", err
    assert err.count("error:") == 1 and "Traceback" not in err
    return err


def _args(loss: str) -> list[str]:
    return [loss, "--convention", "sklearn"] if loss == "bce" else [loss]


@pytest.mark.parametrize("loss", sorted(PEERS))
@pytest.mark.parametrize("names", [("p1", "p0"), ("p_1", "p_0"), ("proba_1", "proba_0"), ("1_prob", "0_prob")])
def test_two_columns_named_for_classes_1_and_0_are_paired_by_name_in_one_file(tmp_path, capsys, loss, names):
    y, p = _data()
    pd.DataFrame({"label": y, names[0]: p, names[1]: 1 - p}).to_csv(tmp_path / "d.csv", index=False)
    assert value([*_args(loss), tmp_path / "d.csv"], capsys) == pytest.approx(PEERS[loss], rel=1e-12)
    # the same columns in class order give the same number
    pd.DataFrame({"label": y, names[1]: 1 - p, names[0]: p}).to_csv(tmp_path / "d.csv", index=False)
    assert value([*_args(loss), tmp_path / "d.csv"], capsys) == pytest.approx(PEERS[loss], rel=1e-12)


@pytest.mark.parametrize("loss", sorted(PEERS))
def test_two_files_with_columns_p1_p0_or_a_header_1_0_are_paired_by_name(tmp_path, capsys, loss):
    y, p = _data()
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"p1": p, "p0": 1 - p}).to_csv(tmp_path / "p.csv", index=False)
    pd.DataFrame(np.c_[p, 1 - p], columns=[1, 0]).to_csv(tmp_path / "h.csv", index=False)  # columns=clf.classes_
    files = ["--labels", tmp_path / "y.csv", "--preds"]
    assert value([*_args(loss), *files, tmp_path / "p.csv"], capsys) == pytest.approx(PEERS[loss], rel=1e-12)
    assert value([*_args(loss), *files, tmp_path / "h.csv", "--header"], capsys) == pytest.approx(
        PEERS[loss], rel=1e-12)


def test_the_pairing_is_noted_in_the_inputs(tmp_path, capsys):
    y, p = _data()
    pd.DataFrame({"label": y, "p1": p, "p0": 1 - p}).to_csv(tmp_path / "d.csv", index=False)
    code, out, err = run_cli(["eval", "bce", tmp_path / "d.csv", "--convention", "sklearn", "--json"], capsys)
    assert code == 0, err
    assert "prediction columns p1, p0 taken in class order 0, 1 by their names" in out


def test_columns_that_name_no_class_are_read_in_column_order(tmp_path, capsys):
    y, p = _data()
    pd.DataFrame({"label": y, "a": 1 - p, "b": p}).to_csv(tmp_path / "d.csv", index=False)
    assert value(["bce", tmp_path / "d.csv", "--convention", "sklearn"], capsys) == pytest.approx(
        PEERS["bce"], rel=1e-12)
    # p1, p2 beside labels 0 and 1: a 1-based naming of the columns in order (as for the categorical losses)
    pd.DataFrame({"label": y, "p1": 1 - p, "p2": p}).to_csv(tmp_path / "d.csv", index=False)
    assert value(["bce", tmp_path / "d.csv", "--convention", "sklearn"], capsys) == pytest.approx(
        PEERS["bce"], rel=1e-12)


def test_columns_numbered_for_other_classes_map_the_labels_by_number_or_are_refused_with_a_hint_that_works(
        tmp_path, capsys):
    y, p = _data()
    pd.DataFrame({"label": y + 1}).to_csv(tmp_path / "y12.csv", index=False)  # classes 1 and 2
    pd.DataFrame({"p_2": p, "p_1": 1 - p}).to_csv(tmp_path / "p21.csv", index=False)
    assert value(["bce", "--convention", "sklearn", "--labels", tmp_path / "y12.csv", "--preds", tmp_path / "p21.csv"],
                 capsys) == pytest.approx(PEERS["bce"], rel=1e-12)
    # labels 0 and 1 beside columns named for classes 1 and 2: which is which is not guessed
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y01.csv", index=False)
    pd.DataFrame({"p_1": 1 - p, "p_2": p}).to_csv(tmp_path / "p12.csv", index=False)
    args = ["bce", "--convention", "sklearn", "--labels", tmp_path / "y01.csv", "--preds", tmp_path / "p12.csv"]
    err = refused(args, capsys, code=3)
    assert "y01.csv" in err and "label 0 is not one of the classes (1, 2)" in err
    assert "list every class with --classes, in prediction-column order" in err
    # following it: --classes 0,1 gives p_1 to class 0 and p_2 to class 1
    assert value([*args, "--classes", "0,1"], capsys) == pytest.approx(PEERS["bce"], rel=1e-12)


@pytest.mark.parametrize("loss", ["bce", "brier"])
def test_the_dask_engine_pairs_the_columns_by_name(tmp_path, capsys, loss):
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    y, p = _data()
    pd.DataFrame({"label": y, "p1": p, "p0": 1 - p}).to_csv(tmp_path / "d.csv", index=False)
    assert value([*_args(loss), tmp_path / "d.csv", "--engine", "dask"], capsys) == pytest.approx(
        PEERS[loss], rel=1e-12)
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(np.c_[p, 1 - p], columns=[1, 0]).to_csv(tmp_path / "h.csv", index=False)
    assert value([*_args(loss), "--labels", tmp_path / "y.csv", "--preds", tmp_path / "h.csv", "--header",
                  "--engine", "dask"], capsys) == pytest.approx(PEERS[loss], rel=1e-12)


# ------------------------------------------------------------------------- labels that are class names


def _named(tmp_path, columns=("cat", "dog")) -> str:
    """Labels cat/dog and predict_proba's columns named after the classes (sklearn's classes_: cat, dog)."""
    y, p = _data()
    proba = {"cat": 1 - p, "dog": p}
    frame = pd.DataFrame({"label": np.array(["cat", "dog"])[y]})
    for c in columns:
        frame[c] = proba[c.removeprefix("p_")]
    frame.to_csv(tmp_path / "d.csv", index=False)
    return str(tmp_path / "d.csv")


def test_the_stored_number_is_scikit_learns_on_class_names():
    metrics = pytest.importorskip("sklearn.metrics")
    y, p = _data()
    assert metrics.log_loss(np.array(["cat", "dog"])[y], np.c_[1 - p, p]) == pytest.approx(PEERS["bce"], rel=1e-13)


@pytest.mark.parametrize("columns", [("cat", "dog"), ("dog", "cat"), ("p_cat", "p_dog"), ("p_dog", "p_cat")])
@pytest.mark.parametrize("classes", [None, "cat,dog", "dog,cat"])
def test_class_named_columns_beside_class_name_labels_are_paired_by_name(tmp_path, capsys, columns, classes):
    path = _named(tmp_path, columns)
    given = [] if classes is None else ["--classes", classes]
    assert value(["bce", path, "--convention", "sklearn", *given], capsys) == pytest.approx(PEERS["bce"], rel=1e-12)
    assert value(["cce", path], capsys) == pytest.approx(PEERS["bce"], rel=1e-12)  # as cce reads them


def test_columns_put_in_class_order_by_name_are_noted(tmp_path, capsys):
    path = _named(tmp_path, ("dog", "cat"))
    code, out, err = run_cli(["eval", "bce", path, "--convention", "sklearn", "--classes", "cat,dog", "--json"],
                             capsys)
    assert code == 0, err
    assert "prediction columns dog, cat taken in class order cat, dog by their names" in out


def test_the_positive_column_alone_gets_a_classes_hint_that_works(tmp_path, capsys):
    path = _named(tmp_path)
    err = refused(["bce", path, "--pred-cols", "dog"], capsys, code=3)
    assert "d.csv" in err and "column label" in err and "'dog'" in err and "e.g. --classes cat,dog" in err
    assert value(["bce", path, "--pred-cols", "dog", "--classes", "cat,dog"], capsys) == pytest.approx(
        PEERS["bce"], rel=1e-12)
    assert value(["bce", path, "--convention", "sklearn", "--pred-cols", "dog", "--classes", "cat,dog"],
                 capsys) == pytest.approx(PEERS["bce"], rel=1e-12)


def test_columns_that_name_no_label_get_a_classes_hint_that_works(tmp_path, capsys):
    y, p = _data()
    pd.DataFrame({"label": np.array(["cat", "dog"])[y], "a": 1 - p, "b": p}).to_csv(tmp_path / "d.csv", index=False)
    err = refused(["bce", tmp_path / "d.csv", "--convention", "sklearn"], capsys, code=2)
    assert "string labels (cat, dog)" in err and "d.csv column label" in err and "(a, b)" in err
    assert "give --classes in prediction-column order" in err
    assert value(["bce", tmp_path / "d.csv", "--convention", "sklearn", "--classes", "cat,dog"],
                 capsys) == pytest.approx(PEERS["bce"], rel=1e-12)


def test_classes_that_do_not_fit_two_columns_or_the_labels_are_refused(tmp_path, capsys):
    path = _named(tmp_path)
    err = refused(["bce", path, "--convention", "sklearn", "--classes", "cat,dog,bird"], capsys, code=2)
    assert "--classes NEGATIVE,POSITIVE (two values)" in err
    err = refused(["bce", path, "--convention", "sklearn", "--classes", "cat,bird"], capsys, code=3)
    assert "d.csv" in err and "label 'dog' is not one of the classes ('cat', 'bird')" in err


def test_the_dask_engine_pairs_class_named_columns_by_name(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    pytest.importorskip("distributed")
    path = _named(tmp_path, ("dog", "cat"))
    for given in ([], ["--classes", "cat,dog"], ["--classes", "dog,cat"]):
        assert value(["bce", path, "--convention", "sklearn", "--engine", "dask", *given],
                     capsys) == pytest.approx(PEERS["bce"], rel=1e-12)


def test_classes_given_for_another_layout_of_columns_get_a_hint_that_works(tmp_path, capsys):
    y, p = _data()
    names = np.array(["cat", "dog"])
    pd.DataFrame({"label": names[y], "label_again": names[y], "cat": 1 - p, "dog": p}).to_csv(
        tmp_path / "d.csv", index=False)
    args = ["bce", tmp_path / "d.csv", "--convention", "sklearn", "--classes", "cat,dog"]
    err = refused([*args, "--label-cols", "label,label_again"], capsys, code=3)
    assert f"d.csv column label row 2 (value '{names[y[0]]}')" in err
    assert "--classes maps the class names of one label column" in err and "e.g. --classes" not in err
    assert value([*args, "--label-cols", "label"], capsys) == pytest.approx(PEERS["bce"], rel=1e-12)


@pytest.mark.parametrize(("negative", "positive"), [(1, 2), (-1, 1)])
def test_labels_of_two_other_classes_are_named_as_written_with_a_hint_that_works(tmp_path, capsys, negative,
                                                                                 positive):
    """Labels 1/2 (or ±1) beside predict_proba's two columns of other names: the error shows the label as
    written (it showed −1 = 1 − 2, the first of the two columns it becomes, and sent 1/2 labels to
    --classes -1,1), and --classes NEGATIVE,POSITIVE from its hint gives log_loss's number."""
    y, p = _data()
    path = tmp_path / "f.csv"
    pd.DataFrame({"label": np.where(y == 1, positive, negative), "a": 1 - p, "b": p}).to_csv(path, index=False)
    code, out, err = run_cli(["eval", "bce", str(path), "--convention", "sklearn", "-q"], capsys)
    shown = positive if positive > 1 else negative
    assert code == 3 and out == "" and f"(value {shown})" in err and f"--classes {negative},{positive}" in err, err
    code, out, err = run_cli(["eval", "bce", str(path), "--convention", "sklearn", "-q", "--classes",
                              f"{negative},{positive}"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(PEERS["bce"], rel=1e-14)
