"""An empty header cell (an index's: pandas' ``to_csv()``, R's ``write.csv``) is named by its position only where
no header cell names a column so: ``,0,1,2`` over ``pd.DataFrame(logits).to_csv()`` named the index ``1`` and the
column written ``1`` ``1_2``, so that ``--pred-cols 0,1,2`` scored the index as class 1 (9.88 for torch's
1.34, exit 0)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import log_loss, run_cli

from losscli.io.csv_reader import _unique_names


@pytest.mark.parametrize("cells, names", [
    (["", "0", "1", "2"], ["Unnamed: 0", "0", "1", "2"]),
    (["", "a", "b"], ["1", "a", "b"]),
    (["", "3", "1", "2"], ["Unnamed: 0", "3", "1", "2"]),
    (["x", "", "1", "2", "2"], ["x", "Unnamed: 1", "1", "2", "2_2"]),
    (["", "", "1"], ["Unnamed: 0", "2", "1"]),
    (["", "Unnamed: 0", "0", "1"], ["Unnamed: 0_2", "Unnamed: 0", "0", "1"]),  # a round trip keeps its name
])
def test_the_names_written_are_the_columns_names(cells, names):
    assert _unique_names(cells) == names


def test_r_write_csv_of_probabilities_under_numbered_classes(tmp_path, capsys):
    """R's ``write.csv(probs)`` of columns named for classes 3, 1, 2 (header ``"","3","1","2"``): scikit-learn's
    number without ``--classes`` (the names give the classes), and the order the names say asked for with it."""
    rng = np.random.default_rng(4)
    n = 40
    y = rng.integers(1, 4, n)
    p = rng.dirichlet([1, 1, 1], n)
    rows = "".join(f'"{i + 1}",{p[i, 2]},{p[i, 0]},{p[i, 1]}\n' for i in range(n))
    (tmp_path / "p.csv").write_text('"","3","1","2"\n' + rows)
    pd.Series(y, name="y").to_csv(tmp_path / "y.csv")
    args = ["eval", "scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(args, capsys)
    assert code == 0 and float(out) == pytest.approx(log_loss(y - 1, p), rel=1e-12), err
    code, out, err = run_cli([*args, "--classes", "1,2,3"], capsys)
    assert (code, out) == (2, "") and "give --classes 3,1,2" in err, err
