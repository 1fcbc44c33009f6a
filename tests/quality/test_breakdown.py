"""Per-class and per-group breakdowns: streamed running sums equal the direct computation."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.chunking import BLOCK
from losscli.engine.evaluator import Evaluator
from losscli.errors import UsageError
from losscli.quality.breakdown import ClassBreakdown, GroupBreakdown, worst
from losscli.quality.taps import install_tap
from losscli.registry import get_loss


class _Batch:
    def __init__(self, y, extra=None):
        self.y_true = y
        self.extra = extra or {}


def _stream(ev, observer, y, p, chunk, extra=None):
    for start in range(0, len(y), chunk):
        sl = slice(start, start + chunk)
        values = ev.update(y[sl], p[sl])
        ex = {k: v[sl] for k, v in (extra or {}).items()}
        observer(_Batch(y[sl], ex), values, start)


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_by_class_sparse_with_class_weights_and_ignored(chunk):
    rng = np.random.default_rng(0)
    n, c = 300, 3
    y = rng.integers(0, c, size=n).astype(float)
    y[::17] = -100  # ignored
    p = rng.dirichlet(np.ones(c), size=n)
    cw = [1.0, 2.0, 0.5]
    ev = Evaluator("scce", class_weights=cw, ignore_index=-100)
    tap = install_tap(ev, keep=False)
    rule = ev.conv.resolve_reduction(ev.spec, "mean", ev.params)
    obs = ClassBreakdown(ev.spec, tap, rule, {0: "a", 1: "b", 2: "c"})
    _stream(ev, obs, y, p, chunk)
    r = ev.result()
    rows = obs.result(ev.outputs, r.sum)
    assert [row["class"] for row in rows] == ["a", "b", "c"]
    for j, row in enumerate(rows):
        m = y == j
        direct = losscli.evaluate("scce", y[m], p[m], class_weights=cw)
        assert row["n"] == int(m.sum())
        assert row["mean"] == pytest.approx(direct.value, rel=1e-12)
    assert sum(row["share"] for row in rows) == pytest.approx(1.0)
    assert sum(row["n"] for row in rows) == r.n


def test_by_class_binary_and_onehot():
    y = np.array([0, 1, 1, 0, 1.0])
    p = np.array([0.1, 0.8, 0.3, 0.4, 0.9])
    ev = Evaluator("bce")
    tap = install_tap(ev, keep=False)
    obs = ClassBreakdown(ev.spec, tap, "weighted_mean")
    _stream(ev, obs, y, p, 2)
    rows = obs.result(1, ev.result().sum)
    for row in rows:
        m = y == int(row["class"])
        assert row["mean"] == pytest.approx(losscli.evaluate("bce", y[m], p[m]).value)
    onehot = np.eye(3)[[0, 2, 2, 1]]
    probs = np.full((4, 3), 1 / 3)
    ev = Evaluator("cce")
    tap = install_tap(ev, keep=False)
    obs = ClassBreakdown(ev.spec, tap, "weighted_mean")
    _stream(ev, obs, onehot, probs, 3)
    assert [(r["class"], r["n"]) for r in obs.result(1, ev.result().sum)] == [("0", 1), ("1", 1), ("2", 2)]


def test_by_class_refuses_regression_targets():
    ev = Evaluator("mse")
    with pytest.raises(UsageError, match="class labels"):
        ClassBreakdown(get_loss("mse"), install_tap(ev, keep=False), "weighted_mean")


@pytest.mark.parametrize("chunk", [5, 50, 500])
def test_by_group_matches_a_groupby(chunk):
    rng = np.random.default_rng(2)
    n = 240
    y = (rng.random(n) < 0.4).astype(float)
    p = rng.uniform(0.01, 0.99, size=n)
    groups = rng.choice(np.array(["north", "south", "east", ""], dtype=object), size=n)
    ev = Evaluator("bce")
    tap = install_tap(ev, keep=False)
    obs = GroupBreakdown(tap, "weighted_mean", "region")
    _stream(ev, obs, y, p, chunk, {"group": groups})
    rows = obs.result(1, ev.result().sum)
    assert [r["group"] for r in rows] == sorted(["north", "south", "east", "(missing)"])
    for row in rows:
        key = "" if row["group"] == "(missing)" else row["group"]
        m = groups == key
        assert row["n"] == int(m.sum())
        assert row["mean"] == pytest.approx(losscli.evaluate("bce", y[m], p[m]).value, rel=1e-12)
    w = worst(rows, higher_is_better=False)
    assert w["mean"] == max(r["mean"] for r in rows)


def test_a_group_written_as_missing_is_not_the_group_of_empty_cells(tmp_path):
    """A cell holding the text ``(missing)`` was put in one group with the empty cells: one group of n=2, mean
    0.7136, where the two rows are two groups of 0.2231 and 1.2040 (exit 0)."""
    import json
    import subprocess
    import sys

    path = tmp_path / "g.csv"
    path.write_text("label,p,grp\n1,0.9,a\n0,0.2,(missing)\n1,0.6,a\n0,0.7,\n")
    run = subprocess.run([sys.executable, "-m", "losscli", "eval", "bce", str(path), "--group-col", "grp", "--json"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    groups = {g["group"]: g for g in json.loads(run.stdout)["by_group"]["groups"]}
    assert set(groups) == {"a", '"(missing)"', "(missing)"}
    assert groups['"(missing)"']["n"] == groups["(missing)"]["n"] == 1
    assert groups['"(missing)"']["mean"] == pytest.approx(-np.log(0.8), rel=1e-12)
    assert groups["(missing)"]["mean"] == pytest.approx(-np.log(0.3), rel=1e-12)


def test_numeric_groups_are_named_like_the_file_writes_them():
    ev = Evaluator("mse")
    tap = install_tap(ev, keep=False)
    obs = GroupBreakdown(tap, "weighted_mean", "g")
    y = np.array([1.0, 2, 3, 4])
    _stream(ev, obs, y, y + 1, 4, {"group": np.array([1.0, 2.0, 2.0, np.nan])})
    assert [r["group"] for r in obs.result(1, ev.result().sum)] == ["(missing)", "1", "2"]


def test_by_class_of_a_sparse_loss_beside_cce_reads_the_one_hot_rows(tmp_path):
    """cce turns the class names into one-hot label rows; zero_one and scce evaluated beside it with --by-class
    refused them as 'multi-label columns' (exit 2); each class's mean is now the direct one."""
    import json
    import subprocess
    import sys

    y = np.array([0, 1, 2, 1, 0, 2, 2, 1])
    p = np.array([[.7, .2, .1], [.1, .6, .3], [.5, .2, .3], [.3, .3, .4], [.2, .5, .3], [.1, .1, .8],
                  [.3, .4, .3], [.2, .7, .1]])
    names = ["cat", "dog", "bird"]
    path = tmp_path / "a.csv"
    path.write_text("label,cat,dog,bird\n" + "".join(
        f"{names[t]},{','.join(repr(v) for v in row)}\n" for t, row in zip(y.tolist(), p.tolist(), strict=True)))
    run = subprocess.run([sys.executable, "-m", "losscli", "eval", "cce,zero_one,scce", str(path), "--by-class",
                          "--json"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    docs = json.loads(run.stdout)
    nll = -np.log(p[np.arange(y.size), y])
    miss = (p.argmax(axis=1) != y).astype(float)
    for doc, per in ((docs[0], nll), (docs[1], miss), (docs[2], nll)):
        rows = {r["class"]: r for r in doc["by_class"]}
        for c, name in enumerate(names):
            assert rows[name]["n"] == int((y == c).sum())
            assert rows[name]["mean"] == pytest.approx(per[y == c].mean(), rel=1e-12), (doc["loss"], name)


@settings(max_examples=40, deadline=None)
@given(st.integers(1, 3 * BLOCK), st.lists(st.integers(1, 3 * BLOCK), max_size=6), st.integers(1, 9),
       st.integers(0, 2**32 - 1), st.booleans())
def test_slice_sums_do_not_depend_on_the_chunking(n, cuts, slices, seed, weighted):
    """Per-slice sums over fixed blocks of the stream: any chunking gives the bits of one pass, past one block
    and several (per-chunk bincounts added in float64 moved the last bits of a slice's sum, mean and share with
    --chunk-rows); close to the exactly rounded sum."""
    from losscli.quality.breakdown import SliceSums

    rng = np.random.default_rng(seed)
    slot = rng.integers(0, slices, n)
    values = rng.exponential(size=n) * 10.0 ** rng.integers(-8, 8, n)
    den = rng.uniform(0.1, 3.0, n) if weighted else np.ones(n)
    whole = SliceSums()
    whole.add(slot, values, den, None)
    bounds = [0, *sorted({c for c in cuts if c < n}), n]
    parts = SliceSums()
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        parts.add(slot[lo:hi], values[lo:hi], den[lo:hi], None)
    for got, want in zip(parts.totals(), whole.totals(), strict=True):
        assert got.tobytes() == want.tobytes()
    assert list(parts.count) == list(whole.count)
    vsum, dsum = whole.totals()
    for j in range(vsum.size):
        assert vsum[j] == pytest.approx(math.fsum(values[slot == j].tolist()), rel=1e-13)
        assert dsum[j] == pytest.approx(math.fsum(den[slot == j].tolist()), rel=1e-13)


@pytest.mark.parametrize("option", [["--by-class"], ["--group-col", "g"]])
def test_the_breakdown_is_the_same_in_any_chunking(tmp_path, option):
    from cli_helpers import run_process

    rng = np.random.default_rng(3)
    n = 5000
    frame = {"y": rng.integers(0, 2, n), "p": rng.uniform(0.001, 0.999, n), "g": rng.choice(list("abcde"), n)}
    import pandas as pd

    pd.DataFrame(frame).to_csv(tmp_path / "d.csv", index=False)
    found = set()
    for chunk in ([], ["--chunk-rows", "7"], ["--chunk-rows", "4096"]):
        code, out, err = run_process(tmp_path, "eval", "bce", "d.csv", "--json", "--summary-only", *option, *chunk)
        assert code == 0, err
        doc = json.loads(out)
        section = doc.get("by_class") or doc.get("by_group")
        found.add(json.dumps(section, sort_keys=True))
    assert len(found) == 1
