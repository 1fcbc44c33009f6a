"""A pandas index, as pandas writes it into Parquet, Feather and Arrow tables (one level or a MultiIndex), is
never read as a prediction column, and two files' indexes are checked to agree row by row; two DataFrames
given to the API are read as the command line reads two files. Each case gave another number with exit 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.ipc as ipc
import pytest
from cli_helpers import run_cli

import losscli
from losscli.errors import InputError, ReadError


def cross_entropy(logits: np.ndarray, y: np.ndarray) -> float:
    """Mean cross-entropy of logits, in float64 (torch's cross_entropy)."""
    z = logits - logits.max(axis=1, keepdims=True)
    logp = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    return float(-logp[np.arange(len(y)), y].mean())


@pytest.fixture
def frame() -> tuple[pd.DataFrame, float]:
    rng = np.random.default_rng(0)
    logits, y = rng.normal(size=(50, 4)) * 2, rng.integers(0, 4, 50)
    df = pd.DataFrame(logits, columns=[f"l{i}" for i in range(4)])
    df["label"] = y
    return df, cross_entropy(logits, y)


def write(df: pd.DataFrame, path) -> None:
    if path.suffix == ".parquet":
        df.to_parquet(path)
    elif path.suffix == ".feather":
        df.to_feather(path)
    else:  # an Arrow IPC stream written by pyarrow from pandas (the metadata travels with the schema)
        table = pa.Table.from_pandas(df)
        with ipc.new_stream(str(path), table.schema) as w:
            w.write_table(table)


INDEXES = {
    "named": lambda n: pd.Index(np.arange(n) * 3 + 7, name="step"),
    "multi": lambda n: pd.MultiIndex.from_arrays([np.repeat(np.arange(10), n // 10), np.tile(np.arange(n // 10), 10)],
                                                 names=["doc", "tok"]),
}


@pytest.mark.parametrize("suffix", [".parquet", ".feather", ".arrows"])
@pytest.mark.parametrize("index", list(INDEXES))
def test_an_index_is_no_prediction_column(tmp_path, capsys, frame, suffix, index):
    df, expected = frame
    indexed = df.set_axis(INDEXES[index](len(df)))
    path = tmp_path / f"d{suffix}"
    write(indexed, path)
    code, out, err = run_cli(["eval", "scce", path, "--logits", "-q"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(expected, rel=1e-12)
    assert losscli.evaluate("scce", indexed, from_logits=True).value == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("suffix", [".parquet", ".feather"])
@pytest.mark.parametrize("index", list(INDEXES))
def test_two_files_whose_indexes_disagree_are_refused(tmp_path, capsys, suffix, index):
    rng = np.random.default_rng(1)
    n = 40
    y = rng.integers(0, 2, n)
    p = np.clip(y * 0.5 + rng.uniform(0, 0.5, n), 0.01, 0.99)
    idx = INDEXES[index](n)
    write(pd.DataFrame({"label": y}, index=idx), tmp_path / f"y{suffix}")
    preds = pd.DataFrame({"p": p}, index=idx)
    write(preds, tmp_path / f"p{suffix}")
    write(preds.iloc[rng.permutation(n)], tmp_path / f"shuffled{suffix}")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / f"y{suffix}", "--preds", tmp_path / f"p{suffix}",
                              "-q"], capsys)
    expected = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    assert code == 0 and float(out) == pytest.approx(expected, rel=1e-12), err
    for chosen in ([], ["--label-cols", "label", "--pred-cols", "p"]):
        code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / f"y{suffix}", "--preds",
                                  tmp_path / f"shuffled{suffix}", *chosen, "-q"], capsys)
        assert code == 3 and out == "" and "in another order" in err


def test_two_dataframes_are_read_as_two_files(tmp_path):
    rng = np.random.default_rng(2)
    ids = np.arange(1000, 1010)
    y, p = rng.normal(size=10), rng.normal(size=10)
    labels, preds = pd.DataFrame({"id": ids, "target": y}), pd.DataFrame({"id": ids, "pred": p})
    expected = float(np.mean((y - p) ** 2))
    assert losscli.evaluate("mse", labels, preds).value == pytest.approx(expected, rel=1e-15)
    # joined on the id, as the command line joins two files: another row order gives the same number
    assert losscli.evaluate("mse", labels, preds.iloc[::-1]).value == pytest.approx(expected, rel=1e-15)
    w = rng.random(10)
    assert losscli.evaluate("mse", labels, preds, sample_weight=w).value == pytest.approx(
        float(np.average((y - p) ** 2, weights=w)), rel=1e-14)
    # the same column names in another order are paired by name
    two = pd.DataFrame({"a": y, "b": p})
    assert losscli.evaluate("mse", two, two[["b", "a"]]).value == 0.0
    shuffled = pd.DataFrame({"p": p}, index=pd.Index(np.arange(10), name="row")).iloc[rng.permutation(10)]
    with pytest.raises(InputError, match="another order"):
        losscli.evaluate("mse", pd.DataFrame({"y": y}, index=pd.Index(np.arange(10), name="row")), shuffled)


@pytest.mark.parametrize("kind", ["arrow", "frame", "jsonl"])
def test_one_longer_list_is_the_row_refused(tmp_path, capsys, kind):
    """The width was the longest list sampled: every other row was short of a value, the error named row 1
    and its hint, --nan skip, scored the one long row with exit 0."""
    rng = np.random.default_rng(3)
    rows = rng.normal(size=(3000, 3)).tolist()
    rows[2500].append(9.0)
    table = pa.table({"label": rng.integers(0, 3, 3000), "logits": pa.array(rows)})
    if kind == "frame":
        with pytest.raises(ReadError, match=r"'logits' has 4 elements.*row 2501"):
            losscli.evaluate("scce", table, from_logits=True, nan="skip")
        return
    path = tmp_path / ("d.arrow" if kind == "arrow" else "d.jsonl")
    if kind == "arrow":
        with ipc.new_file(str(path), table.schema) as w:
            w.write_table(table)
    else:
        path.write_text("".join(f'{{"label": {y}, "logits": {z}}}\n' for y, z in
                                zip(table["label"].to_pylist(), rows, strict=True)))
    for extra in ([], ["--nan", "skip"]):
        code, out, err = run_cli(["eval", "scce", path, "--logits", *extra, "-q"], capsys)
        assert code == 3 and out == "" and "'logits' has 4 elements" in err
        assert ("row 2501" if kind == "arrow" else "line 2501") in err
