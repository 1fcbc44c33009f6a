"""Output options that would do nothing beside another are usage errors naming both, with a hint that works;
``--summary-only`` leaves the sample rows out of the table as it leaves ``per_sample`` out of the JSON."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

DATA = Path(__file__).resolve().parents[2] / "sample_data"
ARGS = ["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds", DATA / "binary_probs.csv"]


def _bce() -> float:
    y = np.loadtxt(DATA / "binary_labels.csv", delimiter=",", skiprows=1)
    p = np.loadtxt(DATA / "binary_probs.csv", delimiter=",", skiprows=1)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))


@pytest.mark.parametrize("flag", ["--csv", "--tsv", "--nl"])
def test_summary_only_beside_a_per_sample_format_is_refused_and_its_hint_works(flag, capsys):
    code, out, err = run_cli([*ARGS, "--summary-only", flag], capsys)
    assert code == 2 and out == ""
    assert "--summary-only" in err and flag in err and "writes only them" in err
    assert "Traceback" not in err and err.count("\n") == 1
    # the hint: the summary alone with --json --summary-only ...
    code, out, err = run_cli([*ARGS, "--json", "--summary-only"], capsys)
    doc = json.loads(out)
    assert code == 0 and "per_sample" not in doc and doc["value"] == pytest.approx(_bce(), rel=1e-12)
    # ... or the per-sample values without --summary-only
    code, out, err = run_cli([*ARGS, flag], capsys)
    assert code == 0 and len(out.splitlines()) == 200 + (flag != "--nl")


@pytest.mark.parametrize("flag", ["-q", "--md"])
def test_summary_only_beside_a_summary_format_is_refused_and_its_hint_works(flag, capsys):
    code, out, err = run_cli([*ARGS, "--summary-only", flag], capsys)
    assert code == 2 and out == ""
    assert f"--summary-only changes nothing beside {flag}" in err and "leave out --summary-only" in err
    code, out, err = run_cli([*ARGS, flag], capsys)  # the hint
    assert code == 0
    if flag == "-q":
        assert float(out) == pytest.approx(_bce(), rel=1e-12)
    else:
        assert f"{_bce():.5g}" in out


@pytest.mark.parametrize("flag", ["--json", "--nl", "--csv", "--md", "--format=table"])
def test_quiet_beside_a_format_is_refused_and_either_alone_works(flag, capsys):
    code, out, err = run_cli([*ARGS, "-q", flag], capsys)
    assert code == 2 and out == ""
    shown = flag.replace("=", " ")
    assert f"-q and {shown} ask for two reports" in err and f"-q alone prints the value, {shown} alone" in err
    code, out, _ = run_cli([*ARGS, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(_bce(), rel=1e-12)
    code, out, _ = run_cli([*ARGS, *flag.split("=")], capsys)
    assert code == 0 and out


def test_merge_refuses_quiet_beside_a_format(tmp_path, capsys):
    state = tmp_path / "s.json"
    code, _, _ = run_cli([*ARGS, "-q", "--state-out", state], capsys)
    assert code == 0
    code, out, err = run_cli(["merge", state, "-q", "--json"], capsys)
    assert code == 2 and out == "" and "-q and --json" in err
    code, out, _ = run_cli(["merge", state, "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(_bce(), rel=1e-12)


def test_summary_only_leaves_the_sample_rows_out_of_the_table(capsys):
    code, full, _ = run_cli([*ARGS, "--format", "table"], capsys)
    assert code == 0 and "190 more" in full and "p(true)" in full
    code, out, err = run_cli([*ARGS, "--format", "table", "--summary-only"], capsys)
    assert code == 0 and err == ""
    assert "190 more" not in out and "p(true)" not in out  # no sample rows
    assert "binary_probs.csv" in out and f"{_bce():.5g}" in out and "distribution" in out  # the summary
