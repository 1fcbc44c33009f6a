"""A .zst file cut short on the Dask engine: fsspec's zstd reader (zstandard's stream_reader) ends quietly at the
cut, and 98,589 of 200,000 rows were scored (exit 0). The file's frames are walked before Dask reads it
(losscli.io.detect.zstd_cut_short): exit 3, as on the local engine."""

from __future__ import annotations

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
