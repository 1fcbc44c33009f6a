"""`losscli check`: checks as code from losscheck.toml or pyproject.toml; exit codes, WARN, reports."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from cli_helpers import invoke, run_cli

ROOT = Path(__file__).resolve().parents[2]






@pytest.fixture
def project(tmp_path, sample):
    """A folder with the sample data copied in, so check files can use relative paths."""
    shutil.copytree(sample, tmp_path / "data", ignore=shutil.ignore_patterns("*.py"))
    return tmp_path


def write(project, text, name="losscheck.toml"):
    path = project / name
    path.write_text(text)
    return path


BCE = '''
[[check]]
name = "bce"
loss = "bce"
labels = "data/binary_labels.csv"
preds = "data/binary_probs.csv"
'''


def test_bundled_example_runs_against_the_sample_data(runner):
    r = invoke(runner, ["check", ROOT / "examples" / "losscheck.toml", "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["status"] == "pass" and doc["counts"]["fail"] == 0
    assert doc["counts"]["warn"] == 1  # the regions check is warn = true and south is above 0.6
    assert r.stderr.startswith("WARN fraud model: regions: binary_crossentropy group south mean")
    names = {c["check"].split(" max")[0].split(" fail_if")[0] for c in doc["checks"]}
    assert {"fraud model: log loss", "fraud model: regions", "animals: cross-entropy by class",
            "house prices: huber"} <= names
    assert any(c["kind"] == "fail_if_worse" for c in doc["checks"])


def test_pass_fail_and_warn(runner, project):
    cfg = write(project, BCE + "max = 0.35\n" + BCE.replace('"bce"\nloss', '"strict"\nloss') + "max = 0.3\n")
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    assert [(c["check"], c["status"]) for c in doc["checks"]] == [("bce max", "pass"), ("strict max", "fail")]
    assert r.stderr == "FAIL strict: binary_crossentropy mean 0.33567 > max 0.3 (n=200)\n"
    write(project, BCE + "max = 0.35\n" + BCE.replace('"bce"\nloss', '"strict"\nloss') + "max = 0.3\nwarn = true\n")
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0
    assert [c["status"] for c in json.loads(r.stdout)["checks"]] == ["pass", "warn"]
    assert r.stderr.startswith("WARN ")
    r = invoke(runner, ["check", cfg, "--only", "bce", "--json"])
    assert r.exit_code == 0 and len(json.loads(r.stdout)["checks"]) == 1


def test_a_check_without_gates_verifies_the_inputs(runner, project):
    cfg = write(project, BCE)
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0
    (c,) = json.loads(r.stdout)["checks"]
    assert c["kind"] == "evaluate" and c["status"] == "pass"


def test_baselines_missing_update_and_compare(runner, project):
    cfg = write(project, BCE + 'baseline = "baselines/bce.json"\nmax_increase = 0.001\n')
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 1 and "missing" in r.stderr
    r = invoke(runner, ["check", cfg, "--update-baseline", "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads((project / "baselines" / "bce.json").read_text())["loss"] == "binary_crossentropy"
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    write(project, BCE.replace("binary_probs", "binary_candidate") + 'pred_cols = "p"\nlabel_smoothing_ = 1\n')
    assert invoke(runner, ["check", cfg]).exit_code == 2  # unknown key
    write(project, BCE + 'baseline = "baselines/bce.json"\nmax_increase = 0.001\nparams = { label_smoothing = 0.2 }\n')
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 1 and "not comparable" in r.stderr
    r = invoke(runner, ["check", cfg, "--json", "--force"])
    assert r.exit_code == 1 and "max increase 0.001" in r.stderr  # compared anyway, and worse


def test_paired_comparison_and_slices(runner, project):
    cfg = write(project, BCE.replace("binary_probs", "binary_candidate") + '''pred_cols = "p"
baseline_preds = "data/binary_probs.csv"
fail_if_worse = true

[[check]]
name = "regions"
loss = "bce"
labels = "data/binary_labels.csv"
preds = "data/binary_candidate.csv"
group_col = "region"
max_group = 0.5
''')
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 1
    doc = json.loads(r.stdout)
    kinds = {(c["kind"], c["status"]) for c in doc["checks"]}
    assert ("fail_if_worse", "pass") in kinds and ("max_group", "fail") in kinds
    assert doc["comparisons"][0]["check"] == "bce" and doc["results"][1]["by_group"]["worst"]["group"] == "south"


def test_input_errors_exit_3_and_config_errors_exit_2(runner, project):
    cfg = write(project, BCE.replace("binary_probs", "nosuchfile") + BCE.replace('"bce"\nloss', '"ok"\nloss'))
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 3
    doc = json.loads(r.stdout)
    assert [c["status"] for c in doc["checks"]] == ["error", "pass"] and doc["status"] == "error"
    assert r.stderr.startswith("ERROR bce: ")
    for text in ("[[check]]\nname='x'\n", "[[check]]\nloss='bce'\nname='x'\n", "not toml [", "[check]\nx=1\n",
                 BCE + "max = 'high'\n", BCE + "color = 1\n", BCE + BCE, BCE.replace('"bce"\nlabels', '"nope"\nlabels'),
                 BCE + "max_increase = 1\n", "[other]\n"):
        write(project, text)
        r = invoke(runner, ["check", cfg])
        assert r.exit_code == 2, (text, r.stderr)
    r = invoke(runner, ["check", project / "missing.toml"])
    assert r.exit_code == 2
    r = invoke(runner, ["check", cfg, "--only", "zzz"])
    assert r.exit_code == 2


def test_discovers_losscheck_toml_then_pyproject(runner, project, monkeypatch):
    monkeypatch.chdir(project)
    r = invoke(runner, ["check"])
    assert r.exit_code == 2 and "no check file" in r.stderr
    (project / "pyproject.toml").write_text("[project]\nname='x'\n\n" + BCE.replace("[[check]]", "[[tool.losscli.check]]")
                                            + "max = 0.3\n")
    r = invoke(runner, ["check", "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["config"].endswith("pyproject.toml")
    write(project, BCE + "max = 0.4\n")
    r = invoke(runner, ["check", "--json"])
    assert r.exit_code == 0 and json.loads(r.stdout)["config"].endswith("losscheck.toml")
    (project / "pyproject.toml").write_text("[project]\nname='x'\n")
    r = invoke(runner, ["check", "pyproject.toml"])
    assert r.exit_code == 2 and "[tool.losscli]" in r.stderr


def test_reports(runner, project, monkeypatch):
    cfg = write(project, BCE + "max = 0.3\n" + BCE.replace('"bce"\nloss', '"ok"\nloss') + "max = 0.4\n")
    summary = project / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    r = invoke(runner, ["check", cfg, "--md", "--junit-xml", project / "junit.xml", "--openmetrics",
                        project / "metrics.txt", "--step-summary"])
    assert r.exit_code == 1
    assert r.stdout.startswith("### losscli checks — ❌ failed (1 passed, 1 failed)")
    assert summary.read_text() == r.stdout
    root = ET.parse(project / "junit.xml").getroot()
    cases = root.findall("testsuite/testcase")
    assert [c.get("name") for c in cases] == ["bce max", "ok max"]
    assert cases[0].find("failure").get("message").startswith("binary_crossentropy mean 0.33567 > max 0.3")
    assert cases[1].find("failure") is None
    metrics = (project / "metrics.txt").read_text()
    assert 'losscli_check{check="bce max",status="fail"} 0' in metrics and metrics.endswith("# EOF\n")
    assert 'check="ok"' in metrics
    table = invoke(runner, ["check", cfg, "--format", "table"])
    assert table.exit_code == 1 and "FAIL: 1 passed, 1 failed" in table.stdout


#: two checks, a (bce) and b (brier), of one predictions file sharing a baseline file
SHARED_A_B = '''
[defaults]
labels = "data/binary_labels.csv"
preds = "data/binary_probs.csv"
baseline = "shared.json"
max_increase = 0.0

[[check]]
name = "a"
loss = "bce"

[[check]]
name = "b"
loss = "brier"
'''


def test_checks_sharing_a_baseline_file_write_it_once_with_every_result(runner, project):
    """Two checks naming one baseline file: each wrote it (the second write failed, exit 3, while the report
    said pass), and the file kept one loss."""
    cfg = write(project, SHARED_A_B)
    r = invoke(runner, ["check", cfg, "--update-baseline", "--json"])
    assert r.exit_code == 0, r.stderr
    assert r.stderr.count("updated") == 1
    assert [d["loss"] for d in json.loads((project / "shared.json").read_text())] == ["binary_crossentropy", "brier"]
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["status"] == "pass"


#: a check "a" (bce) with a baseline file other checks may share
SHARED_A = '''
[defaults]
labels = "data/binary_labels.csv"
baseline = "shared.json"
max_increase = 0.0

[[check]]
name = "a"
loss = "bce"
preds = "data/binary_probs.csv"
'''


SHARED_A_AND_B_ON_ANOTHER_FILE = SHARED_A + '''
[[check]]
name = "b"
loss = "bce"
preds = "data/binary_candidate.csv"
pred_cols = "p"
'''


def test_checks_of_one_loss_on_two_files_sharing_a_baseline_find_their_own_entries(runner, project):
    cfg = write(project, SHARED_A_AND_B_ON_ANOTHER_FILE)
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    assert [c["status"] for c in json.loads(r.stdout)["checks"] if c["kind"] == "max_increase"] == ["pass", "pass"]


def test_a_check_is_never_compared_with_another_checks_entry_of_a_shared_baseline(runner, project):
    """With one entry in a baseline file two checks share (the other check's, written by ``--only``), the
    check was compared with that other file's value and passed (exit 0); it fails naming the files now,
    and passes once its own entry is written."""
    cfg = write(project, SHARED_A_AND_B_ON_ANOTHER_FILE)
    assert invoke(runner, ["check", cfg, "--only", "a", "--update-baseline"]).exit_code == 0
    r = invoke(runner, ["check", cfg, "--only", "b", "--json"])
    assert r.exit_code == 1, r.stderr
    (check,) = json.loads(r.stdout)["checks"]
    assert check["status"] == "fail" and "binary_probs.csv" in check["message"] and "binary_candidate.csv" in check["message"]
    assert invoke(runner, ["check", cfg, "--only", "b", "--update-baseline"]).exit_code == 0
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    assert [c["status"] for c in json.loads(r.stdout)["checks"] if c["kind"] == "max_increase"] == ["pass", "pass"]


def test_only_one_check_updating_a_shared_baseline_keeps_the_other_checks_entries(runner, project):
    """``check --only a --update-baseline`` rewrote a baseline file shared with check b with a's entry
    alone: b then had no baseline (its max_increase gate passed on nothing)."""
    cfg = write(project, SHARED_A_B)
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    shared = project / "shared.json"
    before = json.loads(shared.read_text())
    before[0]["value"] = 99.0  # a's entry, so that its replacement shows
    shared.write_text(json.dumps(before))
    r = invoke(runner, ["check", cfg, "--only", "a", "--update-baseline"])
    assert r.exit_code == 0, r.stderr
    after = json.loads(shared.read_text())
    assert [d["loss"] for d in after] == ["binary_crossentropy", "brier"]
    assert after[0]["value"] != 99.0 and after[1] == before[1]
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    assert [c["status"] for c in json.loads(r.stdout)["checks"] if c["kind"] == "max_increase"] == ["pass", "pass"]


SHARED_BY_CONVENTIONS = '''
[defaults]
labels = "data/binary_labels.csv"
preds = "data/binary_probs.csv"
baseline = "shared.json"
max_increase = 0.0

[[check]]
name = "losscli"
loss = "bce"

[[check]]
name = "keras"
loss = "bce"
convention = "keras"

[[check]]
name = "sum"
loss = "bce"
reduction = "sum"
'''


def test_checks_of_one_loss_and_file_under_other_conventions_or_reductions_share_a_baseline(runner, project):
    """Three checks of bce on one file (losscli's mean, Keras' mean, the sum) sharing a baseline: the file
    --update-baseline wrote made every check fail on the unchanged model (exit 1, "holds results of other
    predictions"); and ``--only keras`` wrote Keras' 0.33567034 in place of the losscli entry."""
    cfg = write(project, SHARED_BY_CONVENTIONS)
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    checks = json.loads(r.stdout)["checks"]
    assert [(c["check"], c["status"], c["value"]) for c in checks] == [
        ("losscli max_increase", "pass", 0.0), ("keras max_increase", "pass", 0.0), ("sum max_increase", "pass", 0.0)]
    shared = project / "shared.json"
    before = json.loads(shared.read_text())
    r = invoke(runner, ["check", cfg, "--only", "keras", "--update-baseline"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(shared.read_text()) == before
    assert invoke(runner, ["check", cfg]).exit_code == 0


def test_a_weighted_and_an_unweighted_check_of_one_file_share_a_baseline(runner, project):
    """A check with sample weights and one without, on one file, sharing a baseline: both failed on the
    unchanged model (exit 1)."""
    cfg = write(project, SHARED_BY_CONVENTIONS.split("[[check]]")[0] + '''
[[check]]
name = "plain"
loss = "bce"

[[check]]
name = "weighted"
loss = "bce"
weights = "data/binary_weights.csv"
''')
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr
    assert [(c["check"], c["status"]) for c in json.loads(r.stdout)["checks"]] == [
        ("plain max_increase", "pass"), ("weighted max_increase", "pass")]


def test_checks_naming_one_baseline_file_by_other_paths_write_it_once(runner, project):
    """"shared.json" and its absolute path were two updates of one file: the second rename failed (exit
    3) and the file kept one check's entries."""
    cfg = write(project, SHARED_A + f'''
[[check]]
name = "b"
loss = "brier"
preds = "data/binary_probs.csv"
baseline = "{project / 'shared.json'}"
''')
    r = invoke(runner, ["check", cfg, "--update-baseline"])
    assert r.exit_code == 0 and r.stderr.count("updated") == 1, r.stderr
    assert [d["loss"] for d in json.loads((project / "shared.json").read_text())] == ["binary_crossentropy", "brier"]
    assert invoke(runner, ["check", cfg]).exit_code == 0


def test_a_check_that_errors_keeps_its_entry_in_a_shared_baseline(runner, project):
    """Check b's input missing: the run exits 3, and the update rewrote the shared file with a's entry
    alone, so that b had no baseline once its input was back."""
    cfg = write(project, SHARED_A + '''
[[check]]
name = "b"
loss = "brier"
preds = "b.csv"
''')
    shutil.copy(project / "data" / "binary_probs.csv", project / "b.csv")
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    before = json.loads((project / "shared.json").read_text())
    (project / "b.csv").rename(project / "b.hidden")
    r = invoke(runner, ["check", cfg, "--update-baseline"])
    assert r.exit_code == 3
    after = json.loads((project / "shared.json").read_text())
    assert [d["loss"] for d in after] == ["binary_crossentropy", "brier"] and after[1] == before[1]
    (project / "b.hidden").rename(project / "b.csv")
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 0, r.stderr


@pytest.mark.parametrize("mistake", ['max_group = 0.5', 'params = {gamma = 2}'])
def test_a_mistake_in_a_check_is_a_usage_error_before_any_check_runs(runner, project, mistake):
    """max_group without group_col, or a parameter bce does not take, became an ERROR row after the other
    checks had run and their reports were written; the README says such mistakes are exit 2 before
    anything runs."""
    cfg = write(project, BCE + f'''
[[check]]
name = "wrong"
loss = "bce"
labels = "data/binary_labels.csv"
preds = "data/binary_probs.csv"
{mistake}
''')
    r = invoke(runner, ["check", cfg, "--junit-xml", project / "j.xml"])
    assert r.exit_code == 2 and r.stdout == "" and "check 'wrong'" in r.stderr
    assert not (project / "j.xml").exists()


def test_checks_of_two_columns_of_one_file_sharing_a_baseline_keep_apart(runner, project):
    """Two checks scoring two columns of one file against one baseline file: each was compared with the
    first entry of the file (model b, worsened by 5 %, passed against model a's value), and `--only b
    --update-baseline` replaced a's entry. Entries are told apart by their prediction columns too."""
    data = project / "data"
    (data / "two.csv").write_text("p_a,p_b\n" + "".join(f"{a},{b}\n" for a, b in [(0.3, 0.25), (0.7, 0.75)] * 100))
    (data / "y2.csv").write_text("label\n" + "0\n1\n" * 100)
    cfg = write(project, '''
[defaults]
labels = "data/y2.csv"
preds = "data/two.csv"
loss = "bce"
baseline = "two.json"
max_rel_increase = "1%"

[[check]]
name = "a"
pred_cols = "p_a"

[[check]]
name = "b"
pred_cols = "p_b"
''')
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    assert invoke(runner, ["check", cfg, "--only", "b", "--update-baseline"]).exit_code == 0
    entries = json.loads((project / "two.json").read_text())
    assert sorted(d["inputs"]["preds"]["columns"][0] for d in entries) == ["p_a", "p_b"]
    # model b 9 % worse, still better than model a's baseline value
    (data / "two.csv").write_text("p_a,p_b\n" + "".join(f"{a},{b}\n" for a, b in [(0.3, 0.27), (0.7, 0.73)] * 100))
    r = invoke(runner, ["check", cfg, "--json"])
    assert r.exit_code == 1
    assert {c["check"]: c["status"] for c in json.loads(r.stdout)["checks"]} == {
        "a max_rel_increase": "pass", "b max_rel_increase": "fail"}


def test_a_shared_baseline_is_found_from_another_working_folder(runner, project, monkeypatch):
    """Run from the check file's folder, a check named its predictions '/…/ci/../data/p.csv' where the
    baseline, written from the project's folder, says 'data/p.csv': both checks failed for no baseline."""
    (project / "ci").mkdir()
    write(project / "ci", SHARED_A_AND_B_ON_ANOTHER_FILE.replace('"data/', '"../data/').replace(
        '"shared.json"', '"../shared.json"'))
    monkeypatch.chdir(project)
    assert invoke(runner, ["check", "ci/losscheck.toml", "--update-baseline"]).exit_code == 0
    monkeypatch.chdir(project / "ci")
    r = invoke(runner, ["check", "losscheck.toml", "--json"])
    assert r.exit_code == 0, r.stdout


def test_updating_one_checks_entry_keeps_an_entry_whose_path_ends_its_path(runner, project):
    """p.csv is the end of old/p.csv: --only previous --update-baseline replaced p.csv's entry with old/p.csv's
    result (two entries of old/p.csv, and check current failed). The very same path is matched first."""
    (project / "data" / "old").mkdir()
    (project / "data" / "p.csv").write_text((project / "data" / "binary_probs.csv").read_text())
    (project / "data" / "old" / "p.csv").write_text((project / "data" / "binary_candidate.csv").read_text())
    cfg = write(project / "data", """
[defaults]
labels = "binary_labels.csv"
loss = "bce"
pred_cols = "p"
baseline = "shared.json"
max_increase = 0.0

[[check]]
name = "current"
preds = "p.csv"

[[check]]
name = "previous"
preds = "old/p.csv"
""")
    assert invoke(runner, ["check", cfg, "--update-baseline"]).exit_code == 0
    assert invoke(runner, ["check", cfg, "--only", "previous", "--update-baseline"]).exit_code == 0
    files = sorted(d["inputs"]["preds"]["file"].replace("\\\\", "/").split("data/")[-1]
                   for d in json.loads((project / "data" / "shared.json").read_text()))
    assert files == ["old/p.csv", "p.csv"]
    assert invoke(runner, ["check", cfg]).exit_code == 0


def test_a_failed_checks_line_names_its_check(project, capsys):
    """Two checks of one loss printed the same-looking FAIL lines; an ERROR line named its check already."""
    cfg = write(project, BCE.replace('"bce"\nloss', '"model A"\nloss') + "max = 0.3\n"
                + BCE.replace('"bce"\nloss', '"model B"\nloss') + "max = 0.3\n")
    code, out, err = run_cli(["check", cfg, "--json"], capsys)
    assert code == 1
    assert err.splitlines() == [f"FAIL model {m}: binary_crossentropy mean 0.33567 > max 0.3 (n=200)" for m in "AB"]
    assert [c["message"] for c in json.loads(out)["checks"]] == ["binary_crossentropy mean 0.33567 > max 0.3 (n=200)"] * 2
