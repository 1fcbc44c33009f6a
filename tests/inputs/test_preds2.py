"""``--preds2 FILE``: the second input of a pairwise loss (``cosine_embedding``, ``margin_ranking``) in its own
file, read in step with ``--preds`` (or the one data file) row by row.

The expected values are torch's, from ``tests/reference/reference_values.json`` (written by
``tests/reference/generate_reference.py``): every pairwise case is split into a file of x₁ and a file of x₂
and run through the command line from NPY, CSV and Parquet (mixed), streamed in small chunks, with labels
joined by id, from a check file and in a subprocess. Row-count, width and order mismatches are refused
with a message naming the files and a hint that, followed, gives the right value.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import invoke, run_cli
from click.testing import CliRunner

import losscli

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "reference_values.json"
CASES = [c for c in json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]
         if losscli.get_loss(c["loss"]).pred_kind == "pair"]
IDS = [c["id"] for c in CASES]


def test_the_pairwise_fixtures_are_there():
    assert {c["loss"] for c in CASES} == {"cosine_embedding", "margin_ranking"}
    assert len(CASES) == 20


def _halves(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    y = np.array(case["y_true"], dtype=np.float64)
    x = np.array(case["y_pred"], dtype=np.float64)
    d = x.shape[1] // 2
    return y, x[:, :d], x[:, d:]


def _expr(case: dict) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in case["params"].items())
    return f"{case['loss']}({params})" if params else case["loss"]


def _write_csv(path: Path, header: list[str], columns: list[np.ndarray]) -> Path:
    rows = zip(*[c.tolist() for c in columns], strict=True)
    path.write_text(",".join(header) + "\n" + "".join(",".join(repr(v) for v in r) + "\n" for r in rows))
    return path


def _expected(case: dict) -> float:
    return case["expected_value"]


def _check(value: float, case: dict, how: str) -> None:
    np.testing.assert_allclose(value, _expected(case), rtol=max(case["rtol"], 1e-12), atol=case["atol"],
                               err_msg=f"{case['id']} ({how}); source: {case['source']}")


def _common(case: dict, tmp_path: Path) -> list:
    args = ["--convention", case["convention"], "--reduction", case["reduction"], "-q"]
    if case["sample_weight"] is not None:
        np.save(tmp_path / "w.npy", np.array(case["sample_weight"]))
        args += ["--weights", tmp_path / "w.npy"]
    return args


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_npy_files(case, tmp_path, capsys):
    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x1.npy", a)
    np.save(tmp_path / "x2.npy", b)
    code, out, err = run_cli(["eval", _expr(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy",
                              "--preds2", tmp_path / "x2.npy", *_common(case, tmp_path)], capsys)
    assert code == 0, err
    _check(float(out), case, "NPY")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_csv_files_streamed_in_chunks_of_two_rows(case, tmp_path, capsys):
    y, a, b = _halves(case)
    _write_csv(tmp_path / "y.csv", ["y"], [y])
    _write_csv(tmp_path / "x1.csv", [f"a{j}" for j in range(a.shape[1])], list(a.T))
    _write_csv(tmp_path / "x2.csv", [f"b{j}" for j in range(b.shape[1])], list(b.T))
    code, out, err = run_cli(["eval", _expr(case), "--labels", tmp_path / "y.csv", "--preds", tmp_path / "x1.csv",
                              "--preds2", tmp_path / "x2.csv", "--chunk-rows", "2", *_common(case, tmp_path)], capsys)
    assert code == 0, err
    _check(float(out), case, "CSV")


@pytest.mark.parametrize("case", CASES[::5], ids=IDS[::5])
def test_mixed_formats_and_column_selection_inside_preds2(case, tmp_path, capsys):
    pytest.importorskip("pyarrow")
    import pyarrow as pa
    import pyarrow.parquet as pq

    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x1.npy", a)
    # x₂ in Parquet, after a column that is not part of it
    table = {"noise": np.arange(len(y), dtype=np.float64) * 7.5, **{f"b{j}": b[:, j] for j in range(b.shape[1])}}
    pq.write_table(pa.table(table), tmp_path / "x2.parquet")
    sel = ",".join(f"b{j}" for j in range(b.shape[1]))
    code, out, err = run_cli(["eval", _expr(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy",
                              "--preds2", tmp_path / "x2.parquet", "--pred2-cols", sel, *_common(case, tmp_path)],
                             capsys)
    assert code == 0, err
    _check(float(out), case, "NPY + Parquet")


def test_api_per_sample_values_equal_the_two_files_per_sample(tmp_path, capsys):
    case = next(c for c in CASES if c["loss"] == "cosine_embedding" and c["expected_per_sample"] is not None)
    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x1.npy", a)
    np.save(tmp_path / "x2.npy", b)
    code, out, err = run_cli(["eval", _expr(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy",
                              "--preds2", tmp_path / "x2.npy", "--convention", case["convention"], "--format", "json"],
                             capsys)
    assert code == 0, err
    doc = json.loads(out)
    np.testing.assert_allclose(doc["per_sample"], case["expected_per_sample"], rtol=1e-12, atol=1e-15)
    assert doc["inputs"]["preds2"] == {"file": str(tmp_path / "x2.npy"), "columns": ["1", "2", "3"]}


def _id_files(tmp_path: Path, case: dict, *, order2: np.ndarray | None = None) -> tuple[Path, Path, Path]:
    """Labels in reverse order (joined by id), x₁ in order, x₂ in ``order2`` (default: x₁'s)."""
    y, a, b = _halves(case)
    n = len(y)
    ids = np.array([f"s{i:03d}" for i in range(n)], dtype=object)
    rev = np.arange(n)[::-1]
    lab = tmp_path / "labels.csv"
    lab.write_text("id,y\n" + "".join(f"{ids[i]},{float(y[i])!r}\n" for i in rev))
    p1 = tmp_path / "x1.csv"
    p1.write_text("id," + ",".join(f"a{j}" for j in range(a.shape[1])) + "\n"
                  + "".join(f"{ids[i]}," + ",".join(repr(float(v)) for v in a[i]) + "\n" for i in range(n)))
    order2 = np.arange(n) if order2 is None else order2
    p2 = tmp_path / "x2.csv"
    p2.write_text("id," + ",".join(f"b{j}" for j in range(b.shape[1])) + "\n"
                  + "".join(f"{ids[i]}," + ",".join(repr(float(v)) for v in b[i]) + "\n" for i in order2))
    return lab, p1, p2


UNWEIGHTED = [c for c in CASES if c["sample_weight"] is None]


@pytest.mark.parametrize("case", UNWEIGHTED, ids=[c["id"] for c in UNWEIGHTED])
def test_labels_joined_by_id_and_preds2_checked_row_by_row(case, tmp_path, capsys):
    lab, p1, p2 = _id_files(tmp_path, case)
    code, out, err = run_cli(["eval", _expr(case), "--labels", lab, "--preds", p1, "--preds2", p2, "--id-col", "id",
                              "--chunk-rows", "3", "--convention", case["convention"], "--reduction",
                              case["reduction"], "-q"], capsys)
    assert code == 0, err
    _check(float(out), case, "joined by id")


def test_preds2_in_another_order_is_refused_and_the_hint_works(tmp_path, capsys):
    case = UNWEIGHTED[0]
    n = len(case["y_true"])
    order = np.arange(n)
    order[[2, 4]] = order[[4, 2]]
    lab, p1, p2 = _id_files(tmp_path, case, order2=order)
    base = ["eval", _expr(case), "--labels", lab, "--preds", p1, "--convention", case["convention"], "--reduction",
            case["reduction"], "-q"]
    for join in ([], ["--id-col", "id"]):
        code, out, err = run_cli([*base, "--preds2", p2, *join, "--chunk-rows", "2"], capsys)
        assert code == 3 and out == ""
        assert "x2.csv are in another order than those of" in err and "'s002'" in err and "'s004'" in err
        assert "row 4" in err  # the 3rd data row, under the header
        assert f"write {p2} in the row order of {p1}" in err and "--pred2-cols" in err
    # the hint: write x₂ in x₁'s row order ...
    rows = p2.read_text().splitlines()
    body = sorted(rows[1:], key=lambda r: r.split(",")[0])
    p2.write_text("\n".join([rows[0], *body]) + "\n")
    code, out, err = run_cli([*base, "--preds2", p2], capsys)
    assert code == 0, err
    _check(float(out), case, "after sorting")
    # ... or put its columns in the predictions file and select them with --pred2-cols
    p1_rows, p2_rows = p1.read_text().splitlines(), p2.read_text().splitlines()
    both = tmp_path / "both.csv"
    both.write_text("\n".join(r1 + "," + r2.split(",", 1)[1] for r1, r2 in zip(p1_rows, p2_rows, strict=True)) + "\n")
    d = len(p1_rows[0].split(",")) - 1
    code, out, err = run_cli([*base[:5], both, *base[6:], "--pred-cols", ",".join(f"a{j}" for j in range(d)),
                              "--pred2-cols", ",".join(f"b{j}" for j in range(d))], capsys)
    assert code == 0, err
    _check(float(out), case, "one file, --pred2-cols")


@pytest.mark.parametrize("join", [[], ["--id-col", "id"]])
@pytest.mark.parametrize("short", ["preds2", "preds"])
def test_row_count_mismatch_is_exit_3_naming_both_files(tmp_path, capsys, join, short):
    case = UNWEIGHTED[0]
    lab, p1, p2 = _id_files(tmp_path, case)
    n = len(case["y_true"])
    victim = p2 if short == "preds2" else p1
    lines = victim.read_text().splitlines()
    victim.write_text("\n".join(lines[:-2]) + "\n")  # two rows fewer
    if not join:
        lab.write_text("y\n" + "".join(f"{v!r}\n" for v in case["y_true"][:n - 2 if short == "preds" else n]))
    code, out, err = run_cli(["eval", _expr(case), "--labels", lab, "--preds", p1, "--preds2", p2, *join,
                              "--chunk-rows", "2", "-q"], capsys)
    assert code == 3 and out == ""
    counts = re.search(r"has (\d+) rows but .* has (\d+)", err)
    assert counts is not None and {int(counts[1]), int(counts[2])} == {n, n - 2}, err
    assert "x2.csv" in err and "x1.csv" in err
    assert "--preds2 is read in step with the predictions" in err


def test_width_mismatch_is_exit_3_and_the_hint_works(tmp_path, capsys):
    case = next(c for c in UNWEIGHTED if c["loss"] == "cosine_embedding")
    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x1.npy", a)
    names = [f"b{chr(ord('x') + j)}" for j in range(b.shape[1])]  # bx, by, bz: no family of names
    _write_csv(tmp_path / "x2.csv", ["extra", *names], [np.full(len(y), 0.25), *b.T])
    base = ["eval", _expr(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy", "--preds2",
            tmp_path / "x2.csv", "--convention", case["convention"], "--reduction", case["reduction"], "-q"]
    code, out, err = run_cli(base, capsys)
    assert code == 3 and out == ""
    assert "gives x₁ 3 column(s)" in err and "gives x₂ 4 (extra, bx, by, bz)" in err
    assert "--pred2-cols" in err
    code, out, err = run_cli([*base, "--pred2-cols", "bx:bz"], capsys)
    assert code == 0, err
    _check(float(out), case, "after --pred2-cols")


def test_bad_value_in_preds2_names_that_file_row_and_column(tmp_path, capsys):
    case = next(c for c in UNWEIGHTED if c["loss"] == "margin_ranking")
    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "x1.npy", a)
    path = _write_csv(tmp_path / "x2.csv", ["score"], [b[:, 0]])
    lines = path.read_text().splitlines()
    lines[3] = "0.75x"
    path.write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(["eval", "margin_ranking", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy",
                              "--preds2", path, "-q"], capsys)
    assert code == 3 and out == ""
    assert "x2.csv column score row 4" in err and "0.75x" in err


def test_usage_errors(tmp_path, capsys):
    case = UNWEIGHTED[0]
    y, a, b = _halves(case)
    for name, arr in (("y", y), ("x1", a), ("x2", b)):
        np.save(tmp_path / f"{name}.npy", arr)
    base = ["eval", case["loss"], "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy"]
    code, _, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x1.npy",
                            "--preds2", tmp_path / "x2.npy"], capsys)
    assert code == 2 and "--preds2 is the second input of a pairwise loss" in err and "cosine_embedding" in err
    code, _, err = run_cli([*base, "--preds2", tmp_path / "x1.npy"], capsys)
    assert code == 2 and "names the predictions file itself" in err
    code, _, err = run_cli([*base, "--preds", tmp_path / "x2.npy", "--preds2", tmp_path / "x2.npy"], capsys)
    assert code == 2 and "--preds2 goes with one predictions file" in err
    code, _, err = run_cli([*base, "--preds2", tmp_path / "x2.npy", "--pred2-cols", "9"], capsys)
    assert code == 2 and "--pred2-cols" in err


def test_one_file_mode_with_preds2_and_stdin(tmp_path):
    case = next(c for c in UNWEIGHTED if c["loss"] == "margin_ranking")
    y, a, b = _halves(case)
    data = _write_csv(tmp_path / "data.csv", ["label", "x1"], [y, a[:, 0]])
    x2 = _write_csv(tmp_path / "x2.csv", ["x2"], [b[:, 0]])
    args = ["eval", _expr(case), data, "--convention", case["convention"], "--reduction", case["reduction"], "-q"]
    r = invoke(CliRunner(), [*args, "--preds2", x2])
    assert r.exit_code == 0, r.stderr
    _check(float(r.stdout), case, "one file + --preds2")
    r = invoke(CliRunner(), [*args, "--preds2", "-"], input=x2.read_text())
    assert r.exit_code == 0, r.stderr
    _check(float(r.stdout), case, "one file + --preds2 from stdin")


def test_check_file_key_preds2(tmp_path, capsys):
    case = next(c for c in UNWEIGHTED if c["loss"] == "cosine_embedding")
    y, a, b = _halves(case)
    sub = tmp_path / "data"
    sub.mkdir()
    np.save(sub / "y.npy", y)
    np.save(sub / "x1.npy", a)
    np.save(sub / "x2.npy", b)
    (tmp_path / "losscheck.toml").write_text(
        f'[[check]]\nname = "pairs"\nloss = "{_expr(case)}"\nconvention = "{case["convention"]}"\n'
        f'reduction = "{case["reduction"]}"\nlabels = "data/y.npy"\npreds = "data/x1.npy"\n'
        f'preds2 = "data/x2.npy"\nmax = {case["expected_value"] + 1e-9}\n')
    code, out, err = run_cli(["check", tmp_path / "losscheck.toml", "--format", "json"], capsys)
    assert code == 0, err
    (result,) = json.loads(out)["results"]
    _check(result["value"], case, "check file")
    assert result["inputs"]["preds2"]["file"].endswith("x2.npy")
    with open(tmp_path / "losscheck.toml", "a") as f:
        f.write('baseline_preds = "data/x1.npy"\n')
    code, out, err = run_cli(["check", tmp_path / "losscheck.toml", "--format", "json"], capsys)
    assert code == 2 and "preds2 with baseline_preds needs baseline_preds2" in err
    with open(tmp_path / "losscheck.toml", "a") as f:  # the hint, followed: the baseline's second input
        f.write('baseline_preds2 = "data/x2.npy"\n')
    code, out, err = run_cli(["check", tmp_path / "losscheck.toml", "--format", "json"], capsys)
    assert code == 0, err
    (comp,) = json.loads(out)["comparisons"]
    assert comp["difference"]["mean"] == 0.0 and comp["n"] == len(y)  # the same model on both sides


def test_subprocess(tmp_path):
    case = next(c for c in UNWEIGHTED if c["loss"] == "cosine_embedding")
    y, a, b = _halves(case)
    np.save(tmp_path / "y.npy", y)
    _write_csv(tmp_path / "x1.csv", ["a0", "a1", "a2"], list(a.T))
    np.save(tmp_path / "x2.npy", b)
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", _expr(case), "--labels", str(tmp_path / "y.npy"),
                           "--preds", str(tmp_path / "x1.csv"), "--preds2", str(tmp_path / "x2.npy"), "--convention",
                           case["convention"], "--reduction", case["reduction"], "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    _check(float(proc.stdout), case, "subprocess")
    short = tmp_path / "x2_short.npy"
    np.save(short, b[:-1])
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", case["loss"], "--labels", str(tmp_path / "y.npy"),
                           "--preds", str(tmp_path / "x1.csv"), "--preds2", str(short), "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 3 and proc.stdout == ""
    assert f"has {len(y)} rows but" in proc.stderr and f"x2_short.npy has {len(y) - 1}" in proc.stderr
    assert "Traceback" not in proc.stderr
