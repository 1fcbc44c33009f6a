"""``--classes`` maps class labels to prediction columns: for a loss on real-valued targets it has nothing to
map. It was ignored by the local engine and applied by the Dask engine (a label 3.57 'not one of the
classes'); now both refuse it with the hint to leave it out."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

REGRESSION = Path(__file__).resolve().parents[2] / "sample_data" / "regression.csv"


def _mse() -> float:
    table = np.genfromtxt(REGRESSION, delimiter=",", names=True)
    return float(np.mean((table["y_true"] - table["y_pred"]) ** 2))


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_classes_for_real_valued_targets_is_a_usage_error_and_its_hint_works(engine, capsys):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    args = ["eval", "mse", REGRESSION, "--engine", engine, "-q"]
    code, out, err = run_cli([*args, "--classes", "a,b"], capsys)
    assert code == 2 and out == ""
    assert "--classes maps class labels" in err and "mse takes real-valued targets" in err
    assert "leave out --classes" in err and err.count("\n") == 1
    code, out, _ = run_cli(args, capsys)  # the hint
    assert code == 0 and float(out) == pytest.approx(_mse(), rel=1e-12)
