"""The reference values of tests/reference/, reached through the command line from NPY and from CSV."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from losscli.cli import main

CASES = json.loads((Path(__file__).resolve().parents[1] / "reference" / "reference_values.json").read_text())["cases"]
OPTION = {"label_smoothing": "--label-smoothing", "class_weights": "--class-weights", "pos_weight": "--pos-weight",
          "ignore_index": "--ignore-index", "gamma": "--gamma", "alpha": "--alpha", "delta": "--delta",
          "beta": "--beta", "q": "--q"}
# Every loss, under every convention it has cases for, with weights where a case has them, every
# reduction; and every set of parameters once.
SELECTED = {}
for case in CASES:
    key = (case["loss"], case["convention"], case["sample_weight"] is not None, case["reduction"])
    SELECTED.setdefault(key, case)
for case in CASES:
    key = (case["loss"], case["convention"], json.dumps(case["params"], sort_keys=True))
    if not any((c["loss"], c["convention"], json.dumps(c["params"], sort_keys=True)) == key for c in SELECTED.values()):
        SELECTED[key] = case


def _args(case: dict, paths: dict[str, Path]) -> list[str]:
    """Parameters with an option of their own as that option, the others inline: ``loss(p=2, margin=0.5)``."""
    inline = {k: v for k, v in case["params"].items() if k not in OPTION and k not in ("from_logits", "log_probs")}
    loss = case["loss"] + (f"({', '.join(f'{k}={v!r}' for k, v in inline.items())})" if inline else "")
    args = ["eval", loss, "--labels", str(paths["y"]), "--preds", str(paths["p"]), "--json",
            "--convention", case["convention"], "--reduction", case["reduction"]]
    if "w" in paths:
        args += ["--weights", str(paths["w"])]
    for name, value in case["params"].items():
        if name == "from_logits":
            args.append("--logits" if value else "--probs")
        elif name == "log_probs":
            args += ["--log-probs"] if value else []
        elif name in OPTION and value is not None:
            args += [OPTION[name], ",".join(repr(float(v)) for v in value) if isinstance(value, list) else str(value)]
    return args


def _write(case: dict, tmp: Path, fmt: str) -> dict[str, Path]:
    arrays = {"y": np.asarray(case["y_true"]), "p": np.asarray(case["y_pred"], dtype=np.float64)}
    if case["sample_weight"] is not None:
        arrays["w"] = np.asarray(case["sample_weight"], dtype=np.float64)
    paths = {}
    for key, a in arrays.items():
        path = tmp / f"{key}.{fmt}"
        if fmt == "npy":
            np.save(path, a)
        else:
            a2 = a if a.ndim == 2 else a[:, None]
            header = ",".join(f"{key}{j}" for j in range(a2.shape[1])) if a2.shape[1] > 1 else key
            body = "\n".join(",".join(repr(v.item()) for v in row) for row in a2)
            path.write_text(header + "\n" + body + "\n")
        paths[key] = path
    return paths


@pytest.mark.parametrize("fmt", ["npy", "csv"])
@pytest.mark.parametrize("case", list(SELECTED.values()), ids=lambda c: c["id"])
def test_reference_through_cli(case, fmt, tmp_path, capsys):
    paths = _write(case, tmp_path, fmt)
    with pytest.raises(SystemExit) as info:
        main(_args(case, paths))
    out = capsys.readouterr()
    assert info.value.code == 0, out.err
    doc = json.loads(out.out)
    rtol, atol = max(case["rtol"], 1e-15), case["atol"]
    if case["expected_per_sample"] is not None:
        np.testing.assert_allclose(doc["per_sample"], case["expected_per_sample"], rtol=rtol, atol=atol)
    expected = case["expected_value"]
    if expected == "nan":
        assert doc["value"] is None
    elif expected is not None:
        assert math.isclose(doc["value"], expected, rel_tol=rtol, abs_tol=atol)
