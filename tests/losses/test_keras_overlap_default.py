"""Dice and Tversky under ``--convention keras`` default to Keras' own ``axis=None``: one value for the whole
batch, against values computed by Keras 3 itself (``tests/reference/keras_overlap_reference_values.json``,
written by ``tests/reference/generate_keras_overlap_reference.py``), through the Python API, the command
line from NPY and CSV files, streamed in small chunks, from shard states merged, and from a check file.
The other conventions keep ``axis=-1`` (one value per sample), and an explicit ``axis`` always wins.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke, run_cli
from click.testing import CliRunner

import losscli
from losscli.engine.evaluator import Evaluator

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "keras_overlap_reference_values.json"
DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
IDS = [c["id"] for c in CASES]


def _arrays(case: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(case["y_true"]), np.array(case["y_pred"])


def _expr(case: dict) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in case["params"].items())
    return f"{case['loss']}({params})" if params else case["loss"]


def _close(value: float, case: dict, expected_key: str = "keras_value") -> None:
    np.testing.assert_allclose(value, case[expected_key], rtol=case["rtol"], atol=case["atol"],
                               err_msg=f"{case['id']}; source: {case['source']}")


def test_reference_file_is_from_keras_and_never_names_axis():
    assert DATA["versions"]["keras"].startswith("3.")
    assert len(set(IDS)) == len(IDS) == 12
    for case in CASES:
        assert "axis" not in case["params"]
        # the batch value is not the mean of the per-sample values: a test that could not tell them apart
        # would prove nothing
        assert abs(case["keras_value"] - case["per_sample_mean"]) > 1e-4, case["id"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_keras_convention_is_batch_level_by_default(case):
    y, p = _arrays(case)
    r = losscli.evaluate(case["loss"], y, p, convention="keras", **case["params"])
    _close(r.value, case)
    assert r.params["axis"] == "none"
    assert r.batch_level and r.per_sample is None
    assert r.summary()["batch_level"] is True
    explicit = losscli.evaluate(case["loss"], y, p, convention="keras", axis="-1", **case["params"])
    _close(explicit.value, case, "per_sample_mean")  # an explicit axis wins
    assert explicit.per_sample is not None and not explicit.batch_level


@pytest.mark.parametrize("conv", ["losscli", "torch", "sklearn"])
def test_other_conventions_keep_one_value_per_sample(conv):
    case = CASES[0]
    y, p = _arrays(case)
    spec = losscli.get_loss("dice")
    if conv not in spec.conventions:
        with pytest.raises(losscli.errors.UsageError, match="conventions that define it: losscli, keras"):
            losscli.evaluate("dice", y, p, convention=conv)
        return
    r = losscli.evaluate("dice", y, p, convention=conv)
    assert r.params["axis"] == "-1" and not r.batch_level
    assert r.per_sample is not None and r.per_sample.shape == (y.shape[0],)
    _close(r.value, case, "per_sample_mean")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_npy(case, tmp_path, capsys):
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    code, out, err = run_cli(["eval", _expr(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
                              "--convention", "keras", "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    _close(doc["value"], case)
    assert doc["batch_level"] is True and doc["per_sample"] is None
    assert doc["params"]["axis"] == "none"
    assert "over the whole batch" in doc["rule"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_csv_streamed_in_small_chunks(case, tmp_path, capsys):
    y, p = _arrays(case)
    k = y.shape[1]
    header = [f"y{j}" for j in range(k)] + [f"p{j}" for j in range(k)]
    rows = [",".join([str(int(v)) for v in y[i]] + [repr(float(v)) for v in p[i]]) for i in range(y.shape[0])]
    path = tmp_path / "data.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(rows) + "\n")
    code, out, err = run_cli(["eval", _expr(case), path, "--label-cols", ",".join(header[:k]), "--pred-cols", ",".join(header[k:]), "--convention", "keras",
                              "--chunk-rows", "4", "-q"], capsys)
    assert code == 0, err
    _close(float(out), case)


@pytest.mark.parametrize("case", CASES[:4], ids=IDS[:4])
def test_shard_states_merge_to_the_batch_value(case, tmp_path, capsys):
    y, p = _arrays(case)
    states = []
    for i, (a, b) in enumerate(((0, 2), (2, 3), (3, y.shape[0]))):
        np.save(tmp_path / f"y{i}.npy", y[a:b])
        np.save(tmp_path / f"p{i}.npy", p[a:b])
        state = tmp_path / f"s{i}.json"
        code, _, err = run_cli(["eval", _expr(case), "--labels", tmp_path / f"y{i}.npy", "--preds",
                                tmp_path / f"p{i}.npy", "--convention", "keras", "--state-out", state, "-q"], capsys)
        assert code == 0, err
        states.append(state)
    code, out, err = run_cli(["merge", *states, "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    doc = doc[0] if isinstance(doc, list) else doc
    _close(doc["value"], case)
    assert doc["batch_level"] is True


def test_check_file_convention_keras_is_batch_level(tmp_path, capsys):
    case = CASES[0]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    value = case["keras_value"]
    (tmp_path / "losscheck.toml").write_text(
        '[[check]]\nname = "mask"\nloss = "dice"\nconvention = "keras"\nlabels = "y.npy"\npreds = "p.npy"\n'
        f"max = {value + 1e-4}\n\n"
        '[[check]]\nname = "mask per sample"\nloss = "dice(axis=-1)"\nconvention = "keras"\n'
        f'labels = "y.npy"\npreds = "p.npy"\nmax = {value + 1e-4}\n')
    code, out, err = run_cli(["check", tmp_path / "losscheck.toml", "--format", "json"], capsys)
    assert code == 1, err  # the per-sample mean is above the batch value's gate
    doc = json.loads(out)
    by_name = {r["check"]: r for r in doc["results"]}
    _close(by_name["mask"]["value"], case)
    assert by_name["mask"]["batch_level"] is True
    _close(by_name["mask per sample"]["value"], case, "per_sample_mean")
    assert "batch_level" not in by_name["mask per sample"]


def test_streamed_evaluator_equals_one_pass():
    case = CASES[4]  # 40 × 64 masks
    y, p = _arrays(case)
    ev = Evaluator("dice", convention="keras")
    for a in range(0, y.shape[0], 7):
        ev.update(y[a:a + 7], p[a:a + 7])
    _close(ev.result().value, case)


# ------------------------------------------------------------------------ no misleading per-sample output


@pytest.mark.parametrize("args, asked", [
    (["--format", "csv"], "--format csv"),
    (["--format", "jsonl"], "--format jsonl"),
    (["--format", "tsv"], "--format tsv"),
    (["-o", "{out}"], "--output"),
])
def test_per_sample_output_of_a_batch_value_is_a_usage_error(tmp_path, args, asked):
    case = CASES[0]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    out_file = tmp_path / "per_sample.csv"
    base = ["eval", "bce,dice", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--convention", "keras"]
    r = invoke(CliRunner(), [*base, *(a.format(out=out_file) for a in args)])
    assert r.exit_code == 2
    assert r.stdout == ""
    assert not out_file.exists()
    assert f"no per-sample values for {asked}" in r.stderr and "dice(axis=-1)" in r.stderr
    # the hint works: dice(axis=-1) gives one value per sample, Keras' Dice(axis=-1)
    fixed = [*base[:1], "bce,dice(axis=-1)", *base[2:], *(a.format(out=out_file) for a in args)]
    r = invoke(CliRunner(), fixed)
    assert r.exit_code == 0, r.stderr
    text = out_file.read_text() if asked == "--output" else r.stdout
    if asked == "--format jsonl":
        values = [list(json.loads(line).values())[-1] for line in text.splitlines()]
    else:
        sep = "\t" if asked == "--format tsv" else ","
        values = [float(line.split(sep)[-1]) for line in text.splitlines()[1:]]
    assert len(values) == y.shape[0]
    _close(float(np.mean(values)), case, "per_sample_mean")  # Keras' Dice(axis=-1), one value per sample


def test_weights_and_reductions_are_refused_with_a_hint_that_works(tmp_path, capsys):
    case = CASES[0]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    np.save(tmp_path / "w.npy", np.full(y.shape[0], 2.0))
    base = ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--convention", "keras", "-q"]
    code, out, err = run_cli(["eval", "dice", *base, "--weights", tmp_path / "w.npy"], capsys)
    assert code == 2 and out == "" and "takes no sample weights" in err and "axis=-1" in err
    code, out, err = run_cli(["eval", "dice(axis=-1)", *base, "--weights", tmp_path / "w.npy"], capsys)
    assert code == 0, err
    # Keras' sum_over_batch_size: Σw·l / N, twice the unweighted mean with every weight 2
    np.testing.assert_allclose(float(out), 2 * case["per_sample_mean"], rtol=case["rtol"])
    code, out, err = run_cli(["eval", "dice", *base, "--reduction", "sum"], capsys)
    assert code == 2 and "axis=-1" in err
    code, out, err = run_cli(["eval", "dice(axis=-1)", *base, "--reduction", "sum"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(float(out), case["per_sample_mean"] * y.shape[0], rtol=1e-6)


def test_table_says_batch_level_and_shows_no_per_sample_rows(tmp_path):
    case = CASES[0]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    r = invoke(CliRunner(), ["eval", "dice", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
                             "--convention", "keras", "--format", "table"])
    assert r.exit_code == 0, r.stderr
    text = " ".join(r.stdout.split())  # the rich grid wraps long cells
    assert "batch-level: 1 − 2ΣTP / (Σy + Σp + 1e-7) over the whole batch" in text
    assert "dice(axis=-1) gives one per sample" in text
    value = losscli.evaluate("dice", *_arrays(case), convention="keras").value
    _close(value, case)
    assert f"value {value:.6g}" in text
    assert "predicted" not in r.stdout and "distribution" not in r.stdout


def test_to_frame_of_a_batch_value_says_why():
    case = CASES[0]
    r = losscli.evaluate("dice", *_arrays(case), convention="keras")
    with pytest.raises(losscli.errors.UsageError, match="one value for the whole batch"):
        r.to_frame()


def test_explain_names_the_keras_default():
    r = invoke(CliRunner(), ["explain", "dice"])
    assert r.exit_code == 0
    assert "default -1; keras: none" in r.stdout
    assert "keras    mean = 1 − 2ΣTP / (Σy + Σp + 1e-7) over the whole batch (axis=None)" in r.stdout
    doc = json.loads(invoke(CliRunner(), ["explain", "tversky", "--format", "json"]).stdout)
    assert doc["conventions"]["keras"]["defaults"] == {"axis": "none"}
    assert "defaults" not in doc["conventions"]["losscli"]


def test_subprocess_keras_default_matches_keras(tmp_path):
    case = CASES[-1]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", _expr(case), "--labels", str(tmp_path / "y.npy"),
                           "--preds", str(tmp_path / "p.npy"), "--convention", "keras", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    _close(float(proc.stdout), case)


def test_markdown_and_html_say_batch_level(tmp_path):
    pytest.importorskip("matplotlib")
    case = CASES[0]
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    base = ["eval", "bce,dice", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--convention", "keras"]
    r = invoke(CliRunner(), [*base, "--md"])
    assert r.exit_code == 0, r.stderr
    dice_row = next(line for line in r.stdout.splitlines() if line.startswith("| `dice`"))
    assert "| mean (batch-level) |" in dice_row and "| — | — | — |" in dice_row
    assert "> dice: one value for the whole batch" in r.stdout
    r = invoke(CliRunner(), [*base, "-q", "--html", tmp_path / "r.html"])
    assert r.exit_code == 0, r.stderr
    assert "mean (batch-level)" in (tmp_path / "r.html").read_text()
