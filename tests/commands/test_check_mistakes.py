"""`losscli check`: a mistake that depends on the check file alone is a usage error (exit 2) naming the check
before any check runs: nothing on stdout, no file written, and never a gate left unevaluated behind a WARN."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli


@pytest.fixture
def project(tmp_path):
    rng = np.random.default_rng(2)
    n = 300
    y, p = rng.integers(0, 2, n), np.clip(rng.random(n), 0.01, 0.99)
    (tmp_path / "t1.csv").write_text("y,p\n" + "".join(f"{a},{float(b)!r}\n" for a, b in zip(y, p, strict=True)))
    return tmp_path


GOOD = '''[defaults]
data = "t1.csv"
label_cols = "y"
pred_cols = "p"

[[check]]
name = "good"
loss = "bce"
max = 2
baseline = "base.json"
max_increase = 0.1
'''


def _run(project, capsys, text, *extra):
    cfg = project / "losscheck.toml"
    cfg.write_text(text)
    return run_cli(["check", cfg, "--json", *extra], capsys)


@pytest.mark.parametrize("mistake, said", [
    ('loss = "bce,brier"', "give one loss here, not 2"),
    ('loss = "bce"\nmax = "huber=1"', "--max names huber, which is not evaluated"),
    ('loss = "bce"\nmax_group = "brier=1"\ngroup_col = "y"', "--max-group names brier, which is not evaluated"),
    ('loss = "bce"\nmax = "word_perplexity=60"', "word_perplexity, which no evaluated loss reports"),
    ('loss = "bce"\nbaseline_preds = "t1.csv"', "baseline_preds needs labels and preds"),
    ('loss = "r2"\ngroup_col = "y"', "r2 is a summary metric"),
    ('loss = "r2"\nci = 0.9', "r2 is a summary metric"),
    # found with the check's data: a column the file lacks, slices of a loss on real values
    ('loss = "bce"\nweight_col = "w"', "--weight-col"),
    ('loss = "huber"\nby_class = true', "--by-class"),
])
@pytest.mark.parametrize("warn", [False, True])
def test_a_mistake_of_the_check_file_is_found_before_any_check_runs(project, capsys, mistake, said, warn):
    """These were raised in the check's own run: the other checks had run, a full report was on stdout and
    the baseline was written, with exit 2 (an ERROR row); with warn = true, a WARN "(not evaluated)" and
    exit 0."""
    text = GOOD + f'\n[[check]]\nname = "bad"\n{mistake}\n' + ("warn = true\n" if warn else "")
    code, out, err = _run(project, capsys, text, "--update-baseline")
    assert code == 2 and out == ""
    assert "check 'bad'" in err and said in err
    assert not (project / "base.json").exists()


@pytest.mark.parametrize("key, needed", [
    ("bootstrap = 500", "ci or baseline_preds"),
    ("seed = 3", "ci or baseline_preds"),
    ("confidence = 0.9", "baseline_preds"),
    ("force = true", "baseline"),
])
def test_a_key_that_sets_a_key_the_check_lacks_is_a_usage_error(project, capsys, key, needed):
    """The command line refuses --bootstrap and --seed without --ci, and --force without --baseline (and
    --confidence is compare's, always a comparison); a check file took them and did nothing (exit 0)."""
    text = GOOD + f'\n[[check]]\nname = "plain"\nloss = "brier"\n{key}\n'
    code, out, err = _run(project, capsys, text)
    assert code == 2 and out == ""
    assert "check 'plain'" in err and f"has no {needed}" in err


def test_a_default_is_refused_only_when_no_check_takes_it(project, capsys):
    """(A key set to false changes nothing, and is taken.)"""
    text = GOOD.replace("[defaults]\n", "[defaults]\nseed = 3\n")
    code, out, err = _run(project, capsys, text)
    assert code == 2 and out == "" and "[defaults]: seed" in err and "no check has ci or baseline_preds" in err
    code, out, err = _run(project, capsys, text + '\n[[check]]\nname = "interval"\nloss = "brier"\nci = 0.9\n',
                          "--update-baseline")
    assert code == 0, err
    assert json.loads(out)["results"][1]["ci"]["seed"] == 3
    code, _, err = _run(project, capsys, GOOD + '\n[[check]]\nname = "plain"\nloss = "brier"\nforce = false\n',
                        "--update-baseline")
    assert code == 0, err

