"""Every peer's reduction name on the command line and in check files; ``none`` = per-sample values only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli


@pytest.fixture
def data(tmp_path):
    (tmp_path / "d.csv").write_text("y,p\n1,0.9\n0,0.2\n1,0.6\n")
    return tmp_path / "d.csv"


@pytest.mark.parametrize(("peer", "ours"), [("sum_over_batch_size", "mean_over_n"), ("batchmean", "mean_over_n"),
                                            ("mean_with_sample_weight", "weighted_mean")])
def test_peer_reduction_names_on_the_command_line(data, capsys, peer, ours):
    _, a, _ = run_cli(["eval", "bce", data, "--reduction", peer, "-q"], capsys)
    _, b, _ = run_cli(["eval", "bce", data, "--reduction", ours, "-q"], capsys)
    assert a == b and float(a) > 0


def test_reduction_none_gives_the_per_sample_values_only(data, capsys):
    code, out, _ = run_cli(["eval", "bce", data, "--reduction", "none", "-q"], capsys)
    assert code == 0
    np.testing.assert_allclose([float(v) for v in out.split()], -np.log([0.9, 0.8, 0.6]), rtol=1e-15)
    code, out, _ = run_cli(["eval", "bce", data, "--reduction", "none", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["value"] is None and len(doc["per_sample"]) == 3
    code, out, _ = run_cli(["eval", "bce", data, "--reduction", "none", "--nl"], capsys)
    assert code == 0 and len(out.splitlines()) == 3
    assert losscli.evaluate("bce", [1, 0], [0.9, 0.2], reduction="none").per_sample.shape == (2,)


@pytest.mark.parametrize("extra", [["--max", "0.5"], ["--format", "table"], ["--md"], ["--ci", "0.9"]])
def test_reduction_none_refuses_what_needs_a_value(data, capsys, extra):
    code, out, err = run_cli(["eval", "bce", data, "--reduction", "none", *extra], capsys)
    assert code == 2 and out == "" and "--reduction none" in err


@pytest.fixture
def two_models(tmp_path):
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n")
    (tmp_path / "a.csv").write_text("p\n0.9\n0.2\n0.6\n")
    (tmp_path / "b.csv").write_text("p\n0.8\n0.3\n0.7\n")
    return ["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "a.csv", "--preds", tmp_path / "b.csv",
            "--reduction", "none"]


@pytest.mark.parametrize("fmt, flag", [("--nl", "--nl"), ("--csv", "--csv"), ("--tsv", "--tsv"), ("-q", "-q")])
def test_reduction_none_beside_several_prediction_files_is_refused_where_a_file_has_no_place(two_models, capsys,
                                                                                              fmt, flag):
    """--nl, --csv and --tsv wrote the ranking, one line per file with no value, and -q the files' values run
    together, exit 0: the per-sample values asked for, not shown or not told apart."""
    code, out, err = run_cli([*two_models, fmt], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert f"--reduction none asks for per-sample values, and beside several prediction files (2) {flag}" in err
    assert "run once per file, or use --json" in err


def test_reduction_none_beside_several_prediction_files_gives_each_files_values_in_json(two_models, capsys):
    code, out, err = run_cli([*two_models, "--json"], capsys)
    assert code == 0, err
    docs = {Path(d["file"]).name: d["per_sample"] for d in json.loads(out)}
    np.testing.assert_allclose(docs["a.csv"], -np.log([0.9, 0.8, 0.6]), rtol=1e-15)
    np.testing.assert_allclose(docs["b.csv"], -np.log([0.8, 0.7, 0.7]), rtol=1e-15)


def test_peer_reduction_names_in_check_files(data, tmp_path, capsys):
    (tmp_path / "losscheck.toml").write_text(
        f'[[check]]\nname = "a"\nloss = "bce"\ndata = "{data.name}"\nreduction = "sum_over_batch_size"\nmax = 1\n'
        f'[[check]]\nname = "b"\nloss = "bce"\ndata = "{data.name}"\nreduction = "mean_with_sample_weight"\n'
        'max = 0.25\n'
    )
    code, out, err = run_cli(["check", tmp_path / "losscheck.toml", "--json"], capsys)
    assert code == 1, err
    assert [c["status"] for c in json.loads(out)["checks"]] == ["pass", "fail"]
    (tmp_path / "none.toml").write_text(f'[[check]]\nname = "a"\nloss = "bce"\ndata = "{data.name}"\n'
                                        'reduction = "none"\nmax = 1\n')
    code, out, err = run_cli(["check", tmp_path / "none.toml"], capsys)
    assert code == 2 and out == "" and "reduction 'none' gives per-sample values only" in err


@pytest.mark.parametrize("convention", ["losscli", "sklearn", "torch"])
def test_a_sum_over_every_sample_ignored_is_0_with_a_null_mean(tmp_path, capsys, convention):
    """``--reduction sum`` with every label ignored said "cannot take a mean" (exit 3): the mean reported
    beside the sum was refused, though the sum of nothing is torch's 0."""
    (tmp_path / "s.csv").write_text("y,p0,p1\n-100,0.2,0.8\n-100,0.5,0.5\n")
    code, out, err = run_cli(["eval", "scce", tmp_path / "s.csv", "--label-cols", "y", "--ignore-index", "-100",
                              "--reduction", "sum", "--convention", convention, "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert (doc["value"], doc["n"], doc["mean"]) == (0.0, 0, None)


def test_reduction_none_with_several_prediction_files_hints_at_the_format_that_works(data, capsys):
    """--reduction none beside several prediction files and --md: the hint names --json, the one format that
    keeps each file's values apart (the per-sample formats are refused there), and following it works."""
    (data.parent / "y.csv").write_text("y\n1\n0\n1\n")
    for name in ("p1.csv", "p2.csv"):
        (data.parent / name).write_text("p\n0.9\n0.2\n0.6\n")
    args = ["eval", "bce", "--labels", data.parent / "y.csv", "--preds", data.parent / "p1.csv", "--preds",
            data.parent / "p2.csv", "--reduction", "none"]
    code, out, err = run_cli([*args, "--md"], capsys)
    assert code == 2 and out == ""
    assert "choose --json (each prediction file's per_sample list)" in err
    code, out, _ = run_cli([*args, "--json"], capsys)
    assert code == 0 and [len(d["per_sample"]) for d in json.loads(out)] == [3, 3]
