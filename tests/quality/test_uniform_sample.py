"""The bounded sample of per-sample differences drawn in compare's HTML report."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.quality.paired_stream import UniformSample


@settings(max_examples=40, deadline=None)
@given(n=st.integers(0, 5000), cut=st.integers(1, 700), cap=st.integers(1, 300))
def test_every_stride_th_value_in_any_chunks_and_never_more_than_cap(n, cut, cap):
    data = np.arange(n, dtype=np.float64)
    sample = UniformSample(cap=cap)
    for a in range(0, n, cut):
        sample.add(data[a:a + cut])
    got = sample.values()
    assert len(got) <= cap
    np.testing.assert_array_equal(got, data[::sample.stride])
    assert sample.stride == 1 or len(data[::sample.stride // 2]) > cap
