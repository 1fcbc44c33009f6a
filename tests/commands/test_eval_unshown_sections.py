"""``--ci``, ``--by-class`` and ``--group-col`` add sections to the report: beside ``-q`` or a per-sample format,
with no gate on them and no side report, they were computed and shown nowhere (exit 0); now a usage error
whose hint (a report that shows them) gives them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

Y = np.array([0, 1, 1, 0, 1, 0, 0, 1], dtype=float)
P = np.array([0.2, 0.7, 0.9, 0.4, 0.6, 0.1, 0.3, 0.8])


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.csv"
    path.write_text("label,p,region\n" + "".join(f"{y:g},{float(p)!r},{'ab'[i % 2]}\n"
                                                  for i, (y, p) in enumerate(zip(Y, P, strict=True))))
    return path


def _losses() -> np.ndarray:
    return -(Y * np.log(P) + (1 - Y) * np.log1p(-P))


@pytest.mark.parametrize("section,key", [(["--ci", "0.9"], "ci"), (["--by-class"], "by_class"),
                                         (["--group-col", "region"], "by_group")])
@pytest.mark.parametrize("fmt", [["-q"], ["--csv"], ["--nl"]])
def test_a_section_no_output_shows_is_refused_and_the_hint_gives_it(data, section, key, fmt, capsys):
    args = ["eval", "bce", data, "--label-cols", "label", "--pred-cols", "p"]
    code, out, err = run_cli([*args, *section, *fmt], capsys)
    assert code == 2 and out == ""
    assert f"{section[0]} adds" in err and "shown nowhere" in err and "--json" in err and err.count("\n") == 1
    code, out, err = run_cli([*args, *section, "--json"], capsys)  # the hint
    doc = json.loads(out)
    assert code == 0 and key in doc and doc["value"] == pytest.approx(float(_losses().mean()), rel=1e-12)
    if key == "by_group":
        means = {g["group"]: g["mean"] for g in doc["by_group"]["groups"]}
        assert means == pytest.approx({"a": float(_losses()[::2].mean()), "b": float(_losses()[1::2].mean())})


def test_a_gate_or_a_side_report_uses_them(data, tmp_path, capsys):
    args = ["eval", "bce", data, "--label-cols", "label", "--pred-cols", "p"]
    code, out, err = run_cli([*args, "--group-col", "region", "--max-group", "5", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(float(_losses().mean()), rel=1e-12), err
    code, _, err = run_cli([*args, "--ci", "0.9", "-q", "--openmetrics", tmp_path / "m.txt"], capsys)
    assert code == 0 and "losscli_loss_ci_low" in (tmp_path / "m.txt").read_text(), err
