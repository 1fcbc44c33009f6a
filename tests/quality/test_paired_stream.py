"""compare in bounded memory: lock-step pairing of the spilled candidate with the streaming baseline."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

from losscli.quality import paired_stream, taps
from losscli.quality.paired_stream import LockstepPairing, SideSpill


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


class _Batch:
    def __init__(self, rows: np.ndarray) -> None:
        self.label_rows, self.ids = rows, None

    def __len__(self) -> int:
        return len(self.label_rows)


def _expected(rule: str, seed: int, cand, base) -> np.ndarray:
    """Σ num and Σ den of each side per bucket, one bincount per chunk (the pairing's definition)."""
    out = np.zeros((4, taps.BUCKETS))
    start = 0
    for (vc, wc, cc), (vb, wb, cb) in zip(cand, base, strict=True):
        slot = taps.bucket_of(np.arange(start, start + len(vc)), seed)
        for j, (v, w, c) in enumerate(((vc, wc, cc), (vb, wb, cb))):
            num, den = taps.rule_parts(rule, v, w, c, 1)
            out[2 * j] += np.bincount(slot, weights=num, minlength=taps.BUCKETS)
            if den is not None:
                out[2 * j + 1] += np.bincount(slot, weights=den, minlength=taps.BUCKETS)
        start += len(vc)
    return out


def _spill_chunks(spill: SideSpill, chunks, observe) -> None:
    """Feed one side's chunks (values, weights, counted) as a pipeline would: listener, then observer."""
    start = 0
    for values, weights, counted in chunks:
        spill.listen(values, weights, counted)
        observe(_Batch(np.arange(start, start + len(values))), [values], start)
        start += len(values)


@pytest.mark.parametrize("rule", ["weighted_mean", "sum"])
@pytest.mark.parametrize("exact", [0, 5000, 10 ** 9], ids=["bucketed at once", "bucketed later", "exact"])
def test_bucket_sums_are_one_bincount_per_chunk(monkeypatch, rule, exact):
    """The grouped bootstrap's bucket sums are, to the last bit, one ``np.bincount`` per chunk, whether the
    pairs were bucketed as they came or read back from the spills when they outgrew the exact comparison,
    and however few records are read or written at a time."""
    monkeypatch.setattr(taps, "EXACT_SAMPLES", exact)
    monkeypatch.setattr(paired_stream, "PAIR_RECORDS", 1000)  # chunks are read back in several pieces
    monkeypatch.setattr(paired_stream, "WRITE_RECORDS", 777)
    rng = np.random.default_rng(4)
    sizes = [3000, 2500, 1, 4100, 999]

    def side(weighted: bool):
        return [(rng.lognormal(0, 3, k), rng.random(k) if weighted else None,
                 rng.random(k) > 0.1 if weighted else None) for k in sizes]

    cand, base = side(True), side(False)
    c_spill, b_spill = SideSpill(), SideSpill()
    try:
        _spill_chunks(c_spill, cand, c_spill.observe)
        pairing = LockstepPairing(c_spill, b_spill, rule=rule, higher_is_better=False, tol=0.0, top=5, seed=7)
        _spill_chunks(b_spill, base, pairing)
        assert pairing.in_step and pairing.pairs == sum(sizes)
        if exact > sum(sizes):
            assert pairing._buckets is None
            return
        got = pairing._buckets
        want = _expected(rule, 7, cand, base)
        assert got.tobytes() == want.tobytes()
    finally:
        c_spill.close()
        b_spill.close()
