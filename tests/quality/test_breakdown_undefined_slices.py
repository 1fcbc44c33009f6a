"""A slice present in the input with no counted sample is shown (n = 0, undefined mean) and fails a gate.

Before, a group whose rows were all ignored (``--ignore-index``) or dropped (``--nan skip``) vanished from the
report and passed ``--max-group``, while a group whose weights sum to 0 was shown as undefined and failed it.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from cli_helpers import run_cli

ROWS = [  # label, p0, p1, region, weight
    (0, 0.8, 0.2, "a", 1), (1, 0.3, 0.7, "a", 1), (0, 0.6, 0.4, "b", 1), (1, 0.1, 0.9, "b", 1),
    (-100, 0.7, 0.3, "c", 1), (-100, 0.4, 0.6, "c", 1),  # every row of c ignored
    (1, 0.4, 0.6, "d", 0), (0, 0.7, 0.3, "d", 0),  # the weights of d sum to 0
]


def _write(tmp_path, rows=ROWS):
    path = tmp_path / "g.csv"
    path.write_text("label,p0,p1,region,w\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    return path


def _eval(path, *more, capsys):
    return run_cli(["eval", "scce", path, "--label-cols", "label", "--pred-cols", "p0,p1", "--group-col", "region",
                    *more], capsys)


def test_a_group_whose_rows_are_all_ignored_is_shown_and_fails_max_group(tmp_path, capsys):
    code, out, err = _eval(_write(tmp_path), "--ignore-index", "-100", "--weight-col", "w", "--max-group", "2",
                           "--json", capsys=capsys)
    assert code == 1, err
    doc = json.loads(out)
    groups = {g["group"]: g for g in doc["by_group"]["groups"]}
    assert set(groups) == {"a", "b", "c", "d"}
    assert groups["c"]["n"] == 0 and groups["c"]["mean"] is None
    assert groups["d"]["mean"] is None  # the zero-weight group, as before
    failed = {c["group"] for c in doc["checks"] if c["status"] == "fail"}
    assert failed == {"c", "d"}
    assert "group c mean is undefined (no counted sample: every row ignored or skipped)" in err


def test_the_only_gated_group_all_ignored_fails_the_run(tmp_path, capsys):
    """Without the zero-weight group the run exited 0: the ignored group was not there to fail."""
    code, _, err = _eval(_write(tmp_path, ROWS[:6]), "--ignore-index", "-100", "--max-group", "2", "-q",
                         capsys=capsys)
    assert code == 1, err
    assert "FAIL sparse_categorical_crossentropy group c mean is undefined" in err


def test_a_group_whose_rows_are_all_dropped_for_missing_values_is_shown(tmp_path, capsys):
    rows = [*ROWS[:4], (0, "nan", "nan", "e", 1), (1, "nan", "nan", "e", 1)]
    code, out, err = _eval(_write(tmp_path, rows), "--nan", "skip", "--max-group", "2", "--json", capsys=capsys)
    assert code == 1, err
    groups = {g["group"]: g for g in json.loads(out)["by_group"]["groups"]}
    assert groups["e"]["n"] == 0 and groups["e"]["mean"] is None
    assert groups["a"]["n"] == 2


def test_a_class_whose_rows_are_all_dropped_is_shown_and_no_class_is_made_of_ignored_rows(tmp_path, capsys):
    rows = [(0, 0.8, 0.2, "a", 1), (0, 0.6, 0.4, "a", 1), (1, "nan", "nan", "a", 1), (-100, 0.5, 0.5, "a", 1)]
    path = _write(tmp_path, rows)
    code, out, err = run_cli(["eval", "scce", path, "--label-cols", "label", "--pred-cols", "p0,p1", "--by-class",
                              "--ignore-index", "-100", "--nan", "skip", "--max-class", "5", "--json"], capsys)
    assert code == 1, err
    classes = {r["class"]: r for r in json.loads(out)["by_class"]}
    assert classes["1"]["n"] == 0 and classes["1"]["mean"] is None
    assert classes["0"]["n"] == 2
    assert classes["0"]["mean"] == np.mean([-np.log(0.8), -np.log(0.6)])


def test_mean_of_group_perplexities_says_which_groups_it_leaves_out(tmp_path, capsys):
    path = tmp_path / "lm.csv"
    path.write_text("doc,label,ll\na,1,-1.2\na,1,-0.5\nb,-100,-0.3\nb,-100,-0.7\nc,1,-2.0\n")
    code, out, err = run_cli(["eval", "token_nll", path, "--label-cols", "label", "--pred-cols", "ll", "--group-col",
                              "doc", "--ignore-index", "-100", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["by_group"]["groups_in_mean"] == 2
    assert doc["by_group"]["mean_of_group_perplexities"] == pytest.approx((np.exp(0.85) + np.exp(2.0)) / 2, rel=1e-12)
    assert "mean_of_group_perplexities leaves out 1 of 3 groups" in err
    assert any("leaves out 1 of 3 groups" in w for w in doc["warnings"])


def test_mean_of_group_perplexities_is_undefined_when_a_group_perplexity_is_beyond_float64(tmp_path, capsys):
    """A document of mean NLL 1000 (perplexity e^1000) was left out of the mean without a word: 2.3396, the
    other document's perplexity, where the mean of both is beyond float64."""
    path = tmp_path / "lm.csv"
    path.write_text("doc,label,ll\na,1,-1.2\na,1,-0.5\nb,1,-1000\n")
    code, out, err = run_cli(["eval", "token_nll", path, "--label-cols", "label", "--pred-cols", "ll", "--group-col",
                              "doc", "--json"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["by_group"]["mean_of_group_perplexities"] is None
    assert "mean_of_group_perplexities is undefined: the perplexity of group b is beyond float64" in err


def test_a_class_that_is_the_ignore_index_is_no_class_to_report_or_gate(tmp_path, capsys):
    """``--ignore-index 2`` leaves class 2 out on purpose: it was shown with n=0 and failed ``--max-class``
    (exit 1, every other class within the limit); it is left out of the breakdown as the ignore index -100 is,
    and the gate weighs the classes that are scored."""
    rows = [(0, 0.8, 0.1, 0.1), (1, 0.2, 0.7, 0.1), (2, 0.3, 0.3, 0.4), (2, 0.1, 0.1, 0.8), (0, 0.5, 0.3, 0.2)]
    path = tmp_path / "c.csv"
    path.write_text("label,p0,p1,p2\n" + "".join(",".join(map(str, r)) + "\n" for r in rows))
    args = ["eval", "scce", path, "--label-cols", "label", "--pred-cols", "p0,p1,p2", "--by-class", "--json"]
    code, out, err = run_cli([*args, "--ignore-index", "2", "--max-class", "2"], capsys)
    assert code == 0, err
    doc = json.loads(out)
    by_class = {c["class"]: c for c in doc["by_class"]}
    assert set(by_class) == {"0", "1"}
    assert by_class["0"]["mean"] == pytest.approx(-(np.log(0.8) + np.log(0.5)) / 2, rel=1e-12)
    assert by_class["1"]["mean"] == pytest.approx(-np.log(0.7), rel=1e-12)
    assert doc["n"] == 3 and all(c["status"] == "pass" for c in doc["checks"])
    code, out, err = run_cli([*args, "--ignore-index", "2", "--max-class", "0.4"], capsys)  # class 0 fails
    assert code == 1 and "class 0" in err, err
    code, out, err = run_cli([*args, "--max-class", "2"], capsys)  # class 2 scored without the ignore index
    assert code == 0 and {c["class"] for c in json.loads(out)["by_class"]} == {"0", "1", "2"}, err


def test_one_hot_rows_of_the_ignore_index_are_no_class_to_report_or_gate(tmp_path, capsys):
    """One-hot label rows beside cce: scce takes their argmax, and ``--ignore-index 2`` leaves its rows of class
    2 out; its breakdown showed class 2 with n=0 and failed ``--max-class`` (exit 1) as a label column's did."""
    rows = [(0, 0.8, 0.1, 0.1), (1, 0.2, 0.7, 0.1), (2, 0.3, 0.3, 0.4), (2, 0.1, 0.1, 0.8), (0, 0.5, 0.3, 0.2)]
    y, p = tmp_path / "y.csv", tmp_path / "p.csv"
    y.write_text("y0,y1,y2\n" + "".join(",".join("1" if k == r[0] else "0" for k in range(3)) + "\n" for r in rows))
    p.write_text("p0,p1,p2\n" + "".join(",".join(map(str, r[1:])) + "\n" for r in rows))
    args = ["eval", "cce,scce", "--labels", y, "--preds", p, "--by-class", "--json", "--max-class", "2"]
    code, out, err = run_cli([*args, "--ignore-index", "2"], capsys)
    assert code == 0, err
    cce, scce = json.loads(out)
    assert {c["class"] for c in cce["by_class"]} == {"0", "1", "2"}  # cce has no ignore index
    by_class = {c["class"]: c for c in scce["by_class"]}
    assert set(by_class) == {"0", "1"}
    assert by_class["0"]["mean"] == pytest.approx(-(np.log(0.8) + np.log(0.5)) / 2, rel=1e-12)
    assert by_class["1"]["n"] == 1 and by_class["1"]["mean"] == pytest.approx(-np.log(0.7), rel=1e-12)
    assert all(c["status"] == "pass" for c in scce["checks"])
    code, out, err = run_cli(args, capsys)  # class 2 scored without the ignore index
    assert code == 0 and {c["class"] for c in json.loads(out)[1]["by_class"]} == {"0", "1", "2"}, err
