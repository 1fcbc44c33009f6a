"""Per-sample memory from the compiled module's cache (``losscli._native.empty``): a freed array's memory
goes to the next array of about its size instead of back to the operating system, the cache stays within
its bounds, and a result never shares memory with another one still referenced.

Skipped as a whole when the extension is not built (``.ci/run`` checks that it is).
"""

from __future__ import annotations

import gc

import numpy as np
import pytest

import losscli
from losscli import _native

_kernels = pytest.importorskip("losscli._native._kernels", reason="the compiled kernels are not built")

MIB = 1 << 20


@pytest.fixture(autouse=True)
def compiled(monkeypatch):
    """The compiled kernels, and an empty cache before and after each test."""
    monkeypatch.delenv("LOSSCLI_KERNELS", raising=False)
    monkeypatch.delenv("LOSSCLI_KERNEL_LEVEL", raising=False)
    _native.reset()
    gc.collect()
    _kernels.release()
    yield
    gc.collect()
    _kernels.release()
    monkeypatch.undo()
    _native.reset()


def address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_a_large_array_is_writable_float64_memory_of_a_block():
    a = _native.empty(3 * MIB // 8 + 5)
    assert a.dtype == np.float64 and a.shape == (3 * MIB // 8 + 5,) and a.flags.writeable and a.flags.c_contiguous
    assert type(a.base).__name__ == "Block"
    assert address(a) % (2 * MIB) == 0  # aligned for huge pages
    a[:] = np.arange(a.size)
    assert a[-1] == a.size - 1


def test_a_small_array_is_numpys_own():
    a = _native.empty(1000)
    assert a.base is None and a.flags.owndata and a.shape == (1000,)


def test_without_the_compiled_kernels_every_array_is_numpys_own(monkeypatch):
    monkeypatch.setenv("LOSSCLI_KERNELS", "numpy")
    _native.reset()
    a = _native.empty(4 * MIB)
    assert a.base is None and a.flags.owndata
    assert _kernels.cached() == (0, 0)


def test_freed_memory_goes_to_the_next_array_of_its_size():
    a = _native.empty(2 * MIB)
    where = address(a)
    del a
    assert _kernels.cached()[0] == 1
    b = _native.empty(2 * MIB - 100)  # a little smaller takes it too
    assert address(b) == where
    assert _kernels.cached() == (0, 0)


def test_memory_still_referenced_by_a_view_is_not_reused():
    a = _native.empty(2 * MIB)
    where = address(a)
    view = a[10:]
    del a
    assert _kernels.cached() == (0, 0)
    b = _native.empty(2 * MIB)
    assert address(b) != where
    del view
    assert _kernels.cached()[0] == 1


def test_a_much_smaller_array_does_not_hold_a_large_block():
    a = _native.empty(64 * MIB // 8)
    where = address(a)
    del a
    b = _native.empty(8 * MIB // 8)
    assert address(b) != where
    assert _kernels.cached()[0] == 1  # the large block is still there for a large array


def test_the_cache_keeps_at_most_four_blocks_and_256_mib():
    arrays = [_native.empty(40 * MIB // 8) for _ in range(6)]
    del arrays
    blocks, size = _kernels.cached()
    assert blocks == 4 and size <= 256 * MIB
    arrays = [_native.empty(100 * MIB // 8) for _ in range(3)]
    del arrays
    blocks, size = _kernels.cached()
    assert blocks == 2 and size <= 256 * MIB
    big = _native.empty(300 * MIB // 8)  # beyond the whole cache: freed at once
    del big
    assert _kernels.cached()[1] <= 256 * MIB
    _kernels.release()
    assert _kernels.cached() == (0, 0)


def test_evaluate_reuses_a_freed_results_memory_with_the_right_values():
    rng = np.random.default_rng(0)
    n = 300_000
    x1, x2 = rng.normal(0, 3, n), rng.normal(0, 3, n)
    y1, y2 = rng.integers(0, 2, n), rng.integers(0, 2, n)
    first = losscli.evaluate("bce", y1, x1, from_logits=True)
    where = address(first.per_sample)
    kept = losscli.evaluate("bce", y2, x2, from_logits=True)  # the first is still referenced: other memory
    assert address(kept.per_sample) != where
    expect_first = first.per_sample.copy()
    del first
    again = losscli.evaluate("bce", y1, x1, from_logits=True)
    assert address(again.per_sample) == where  # no fresh pages for the same size
    assert np.array_equal(again.per_sample, expect_first)
    reference = np.maximum(x2, 0) - x2 * y2 + np.log1p(np.exp(-np.abs(x2)))
    np.testing.assert_allclose(kept.per_sample, reference, rtol=1e-13)


def test_weights_come_from_the_cache_too_and_stay_right():
    rng = np.random.default_rng(1)
    n = 300_000
    x, y, w = rng.normal(0, 2, n), rng.integers(0, 2, n), rng.uniform(0, 2, n)
    one = losscli.evaluate("bce", y, x, from_logits=True, sample_weight=w)
    value = one.value
    del one
    two = losscli.evaluate("bce", y, x, from_logits=True, sample_weight=w)
    assert two.value == value
