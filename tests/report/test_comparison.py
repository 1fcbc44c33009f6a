"""The comparison's Markdown and table: the samples that worsened most are named by their input rows."""

from __future__ import annotations

import json
import math

from cli_helpers import run_cli


def test_the_worst_samples_are_named_by_their_input_row_after_skipped_rows(tmp_path, capsys):
    """After rows skipped by --nan skip, the Markdown and the table numbered the worst samples by their position
    among the pairs (1 for the file's row 2, as the JSON's ``row`` and eval --nl's ``index`` number it): the
    row they named held another sample."""
    (tmp_path / "y.csv").write_text("label\n1\n0\n1\n0\n1\n")
    (tmp_path / "new.csv").write_text("p\n0.9\n\n0.2\n0.1\n0.8\n")  # row 1 is missing: skipped
    (tmp_path / "old.csv").write_text("p\n0.9\n0.1\n0.7\n0.1\n0.8\n")
    args = ["compare", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "new.csv",
            "--baseline-preds", tmp_path / "old.csv", "--nan", "skip", "--bootstrap", "20"]
    code, out, err = run_cli([*args, "--json"], capsys)
    assert code == 0, err
    worst = json.loads(out)["worst"]
    assert [w["row"] for w in worst] == [2] and worst[0]["candidate"] == -math.log(0.2)
    code, out, err = run_cli([*args, "--md"], capsys)
    assert code == 0, err
    assert f"| 2 | {-math.log(0.2):g} |" in out and "| 1 |" not in out
    code, out, err = run_cli([*args, "--format", "table"], capsys)
    assert code == 0, err
    table = out[out.index("worsened most"):]
    assert "│  2 │" in table or "│ 2 │" in table, table
    assert "│ 1 │" not in table and "│  1 │" not in table, table
