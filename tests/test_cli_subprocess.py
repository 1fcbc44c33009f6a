"""A few real subprocess runs: the installed entry point, `python -m`, pipes and closed stdout."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

ENV = {**os.environ, "NO_COLOR": "1"}


def run(args, **kw):
    return subprocess.run([sys.executable, "-m", "losscli", *args], capture_output=True, text=True, env=ENV, **kw)


def test_python_dash_m(sample):
    r = run(["eval", "bce", "--labels", str(sample / "binary_labels.csv"), "--preds", str(sample / "binary_probs.csv")])
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout)["n"] == 200


def test_closed_stdout_is_quiet(sample):
    cmd = (f"set -o pipefail; {sys.executable} -m losscli eval bce --labels {sample / 'binary_labels.csv'} "
           f"--preds {sample / 'binary_probs.csv'} --nl | head -1")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    assert r.stderr == ""
    assert json.loads(r.stdout)["index"] == 0


def test_bad_data_exit_3_no_traceback(tmp_path):
    (tmp_path / "y.csv").write_text("y\n1\nx\n")
    (tmp_path / "p.csv").write_text("p\n0.5\n0.5\n")
    r = run(["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv")])
    assert r.returncode == 3 and r.stdout == ""
    assert "Traceback" not in r.stderr and "y.csv" in r.stderr and "row 3" in r.stderr


@pytest.mark.parametrize("pipe_input", [True])
def test_stdin_pipe_with_jq_shape(sample, pipe_input):
    data = (sample / "regression.csv").read_text()
    r = run(["eval", "mse", "-", "--json"], input=data)
    assert r.returncode == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["loss"] == "mse" and doc["n"] == 120


@pytest.mark.parametrize("given,expected", [(None, "1"), ("3", "3")])
def test_the_command_keeps_openblas_to_one_thread_unless_told(sample, given, expected):
    """NumPy's OpenBLAS threads spin for about 0.1 s after loading and take a core from the kernels: the
    command sets OPENBLAS_NUM_THREADS=1 before NumPy loads, unless the user set it."""
    code = ("import os, sys\nfrom losscli.cli import main\nassert 'numpy' not in sys.modules\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "import numpy\nsys.stderr.write('BLAS=' + os.environ.get('OPENBLAS_NUM_THREADS', '-'))\n")
    env = {k: v for k, v in ENV.items() if k != "OPENBLAS_NUM_THREADS"}
    if given is not None:
        env["OPENBLAS_NUM_THREADS"] = given
    r = subprocess.run([sys.executable, "-c", code, "eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "-q"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 0, r.stderr
    assert r.stderr.endswith(f"BLAS={expected}") and float(r.stdout) > 0


def test_a_plain_run_does_not_import_what_it_does_not_use(tmp_path):
    """Start-up is most of a small run: numpy.random (10 ms) is for histogram samples and bootstraps, zipfile
    for .npz files, numpy.ma (10 ms) for masked arrays handed to the Python API, the CSV reader (with the csv
    and shlex modules) for text files, the quality taps, breakdowns and bootstrap for signatures, --by-class,
    --group-col and --ci, the gates for thresholds, baselines and signatures, the check file and the paired
    comparison (and their settings classes) for check and compare, json for JSON output, glob for globs of
    shards, the NumPy path's input checks where the compiled kernel takes the chunks; a one-number run on
    .npy files needs none of them."""
    import numpy as np

    np.save(tmp_path / "y.npy", np.array([0, 1, 2, 1]))
    np.save(tmp_path / "p.npy", np.eye(3, dtype=np.float32)[[0, 1, 2, 0]])
    unused = ("numpy.random", "zipfile", "numpy.ma", "losscli.io.csv_reader", "csv", "shlex", "losscli.quality.taps",
              "losscli.quality.breakdown", "losscli.quality.bootstrap", "losscli.quality.gates",
              "losscli.quality.checkfile", "losscli.quality.paired", "json", "glob")
    from losscli._native import kernels

    if kernels() is not None:  # the compiled kernel takes the chunks (else the NumPy path checks them)
        unused += ("losscli.engine.validate",)
    code = ("import sys\nfrom losscli.cli import main\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            f"sys.stderr.write(' '.join(m for m in {unused!r} if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code, "eval", "scce", "--labels", str(tmp_path / "y.npy"),
                        "--preds", str(tmp_path / "p.npy"), "--logits", "-q"], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and float(r.stdout) > 0, r.stderr
    assert r.stderr == ""


def test_the_bare_command_prints_its_help_as_written():
    r = run([])
    assert r.returncode == 2 and r.stdout == ""
    assert r.stderr.startswith("Usage: losscli [OPTIONS] COMMAND") and "\\n" not in r.stderr
    assert "\n  eval " in r.stderr and "Exit codes:" in r.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_debug_shows_the_traceback_wherever_it_is_written(sample, where):
    args = ["eval", "bce", str(sample / "regression.csv"), "-q"]
    r = run(["--debug", *args] if where == "before" else [*args, "--debug"])
    assert r.returncode == 3 and r.stdout == ""
    assert "Traceback (most recent call last)" in r.stderr and "losscli: error: binary_crossentropy labels" in r.stderr


def test_a_missing_dependency_is_named_with_how_to_install_it(sample, tmp_path):
    """An install without one of losscli's dependencies (here orjson, which JSON lines need) names it."""
    (tmp_path / "orjson.py").write_text("raise ModuleNotFoundError(\"No module named 'orjson'\", name='orjson')\n")
    (tmp_path / "d.jsonl").write_text('{"y": 1, "p": 0.8}\n{"y": 0, "p": 0.3}\n')
    env = {**ENV, "PYTHONPATH": os.pathsep.join([str(tmp_path), ENV.get("PYTHONPATH", "")])}
    r = subprocess.run([sys.executable, "-m", "losscli", "eval", "bce", str(tmp_path / "d.jsonl"), "-q"],
                       capture_output=True, text=True, env=env)
    assert r.returncode == 4 and r.stdout == ""
    assert "the module 'orjson' is not installed" in r.stderr and "pip install orjson" in r.stderr
    assert "internal error" not in r.stderr and "Traceback" not in r.stderr


def test_start_up_defers_collection_until_the_input_streams(sample):
    """Loading the command creates tens of thousands of long-lived objects: the collector's first threshold
    is START_UP_OBJECTS until the input starts to stream, when they are frozen and the process's own
    thresholds are back (the stream is collected as before); thresholds set by someone else, or a disabled
    collector, are left alone. No callback runs inside the collector."""
    code = (
        "import gc\nfrom losscli.startup import START_UP_OBJECTS, defer_collection, done\n"
        "usual = gc.get_threshold()\ndefer_collection()\n"
        "assert gc.get_threshold() == (START_UP_OBJECTS, *usual[1:]), gc.get_threshold()\n"
        "assert not gc.callbacks\ngc.collect()\nassert gc.get_threshold()[0] == START_UP_OBJECTS\n"
        "done()\nassert gc.get_threshold() == usual and gc.get_freeze_count() > 0, gc.get_threshold()\ndone()\n"
        "gc.set_threshold(0)\ndefer_collection()\ndone()\nassert gc.get_threshold()[0] == 0\n"
        "gc.set_threshold(*usual)\ndefer_collection()\ngc.set_threshold(5000)\ndone()\n"
        "assert gc.get_threshold()[0] == 5000\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    # the command itself: deferred while it loads, as usual once its input has streamed
    code = ("import atexit, gc, sys\nusual = gc.get_threshold()\n"
            "atexit.register(lambda: sys.stderr.write(f'restored={gc.get_threshold() == usual}'))\n"
            "from losscli.__main__ import run\nrun()\n")
    r = subprocess.run([sys.executable, "-c", code, "eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "-q"], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and float(r.stdout) > 0, r.stderr
    assert r.stderr == "restored=True"


def test_what_is_alive_at_exit_is_left_to_the_process(sample, tmp_path):
    """At exit the interpreter would collect cycles among everything still alive (some 20 ms): the command
    freezes it once it is done. The atexit handlers still run, and the output is complete."""
    code = ("import atexit, gc, sys\n"
            "atexit.register(lambda: sys.stderr.write(f'frozen={gc.get_freeze_count() > 0}'))\n"
            "from losscli.__main__ import run\nrun()\n")
    out = tmp_path / "values.csv"
    r = subprocess.run([sys.executable, "-c", code, "eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "-o", str(out), "-q"],
                       capture_output=True, text=True, env=ENV)
    assert r.returncode == 0 and float(r.stdout) > 0, r.stderr
    assert r.stderr == "frozen=True"
    assert len(out.read_text().splitlines()) == 201  # a header and the 200 samples
