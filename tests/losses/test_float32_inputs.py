"""Float32 inputs are computed in float64: every registered loss gives, for labels and predictions given as
float32, the numbers of the same values given as float64 (a float32 value is exactly a float64 value), on
the compiled and the NumPy kernels, under every convention. Soft labels are where a float32 operation
shows: 1 − y of a float32 label rounded to float32 was 2e-8 off (binary cross-entropy's NumPy kernels)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import losscli
from losscli import _native
from losscli.errors import LossCliError
from losscli.registry import REGISTRY

CONVENTIONS = ("losscli", "torch", "keras", "sklearn")


def _cases(spec, rng: np.random.Generator):
    """(labels, predictions) from the loss's worked example: as written, and with soft labels where its
    labels lie in [0, 1]; predictions moved off round values so that float32 rounding shows."""
    ex = spec.example
    yt, yp = np.asarray(ex["y_true"]), np.asarray(ex["y_pred"])
    p = yp.astype(np.float64)
    if yp.dtype.kind == "f":
        p = p * (1 + rng.uniform(-1e-3, 1e-3, yp.shape))
        if np.all((yp >= 0) & (yp <= 1)):
            p = np.clip(p, 0.0, 1.0)
    yield yt, p
    if yt.dtype.kind in "fiub" and np.all((yt >= 0) & (yt <= 1)):
        yield np.clip(yt + rng.uniform(-0.3, 0.3, yt.shape), 0.01, 0.99), p


@pytest.mark.parametrize("kernels", ["auto", "numpy"])
def test_float32_inputs_give_the_float64_numbers(kernels, monkeypatch):
    monkeypatch.setenv("LOSSCLI_KERNELS", kernels)
    _native.reset()
    rng = np.random.default_rng(0)
    checked, off = 0, []
    try:
        for spec in REGISTRY.specs():
            if not spec.example:
                continue
            params = spec.example.get("params", {})
            for yt, p in _cases(spec, rng):
                y32 = yt.astype(np.float32) if yt.dtype.kind == "f" else yt
                y64 = y32.astype(np.float64) if yt.dtype.kind == "f" else yt
                p32 = p.astype(np.float32)
                for conv in CONVENTIONS:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore")
                        try:
                            a = losscli.evaluate(spec.name, y32, p32, convention=conv, **params)
                        except LossCliError:
                            continue  # soft labels where the loss takes classes, a convention it lacks
                        b = losscli.evaluate(spec.name, y64, p32.astype(np.float64), convention=conv, **params)
                    va, vb = np.asarray(a.per_sample, float), np.asarray(b.per_sample, float)
                    same = np.allclose(va, vb, rtol=1e-14, atol=0.0, equal_nan=True)
                    if not (same and np.isclose(a.value, b.value, rtol=1e-14, atol=0.0, equal_nan=True)):
                        off.append((spec.name, conv, a.value, b.value))
                    checked += 1
    finally:
        monkeypatch.undo()
        _native.reset()
    assert checked > 100
    assert not off, off


@pytest.mark.parametrize("kernels", ["auto", "numpy"])
@pytest.mark.parametrize("from_logits, pred, torch_f64", [(True, 2.0, 1.9269280080627402), (False, 0.9, 2.082862631986304)])
def test_a_soft_float32_label_gives_torchs_float64_number(from_logits, pred, torch_f64, kernels, monkeypatch):
    """The numbers are torch's ``binary_cross_entropy[_with_logits]`` in float64 on the float32 label 0.1,
    on both kernel paths."""
    monkeypatch.setenv("LOSSCLI_KERNELS", kernels)
    _native.reset()
    try:
        y = np.array([0.1, 0.3], np.float32)
        got = losscli.evaluate("bce", y, np.array([pred, 0.5]), from_logits=from_logits, convention="torch").per_sample[0]
    finally:
        monkeypatch.undo()
        _native.reset()
    assert got == pytest.approx(torch_f64, rel=1e-15)
