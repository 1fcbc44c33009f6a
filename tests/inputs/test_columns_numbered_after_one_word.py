"""Prediction columns named by one word and a class number that no probability word spells — R's ``X0, X1, X2``
(``make.names`` of the classes ``0, 1, 2``, as ``write.csv`` of caret's ``predict(type = "prob")`` writes them),
Hugging Face's ``LABEL_0``, ``class_2`` — are paired with the classes by their numbers, in any column order, as
``p0, p2, p1`` are. They were taken by position: ``X2, X0, X1`` scored column ``X2`` as class 0. Columns
numbered in another order that are not 0..C-1 (``X3, X1, X2``: classes 1..3, or classes 0..2 counted from 1)
are refused, since no reading takes them by position."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

ORDER = [2, 0, 1]


def _data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 3, 40)
    logits = rng.normal(size=(40, 3)) * 2
    probs = np.exp(logits) / np.exp(logits).sum(1, keepdims=True)
    return y, probs


def _cce(y: np.ndarray, probs: np.ndarray) -> float:
    return float(-np.mean(np.log(probs[np.arange(len(y)), y])))


def _write(path, names, y, probs, order, offset=0):
    with open(path, "w") as f:
        f.write('"","y",' + ",".join(f'"{n}"' for n in names) + "\n")  # R's write.csv: row names first
        for i, (label, row) in enumerate(zip(y, probs, strict=True)):
            f.write(f'"{i + 1}",{label + offset},' + ",".join(repr(float(row[k])) for k in order) + "\n")


@pytest.mark.parametrize("word", ["X", "LABEL_", "class_", "c"])
@pytest.mark.parametrize("loss", ["cce", "scce"])
def test_columns_numbered_0_to_c_minus_1_in_another_order_are_classes_by_number(tmp_path, capsys, word, loss):
    y, probs = _data()
    path = tmp_path / "r.csv"
    _write(path, [f"{word}{k}" for k in ORDER], y, probs, ORDER)
    code, out, err = run_cli(["eval", loss, path, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, probs), rel=1e-12)


@pytest.mark.parametrize("word", ["X", "LABEL_", "class_"])
def test_a_binary_predict_proba_named_x1_x0_is_paired_by_name(tmp_path, capsys, word):
    rng = np.random.default_rng(4)
    y = rng.integers(0, 2, 40)
    p = rng.uniform(0.05, 0.95, 40)
    probs = np.stack([1 - p, p], 1)
    path = tmp_path / "r.csv"
    _write(path, [f"{word}1", f"{word}0"], y, probs, [1, 0])
    code, out, err = run_cli(["eval", "bce", path, "--convention", "sklearn", "-q"], capsys)
    assert code == 0, err
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert float(out) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("word", ["X", "p"])
@pytest.mark.parametrize("offset", [0, 1])
def test_columns_numbered_1_to_c_in_another_order_are_refused_with_the_classes_that_read_them(
        tmp_path, capsys, word, offset):
    y, probs = _data()
    path = tmp_path / "r.csv"
    _write(path, [f"{word}{k + 1}" for k in ORDER], y, probs, ORDER, offset)
    code, out, err = run_cli(["eval", "cce", path, "-q"], capsys)
    assert code == 2 and out == ""
    assert "--classes 3,1,2" in err and "--classes 2,0,1" in err
    classes = "2,0,1" if offset == 0 else "3,1,2"
    code, out, err = run_cli(["eval", "cce", path, "--classes", classes, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, probs), rel=1e-12)


def test_columns_numbered_in_their_own_order_stay_by_position(tmp_path, capsys):
    y, probs = _data()
    path = tmp_path / "r.csv"
    _write(path, ["X0", "X1", "X2"], y, probs, [0, 1, 2])
    code, out, err = run_cli(["eval", "cce", path, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_cce(y, probs), rel=1e-12)
