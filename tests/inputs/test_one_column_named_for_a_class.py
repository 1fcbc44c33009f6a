"""Labels yes/no beside one probability column ``p_yes``: the binary losses read it as P(yes); brier,
zero_one and ece alone said the labels "do not match the prediction columns (p_yes): name the prediction
columns after the classes (cat or p_cat)", which they are. They read it as the binary losses do, on both
engines, giving scikit-learn's numbers (as --classes no,yes gives them)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_brier_zero_one_and_ece_read_p_yes_as_the_binary_losses_do(tmp_path, capsys, engine):
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(7)
    p = rng.random(40)
    y = np.where(rng.random(40) < p, "yes", "no")
    f = tmp_path / "yn.csv"
    pd.DataFrame({"label": y, "p_yes": p}).to_csv(f, index=False)
    yes = (y == "yes").astype(float)  # scikit-learn's brier_score_loss and zero_one_loss
    expected = {"brier": float(np.mean((p - yes) ** 2)), "zero_one": float(np.mean((p >= 0.5) != (yes == 1)))}
    for loss, ref in expected.items():
        code, out, err = run_cli(["eval", loss, f, "-q", "--engine", engine], capsys)
        assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), (loss, err)
        code, out2, err = run_cli(["eval", loss, f, "-q", "--engine", engine, "--classes", "no,yes"], capsys)
        assert code == 0 and out2 == out, (loss, err)
    code, out, err = run_cli(["eval", "ece", f, "-q", "--engine", engine], capsys)
    assert code == 0, err


def test_a_bare_column_named_for_a_class_gets_a_hint_that_works(tmp_path, capsys):
    """A column named ``yes`` (not ``p_yes``): the hint said to name the columns after the classes, which
    it was."""
    f = tmp_path / "b.csv"
    f.write_text("label,yes\nyes,0.9\nno,0.2\nyes,0.6\n")
    code, out, err = run_cli(["eval", "brier", f, "-q"], capsys)
    assert (code, out) == (2, "") and "--classes no,yes" in err, err
    code, out, err = run_cli(["eval", "brier", f, "-q", "--classes", "no,yes"], capsys)
    assert code == 0 and float(out) == pytest.approx((0.1**2 + 0.2**2 + 0.4**2) / 3, rel=1e-12), err
