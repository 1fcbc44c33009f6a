"""Holm's step-down adjustment of p-values: hand-computed values and its invariants."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from losscli.quality.multiple import holm


def test_hand_computed():
    # sorted: 0.005·4 = 0.02, 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.06, 0.04·1) = 0.06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    # 0.01·5, 0.02·4, 0.03·3, max(0.09, 0.04·2), max(0.09, 0.05·1) (the definition statsmodels' "holm" uses)
    assert holm([0.01, 0.02, 0.03, 0.04, 0.05]) == pytest.approx([0.05, 0.08, 0.09, 0.09, 0.09])
    assert holm([0.2, 0.6]) == pytest.approx([0.4, 0.6])
    assert holm([0.5, 0.9]) == pytest.approx([1.0, 1.0])  # capped at 1
    assert holm([0.03]) == [0.03] and holm([]) == []


def test_undefined_p_values_stay_undefined_and_count_in_the_family():
    assert holm([0.01, None, math.nan]) == [pytest.approx(0.03), None, None]
    with pytest.raises(ValueError):
        holm([1.5])


@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=12))
def test_invariants(ps):
    adj = holm(ps)
    m = len(ps)
    for p, a in zip(ps, adj, strict=True):
        assert p <= a <= 1.0 and a <= min(1.0, m * p) + 1e-15  # between raw and Bonferroni
    for i in range(m):
        for j in range(m):
            if ps[i] < ps[j]:
                assert adj[i] <= adj[j]  # the order of the p-values is kept
    # rejecting at level alpha: the step-down procedure directly
    alpha = 0.05
    order = sorted(range(m), key=lambda k: ps[k])
    rejected = set()
    for rank, k in enumerate(order):
        if ps[k] * (m - rank) > alpha:
            break
        rejected.add(k)
    assert {k for k in range(m) if adj[k] <= alpha} == rejected
