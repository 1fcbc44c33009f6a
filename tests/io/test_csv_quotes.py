"""A CSV file that ends inside a quoted cell is refused by every engine (pandas refuses it too); a stray
quote inside a cell, or a quoted cell closed at the very end, still reads."""

from __future__ import annotations

import csv
import gzip
import io
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from losscli.errors import ReadError
from losscli.io import csv_blocks, csv_reader, open_source
from losscli.io.csv_quotes import QuoteScan, unclosed_quote


def reference_open(text: bytes, delimiter: str = ",") -> bool:
    """The parsers' quoting rule, byte by byte: does ``text`` end inside a quoted cell?"""
    state = "start"  # start of a cell / in an unquoted cell / inside quotes / just after a quote inside
    for c in text:
        ch = chr(c)
        if state == "after":
            state = "in" if ch == '"' else "cell"
            if state == "in":
                continue
        if state == "in":
            if ch == '"':
                state = "after"
            continue
        if ch in (delimiter, "\n", "\r"):
            state = "start"
        elif state == "start" and ch == '"':
            state = "in"
        else:
            state = "cell"
    return state == "in"


@given(text=st.text(alphabet='a",\n\r1', max_size=60).map(str.encode), cuts=st.lists(st.integers(0, 60)))
def test_the_scan_follows_the_rule_whatever_the_pieces(text, cuts):
    pieces, at = [], 0
    for cut in sorted({min(c, len(text)) for c in cuts}):
        pieces.append(text[at:cut])
        at = cut
    pieces.append(text[at:])
    found = unclosed_quote(pieces, ",")
    assert (found is not None) == reference_open(text)


@given(rows=st.lists(st.lists(st.text(alphabet='a",\n 1', max_size=5), min_size=2, max_size=2), max_size=8))
def test_what_the_csv_module_writes_is_closed(rows):
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    assert unclosed_quote([buf.getvalue().encode()], ",") is None


def test_the_scan_names_the_line_and_the_cell():
    scan = QuoteScan(",")
    for piece in (b'y,p\n1,"0.5"\n0,"0.', b'2\n1,0.7\n'):
        scan.feed(piece)
    assert scan.open_cell() == (3, b'"0.2\n1,0.7\n')
    assert unclosed_quote([b'y,p\n1,"0.5"', b'"x\n'], ",") == (2, b'"0.5""x\n')  # "" split across pieces
    assert unclosed_quote([b'y,p\n1,"0.5"', b'"'], ",") == (2, b'"0.5""')
    assert unclosed_quote([b'y,p\n1,"0.5', b'"'], ",") is None  # the last quote closes
    assert unclosed_quote([b'y;p\n1;"a;b"\n'], ";") is None
    assert unclosed_quote([b'y\tp\n1\t5"\n'], "\t") is None  # a quote inside a cell is a character


LOST_ROWS = 'y,p,note\n1,0.5,ok\n0,0.2,"bad\n1,0.7,ok\n0,0.4,ok\n'  # pyarrow would read 2 rows, not 4
MODES = ["stdlib", "blocks", "stream", "gzip", "stdin"]


@pytest.fixture
def small_blocks(monkeypatch):
    monkeypatch.setattr(csv_reader, "MIN_BLOCK", 256)
    monkeypatch.setattr(csv_reader, "MAX_BLOCK", 1024)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 512)


def read_y(tmp_path: Path, text: str, mode: str, monkeypatch) -> np.ndarray:
    data = text.encode()
    monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40 if mode == "stdlib" else 0)
    monkeypatch.setattr(csv_blocks, "workers", lambda: 0 if mode == "stream" else 2)
    if mode == "stdin":
        src = open_source("-", stdin=io.BytesIO(data))
    else:
        path = tmp_path / ("f.csv.gz" if mode == "gzip" else "f.csv")
        path.write_bytes(gzip.compress(data) if mode == "gzip" else data)
        src = open_source(str(path))
    return np.concatenate([c.columns["y"] for c in src.read(["y"], chunk_rows=7)])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("rows_before", [1, 200])
def test_every_engine_refuses_a_quote_left_open(tmp_path, monkeypatch, small_blocks, mode, rows_before):
    body = "".join(f"{i % 2},0.{i % 9},ok\n" for i in range(rows_before))
    text = LOST_ROWS.replace("1,0.5,ok\n", body)
    with pytest.raises(ReadError) as e:
        read_y(tmp_path, text, mode, monkeypatch)
    msg = str(e.value)
    assert "a quote that is never closed" in msg and f"line {rows_before + 2}" in msg
    assert "(value '\"bad')" in msg and 'close it where its cell ends ("bad")' in msg


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("end", ['0,"0.2', '0,"0.2\n', '0,"0.2\n\n\n'])
def test_a_number_left_open_in_the_last_row_is_refused(tmp_path, monkeypatch, small_blocks, mode, end):
    with pytest.raises(ReadError, match="never closed"):
        read_y(tmp_path, "y,p\n" + "1,0.5\n" * 100 + end, mode, monkeypatch)


@pytest.mark.parametrize("mode", MODES)
def test_a_quote_inside_a_cell_does_not_hide_one_left_open(tmp_path, monkeypatch, small_blocks, mode):
    """``5"`` is a character of its cell but counts as a quote: with one left open, the count was even and
    the check, which scanned odd counts only, let two rows go with exit 0."""
    text = 'y,p,note\n1,0.5,5" screen\n' + "1,0.5,ok\n" * 100 + '0,0.2,"oops\n1,0.9,x\n0,0.1,y\n'
    with pytest.raises(ReadError, match=r"never closed.*line 103"):
        read_y(tmp_path, text, mode, monkeypatch)


@pytest.mark.parametrize("mode", MODES)
def test_stray_and_closed_quotes_still_read(tmp_path, monkeypatch, small_blocks, mode):
    text = 'y,p,note\n1,0.5,5"\n0,0.2,"a ""b""\nc"\n' + "1,0.7,ok\n" * 100 + '0,0.4,"end"'
    y = read_y(tmp_path, text, mode, monkeypatch)
    assert len(y) == 103 and y[-1] == 0


def test_following_the_hint_gives_pandas_number(tmp_path):
    bad = tmp_path / "s.csv"
    bad.write_text(LOST_ROWS)
    cmd = [sys.executable, "-m", "losscli", "eval", "mse", str(bad), "--label-cols", "y", "--pred-cols", "p", "-q"]
    out = subprocess.run(cmd, capture_output=True, text=True)
    assert out.returncode == 3 and out.stdout == ""
    assert out.stderr.count("\n") == 1 and 's.csv line 3' in out.stderr
    bad.write_text(LOST_ROWS.replace('"bad', '"bad"'))
    fixed = subprocess.run(cmd, capture_output=True, text=True)
    y, p = np.array([1, 0, 1, 0.0]), np.array([0.5, 0.2, 0.7, 0.4])
    assert fixed.returncode == 0 and float(fixed.stdout) == pytest.approx(np.mean((y - p) ** 2), rel=1e-15)
