"""Calibration errors: bins closed on the right with 0 and 1 inside, streaming and merging, the reliability table."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.engine.accumulator import Accumulator
from losscli.engine.evaluator import Evaluator
from losscli.losses.calibration import bin_index


@settings(max_examples=60, deadline=None)
@given(n_bins=st.integers(1, 40), data=st.data())
def test_confidences_of_exactly_0_and_1_land_in_the_first_and_last_bin(n_bins, data):
    inner = data.draw(st.lists(st.floats(0, 1), max_size=20))
    p = np.array([0.0, 1.0, *inner, 0.0, 1.0])
    y = np.array(data.draw(st.lists(st.integers(0, 1), min_size=len(p), max_size=len(p))))
    bins = bin_index(p, n_bins)
    assert bins[0] == 0 and bins[-2] == 0
    assert bins[1] == n_bins - 1 and bins[-1] == n_bins - 1
    assert ((bins >= 0) & (bins < n_bins)).all()
    rows = losscli.evaluate("ece", y, p, n_bins=n_bins).details["reliability"]
    assert sum(r["count"] for r in rows) == len(p)
    assert all(0 <= r["bin"] < n_bins for r in rows)
    assert rows[0]["bin"] == 0 and rows[-1]["bin"] == n_bins - 1
    for r in rows:  # every confidence lies inside its bin (low, high], 0 in the first
        assert r["low"] - 1e-12 <= r["confidence"] <= r["high"] + 1e-12


@pytest.mark.parametrize("n_bins", [2, 4, 5, 10, 15])
def test_bin_edges_belong_to_the_bin_on_their_left(n_bins):
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    np.testing.assert_array_equal(bin_index(edges[1:], n_bins), np.arange(n_bins))
    assert bin_index(np.array([0.0]), n_bins)[0] == 0


def _ece_by_hand(y, p, n_bins):
    conf = p.max(axis=1) if p.ndim == 2 else p
    acc = (p.argmax(axis=1) == y) if p.ndim == 2 else (y == 1)
    total = 0.0
    for k in range(n_bins):
        lo, hi = k / n_bins, (k + 1) / n_bins
        inside = (conf > lo) & (conf <= hi) if k else (conf <= hi)
        total += abs(acc[inside].sum() - conf[inside].sum())
    return total / len(y)


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 200), c=st.sampled_from([1, 3, 6]),
       n_bins=st.integers(1, 20), cut_fracs=st.lists(st.floats(0, 1), max_size=4), weighted=st.booleans(),
       convention=st.sampled_from(["losscli", "torch"]))
def test_streamed_chunked_and_merged_equal_one_pass(seed, n, c, n_bins, cut_fracs, weighted, convention):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n) if c == 1 else rng.dirichlet(np.ones(c), n)
    p[rng.random(n) < 0.2] = 1.0 if c == 1 else np.eye(c)[0]  # confidences of exactly 1 (a bin of their own under torch)
    y = rng.integers(0, 2 if c == 1 else c, n)
    sw = rng.uniform(0.1, 2, n) if weighted else None
    cuts = sorted({int(f * n) for f in cut_fracs})
    for loss in ("ece", "mce", "rmsce"):
        one = losscli.evaluate(loss, y, p, sample_weight=sw, n_bins=n_bins, convention=convention)
        if loss == "ece" and sw is None and convention == "losscli":
            assert one.value == pytest.approx(_ece_by_hand(y, p, n_bins), rel=1e-12, abs=1e-14)
        streamed = Evaluator(loss, n_bins=n_bins, keep_per_sample=False, convention=convention)
        merged = Evaluator(loss, n_bins=n_bins, keep_per_sample=False, convention=convention)
        for a, b in zip([0, *cuts], [*cuts, n], strict=True):
            part = (y[a:b], p[a:b], None if sw is None else sw[a:b])
            streamed.update(*part)
            shard = Evaluator(loss, n_bins=n_bins, keep_per_sample=False, convention=convention)
            if b > a:
                shard.update(*part)
            merged.acc.merge(Accumulator.from_json(json.loads(json.dumps(shard.acc.to_json()))))
        for ev in (streamed, merged):
            r = ev.result()
            assert r.value == pytest.approx(one.value, rel=1e-12, abs=1e-14)
            assert [x["count"] for x in r.details["reliability"]] == [x["count"] for x in one.details["reliability"]]


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 400), c=st.sampled_from([1, 4]),
       n_bins=st.integers(1, 20), cut_fracs=st.lists(st.floats(0, 1), max_size=6), weighted=st.booleans(),
       classwise=st.booleans(), convention=st.sampled_from(["losscli", "torch"]))
def test_any_chunking_and_merge_give_the_same_bits(seed, n, c, n_bins, cut_fracs, weighted, classwise, convention):
    """Each bin's sums are exact: chunks, shards and merged states give the one pass's value bit for bit."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n) if c == 1 else rng.dirichlet(np.ones(c), n)
    y = rng.integers(0, 2 if c == 1 else c, n)
    sw = rng.uniform(0.01, 7, n) * 10.0 ** rng.integers(-3, 4, n) if weighted else None
    cuts = sorted({int(f * n) for f in cut_fracs})
    params = {"n_bins": n_bins, "convention": convention, "classwise": classwise and c > 1 and convention != "torch"}
    for loss in ("ece", "mce", "rmsce"):
        one = losscli.evaluate(loss, y, p, sample_weight=sw, **params)
        streamed = Evaluator(loss, keep_per_sample=False, **params)
        merged = Evaluator(loss, keep_per_sample=False, **params)
        for a, b in zip([0, *cuts], [*cuts, n], strict=True):
            part = (y[a:b], p[a:b], None if sw is None else sw[a:b])
            if b > a:
                streamed.update(*part)
            shard = Evaluator(loss, keep_per_sample=False, **params)
            if b > a:
                shard.update(*part)
            merged.acc.merge(Accumulator.from_json(json.loads(json.dumps(shard.acc.to_json()))))
        for ev in (streamed, merged):
            r = ev.result()
            assert r.value.hex() == one.value.hex()
            assert r.details["reliability"] == one.details["reliability"]


def test_weighted_ece_does_not_change_with_chunk_rows_or_shards(tmp_path, capsys):
    rng = np.random.default_rng(0)
    n = 5000
    y, p, w = (rng.random(n) < 0.5).astype(int), rng.random(n), rng.random(n) * 3
    data = tmp_path / "d.csv"
    data.write_text("y,p,w\n" + "".join(f"{a},{b!r},{c!r}\n" for a, b, c in zip(y, p.tolist(), w.tolist(),
                                                                                strict=True)))
    cols = ["--label-cols", "y", "--pred-cols", "p", "--weight-col", "w"]
    values = set()
    for rows in (333, 1024, 2048, 5000):  # before: 0x1.f8dc2834364e9p-3, ...e8p-3 and ...ebp-3
        code, out, err = run_cli(["eval", "ece,mce", data, *cols, "--chunk-rows", rows, "--json"], capsys)
        assert code == 0, err
        values.add(tuple(r["value"] for r in json.loads(out)))
    assert len(values) == 1
    states = []
    for k, part in enumerate(np.array_split(np.arange(n), 3)):
        shard = tmp_path / f"part-{k}.csv"
        shard.write_text("y,p,w\n" + "".join(f"{y[i]},{float(p[i])!r},{float(w[i])!r}\n" for i in part))
        states.append(tmp_path / f"s{k}.json")
        code, _, err = run_cli(["eval", "ece", shard, *cols, "--state-out", states[-1], "-q"], capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", *states, "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["value"] == next(iter(values))[0]


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_under_torch_a_confidence_of_exactly_1_has_a_bin_of_its_own(dtype):
    """torchmetrics' bucketize(right=True) puts 1.0 past the last edge; under losscli it is in the last bin."""
    y = np.array([1, 0, 1, 1, 0, 1])
    p = np.array([1.0, 1.0, 0.95, 0.2, 0.1, 0.6], dtype=dtype)
    ours = losscli.evaluate("ece", y, p, n_bins=10).details["reliability"]
    torch = losscli.evaluate("ece", y, p, n_bins=10, convention="torch").details["reliability"]
    assert [(r["bin"], r["count"]) for r in ours][-1] == (9, 3)
    assert [(r["bin"], r["low"], r["high"], r["count"]) for r in torch][-2:] == [(9, 0.9, 1.0, 1), (10, 1.0, 1.0, 2)]
    # Σ_b |A_b − C_b| / N: the bin of 1.0 has accuracy 1/2 and confidence 1, the bin (0.9, 1] accuracy 1 at 0.95
    expected = (abs(0.5 - 1.0) * 2 + abs(1 - float(p[2])) + abs(1 - float(p[5])) + abs(1 - float(p[3]))
                + abs(0 - float(p[4]))) / 6
    assert losscli.evaluate("ece", y, p, n_bins=10, convention="torch").value == pytest.approx(expected, rel=1e-12)


def test_under_torch_a_top_label_confidence_is_binned_as_its_float32_value():
    """MulticlassCalibrationError casts the top-label confidences to float32: 1 − 1e-9 is 1.0 there."""
    p = np.array([[1 - 1e-9, 1e-9], [0.7, 0.3]])
    y = np.array([0, 1])
    rows = losscli.evaluate("ece", y, p, n_bins=5, convention="torch").details["reliability"]
    assert [(r["bin"], r["count"]) for r in rows] == [(3, 1), (5, 1)]
    assert [(r["bin"], r["count"]) for r in losscli.evaluate("ece", y, p, n_bins=5).details["reliability"]] == \
        [(3, 1), (4, 1)]


def test_logits_give_the_value_of_their_probabilities():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 2, (100, 4))
    y = rng.integers(0, 4, 100)
    p = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    for loss in ("ece", "mce", "rmsce"):
        a = losscli.evaluate(loss, y, x, from_logits=True).value
        assert a == pytest.approx(losscli.evaluate(loss, y, p).value, rel=1e-12)
    z = rng.normal(0, 2, 100)
    yb = rng.integers(0, 2, 100)
    assert losscli.evaluate("ece", yb, z, from_logits=True).value == pytest.approx(
        losscli.evaluate("ece", yb, 1 / (1 + np.exp(-z))).value, rel=1e-12)


def test_classwise_averages_the_per_class_errors():
    rng = np.random.default_rng(4)
    p = rng.dirichlet(np.ones(3), 150)
    y = rng.integers(0, 3, 150)
    expected = np.mean([_ece_by_hand((y == k).astype(int), p[:, k], 10) for k in range(3)])
    r = losscli.evaluate("ece", y, p, n_bins=10, classwise=True)
    assert r.value == pytest.approx(expected, rel=1e-12)
    assert {row["class"] for row in r.details["reliability"]} == {0, 1, 2}


def test_perfectly_calibrated_bins_have_no_error():
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    p = np.array([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75])
    for loss in ("ece", "mce", "rmsce"):
        assert losscli.evaluate(loss, y, p, n_bins=2).value == pytest.approx(0.0, abs=1e-15)


def test_cli_reports_the_reliability_table(tmp_path, capsys):
    path = tmp_path / "cal.csv"
    path.write_text("y,p\n0,0.25\n0,0.25\n1,0.55\n1,0.75\n1,0.75\n")
    code, out, err = run_cli(["eval", "ece", path, "--label-cols", "y", "--pred-cols", "p", "--n-bins", "2",
                              "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(0.29)
    assert [r["count"] for r in doc["reliability"]] == [2, 3]
    assert [r["accuracy"] for r in doc["reliability"]] == [0.0, 1.0]
    code, out, err = run_cli(["eval", "ece", path, "--label-cols", "y", "--pred-cols", "p", "--n-bins", "2",
                              "--format", "table"], capsys)
    assert code == 0, err
    assert "reliability" in out and "0.683333" in out
    code, out, err = run_cli(["eval", "ece", path, "--label-cols", "y", "--pred-cols", "p", "--n-bins", "2",
                              "--max", "0.2", "-q"], capsys)
    assert code == 1 and float(out) == pytest.approx(0.29)


def test_probabilities_outside_0_1_are_refused(tmp_path, capsys):
    path = tmp_path / "cal.csv"
    path.write_text("y,p\n0,0.25\n1,1.5\n")
    code, out, err = run_cli(["eval", "ece", path, "--label-cols", "y", "--pred-cols", "p"], capsys)
    assert code == 3 and out == ""
    assert "1.5" in err and "row" in err


def test_one_sample_has_the_gap_of_its_bin():
    r = losscli.evaluate("ece", np.array([1]), np.array([0.9]), n_bins=3)
    assert r.value == pytest.approx(0.1)
    assert not math.isnan(r.value)


def test_the_html_reports_reliability_bins_are_the_ece_bins():
    from losscli.engine.calibration import BINS, Reliability

    p = np.array([0.0, 0.1, 0.1, 0.5, 0.55, 0.9, 1.0, 1.0, 0.3])
    y = np.array([0, 0, 1, 1, 1, 1, 1, 0, 0])
    rel = Reliability("binary", False)
    rel.add(y, p)
    ours = losscli.evaluate("ece", y, p, n_bins=BINS)
    assert [b["n"] for b in rel.table()] == [r["count"] for r in ours.details["reliability"]]
    assert rel.ece() == pytest.approx(ours.value, rel=1e-12)
