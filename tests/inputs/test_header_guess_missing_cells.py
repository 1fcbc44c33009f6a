"""A first row of numbers with missing cells beside them is data, not a header: a trailing delimiter
(``1,0.9,``), columns aligned with spaces (`` 1.000  0.900``), a null in the first row. It was read as a header
and its sample lost, with exit 0 (pandas with ``header=None`` and ``np.loadtxt`` keep it)."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

Y, P = np.array([1, 0, 1]), np.array([0.9, 0.2, 0.7])
BCE = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))


@pytest.mark.parametrize("text,args", [
    ("1,0.9,\n0,0.2,\n1,0.7,\n", ["--label-cols", "1", "--pred-cols", "2"]),
    (" 1.000  0.900\n 0.000  0.200\n 1.000  0.700\n", ["--delimiter", " ", "--label-cols", "2", "--pred-cols", "4"]),
    ("1,0.9,#N/A\n0,0.2,3\n1,0.7,4\n", ["--label-cols", "1", "--pred-cols", "2"]),
])
def test_numbers_beside_missing_cells_are_data(tmp_path, capsys, text, args):
    f = tmp_path / "d.csv"
    f.write_text(text)
    code, out, err = run_cli(["eval", "bce", f, *args, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err
    sep = r"\s+" if "--delimiter" in args else ","
    df = pd.read_csv(io.StringIO(text), header=None, sep=sep, engine="python")
    assert len(df) == 3


def test_a_null_in_the_first_row_is_a_missing_value(tmp_path, capsys):
    # (an empty *first* cell stays a header's: pandas' and R's index name above names like 1,2,3 or 0.1,0.5)
    for first in ("1,", "NA,0.9", "#N/A,0.9"):
        f = tmp_path / "n.csv"
        f.write_text(f"{first}\n0,0.2\n1,0.7\n")
        code, out, err = run_cli(["eval", "bce", f, "--label-cols", "#1", "--pred-cols", "#2", "-q"], capsys)
        assert code == 3 and out == "" and "row 1" in err, (first, err)
        code, out, err = run_cli(["eval", "bce", f, "--label-cols", "#1", "--pred-cols", "#2", "--nan", "skip",
                                  "-q"], capsys)
        assert code == 0 and float(out) == pytest.approx(float(-np.mean(np.log([0.8, 0.7]))), rel=1e-15), err


def test_two_headerless_files_with_a_trailing_delimiter(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("1\n0\n1\n")
    (tmp_path / "p.csv").write_text("0.9,\n0.2,\n0.7,\n")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--pred-cols", "1", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err


@pytest.mark.parametrize("names", [[0, 1], [1, 2]])
def test_pandas_index_and_numbered_names_stay_a_header(tmp_path, capsys, names):
    """``pd.DataFrame(proba).to_csv(path)`` writes ``,0,1`` (or ``,1,2``) above its rows: a header, as
    before (read as data, its index column was scored with --nan skip)."""
    f = tmp_path / "p.csv"
    pd.DataFrame({names[0]: [0.1, 0.8, 0.3], names[1]: [0.9, 0.2, 0.7]}).to_csv(f)
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n")
    args = ["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", f, "--convention", "sklearn", "-q"]
    code, out, err = run_cli(args, capsys)
    if names == [1, 2]:  # columns named for classes 1 and 2 beside labels 0 and 1, as without the index
        assert (code, out) == (3, "") and "label 0 is not one of the classes (1, 2)" in err, err
        assert "list every class with --classes, in prediction-column order" in err
        code, out, err = run_cli([*args, "--classes", "0,1"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err


def test_a_header_repeated_among_the_rows_is_named_and_the_shards_hint_works(tmp_path, capsys):
    """``cat a.csv b.csv > all.csv`` keeps b's header: it was "non-numeric value ... (value 'p')"."""
    (tmp_path / "a.csv").write_text("y,p\n1,0.9\n0,0.2\n")
    (tmp_path / "b.csv").write_text("y,p\n1,0.7\n")
    (tmp_path / "all.txt").write_text("y,p\n1,0.9\n0,0.2\ny,p\n1,0.7\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "all.txt", "-q"], capsys)
    assert code == 3 and out == "" and "the header again among the rows" in err and "row 4" in err
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "*.csv"), "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err


def test_a_header_of_names_above_space_separated_numbers(tmp_path, capsys):
    (tmp_path / "s.txt").write_text("y p\n1 0.9\n0 0.2\n1 0.7\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "s.txt", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err


@pytest.mark.parametrize("engine", ["stdlib", "arrow"])
def test_excels_sep_line_names_the_delimiter(tmp_path, capsys, monkeypatch, engine):
    """Excel writes (and reads) ``sep=;`` as the first line: it was taken for the header ("no label column
    … (columns: sep=, 2)", exit 2)."""
    from losscli.io import csv_reader

    if engine == "arrow":
        monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
    (tmp_path / "e.csv").write_text("sep=;\r\ny;p\r\n1;0.9\r\n0;0.2\r\n1;0.7\r\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "e.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err
    (tmp_path / "n.csv").write_text("sep=;\n1;0.9\n0;0.2\n1;0.7\n0;\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "n.csv", "--label-cols", "1", "--pred-cols", "2", "-q"],
                             capsys)
    assert code == 3 and "row 5" in err, err  # rows numbered as the file's lines


@pytest.mark.parametrize("compressed", [False, True])
def test_the_repeated_header_fix_works_as_written(tmp_path, compressed):
    import gzip
    import subprocess
    import sys

    text = "y,p\n1,0.9\n0,0.2\ny,p\n1,0.7\n"
    name = "all.csv.gz" if compressed else "all.csv"
    (tmp_path / name).write_bytes(gzip.compress(text.encode()) if compressed else text.encode())
    run = [sys.executable, "-m", "losscli", "eval", "bce"]
    out = subprocess.run([*run, name, "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert out.returncode == 3 and "the header again among the rows" in out.stderr
    command = out.stderr.split("keep the first only (")[1].split("), or")[0]
    subprocess.run(command, shell=True, check=True, cwd=tmp_path)
    fixed = subprocess.run([*run, command.split("> ")[1], "-q"], capture_output=True, text=True, cwd=tmp_path)
    assert fixed.returncode == 0 and float(fixed.stdout) == pytest.approx(BCE, rel=1e-15), fixed.stderr


@pytest.mark.parametrize("delimiter", [" ", ","])
def test_np_savetxt_header_after_its_comment_mark(tmp_path, capsys, delimiter):
    """``np.savetxt(…, header='y p')`` writes ``# y p``: "no label column … (columns: # y p)" before."""
    f = tmp_path / "s.txt"
    np.savetxt(f, np.c_[Y, P], delimiter=delimiter, header=delimiter.join(["y", "p"]))
    assert f.read_text().startswith("# y")
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-15), err
    loaded = np.loadtxt(f, delimiter=None if delimiter == " " else delimiter)  # NumPy skips its comment line
    assert loaded.shape == (3, 2)
    # a comment above a header of its own is still refused, with its hint
    (tmp_path / "c.csv").write_text("# exported by a tool\ny,p\n1,0.9\n0,0.2\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "c.csv", "-q"], capsys)
    assert code == 3 and "is a comment" in err
