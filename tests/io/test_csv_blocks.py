"""Parsing a CSV file in line-aligned blocks on worker threads gives what the streaming reader gives."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.errors import ReadError
from losscli.io import csv_blocks, csv_reader, open_source


@pytest.fixture
def calls(monkeypatch):
    """Small blocks on two workers; counts the tables parsed in blocks and the streaming reader's starts."""
    monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(csv_reader, "MIN_BLOCK", 256)
    monkeypatch.setattr(csv_reader, "MAX_BLOCK", 1024)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 512)
    monkeypatch.setattr(csv_blocks, "workers", lambda: 2)
    seen = {"blocks": 0, "streamed_from": []}
    parse_blocks, arrow_batches = csv_blocks.parse_blocks, csv_reader.CsvSource._arrow_batches

    def counted_blocks(*a, **kw):
        for t in parse_blocks(*a, **kw):
            seen["blocks"] += 1
            yield t

    def counted_stream(self, columns, text_cols, skip, chunk_rows):
        seen["streamed_from"].append(skip)
        return arrow_batches(self, columns, text_cols, skip, chunk_rows)

    monkeypatch.setattr(csv_blocks, "parse_blocks", counted_blocks)
    monkeypatch.setattr(csv_reader.CsvSource, "_arrow_batches", counted_stream)
    return seen


def write(tmp_path: Path, text: str | bytes, name: str = "f.csv") -> str:
    p = tmp_path / name
    p.write_bytes(text.encode() if isinstance(text, str) else text)
    return str(p)


def read(path: str, chunk_rows: int | None = None, **kw) -> dict[str, np.ndarray]:
    src = open_source(path, **kw)
    chunks = list(src.read(src.columns, chunk_rows=chunk_rows))
    assert [c.first_row for c in chunks] == list(np.cumsum([0] + [len(c) for c in chunks[:-1]]))
    return {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in src.columns}


def stdlib(path: str, monkeypatch, **kw) -> dict[str, np.ndarray]:
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40)
        return read(path, **kw)


def assert_same(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> None:
    assert list(a) == list(b)
    for c in a:
        assert a[c].dtype == b[c].dtype, c
        if a[c].dtype == object:
            assert [repr(v) for v in a[c]] == [repr(v) for v in b[c]], c
        else:
            np.testing.assert_array_equal(a[c], b[c])


def numbers(rows: int, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((rows, 3))
    y = rng.integers(0, 3, rows)
    return "y,a,b,c\n" + "".join(f"{y[i]},{float(x[i, 0])!r},{x[i, 1]:.6f},{x[i, 2]:.9g}\n" for i in range(rows))


def test_a_plain_file_is_parsed_in_blocks_only(tmp_path, calls, monkeypatch):
    p = write(tmp_path, numbers(2000))
    got = read(p, chunk_rows=333)
    assert calls["blocks"] > 50 and calls["streamed_from"] == []
    assert_same(got, stdlib(p, monkeypatch))
    assert len(got["y"]) == 2000


@pytest.mark.parametrize("block", [64, 300, 512, 4096, 1 << 21])
def test_any_block_size_gives_the_same_arrays(tmp_path, calls, monkeypatch, block):
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", block)
    p = write(tmp_path, numbers(700, seed=1))
    assert_same(read(p, chunk_rows=100), stdlib(p, monkeypatch))


def test_whole_field_quotes_crlf_blank_lines_and_a_bom_stay_in_blocks(tmp_path, calls, monkeypatch):
    rows = [f'"id{i}","{i % 3}",{i / 7!r}' if i % 50 else "" for i in range(1, 400)]
    p = write(tmp_path, b"\xef\xbb\xbf" + ('"key","y","p"\r\n' + "\r\n".join(rows) + "\r\n").encode())
    src = open_source(p)
    src.text_columns = {"key"}
    chunks = list(src.read(src.columns))
    assert calls["blocks"] > 5 and calls["streamed_from"] == []
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40)
        ref = open_source(p)
        ref.text_columns = {"key"}
        want = list(ref.read(ref.columns))
    assert_same(chunks[0].columns, want[0].columns)
    assert np.isnan(chunks[0].columns["y"][49])  # the blank line is a row of empty cells


def test_a_line_break_inside_quotes_reads_on_with_the_streaming_reader(tmp_path, calls, monkeypatch):
    body = [f'{i % 2},"note {i}",{i / 3!r}' for i in range(300)]
    body[200] = '1,"two\nlines, and a comma",0.5'
    p = write(tmp_path, "y,note,p\n" + "\n".join(body) + "\n")
    src = open_source(p)
    src.text_columns = {"note"}
    chunks = list(src.read(src.columns, chunk_rows=50))
    got = {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in src.columns}
    assert calls["blocks"] > 0 and calls["streamed_from"][-1] > 0  # resumed after the rows taken
    assert got["note"][200] == "two\nlines, and a comma"
    assert len(got["p"]) == 300 and got["p"][201] == 201 / 3


def test_quotes_inside_a_cell_are_read_in_blocks_as_the_stream_reads_them(tmp_path, calls, monkeypatch):
    body = [f"{i % 2},{i / 3!r},x{i}" for i in range(300)]
    body[150] = '0,0.5,a "quoted" word'
    body[200] = '1,0.25,5" screen'
    p = write(tmp_path, "y,p,t\n" + "\n".join(body) + "\n")
    got = read(p)
    assert calls["blocks"] and not calls["streamed_from"]
    assert_same(got, stdlib(p, monkeypatch))
    assert got["t"][150] == 'a "quoted" word' and got["t"][200] == '5" screen'


def test_text_in_a_number_column_restarts_as_text_in_blocks(tmp_path, calls, monkeypatch):
    body = [f"k{i},{i % 2},{i / 3!r}" for i in range(400)]
    p = write(tmp_path, "key,y,p\n" + "\n".join(body) + "\n")
    got = read(p, chunk_rows=64)
    assert calls["streamed_from"] == [] and calls["blocks"] > 0
    assert got["key"].dtype == object and got["key"][399] == "k399"
    assert_same(got, stdlib(p, monkeypatch, chunk_rows=64))


def test_errors_name_the_row_as_the_streaming_reader_does(tmp_path, calls, monkeypatch):
    body = numbers(1000).splitlines()
    body[801] = "1,0.5,0.25"  # data row 801, file line 802
    p = write(tmp_path, "\n".join(body) + "\n")
    with pytest.raises(ReadError) as info:
        read(p)
    assert "a row with 3 cells where the header has 4" in str(info.value)
    assert "row 802" in str(info.value) or "line 802" in str(info.value)
    assert calls["streamed_from"]
    with monkeypatch.context() as m, pytest.raises(ReadError) as ref:
        m.setattr(csv_blocks, "workers", lambda: 0)
        read(p)
    assert str(info.value) == str(ref.value)


def test_bad_utf8_is_reported_by_the_streaming_reader(tmp_path, calls):
    text = numbers(500).encode().replace(b"\ny,", b"\ny,")
    lines = text.split(b"\n")
    lines[300] = b"1,0.5,\xff\xfe,0.1"
    p = write(tmp_path, b"\n".join(lines))
    with pytest.raises(ReadError) as info:
        read(p)
    assert info.value.exit_code == 3 and "f.csv" in str(info.value)


def test_a_line_longer_than_a_block_reads_on_with_the_streaming_reader(tmp_path, calls, monkeypatch):
    long_name = "n" * 3000
    p = write(tmp_path, f"y,{long_name}\n" + "".join(f"{i % 2},{i}\n" for i in range(2000)))
    got = read(p)
    assert calls["blocks"] > 0 and calls["streamed_from"] == []  # the header is no block's line
    assert_same(got, stdlib(p, monkeypatch))
    q = write(tmp_path, "y,t\n" + "".join(f"{i % 2},{'x' * (900 if i == 700 else 3)}\n" for i in range(1500)), "g.csv")
    src = open_source(q)
    src.text_columns = {"t"}
    chunks = list(src.read(src.columns, chunk_rows=100))
    got = {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in src.columns}
    assert calls["streamed_from"][-1] > 0 and len(got["t"][700]) == 900 and got["t"][1499] == "xxx"


def test_a_single_core_or_a_stream_is_not_parsed_in_blocks(tmp_path, calls, monkeypatch):
    p = write(tmp_path, numbers(500))
    monkeypatch.setattr(csv_blocks, "workers", lambda: 0)
    read(p)
    assert calls["blocks"] == 0 and calls["streamed_from"] == [0]


def test_splittable():
    assert csv_blocks.splittable(b"1,2\n3,4\n", ",")
    assert csv_blocks.splittable(b'"a","b ""c"""\n"d",1\n', ",")
    assert not csv_blocks.splittable(b'"a\nb",1\n', ",")  # a quoted line break
    assert csv_blocks.splittable(b'a"b,1\n', ",")  # a quote inside a cell is a character of it
    assert not csv_blocks.splittable(b'x"y,"a\nb"\n', ",")  # a stray quote beside a quoted line break
    assert not csv_blocks.splittable(b'5","a\nb"\n', ",")  # an even count per line, yet a quoted line break
    assert csv_blocks.splittable(b'"a"\t"b"\n', "\t")
    assert csv_blocks.splittable(b'"a"\t"b"\n', ",")  # "a" then the text \t"b" in one cell: no line break
    assert not csv_blocks.splittable(b'1,2\n3,"4', ",", last=True)  # the file ends inside a quoted cell
    assert csv_blocks.splittable(b'1,2\n3,"4', ",")  # not the last block: the next one may close it


_cell = st.one_of(
    st.floats(allow_nan=False, width=64).map(repr),
    st.integers(-5, 5).map(str),
    st.just(""),
    st.text(alphabet='ab ,"\n\r;x', max_size=6),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(_cell, _cell, _cell), min_size=1, max_size=60), block=st.sampled_from([40, 97, 256]))
def test_blocks_read_whatever_the_streaming_reader_reads(tmp_path_factory, rows, block):
    """Any CSV text (quotes, line breaks and delimiters inside cells): the block engine gives the stream's
    arrays, or the same error."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows([("a", "b", "c"), *rows])
    path = write(tmp_path_factory.mktemp("csv"), buf.getvalue())
    saved = (csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK, csv_blocks.BLOCK_BYTES,
             csv_blocks.workers)
    try:
        csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK = 0, 256, 1024
        csv_blocks.BLOCK_BYTES = block
        out = []
        for n in (2, 0):
            csv_blocks.workers = lambda n=n: n
            try:
                out.append(read(path, chunk_rows=7))
            except ReadError as exc:
                out.append(str(exc))
    finally:
        (csv_reader.SMALL_INPUT_BYTES, csv_reader.MIN_BLOCK, csv_reader.MAX_BLOCK, csv_blocks.BLOCK_BYTES,
         csv_blocks.workers) = saved
    if isinstance(out[1], str):
        assert out[0] == out[1]
    else:
        assert_same(out[0], out[1])
