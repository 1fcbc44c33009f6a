"""The compiled fold of whole blocks' statistics (``_kernels.fold``, used by ``Accumulator``): the same state,
bit for bit, as folding the blocks one by one in Python (``Accumulator._absorb``), whatever the blocks hold —
counts of zero, values and weights from ``BIG`` on, infinities and NaN, which it leaves to Python."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli import _native
from losscli.chunking import BLOCK
from losscli.engine.accumulator import (
    BIG,
    Accumulator,
    CompiledBlocks,
    ExactSum,
    all_as_given,
    as_given,
    given_form,
)

_kernels = pytest.importorskip("losscli._native._kernels", reason="the compiled kernels are not built")


@pytest.fixture(autouse=True)
def _compiled(monkeypatch):
    """The compiled module, even where LOSSCLI_KERNELS=numpy asks the evaluator not to use it (CI's rerun)."""
    from losscli._native import dispatch

    monkeypatch.setattr(_native, "kernels", lambda: _kernels)
    monkeypatch.setattr(dispatch, "kernels", lambda: _kernels)


def _bits(x: float) -> str:
    return "nan" if math.isnan(x) else float(x).hex()


def _state(acc: Accumulator) -> tuple:
    return (
        acc.n,
        _bits(acc.mean),
        _bits(acc.m2),
        _bits(acc.min),
        _bits(acc.max),
        [_bits(p) for p in acc.sum_values.partials],
        [_bits(p) for p in acc.sum_weights.partials],
        [_bits(p) for p in acc.sum_values_hi.partials],
        [_bits(p) for p in acc.sum_weights_hi.partials],
    )


def _start(n: int, mean: float, m2: float, lo: float, hi: float, pv: list[float], pw: list[float]) -> Accumulator:
    return Accumulator(n=n, n_total=n, mean=mean, m2=m2, min=lo, max=hi, sum_values=ExactSum(pv),
                       sum_weights=ExactSum(pw))


def _both(start: tuple, blocks: CompiledBlocks) -> tuple[Accumulator, Accumulator]:
    """The state after folding ``blocks`` compiled, and one by one in Python."""
    compiled, python = _start(*start), _start(*start)
    compiled._fold(blocks)
    for i in range(len(blocks)):
        python._absorb(*blocks.at(i))
    return compiled, python


_edge = st.sampled_from([0.0, -0.0, 5e-324, 1e-300, 1.0, 3.0, BIG, -BIG, BIG * 0.999, 1e308, math.inf, -math.inf,
                         math.nan])
_value = st.one_of(st.floats(allow_nan=True, allow_infinity=True), _edge, st.floats(-1e3, 1e3))


@st.composite
def _rows(draw) -> np.ndarray:
    rows = []
    for _ in range(draw(st.integers(0, 12))):
        if draw(st.booleans()):  # an ordinary block: a count, moments of loss values
            nb = draw(st.sampled_from([1, 2, BLOCK, BLOCK - 1, 7]))
            lo = draw(st.floats(0, 50))
            hi = lo + draw(st.floats(0, 50))
            mean = lo + (hi - lo) * draw(st.floats(0, 1))
            sw = draw(st.one_of(st.just(float(nb)), st.floats(0, 1e6)))
            row = [nb, mean * sw, sw, mean, draw(st.floats(0, 1e9)), lo, hi]
        else:
            row = [draw(st.sampled_from([0, 1, 3, BLOCK])), *(draw(_value) for _ in range(6))]
        rows.append(row)
    return np.array(rows, dtype=np.float64).reshape(-1, 7)


class _StatsAlone(CompiledBlocks):
    """Blocks whose statistics are all there is: one not taken as it is stands for its own statistics,
    handed on as :func:`_block_stats` hands such a block on (its sum of values scaled)."""

    __slots__ = ()

    def at(self, i: int) -> tuple:
        raw = self.stats[i]
        if as_given(raw):
            return given_form(raw)
        nb, sv, sw, mean, m2, lo, hi = (float(x) for x in raw)
        return int(nb), (sv, True), (sw, False), mean, m2, lo, hi


_partials = st.lists(st.one_of(st.floats(-1e300, 1e300), _edge), max_size=4)


@settings(max_examples=300, deadline=None)
@given(
    stats=_rows(),
    n=st.sampled_from([0, 1, 5, BLOCK, 10**12]),
    moments=st.tuples(_value, st.floats(0, 1e12), _value, _value),
    pv=_partials,
    pw=_partials,
)
def test_the_compiled_fold_gives_the_python_loops_bits(stats, n, moments, pv, pw):
    blocks = _StatsAlone(stats, np.empty(0), None, None, 0)
    compiled, python = _both((n, *moments, pv, pw), blocks)
    assert _state(compiled) == _state(python)


@pytest.mark.parametrize("case", ["plain", "huge", "ignored"])
def test_a_kernels_own_blocks_fold_to_the_python_loops_bits(case):
    """Blocks from a real chunk: ordinary ones, one with a loss from ``BIG`` on and one with every sample
    ignored (both summed again from the values, between ordinary ones)."""
    from losscli._native import dispatch

    rng = np.random.default_rng(11)
    n = 6 * BLOCK + 321
    y = rng.integers(0, 4, n)
    x = rng.standard_normal((n, 4))
    if case == "huge":
        x[2 * BLOCK + 5], y[2 * BLOCK + 5] = (0.75e308, -0.75e308, 0.0, 0.0), 1
    if case == "ignored":
        y[3 * BLOCK : 4 * BLOCK] = -100
    plan = dispatch.FusedPlan(dispatch.SPARSE_LOGITS, ignore_index=-100)
    done = plan.run(y, x, None, head=0, block=BLOCK, threads=2)
    assert done is not None
    values, weights, counted, _, stats, _, _ = done
    assert all_as_given(stats) == (case == "plain")
    assert all_as_given(stats) == all(as_given(tuple(r)) for r in stats.tolist())
    blocks = CompiledBlocks(stats, values, weights, counted, 0)
    for start in [(0, 0.0, 0.0, math.inf, -math.inf, [], []), (BLOCK, 1.25, 3e3, 0.01, 9.0, [1234.5, 1e-13], [4096.0])]:
        compiled, python = _both(start, blocks)
        assert _state(compiled) == _state(python)
        assert compiled.n == start[0] + int(stats[:, 0].sum())


def test_all_as_given_follows_pythons_max_for_nan():
    """``max(-lo, hi)`` is ``-lo`` when ``hi`` is NaN: the vector test must not call such a block given, or
    call given one Python does not; a count of 0 is never taken as it is."""
    rows = [
        [BLOCK, 1.0, 1.0, 0.5, 1.0, 0.0, math.nan],
        [BLOCK, 1.0, 1.0, 0.5, 1.0, math.nan, 1.0],
        [0, 0.0, 0.0, 0.0, 0.0, math.inf, -math.inf],
        [BLOCK, 1.0, BIG, 0.5, 1.0, 0.0, 1.0],
        [BLOCK, 1.0, 1.0, 0.5, 1.0, -BIG, 1.0],
        [BLOCK, 1.0, 1.0, 0.5, 1.0, 0.0, 1.0],
    ]
    for row in rows:
        assert all_as_given(np.array([row])) == as_given(tuple(row)), row
