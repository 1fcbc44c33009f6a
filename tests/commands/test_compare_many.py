"""`losscli compare` with several --preds: ranked candidates, each paired with the baseline, Holm-corrected
verdicts and --fail-if-worse, in every format and the HTML report."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke


@pytest.fixture
def files(tmp_path):
    """400 labelled samples, a baseline, a clearly worse candidate, a slightly worse one (bootstrap p-value
    about 0.026: significant alone, not after Holm's correction when a candidate with a larger p-value is
    in the family), a better one and one that differs from the baseline by noise (a large p-value)."""
    rng = np.random.default_rng(4)
    n = 400
    y = (rng.random(n) < 0.4).astype(int)
    logit = rng.normal(2.0 * (2 * y - 1), 1.0)
    sides = {
        "base": logit,
        "worse": 0.5 * logit + rng.normal(0, 0.3, n),
        "slight": logit * 0.97 + np.random.default_rng(100).normal(0, 0.15, n),
        "better": 1.4 * logit,
        "tiny": logit + np.random.default_rng(5).normal(0, 0.01, n),
    }
    out = {"dir": tmp_path}
    (tmp_path / "y.csv").write_text("label\n" + "".join(f"{v}\n" for v in y))
    out["labels"] = tmp_path / "y.csv"
    for name, lo in sides.items():
        p = np.round(1 / (1 + np.exp(-lo)), 6)
        (tmp_path / f"{name}.csv").write_text("p\n" + "".join(f"{v}\n" for v in p))
        out[name] = tmp_path / f"{name}.csv"
    return out


def name(c):
    return Path(c["candidate"]["file"]).name


def cmp(f, *cands, extra=(), fmt="--json"):
    args = ["compare", "bce", "--labels", f["labels"], "--baseline-preds", f["base"]]
    for c in cands:
        args += ["--preds", f[c]]
    return [*args, *extra, fmt]


def test_each_candidate_is_its_own_paired_comparison_ranked_best_first(runner, files):
    r = invoke(runner, cmp(files, "worse", "slight", "better", "tiny"))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["correction"]["method"] == "holm" and doc["correction"]["family"] == 4
    assert doc["correction"]["alpha"] == 0.05
    ranked = doc["candidates"]
    assert [c["rank"] for c in ranked] == [1, 2, 3, 4]
    assert [name(c) for c in ranked] == ["better.csv", "tiny.csv", "slight.csv", "worse.csv"]
    values = [c["candidate"]["value"] for c in ranked]
    assert values == sorted(values)
    for c in ranked:
        # the same numbers as comparing that candidate alone (same seed, same resamples)
        alone = json.loads(invoke(runner, cmp(files, name(c)[:-4])).stdout)
        assert alone["baseline"] == doc["baseline"]
        assert c["candidate"] == alone["candidate"] and c["samples"] == alone["samples"]
        assert c["worst"] == alone["worst"] and c["n"] == alone["n"]
        assert c["difference"]["ci"] == alone["difference"]["ci"]
        assert c["difference"]["mean"] == alone["difference"]["mean"]
        assert c["verdict_uncorrected"] == alone["verdict"]
        assert "p_value" not in alone["difference"]  # one candidate: today's document, unchanged
    p = {name(c): c["difference"]["p_value"] for c in ranked}
    adj = {name(c): c["difference"]["p_adjusted"] for c in ranked}
    assert 0.05 / 2 < p["slight.csv"] < 0.05  # significant alone; not after Holm over two or more
    assert p["tiny.csv"] > 0.1
    # Holm by hand: sorted p-values times 4, 3, 2, 1, running maximum
    order = sorted(p, key=p.get)
    running = 0.0
    for k, file in enumerate(order):
        running = max(running, min(1.0, (4 - k) * p[file]))
        assert adj[file] == pytest.approx(running)
    verdicts = {name(c): (c["verdict_uncorrected"], c["verdict"]) for c in ranked}
    assert verdicts == {"better.csv": ("better", "better"), "worse.csv": ("worse", "worse"),
                        "slight.csv": ("worse", "no significant difference"),
                        "tiny.csv": ("no significant difference", "no significant difference")}


def test_fail_if_worse_uses_the_corrected_verdict(runner, files):
    alone = invoke(runner, cmp(files, "slight", extra=["--fail-if-worse"]))
    assert alone.exit_code == 1 and "significantly worse" in alone.stderr
    # with a second candidate of larger p-value it is no longer significant after Holm: exit 0
    r = invoke(runner, cmp(files, "slight", "tiny", extra=["--fail-if-worse"]))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    slight = next(c for c in doc["candidates"] if name(c) == "slight.csv")
    assert slight["verdict_uncorrected"] == "worse" and slight["difference"]["p_adjusted"] > 0.05
    assert [ch["status"] for c in doc["candidates"] for ch in c["checks"]] == ["pass", "pass"]
    # the clearly worse one stays worse after the correction: exit 1, its check named on stderr
    r = invoke(runner, cmp(files, "worse", "slight", "better", "tiny", extra=["--fail-if-worse"]))
    assert r.exit_code == 1
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAIL binary_crossentropy mean candidate − baseline +")
    assert "Holm p" in lines[0] and "significantly worse" in lines[0]
    statuses = {name(c): c["checks"][0]["status"] for c in json.loads(r.stdout)["candidates"]}
    assert statuses == {"better.csv": "pass", "slight.csv": "pass", "worse.csv": "fail", "tiny.csv": "pass"}


def test_markdown_table_and_html(runner, files):
    md = invoke(runner, cmp(files, "worse", "slight", "better", fmt="--md"))
    assert md.exit_code == 0, md.stderr
    rows = [line for line in md.stdout.splitlines() if line.startswith("| ") and ".csv" in line]
    assert [Path(row.split(" | ")[1]).name for row in rows] == ["better.csv", "slight.csv", "worse.csv"]
    assert "Holm p" in md.stdout and "**significantly worse**" in md.stdout
    assert "Holm's step-down over 3 candidates at α = 0.05" in md.stdout
    table = invoke(runner, [*cmp(files, "worse", "better", fmt="--format"), "table"])
    assert table.exit_code == 0 and "Holm p" in table.stdout and "Holm's step-down over 2" in table.stdout
    assert "worse" in table.stdout and "better" in table.stdout
    pytest.importorskip("matplotlib")
    page = files["dir"] / "r.html"
    r = invoke(runner, cmp(files, "worse", "slight", "better", extra=["--html", page]))
    assert r.exit_code == 0, r.stderr
    html = page.read_text()
    assert "Holm p" in html and html.count("Per-sample differences") == 3
    assert html.index("better.csv") < html.index("worse.csv") and "Leaderboard" in html
    for file in ("better.csv", "slight.csv", "worse.csv"):
        assert f"Samples that got most worse — {files[file[:-4]]}" in html


def test_side_reports_name_each_candidate(runner, files):
    metrics, junit = files["dir"] / "m.txt", files["dir"] / "j.xml"
    r = invoke(runner, cmp(files, "worse", "better", extra=["--fail-if-worse", "--openmetrics", metrics,
                                                            "--junit-xml", junit]))
    assert r.exit_code == 1
    lines = [x for x in metrics.read_text().splitlines() if x.startswith("losscli_loss_difference{")]
    assert len(lines) == 2 and any("worse.csv" in x for x in lines) and any("better.csv" in x for x in lines)
    xml = junit.read_text()
    assert xml.count("<testcase") == 2 and xml.count("<failure") == 1


def test_single_candidate_and_errors(runner, files):
    # repeating the same file is one candidate: today's single comparison
    r = invoke(runner, cmp(files, "worse", "worse"))
    assert r.exit_code == 0 and "candidates" not in json.loads(r.stdout)
    r = invoke(runner, cmp(files, "worse", "better", extra=["--html", files["better"]]))
    assert r.exit_code == 2 and "one of the inputs" in r.stderr
    bad = files["dir"] / "bad.csv"
    bad.write_text("p\n" + "1.5\n" * 400)
    files["bad"] = bad
    r = invoke(runner, cmp(files, "worse", "bad"))
    assert r.exit_code == 3 and r.stdout == "" and "bad.csv" in r.stderr


def test_a_real_process_exits_with_the_corrected_status(files):
    import subprocess
    import sys

    args = [str(a) for a in cmp(files, "slight", "tiny", extra=["--fail-if-worse"])]
    proc = subprocess.run([sys.executable, "-m", "losscli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert [c["verdict"] for c in json.loads(proc.stdout)["candidates"]] == ["no significant difference"] * 2
    args = [str(a) for a in cmp(files, "slight", extra=["--fail-if-worse"])]
    proc = subprocess.run([sys.executable, "-m", "losscli", *args], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 1 and "significantly worse" in proc.stderr


def test_a_glob_that_matches_the_baseline_leaves_it_out_of_the_candidates(runner, files):
    """compare --preds 'runs/*.csv' with the baseline among them: the baseline is not compared with itself."""
    glob = str(files["dir"] / "[bt]*.csv")  # base, better, tiny
    r = invoke(runner, ["compare", "bce", "--labels", files["labels"], "--baseline-preds", files["base"],
                        "--preds", glob, "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert sorted(name(c) for c in doc["candidates"]) == ["better.csv", "tiny.csv"]
    assert doc["correction"]["family"] == 2
