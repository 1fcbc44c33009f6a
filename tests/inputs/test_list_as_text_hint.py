"""A list column written as text: datasets' ``Dataset.to_csv`` (pandas' ``to_csv`` underneath) writes a row's
logits as NumPy prints them, ``[ 0.07  4.6 -1.5]``, and a list of Python floats as ``"[0.1, 0.2]"``. No number
can be read from it: the error says what it is and how to write the file so that the list's numbers are kept."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

LOGITS = np.array([[0.07277869, 4.6374626, 1.6353166, -1.5156863],
                   [-0.5485169, 1.6215754, 5.805264, -0.808861],
                   [2.25, -0.5, 0.125, 1.0]])
LABELS = [3, 0, 2]


def cross_entropy() -> float:
    """torch's cross_entropy of the logits and labels (mean), in float64."""
    shifted = LOGITS - LOGITS.max(axis=1, keepdims=True)
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return float(-np.mean(log_p[np.arange(len(LABELS)), LABELS]))


@pytest.mark.parametrize("cell", [
    lambda row: "[" + " ".join(f"{v: .8g}" for v in row) + "]",  # a NumPy array, as datasets writes it
    lambda row: '"[' + ", ".join(repr(float(v)) for v in row) + ']"',  # a list of floats, quoted by pandas
], ids=["numpy", "list"])
def test_a_list_written_as_text_is_refused_with_the_writer_that_keeps_it(tmp_path, capsys, cell):
    text = "label,logits\n" + "".join(f"{y},{cell(row)}\n" for y, row in zip(LABELS, LOGITS, strict=True))
    (tmp_path / "hf.csv").write_text(text)
    code, _, err = run_cli(["eval", "scce", str(tmp_path / "hf.csv"), "--logits", "-q"], capsys)
    assert code == 3
    assert "column logits" in err and "a list written as text" in err and "to_json or to_parquet" in err
    # the hint: Dataset.to_json writes one object per row, the list as a JSON array
    (tmp_path / "hf.jsonl").write_text("".join(json.dumps({"label": y, "logits": row.tolist()}) + "\n"
                                               for y, row in zip(LABELS, LOGITS, strict=True)))
    code, out, err = run_cli(["eval", "scce", str(tmp_path / "hf.jsonl"), "--logits", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(cross_entropy(), rel=1e-14)
