"""A row's logits or probabilities in one list column (Parquet, Arrow IPC, DataFrames), and wide NPY files.

Expected values are torch's ``cross_entropy`` in float64 (tests/reference/list_logits_reference.json,
written by tests/reference/generate_list_logits_reference.py); the logits are float16 numbers, exact in
every element type, so one expected value serves files of float16, float32 and float64.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

import losscli
from losscli.errors import ReadError
from losscli.io import Block, open_source

REF = json.loads((Path(__file__).resolve().parents[1] / "reference" / "list_logits_reference.json").read_text())
LABELS = np.array(REF["labels"])
LOGITS = np.array(REF["logits"], dtype=np.float64)
PER_SAMPLE = np.array(REF["expected_per_sample"])
VALUE = REF["expected_value"]
N, V = LOGITS.shape
RTOL = 1e-12


def arrow_list(dtype: str, kind: str) -> pa.Array:
    values = pa.array(LOGITS.astype(dtype).ravel())
    if kind == "fixed":
        return pa.FixedSizeListArray.from_arrays(values, V)
    offsets = pa.array(np.arange(0, N * V + 1, V, dtype=np.int32 if kind == "list" else np.int64))
    return (pa.ListArray if kind == "list" else pa.LargeListArray).from_arrays(offsets, values)


def write(tmp_path: Path, writer: str, name: str = "lm.parquet") -> Path:
    """The logits and labels in one file, as each library writes a column of arrays."""
    path = tmp_path / name
    if writer == "pandas":  # list<element: float>
        pd.DataFrame({"label": LABELS, "logits": list(LOGITS.astype(np.float32))}).to_parquet(path)
    elif writer == "polars-array":  # fixed_size_list<float>[V]
        pl.DataFrame({"label": LABELS, "logits": LOGITS.astype(np.float32)}).write_parquet(path)
    elif writer == "polars-list":  # large_list<double>
        pl.DataFrame({"label": LABELS, "logits": LOGITS.tolist()}).write_parquet(path)
    elif writer == "pyarrow-float16":  # fixed_size_list<halffloat>[V]
        pq.write_table(pa.table({"label": LABELS, "logits": arrow_list("float16", "fixed")}), path,
                       row_group_size=5)
    elif writer == "pyarrow-float64-list":
        pq.write_table(pa.table({"label": LABELS, "logits": arrow_list("float64", "list")}), path,
                       row_group_size=4)
    else:
        raise AssertionError(writer)
    return path


WRITERS = ["pandas", "polars-array", "polars-list", "pyarrow-float16", "pyarrow-float64-list"]


def value_of(out: str) -> float:
    return json.loads(out)["value"]


# reading ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("writer", WRITERS)
def test_every_writer_reads_as_one_block_of_the_reference_logits(tmp_path, writer):
    src = open_source(str(write(tmp_path, writer)))
    assert src.columns[:2] == ["label", "logits[0]"] and len(src.columns) == 1 + V
    assert src.blocks == {"logits": [f"logits[{i}]" for i in range(V)]}
    chunks = list(src.read(["label", Block("logits")], chunk_rows=3))
    assert [len(c) for c in chunks] == [3, 3, 3, 3]
    matrix = np.concatenate([c.columns[Block("logits")] for c in chunks])
    assert matrix.shape == (N, V)
    assert matrix.dtype == (np.float16 if "float16" in writer
                            else np.float64 if "float64" in writer or writer == "polars-list" else np.float32)
    np.testing.assert_array_equal(matrix, LOGITS)
    np.testing.assert_array_equal(np.concatenate([c.columns["label"] for c in chunks]), LABELS)


def test_float32_values_are_not_copied(tmp_path):
    src = open_source(str(write(tmp_path, "polars-array")))
    block = next(iter(src.read([Block("logits")], chunk_rows=N))).columns[Block("logits")]
    assert block.dtype == np.float32 and not block.flags.owndata  # a view of the Arrow buffer


def test_one_element_reads_as_a_column(tmp_path):
    src = open_source(str(write(tmp_path, "pandas")))
    col = next(iter(src.read(["logits[5]"]))).columns["logits[5]"]
    np.testing.assert_array_equal(col, LOGITS[:, 5])


# results: API and command line --------------------------------------------------------------------------------


@pytest.mark.parametrize("frame", ["pandas", "polars", "pyarrow"])
def test_api_on_dataframes_with_a_list_column(frame):
    if frame == "pandas":
        df = pd.DataFrame({"label": LABELS, "logits": list(LOGITS)})
    elif frame == "polars":
        df = pl.DataFrame({"label": LABELS, "logits": LOGITS.astype(np.float32)})
    else:
        df = pa.table({"label": LABELS, "logits": arrow_list("float16", "fixed")})
    r = losscli.evaluate("scce", df, from_logits=True)
    np.testing.assert_allclose(r.per_sample, PER_SAMPLE, rtol=RTOL)
    r = losscli.evaluate("scce", df, pred_cols="logits", from_logits=True)
    assert r.value == pytest.approx(VALUE, rel=RTOL)


@pytest.mark.parametrize("writer", WRITERS)
def test_cli_one_file(tmp_path, capsys, writer):
    path = write(tmp_path, writer)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(VALUE, rel=RTOL)
    np.testing.assert_allclose(doc["per_sample"], PER_SAMPLE, rtol=RTOL)
    assert doc["inputs"]["preds"]["columns"] == ["logits"] and doc["inputs"]["preds"]["values_per_row"] == V
    code, out, _ = run_cli(["eval", "scce", path, "--logits", "--pred-cols", "logits", "--chunk-rows", "5",
                            "--format", "json"], capsys)
    assert code == 0 and value_of(out) == pytest.approx(VALUE, rel=RTOL)


def test_cli_labels_in_another_file(tmp_path, capsys):
    preds = tmp_path / "preds.parquet"
    pq.write_table(pa.table({"logits": arrow_list("float32", "list")}), preds, row_group_size=5)
    for labels in (tmp_path / "y.npy", tmp_path / "y.parquet"):
        if labels.suffix == ".npy":
            np.save(labels, LABELS)
        else:
            pq.write_table(pa.table({"label": LABELS}), labels)
        code, out, err = run_cli(["eval", "scce", "--labels", labels, "--preds", preds, "--logits",
                                  "--format", "json"], capsys)
        assert code == 0, err
        assert value_of(out) == pytest.approx(VALUE, rel=RTOL)


def test_cli_arrow_ipc_stream_and_feather(tmp_path, capsys):
    t = pa.table({"label": LABELS, "logits": arrow_list("float32", "list")})
    feather.write_feather(t, str(tmp_path / "lm.feather"), chunksize=5)
    with pa.OSFile(str(tmp_path / "lm.arrow"), "wb") as f, pa.ipc.new_stream(f, t.schema) as w:
        for b in t.to_batches(max_chunksize=7):
            w.write_batch(b)
    for name in ("lm.feather", "lm.arrow"):
        code, out, err = run_cli(["eval", "scce", tmp_path / name, "--logits", "--format", "json"], capsys)
        assert code == 0, err
        np.testing.assert_allclose(json.loads(out)["per_sample"], PER_SAMPLE, rtol=RTOL)


def test_arrow_block_with_a_short_row_equals_the_columns(tmp_path):
    """A batch with a shorter row takes the padded way: the same values as reading element by element."""
    rows = [[0.1, 0.9, 0.0], [0.3, 0.7], [0.2, 0.3, 0.5], None]
    path = tmp_path / "s.arrow"
    t = pa.table({"p": pa.array(rows, pa.list_(pa.float64()))})
    with pa.OSFile(str(path), "wb") as f, pa.ipc.new_stream(f, t.schema) as w:
        w.write_table(t)
    src = open_source(str(path))
    block = next(iter(src.read([Block("p")]))).columns[Block("p")]
    cols = next(iter(src.read(["p[0]", "p[1]", "p[2]"]))).columns
    np.testing.assert_array_equal(block, np.column_stack([cols["p[0]"], cols["p[1]"], cols["p[2]"]]))
    assert np.isnan(block[1, 2]) and np.isnan(block[3]).all()


def test_cli_subprocess_parquet_list_column(tmp_path):
    path = write(tmp_path, "pandas")
    proc = subprocess.run([sys.executable, "-m", "losscli", "eval", "scce", str(path), "--logits", "-q"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert float(proc.stdout) == pytest.approx(VALUE, rel=RTOL)


# refused rows: exit 3, the file, row, column and value, and a hint that works ----------------------------------


def test_ragged_row_and_its_hint(tmp_path, capsys):
    rows = [list(r) for r in LOGITS]
    rows[3] = rows[3][:-2]
    path = tmp_path / "ragged.parquet"
    pq.write_table(pa.table({"label": LABELS, "logits": pa.array(rows, pa.list_(pa.float32()))}), path)
    code, out, err = run_cli(["eval", "scce", path, "--logits"], capsys)
    assert code == 3 and out == ""
    assert f"a list of {V - 2} values where the first row has {V}" in err
    assert "ragged.parquet column logits row 4 (value [" in err and f"({V - 2} values)" in err
    assert "list_value_length" in err and "Traceback" not in err
    # the hint: find the rows of another length and drop them
    t = pq.read_table(path)
    t = t.filter(pc.equal(pc.list_value_length(t["logits"]), V))
    fixed = tmp_path / "fixed.parquet"
    pq.write_table(t, fixed)
    code, out, err = run_cli(["eval", "scce", fixed, "--logits", "--format", "json"], capsys)
    assert code == 0, err
    assert value_of(out) == pytest.approx(REF["expected_value_without_rows"]["3"], rel=RTOL)


@pytest.mark.parametrize("where", ["element", "row"])
def test_null_element_or_row_and_the_nan_skip_hint(tmp_path, capsys, where):
    rows: list = [list(r) for r in LOGITS]
    if where == "element":
        rows[3][7] = None
    else:
        rows[3] = None
    path = tmp_path / "nulls.parquet"
    pq.write_table(pa.table({"label": LABELS, "logits": pa.array(rows, pa.list_(pa.float64()))}), path,
                   row_group_size=4)
    code, out, err = run_cli(["eval", "scce", path, "--logits"], capsys)
    assert code == 3 and out == ""
    column = "logits[7]" if where == "element" else "logits"
    assert f"nulls.parquet column {column} row 4 (value null)" in err and "--nan skip" in err
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--nan", "skip", "--format", "json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(REF["expected_value_without_rows"]["3"], rel=RTOL)
    assert doc["skipped"] == 1


def test_text_elements_and_the_cast_hint(tmp_path, capsys):
    path = tmp_path / "text.parquet"
    rows = [[repr(float(v)) for v in r] for r in LOGITS]
    rows[0] = None
    t = pa.table({"label": LABELS, "logits": pa.array(rows, pa.list_(pa.string()))})
    pq.write_table(t, path)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--pred-cols", "logits"], capsys)
    assert code == 3 and out == ""
    assert "the list column holds text, not numbers in " in err
    assert f"text.parquet column logits row 2 (value '{float(LOGITS[1, 0])!r}')" in err
    assert "pyarrow.compute.cast" in err
    # the hint, as written (pyarrow.compute is pc here); the null row is then left out with --nan skip
    table = t.set_column(t.schema.get_field_index("logits"), "logits",
                         pc.cast(t["logits"], pa.list_(pa.float64())))
    pq.write_table(table, path)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--nan", "skip", "--format", "json"], capsys)
    assert code == 0, err
    per_sample = np.array(json.loads(out)["per_sample"])
    np.testing.assert_allclose(per_sample, PER_SAMPLE[1:], rtol=RTOL)


def test_two_list_columns_ask_which(tmp_path, capsys):
    path = tmp_path / "two.parquet"
    pq.write_table(pa.table({"label": LABELS, "logits": arrow_list("float32", "fixed"),
                             "hidden": arrow_list("float32", "fixed")}), path)
    code, out, err = run_cli(["eval", "scce", path, "--logits"], capsys)
    assert code == 2 and out == ""
    assert "several prediction-like columns" in err and "--pred-cols logits" in err
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--pred-cols", "logits", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(VALUE, rel=RTOL)


def test_a_list_column_never_read_is_never_refused(tmp_path, capsys):
    path = tmp_path / "tokens.parquet"
    pq.write_table(pa.table({"label": LABELS, "tokens": pa.array([["a", "b"]] * N),
                             "logits": arrow_list("float32", "fixed")}), path)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--pred-cols", "logits", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(VALUE, rel=RTOL)


def test_source_errors_name_the_row_of_a_later_row_group(tmp_path):
    rows = [list(r) for r in LOGITS]
    rows[9] = rows[9] + [0.0]
    path = tmp_path / "late.parquet"
    pq.write_table(pa.table({"logits": pa.array(rows, pa.list_(pa.float64()))}), path, row_group_size=4)
    with pytest.raises(ReadError, match=f"a list of {V + 1} values") as info:
        list(open_source(str(path)).read([Block("logits")], chunk_rows=3))
    assert info.value.location.file_row == 10


# NPY: float16 logits, read in row blocks ----------------------------------------------------------------------


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_npy_logits_of_every_float_type(tmp_path, capsys, dtype):
    np.save(tmp_path / "x.npy", LOGITS.astype(dtype))
    np.save(tmp_path / "y.npy", LABELS)
    code, out, err = run_cli(["eval", "scce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "x.npy",
                              "--logits", "--chunk-rows", "5", "--format", "json"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(json.loads(out)["per_sample"], PER_SAMPLE, rtol=RTOL)


def test_npy_block_is_converted_once_and_bounded(tmp_path):
    np.save(tmp_path / "x.npy", LOGITS.astype(np.float16))
    src = open_source(str(tmp_path / "x.npy"))
    assert src.blocks == {f"1:{V}": [str(j + 1) for j in range(V)]}
    chunks = list(src.read([Block(f"1:{V}"), "1"], chunk_rows=5))
    assert [len(c) for c in chunks] == [5, 5, 2]
    block = np.concatenate([c.columns[Block(f"1:{V}")] for c in chunks])
    assert block.dtype == np.float16  # kept, as scikit-learn's clip depends on it
    np.testing.assert_array_equal(block, LOGITS)
    np.testing.assert_array_equal(np.concatenate([c.columns["1"] for c in chunks]), LOGITS[:, 0])


def test_npy_labels_and_logits_in_one_array(tmp_path, capsys):
    """A part of a block (columns 2..V+1) is read as a slice of it."""
    np.save(tmp_path / "d.npy", np.column_stack([LABELS, LOGITS]).astype(np.float32))
    code, out, err = run_cli(["eval", "scce", tmp_path / "d.npy", "--label-cols", "1", "--pred-cols", "2:",
                              "--logits", "--format", "json"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(json.loads(out)["per_sample"], PER_SAMPLE, rtol=RTOL)


def test_a_vocabulary_of_128k_from_parquet_and_npy(tmp_path, capsys):
    """A 131072-token vocabulary: the list column and the NPY give log-sum-exp(x) − x[y] in float64."""
    rng = np.random.default_rng(5)
    x = (rng.standard_normal((3, 131072)) * 3).astype(np.float16)
    y = np.array([0, 65536, 131071])
    pq.write_table(pa.table({"label": y, "logits": pa.FixedSizeListArray.from_arrays(pa.array(x.ravel()), 131072)}),
                   tmp_path / "wide.parquet")
    np.save(tmp_path / "wide.npy", x)
    np.save(tmp_path / "y.npy", y)
    x64 = x.astype(np.float64)
    top = x64.max(axis=1)
    want = top + np.log(np.exp(x64 - top[:, None]).sum(axis=1)) - x64[np.arange(3), y]
    for args in (["wide.parquet"], ["--labels", "y.npy", "--preds", "wide.npy"]):
        code, out, err = run_cli(["eval", "scce", *[tmp_path / a if a.endswith(("parquet", "npy")) else a
                                                    for a in args], "--logits", "--format", "json"], capsys)
        assert code == 0, err
        np.testing.assert_allclose(json.loads(out)["per_sample"], want, rtol=1e-12)


def test_pairwise_second_input_from_a_list_column_when_joined(tmp_path, capsys):
    """--preds2 from a list column (a block), the labels joined by id: every column of x₂ is read, as the
    same numbers from CSV files (one column per value) give."""
    rng = np.random.default_rng(3)
    x1, x2 = rng.normal(size=(40, 5)), rng.normal(size=(40, 5))
    y = rng.choice([-1, 1], size=40)
    ids = [f"s{i}" for i in range(40)]
    order = rng.permutation(40)
    pq.write_table(pa.table({"id": [ids[i] for i in order], "label": y[order]}), tmp_path / "y.parquet")
    for name, a in (("x1", x1), ("x2", x2)):
        pq.write_table(pa.table({"id": ids, "v": pa.FixedSizeListArray.from_arrays(pa.array(a.ravel()), 5)}),
                       tmp_path / f"{name}.parquet")
        pd.DataFrame(a, columns=[f"c{j}" for j in range(5)]).assign(id=ids).to_csv(tmp_path / f"{name}.csv",
                                                                                  index=False)
    pd.DataFrame({"id": [ids[i] for i in order], "label": y[order]}).to_csv(tmp_path / "y.csv", index=False)
    results = []
    for ext in ("parquet", "csv"):
        code, out, err = run_cli(["eval", "cosine_embedding", "--labels", tmp_path / f"y.{ext}", "--preds",
                                  tmp_path / f"x1.{ext}", "--preds2", tmp_path / f"x2.{ext}", "--id-col", "id",
                                  "--format", "json"], capsys)
        assert code == 0, err
        results.append(json.loads(out)["per_sample"])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-15)
    cos = (x1 * x2).sum(axis=1) / np.linalg.norm(x1, axis=1) / np.linalg.norm(x2, axis=1)
    np.testing.assert_allclose(results[0], np.where(y == 1, 1 - cos, np.maximum(0, cos)), rtol=1e-12)


def test_dask_engine_refuses_a_list_column_and_names_the_local_engine(tmp_path, capsys):
    pytest.importorskip("dask.dataframe")
    path = write(tmp_path, "pandas")
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--engine", "dask", "-q"], capsys)
    assert code == 2 and out == ""
    assert "column 'logits' holds a list of values per row" in err and "--engine local" in err
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--engine", "local", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(VALUE, rel=RTOL)


def test_jsonl_array_field_is_one_block(tmp_path, capsys):
    path = tmp_path / "lm.jsonl"
    path.write_text("".join(json.dumps({"label": int(y), "logits": [float(v) for v in row]}) + "\n"
                            for y, row in zip(LABELS, LOGITS, strict=True)))
    src = open_source(str(path))
    assert src.blocks == {"logits": [f"logits[{i}]" for i in range(V)]}
    block = np.concatenate([c.columns[Block("logits")] for c in src.read([Block("logits")], chunk_rows=5)])
    np.testing.assert_array_equal(block, LOGITS)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--format", "json"], capsys)
    assert code == 0, err
    np.testing.assert_allclose(json.loads(out)["per_sample"], PER_SAMPLE, rtol=RTOL)


def test_jsonl_block_with_a_word_is_reported_by_its_cell(tmp_path, capsys):
    rows = [[float(v) for v in row] for row in LOGITS]
    rows[2][4] = "n/a?"
    path = tmp_path / "bad.jsonl"
    path.write_text("".join(json.dumps({"label": int(y), "logits": row}) + "\n"
                            for y, row in zip(LABELS, rows, strict=True)))
    code, out, err = run_cli(["eval", "scce", path, "--logits", "--pred-cols", "logits"], capsys)
    assert code == 3 and out == ""
    assert "non-numeric value" in err and "column logits[4] row 3 (value 'n/a?')" in err
