"""Hugging Face ``datasets`` files name a ``ClassLabel`` column's classes in the schema's metadata: label k is
class ``names[k]``. Beside prediction columns named for those classes in another order (``pos, neg, neu``),
the labels were paired with the columns by place (1.647 for scikit-learn's 1.464, exit 0); they are paired by
the names, on both engines, with a note."""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import log_loss, run_cli

from losscli.io.parquet import class_label_names

NAMES = ["neg", "neu", "pos"]


def _table(columns: list[str], seed: int = 0) -> tuple[pa.Table, float]:
    rng = np.random.default_rng(seed)
    y, p = rng.integers(0, 3, 60), rng.dirichlet([1, 1, 1], 60)  # p's columns: neg, neu, pos
    features = {"label": {"names": NAMES, "_type": "ClassLabel"}, **{c: {"dtype": "float64", "_type": "Value"}
                                                                     for c in columns}}
    meta = {b"huggingface": json.dumps({"info": {"features": features}}).encode()}
    by_name = {f"p_{n}": p[:, k] for k, n in enumerate(NAMES)} | {n: p[:, k] for k, n in enumerate(NAMES)}
    table = pa.table({"label": y, **{c: by_name[c] for c in columns}}).replace_schema_metadata(meta)
    return table, log_loss(y, p)


@pytest.mark.parametrize("fmt", ["arrow", "parquet"])
@pytest.mark.parametrize("columns", [["pos", "neg", "neu"], ["p_neu", "p_pos", "p_neg"]])
def test_class_numbers_are_paired_by_their_names(tmp_path, capsys, fmt, columns):
    table, ref = _table(columns)
    f = tmp_path / f"cl.{fmt}"
    if fmt == "arrow":
        with pa.ipc.new_stream(str(f), table.schema) as w:
            w.write_table(table)
    else:
        pq.write_table(table, f)
    engines = ["local", "dask"] if fmt == "parquet" and pytest.importorskip("dask.dataframe") else ["local"]
    for engine in engines:
        code, out, err = run_cli(["eval", "scce", f, "--engine", engine, "--json"], capsys)
        doc = json.loads(out)
        assert code == 0 and doc["value"] == pytest.approx(ref, rel=1e-12), (engine, err)
        assert any("by the file's ClassLabel names: 0 → " in n for n in doc["inputs"]["notes"]), engine


def test_the_metadata_is_read_only_as_written():
    table, _ = _table(["neg", "neu", "pos"])
    assert class_label_names(table.schema) == {"label": NAMES}
    for meta in ({b"huggingface": b"not json"}, {b"huggingface": b'{"info": 3}'}, {},
                 {b"huggingface": json.dumps({"info": {"features": {"label": {"_type": "Value"}}}}).encode()},
                 {b"huggingface": json.dumps({"info": {"features": {"other": {"_type": "ClassLabel",
                                                                              "names": NAMES}}}}).encode()}):
        assert class_label_names(table.schema.with_metadata(meta)) == {}


def test_columns_in_the_names_order_keep_ignore_index(tmp_path, capsys):
    """Columns in the ClassLabel names' order are class indices as they are: ignore_index (-100) still applies
    (mapped by the names, -100 was "not one of the classes")."""
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(7)
    y, z = rng.integers(0, 3, 12), rng.normal(size=(12, 3))
    y[[2, 5]] = -100
    meta = {b"huggingface": json.dumps({"info": {"features": {"label": {"_type": "ClassLabel",
                                                                        "names": NAMES}}}}).encode()}
    table = pa.table({"label": y, **{n: z[:, k] for k, n in enumerate(NAMES)}}).replace_schema_metadata(meta)
    pq.write_table(table, tmp_path / "hf.parquet")
    code, out, err = run_cli(["eval", "scce(ignore_index=-100)", "--logits", tmp_path / "hf.parquet", "-q"], capsys)
    ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y), ignore_index=-100).item()
    assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err
