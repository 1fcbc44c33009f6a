"""The paired comparison's evidence: pairs of weight 0 are neither counted among the pairs nor resampled, so a
weighted run and an unweighted run of the pairs of positive weight agree."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

from losscli.quality import paired, taps


def _write(folder, y, w, base, cand):
    """Labels (with weights when given) and the two models' predictions as CSV files in ``folder``."""
    folder.mkdir(exist_ok=True)
    cols = {"y": y} if w is None else {"y": y, "w": w}
    (folder / "y.csv").write_text(",".join(cols) + "\n" + "".join(
        ",".join(repr(float(c[i])) if k == "w" else str(int(c[i])) for k, c in cols.items()) + "\n"
        for i in range(len(y))))
    for name, p in (("base", base), ("cand", cand)):
        (folder / f"{name}.csv").write_text("p\n" + "".join(f"{x!r}\n" for x in map(float, p)))
    return folder


def _compare(folder, capsys, *, weighted, swap=False, extra=()):
    """``compare bce`` of the folder's files (``swap``: the baseline as the candidate): (exit code, document)."""
    cand, base = ("base", "cand") if swap else ("cand", "base")
    weights = ["--weights", folder / "y.csv", "--weight-col", "w"] if weighted else []
    code, out, err = run_cli(["compare", "bce", "--labels", folder / "y.csv", "--label-cols", "y", *weights,
                              "--preds", folder / f"{cand}.csv", "--baseline-preds", folder / f"{base}.csv",
                              "--fail-if-worse", "--json", *extra], capsys)
    return code, json.loads(out)


def _same_evidence(doc: dict) -> dict:
    """What the pairs tell (the values themselves are sums over other rows: equal to rounding)."""
    return {"n": doc["n"], "verdict": doc["verdict"], "ci": doc["difference"]["ci"], "samples": doc["samples"],
            "mean": pytest.approx(doc["difference"]["mean"], rel=1e-12),
            "checks": [(c["status"], c["n"]) for c in doc["checks"]]}


@pytest.mark.parametrize("swap", [False, True])
def test_pairs_of_weight_zero_do_not_count_among_too_few_pairs(tmp_path, capsys, swap):
    """3 pairs of weight 1 and 17 of weight 0 were "significantly better" (or worse), n=20, exit 0, where the
    same 3 pairs unweighted were too few to tell (exit 1)."""
    y = np.array([1, 0] * 10)
    w = np.zeros(20)
    w[:3] = 1
    base = np.where(y == 1, 0.9, 0.1)
    cand = base.copy()
    cand[:3] = [0.7, 0.35, 0.8]
    code_w, weighted = _compare(_write(tmp_path / "w", y, w, base, cand), capsys, weighted=True, swap=swap)
    code_u, plain = _compare(_write(tmp_path / "u", y[:3], None, base[:3], cand[:3]), capsys, weighted=False,
                             swap=swap)
    assert code_w == code_u == 1
    assert weighted["verdict"] == "too few pairs to tell" and weighted["n"] == 3
    assert _same_evidence(weighted) == _same_evidence(plain)
    assert "undefined_resamples" not in weighted["difference"]["ci"]


def test_pairs_of_weight_zero_are_not_resampled(tmp_path, capsys):
    """Among many pairs of weight 0 the resamples of few weighted pairs were wider, and those of none were
    dropped as undefined: the interval is the one of the weighted pairs alone."""
    rng = np.random.default_rng(3)
    n = 200
    y = rng.integers(0, 2, n)
    base = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.1, n), 0.02, 0.98)
    cand = np.clip(base + rng.normal(0.03, 0.05, n), 0.02, 0.98)
    w = np.where(rng.random(n) < 0.1, rng.random(n) + 0.5, 0.0)
    keep = w > 0
    _, weighted = _compare(_write(tmp_path / "w", y, w, base, cand), capsys, weighted=True)
    _, alone = _compare(_write(tmp_path / "a", y[keep], w[keep], base[keep], cand[keep]), capsys, weighted=True)
    assert weighted["n"] == int(keep.sum())
    assert _same_evidence(weighted) == _same_evidence(alone)


def test_grouped_pairs_of_weight_zero_are_neither_counted_nor_resampled(tmp_path, capsys, monkeypatch):
    """Beyond the pairs compared exactly the pairs are bucketed: a bucket of weight-0 pairs only is left out of
    the resampling, and the pairs counted are those of positive weight."""
    rng = np.random.default_rng(5)
    n = 3000
    y = rng.integers(0, 2, n)
    base = np.clip(np.where(y == 1, 0.7, 0.3) + rng.normal(0, 0.1, n), 0.02, 0.98)
    cand = np.clip(base + rng.normal(0.02, 0.05, n), 0.02, 0.98)
    w = np.where(np.arange(n) % 700 == 0, 1.0, 0.0)  # 5 pairs: a resample of 4096 buckets draws none of theirs
    # about once in 150
    folder = _write(tmp_path / "w", y, w, base, cand)
    monkeypatch.setattr(taps, "EXACT_SAMPLES", 500)
    monkeypatch.setattr(taps, "BUCKETS", 1 << 12)
    _, doc = _compare(folder, capsys, weighted=True, extra=("--chunk-rows", "300"))
    assert doc["difference"]["ci"]["method"].startswith("grouped")
    assert doc["n"] == 5 and sum(doc["samples"][k] for k in ("improved", "worsened", "unchanged")) == 5
    assert "undefined_resamples" not in doc["difference"]["ci"]


def test_parts_without_pairs_of_weight_zero_are_the_arrays_given():
    """Without a pair of weight 0 the bootstrap takes the very arrays of before (its resamples unchanged)."""
    num_c, num_b, den = np.array([0.0, 1.0, 2.0]), np.array([0.0, 2.0, 1.0]), np.array([0.0, 1.0, 1.0])
    positive = paired.positive_weight(np.array([0.5, 1.0, 2.0]), None, 3)
    parts = paired.weightful_parts(positive, num_c, den, num_b, den)
    assert parts[0] is num_c and parts[1] is den and parts[2][0] is num_b and parts[2][1] is den
    positive = paired.positive_weight(den, den, 3)
    kept_c, kept_den, (kept_b, kept_den_b) = paired.weightful_parts(positive, num_c, den, num_b, den)
    assert kept_c.tolist() == [1.0, 2.0] and kept_b.tolist() == [2.0, 1.0] and kept_den_b is kept_den
