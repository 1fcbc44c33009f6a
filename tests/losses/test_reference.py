"""losscli against independent reference values computed with PyTorch, torchvision, scikit-learn and Keras.

The values live in ``tests/reference/reference_values.json``, written by
``tests/reference/generate_reference.py`` (see its docstring to regenerate them). This module only reads
the JSON: neither torch nor Keras is needed to run it. Each case names the peer call(s) it came from in
its ``source`` field, which is printed when a case fails.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

import losscli

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "reference_values.json"
DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
FIELDS = {
    "id",
    "loss",
    "params",
    "convention",
    "reduction",
    "y_true",
    "y_pred",
    "sample_weight",
    "expected_per_sample",
    "expected_value",
    "rtol",
    "atol",
    "source",
}


def _describe(case: dict) -> str:
    return (
        f"{case['id']}: {case['loss']}({case['params']}) convention={case['convention']} "
        f"reduction={case['reduction']}\n  source: {case['source']}"
    )


def test_reference_file_is_well_formed():
    assert DATA["versions"]["torch"] and DATA["versions"]["keras"] and DATA["versions"]["scikit-learn"]
    ids = [c["id"] for c in CASES]
    assert len(ids) == len(set(ids)), "case ids must be unique"
    for case in CASES:
        assert set(case) == FIELDS, case["id"]
        assert case["convention"] in {"losscli", "torch", "keras", "sklearn"}, case["id"]
        assert case["reduction"] in {"mean", "sum", "mean_over_n"}, case["id"]
        assert case["expected_per_sample"] is not None or case["expected_value"] is not None, case["id"]
        if case["expected_per_sample"] is not None:
            assert len(case["expected_per_sample"]) == len(case["y_pred"]), case["id"]
        if case["sample_weight"] is not None:
            assert len(case["sample_weight"]) == len(case["y_pred"]), case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_matches_reference(case: dict):
    sample_weight = (
        None if case["sample_weight"] is None else np.asarray(case["sample_weight"], dtype=np.float64)
    )
    result = losscli.evaluate(
        case["loss"],
        np.array(case["y_true"]),
        np.array(case["y_pred"]),
        sample_weight=sample_weight,
        convention=case["convention"],
        reduction=case["reduction"],
        **case["params"],
    )
    rtol, atol = case["rtol"], case["atol"]
    if case["expected_per_sample"] is not None:
        per_sample = np.asarray(result.per_sample, dtype=np.float64)
        np.testing.assert_allclose(
            per_sample,
            np.asarray(case["expected_per_sample"], dtype=np.float64),
            rtol=rtol,
            atol=atol,
            err_msg="per_sample differs\n" + _describe(case),
        )
    expected = case["expected_value"]
    if expected is None:
        return
    value = float(result.value)
    if expected == "nan":
        assert math.isnan(value), f"expected NaN, got {value!r}\n" + _describe(case)
    else:
        np.testing.assert_allclose(
            value, float(expected), rtol=rtol, atol=atol, err_msg="value differs\n" + _describe(case)
        )
