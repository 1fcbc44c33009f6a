"""Generate ``lm_calibration_reference_values.json``: word/byte perplexity and equal-mass calibration bins.

Language models — lm-evaluation-harness's definitions (``lm_eval/api/metrics.py`` and ``lm_eval/api/task.py``):
a document's words are ``len(re.split(r"\\s+", doc))`` and its bytes ``len(doc.encode("utf-8"))``
(``count_words``/``count_bytes``); over a corpus of (loglikelihood, count) pairs ``weighted_perplexity`` is
``exp(-sum(ll) / sum(count))`` (word_perplexity and byte_perplexity) and ``bits_per_byte`` is
``-sum(ll) / sum(bytes) / log(2)``. These aggregations are restated below from the harness's text, fed with
the harness's counts of real documents and, for token rows, with torch's ``cross_entropy`` in float64
(``reduction='none'``, ``ignore_index=-100``).

Calibration — scikit-learn ``calibration_curve(y, p, n_bins=B, strategy='quantile')`` in float64 gives
the reliability bins (``prob_true``, ``prob_pred`` of the non-empty bins). The bin sizes are not returned,
so they are counted with the same edges (``np.percentile`` of the confidences) and the same assignment
(``searchsorted(edges[1:-1], p)``), after checking that these bins give scikit-learn's two arrays exactly;
ECE = Σ n_b/N |prob_true_b − prob_pred_b|, MCE = max_b |…|, RMSCE = √(Σ n_b/N (…)²).

How to rerun (from the repository root)::

    pip install torch==2.13.0 scikit-learn==1.9.1
    python tests/reference/generate_lm_calibration_reference.py

Case fields: ``id``, ``loss``, ``params``, ``y_true``, ``y_pred``, ``words``/``bytes`` (per row, or absent),
``groups`` (per row, or absent), ``expected_value``, ``expected`` (named values of the result; a
``table.column`` key is a column of a table), ``expected_groups`` (per group: named values),
``rtol``, ``atol``, ``source``.
"""

from __future__ import annotations

import importlib.metadata
import json
import math
import platform
import re
from pathlib import Path

import numpy as np

OUT = Path(__file__).with_name("lm_calibration_reference_values.json")
SEED = 20261206
RNG = np.random.default_rng(SEED)
CASES: list[dict] = []


# ------------------------------------------------------------------ lm-evaluation-harness, as its text says
def count_words(doc: str) -> int:
    return len(re.split(r"\s+", doc))


def count_bytes(doc: str) -> int:
    return len(doc.encode("utf-8"))


def weighted_mean(items):
    a, b = zip(*items, strict=True)
    return sum(a) / sum(b)


def weighted_perplexity(items):
    return math.exp(-weighted_mean(items))


def bits_per_byte(items):
    return -weighted_mean(items) / math.log(2)


def lm_values(ll: list[float], words: list[int], nbytes: list[int]) -> dict:
    return {"word_perplexity": weighted_perplexity(list(zip(ll, words, strict=True))),
            "byte_perplexity": weighted_perplexity(list(zip(ll, nbytes, strict=True))),
            "bits_per_byte": bits_per_byte(list(zip(ll, nbytes, strict=True))),
            "words": sum(words), "bytes": sum(nbytes)}


DOCUMENTS = [
    "The quick brown fox jumps over the lazy dog.",
    "Perplexity is the exponential of the average negative log-likelihood per token.",
    "Grüße aus Köln: Straße, Maß und Fuß brauchen mehr Bytes als Buchstaben.",
    "数据 压缩 与 语言 模型 密切 相关",
    "A  doubled   space\tand a tab\nand a newline all split words.",
    "émigré naïve café — déjà vu",
    "short",
    "Bits per byte compare models with different tokenizers on the same text.",
]


def add(case_id, loss, y, p, value, source, *, params=None, expected=None, words=None, nbytes=None, groups=None,
        expected_groups=None, rtol=1e-12, atol=1e-14):
    CASES.append({
        "id": case_id, "loss": loss, "params": params or {}, "y_true": np.asarray(y).tolist(),
        "y_pred": np.asarray(p).tolist(), **({"words": list(words)} if words is not None else {}),
        **({"bytes": list(nbytes)} if nbytes is not None else {}),
        **({"groups": list(groups)} if groups is not None else {}),
        "expected_value": value, "expected": expected or {},
        **({"expected_groups": expected_groups} if expected_groups is not None else {}),
        "rtol": rtol, "atol": atol, "source": source,
    })


def gen_documents() -> None:
    """One row per document: its summed log-likelihood (token_nll's single column) and its words/bytes."""
    ll = [-float(RNG.uniform(0.8, 4.0)) * count_bytes(d) / 3 for d in DOCUMENTS]
    words = [count_words(d) for d in DOCUMENTS]
    nbytes = [count_bytes(d) for d in DOCUMENTS]
    src = ("lm-evaluation-harness weighted_perplexity / bits_per_byte over (loglikelihood, count_words(doc) / "
           "count_bytes(doc)) of each document")
    for unit in ("nats", "bits"):
        mean = -sum(ll) / len(ll)
        add(f"token_nll_documents_{unit}", "token_nll", np.arange(len(ll)), ll,
            mean / (math.log(2) if unit == "bits" else 1.0), src, params={"unit": unit} if unit == "bits" else {},
            expected=lm_values(ll, words, nbytes), words=words, nbytes=nbytes)
    # a padding row (label −100) counts neither its log-likelihood nor its words and bytes
    y = np.arange(len(ll) + 1)
    y[3] = -100
    ll_pad = ll[:3] + [-7.5] + ll[3:]
    words_pad = words[:3] + [11] + words[3:]
    bytes_pad = nbytes[:3] + [40] + nbytes[3:]
    add("token_nll_documents_padding", "token_nll", y, ll_pad, -sum(ll) / len(ll), src + "; the −100 row left out",
        expected=lm_values(ll, words, nbytes), words=words_pad, nbytes=bytes_pad)


def gen_tokens() -> None:
    """One row per token (logits over a vocabulary); a document's words and bytes spread over its tokens."""
    import torch
    import torch.nn.functional as F

    v = 40
    docs = DOCUMENTS[:5]
    rows_y, rows_x, rows_w, rows_b, rows_g = [], [], [], [], []
    per_doc: dict[str, dict] = {}
    for k, doc in enumerate(docs):
        pieces = re.findall(r"\S+|\s+", doc)  # the document's text, cut into tokens that cover it
        n = len(pieces)
        logits = RNG.normal(0, 2.0, (n, v))
        tokens = RNG.integers(0, v, n)
        nll = F.cross_entropy(torch.tensor(logits), torch.tensor(tokens), reduction="none").numpy()
        wcount = [1 if not p.isspace() else 0 for p in pieces]
        bcount = [count_bytes(p) for p in pieces]
        # the harness counts split pieces: a leading/trailing space or a blank document adds one
        assert sum(wcount) == count_words(doc) and sum(bcount) == count_bytes(doc), doc
        name = f"doc{k}"
        per_doc[name] = {**lm_values([-float(nll.sum())], [count_words(doc)], [count_bytes(doc)]),
                         "perplexity": math.exp(float(nll.mean()))}
        rows_y += tokens.tolist()
        rows_x += logits.tolist()
        rows_w += wcount
        rows_b += bcount
        rows_g += [name] * n
    y = np.array(rows_y)
    x = np.array(rows_x)
    # padding rows (−100): nothing of them counts, whatever their counts say
    pad = np.array([2, 9, 17])
    y[pad] = -100
    w = np.array(rows_w)
    b = np.array(rows_b)
    nll = F.cross_entropy(torch.tensor(x), torch.tensor(y), reduction="none", ignore_index=-100).numpy()
    keep = y != -100
    ll_total = -float(nll[keep].sum())
    doc_ll, doc_w, doc_b = [], [], []
    groups = np.array(rows_g)
    expected_groups = {}
    for name in per_doc:
        m = (groups == name) & keep
        doc_ll.append(-float(nll[m].sum()))
        doc_w.append(int(w[m].sum()))
        doc_b.append(int(b[m].sum()))
        expected_groups[name] = {**lm_values([doc_ll[-1]], [doc_w[-1]], [doc_b[-1]]),
                                 "perplexity": math.exp(-doc_ll[-1] / int(m.sum()))}
    src = ("torch.nn.functional.cross_entropy(logits, tokens, reduction='none', ignore_index=-100) in float64, "
           "aggregated by lm-evaluation-harness weighted_perplexity / bits_per_byte over the documents' "
           "(Σ loglikelihood, Σ words / Σ bytes) of the counted tokens")
    value = -ll_total / int(keep.sum())
    assert abs(sum(doc_ll) - ll_total) < 1e-9
    for unit in ("nats", "bits"):
        add(f"scce_tokens_{unit}", "scce", y, x, value / (math.log(2) if unit == "bits" else 1.0), src,
            params={"from_logits": True, "ignore_index": -100, **({"unit": "bits"} if unit == "bits" else {})},
            expected={**lm_values(doc_ll, doc_w, doc_b), "perplexity": math.exp(value)}, words=w.tolist(),
            nbytes=b.tolist(), groups=rows_g, expected_groups=expected_groups, rtol=1e-11)
    logp = F.log_softmax(torch.tensor(x), dim=1).numpy()
    true_lp = logp[np.arange(len(y)), np.maximum(y, 0)]
    add("token_nll_tokens", "token_nll", y, true_lp, value, src + "; given log_softmax(logits)[i, token_i]",
        expected={**lm_values(doc_ll, doc_w, doc_b), "perplexity": math.exp(value)}, words=w.tolist(),
        nbytes=b.tolist(), groups=rows_g, expected_groups=expected_groups, rtol=1e-11)


# ------------------------------------------------------------------ scikit-learn's equal-mass bins
def _sklearn_bins(y, p, n_bins):
    """scikit-learn's (prob_true, prob_pred) and the matching bin sizes (checked to give the same arrays)."""
    from sklearn.calibration import calibration_curve

    prob_true, prob_pred = calibration_curve(y, p, n_bins=n_bins, strategy="quantile")
    edges = np.percentile(p, np.linspace(0, 1, n_bins + 1) * 100)
    ids = np.searchsorted(edges[1:-1], p)
    total = np.bincount(ids, minlength=n_bins)
    nz = total > 0
    again_true = np.bincount(ids, weights=y, minlength=n_bins)[nz] / total[nz]
    again_pred = np.bincount(ids, weights=p, minlength=n_bins)[nz] / total[nz]
    assert np.array_equal(again_true, prob_true) and np.array_equal(again_pred, prob_pred)
    return prob_true, prob_pred, total[nz], edges


def _errors(prob_true, prob_pred, counts):
    gap = np.abs(prob_true - prob_pred)
    share = counts / counts.sum()
    return {"ece": float(np.sum(share * gap)), "mce": float(np.max(gap)),
            "rmsce": float(math.sqrt(np.sum(share * gap**2)))}


def _add_quantile(case_id, y_true, y_pred, hits, conf, n_bins, source, params=None):
    prob_true, prob_pred, counts, edges = _sklearn_bins(hits, conf, n_bins)
    errs = _errors(prob_true, prob_pred, counts)
    for loss, value in errs.items():
        add(f"{loss}_{case_id}", loss, y_true, y_pred, value,
            f"{source}; sklearn.calibration.calibration_curve(..., n_bins={n_bins}, strategy='quantile') bins",
            params={"n_bins": n_bins, "strategy": "quantile", **(params or {})},
            expected={"reliability.accuracy": prob_true.tolist(), "reliability.confidence": prob_pred.tolist(),
                      "reliability.count": counts.tolist()}, rtol=1e-12, atol=1e-15)


def gen_quantile() -> None:
    n = 400
    p = RNG.uniform(0, 1, n)
    p[:6] = [0.0, 0.0, 1.0, 1.0, 1.0, 0.0]  # confidences of exactly 0 and 1
    y = (RNG.random(n) < p).astype(int)
    for b in (5, 10, 15):
        _add_quantile(f"binary_b{b}", y, p, y, p, b, "binary, positive class")
    ties = np.round(RNG.beta(2, 5, 300), 1)  # 11 distinct values: tied percentiles leave empty bins
    yt = (RNG.random(300) < ties).astype(int)
    _add_quantile("binary_ties_b10", yt, ties, yt, ties, 10, "binary, confidences rounded to 0.1 (tied edges)")
    c = 4
    logits = RNG.normal(0, 1.5, (n, c))
    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    yc = np.where(RNG.random(n) < 0.6, np.argmax(probs, axis=1), RNG.integers(0, c, n))
    conf = probs.max(axis=1)
    hit = (probs.argmax(axis=1) == yc).astype(int)
    for b in (5, 12):
        _add_quantile(f"multiclass_top_label_b{b}", yc, probs, hit, conf, b,
                      "multiclass top label: confidence max_c p_c, outcome argmax = label")
    _add_quantile("multiclass_top_label_logits_b8", yc, logits, hit, conf, 8,
                  "multiclass top label from softmax(logits)", params={"from_logits": True})
    # class-wise: every class binned on its own, the errors averaged over classes
    per_class = [_sklearn_bins((yc == k).astype(int), probs[:, k], 6) for k in range(c)]
    errs = [_errors(t, q, m) for t, q, m, _ in per_class]
    for loss in ("ece", "mce", "rmsce"):
        add(f"{loss}_classwise_b6", loss, yc, probs, float(np.mean([e[loss] for e in errs])),
            "class-wise: sklearn.calibration.calibration_curve(y == c, p[:, c], n_bins=6, strategy='quantile') "
            "per class, errors averaged over classes", params={"n_bins": 6, "strategy": "quantile", "classwise": True},
            expected={"reliability.accuracy": np.concatenate([t for t, _, _, _ in per_class]).tolist(),
                      "reliability.confidence": np.concatenate([q for _, q, _, _ in per_class]).tolist()},
            rtol=1e-12, atol=1e-15)


def versions() -> dict:
    out = {"python": platform.python_version(), "numpy": np.__version__}
    for dist in ("scikit-learn", "torch"):
        try:
            out[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            out[dist] = None
    return out


def main() -> None:
    for gen in (gen_documents, gen_tokens, gen_quantile):
        gen()
    doc = {"generated_by": "tests/reference/generate_lm_calibration_reference.py", "seed": SEED,
           "versions": versions(), "cases": CASES}
    OUT.write_text(json.dumps(doc, indent=1, allow_nan=False) + "\n", encoding="utf-8")
    print(f"wrote {len(CASES)} cases to {OUT}")


if __name__ == "__main__":
    main()
