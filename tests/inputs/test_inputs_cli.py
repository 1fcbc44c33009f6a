"""Inputs as users write them, through the command line: header guessing, ids exactly as written, paths
with glob characters, class names, and the report of what was inferred."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli


def value(args, capsys):
    code, out, err = run_cli(["eval", *map(str, args), "--json", "--summary-only"], capsys)
    assert code == 0, err
    return json.loads(out), err


# ------------------------------------------------------------------------------------------- headers


def test_a_first_row_of_numbers_is_data_and_says_so(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("1\n0\n1\n")
    (tmp_path / "p.csv").write_text("0.9\n0.2\n0.6\n")
    doc, err = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert doc["n"] == 3
    assert doc["value"] == pytest.approx(-np.mean(np.log([0.9, 0.8, 0.6])), rel=1e-15)
    assert "read as data, not as a header" in err and "--header" in err
    assert any("read as data" in n for n in doc["inputs"]["notes"])


def test_header_forces_a_header_of_numbers(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("2020\n1\n0\n")
    (tmp_path / "p.csv").write_text("2021\n0.9\n0.2\n")
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--header"], capsys)
    assert doc["n"] == 2 and doc["inputs"]["preds"]["columns"] == ["2021"]
    code, _, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--header", "--no-header"], capsys)
    assert code == 2 and "contradict" in err


def test_pandas_default_names_are_a_header(tmp_path, capsys):
    (tmp_path / "p.csv").write_text("0,1,2\n0.2,0.3,0.5\n0.1,0.1,0.8\n")
    (tmp_path / "y.csv").write_text("label\n2\n2\n")
    doc, err = value(["scce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert doc["n"] == 2 and doc["value"] == pytest.approx(-np.mean(np.log([0.5, 0.8])), rel=1e-15)
    assert "pandas' default column names" in err


# ------------------------------------------------------------------------------------------- ids


def test_ids_are_the_text_written(tmp_path, capsys):
    big = 9007199254740993  # not a float64
    (tmp_path / "y.csv").write_text(f"id,y\n{big},1\n{big - 1},0\n007,1\n")
    (tmp_path / "p.csv").write_text(f"id,p\n007,0.6\n{big - 1},0.2\n{big},0.9\n")
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert doc["n"] == 3 and doc["inputs"]["id"] == "id"
    assert doc["value"] == pytest.approx(-np.mean(np.log([0.6, 0.8, 0.9])), rel=1e-15)
    code, out, _ = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--nl"], capsys)
    assert code == 0
    assert [json.loads(line)["id"] for line in out.splitlines()] == ["007", str(big - 1), str(big)]


def test_007_and_7_are_two_ids(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("id,y\n7,1\n007,0\n")
    (tmp_path / "p.csv").write_text("id,p\n007,0.2\n7,0.9\n")
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--id-col", "id"], capsys)
    assert doc["n"] == 2 and doc["value"] == pytest.approx(-np.mean(np.log([0.8, 0.9])), rel=1e-15)


def test_an_integer_id_written_with_a_zero_fraction_is_that_integer(tmp_path, capsys):
    """pandas writes integer ids as 3.0 once the column held a missing value (float64): they join with 3."""
    labels = pd.DataFrame({"id": [1, 2, 3, 4], "y": [1, 0, 1, 0]})
    preds = pd.DataFrame({"id": [3, None, 1, 4, 2], "p": [0.6, 0.5, 0.8, 0.1, 0.3]}).dropna()
    assert preds["id"].dtype == np.float64
    labels.to_csv(tmp_path / "y.csv", index=False)
    preds.to_csv(tmp_path / "p.csv", index=False)
    assert "3.0,0.6" in (tmp_path / "p.csv").read_text()
    merged = labels.merge(preds, on="id")
    expected = -np.mean(np.log(np.where(merged["y"] == 1, merged["p"], 1 - merged["p"])))
    for args in ([], ["--id-col", "id"], ["--engine", "dask", "--id-col", "id"]):
        doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", *args], capsys)
        assert doc["n"] == 4 and ("dask" in args or doc["inputs"]["id"] == "id")
        assert doc["value"] == pytest.approx(expected, rel=1e-15)


@pytest.mark.parametrize("written,found", [("3.5", False), ("3.00", True), ("+3.0", False), ("03.0", False),
                                           ("3.", False), ("3.0e0", False), ("-3.0", False)])
def test_only_a_zero_fraction_is_dropped_from_an_id(tmp_path, capsys, written, found):
    (tmp_path / "y.csv").write_text("id,y\n3,1\n4,0\n")
    (tmp_path / "p.csv").write_text(f"id,p\n{written},0.6\n4,0.2\n")
    code, _, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--id-col", "id", "-q"], capsys)
    assert code == (0 if found else 3), err
    if not found:
        assert f"1 id of {tmp_path / 'p.csv'} has no label" in err or "1 id of p.csv has no label" in err
        assert repr(written) in err


def test_ids_written_both_ways_in_one_file_stay_two_ids(tmp_path, capsys):
    """Codes such as 401 and 401.0, or versions 2 and 2.0, are different ids: an id found as written is taken;
    only one not found is looked up in pandas' other spelling of an integer."""
    (tmp_path / "y.csv").write_text("id,y\n2,1\n2.0,0\nv1.0,1\n7,0\n")
    (tmp_path / "p.csv").write_text("id,p\n2.0,0.3\n2,0.9\nv1.0,0.6\n7.0,0.2\n")
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--id-col", "id"], capsys)
    assert doc["n"] == 4 and doc["value"] == pytest.approx(-np.mean(np.log([0.7, 0.9, 0.6, 0.8])), rel=1e-15)
    (tmp_path / "p.csv").write_text("id,p\n2.0,0.3\n2,0.9\n7,0.2\n7.0,0.2\n")
    code, _, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--id-col", "id", "-q"], capsys)
    assert code == 3 and "duplicate id '7.0'" in err


# ------------------------------------------------------------------------------------------- weights


def _weighted_files(tmp_path, ids: bool):
    rng = np.random.default_rng(5)
    n = 40
    y, p, w = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n), rng.uniform(0.1, 3, n)
    order = rng.permutation(n) if ids else np.arange(n)
    labels = pd.DataFrame({"y": y, "weight": w})
    preds = pd.DataFrame({"p": p[order]})
    if ids:
        labels.insert(0, "order_id", np.arange(n) + 1000)
        preds.insert(0, "order_id", order + 1000)
    labels.to_csv(tmp_path / "labels.csv", index=False)
    preds.to_csv(tmp_path / "preds.csv", index=False)
    per = -np.where(y == 1, np.log(p), np.log1p(-p))
    return float(np.sum(w * per) / np.sum(w)), float(np.mean(per))


@pytest.mark.parametrize("ids", [False, True], ids=["row order", "joined on ids"])
@pytest.mark.parametrize("engine", ["local", "dask"])
def test_weight_col_takes_a_column_of_the_labels_file(tmp_path, capsys, ids, engine):
    """Sample weights kept beside the labels: --weight-col finds them there when the predictions lack them."""
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    weighted, plain = _weighted_files(tmp_path, ids)
    files = ["--labels", tmp_path / "labels.csv", "--preds", tmp_path / "preds.csv", "--engine", engine]
    doc, _ = value(["bce", *files, "--weight-col", "weight"], capsys)
    assert doc["value"] == pytest.approx(weighted, rel=1e-13) and doc["n"] == 40
    if engine == "local":
        assert doc["inputs"]["weights"] == {"file": str(tmp_path / "labels.csv"), "columns": ["weight"]}
        # without --weight-col it is a label column (it may be a target named weight): the column counts then
        # differ, and the message says how to use it as the weights
        code, out, err = run_cli(["eval", "bce", *files], capsys)
        assert code == 3 and out == "" and "give --weight-col weight" in err
    doc, _ = value(["bce", *files, "--label-cols", "y", *(["--id-col", "order_id"] if ids else [])], capsys)
    assert doc["value"] == pytest.approx(plain, rel=1e-13)


def test_a_target_named_weight_in_both_files_is_scored_when_selected(tmp_path, capsys):
    """Body measurements: the labels' Weight is a target; a weight-named prediction column is used only when
    selected (a weight copied into the predictions file would otherwise pair with itself)."""
    (tmp_path / "y.csv").write_text("id,Height,Weight\n1,1.7,70\n2,1.8,80\n3,1.6,60\n")
    (tmp_path / "p.csv").write_text("id,Height,Weight\n3,1.7,66\n1,1.6,75\n2,1.8,81\n")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"]
    code, out, err = run_cli(["eval", "mse", *files, "-q"], capsys)
    assert code == 3 and out == "" and "select the prediction columns with --pred-cols" in err
    doc, _ = value(["mse", *files, "--pred-cols", "Height,Weight", "--id-col", "id"], capsys)
    assert doc["inputs"]["preds"]["columns"] == ["Height", "Weight"]
    assert doc["value"] == pytest.approx((0.01 + 25 + 0 + 1 + 0.01 + 36) / 6, rel=1e-13)


def test_a_weight_col_both_files_hold_is_refused(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y,weight\n1,1\n0,2\n")
    (tmp_path / "p.csv").write_text("p,weight\n0.8,1\n0.3,3\n")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--weight-col", "weight"], capsys)
    assert code == 2 and out == "" and "both have a column 'weight'" in err and "keep the sample weights" in err


def test_a_labels_file_of_one_column_named_weight_is_the_labels(tmp_path, capsys):
    """A target named weight (a person's weight) is not set aside when it is all the file holds."""
    (tmp_path / "y.csv").write_text("weight\n70.5\n82.0\n")
    (tmp_path / "p.csv").write_text("pred\n71.0\n80.0\n")
    doc, _ = value(["mse", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert doc["value"] == pytest.approx((0.25 + 4.0) / 2, rel=1e-15)


def test_a_weight_col_in_neither_file_names_both(tmp_path, capsys):
    _weighted_files(tmp_path, False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels.csv", "--preds", tmp_path / "preds.csv",
                              "--weight-col", "w"], capsys)
    assert code == 2 and out == ""
    assert "no column named 'w'" in err and "preds.csv" in err and "labels.csv" in err
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels.csv", "--preds", tmp_path / "preds.csv",
                              "--weight-col", "2"], capsys)  # a position is one of the predictions file's
    assert code == 2 and "positions are 1-based" in err


@pytest.mark.parametrize("chunk", ["1", "2", "3", "1000"])
def test_a_join_does_not_depend_on_the_chunk_size(tmp_path, capsys, chunk):
    (tmp_path / "y.csv").write_text("id,y\n1,1\n2,0\nx3,1\n4,0\n")
    (tmp_path / "p.csv").write_text("id,p\n4,0.1\nx3,0.7\n2,0.4\n1,0.8\n")
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--chunk-rows", chunk],
                   capsys)
    assert doc["value"] == pytest.approx(-np.mean(np.log([0.8, 0.6, 0.7, 0.9])), rel=1e-15)


@pytest.mark.parametrize("spill", [False, True], ids=["in memory", "spilled"])
@pytest.mark.parametrize("labels", ["0/1", "wide integers", "floats", "quarters"])
def test_a_join_scores_and_hashes_the_labels_as_rows_in_order_would(tmp_path, capsys, monkeypatch, spill, labels):
    from losscli.inputs import keyindex
    from losscli.quality.taps import LabelHasher

    if spill:  # the id index and the joined labels' hash go through temporary files
        monkeypatch.setattr(keyindex, "SPILL_ROWS", 5)
        monkeypatch.setattr(LabelHasher, "WINDOW_ROWS", 4)
    rng = np.random.default_rng(2)
    n = 60
    y = {"0/1": rng.integers(0, 2, n), "wide integers": rng.integers(-40000, 40000, n),
         "floats": rng.normal(size=n), "quarters": rng.integers(-8, 8, n) / 4}[labels]
    p = rng.normal(size=n)
    ids = rng.permutation(n) * 3
    shuffled = rng.permutation(n)
    (tmp_path / "y.csv").write_text("id,y\n" + "".join(f"{i},{v!r}\n" for i, v in zip(ids, y.tolist(), strict=True)))
    (tmp_path / "pj.csv").write_text("id,p\n" + "".join(f"{ids[k]},{float(p[k])!r}\n" for k in shuffled.tolist()))
    (tmp_path / "pa.csv").write_text("p\n" + "".join(f"{v!r}\n" for v in p.tolist()))
    runs = {}
    for name, extra in {"joined": ["--preds", tmp_path / "pj.csv", "--id-col", "id"],
                        "aligned": ["--preds", tmp_path / "pa.csv", "--label-cols", "y"]}.items():
        base = tmp_path / f"{name}.json"
        code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "y.csv", *map(str, extra), "--chunk-rows", "7",
                                  "--nl", "--baseline", str(base), "--update-baseline"], capsys)
        assert code in (0, 1), err  # 1: the baseline was missing (a failed check), and is written
        runs[name] = (sorted(json.loads(line)["loss"] for line in out.splitlines()),
                      json.loads(base.read_text())["signature"])
    assert runs["joined"] == runs["aligned"]  # every sample's loss, and the labels' hash in label-file order


def test_ids_in_another_order_with_a_weights_file_are_refused(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("id,y\n1,1\n2,0\n")
    (tmp_path / "p.csv").write_text("id,p\n2,0.1\n1,0.7\n")
    (tmp_path / "w.csv").write_text("w\n1\n2\n")
    code, _, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                            "--weights", tmp_path / "w.csv"], capsys)
    assert code == 3 and "another order" in err and "--id-col id" in err


# ------------------------------------------------------------------------------------------- paths


def test_a_path_that_exists_is_not_a_glob(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y\n1\n0\n")
    (tmp_path / "p[1].csv").write_text("p\n0.9\n0.2\n")
    (tmp_path / "p1.csv").write_text("p\n0.5\n0.5\n")  # what the glob p[1].csv would match
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p[1].csv"], capsys)
    assert doc["value"] == pytest.approx(-np.mean(np.log([0.9, 0.8])), rel=1e-15)
    (tmp_path / "p[1].csv").unlink()
    doc, _ = value(["bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p[1].csv"], capsys)
    assert doc["value"] == pytest.approx(math.log(2), rel=1e-15)


# ------------------------------------------------------------------------------------------- classes


def test_numeric_class_names_match_numbered_columns_by_name(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("label\n1\n3\n2\n")
    (tmp_path / "p.csv").write_text("p_1,p_2,p_3\n0.7,0.2,0.1\n0.1,0.1,0.8\n0.3,0.6,0.1\n")
    for loss in ("cce", "scce"):
        doc, _ = value([loss, "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
        assert doc["value"] == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.6])), rel=1e-15)
    (tmp_path / "y.csv").write_text("label\n1\n0\n2\n")
    code, _, err = run_cli(["eval", "cce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv"], capsys)
    assert code == 3 and "label 0 is not one of the classes" in err


@pytest.mark.parametrize("label, words", [("1.7", ["label 1.7", "not a whole number"]),
                                          ("5", ["label 5", "not a class index in 0..2"]),
                                          ("-1", ["label -1", "not a class index"])])
def test_fractional_or_out_of_range_class_labels_are_refused(tmp_path, capsys, label, words):
    (tmp_path / "d.csv").write_text(f"label,a,b,c\n0,0.2,0.3,0.5\n{label},0.2,0.3,0.5\n")
    for nan in ("error", "skip"):
        code, out, err = run_cli(["eval", "cce", tmp_path / "d.csv", "--nan", nan], capsys)
        assert code == 3 and out == "", err
        for w in words:
            assert w in err
        assert "row 3" in err


# ------------------------------------------------------------------------------------------- report


def test_the_columns_used_are_in_the_json_and_not_noted_off_a_terminal(tmp_path, capsys):
    (tmp_path / "d.csv").write_text(",id,label,p\n0,a,1,0.9\n1,b,0,0.2\n2,c,1,0.6\n")
    doc, err = value(["bce", tmp_path / "d.csv"], capsys)
    assert doc["inputs"]["preds"]["columns"] == ["p"] and doc["inputs"]["labels"]["columns"] == ["label"]
    assert len(doc["inputs"]["notes"]) == 2
    assert err == ""


def test_on_a_terminal_stderr_names_the_columns_used_and_left_out(tmp_path, capsys, monkeypatch):
    from losscli.commands import output

    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    (tmp_path / "d.csv").write_text(",id,label,p\n0,a,1,0.9\n1,b,0,0.2\n2,c,1,0.6\n")
    doc, err = value(["bce", tmp_path / "d.csv"], capsys)
    assert "losscli: note: " in err
    assert "column 1 (no header) is not a prediction: an unnamed column (a pandas index)" in err
    assert "column 'id' is not a prediction: an id column" in err
    assert "labels label; predictions p" in err


def test_a_quiet_run_on_a_terminal_says_only_what_may_change_its_number(tmp_path, capsys, monkeypatch):
    """``-q`` prints one number: the columns used and left out are not worth a line on stderr."""
    from losscli.commands import output

    monkeypatch.setattr(output, "stderr_is_terminal", lambda: True)
    (tmp_path / "d.csv").write_text(",id,label,p\n0,a,1,0.9\n1,b,0,0.2\n2,c,1,0.6\n")
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "d.csv"), "-q"], capsys)
    assert code == 0 and float(out) > 0 and err == ""


def test_two_files_whose_first_rows_may_be_headers_or_data_are_refused_until_told(tmp_path, capsys):
    """np.savetxt(fmt='%d') files starting with 0 look like a pandas Series written without its index (header
    '0'): read as headers, both would silently lose their first sample (mse 1.6667 instead of 1.25)."""
    np.savetxt(tmp_path / "a.txt", [0, 1, 2, 3], fmt="%d")
    np.savetxt(tmp_path / "b.txt", [0, 1, 1, 5], fmt="%d")
    args = ["eval", "mse", "--labels", tmp_path / "a.txt", "--preds", tmp_path / "b.txt", "-q"]
    for engine in ("local", "dask"):
        code, out, err = run_cli([*args, "--engine", engine], capsys)
        assert (code, out) == (2, ""), err
        assert "a.txt" in err and "b.txt" in err and "--no-header" in err and "--header" in err
    code, out, _ = run_cli([*args, "--no-header"], capsys)
    assert code == 0 and float(out) == 1.25  # the hint works: np.mean(([0, 1, 2, 3] - [0, 1, 1, 5])**2)
    code, out, _ = run_cli([*args, "--header"], capsys)
    assert code == 0 and float(out) == pytest.approx(5 / 3)


def test_one_file_whose_first_row_may_be_a_header_is_still_read(tmp_path, capsys):
    """A pandas Series saved without its index ('0' header) next to a file with a real header: read as
    pandas wrote it."""
    (tmp_path / "y.csv").write_text("0\n1\n0\n1\n")
    (tmp_path / "p.csv").write_text("p\n0.9\n0.2\n0.7\n")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"],
                             capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.7)) / 3)  # labels 1, 0, 1


def test_np_savetxt_default_space_separated_logits(tmp_path, capsys):
    """np.savetxt's defaults: '%.18e' and single spaces; read as columns, not as one text column."""
    rng = np.random.default_rng(3)
    x = rng.standard_normal((50, 4))
    y = rng.integers(0, 4, 50)
    np.savetxt(tmp_path / "x.txt", x)
    np.save(tmp_path / "y.npy", y)
    code, out, err = run_cli(["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.txt",
                              "--logits", "-q"], capsys)
    assert code == 0, err
    m = x.max(axis=1, keepdims=True)
    expected = np.mean((m[:, 0] + np.log(np.exp(x - m).sum(axis=1))) - x[np.arange(50), y])
    assert float(out) == pytest.approx(expected, rel=1e-13)


# ------------------------------------------------------------------------------ keys, names and indexes


def _shuffled_pair(n=60, seed=4):
    rng = np.random.default_rng(seed)
    y = rng.normal(size=n)
    p = y + rng.normal(0, 0.5, n)
    return y, p, rng.permutation(n), float(np.mean((y - p) ** 2))


@pytest.mark.parametrize("key", ["PassengerId", "customer_id", "orderID", "sample-key"])
def test_a_key_column_named_like_an_id_is_joined_on_not_scored(tmp_path, capsys, key):
    """Kaggle's layout (PassengerId,SalePrice in both files): the key was scored as a second output (mse
    halved), and keys in another order paired rows by position."""
    y, p, perm, expected = _shuffled_pair()
    ids = np.arange(1001, 1001 + len(y))
    pd.DataFrame({key: ids, "target": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({key: ids, "target": p}).iloc[perm].to_csv(tmp_path / "p.csv", index=False)
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-14)


def test_columns_named_alike_are_paired_by_name_not_position(tmp_path, capsys):
    rng = np.random.default_rng(5)
    y, p = rng.normal(size=(40, 3)), rng.normal(size=(40, 3))
    expected = float(np.mean((y - p) ** 2))
    pd.DataFrame(y, columns=["a", "b", "c"]).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=["a", "b", "c"])[["c", "a", "b"]].to_csv(tmp_path / "p.csv", index=False)
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err
    # one file, the same names after each side's prefix
    frame = pd.concat([pd.DataFrame(y, columns=["y_a", "y_b", "y_c"]),
                       pd.DataFrame(p, columns=["p_a", "p_b", "p_c"])[["p_b", "p_c", "p_a"]]], axis=1)
    frame.to_csv(tmp_path / "d.csv", index=False)
    code, out, err = run_cli(["eval", "mse", str(tmp_path / "d.csv"), "--label-cols", "y_*", "--pred-cols", "p_*",
                              "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_pandas_indexes_in_another_order_are_refused_with_a_hint_that_works(tmp_path, capsys, fmt):
    """A test split keeps its rows' original numbers as its index; predictions written from a frame that
    kept them too (X_test.assign(p=...)) but in another order (a sort, a groupby) were paired by position."""
    rng = np.random.default_rng(4)
    n = 60
    y, p = rng.normal(size=n), rng.normal(size=n)
    split = rng.permutation(n)[:40]  # the rows of a test split, in its order
    expected = float(np.mean((y[split] - p[split]) ** 2))

    def write(frame, name):
        path = tmp_path / f"{name}.{fmt}"
        frame.to_csv(path) if fmt == "csv" else frame.to_parquet(path)
        return str(path)

    def run(labels, preds):
        return run_cli(["eval", "mse", "--labels", labels, "--preds", preds, "-q"], capsys)

    labels = write(pd.DataFrame({"y": y[split]}, index=split), "y")
    shuffled = rng.permutation(split)
    code, out, err = run(labels, write(pd.DataFrame({"pred": p[shuffled]}, index=shuffled), "p"))
    assert (code, out) == (3, "") and "another order: pandas index" in err
    assert "df.rename_axis('id').reset_index()" in err
    code, out, err = run(write(pd.DataFrame({"y": y[split]}, index=split).rename_axis("id").reset_index(), "y2"),
                         write(pd.DataFrame({"pred": p[shuffled]}, index=shuffled).rename_axis("id").reset_index(),
                               "p2"))
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err
    # the same order, or predictions made afresh (their index counts 0, 1, 2, …): paired by position
    for preds in (pd.DataFrame({"pred": p[split]}, index=split), pd.DataFrame({"pred": p[split]})):
        code, out, err = run(labels, write(preds, "p3"))
        assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err
    np.save(tmp_path / "p.npy", p[split])
    code, out, err = run(labels, str(tmp_path / "p.npy"))
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err
    if fmt == "csv":  # a small file's index that holds the other's row numbers 0, 1, 2, … in another order
        perm = rng.permutation(n)
        code, out, err = run(write(pd.DataFrame({"y": y}), "y4"), write(pd.DataFrame({"pred": p}).iloc[perm], "p4"))
        assert (code, out) == (3, "") and "another order: pandas index" in err


def test_shards_are_read_in_natural_order(tmp_path, capsys):
    """part-10 after part-2: a file read in step with the shards (--preds2) stays aligned with them."""
    (tmp_path / "s").mkdir()
    for i in range(12):
        (tmp_path / "s" / f"part-{i}.csv").write_text(f"y,p\n{i},0\n")
    code, out, err = run_cli(["eval", "mse", str(tmp_path / "s" / "part-*.csv"), "--nl"], capsys)
    assert code == 0, err
    assert [json.loads(line)["loss"] for line in out.splitlines()] == [float(i * i) for i in range(12)]
    from losscli.inputs.plan import glob_paths

    names = [p.rsplit("/", 1)[1] for p in glob_paths(str(tmp_path / "s" / "part-*.csv"))]
    assert names == [f"part-{i}.csv" for i in range(12)]


def test_the_same_numbers_opening_both_files_wait_for_header_or_no_header(tmp_path, capsys):
    """Columns named by horizon or year (1,2,3) in both files: read as data, the names were an extra row in both
    files, identical, so a zero loss that pulled the mean down by N/(N+1)."""
    rng = np.random.default_rng(7)
    y, p = rng.normal(5, 2, (30, 3)), rng.normal(5, 2, (30, 3))
    pd.DataFrame(y, columns=["1", "2", "3"]).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame(p, columns=["1", "2", "3"]).to_csv(tmp_path / "p.csv", index=False)
    args = ["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"), "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "the same numbers (1,2,3)" in err and "--header" in err
    code, out, err = run_cli([*args, "--header"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-14), err
    # headerless %g data that starts with integers is data, in one file or two
    yg, pg = np.array([3, 2.5, 1.25, 4.75]), np.array([2.8, 2.4, 1.5, 4.0])
    np.savetxt(tmp_path / "yg.csv", yg, fmt="%g")
    np.savetxt(tmp_path / "pg.csv", pg, fmt="%g")
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "yg.csv"), "--preds",
                              str(tmp_path / "pg.csv"), "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((yg - pg) ** 2)), rel=1e-14), err
    np.savetxt(tmp_path / "one.csv", np.c_[[1, 0, 1, 0], [1, 0.2, 0.7, 0.4]], fmt="%g", delimiter=",")
    code, out, err = run_cli(["eval", "mse", str(tmp_path / "one.csv"), "--label-cols", "1", "--pred-cols", "2",
                              "--json", "--summary-only"], capsys)
    assert code == 0 and json.loads(out)["n"] == 4, err


@pytest.mark.parametrize("loss, labels, preds", [("mse", "0\n3\n5\n", "0\n2.5\n5.5\n"),
                                                 ("mse", "0\n3\n1e+05\n", "0\n2.5\n99999.5\n"),
                                                 ("bce", "0\n1\n1\n0\n", "0\n0.9\n0.1\n0.2\n")])
def test_a_first_row_of_0_above_numbers_written_otherwise_is_not_taken_for_pandas_header(tmp_path, capsys, loss,
                                                                                         labels, preds):
    """awk, R and ``printf %g`` write ``0`` above ``2.5``: the rows below, written otherwise than the bare
    ``0``, were taken as proof of pandas' header, and both files lost their first sample (mse 0.25 for
    0.1667, exit 0), and so was R's and printf's ``1e+05``. Only a whole number written as pandas writes a
    float (``151.0``) proves it now; else the two files' first rows are a question, and the hint answers it."""
    (tmp_path / "y.csv").write_text(labels)
    (tmp_path / "p.csv").write_text(preds)
    args = ["eval", loss, "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (2, "") and "--no-header if the first rows are data" in err
    code, out, err = run_cli([*args, "--no-header"], capsys)
    y, p = (np.array([float(v) for v in t.split()]) for t in (labels, preds))
    if loss == "mse":
        expected = np.mean((y - p) ** 2)
    else:
        q = np.clip(p, 1e-15, 1 - 1e-15)  # the losscli convention's clip of probabilities 0 and 1 (log_loss')
        expected = -np.mean(y * np.log(q) + (1 - y) * np.log1p(-q))
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-12), err
    # pandas' float column proves its header: a whole number written 151.0
    (tmp_path / "py.csv").write_text("0\n151.0\n3.5\n")
    (tmp_path / "pp.csv").write_text("0\n150.0\n4.5\n")
    code, out, err = run_cli(["eval", "mse", "--labels", tmp_path / "py.csv", "--preds", tmp_path / "pp.csv", "-q"],
                             capsys)
    assert code == 0 and float(out) == 1.0, err


def test_what_is_not_a_key_or_an_index_keeps_the_row_order(tmp_path, capsys):
    rng = np.random.default_rng(11)
    y, p = rng.uniform(size=20), rng.uniform(size=20)
    expected = float(np.mean((y - p) ** 2))

    def run(labels, preds, *extra):
        code, out, err = run_cli(["eval", "mse", "--labels", labels, "--preds", preds, *extra, "-q"], capsys)
        assert code == 0, err
        return float(out)

    # store_id and item_id key a row together: neither alone is joined on
    keys = {"store_id": np.repeat([1, 2], 10), "item_id": np.tile(np.arange(10), 2)}
    pd.DataFrame({**keys, "sales": y}).to_csv(tmp_path / "ky.csv", index=False)
    pd.DataFrame({**keys, "sales": p}).to_csv(tmp_path / "kp.csv", index=False)
    assert run(str(tmp_path / "ky.csv"), str(tmp_path / "kp.csv")) == pytest.approx(expected, rel=1e-14)
    assert run(str(tmp_path / "ky.csv"), str(tmp_path / "kp.csv"), "--label-cols", "sales", "--pred-cols",
               "sales") == pytest.approx(expected, rel=1e-14)
    # a trailing comma on every line is an empty column, not a pandas index
    pd.DataFrame({"y": y}).to_csv(tmp_path / "ty.csv")
    (tmp_path / "tp.csv").write_text("p,\n" + "".join(f"{float(v)!r},\n" for v in p))
    assert run(str(tmp_path / "ty.csv"), str(tmp_path / "tp.csv")) == pytest.approx(expected, rel=1e-14)
    # a named index in Parquet (pandas' metadata names it) is the index, not a label or a prediction
    ix = pd.Index(np.arange(100, 120), name="step")
    pd.DataFrame({"y": y}, index=ix).to_parquet(tmp_path / "sy.parquet")
    pd.DataFrame({"pred": p}, index=ix).to_parquet(tmp_path / "sp.parquet")
    assert run(str(tmp_path / "sy.parquet"), str(tmp_path / "sp.parquet")) == pytest.approx(expected, rel=1e-14)


def test_an_automatic_join_says_how_to_keep_the_row_order_and_chosen_columns_keep_it(tmp_path, capsys):
    rng = np.random.default_rng(12)
    n = 1500
    u = rng.choice(10**6, n, replace=False)
    u[1200] = u[10]  # a repeat past the rows the column rule samples
    y, p = rng.normal(size=n), rng.normal(size=n)
    pd.DataFrame({"user_id": u, "y": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({"user_id": u, "pred": p}).to_csv(tmp_path / "p.csv", index=False)
    args = ["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"), "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (3, "") and "joined on 'user_id'" in err and "--label-cols and --pred-cols" in err
    code, out, err = run_cli([*args, "--label-cols", "y", "--pred-cols", "pred"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-14), err


def test_dates_as_pandas_index_and_boolean_one_hot_labels(tmp_path, capsys):
    rng = np.random.default_rng(13)
    idx = rng.permutation(50)[:30]
    dates = pd.date_range("2020-01-01", periods=50, freq="h")[idx]
    y, p = rng.normal(size=30), rng.normal(size=30)
    pd.DataFrame({"target": y}, index=dates).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"pred": p}, index=dates).to_parquet(tmp_path / "p.parquet")  # writes timestamps otherwise
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds",
                              str(tmp_path / "p.parquet"), "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-14), err
    # pandas' get_dummies writes one-hot labels as True/False
    k = rng.integers(0, 3, 20)
    probs = rng.dirichlet(np.ones(3), 20)
    pd.get_dummies(pd.Series(k).map({0: "a", 1: "b", 2: "c"})).to_csv(tmp_path / "d.csv", index=False)
    pd.DataFrame(probs, columns=["a", "b", "c"]).to_csv(tmp_path / "q.csv", index=False)
    code, out, err = run_cli(["eval", "cce", "--labels", str(tmp_path / "d.csv"), "--preds",
                              str(tmp_path / "q.csv"), "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(-np.mean(np.log(probs[np.arange(20), k]))), rel=1e-14)


@pytest.mark.parametrize("key", ["SK_ID_CURR", "ID_code"])
def test_kaggle_keys_named_with_an_id_word_are_keys(tmp_path, capsys, key):
    rng = np.random.default_rng(14)
    ids = rng.choice(10**6, 40, replace=False)
    y, p = rng.normal(size=40), rng.normal(size=40)
    perm = rng.permutation(40)
    pd.DataFrame({key: ids, "TARGET": y}).to_csv(tmp_path / "y.csv", index=False)
    pd.DataFrame({key: ids, "TARGET": p}).iloc[perm].to_csv(tmp_path / "p.csv", index=False)
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
                              "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-14), err


def test_everyday_files_that_only_look_like_keys_indexes_or_headers_pair_by_position(tmp_path, capsys):
    rng = np.random.default_rng(15)
    n = 120

    def value(labels, preds, loss="mse"):
        code, out, err = run_cli(["eval", loss, "--labels", str(labels), "--preds", str(preds), "-q"], capsys)
        assert code == 0, err
        return float(out)

    # one-hot classes named like keys: a class ID (Idaho) gives state_ID and p_ID
    cls = np.array(["CA", "ID", "NY"])
    k = rng.integers(0, 3, n)
    probs = rng.dirichlet([2, 2, 2], n)
    pd.get_dummies(pd.Series(cls[k]), prefix="state").astype(int).to_csv(tmp_path / "oh.csv", index=False)
    pd.DataFrame(probs, columns=["state_" + c for c in cls]).to_csv(tmp_path / "pr.csv", index=False)
    assert value(tmp_path / "oh.csv", tmp_path / "pr.csv") == pytest.approx(
        float(np.mean((np.eye(3)[k] - probs) ** 2)), rel=1e-14)
    pd.DataFrame({"state": cls[k]}).to_csv(tmp_path / "names.csv", index=False)
    pd.DataFrame(probs, columns=["p_" + c for c in cls]).to_csv(tmp_path / "pp.csv", index=False)
    assert value(tmp_path / "names.csv", tmp_path / "pp.csv", "cce") == pytest.approx(
        float(-np.mean(np.log(probs[np.arange(n), k]))), rel=1e-14)
    # predictions gathered from batches (an index restarting at 0) beside a shuffled test split
    y, p = rng.normal(size=n), rng.normal(size=n)
    pd.Series(y, index=rng.permutation(2000)[:n], name="y").to_csv(tmp_path / "y.csv")
    pd.concat([pd.DataFrame({"pred": p[i:i + 32]}) for i in range(0, n, 32)]).to_csv(tmp_path / "p.csv")
    assert value(tmp_path / "y.csv", tmp_path / "p.csv") == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-14)
    # a confident prediction equal to its one-hot label on the first row of np.savetxt files
    oh = np.eye(3)[k]
    pr = probs.copy()
    pr[0] = oh[0]
    np.savetxt(tmp_path / "a.csv", oh, delimiter=",")
    np.savetxt(tmp_path / "b.csv", pr, delimiter=",")
    assert value(tmp_path / "a.csv", tmp_path / "b.csv") == pytest.approx(float(np.mean((oh - pr) ** 2)), rel=1e-14)
    # a key that counts 1, 2, 3, … written as integers in one file and floats in the other
    yb, pb = rng.integers(0, 2, n), rng.uniform(size=n)
    pd.DataFrame({"PassengerId": np.arange(1, n + 1), "Survived": yb}).to_csv(tmp_path / "ky.csv", index=False)
    pd.DataFrame({"PassengerId": np.arange(1, n + 1.0), "Survived": pb}).to_csv(tmp_path / "kp.csv", index=False)
    assert value(tmp_path / "ky.csv", tmp_path / "kp.csv") == pytest.approx(float(np.mean((yb - pb) ** 2)),
                                                                           rel=1e-14)


def test_a_shared_key_not_joined_on_is_checked_row_by_row(tmp_path, capsys):
    """Out-of-fold predictions written fold by fold beside a train file sorted by PassengerId (a key that
    counts 1, 2, 3, so not joined on): refused, and the hint (--id-col) gives the joined value."""
    rng = np.random.default_rng(16)
    n = 200
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    pd.DataFrame({"PassengerId": np.arange(1, n + 1), "Survived": y}).to_csv(tmp_path / "train.csv", index=False)
    folds = np.array_split(rng.permutation(n), 5)
    pd.concat([pd.DataFrame({"PassengerId": f + 1, "Survived": p[f]}) for f in folds]).to_csv(tmp_path / "oof.csv",
                                                                                              index=False)
    args = ["eval", "bce", "--labels", str(tmp_path / "train.csv"), "--preds", str(tmp_path / "oof.csv"), "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (3, "") and "--id-col PassengerId" in err
    code, out, err = run_cli([*args, "--id-col", "PassengerId"], capsys)
    expected = float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-14), err


def test_rows_of_data_and_fresh_predictions_are_not_taken_for_headers_or_shuffles(tmp_path, capsys):
    rng = np.random.default_rng(17)
    # integer multi-output data whose first sample was predicted exactly (2,0,3 is data, not names)
    Y = rng.integers(0, 5, (60, 3))
    P = Y.copy()
    P[1:, 0] = (P[1:, 0] + 1) % 5
    np.savetxt(tmp_path / "y.txt", Y, fmt="%d", delimiter=",")
    np.savetxt(tmp_path / "p.txt", P, fmt="%d", delimiter=",")
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "y.txt"), "--preds", str(tmp_path / "p.txt"),
                              "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(np.mean((Y - P) ** 2)), rel=1e-14), err
    # labels written from a shuffled frame (their index a permutation), predictions made afresh (it counts)
    x = rng.normal(size=150)
    frame = pd.DataFrame({"x": x, "y": 2 * x + rng.normal(size=150)}).sample(frac=1, random_state=0)
    frame[["y"]].to_csv(tmp_path / "ly.csv")
    pd.DataFrame({"y": (2 * frame.x).to_numpy()}).to_csv(tmp_path / "lp.csv")
    code, out, err = run_cli(["eval", "mse", "--labels", str(tmp_path / "ly.csv"), "--preds",
                              str(tmp_path / "lp.csv"), "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(float(np.mean((frame.y.to_numpy() - 2 * frame.x.to_numpy()) ** 2)), rel=1e-14)


def test_a_weights_file_whose_only_column_looks_like_ids_asks_for_weight_col(tmp_path, capsys):
    """A weights file whose every column is taken for an index or ids (a column named id; garbage read as a
    header) was an internal error (exit 4: no columns requested); it asks for --weight-col, which works."""
    (tmp_path / "y.csv").write_text("y\n0\n1\n1\n")
    (tmp_path / "p.csv").write_text("p\n0.2\n0.7\n0.9\n")
    (tmp_path / "w.csv").write_text("id\n1\n2\n3\n")
    args = ["eval", "bce", "--labels", str(tmp_path / "y.csv"), "--preds", str(tmp_path / "p.csv"),
            "--weights", str(tmp_path / "w.csv"), "-q"]
    code, out, err = run_cli(args, capsys)
    assert code == 2 and out == "" and "no weight column left in" in err and "--weight-col" in err, err
    code, out, err = run_cli([*args, "--weight-col", "id"], capsys)
    y, p, w = np.array([0, 1, 1]), np.array([0.2, 0.7, 0.9]), np.array([1.0, 2.0, 3.0])
    assert code == 0, err
    assert float(out) == pytest.approx(np.sum(w * -(y * np.log(p) + (1 - y) * np.log1p(-p))) / w.sum(), rel=1e-15)
    (tmp_path / "w.csv").write_bytes(b"\t\n\x01")
    code, out, err = run_cli(args, capsys)
    assert code == 2 and "internal error" not in err, err
