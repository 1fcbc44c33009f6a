"""`losscli eval` quality gates through `main`: exit codes 0/1/2/3 exactly, stderr lines, side reports."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke


@pytest.fixture
def bce(sample):
    return ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_probs.csv"]


VALUE = 0.3356703351337619  # bce on the sample data


def test_max_and_min_pass_and_fail(runner, bce):
    r = invoke(runner, [*bce, "--max", "0.35", "--min", "0.1", "-q"])
    assert r.exit_code == 0, r.stderr
    assert float(r.stdout) == VALUE and r.stderr == ""
    r = invoke(runner, [*bce, "--max", "0.3", "-q"])
    assert r.exit_code == 1
    assert float(r.stdout) == VALUE  # the report still prints
    assert r.stderr == "FAIL binary_crossentropy mean 0.33567 > max 0.3 (n=200)\n"
    r = invoke(runner, [*bce, "--min", "0.4", "-q"])
    assert r.exit_code == 1 and r.stderr.startswith("FAIL binary_crossentropy mean 0.33567 < min 0.4")


def test_json_output_is_unchanged_apart_from_new_keys(runner, bce):
    plain = json.loads(invoke(runner, [*bce, "--json"]).stdout)
    gated = invoke(runner, [*bce, "--json", "--max", "0.3"])
    assert gated.exit_code == 1
    doc = json.loads(gated.stdout)
    assert {k: v for k, v in doc.items() if k != "checks"} == plain
    assert doc["checks"][0]["status"] == "fail" and doc["checks"][0]["limit"] == 0.3
    assert set(plain["signature"]) >= {"loss", "params", "convention", "reduction", "n", "labels_sha256"}


def test_named_limits_and_several_losses(runner, sample):
    base = ["eval", "bce,brier", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_probs.csv"]
    r = invoke(runner, [*base, "--max", "log_loss=0.4", "--max", "brier_score=0.05", "-q"])
    assert r.exit_code == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("FAIL brier mean ") and lines[0].endswith("> max 0.05 (n=200)")
    r = invoke(runner, [*base, "--max", "0.4", "-q"])  # unnamed: applies to both
    assert r.exit_code == 0, r.stderr
    r = invoke(runner, ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds",
                        sample / "binary_probs.csv", "--max", "mse=1"])
    assert r.exit_code == 2 and "--max names mse, which is not evaluated" in r.stderr
    r = invoke(runner, [*base, "--max", "bogus"])
    assert r.exit_code == 2


def test_usage_errors_exit_2(runner, bce):
    for extra in (["--max-increase", "0.1"], ["--update-baseline"], ["--max-group", "1"], ["--ci", "95"],
                  ["--max", "1%"], ["--step-summary"]):
        r = invoke(runner, [*bce, *extra])
        assert r.exit_code == 2, (extra, r.stderr)


@pytest.mark.parametrize(("given", "needed", "following_the_hint"), [
    (["--bootstrap", "50"], "--ci", ["--ci", "0.95"]),
    (["--seed", "4"], "--ci", ["--ci", "0.95"]),
    (["--force"], "--baseline", ["--baseline", "{base}"]),
    (["--warn-only"], "--max", ["--max", "0.3"]),
])
def test_an_option_without_the_one_it_sets_is_a_usage_error(runner, bce, tmp_path, given, needed, following_the_hint):
    """It was accepted and did nothing; the hint's option makes it count."""
    r = invoke(runner, [*bce, *given, "-q"])
    assert r.exit_code == 2 and r.stdout == ""
    assert given[0] in r.stderr and needed in r.stderr and "leave out" in r.stderr
    base = tmp_path / "base.json"
    base.write_text(invoke(runner, [*bce, "--label-smoothing", "0.1", "--json", "--summary-only"]).stdout)
    r = invoke(runner, [*bce, *given, *[a.replace("{base}", str(base)) for a in following_the_hint], "--json",
                        "--summary-only"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["value"] == VALUE
    if needed == "--ci":
        assert doc["ci"]["resamples" if given[0] == "--bootstrap" else "seed"] == int(given[1])
    elif needed == "--baseline":  # another signature (label smoothing), compared because forced
        assert any(c["status"] == "pass" for c in doc["checks"])
    else:
        assert doc["checks"][0]["status"] == "warn" and "WARN" in r.stderr


def test_bad_data_is_still_exit_3(runner, tmp_path, sample):
    p = tmp_path / "p.csv"
    p.write_text("p\n" + "1.7\n" * 200)
    r = invoke(runner, ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", p, "--max", "10"])
    assert r.exit_code == 3 and "FAIL" not in r.stderr


def test_baseline_update_compare_and_regression(runner, bce, sample, tmp_path):
    b = tmp_path / "base" / "bce.json"
    r = invoke(runner, [*bce, "--baseline", b, "--max-increase", "0.01", "-q"])
    assert r.exit_code == 1 and "missing" in r.stderr and "a comparison that cannot be made" in r.stderr
    r = invoke(runner, [*bce, "--baseline", b, "--update-baseline", "-q"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(b.read_text())
    assert doc["value"] == VALUE and "per_sample" not in doc and "checks" not in doc and doc["signature"]["n"] == 200
    r = invoke(runner, [*bce, "--baseline", b, "--max-increase", "0.01", "--max-rel-increase", "2%", "--json"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert out["baseline"]["comparable"] and out["baseline"]["change"] == 0
    # a worse model: same labels, probabilities pulled towards 0.5
    y = np.loadtxt(sample / "binary_labels.csv", skiprows=1)
    p = np.loadtxt(sample / "binary_probs.csv", skiprows=1)
    worse = tmp_path / "worse.csv"
    np.savetxt(worse, 0.8 * p + 0.1, header="p", comments="", fmt="%.6f")
    args = ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", worse, "--baseline", b]
    r = invoke(runner, [*args, "--max-increase", "0.01", "-q"])
    assert r.exit_code == 1
    assert r.stderr.startswith("FAIL binary_crossentropy mean") and "> max increase 0.01 (n=200)" in r.stderr
    r = invoke(runner, [*args, "--max-rel-increase", "50%", "-q"])
    assert r.exit_code == 0, r.stderr
    # --update-baseline does not overwrite when an absolute threshold fails
    r = invoke(runner, [*args, "--update-baseline", "--max", "0.1", "-q"])
    assert r.exit_code == 1 and "not updated" in r.stderr
    assert json.loads(b.read_text())["value"] == VALUE
    assert len(y) == 200


def test_incompatible_baseline_is_refused_unless_forced(runner, bce, tmp_path):
    b = tmp_path / "b.json"
    assert invoke(runner, [*bce, "--baseline", b, "--update-baseline", "-q"]).exit_code == 0
    r = invoke(runner, [*bce, "--label-smoothing", "0.1", "--baseline", b, "--max-increase", "1", "-q"])
    assert r.exit_code == 1
    assert "not comparable: params differ: label_smoothing 0.0 in the baseline, 0.1 now" in r.stderr
    r = invoke(runner, [*bce, "--label-smoothing", "0.1", "--baseline", b, "--max-increase", "1", "--force", "-q"])
    assert r.exit_code == 0 and r.stderr.startswith("WARN")
    r = invoke(runner, [*bce, "--convention", "keras", "--baseline", b, "-q"])
    assert r.exit_code == 1 and "convention 'losscli' in the baseline, 'keras' now" in r.stderr
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    r = invoke(runner, [*bce, "--baseline", bad, "--max-increase", "1", "-q"])
    assert r.exit_code == 1 and "not a losscli JSON result" in r.stderr


def test_baseline_with_other_labels_is_refused(runner, bce, sample, tmp_path):
    b = tmp_path / "b.json"
    assert invoke(runner, [*bce, "--baseline", b, "--update-baseline", "-q"]).exit_code == 0
    y = np.loadtxt(sample / "binary_labels.csv", skiprows=1)
    flipped = tmp_path / "y.csv"
    np.savetxt(flipped, 1 - y, header="label", comments="", fmt="%d")
    r = invoke(runner, ["eval", "bce", "--labels", flipped, "--preds", sample / "binary_probs.csv",
                        "--baseline", b, "--max-increase", "10", "-q"])
    assert r.exit_code == 1 and "labels differ" in r.stderr


def test_ci_in_json_md_and_table(runner, bce):
    r = invoke(runner, [*bce, "--ci", "0.9", "--seed", "3", "--bootstrap", "500", "--json", "--summary-only"])
    assert r.exit_code == 0, r.stderr
    ci = json.loads(r.stdout)["ci"]
    assert ci["confidence"] == 0.9 and ci["resamples"] == 500 and ci["seed"] == 3
    assert ci["low"] < VALUE < ci["high"]
    again = json.loads(invoke(runner, [*bce, "--ci", "0.9", "--seed", "3", "--bootstrap", "500", "--json",
                                       "--summary-only"]).stdout)["ci"]
    assert again == ci
    md = invoke(runner, [*bce, "--ci", "0.95", "--md"]).stdout
    assert "95% CI: [" in md
    table = invoke(runner, [*bce, "--ci", "0.95", "--format", "table"]).stdout
    assert "95% CI" in table and "2000 resamples" in table


def test_by_class_and_groups_with_per_group_gate(runner, sample):
    base = ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_candidate.csv"]
    r = invoke(runner, [*base, "--group-col", "region", "--by-class", "--json", "--summary-only"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    groups = {g["group"]: g for g in doc["by_group"]["groups"]}
    assert set(groups) == {"north", "south", "east", "west"}
    assert sum(g["n"] for g in groups.values()) == 200
    assert doc["by_group"]["worst"]["group"] == "south"
    assert [c["class"] for c in doc["by_class"]] == ["0", "1"]
    assert doc["value"] < 0.35  # a good overall mean ...
    r = invoke(runner, [*base, "--group-col", "region", "--max", "0.35", "--max-group", "0.5", "-q"])
    assert r.exit_code == 1  # ... but a minority slice regressed
    assert r.stderr.splitlines() == [f"FAIL binary_crossentropy group south mean {groups['south']['mean']:.6g} "
                                     f"> max-group 0.5 (n={groups['south']['n']})"]
    r = invoke(runner, [*base, "--group-col", "region", "--max-group", "0.5", "--warn-only", "-q"])
    assert r.exit_code == 0 and r.stderr.startswith("WARN")
    r = invoke(runner, [*base, "--pred-cols", "p", "--by-class", "--max-class", "0.2", "--md"])
    assert r.exit_code == 1 and "by true class" in r.stdout and "❌ FAIL" in r.stdout
    r = invoke(runner, [*base, "--group-col", "nosuch"])
    assert r.exit_code == 2


def test_side_reports(runner, bce, tmp_path, monkeypatch):
    junit, metrics, summary = tmp_path / "r" / "junit.xml", tmp_path / "metrics.txt", tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    r = invoke(runner, [*bce, "--max", "0.3", "--min", "0.1", "--junit-xml", junit, "--openmetrics", metrics,
                        "--step-summary", "-q"])
    assert r.exit_code == 1
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite.get("tests") == "2" and suite.get("failures") == "1"
    failure = suite.find("testcase/failure")
    assert failure.get("message") == "binary_crossentropy mean 0.33567 > max 0.3 (n=200)"
    text = metrics.read_text()
    assert text.endswith("# EOF\n") and 'losscli_loss{loss="binary_crossentropy",file=' in text
    assert f"}} {VALUE!r}" in text
    md = summary.read_text()
    assert md.startswith("earlier step\n| loss |") and "❌ FAIL" in md
    assert not [p for p in tmp_path.rglob(".*tmp*")]
    monkeypatch.delenv("GITHUB_STEP_SUMMARY")
    r = invoke(runner, [*bce, "--step-summary", "-q"])
    assert r.exit_code == 2 and "GITHUB_STEP_SUMMARY" in r.stderr


def test_gates_per_prediction_file_when_ranking(runner, sample):
    r = invoke(runner, ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_probs.csv",
                        "--preds", sample / "binary_candidate.csv", "--pred-cols", "p", "--max", "0.33", "-q"])
    assert r.exit_code == 1
    assert r.stderr.splitlines() == [f"FAIL binary_crossentropy mean 0.33567 > max 0.33 (n=200) "
                                     f"[{sample / 'binary_probs.csv'}]"]


def test_group_names_are_the_text_written_whatever_the_chunking(runner, tmp_path):
    """Codes 00 … 11 with one X1 late in the file: blocks read as numbers made 01 the group 1, and the block
    holding X1 kept 01, so one group came out as two, and the split depended on --chunk-rows."""
    rng = np.random.default_rng(41)
    n = 3000
    codes = np.array([f"{k:02d}" for k in range(12)])[rng.integers(0, 12, n)]
    codes[-5:] = "X1"
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    rows = zip(y.tolist(), p.tolist(), codes.tolist(), strict=True)
    (tmp_path / "d.csv").write_text("y,p,g\n" + "".join(f"{a},{b!r},{c}\n" for a, b, c in rows))
    for rows in ("256", "100000"):
        r = invoke(runner, ["eval", "bce", tmp_path / "d.csv", "--group-col", "g", "--chunk-rows", rows, "--json",
                            "--summary-only"])
        assert r.exit_code == 0, r.stderr
        groups = {g["group"]: g["n"] for g in json.loads(r.stdout)["by_group"]["groups"]}
        assert groups == {str(c): int((codes == c).sum()) for c in np.unique(codes)}


def test_a_group_column_that_is_the_prediction_column_is_a_usage_error(runner, tmp_path):
    (tmp_path / "d.csv").write_text("y,p\n1,0.9\n0,0.2\n")
    r = invoke(runner, ["eval", "bce", tmp_path / "d.csv", "--pred-cols", "p", "--group-col", "p"])
    assert r.exit_code == 2 and "--group-col takes column 'p'" in r.stderr


def test_a_ranked_baseline_compares_a_run_with_its_own_files_entry(runner, sample, tmp_path):
    """A baseline written from two --preds files: a later run of one of them took the first entry (the other
    file's) as its baseline."""
    a, b = tmp_path / "model_a.csv", tmp_path / "model_b.csv"
    a.write_bytes((sample / "binary_probs.csv").read_bytes())
    b.write_bytes((sample / "binary_candidate.csv").read_bytes())
    labels = ["--labels", sample / "binary_labels.csv"]
    board = invoke(runner, ["eval", "bce", *labels, "--preds", a, "--preds", b, "--json", "--summary-only"])
    (tmp_path / "board.json").write_text(board.stdout)
    for preds in (a, b):
        r = invoke(runner, ["eval", "bce", *labels, "--preds", preds, "--baseline", tmp_path / "board.json",
                            "--max-increase", "0", "--json", "--summary-only"])
        assert r.exit_code == 0, r.stderr
        assert json.loads(r.stdout)["baseline"]["change"] == 0.0
    other = tmp_path / "model_c.csv"
    other.write_bytes(a.read_bytes())
    r = invoke(runner, ["eval", "bce", *labels, "--preds", other, "--baseline", tmp_path / "board.json",
                        "--max-increase", "0", "-q"])
    assert r.exit_code == 1 and "none of them" in r.stderr


def test_a_run_of_several_files_against_one_of_their_results_compares_each_with_its_own(runner, sample, tmp_path):
    """A baseline of model_b alone, and a run ranking model_a and model_b: model_a was compared with
    model_b's value (a gate passed on another model's number). A baseline of a file not in the run stays a
    bar for every file."""
    a, b = tmp_path / "model_a.csv", tmp_path / "model_b.csv"
    a.write_bytes((sample / "binary_candidate.csv").read_bytes())
    b.write_bytes((sample / "binary_probs.csv").read_bytes())
    labels = ["--labels", sample / "binary_labels.csv"]
    base = invoke(runner, ["eval", "bce", *labels, "--preds", b, "--json", "--summary-only"])
    (tmp_path / "b.json").write_text(base.stdout)
    gate = ["--baseline", tmp_path / "b.json", "--max-increase", "100", "--json", "--summary-only"]
    r = invoke(runner, ["eval", "bce", *labels, "--preds", a, "--preds", b, *gate])
    assert r.exit_code == 1
    by_file = {Path(d["file"]).name: d["baseline"] for d in json.loads(r.stdout)}
    assert by_file["model_b.csv"]["change"] == 0.0
    assert by_file["model_a.csv"]["comparable"] is False and "model_b.csv" in by_file["model_a.csv"]["problem"]
    prod = tmp_path / "prod.csv"
    prod.write_bytes(b.read_bytes())
    base = invoke(runner, ["eval", "bce", *labels, "--preds", prod, "--json", "--summary-only"])
    (tmp_path / "b.json").write_text(base.stdout)
    r = invoke(runner, ["eval", "bce", *labels, "--preds", a, "--preds", b, *gate])
    assert r.exit_code == 0, r.stderr


def test_eps_is_part_of_the_signature(runner, bce, tmp_path):
    base = invoke(runner, [*bce, "--json", "--summary-only"])
    (tmp_path / "b.json").write_text(base.stdout)
    r = invoke(runner, [*bce, "--eps", "1e-3", "--baseline", tmp_path / "b.json", "--max-increase", "1", "-q"])
    assert r.exit_code == 1 and "params differ: eps" in r.stderr


def test_limits_and_baselines_of_one_loss_with_two_parameter_sets_are_each_their_own(runner, sample, tmp_path):
    data = sample / "regression.csv"
    losses = "huber(delta=0.5),huber(delta=2)"
    values = [float(v) for v in invoke(runner, ["eval", losses, data, "-q"]).stdout.split()]
    assert values[0] < 0.12 < values[1]
    r = invoke(runner, ["eval", losses, data, "--max", "huber(delta=0.5)=0.12", "-q"])
    assert r.exit_code == 0, r.stderr
    r = invoke(runner, ["eval", losses, data, "--max", "huber(delta=2)=0.12", "-q"])
    assert r.exit_code == 1 and r.stderr.count("FAIL") == 1
    (tmp_path / "b.json").write_text(invoke(runner, ["eval", losses, data, "--json", "--summary-only"]).stdout)
    r = invoke(runner, ["eval", losses, data, "--baseline", tmp_path / "b.json", "--max-increase", "0", "--json",
                        "--summary-only"])
    assert r.exit_code == 0, r.stderr
    assert [d["baseline"]["change"] for d in json.loads(r.stdout)] == [0.0, 0.0]


def test_checks_of_one_loss_with_two_parameter_sets_are_named_by_their_parameters(runner, sample, tmp_path):
    """huber(delta=0.5) passing and huber(delta=2) failing one --max were two checks both named "huber max":
    the JUnit report held two test cases of one name (one passed, one failed) and stderr did not say whose
    value failed."""
    r = invoke(runner, ["eval", "huber(delta=0.5),huber(delta=2)", sample / "regression.csv", "--max", "0.13",
                        "--junit-xml", tmp_path / "j.xml", "-q"])
    assert r.exit_code == 1
    assert r.stderr == "FAIL huber(delta=2) mean 0.144138 > max 0.13 (n=120)\n"
    cases = {c.get("name"): c.find("failure") is not None for c in ET.parse(tmp_path / "j.xml").iter("testcase")}
    assert cases == {"huber(delta=0.5) max": False, "huber(delta=2) max": True}


def test_warn_only_keeps_the_baseline_when_a_threshold_fails(runner, bce, tmp_path):
    r = invoke(runner, [*bce, "--max", "0.3", "--baseline", tmp_path / "b.json", "--update-baseline",
                        "--warn-only", "-q"])
    assert r.exit_code == 0 and "not updated" in r.stderr
    assert not (tmp_path / "b.json").exists()


def test_a_limit_with_parameters_no_result_has_is_a_usage_error(runner, sample):
    """huber(delta=3) beside huber(delta=0.5) and huber(delta=2), or a misspelt parameter: never checked, so
    refused rather than passed."""
    for limit in ("huber(delta=3)=0.01", "huber(delte=0.5)=0.01"):
        r = invoke(runner, ["eval", "huber(delta=0.5),huber(delta=2)", sample / "regression.csv", "--max", limit, "-q"])
        assert (r.exit_code, r.stdout) == (2, ""), r.stderr
        assert "no evaluated huber has those parameters" in r.stderr


def test_a_group_column_among_selected_prediction_columns_is_set_aside(runner, tmp_path):
    (tmp_path / "d.csv").write_text("y,p_a,p_grp\n1,0.9,x\n0,0.2,y\n1,0.7,x\n")
    r = invoke(runner, ["eval", "bce", tmp_path / "d.csv", "--pred-cols", "p_*", "--group-col", "p_grp", "--json",
                        "--summary-only"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["inputs"]["preds"]["columns"] == ["p_a"]
    assert {g["group"]: g["n"] for g in doc["by_group"]["groups"]} == {"x": 2, "y": 1}


def test_classes_of_prefixed_prediction_columns_are_named_by_their_class(runner, tmp_path):
    """p_bee, p_ant: the per-class rows, the gate lines and inputs.classes said p_bee (and listed both
    spellings of every class)."""
    (tmp_path / "d.csv").write_text("label,p_bee,p_ant\nbee,0.8,0.2\nant,0.3,0.7\nbee,0.6,0.4\n")
    r = invoke(runner, ["eval", "cce", tmp_path / "d.csv", "--by-class", "--max-class", "0.3", "--json",
                        "--summary-only"])
    assert r.exit_code == 1, r.stderr
    doc = json.loads(r.stdout)
    assert doc["inputs"]["classes"] == ["bee", "ant"]
    assert [row["class"] for row in doc["by_class"]] == ["bee", "ant"]
    assert "class bee" in r.stderr and "p_bee" not in r.stderr


def test_a_threshold_on_a_value_of_no_samples_fails(runner, tmp_path):
    """Keras gives 0 when every row is ignored (as keras.losses does); a --max passed on it."""
    (tmp_path / "d.csv").write_text("y,l0,l1\n-1,0.2,0.3\n-1,0.1,0.5\n")
    r = invoke(runner, ["eval", "scce", tmp_path / "d.csv", "--logits", "--ignore-index", "-1", "--convention", "keras",
                        "--max", "0.1", "-q"])
    assert r.exit_code == 1 and float(r.stdout) == 0.0
    assert "of no samples" in r.stderr


def test_scikit_learns_eps_of_a_float32_input_is_part_of_the_signature(runner, tmp_path):
    """Under scikit-learn a float32 file is clipped at float32's eps: a baseline from float64 values is not
    comparable with it (it passed as comparable)."""
    import pandas as pd

    y, p = [1, 0, 1, 0], [0.0, 0.2, 0.9, 0.1]
    pd.DataFrame({"y": y, "p": p}).to_parquet(tmp_path / "d64.parquet")
    pd.DataFrame({"y": y, "p": np.array(p, dtype=np.float32)}).to_parquet(tmp_path / "d32.parquet")
    base = invoke(runner, ["eval", "bce", tmp_path / "d64.parquet", "--convention", "sklearn", "--json",
                           "--summary-only"])
    assert "eps" not in json.loads(base.stdout)["signature"]["params"]  # float64's eps goes unsaid
    (tmp_path / "b.json").write_text(base.stdout)
    r = invoke(runner, ["eval", "bce", tmp_path / "d32.parquet", "--convention", "sklearn", "--baseline",
                        tmp_path / "b.json", "--max-increase", "100", "-q"])
    assert r.exit_code == 1 and "params differ: eps" in r.stderr


def test_labels_are_hashed_only_where_their_digest_is_written(runner, bce, tmp_path, monkeypatch):
    """The labels' SHA-256 (a pass over every label) is taken for the JSON signature, the side reports and
    baselines, not for ``-q``, the table or Markdown, which show no signature."""
    from losscli.quality.taps import LabelHasher

    calls = []
    real = LabelHasher.__call__
    monkeypatch.setattr(LabelHasher, "__call__", lambda self, *a: calls.append(1) or real(self, *a))
    for fmt in (["-q"], ["--format", "table"], ["--format", "md"]):
        r = invoke(runner, [*bce, *fmt])
        assert r.exit_code == 0 and calls == [], (fmt, r.stderr)
    digest = json.loads(invoke(runner, [*bce, "--json"]).stdout)["signature"]["labels_sha256"]
    assert calls and len(digest) == 64
    calls.clear()
    base = tmp_path / "base.json"
    assert invoke(runner, [*bce, "-q", "--baseline", base, "--update-baseline"]).exit_code == 0
    assert calls and json.loads(base.read_text())["signature"]["labels_sha256"] == digest
    calls.clear()
    r = invoke(runner, [*bce, "-q", "--junit-xml", tmp_path / "j.xml"])
    assert r.exit_code == 0 and calls


def test_an_infinite_value_is_compared_not_undefined(runner, tmp_path):
    """An infinite mean failed even --min 0 as "undefined"; +inf is above any limit, NaN stays undefined."""
    (tmp_path / "d.csv").write_text("y,pred\n1e200,-1e200\n1,2\n")
    data = ["eval", "mse", tmp_path / "d.csv", "-q"]
    assert invoke(runner, [*data, "--min", "0"]).exit_code == 0
    r = invoke(runner, [*data, "--max", "10"])
    assert r.exit_code == 1 and "mse mean inf > max 10" in r.stderr


@pytest.mark.parametrize("given", ["2", "bce=3", "1.5"])
def test_a_bare_relative_limit_above_one_is_refused_as_ambiguous(runner, bce, tmp_path, given):
    """--max-rel-increase 2 allowed 200 % (a fraction) where 2 % was likely meant: a worsening of 8 % passed."""
    base = invoke(runner, [*bce, "--json", "--summary-only"])
    (tmp_path / "b.json").write_text(base.stdout)
    r = invoke(runner, [*bce, "--baseline", tmp_path / "b.json", "--max-rel-increase", given, "-q"])
    assert r.exit_code == 2 and r.stdout == "" and "%" in r.stderr
    number = given.split("=")[-1]
    r = invoke(runner, [*bce, "--baseline", tmp_path / "b.json", "--max-rel-increase", given.replace(number, number + "%"),
                        "-q"])
    assert r.exit_code == 0, r.stderr


def test_an_infinite_value_against_a_baseline_is_infinitely_worse(runner, tmp_path):
    (tmp_path / "ok.csv").write_text("y,pred\n1,2\n1e200,1e200\n")
    (tmp_path / "bad.csv").write_text("y,pred\n1,2\n1e200,-1e200\n")
    base = invoke(runner, ["eval", "mse", tmp_path / "ok.csv", "--json", "--summary-only"])
    (tmp_path / "b.json").write_text(base.stdout)
    r = invoke(runner, ["eval", "mse", tmp_path / "bad.csv", "--baseline", tmp_path / "b.json", "--max-increase", "0.1",
                        "-q"])
    assert r.exit_code == 1 and "+inf > max increase 0.1" in r.stderr and "undefined" not in r.stderr
