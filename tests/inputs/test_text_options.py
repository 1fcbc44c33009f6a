"""``--header``, ``--no-header`` and ``--delimiter`` read CSV/TSV files: given where no input of the run is
one, they are a usage error naming them and the inputs' formats, whose hint (leave them out) gives the value."""

from __future__ import annotations

import io
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

Y = np.array([0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 1.0])
P = np.array([0.2, 0.7, 0.9, 0.4, 0.6, 0.1, 0.55])
BCE = float(np.mean(-(Y * np.log(P) + (1 - Y) * np.log1p(-P))))


@pytest.fixture
def files(tmp_path):
    pq.write_table(pa.table({"y": Y}), tmp_path / "y.parquet")
    pq.write_table(pa.table({"p": P}), tmp_path / "p.parquet")
    np.save(tmp_path / "y.npy", Y)
    np.save(tmp_path / "p.npy", P)
    (tmp_path / "parts").mkdir()
    pq.write_table(pa.table({"y": Y[:3]}), tmp_path / "parts" / "part-0.parquet")
    pq.write_table(pa.table({"y": Y[3:]}), tmp_path / "parts" / "part-1.parquet")
    (tmp_path / "p.jsonl").write_text("".join(json.dumps({"p": float(v)}) + "\n" for v in P))
    (tmp_path / "p.csv").write_text("p\n" + "".join(f"{float(v)!r}\n" for v in P))
    (tmp_path / "p_semicolon.csv").write_text("i;p\n" + "".join(f"{i};{float(v)!r}\n" for i, v in enumerate(P)))
    return tmp_path


@pytest.mark.parametrize("option", [["--header"], ["--no-header"], ["--delimiter", ";"]])
@pytest.mark.parametrize("labels,preds,formats", [
    ("y.parquet", "p.parquet", ["y.parquet (parquet)", "p.parquet (parquet)"]),
    ("y.npy", "p.npy", ["y.npy (npy)", "p.npy (npy)"]),
    ("parts", "p.jsonl", ["parts (parquet)", "p.jsonl (jsonl)"]),
])
def test_text_options_without_a_text_input_are_refused_and_the_hint_works(files, option, labels, preds, formats,
                                                                           capsys):
    args = ["eval", "bce", "--labels", files / labels, "--preds", files / preds, "-q"]
    code, out, err = run_cli([*args, *option], capsys)
    assert code == 2 and out == ""
    assert f"{option[0]} applies to CSV/TSV files only, and no input is one" in err
    assert all(f in err for f in formats) and f"leave out {option[0]}" in err
    assert "Traceback" not in err and err.count("\n") == 1
    code, out, err = run_cli(args, capsys)  # the hint: without the option
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12)


def test_a_text_input_takes_the_options(files, capsys):
    code, out, err = run_cli(["eval", "bce", "--labels", files / "y.parquet", "--preds", files / "p_semicolon.csv",
                              "--pred-cols", "p", "--delimiter", ";", "--header", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


def test_one_text_file_among_several_predictions_takes_them(files, capsys):
    code, out, err = run_cli(["eval", "bce", "--labels", files / "y.parquet", "--preds", files / "p.parquet",
                              "--preds", files / "p_semicolon.csv", "--pred-cols", "p", "--delimiter", ";", "-q"],
                             capsys)
    assert code == 0 and [float(v) for v in out.split()] == pytest.approx([BCE, BCE], rel=1e-12), err


def test_standard_input_may_be_text(files, capsys, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO((files / "p.csv").read_bytes())))
    code, out, err = run_cli(["eval", "bce", "--labels", files / "y.parquet", "--preds", "-", "--header", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err


def test_compare_and_check_files_refuse_them_alike(files, capsys):
    code, _, err = run_cli(["compare", "bce", "--labels", files / "y.parquet", "--preds", files / "p.parquet",
                            "--baseline-preds", files / "p.npy", "--no-header"], capsys)
    assert code == 2 and "--no-header applies to CSV/TSV files only" in err and "p.npy (npy)" in err
    config = files / "losscheck.toml"
    config.write_text('[[check]]\nname = "gate"\nloss = "bce"\nlabels = "y.parquet"\npreds = "p.parquet"\n'
                      'delimiter = ";"\nmax = 1\n')
    code, _, err = run_cli(["check", config], capsys)
    assert code == 2 and "check 'gate'" in err and "--delimiter applies to CSV/TSV files only" in err
