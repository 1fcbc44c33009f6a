"""A directory as one input: Spark's part files, Dask's and Hive-partitioned pyarrow datasets, read in the order
written and checked against scikit-learn on the same data read by pandas."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import numpy as np
import pandas as pd
import pytest
from cli_helpers import run_cli

N = 250


def log_loss(y, p) -> float:
    """scikit-learn's log_loss of 0/1 labels and P(1) in (0, 1), in float64."""
    y, p = np.asarray(y, dtype=np.float64), np.asarray(p, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log1p(-p)))


@pytest.fixture
def frame():
    rng = np.random.default_rng(7)
    return pd.DataFrame({"id": [f"r{i}" for i in range(N)], "y": rng.integers(0, 2, N),
                         "p": np.clip(rng.random(N), 0.01, 0.99),
                         "split": np.where(rng.random(N) < 0.6, "train", "test")})


def spark_dir(path, frame, parts, ext=".snappy.parquet", header=True):
    """As ``df.write.parquet(path)`` (or ``.csv``) lays it out: numbered parts, checksums, ``_SUCCESS``."""
    os.makedirs(path)
    job = uuid.uuid4()
    bounds = np.linspace(0, len(frame), parts + 1).astype(int)
    for i in range(parts):
        name = f"part-{i:05d}-{job}-c000{ext}"
        part = frame.iloc[bounds[i]:bounds[i + 1]]
        if ext.endswith(".parquet"):
            part.to_parquet(path / name, index=False)
        else:
            part.to_csv(path / name, index=False, header=header)
        (path / f".{name}.crc").write_bytes(b"crc\x00\x01")
    (path / "_SUCCESS").write_bytes(b"")
    (path / "._SUCCESS.crc").write_bytes(b"crc")
    return path


def result(args, capsys):
    code, out, err = run_cli(["eval", "bce", *map(str, args), "--json", "--summary-only"], capsys)
    assert code == 0, err
    return json.loads(out), err


def test_a_spark_parquet_directory_is_one_input_in_part_order(tmp_path, frame, capsys):
    """12 labels parts and 13 prediction parts (part-00010 after part-00002): the rows pair as written."""
    labels = spark_dir(tmp_path / "labels.parquet", frame[["y"]], 12)
    preds = spark_dir(tmp_path / "preds.parquet", frame[["p"]], 13)
    (preds / f"part-00013-{uuid.uuid4()}-c000.snappy.parquet").write_bytes(b"")  # an empty part: no rows
    doc, _ = result(["--labels", f"{labels}/", "--preds", preds], capsys)
    y, p = pd.read_parquet(labels)["y"], frame["p"]
    assert doc["n"] == N
    assert doc["value"] == pytest.approx(log_loss(y, p), rel=1e-12)
    assert any("empty (0 bytes)" in n for n in doc["inputs"]["notes"])


def test_per_sample_losses_come_in_the_order_written(tmp_path, frame, capsys):
    data = spark_dir(tmp_path / "out.parquet", frame[["y", "p"]], 11)
    code, _, err = run_cli(["eval", "bce", data, "-o", tmp_path / "ps.csv", "-q"], capsys)
    assert code == 0, err
    got = pd.read_csv(tmp_path / "ps.csv")["loss"].to_numpy()
    y, p = frame["y"].to_numpy(), frame["p"].to_numpy()
    np.testing.assert_allclose(got, -(y * np.log(p) + (1 - y) * np.log(1 - p)), rtol=1e-12)


def test_spark_csv_parts_without_a_header_take_the_first_parts_decision(tmp_path, frame, capsys):
    """Spark writes CSV without a header by default: a part whose first label is 0 is not read as pandas'
    header ``0`` when the first part's first row was read as data."""
    frame = frame.sort_values("y", ascending=False, kind="stable").reset_index(drop=True)  # part 0 starts with 1
    labels = spark_dir(tmp_path / "y", frame[["y"]], 9, ext=".csv", header=False)
    preds = spark_dir(tmp_path / "p", frame[["p"]], 9, ext=".csv", header=False)
    doc, _ = result(["--labels", labels, "--preds", preds], capsys)
    assert doc["n"] == N
    assert doc["value"] == pytest.approx(log_loss(frame["y"], frame["p"]), rel=1e-12)


def test_dask_directories_are_read_in_part_number_order(tmp_path, frame, capsys):
    """Dask names parquet parts part.0 … part.11: part.10 sorts before part.2 by name, not by number."""
    dd = pytest.importorskip("dask.dataframe")
    dd.from_pandas(frame[["y"]], npartitions=12, sort=False).to_parquet(tmp_path / "y", write_index=False)
    dd.from_pandas(frame[["p"]], npartitions=3, sort=False).to_csv(str(tmp_path / "p" / "*.csv"), index=False)
    doc, _ = result(["--labels", tmp_path / "y", "--preds", tmp_path / "p"], capsys)
    assert doc["value"] == pytest.approx(log_loss(frame["y"], frame["p"]), rel=1e-12)


def test_a_hive_partitioned_dataset_reads_every_partition(tmp_path, frame, capsys):
    frame.to_parquet(tmp_path / "ds", partition_cols=["split"], index=False)
    doc, _ = result([tmp_path / "ds", "--label-cols", "y", "--pred-cols", "p"], capsys)
    read = pd.read_parquet(tmp_path / "ds")
    assert doc["n"] == N
    assert doc["value"] == pytest.approx(log_loss(read["y"], read["p"]), rel=1e-12)
    assert any("partitioned by split" in n and "not read as columns" in n for n in doc["inputs"]["notes"])
    one, _ = result([tmp_path / "ds" / "split=train", "--label-cols", "y", "--pred-cols", "p"], capsys)
    train = frame[frame["split"] == "train"]
    assert one["value"] == pytest.approx(log_loss(train["y"], train["p"]), rel=1e-12)


def test_partitions_pair_by_position_only_with_a_dataset_partitioned_alike(tmp_path, frame, capsys):
    for name, cols in (("labels", ["y", "split"]), ("preds", ["p", "split"]), ("keyed", ["id", "y", "split"])):
        frame[cols].to_parquet(tmp_path / name, partition_cols=["split"], index=False)
    frame[["p"]].to_parquet(tmp_path / "preds.parquet", index=False)  # the order of the frame
    frame[["id", "p"]].to_parquet(tmp_path / "keyed.parquet", index=False)
    alike, _ = result(["--labels", tmp_path / "labels", "--preds", tmp_path / "preds"], capsys)
    assert alike["value"] == pytest.approx(log_loss(frame["y"], frame["p"]), rel=1e-12)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "labels", "--preds", tmp_path / "preds.parquet"],
                             capsys)
    assert code == 2 and out == ""
    assert "labels is a partitioned dataset" in err and "preds.parquet" in err and "--id-col" in err
    joined, _ = result(["--labels", tmp_path / "keyed", "--preds", tmp_path / "keyed.parquet", "--id-col", "id"],
                       capsys)  # the hint: joined on the key
    assert joined["value"] == pytest.approx(log_loss(frame["y"], frame["p"]), rel=1e-12)


def test_a_bad_value_is_named_in_its_part(tmp_path, frame, capsys):
    data = spark_dir(tmp_path / "out", frame[["y", "p"]], 5, ext=".csv")
    part = sorted(data.glob("part-00003-*.csv"))[0]
    lines = part.read_text().splitlines()
    lines[2] = "1,abc"
    part.write_text("\n".join(lines) + "\n")
    code, _, err = run_cli(["eval", "bce", data], capsys)
    assert code == 3
    assert f"{part}" in err and "row 3" in err and "'abc'" in err


@pytest.mark.parametrize(("layout", "message"), [
    ("nothing", "holds no data files"),
    ("mixed", "files of different kinds"),
    ("subdir", "no partition (key=value)"),
    ("delta", "Delta table"),
])
def test_directories_that_are_no_dataset_are_refused(tmp_path, frame, capsys, layout, message):
    data = tmp_path / "d"
    data.mkdir()
    (data / "_SUCCESS").write_bytes(b"")
    if layout != "nothing":
        frame.to_parquet(data / "part-00000.parquet", index=False)
    if layout == "mixed":
        (data / "README.txt").write_text("written by the nightly job\n")
    if layout in ("subdir", "delta"):
        (data / ("old" if layout == "subdir" else "_delta_log")).mkdir()
    code, out, err = run_cli(["eval", "bce", data], capsys)
    assert code == 3 and out == ""
    assert message in err and str(data) in err


def test_the_dask_engine_reads_a_directory_of_parts(tmp_path, frame):
    pytest.importorskip("dask.distributed")
    data = spark_dir(tmp_path / "out.parquet", frame[["y", "p"]], 12)
    run = subprocess.run([sys.executable, "-m", "losscli", "eval", "bce", str(data), "--engine", "dask", "-q"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert float(run.stdout) == pytest.approx(log_loss(frame["y"], frame["p"]), rel=1e-12)
    (data / "part-00012-empty.snappy.parquet").write_bytes(b"")
    run = subprocess.run([sys.executable, "-m", "losscli", "eval", "bce", str(data), "--engine", "dask", "-q"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 2 and "--engine local" in run.stderr
