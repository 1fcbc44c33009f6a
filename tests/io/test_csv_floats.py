"""The compiled numeric CSV parser gives pyarrow's float64 values bit for bit, or leaves the block to it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from losscli.io import csv_blocks, csv_floats, csv_reader, open_source

_csvfloats = pytest.importorskip("losscli.io._csvfloats", reason="the compiled CSV parser is not built")
pa = pytest.importorskip("pyarrow")
pacsv = pytest.importorskip("pyarrow.csv")


def arrow(text: bytes, names: list[str], wanted: list[str], delimiter: str = ",") -> dict[str, np.ndarray] | None:
    """What the block reader's pyarrow call makes of ``text`` (None where it raises)."""
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, quote_char='"', double_quote=True, escape_char=False,
                newlines_in_values=True, ignore_empty_lines=False,
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types={c: pa.float64() for c in wanted}, null_values=[""],
                strings_can_be_null=True, quoted_strings_can_be_null=True, check_utf8=True,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return {c: table.column(c).to_numpy() for c in wanted}


def compiled(text: bytes, names: list[str], wanted: list[str], delimiter: str = ","):
    parser = csv_floats.BlockParser(_csvfloats, names, wanted, delimiter)
    return parser(pa.py_buffer(text))


def agrees(text: bytes, names: list[str], wanted: list[str], delimiter: str = ",") -> bool:
    """True when the compiled parser took the block (and gave pyarrow's bits); False when it left it."""
    got = compiled(text, names, wanted, delimiter)
    if got is None:
        return False
    ref = arrow(text, names, wanted, delimiter)
    assert ref is not None, f"took a block pyarrow refuses: {text!r}"
    rows, cols = got
    for c in wanted:
        assert rows == len(ref[c]), text
        assert cols[c].dtype == np.float64 and cols[c].tobytes() == ref[c].astype(np.float64).tobytes(), (c, text)
    return True


# ------------------------------------------------------------------------------------------ cells

number_cells = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: str(np.float32(v))),
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.integers(-(10**20), 10**20).map(str),
    st.tuples(st.floats(-1e6, 1e6), st.integers(0, 20)).map(lambda t: f"{t[0]:.{t[1]}f}"),
    st.tuples(st.floats(-1e30, 1e30), st.integers(0, 18)).map(lambda t: f"{t[0]:.{t[1]}e}"),
    st.tuples(st.integers(0, 10**19), st.sampled_from("eE"), st.sampled_from(["", "+", "-"]), st.integers(0, 40))
    .map(lambda t: f"{t[0]}{t[1]}{t[2]}{t[3]}"),
)
odd_cells = st.sampled_from([
    "", " 1", "1 ", "+1", "-.5", ".5", "5.", "1e", "1e+", "--1", "1..2", "0x10", "nan", "NaN", "inf", "-inf",
    "1e99999", "0e12345", "-0", "0.0", "-0.0", "00012", "1_000", "1,5", '"1.5"', "é", "1.5\x00",
    "9007199254740993", "9007199254740992", "1e22", "1e23", "1.7976931348623157e308", "5e-324",
])
cells = st.one_of(number_cells, number_cells, odd_cells)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(st.lists(cells, min_size=3, max_size=3), min_size=1, max_size=6),
    ncols=st.integers(1, 3),
    crlf=st.booleans(),
    last_newline=st.booleans(),
    skip=st.sampled_from([(), (0,), (1,), (2,)]),
    delimiter=st.sampled_from([",", ";", "\t", "|"]),
)
def test_pyarrows_bits_or_left_to_pyarrow(rows, ncols, crlf, last_newline, skip, delimiter):
    names = [f"c{i}" for i in range(ncols)]
    wanted = [c for i, c in enumerate(names) if i not in skip] or names[:1]
    end = "\r\n" if crlf else "\n"
    text = end.join(delimiter.join(r[:ncols]) for r in rows) + (end if last_newline else "")
    agrees(text.encode(), names, wanted, delimiter)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(number_cells, min_size=4, max_size=4), min_size=1, max_size=20))
def test_plain_numbers_are_taken_when_they_convert_exactly(rows):
    """Short numbers (a float32's repr, a few decimals) are the parser's: it must take them, not only agree."""
    text = "\n".join(",".join(r) for r in rows) + "\n"
    names = ["a", "b", "c", "d"]
    took = agrees(text.encode(), names, names)
    short = all(len(c.lstrip("-").replace(".", "").lstrip("0")) <= 15 and "e" not in c.lower() for r in rows for c in r)
    if short:
        assert took, text


def test_typical_model_outputs_are_taken():
    rng = np.random.default_rng(0)
    x = rng.normal(0, 4, (500, 10)).astype(np.float32)
    y = rng.integers(0, 10, 500)
    text = "\n".join(",".join([*map(str, row), str(int(k))]) for row, k in zip(x, y, strict=True))  # as pandas
    names = [f"x{i}" for i in range(10)] + ["label"]
    assert agrees(text.encode(), names, names)
    assert agrees(("\r\n".join(text.splitlines()) + "\r\n").encode(), names, ["label", "x3"])
    got = compiled(text.encode(), names, names)
    assert got is not None and got[1]["x7"].tolist() == [float(str(v)) for v in x[:, 7]]


@pytest.mark.parametrize("text", [
    b"1,2\n3\n",        # ragged: pyarrow reports it (with its row, through the streaming reader)
    b"1,2\n3,4,5\n",
    b"1,2\n\n3,4\n",    # a blank line
    b"1,\n3,4\n",       # an empty cell: a missing value
    b'1,"2"\n',         # quoted
    b"1,nan\n",
    b"1,2\r3,4\n",      # a lone carriage return
    b"",
])
def test_blocks_it_does_not_take(text):
    assert compiled(text, ["a", "b"], ["a", "b"]) is None


def test_skipped_columns_may_hold_anything_but_quotes():
    names = ["id", "p"]
    assert agrees(b"img 1,0.5\nimg-2 x,0.25\n,1e-3\n", names, ["p"])
    assert compiled(b'"img, 1",0.5\n', names, ["p"]) is None


HARD = [
    "9007199254740993", "9007199254740995", "18014398509481985", "2.2250738585072014e-308",
    "1.7976931348623157e308", "1.7976931348623158e308", "1e23", "8.41e21", "0.1", "0.3", "7.2057594037927933e16",
    "9223372036854775807", "9223372036854775808", "1844674407370955161e1", "123456789012345678e-10",
    "2.2250738585072011e-308", "1.7976931348623159e308", "4.9406564584124654e-324", "1e-400", "1e400",
]


def one(cell: str) -> float | None:
    got = compiled(f"{cell}\n".encode(), ["a"], ["a"])
    return None if got is None else float(got[1]["a"][0])


def test_numbers_of_up_to_19_digits_round_as_pythons_float():
    """Clinger's fast path and the Eisel-Lemire algorithm give the correctly rounded double (ties to even
    included); a subnormal, infinite or zero result is left to pyarrow."""
    for cell in HARD:
        got = one(cell)
        assert got is None or got == float(cell), cell
    assert one("1.7976931348623159e308") is None and one("4.9406564584124654e-324") is None
    rng = np.random.default_rng(3)
    taken = 0
    for _ in range(20000):
        digits = str(rng.integers(1, 10**19, dtype=np.uint64)).lstrip("0") or "1"
        cell = f"{digits[0]}.{digits[1:]}e{rng.integers(-330, 310)}" if len(digits) > 1 else f"{digits}e5"
        got = one(cell)
        if got is not None:
            taken += 1
            assert got == float(cell), cell
    assert taken > 19000
    for fmt in ("%r", "%.17g", "%.18e"):  # Python's repr, polars' and pandas' float64, np.savetxt's default
        x = (rng.normal(0, 1, 2000) * 10.0 ** rng.integers(-290, 290, 2000)).tolist()
        text = "\n".join(fmt % v for v in x) + "\n"
        got = compiled(text.encode(), ["a"], ["a"])
        assert got is not None and got[1]["a"].tolist() == [float(fmt % v) for v in x]


def test_power_of_five_table_is_what_its_comment_says():
    header = Path(__file__).parents[2] / "losscli" / "io" / "_pow5.h"
    if not header.exists():
        pytest.skip("the source tree is not here")
    import re

    rows = [(int(a, 16), int(b, 16)) for a, b in re.findall(r"\{0x([0-9a-f]+)u, 0x([0-9a-f]+)u\}", header.read_text())]
    expected = []
    for q in range(-342, 309):
        if q < 0:
            p5 = 5**-q
            z = p5.bit_length()
            c = (1 << (z + 127 if q >= -27 else 2 * z + 128)) // p5 + 1
        else:
            c = 5**q << 128
        c >>= max(0, c.bit_length() - 128)
        c <<= 128 - c.bit_length()
        expected.append((c >> 64, c & (2**64 - 1)))
    assert rows == expected


# ------------------------------------------------------------------------------------- the reader

@pytest.fixture
def blocks(monkeypatch):
    """The block reader on two workers with small blocks; collects the compiled parsers it made."""
    monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(csv_blocks, "workers", lambda: 2)
    monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 4096)
    made: list[csv_floats.BlockParser] = []
    make = csv_floats.block_parser

    def kept(*a, **kw):
        p = make(*a, **kw)
        made.append(p)
        return p

    monkeypatch.setattr(csv_floats, "block_parser", kept)

    class Seen:
        def __getitem__(self, what: str) -> int:
            return sum(getattr(p, what) for p in made)

    return Seen()


def read_all(path: Path) -> dict[str, np.ndarray]:
    src = open_source(str(path))
    chunks = list(src.read(src.columns, chunk_rows=1000))
    return {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in src.columns}


def test_the_reader_takes_plain_blocks_and_gives_the_stdlib_engines_arrays(tmp_path, blocks, monkeypatch):
    rng = np.random.default_rng(1)
    x = rng.normal(0, 3, (5000, 3)).astype(np.float32)
    p = tmp_path / "p.csv"
    p.write_text("a,b,c\n" + "\n".join(",".join(str(v) for v in r) for r in x) + "\n")
    got = read_all(p)
    assert blocks["taken"] > 10 and blocks["declined"] == 0
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40)
        ref = read_all(p)
    for c in "abc":
        assert got[c].tobytes() == ref[c].tobytes()


@pytest.mark.parametrize("odd", ['"0.5"', "", "nan", "1e-400", "0.300000000000000000004", "x"])
@pytest.mark.parametrize("where", [10, 1700])
def test_a_block_it_declines_is_read_by_pyarrow_and_later_blocks_by_it_again(tmp_path, blocks, monkeypatch, odd, where):
    rng = np.random.default_rng(2)
    lines = [f"{str(np.float32(v))},{k}" for v, k in zip(rng.normal(size=3000), rng.integers(0, 2, 3000), strict=True)]
    lines[where] = f"{odd},1"
    p = tmp_path / "p.csv"
    p.write_text("p,y\n" + "\n".join(lines) + "\n")
    got = read_all(p)
    if odd == "x":  # a column of text: read again from there as text, by pyarrow
        assert blocks["declined"] == 1
    else:
        # (the back-off's counters are shared by the two workers without a lock: a skip may be counted twice)
        assert blocks["declined"] == 1 and blocks["skipped"] >= 1 and blocks["taken"] > 5
    with monkeypatch.context() as m:
        m.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40)
        ref = read_all(p)
    assert set(got) == set(ref)
    for c in ref:
        if ref[c].dtype.kind == "f":
            assert np.array_equal(got[c], ref[c], equal_nan=True)
        else:
            assert list(got[c]) == list(ref[c])


def test_no_compiled_parser_with_numpy_kernels_forced():
    code = "from losscli.io import csv_floats; print(csv_floats.parser())"
    off = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "LOSSCLI_KERNELS": "numpy"})
    assert off.stdout.strip() == "None"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={k: v for k, v in os.environ.items() if k != "LOSSCLI_KERNELS"})
    assert "_csvfloats" in out.stdout


def test_a_file_of_odd_blocks_backs_off(tmp_path, blocks):
    """Every block holds an empty cell: the parser looks at fewer and fewer of them (1, 2, 4, … skipped)."""
    lines = [f"{i % 7 * 0.25},{'' if i % 50 == 0 else 1}" for i in range(20000)]
    p = tmp_path / "p.csv"
    p.write_text("p,y\n" + "\n".join(lines) + "\n")
    got = read_all(p)
    assert len(got["y"]) == 20000 and int(np.isnan(got["y"]).sum()) == 400
    assert blocks["taken"] == 0 and blocks["skipped"] > 3 * blocks["declined"]


def test_the_extension_refuses_buffers_too_small_for_what_it_is_asked():
    one = np.zeros(1, np.int64).tobytes()
    assert _csvfloats.parse(b"1\n2\n", ord(","), one, np.empty(2), 2) == 2
    assert _csvfloats.parse(b"1\n2\n", ord(","), one, np.empty(1), 2) == -1          # out holds 1 value, not 2
    assert _csvfloats.parse(b"1\n2\n", ord(","), np.array([3], np.int64).tobytes(), np.empty(4), 2) == -1
    assert _csvfloats.parse(b"1\n2\n", ord(","), one[:5], np.empty(2), 2) == -1      # not whole int64s
    assert _csvfloats.parse(b"1\n2\n", ord(","), one, np.empty(2), 1) == -1          # more rows than cap
    assert _csvfloats.parse(b"1\n2\n", ord(","), one, np.empty(2), 2**62) == -1
    assert _csvfloats.parse(b"1\n2\n", ord("."), one, np.empty(2), 2) == -1          # a delimiter numbers use
    assert _csvfloats.count_lines(b"a\nb\r\nc") == 2
