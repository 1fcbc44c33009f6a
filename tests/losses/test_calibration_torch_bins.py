"""Calibration errors under the torch convention bin as torchmetrics does: ``bucketize(right=True)`` on the
edges ``torch.linspace`` makes in the confidences' dtype — bins closed on the left — so probabilities that lie
on an edge (written with one or two decimals) give torchmetrics' number.

Expected values and edges come from torch and torchmetrics (tests/reference/torch_binning_reference.json,
written by tests/reference/generate_torch_binning_reference.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli
from losscli.losses.calibration import torch_edges

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "torch_binning_reference.json"
DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
LOSSES = ("ece", "mce", "rmsce")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_edges_are_torch_linspace(dtype):
    for n_bins, expected in enumerate(DATA["edges"][dtype], start=1):
        got = torch_edges(n_bins, np.dtype(dtype).str)
        assert got.dtype == np.dtype(dtype)
        np.testing.assert_array_equal(got.astype(np.float64), expected, err_msg=f"{n_bins} bins, {dtype}")


def _arrays(case: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(case["y_true"]), np.array(case["y_pred"]).astype(case["dtype"])


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_api_equals_torchmetrics_on_the_edges(case: dict):
    y, p = _arrays(case)
    for loss in LOSSES:
        got = losscli.evaluate(f"{loss}(n_bins={case['n_bins']})", y, p, convention="torch").value
        np.testing.assert_allclose(got, case["expected"][loss], rtol=case["rtol"], err_msg=f"{loss}: {case['source']}")


@pytest.mark.parametrize("case", [c for c in CASES if c["n_bins"] == 10], ids=lambda c: c["id"])
def test_cli_from_npy_equals_torchmetrics_on_the_edges(case: dict, tmp_path, capsys):
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    code, out, err = run_cli(["eval", "ece(n_bins=10)", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
                              "--convention", "torch", "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(float(out), case["expected"]["ece"], rtol=case["rtol"], err_msg=case["source"])


def test_an_edge_is_closed_on_the_left_under_torch_and_on_the_right_otherwise():
    """0.5 is the edge of two bins: torchmetrics puts it in [0.5, 1), scikit-learn's bins in (0, 0.5]."""
    y, p = np.array([1, 0, 1]), np.array([0.5, 0.5, 0.9])
    torch_bins = losscli.evaluate("ece(n_bins=2)", y, p, convention="torch").summary()["reliability"]
    sk_bins = losscli.evaluate("ece(n_bins=2)", y, p).summary()["reliability"]
    assert [(r["bin"], r["count"]) for r in torch_bins] == [(1, 3)]
    assert [(r["bin"], r["count"]) for r in sk_bins] == [(0, 2), (1, 1)]


def _saturating_logits() -> tuple[np.ndarray, np.ndarray]:
    """Four rows whose float32 softmax is exactly 1 on class 0 (exp(−17.6)·2 < 2⁻²⁴: 1 + it rounds to 1 in
    float32) but 0.99999994 when computed in float64 and rounded, and four at 0.95 (logit ln 38), all of
    class 0 where the first four hold one miss."""
    logits = np.array([[17.6, 0, 0]] * 4 + [[np.log(38.0), 0, 0]] * 4, dtype=np.float32)
    return np.array([0, 0, 0, 1, 0, 0, 0, 0]), logits


def test_float32_logits_saturate_as_torch_softmax_does(tmp_path, capsys):
    """Float32 logits were binned from a float64 softmax rounded to float32: four confidences torch computes
    as exactly 1 (torchmetrics' bin of its own) fell in [0.9, 1) with four at 0.95, so ece and mce were 0.1
    where torchmetrics gives 0.15 and 0.25; float16 logits alike (torch rounds its probabilities to float16)."""
    y, logits = _saturating_logits()
    e = np.exp(logits - logits.max(axis=1, keepdims=True))  # torch's CPU softmax in float32
    conf = (e * (np.float32(1) / e.sum(axis=1, dtype=np.float32, keepdims=True))).max(axis=1)
    assert conf[:4].tolist() == [1.0] * 4 and np.float32(1 / (1 + 2 * np.exp(-17.6))) < 1
    gaps = [abs(1.0 - float(conf[4:].mean())), abs(0.75 - float(conf[:4].mean()))]  # bins [0.9, 1) and {1}
    for loss, want in (("ece", sum(gaps) / 2), ("mce", max(gaps))):
        got = losscli.evaluate(f"{loss}(n_bins=10)", y, logits, from_logits=True, convention="torch").value
        np.testing.assert_allclose(got, want, rtol=1e-6, err_msg=loss)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x.npy", logits)
    code, out, err = run_cli(["eval", "mce(n_bins=10)", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.npy",
                              "--logits", "--convention", "torch", "-q"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(float(out), 0.25, rtol=1e-6)
    # float16 logits: torch computes in float32 and rounds to float16, where 0.9998 (logit 9.2) is 1
    half = np.array([[9.2, 0, 0]] * 4 + [[np.log(38.0), 0, 0]] * 4, dtype=np.float16)
    e = np.exp(half.astype(np.float32) - half.astype(np.float32).max(axis=1, keepdims=True))
    conf = (e * (np.float32(1) / e.sum(axis=1, dtype=np.float32, keepdims=True))).astype(np.float16).max(axis=1)
    assert conf[:4].tolist() == [1.0] * 4 and np.float32(1 / (1 + 2 * np.exp(-9.2))) < 1
    gaps = [abs(1.0 - float(conf[4:].astype(np.float64).mean())), 0.25]
    for loss, want in (("ece", sum(gaps) / 2), ("mce", max(gaps))):
        got = losscli.evaluate(f"{loss}(n_bins=10)", y, half, from_logits=True, convention="torch").value
        np.testing.assert_allclose(got, want, rtol=1e-12, err_msg=loss)
    # one binary logit: σ(17.0) is 1 in float32 arithmetic, 0.99999994 in float64 rounded to float32
    x = np.array([17.0, 17.0, 2.9444389791664403], dtype=np.float32)  # σ = 1, 1, 0.95
    got = losscli.evaluate("mce(n_bins=10)", np.array([1, 0, 1]), x, from_logits=True, convention="torch").value
    np.testing.assert_allclose(got, 0.5, rtol=1e-6)


def test_float32_logits_saturate_as_torch_does_on_torch_itself():
    torch = pytest.importorskip("torch")
    y, logits = _saturating_logits()
    conf = torch.from_numpy(logits).softmax(1).max(1).values
    assert conf[:4].tolist() == [1.0] * 4
    assert torch.tensor([17.0]).sigmoid().item() == 1.0
    half = torch.tensor([[9.2, 0, 0], [np.log(38.0), 0, 0]], dtype=torch.float16).softmax(1).max(1).values
    assert half[0].item() == 1.0 and half.dtype == torch.float16
