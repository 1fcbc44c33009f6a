"""`losscli eval` through click's CliRunner: inputs, modes, columns, formats, exit codes, messages."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke

import losscli
from losscli.cli import cli


def read_col(path: Path, col: int | str = 0) -> np.ndarray:
    with open(path) as fh:
        rows = list(csv.reader(fh))
    header, body = rows[0], rows[1:]
    j = header.index(col) if isinstance(col, str) else col
    return np.array([float(r[j]) for r in body])


def read_cols(path: Path, names: list[str]) -> np.ndarray:
    return np.column_stack([read_col(path, n) for n in names])


def test_two_file_csv_json_matches_api(runner, sample):
    r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    y, p = read_col(sample / "binary_labels.csv"), read_col(sample / "binary_probs.csv")
    api = losscli.evaluate("bce", y, p)
    assert doc["schema"] == 1 and doc["loss"] == "binary_crossentropy" and doc["convention"] == "losscli"
    assert doc["value"] == api.value and doc["n"] == 200
    assert doc["per_sample"] == api.per_sample.tolist()
    for key in ("mean", "sum", "weight_sum", "std", "min", "max", "clipped", "reduction", "params"):
        assert key in doc


def test_logits_weights_and_reductions(runner, sample):
    y = read_col(sample / "binary_labels.csv")
    x = read_col(sample / "binary_logits.csv")
    w = read_col(sample / "binary_weights.csv")
    for red in ("mean", "sum", "mean_over_n"):
        r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                            "--preds", str(sample / "binary_logits.csv"), "--weights",
                            str(sample / "binary_weights.csv"), "--logits", "--reduction", red, "-q"])
        assert r.exit_code == 0, r.stderr
        api = losscli.evaluate("bce", y, x, from_logits=True, sample_weight=w, reduction=red)
        assert float(r.stdout) == api.value


def test_one_file_string_labels(runner, sample):
    path = sample / "animals.csv"
    r = invoke(runner, ["eval", "cce", str(path), "--json", "--summary-only"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert doc["inputs"]["labels"]["columns"] == ["label"]
    assert doc["inputs"]["preds"]["columns"] == ["cat", "dog", "bird"]
    assert "per_sample" not in doc
    with open(path) as fh:
        rows = list(csv.DictReader(fh))
    y = np.array([["cat", "dog", "bird"].index(r_["label"]) for r_ in rows])
    p = np.array([[float(r_[c]) for c in ("cat", "dog", "bird")] for r_ in rows])
    assert doc["value"] == losscli.evaluate("scce", y, p).value
    r2 = invoke(runner, ["eval", "scce", str(path), "-q"])
    assert float(r2.stdout) == doc["value"]


def test_classes_option_maps_labels(runner, tmp_path):
    f = tmp_path / "d.csv"
    f.write_text("label,a,b\nno,0.9,0.1\nyes,0.2,0.8\n")
    r = invoke(runner, ["eval", "scce", str(f), "--classes", "no,yes", "-q"])
    assert r.exit_code == 0, r.stderr
    assert float(r.stdout) == pytest.approx(-(np.log(0.9) + np.log(0.8)) / 2)
    g = tmp_path / "b.csv"
    g.write_text("label,score\nspam,0.9\nham,0.3\n")
    r = invoke(runner, ["eval", "bce", str(g), "--classes", "ham,spam", "-q"])
    assert r.exit_code == 0, r.stderr
    assert float(r.stdout) == pytest.approx(-(np.log(0.9) + np.log(0.7)) / 2)


def test_npy_sparse_logits(runner, sample):
    r = invoke(runner, ["eval", "sparse_cce", "--labels", str(sample / "multiclass_labels.npy"),
                        "--preds", str(sample / "multiclass_logits.npy"), "--logits", "--json"])
    assert r.exit_code == 0, r.stderr
    y = np.load(sample / "multiclass_labels.npy")
    x = np.load(sample / "multiclass_logits.npy")
    assert json.loads(r.stdout)["value"] == losscli.evaluate("scce", y, x, from_logits=True).value


def test_column_selection_grammar(runner, sample):
    base = ["eval", "cce", "--labels", str(sample / "multiclass_onehot.csv"),
            "--preds", str(sample / "multiclass_probs.csv"), "-q"]
    values = set()
    for sel in ("p_cat:p_bird", "p_*", "1:3", "1,2,3", "p_cat,p_dog,p_bird"):
        r = invoke(runner, [*base, "--pred-cols", sel])
        assert r.exit_code == 0, (sel, r.stderr)
        values.add(r.stdout)
    assert len(values) == 1
    r = invoke(runner, [*base, "--pred-cols", "p_fish"])
    assert r.exit_code == 2 and "p_cat" in r.stderr


def test_regression_one_file_and_inline_params(runner, sample):
    path = sample / "regression.csv"
    y, p = read_col(path, "y_true"), read_col(path, "y_pred")
    r = invoke(runner, ["eval", "huber(delta=0.5)", str(path), "-q"])
    assert float(r.stdout) == losscli.evaluate("huber", y, p, delta=0.5).value
    r = invoke(runner, ["eval", "huber", str(path), "--delta", "0.5", "-q"])
    assert float(r.stdout) == losscli.evaluate("huber", y, p, delta=0.5).value


def test_stdin(runner, sample):
    data = (sample / "binary_probs.csv").read_text()
    r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"), "--preds", "-", "-q"],
               input=data)
    assert r.exit_code == 0, r.stderr
    y, p = read_col(sample / "binary_labels.csv"), read_col(sample / "binary_probs.csv")
    assert float(r.stdout) == losscli.evaluate("bce", y, p).value


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "tsv"])
def test_per_sample_formats(runner, sample, fmt):
    r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "--format", fmt])
    assert r.exit_code == 0, r.stderr
    lines = r.stdout.splitlines()
    y, p = read_col(sample / "binary_labels.csv"), read_col(sample / "binary_probs.csv")
    expected = losscli.evaluate("bce", y, p).per_sample
    if fmt == "jsonl":
        got = [json.loads(line)["loss"] for line in lines]
        assert json.loads(lines[0])["index"] == 0
    else:
        sep = "," if fmt == "csv" else "\t"
        assert lines[0] == sep.join(["index", "loss"])
        got = [float(line.split(sep)[1]) for line in lines[1:]]
    assert got == expected.tolist()


def test_ids_in_per_sample_output(runner, sample):
    r = invoke(runner, ["eval", "cce", str(sample / "animals.csv"), "--id-col", "id", "--nl"])
    first = json.loads(r.stdout.splitlines()[0])
    assert first["id"] == "img_0000" and first["index"] == 0


def test_markdown_and_table(runner, sample):
    args = ["eval", "bce", "--labels", str(sample / "binary_labels.csv"), "--preds", str(sample / "binary_probs.csv")]
    md = invoke(runner, [*args, "--md"])
    assert md.stdout.startswith("| loss |") and "`binary_crossentropy`" in md.stdout
    table = invoke(runner, [*args, "--format", "table"])
    assert table.exit_code == 0
    for word in ("binary_crossentropy", "convention", "losscli", "more", "distribution", "p(true)"):
        assert word in table.stdout


def test_default_format_is_json_when_not_a_terminal(runner, sample):
    r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv")])
    assert json.loads(r.stdout)["loss"] == "binary_crossentropy"


def test_output_file(runner, sample, tmp_path):
    out = tmp_path / "scores.csv"
    r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                        "--preds", str(sample / "binary_probs.csv"), "--output", str(out), "--json"])
    assert r.exit_code == 0, r.stderr
    doc = json.loads(r.stdout)
    assert "per_sample" not in doc
    rows = out.read_text().splitlines()
    assert rows[0] == "index,loss" and len(rows) == 201
    for ext in ("jsonl", "npy", "parquet"):
        target = tmp_path / f"scores.{ext}"
        r = invoke(runner, ["eval", "bce", "--labels", str(sample / "binary_labels.csv"),
                            "--preds", str(sample / "binary_probs.csv"), "-o", str(target), "-q"])
        assert r.exit_code == 0 and target.exists()
    assert np.load(tmp_path / "scores.npy").shape == (200,)


def test_torch_empty_mean_is_null_in_json(runner, tmp_path):
    (tmp_path / "y.csv").write_text("y\n1\n1\n")
    (tmp_path / "p.csv").write_text("a,b\n0.2,0.8\n0.4,0.6\n")
    r = invoke(runner, ["eval", "scce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                        "--ignore-index", "1", "--convention", "torch", "--json"])
    assert r.exit_code == 0
    assert "NaN" not in r.stdout and json.loads(r.stdout)["value"] is None


@pytest.mark.parametrize("given,ok", [("-100", True), ("9007199254740991", True), ("-9007199254740991", True),
                                      ("9007199254740992", False), ("9223372036854775807", False),
                                      ("9223372036854775808", False), ("1.5", False), ("x", False)])
def test_ignore_index_takes_an_integer_below_2_53(runner, tmp_path, given, ok):
    """Labels read from text are float64, exact below 2**53: a label 2**53 + 1 read as 2**53 matched an
    ignore index 2**53, so the ignore index stays below it."""
    (tmp_path / "y.csv").write_text("y\n1\n0\n")
    (tmp_path / "p.csv").write_text("a,b\n0.2,0.8\n0.4,0.6\n")
    r = invoke(runner, ["eval", "scce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                        f"--ignore-index={given}", "-q"])
    assert r.exit_code == (0 if ok else 2), r.stderr
    if ok:
        assert float(r.stdout) == pytest.approx(-(np.log(0.8) + np.log(0.4)) / 2)
    else:
        assert ("--ignore-index" in r.stderr or "ignore_index" in r.stderr) and given in r.stderr


def test_the_help_of_ignore_index_is_not_broken_across_lines(runner):
    r = runner.invoke(cli, ["eval", "--help"], terminal_width=100)
    line = next(x for x in r.output.splitlines() if "--ignore-index" in x)
    assert line.split()[:7] == ["--ignore-index", "K", "Label", "value", "to", "ignore", "(token_nll:"]
    assert "922337203685477" not in r.output


# ---------------------------------------------------------------------------------------- exit codes


@pytest.mark.parametrize(
    "args,code,words",
    [
        (["eval", "binary_crosentropy", "x.csv"], 2, "did you mean"),
        (["eval", "bce", "--gamma", "2", "x.csv"], 2, "binary_focal_crossentropy"),
        (["eval", "mse", "--logits", "x.csv"], 2, "taken by"),
        (["eval", "bce", "--reduction", "median", "x.csv"], 2, "median"),
        (["eval", "huber(delta=-1)", "x.csv"], 2, "delta"),
        (["eval", "bce", "--no-such-option"], 2, "no-such-option"),
        (["eval", "bce", "missing.csv"], 3, "missing.csv"),
    ],
)
def test_usage_and_missing_file_exit_codes(runner, tmp_path, monkeypatch, args, code, words):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "x.csv").write_text("label,p\n1,0.5\n")
    r = invoke(runner, args)
    assert r.exit_code == code, (r.stdout, r.stderr)
    assert words in r.stderr
    assert r.stdout == "" and "Traceback" not in r.stderr


def test_invalid_data_names_file_column_row(runner, tmp_path):
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n")
    (tmp_path / "preds.csv").write_text("p1,p2\n0.5,0.5\n0.2,0.8\n1.3,-0.3\n")
    r = invoke(runner, ["eval", "cce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "preds.csv")])
    assert r.exit_code == 3
    assert "preds.csv column p1 row 4" in r.stderr and "--logits" in r.stderr
    assert r.stdout == ""


def test_row_count_mismatch(runner, tmp_path):
    (tmp_path / "y.csv").write_text("y\n1\n0\n1\n")
    (tmp_path / "p.csv").write_text("p\n0.5\n0.2\n")
    r = invoke(runner, ["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv")])
    assert r.exit_code == 3 and "3 rows" in r.stderr and "2" in r.stderr


def test_list_and_explain(runner):
    r = invoke(runner, ["list", "--json"])
    names = {d["name"] for d in json.loads(r.stdout)}
    assert "binary_crossentropy" in names and len(names) >= 23
    r = invoke(runner, ["explain", "focal"])
    assert r.exit_code == 0
    for word in ("binary_focal_crossentropy", "formula", "gamma", "torch", "keras", "worked example"):
        assert word in r.stdout
    r = invoke(runner, ["explain", "focal", "--json"])
    assert json.loads(r.stdout)["example"]["mean"] > 0


def test_the_list_table_shows_formulas_as_written(runner, monkeypatch):
    """The table is printed with markup off: a formula's brackets appear as they are, not escaped."""
    monkeypatch.setenv("COLUMNS", "400")
    r = invoke(runner, ["list", "--format", "table"])
    assert r.exit_code == 0
    assert "1[y = c]" in r.stdout and "−[pw·y·log p" in r.stdout and "\\[" not in r.stdout


def test_help_lists_losses_and_exit_codes(runner):
    r = runner.invoke(cli, ["eval", "--help"])
    assert "sparse_categorical_crossentropy" in r.output and "Exit codes" in r.output
    assert "binary_focal_crossentropy" in r.output  # --gamma's help names who takes it


@pytest.mark.parametrize("kernels", ["auto", "numpy"])
@pytest.mark.parametrize("eps", ["1e-300", "5e-324", "1e-17"])
def test_an_eps_below_float64s_resolution_at_1_still_clips_p_1(runner, tmp_path, monkeypatch, kernels, eps):
    """With ε < 2**-53, 1 − ε rounds to 1: p = 1 went unclipped and y = 1 gave 0·log 0 = NaN (value null,
    exit 0). The bound is the largest double below 1 then, and the value is scikit-learn's log_loss (with
    its xlogy, 0·log 0 = 0) to the last digits."""
    from losscli import _native

    monkeypatch.setenv("LOSSCLI_KERNELS", kernels)
    _native.reset()
    path = tmp_path / "e.csv"
    path.write_text("label,p\n1,1\n0,0.3\n")
    r = invoke(runner, ["eval", "bce", str(path), "--eps", eps, "--json"])
    monkeypatch.undo()
    _native.reset()
    assert r.exit_code == 0, r.output
    sklearn_value = -np.log(0.7) / 2
    assert json.loads(r.stdout)["value"] == pytest.approx(sklearn_value, rel=1e-15)


def test_quiet_output_of_several_prediction_files_follows_their_order(runner, sample, tmp_path):
    """``-q`` printed the ranked order (best first), so a script reading line i as the i-th file took
    another model's number; the lines follow the command line now (one per file and loss)."""
    better = tmp_path / "better.csv"
    better.write_bytes((sample / "binary_probs.csv").read_bytes())
    worse = tmp_path / "worse.csv"
    worse.write_text("p\n" + "".join("0.5\n" for _ in read_col(sample / "binary_labels.csv")))
    labels = ["--labels", str(sample / "binary_labels.csv")]
    single = {f: float(invoke(runner, ["eval", "bce", *labels, "--preds", str(f), "-q"]).stdout) for f in (better, worse)}
    assert single[worse] > single[better]
    r = invoke(runner, ["eval", "bce", *labels, "--preds", str(worse), "--preds", str(better), "-q"])
    assert r.exit_code == 0, r.stderr
    assert [float(v) for v in r.stdout.split()] == [single[worse], single[better]]
    r = invoke(runner, ["eval", "bce", *labels, "--preds", str(worse), "--preds", str(better), "--json"])
    assert [Path(d["file"]).name for d in json.loads(r.stdout)] == ["better.csv", "worse.csv"]  # ranked


def test_the_tables_row_numbers_are_the_input_rows_as_in_json_lines(runner, tmp_path):
    """With rows skipped (--nan skip) the table numbered the scored samples 0, 1, … where --nl says their input
    rows 2, 3, …: its worst rows pointed at other rows of the file."""
    (tmp_path / "t.csv").write_text("label,p\n1,\n0,\n1,0.9\n0,0.3\n")
    nl = invoke(runner, ["eval", "bce", str(tmp_path / "t.csv"), "--nan", "skip", "--nl"])
    assert [json.loads(line)["index"] for line in nl.stdout.splitlines()] == [2, 3]
    table = invoke(runner, ["eval", "bce", str(tmp_path / "t.csv"), "--nan", "skip", "--format", "table"])
    assert table.exit_code == 0, table.stderr
    numbers = [line.split("│")[1].strip() for line in table.stdout.splitlines() if line.startswith("│")]
    assert numbers[:2] == ["2", "3"]


@pytest.mark.parametrize("loss", ["ece", "mce", "rmsce", "zero_one", "d2_log_loss", "d2_brier", "brier"])
def test_binary_metrics_take_class_names_beside_one_probability_column(runner, tmp_path, loss):
    """With one probability column, --classes cat,dog was refused ("names 2 classes but there are 1
    prediction columns") for every binary metric but brier; string labels then had no way in."""
    (tmp_path / "s.csv").write_text("y,p\ncat,0.2\ndog,0.9\ndog,0.6\ncat,0.4\n")
    (tmp_path / "n.csv").write_text("y,p\n0,0.2\n1,0.9\n1,0.6\n0,0.4\n")
    named = invoke(runner, ["eval", loss, str(tmp_path / "s.csv"), "--classes", "cat,dog", "-q"])
    numbered = invoke(runner, ["eval", loss, str(tmp_path / "n.csv"), "-q"])
    assert named.exit_code == numbered.exit_code == 0, named.stderr
    assert named.stdout == numbered.stdout


def test_a_distribution_loss_on_one_column_with_class_names_says_what_it_needs(runner, tmp_path):
    """cce with --classes cat,dog beside one column answered "labels that are class names need --classes"."""
    (tmp_path / "s.csv").write_text("y,p\ncat,0.2\ndog,0.9\n")
    r = invoke(runner, ["eval", "cce", str(tmp_path / "s.csv"), "--classes", "cat,dog", "-q"])
    assert r.exit_code == 2 and "one prediction column per class" in r.stderr and "binary_crossentropy" in r.stderr


def test_the_table_shows_probabilities_of_log_probability_predictions(runner, tmp_path):
    """Under --log-probs the table took the log-probabilities for probabilities: p(true) -0.105361 for a
    positive predicted at 0.9 (and the class 0 predicted for it), -2.30259 for a true class predicted at 0.1."""
    (tmp_path / "b.csv").write_text(f"label,lp\n1,{math.log(0.9)!r}\n0,{math.log(0.7)!r}\n")
    table = invoke(runner, ["eval", "bce", str(tmp_path / "b.csv"), "--log-probs", "--format", "table"])
    assert table.exit_code == 0, table.stderr
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines() if line.startswith("│")]
    assert [r[1:4] for r in rows[:2]] == [["1", "1", "0.9"], ["0", "1", "0.3"]]
    lines = [",".join(["label", "a", "b", "c"]), f"2,{math.log(0.2)!r},{math.log(0.7)!r},{math.log(0.1)!r}"]
    (tmp_path / "m.csv").write_text("\n".join(lines) + "\n")
    table = invoke(runner, ["eval", "scce", str(tmp_path / "m.csv"), "--log-probs", "--format", "table"])
    assert table.exit_code == 0, table.stderr
    rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines() if line.startswith("│")]
    assert rows[0][1:4] == ["2", "1", "0.1"]


def test_the_table_shows_probabilities_and_the_counted_class_of_one_logit_column(runner, tmp_path):
    """zero_one and ece on one column of logits showed the logits as p(true) (2.5 for a negative at logit
    -1.5, where σ gives 0.817574) and the class from the logit read as a probability (0 for logit 0.4, which
    zero_one counts as class 1: its loss 1 beside a 'predicted 0' that matches the label 0); at exactly 0.5
    the table showed class 1 where zero_one and hamming count class 0."""
    (tmp_path / "l.csv").write_text("label,x\n1,2.0\n0,-1.5\n1,-0.3\n0,0.4\n")
    sig = [1.0 / (1.0 + math.exp(-x)) for x in (2.0, -1.5, -0.3, 0.4)]
    want = [["1", "1", f"{sig[0]:.6g}"], ["0", "0", f"{1 - sig[1]:.6g}"], ["1", "0", f"{sig[2]:.6g}"],
            ["0", "1", f"{1 - sig[3]:.6g}"]]
    for loss in ("zero_one", "ece", "bce", "hamming"):
        table = invoke(runner, ["eval", loss, str(tmp_path / "l.csv"), "--logits", "--format", "table"])
        assert table.exit_code == 0, table.stderr
        rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines()
                if line.startswith("│")]
        assert [r[1:4] for r in rows[:4]] == want, loss
    (tmp_path / "h.csv").write_text("label,p\n1,0.5\n0,0.5\n")
    for loss in ("zero_one", "hamming", "brier", "bce"):
        table = invoke(runner, ["eval", loss, str(tmp_path / "h.csv"), "--format", "table"])
        rows = [[c.strip() for c in line.split("│")[1:-1]] for line in table.stdout.splitlines()
                if line.startswith("│")]
        assert [r[2] for r in rows[:2]] == ["0", "0"], loss
