"""Equal-mass (quantile) calibration bins: the value is the error on scikit-learn's quantile bins; streamed,
chunked, merged and shard states equal one pass; the kept confidences stay within their bound, beyond which
the fine histogram gives edges within one fine bin of the percentiles and says so."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
import losscli.engine.confidence_sample as cs
from losscli.engine.accumulator import Accumulator
from losscli.engine.evaluator import Evaluator
from losscli.losses.calibration import quantile_edges


def _direct(conf, hit, n_bins, w=None):
    """ECE, MCE, RMSCE on the quantile bins, written out (weights weight the sums, not the percentiles)."""
    w = np.ones(conf.size) if w is None else w
    edges = np.percentile(conf, np.linspace(0, 1, n_bins + 1) * 100)
    b = np.searchsorted(edges[1:-1], conf)
    W = np.bincount(b, weights=w, minlength=n_bins)
    gap = np.abs(np.bincount(b, weights=w * hit, minlength=n_bins) - np.bincount(b, weights=w * conf,
                                                                                 minlength=n_bins))
    full = W > 0
    return gap.sum() / W.sum(), np.max(gap[full] / W[full]), math.sqrt(np.sum(gap[full] ** 2 / W[full]) / W.sum())


def _binary(seed, n):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n)
    k = min(n, 4)
    p[:k] = rng.choice([0.0, 1.0, 0.5], k)  # exactly 0 and 1, and ties
    return (rng.random(n) < p).astype(int), p


def _multiclass(seed, n, c=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 1.5, (n, c))
    probs = np.exp(x) / np.exp(x).sum(axis=1, keepdims=True)
    return rng.integers(0, c, n), probs


def _feed(loss, y, p, bounds, **params):
    """(streamed evaluator, evaluator merged from per-shard states through JSON)."""
    streamed = Evaluator(loss, keep_per_sample=False, **params)
    merged = Evaluator(loss, keep_per_sample=False, **params)
    for a, b in zip(bounds, bounds[1:], strict=False):
        streamed.update(y[a:b], p[a:b])
        shard = Evaluator(loss, keep_per_sample=False, **params)
        shard.update(y[a:b], p[a:b])
        merged.acc.merge(Accumulator.from_json(json.loads(json.dumps(shard.acc.to_json()))))
    return streamed, merged


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(2, 300), n_bins=st.integers(1, 20),
       cuts=st.lists(st.integers(0, 300), max_size=5), multiclass=st.booleans(),
       loss=st.sampled_from(["ece", "mce", "rmsce"]), small=st.booleans())
def test_streamed_chunked_and_merged_equal_one_pass(seed, n, n_bins, cuts, multiclass, loss, small):
    y, p = _multiclass(seed, n) if multiclass else _binary(seed, n)
    params = {"n_bins": n_bins, "strategy": "quantile"}
    bounds = sorted({0, n, *[c % (n + 1) for c in cuts]})
    with pytest.MonkeyPatch.context() as mp:
        if small:  # a bound below the input: the fine histogram, chunk after chunk and state after state
            mp.setattr(cs, "EXACT_VALUES", 37)
        one = losscli.evaluate(loss, y, p, **params)
        streamed, merged = _feed(loss, y, p, bounds, **params)
        results = [streamed.result(), merged.result()]
    for r in results:
        assert r.value == pytest.approx(one.value, rel=1e-12, abs=1e-15)
        assert [(b["count"], b["low"], b["high"]) for b in r.details["reliability"]] == [
            (b["count"], b["low"], b["high"]) for b in one.details["reliability"]]
        assert r.details["binning"] == one.details["binning"]
    exact = not small or n <= 37  # one confidence per row: binary or top label
    assert one.details["binning"][0]["edges"] == ("exact" if exact else "approximate")
    if exact:
        conf = p.max(axis=1) if multiclass else p
        hit = (p.argmax(axis=1) == y).astype(float) if multiclass else y.astype(float)
        assert one.value == pytest.approx(_direct(conf, hit, n_bins)[["ece", "mce", "rmsce"].index(loss)],
                                          rel=1e-12, abs=1e-15)


def test_sample_weights_weight_the_sums_and_not_the_edges():
    y, p = _binary(3, 200)
    w = np.random.default_rng(4).uniform(0.1, 3.0, 200)
    for i, loss in enumerate(("ece", "mce", "rmsce")):
        r = losscli.evaluate(loss, y, p, sample_weight=w, n_bins=8, strategy="quantile")
        assert r.value == pytest.approx(_direct(p, y.astype(float), 8, w)[i], rel=1e-12)


def test_uniform_stays_the_default_and_quantile_differs():
    y, p = _binary(5, 300)
    assert losscli.evaluate("ece", y, p).value == losscli.evaluate("ece", y, p, strategy="uniform").value
    assert "binning" not in losscli.evaluate("ece", y, p).details
    assert losscli.evaluate("ece", y, p, strategy="quantile").value != losscli.evaluate("ece", y, p).value


def test_equal_mass_bins_hold_equal_counts():
    y, p = _binary(6, 1000)
    p[:4] = np.random.default_rng(0).uniform(0, 1, 4)  # no ties
    r = losscli.evaluate("ece", y, p, n_bins=10, strategy="quantile")
    assert [b["count"] for b in r.details["reliability"]] == [100] * 10
    edges = quantile_edges(p, 10)
    assert [b["low"] for b in r.details["reliability"]] == pytest.approx(edges[:-1].tolist(), rel=0, abs=0)


def test_the_kept_confidences_stay_within_the_bound_and_then_the_histogram_is_close(monkeypatch):
    """A real-size run: 1.3 million confidences in chunks; the exact store never passes EXACT_VALUES, the
    histogram's size does not depend on the input, its edges are within one fine bin of the percentiles."""
    rng = np.random.default_rng(7)
    n = cs.EXACT_VALUES + 300_000
    p = rng.beta(5, 2, n)
    y = (rng.random(n) < p ** 1.2).astype(np.int8)
    ev = Evaluator("ece", keep_per_sample=False, n_bins=15, strategy="quantile")
    sizes = []
    step = 100_000
    for a in range(0, n, step):
        ev.update(y[a:a + step], p[a:a + step])
        sample = ev.acc.side.samples["sample"]
        sizes.append(sample.nbytes())
        assert sample.size <= cs.EXACT_VALUES
        assert sample.nbytes() <= cs.EXACT_VALUES * 9  # float64 confidence + one byte of outcome
    f = cs.fine_bins(1)
    assert sizes[-1] == sizes[-2] == 4 * f * 8  # the histogram: count, weight, Σconfidence, Σaccuracy
    state = json.dumps(ev.acc.to_json())
    assert len(state) < 4 * f * 8 * 1.4 + 10_000  # base64 of the same
    r = ev.result()
    assert r.details["binning"][0]["edges"] == "approximate"
    assert r.details["binning"][0]["confidences"] == n
    assert "notes" not in r.details
    assert any("ece: the quantile bin edges are approximate" in w and f"1/{f}" in w for w in r.warnings)
    assert not any("approximate" in w for w in losscli.evaluate("ece", y[:1000], p[:1000], strategy="quantile").warnings)
    exact_edges = quantile_edges(p, 15)
    lows = [b["low"] for b in r.details["reliability"]]
    assert np.max(np.abs(np.array(lows[1:]) - exact_edges[1:-1])) <= 1.0 / f
    assert sum(b["count"] for b in r.details["reliability"]) == n
    exact = _direct(p, y.astype(float), 15)[0]
    assert r.value == pytest.approx(exact, abs=2e-4)
    # merged from two shard states: the same histogram, the same value
    a, b = Evaluator("ece", keep_per_sample=False, n_bins=15, strategy="quantile"), Evaluator(
        "ece", keep_per_sample=False, n_bins=15, strategy="quantile")
    a.update(y[:700_000], p[:700_000])
    b.update(y[700_000:], p[700_000:])
    a.acc.merge(Accumulator.from_json(json.loads(json.dumps(b.acc.to_json()))))
    assert a.result().value == pytest.approx(r.value, rel=1e-12)


def test_class_wise_bins_have_their_own_edges():
    y, p = _multiclass(8, 300, 3)
    r = losscli.evaluate("ece", y, p, n_bins=5, strategy="quantile", classwise=True)
    per_class = [_direct(p[:, k], (y == k).astype(float), 5)[0] for k in range(3)]
    assert r.value == pytest.approx(np.mean(per_class), rel=1e-12)
    assert {row["class"] for row in r.details["reliability"]} == {0, 1, 2}


def test_cli_strategy_option_inline_parameter_and_state_merge(tmp_path, capsys):
    y, p = _multiclass(9, 500, 5)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "y1.npy", y[:200])
    np.save(tmp_path / "p1.npy", p[:200])
    np.save(tmp_path / "y2.npy", y[200:])
    np.save(tmp_path / "p2.npy", p[200:])
    base = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--json", "--summary-only"]
    code, out, err = run_cli(["eval", "rmsce", *base, "--strategy", "quantile", "--n-bins", "7"], capsys)
    assert code == 0, err
    by_option = json.loads(out)
    code, out, err = run_cli(["eval", "rmsce(strategy='quantile', n_bins=7)", *base], capsys)
    assert code == 0, err
    assert json.loads(out)["value"] == by_option["value"]
    assert by_option["binning"][0]["edges"] == "exact" and len(by_option["reliability"]) == 7
    for k in ("1", "2"):
        code, _, err = run_cli(["eval", "rmsce", "--labels", tmp_path / f"y{k}.npy", "--preds", tmp_path / f"p{k}.npy",
                                "--strategy", "quantile", "--n-bins", "7", "--state-out", tmp_path / f"s{k}.json", "-q"],
                               capsys)
        assert code == 0, err
    code, out, err = run_cli(["merge", tmp_path / "s1.json", tmp_path / "s2.json", "--json"], capsys)
    assert code == 0, err
    merged = json.loads(out)
    merged = merged[0] if isinstance(merged, list) else merged
    assert merged["value"] == pytest.approx(by_option["value"], rel=1e-13)
    assert merged["reliability"] == by_option["reliability"]
    code, out, err = run_cli(["eval", "ece", *base, "--strategy", "median"], capsys)
    assert code == 2 and "quantile" in err


def test_table_shows_the_bins_and_how_they_were_found(tmp_path, capsys):
    y, p = _binary(10, 100)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    code, out, err = run_cli(["eval", "ece", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
                              "--strategy", "quantile", "--n-bins", "4", "--format", "table"], capsys)
    assert code == 0, err
    assert "reliability" in out and "binning" in out and "quantile" in out and "exact" in out


def test_a_damaged_state_is_exit_3_naming_the_file(tmp_path, capsys):
    y, p = _binary(11, 80)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    state = tmp_path / "s.json"
    code, _, err = run_cli(["eval", "ece", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--strategy",
                            "quantile", "--state-out", state, "-q"], capsys)
    assert code == 0, err
    doc = json.loads(state.read_text())
    sample = doc["states"][0]["accumulator"]["summary"]["sample"]["sample"]
    sample["confidence"] = sample["confidence"][:-8]
    state.write_text(json.dumps(doc))
    code, out, err = run_cli(["merge", state, state], capsys)
    assert code == 3 and out == "" and "s.json" in err and "damaged" in err
