"""Format detection: by --format, by extension, by content magic, compressed files and stdin."""

from __future__ import annotations

import bz2
import gzip
import io
import lzma

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.errors import ReadError, UsageError
from losscli.io import detect, open_source
from losscli.io.detect import (
    compression_from_magic,
    detect_format,
    format_from_magic,
    format_from_name,
    normalize_delimiter,
    normalize_format,
    sniff_delimiter,
    split_compression,
)

CSV = b"y,p\n1,0.9\n0,0.2\n"
VALUES = {"y": [1.0, 0.0], "p": [0.9, 0.2]}


def npy_bytes(a: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


def npz_bytes(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, **arrays)
    return buf.getvalue()


def parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pq.write_table(pa.table({"y": [1.0, 0.0], "p": [0.9, 0.2]}), buf)
    return buf.getvalue()


def values(src) -> dict[str, list]:
    (chunk,) = list(src.read())
    return {c: a.tolist() for c, a in chunk.columns.items()}


# pure functions ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "fmt"),
    [
        ("a.csv", "csv"),
        ("a.CSV", "csv"),
        ("a.tsv", "tsv"),
        ("a.tab", "tsv"),
        ("a.txt", "text"),
        ("a.npy", "npy"),
        ("a.npz", "npz"),
        ("a.parquet", "parquet"),
        ("a.pq", "parquet"),
        ("a.csv.gz", "csv"),
        ("a.tsv.bz2", "tsv"),
        ("a.csv.xz", "csv"),
        ("a.csv.zst", "csv"),
        ("a.gz", None),
        ("a.dat", None),
        ("a", None),
    ],
)
def test_format_from_name(name, fmt):
    assert format_from_name(name) == fmt


def test_split_compression():
    assert split_compression("a.csv.gz") == ("a.csv", "gzip")
    assert split_compression("a.csv.BZ2") == ("a.csv", "bz2")
    assert split_compression("a.xz") == ("a", "xz")
    assert split_compression("a.csv.zst") == ("a.csv", "zstd")
    assert split_compression("a.csv") == ("a.csv", None)


def test_magic():
    assert format_from_magic(npy_bytes(np.zeros(2))) == "npy"
    assert format_from_magic(npz_bytes(a=np.zeros(2))) == "npz"
    assert format_from_magic(parquet_bytes()) == "parquet"
    assert format_from_magic(CSV) is None
    assert compression_from_magic(gzip.compress(CSV)) == "gzip"
    assert compression_from_magic(bz2.compress(CSV)) == "bz2"
    assert compression_from_magic(lzma.compress(CSV)) == "xz"
    assert compression_from_magic(b"\x28\xb5\x2f\xfd....") == "zstd"
    assert compression_from_magic(CSV) is None


def test_detect_format_rules():
    npy = npy_bytes(np.zeros(2))
    assert detect_format("a.csv", CSV) == "csv"
    assert detect_format("a", CSV) == "text"
    assert detect_format("a", npy) == "npy"
    assert detect_format("a.csv", npy) == "npy"  # binary magic beats a text extension
    assert detect_format("a.npy", CSV) == "npy"  # a binary extension is trusted
    assert detect_format("a.npy", CSV, fmt="csv") == "csv"  # --format beats everything
    assert detect_format("a", parquet_bytes()) == "parquet"


def test_unknown_binary_content_is_a_read_error():
    with pytest.raises(ReadError, match="unknown format"):
        detect_format("a.bin", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")


def test_normalize_format():
    assert normalize_format(None) is None
    assert normalize_format("auto") is None
    assert normalize_format("PQ") == "parquet"
    assert normalize_format(".npy") == "npy"
    with pytest.raises(UsageError, match="unknown format 'xlsx'"):
        normalize_format("xlsx")


def test_normalize_delimiter():
    assert normalize_delimiter(None) is None
    assert normalize_delimiter("tab") == "\t"
    assert normalize_delimiter("\\t") == "\t"
    assert normalize_delimiter(";") == ";"
    with pytest.raises(UsageError, match="bad delimiter"):
        normalize_delimiter(";;")


@pytest.mark.parametrize(
    ("sample", "default", "expected"),
    [
        ("a,b,c\n1,2,3\n", ",", ","),
        ("a\tb\n1\t2\n", ",", "\t"),
        ("a;b\n1;2\n3;4\n", ",", ";"),
        ("a|b\n1|2\n", ",", "|"),
        ("y\n1\n2\n", ",", ","),  # one column: the default
        ("y\n1\n2\n", "\t", "\t"),
        ('a;b\n"1,5";2\n"3,5";4\n', ",", ";"),  # commas inside quotes do not count
        ("a,b;c\n1,2;3\n4,5;6\n", ",", ","),  # a tie goes to the default
        ("a,b;c\n1,2;3\n4,5;6\n", ";", ";"),
        ("a;b;c\n1;2;3\n4;5;6\n7;8;9,5", ",", ";"),  # a cut-off last line is ignored
        ("1.5e+00 -2.0e-01 3\n4 5 6\n", ",", " "),  # np.savetxt's default: numbers and single spaces
        ("1 2\n3 4 5\n", ",", ","),  # not the same number on every line
        ("my label\n1\n", ",", ","),  # words: a one-column file with a space in its name
        ("y p\n1 0.9\n0 0.2\n", ",", " "),  # a header of names above np.savetxt's numbers
        ("hello world\nfoo bar\n", ",", ","),  # words only: one column
        ("y p q\n1 0.9\n", ",", ","),  # a header wider than the numbers
        ("1  2\n3  4\n", ",", ","),  # runs of spaces (fixed width): not taken for a delimiter
    ],
)
def test_sniff_delimiter(sample, default, expected):
    assert sniff_delimiter(sample, default) == expected


# open_source: by extension and by magic ------------------------------------------------------------------


def write_all_formats(tmp_path, suffix: dict[str, str]):
    """Write the same two columns in every format; ``suffix`` maps format → file name."""
    files = {}
    (tmp_path / suffix["csv"]).write_bytes(CSV)
    (tmp_path / suffix["tsv"]).write_bytes(CSV.replace(b",", b"\t"))
    (tmp_path / suffix["parquet"]).write_bytes(parquet_bytes())
    rec = np.array([(1.0, 0.9), (0.0, 0.2)], dtype=[("y", "f8"), ("p", "f8")])
    (tmp_path / suffix["npy"]).write_bytes(npy_bytes(rec))
    (tmp_path / suffix["npz"]).write_bytes(npz_bytes(data=rec))
    for fmt, name in suffix.items():
        files[fmt] = str(tmp_path / name)
    return files


@pytest.mark.parametrize("named", [True, False], ids=["by-extension", "by-magic"])
def test_every_format_is_detected(tmp_path, named):
    names = {f: (f"d.{f}" if named else f"d_{f}") for f in ("csv", "tsv", "npy", "npz", "parquet")}
    files = write_all_formats(tmp_path, names)
    for fmt, path in files.items():
        src = open_source(path)
        assert src.format == fmt, path
        assert values(src) == VALUES, path


@pytest.mark.parametrize(
    ("ext", "compress"),
    [(".gz", gzip.compress), (".bz2", bz2.compress), (".xz", lzma.compress)],
)
def test_compressed_csv_by_extension(tmp_path, ext, compress):
    p = tmp_path / f"d.csv{ext}"
    p.write_bytes(compress(CSV))
    src = open_source(str(p))
    assert src.format == "csv"
    assert values(src) == VALUES
    t = tmp_path / f"d.tsv{ext}"
    t.write_bytes(compress(CSV.replace(b",", b"\t")))
    assert open_source(str(t)).format == "tsv"


def test_compressed_by_magic_without_extension(tmp_path):
    p = tmp_path / "data"
    p.write_bytes(gzip.compress(CSV))
    assert values(open_source(str(p))) == VALUES
    mislabelled = tmp_path / "data.csv"  # gzip content behind a .csv name
    mislabelled.write_bytes(gzip.compress(CSV))
    assert values(open_source(str(mislabelled))) == VALUES


def test_compressed_npy(tmp_path):
    p = tmp_path / "a.npy.gz"
    p.write_bytes(gzip.compress(npy_bytes(np.arange(3.0))))
    src = open_source(str(p))
    assert src.format == "npy" and values(src) == {"1": [0.0, 1.0, 2.0]}


def test_zstd(tmp_path):
    zstandard = pytest.importorskip("zstandard")
    p = tmp_path / "d.csv.zst"
    p.write_bytes(zstandard.ZstdCompressor().compress(CSV))
    assert values(open_source(str(p))) == VALUES


def test_zstd_without_pyarrow_codec_falls_back_to_zstandard(tmp_path, monkeypatch):
    """Frames one after another, and a skippable frame, as the ``zstd`` tool may write them."""
    zstandard = pytest.importorskip("zstandard")
    monkeypatch.setattr(detect, "_arrow_zstd", lambda raw: None)
    rows = b"".join(b"%d,0.%d\n" % (i % 2, i % 9 + 1) for i in range(30000))
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"abcd"
    c = zstandard.ZstdCompressor()
    p = tmp_path / "d.csv.zst"
    p.write_bytes(c.compress(b"y,p\n" + rows[:100000]) + skippable + c.compress(rows[100000:]))
    got = values(open_source(str(p)))
    assert len(got["y"]) == 30000 and got["p"][:2] == [0.1, 0.2]


def _rows_zst(tmp_path, rows: int = 200_000) -> bytes:
    """A CSV compressed in blocks (as the ``zstd`` tool writes it), whose first blocks decompress alone."""
    rng = np.random.default_rng(1)
    text = "label,p\n" + "".join(f"{y},{p:.6f}\n" for y, p in zip(rng.integers(0, 2, rows), rng.random(rows), strict=True))
    with pa.CompressedOutputStream(str(tmp_path / "whole.csv.zst"), "zstd") as out:
        out.write(text.encode())
    return (tmp_path / "whole.csv.zst").read_bytes()


@pytest.mark.parametrize("reader", ["pyarrow", "zstandard"])
def test_a_zstd_file_cut_short_is_refused_not_read_in_part(tmp_path, monkeypatch, reader):
    """zstandard's stream_reader ended quietly at the cut: 131,072 rows of 200,000 were scored (exit 0)."""
    if reader == "zstandard":
        pytest.importorskip("zstandard")
        monkeypatch.setattr(detect, "_arrow_zstd", lambda raw: None)
    whole = _rows_zst(tmp_path)
    for cut in (len(whole) * 2 // 3, 30):
        p = tmp_path / "t.csv.zst"
        p.write_bytes(whole[:cut])
        with pytest.raises(ReadError, match="cannot decompress") as err:
            values(open_source(str(p)))
        assert "t.csv.zst" in str(err.value)
        with pytest.raises(ReadError, match="cannot decompress"):  # stdin, a pipe: held in memory
            detect.decompress_bytes(whole[:cut], "zstd", "<stdin>")


def test_zstd_without_any_decompressor_says_pip_install(tmp_path, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "zstandard", None)
    monkeypatch.setattr(detect, "_arrow_zstd", lambda raw: None)
    p = tmp_path / "d.csv.zst"
    p.write_bytes(b"\x28\xb5\x2f\xfd" + b"\x00" * 16)
    with pytest.raises(ReadError, match="pip install zstandard"):
        open_source(str(p))


def test_corrupt_compressed_file(tmp_path):
    p = tmp_path / "d.csv.gz"
    p.write_bytes(b"not gzip at all")
    with pytest.raises(ReadError, match="cannot decompress"):
        open_source(str(p))


def test_fmt_overrides_extension(tmp_path):
    p = tmp_path / "d.dat"
    p.write_bytes(CSV.replace(b",", b"\t"))
    src = open_source(str(p), fmt="tsv")
    assert src.format == "tsv" and values(src) == VALUES


def test_unknown_binary_file(tmp_path):
    p = tmp_path / "image.bin"
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    with pytest.raises(ReadError, match="unknown format") as info:
        open_source(str(p))
    assert info.value.exit_code == 3


# stdin ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "tsv", "npy", "npz", "parquet", "csv.gz"])
def test_stdin_is_sniffed(fmt):
    data = {
        "csv": CSV,
        "tsv": CSV.replace(b",", b"\t"),
        "npy": npy_bytes(np.array([(1.0, 0.9), (0.0, 0.2)], dtype=[("y", "f8"), ("p", "f8")])),
        "npz": npz_bytes(a=np.array([(1.0, 0.9), (0.0, 0.2)], dtype=[("y", "f8"), ("p", "f8")])),
        "parquet": parquet_bytes(),
        "csv.gz": gzip.compress(CSV),
    }[fmt]
    src = open_source("-", stdin=io.BytesIO(data))
    assert src.name == "<stdin>" and src.path == "-"
    assert src.format == fmt.split(".")[0]
    assert src.size_bytes == len(data)
    assert values(src) == VALUES


def test_stdin_semicolons_and_format_override():
    src = open_source("-", stdin=io.BytesIO(b"y;p\n1;0.9\n0;0.2\n"))
    assert src.delimiter == ";" and values(src) == VALUES
    src = open_source("-", stdin=io.BytesIO(CSV), fmt="csv", delimiter=",")
    assert values(src) == VALUES


def test_stdin_npz_key():
    src = open_source("-:p", stdin=io.BytesIO(npz_bytes(y=np.array([1.0, 0.0]), p=np.array([0.9, 0.2]))))
    assert src.format == "npz" and values(src) == {"1": [0.9, 0.2]}


def test_empty_stdin():
    with pytest.raises(ReadError, match="<stdin> is empty"):
        open_source("-", stdin=io.BytesIO(b""))


@pytest.mark.parametrize("encoding,expected", [
    ("utf-16", "utf-16"), ("utf-32", "utf-32"), ("utf-16-le", "utf-16le"), ("utf-16-be", "utf-16be"),
    ("utf-32-le", "utf-32le"), ("utf-32-be", "utf-32be"), ("utf-8", None),
])
def test_wide_encodings_by_bom_and_nul_pattern(encoding, expected):
    from losscli.io.detect import wide_encoding

    text = "y,p\n1,0.5\n0,0.25\n" * 20
    assert wide_encoding(text.encode(encoding)) == expected
    if expected is not None:  # the advice converts it back
        assert text.encode(encoding).decode(expected.replace("le", "-le").replace("be", "-be")).lstrip("\ufeff") == text


def test_a_nul_byte_is_no_text():
    from losscli.errors import ReadError
    from losscli.io.detect import check_text

    with pytest.raises(ReadError, match=r"NUL byte \(offset 4\)"):
        check_text("x.csv", b"y,p\n\x00\x001,0.5\n")
    check_text("x.csv", b"y,p\n1,0.5\n")


def test_json_lines_in_a_txt_file_and_the_input_format_option(tmp_path, capsys):
    """JSON lines in a ``.txt`` file were read as CSV ("no label column … (columns: {"label":1, p:0.9})"), and
    the NUL-byte message named a ``--format`` option that sets the output's format: ``--input-format`` names
    the input's now, and it reads a file whose name says otherwise."""
    from cli_helpers import run_cli

    expected = -(np.log(0.9) + np.log(0.8)) / 2
    lines = '{"label": 1, "p": 0.9}\n{"label": 0, "p": 0.2}\n'
    (tmp_path / "j.txt").write_text(lines)
    code, out, err = run_cli(["eval", "bce", tmp_path / "j.txt", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-15), err
    (tmp_path / "j.csv").write_text(lines)  # a .csv name: read as CSV unless told
    code, out, err = run_cli(["eval", "bce", tmp_path / "j.csv", "-q"], capsys)
    assert code != 0
    code, out, err = run_cli(["eval", "bce", tmp_path / "j.csv", "--input-format", "jsonl", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-15), err
    (tmp_path / "nul.csv").write_bytes(b"label,p\n1,0.9\x00\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "nul.csv", "-q"], capsys)
    assert code == 3 and "NUL byte" in err and "--input-format (csv, tsv, npy" in err
    code, out, err = run_cli(["eval", "bce", tmp_path / "j.txt", "--input-format", "xml"], capsys)
    assert code == 2 and "--input-format" in err
    (tmp_path / "br.txt").write_text("[y],[p]\n1,0.9\n0,0.2\n")  # a CSV header in brackets is no JSON
    code, out, err = run_cli(["eval", "bce", tmp_path / "br.txt", "--label-cols", "[y]", "--pred-cols", "[p]", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-15), err


def test_the_command_lines_input_formats_are_the_readers():
    """``--input-format``'s choices are written in the CLI module (``--help`` imports no reader)."""
    from losscli.cli import INPUT_FORMATS

    assert INPUT_FORMATS == detect.FORMATS


def test_the_zstd_frame_walk_finds_every_cut():
    """Frames of every kind the writers make: a content size or none, a checksum, several frames, a skippable
    frame, RLE blocks; whole they pass, cut anywhere inside a frame they are found cut."""
    zstandard = pytest.importorskip("zstandard")
    from losscli.io.detect import zstd_cut_short

    data = b"".join(b"%d,0.%04d\n" % (i % 2, i % 9973) for i in range(20000))
    skippable = b"\x50\x2a\x4d\x18" + (4).to_bytes(4, "little") + b"abcd"
    c = zstandard.ZstdCompressor
    streams = [
        c().compress(data),
        c(write_content_size=False, write_checksum=True).compress(data),
        c().compress(data[:1000]) + c().compress(data[1000:]),
        skippable + c().compress(data),
        c().compress(b"a" * 1_000_000),
    ]
    frame_ends = {len(skippable), len(c().compress(data[:1000]))}  # whole frames end there: complete streams
    for stream in streams:
        assert not zstd_cut_short(io.BytesIO(stream))
        cuts = {*range(1, 64), *range(len(stream) - 64, len(stream)), *range(64, len(stream), 997)}
        for cut in sorted(c for c in cuts if 0 < c < len(stream)):
            if cut in frame_ends and (stream.startswith(skippable) or stream == streams[2]):
                continue
            assert zstd_cut_short(io.BytesIO(stream[:cut])), cut
