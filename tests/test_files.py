"""Output files (losscli.files): a device, a FIFO or ``/dev/stdout`` named as an output is written into, never
replaced by a regular file (the rename of a staged file put one where the device was: ``--state-out`` on
a private copy of ``/dev/null`` left a regular file of 882 bytes in its place); the step summary, appended
to, is refused on an input file as every other output is."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from cli_helpers import run_cli

from losscli.files import is_special, staging_path

DATA = Path(__file__).resolve().parent.parent / "sample_data"
ARGS = ["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds", DATA / "binary_probs.csv", "-q"]
VALUE = "0.3356703351337619"


def _reader(path: Path) -> tuple[threading.Thread, list[bytes]]:
    got: list[bytes] = []

    def read() -> None:
        with open(path, "rb") as fh:
            got.append(fh.read())

    thread = threading.Thread(target=read, daemon=True)
    thread.start()
    return thread, got


@pytest.mark.parametrize("option", ["--state-out", "--junit-xml", "--openmetrics", "--output"])
def test_a_fifo_is_written_into_and_stays_a_fifo(tmp_path, capsys, option):
    fifo = tmp_path / ("out.csv" if option == "--output" else "out")
    os.mkfifo(fifo)
    thread, got = _reader(fifo)
    args = ARGS[:-1] if option == "--output" else ARGS  # --output with -q: no per-sample file to write
    code, out, err = run_cli([*args, option, fifo], capsys)
    thread.join(10)
    assert code == 0, err
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert got and len(got[0]) > 20
    assert not [p for p in os.listdir(tmp_path) if p != "out" and p != "out.csv"]


def test_an_output_linked_to_a_fifo_is_written_through_the_link(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    (tmp_path / "state.json").symlink_to(fifo)
    thread, got = _reader(fifo)
    code, _, err = run_cli([*ARGS, "--state-out", tmp_path / "state.json"], capsys)
    thread.join(10)
    assert code == 0 and got and b'"losscli.engine.state"' in got[0], err
    assert (tmp_path / "state.json").is_symlink() and stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_device_stays_a_device(tmp_path, capsys):
    node = tmp_path / "null"
    try:
        os.mknod(node, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null (needs root)
    except (PermissionError, OSError):
        pytest.skip("cannot create a device node here")
    code, out, err = run_cli([*ARGS, "--state-out", node, "--junit-xml", tmp_path / "j.xml"], capsys)
    assert code == 0 and out.strip() == VALUE, err
    assert stat.S_ISCHR(os.stat(node).st_mode)
    assert is_special(node) and staging_path(node).parent != tmp_path


def test_a_failed_run_leaves_a_fifo_unopened(tmp_path, capsys):
    """No reader is needed: a run that fails never opens its outputs (opening a FIFO to write would wait)."""
    fifo = tmp_path / "out"
    os.mkfifo(fifo)
    bad = tmp_path / "p.csv"
    bad.write_text("p\n0.5\nx\n")
    code, out, _ = run_cli(["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds", bad, "-q",
                            "--state-out", fifo], capsys)
    assert code == 3 and out == "" and stat.S_ISFIFO(os.stat(fifo).st_mode)


@pytest.mark.skipif(not os.path.exists("/dev/stdout"), reason="no /dev/stdout")
@pytest.mark.parametrize("stdout", ["pipe", "file"])
def test_an_output_naming_standard_output_is_refused(tmp_path, stdout):
    """``--state-out /dev/stdout``: on a pipe it was 'No such file or directory' (its link resolved to
    pipe:[…]), into a file it replaced the report; standard output carries the report, as ``-`` says."""
    args = [sys.executable, "-m", "losscli", *map(str, ARGS), "--state-out", "/dev/stdout"]
    if stdout == "pipe":
        r = subprocess.run(args, capture_output=True, text=True)
        out = r.stdout
    else:
        with open(tmp_path / "out.txt", "w") as fh:
            r = subprocess.run(args, stdout=fh, stderr=subprocess.PIPE, text=True)
        out = (tmp_path / "out.txt").read_text()
    assert r.returncode == 2 and out == "" and "standard output carries the report" in r.stderr, r.stderr


def test_the_step_summary_on_an_input_is_refused(tmp_path, capsys, monkeypatch):
    """``--step-summary`` appended its Markdown to the predictions file named by $GITHUB_STEP_SUMMARY (exit 0)."""
    preds = tmp_path / "p.csv"
    preds.write_bytes((DATA / "binary_probs.csv").read_bytes())
    before = preds.read_bytes()
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(preds))
    code, out, err = run_cli(["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds", preds, "-q",
                              "--step-summary"], capsys)
    assert code == 2 and out == "" and "is one of the inputs" in err, err
    assert preds.read_bytes() == before
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(tmp_path / "summary.md"))  # the hint: another file
    code, out, err = run_cli(["eval", "bce", "--labels", DATA / "binary_labels.csv", "--preds", preds, "-q",
                              "--step-summary"], capsys)
    assert code == 0 and out.strip() == VALUE and (tmp_path / "summary.md").read_text().startswith("|"), err


def test_what_reports_a_file_written_runs_once_it_is_in_place(tmp_path):
    """after_commit: run when the transaction's files are in place, never when they are rolled back; at once
    outside a transaction."""
    from losscli.files import OutputTransaction, after_commit, write_atomic

    said: list[bool] = []
    target = tmp_path / "out.txt"
    with OutputTransaction():
        write_atomic(str(target), "x")
        after_commit(lambda: said.append(target.exists()))
        assert said == []
    assert said == [True]
    with pytest.raises(RuntimeError), OutputTransaction():
        after_commit(lambda: said.append(False))
        raise RuntimeError
    assert said == [True]
    after_commit(lambda: said.append(True))
    assert said == [True, True]


def test_a_report_below_a_file_names_the_file(tmp_path, capsys):
    """--junit-xml d.csv/x.xml said "File exists"."""
    data = tmp_path / "d.csv"
    data.write_text("y,p\n1,0.9\n0,0.2\n")
    code, out, err = run_cli(["eval", "bce", data, "--junit-xml", tmp_path / "d.csv" / "x.xml", "-q"], capsys)
    assert (code, out) == (3, "") and f"{data} is a file, not a folder" in err, err
    assert data.read_text() == "y,p\n1,0.9\n0,0.2\n"
