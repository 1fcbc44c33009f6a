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

    monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", 4_000)  # several blocks, as a large file has


def _write(path, cells: dict[str, list[str]]) -> None:
    path.write_text(",".join(cells) + "\n" + "".join(",".join(row) + "\n" for row in zip(*cells.values(), strict=True)),
                    encoding="utf-8")


def _scores(seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 2, ROWS), rng.uniform(0.05, 0.95, ROWS).round(4)


def _bce(y: np.ndarray, p: np.ndarray, w: np.ndarray | None = None) -> float:
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    return float(np.average(losses, weights=w))


def _same_number_on_both_engines(args: list, expected: float, capsys) -> None:
    for engine in ("local", "dask"):
        code, out, err = run_cli([*args, "--engine", engine], capsys)
        assert code == 0, (engine, err)
        assert float(out) == pytest.approx(expected, rel=1e-14), engine


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
    _same_number_on_both_engines(["eval", "bce", tmp_path / "scores.csv", "--label-cols", "label", "--pred-cols",
                                  "prob", "-q"], _bce(y, p), capsys)


def test_a_number_padded_with_a_no_break_space_is_read_as_the_local_engine_reads_it(tmp_path, capsys):
    """pandas' parser reads ``0.5\\xa0`` as text; the local engine reads it as 0.5, and so does the Dask engine."""
    y, p = _scores(7)
    probs = [repr(float(v)) for v in p]
    probs[AT] = "0.5\xa0"
    p[AT] = 0.5
    _write(tmp_path / "scores.csv", {"label": [str(v) for v in y], "prob": probs})
    _same_number_on_both_engines(["eval", "bce", tmp_path / "scores.csv", "-q"], _bce(y, p), capsys)


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


def test_a_shard_of_booleans_beside_one_of_numbers_is_read_as_the_local_engine_reads_it(tmp_path, capsys):
    """Labels True/False in the first shard, 0/1 in the next: Dask converted the second with ``astype(bool)``, so
    a 2 or an empty cell was a 1 (exit 0, where the local engine refuses the 2 and the empty cell)."""
    y, p = _scores(9)
    half = ROWS // 2
    first = ["True" if v else "False" for v in y[:half]]
    second = [str(v) for v in y[half:]]
    probs = [repr(float(v)) for v in p]
    _write(tmp_path / "part-0.csv", {"label": first, "prob": probs[:half]})
    for cell, words in (("2", "labels must be 0 or 1"), ("", "NaN in y_true")):
        bad = list(second)
        bad[100] = cell
        _write(tmp_path / "part-1.csv", {"label": bad, "prob": probs[half:]})
        code, out, err = run_cli(["eval", "bce", tmp_path / "part-*.csv", "--engine", "dask", "-q"], capsys)
        assert code == 3 and out == "" and words in err, (cell, out, err)
    keep = np.ones(ROWS, dtype=bool)
    keep[half + 100] = False
    _same_number_on_both_engines(["eval", "bce", tmp_path / "part-*.csv", "--nan", "skip", "-q"],
                                 _bce(y[keep], p[keep]), capsys)


def test_labels_of_numbers_and_booleans_and_missing_markers_in_any_case_are_read_as_the_local_engine_reads_them(
        tmp_path, capsys):
    y, p = _scores(10)
    labels, probs = [str(v) for v in y], [repr(float(v)) for v in p]
    labels[AT] = "True" if y[AT] else "False"
    probs[AT + 1] = "na"  # pandas reads NA, not na, as missing
    _write(tmp_path / "scores.csv", {"label": labels, "prob": probs})
    keep = np.ones(ROWS, dtype=bool)
    keep[AT + 1] = False
    _same_number_on_both_engines(["eval", "bce", tmp_path / "scores.csv", "--nan", "skip", "-q"],
                                 _bce(y[keep], p[keep]), capsys)


def test_a_shard_of_its_header_alone_leaves_the_number(tmp_path, capsys):
    """pandas reads a block without rows as text columns: it is no text among numbers (the columns read as text,
    labels ``2.0`` were no longer the class ``2``)."""
    rng = np.random.default_rng(11)
    y = rng.integers(0, 3, ROWS)
    p = rng.dirichlet(np.ones(3), ROWS).round(4)
    p[:, 2] = 1 - p[:, 0] - p[:, 1]
    _write(tmp_path / "m-0.csv", {"label": [f"{v:.1f}" for v in y],
                                  **{f"p{j}": [repr(float(v)) for v in p[:, j]] for j in range(3)}})
    (tmp_path / "m-1.csv").write_text("label,p0,p1,p2\n")
    expected = float(-np.mean(np.log(p[np.arange(ROWS), y])))
    _same_number_on_both_engines(["eval", "scce", tmp_path / "m-*.csv", "--classes", "0,1,2", "-q"], expected, capsys)


def test_the_reading_again_prints_the_number_alone(tmp_path):
    """Each reading of a block with text among numbers ended in a worker's report of the error, with a traceback,
    on the command's stderr (capsys does not see the workers' output: a process of its own does)."""
    import subprocess
    import sys

    rng = np.random.default_rng(12)  # rows enough that the sampled first partition holds no such cell: it is met
    y, p = rng.integers(0, 2, 12_000), rng.uniform(0.05, 0.95, 12_000).round(4)  # on the cluster's workers
    probs = [repr(float(v)) for v in p]
    probs[9000] = "0.5\xa0"
    p[9000] = 0.5
    _write(tmp_path / "scores.csv", {"label": [str(v) for v in y], "prob": probs})
    (tmp_path / "run.py").write_text(
        "import sys\nimport losscli.dask\nfrom losscli.cli import main\n"
        "if __name__ == '__main__':\n    losscli.dask.CSV_BLOCKSIZE = 4_000\n    main(sys.argv[1:])\n")
    r = subprocess.run([sys.executable, str(tmp_path / "run.py"), "eval", "bce", str(tmp_path / "scores.csv"),
                        "--engine", "dask", "-q"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(_bce(y, p), rel=1e-14)
    assert r.stderr == "", r.stderr


def test_true_or_false_among_class_indices_is_refused(tmp_path, capsys):
    """true and false are binary labels: among the labels of a multi-class loss the Dask engine read them as 1 and 0
    (1.1689, exit 0, where the local engine refuses them)."""
    rng = np.random.default_rng(13)
    labels = [str(v) for v in rng.integers(0, 3, 300)]
    labels[3] = "false"
    _write(tmp_path / "t.csv", {"y": labels, "p0": ["0.2"] * 300, "p1": ["0.5"] * 300, "p2": ["0.3"] * 300})
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "scce", tmp_path / "t.csv", "--engine", engine, "-q"], capsys)
        assert code in (2, 3) and out == "" and "false" in err, (engine, code, out, err)


@pytest.mark.parametrize("column", ["prob", "w"])
def test_a_column_of_booleans_is_no_predictions_nor_weights(tmp_path, capsys, column):
    y, p = _scores(14)
    cells = {"label": [str(v) for v in y], "prob": [repr(float(v)) for v in p], "w": ["1"] * ROWS}
    cells[column] = ["True" if v else "False" for v in y]
    _write(tmp_path / "t.csv", cells)
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", tmp_path / "t.csv", "--label-cols", "label", "--pred-cols", "prob",
                                  "--weight-col", "w", "--engine", engine, "-q"], capsys)
        assert code == 3 and out == "" and "non-numeric value" in err, (engine, code, out, err)


def test_true_among_class_indices_past_the_sample_gets_a_hint_that_works(tmp_path, capsys):
    rng = np.random.default_rng(16)
    y = rng.integers(0, 3, ROWS)
    p = rng.dirichlet(np.ones(3), ROWS).round(4)
    p[:, -1] = 1 - p[:, :-1].sum(axis=1)
    labels = [str(v) for v in y]
    labels[AT] = "true"
    cells = {"label": labels, **{f"p{j}": [repr(float(v)) for v in p[:, j]] for j in range(3)}}
    _write(tmp_path / "scores.csv", cells)
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "scce", tmp_path / "scores.csv", "--engine", engine, "-q"], capsys)
        assert code == 3 and out == "", (engine, out)
        assert "(value 'true')" in err and "write true as the index 1" in err, (engine, err)
    cells["label"][AT] = "1"  # the hint followed
    y[AT] = 1
    _write(tmp_path / "fixed.csv", cells)
    expected = float(np.mean(-np.log(p[np.arange(ROWS), y])))
    _same_number_on_both_engines(["eval", "scce", tmp_path / "fixed.csv", "-q"], expected, capsys)
