"""Spark's CSV writer escapes a quote inside a cell with a backslash: a review ending in a quote is written
``"size 5\\""``, which CSV readers (pandas, pyarrow, R) read as a quote inside the cell, so the cell took the
next row in and a file of 30 rows gave the loss of 15 (0.924 for 0.622, exit 0). Such a file is refused with
the writer's option that doubles quotes; a backslash elsewhere reads as before."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

from losscli.io.csv_quotes import QuoteScan

N = 30


@pytest.fixture
def data():
    rng = np.random.default_rng(9)
    return rng.integers(0, 2, N), rng.uniform(0.05, 0.95, N)


def log_loss(y, p) -> float:
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


def test_a_backslash_escaped_closing_quote_is_refused_and_doubled_quotes_give_the_number(tmp_path, data, capsys):
    y, p = data
    (tmp_path / "spark.csv").write_text("label,review,prob\n" + "".join(
        f'{a},"size 5\\"",{b!r}\n' for a, b in zip(y.tolist(), p.tolist(), strict=True)))
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "spark.csv"), "-q"], capsys)
    assert code == 3, out
    assert "escaped with a backslash" in err and "line 2" in err and "option('escape', '\"')" in err
    # the hint: quotes doubled, as Spark writes them with .option("escape", '"') and pandas by default
    pd.DataFrame({"label": y, "review": 'size 5"', "prob": p}).to_csv(tmp_path / "doubled.csv", index=False)
    assert '"size 5"""' in (tmp_path / "doubled.csv").read_text()
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "doubled.csv"), "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(log_loss(y, p), rel=1e-14)


def test_backslashes_that_lose_no_rows_read_as_before(tmp_path, data, capsys):
    y, p = data
    texts = ['he said \\"great\\" twice', json.dumps({"a": 'x "y", z'})]  # mid-cell; JSON's own escapes
    for i, text in enumerate(texts):
        path = tmp_path / f"t{i}.csv"
        pd.DataFrame({"label": y, "review": text, "prob": p}).to_csv(path, index=False)
        code, out, err = run_cli(["eval", "bce", str(path), "-q"], capsys)
        assert code == 0, (text, err)
        assert float(out) == pytest.approx(log_loss(y, p), rel=1e-14)


def test_the_scan_finds_it_across_pieces():
    data = b'label,review,prob\n1,"size 5\\"",0.5\n0,"size 6\\"",0.25\n'
    for size in (1, 2, 3, 7, len(data)):
        scan = QuoteScan(",")
        for i in range(0, len(data), size):
            scan.feed(data[i:i + size])
        assert scan.open_cell() is None
        assert scan.backslash_escaped() == 2, size


@pytest.mark.parametrize("rows", [N, 40_000], ids=["small", "streamed"])
def test_a_row_that_a_backslash_escape_made_ragged_says_so(tmp_path, rows, capsys):
    """A comma after a backslash-escaped quote (``"he said \\"great, really\\""``), or an escaped closing quote
    found in a row before the end of the file is scanned, gives a row of another length: its hint is the
    escape's, not R's row names."""
    rng = np.random.default_rng(3)
    y, p = rng.integers(0, 2, rows), rng.uniform(0.05, 0.95, rows)
    cells = ['"he said \\"great, really\\" twice"' if i % 1000 == 1 else '"plain, text"' for i in range(rows)]
    (tmp_path / "spark.csv").write_text("label,review,prob\n" + "".join(
        f"{a},{c},{b!r}\n" for a, c, b in zip(y.tolist(), cells, p.tolist(), strict=True)))
    code, _, err = run_cli(["eval", "bce", str(tmp_path / "spark.csv"), "-q"], capsys)
    assert code == 3
    assert "a row with 4 cells" in err and "quotes escaped with a backslash" in err and "row.names" not in err


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("start", [0, 1500], ids=["first_rows", "past_the_sample"])
def test_json_cells_whose_windows_paths_end_in_a_backslash_read_as_written(tmp_path, engine, start, capsys):
    """JSON written into a cell by pandas, on several lines (``json.dumps(..., indent=1)``), holding a Windows
    folder that ends in a backslash: JSON doubles the backslash before the closing quote (``"C:\\\\runs\\\\"``) and
    pandas doubles the quote, so the file holds ``\\\\"",`` inside a quoted cell that spans lines. That was read as
    Spark's escaped closing quote and the file of 3,000 rows refused (exit 3) on both engines, the Dask engine past
    its sampled rows by the check of every block. A backslash run of even length before the quotes is backslashes
    written as such: the file reads as pandas reads it, and Spark's ``\\""`` (one backslash, or three before an
    escaped quote of a cell ending in a backslash) is still refused."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    n = 3000
    rng = np.random.default_rng(21)
    y, p = rng.integers(0, 2, n), rng.uniform(0.05, 0.95, n)
    meta = [json.dumps({"dir": f"C:\\runs\\r{i}\\", "n": i}, indent=1) if i >= start else "{}" for i in range(n)]
    path = tmp_path / "meta.csv"
    pd.DataFrame({"label": y, "meta": meta, "prob": p}).to_csv(path, index=False)
    assert '\\\\"",' in path.read_text() and pd.read_csv(path)["meta"].tolist() == meta
    code, out, err = run_cli(["eval", "bce", str(path), "--engine", engine, "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(log_loss(y, p), rel=1e-13)
    for text in ('size 5\\"', 'C:\\runs\\"'):  # Spark's writing: \"" and \\\"" before the delimiter
        body = text.replace("\\", "\\\\").replace('"', '\\"') if "runs" in text else text
        (tmp_path / "spark.csv").write_text("label,review,prob\n" + "".join(
            f'{a},{chr(34) + body + chr(34) if i >= start else "x"},{b!r}\n'
            for i, (a, b) in enumerate(zip(y.tolist(), p.tolist(), strict=True))))
        code, out, err = run_cli(["eval", "bce", str(tmp_path / "spark.csv"), "--engine", engine, "-q"], capsys)
        assert code == 3 and "escaped with a backslash" in err, (text, err)


def test_took_next_row_counts_the_backslashes():
    """A cell as a reader gave it: an odd run of backslashes before the quote is Spark's escape, an even one is
    backslashes written as such (JSON's ``\\\\"``)."""
    from losscli.io.csv_quotes import took_next_row

    assert took_next_row('size 5\\",0.5\n1,', ",")
    assert took_next_row('C:\\\\\\",0.5\n1,', ",")
    assert not took_next_row('{\n "dir": "C:\\\\runs\\\\",\n "n": 1\n}', ",")
