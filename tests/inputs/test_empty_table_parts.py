"""Parts of a dataset that name their columns and hold no rows: Spark writes its first part (part-00000) even
when that partition is empty, a Parquet file of the schema and no rows; such a part adds no rows."""

from __future__ import annotations

import itertools
import json
import os
import uuid

import numpy as np
import pytest
from cli_helpers import run_cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")
feather = pytest.importorskip("pyarrow.feather")

N = 60


def spark_parquet(path, table, bounds, ext=".snappy.parquet"):
    """As ``df.write.parquet(path)`` lays it out when partition 0 is empty (a file of the schema alone), with
    checksums and ``_SUCCESS``."""
    os.makedirs(path)
    job = uuid.uuid4()
    for i, (a, b) in enumerate(itertools.pairwise(bounds)):
        name = f"part-{i:05d}-{job}-c000{ext}"
        part = table.slice(a, b - a)
        if ext.endswith(".parquet"):
            pq.write_table(part, os.path.join(path, name), compression="snappy")
        else:
            feather.write_feather(part, os.path.join(path, name))
        (path / f".{name}.crc").write_bytes(b"crc\0")
    (path / "_SUCCESS").write_bytes(b"")


@pytest.fixture
def data():
    rng = np.random.default_rng(11)
    y = rng.integers(0, 3, N)
    p = rng.dirichlet(np.ones(3), N)
    return y, p


def test_a_spark_parquet_part_without_rows_adds_none(tmp_path, data, capsys):
    y, p = data
    table = pa.table({"label": pa.array(y % 2, pa.int32()), "prob": pa.array(p[:, 0])})
    spark_parquet(tmp_path / "out", table, [0, 0, 25, 25, N])  # part-00000 and part-00002 hold no rows
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "out"), "--json", "--summary-only"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    b = (y % 2).astype(float)
    expected = -np.mean(b * np.log(p[:, 0]) + (1 - b) * np.log1p(-p[:, 0]))
    assert doc["n"] == N
    assert doc["value"] == pytest.approx(expected, rel=1e-12)
    assert any("has columns and no rows" in n for n in doc["inputs"]["notes"])
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "out" / "*.parquet"), "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)


def test_an_empty_part_of_list_columns_and_an_empty_arrow_part(tmp_path, data, capsys):
    y, p = data
    table = pa.table({"label": pa.array(y, pa.int32()), "probs": pa.array(p.tolist(), pa.list_(pa.float64()))})
    expected = -np.mean(np.log(p[np.arange(N), y]))
    for ext in (".snappy.parquet", ".arrow"):
        out_dir = tmp_path / ext.strip(".")
        spark_parquet(out_dir, table, [0, 0, 30, N], ext=ext)
        code, out, err = run_cli(["eval", "scce", str(out_dir), "-q"], capsys)
        assert code == 0, (ext, err)
        assert float(out) == pytest.approx(expected, rel=1e-12)


def test_an_empty_part_of_other_columns_and_a_lone_empty_file_are_refused(tmp_path, data, capsys):
    y, p = data
    table = pa.table({"label": pa.array(y % 2, pa.int32()), "prob": pa.array(p[:, 0])})
    spark_parquet(tmp_path / "out", table, [0, N])
    pq.write_table(pa.table({"label": pa.array([], pa.int32()), "score": pa.array([], pa.float64())}),
                   tmp_path / "out" / "part-00001-x-c000.snappy.parquet")
    code, _, err = run_cli(["eval", "bce", str(tmp_path / "out"), "-q"], capsys)
    assert code == 3
    assert "no rows, and its columns label, score are not those of" in err
    code, _, err = run_cli(["eval", "bce", str(tmp_path / "out" / "part-00001-x-c000.snappy.parquet"), "-q"], capsys)
    assert code == 3
    assert "has columns but no rows" in err


@pytest.mark.parametrize("ext", [".csv.gz", ".json.gz"])
def test_a_compressed_part_of_no_bytes_adds_no_rows(tmp_path, data, ext, capsys):
    """``df.write.option("compression", "gzip").csv(path)`` (header off, Spark's default) writes an empty
    partition 0 as a gzip stream of nothing: 20 bytes on disk, no content. It was refused ('... is empty')."""
    import gzip

    y, p = data
    b = (y % 2).astype(float)
    if ext == ".csv.gz":
        rows = [f"{a},{q!r}\n" for a, q in zip((y % 2).tolist(), p[:, 0].tolist(), strict=True)]
    else:
        rows = [json.dumps({"label": a, "prob": q}) + "\n" for a, q in zip((y % 2).tolist(), p[:, 0].tolist(),
                                                                           strict=True)]
    out = tmp_path / "out"
    out.mkdir()
    for i, part in enumerate([[], rows[:20], rows[20:]]):
        (out / f"part-{i:05d}-{uuid.uuid4()}-c000{ext}").write_bytes(gzip.compress("".join(part).encode()))
    (out / "_SUCCESS").write_bytes(b"")
    expected = -np.mean(b * np.log(p[:, 0]) + (1 - b) * np.log1p(-p[:, 0]))
    args = ["--label-cols", "1"] if ext == ".csv.gz" else []
    for given in (str(out), str(out / f"*{ext}")):
        code, out_text, err = run_cli(["eval", "bce", given, *args, "--json", "--summary-only"], capsys)
        assert code == 0, err
        doc = json.loads(out_text)
        assert doc["n"] == N
        assert doc["value"] == pytest.approx(expected, rel=1e-12)
        assert any("holds nothing (an empty part, compressed)" in n for n in doc["inputs"]["notes"])
