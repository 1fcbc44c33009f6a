"""Keras' hinge losses read 0/1 labels as −1/+1 only when every label of the batch is 0 or 1. Decided chunk by
chunk, a file mixing 0 with −1 gave another value for each chunk size (1.2 whole, 1.2833 by two rows, exit 0):
losscli decides over the whole input, so labels holding 0 beside another value than 0 and 1 are refused —
in one chunk, over chunks, over merged shards — and every other input gives one value whatever the chunks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli
from losscli.engine.evaluator import Evaluator
from losscli.errors import LabelError

Y = [1, 0, 1, 0, -1, 1]
S = [0.3, 0.4, -2.0, 0.1, 0.5, 2.0]


def _files(tmp_path, y, s, name="h"):
    labels, preds = tmp_path / f"{name}_y.csv", tmp_path / f"{name}_p.csv"
    labels.write_text("label\n" + "\n".join(map(str, y)) + "\n")
    preds.write_text("p\n" + "\n".join(map(str, s)) + "\n")
    return labels, preds


def _hinge(y, s, squared=False):
    m = np.maximum(1.0 - np.asarray(y, float) * np.asarray(s, float), 0.0)
    return float(np.mean(m * m if squared else m))


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
@pytest.mark.parametrize("chunk", [None, "1", "2", "4"])
def test_zeros_beside_minus_one_are_refused_whatever_the_chunks(tmp_path, capsys, loss, chunk):
    labels, preds = _files(tmp_path, Y, S)
    args = ["eval", loss, "--labels", labels, "--preds", preds, "--convention", "keras", "-q",
            *(["--chunk-rows", chunk] if chunk else [])]
    code, out, err = run_cli(args, capsys)
    assert code == 3 and out == "", err
    assert "hold 0 beside a value other than 0 and 1" in err and "(value -1)" in err, err
    assert "h_y.csv" in err and "--convention losscli" in err


@pytest.mark.parametrize("loss", ["hinge", "squared_hinge"])
def test_the_hint_gives_the_value_with_every_0_as_minus_one(tmp_path, capsys, loss):
    labels, preds = _files(tmp_path, Y, S)
    code, out, err = run_cli(["eval", loss, "--labels", labels, "--preds", preds, "--convention", "losscli", "-q"],
                             capsys)
    signed = [-1 if v == 0 else v for v in Y]
    assert code == 0 and float(out) == pytest.approx(_hinge(signed, S, loss == "squared_hinge"), rel=1e-15), err


@pytest.mark.parametrize(
    "y,mapped",
    [
        ([1, 0, 0, 1, 1, 0, 1], True),  # 0/1 throughout: Keras maps them
        ([1, -1, 1, 1, -1, 1, 1], False),  # −1/+1: as given
        ([1, 1, 1, 1, 0.5, 2.0, -1], False),  # no 0: as given (Keras does not check the values)
        ([1, 1, 1, 1, 1, 1, 1], True),  # all 1 (a chunk of 1s is the same mapped or not)
    ],
)
@pytest.mark.parametrize("chunk", [None, "1", "2", "3"])
def test_other_labels_give_keras_value_of_the_whole_file_whatever_the_chunks(tmp_path, capsys, y, mapped, chunk):
    s = [0.3, 0.4, -2.0, 0.1, 0.5, 2.0, -0.7]
    labels, preds = _files(tmp_path, y, s)
    code, out, err = run_cli(["eval", "hinge", "--labels", labels, "--preds", preds, "--convention", "keras", "-q",
                              *(["--chunk-rows", chunk] if chunk else [])], capsys)
    want = _hinge([2 * v - 1 for v in y] if mapped else y, s)
    assert code == 0 and float(out) == pytest.approx(want, rel=1e-15), err


def test_the_python_api_refuses_the_mix_over_updates_and_at_once():
    y, s = np.array(Y, float), np.array(S)
    with pytest.raises(LabelError, match="hold 0 beside"):
        losscli.evaluate("hinge", y, s, convention="keras")
    ev = Evaluator("hinge", convention="keras")
    ev.update(y[:2], s[:2])
    ev.update(y[2:4], s[2:4])
    with pytest.raises(LabelError) as err:
        ev.update(y[4:], s[4:])
    assert err.value.location.row == 4 and err.value.location.value == -1.0


def test_evaluators_of_each_kind_refuse_to_give_a_merged_value():
    a, b = Evaluator("hinge", convention="keras"), Evaluator("hinge", convention="keras")
    a.update(np.array([0.0, 1.0]), np.array([0.2, 0.4]))
    b.update(np.array([-1.0, 1.0]), np.array([0.2, 0.4]))
    a.result()
    b.result()
    with pytest.raises(LabelError, match="Keras"):
        a.merge(b).result()


def test_shard_states_of_each_kind_are_refused_by_merge(tmp_path, capsys):
    for name, y in (("a", [1, 0, 1]), ("b", [-1, 1, -1])):
        labels, preds = _files(tmp_path, y, [0.5, -0.5, 2.0], name)
        code, _, err = run_cli(["eval", "hinge", "--labels", labels, "--preds", preds, "--convention", "keras", "-q",
                                "--state-out", tmp_path / f"{name}.json"], capsys)
        assert code == 0, err
    assert json.loads((tmp_path / "a.json").read_text())["states"][0]["accumulator"]["sign_labels"] == 1
    code, out, err = run_cli(["merge", tmp_path / "a.json", tmp_path / "b.json", "-q"], capsys)
    assert code == 3 and out == "" and "Keras" in err, err


def test_a_state_with_a_sign_labels_field_out_of_range_is_refused(tmp_path, capsys):
    labels, preds = _files(tmp_path, [1, 0, 1], [0.5, -0.5, 2.0])
    run_cli(["eval", "hinge", "--labels", labels, "--preds", preds, "--convention", "keras", "-q",
             "--state-out", tmp_path / "a.json"], capsys)
    doc = json.loads((tmp_path / "a.json").read_text())
    doc["states"][0]["accumulator"]["sign_labels"] = 7
    (tmp_path / "a.json").write_text(json.dumps(doc))
    code, out, err = run_cli(["merge", tmp_path / "a.json", "-q"], capsys)
    assert code == 3 and out == "" and "sign_labels" in err, err


def test_an_evaluator_of_merged_kinds_refuses_further_chunks_without_a_traceback():
    a, b = Evaluator("hinge", convention="keras"), Evaluator("hinge", convention="keras")
    a.update(np.array([0.0, 1.0]), np.array([0.2, 0.4]))
    b.update(np.array([-1.0, 1.0]), np.array([0.2, 0.4]))
    a.merge(b)
    for y in ([1.0, 1.0], []):  # labels of neither kind, or none (was an IndexError)
        with pytest.raises(LabelError, match="Keras"):
            a.update(np.array(y), np.array([0.2, 0.4][: len(y)]))


@pytest.mark.parametrize("chunk", [None, "1", "2", "3"])
def test_the_error_names_the_first_label_of_the_kind_met_second_whatever_the_chunks(tmp_path, capsys, chunk):
    """Labels 0, 1, −1, 0: the −1 of row 4 (the whole file named it; by two rows, the 0 of row 5)."""
    labels, preds = _files(tmp_path, [0, 1, -1, 0], [0.1, 0.2, 0.3, 0.4])
    code, _, err = run_cli(["eval", "hinge", "--labels", labels, "--preds", preds, "--convention", "keras", "-q",
                            *(["--chunk-rows", chunk] if chunk else [])], capsys)
    assert code == 3 and "row 4 (value -1)" in err, err
