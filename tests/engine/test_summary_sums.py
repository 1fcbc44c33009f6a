"""Summary metrics from mergeable sums: streamed, chunked and merged give the one-pass value."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.chunking import BLOCK
from losscli.engine.accumulator import Accumulator
from losscli.engine.evaluator import Evaluator
from losscli.engine.summary_sums import SummarySums

REGRESSION = ["rmse", "rmsle", "r2", "explained_variance", "max_error"]
CLASSIFICATION = ["d2_log_loss", "d2_brier"]


def _data(loss: str, seed: int, n: int, k: int, weighted: bool):
    rng = np.random.default_rng(seed)
    sw = rng.uniform(0.1, 3.0, n) if weighted and loss != "max_error" else None
    if loss in CLASSIFICATION:
        if k == 1:
            y = rng.integers(0, 2, n)
            y[:2] = [0, 1]  # D² needs both classes
            return y, rng.uniform(0.02, 0.98, n), sw
        y = rng.integers(0, k + 1, n)
        y[:2] = [0, 1]  # D² needs two classes
        p = rng.dirichlet(np.ones(k + 1), n)
        return y, p, sw
    k = 1 if loss == "max_error" else k
    y = rng.gamma(2.0, 2.0, (n, k)) if loss == "rmsle" else rng.normal(100.0, 3.0, (n, k))  # far from 0: a
    p = np.abs(y + rng.normal(0, 1, (n, k)))  # naive Σy² − (Σy)²/n would lose digits here
    return (y[:, 0], p[:, 0], sw) if k == 1 else (y, p, sw)


def _streamed(loss, y, p, sw, cuts):
    ev = Evaluator(loss, convention="sklearn", keep_per_sample=False)
    for a, b in zip([0, *cuts], [*cuts, len(y)], strict=True):
        ev.update(y[a:b], p[a:b], None if sw is None else sw[a:b])
    return ev


def _merged(loss, y, p, sw, cuts):
    """One evaluator per shard, each written to its JSON state and read back, then merged."""
    states = []
    for a, b in zip([0, *cuts], [*cuts, len(y)], strict=True):
        ev = Evaluator(loss, convention="sklearn", keep_per_sample=False)
        if b > a:
            ev.update(y[a:b], p[a:b], None if sw is None else sw[a:b])
        states.append(json.loads(json.dumps(ev.acc.to_json())))
    out = Evaluator(loss, convention="sklearn", keep_per_sample=False)
    for state in states:
        out.acc.merge(Accumulator.from_json(state))
    return out


@settings(max_examples=40, deadline=None)
@given(
    loss=st.sampled_from(REGRESSION + CLASSIFICATION),
    seed=st.integers(0, 10_000),
    n=st.integers(2, 300),
    k=st.sampled_from([1, 3]),
    weighted=st.booleans(),
    cut_fracs=st.lists(st.floats(0, 1), max_size=5),
)
def test_streamed_chunked_and_merged_equal_one_pass(loss, seed, n, k, weighted, cut_fracs):
    y, p, sw = _data(loss, seed, n, k, weighted)
    one = losscli.evaluate(loss, y, p, sample_weight=sw, convention="sklearn").value
    cuts = sorted({int(f * n) for f in cut_fracs})
    streamed = _streamed(loss, y, p, sw, cuts).result().value
    merged = _merged(loss, y, p, sw, cuts).result().value
    assert math.isfinite(one)
    assert streamed == pytest.approx(one, rel=1e-12, abs=1e-13)
    assert merged == pytest.approx(one, rel=1e-12, abs=1e-13)


@settings(max_examples=40, deadline=None)
@given(
    loss=st.sampled_from(["rmse", "rmsle", "d2_log_loss", "d2_brier"]),
    seed=st.integers(0, 10_000),
    n=st.integers(2, 300),
    k=st.sampled_from([1, 3]),
    weighted=st.booleans(),
    cut_fracs=st.lists(st.floats(0, 1), max_size=5),
)
def test_metrics_of_sums_give_the_same_bits_for_any_chunking(loss, seed, n, k, weighted, cut_fracs):
    """Their sums are added exactly, term by term: no chunking or merge changes a bit."""
    y, p, sw = _data(loss, seed, n, k, weighted)
    one = losscli.evaluate(loss, y, p, sample_weight=sw, convention="sklearn").value
    cuts = sorted({int(f * n) for f in cut_fracs})
    assert _streamed(loss, y, p, sw, cuts).result().value.hex() == one.hex()
    assert _merged(loss, y, p, sw, cuts).result().value.hex() == one.hex()


@settings(max_examples=25, deadline=None)
@given(
    loss=st.sampled_from(["r2", "explained_variance"]),
    seed=st.integers(0, 10_000),
    n=st.sampled_from([2, 300, BLOCK - 1, BLOCK + 5, 2 * BLOCK + 777]),
    k=st.sampled_from([1, 3]),
    weighted=st.booleans(),
    cut_fracs=st.lists(st.floats(0, 1), max_size=5),
)
def test_moments_give_the_same_bits_for_any_chunking(loss, seed, n, k, weighted, cut_fracs):
    """R² and explained variance took each chunk's moments and combined them chunk by chunk, so their last
    bits moved with the chunking past a block (0.9721951002946709 in one pass of 10 M rows, another bit with
    --chunk-rows): the moments are now taken over fixed blocks of the stream's rows."""
    y, p, sw = _data(loss, seed, n, k, weighted)
    one = losscli.evaluate(loss, y, p, sample_weight=sw, convention="sklearn").value
    cuts = sorted({int(f * n) for f in cut_fracs})
    assert _streamed(loss, y, p, sw, cuts).result().value.hex() == one.hex()
    assert _merged(loss, y, p, sw, cuts).result().value == pytest.approx(one, rel=1e-13)


def test_waiting_rows_are_kept_by_a_copy_and_folded_into_the_state():
    """A stream shorter than a block: its rows wait for their block; a copy goes on as the original would,
    and the JSON state (a shard's) holds them folded in."""
    rng = np.random.default_rng(3)
    x, w = rng.normal(5.0, 2.0, (BLOCK + 100, 2)), rng.uniform(0.5, 2.0, BLOCK + 100)
    whole = SummarySums()
    whole.update({"v": ("moments", x)}, w)
    first = SummarySums()
    first.update({"v": ("moments", x[:100])}, w[:100])
    assert not first.is_empty() and first.view()["v"][0][0] == pytest.approx(w[:100].sum())
    second = first.copy()
    second.update({"v": ("moments", x[100:])}, w[100:])
    for a, b in zip(second.view()["v"], whole.view()["v"], strict=True):
        np.testing.assert_array_equal(a, b)
    back = SummarySums.from_json(json.loads(json.dumps(first.to_json())))
    for a, b in zip(back.view()["v"], first.view()["v"], strict=True):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), cut_fracs=st.lists(st.floats(0, 1), max_size=5),
       convention=st.sampled_from(["losscli", "keras"]))
def test_a_batch_level_dice_gives_the_same_bits_for_any_chunking(seed, n, cut_fracs, convention):
    """dice(axis=None)'s tp, fp, fn, Σy and Σp were the chunks' rounded sums: 0.5467444400808543 with
    --chunk-rows 333 where one pass gave 0.5467444400808545."""
    rng = np.random.default_rng(seed)
    y, p = (rng.random(n) < 0.4).astype(float), rng.random(n)
    one = losscli.evaluate("dice", y, p, axis="none", convention=convention).value
    cuts = sorted({int(f * n) for f in cut_fracs})
    ev = Evaluator("dice", axis="none", convention=convention, keep_per_sample=False)
    for a, b in zip([0, *cuts], [*cuts, n], strict=True):
        if b > a:
            ev.update(y[a:b], p[a:b])
    assert ev.result().value.hex() == one.hex()


def test_state_json_round_trips_exactly():
    sums = SummarySums()
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 2))
    sums.update({"s": ("sum", x.sum(axis=0)), "m": ("max", x.max(axis=0)), "v": ("moments", x)}, rng.random(50))
    back = SummarySums.from_json(json.loads(json.dumps(sums.to_json())))
    for key, value in sums.view().items():
        np.testing.assert_array_equal(np.asarray(back.view()[key]), np.asarray(value))


def test_moments_of_shards_combine_like_one_pass():
    rng = np.random.default_rng(2)
    x = rng.normal(1e6, 1.0, size=(1000, 1))
    w = rng.uniform(0.5, 2.0, 1000)
    whole = SummarySums()
    whole.update({"v": ("moments", x)}, w)
    parts = SummarySums()
    for a in range(0, 1000, 137):
        shard = SummarySums()
        shard.update({"v": ("moments", x[a:a + 137])}, w[a:a + 137])
        parts.merge(shard)
    W, mean, m2 = parts.view()["v"]
    mu = np.average(x[:, 0], weights=w)
    assert W[0] == pytest.approx(w.sum(), rel=1e-14)
    assert mean[0] == pytest.approx(mu, rel=1e-15)
    assert m2[0] == pytest.approx(float(np.sum(w * (x[:, 0] - mu) ** 2)), rel=1e-9)
    assert whole.view()["v"][2][0] == pytest.approx(m2[0], rel=1e-9)


@pytest.mark.parametrize("loss", ["r2", "explained_variance"])
def test_targets_far_from_zero_give_the_exact_value_for_any_chunking_and_merge(loss, tmp_path, capsys):
    """Targets of 1e12 ± 1: each chunk's mean carried a rounding of about 1e-4, which Chan's Δ·Δ·W term
    multiplied into M2, so the value moved with the chunk size (5e-6 relative at 7 rows a chunk, exit 0).
    The moments are now of the values less a shift, and every chunking and merge gives the exact value
    (scikit-learn's two-pass mean is itself 1e-8 off here)."""
    from fractions import Fraction

    from cli_helpers import run_cli

    rng = np.random.default_rng(0)
    y = 1e12 + rng.normal(0, 1, 60)
    p = y + rng.normal(0, 0.3, 60)
    ys, ps = [Fraction(v) for v in y], [Fraction(v) for v in p]
    if loss == "r2":
        m = sum(ys) / 60
        exact = float(1 - sum((a - b) ** 2 for a, b in zip(ys, ps, strict=True)) / sum((a - m) ** 2 for a in ys))
    else:
        r = [a - b for a, b in zip(ys, ps, strict=True)]
        m, mr = sum(ys) / 60, sum(r) / 60
        exact = float(1 - sum((a - mr) ** 2 for a in r) / sum((a - m) ** 2 for a in ys))
    for step in (1, 7, 13, 60):
        ev = Evaluator(loss, convention="sklearn")
        for i in range(0, 60, step):
            ev.update(y[i:i + step], p[i:i + step])
        assert ev.result().value == pytest.approx(exact, rel=1e-15), step
    np.save(tmp_path / "y.npy", y), np.save(tmp_path / "p.npy", p)
    files = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy"]
    code, out, err = run_cli(["eval", loss, *files, "--chunk-rows", "7", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(exact, rel=1e-15), err
    shard = SummarySums()  # shards of their own shifts (their first values) merge to the exact M2
    shard.update({"v": ("moments", y[25:, None])}, None)
    exact_m2 = sum((a - sum(ys) / 60) ** 2 for a in ys)
    both = SummarySums()
    both.update({"v": ("moments", y[:25, None])}, None)
    both.merge(shard)
    assert both.view()["v"][2][0] == pytest.approx(float(exact_m2), rel=1e-14)


def test_a_state_of_moments_written_before_their_shift_reads_as_shift_0():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 2))
    sums = SummarySums()
    sums.update({"v": ("moments", x)}, None)
    doc = sums.to_json()
    del doc["moments_shift"]  # the earlier layout: (W, mean, M2) alone, which an earlier version reads too
    old = SummarySums.from_json(doc).view()["v"]
    for got, want in zip(old, sums.view()["v"], strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-15)


def test_higher_is_better_is_set_for_scores_only():
    for name in ("r2", "explained_variance", "d2_log_loss", "d2_brier"):
        assert losscli.get_loss(name).higher_is_better
    for name in ("rmse", "rmsle", "max_error"):
        assert not losscli.get_loss(name).higher_is_better


def test_value_is_the_metric_and_the_per_sample_mean_is_named():
    r = losscli.evaluate("rmse", [3.0, -0.5, 2.0, 7.0], [2.5, 0.0, 2.0, 8.0], convention="sklearn")
    assert r.value == pytest.approx(math.sqrt(0.375))
    assert r.summary()["mean_squared_error"] == pytest.approx(0.375)
    assert r.summary()["rule"].startswith("√")


def test_a_reduction_other_than_mean_is_refused():
    with pytest.raises(losscli.errors.UsageError, match="summary metric"):
        Evaluator("r2", reduction="sum")


def test_max_error_refuses_weights_and_outputs():
    with pytest.raises(losscli.errors.UsageError, match="no sample weights"):
        losscli.evaluate("max_error", [1.0, 2.0], [1.5, 2.0], sample_weight=[1.0, 2.0])
    with pytest.raises(losscli.errors.ShapeError, match="one output"):
        losscli.evaluate("max_error", [[1.0, 2.0]], [[1.5, 2.0]])


@pytest.mark.parametrize("loss", CLASSIFICATION)
def test_d2_of_one_class_is_nan_with_a_warning(loss):
    r = losscli.evaluate(loss, [1, 1, 1], [0.3, 0.9, 0.5], convention="sklearn")
    assert math.isnan(r.value)
    assert any("one class" in w for w in r.warnings)


def test_fewer_than_two_samples_is_nan_with_a_warning():
    r = losscli.evaluate("r2", [1.0], [2.0])
    assert math.isnan(r.value)
    assert any("fewer than two samples" in w for w in r.warnings)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 80), k=st.integers(1, 6), conv=st.sampled_from(["losscli", "keras"]),
       cut_fracs=st.lists(st.floats(0, 1), max_size=4))
def test_batch_level_dice_and_tversky_are_one_value_over_all_elements(seed, n, k, conv, cut_fracs):
    rng = np.random.default_rng(seed)
    y = (rng.random((n, k)) < 0.5).astype(float)
    p = rng.uniform(0, 1, (n, k))
    tp, fp, fn = (y * p).sum(), ((1 - y) * p).sum(), (y * (1 - p)).sum()
    if conv == "keras":
        fp, fn = fn, fp
    expected = {"dice": 1 - 2 * tp / (y.sum() + p.sum() + 1e-7), "tversky": 1 - tp / (tp + 0.3 * fp + 0.7 * fn + 1e-7)}
    params = {"dice": {}, "tversky": {"alpha": 0.3, "beta": 0.7}}
    cuts = sorted({int(f * n) for f in cut_fracs})
    for loss in ("dice", "tversky"):
        one = losscli.evaluate(loss, y, p, convention=conv, axis="none", **params[loss])
        assert one.value == pytest.approx(expected[loss], rel=1e-12, abs=1e-14)
        merged = Evaluator(loss, convention=conv, keep_per_sample=False, axis=None, **params[loss])
        for a, b in zip([0, *cuts], [*cuts, n], strict=True):
            shard = Evaluator(loss, convention=conv, keep_per_sample=False, axis=None, **params[loss])
            if b > a:
                shard.update(y[a:b], p[a:b])
            merged.acc.merge(Accumulator.from_json(json.loads(json.dumps(shard.acc.to_json()))))
        assert merged.result().value == pytest.approx(one.value, rel=1e-12, abs=1e-14)
        per_sample = losscli.evaluate(loss, y, p, convention=conv, axis="-1", **params[loss])
        assert one.metrics[f"mean_per_sample_{loss}"] == pytest.approx(per_sample.value, rel=1e-12)


def test_batch_level_dice_refuses_sample_weights():
    with pytest.raises(losscli.errors.UsageError, match="no sample weights"):
        losscli.evaluate("dice(axis=None)", [[1, 0]], [[0.8, 0.1]], sample_weight=[2.0])


@pytest.mark.parametrize("loss", ["r2", "explained_variance"])
def test_a_padding_row_of_weight_0_does_not_set_the_shift(loss):
    """The shift was the first row, whatever its weight: a padding row of weight 0 at 1e9 above targets of
    1 ± 1e-3 cost 2e-7 of the value. It is the first row that weighs now, also when whole chunks (or the
    first shard) weigh nothing."""
    from fractions import Fraction

    rng = np.random.default_rng(1)
    y = 1.0 + rng.normal(0, 1e-3, 50)
    p = y + rng.normal(0, 3e-4, 50)
    w = np.ones(50)
    y[:5] = p[:5] = 1e9
    w[:5] = 0
    ys, ps, ws = ([Fraction(v) for v in a] for a in (y, p, w))
    total = sum(ws)
    my = sum(c * a for a, c in zip(ys, ws, strict=True)) / total
    sst = sum(c * (a - my) ** 2 for a, c in zip(ys, ws, strict=True))
    if loss == "r2":
        num = sum(c * (a - b) ** 2 for a, b, c in zip(ys, ps, ws, strict=True))
    else:
        r = [a - b for a, b in zip(ys, ps, strict=True)]
        mr = sum(c * a for a, c in zip(r, ws, strict=True)) / total
        num = sum(c * (a - mr) ** 2 for a, c in zip(r, ws, strict=True))
    exact = float(1 - num / sst)
    for step in (50, 1, 3, 5):
        ev = Evaluator(loss, convention="sklearn")
        for i in range(0, 50, step):
            ev.update(y[i:i + step], p[i:i + step], sample_weight=w[i:i + step])
        assert ev.result().value == pytest.approx(exact, rel=1e-14), step
    first, rest = Evaluator(loss, convention="sklearn"), Evaluator(loss, convention="sklearn")
    first.update(y[:5], p[:5], sample_weight=w[:5])  # a shard that weighs nothing, merged first
    rest.update(y[5:], p[5:], sample_weight=w[5:])
    assert first.merge(rest).result().value == pytest.approx(exact, rel=1e-14)


def test_shard_states_of_targets_far_from_zero_merge_to_the_one_pass_value(tmp_path, capsys):
    """The shift and the mean about it ride in the state (``moments_shift``): read without them, the merge
    of two shards' R² of targets near 1e12 drifted in the 7th digit."""
    from cli_helpers import run_cli

    rng = np.random.default_rng(5)
    y = 1e12 + rng.normal(0, 1, 400)
    p = y + rng.normal(0, 0.5, 400)
    for k, part in enumerate((slice(0, 150), slice(150, 400))):
        np.save(tmp_path / f"y{k}.npy", y[part]), np.save(tmp_path / f"p{k}.npy", p[part])
        code, _, err = run_cli(["eval", "r2", "--labels", tmp_path / f"y{k}.npy", "--preds", tmp_path / f"p{k}.npy",
                                "--state-out", tmp_path / f"s{k}.json", "-q"], capsys)
        assert code == 0, err
    state = json.loads((tmp_path / "s1.json").read_text())
    assert "moments_shift" in json.dumps(state)
    code, out, err = run_cli(["merge", tmp_path / "s0.json", tmp_path / "s1.json", "-q"], capsys)
    assert code == 0, err
    one = Evaluator("r2")
    one.update(y, p)
    assert float(out) == pytest.approx(one.result().value, rel=1e-15)
