"""R's write.table writes row names under a header one cell short, which pandas (and so the Dask engine) reads as
the index and dropped: a labels and a predictions file whose row names were in another order were paired by
position under --engine dask, a wrong number with exit 0, where the local engine reads the row names as a column
and checks them. The Dask engine now keeps them as a column, as under write.csv's "" header cell, where they pair
the rows as the row names say.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

RNG = np.random.default_rng(11)
N = 40
Y = RNG.integers(0, 2, N)
P = np.round(RNG.uniform(0.02, 0.98, N), 6)
BCE = float(-np.mean(Y * np.log(P) + (1 - Y) * np.log(1 - P)))


def _run(folder, *args):
    r = subprocess.run([sys.executable, "-m", "losscli", "eval", "bce", *args, "-q"], capture_output=True, text=True,
                       cwd=folder, env={**os.environ, "NO_COLOR": "1"}, timeout=300)
    return r.returncode, r.stdout, r.stderr


def test_files_with_row_names_in_another_order_are_not_paired_by_position(tmp_path):
    order = np.random.default_rng(3).permutation(N)
    # write.table(df, f) with its defaults: one space, names and row names quoted, the header one cell short
    (tmp_path / "y.txt").write_text('"y"\n' + "".join(f'"{i + 1}" {Y[i]}\n' for i in range(N)))
    (tmp_path / "p.txt").write_text('"p"\n' + "".join(f'"{i + 1}" {float(P[i])!r}\n' for i in order))
    code, out, err = _run(tmp_path, "--labels", "y.txt", "--preds", "p.txt", "--engine", "dask")
    assert code == 0, err  # joined on the row names, as files of write.csv's "" header cell are
    assert float(out) == pytest.approx(BCE, rel=1e-12)  # 1.0 before: predictions paired by position
    (tmp_path / "f.txt").write_text('"y" "p"\n' + "".join(f'"{i + 1}" {Y[i]} {float(P[i])!r}\n' for i in range(N)))
    code, out, err = _run(tmp_path, "f.txt", "--engine", "dask")
    assert code == 0 and float(out) == pytest.approx(BCE, rel=1e-12), err
