"""Arrow IPC / Feather: file and stream formats, memory-mapped, batches re-cut, lists and structs, errors."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.errors import ReadError
from losscli.io import open_source


def table(n: int = 10) -> pa.Table:
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(n, 3))
    return pa.table({
        "id": [f"s{i}" for i in range(n)],
        "label": pa.array(rng.integers(0, 3, size=n)),
        "logits": pa.FixedSizeListArray.from_arrays(pa.array(logits.ravel()), 3),
        "meta": pa.array([{"split": "dev", "w": float(i)} for i in range(n)]),
    })


def write_stream(path, t: pa.Table, batch: int) -> None:
    with pa.OSFile(str(path), "wb") as f, pa.ipc.new_stream(f, t.schema) as w:
        for b in t.to_batches(max_chunksize=batch):
            w.write_batch(b)


def read_all(src, columns=None, chunk_rows=None) -> dict[str, np.ndarray]:
    chunks = list(src.read(columns, chunk_rows=chunk_rows))
    return {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in chunks[0].columns}


@pytest.mark.parametrize("kind", ["feather", "file", "stream", "stream_gz", "stdin"])
def test_every_container_gives_the_same_columns(tmp_path, kind):
    t = table(25)
    if kind == "feather":
        path = tmp_path / "t.feather"
        feather.write_feather(t, str(path), chunksize=4)
    elif kind == "file":
        path = tmp_path / "t.arrow"
        with pa.OSFile(str(path), "wb") as f, pa.ipc.new_file(f, t.schema) as w:
            for b in t.to_batches(max_chunksize=6):
                w.write_batch(b)
    else:
        path = tmp_path / "t.arrow"
        write_stream(path, t, 6)
        if kind == "stream_gz":
            data = path.read_bytes()
            path = tmp_path / "t.arrow.gz"
            path.write_bytes(gzip.compress(data))
    src = open_source("-", stdin=io.BytesIO(path.read_bytes())) if kind == "stdin" else open_source(str(path))
    assert src.format == "arrow"
    assert src.columns == ["id", "label", "logits[0]", "logits[1]", "logits[2]", "meta.split", "meta.w"]
    cols = read_all(src, chunk_rows=7)
    assert cols["label"].dtype == np.int64
    assert cols["label"].tolist() == t.column("label").to_pylist()
    np.testing.assert_array_equal(cols["logits[1]"], [row[1] for row in t.column("logits").to_pylist()])
    assert cols["meta.w"].tolist() == [float(i) for i in range(25)]
    assert cols["id"].tolist() == [f"s{i}" for i in range(25)]


@settings(max_examples=25, deadline=None)
@given(n=st.integers(1, 60), batch=st.integers(1, 20), chunk=st.integers(1, 70))
def test_streaming_equals_one_pass(tmp_path_factory, n, batch, chunk):
    path = tmp_path_factory.mktemp("a") / "s.arrow"
    write_stream(path, table(n), batch)
    src = open_source(str(path))
    whole = read_all(src)
    chunks = list(src.read(None, chunk_rows=chunk))
    assert all(len(c) == chunk for c in chunks[:-1])
    for name, arr in whole.items():
        np.testing.assert_array_equal(np.concatenate([c.columns[name] for c in chunks]), arr)


def test_variable_lists_nulls_and_a_longer_list_later(tmp_path):
    t = pa.table({"y": [1, 0, 1], "p": pa.array([[0.1, 0.9], [0.3], None], type=pa.list_(pa.float64()))})
    path = tmp_path / "v.arrow"
    write_stream(path, t, 3)
    src = open_source(str(path))
    assert src.columns == ["y", "p[0]", "p[1]"]
    cols = read_all(src)
    np.testing.assert_array_equal(cols["p[1]"], [0.9, np.nan, np.nan])
    np.testing.assert_array_equal(cols["p[0]"], [0.1, 0.3, np.nan])
    longer = pa.table({"y": [1, 0, 1], "p": pa.array([[0.1, 0.9], [0.3], [0.2, 0.3, 0.5]])})
    write_stream(path, longer, 2)
    with pytest.raises(ReadError, match=r"'p' has 3 elements.*row 3"):
        read_all(open_source(str(path)), chunk_rows=1)


def test_broken_and_old_files(tmp_path):
    p = tmp_path / "x.feather"
    p.write_bytes(b"ARROW1\x00\x00garbage")
    with pytest.raises(ReadError, match="not a valid Arrow IPC"):
        open_source(str(p))
    p.write_bytes(b"FEA1" + b"\x00" * 64)
    with pytest.raises(ReadError, match="Feather version 1"):
        open_source(str(p))
    nested = pa.table({"p": pa.array([[[1.0]]])})
    write_stream(tmp_path / "n.arrow", nested, 1)
    with pytest.raises(ReadError, match="lists of lists"):
        open_source(str(tmp_path / "n.arrow"))


@pytest.mark.parametrize("kind", ["feather", "stream", "parquet"])
def test_a_table_of_rows_without_columns_says_so(tmp_path, kind):
    """Its rows came as chunks of no columns, and the CLI asked for a label column (a usage error)."""
    import pyarrow.parquet as pq

    empty = pa.table({"a": [1, 2]}).drop(["a"])
    p = tmp_path / f"x.{'parquet' if kind == 'parquet' else 'arrow'}"
    {"feather": lambda: feather.write_feather(empty, str(p)), "stream": lambda: write_stream(p, empty, 1),
     "parquet": lambda: pq.write_table(empty, p)}[kind]()
    with pytest.raises(ReadError, match="holds no columns"):
        open_source(str(p))


def test_cli_feather_matches_csv(tmp_path, capsys):
    t = table(40)
    feather.write_feather(t, str(tmp_path / "t.feather"), chunksize=9)
    logits = np.array(t.column("logits").to_pylist())
    csv = tmp_path / "t.csv"
    csv.write_text("label,a,b,c\n" + "".join(
        f"{y}," + ",".join(repr(float(v)) for v in row) + "\n" for y, row in zip(t.column("label").to_pylist(), logits, strict=True)))
    code, want, _ = run_cli(["eval", "cce", csv, "--logits", "-q"], capsys)
    code2, got, err = run_cli(["eval", "cce", tmp_path / "t.feather", "--pred-cols", "logits", "--logits", "-q",
                               "--chunk-rows", "5"], capsys)
    assert code == code2 == 0, err
    assert float(got) == float(want)


@pytest.mark.parametrize("kind", ["feather", "stream", "parquet"])
def test_a_column_name_that_is_not_utf8_is_a_read_error(tmp_path, capsys, kind):
    """A file whose schema holds a column name of bytes that are not UTF-8 (written by some other tool, or
    damaged) is exit 3 naming the file, not a UnicodeDecodeError (found by the readers' fuzzing)."""
    import pyarrow.parquet as pq

    t = pa.table({"label": [0, 1, 1], "p_zzzzzz": [0.2, 0.7, 0.9]})
    path = tmp_path / ("bad.parquet" if kind == "parquet" else "bad.arrow")
    if kind == "parquet":
        pq.write_table(t, path)
    elif kind == "feather":
        feather.write_feather(t, path, compression="uncompressed")
    else:
        with pa.ipc.new_stream(path, t.schema) as w:
            w.write_table(t)
    raw = path.read_bytes()
    assert raw.count(b"p_zzzzzz") >= 1
    path.write_bytes(raw.replace(b"p_zzzzzz", b"p_\xd0(zzzz"))  # 0xd0 then '(' is no UTF-8 sequence
    with pytest.raises(ReadError, match="not a valid (Arrow IPC|Parquet)"):
        open_source(str(path))
    code, out, err = run_cli(["eval", "bce", str(path), "--label-cols", "label", "-q"], capsys)
    assert code == 3 and out == "" and "not a valid" in err and "bad." in err


def test_dictionary_of_string_views_polars_categorical(tmp_path, capsys):
    """polars writes a Categorical as a dictionary of string views, which pyarrow cannot decode by take:
    the file and the frame were refused ("array_take has no kernel")."""
    labels = pa.DictionaryArray.from_arrays(pa.array([0, 1, 1, 0], pa.uint32()),
                                            pa.array(["cat", "dog"], pa.string_view()))
    t = pa.table({"label": labels, "cat": [0.9, 0.2, 0.4, 0.6], "dog": [0.1, 0.8, 0.6, 0.4]})
    expected = -np.mean(np.log([0.9, 0.8, 0.6, 0.6]))
    assert losscli_evaluate("cce", t) == pytest.approx(expected, rel=1e-15)
    feather.write_feather(t, str(tmp_path / "c.arrow"))
    code, out, err = run_cli(["eval", "cce", tmp_path / "c.arrow", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-15), err


def losscli_evaluate(loss: str, frame) -> float:
    import losscli

    return losscli.evaluate(loss, frame).value
