"""Per-sample output files (``-o``): ids are written as every other output writes them."""

from __future__ import annotations

import json

import pandas as pd
from cli_helpers import run_cli


def test_float_ids_are_written_as_stdout_writes_them(tmp_path, capsys):
    """A Parquet float id column: stdout wrote 3 and 100000000000000000, ``-o x.csv`` and ``-o x.jsonl`` wrote
    3.0 and 1e+17 for the same samples (ids that no longer matched the labels' when joined back)."""
    pd.DataFrame({"id": [3.0, 1e17, 2.5], "y": [0, 1, 0]}).to_parquet(tmp_path / "y.parquet")
    pd.DataFrame({"id": [2.5, 3.0, 1e17], "p": [0.2, 0.1, 0.8]}).to_parquet(tmp_path / "p.parquet")
    base = ["eval", "bce", "--labels", tmp_path / "y.parquet", "--preds", tmp_path / "p.parquet", "--id-col", "id"]
    code, out, err = run_cli([*base, "--csv"], capsys)
    assert code == 0, err
    shown = [line.split(",")[1] for line in out.splitlines()[1:]]
    assert shown == ["2.5", "3", "100000000000000000"]
    for fmt in ("csv", "jsonl"):
        code, _, err = run_cli([*base, "-o", tmp_path / f"o.{fmt}", "-q"], capsys)
        assert code == 0, err
        text = (tmp_path / f"o.{fmt}").read_text()
        written = ([line.split(",")[1] for line in text.splitlines()[1:]] if fmt == "csv" else
                   [json.dumps(json.loads(line)["id"]) for line in text.splitlines()])
        assert written == shown
