"""Property: the layout a writer chooses never changes the number. The same labels and predictions written
with pandas' index, without it, after a read_csv/to_csv round trip, with an id column, shuffled with ids in
both files, or without a header, give the same value."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pd = pytest.importorskip("pandas")


def _value(args, capsys):
    code, out, err = run_cli(["eval", *map(str, args), "--json", "--summary-only"], capsys)
    assert code == 0, err
    return json.loads(out)["value"]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(n=st.integers(3, 40), c=st.integers(2, 5), seed=st.integers(0, 2**32 - 1))
def test_every_layout_gives_the_same_number(tmp_path_factory, capsys, n, c, seed):
    d = tmp_path_factory.mktemp("layout")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, c, n)
    p = rng.dirichlet(np.ones(c), n)
    cols = [f"p_{k}" for k in range(c)]
    frame = pd.DataFrame(p, columns=cols)
    labels = pd.DataFrame({"label": y})
    frame.to_csv(d / "p_plain.csv", index=False)
    labels.to_csv(d / "y_plain.csv", index=False)
    frame.to_csv(d / "p_index.csv")
    labels.to_csv(d / "y_index.csv")
    pd.read_csv(d / "p_index.csv").to_csv(d / "p_roundtrip.csv")
    ids = rng.permutation(10 * n)[:n]
    perm = rng.permutation(n)
    frame.assign(id=ids).iloc[perm].to_csv(d / "p_ids.csv", index=False)
    labels.assign(id=ids).to_csv(d / "y_ids.csv", index=False)
    np.savetxt(d / "p_savetxt.csv", p, delimiter=",")
    np.savetxt(d / "y_savetxt.csv", y.astype(float))
    expected = _value(["scce", "--labels", d / "y_plain.csv", "--preds", d / "p_plain.csv"], capsys)
    assert expected == pytest.approx(-np.mean(np.log(p[np.arange(n), y])), rel=1e-13)
    for labels_file, preds_file in [("y_index.csv", "p_index.csv"), ("y_plain.csv", "p_index.csv"),
                                    ("y_index.csv", "p_roundtrip.csv"), ("y_ids.csv", "p_ids.csv"),
                                    ("y_savetxt.csv", "p_savetxt.csv")]:
        got = _value(["scce", "--labels", d / labels_file, "--preds", d / preds_file], capsys)
        assert got == pytest.approx(expected, rel=1e-13), (labels_file, preds_file)
