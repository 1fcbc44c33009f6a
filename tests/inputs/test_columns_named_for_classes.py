"""Columns whose names say which class or which row they are about, read as their names say on both engines.
Each case gave another number than the peer's with exit 0: an index written by ``to_csv(header=False)`` was
scored against itself; prediction columns numbered or named in another order than one-hot labels (``y0, y1, y2``
beside ``p2, p0, p1``; ``cat`` beside ``cat_prob``, ``CAT``) were paired by position; a binary loss's one column
named for the class 0 (``p0``) was taken for the probability of 1."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

ENGINES = ["local", "dask"]


def mean_squared_error(y: np.ndarray, p: np.ndarray) -> float:
    return float(np.mean((np.asarray(y) - np.asarray(p)) ** 2))


def log_loss(y: np.ndarray, p: np.ndarray, labels: list[int] | None = None) -> float:
    """scikit-learn's log_loss of class indices against probabilities (one column: P(1)); clipped at its eps."""
    p = np.asarray(p, dtype=np.float64)
    p = np.c_[1 - p, p] if p.ndim == 1 else p
    p = np.clip(p, np.finfo(np.float64).eps, 1 - np.finfo(np.float64).eps)
    p = p / p.sum(axis=1, keepdims=True)
    return float(-np.mean(np.log(p[np.arange(len(y)), np.asarray(y)])))


def brier_score_loss(y: np.ndarray, p1: np.ndarray) -> float:
    return float(np.mean((np.asarray(y) - np.asarray(p1)) ** 2))


def _run(args: list, capsys, engine: str = "local") -> tuple[int, str, str]:
    extra = [] if engine == "local" else ["--engine", "dask"]
    return run_cli(["eval", *map(str, args), *extra, "-q"], capsys)


def _need(engine: str) -> None:
    if engine == "dask":
        pytest.importorskip("dask.distributed")


# --------------------------------------------------------------------------- a pandas index without a header

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("n", [40, 3000])
def test_an_index_written_without_a_header_is_not_scored(tmp_path, capsys, engine, n):
    _need(engine)
    rng = np.random.default_rng(15)
    yt = rng.normal(size=n)
    yp = yt + rng.normal(size=n) * 0.3
    idx = np.sort(rng.choice(100 * n, n, replace=False))  # a test split's rows: y_test.to_csv(header=False)
    pd.Series(yt, index=idx).to_csv(tmp_path / "y.csv", header=False)
    pd.Series(yp, index=idx).to_csv(tmp_path / "p.csv", header=False)
    code, out, err = _run(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys, engine)
    assert code == 0, err
    assert float(out) == pytest.approx(mean_squared_error(yt, yp), rel=1e-12)
    perm = rng.permutation(n)  # the predictions in another order: refused, or joined on the index
    pd.Series(yp[perm], index=idx[perm]).to_csv(tmp_path / "shuffled.csv", header=False)
    code, out, err = _run(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "shuffled.csv"], capsys,
                          engine)
    if code == 0:  # joined on it (Dask, on an index it holds whole)
        assert float(out) == pytest.approx(mean_squared_error(yt, yp), rel=1e-12)
    else:  # the index checked row by row (the whole files sampled), or many of its numbers in other rows
        assert code in (2, 3) and ("another order" in err or "in other rows" in err), err
    code, out, err = _run(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "shuffled.csv", "--id-col",
                           "1"], capsys, engine)
    assert code == 0, err
    assert float(out) == pytest.approx(mean_squared_error(yt, yp), rel=1e-12)


def test_an_index_beside_class_probabilities_without_a_header(tmp_path, capsys):
    rng = np.random.default_rng(16)
    y = rng.integers(0, 3, 300)
    p = rng.dirichlet(np.ones(3), 300)
    idx = np.sort(rng.choice(10_000, 300, replace=False))
    pd.Series(y, index=idx).to_csv(tmp_path / "y.csv", header=False)
    pd.DataFrame(p, index=idx).to_csv(tmp_path / "p.csv", header=False)
    code, out, err = _run(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(log_loss(y, p), rel=1e-12)


@pytest.mark.parametrize("engine", ENGINES)
def test_whole_numbers_each_once_are_outputs_when_the_files_differ(tmp_path, capsys, engine):
    """np.savetxt(fmt='%d') of prices and their rounded predictions: whole numbers each once in both first
    columns, but not the same numbers: outputs, scored."""
    _need(engine)
    rng = np.random.default_rng(0)
    yt = np.column_stack([rng.integers(100_000, 900_000, 200), rng.integers(1, 5, 200)])
    yp = np.column_stack([yt[:, 0] + rng.integers(-5000, 5000, 200), yt[:, 1]])
    np.savetxt(tmp_path / "y.csv", yt, fmt="%d", delimiter=",")
    np.savetxt(tmp_path / "p.csv", yp, fmt="%d", delimiter=",")
    code, out, err = _run(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys, engine)
    assert code == 0, err
    assert float(out) == pytest.approx(mean_squared_error(yt, yp), rel=1e-12)


def test_outputs_without_a_header_that_repeat_are_still_outputs(tmp_path, capsys):
    """Two outputs per row, the first of whole numbers that repeat (counts): scored, as before."""
    rng = np.random.default_rng(17)
    yt = np.c_[rng.integers(0, 5, 200), rng.normal(size=200)]
    yp = yt + rng.normal(size=(200, 2)) * 0.5
    np.savetxt(tmp_path / "y.csv", yt, delimiter=",", fmt=["%d", "%.17g"])
    np.savetxt(tmp_path / "p.csv", yp, delimiter=",", fmt="%.17g")
    code, out, err = _run(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(mean_squared_error(yt, yp), rel=1e-12)


# ----------------------------------------------------------------- one-hot labels beside named prediction columns

def _cce_files(tmp_path, labels: str, preds: list[str]):
    rng = np.random.default_rng(20)
    p = rng.dirichlet(np.ones(3), 60)
    y = rng.integers(0, 3, 60)
    onehot = np.eye(3, dtype=int)[y]
    if labels == "npy":
        np.save(tmp_path / "y.npy", onehot)
        lpath = tmp_path / "y.npy"
    else:
        names = {"y0": ["y0", "y1", "y2"], "0": ["0", "1", "2"], "words": ["bird", "cat", "dog"]}[labels]
        pd.DataFrame(onehot, columns=names).to_csv(tmp_path / "y.csv", index=False)
        lpath = tmp_path / "y.csv"
    order = [2, 0, 1]
    pd.DataFrame(p[:, order], columns=[preds[j] for j in order]).to_csv(tmp_path / "p.csv", index=False)
    return lpath, tmp_path / "p.csv", log_loss(y, p, labels=[0, 1, 2])


@pytest.mark.parametrize("labels, preds", [
    ("npy", ["p0", "p1", "p2"]),
    ("y0", ["p0", "p1", "p2"]),
    ("0", ["p0", "p1", "p2"]),
    ("words", ["bird_prob", "cat_prob", "dog_prob"]),
    ("words", ["BIRD", "CAT", "DOG"]),
    ("words", ["p_bird", "p_cat", "p_dog"]),
], ids=["npy p2,p0,p1", "y0 p2,p0,p1", "0 p2,p0,p1", "suffix", "case", "prefix"])
@pytest.mark.parametrize("engine", ENGINES)
def test_prediction_columns_pair_with_one_hot_labels_by_name(tmp_path, capsys, labels, preds, engine):
    if engine == "dask" and labels == "npy":
        pytest.skip("the Dask engine reads CSV and Parquet")
    _need(engine)
    lpath, ppath, want = _cce_files(tmp_path, labels, preds)
    code, out, err = _run(["cce", "--labels", lpath, "--preds", ppath], capsys, engine)
    assert code == 0, err
    assert float(out) == pytest.approx(want, rel=1e-12)


def test_multi_label_columns_pair_by_name(tmp_path, capsys):
    rng = np.random.default_rng(21)
    tags = ["sports", "politics", "tech"]
    y = rng.integers(0, 2, (80, 3))
    p = rng.uniform(0.05, 0.95, (80, 3))
    pd.DataFrame(y, columns=tags).to_csv(tmp_path / "y.csv", index=False)
    order = [2, 0, 1]
    pd.DataFrame(p[:, order], columns=[f"{tags[j]}_prob" for j in order]).to_csv(tmp_path / "p.csv", index=False)
    code, out, err = _run(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert code == 0, err
    want = np.mean([log_loss(y[:, j], p[:, j]) for j in range(3)])
    assert float(out) == pytest.approx(want, rel=1e-12)


# ------------------------------------------------------------------------ one column named for the class 0

@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("name", ["p0", "p_0", "prob_class_0"])
@pytest.mark.parametrize("loss", ["bce", "brier"])
def test_one_column_named_for_the_class_0_is_refused_with_a_hint_that_works(tmp_path, capsys, engine, name, loss):
    _need(engine)
    rng = np.random.default_rng(26)
    y = rng.integers(0, 2, 50)
    p1 = rng.uniform(0.01, 0.99, 50)
    pd.DataFrame({"label": y, name: 1 - p1}).to_csv(tmp_path / "one.csv", index=False)
    code, out, err = _run([loss, tmp_path / "one.csv"], capsys, engine)
    assert code == 2 and out == "", out
    assert f"the prediction column '{name}' is named for the class 0" in err and "--classes 1,0" in err, err
    assert "if it holds the probability of 1, name it so (p1, or p)" in err, err
    code, out, err = _run([loss, tmp_path / "one.csv", "--classes", "1,0"], capsys, engine)
    assert code == 0, err
    want = log_loss(y, np.c_[1 - p1, p1]) if loss == "bce" else brier_score_loss(y, p1)
    assert float(out) == pytest.approx(want, rel=1e-12)


def test_one_column_named_for_the_class_1_is_read_as_before(tmp_path, capsys):
    rng = np.random.default_rng(27)
    y = rng.integers(0, 2, 50)
    p1 = rng.uniform(0.01, 0.99, 50)
    # 0: pandas' name of pd.DataFrame(p)'s column; pred_0, score_0, yhat_0: a model's or a fold's first output
    for name in ("p1", "p_1", "proba_1", "1", "score", "0", "pred_0", "score_0", "yhat_0"):
        pd.DataFrame({"label": y, name: p1}).to_csv(tmp_path / "one.csv", index=False)
        code, out, err = _run(["bce", tmp_path / "one.csv"], capsys)
        assert code == 0, (name, err)
        assert float(out) == pytest.approx(log_loss(y, p1), rel=1e-12)


@pytest.mark.parametrize("preds", [["b", "a", "x"], ["p_b", "p_a", "p_x"]])
def test_names_shared_in_part_in_other_places_are_refused_with_the_order_to_check(tmp_path, capsys, preds):
    """Labels a, b, c beside predictions b, a, x: paired by position, a was scored against b (exit 0)."""
    y = np.array([[1, 0, 1], [0, 1, 0], [1, 1, 0]])
    p = np.array([[0.2, 0.7, 0.6], [0.9, 0.1, 0.3], [0.8, 0.6, 0.2]])
    np.savetxt(tmp_path / "y.csv", y, delimiter=",", header="a,b,c", comments="", fmt="%d")
    np.savetxt(tmp_path / "p.csv", p, delimiter=",", header=",".join(preds), comments="")
    args = ["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(args, capsys)
    order = f"{preds[1]},{preds[0]},{preds[2]}"
    assert code == 2 and out == "" and f"--pred-cols {order}" in err, err
    code, out, err = run_cli([*args, "--pred-cols", order], capsys)  # the hint, once checked
    q = p[:, [1, 0, 2]]
    want = float(np.mean(-(y * np.log(q) + (1 - y) * np.log(1 - q))))
    assert code == 0 and float(out) == pytest.approx(want, rel=1e-14), err
