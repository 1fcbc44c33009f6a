"""A struct column under --engine dask: Spark ML's predictions.write.parquet stores a model's probability as a
struct (a VectorUDT) beside its hard prediction. pandas reads the struct as dicts, which the Dask engine left out
as text, scoring the 0/1 prediction column as the probabilities (18.02 for 1.00, exit 0) where the local
engine refuses the file; both now refuse it alike, with the conversion that gives the number."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

pytest.importorskip("dask.dataframe")
pytest.importorskip("dask.distributed")
pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

Y = np.array([1, 0, 0, 1, 1, 0, 1, 0])
P = np.array([0.9, 0.2, 0.35, 0.6, 0.45, 0.1, 0.8, 0.7])
VECTOR = pa.struct([("type", pa.int8()), ("size", pa.int32()), ("indices", pa.list_(pa.int32())),
                    ("values", pa.list_(pa.float64()))])


def test_a_spark_vector_column_is_refused_by_both_engines(tmp_path, capsys):
    rows = [{"type": 1, "size": None, "indices": None, "values": [1 - p, p]} for p in P]
    out = tmp_path / "predictions"
    out.mkdir()
    pq.write_table(pa.table({"label": pa.array(Y.astype(np.float64)), "probability": pa.array(rows, VECTOR),
                             "prediction": pa.array((P > 0.5).astype(np.float64))}),
                   out / "part-00000-1b2c-c000.snappy.parquet")
    (out / "_SUCCESS").write_bytes(b"")
    for engine in ("local", "dask"):
        code, stdout, err = run_cli(["eval", "bce", str(out), "--engine", engine, "-q"], capsys)
        assert code == 3, (engine, stdout)
        assert "'probability'" in err and "vector_to_array('probability')" in err, engine
        assert "--pred-cols 'probability[1]'" in err
    # the hint: the vector as an array column, read by the local engine (Dask reads one value per column)
    pq.write_table(pa.table({"label": pa.array(Y.astype(np.float64)),
                             "probability": pa.array([r["values"] for r in rows], pa.list_(pa.float64())),
                             "prediction": pa.array((P > 0.5).astype(np.float64))}), tmp_path / "a.parquet")
    code, stdout, err = run_cli(["eval", "bce", str(tmp_path / "a.parquet"), "--pred-cols", "probability[1]", "-q"],
                                capsys)
    assert code == 0, err
    assert float(stdout) == pytest.approx(-np.mean(Y * np.log(P) + (1 - Y) * np.log1p(-P)), rel=1e-14)
