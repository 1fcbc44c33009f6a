"""Spark ML's vector columns in Parquet: ``predictions.write.parquet(path)`` stores a model's ``probability``
(a VectorUDT) as a struct of ``type``, ``size``, ``indices`` and ``values``, dense or sparse row by row. It is
refused with the conversion Spark offers, and the converted column gives the number."""

from __future__ import annotations

import numpy as np
import pytest
from cli_helpers import run_cli

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

Y = np.array([2, 0, 1, 1, 0])
P = np.array([[0.1, 0.2, 0.7], [0.6, 0.3, 0.1], [0.0, 0.9, 0.1], [0.25, 0.5, 0.25], [0.5, 0.0, 0.5]])
VECTOR = pa.struct([("type", pa.int8()), ("size", pa.int32()), ("indices", pa.list_(pa.int32())),
                    ("values", pa.list_(pa.float64()))])


def vector(row: np.ndarray) -> dict:
    """A row as Spark stores a vector: sparse (type 0) where it holds a zero, as Spark compresses it, else dense."""
    if (row == 0).any():
        kept = np.flatnonzero(row)
        return {"type": 0, "size": len(row), "indices": kept.tolist(), "values": row[kept].tolist()}
    return {"type": 1, "size": None, "indices": None, "values": row.tolist()}


def test_a_spark_ml_vector_is_refused_with_vector_to_array_and_the_array_gives_the_number(tmp_path, capsys):
    label = pa.array(Y.astype(np.float64))
    pq.write_table(pa.table({"label": label, "probability": pa.array([vector(r) for r in P], VECTOR),
                             "prediction": pa.array(P.argmax(axis=1).astype(np.float64))}), tmp_path / "v.parquet")
    code, _, err = run_cli(["eval", "scce", str(tmp_path / "v.parquet"), "-q"], capsys)
    assert code == 3
    assert "column 'probability'" in err and "Spark ML vector" in err
    assert "vector_to_array('probability')" in err and "--pred-cols probability" in err
    # the hint: vector_to_array writes every row dense, an array<double> of the vector's size
    pq.write_table(pa.table({"label": label, "probability": pa.array(P.tolist(), pa.list_(pa.float64())),
                             "prediction": pa.array(P.argmax(axis=1).astype(np.float64))}), tmp_path / "a.parquet")
    code, out, err = run_cli(["eval", "scce", str(tmp_path / "a.parquet"), "--pred-cols", "probability", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-np.mean(np.log(P[np.arange(len(Y)), Y])), rel=1e-14)
