"""Each shard's rows count once in a merge. A merged state was written with no sources, so merging it with
one of its own shards counted that shard twice (n=8 for 5 rows, exit 0); shards of other numbers of prediction
columns (a 4-way and a 3-way softmax) merged to a value no single pass gives; and a shard whose every row
--nan skip dropped was written as unweighted, so its weighted siblings refused to merge with it."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli


def _states(tmp_path, capsys, shards: dict[str, str], *extra: str) -> None:
    for name, text in shards.items():
        (tmp_path / f"{name}.csv").write_text(text)
        code, _, err = run_cli(["eval", "bce", tmp_path / f"{name}.csv", "-q", *extra, "--state-out",
                                tmp_path / f"{name}.json"], capsys)
        assert code == 0, err


def test_a_merged_state_and_its_own_shard_are_refused(tmp_path, capsys):
    _states(tmp_path, capsys, {"s1": "label,p\n1,0.9\n0,0.2\n1,0.6\n", "s2": "label,p\n0,0.3\n1,0.8\n",
                               "s3": "label,p\n1,0.7\n0,0.1\n"})
    code, _, err = run_cli(["merge", tmp_path / "s1.json", tmp_path / "s2.json", "--state-out",
                            tmp_path / "m12.json", "-q"], capsys)
    assert code == 0, err
    doc = json.loads((tmp_path / "m12.json").read_text())
    assert doc["states"][0]["sources"] and len(doc["states"][0]["shards"]) == 2
    for again in ("s1", "s2"):
        code, out, err = run_cli(["merge", tmp_path / "m12.json", tmp_path / f"{again}.json", "-q"], capsys)
        assert (code, out) == (3, "") and "its rows would count twice" in err, err
    code, out, err = run_cli(["merge", tmp_path / "m12.json", tmp_path / "s3.json", "--state-out",
                              tmp_path / "m123.json", "-q"], capsys)
    (tmp_path / "all.csv").write_text("label,p\n1,0.9\n0,0.2\n1,0.6\n0,0.3\n1,0.8\n1,0.7\n0,0.1\n")
    code2, whole, err2 = run_cli(["eval", "bce", tmp_path / "all.csv", "-q"], capsys)
    assert code == code2 == 0 and float(out) == pytest.approx(float(whole), rel=1e-15), (err, err2)
    code, out, err = run_cli(["merge", tmp_path / "m123.json", tmp_path / "m12.json", "-q"], capsys)
    assert (code, out) == (3, ""), err


def test_shards_of_other_numbers_of_classes_do_not_merge(tmp_path, capsys):
    rng = np.random.default_rng(1)
    z = rng.normal(size=(50, 4))
    pd.DataFrame({"label": rng.integers(0, 3, 50), **{f"l{j}": z[:, j] for j in range(4)}}).to_csv(
        tmp_path / "s.csv", index=False)
    for name, cols in (("a", "l0:l3"), ("b", "l0:l2")):
        code, _, err = run_cli(["eval", "scce", tmp_path / "s.csv", "--label-cols", "label", "--pred-cols", cols,
                                "--logits", "-q", "--state-out", tmp_path / f"{name}.json"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "-q"], capsys)
    assert (code, out) == (3, "") and "3 prediction columns" in err and "on 4" in err, err


def test_a_weighted_shard_with_no_row_left_merges_with_its_siblings(tmp_path, capsys):
    _states(tmp_path, capsys, {"a": "label,p,w\n1,,2\n", "b": "label,p,w\n1,0.8,1\n0,0.4,3\n"},
            "--weight-col", "w", "--nan", "skip")
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "-q"], capsys)
    (tmp_path / "all.csv").write_text("label,p,w\n1,,2\n1,0.8,1\n0,0.4,3\n")
    code2, whole, err2 = run_cli(["eval", "bce", tmp_path / "all.csv", "--weight-col", "w", "--nan", "skip", "-q"],
                                 capsys)
    assert code == code2 == 0 and out == whole, (err, err2)

