"""The column rule (losscli.inputs.infer): index-like, id, weight and text columns are not predictions;
row counters only among prediction candidates; same-named id columns join two files."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.errors import UsageError
from losscli.inputs.infer import Selection, Table, infer_one_file, infer_two_files, is_counter, is_text


def table(name="f.csv", unnamed=(), **cols):
    return Table(name, list(cols), {k: np.asarray(v) for k, v in cols.items()}, set(unnamed))


def test_counters_are_zero_or_one_based_integer_runs():
    assert is_counter(np.arange(5)) and is_counter(np.arange(1, 6).astype(float))
    assert not is_counter(np.array([0, 1]))  # too short to tell
    assert not is_counter(np.array([0, 1, 2, 4])) and not is_counter(np.array([2, 3, 4]))
    assert not is_counter(np.array([0.0, 0.5, 1.0])) and not is_counter(np.array(["0", "1", "x"], dtype=object))


def test_text_means_every_cell_is_text_or_missing():
    assert is_text(np.array(["a", "", "b"], dtype=object))
    assert not is_text(np.array(["a", "0.5", "b"], dtype=object))  # a bad cell: refused when read
    assert not is_text(np.array(["a"], dtype=object)) and not is_text(np.arange(3.0))


def test_one_file_leaves_out_index_id_weight_text_and_counter_columns():
    t = table(unnamed={"1"}, **{"1": np.arange(4), "Unnamed: 0": np.arange(4), "sample_no": np.arange(1, 5),
                                "id": ["a", "b", "c", "d"], "species": np.array(["x", "y", "z", "w"], dtype=object),
                                "weight": np.ones(4), "label": [0, 1, 1, 0], "p": [0.2, 0.7, 0.9, 0.1]})
    cols = infer_one_file(t, Selection())
    assert cols.labels == ["label"] and cols.preds == ["p"] and cols.weight is None
    notes = " ".join(cols.notes)
    for name in ("'Unnamed: 0'", "'sample_no'", "'id'", "'species'", "'weight'", "1 (no header)"):
        assert name in notes


def test_a_lone_candidate_is_kept_even_if_it_looks_like_a_counter():
    cols = infer_one_file(table(y=[0, 1, 2, 3], pred=[0, 1, 2, 3]), Selection())
    assert cols.preds == ["pred"]


def test_selected_columns_are_used_as_selected():
    t = table(label=[0, 1, 1], id=[0.1, 0.9, 0.8], idx=[0, 1, 2])
    assert infer_one_file(t, Selection(pred_cols="id")).preds == ["id"]
    with pytest.raises(UsageError, match="no prediction columns"):
        infer_one_file(t, Selection())


def test_two_files_join_on_a_shared_id_and_drop_the_index_from_labels():
    labels = table("y.csv", unnamed={"1"}, **{"1": np.arange(5), "row_id": [5, 4, 3, 2, 1], "y": [0, 1, 0, 1, 1]})
    preds = table("p.csv", row_id=[1, 2, 3, 4, 5], p=[0.1, 0.2, 0.3, 0.4, 0.5])
    cols = infer_two_files(labels, preds, None, Selection())
    assert (cols.labels, cols.preds, cols.id_col) == (["y"], ["p"], "row_id")
    assert any("joined on" in n for n in cols.notes)


def test_integer_labels_counting_up_are_still_labels():
    labels = table("y.csv", y=np.arange(6))  # a label column 0..5 must not be taken for an index
    preds = table("p.csv", **{f"p{k}": np.full(6, 1 / 6) for k in range(6)})
    cols = infer_two_files(labels, preds, None, Selection())
    assert cols.labels == ["y"] and len(cols.preds) == 6


def test_a_weights_file_keeps_row_order_and_checks_the_ids():
    labels = table("y.csv", id=[1, 2, 3], y=[0, 1, 0])
    preds = table("p.csv", id=[1, 2, 3], p=[0.1, 0.2, 0.3])
    weights = table("w.csv", w=[1.0, 2.0, 3.0])
    cols = infer_two_files(labels, preds, weights, Selection())
    assert cols.id_col is None and cols.checked_id == "id" and cols.weight == ["w"]


def test_a_counter_is_an_index_only_when_the_label_columns_do_not_match_the_predictions():
    # one-hot labels whose first column happens to count 0, 1, 2 (a bad label 2): kept, so that the bad
    # value is reported where it is, rather than a column count mismatch
    labels = table("y.csv", y0=[0, 1, 2], y1=[1, 0, 0], y2=[0, 0, 0])
    preds = table("p.csv", p0=[0.2, 0.6, 0.5], p1=[0.7, 0.3, 0.2], p2=[0.1, 0.1, 0.3])
    assert infer_two_files(labels, preds, None, Selection()).labels == ["y0", "y1", "y2"]
    # a written-out row index next to one label column, predictions of one column: dropped
    labels = table("y.csv", n=np.arange(5), y=[0, 1, 0, 1, 1])
    preds = table("p.csv", p=[0.1, 0.2, 0.3, 0.4, 0.5])
    cols = infer_two_files(labels, preds, None, Selection())
    assert cols.labels == ["y"] and any("row counter" in n for n in cols.notes)
