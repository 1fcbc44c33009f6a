"""Summary metrics, calibration, perplexity and binary ``predict_proba`` input against values computed by
scikit-learn, torchmetrics and torch.

The values live in ``tests/reference/metric_reference_values.json``, written by
``tests/reference/generate_metric_reference.py``; each case names the peer call it came from. Every case
runs through the Python API and through the command line, from NPY and from CSV files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "metric_reference_values.json"
DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
IDS = [c["id"] for c in CASES]


def _check(value: float | None, case: dict, how: str) -> None:
    expected = case["expected_value"]
    where = f"{case['id']} ({how}); source: {case['source']}"
    if expected is None:
        return
    if expected == "nan":
        assert value is None or math.isnan(value), where
    else:
        assert value is not None, where
        np.testing.assert_allclose(value, expected, rtol=case["rtol"], atol=case["atol"], err_msg=where)


def _arrays(case: dict) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    sw = case["sample_weight"]
    return np.array(case["y_true"]), np.array(case["y_pred"]), None if sw is None else np.array(sw)


def test_reference_file_is_well_formed():
    assert DATA["versions"]["scikit-learn"]
    assert len(IDS) == len(set(IDS))
    assert DATA["versions"]["torchmetrics"]
    for case in CASES:
        spec = losscli.get_loss(case["loss"])
        assert spec.summary is not None or spec.perplexity or spec.one_hot_labels, case["id"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_matches_reference(case: dict):
    y, p, sw = _arrays(case)
    result = losscli.evaluate(case["loss"], y, p, sample_weight=sw, convention=case["convention"], **case["params"])
    _check(result.value, case, "API")
    for key, expected in case["expected"].items():
        if "." in key:
            table, column = key.split(".")
            got = [row[column] for row in result.summary()[table]]
        else:
            got = result.summary()[key]
        np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float),
                                   rtol=case["rtol"], atol=case["atol"], err_msg=f"{case['id']}: {key}")


def _loss(case: dict) -> str:
    """The loss with its parameters as a loss expression: ``ece(n_bins=2, from_logits=True)``."""
    params = ", ".join(f"{k}={v!r}" for k, v in case["params"].items())
    return f"{case['loss']}({params})" if params else case["loss"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_npy_matches_reference(case: dict, tmp_path, capsys):
    y, p, sw = _arrays(case)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", p)
    args = ["eval", _loss(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy",
            "--convention", case["convention"], "--format", "json"]
    if sw is not None:
        np.save(tmp_path / "w.npy", sw)
        args += ["--weights", tmp_path / "w.npy"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    _check(json.loads(out)["value"], case, "CLI, NPY")


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_csv_matches_reference(case: dict, tmp_path, capsys):
    y, p, sw = _arrays(case)
    p2 = p.reshape(p.shape[0], -1)
    y2 = y.reshape(y.shape[0], -1)
    label_cols = [f"y{k}" for k in range(y2.shape[1])] if y2.shape[1] > 1 else ["y"]
    pred_cols = [f"p{k}" for k in range(p2.shape[1])] if p2.shape[1] > 1 else ["p"]
    header = label_cols + pred_cols + (["w"] if sw is not None else [])
    labels = [[repr(float(v)) if y2.dtype.kind == "f" else str(int(v)) for v in row] for row in y2]
    rows = [[*labels[i], *(repr(float(v)) for v in p2[i]), *([repr(float(sw[i]))] if sw is not None else [])]
            for i in range(y2.shape[0])]
    path = tmp_path / "data.csv"
    path.write_text(",".join(header) + "\n" + "\n".join(",".join(r) for r in rows) + "\n")
    args = ["eval", _loss(case), path, "--label-cols", ",".join(label_cols), "--pred-cols", ",".join(pred_cols),
            "--convention", case["convention"], "--format", "json"]
    if sw is not None:
        args += ["--weight-col", "w"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    _check(json.loads(out)["value"], case, "CLI, CSV")


def test_d2_log_loss_counts_the_probabilities_it_clips():
    """d2_log_loss clipped p = 0 and 1 at the dtype's eps, as scikit-learn does, but reported clipped = 0."""
    r = losscli.evaluate("d2_log_loss", [1, 0, 1, 0], np.array([1.0, 0.0, 0.0, 0.25]))
    assert r.clipped == 3
