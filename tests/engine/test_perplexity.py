"""Cross-entropy as a language-model metric: perplexity, bits, padding, per-document values, large vocabularies."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

import losscli
from losscli.chunking import default_chunk_rows


@settings(max_examples=40, deadline=None)
@given(v=st.integers(2, 5000), n=st.integers(1, 30), shift=st.floats(-50, 50), bits=st.booleans())
def test_perplexity_of_a_uniform_predictor_over_v_classes_is_v(v, n, shift, bits):
    rng = np.random.default_rng(v)
    tokens = rng.integers(0, v, n)
    unit = "bits" if bits else "nats"
    from_logits = losscli.evaluate("scce", tokens, np.full((n, v), shift), from_logits=True, unit=unit)
    from_probs = losscli.evaluate("scce", tokens, np.full((n, v), 1.0 / v), unit=unit)
    for r in (from_logits, from_probs):
        assert r.metrics["perplexity"] == pytest.approx(v, rel=1e-12)
        assert r.value == pytest.approx(math.log2(v) if bits else math.log(v), rel=1e-12)


@pytest.mark.parametrize("loss,y,p", [
    ("bce", [1, 0, 1], [0.9, 0.2, 0.6]),
    ("cce", [[1, 0, 0], [0, 0, 1]], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]),
    ("scce", [0, 2], [[0.7, 0.2, 0.1], [0.1, 0.3, 0.6]]),
])
def test_bits_are_nats_over_ln2_and_the_perplexity_is_the_same(loss, y, p):
    nats = losscli.evaluate(loss, y, p)
    bits = losscli.evaluate(loss, y, p, unit="bits")
    assert bits.value == pytest.approx(nats.value / math.log(2), rel=1e-14)
    np.testing.assert_allclose(bits.per_sample, nats.per_sample / math.log(2), rtol=1e-14)
    assert bits.metrics["perplexity"] == pytest.approx(nats.metrics["perplexity"], rel=1e-13)
    assert nats.metrics["perplexity"] == pytest.approx(math.exp(nats.value), rel=1e-14)


def test_padding_is_excluded_from_the_corpus_perplexity():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 1, (50, 7))
    y = rng.integers(0, 7, 50)
    y[::5] = -100
    r = losscli.evaluate("scce", y, x, from_logits=True, ignore_index=-100)
    keep = y != -100
    lp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    nll = -lp[np.arange(50)[keep], y[keep]]
    assert r.ignored == 10 and r.n == 40
    assert r.metrics["perplexity"] == pytest.approx(math.exp(nll.sum() / keep.sum()), rel=1e-12)


def test_sum_has_no_perplexity_and_other_losses_take_no_unit():
    assert "perplexity" not in losscli.evaluate("bce", [1, 0], [0.8, 0.3], reduction="sum").metrics
    with pytest.raises(losscli.errors.ParameterError, match="unit"):
        losscli.evaluate("mse", [1.0], [0.5], unit="bits")
    with pytest.raises(losscli.errors.ParameterError, match="nats, bits"):
        losscli.evaluate("bce", [1], [0.5], unit="bans")


def test_per_document_perplexities_sit_beside_the_corpus_one(tmp_path, capsys):
    rng = np.random.default_rng(3)
    v, n = 6, 30
    x = rng.normal(0, 1.5, (n, v))
    y = rng.integers(0, v, n)
    y[::4] = -100
    docs = np.repeat(["a", "b", "c"], [5, 10, 15])
    lines = ["doc,token," + ",".join(f"l{j}" for j in range(v))]
    lines += [f"{docs[i]},{y[i]}," + ",".join(repr(float(t)) for t in x[i]) for i in range(n)]
    path = tmp_path / "lm.csv"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(["eval", "scce", path, "--label-cols", "token", "--pred-cols", "l*", "--logits",
                              "--ignore-index", "-100", "--group-col", "doc", "--json", "--summary-only"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    lp = x - np.log(np.exp(x).sum(axis=1, keepdims=True))
    nll = np.where(y >= 0, -lp[np.arange(n), np.maximum(y, 0)], 0.0)
    keep = y >= 0
    assert doc["perplexity"] == pytest.approx(math.exp(nll.sum() / keep.sum()), rel=1e-12)
    per_doc = {d: math.exp(nll[(docs == d) & keep].sum() / ((docs == d) & keep).sum()) for d in "abc"}
    got = {g["group"]: g["perplexity"] for g in doc["by_group"]["groups"]}
    assert got == pytest.approx(per_doc, rel=1e-12)
    assert doc["by_group"]["mean_of_group_perplexities"] == pytest.approx(np.mean(list(per_doc.values())), rel=1e-12)
    assert doc["by_group"]["mean_of_group_perplexities"] != pytest.approx(doc["perplexity"], rel=1e-6)


def test_a_128k_vocabulary_in_float16_streams_in_small_chunks(tmp_path, capsys):
    v, n = 131072, 40
    assert default_chunk_rows(v) == 32 and default_chunk_rows(262144) == 16
    rng = np.random.default_rng(5)
    x = rng.normal(0, 2, (n, v)).astype(np.float16)
    y = rng.integers(0, v, n)
    y[-3:] = -100
    np.save(tmp_path / "logits.npy", x)
    np.save(tmp_path / "tokens.npy", y)
    code, out, err = run_cli(["eval", "scce", "--labels", tmp_path / "tokens.npy", "--preds", tmp_path / "logits.npy",
                              "--logits", "--ignore-index", "-100", "--unit", "bits", "--json", "--summary-only"],
                             capsys)
    assert code == 0, err
    doc = json.loads(out)
    xf = x.astype(np.float64)[:-3]
    m = xf.max(axis=1, keepdims=True)
    lse = (m + np.log(np.exp(xf - m).sum(axis=1, keepdims=True)))[:, 0]
    nll = lse - xf[np.arange(n - 3), y[:-3]]
    assert doc["n"] == n - 3 and doc["ignored"] == 3
    assert doc["value"] == pytest.approx(nll.mean() / math.log(2), rel=1e-12)
    assert doc["perplexity"] == pytest.approx(math.exp(nll.mean()), rel=1e-12)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(1, 60), v=st.integers(2, 300), bits=st.booleans())
def test_true_token_log_probs_give_the_cross_entropy_of_the_full_logits(seed, n, v, bits):
    rng = np.random.default_rng(seed)
    x = rng.normal(0, 3, (n, v))
    y = rng.integers(0, v, n)
    y[rng.random(n) < 0.2] = -100
    if (y == -100).all():
        y[0] = 0
    lp = x - np.log(np.exp(x - x.max(axis=1, keepdims=True)).sum(axis=1, keepdims=True)) - x.max(axis=1, keepdims=True)
    true = lp[np.arange(n), np.maximum(y, 0)]
    unit = "bits" if bits else "nats"
    full = losscli.evaluate("scce", y, x, from_logits=True, ignore_index=-100, unit=unit)
    column = losscli.evaluate("token_nll", y, true, unit=unit)
    assert column.value == pytest.approx(full.value, rel=1e-12)
    assert column.metrics["perplexity"] == pytest.approx(full.metrics["perplexity"], rel=1e-12)
    assert column.n == full.n and column.ignored == full.ignored


def test_a_positive_log_probability_is_refused_with_its_row(tmp_path, capsys):
    path = tmp_path / "tokens.csv"
    path.write_text("token,logprob\n5,-0.5\n7,0.25\n")
    code, out, err = run_cli(["eval", "token_nll", path, "--label-cols", "token", "--pred-cols", "logprob"], capsys)
    assert code == 3 and out == ""
    assert "tokens.csv" in err and "row 3" in err and "0.25" in err and "log(p)" in err
