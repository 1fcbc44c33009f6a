"""Word/byte perplexity and bits per byte (lm-evaluation-harness's definitions) and equal-mass calibration
bins (scikit-learn ``calibration_curve(strategy='quantile')``) against the reference values.

The values live in ``tests/reference/lm_calibration_reference_values.json``, written by
``tests/reference/generate_lm_calibration_reference.py``; each case names where it came from. Every case runs
through the Python API and through the command line from NPY and from CSV files; the cases with documents
also run per document (``--group-col``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "lm_calibration_reference_values.json"
DATA = json.loads(REFERENCE.read_text(encoding="utf-8"))
CASES = DATA["cases"]
IDS = [c["id"] for c in CASES]
GROUPED = [c for c in CASES if "groups" in c]


def _close(got, expected, case, what):
    np.testing.assert_allclose(np.asarray(got, dtype=float), np.asarray(expected, dtype=float), rtol=case["rtol"],
                               atol=case["atol"], err_msg=f"{case['id']} ({what}); source: {case['source']}")


def _check_doc(doc: dict, case: dict, what: str, tables: bool = True) -> None:
    _close(doc["value"], case["expected_value"], case, what)
    for key, expected in case["expected"].items():
        if "." in key:
            if not tables:
                continue
            table, column = key.split(".")
            got = [row[column] for row in doc[table]]
        else:
            got = doc[key]
        _close(got, expected, case, f"{what}: {key}")
        if key in ("words", "bytes"):
            assert isinstance(got, int) and got == expected, (case["id"], key)


def test_reference_file_is_well_formed():
    assert DATA["versions"]["scikit-learn"] and DATA["versions"]["torch"]
    assert len(IDS) == len(set(IDS))
    assert {c["params"].get("strategy") for c in CASES if c["loss"] in ("ece", "mce", "rmsce")} == {"quantile"}
    assert sum("words" in c for c in CASES) >= 6


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_api_matches_reference(case: dict):
    result = losscli.evaluate(case["loss"], np.array(case["y_true"]), np.array(case["y_pred"]),
                              word_counts=case.get("words"), byte_counts=case.get("bytes"), **case["params"])
    _check_doc(result.summary(), case, "API")


def _loss(case: dict) -> str:
    params = ", ".join(f"{k}={v!r}" for k, v in case["params"].items())
    return f"{case['loss']}({params})" if params else case["loss"]


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_npy_matches_reference(case: dict, tmp_path, capsys):
    y, p = np.array(case["y_true"]), np.array(case["y_pred"])
    p2 = p.reshape(p.shape[0], -1)
    k = p2.shape[1]
    counts = [np.array(case[c], dtype=np.float64) for c in ("words", "bytes") if c in case]
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "p.npy", np.column_stack([p2, *counts]) if counts else p)
    args = ["eval", _loss(case), "--labels", tmp_path / "y.npy", "--preds", tmp_path / "p.npy", "--json",
            "--summary-only"]
    if counts:
        args += ["--pred-cols", f"1:{k}", "--words-col", str(k + 1), "--bytes-col", str(k + 2)]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    _check_doc(json.loads(out), case, "CLI, NPY")


def _csv(case: dict, path: Path, *, groups: bool = False) -> list[str]:
    y, p = np.array(case["y_true"]), np.array(case["y_pred"])
    p2 = p.reshape(p.shape[0], -1)
    pred_cols = [f"p{j}" for j in range(p2.shape[1])] if p2.shape[1] > 1 else ["p"]
    extra = [c for c in ("words", "bytes") if c in case] + (["doc"] if groups else [])
    lines = [",".join(["label", *pred_cols, *extra])]
    for i in range(y.shape[0]):
        cells = [str(int(y[i])), *(repr(float(v)) for v in p2[i])]
        cells += [str(case[c][i]) for c in ("words", "bytes") if c in case]
        cells += [case["groups"][i]] if groups else []
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    args = ["--label-cols", "label", "--pred-cols", ",".join(pred_cols)]
    if "words" in case:
        args += ["--words-col", "words", "--bytes-col", "bytes"]
    return args


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_cli_from_csv_matches_reference(case: dict, tmp_path, capsys):
    path = tmp_path / "data.csv"
    args = ["eval", _loss(case), path, *_csv(case, path), "--json", "--summary-only"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    _check_doc(json.loads(out), case, "CLI, CSV")


@pytest.mark.parametrize("case", GROUPED, ids=[c["id"] for c in GROUPED])
def test_per_document_values_sit_beside_the_corpus_ones(case: dict, tmp_path, capsys):
    path = tmp_path / "tokens.csv"
    args = ["eval", _loss(case), path, *_csv(case, path, groups=True), "--group-col", "doc", "--json",
            "--summary-only"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    doc = json.loads(out)
    _check_doc(doc, case, "CLI, CSV, corpus")
    groups = {g["group"]: g for g in doc["by_group"]["groups"]}
    assert set(groups) == set(case["expected_groups"])
    bits = case["params"].get("unit") == "bits"
    for name, expected in case["expected_groups"].items():
        for key, value in expected.items():
            _close(groups[name][key], value, case, f"group {name}: {key}")
        assert groups[name]["words"] == expected["words"] and groups[name]["bytes"] == expected["bytes"]
        nll = groups[name]["sum"] * (math.log(2) if bits else 1.0)
        _close(groups[name]["word_perplexity"], math.exp(nll / groups[name]["words"]), case, f"group {name}")
    # the corpus value is not the mean of the documents' values
    per_doc = [g["word_perplexity"] for g in groups.values()]
    assert doc["word_perplexity"] != pytest.approx(float(np.mean(per_doc)), rel=1e-6)
