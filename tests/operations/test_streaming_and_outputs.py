"""The shared operations: every command streams in the plan's chunks; outputs are one transaction."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from cli_helpers import run_cli

from losscli.chunking import default_chunk_rows
from losscli.inputs import plan as plan_module


@pytest.fixture
def multiclass(tmp_path):
    rng = np.random.default_rng(0)
    n, c = 250_000, 10
    np.save(tmp_path / "y.npy", rng.integers(0, c, n))
    np.save(tmp_path / "a.npy", rng.normal(size=(n, c)))
    np.save(tmp_path / "b.npy", rng.normal(size=(n, c)))
    return tmp_path, n, c


@pytest.fixture
def batch_sizes(monkeypatch):
    sizes: list[int] = []
    original = plan_module.InputPlan.batches

    def recording(self):
        for batch in original(self):
            sizes.append(len(batch))
            yield batch

    monkeypatch.setattr(plan_module.InputPlan, "batches", recording)
    return sizes


def test_eval_check_and_compare_stream_in_the_plans_chunks(multiclass, batch_sizes, capsys):
    d, n, c = multiclass
    limit = default_chunk_rows(c)
    assert limit < n
    y, a, b = d / "y.npy", d / "a.npy", d / "b.npy"
    code, out, err = run_cli(["eval", "scce", "--labels", y, "--preds", a, "--logits", "-q"], capsys)
    assert code == 0, err
    value = float(out)
    assert max(batch_sizes) <= limit and sum(batch_sizes) == n
    batch_sizes.clear()
    (d / "losscheck.toml").write_text(f'[[check]]\nname = "m"\nloss = "scce"\nlabels = "{y}"\npreds = "{a}"\n'
                                      f"logits = true\nmax = 100\n")
    code, out, err = run_cli(["check", d / "losscheck.toml", "--json"], capsys)
    assert code == 0, err
    assert json.loads(out)["results"][0]["value"] == pytest.approx(value, rel=1e-15)
    assert max(batch_sizes) <= limit and sum(batch_sizes) == n
    batch_sizes.clear()
    code, out, err = run_cli(["compare", "scce", "--labels", y, "--preds", a, "--baseline-preds", b, "--logits",
                              "--bootstrap", "20", "--json"], capsys)
    assert code == 0, err
    assert max(batch_sizes) <= limit and sum(batch_sizes) == 2 * n


# ------------------------------------------------------------------------------------------- transactions


@pytest.fixture
def regression(tmp_path):
    (tmp_path / "reg.csv").write_text("y,p\n1,1.5\n2,2.5\n3,2\n")
    return tmp_path


def _leftovers(folder) -> list[str]:
    return sorted(p for p in os.listdir(folder) if ".tmp-" in p)


def test_an_output_that_is_an_input_is_a_usage_error(regression, capsys):
    before = (regression / "reg.csv").read_text()
    code, out, err = run_cli(["eval", "mse", regression / "reg.csv", "--output", regression / "reg.csv"], capsys)
    assert code == 2 and out == "" and "is one of the inputs" in err
    assert (regression / "reg.csv").read_text() == before


def test_every_file_read_is_kept_from_the_outputs_and_two_outputs_never_share_a_file(regression, capsys):
    """The baseline (read unless --update-baseline), a --class-weights file and a check's inputs and check
    file were overwritten by an output with exit 0, and two outputs naming one file lost it with exit 3."""
    reg = regression / "reg.csv"
    (regression / "base.json").write_text(run_cli(["eval", "mse", reg, "--json"], capsys)[1])
    (regression / "cls.csv").write_text("label,c0,c1\n0,0.8,0.2\n1,0.3,0.7\n")
    (regression / "cw.csv").write_text("1\n2\n")
    (regression / "keep.csv").write_text("precious\n")
    (regression / "lc.toml").write_text(f'[[check]]\nname = "m"\nloss = "mse"\ndata = "{reg}"\nmax = 9\n')
    kept = {p: p.read_text() for p in regression.iterdir()}
    refused = [
        (["eval", "mse", reg, "--baseline", regression / "base.json", "--max-increase", "0.1", "--state-out",
          regression / "base.json"], "is one of the inputs"),
        (["eval", "mse", reg, "--baseline", regression / "base.json", "--junit-xml", regression / "base.json"],
         "is one of the inputs"),
        (["eval", "scce", regression / "cls.csv", "--class-weights", regression / "cw.csv", "-o",
          regression / "cw.csv"], "is one of the inputs"),
        (["eval", "mse", reg, "-o", regression / "keep.csv", "--state-out", regression / "keep.csv", "-q"],
         "two outputs name the file"),
        (["eval", "mse", reg, "--junit-xml", regression / "keep.csv", "--openmetrics", regression / "keep.csv"],
         "two outputs name the file"),
        (["check", regression / "lc.toml", "--junit-xml", reg], "is one of the inputs"),
        (["check", regression / "lc.toml", "--junit-xml", regression / "lc.toml"], "is one of the inputs"),
        (["check", regression / "lc.toml", "--junit-xml", regression / "keep.csv", "--openmetrics",
          regression / "keep.csv"], "two outputs name the file"),
    ]
    for args, message in refused:
        code, out, err = run_cli(args, capsys)
        assert (code, out) == (2, "") and message in err, (args, err)
    assert {p: p.read_text() for p in regression.iterdir()} == kept and _leftovers(regression) == []
    code, out, err = run_cli(["eval", "mse", reg, "--baseline", regression / "base.json", "--update-baseline",
                              "--max-increase", "0.1", "-q"], capsys)  # the baseline written on purpose
    assert code == 0, err


@pytest.mark.skipif(os.name != "posix", reason="symbolic links and permission bits")
@pytest.mark.parametrize("option", ["--output", "--state-out", "--junit-xml"])
def test_an_output_through_a_symlink_replaces_its_target_and_keeps_the_files_permissions(regression, capsys,
                                                                                         option):
    """The staged file was renamed onto the link itself (the link became a file of its own, the file it
    named kept the old content) and every replaced file got the umask's permissions (a 600 file became 644)."""
    ext = ".csv" if option == "--output" else ".json"
    real, link = regression / f"real{ext}", regression / f"link{ext}"
    real.write_text("old\n")
    real.chmod(0o600)
    link.symlink_to(real.name)
    code, out, err = run_cli(["eval", "mse", regression / "reg.csv", option, link, "-q"], capsys)
    assert code == 0, err
    assert link.is_symlink() and os.readlink(link) == real.name
    assert real.read_text() != "old\n" and (real.stat().st_mode & 0o777) == 0o600
    assert _leftovers(regression) == []


def test_a_failing_later_output_leaves_no_earlier_one(regression, capsys):
    code, out, err = run_cli(["eval", "mse", regression / "reg.csv", "--output", regression / "out.csv",
                              "--state-out", regression / "missing" / "state.json"], capsys)
    assert code == 3 and out == ""
    assert not (regression / "out.csv").exists() and _leftovers(regression) == []
    (regression / "junit.xml").mkdir()
    code, out, err = run_cli(["eval", "mse", regression / "reg.csv", "--output", regression / "out.csv",
                              "--junit-xml", regression / "junit.xml"], capsys)
    assert code == 3 and out == "" and "directory" in err
    assert not (regression / "out.csv").exists() and _leftovers(regression) == []


def test_update_baseline_replaces_only_a_losscli_result(regression, capsys):
    notes = regression / "notes.json"
    notes.write_text('{"my": "notes"}\n')
    code, out, err = run_cli(["eval", "mse", regression / "reg.csv", "--baseline", notes, "--update-baseline",
                              "--output", regression / "out.csv"], capsys)
    assert code == 2 and out == "" and "not a losscli result" in err
    assert notes.read_text() == '{"my": "notes"}\n'
    assert not (regression / "out.csv").exists() and _leftovers(regression) == []
    base = regression / "base.json"
    code, _, err = run_cli(["eval", "mse", regression / "reg.csv", "--baseline", base, "--update-baseline"], capsys)
    assert code == 0 and json.loads(base.read_text())["loss"] == "mse"
    code, _, err = run_cli(["eval", "mse", regression / "reg.csv", "--baseline", base, "--update-baseline"], capsys)
    assert code == 0, err


def test_sigterm_mid_stream_removes_the_staged_output(tmp_path):
    rng = np.random.default_rng(2)
    np.save(tmp_path / "y.npy", rng.normal(size=8_000_000))
    np.save(tmp_path / "p.npy", rng.normal(size=8_000_000))
    proc = subprocess.Popen([sys.executable, "-m", "losscli", "eval", "mse", "--labels", "y.npy", "--preds", "p.npy",
                             "--output", "out.csv", "-q"], cwd=tmp_path, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and proc.poll() is None and not any(
            (tmp_path / name).stat().st_size > 1 << 20 for name in _leftovers(tmp_path)):
        time.sleep(0.02)  # until the staged output holds its first rows: the run is mid-stream
    assert proc.poll() is None, "the run ended before it could be interrupted"
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 143, err
    assert out == b"" and b"terminated" in err and b"Traceback" not in err
    assert not (tmp_path / "out.csv").exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("args,kept", [(["-q"], False), (["--json"], True), (["--format", "table"], True),
                                       (["-q", "--html", "r.html"], True)])
def test_display_rows_are_kept_only_for_a_report_that_shows_them(multiclass, capsys, monkeypatch, args, kept):
    """-q prints the value alone: the first, last and worst rows and the histogram sample are not kept (they
    cost a pass over every chunk); the value is the one JSON reports."""
    from losscli import pipeline

    if "--html" in args:
        pytest.importorskip("matplotlib")
        args = [*args[:-1], str(multiclass[0] / args[-1])]
    seen: list[bool] = []
    original = pipeline.DisplaySample.add

    def add(self, *a, **kw):
        seen.append(self.enabled)
        return original(self, *a, **kw)

    monkeypatch.setattr(pipeline.DisplaySample, "add", add)
    d, _, _ = multiclass
    code, out, err = run_cli(["eval", "scce", "--labels", d / "y.npy", "--preds", d / "a.npy", "--logits", *args],
                             capsys)
    assert code == 0, err
    assert seen and set(seen) == {kept}
    code, quiet, _ = run_cli(["eval", "scce", "--labels", d / "y.npy", "--preds", d / "a.npy", "--logits", "-q"],
                             capsys)
    if args == ["--json"]:
        assert json.loads(out)["value"] == float(quiet)


@pytest.mark.parametrize("option", ["--output", "--state-out", "--junit-xml", "--openmetrics"])
def test_a_dash_for_an_output_file_is_a_usage_error_not_a_file_named_dash(regression, capsys, monkeypatch,
                                                                           option):
    monkeypatch.chdir(regression)
    if option == "--openmetrics":  # and the baseline that --update-baseline writes
        code, out, err = run_cli(["eval", "mse", "reg.csv", "--baseline", "-", "--update-baseline", "-q"], capsys)
        assert (code, out) == (2, "") and "standard output carries the report" in err
    code, out, err = run_cli(["eval", "mse", "reg.csv", option, "-", "-q"], capsys)
    assert (code, out) == (2, "") and "standard output carries the report" in err
    assert not (regression / "-").exists()
    if option == "--output":  # the hint: per-sample values on standard output
        code, out, err = run_cli(["eval", "mse", "reg.csv", "--format", "csv"], capsys)
        assert code == 0 and len(out.splitlines()) >= 4, err


@pytest.mark.skipif(os.name != "posix", reason="permission bits")
def test_the_staged_copy_of_a_private_file_is_private_while_it_is_written(tmp_path):
    """The staging file was created under the umask (644) and given the replaced file's mode only at the
    rename: a private report was readable by others for the whole run."""
    from losscli.files import OutputTransaction, staging_path, write_atomic

    target = tmp_path / "private.json"
    target.write_text("old\n")
    target.chmod(0o600)
    with OutputTransaction():
        write_atomic(str(target), "{}\n")
        assert (staging_path(target).stat().st_mode & 0o777) == 0o600  # staged, not yet in place
    assert target.read_text() == "{}\n" and (target.stat().st_mode & 0o777) == 0o600
    target.chmod(0o440)  # read-only: replaced as before, its copy writable by its owner while written
    with OutputTransaction():
        write_atomic(str(target), "[]\n")
        assert (staging_path(target).stat().st_mode & 0o777) == 0o640
    assert target.read_text() == "[]\n" and (target.stat().st_mode & 0o777) == 0o440


def test_an_output_inside_a_directory_read_as_one_input_is_a_usage_error(tmp_path, capsys):
    """A directory of parts read as one dataset: ``-o parts/part-1.csv`` replaced that part with the
    per-sample losses (exit 0, the part's rows lost), and a new file written among the parts would be read as
    one of them by the next run."""
    parts = tmp_path / "parts"
    parts.mkdir()
    (parts / "part-0.csv").write_text("y,p\n1,1.5\n2,2.5\n")
    (parts / "part-1.csv").write_text("y,p\n3,2\n4,4.5\n")
    kept = {p: p.read_text() for p in parts.iterdir()}
    for target in (parts / "part-1.csv", parts / "scores.csv"):
        code, out, err = run_cli(["eval", "mse", parts, "-o", target, "-q"], capsys)
        assert (code, out) == (2, "") and "a directory read as one of the inputs" in err, err
    assert {p: p.read_text() for p in parts.iterdir()} == kept
    code, out, err = run_cli(["eval", "mse", parts, "-o", tmp_path / "scores.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx((0.25 + 0.25 + 1 + 0.25) / 4), err
