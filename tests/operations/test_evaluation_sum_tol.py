"""``--sum-tol`` is the tolerance of the check that rows sum to 1: given where no loss of the run checks
that, or beside inputs of one column each (no row to check), it is a usage error naming the losses it applies
to; where one does, it is taken."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

DATA = Path(__file__).resolve().parents[2] / "sample_data"
BINARY = ["--labels", DATA / "binary_labels.csv", "--preds", DATA / "binary_probs.csv"]


def _bce() -> float:
    y = np.loadtxt(DATA / "binary_labels.csv", delimiter=",", skiprows=1)
    p = np.loadtxt(DATA / "binary_probs.csv", delimiter=",", skiprows=1)
    return float(np.mean(-(y * np.log(p) + (1 - y) * np.log1p(-p))))


def _soft_rows(tmp_path: Path) -> tuple[Path, Path, np.ndarray, np.ndarray]:
    """Soft labels whose first row sums to 1.005 (beyond the default 1e-3, within 0.01), and probabilities."""
    y = np.array([[0.7, 0.305, 0.0], [0.0, 1.0, 0.0], [0.2, 0.3, 0.5]])
    p = np.array([[0.6, 0.3, 0.1], [0.1, 0.8, 0.1], [0.25, 0.25, 0.5]])
    for name, a in (("y.csv", y), ("p.csv", p)):
        np.savetxt(tmp_path / name, a, delimiter=",", header="a,b,c", comments="", fmt="%.17g")
    return tmp_path / "y.csv", tmp_path / "p.csv", y, p


@pytest.mark.parametrize("loss", ["bce", "bce,mse", "focal"])
def test_sum_tol_for_losses_that_check_no_row_sums_is_a_usage_error_and_its_hint_works(loss, capsys):
    code, out, err = run_cli(["eval", loss, *BINARY, "--sum-tol", "0.01", "-q"], capsys)
    assert code == 2 and out == ""
    assert "--sum-tol" in err and "binary_crossentropy" in err and "do" in err and "not check that" in err
    assert "leave out --sum-tol" in err and "categorical_crossentropy" in err and "kl_divergence" in err
    assert "Traceback" not in err and err.count("\n") == 1
    code, out, _ = run_cli(["eval", "bce", *BINARY, "-q"], capsys)  # the hint: without --sum-tol
    assert code == 0 and float(out) == pytest.approx(_bce(), rel=1e-12)


def test_sum_tol_on_logits_is_a_usage_error(tmp_path, capsys):
    np.save(tmp_path / "y.npy", np.array([0, 2, 1]))
    np.save(tmp_path / "z.npy", np.array([[2.0, 0.5, -1.0], [0.1, 0.2, 3.0], [0.0, 1.0, 0.0]]))
    args = ["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "z.npy", "--logits", "-q"]
    code, _, err = run_cli([*args, "--sum-tol", "0.01"], capsys)
    assert code == 2 and "sparse_categorical_crossentropy does not check that on logits" in err
    code, out, _ = run_cli(args, capsys)
    z = np.load(tmp_path / "z.npy")
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    assert code == 0 and float(out) == pytest.approx(-np.mean(logp[[0, 1, 2], [0, 2, 1]]), rel=1e-12)


@pytest.mark.parametrize("loss", ["cce", "cce,mse"])
def test_sum_tol_is_taken_when_a_loss_of_the_run_checks_row_sums(loss, tmp_path, capsys):
    y_path, p_path, y, p = _soft_rows(tmp_path)
    args = ["eval", loss, "--labels", y_path, "--preds", p_path, "--json", "--summary-only"]
    code, _, err = run_cli(args, capsys)
    assert code == 3 and "label rows must sum to 1" in err  # the default tolerance refuses row 1
    code, out, err = run_cli([*args, "--sum-tol", "0.01"], capsys)
    assert code == 0, err
    docs = json.loads(out)
    first = docs[0] if isinstance(docs, list) else docs
    assert first["value"] == pytest.approx(float(np.mean(-(y * np.log(p)).sum(axis=1))), rel=1e-12)


def test_compare_and_check_files_refuse_sum_tol_alike(tmp_path, capsys):
    code, _, err = run_cli(["compare", "bce", *BINARY, "--baseline-preds", DATA / "binary_candidate.csv",
                            "--sum-tol", "0.01"], capsys)
    assert code == 2 and "--sum-tol" in err and "binary_crossentropy does not check that" in err
    config = tmp_path / "losscheck.toml"
    config.write_text(f'[[check]]\nname = "gate"\nloss = "bce"\nlabels = "{DATA / "binary_labels.csv"}"\n'
                      f'preds = "{DATA / "binary_probs.csv"}"\nsum_tol = 0.01\nmax = 1\n')
    code, _, err = run_cli(["check", config], capsys)
    assert code == 2 and "check 'gate'" in err and "--sum-tol" in err


@pytest.mark.parametrize("loss, extra, engine", [
    ("brier", [], "local"), ("ece", [], "local"), ("d2_brier", [], "local"), ("bce,brier", [], "local"),
    ("bce", ["--convention", "sklearn"], "local"), ("bce,brier", [], "dask"),
])
def test_sum_tol_beside_one_binary_probability_column_is_a_usage_error(loss, extra, engine, tmp_path, capsys):
    """brier or ece check the rows of class probabilities; on one column, P(class 1), there is no row, and
    --sum-tol was taken and changed nothing, exit 0."""
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    out_file = tmp_path / "losses.csv"
    args = ["eval", loss, *BINARY, *extra, "--engine", engine, "--json"]
    if engine == "local":
        args += ["-o", out_file]
    code, out, err = run_cli([*args, "--sum-tol", "0.01"], capsys)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "--sum-tol is the tolerance of the check that rows over classes sum to 1" in err
    assert "one label column and one prediction column (a binary probability): no row to check" in err
    assert "leave out --sum-tol" in err
    assert not out_file.exists()
    code, out, err = run_cli(args, capsys)
    assert code == 0, err


def test_sum_tol_beside_one_column_leaves_a_data_error_first(capsys):
    code, _, err = run_cli(["eval", "kld", *BINARY, "--sum-tol", "0.01", "-q"], capsys)
    assert code == 3 and "needs one prediction column per class" in err


def test_sum_tol_beside_rows_of_class_probabilities_is_taken_by_brier(tmp_path, capsys):
    y = np.array([0, 1, 2, 1])
    p = np.array([[0.7, 0.2, 0.105], [0.1, 0.8, 0.1], [0.2, 0.3, 0.5], [0.3, 0.4, 0.3]])
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    args = ["eval", "brier", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "-q"]
    code, _, err = run_cli(args, capsys)
    assert code == 3 and "rows must sum to 1" in err  # row 1 sums to 1.005
    code, out, err = run_cli([*args, "--sum-tol", "0.01"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean(((p - np.eye(3)[y]) ** 2).sum(axis=1))), rel=1e-12)


def test_compare_and_check_files_refuse_sum_tol_beside_one_column_alike(tmp_path, capsys):
    code, out, err = run_cli(["compare", "brier", *BINARY, "--baseline-preds", DATA / "binary_candidate.csv",
                              "--pred-cols", "p", "--sum-tol", "0.01", "--json"], capsys)
    assert code == 2 and out == "" and "no row to check" in err
    config = tmp_path / "losscheck.toml"
    config.write_text(f'[[check]]\nname = "gate"\nloss = "brier"\nlabels = "{DATA / "binary_labels.csv"}"\n'
                      f'preds = "{DATA / "binary_probs.csv"}"\nsum_tol = 0.01\nmax = 1\n')
    junit = tmp_path / "junit.xml"
    code, out, err = run_cli(["check", config, "--json", "--junit-xml", junit], capsys)
    assert code == 2 and out == "" and "no row to check" in err
    assert not junit.exists()


def test_sum_tol_beside_several_prediction_files_applies_where_rows_sum(tmp_path, capsys):
    """Several prediction files, one of them a single binary column: --sum-tol applies to the others' rows (here
    two columns summing to 1.005), so it is taken, and the single column is scored as without it."""
    rng = np.random.default_rng(0)
    y, p = rng.integers(0, 2, 30), rng.uniform(0.05, 0.95, 30)
    two = np.c_[1 - p, p]
    two[:, 0] += 0.005
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p1.npy", p)
    np.save(tmp_path / "p2.npy", two)
    args = ["eval", "brier", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p2.npy", "--preds",
            tmp_path / "p1.npy", "--format", "csv"]
    code, _, err = run_cli(args, capsys)
    assert code == 3 and "--sum-tol 0.02" in err
    code, out, err = run_cli([*args, "--sum-tol", "0.02"], capsys)
    assert code == 0, err
    rows = {Path(line.split(",")[1]).name: float(line.split(",")[3]) for line in out.splitlines()[1:]}
    assert rows["p1.npy"] == pytest.approx(float(np.mean((p - y) ** 2)), rel=1e-14)
    code, _, err = run_cli(["eval", "brier", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p1.npy",
                            "--sum-tol", "0.02", "-q"], capsys)
    assert code == 2 and "no row to check" in err
