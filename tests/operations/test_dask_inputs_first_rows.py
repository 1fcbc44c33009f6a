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


@pytest.mark.parametrize("at", [8000, 9000])
@pytest.mark.parametrize("nan", ["error", "skip"])
def test_a_ragged_row_past_the_sampled_partitions_is_refused_as_a_reading_error(tmp_path, capsys, monkeypatch, at,
                                                                                 nan):
    """Two files paired by row, the predictions' row ``at`` of 12,000 with a cell too many: refused naming the files
    (an internal error, exit 4, once the sample no longer read every partition). Row 9,000 opens a block, whose
    other rows pandas then read one cell short, as missing values (which --nan skip dropped: 0.8857, exit 0)."""
    pytest.importorskip("dask.distributed")
    from cli_helpers import run_cli

    import losscli.dask

    monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", 4_000)
    rng = np.random.default_rng(1)
    rows = 12_000
    (tmp_path / "y.csv").write_text("label\n" + "".join(f"{v}\n" for v in rng.integers(0, 2, rows)))
    probs = [f"{v:.4f}" for v in rng.uniform(0.05, 0.95, rows)]
    probs[at] = "0.5,0.7"
    (tmp_path / "p.csv").write_text("prob\n" + "".join(f"{v}\n" for v in probs))
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--nan", nan, "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "cannot read" in err and "p.csv" in err and "internal error" not in err, err


def test_a_parquet_shard_without_a_column_is_refused(tmp_path, capsys):
    pytest.importorskip("dask.distributed")
    from cli_helpers import run_cli

    # (the first shard holds the sampled rows: the second is met when the rows are evaluated)
    pd.DataFrame({"label": [0, 1] * 1000, "prob": np.linspace(0.1, 0.9, 2000)}).to_parquet(tmp_path / "s-0.parquet")
    pd.DataFrame({"label": [0, 1] * 1000}).to_parquet(tmp_path / "s-1.parquet")
    code, out, err = run_cli(["eval", "bce", tmp_path / "s-*.parquet", "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", out
    assert "a shard lacks a column of the first one's" in err and "internal error" not in err, err


def _shards(folder, n: int = 3, rows: int = 2000) -> None:
    rng = np.random.default_rng(2)
    for k in range(n):
        pd.DataFrame({"label": rng.integers(0, 2, rows), "prob": rng.uniform(0.05, 0.95, rows).round(4)}).to_csv(
            folder / f"part-{k}.csv", index=False)


@pytest.mark.parametrize("damage", ["gzip cut short", "latin-1 byte", "parquet cut short"])
def test_a_damaged_shard_past_the_sampled_ones_is_refused_as_a_reading_error(tmp_path, capsys, damage):
    """A later shard cut short or not UTF-8 ended as an internal error (exit 4), or as "interrupted" (exit 130, a
    gzip file's EOFError), once the sample no longer read every partition."""
    import gzip

    pytest.importorskip("dask.distributed")
    from cli_helpers import run_cli

    _shards(tmp_path)
    if damage == "gzip cut short":
        for k in range(3):
            data = gzip.compress((tmp_path / f"part-{k}.csv").read_bytes())
            (tmp_path / f"part-{k}.csv.gz").write_bytes(data[: len(data) // 2] if k == 2 else data)
        glob = tmp_path / "part-*.csv.gz"
    elif damage == "latin-1 byte":
        text = (tmp_path / "part-2.csv").read_text().splitlines()
        text[3] = text[3] + "\xe9"
        (tmp_path / "part-2.csv").write_bytes(("\n".join(text) + "\n").encode("latin-1"))
        glob = tmp_path / "part-*.csv"
    else:
        for k in range(3):
            pd.read_csv(tmp_path / f"part-{k}.csv").to_parquet(tmp_path / f"part-{k}.parquet")
        data = (tmp_path / "part-2.parquet").read_bytes()
        (tmp_path / "part-2.parquet").write_bytes(data[: len(data) // 2])
        glob = tmp_path / "part-*.parquet"
    code, out, err = run_cli(["eval", "bce", glob, "--engine", "dask", "-q"], capsys)
    assert code == 3 and out == "", (code, out, err)
    assert "cannot read" in err and "internal error" not in err and "interrupted" not in err, err


def test_a_shard_with_its_columns_in_another_order_is_refused(tmp_path, capsys, monkeypatch):
    """Dask reads every block after a file's first under the first file's header: a shard written with the columns
    in another order had its cells paired with other columns (mse 0.3930 for 0.3181, exit 0)."""
    pytest.importorskip("dask.distributed")
    from cli_helpers import run_cli

    import losscli.dask

    monkeypatch.setattr(losscli.dask, "CSV_BLOCKSIZE", 4_000)
    rng = np.random.default_rng(3)
    frames = [pd.DataFrame({"y": rng.uniform(0, 1, 3000).round(4), "p": rng.uniform(0, 1, 3000).round(4),
                            "w": rng.uniform(1, 2, 3000).round(4)}) for _ in range(2)]
    frames[0].to_csv(tmp_path / "part-0.csv", index=False)
    frames[1][["y", "w", "p"]].to_csv(tmp_path / "part-1.csv", index=False)
    args = ["eval", "mse", tmp_path / "part-*.csv", "--label-cols", "y", "--pred-cols", "p", "--weight-col", "w", "-q"]
    code, out, err = run_cli([*args, "--engine", "dask"], capsys)
    assert code == 3 and out == "", out
    assert "a file has the columns y, w, p where the first file has y, p, w" in err, err
    both = pd.concat(frames)
    code, out, err = run_cli(args, capsys)  # the local engine pairs them by name
    assert code == 0, err
    assert float(out) == pytest.approx(np.average((both.y - both.p) ** 2, weights=both.w), rel=1e-12)
