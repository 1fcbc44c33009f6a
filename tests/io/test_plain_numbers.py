"""Cells that only Python's float reads as numbers (other scripts' digits, digits grouped with '_') are refused
by name, as pandas, polars and Arrow read them as text, whichever path of the reader meets them; following the
hint gives the peer's number."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from losscli.io.csv_reader import cells_to_array
from losscli.io.plain_numbers import all_plain, python_only, python_only_hint


@pytest.mark.parametrize("cell,plain", [("３", "3"), ("٣", "3"), ("३.५", "3.5"), ("1_000.5", "1000.5"),
                                        ("１_０", "10"), ("-٢e٣", "-2e3")])
def test_the_hint_says_what_the_cell_holds_and_writes_it_plainly(cell, plain):
    hint = python_only_hint(cell)
    assert hint is not None and hint.endswith(f"({plain})")
    assert float(plain) == float(cell)  # the number Python would have read, written in 0-9
    assert ("'_'" in hint) == (cell.isascii())


@pytest.mark.parametrize("cell", ["0.5", "-1e-3", "inf", "nan", "abc", "３．５", "", "1,5"])
def test_plain_numbers_and_texts_get_no_such_hint(cell):
    assert python_only_hint(cell) is None


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats().map(repr), st.sampled_from(["inf", "-Infinity", "+.5", "1E5", "0x10", "١"]),
                 st.from_regex(r"[ ]?[+-]?[0-9_٣３]{0,4}\.?[0-9_]{0,3}([eE][+-]?[0-9]{1,2})?[ ]?", fullmatch=True)))
@example("5.4620657733296824e+16")  # older pandas' default parser reads it one ulp apart
@example("3.6610003022773064e+34")  # and this one two ulps apart (pandas 2.2)
def test_a_cell_python_reads_is_plain_exactly_when_pandas_reads_it_alike(text):
    """Whatever Python's float reads and :func:`python_only` lets through, pandas' own parser reads alike (the
    digits 0-9; to the last bit, which older pandas' default parser may miss by a few ulps): the cells refused are
    those only Python reads."""
    import io

    s = text.strip()
    assume(s and not python_only(s) and not any(c in s for c in ',"#\r\n'))
    try:
        value = float(s)
    except ValueError:
        assume(False)
    parsed = pd.read_csv(io.StringIO(f"x\n{s}\n"), dtype={"x": "float64"})["x"].iloc[0]
    assert parsed == pytest.approx(value, rel=2.0**-49, nan_ok=True)


def test_a_column_holding_one_such_cell_stays_text():
    assert cells_to_array(["0.5", "1"]).dtype == np.float64
    for cell in ("３", "1_0"):
        out = cells_to_array(["0.5", cell, None])
        assert out.dtype == object and out[1] == cell
    assert all_plain(["0.5", None, ""]) and not all_plain(["0.5", "٣"])


@pytest.mark.parametrize("rows", [40, 30_000])  # the stdlib reader, and blocks of the fast readers
@pytest.mark.parametrize("cell,plain", [("３", "3"), ("٣", "3"), ("1_000.5", "1000.5")])
@pytest.mark.parametrize("where", ["preds", "labels"])
def test_such_a_cell_is_refused_by_name_and_the_hint_gives_the_number(tmp_path, capsys, rows, cell, plain, where):
    rng = np.random.default_rng(rows)
    y, p = rng.normal(size=rows), rng.normal(size=rows)
    at = rows - 7  # past the sampled rows in the long file
    written = {"labels": [repr(float(v)) for v in y], "preds": [repr(float(v)) for v in p]}
    written[where][at] = cell
    for name, cells in written.items():
        (tmp_path / f"{name}.csv").write_text("v\n" + "\n".join(cells) + "\n", encoding="utf-8")
    files = ["--labels", tmp_path / "labels.csv", "--preds", tmp_path / "preds.csv"]
    code, out, err = run_cli(["eval", "mse", *files, "-q"], capsys)
    assert (code, out) == (3, ""), err
    assert f"{where}.csv column v row {at + 2} (value '{cell}')" in err
    assert f"({plain})" in err and err.count("error:") == 1
    written[where][at] = plain  # the hint followed
    for name, cells in written.items():
        (tmp_path / f"{name}.csv").write_text("v\n" + "\n".join(cells) + "\n", encoding="utf-8")
    code, out, err = run_cli(["eval", "mse", *files, "-q"], capsys)
    assert code == 0, err
    (y if where == "labels" else p)[at] = float(plain)
    assert float(out) == pytest.approx(float(np.mean((y - p) ** 2)), rel=1e-13)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_weights_and_word_counts_are_refused_alike(tmp_path, capsys, engine):
    """A weight or a word count that only Python reads (a Dask partition's weights were converted by pandas'
    astype, its word counts by NumPy's) is refused on both engines."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(4)
    n = 50
    frame = pd.DataFrame({"label": rng.integers(0, 2, n), "p": rng.uniform(0.05, 0.95, n).round(6),
                          "w": rng.integers(1, 4, n), "words": rng.integers(1, 9, n)}).astype(object)
    for column, cell in (("w", "３"), ("words", "٣")):
        bad = frame.copy()
        bad.loc[5, column] = cell
        bad.to_csv(tmp_path / "d.csv", index=False)
        extra = ["--weight-col", "w"] if column == "w" else ["--words-col", "words"]
        code, out, err = run_cli(["eval", "bce", tmp_path / "d.csv", "--label-cols", "label", "--pred-cols", "p",
                                  *extra, "-q", "--engine", engine], capsys)
        assert (code, out) == (3, ""), (out, err)
        assert f"'{cell}'" in err and err.count("error:") == 1


def test_json_lines_strings_that_only_python_reads_are_refused(tmp_path, capsys):
    """JSON lines whose numbers are written as strings ("-7.25", as lm-eval writes them) are read; a string that
    only Python reads as a number is refused by name."""
    lines = ['{"y": 1.5, "p": "1.25"}', '{"y": "-7.25", "p": 2}']
    (tmp_path / "d.jsonl").write_text("\n".join(lines) + "\n")
    code, out, err = run_cli(["eval", "mse", tmp_path / "d.jsonl", "--label-cols", "y", "--pred-cols", "p", "-q"],
                             capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(((1.5 - 1.25) ** 2 + (-7.25 - 2) ** 2) / 2)
    (tmp_path / "d.jsonl").write_text("\n".join([*lines, '{"y": "1_000.5", "p": 3}']) + "\n")
    code, out, err = run_cli(["eval", "mse", tmp_path / "d.jsonl", "--label-cols", "y", "--pred-cols", "p", "-q"],
                             capsys)
    assert (code, out) == (3, "") and "(value '1_000.5')" in err and "(1000.5)" in err
