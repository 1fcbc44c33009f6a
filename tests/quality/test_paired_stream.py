"""compare in bounded memory: lock-step pairing of the spilled candidate with the streaming baseline."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

from losscli.quality import taps


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(8)
    n = 60_000
    y = rng.integers(0, 2, n)
    p_new = np.clip(rng.random(n), 0.01, 0.99)
    p_old = np.clip(p_new + rng.normal(0, 0.05, n), 0.01, 0.99)
    w = rng.random(n) + 0.5
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "new.npy", p_new)
    np.save(tmp_path / "old.npy", p_old)
    np.save(tmp_path / "w.npy", w)
    return tmp_path


def _compare(files, capsys, *extra):
    code, out, err = run_cli(["compare", "bce", "--labels", files / "y.npy", "--preds", files / "new.npy",
                              "--baseline-preds", files / "old.npy", "--weights", files / "w.npy", "--json",
                              "--bootstrap", "300", "--chunk-rows", "7000", *extra], capsys)
    assert code == 0, err
    return json.loads(out)


def test_grouped_pairing_agrees_with_the_in_memory_comparison(files, capsys, monkeypatch):
    exact = _compare(files, capsys)
    assert "grouped" not in exact["difference"]["ci"]["method"]
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 5000)
    grouped = _compare(files, capsys)
    assert grouped["difference"]["ci"]["method"].startswith("grouped")
    for key in ("n", "samples", "worst", "candidate", "baseline", "verdict", "loss", "reduction"):
        assert grouped[key] == exact[key], key
    assert grouped["difference"]["mean"] == exact["difference"]["mean"]
    ci_e, ci_g = exact["difference"]["ci"], grouped["difference"]["ci"]
    width = ci_e["high"] - ci_e["low"]
    assert abs(ci_g["low"] - ci_e["low"]) < 0.2 * width and abs(ci_g["high"] - ci_e["high"]) < 0.2 * width


def test_rows_out_of_step_fall_back_to_pairing_in_memory(files, capsys, monkeypatch, tmp_path):
    """A baseline that skipped a row (--nan skip) cannot be paired in lock step: the result is still exact."""
    old = np.load(files / "old.npy")
    old[5] = np.nan
    np.save(files / "old.npy", old)
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 5000)
    grouped = _compare(files, capsys, "--nan", "skip")
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 1 << 20)
    exact = _compare(files, capsys, "--nan", "skip")
    assert grouped == exact
    assert any("left out" in w for w in exact["warnings"])
