"""JSON lines: flattening, value conversion, streaming equals one pass, errors naming the line, the CLI."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.errors import ReadError
from losscli.io import jsonl, open_source

ROOT = Path(__file__).resolve().parents[2]


def write_lines(tmp_path: Path, records: list, name: str = "d.jsonl") -> str:
    p = tmp_path / name
    p.write_text("".join(json.dumps(r) + "\n" for r in records))
    return str(p)


def read_all(path: str, columns=None, chunk_rows=None) -> dict[str, np.ndarray]:
    src = open_source(path)
    chunks = list(src.read(columns, chunk_rows=chunk_rows))
    return {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in chunks[0].columns}


def test_scalars_arrays_and_nested_objects_become_columns(tmp_path):
    path = write_lines(tmp_path, [
        {"id": "a", "label": 2, "logits": [0.1, -1.0, 2.5], "meta": {"split": "dev", "w": 0.5}, "resps": [[1, 2]]},
        {"id": "b", "label": 0, "logits": [1.0, 0.0, -2.0], "meta": {"split": "test", "w": 2}, "resps": [[3, 4]]},
    ])
    src = open_source(path)
    assert src.format == "jsonl"
    assert src.columns == ["id", "label", "logits[0]", "logits[1]", "logits[2]", "meta.split", "meta.w",
                           "resps[0][0]", "resps[0][1]"]
    cols = read_all(path)
    assert cols["label"].dtype == np.int64 and cols["label"].tolist() == [2, 0]
    assert cols["logits[2]"].tolist() == [2.5, -2.0]
    assert cols["meta.w"].dtype == np.float64 and cols["meta.w"].tolist() == [0.5, 2.0]
    assert cols["id"].tolist() == ["a", "b"]
    assert cols["resps[0][1]"].tolist() == [2, 4]


def test_values_nulls_missing_booleans_and_numeric_strings(tmp_path):
    path = write_lines(tmp_path, [
        {"p": "-7.25", "b": True, "x": None, "s": " cat ", "arr": [1, 2]},
        {"p": 0.5, "b": False, "s": "dog", "arr": [3]},  # x missing, arr shorter
    ])
    cols = read_all(path)
    assert cols["p"].tolist() == [-7.25, 0.5]
    assert cols["b"].tolist() == [1.0, 0.0]  # booleans alone: 1 and 0, as Parquet's
    assert np.isnan(cols["x"]).all()
    assert cols["s"].dtype == object and cols["s"].tolist() == [" cat ", "dog"]  # as written: ids keep spaces
    assert cols["arr[1]"][0] == 2 and np.isnan(cols["arr[1]"][1])


def test_nan_and_infinity_as_python_writes_them(tmp_path):
    p = tmp_path / "n.jsonl"
    p.write_text('{"a": NaN, "b": Infinity}\n{"a": 1, "b": -Infinity}\n')
    cols = read_all(str(p))
    assert np.isnan(cols["a"][0]) and cols["b"].tolist() == [np.inf, -np.inf]


def test_the_bare_array_name_selects_every_element(tmp_path):
    from losscli.io import select_columns

    names = ["id", "logits[0]", "logits[1]", "logits[10]", "logits_raw", "r[0][0]", "r[1][0]", "r[1][1]"]
    assert select_columns("logits", names, option="--pred-cols") == ["logits[0]", "logits[1]", "logits[10]"]
    assert select_columns("r", names, option="--pred-cols") == ["r[0][0]", "r[1][0]", "r[1][1]"]
    assert select_columns("r[*][0]", names, option="--pred-cols") == ["r[0][0]", "r[1][0]"]


def test_columns_come_from_the_first_lines_and_keep_array_order(tmp_path):
    path = write_lines(tmp_path, [{"a": [1]}, {"b": 2, "a": [1, 2, 3]}])
    assert open_source(path).columns == ["a[0]", "a[1]", "a[2]", "b"]


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.integers(0, 4), st.lists(st.floats(-1e6, 1e6), min_size=3, max_size=3)),
        min_size=1, max_size=40,
    ),
    chunk=st.integers(1, 50),
    blanks=st.sets(st.integers(0, 40), max_size=5),
)
def test_streaming_equals_one_pass(tmp_path_factory, rows, chunk, blanks):
    tmp = tmp_path_factory.mktemp("j")
    lines = []
    for i, (y, p) in enumerate(rows):
        if i in blanks:
            lines.append("")
        lines.append(json.dumps({"y": y, "p": p}))
    path = tmp / "s.jsonl"
    path.write_text("\n".join(lines) + "\n")
    whole = read_all(str(path))
    src = open_source(str(path))
    chunks = list(src.read(None, chunk_rows=chunk))
    assert all(len(c) == chunk for c in chunks[:-1])
    assert [c.first_row for c in chunks] == list(range(0, len(rows), chunk))
    for name, arr in whole.items():
        np.testing.assert_array_equal(np.concatenate([c.columns[name] for c in chunks]), arr)
    # data rows map back to the lines they came from, blank lines skipped
    data_lines = [n + 1 for n, text in enumerate(lines) if text]
    assert [src.file_row(r) for r in range(len(rows))] == data_lines


def test_a_small_chunk_size_bounds_what_is_held(tmp_path, monkeypatch):
    path = write_lines(tmp_path, [{"y": i % 2, "p": 0.5} for i in range(1000)])
    monkeypatch.setattr(jsonl, "SCHEMA_LINES", 10)
    sizes = [len(c) for c in open_source(path).read(["p"], chunk_rows=64)]
    assert max(sizes) == 64 and sum(sizes) == 1000


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ('{"y": 1, "p": 0.5}\n{"y": 0, "p": 0.2\n', 2, "not valid JSON"),
        ('{"y": 1, "p": 0.5}\n\n\n{"y": 0 "p": 0.2}\n', 4, "not valid JSON"),
        ('{"y": 1, "p": 0.5}\n7\n', 2, "single value"),
        ('{"y": 1, "p": 0.5}\n{"y": 1, "p": [0.5]}\n', 2, "an array here"),
        ('{"y": 1, "p": 0.5}\n{"y": 1, "p": \xff}\n', 2, "not valid"),
        ('[{"y": 1}, {"y": 0}]\n', 1, "array of objects"),
    ],
)
def test_malformed_lines_name_the_line(tmp_path, text, line, words):
    p = tmp_path / "bad.jsonl"
    p.write_bytes(text.encode("latin-1"))
    with pytest.raises(ReadError) as info:
        read_all(str(p))
    assert info.value.location.file_row == line
    assert f"line {line}" in str(info.value) and words in str(info.value)


def test_a_later_line_that_breaks_the_first_lines_structure_names_its_line(tmp_path, monkeypatch):
    monkeypatch.setattr(jsonl, "SCHEMA_LINES", 2)
    recs = [{"y": 1, "p": [0.1, 0.9]}] * 5 + [{"y": 1, "p": [0.1, 0.8, 0.1]}]
    with pytest.raises(ReadError, match=r"'p' has 3 elements, where most of the first lines have 2.*line 6"):
        read_all(write_lines(tmp_path, recs), ["p[0]", "p[1]"], chunk_rows=2)
    recs = [{"y": 1, "p": [0.1, 0.9]}] * 5 + [{"y": 1, "p": {"a": 1}}]
    with pytest.raises(ReadError, match=r"expected an array.*line 6"):
        read_all(write_lines(tmp_path, recs), ["p[0]"], chunk_rows=2)


def test_empty_and_fieldless_files(tmp_path):
    (tmp_path / "e.jsonl").write_text("\n\n")
    with pytest.raises(ReadError, match="empty"):
        open_source(str(tmp_path / "e.jsonl"))
    (tmp_path / "f.jsonl").write_text("{}\n{}\n")
    with pytest.raises(ReadError, match="no fields"):
        open_source(str(tmp_path / "f.jsonl"))


def test_detected_by_content_compressed_and_from_stdin(tmp_path):
    recs = [{"label": i % 2, "p": 0.25 + 0.5 * (i % 2)} for i in range(6)]
    text = "".join(json.dumps(r) + "\n" for r in recs).encode()
    gz = tmp_path / "d.ndjson.gz"
    gz.write_bytes(gzip.compress(text))
    noext = tmp_path / "d.gz"
    noext.write_bytes(gzip.compress(text))
    import io

    for src in (open_source(str(gz)), open_source(str(noext)), open_source("-", stdin=io.BytesIO(text))):
        assert src.format == "jsonl"
        assert [v for c in src.read(["p"]) for v in c.columns["p"]] == [r["p"] for r in recs]


# ------------------------------------------------------------------ through the command line


def test_cli_jsonl_matches_csv(tmp_path, capsys):
    rng = np.random.default_rng(3)
    logits = rng.normal(size=(30, 4))
    y = rng.integers(0, 4, size=30)
    path = write_lines(tmp_path, [{"id": f"q{i}", "label": int(y[i]), "logits": logits[i].tolist()} for i in range(30)])
    csv = tmp_path / "d.csv"
    csv.write_text("label,l0,l1,l2,l3\n" + "".join(
        f"{y[i]}," + ",".join(repr(float(v)) for v in logits[i]) + "\n" for i in range(30)))
    code, out_csv, _ = run_cli(["eval", "cce", csv, "--logits", "-q"], capsys)
    assert code == 0
    code, out_jsonl, err = run_cli(["eval", "cce", path, "--pred-cols", "logits", "--logits", "-q",
                                    "--chunk-rows", "7"], capsys)
    assert code == 0, err
    assert float(out_jsonl) == float(out_csv)


def test_cli_malformed_line_exits_3_naming_the_line(tmp_path, capsys):
    p = tmp_path / "bad.jsonl"
    p.write_text('{"label": 1, "p": 0.5}\n{"label": 0, "p": 0.5,}\n')
    code, out, err = run_cli(["eval", "bce", p], capsys)
    assert code == 3 and out == ""
    assert "bad.jsonl line 2" in err and "not valid JSON" in err


def test_cli_value_error_names_the_line_not_the_data_row(tmp_path, capsys):
    p = tmp_path / "v.jsonl"
    p.write_text('{"label": 1, "p": 0.5}\n\n{"label": 0, "p": 1.5}\n')
    code, _, err = run_cli(["eval", "bce", p], capsys)
    assert code == 3 and "v.jsonl column p line 3 (value 1.5)" in err


def test_lm_eval_log_samples_with_the_documented_command():
    """The README's command on an lm-evaluation-harness --log_samples file, in a real process; the value
    is the mean of -log softmax(log-likelihoods)[target], computed here with numpy."""
    path = ROOT / "sample_data" / "lm_eval_samples.jsonl"
    cmd = [sys.executable, "-m", "losscli", "eval", "cce", str(path), "--label-cols", "target",
           "--pred-cols", "filtered_resps[*][0]", "--logits", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    recs = [json.loads(line) for line in path.read_text().splitlines()]
    ll = np.array([[float(r[0]) for r in rec["filtered_resps"]] for rec in recs])
    target = np.array([rec["target"] for rec in recs])
    m = ll.max(axis=1, keepdims=True)
    logp = ll - m - np.log(np.exp(ll - m).sum(axis=1, keepdims=True))
    assert float(out) == pytest.approx(-logp[np.arange(len(recs)), target].mean(), rel=1e-12)


# pandas' to_json without lines=True writes the whole frame as one JSON document on one line; read as JSON
# lines that was one sample of N outputs: bce's mean came out right by accident, its sum was the mean (1.05
# for 42.05 over 40 rows), r2 was NaN, and two files of orient='index' were paired column by column by
# position (1.080 for 1.051 when the predictions had been shuffled)
@pytest.mark.parametrize(("kind", "orient"), [
    ("frame", "columns"), ("frame", "index"), ("frame", "split"), ("frame", "table"), ("frame", "values"),
    ("series", "index"), ("series", "split"), ("series", "records"),
])
def test_a_pandas_to_json_document_is_refused_with_a_conversion_that_works(tmp_path, capsys, kind, orient):
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(3)
    n = 40
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n).round(6)
    perm = rng.permutation(n)
    if kind == "frame":
        labels, preds = pd.DataFrame({"label": y}), pd.DataFrame({"p": p}).iloc[perm]
    else:
        labels, preds = pd.Series(y, name="label"), pd.Series(p, name="p").iloc[perm]
    labels.to_json(tmp_path / "y.json", orient=orient)
    preds.to_json(tmp_path / "p.json", orient=orient)
    code, out, err = run_cli(["eval", "bce", "--labels", str(tmp_path / "y.json"), "--preds",
                              str(tmp_path / "p.json"), "-q"], capsys)
    assert code == 3 and out == "" and "one JSON document" in err and "line 1" in err, err
    # the hint's conversion keeps the index as a column 'index', on which the files are then joined
    for name in ("y", "p"):
        path = str(tmp_path / f"{name}.json")
        code, _, err = run_cli(["eval", "bce", path, "-q"], capsys)
        expression = err.split("convert it: ", 1)[1].split(".to_json('data.jsonl'", 1)[0]
        eval(expression, {"pd": pd}).to_json(tmp_path / f"{name}.jsonl", orient="records", lines=True)
    args = ["eval", "bce", "--labels", str(tmp_path / "y.jsonl"), "--preds", str(tmp_path / "p.jsonl"), "-q"]
    if orient == "values" or (kind == "series" and orient == "records"):  # no index written: by position
        expected = -np.mean(y * np.log(p[perm]) + (1 - y) * np.log1p(-p[perm]))
        args += ["--label-cols", "0" if kind == "frame" else "value", "--pred-cols", "0" if kind == "frame" else "value"]
    else:
        expected = -np.mean(y * np.log(p) + (1 - y) * np.log1p(-p))
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("text", [
    '{"label": 1, "p": 0.3}',  # one row of a frame with named columns
    '{"0": 1, "1": 0.3}\n',  # one row of integer-named columns, as lines=True writes it (a line end)
    '[0.2, 0.8]\n',
    '{"y": {"a": 1}, "p": {"a": 0.3}}\n{"y": {"a": 0}, "p": {"a": 0.6}}\n',  # nested objects on several lines
    '{"label": {"cat": 1, "dog": 0}, "pred": {"cat": 0.8, "dog": 0.2}}\n',  # one such row (write_ndjson)
])
def test_json_lines_that_look_like_a_document_are_still_read(tmp_path, text):
    p = tmp_path / "d.json"
    p.write_text(text)
    assert len(next(iter(read_all(str(p)).values()))) == max(1, text.count("\n"))


def test_the_look_at_a_first_line_that_could_be_a_document_keeps_the_second_line(tmp_path):
    """Whether a file is one pandas document is asked of its first line only when no second one follows: the
    second line is read like any other (a field only it has is a column)."""
    path = write_lines(tmp_path, [{"y": {"a": 1}, "p": {"a": 0.3}}, {"y": {"a": 0, "b": 5}, "p": {"a": 0.6}}])
    assert open_source(path).columns == ["y.a", "y.b", "p.a"]
    assert read_all(path)["y.b"][1] == 5


def test_a_field_empty_on_every_line_is_no_column(tmp_path, capsys):
    """OpenAI's per-token "top_logprobs": [] (top-k not asked for), or "extra": {}: a field that holds no value
    on any line was one column whose every value was 'an array here, a single value on the first lines'."""
    (tmp_path / "oa.jsonl").write_text('{"pos":0,"logprob":-2.5,"top_logprobs":[]}\n'
                                       '{"pos":1,"logprob":-4.1,"top_logprobs":[]}\n')
    code, out, err = run_cli(["eval", "token_nll", tmp_path / "oa.jsonl", "--label-cols", "pos", "--pred-cols",
                              "logprob", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(3.3, rel=1e-15)
    (tmp_path / "e.jsonl").write_text('{"label":1,"p":0.8,"extra":{}}\n{"label":0,"p":0.3,"extra":{}}\n')
    code, out, err = run_cli(["eval", "bce", tmp_path / "e.jsonl", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-(np.log(0.8) + np.log(0.7)) / 2, rel=1e-15)
