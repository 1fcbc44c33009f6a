"""The Dask engine samples a file's first rows from as few partitions as hold them. It took the head of every
partition: every block of a CSV file parsed, every Parquet row group read, for a thousand rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

dd = pytest.importorskip("dask.dataframe")

from losscli.operations.dask_inputs import _first_rows  # noqa: E402


def _frame(sizes: list[int], broken_from: int) -> object:
    """A frame of partitions of ``sizes`` rows (column ``x`` numbering the rows) whose partitions from
    ``broken_from`` on fail when read."""
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    parts = [pd.DataFrame({"x": np.arange(s, s + n)}) for s, n in zip(starts, sizes, strict=True)]

    def read(k: int) -> pd.DataFrame:
        if k >= broken_from:
            raise RuntimeError(f"partition {k} was read")
        return parts[k]

    return dd.from_map(read, list(range(len(sizes))), meta=parts[0].iloc[:0])


def test_the_first_partition_alone_is_read_when_it_holds_the_rows():
    head = _first_rows(_frame([1500, 1500, 1500], broken_from=1), 1000)
    assert head["x"].tolist() == list(range(1000))


def test_more_partitions_are_read_until_they_hold_the_rows():
    head = _first_rows(_frame([300] * 20, broken_from=16), 1000)  # 1, then 4 (1,200 rows): never the 17th
    assert head["x"].tolist() == list(range(1000))


def test_a_frame_of_fewer_rows_is_read_whole():
    head = _first_rows(_frame([10, 0, 7, 3, 5, 1], broken_from=99), 1000)
    assert head["x"].tolist() == list(range(26))
