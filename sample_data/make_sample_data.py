"""Regenerate the files in sample_data/ (deterministic): ``python sample_data/make_sample_data.py``."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

HERE = Path(__file__).parent
rng = np.random.default_rng(20261121)


def write_csv(name: str, header: list[str], rows: list[list[object]]) -> None:
    with open(HERE / name, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


def fmt(x: float) -> str:
    return f"{x:.6f}"


# Binary: a fraud-style classifier, 200 samples, labels/probabilities/logits/weights in separate files.
n = 200
y = (rng.random(n) < 0.3).astype(int)
logit = rng.normal(1.6 * (2 * y - 1), 1.3)
prob = 1.0 / (1.0 + np.exp(-logit))
write_csv("binary_labels.csv", ["label"], [[int(v)] for v in y])
write_csv("binary_probs.csv", ["p"], [[fmt(v)] for v in prob])
write_csv("binary_logits.csv", ["logit"], [[fmt(v)] for v in logit])
write_csv("binary_weights.csv", ["weight"], [[fmt(3.0 if v else 1.0)] for v in y])

# Multiclass (3 classes): one-hot labels and probabilities as CSV; class indices and logits as NPY.
classes = ["cat", "dog", "bird"]
n = 150
k = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
logits = rng.normal(0.0, 1.0, size=(n, 3))
logits[np.arange(n), k] += 1.8
probs = np.exp(logits - logits.max(axis=1, keepdims=True))
probs /= probs.sum(axis=1, keepdims=True)
onehot = np.eye(3, dtype=int)[k]
write_csv("multiclass_onehot.csv", classes, onehot.tolist())
write_csv("multiclass_probs.csv", [f"p_{c}" for c in classes], [[fmt(v) for v in row] for row in probs])
np.save(HERE / "multiclass_labels.npy", k.astype(np.int64))
np.save(HERE / "multiclass_logits.npy", logits.astype(np.float32))

# One file with string class labels and an id column: the label maps to the probability column by name.
write_csv(
    "animals.csv",
    ["id", "label", "cat", "dog", "bird"],
    [[f"img_{i:04d}", classes[c]] + [fmt(v) for v in row] for i, (c, row) in enumerate(zip(k, probs, strict=True))],
)

# Regression: house prices (in 100k) with a heavy-tailed error, one file with y_true and y_pred.
n = 120
truth = rng.gamma(4.0, 0.8, size=n)
pred = truth + rng.standard_t(3, size=n) * 0.4
write_csv("regression.csv", ["y_true", "y_pred"], [[fmt(a), fmt(b)] for a, b in zip(truth, pred, strict=True)])

# Quality gates: a retrained binary model's probabilities for the same 200 samples, with the region each
# sample comes from (a slice column for --group-col). The new model is slightly better overall but worse on
# the small "south" region — the regression a per-group gate catches.
n = 200
region = rng.choice(["north", "east", "west", "south"], size=n, p=[0.35, 0.3, 0.25, 0.1])
shift = np.where(region == "south", -1.2, 0.25) * (2 * y - 1)
cand_logit = logit + shift + rng.normal(0.0, 0.3, size=n)
cand_prob = 1.0 / (1.0 + np.exp(-cand_logit))
write_csv("binary_candidate.csv", ["p", "region"], [[fmt(p), r] for p, r in zip(cand_prob, region, strict=True)])

# A multiple-choice benchmark as lm-evaluation-harness writes it with --log_samples: one JSON object per
# question, the log-likelihood of each of the 4 answers in filtered_resps[i][0] (as text, as the harness
# writes it), the index of the right answer in target.
n = 60
gold = rng.integers(0, 4, size=n)
loglik = -rng.gamma(3.0, 2.5, size=(n, 4))
loglik[np.arange(n), gold] += rng.normal(2.5, 2.0, size=n)
with open(HERE / "lm_eval_samples.jsonl", "w") as fh:
    for i in range(n):
        record = {
            "doc_id": i,
            "doc": {"question": f"question {i}", "choices": ["A", "B", "C", "D"], "answer": int(gold[i])},
            "target": int(gold[i]),
            "arguments": {f"gen_args_{j}": {"arg_0": f"question {i}", "arg_1": " " + "ABCD"[j]} for j in range(4)},
            "resps": [[[f"{v:.4f}", "False"]] for v in loglik[i]],
            "filtered_resps": [[f"{v:.4f}", str(bool(j == np.argmax(loglik[i])))] for j, v in enumerate(loglik[i])],
            "filter": "none",
            "metrics": ["acc"],
            "acc": float(np.argmax(loglik[i]) == gold[i]),
        }
        fh.write(json.dumps(record) + "\n")

# Language-model documents: one row per document, its summed log-likelihood (nats) and its words and bytes
# as lm-evaluation-harness counts them (len(re.split(r"\s+", doc)), len(doc.encode("utf-8"))).
import re  # noqa: E402

docs = [
    "The quick brown fox jumps over the lazy dog.",
    "Perplexity is the exponential of the average negative log-likelihood.",
    "Grüße aus Köln: Straße, Maß und Fuß.",
    "Bits per byte compare models that use different tokenizers.",
    "A short line.",
    "数据 压缩 与 语言 模型",
    "Calibration asks whether a confidence of 0.8 is right 80% of the time.",
    "émigré naïve café — déjà vu",
]
lm_rng = np.random.default_rng(20261205)
write_csv("lm_documents.csv", ["doc_id", "loglikelihood", "words", "bytes"],
          [[k, f"{-lm_rng.uniform(0.5, 1.2) * len(d.encode('utf-8')):.4f}", len(re.split(r'\s+', d)),
            len(d.encode("utf-8"))] for k, d in enumerate(docs)])

# Two binary models scored on the 200 samples of binary_labels.csv, for a leaderboard (--preds with a glob):
# model_a is overconfident, model_b the better calibrated of the two. A generator of their own keeps the
# files above as they are.
run_rng = np.random.default_rng(20261206)
(HERE / "runs").mkdir(exist_ok=True)
for name, scale, noise in (("model_a", 1.9, 1.4), ("model_b", 1.0, 0.7)):
    z = scale * (logit + run_rng.normal(0.0, noise, size=len(y)))
    write_csv(f"runs/{name}.csv", ["p"], [[fmt(v)] for v in 1.0 / (1.0 + np.exp(-z))])

# One dataset of 3-class logits in three shards, as a job array writes them (Parquet and CSV alike): a label,
# three logits and a sample weight; part-10 comes after part-2 in natural order, and the writer of its
# Parquet shard put the columns in another order (read by name).
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

(HERE / "scores").mkdir(exist_ok=True)
for part, rows in (("part-1", 70), ("part-2", 50), ("part-10", 40)):
    label = run_rng.choice(3, size=rows, p=[0.5, 0.3, 0.2])
    z = run_rng.normal(0.0, 1.0, size=(rows, 3)).round(4)
    z[np.arange(rows), label] += 1.5
    w = run_rng.choice([1.0, 2.0], size=rows)
    cols = {"label": label, "cat": z[:, 0], "dog": z[:, 1], "bird": z[:, 2], "w": w}
    order = ["w", "bird", "dog", "cat", "label"] if part == "part-10" else list(cols)
    pq.write_table(pa.table({c: cols[c] for c in order}), HERE / "scores" / f"{part}.parquet")
    write_csv(f"scores/{part}.csv", list(cols), [[int(r[0]), *(f"{v:g}" for v in r[1:])]
                                                 for r in zip(*cols.values(), strict=True)])
