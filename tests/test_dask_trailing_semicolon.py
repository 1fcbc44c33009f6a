"""Excel in a semicolon locale ends every row with ';' (an empty last column). The local engine leaves that column
out; the Dask engine read it: ``1;0.9;`` with ``--label-cols 1`` was "labels have 1 column(s) but predictions
have 2", a labels file ``1;`` beside ``0.9;`` was "NaN in y_true", and under a header ``y;p;`` a value further
down in the empty column was left out (a number, exit 0) where the local engine refuses it. The Dask engine now
leaves the column out alike and refuses a value in it, naming it, with the local engine's cut command.
"""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_process

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

RNG = np.random.default_rng(2)
N = 3000
Y = RNG.integers(0, 2, N)
P = np.round(RNG.uniform(0.05, 0.95, N), 6)
BCE = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))


def _run(folder, *args):
    return run_process(folder, "eval", "bce", *args, "-q")


def test_headerless_files_ending_every_row_with_a_semicolon(tmp_path):
    (tmp_path / "f.csv").write_text("".join(f"{y};{p};\n" for y, p in zip(Y, P, strict=True)))
    (tmp_path / "y.csv").write_text("".join(f"{y};\n" for y in Y))
    (tmp_path / "p.csv").write_text("".join(f"{p};\n" for p in P))
    for args in (["f.csv", "--label-cols", "1"], ["--labels", "y.csv", "--preds", "p.csv"]):
        code, out, err = _run(tmp_path, *args, "--engine", "dask")
        assert code == 0, err  # exit 3 before: one label column against two, or NaN in the labels
        assert float(out) == pytest.approx(BCE, rel=1e-12)
        code, local, err = _run(tmp_path, *args)
        assert code == 0 and float(local) == pytest.approx(float(out), rel=1e-12), err


def test_a_value_in_the_empty_last_column_is_refused_and_the_cut_command_works(tmp_path):
    rows = [f"{y};{p};" for y, p in zip(Y, P, strict=True)]
    rows[2500] += "0.3"  # past the sample: a third column after all
    (tmp_path / "f.csv").write_text("y;p;\n" + "\n".join(rows) + "\n")
    code, out, err = _run(tmp_path, "f.csv", "--engine", "dask")
    assert code == 3 and out == "", err  # exit 0 before, the value left out
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err
    assert "f.csv" in lines[0] and "last column" in lines[0] and "'0.3'" in lines[0] and "semicolon" in lines[0]
    assert "cut -d';' -f1-2 f.csv > fixed-f.csv" in lines[0]
    # the hint, as cut runs it: the first two fields of every line
    text = (tmp_path / "f.csv").read_text()
    (tmp_path / "fixed-f.csv").write_text("".join(";".join(line.split(";")[:2]) + "\n" for line in text.splitlines()))
    code, out, err = _run(tmp_path, "fixed-f.csv", "--engine", "dask")
    assert code == 0, err
    assert float(out) == pytest.approx(BCE, rel=1e-12)
