"""float16 and float32 predictions keep their type through every reader, so scikit-learn's clip at the eps
of the dtype applies as it does in ``log_loss``.

Expected values are scikit-learn's ``log_loss`` on the float16 / float32 arrays
(tests/reference/float16_reference.json, written by tests/reference/generate_float16_reference.py);
scikit-learn computes in that dtype, so they hold its digits (rtol 2e-3 for float16, 2e-6 for float32),
while losscli's value is the same formula in float64: equal to the Python API's on the same array.
Probabilities of 0 and 1 make the clip decide the value (clipped at float64's eps they would give about
twice scikit-learn's float16 number).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

import losscli

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "float16_reference.json"
CASES = json.loads(REFERENCE.read_text(encoding="utf-8"))["cases"]
ARROW = {"float16": pa.float16(), "float32": pa.float32()}


def _arrays(case: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(case["y_true"]), np.array(case["y_pred"]).astype(case["dtype"])


def _files(case: dict, tmp_path: Path) -> dict[str, list]:
    """The case's arrays as NPY, Parquet, Feather and Parquet list files: file kind → CLI arguments."""
    y, p = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    files = {"npy": ["--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy"]}
    if p.ndim == 1:
        pq.write_table(pa.table({"label": y, "p": pa.array(p, type=ARROW[case["dtype"]])}), tmp_path / "d.parquet")
        pd.DataFrame({"label": y, "p": p}).to_feather(tmp_path / "d.feather")
        files.update(parquet=[tmp_path / "d.parquet"], feather=[tmp_path / "d.feather"])
    else:
        offsets = pa.array(np.arange(0, p.size + 1, p.shape[1], dtype=np.int32))
        rows = pa.ListArray.from_arrays(offsets, pa.array(p.ravel(), type=ARROW[case["dtype"]]))
        pq.write_table(pa.table({"label": y, "proba": rows}), tmp_path / "l.parquet")
        files["parquet-list"] = [tmp_path / "l.parquet"]
    return files


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_every_reader_clips_at_the_eps_of_the_dtype(case: dict, tmp_path, capsys):
    y, p = _arrays(case)
    loss = "bce" if p.ndim == 1 else "cce"
    api = losscli.evaluate(loss, y, p, convention="sklearn").value
    np.testing.assert_allclose(api, case["expected_value"], rtol=case["rtol"], err_msg=case["source"])
    for kind, args in _files(case, tmp_path).items():
        code, out, err = run_cli(["eval", loss, *args, "--convention", "sklearn", "-q"], capsys)
        assert code == 0, (kind, err)
        np.testing.assert_allclose(float(out), api, rtol=1e-13, err_msg=f"{kind}: {case['source']}")
