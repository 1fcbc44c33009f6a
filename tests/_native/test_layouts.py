"""The compiled kernels take arrays of any layout (a DataFrame's Fortran-ordered values, strided weights) in
row order: such chunks went to the NumPy kernels, whose values differ by an ulp or two, so Evaluator.update on
``df[cols].to_numpy()`` (and the Dask engine) did not give evaluate()'s bits."""

from __future__ import annotations

import numpy as np
import pytest

import losscli


@pytest.mark.parametrize("loss, kw", [("scce", {"from_logits": True, "ignore_index": -100,
                                                  "class_weights": [1, 2, 0.5, 3]}),
                                       ("cce", {"from_logits": True}), ("mse", {})])
def test_a_fortran_ordered_chunk_gives_the_c_ordered_bits(loss, kw):
    rng = np.random.default_rng(0)
    z = rng.normal(0, 1.5, (300, 4))
    y = rng.integers(0, 4, 300)
    if loss == "scce":
        y[rng.random(300) < 0.1] = -100
    elif loss == "cce":
        y = np.eye(4)[y]
    else:
        y = rng.normal(size=(300, 4))
    w = np.repeat(rng.uniform(0, 3, 300), 2)[::2]  # a strided view
    whole = losscli.evaluate(loss, y, z, sample_weight=w, **kw)
    ev = losscli.Evaluator(loss, **kw)
    ev.update(np.asfortranarray(y), np.asfortranarray(z), w)
    got = ev.result()
    assert got.value == whole.value and got.std == whole.std
    assert np.array_equal(got.per_sample, whole.per_sample, equal_nan=True)
