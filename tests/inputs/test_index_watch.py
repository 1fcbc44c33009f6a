"""Files longer than the sampled rows whose pandas indexes hold the same row numbers in another order (a
shuffle) are refused once read whole; indexes of other rows keep pairing by position."""

from __future__ import annotations

import json
import random

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli
from hypothesis import example, given, settings
from hypothesis import strategies as st

from losscli.inputs.index_watch import IndexWatch
from losscli.inputs.infer import SAMPLE_ROWS

N = 3 * SAMPLE_ROWS + 17


def _watch(a: np.ndarray, b: np.ndarray, step: int) -> IndexWatch:
    w = IndexWatch()
    for i in range(0, len(a), step):
        w.update(a[i:i + step], b[i:i + step], np.arange(i, min(i + step, len(a))))
    return w


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-(2**63), 2**63 - 1), min_size=1, max_size=60), st.randoms(use_true_random=False),
       st.integers(1, 70), st.booleans())
def test_shuffled_is_said_exactly_for_the_same_values_in_another_order(values, rnd, step, permute):
    a = np.array(values, dtype=np.int64)
    if permute:
        b = a.copy()
        rnd.shuffle(b)
    else:
        b = a.copy()
        i = rnd.randrange(len(b))
        b[i] = b[i] + 1 if b[i] < 2**63 - 1 else b[i] - 1  # one value changed, within int64
    found = _watch(a, b, step).shuffled()
    if permute and not np.array_equal(a, b):
        i = int(np.flatnonzero(a != b)[0])
        assert found == (i, int(a[i]), int(b[i]))
    else:
        assert found is None


def test_the_chunking_does_not_change_the_fingerprint():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 10**6, 5000)
    b = rng.permutation(a)
    found = {_watch(a, b, step).shuffled() for step in (1, 7, 999, 5000)}
    assert len(found) == 1 and None not in found


def test_whole_numbers_written_as_floats_count_and_other_values_later_keep_the_watch():
    """Whole numbers first and other values later (a fraction, a blank) are summed as one chunk holding them
    all is: the chunking does not decide whether a shuffle is seen, nor how its values are shown."""
    a = np.arange(10, dtype=np.float64)
    assert _watch(a, a[::-1].copy(), 4).shuffled() == (0, 0, 9)
    later = np.array([0, 1, 2.5, 3.5])
    for step in (1, 2, 3, 4):
        assert _watch(later, np.array([1, 0, 3.5, 2.5]), step).shuffled() == (0, 0, 1)
        assert _watch(later, np.array([1, 0, 3.5, 4.5]), step).shuffled() is None  # another value
    blank = np.array([0, 1, np.nan])  # a float column with a missing value, as pandas reads a blank cell
    for step in (1, 2, 3):
        assert _watch(blank, np.array([1, 0, np.nan]), step).shuffled() == (0, 0, 1)
        assert _watch(blank, np.array([np.nan, 0, 1]), step).shuffled() == (0, 0, "nan")
    texts = np.array(["0", "1", ""], dtype=object)  # texts that spell whole numbers are shown as written
    for step in (1, 2, 3):
        assert _watch(texts, np.array(["1", "0", ""], dtype=object), step).shuffled() == (0, "0", "1")
    padded = np.array(["0", "00", "x"], dtype=object)  # 00 is a text of its own, as the row check compares it
    for step in (1, 2, 3):
        assert _watch(padded, np.array(["00", "0", "x"], dtype=object), step).shuffled() == (0, "0", "00")
        assert _watch(padded, np.array(["0", "0", "x"], dtype=object), step).shuffled() is None


def test_texts_dates_and_fractions_are_watched_as_texts_each_once():
    """An index of other values than whole numbers (the first chunk says so) is hashed as text: the same values
    in another order are said, in any chunking, values that repeat too (rows of different values are paired
    whatever else they hold), and the watch says that they repeat (no key to join on)."""
    dates = np.array(["2024-01-01", "2024-01-02", "2024-01-03"], dtype=object)
    for step in (1, 2, 3):
        w = _watch(dates, dates[::-1].copy(), step)
        assert w.texts and w.shuffled() == (0, "2024-01-01", "2024-01-03")
    halves = np.array([0.5, 1.5])
    assert _watch(halves, halves[::-1].copy(), 2).shuffled() == (0, "0.5", "1.5")
    stamps = np.array(["2024-01-01T00:00", "2024-01-02T00:00"], dtype="datetime64[ns]")
    assert _watch(stamps, stamps[::-1].copy(), 2).shuffled() is not None  # datetime64: their int64 ticks
    days = np.array(["a", "a", "b", "b"], dtype=object)
    # rows whose values differ come from different rows of the frame: those two hold a and b once each
    assert _watch(days, np.array(["a", "b", "a", "b"], dtype=object), 4).shuffled() == (1, "a", "b")
    # they repeat in the index all the same: no key to join on (--id-col on it finds duplicate ids)
    assert _watch(days, np.array(["a", "b", "a", "b"], dtype=object), 4).repeats
    keys = np.array(["a", "b", "c", "d"], dtype=object)
    assert not _watch(keys, np.array(["a", "c", "b", "d"], dtype=object), 4).repeats
    w = _watch(days, np.array(["b", "b", "a", "a"], dtype=object), 4)  # a value repeats among them
    assert w.active and w.repeats and w.shuffled() == (0, "a", "b")
    for step in (1, 3):
        assert _watch(days, np.array(["b", "b", "a", "a"], dtype=object), step).shuffled() == (0, "a", "b")
    assert _watch(days, np.array(["b", "b", "a", "c"], dtype=object), 4).shuffled() is None  # another value
    other = np.array(["s1", "s2", "s3"], dtype=object)
    assert _watch(other, np.array(["s1", "s3", "s4"], dtype=object), 2).shuffled() is None  # other values


@settings(max_examples=100, deadline=None)
@given(st.lists(st.text(max_size=80), min_size=1, max_size=40, unique=True), st.randoms(use_true_random=False),
       st.integers(1, 45), st.integers(1, 45), st.booleans())
@example(["0", "1", ""], random.Random(1), 1, 3, True)  # whole numbers alone in the first chunk
@example(["0", "00", "1e3", "1000", "-0", " 1", "1"], random.Random(2), 2, 3, True)
def test_text_hashes_do_not_depend_on_the_chunking(values, rnd, step, other_step, permute):
    """A text's hash does not depend on the longest text of its chunk (the padding), nor on which values share
    its chunk: the watch says the same for any chunking, and exactly the same values in another order."""
    a = np.array(values, dtype=object)
    b = a.copy()
    if permute:
        rnd.shuffle(b)
    else:
        b[rnd.randrange(len(b))] = "\u2603" + "x" * 90  # a value of neither (a long one, hashed apart)
    found = {_watch(a, b, s).shuffled() for s in (step, other_step, len(a))}
    assert len(found) == 1
    differ = np.flatnonzero(a != b)
    if permute and differ.size:
        i = int(differ[0])
        assert found == {(i, a[i], b[i])}
    else:
        assert found == {None}


def test_parts_watched_as_numbers_and_as_texts_merge_as_one_watch():
    """Dask partitions watched as whole numbers in one and as texts in another sum a whole number alike: merged,
    they say what one watch of all the rows says."""
    labels = np.array([1, 2, 3, "a", "b"], dtype=object)
    for preds, found in (([2, 1, 3, "b", "a"], (0, "1", "2")), ([2, 1, 3, "b", "c"], None),
                         ([1, 2, 3, "b", "a"], (3, "a", "b")), ([1, 2, "a", 3, "b"], (2, "3", "a"))):
        preds = np.array(preds, dtype=object)
        numbers, texts = IndexWatch(), IndexWatch()
        numbers.update(labels[:2], preds[:2], np.arange(2))
        texts.update(labels[2:], preds[2:], np.arange(2, 5))
        whole = IndexWatch()
        whole.merge(numbers.to_data())
        whole.merge(texts.to_data())
        assert whole.shuffled() == _watch(labels, preds, 5).shuffled() == found
    old = IndexWatch()  # a part's watch switched off (a state of an older version): nothing is decided
    old.merge({**texts.to_data(), "active": False})
    assert old.shuffled() is None


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    d = tmp_path_factory.mktemp("watch")
    rng = np.random.default_rng(11)
    df = pd.DataFrame({"y": rng.integers(0, 2, N), "p": rng.uniform(0.02, 0.98, N)},
                      index=pd.RangeIndex(N))
    test = df.sample(frac=0.6, random_state=1)  # a test split: scattered row numbers
    files = {
        "labels": df[["y"]], "preds_shuffled": df[["p"]].sample(frac=1, random_state=2),
        "preds_same": df[["p"]],
        "split_labels": test[["y"]], "split_preds_shuffled": test[["p"]].sample(frac=1, random_state=3),
        "split_fresh": pd.DataFrame({"p": test["p"].to_numpy()}),
        "split_labels_reset": test[["y"]].reset_index(drop=True), "split_preds_kept": test[["p"]],
    }
    for name, frame in files.items():
        frame.to_csv(d / f"{name}.csv")
    return d, df, test


def _bce(y, p) -> float:
    return float(-np.mean(np.where(y == 1, np.log(p), np.log1p(-p))))


@pytest.mark.parametrize("labels,preds", [("labels", "preds_shuffled"), ("split_labels", "split_preds_shuffled")])
@pytest.mark.parametrize("chunk", [None, "500"])
def test_a_shuffle_beyond_the_sampled_rows_is_refused(frames, capsys, labels, preds, chunk):
    d, _, _ = frames
    extra = ["--chunk-rows", chunk] if chunk else []
    code, out, err = run_cli(["eval", "bce", "--labels", d / f"{labels}.csv", "--preds", d / f"{preds}.csv",
                              "--json", *extra], capsys)
    assert code == 3 and out == ""
    assert "in another order: pandas index" in err and "rename_axis('id').reset_index()" in err
    assert err.count("error:") == 1


def test_following_the_hint_gives_the_joined_number(frames, capsys, tmp_path):
    d, df, _ = frames
    for name in ("labels", "preds_shuffled"):
        pd.read_csv(d / f"{name}.csv", index_col=0).rename_axis("id").reset_index().to_csv(
            tmp_path / f"{name}.csv", index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels.csv", "--preds",
                              tmp_path / "preds_shuffled.csv", "--json", "--summary-only"], capsys)
    assert code == 0, err
    assert json.loads(out)["value"] == pytest.approx(_bce(df["y"].to_numpy(), df["p"].to_numpy()), rel=1e-13)


@pytest.mark.parametrize("labels,preds", [("labels", "preds_same"), ("split_labels", "split_fresh"),
                                          ("split_labels_reset", "split_preds_kept")])
def test_other_row_numbers_keep_pairing_by_position(frames, capsys, labels, preds):
    d, _, test = frames
    code, out, err = run_cli(["eval", "bce", "--labels", d / f"{labels}.csv", "--preds", d / f"{preds}.csv",
                              "--json", "--summary-only", "--chunk-rows", "700"], capsys)
    assert code == 0, err
    y = pd.read_csv(d / f"{labels}.csv", index_col=0)["y"].to_numpy()
    p = pd.read_csv(d / f"{preds}.csv", index_col=0)["p"].to_numpy()
    assert json.loads(out)["value"] == pytest.approx(_bce(y, p), rel=1e-13)


@pytest.mark.parametrize("n", [300, N])
def test_a_parquet_range_index_kept_in_the_metadata_is_the_labels_row_numbers(tmp_path, capsys, n):
    """pandas keeps a default RangeIndex in the Parquet metadata only: predictions written after a shuffle
    (their index a column) are refused beside it, whatever the length; in order, or fresh, they pair."""
    pytest.importorskip("pyarrow")
    rng = np.random.default_rng(4)
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "p": rng.uniform(0.02, 0.98, n)})
    df[["y"]].to_parquet(tmp_path / "labels.parquet")
    df[["p"]].sample(frac=1, random_state=5).to_parquet(tmp_path / "shuffled.parquet")
    df[["p"]].set_axis(pd.Index(np.arange(n)), axis=0).to_parquet(tmp_path / "in_order.parquet")  # a column
    df[["p"]].to_parquet(tmp_path / "fresh.parquet")  # a range index too
    import pyarrow.parquet as pq

    assert pq.read_schema(tmp_path / "labels.parquet").pandas_metadata["index_columns"][0]["kind"] == "range"
    for name in ("shuffled", "in_order"):
        assert pq.read_schema(tmp_path / f"{name}.parquet").pandas_metadata["index_columns"] == ["__index_level_0__"]
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels.parquet", "--preds",
                              tmp_path / "shuffled.parquet", "-q"], capsys)
    assert code == 3 and out == "" and "in another order: the RangeIndex that pandas kept in the metadata" in err
    expected = _bce(df["y"].to_numpy(), df["p"].to_numpy())
    for preds in ("in_order", "fresh"):
        code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels.parquet", "--preds",
                                  tmp_path / f"{preds}.parquet", "-q"], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(expected, rel=1e-13)


@pytest.mark.parametrize("fmt", ["csv", "parquet"])
def test_the_dask_engine_refuses_the_same_shuffles(tmp_path, capsys, fmt):
    """The Dask engine sums the partitions' fingerprints: the files the local engine refuses, it refuses."""
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(12)
    n = 2 * SAMPLE_ROWS
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "p": rng.uniform(0.02, 0.98, n)})
    write = (lambda f, path: f.to_csv(path)) if fmt == "csv" else (lambda f, path: f.to_parquet(path))
    write(df[["y"]], tmp_path / f"labels.{fmt}")
    write(df[["p"]].sample(frac=1, random_state=3), tmp_path / f"shuffled.{fmt}")
    write(df[["p"]], tmp_path / f"in_order.{fmt}")
    pd.DataFrame({"y": df["y"]}).to_csv(tmp_path / "plain_labels.csv", index=False)  # no index at all
    for labels, preds in ((f"labels.{fmt}", f"shuffled.{fmt}"), ("plain_labels.csv", f"shuffled.{fmt}")):
        code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / labels, "--preds", tmp_path / preds,
                                  "--engine", "dask", "-q"], capsys)
        assert code == 3 and out == "" and "in another order" in err, err
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / f"labels.{fmt}", "--preds",
                              tmp_path / f"in_order.{fmt}", "--engine", "dask", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(df["y"].to_numpy(), df["p"].to_numpy()), rel=1e-13)


@pytest.mark.parametrize("case", ["csv index", "text column", "parquet range index", "labels without index"])
def test_both_engines_name_the_same_row_of_a_shuffle(tmp_path, capsys, case):
    """The local engine named the predictions' row as a spreadsheet shows it (ip.csv row 2: the header is row
    1) and the Dask engine the data row ('row 1: 0 in the labels, 1957 in the predictions'), in other words."""
    pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(0)
    n = 2 * SAMPLE_ROWS
    df = pd.DataFrame({"y": rng.integers(0, 2, n), "p": rng.uniform(0.02, 0.98, n),
                       "name": [f"s{i}" for i in range(n)]})
    shuffled = df.sample(frac=1, random_state=1)
    cols: list[str] = []
    if case == "csv index":
        df[["y"]].to_csv(tmp_path / "y.csv")
        shuffled[["p"]].to_csv(tmp_path / "p.csv")
        labels, preds = "y.csv", "p.csv"
    elif case == "text column":
        df[["name", "y"]].to_csv(tmp_path / "y.csv", index=False)
        shuffled[["name", "p"]].to_csv(tmp_path / "p.csv", index=False)
        labels, preds, cols = "y.csv", "p.csv", ["--label-cols", "y", "--pred-cols", "p"]
    elif case == "parquet range index":
        pytest.importorskip("pyarrow")
        df[["y"]].to_parquet(tmp_path / "y.parquet")
        shuffled[["p"]].to_parquet(tmp_path / "p.parquet")
        labels, preds = "y.parquet", "p.parquet"
    else:
        df[["y"]].to_csv(tmp_path / "y.csv", index=False)
        shuffled[["p"]].to_csv(tmp_path / "p.csv")
        labels, preds = "y.csv", "p.csv"
    first = int(shuffled.index[0])  # the predictions' first row holds another row's number
    errors = {}
    for engine in ("local", "dask"):
        code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / labels, "--preds", tmp_path / preds, *cols,
                                  "--engine", engine, "-q"], capsys)
        assert code == 3 and out == "", err
        errors[engine] = err
    row = 2 if preds.endswith(".csv") else 1  # the first row of data, as a spreadsheet shows it
    for err in errors.values():
        assert f"{preds} {'column name ' if case == 'text column' else ''}row {row} (value '" in err, err
        assert str(first) in err
    if case in ("csv index", "text column"):
        assert errors["dask"] == errors["local"]


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(1, 60),
    cuts=st.lists(st.integers(1, 59), max_size=4),
    starts=st.sampled_from([[0, 1], [0], [1], [0, 2], [0, 1, 5], [3, 1]]),
    kind=st.sampled_from(["shuffled from 0", "shuffled from 1", "in order from 1", "other", "texts", "floats"]),
    seed=st.integers(0, 2**32 - 1),
)
def test_row_numbers_from_several_starts_watch_as_one_watch_each(n, cuts, starts, kind, seed):
    """update_row_numbers (the predictions' sums taken once, each numbering's from the first's) leaves every
    watch as feeding it its own numbers would: the same difference of sums, first difference, rows and verdict."""
    from losscli.inputs.index_watch import update_row_numbers

    rng = np.random.default_rng(seed)
    if kind.startswith("shuffled"):
        preds = rng.permutation(n) + (1 if kind.endswith("1") else 0)
    elif kind == "in order from 1":
        preds = np.arange(1, n + 1)
    elif kind == "other":
        preds = rng.integers(-5, 3 * n, n)
    elif kind == "texts":
        preds = np.array([f"r{v}" for v in rng.permutation(n)], dtype=object)
    else:
        preds = rng.permutation(n) + 0.5
    bounds = [0, *sorted({c for c in cuts if c < n}), n]
    shared = [IndexWatch() for _ in starts]
    alone = [IndexWatch() for _ in starts]
    for lo, hi in zip(bounds[:-1], bounds[1:], strict=True):
        rows = np.arange(lo, hi)
        update_row_numbers(shared, starts, preds[lo:hi], rows)
        for watch, start in zip(alone, starts, strict=True):
            watch.update(start + rows, preds[lo:hi], rows)
    for a, b in zip(shared, alone, strict=True):
        assert _verdict(a) == _verdict(b)
        assert a.shuffled() == b.shuffled()


def _verdict(watch: IndexWatch) -> dict:
    """What a watch decides from: its rows, first difference, repeats, and the difference of its two sums (rows
    of equal values add the same to both, whether or not they are added)."""
    data = watch.to_data()
    return {**{k: data[k] for k in ("active", "first", "rows", "repeats")},
            "difference": [(x - y) % 2**64 for x, y in zip(*data["sums"], strict=True)]}


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("n", [40, N])
def test_a_parquet_range_index_from_1_beside_a_pandas_index_from_0_in_another_order_is_refused(
        tmp_path, capsys, engine, n):
    """Labels whose index counts 1, 2, 3, … are watched as their row numbers from 0 too, wherever that index is:
    a column of a CSV or Parquet file, or a RangeIndex(1, n + 1) kept in the Parquet metadata only. The last were
    paired by position beside predictions whose pandas index holds 0 … n−1 in another order (a wrong number,
    exit 0, on both engines). Refused; the predictions sorted by their index, or written without it, pair."""
    pytest.importorskip("pyarrow")
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(n)
    y, p = rng.integers(0, 2, n), np.round(rng.uniform(0.02, 0.98, n), 6)
    order = rng.permutation(n)
    pd.DataFrame({"y": y}, index=pd.RangeIndex(1, n + 1)).to_parquet(tmp_path / "y.parquet")
    import pyarrow.parquet as pq

    assert pq.read_schema(tmp_path / "y.parquet").pandas_metadata["index_columns"][0]["start"] == 1
    args = ["eval", "bce", "--engine", engine, "-q", "--labels", tmp_path / "y.parquet", "--preds"]
    pd.DataFrame({"p": p}).iloc[order].to_csv(tmp_path / "shuffled.csv")
    code, out, err = run_cli([*args, tmp_path / "shuffled.csv"], capsys)
    assert code == 3 and out == "", (out, err)
    assert "another order" in err and "df.sort_index()" in err and "index=False" in err, err
    # R's row names 1 … n in another order, as before: refused by the RangeIndex itself
    pd.DataFrame({"p": p}, index=np.arange(1, n + 1)).iloc[order].to_csv(tmp_path / "shuffled1.csv")
    code, out, err = run_cli([*args, tmp_path / "shuffled1.csv"], capsys)
    assert code == 3 and out == "" and "another order" in err, (out, err)
    pd.DataFrame({"p": p}).iloc[order].sort_index().to_csv(tmp_path / "sorted.csv")
    pd.DataFrame({"p": p}).to_csv(tmp_path / "plain.csv", index=False)
    for fixed in ("sorted", "plain"):
        code, out, err = run_cli([*args, tmp_path / f"{fixed}.csv"], capsys)
        assert code == 0, err
        assert float(out) == pytest.approx(_bce(y, p), rel=1e-12)


def test_the_labels_row_numbers_from_0_and_1_are_fed_together(tmp_path, capsys, monkeypatch):
    """The labels' row numbers from 0 and from 1 beside one column of the predictions are fed to their two
    watches in one call per chunk (the predictions' sums taken once), not one call each: beside labels whose
    index counts 0, 1, 2, … they cost about one watch more, not two (2,000,000 rows: 1.17 s for 0.92 s)."""
    import losscli.inputs.index_watch as index_watch

    calls = []
    real = index_watch.update_row_numbers

    def spy(watches, starts, preds_index, rows):
        calls.append(list(starts))
        real(watches, starts, preds_index, rows)

    monkeypatch.setattr(index_watch, "update_row_numbers", spy)
    rng = np.random.default_rng(2)
    y, p = rng.integers(0, 2, N), rng.uniform(0.02, 0.98, N)
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"p": p}, index=np.arange(1, N + 1)).to_csv(tmp_path / "p.csv")  # in order, from 1
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q",
                              "--chunk-rows", "500"], capsys)
    assert code == 0 and float(out) == pytest.approx(_bce(y, p), rel=1e-12), err
    assert calls and all(starts == [0, 1] for starts in calls), calls[:4]


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("chunk", ["1000", None])
def test_an_index_with_a_blank_past_the_first_chunk_is_watched_as_one_without(tmp_path, capsys, engine, chunk):
    """A pandas float index whose one missing value (a blank cell) lies in a later chunk than the first: the
    first chunk's whole numbers stopped the watch at that blank, so a shuffle was paired by position (0.9413 for
    0.9521 with --chunk-rows 1000, exit 0). Refused in any chunking; the hint followed gives the number."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    n = 5000
    rng = np.random.default_rng(3)
    index = pd.Index(np.arange(n, dtype=np.float64)).where(np.arange(n) != n - 1, np.nan)
    y, p = rng.integers(0, 2, n), np.round(rng.uniform(0.02, 0.98, n), 6)
    order = rng.permutation(n)
    pd.DataFrame({"y": y}, index=index).to_csv(tmp_path / "y.csv")
    pd.DataFrame({"p": p[order]}, index=index[order]).to_csv(tmp_path / "p.csv")
    extra = [*(["--chunk-rows", chunk] if chunk else []), *(["--engine", "dask"] if engine == "dask" else [])]
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q",
                              *extra], capsys)
    assert code == 3 and out == "", (out, err)
    assert "in another order: pandas index" in err and "rename_axis('id').reset_index()" in err
    for name in ("y", "p"):
        pd.read_csv(tmp_path / f"{name}.csv", index_col=0).rename_axis("id").reset_index().to_csv(
            tmp_path / f"{name}_id.csv", index=False)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y_id.csv", "--preds", tmp_path / "p_id.csv",
                              "-q", *extra], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(y, p), rel=1e-13)


def _late_shuffle(tmp_path, name: str, values: np.ndarray, *, named_index: bool, n: int = 6000):
    """Labels and predictions holding ``values`` in a column ``name`` (a named pandas index written by to_csv,
    or a column), the predictions' rows past row 1,500 in another order; returns (y, p) in the labels' order."""
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, n)
    p = np.round(np.clip(0.6 * y + rng.uniform(0, 0.4, n), 0.01, 0.99), 6)
    order = np.concatenate([np.arange(1500), 1500 + rng.permutation(n - 1500)])
    if named_index:
        index = pd.Index(values, name=name)
        pd.DataFrame({"y": y}, index=index).to_csv(tmp_path / "y.csv")
        pd.DataFrame({"p": p}, index=index).iloc[order].to_csv(tmp_path / "p.csv")
    else:
        pd.DataFrame({name: values, "y": y}).to_csv(tmp_path / "y.csv", index=False)
        pd.DataFrame({name: values, "p": p}).iloc[order].to_csv(tmp_path / "p.csv", index=False)
    return y, p


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("case", ["index row", "column level_0", "column step", "column n"])
def test_a_column_of_numbers_both_files_hold_is_watched_past_the_sampled_rows(tmp_path, capsys, engine, case):
    """A column of numbers of one name in both files that agrees row by row in the sampled rows (an index named
    row, reset_index's level_0, a step) was not read past them: a shuffle further down was paired by position
    (0.8561 for 0.2350, exit 0, on both engines and in every chunking). Watched as a text column is: refused
    with the join on it, which gives the number."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    kind, name = case.split()
    n = 6000
    values = np.arange(n) if name in ("row", "step", "n") else np.random.default_rng(1).permutation(n) * 7 + 11
    y, p = _late_shuffle(tmp_path, name, values, named_index=kind == "index")
    files = ["--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--engine", engine]
    for chunk in ([], ["--chunk-rows", "7"]) if engine == "local" else ([],):
        code, out, err = run_cli(["eval", "bce", *files, "-q", *chunk], capsys)
        assert (code, out) == (3, ""), err
        assert f"their column {name!r} holds the same values in both files, in another order" in err
        assert f"--id-col {name}" in err
    code, out, err = run_cli(["eval", "bce", *files, "-q", "--id-col", name], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(y, p), rel=1e-12)


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_round_trip_index_and_features_in_both_files_are_watched(tmp_path, capsys, engine):
    """pandas' index written, read back without index_col and written again (its columns: the new index, then
    Unnamed: 0 holding the old one) and feature columns copied into both files describe the rows too: in order
    they pair, shuffled past the sample they are refused (the new index, counting 0, 1, 2, … in both files,
    proves no order); of several columns of numbers one is watched."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    n = 6000
    y, p = _late_shuffle(tmp_path, "x", np.arange(n) * 0.25, named_index=False)
    rng = np.random.default_rng(5)
    order = np.concatenate([np.arange(1500), 1500 + rng.permutation(n - 1500)])
    pd.DataFrame({"y": y}).to_csv(tmp_path / "y_1.csv")
    pd.DataFrame({"p": p}).iloc[order].to_csv(tmp_path / "p_1.csv")
    for name in ("y", "p"):
        pd.read_csv(tmp_path / f"{name}_1.csv").to_csv(tmp_path / f"{name}_2.csv")
    assert (tmp_path / "p_2.csv").read_text().startswith(",Unnamed: 0,p\n")
    files = ["--labels", tmp_path / "y_2.csv", "--preds", tmp_path / "p_2.csv", "-q", "--engine", engine]
    code, out, err = run_cli(["eval", "bce", *files], capsys)
    assert (code, out) == (3, "") and "their column 'Unnamed: 0' holds the same values" in err, err
    code, out, err = run_cli(["eval", "bce", *files, "--id-col", "Unnamed: 0"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(_bce(y, p), rel=1e-12)
    if engine == "dask":
        return
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "-q",
                              "--label-cols", "y", "--pred-cols", "p"], capsys)
    assert (code, out) == (3, "") and "their column 'x' holds the same values" in err
    rng = np.random.default_rng(2)
    features = rng.normal(size=(n, 3))
    frame = pd.DataFrame(features, columns=["f1", "f2", "f3"])
    frame.assign(y=y).to_csv(tmp_path / "fy.csv", index=False)
    frame.assign(p=p).to_csv(tmp_path / "fp.csv", index=False)
    args = ["eval", "bce", "--labels", tmp_path / "fy.csv", "--preds", tmp_path / "fp.csv", "--label-cols", "y",
            "--pred-cols", "p", "--json", "--summary-only"]
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    doc = json.loads(out)
    assert doc["value"] == pytest.approx(_bce(y, p), rel=1e-12)
    assert [note.split("; ")[-1] for note in doc["inputs"]["notes"] if "is watched" in note] == [
        "their column 'f1' is watched for the same values in another order"]
    order = np.concatenate([np.arange(1500), 1500 + rng.permutation(n - 1500)])
    frame.assign(p=p).iloc[order].to_csv(tmp_path / "fp.csv", index=False)
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (3, "") and "their column 'f1' holds the same values" in err


@pytest.mark.parametrize("engine", ["local", "dask"])
@pytest.mark.parametrize("case", ["times then ties", "renumbered index", "step beside a feature"])
def test_columns_of_numbers_neither_prove_the_order_nor_hide_a_shuffle(tmp_path, capsys, engine, case):
    """Times there once in the sampled rows and tied further down (two rows swapped within each tie, as an
    unstable sort leaves them) proved the order and silenced a text column's watch (0.9084 for 0.1084, exit 0);
    a pandas index renumbered 0 … n−1 in both files made the Dask engine join on it and leave a shared feature
    unwatched; a step counting the rows in both files was watched alone, not the feature beside it. Each is
    refused on both engines."""
    if engine == "dask":
        pytest.importorskip("dask.distributed")
    rng = np.random.default_rng(11)
    n = 4000
    y = rng.integers(0, 2, n)
    p = np.round(np.clip(0.1 + 0.8 * y + rng.normal(0, 0.05, n), 1e-6, 1 - 1e-6), 9)
    x = rng.normal(size=n)
    perm = np.arange(n)
    if case == "times then ties":
        ts = np.concatenate([np.arange(1000), 1000 + np.repeat(np.arange((n - 1000) // 2), 2)]) * 60
        for i in range(1000, n, 2):
            perm[i], perm[i + 1] = perm[i + 1], perm[i]
        store = np.array([f"s{i % 37}" for i in range(n)], dtype=object)
        pd.DataFrame({"ts": ts, "store": store, "label": y}).to_csv(tmp_path / "y.csv", index=False)
        pd.DataFrame({"ts": ts[perm], "store": store[perm], "pred": p[perm]}).to_csv(tmp_path / "p.csv", index=False)
        shown = "store"
    else:
        tail = perm[1500:].copy()
        rng.shuffle(tail)
        perm[1500:] = tail
        if case == "renumbered index":
            pd.DataFrame({"x": x, "label": y}).to_csv(tmp_path / "y.csv")
            pd.DataFrame({"x": x[perm], "pred": p[perm]}).to_csv(tmp_path / "p.csv")
        else:
            pd.DataFrame({"step": np.arange(n), "x": x, "label": y}).to_csv(tmp_path / "y.csv", index=False)
            pd.DataFrame({"step": np.arange(n), "x": x[perm], "pred": p[perm]}).to_csv(tmp_path / "p.csv",
                                                                                       index=False)
        shown = "x"
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--label-cols", "label", "--pred-cols", "pred", "-q", "--engine", engine], capsys)
    assert (code, out) == (3, ""), (out, err)
    assert f"their column {shown!r} holds the same values in both files, in another order" in err


def test_the_shared_index_hint_names_every_prediction_column():
    """A label column beside three logits: the hint named --pred-cols l0 alone (columns paired with the labels),
    which then needs one prediction column per class."""
    from losscli.errors import UsageError
    from losscli.inputs.infer import Table, _refuse_shared_index

    n = 20
    step = np.arange(n) * 3 + 7
    labels = Table("y.csv", ["step", "label"], {"step": step, "label": np.arange(n) % 3})
    preds = Table("p.csv", ["step", "l0", "l1", "l2"], {"step": step, **{f"l{k}": np.random.default_rng(k).random(n)
                                                                         for k in range(3)}})
    with pytest.raises(UsageError) as info:
        _refuse_shared_index(labels, ["step", "label"], preds, ["step", "l0", "l1", "l2"], class_scores=True)
    assert "choose the columns: --label-cols label --pred-cols l0,l1,l2;" in info.value.hint
    # a loss of one prediction column per label column (mse beside pred_std): the column paired with the label
    values = Table("p.csv", ["step", "pred", "pred_std"], {"step": step, "pred": np.linspace(0, 1, n) + 0.01,
                                                           "pred_std": np.linspace(1, 2, n) + 0.01})
    with pytest.raises(UsageError) as info:
        _refuse_shared_index(labels, ["step", "label"], values, ["step", "pred", "pred_std"])
    assert "choose the columns: --label-cols label --pred-cols pred;" in info.value.hint


@pytest.mark.parametrize("engine", ["local", "dask"])
def test_a_round_trip_of_a_shuffled_frame_is_checked_by_its_own_index(tmp_path, capsys, engine):
    """read_csv then to_csv of a shuffled frame writes ``,Unnamed: 0,0,1,2``: the outer index is read_csv's
    fresh 0, 1, 2, … (in order whatever the rows) and the frame's own, shuffled, is ``Unnamed: 0``. The rows
    were paired by place (1.36 for torch's 1.29, exit 0); they are refused as the single write is."""
    torch = pytest.importorskip("torch")
    if engine == "dask":
        pytest.importorskip("dask.dataframe")
    rng = np.random.default_rng(0)
    z, y = rng.normal(size=(40, 3)), rng.integers(0, 3, 40)
    pd.DataFrame({"label": y}).to_csv(tmp_path / "y.csv", index=False)
    for shuffled in (True, False):
        frame = pd.DataFrame(z).sample(frac=1, random_state=1) if shuffled else pd.DataFrame(z)
        frame.to_csv(tmp_path / "once.csv")
        pd.read_csv(tmp_path / "once.csv").to_csv(tmp_path / "twice.csv")
        code, out, err = run_cli(["eval", "sparse_cce", "--logits", "--labels", tmp_path / "y.csv", "--preds",
                                  tmp_path / "twice.csv", "-q", "--engine", engine], capsys)
        if shuffled:
            assert (code, out) == (3, "") and "in another order" in err, err
        else:
            ref = torch.nn.functional.cross_entropy(torch.tensor(z), torch.tensor(y)).item()
            assert code == 0 and float(out) == pytest.approx(ref, rel=1e-12), err
