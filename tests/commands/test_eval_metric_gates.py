"""`--max`/`--min` on the values a cross-entropy derives: perplexity, word/byte perplexity, bits per byte."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import pytest
from cli_helpers import invoke

from losscli.errors import UsageError
from losscli.quality import gates as G


@pytest.fixture
def lm(sample):
    return ["eval", "token_nll", sample / "lm_documents.csv", "--label-cols", "doc_id", "--pred-cols",
            "loglikelihood", "--words-col", "words", "--bytes-col", "bytes"]


WORD_PPL, BPB, VALUE = 69.64332680635017, 1.0287512566693366, 32.355825  # the sample's, see the README


def test_metric_limits_pass_and_fail_by_name(runner, lm):
    r = invoke(runner, [*lm, "--max", "word_perplexity=70", "--min", "bits_per_byte=1", "-q"])
    assert r.exit_code == 0, r.stderr
    assert float(r.stdout) == VALUE and r.stderr == ""
    r = invoke(runner, [*lm, "--max", "word_perplexity=60", "--max", "bits_per_byte=1.1", "-q"])
    assert r.exit_code == 1
    assert r.stderr == "FAIL token_nll word_perplexity 69.6433 > max 60 (n=8)\n"
    r = invoke(runner, [*lm, "--min", "bits-per-byte=1.03", "-q"])
    assert r.exit_code == 1 and r.stderr == "FAIL token_nll bits_per_byte 1.02875 < min 1.03 (n=8)\n"


def test_a_metric_limit_and_a_loss_limit_are_both_checked(runner, lm):
    r = invoke(runner, [*lm, "--max", "40", "--max", "word_perplexity=60", "--json"])
    assert r.exit_code == 1
    checks = json.loads(r.stdout)["checks"]
    assert [(c["check"], c["status"], c.get("metric")) for c in checks] == [
        ("token_nll max", "pass", None), ("token_nll word_perplexity max", "fail", "word_perplexity")]
    assert checks[1]["value"] == WORD_PPL and checks[1]["limit"] == 60


def test_perplexity_of_a_binary_cross_entropy(runner, sample):
    args = ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_probs.csv", "-q"]
    r = invoke(runner, [*args, "--max", "perplexity=1.2"])
    assert r.exit_code == 1 and r.stderr.startswith("FAIL binary_crossentropy perplexity 1.39888 > max 1.2")
    assert math.isclose(math.exp(float(r.stdout)), 1.398877787929469, rel_tol=1e-15)


def test_a_metric_no_loss_reports_is_a_usage_error_and_its_hint_works(runner, sample, lm):
    bare = lm[:-4]  # no counts
    r = invoke(runner, [*bare, "--max", "word_perplexity=70", "-q"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "--max names word_perplexity, which no evaluated loss reports" in r.stderr
    assert "needs --words-col or --words" in r.stderr
    r = invoke(runner, [*bare, "--words-col", "words", "--max", "word_perplexity=70", "-q"])  # the hint, followed
    assert r.exit_code == 0, r.stderr
    r = invoke(runner, ["eval", "mse", sample / "regression.csv", "--min", "perplexity=1", "-q"])
    assert r.exit_code == 2 and "which no evaluated loss reports" in r.stderr


def test_metrics_take_only_absolute_limits():
    with pytest.raises(UsageError, match="--max-increase applies to losses"):
        G.parse_limits(["word_perplexity=1"], "--max-increase")
    with pytest.raises(UsageError, match="given twice for word_perplexity"):
        G.parse_limits(["word_perplexity=1", "word_perplexity=2"], "--max")
    lims = G.parse_limits(["0.5", "word_perplexity=70", "bce=0.3"], "--max")
    assert [(lim.loss, lim.metric) for lim in lims] == [(None, None), (None, "word_perplexity"),
                                                        ("binary_crossentropy", None)]
    assert G.limit_for(lims, "token_nll").value == 0.5  # a metric's limit is no loss's


def test_undefined_metric_fails(runner, tmp_path):
    f = tmp_path / "docs.csv"
    f.write_text("doc,ll,words\n0,-3.5,0\n1,-2.0,0\n")
    r = invoke(runner, ["eval", "token_nll", f, "--label-cols", "doc", "--pred-cols", "ll", "--words-col", "words",
                        "--max", "word_perplexity=70", "-q"])
    assert r.exit_code == 1
    assert "FAIL token_nll word_perplexity is undefined: it cannot be compared with max 70 (n=2)" in r.stderr


def test_check_files_and_openmetrics(tmp_path, sample):
    cfg = tmp_path / "losscheck.toml"
    cfg.write_text(f'''
[[check]]
name = "lm"
loss = "token_nll"
data = "{sample / 'lm_documents.csv'}"
label_cols = "doc_id"
pred_cols = "loglikelihood"
words_col = "words"
bytes_col = "bytes"
max = ["word_perplexity=60", 40]
''')
    om = tmp_path / "metrics.txt"
    r = subprocess.run([sys.executable, "-m", "losscli", "check", str(cfg), "--openmetrics", str(om)],
                       capture_output=True, text=True)
    assert r.returncode == 1, r.stderr
    assert "FAIL lm: token_nll word_perplexity 69.6433 > max 60 (n=8)" in r.stderr
    text = om.read_text()
    assert f'metric="word_perplexity"}} {WORD_PPL!r}' in text and f'metric="bits_per_byte"}} {BPB!r}' in text
    assert 'losscli_check{check="lm word_perplexity max",status="fail"} 0' in text


def test_a_perplexity_limit_on_a_value_of_no_samples_fails(runner, tmp_path):
    """Keras gives 0 when every row is ignored, so perplexity 1: a --max perplexity passed on it (exit 0)
    where --max on the value itself fails."""
    (tmp_path / "d.csv").write_text("y,l0,l1\n-1,0.2,0.3\n-1,0.1,0.5\n")
    args = ["eval", "scce", tmp_path / "d.csv", "--logits", "--ignore-index", "-1", "--convention", "keras", "-q"]
    r = invoke(runner, [*args, "--max", "perplexity=2"])
    assert r.exit_code == 1 and float(r.stdout) == 0.0
    assert r.stderr.startswith("FAIL sparse_categorical_crossentropy perplexity") and "of no samples" in r.stderr
    r = invoke(runner, [*args, "--min", "perplexity=0.5"])
    assert r.exit_code == 1 and "of no samples" in r.stderr
