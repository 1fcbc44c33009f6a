"""Compressed files cut short on the Dask engine.

A .zst file: fsspec's zstd reader (zstandard's stream_reader) ends quietly at the cut, and 98,589 of 200,000
rows were scored (exit 0). The file's frames are walked before Dask reads it
(losscli.io.detect.zstd_cut_short): exit 3, as on the local engine.

A .gz, .bz2 or .xz file: the decompressor's EOFError, met while the first rows were sampled, reached click,
which turns an EOFError into its Abort: "interrupted", exit 130. It is a reading error naming the file (exit 3),
as on the local engine."""

from __future__ import annotations

import bz2
import gzip
import lzma

import numpy as np
import pyarrow as pa
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
zstandard = pytest.importorskip("zstandard")


def test_a_cut_zst_is_refused_on_both_engines(tmp_path, capsys):
    rng = np.random.default_rng(2)
    rows = 60_000
    text = "label,p\n" + "".join(f"{y},{p:.6f}\n" for y, p in zip(rng.integers(0, 2, rows), rng.random(rows),
                                                                   strict=True))
    whole = tmp_path / "whole.csv.zst"
    with pa.CompressedOutputStream(str(whole), "zstd") as out:
        out.write(text.encode())
    cut = tmp_path / "cut.csv.zst"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size * 2 // 3])
    values = []
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", cut, "-q", "--engine", engine], capsys)
        assert code == 3 and out == "" and "cannot decompress (zstd)" in err, (engine, err)
        code, out, err = run_cli(["eval", "bce", whole, "-q", "--engine", engine], capsys)
        assert code == 0, (engine, err)
        values.append(float(out))
    assert values[0] == pytest.approx(values[1], rel=1e-12)


@pytest.mark.parametrize("suffix, compress", [(".gz", lambda d: gzip.compress(d, compresslevel=1)),
                                              (".bz2", lambda d: bz2.compress(d, 1)),
                                              (".xz", lambda d: lzma.compress(d, preset=0))])
def test_a_cut_gz_bz2_or_xz_is_a_reading_error_on_both_engines_not_an_interrupt(tmp_path, capsys, suffix, compress):
    # 4 MB of text: the cut lies beyond what is read to find the format, so Dask meets it while sampling rows
    rng = np.random.default_rng(3)
    rows = 200_000
    text = "label,p\n" + "".join(f"{y},{p!r}\n" for y, p in zip(rng.integers(0, 2, rows).tolist(),
                                                                   rng.random(rows).tolist(), strict=True))
    whole = compress(text.encode())
    cut = tmp_path / f"cut.csv{suffix}"
    cut.write_bytes(whole[: len(whole) // 2])
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", cut, "-q", "--engine", engine], capsys)
        assert code == 3 and out == "", (engine, code, err)
        assert "cut.csv" in err and "interrupted" not in err, (engine, err)
