"""`losscli compare`: paired differences, bootstrap interval, counts, worst samples, --fail-if-worse."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import invoke

import losscli


@pytest.fixture
def files(tmp_path):
    """Labels, a baseline model and a candidate that is clearly worse, 400 samples with ids."""
    rng = np.random.default_rng(4)
    n = 400
    y = (rng.random(n) < 0.4).astype(int)
    logit = rng.normal(2.0 * (2 * y - 1), 1.0)
    base = 1 / (1 + np.exp(-logit))
    cand = 1 / (1 + np.exp(-(0.5 * logit + rng.normal(0, 0.3, n))))
    ids = np.array([f"s{i:03d}" for i in range(n)])

    def write(name, header, cols):
        path = tmp_path / name
        rows = [",".join(header)] + [",".join(str(c[i]) for c in cols) for i in range(n)]
        path.write_text("\n".join(rows) + "\n")
        return path

    return {
        "labels": write("y.csv", ["id", "label"], [ids, y]),
        "base": write("old.csv", ["id", "p"], [ids, np.round(base, 6)]),
        "cand": write("new.csv", ["id", "p"], [ids, np.round(cand, 6)]),
        "y": y, "pb": np.round(base, 6), "pc": np.round(cand, 6), "ids": ids, "dir": tmp_path,
    }


def cmp(f, *extra, cand="cand", base="base"):
    return ["compare", "bce", "--labels", f["labels"], "--label-cols", "label", "--pred-cols", "p",
            "--preds", f[cand], "--baseline-preds", f[base], "--json", *extra]


def test_worse_candidate_fails_only_with_fail_if_worse(runner, files):
    r = invoke(runner, cmp(files))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    vc = losscli.evaluate("bce", files["y"], files["pc"]).value
    vb = losscli.evaluate("bce", files["y"], files["pb"]).value
    assert doc["candidate"]["value"] == vc and doc["baseline"]["value"] == vb
    assert doc["difference"]["mean"] == pytest.approx(vc - vb)
    ci = doc["difference"]["ci"]
    assert 0 < ci["low"] < doc["difference"]["mean"] < ci["high"] and ci["resamples"] == 2000
    assert doc["verdict"] == "worse"
    s = doc["samples"]
    assert s["improved"] + s["worsened"] + s["unchanged"] == doc["n"] == 400
    worst = doc["worst"]
    assert len(worst) == 10 and [w["difference"] for w in worst] == sorted((w["difference"] for w in worst),
                                                                          reverse=True)
    w0 = worst[0]
    i = w0["index"]
    assert w0["candidate"] == pytest.approx(losscli.evaluate("bce", files["y"][i:i + 1], files["pc"][i:i + 1]).value)
    r = invoke(runner, cmp(files, "--fail-if-worse"))
    assert r.exit_code == 1
    assert r.stderr.startswith("FAIL binary_crossentropy mean candidate − baseline +")
    assert "significantly worse (n=400)" in r.stderr
    assert json.loads(r.stdout)["checks"][0]["status"] == "fail"
    # the other way round the candidate is significantly better: passes
    r = invoke(runner, cmp(files, "--fail-if-worse", cand="base", base="cand"))
    assert r.exit_code == 0 and json.loads(r.stdout)["verdict"] == "better"


def test_identical_predictions(runner, files):
    r = invoke(runner, cmp(files, "--fail-if-worse", cand="base"))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["difference"]["mean"] == 0 and doc["difference"]["ci"]["low"] == doc["difference"]["ci"]["high"] == 0
    assert doc["samples"] == {"improved": 0, "worsened": 0, "unchanged": 400, "tol": 1e-12}
    assert doc["worst"] == [] and doc["verdict"] == "no significant difference"


def test_seed_makes_it_deterministic(runner, files):
    a = invoke(runner, cmp(files, "--seed", "9", "--bootstrap", "300")).stdout
    b = invoke(runner, cmp(files, "--seed", "9", "--bootstrap", "300")).stdout
    c = invoke(runner, cmp(files, "--seed", "10", "--bootstrap", "300")).stdout
    assert a == b and json.loads(a)["difference"]["ci"] != json.loads(c)["difference"]["ci"]


def test_pairs_by_id_when_the_rows_are_shuffled(runner, files):
    lines = files["cand"].read_text().splitlines()
    rng = np.random.default_rng(0)
    body = lines[1:]
    rng.shuffle(body)
    shuffled = files["dir"] / "shuffled.csv"
    shuffled.write_text("\n".join([lines[0], *body]) + "\n")
    files["shuffled"] = shuffled
    plain = json.loads(invoke(runner, cmp(files, "--id-col", "id")).stdout)
    r = invoke(runner, cmp(files, "--id-col", "id", cand="shuffled"))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["samples"] == plain["samples"]
    assert doc["difference"]["mean"] == pytest.approx(plain["difference"]["mean"], rel=1e-12)
    assert doc["difference"]["ci"] == pytest.approx(plain["difference"]["ci"])
    assert [w["id"] for w in doc["worst"]] == [w["id"] for w in plain["worst"]]
    assert doc["worst"][0]["id"] == files["ids"][doc["worst"][0]["row"]]


def test_weighted_difference(runner, files):
    w = files["dir"] / "w.csv"
    weights = np.linspace(0.5, 2.0, 400)
    w.write_text("w\n" + "\n".join(f"{x:.6f}" for x in weights) + "\n")
    r = invoke(runner, cmp(files, "--weights", w))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    ww = np.round(weights, 6)
    vc = losscli.evaluate("bce", files["y"], files["pc"], sample_weight=ww).value
    vb = losscli.evaluate("bce", files["y"], files["pb"], sample_weight=ww).value
    assert doc["difference"]["mean"] == pytest.approx(vc - vb)
    assert doc["difference"]["ci"]["low"] < vc - vb < doc["difference"]["ci"]["high"]


def test_formats_and_errors(runner, files, sample):
    args = [a for a in cmp(files) if a != "--json"]
    md = invoke(runner, [*args, "--md", "--top", "3"])
    assert md.exit_code == 0 and "| **difference** |" in md.stdout and "significantly worse" in md.stdout
    assert md.stdout.count("| +") >= 3
    table = invoke(runner, [*args, "--format", "table"])
    assert table.exit_code == 0 and "worsened most" in table.stdout
    r = invoke(runner, ["compare", "bce", "--labels", files["labels"], "--preds", files["cand"]])
    assert r.exit_code == 2 and "--baseline-preds" in r.stderr
    r = invoke(runner, [*args, "--confidence", "95"])
    assert r.exit_code == 2
    r = invoke(runner, ["compare", "bce,brier", "--labels", files["labels"], "--preds", files["cand"],
                        "--baseline-preds", files["base"]])
    assert r.exit_code == 2
    bad = files["dir"] / "bad.csv"
    bad.write_text("id,p\n" + "".join(f"s{i:03d},1.5\n" for i in range(400)))
    files["bad"] = bad
    r = invoke(runner, cmp(files, base="bad"))
    assert r.exit_code == 3


def test_quiet_prints_the_difference_alone_and_keeps_the_exit_status(runner, files):
    r = invoke(runner, cmp(files))
    difference = json.loads(r.stdout)["difference"]["mean"]
    plain = [a for a in cmp(files) if a != "--json"]  # -q beside --json is refused: stdout holds one report
    quiet = invoke(runner, [*plain, "-q"])
    assert quiet.exit_code == 0 and quiet.stdout == f"{difference!r}\n"
    assert float(quiet.stdout) < 0 or float(quiet.stdout) > 0
    assert invoke(runner, [*cmp(files), "-q"]).exit_code == 2
    failing = invoke(runner, [*plain, "-q", "--fail-if-worse"])
    assert failing.exit_code == 1 and failing.stdout == quiet.stdout


@pytest.mark.parametrize("option, value, why", [
    ("--top", "3", "--top lists the most worsened samples"),
    ("--tol", "0.1", "--tol sets which samples count as unchanged, improved or worsened"),
    ("--confidence", "0.5", "--confidence sets the level of the interval and the verdict"),
    ("--bootstrap", "100", "--bootstrap sets the resamples of the interval"),
    ("--seed", "3", "--seed seeds the resamples of the interval"),
])
def test_quiet_refuses_an_option_it_would_not_show(runner, files, option, value, why):
    """-q prints the difference alone: the worst samples' count, the tolerance of the counts and the
    interval's settings changed nothing it printed, exit 0."""
    plain = [a for a in cmp(files) if a != "--json"]
    r = invoke(runner, [*plain, "-q", option, value])
    assert r.exit_code == 2 and r.stdout == ""
    assert f"{why}, and -q prints only the difference: it would change nothing" in r.stderr
    several = invoke(runner, [*plain, "--preds", files["base"], "-q", option, value])
    assert several.exit_code == 2 and why in several.stderr


@pytest.mark.parametrize("option, value", [("--confidence", "0.5"), ("--bootstrap", "100"), ("--seed", "3")])
def test_quiet_takes_the_intervals_settings_that_decide_fail_if_worse(runner, files, option, value):
    plain = [a for a in cmp(files) if a != "--json"]
    r = invoke(runner, [*plain, "-q", "--fail-if-worse", option, value])
    assert r.exit_code == 1, r.stderr
    assert float(r.stdout) > 0
    refused = invoke(runner, [*plain, "-q", "--fail-if-worse", "--top", "3"])
    assert refused.exit_code == 2 and "--top lists" in refused.stderr


def test_quiet_takes_top_and_tol_where_a_report_shows_them(runner, files, tmp_path, monkeypatch):
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    plain = [a for a in cmp(files) if a != "--json"]
    r = invoke(runner, [*plain, "-q", "--top", "2", "--tol", "1e-6", "--confidence", "0.9", "--step-summary"])
    assert r.exit_code == 0, r.stderr
    text = summary.read_text()
    assert "90% CI of the difference" in text
    worst = text.split("Samples that worsened most:")[1]
    assert len([line for line in worst.splitlines() if line.startswith("| ") and line[2].isdigit()]) == 2


def test_quiet_with_several_candidates_prints_one_line_each_in_the_order_given(runner, files):
    args = ["compare", "bce", "--labels", files["labels"], "--label-cols", "label", "--pred-cols", "p",
            "--preds", files["cand"], "--preds", files["base"], "--baseline-preds", files["base"]]
    doc = json.loads(invoke(runner, [*args, "--json"]).stdout)
    by_file = {c["candidate"]["file"]: c["difference"]["mean"] for c in doc["candidates"]}
    assert [c["candidate"]["file"] for c in doc["candidates"]] == [str(files["base"]), str(files["cand"])]  # ranked
    r = invoke(runner, [*args, "-q"])
    assert r.exit_code == 0
    assert r.stdout == f"{by_file[str(files['cand'])]!r}\n{by_file[str(files['base'])]!r}\n"
    assert r.stdout.splitlines()[1] == "0.0"


@pytest.mark.parametrize("extra", [(), ("--fail-if-worse",)])
def test_reduction_none_is_refused(runner, files, extra):
    """compare --reduction none printed nan with exit 0 (and, failing if worse, an interval of the means
    beside an undefined difference); it is a usage error, as for eval's gates."""
    r = invoke(runner, [*cmp(files, "--reduction", "none", *extra)])
    assert r.exit_code == 2 and r.stdout == "" and "--reduction none" in r.stderr


def test_the_sides_count_the_pairs_their_values_are_over(runner, files):
    """With an id missing from the candidate, each side's value is over the 199 pairs but the baseline's
    ``n`` said 200 (its whole file's)."""
    lines = files["cand"].read_text().splitlines()
    short = files["dir"] / "short.csv"
    short.write_text("\n".join(lines[:-1]) + "\n")
    files["short"] = short
    r = invoke(runner, cmp(files, "--id-col", "id", cand="short"))
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    n = len(lines) - 2
    assert doc["n"] == doc["candidate"]["n"] == doc["baseline"]["n"] == n
    y, pb = files["y"][:n], files["pb"][:n]
    assert doc["baseline"]["value"] == pytest.approx(-np.mean(y * np.log(pb) + (1 - y) * np.log(1 - pb)), rel=1e-12)


@pytest.mark.parametrize("rows", [1, 3, 5])
def test_too_few_pairs_are_never_significant(runner, tmp_path, rows):
    """Three samples each worse by the same amount gave the interval [d, d] and "significantly worse";
    with fewer than 6 pairs no paired test reaches 95 %: the verdict says so, with a warning, and
    --fail-if-worse fails as for any comparison that cannot be made."""
    (tmp_path / "y.csv").write_text("label\n" + "0\n" * rows)
    (tmp_path / "old.csv").write_text("p\n" + "0.2\n" * rows)
    (tmp_path / "new.csv").write_text("p\n" + "0.3\n" * rows)
    args = ["compare", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "new.csv",
            "--baseline-preds", tmp_path / "old.csv", "--json"]
    r = invoke(runner, args)
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["verdict"] == "too few pairs to tell" and "fewer than 6" in doc["warnings"][0]
    r = invoke(runner, [*args, "--fail-if-worse"])
    assert r.exit_code == 1 and "too few pairs to tell" in r.stderr
    (tmp_path / "y.csv").write_text("label\n" + "0\n" * 6)
    (tmp_path / "old.csv").write_text("p\n" + "0.2\n" * 6)
    (tmp_path / "new.csv").write_text("p\n" + "0.3\n" * 6)
    assert json.loads(invoke(runner, args).stdout)["verdict"] == "worse"
