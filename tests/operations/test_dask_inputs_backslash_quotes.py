"""--engine dask on a CSV file as Spark writes a quote at the end of a text cell (``"size 5\\""``): pandas reads
``""`` as a quote inside the cell, which took the next row in (0.924 for 0.622 on 30 rows, exit 0). The rows
Dask samples show it, and the file is refused as the local engine refuses it."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")


def test_a_backslash_escaped_closing_quote_is_refused_by_the_dask_engine(tmp_path, capsys):
    rng = np.random.default_rng(9)
    y, p = rng.integers(0, 2, 30), rng.uniform(0.05, 0.95, 30)
    (tmp_path / "spark.csv").write_text("label,review,prob\n" + "".join(
        f'{a},"size 5\\"",{b!r}\n' for a, b in zip(y.tolist(), p.tolist(), strict=True)))
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "spark.csv"), "--engine", "dask", "-q"], capsys)
    assert code == 3, out
    assert "escaped with a backslash" in err and "column 'review'" in err and "option('escape', '\"')" in err
    pd.DataFrame({"label": y, "review": 'size 5"', "prob": p}).to_csv(tmp_path / "doubled.csv", index=False)
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "doubled.csv"), "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)), rel=1e-14)
