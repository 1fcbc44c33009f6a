"""Exact sums: a bin's sum does not depend on how its values are grouped."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.engine.exact_sum import ExactSum, exact_bin_sums
from losscli.engine.summary_sums import SummarySums

FINITE = st.floats(-2.0**1000, 2.0**1000, width=64)  # sums of up to 80 of them stay finite


def _exact(values) -> Fraction:
    return sum((Fraction(float(v)) for v in values), Fraction(0))


@settings(max_examples=200, deadline=None)
@given(values=st.lists(FINITE, max_size=60), data=st.data())
def test_the_partials_of_a_bin_add_up_to_its_exact_sum(values, data):
    size = data.draw(st.integers(1, 5))
    index = np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=len(values), max_size=len(values))),
                     dtype=np.int64)
    v = np.array(values, dtype=np.float64)
    bins, partials = exact_bin_sums(index, v, size)
    assert ((bins >= 0) & (bins < size)).all()
    for b in range(size):
        assert _exact(partials[bins == b]) == _exact(v[index == b])


@settings(max_examples=150, deadline=None)
@given(values=st.lists(st.one_of(FINITE, st.floats(0, 1), st.floats(1e-310, 1e-300)), min_size=1, max_size=80),
       cut_fracs=st.lists(st.floats(0, 1), max_size=6), data=st.data())
def test_any_chunking_gives_the_same_bits(values, cut_fracs, data):
    size = data.draw(st.integers(1, 4))
    n = len(values)
    index = np.array(data.draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n)), dtype=np.int64)
    v = np.array(values, dtype=np.float64)
    cuts = sorted({int(f * n) for f in cut_fracs})
    one, chunked = SummarySums(), SummarySums()
    one.update({"s": ("bins", (index, v, size))}, None)
    for a, b in zip([0, *cuts], [*cuts, n], strict=True):
        shard = SummarySums()
        shard.update({"s": ("bins", (index[a:b], v[a:b], size))}, None)
        chunked.merge(SummarySums.from_json(shard.to_json()))
    expect = [float(_exact(v[index == b])) for b in range(size)]  # the exact sum, rounded once
    for got in (one.view()["s"], chunked.view()["s"]):
        assert [x.hex() for x in got] == [x.hex() for x in expect]


def test_infinite_and_nan_values_are_passed_on():
    bins, partials = exact_bin_sums(np.array([0, 1, 1, 0]), np.array([np.inf, 1.0, np.nan, 2.0]), 2)
    totals = [ExactSum(), ExactSum()]
    for b, x in zip(bins.tolist(), partials.tolist(), strict=True):
        totals[b].add(x)
    assert totals[0].value() == np.inf
    assert np.isnan(totals[1].value())


def test_a_sum_beyond_the_float_range_is_infinite():
    sums = SummarySums()
    sums.update({"s": ("bins", (np.zeros(2, dtype=np.int64), np.array([1.7e308, 1.7e308]), 1))}, None)
    assert sums.view()["s"][0] == np.inf
