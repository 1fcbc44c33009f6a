"""Reliability bins: the counts, means and ECE a direct computation gives, whatever the chunks."""

from __future__ import annotations

import re

import numpy as np
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
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
    assert np.flatnonzero(binary.count).tolist() == [int(0.25 * BINS), BINS - 1]  # 0.25 and 0.95
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


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 300), c=st.sampled_from([1, 3]), weighted=st.booleans(),
       convention=st.sampled_from(["losscli", "torch"]), cut=st.integers(1, 300))
def test_the_diagrams_ece_is_the_ece_losss_value(seed, n, c, weighted, convention, cut):
    """The diagram counted samples in ten bins where the ece loss weighs them in its own (15) bins: with
    sample weights the page showed another calibration error than the ece beside it."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0, 1, n) if c == 1 else rng.dirichlet(np.ones(c), n)
    y = rng.integers(0, 2 if c == 1 else c, n)
    sw = rng.uniform(0.01, 5, n) if weighted else None
    rel = Reliability.of("binary" if c == 1 else "multiclass", {}, convention)
    for start in range(0, n, cut):
        rel.add(y[start:start + cut], p[start:start + cut], None if sw is None else sw[start:start + cut])
    ece = losscli.evaluate("ece", y, p, sample_weight=sw, convention=convention)
    assert rel.ece().hex() == ece.value.hex()
    rows = [r for r in ece.details["reliability"] if r["weight"] > 0]
    assert [b["n"] for b in rel.table()] == [r["count"] for r in rows]
    assert [b["outcome"] for b in rel.table()] == [r["accuracy"] for r in rows]


def test_the_pages_ece_is_eval_eces_value_with_weights(tmp_path, capsys):
    """bce --weights: the diagram said ECE 0.2470 where eval ece gives 0.2465 for the same files."""
    rng = np.random.default_rng(0)
    n = 5000
    y, p, w = (rng.random(n) < 0.5).astype(int), rng.random(n), rng.random(n) * 3
    files = {"y": y.tolist(), "p": p.tolist(), "w": w.tolist()}
    for name, values in files.items():
        (tmp_path / f"{name}.csv").write_text(f"{name}\n" + "".join(f"{v!r}\n" for v in values))
    inputs = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--weights", tmp_path / "w.csv"]
    code, out, err = run_cli(["eval", "ece", *inputs, "-q"], capsys)
    assert code == 0, err
    ece = float(out)
    assert f"{ece:.4f}" == "0.2465"
    page = tmp_path / "r.html"
    code, _, err = run_cli(["eval", "bce", *inputs, "--html", page, "-q"], capsys)
    assert code == 0, err
    assert re.search(r"Reliability — [^<]*· +ECE 0\.2465<", page.read_text())
