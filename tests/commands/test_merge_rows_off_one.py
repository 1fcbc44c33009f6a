"""Probability rows that do not sum to 1, which scikit-learn and Keras take with a warning, spread over shards:
`losscli merge` of the shards' states and the Dask engine over them give the one warning of a single pass over
the whole input — every such row counted, the first named by its place in the whole — not one per shard with
the shard's own count and row numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

WHOLE = "3 probability rows do not sum to 1 (sample 105, the first, sums to 0.9); used as given, as sklearn does"


@pytest.fixture
def shards(tmp_path):
    rng = np.random.default_rng(1)
    y, p = np.eye(3)[rng.integers(0, 3, 300)], rng.dirichlet(np.ones(3), 300)
    p[[104, 150, 260]] *= 0.9  # none in the first shard, two in the second, one in the third
    frame = pd.DataFrame(p, columns=["a", "b", "c"]).assign(x=y[:, 0], y=y[:, 1], z=y[:, 2])
    for k in range(3):
        frame.iloc[100 * k : 100 * (k + 1)].to_csv(tmp_path / f"s{k}.csv", index=False)
    frame.to_csv(tmp_path / "whole.csv", index=False)
    return tmp_path


ARGS = ["--label-cols", "x,y,z", "--pred-cols", "a,b,c", "--convention", "sklearn"]


def test_merged_states_warn_as_one_pass_does(shards, capsys):
    code, whole, err = run_cli(["eval", "cce", shards / "whole.csv", *ARGS, "-q"], capsys)
    assert code == 0 and err.strip() == f"losscli: warning: {WHOLE}"
    states = []
    for k in range(3):
        code, _, _ = run_cli(["eval", "cce", shards / f"s{k}.csv", *ARGS, "--state-out", shards / f"s{k}.json",
                              "-q"], capsys)
        assert code == 0
        states.append(shards / f"s{k}.json")
    code, out, err = run_cli(["merge", *states, "--json"], capsys)
    assert code == 0
    import json

    doc = json.loads(out)
    assert doc["warnings"] == [WHOLE]
    assert doc["value"] == pytest.approx(float(whole), rel=1e-15)
    code, _, _ = run_cli(["merge", *states, "--state-out", shards / "merged.json", "-q"], capsys)
    assert code == 0
    code, out, _ = run_cli(["merge", shards / "merged.json", "--json"], capsys)  # a merged state keeps the count
    assert code == 0 and json.loads(out)["warnings"] == [WHOLE]


def test_the_dask_engine_warns_as_one_pass_does(shards, capsys):
    pytest.importorskip("dask.dataframe")
    code, out, err = run_cli(["eval", "cce", shards / "s*.csv", *ARGS, "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert err.strip() == f"losscli: warning: {WHOLE}"
