"""The GitHub Action (action.yml) and the pre-commit hook: valid files, and their commands run on sample_data/.

The action's shell steps are run here as the runner runs them (``bash --noprofile --norc -eo pipefail``,
the step's ``env`` with its ``${{ inputs.* }}`` / ``${{ github.* }}`` expressions filled in, files for
``GITHUB_OUTPUT`` and ``GITHUB_STEP_SUMMARY``). The install step's pip command is checked, not run: it
would replace the package under test.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
ACTION = yaml.safe_load((ROOT / "action.yml").read_text())
BIN = str(Path(sys.executable).parent)


def _fill(value: str, inputs: dict[str, str]) -> str:
    def sub(m: re.Match) -> str:
        expr = m.group(1).strip()
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr == "github.action_path":
            return str(ROOT)
        raise AssertionError(f"unexpected expression {expr}")

    return re.sub(r"\$\{\{(.*?)\}\}", sub, str(value))


def run_step(step_id: str, tmp_path: Path, **given: str) -> tuple[subprocess.CompletedProcess, dict, str]:
    inputs = {k: str(v.get("default", "")) for k, v in ACTION["inputs"].items()}
    for k, v in given.items():
        inputs[k.replace("_", "-")] = v
    step = next(s for s in ACTION["runs"]["steps"] if s.get("id") == step_id)
    assert step["shell"] == "bash"
    out_file, summary = tmp_path / "output", tmp_path / "summary.md"
    out_file.touch()
    env = {**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"], "GITHUB_OUTPUT": str(out_file),
           "GITHUB_STEP_SUMMARY": str(summary)}
    env.update({k: _fill(v, inputs) for k, v in step.get("env", {}).items()})
    script = tmp_path / "step.sh"
    script.write_text(step["run"])
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)], cwd=tmp_path,
                          env=env, capture_output=True, text=True)
    outputs = dict(line.split("=", 1) for line in out_file.read_text().splitlines())
    return proc, outputs, summary.read_text() if summary.exists() else ""


def test_action_metadata_is_a_complete_composite_action():
    assert ACTION["runs"]["using"] == "composite"
    assert {"command", "check-file", "args", "junit-xml", "install", "python-version"} <= set(ACTION["inputs"])
    for name, spec in ACTION["inputs"].items():
        assert spec.get("description"), name
    for step in ACTION["runs"]["steps"]:
        assert "uses" in step or step.get("shell") == "bash"
    # every output refers to a step that exists
    ids = {s.get("id") for s in ACTION["runs"]["steps"]}
    for spec in ACTION["outputs"].values():
        assert re.fullmatch(r"\$\{\{ steps\.(\w+)\.outputs\.[\w-]+ \}\}", spec["value"]).group(1) in ids
    install = next(s for s in ACTION["runs"]["steps"] if s.get("id") == "install")
    assert "pip install" in install["run"] and "losscli --version" in install["run"]


def test_action_check_on_the_example_check_file(tmp_path):
    proc, outputs, summary = run_step("run", tmp_path, check_file=str(ROOT / "examples" / "losscheck.toml"),
                                      junit_xml="reports/junit.xml")
    assert proc.returncode == 0, proc.stderr
    assert outputs == {"exit-code": "0", "junit-xml": "reports/junit.xml"}
    assert "losscli checks" in summary and "passed" in summary
    suite = ET.parse(tmp_path / "reports" / "junit.xml").getroot()
    assert int(suite.find(".//testsuite").get("tests") if suite.tag == "testsuites" else suite.get("tests")) > 0


def test_action_eval_with_a_failing_gate_fails_the_step(tmp_path):
    args = (f"bce --labels {shlex.quote(str(ROOT / 'sample_data/binary_labels.csv'))} "
            f"--preds {shlex.quote(str(ROOT / 'sample_data/binary_candidate.csv'))} --pred-cols p --max 0.01 -q")
    proc, outputs, summary = run_step("run", tmp_path, command="eval", args=args)
    assert proc.returncode == 1
    assert outputs["exit-code"] == "1"
    assert "fail" in summary.lower()
    assert "<failure" in (tmp_path / "losscli-junit.xml").read_text()


def test_action_rejects_an_unknown_command(tmp_path):
    proc, _, _ = run_step("run", tmp_path, command="evaluate")
    assert proc.returncode == 2 and "command must be check or eval" in proc.stdout


def test_action_without_summary_or_junit(tmp_path):
    args = f"mse {shlex.quote(str(ROOT / 'sample_data/regression.csv'))} --max 10 -q"
    proc, outputs, summary = run_step("run", tmp_path, command="eval", args=args, junit_xml="", step_summary="false")
    assert proc.returncode == 0, proc.stderr
    assert summary == "" and not (tmp_path / "losscli-junit.xml").exists()
    assert float(proc.stdout) > 0


def test_pre_commit_hook_runs_losscli_check():
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text())
    (hook,) = hooks
    assert hook["id"] == "losscli-check" and hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for name in ("losscheck.toml", "sub/pyproject.toml", "out/preds.csv", "x.parquet", "s.jsonl.gz"):
        assert files.search(name), name
    assert not files.search("losscli/cli.py")
    # pre-commit runs `entry + args` from the repository root
    cmd = shlex.split(hook["entry"]) + ["examples/losscheck.toml"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                          env={**os.environ, "PATH": BIN + os.pathsep + os.environ["PATH"]})
    assert proc.returncode == 0, proc.stderr
