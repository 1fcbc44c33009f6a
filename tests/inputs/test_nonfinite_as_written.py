"""A missing or infinite value of a text file is named as it was written: a blank line, an empty cell, ``NA``
(the message said "NaN ... (value nan)" for each), ``1e999`` or ``-Infinity`` (it said "(value inf)"), and the
hint for a blank line works."""

from __future__ import annotations

import gzip
import io
import subprocess
import sys

import pandas as pd
import pytest
from cli_helpers import run_cli

BLANK = "y,p\n1,0.5\n\n0,0.2\n1,0.7\n"


def test_a_blank_line_is_named_and_the_hint_gives_pandas_number(tmp_path):
    f = tmp_path / "m.csv"
    f.write_text(BLANK)
    cmd = [sys.executable, "-m", "losscli", "eval", "mse", str(f), "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 3 and out.stdout == ""
    assert f"a blank line in {f} row 3:" in out.stderr and "(value" not in out.stderr
    sed = out.stderr.split("remove them (")[1].split(")")[0]
    assert sed == f"sed -i '/^[[:space:]]*$/d' {f}"
    subprocess.run(sed, shell=True, check=True)
    fixed = subprocess.run(cmd, capture_output=True, text=True)
    df = pd.read_csv(io.StringIO(BLANK))  # pandas skips the blank line
    assert fixed.returncode == 0 and float(fixed.stdout) == pytest.approx(((df.y - df.p) ** 2).mean(), rel=1e-15)


@pytest.mark.parametrize("name", ["m.csv.gz", "disguised.csv"])
def test_a_compressed_file_is_decompressed_by_the_hint_and_standard_input_gets_a_pipe(tmp_path, name):
    """The hint said ``sed -i`` for any name without a compression suffix: run on gzip data, it would have
    damaged the file."""
    (tmp_path / name).write_bytes(gzip.compress(BLANK.encode()))
    out = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", name, "-q"], capture_output=True,
                         text=True, cwd=tmp_path)
    assert out.returncode == 3 and "a blank line" in out.stderr and "sed -i" not in out.stderr
    command = out.stderr.split("remove them (")[1].split("), or")[0]
    assert command.startswith(f"gzip -dc {name} | sed")
    subprocess.run(command, shell=True, check=True, cwd=tmp_path)
    written = command.split("> ")[1]
    fixed = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", written, "-q"], capture_output=True,
                           text=True, cwd=tmp_path)
    df = pd.read_csv(io.StringIO(BLANK))
    assert fixed.returncode == 0 and float(fixed.stdout) == pytest.approx(((df.y - df.p) ** 2).mean(), rel=1e-15)


def test_standard_input_gets_a_pipe():
    out = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", "-", "-q"], input=BLANK,
                         capture_output=True, text=True)
    assert out.returncode == 3 and "a blank line in <stdin> row 3" in out.stderr
    assert "| sed '/^[[:space:]]*$/d' | losscli … -" in out.stderr


@pytest.mark.parametrize("cell,says", [("", "an empty cell in y_pred"), ("NA", "NaN in y_pred"),
                                       ("nan", "NaN in y_pred"), (" NaN ", "NaN in y_pred")])
def test_a_missing_cell_is_shown_as_written(tmp_path, capsys, cell, says):
    f = tmp_path / "e.csv"
    f.write_text(f"y,p\n1,0.5\n0,{cell}\n1,0.7\n")
    code, out, err = run_cli(["eval", "mse", f, "-q"], capsys)
    assert code == 3 and out == ""
    if cell == "NA":  # not a number to the reader: refused as text
        assert "'NA'" in err
        return
    assert says in err and f"column p row 3 (value {cell.strip()!r})" in err


def test_a_shard_names_its_own_line(tmp_path, capsys):
    (tmp_path / "part-1.csv").write_text("y,p\n1,0.5\n0,0.2\n")
    (tmp_path / "part-2.csv").write_text("y,p\n1,0.7\n0,\n")
    code, _, err = run_cli(["eval", "mse", str(tmp_path / "part-*.csv"), "-q"], capsys)
    assert code == 3 and "an empty cell in y_pred" in err and "part-2.csv column p row 3 (value '')" in err


def test_a_line_moved_by_a_quoted_line_break_is_not_shown(tmp_path, capsys):
    """The row's line is found by counting line ends: a quoted line break above moves it, and the line found
    then holds no missing value in that column, so the message keeps the value read."""
    f = tmp_path / "q.csv"
    f.write_text('y,p,note\n1,0.5,"two\nlines"\n0,,x\n1,0.7,y\n')
    code, _, err = run_cli(["eval", "mse", f, "--label-cols", "y", "--pred-cols", "p", "-q"], capsys)
    assert code == 3 and "row 3" in err and "(value nan)" in err


def test_a_json_null_is_named(tmp_path, capsys):
    f = tmp_path / "d.jsonl"
    f.write_text('{"y": 1, "p": 0.9}\n\n{"y": 0, "p": null}\n')
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 3 and "column p line 3 (value 'null')" in err
    f.write_text('{"y": 1, "p": 0.9}\n{"y": 0}\n')
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 3 and "column p line 2 (value nan)" in err


@pytest.mark.parametrize("name, text, where, shown", [
    ("i.csv", "y,p\n1,0.5\n0,1e999\n", "column p row 3", "+inf in y_pred"),
    ("i.csv", "y,p\n1,0.5\n-1E400,0.2\n", "column y row 3", "-inf in y_true"),
    ("i.jsonl", '{"y": 1, "p": 0.5}\n{"y": 0, "p": -Infinity}\n', "column p line 2", "-inf in y_pred"),
    ("i.jsonl", '{"y": 1, "p": 0.5}\n{"y": 0, "p": 1e999}\n', "column p line 2", "+inf in y_pred"),
    ("i.jsonl", '{"y": 1, "p": 0.5}\n{"y": 0, "p": NaN}\n', "column p line 2", "NaN in y_pred"),
])
def test_an_infinite_value_is_shown_as_written(tmp_path, capsys, name, text, where, shown):
    f = tmp_path / name
    f.write_text(text)
    written = {"-1E400": "-1E400", "1e999": "1e999", "-Infinity": "-Infinity", "NaN": "NaN"}
    cell = next(w for w in written if w in text)
    for chunk in ("1", "1000"):
        code, out, err = run_cli(["eval", "mse", f, "-q", "--chunk-rows", chunk], capsys)
        assert (code, out) == (3, "") and shown in err and f"{where} (value {cell!r})" in err, err


def test_an_integer_too_long_for_a_float_is_shown_as_written(tmp_path, capsys):
    f = tmp_path / "big.jsonl"
    digits = "1" + "0" * 400
    f.write_text('{"y": 1, "p": 0.5}\n{"y": 0, "p": ' + digits + "}\n")
    code, out, err = run_cli(["eval", "mse", f, "-q"], capsys)
    assert (code, out) == (3, "") and f"(value '{digits}')" in err, err
