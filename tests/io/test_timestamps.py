"""One spelling of a date and time: what pandas writes in a CSV file, what polars writes, and a typed file's
timestamps (Parquet) become the same text, so that the files' indexes and keys compare equal."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from losscli.io.timestamps import datetime_texts, same_time, same_times

COLUMNS = {
    "midnights": pd.date_range("2024-01-01", periods=5, freq="D"),
    "hours": pd.date_range("2024-01-01", periods=30, freq="h"),
    "fractions": pd.date_range("2024-01-01", periods=7, freq="1500ms"),
    "nanoseconds": pd.DatetimeIndex(["2024-01-01", "2024-01-01 00:00:00.000000001", "1969-12-31 23:59:59.5"]),
    "missing": pd.DatetimeIndex(["2024-01-01", None, "2024-01-02 06:00"]),
}


def _cells(written: io.StringIO) -> list[str]:
    """The cells of a one-column CSV text below its header, as written (an empty one is ``""``)."""
    return [row[0] for row in csv.reader(io.StringIO(written.getvalue()))][1:]


@pytest.mark.parametrize("name", list(COLUMNS))
@pytest.mark.parametrize("unit", ["ns", "us", "ms", "s"])
def test_typed_timestamps_are_spelled_as_pandas_writes_them_in_a_csv_file(name, unit):
    values = COLUMNS[name]
    if unit != "ns":
        values = values.floor(unit).as_unit(unit) if unit != "s" else values.floor("s").as_unit("s")
    written = io.StringIO()
    pd.DataFrame({"t": values}).to_csv(written, index=False)
    assert datetime_texts(values.to_numpy()).tolist() == [same_time(c) for c in _cells(written)]


def test_other_writers_spellings_are_one():
    for text in ("2024-01-01", "2024-01-01 00:00:00", "2024-01-01T00:00:00.000000", "2024-01-01T00:00"):
        assert same_time(text) == "2024-01-01"
    for text in ("2024-01-01 12:30:00.500000", "2024-01-01T12:30:00.5", "2024-01-01T12:30:00.500000000"):
        assert same_time(text) == "2024-01-01 12:30:00.5"
    assert same_time("2024-01-01T12:30") == "2024-01-01 12:30:00"
    for text in ("x", "", "2024-01-01 00:00:00 tomorrow", "12:30"):
        assert same_time(text) == text  # what is no date and time, as written


@pytest.mark.parametrize("tz", ["UTC", "Europe/Paris", "America/New_York"])
def test_times_with_an_offset_are_spelled_one_way(tz):
    """pandas writes ``2024-01-01 00:00:00+00:00`` in a CSV file (``.000+01:00`` beside a fraction), Arrow
    casts a Parquet timestamp of a time zone to ``2024-01-01 00:00:00.000000Z`` (``+0100``), polars writes
    ``2024-01-01T00:00:00.000000+0000``: one spelling, the instant's local time and its offset."""
    import pyarrow as pa
    import pyarrow.compute as pc

    values = pd.Series(pd.DatetimeIndex(["2024-01-01", "2024-07-01 12:30", "2024-01-02 00:00:01.5"]).tz_localize(tz))
    written = io.StringIO()
    pd.DataFrame({"t": values}).to_csv(written, index=False)
    spelled = [same_time(c) for c in _cells(written)]
    assert [same_time(t) for t in pc.cast(pa.array(values), pa.string()).to_pylist()] == spelled
    assert [same_time(str(t)) for t in values] == spelled
    assert [same_time(t.replace(" ", "T").replace(":00+", ":00.000000+")) for t in map(str, values)] == spelled
    assert same_time("2024-01-01 00:00:00Z") == same_time("2024-01-01T00:00:00.000000+0000") == "2024-01-01 00:00:00+00:00"


def test_texts_without_a_date_and_time_come_back_as_they_are():
    ids = ["a1", "2024-01-01", "007"]
    assert same_times(ids) is ids
    assert same_times(["a1", "2024-01-01T00:00:00"]) == ["a1", "2024-01-01"]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.datetimes(min_value=pd.Timestamp("1900-01-01").to_pydatetime(),
                             max_value=pd.Timestamp("2200-01-01").to_pydatetime()), min_size=1, max_size=20))
def test_any_timestamps_agree_with_pandas_csv(stamps):
    values = pd.DatetimeIndex(stamps)
    written = io.StringIO()
    pd.DataFrame({"t": values}).to_csv(written, index=False)
    texts = datetime_texts(values.to_numpy())
    assert texts.tolist() == [same_time(c) for c in _cells(written)]
    assert [same_time(t) for t in texts.tolist()] == texts.tolist()  # one spelling: a fixed point
    assert np.array_equal(pd.to_datetime(pd.Series(texts.tolist()), format="ISO8601").to_numpy(), values.to_numpy())
