"""`--max-group` and `--max-class` take limits as `--max` does: `LOSS=X` per loss, one unnamed limit for every
loss, and a repeat for one loss (or a loss not evaluated) a usage error; `--baseline` takes one file."""

from __future__ import annotations

import json

import pytest
from cli_helpers import run_cli


@pytest.fixture
def two_losses(sample):
    return ["eval", "bce,brier", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_candidate.csv",
            "--pred-cols", "p"]


def _slice_checks(stdout: str, kind: str) -> dict[str, list[dict]]:
    """The checks of ``kind`` of each loss of a JSON report of several losses."""
    return {doc["loss"]: [c for c in doc.get("checks", []) if c["kind"] == kind] for doc in json.loads(stdout)}


@pytest.mark.parametrize("option, breakdown, kind", [
    ("--max-group", ["--group-col", "region"], "max_group"),
    ("--max-class", ["--by-class"], "max_class"),
])
def test_each_named_limit_applies_to_its_own_loss(two_losses, capsys, option, breakdown, kind):
    code, out, err = run_cli([*two_losses, *breakdown, option, "brier=0.01", option, "bce=5", "--json",
                              "--summary-only"], capsys)
    assert code == 1, err
    checks = _slice_checks(out, kind)
    assert checks["brier"] and all(c["status"] == "fail" and c["limit"] == 0.01 for c in checks["brier"])
    assert [(c["status"], c["limit"]) for c in checks["binary_crossentropy"]] == [("pass", 5)]
    assert all(line.startswith("FAIL brier ") for line in err.splitlines())


@pytest.mark.parametrize("option, breakdown", [("--max-group", ["--group-col", "region"]),
                                               ("--max-class", ["--by-class"])])
def test_a_named_limit_leaves_the_other_losses_ungated(two_losses, capsys, option, breakdown):
    code, out, err = run_cli([*two_losses, *breakdown, option, "bce=0.01", "--json", "--summary-only"], capsys)
    assert code == 1, err
    checks = _slice_checks(out, option[2:].replace("-", "_"))
    assert checks["brier"] == [] and checks["binary_crossentropy"]


@pytest.mark.parametrize("given", [
    ["--max-group", "1", "--max-group", "3"],
    ["--max-group", "3", "--max-group", "1"],
    ["--max-group", "brier=1", "--max-group", "brier_score=3"],
    ["--max-class", "1", "--max-class", "3"],
])
def test_a_limit_given_twice_for_one_loss_is_a_usage_error_whatever_the_order(two_losses, capsys, given):
    code, out, err = run_cli([*two_losses, "--group-col", "region", *given, "-q"], capsys)
    assert code == 2 and out == ""
    assert "is given twice" in err


@pytest.mark.parametrize("option, breakdown", [("--max-group", ["--group-col", "region"]),
                                               ("--max-class", ["--by-class"])])
def test_a_limit_naming_a_loss_not_evaluated_is_a_usage_error(sample, capsys, option, breakdown):
    code, out, err = run_cli(["eval", "brier", "--labels", sample / "binary_labels.csv", "--preds",
                              sample / "binary_candidate.csv", "--pred-cols", "p", *breakdown, option, "bce=2", "-q"],
                             capsys)
    assert code == 2 and out == ""
    assert f"{option} names binary_crossentropy, which is not evaluated here" in err


def test_a_baseline_given_twice_is_a_usage_error(two_losses, capsys, tmp_path):
    first, second = tmp_path / "a.json", tmp_path / "b.json"
    code, out, err = run_cli([*two_losses, "--baseline", first, "--baseline", second, "--max-increase", "0.01",
                              "-q"], capsys)
    assert code == 2 and out == ""
    assert "--baseline is given 2 times" in err


@pytest.mark.parametrize("key, breakdown", [("max_group", 'group_col = "region"'), ("max_class", "")])
def test_a_check_files_slice_limit_may_name_the_checks_loss(sample, capsys, tmp_path, key, breakdown):
    cfg = tmp_path / "losscheck.toml"
    cfg.write_text(f'''[[check]]
name = "slices"
loss = "bce"
labels = "{(sample / 'binary_labels.csv').as_posix()}"
preds = "{(sample / 'binary_candidate.csv').as_posix()}"
pred_cols = "p"
{breakdown}
{key} = ["log_loss=0.01"]
''')
    code, out, err = run_cli(["check", cfg, "--json"], capsys)
    assert code == 1, err
    checks = [c for c in json.loads(out)["checks"] if c["kind"] == key]
    assert checks and all(c["status"] == "fail" and c["limit"] == 0.01 for c in checks)
