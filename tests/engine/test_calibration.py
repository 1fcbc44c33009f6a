"""Reliability bins: the counts, means and ECE a direct computation gives, whatever the chunks."""

from __future__ import annotations

import numpy as np
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.engine.calibration import BINS, Reliability, applies
from losscli.registry import get_loss


def direct(p: np.ndarray, hit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    b = np.minimum(np.floor(p * BINS).astype(int), BINS - 1)
    n = np.array([(b == i).sum() for i in range(BINS)])
    pm = np.array([p[b == i].mean() if (b == i).any() else 0 for i in range(BINS)])
    om = np.array([hit[b == i].mean() if (b == i).any() else 0 for i in range(BINS)])
    return n, pm, om


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), cut=st.integers(1, 300), seed=st.integers(0, 1000))
def test_binary_bins_match_a_direct_computation_in_any_chunks(n, cut, seed):
    rng = np.random.default_rng(seed)
    p = rng.random(n)
    y = (rng.random(n) < p).astype(float)
    rel = Reliability("binary", from_logits=False)
    for start in range(0, n, cut):
        rel.add(y[start:start + cut], p[start:start + cut])
    count, pm, om = direct(p, y)
    assert rel.count.tolist() == count.tolist()
    table = rel.table()
    assert [b["n"] for b in table] == [c for c in count if c]
    np.testing.assert_allclose([b["predicted"] for b in table], pm[count > 0], rtol=1e-12)
    np.testing.assert_allclose([b["outcome"] for b in table], om[count > 0], rtol=1e-12)
    ece = sum(c / n * abs(o - q) for c, o, q in zip(count, om, pm, strict=True) if c)
    assert abs(rel.ece() - ece) < 1e-12


def test_multiclass_logits_confidence_and_accuracy():
    logits = np.array([[2.0, 0.0, 0.0], [0.0, 3.0, 0.0], [0.0, 0.0, 0.1], [5.0, 0.0, 0.0]])
    labels = np.array([0, 2, 2, 0])
    rel = Reliability("multiclass", from_logits=True)
    rel.add(labels, logits)
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    count, pm, om = direct(probs.max(axis=1), (probs.argmax(axis=1) == labels).astype(float))
    assert rel.count.tolist() == count.tolist()
    one_hot = Reliability("multiclass", from_logits=True)
    one_hot.add(np.eye(3)[labels], logits)
    assert one_hot.table() == rel.table()


def test_which_losses_have_a_diagram():
    assert applies(get_loss("bce"), {}, 1) == "binary"
    assert applies(get_loss("cce"), {}, 3) == "multiclass"
    assert applies(get_loss("scce"), {}, 3) == "multiclass"
    assert applies(get_loss("mse"), {}, 1) is None
    assert applies(get_loss("hinge"), {}, 1) is None
    assert applies(get_loss("bce"), {}, 3) is None  # multi-label


def test_log_probabilities_and_ignored_rows_are_read_as_the_loss_reads_them(tmp_path, capsys):
    """The HTML report's diagram binned log-probabilities as probabilities (every confidence below 0, an ECE
    of 0.6738 where the same predictions as probabilities give 0.3960), and counted the rows --ignore-index
    leaves out as misses (0.4152)."""
    rng = np.random.default_rng(0)
    n, c = 300, 3
    logits = rng.normal(size=(n, c)) * 2
    y = rng.integers(0, c, n)
    probs = np.exp(logits - logits.max(axis=1, keepdims=True))
    probs /= probs.sum(axis=1, keepdims=True)
    plain = Reliability("multiclass", from_logits=False)
    plain.add(y, probs)
    logp = Reliability.of("multiclass", {"from_logits": False, "log_probs": True})
    logp.add(y, np.log(probs))
    assert logp.count.tolist() == plain.count.tolist() and abs(logp.ece() - plain.ece()) < 1e-12
    padded = Reliability.of("multiclass", {"from_logits": True, "ignore_index": -100})
    padded.add(np.concatenate([np.full(20, -100), y]), np.concatenate([rng.normal(size=(20, c)), logits]))
    assert padded.count.tolist() == plain.count.tolist() and abs(padded.ece() - plain.ece()) < 1e-12
    binary = Reliability.of("binary", {"log_probs": True})
    binary.add(np.array([1.0, 0.0]), np.log(np.array([0.95, 0.25])))
    assert binary.count.tolist() == [0, 0, 1, 0, 0, 0, 0, 0, 0, 1]
    # the page: the ECE of the probabilities, from log-probabilities and from logits with padding rows
    (tmp_path / "lp.csv").write_text("label,a,b,c\n" + "".join(
        f"{y[i]},{','.join(repr(v) for v in np.log(probs[i]).tolist())}\n" for i in range(n)))
    (tmp_path / "pad.csv").write_text("label,a,b,c\n" + "".join(
        f"{t},{','.join(repr(v) for v in row)}\n" for t, row in zip(
            [-100] * 20 + y.tolist(), rng.normal(size=(20, c)).tolist() + logits.tolist(), strict=True)))
    want = f"ECE {plain.ece():.4g}"
    for args in (["lp.csv", "--log-probs"], ["pad.csv", "--logits", "--ignore-index", "-100"]):
        code, _, err = run_cli(["eval", "scce", tmp_path / args[0], *args[1:], "--html", tmp_path / "r.html", "-q"],
                               capsys)
        assert code == 0, err
        assert want in (tmp_path / "r.html").read_text(), args
