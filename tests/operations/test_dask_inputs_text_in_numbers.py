"""--engine dask on a CSV file whose column of numbers holds a text past Dask's sample of its first rows. pandas
read that block's column as text, and Dask converted it with Python's ``float``: ``０.５`` and ``0_0.5`` were read
as 0.5 (exit 0, where the local engine and pandas refuse the file), a column of booleans took any text for True,
and a text in a column no loss reads failed the whole run with Dask's table of dtypes. Such a block now has the
files read again with that column as text, and each cell is judged as the local engine judges it."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

ROWS, AT = 3000, 2500  # the odd cell: data row AT (file row AT + 2), in the file's second block or later


@pytest.fixture(autouse=True)
def _small_blocks(monkeypatch):
    import losscli.dask

    monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", 20_000)  # several blocks, as a large file has


def _write(path, cells: dict[str, list[str]]) -> None:
    path.write_text(",".join(cells) + "\n" + "".join(",".join(row) + "\n" for row in zip(*cells.values(), strict=True)),
                    encoding="utf-8")


def _scores(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, ROWS), rng.uniform(0.05, 0.95, ROWS).round(4)


def _bce(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> float:
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    return float(np.average(losses, weights=w))


@pytest.mark.parametrize(("cell", "hint"), [
    ("０.５", "write the number in the digits 0-9 (0.5)"),
    ("٠.٥", "write the number in the digits 0-9 (0.5)"),
    ("0_0.5", "write the number without them (00.5)"),
    ("abc", "every value in this column must be a number"),
])
def test_a_text_in_the_predictions_past_the_sample_is_refused_by_both_engines(tmp_path, capsys, cell, hint):
    y, p = _scores()
    probs = [repr(float(v)) for v in p]
    probs[AT] = cell
    _write(tmp_path / "scores.csv", {"label": [str(v) for v in y], "prob": probs})
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--engine", engine, "-q"], capsys)
        assert code == 3 and out == "", (engine, out)
        assert f"(value {cell!r})" in err and hint in err and "prob" in err, (engine, err)
        assert "Traceback" not in err and "Mismatched dtypes" not in err, err
    probs[AT] = "0.5"  # the hint followed
    _write(tmp_path / "fixed.csv", {"label": [str(v) for v in y], "prob": probs})
    p[AT] = 0.5
    code, out, err = run_cli(["eval", "bce", tmp_path / "fixed.csv", "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(y, p), rel=1e-14)


@pytest.mark.parametrize("column", ["label", "w"])
def test_a_full_width_digit_in_the_labels_or_weights_past_the_sample_is_refused(tmp_path, capsys, column):
    y, p = _scores(4)
    cells = {"label": [str(v) for v in y], "prob": [repr(float(v)) for v in p], "w": ["1"] * ROWS}
    cells[column][AT] = "１"
    _write(tmp_path / "scores.csv", cells)
    code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--label-cols", "label", "--pred-cols", "prob",
                              "--weight-col", "w", "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "'１'" in err and "digits 0-9" in err, err


def test_a_text_among_booleans_past_the_sample_is_not_read_as_true(tmp_path, capsys):
    """pandas reads True/False as booleans in the sampled rows; Dask turned any text of a later block into True."""
    y, p = _scores(5)
    labels = ["True" if v else "False" for v in y]
    labels[AT] = "maybe"
    _write(tmp_path / "scores.csv", {"label": labels, "prob": [repr(float(v)) for v in p]})
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--engine", engine, "-q"], capsys)
        assert code == 3 and out == "", (engine, out)
        assert "maybe" in err, (engine, err)
    labels[AT] = "True"
    y[AT] = 1
    _write(tmp_path / "fixed.csv", {"label": labels, "prob": [repr(float(v)) for v in p]})
    code, out, err = run_cli(["eval", "bce", tmp_path / "fixed.csv", "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(y, p), rel=1e-14)


def test_a_text_in_a_column_no_loss_reads_leaves_the_number(tmp_path, capsys):
    """A feature column of numbers with a text further down: the local engine gives the number, and the Dask
    engine failed with its table of dtypes."""
    y, p = _scores(6)
    feature = [str(i) for i in range(ROWS)]
    feature[AT] = "n/a yet"
    _write(tmp_path / "scores.csv", {"label": [str(v) for v in y], "prob": [repr(float(v)) for v in p],
                                     "feature": feature})
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--label-cols", "label", "--pred-cols",
                                  "prob", "--engine", engine, "-q"], capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(_bce(y, p), rel=1e-14), engine


def test_a_number_padded_with_a_no_break_space_is_read_as_the_local_engine_reads_it(tmp_path, capsys):
    """pandas' parser reads ``0.5\\xa0`` as text; the local engine reads it as 0.5, and so does the Dask engine."""
    y, p = _scores(7)
    probs = [repr(float(v)) for v in p]
    probs[AT] = "0.5\xa0"
    p[AT] = 0.5
    _write(tmp_path / "scores.csv", {"label": [str(v) for v in y], "prob": probs})
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "scores.csv", "--engine", engine, "-q"], capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(_bce(y, p), rel=1e-14), engine


def test_two_files_paired_by_row_refuse_a_text_in_the_predictions(tmp_path, capsys):
    y, p = _scores(8)
    probs = [repr(float(v)) for v in p]
    probs[AT] = "０.２５"
    _write(tmp_path / "y.csv", {"label": [str(v) for v in y]})
    _write(tmp_path / "p.csv", {"prob": probs})
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "'０.２５'" in err and "(0.25)" in err, err
