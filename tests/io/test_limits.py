"""Reader robustness: the resource limits of :mod:`losscli.io.limits`, pipes, and regressions of the crashes
the fuzzer (``tests/fuzz/fuzz_readers.py``) found. Every failure must be a ReadError/UsageError."""

from __future__ import annotations

import base64
import bz2
import gzip
import io
import os
import pickle
import threading
import warnings
import zipfile

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from losscli.errors import ReadError, UsageError
from losscli.io import csv_blocks, csv_floats, csv_reader, limits, open_source


def read(path, **kw):
    src = open_source(str(path), **kw)
    chunks = list(src.read())
    return {c: np.concatenate([ch.columns[c] for ch in chunks]) for c in src.columns}


def read_error(path, **kw) -> ReadError:
    with pytest.raises(ReadError) as info:
        read(path, **kw)
    return info.value


def npy_bytes(a) -> bytes:
    b = io.BytesIO()
    np.save(b, a)
    return b.getvalue()


@pytest.fixture(params=["stdlib", "arrow", "blocks", "blocks-arrow"])
def engine(request, monkeypatch):
    if request.param == "stdlib":
        monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 1 << 40)
    else:
        monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
        monkeypatch.setattr(csv_reader, "MIN_BLOCK", 256)
        monkeypatch.setattr(csv_reader, "MAX_BLOCK", 1024)
        # "arrow" streams on one thread; "blocks" parses a file on disk in tiny blocks on two threads, with
        # the compiled numeric parser where it is built and takes the block, "blocks-arrow" with pyarrow only
        blocks = request.param.startswith("blocks")
        monkeypatch.setattr(csv_blocks, "workers", (lambda: 2) if blocks else (lambda: 0))
        monkeypatch.setattr(csv_blocks, "BLOCK_BYTES", 512)
        if request.param == "blocks-arrow":
            monkeypatch.setattr(csv_floats, "parser", lambda: None)
    return request.param


# --------------------------------------------------------------------------------- the limit values


def test_limit_values_and_suffixes(monkeypatch):
    assert limits.max_columns() == 262_144 and limits.max_line_bytes() == 16 << 20
    assert limits.max_memory_bytes() == 2 << 30 and limits.max_ratio() == 100
    for text, value in (("64M", 64 << 20), ("1k", 1024), ("2GiB", 2 << 30), ("1000", 1000)):
        monkeypatch.setenv("LOSSCLI_MAX_LINE_BYTES", text)
        assert limits.max_line_bytes() == value
    monkeypatch.setenv("LOSSCLI_MAX_DECOMPRESSION_RATIO", "0")
    assert limits.max_ratio() == 0
    for bad in ("lots", "-5", "0", "nan"):
        monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", bad)
        with pytest.raises(UsageError, match="LOSSCLI_MAX_COLUMNS"):
            limits.max_columns()


# -------------------------------------------------------------------------------------- CSV lines


def test_long_header_line_is_refused(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("LOSSCLI_MAX_LINE_BYTES", "100000")
    p = tmp_path / "h.csv"
    p.write_bytes(b"y" * 300_000 + b"\n1\n")
    err = read_error(p)
    assert "longer than the limit of 97.7 KiB" in str(err) and "row 1" in str(err)


def test_long_data_line_names_its_row(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("LOSSCLI_MAX_LINE_BYTES", "5000")
    p = tmp_path / "d.csv"
    p.write_bytes(b"y,p\n" + b"0,0.5\n" * 300 + b"1," + b"9" * 20_000 + b"\n0,0.1\n")
    err = read_error(p)
    assert "longer than the limit" in str(err) and "row 302" in str(err) and "LOSSCLI_MAX_LINE_BYTES" in str(err)


def test_a_line_longer_than_the_arrow_block_is_read_when_within_the_limit(tmp_path, monkeypatch):
    monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(csv_reader, "MIN_BLOCK", 256)
    monkeypatch.setattr(csv_reader, "MAX_BLOCK", 1024)
    p = tmp_path / "w.csv"
    text = "y,note\n" + "0,a\n" * 500 + "1," + "x" * 50_000 + "\n" + "0,b\n" * 500
    p.write_text(text)
    cols = read(p)
    assert len(cols["y"]) == 1001 and cols["note"][500] == "x" * 50_000
    assert cols["y"][500] == 1.0 and cols["note"][-1] == "b"
    for chunk_rows in (7, 100):  # restarts resume at the right row
        src = open_source(str(p))
        got = np.concatenate([c.columns["note"] for c in src.read(chunk_rows=chunk_rows)])
        assert got.tolist() == cols["note"].tolist()


def test_column_limit_csv_npy_parquet(tmp_path, monkeypatch, engine):
    monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", "4")
    (tmp_path / "a.csv").write_text("a,b,c,d,e\n1,2,3,4,5\n")
    (tmp_path / "b.csv").write_text("1,2,3,4,5\n")
    np.save(tmp_path / "c.npy", np.zeros((2, 5)))
    np.save(tmp_path / "d.npy", np.zeros(2, dtype=[(f"f{i}", "f8") for i in range(5)]))
    pq.write_table(pa.table({f"c{i}": [1.0] for i in range(5)}), tmp_path / "e.parquet")
    for name, kw in (("a.csv", {}), ("b.csv", {"header": False}), ("c.npy", {}), ("d.npy", {}),
                     ("e.parquet", {})):
        err = read_error(tmp_path / name, **kw)
        assert "has 5 columns, more than the limit of 4" in str(err), name
    monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", "5")
    assert len(read(tmp_path / "a.csv")) == 5


# ---------------------------------------------------------------------------------- decompression


@pytest.mark.parametrize("codec", ["gzip", "bz2"])
def test_streamed_decompression_bomb(tmp_path, monkeypatch, engine, codec):
    monkeypatch.setattr(limits, "RATIO_GRACE_BYTES", 64 << 10)
    data = b"y,p\n" + b"0,0\n" * (1 << 18)  # 1 MiB of text, compresses > 100:1
    compressed = gzip.compress(data) if codec == "gzip" else bz2.compress(data)
    p = tmp_path / f"b.csv.{'gz' if codec == 'gzip' else 'bz2'}"
    p.write_bytes(compressed)
    err = read_error(p)
    assert "decompression bomb" in str(err) and "LOSSCLI_MAX_DECOMPRESSION_RATIO" in str(err)
    monkeypatch.setenv("LOSSCLI_MAX_DECOMPRESSION_RATIO", "0")  # off: reads
    assert len(read(p)["y"]) == 1 << 18


def test_in_memory_decompression_is_capped(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSCLI_MAX_MEMORY_BYTES", "100k")
    monkeypatch.setenv("LOSSCLI_MAX_DECOMPRESSION_RATIO", "0")
    payload = gzip.compress(b"y,p\n" + b"0,0\n" * 100_000)
    with pytest.raises(ReadError, match="larger than the 100 KiB that may be held in memory"):
        open_source("-", stdin=io.BytesIO(payload))
    (tmp_path / "a.npy.gz").write_bytes(gzip.compress(npy_bytes(np.zeros(100_000))))
    with pytest.raises(ReadError, match="held in memory"):
        open_source(str(tmp_path / "a.npy.gz"))


def test_the_memory_limit_spares_a_small_csv_on_disk(tmp_path, monkeypatch):
    """A CSV file on disk is no content held in memory by the user's choice: with the limit at 1 KiB a 1.8 KB
    file was refused ('give it as an uncompressed file on disk', which it was) where a 1.6 MB one streamed."""
    monkeypatch.setenv("LOSSCLI_MAX_MEMORY_BYTES", "1k")
    p = tmp_path / "a.csv"
    p.write_bytes(b"y,p\n" + b"1,0.25\n" * 300)
    assert len(read(p)["y"]) == 300
    with pytest.raises(ReadError, match="held in memory"):  # the same bytes from stdin are held
        open_source("-", stdin=io.BytesIO(p.read_bytes()))


def test_a_small_compressed_file_that_decompresses_big_is_streamed(tmp_path):
    p = tmp_path / "z.csv.gz"
    p.write_bytes(gzip.compress(b"y,p\n" + b"0,0.5\n1,0.25\n" * 200_000))  # 2.4 MB of text, ~10 KB on disk
    src = open_source(str(p))
    assert src.engine == "arrow"
    assert sum(len(c) for c in src.read(chunk_rows=65536)) == 400_000
    small = tmp_path / "s.csv.gz"
    small.write_bytes(gzip.compress(b"y\n1\n"))
    assert open_source(str(small)).engine == "stdlib"


def test_corrupt_compressed_streams(tmp_path, engine):
    good = gzip.compress(b"y,p\n" + b"0,0.5\n" * 1000)
    (tmp_path / "cut.csv.gz").write_bytes(good[: len(good) // 2])
    (tmp_path / "junk.csv.gz").write_bytes(b"\x1f\x8b\x08\x00" + os.urandom(200))
    for name in ("cut.csv.gz", "junk.csv.gz"):
        err = read_error(tmp_path / name)
        assert name in str(err)


# ---------------------------------------------------------------------------------------- NPY/NPZ


def test_npy_header_lies_about_its_shape(tmp_path):
    h = io.BytesIO()
    np.lib.format.write_array_header_1_0(h, {"descr": "<f8", "fortran_order": False, "shape": (10**15, 3)})
    data = h.getvalue() + bytes(64)
    (tmp_path / "x.npy").write_bytes(data)
    for src in (str(tmp_path / "x.npy"), "-"):
        with pytest.raises(ReadError, match="truncated"):
            open_source(src, stdin=io.BytesIO(data))


@pytest.mark.parametrize("header", [
    b"{'descr': '<f8', 'fortran_order': False, 'shape': (3,",  # tokenize.TokenError (found by fuzzing)
    b"{'descr': '<f8', 'fortran_order': False, 'shape': (-3,), }",
    b"{'descr': 'O', 'fortran_order': False, 'shape': (3,), }",
    b"{'descr': '<V0', 'fortran_order': False, 'shape': (10000000000,), }",
    b"{'descr': [('a', '<f8', (2,))], 'fortran_order': False, 'shape': (1,), }",
    b"{'descr': '<f8', 'fortran_order': 'maybe', 'shape': (3,), }",
    b"[1, 2, 3]",
    b"{'descr': '<f8'}",
    b"(" * 5000,
])
def test_malformed_npy_headers(header):
    length = len(header) + 1
    data = b"\x93NUMPY\x01\x00" + length.to_bytes(2, "little") + header + b"\n" + bytes(64)
    with pytest.raises(ReadError):
        read("-", stdin=io.BytesIO(data))


def test_python2_npy_header_reads_without_a_warning(tmp_path):
    header = b"{'descr': '<f8', 'fortran_order': False, 'shape': (2L,), }"
    header += b" " * (64 - 10 - len(header) - 1) + b"\n"
    data = b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header + np.array([1.0, 2.0]).tobytes()
    (tmp_path / "py2.npy").write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert read(tmp_path / "py2.npy")["1"].tolist() == [1.0, 2.0]


def test_invalid_unicode_in_a_string_npy_found_by_fuzzing():
    # crash-019d416d: '<U1' holding 0xFFFFFFFF made numpy's tolist() raise SystemError
    data = base64.b64decode(
        "k05VTVBZAQB2AHsnZGVzY3InOiAnPFUxJywgJ2ZvcnRyYW5fb3JkZXInOiBGYWxzZSwgJ3NoYXBlJzogKDQsKSwgfSAgICAgICAgICAg"
        "ICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgICAgCmEAAAAAAAAAYgAAAP//////////////////////"
        "//////////////////////////////////////////////////////////////////////////////////////////////////9jACIPAAA=")
    with pytest.raises(ReadError, match="no Unicode character"):
        read("-", stdin=io.BytesIO(data))
    for dt in ("<U3", ">U2"):  # valid text of either byte order is read
        a = np.array(["ab", "c"], dtype=dt)
        assert read("-", stdin=io.BytesIO(npy_bytes(a)))["1"].tolist() == ["ab", "c"]


def _npz(members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED) -> bytes:
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return b.getvalue()


def test_malformed_npz_files(tmp_path):
    good = _npz({"arr_0.npy": npy_bytes(np.arange(50.0))})
    corrupt = bytearray(good)
    corrupt[60] ^= 0xFF  # inside the deflated member: a zlib error or a CRC mismatch
    cases = {
        "cut": good[: len(good) - 30],  # central directory cut off (BadZipFile)
        "corrupt": bytes(corrupt),
        "not_npy": _npz({"arr_0.npy": b"hello"}),
        "pickle": _npz({"arr_0.npy": pickle.dumps([1, 2])}),
        "empty": _npz({}),
    }
    for name, blob in cases.items():
        p = tmp_path / f"{name}.npz"
        p.write_bytes(blob)
        with pytest.raises(ReadError):
            read(p)


def test_npz_member_declared_too_large_is_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setenv("LOSSCLI_MAX_MEMORY_BYTES", "1M")
    p = tmp_path / "big.npz"
    p.write_bytes(_npz({"arr_0.npy": npy_bytes(np.zeros(1 << 18))}))  # 2 MiB
    with pytest.raises(ReadError, match="the member arr_0.npy is larger than the 1 MiB"):
        open_source(str(p))


# ------------------------------------------------------------------------------------------- pipes


def test_a_fifo_is_read_once(tmp_path):
    fifo = tmp_path / "labels.csv"
    os.mkfifo(fifo)

    def writer():
        with open(fifo, "wb") as fh:
            fh.write(b"y\n0\n1\n")

    t = threading.Thread(target=writer)
    t.start()
    cols = read(fifo)
    t.join()
    assert cols["y"].tolist() == [0.0, 1.0]


def test_a_pickle_is_recognised_by_content():
    for proto in (2, 3, 4, 5):
        with pytest.raises(ReadError, match="pickle: refused, never unpickled"):
            open_source("-", stdin=io.BytesIO(pickle.dumps({"y": [1, 2]}, protocol=proto)))


# ------------------------------------------------------------------ pyarrow threads and Python objects


@pytest.mark.parametrize("case", ["ok", "ragged", "bomb", "corrupt", "abandoned"])
def test_pyarrow_lets_go_of_python_objects_before_an_error_surfaces(tmp_path, monkeypatch, case):
    """pyarrow's read-ahead thread calls into the Python decompressing stream; it must be out of it, and have
    dropped every Python object it was lent, before an error (or the end) reaches the caller: a C++ thread
    touching Python during interpreter shutdown aborts the process."""
    monkeypatch.setattr(csv_reader, "SMALL_INPUT_BYTES", 0)
    monkeypatch.setattr(limits, "RATIO_GRACE_BYTES", 1 << 20)
    rows = [b"%d,0.%06d\n" % (i % 2, i) for i in range(200_000)]
    if case == "ragged":
        rows[150_000] = b"1\n"
    payload = gzip.compress(b"y,p\n" + b"".join(rows), 1)
    if case == "bomb":
        payload = gzip.compress(b"y,p\n" + b"0,0\n" * (4 << 20), 9)
    if case == "corrupt":
        payload = payload[: len(payload) // 2] + bytes(1000) + payload[len(payload) // 2 :]
    (tmp_path / "d.csv.gz").write_bytes(payload)
    waits = []
    real_wait = csv_reader._LentToArrow.wait

    def wait(self, timeout=5.0):
        import time

        start = time.monotonic()
        real_wait(self, timeout)
        waits.append((self.busy(), time.monotonic() - start))

    monkeypatch.setattr(csv_reader._LentToArrow, "wait", wait)
    src = open_source(str(tmp_path / "d.csv.gz"))
    if case == "ok":
        assert sum(len(c) for c in src.read(chunk_rows=10_000)) == 200_000
    elif case == "abandoned":
        it = src.read(chunk_rows=10_000)
        next(it)
        it.close()
    else:
        with pytest.raises(ReadError):
            list(src.read(chunk_rows=10_000))
    assert waits and all(not busy and seconds < 1 for busy, seconds in waits), waits
