"""An option that takes one value, given two, is a usage error in every command (click would keep the last
and drop the others unsaid); the same value twice, or a flag twice, passes."""

from __future__ import annotations

import click
import pytest
from cli_helpers import invoke

from losscli.cli import cli
from losscli.cli_options import refuse_repeated_options


@pytest.fixture
def eval_args(sample):
    return ["eval", "bce", "--labels", sample / "binary_labels.csv", "--preds", sample / "binary_candidate.csv",
            "--pred-cols", "p"]


@pytest.mark.parametrize("option, first, second", [
    ("--weights", "binary_weights.csv", "binary_labels.csv"),
    ("--id-col", "id", "key"),
    ("--group-col", "region", "p"),
    ("--delta", "1", "2"),
    ("--label-cols", "label", "1"),
    ("--convention", "torch", "keras"),
    ("--reduction", "mean", "sum"),
    ("--nan", "skip", "warn"),
])
def test_eval_refuses_an_option_given_two_values(runner, sample, eval_args, option, first, second):
    if option == "--weights":
        first, second = sample / first, sample / second
    r = invoke(runner, [*eval_args, option, first, option, second, "-q"])
    assert r.exit_code == 2, r.stderr
    assert r.stdout == ""
    assert f"{option} is given 2 times ({first}, {second}); it takes one" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_the_short_name_counts_with_the_long_one_and_no_file_is_written(runner, eval_args, tmp_path):
    first, second = tmp_path / "a.csv", tmp_path / "b.csv"
    r = invoke(runner, [*eval_args, "--output", first, f"-o{second}", "--json"])
    assert r.exit_code == 2 and r.stdout == ""
    assert f"--output is given 2 times ({first}, {second}); it takes one" in r.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("args, message", [
    (["compare", "bce", "--top", "3", "--top", "5"], "--top is given 2 times (3, 5)"),
    (["compare", "bce", "--tol", "0.1", "--tol=0.2"], "--tol is given 2 times (0.1, 0.2)"),
    (["merge", "s.json", "--state-out", "a.json", "--state-out", "b.json"], "--state-out is given 2 times (a.json, b.json)"),
    (["check", "--junit-xml", "a.xml", "--junit-xml", "b.xml"], "--junit-xml is given 2 times (a.xml, b.xml)"),
    (["check", "--format", "json", "--format", "md"], "--format is given 2 times (json, md)"),
    (["list", "--format", "json", "--format", "table"], "--format is given 2 times (json, table)"),
    (["explain", "bce", "--format", "json", "--format", "text"], "--format is given 2 times (json, text)"),
])
def test_every_command_refuses_an_option_given_two_values(runner, tmp_path, monkeypatch, args, message):
    monkeypatch.chdir(tmp_path)
    r = invoke(runner, args)
    assert r.exit_code == 2 and r.stdout == ""
    assert f"{message}; it takes one" in r.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_two_names_of_a_flag_contradict_each_other(runner, eval_args):
    r = invoke(runner, [*eval_args, "--logits", "--probs", "-q"])
    assert r.exit_code == 2 and r.stdout == ""
    assert "--logits and --probs contradict each other" in r.stderr


def test_the_same_value_twice_and_a_flag_twice_pass(runner, sample, eval_args):
    once = invoke(runner, [*eval_args, "--weights", sample / "binary_weights.csv", "-q"])
    twice = invoke(runner, [*eval_args, "--weights", sample / "binary_weights.csv", "--weights",
                            sample / "binary_weights.csv", "--probs", "--from-probs", "-q", "--quiet"])
    assert once.exit_code == twice.exit_code == 0, twice.stderr
    assert twice.stdout == once.stdout and float(once.stdout) > 0


def test_options_taking_several_are_not_concerned(runner, sample, eval_args):
    r = invoke(runner, [*eval_args, "--max", "5", "--min", "0", "--max", "brier=1", "-q"])
    assert r.exit_code == 2 and "brier" in r.stderr and "is given 2 times" not in r.stderr
    r = invoke(runner, [*eval_args, "--max", "5", "--min", "0", "--min", "0", "-q"])
    assert "is given 2 times" not in r.stderr


def test_shell_completion_parses_a_repeat_without_an_error():
    ctx = cli.make_context("losscli", ["eval", "bce", "--delta", "1", "--delta", "2"], resilient_parsing=True)
    sub = cli.get_command(ctx, "eval").make_context("eval", ["bce", "--delta", "1", "--delta", "2"], parent=ctx,
                                                    resilient_parsing=True)
    assert sub.params["delta"] == 2.0


def test_where_the_values_are_not_known_any_repeat_is_refused():
    option = click.Option(["--delta"])
    ctx = click.Context(click.Command("x", params=[option]))
    refuse_repeated_options(ctx, [option], None)
    with pytest.raises(click.UsageError, match="--delta is given 2 times; it takes one"):
        refuse_repeated_options(ctx, [option, option], None)


@pytest.mark.parametrize("given, named", [
    (["--json", "--md"], "--json and --md ask for two reports"),
    (["--csv", "--nl"], "--csv and --nl ask for two reports"),
    (["--format", "tsv", "--json"], "--format tsv and --json ask for two reports"),
    (["--md", "--format", "table"], "--md and --format table ask for two reports"),
    (["--csv", "--tsv", "--nl", "--csv"], "--csv, --tsv and --nl ask for 3 reports"),
])
def test_two_output_formats_are_refused_naming_both(runner, eval_args, given, named):
    r = invoke(runner, [*eval_args, *given])
    assert r.exit_code == 2 and r.stdout == ""
    assert f"{named} on standard output, which holds one; give one of them" in r.stderr


@pytest.mark.parametrize("args", [
    ["compare", "bce", "--json", "--md"],
    ["check", "--md", "--json"],
    ["merge", "s.json", "--format", "md", "--json"],
    ["list", "--json", "--format", "table"],
    ["explain", "bce", "--format", "text", "--json"],
])
def test_every_command_refuses_two_formats(runner, tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    r = invoke(runner, args)
    assert r.exit_code == 2 and r.stdout == ""
    assert "ask for two reports on standard output" in r.stderr


def test_a_format_given_by_two_of_its_names_passes(runner, eval_args):
    r = invoke(runner, [*eval_args, "--format", "json", "--json", "--summary-only"])
    assert r.exit_code == 0, r.stderr
    assert r.stdout.startswith("{")


@pytest.mark.parametrize("extra", [["--weights", "a", "--weights", "b"], ["--json", "--md"]])
def test_help_answers_beside_a_repeated_option(runner, extra):
    """--help shows the help whatever else is given, a repeated option or two formats included (as click lets
    it win over an invalid value)."""
    for args in (["eval", "bce", *extra, "--help"], ["eval", "--help", *extra], ["compare", "--help", "--top", "1",
                                                                                    "--top", "2"]):
        r = invoke(runner, args)
        assert r.exit_code == 0 and r.stdout.startswith("Usage: losscli"), (args, r.stderr)
