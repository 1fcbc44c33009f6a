"""One column of numbers written with a decimal comma and no quotes (``5,13``, ``-0,22``) splits at the comma
into two columns of integers: refused, naming the row that proves it, with a fix that gives the number;
two columns of integers (labels and counts) read as before."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from losscli.io.csv_reader import decimal_comma_column


def mean_squared_error(y, p) -> float:
    """scikit-learn's mean_squared_error of one output: the mean squared error."""
    return float(np.mean((np.asarray(y, float) - np.asarray(p, float)) ** 2))


def _comma_column(path, values, header=None) -> None:
    """Numbers as a spreadsheet in a decimal-comma locale writes them, one a line, without quotes."""
    lines = ([header] if header else []) + [f"{v:.2f}".replace(".", ",") for v in values]
    path.write_text("\n".join(lines) + "\n")


def _without_decimal_marks(rng, n):
    """Numbers whose decimal-comma spelling proves nothing (1,10 to 19,99: no whole part -0, no decimals 0x)."""
    return rng.choice([-1, 1], n) * (rng.integers(1, 20, n) + rng.integers(10, 100, n) / 100)


@pytest.fixture
def regression():
    rng = np.random.default_rng(0)
    y, p = _without_decimal_marks(rng, 40), _without_decimal_marks(rng, 40)
    y[5] = -0.5  # written -0,50: the labels' first proof
    p[0], p[7] = 1.05, -0.25  # written 1,05: the predictions' first proof
    return y, p


def test_a_headerless_decimal_comma_column_is_refused_and_the_hint_gives_the_number(tmp_path, capsys,
                                                                                     regression):
    """Read as two columns of integers, 5,13 and -0,22 were 5 and 13, 0 and 22: mse 1244.1 for 0.825, exit 0."""
    y, p = regression
    _comma_column(tmp_path / "y.csv", y)
    _comma_column(tmp_path / "p.csv", p)
    args = ["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    for engine in ("local", "dask"):
        code, out, err = run_cli([*args, "--engine", engine], capsys)
        assert (code, out) == (3, ""), err
        assert err.count("error:") == 1 and "a decimal comma?" in err
        assert "y.csv row 6 (value '-0,50')" in err and "'-0' is a negative decimal's whole part" in err
    # each hint's command, run as written, and its file passed, until the run gives a number
    for _ in range(3):
        code, out, err = run_cli(args, capsys)
        if code == 0:
            break
        command = re.search(r"\((tr , \. < (\S+) > (\S+)), and pass that file\)", err)
        assert code == 3 and command is not None, err
        subprocess.run(command.group(1), shell=True, check=True, cwd=tmp_path)
        args = [command.group(3) if str(a) == command.group(2) else a for a in args]
    assert [str(a).rsplit("/", 1)[-1] for a in args[3:6:2]] == ["y_point.csv", "p_point.csv"]
    assert code == 0 and float(out) == pytest.approx(mean_squared_error(y, p), rel=1e-12), err


def test_the_predictions_alone_and_a_one_name_header_are_refused_too(tmp_path, capsys, regression):
    y, p = regression
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv", index=False)
    _comma_column(tmp_path / "p.csv", p)
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"],
                             capsys)
    assert (code, out) == (3, "") and "p.csv row 1 (value '1,05')" in err and "'05' keeps a leading zero" in err
    _comma_column(tmp_path / "ph.csv", p, header="p")
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "ph.csv"],
                             capsys)
    assert (code, out) == (3, "") and "ph.csv row 2" in err and "a decimal comma?" in err
    # --no-header reads the same rows, and is refused the same way
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "p.csv", "--preds", tmp_path / "p.csv",
                              "--label-cols", "1", "--pred-cols", "2", "--no-header"], capsys)
    assert code == 3 and "a decimal comma?" in err


def test_two_columns_of_integers_read_as_before(tmp_path, capsys):
    """Labels 0..9 beside counts, negative integers, a zero: no decimal's spelling, so two columns."""
    rng = np.random.default_rng(1)
    labels, counts = rng.integers(0, 10, 60), rng.integers(0, 500, 60)
    counts[:3] = [0, 7, 100]
    frame = pd.DataFrame({"label": labels, "count": counts})
    frame.to_csv(tmp_path / "d.csv", index=False, header=False)
    code, out, err = run_cli(["eval", "mse", tmp_path / "d.csv", "--label-cols", "#1", "--pred-cols", "#2", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(mean_squared_error(labels, counts), rel=1e-14), err
    signed = pd.DataFrame({"a": [-3, 0, 5, -12], "b": [10, 0, 1, 22]})
    signed.to_csv(tmp_path / "s.csv", index=False, header=False)
    code, out, err = run_cli(["eval", "mse", tmp_path / "s.csv", "--label-cols", "#1", "--pred-cols", "#2", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(mean_squared_error(signed.a, signed.b), rel=1e-14), err


def test_delimiter_given_reads_two_columns_of_integers_that_look_like_decimals(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("1,007\n2,012\n3,150\n")
    args = ["eval", "mse", tmp_path / "d.csv", "--label-cols", "#1", "--pred-cols", "#2", "-q"]
    code, _, err = run_cli(args, capsys)
    assert code == 3 and "--delimiter ','" in err
    code, out, err = run_cli([*args, "--delimiter", ","], capsys)
    assert code == 0 and float(out) == pytest.approx(mean_squared_error([1, 2, 3], [7, 12, 150])), err


@pytest.mark.parametrize("rows, found", [
    ([["5", "13"], ["-0", "22"]], (2, "-0,22")),
    ([["5", "13"], ["1", "05"]], (2, "1,05")),
    ([["5", "13"], [], ["0", "50"]], None),          # 50 and 13: integers as well as decimals
    ([["-0", "5"], ["007", "1"]], None),             # a padded first cell: padded integers
    ([["-0", "5"], ["1", "-2"]], None),              # a signed second cell: integers
    ([["-0", "5"], ["1", "2", "3"]], None),          # three cells
    ([["-0", "5"], ["1", "2.5"]], None),             # a decimal point
    ([["-0", "5"], ["1", "²"]], None),               # a digit to str.isdigit, no number to float()
])
def test_decimal_comma_column_rule(rows, found):
    got = decimal_comma_column(rows)
    assert (got[:2] if got else None) == found


def test_the_message_names_the_file_as_given_on_the_command_line(tmp_path):
    (tmp_path / "y.csv").write_text("1,5\n-0,25\n")
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", "--labels", "y.csv", "--preds", "y.csv",
                           "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 3 and proc.stdout == ""
    assert "y.csv row 2 (value '-0,25')" in proc.stderr and "tr , . < y.csv > y_point.csv" in proc.stderr


def test_points_between_thousands_beside_a_decimal_comma_get_their_own_hint(tmp_path):
    """Excel in a German locale writes 3.446,88 (points between thousands, a decimal comma) between
    semicolons: the hint said "a comma inside a cell: quote the cell or use another delimiter", which does not
    apply; it now says to drop the points and write the comma as a point, with the command that does, which
    the test follows to get scikit-learn's number."""
    rng = np.random.default_rng(4)
    y, p = rng.uniform(1000, 5000, 30).round(2), rng.uniform(1000, 5000, 30).round(2)

    def german(x: float) -> str:
        return f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".")

    (tmp_path / "de.csv").write_text("y;pred\n" + "".join(f"{german(a)};{german(b)}\n" for a, b in zip(y, p, strict=True)))
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", "de.csv", "-q"], capture_output=True,
                          text=True, cwd=tmp_path)
    assert proc.returncode == 3 and proc.stdout == "", proc.stderr
    assert "points between thousands and a decimal comma" in proc.stderr, proc.stderr
    command = "sed -e 's/\\.//g' -e 's/,/./g' < de.csv > de_point.csv"
    assert command in proc.stderr, proc.stderr
    subprocess.run(["sh", "-c", command], cwd=tmp_path, check=True)
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", "de_point.csv", "-q"],
                          capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(mean_squared_error(y, p), rel=1e-12)


@pytest.mark.parametrize(("german", "rewrite"), [(True, "sed -e 's/\\.//g' -e 's/,/./g'"), (False, "tr , .")])
def test_the_dask_engine_names_the_cell_and_gives_the_local_engines_hint(tmp_path, capsys, german, rewrite):
    """--engine dask said only "cannot read the partition: could not convert string to float: '3547,85'": it
    now names the column, the value and its row in the partition, with the local engine's hint, which gives
    the number once followed."""
    pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(5)
    y, p = rng.uniform(1000, 5000, 30).round(2), rng.uniform(1000, 5000, 30).round(2)

    def written(x: float) -> str:
        return (f"{x:,.2f}".replace(",", " ").replace(".", ",").replace(" ", ".") if german
                else f"{x:.2f}".replace(".", ","))

    (tmp_path / "f.csv").write_text("y;pred\n" + "".join(f"{written(a)};{written(b)}\n"
                                                         for a, b in zip(y, p, strict=True)))
    code, out, err = run_cli(["eval", "mse", str(tmp_path / "f.csv"), "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", err
    # (the predictions' cell, as the local engine names it first)
    assert f"column 'pred' (value {written(p[0])!r})" in err and "row 1 of the partition" in err, err
    assert ("points between thousands" if german else "a decimal comma?") in err, err
    subprocess.run(["sh", "-c", f"{rewrite} < f.csv > g.csv"], cwd=tmp_path, check=True)
    code, out, err = run_cli(["eval", "mse", str(tmp_path / "g.csv"), "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(mean_squared_error(y, p), rel=1e-12)
