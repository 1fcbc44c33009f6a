"""Per-sample values on stdout keep each value's input row under ``--nan skip``: the JSON's ``per_sample`` comes
with ``index`` (as ``--nl`` and ``--csv`` write it), and ``-q --reduction none`` prints one line per input row,
``nan`` at a skipped one, as ``-o losses.npy`` holds them."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from cli_helpers import run_cli

Y = np.array([0.0, 1.0, 0.0, 1.0, 1.0, 0.0])
P = np.array([np.nan, 0.2, 0.3, np.nan, 0.6, np.nan])  # rows 0, 3 and 5 (the last) are skipped
KEPT = [1, 2, 4]


@pytest.fixture
def data(tmp_path):
    path = tmp_path / "d.csv"
    cells = ("nan" if np.isnan(p) else repr(float(p)) for p in P)
    path.write_text("y,p\n" + "".join(f"{y:g},{p}\n" for y, p in zip(Y, cells, strict=True)))
    return path


def _bce() -> np.ndarray:
    return -(Y * np.log(P) + (1 - Y) * np.log1p(-P))


def test_quiet_per_sample_values_are_one_line_per_input_row(data, capsys):
    code, out, err = run_cli(["eval", "bce", data, "--nan", "skip", "--reduction", "none", "-q"], capsys)
    assert code == 0, err
    lines = [float(v) for v in out.split()]
    assert len(lines) == len(Y) and all(math.isnan(lines[i]) for i in (0, 3, 5))
    np.testing.assert_allclose([lines[i] for i in KEPT], _bce()[KEPT], rtol=1e-12)


@pytest.mark.parametrize("loss", ["bce", "bce,brier"])
def test_json_per_sample_comes_with_the_input_rows(data, capsys, loss):
    code, out, err = run_cli(["eval", loss, data, "--nan", "skip", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    first = doc[0] if isinstance(doc, list) else doc
    assert first["index"] == KEPT and first["skipped"] == 3
    np.testing.assert_allclose(first["per_sample"], _bce()[KEPT], rtol=1e-12)
    code, out, _ = run_cli(["eval", "bce", data, "--nan", "skip", "--nl"], capsys)
    assert [json.loads(line)["index"] for line in out.splitlines()] == first["index"]


def test_json_without_skipped_rows_has_no_index(data, tmp_path, capsys):
    whole = tmp_path / "w.csv"
    whole.write_text("y,p\n0,0.2\n1,0.7\n")
    code, out, _ = run_cli(["eval", "bce", whole, "--nan", "skip", "--json"], capsys)
    assert code == 0 and "index" not in json.loads(out)
