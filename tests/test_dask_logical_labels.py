"""R's logical labels with a missing value, as data.table's fwrite (an empty cell) and readr's write_csv (NA)
write them: pandas reads such a column as text, which the Dask engine read as 'non-numeric labels'."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")

Y = [True, False, False, True, None, True, False, True]
P = [0.9, 0.2, 0.35, 0.6, 0.5, 0.75, 0.1, 0.4]


def expected() -> float:
    """log_loss of the rows with a label (the one with NA dropped)."""
    y = np.array([v for v in Y if v is not None], dtype=np.float64)
    p = np.array([q for v, q in zip(Y, P, strict=True) if v is not None])
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


@pytest.mark.parametrize("na", ["", "NA"], ids=["fwrite", "readr"])
def test_r_logical_labels_with_a_missing_one_read_alike_on_both_engines(tmp_path, capsys, na):
    text = "truth,prob\n" + "".join(f"{na if v is None else str(v).upper()},{p}\n" for v, p in zip(Y, P, strict=True))
    (tmp_path / "r.csv").write_text(text)
    values = []
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", str(tmp_path / "r.csv"), "--label-cols", "truth", "--nan", "skip",
                                  "--engine", engine, "-q"], capsys)
        assert code == 0, (engine, err)
        values.append(float(out))
    assert values == [pytest.approx(expected(), rel=1e-14)] * 2
    code, _, err = run_cli(["eval", "bce", str(tmp_path / "r.csv"), "--label-cols", "truth", "--engine", "dask",
                            "-q"], capsys)
    assert code == 3
    assert "NaN in y_true" in err and "--nan skip" in err


def test_other_texts_among_logical_labels_are_still_refused(tmp_path, capsys):
    (tmp_path / "r.csv").write_text("truth,prob\nTRUE,0.9\nmaybe,0.2\n,0.3\n")
    code, _, err = run_cli(["eval", "bce", str(tmp_path / "r.csv"), "--label-cols", "truth", "--nan", "skip",
                            "--engine", "dask", "-q"], capsys)
    assert code == 3
    assert "non-numeric value in column 'truth' (value 'maybe')" in err and "row 2 of the partition" in err, err
