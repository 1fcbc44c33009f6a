"""CSV and TSV per-sample output (``-o x.csv``, ``--csv``): every cell reads back as written."""

from __future__ import annotations

import csv
import io
import math

import pandas as pd
import pytest
from cli_helpers import run_cli


@pytest.mark.parametrize("how", ["file", "stdout"])
@pytest.mark.parametrize("fmt", ["csv", "tsv"])
def test_an_id_with_a_carriage_return_is_quoted(tmp_path, capsys, how, fmt):
    """Python's csv module quotes the characters of its line terminator (``\\n``) but not a lone ``\\r``: the
    id ``c\\rd`` was written bare, and readers saw an extra row."""
    (tmp_path / "d.csv").write_bytes(b'id,label,p\n"c\rd",0,0.2\nx,1,0.9\n')
    args = ["eval", "bce", tmp_path / "d.csv", "--id-col", "id"]
    if how == "file":
        code, _, err = run_cli([*args, "-o", tmp_path / f"o.{fmt}", "-q"], capsys)
        text = (tmp_path / f"o.{fmt}").read_bytes().decode()
    else:
        code, text, err = run_cli([*args, f"--{fmt}"], capsys)
    assert code == 0, err
    rows = list(csv.reader(io.StringIO(text, newline=""), delimiter="," if fmt == "csv" else "\t"))
    assert [r[1] for r in rows] == ["id", "c\rd", "x"]
    if how == "file" and fmt == "csv":
        assert pd.read_csv(tmp_path / "o.csv")["id"].tolist() == ["c\rd", "x"]


@pytest.mark.parametrize("how", ["file", "stdout"])
def test_an_infinite_per_sample_loss_is_written_inf_not_missing(tmp_path, capsys, how):
    """An infinite loss was an empty cell, which reads back as a missing value; NaN stays empty."""
    (tmp_path / "d.csv").write_text("y,pred\n1e200,-1e200\n1,2\n")
    args = ["eval", "mse", tmp_path / "d.csv"]
    if how == "file":
        code, _, err = run_cli([*args, "-o", tmp_path / "o.csv", "-q"], capsys)
        text = (tmp_path / "o.csv").read_text()
    else:
        code, text, err = run_cli([*args, "--csv"], capsys)
    assert code == 0, err
    loss = pd.read_csv(io.StringIO(text))["loss"].tolist()
    assert loss[0] == math.inf and loss[1] == 1.0
