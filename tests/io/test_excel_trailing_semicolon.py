"""Excel in a semicolon locale: rows ending with ``;`` (an empty last column), decimal commas, CRLF.

Before, a headerless file ``1;0.9;`` gave the predictions columns 2 and 3 (3 empty on every row) and was
refused as a column count mismatch; ``1;`` beside ``0.9;`` was refused as an empty label cell; ``1;0,9;`` was
cut at its commas (columns ``1;0`` and ``9;``, then ``--classes 0;0,1;0`` as the hint). Now a last column that
is empty on every row is not read (whatever the header names; a value in it in a row keeps it a column), and
semicolons beside decimal commas are the delimiter, the decimal commas refused with the ``tr`` that fixes them.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path

import pytest
from cli_helpers import run_cli

from losscli.io.detect import sniff_delimiter

Y = [1, 0, 1, 1, 0]
P = [0.9, 0.2, 0.6, 0.35, 0.1]
BCE = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(Y, P, strict=True)) / len(Y)


def excel(path: Path, rows: list[list[str]], header: list[str] | None = None) -> Path:
    """A CSV as Excel writes it in a semicolon locale: ``;`` between cells and after the last, CRLF."""
    lines = ([header] if header else []) + rows
    path.write_bytes("".join(";".join(r) + ";\r\n" for r in lines).encode())
    return path


def _cells(values: list, comma: bool = False) -> list[str]:
    return [str(v).replace(".", ",") if comma else str(v) for v in values]


@pytest.mark.parametrize("header", [None, ["y", "p"]])
def test_one_file_ending_every_row_with_a_semicolon(tmp_path, capsys, header):
    f = excel(tmp_path / "f.csv", [[str(y), str(p)] for y, p in zip(Y, P, strict=True)], header)
    args = ["eval", "bce", f, "-q"] + (["--label-cols", "1"] if header is None else [])
    code, out, err = run_cli(args, capsys)
    assert code == 0, err  # headerless: 'labels have 1 column(s) but predictions have 2' before
    assert float(out) == pytest.approx(BCE, rel=1e-12)


def test_labels_and_predictions_files_ending_every_row_with_a_semicolon(tmp_path, capsys):
    y = excel(tmp_path / "y.csv", [[str(v)] for v in Y])
    p = excel(tmp_path / "p.csv", [[str(v)] for v in P])
    code, out, err = run_cli(["eval", "bce", "--labels", y, "--preds", p, "-q"], capsys)
    assert code == 0, err  # 'an empty cell in y_true in y.csv column 2' before
    assert float(out) == pytest.approx(BCE, rel=1e-12)


def test_a_last_column_with_a_value_in_a_sampled_row_is_a_column(tmp_path, capsys):
    rows = [[str(y), str(p), ""] for y, p in zip(Y, P, strict=True)]
    rows[2][2] = "0.5"
    f = tmp_path / "f.csv"
    f.write_bytes("".join(";".join(r) + "\r\n" for r in rows).encode())
    code, out, err = run_cli(["eval", "bce", f, "--label-cols", "1", "-q"], capsys)
    assert code == 3 and out == ""  # not scored from columns 1 and 2 as if the third were not there


@pytest.mark.parametrize("header", [None, ["y", "p"]])
def test_decimal_commas_are_refused_with_the_tr_that_fixes_them(tmp_path, capsys, monkeypatch, header):
    monkeypatch.chdir(tmp_path)
    excel(tmp_path / "f.csv", [[str(y), _cells([p], comma=True)[0]] for y, p in zip(Y, P, strict=True)], header)
    extra = ["--label-cols", "1"] if header is None else []
    code, out, err = run_cli(["eval", "bce", "f.csv", "-q", *extra], capsys)
    assert code == 3 and out == ""
    assert "(value '0,9')" in err and "decimal comma" in err  # before, headerless: columns '1;0' and '9;'
    command = err.split(": tr ", 1)[1].split(", and pass that file")[0]
    assert command == ", . < f.csv > f_point.csv"
    subprocess.run(f"tr {command}", shell=True, check=True, cwd=tmp_path)
    code, out, err = run_cli(["eval", "bce", "f_point.csv", "-q", *extra], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)


@pytest.mark.parametrize("text", ["1;0,9;\r\n0;0,2;\r\n", "1;0,9\n0;0,2\n", "y;p;\n1;0,9;\n"])
def test_semicolons_beside_decimal_commas_are_the_delimiter(text):
    assert sniff_delimiter(text) == ";"


def test_commas_beside_other_semicolons_stay_the_delimiter():
    assert sniff_delimiter("a;b,c\nx;1,2\n") == ","  # the commas give numbers, the semicolons do not


def _long(n: int) -> tuple[list[list[str]], float]:
    ys = [i % 2 for i in range(n)]
    ps = [round(0.05 + 0.9 * ((i * 7919) % 1000) / 1000, 3) for i in range(n)]
    value = -sum(y * math.log(p) + (1 - y) * math.log(1 - p) for y, p in zip(ys, ps, strict=True)) / n
    return [[str(y), str(p)] for y, p in zip(ys, ps, strict=True)], value


@pytest.mark.parametrize("rows", [20_000, 150_000])  # past the 64 KiB sample: the stdlib and the arrow engine
def test_a_value_past_the_sample_in_the_empty_last_column_is_refused_and_the_cut_works(tmp_path, capsys,
                                                                                         monkeypatch, rows):
    monkeypatch.chdir(tmp_path)
    cells, expected = _long(rows)
    excel(tmp_path / "f.csv", cells, ["y", "p"])
    code, out, err = run_cli(["eval", "bce", "f.csv", "-q"], capsys)
    assert code == 0, err  # every line ends with ';': seen on the bytes
    assert float(out) == pytest.approx(expected, rel=1e-9)
    lines = (tmp_path / "f.csv").read_bytes().split(b"\r\n")
    lines[rows - 5] += b"0.75"  # data row rows - 5 (0-based), file row rows - 4
    (tmp_path / "f.csv").write_bytes(b"\r\n".join(lines))
    code, out, err = run_cli(["eval", "bce", "f.csv", "-q"], capsys)
    assert code == 3 and out == ""  # ignored before: column 3 was named by position and never read
    assert f"f.csv column 3 row {rows - 4}" in err and "(value '0.75')" in err, err
    command = err.split("leave the column out (", 1)[1].split(", and pass that file")[0]
    assert command == "cut -d';' -f1-2 f.csv > fixed-f.csv"
    subprocess.run(command, shell=True, check=True, cwd=tmp_path)
    code, out, err = run_cli(["eval", "bce", "fixed-f.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-9)


def test_a_long_file_with_a_blank_last_line_reads_the_empty_column_to_check_it(tmp_path, capsys):
    cells, expected = _long(20_000)
    f = excel(tmp_path / "f.csv", cells, ["y", "p"])
    f.write_bytes(f.read_bytes() + b"\r\n")
    code, out, err = run_cli(["eval", "bce", f, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-9)
