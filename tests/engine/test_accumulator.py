"""The accumulator: chunking never changes a result; shards merge exactly; states serialise."""

from __future__ import annotations

import json

import numpy as np
import pytest

import losscli
from losscli.engine.accumulator import BLOCK, Accumulator, ExactSum


def _feed(values, weights, sizes):
    acc = Accumulator()
    start = 0
    for s in sizes:
        acc.update(values[start:start + s], weights[start:start + s])
        start += s
    acc.update(values[start:], weights[start:])
    return acc.totals()


def test_any_chunking_is_bit_identical():
    rng = np.random.default_rng(1)
    n = 3 * BLOCK + 1234
    v = rng.lognormal(size=n)
    w = rng.random(n)
    one = _feed(v, w, [])
    for sizes in ([1000] * 50, [BLOCK - 1, 7, BLOCK + 3], [n // 3, n // 3], [1] * 100 + [BLOCK * 2]):
        assert _feed(v, w, sizes) == one
    assert one["sum"] == pytest.approx(v.sum(), rel=1e-14)
    assert one["std"] == pytest.approx(v.std(), rel=1e-12)
    assert one["weight_sum"] == pytest.approx(w.sum(), rel=1e-14)


def test_merge_equals_one_pass_within_ulps():
    rng = np.random.default_rng(2)
    v = rng.normal(size=200_000) ** 2
    whole = Accumulator()
    whole.update(v)
    parts = [Accumulator() for _ in range(4)]
    for acc, chunk in zip(parts, np.array_split(v, 4), strict=True):
        acc.update(chunk)
    merged = parts[0]
    for p in parts[1:]:
        merged.merge(p)
    a, b = whole.totals(), merged.totals()
    assert a["n"] == b["n"] and a["min"] == b["min"] and a["max"] == b["max"]
    assert b["sum"] == pytest.approx(a["sum"], rel=4e-16)
    assert b["std"] == pytest.approx(a["std"], rel=1e-13)


def test_shards_of_whole_blocks_merge_to_the_bits_of_one_pass():
    """Whole blocks are summed exactly across shards; only a shard's last partial block is summed on its
    own, so shards of whole blocks (the last one excepted) give one pass's bits, in any merge order."""
    rng = np.random.default_rng(3)
    v = rng.normal(size=3 * BLOCK + 777) ** 2
    w = rng.random(v.size)
    whole = Accumulator()
    whole.update(v, w)
    cuts = [0, BLOCK, 3 * BLOCK, v.size]
    parts = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        acc = Accumulator()
        acc.update(v[a:b], w[a:b])
        parts.append(Accumulator.from_json(json.loads(json.dumps(acc.to_json()))))  # as `merge` reads them
    merged = parts[2]
    for p in (parts[0], parts[1]):
        merged.merge(p)
    assert merged.totals() == whole.totals()


def test_json_round_trip():
    acc = Accumulator()
    acc.update(np.array([0.5, 1.5, 2.5]), np.array([1.0, 2.0, 1.0]), np.array([True, True, False]), clipped=2)
    state = json.loads(json.dumps(acc.to_json()))
    back = Accumulator.from_json(state)
    assert back.totals() == acc.totals()
    assert back.totals()["ignored"] == 1 and back.totals()["clipped"] == 2


def test_exact_sum_is_exact():
    s = ExactSum()
    for x in [1e16, 1.0, -1e16, 1e-16] * 1000:
        s.add(x)
    assert s.value() == pytest.approx(1000 + 1e-13, rel=1e-15)


def test_evaluator_chunks_equal_evaluate():
    rng = np.random.default_rng(3)
    n = 150_000
    x = rng.normal(size=(n, 5))
    y = rng.integers(0, 5, n)
    w = rng.random(n)
    whole = losscli.evaluate("scce", y, x, from_logits=True, sample_weight=w)
    ev = losscli.Evaluator("scce", from_logits=True)
    for s in range(0, n, 7777):
        ev.update(y[s:s + 7777], x[s:s + 7777], w[s:s + 7777])
    r = ev.result()
    assert (r.value, r.sum, r.std, r.n) == (whole.value, whole.sum, whole.std, whole.n)
    np.testing.assert_array_equal(r.per_sample, whole.per_sample)
