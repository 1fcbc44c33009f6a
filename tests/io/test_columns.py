"""The column-selection grammar shared by every column option."""

from __future__ import annotations

import pytest

from losscli.errors import UsageError
from losscli.io import describe_columns, select_columns

COLS = ["id", "y", "logit_0", "logit_1", "logit_2", "w"]


def sel(selection: str, available: list[str] = COLS) -> list[str]:
    return select_columns(selection, available, option="--preds-col")


def error(selection: str, available: list[str] = COLS) -> str:
    with pytest.raises(UsageError) as info:
        sel(selection, available)
    assert info.value.exit_code == 2
    return str(info.value)


# names and positions ------------------------------------------------------------------------------


def test_names_keep_the_order_given():
    assert sel("w,y") == ["w", "y"]


def test_repeats_are_dropped():
    assert sel("y,1,y,id") == ["y", "id"]


def test_positions_are_one_based():
    assert sel("1") == ["id"]
    assert sel("2,6") == ["y", "w"]


def test_spaces_around_items_are_ignored():
    assert sel(" y , logit_0 ") == ["y", "logit_0"]


def test_digits_that_name_another_column_than_their_position_are_refused_as_ambiguous():
    """pandas' default names 0,1,2: ``--label-cols 1 --pred-cols 2`` took the columns named 1 and 2 (the
    second and the third) where positions 1 and 2 were meant, and gave another number with exit 0."""
    cols = ["a", "3", "b", "c"]
    with pytest.raises(UsageError, match=r"'3' is ambiguous.*=3 for the column named 3, or #3 for column 3"):
        select_columns("3", cols, option="-c")
    assert select_columns("=3", cols, option="-c") == ["3"]
    assert select_columns("#3", cols, option="-c") == ["b"]
    assert select_columns("4", cols, option="-c") == ["c"]
    pandas = ["0", "1", "2"]
    for text in ("1", "1,2", "1:2", "2:"):
        with pytest.raises(UsageError, match="ambiguous"):
            select_columns(text, pandas, option="-c")
    assert select_columns("#1:#2", pandas, option="-c") == ["0", "1"]
    assert select_columns("=1,=2", pandas, option="-c") == ["1", "2"]
    assert select_columns("0", pandas, option="-c") == ["0"]  # no position 0: the name
    assert select_columns("2", ["1", "2", "3"], option="-c") == ["2"]  # named as its position: no doubt
    with pytest.raises(UsageError, match="no column named '7'"):
        select_columns("=7", pandas, option="-c")


def test_one_digit_that_can_only_be_a_name_or_a_position_reads_the_others_alike():
    """``y,0,1,2`` (a label, then class columns named by index): ``--pred-cols 0:2`` and ``0,1,2`` read as
    names, as before (``0`` is no position); another option's digits count too."""
    cols = ["y", "0", "1", "2"]
    assert select_columns("0:2", cols, option="-c") == ["0", "1", "2"]
    assert select_columns("0,1,2", cols, option="-c") == ["0", "1", "2"]
    assert select_columns("=0:=2", cols, option="-c") == ["0", "1", "2"]  # the hint's form, in a range
    assert select_columns("#2:#4", cols, option="-c") == ["0", "1", "2"]
    with pytest.raises(UsageError, match="'1' is ambiguous"):
        select_columns("1", cols, option="-c")
    assert select_columns("1", cols, option="-c", together=("0", "1")) == ["1"]  # --label-cols 0 --pred-cols 1
    assert select_columns("1", ["0", "1", "2", "3", "x"], option="-c", together=("5",)) == ["0"]
    with pytest.raises(UsageError, match="'0' can only be a column's name and '5' only a position"):
        select_columns("0,5", ["0", "1", "2", "3", "x"], option="-c")


def test_exact_name_with_syntax_characters_wins():
    cols = ["a,b", "p:1", "x*", "q"]
    assert select_columns("a,b", cols, option="-c") == ["a,b"]
    assert select_columns("p:1", cols, option="-c") == ["p:1"]
    assert select_columns("x*", cols, option="-c") == ["x*"]
    assert select_columns("p:1,q", cols, option="-c") == ["p:1", "q"]


# ranges ----------------------------------------------------------------------------------------------


def test_position_range_is_inclusive():
    assert sel("2:4") == ["y", "logit_0", "logit_1"]


def test_name_range_is_inclusive():
    assert sel("logit_0:logit_2") == ["logit_0", "logit_1", "logit_2"]


def test_mixed_name_and_position_range():
    assert sel("logit_1:6") == ["logit_1", "logit_2", "w"]


def test_open_ranges():
    assert sel("5:") == ["logit_2", "w"]
    assert sel(":2") == ["id", "y"]
    assert sel("logit_2:") == ["logit_2", "w"]
    assert sel(":") == COLS


def test_backwards_range_runs_backwards():
    assert sel("logit_2:logit_0") == ["logit_2", "logit_1", "logit_0"]
    assert sel("4:2") == ["logit_1", "logit_0", "y"]


def test_range_over_names_containing_colons():
    cols = ["t:0", "t:1", "t:2"]
    assert select_columns("t:0:t:1", cols, option="-c") == ["t:0", "t:1"]


def test_ranges_and_names_combine_in_order():
    assert sel("w,logit_0:logit_1,y") == ["w", "logit_0", "logit_1", "y"]


# globs -------------------------------------------------------------------------------------------------


def test_glob_matches_in_file_order():
    assert sel("logit_*") == ["logit_0", "logit_1", "logit_2"]
    assert sel("*_1") == ["logit_1"]


def test_question_mark_matches_one_character():
    cols = ["p1", "p2", "p10", "q1"]
    assert select_columns("p?", cols, option="-c") == ["p1", "p2"]


def test_glob_is_case_sensitive_and_brackets_are_literal():
    cols = ["P1", "p1", "p[1]"]
    assert select_columns("p*", cols, option="-c") == ["p1", "p[1]"]


def test_glob_combined_with_names():
    assert sel("y,logit_*") == ["y", "logit_0", "logit_1", "logit_2"]


# errors --------------------------------------------------------------------------------------------------


def test_unknown_name_names_option_item_and_columns():
    msg = error("nope")
    assert "--preds-col" in msg
    assert "'nope'" in msg
    assert "6 columns: id, y, logit_0, logit_1, logit_2, w" in msg


def test_unknown_name_suggests_close_matches():
    assert "did you mean 'logit_1'" in error("logit1")


def test_position_out_of_range():
    msg = error("7")
    assert "position 7" in msg and "1..6" in msg
    assert "position 0" in error("0")


def test_range_with_unknown_end():
    msg = error("logit_0:nope")
    assert "'nope'" in msg and "logit_0:nope" in msg


def test_range_position_out_of_range():
    assert "position 9" in error("2:9")


def test_glob_matching_nothing():
    msg = error("prob_*")
    assert "'prob_*'" in msg and "matches no column" in msg


def test_empty_selection_and_empty_items():
    assert "empty column selection" in error("")
    assert "empty item" in error("y,,w")
    assert "empty item" in error("y,")


def test_listing_is_truncated_with_a_count():
    cols = [f"c{i}" for i in range(50)]
    msg = error("nope", cols)
    assert "50 columns: c0, c1" in msg
    assert "c19 and 30 more" in msg
    assert "c20" not in msg


def test_describe_columns():
    assert describe_columns([]) == "no columns"
    assert describe_columns(["a"]) == "1 column: a"
    assert describe_columns(["a", "b c", "x,y"]) == "3 columns: a, b c, 'x,y'"
