"""A quoted glob given to ``--labels`` or ``--weights`` is one dataset, read by the rules of a directory: its
matches in natural order (``part-2`` before ``part-10``), names starting with ``.`` or ``_`` and empty files left
out. Its value is that of the concatenated data. (A glob given to ``--preds`` names several models to rank.)"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

N = 40
#: the parts' numbers and bounds: natural order 0, 2, 10 (not 0, 10, 2 as text sorts them)
PARTS = [(0, 0, 7), (2, 7, 19), (10, 19, N)]


@pytest.fixture
def data(tmp_path):
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, N).astype(np.float64)
    p = np.clip(rng.random(N), 0.02, 0.98)
    w = rng.integers(1, 5, N).astype(np.float64)
    for folder, column, values in (("labels", "y", y), ("weights", "w", w)):
        (tmp_path / folder).mkdir()
        for number, a, b in PARTS:
            pq.write_table(pa.table({column: values[a:b]}), tmp_path / folder / f"part-{number}.parquet")
        (tmp_path / folder / "part-11.parquet").write_bytes(b"")  # an empty part: no rows
        (tmp_path / folder / "_SUCCESS.parquet").write_bytes(b"")
        (tmp_path / folder / ".part-0.parquet.crc").write_bytes(b"crc")
    pq.write_table(pa.table({"p": p}), tmp_path / "p.parquet")
    pq.write_table(pa.table({"y": y}), tmp_path / "y_all.parquet")
    return tmp_path, y, p, w


def _bce(y, p, w=None) -> float:
    losses = -(y * np.log(p) + (1 - y) * np.log1p(-p))
    return float(np.average(losses, weights=w))


def _run(args, capsys):
    code, out, err = run_cli(["eval", "bce", *args, "--json", "--summary-only"], capsys)
    assert code == 0, err
    return json.loads(out)


def test_a_labels_glob_is_one_dataset_in_natural_order(data, capsys):
    tmp, y, p, _ = data
    doc = _run(["--labels", tmp / "labels" / "part-*.parquet", "--preds", tmp / "p.parquet"], capsys)
    assert doc["n"] == N and doc["value"] == pytest.approx(_bce(y, p), rel=1e-12)
    assert any("empty (0 bytes)" in note for note in doc["inputs"]["notes"])
    whole = _run(["--labels", tmp / "y_all.parquet", "--preds", tmp / "p.parquet"], capsys)  # the concatenated file
    assert doc["value"] == whole["value"]
    folder = _run(["--labels", tmp / "labels", "--preds", tmp / "p.parquet"], capsys)  # the directory: the same
    assert doc["value"] == folder["value"]


def test_a_weights_glob_is_one_dataset(data, capsys):
    tmp, y, p, w = data
    doc = _run(["--labels", tmp / "labels" / "*", "--preds", tmp / "p.parquet",
                "--weights", tmp / "weights" / "part-*.parquet"], capsys)
    assert doc["n"] == N and doc["value"] == pytest.approx(_bce(y, p, w), rel=1e-12)


def test_a_glob_of_csv_parts_is_one_dataset(tmp_path, capsys):
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = np.array([0.3, 0.8, 0.6, 0.1, 0.9])
    for number, a, b in ((1, 0, 2), (2, 2, 3), (10, 3, 5)):
        (tmp_path / f"y-{number}.csv").write_text("y\n" + "".join(f"{v:g}\n" for v in y[a:b]))
    np.save(tmp_path / "p.npy", p)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y-*.csv", "--preds", tmp_path / "p.npy", "-q"],
                             capsys)
    assert code == 0 and float(out) == pytest.approx(_bce(y, p), rel=1e-12), err


def test_a_glob_that_matches_nothing_or_mixed_formats_is_refused(data, capsys):
    tmp, *_ = data
    code, _, err = run_cli(["eval", "bce", "--labels", tmp / "nothing" / "*.parquet", "--preds", tmp / "p.parquet"],
                           capsys)
    assert code == 3 and "no file matches" in err
    np.save(tmp / "labels" / "part-3.npy", np.zeros(2))
    code, _, err = run_cli(["eval", "bce", "--labels", tmp / "labels" / "part-*", "--preds", tmp / "p.parquet"],
                           capsys)
    assert code == 3 and "files of different kinds" in err and "Traceback" not in err


def test_a_compare_preds_glob_names_several_candidates(data, capsys):
    tmp, y, p, _ = data
    runs = tmp / "runs"
    runs.mkdir()
    q = np.clip(p * 0.9 + 0.05, 0.02, 0.98)
    pq.write_table(pa.table({"p": p}), runs / "a.parquet")
    pq.write_table(pa.table({"p": q}), runs / "b.parquet")
    code, out, err = run_cli(["compare", "bce", "--labels", tmp / "y_all.parquet", "--preds", runs / "*.parquet",
                              "--baseline-preds", tmp / "p.parquet", "-q"], capsys)
    assert code == 0, err
    assert [float(v) for v in out.split()] == pytest.approx([0.0, _bce(y, q) - _bce(y, p)], rel=1e-9, abs=1e-15)


def test_a_file_glob_follows_the_same_rules(tmp_path, capsys):
    """FILE as a glob skipped nothing: a Spark '_SUCCESS' among 'out/*' was read as a part ('is empty', exit 3)."""
    y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])
    p = np.array([0.3, 0.8, 0.6, 0.1, 0.9])
    (tmp_path / "out").mkdir()
    for number, a, b in ((2, 0, 2), (10, 2, 5)):
        pq.write_table(pa.table({"y": y[a:b], "p": p[a:b]}), tmp_path / "out" / f"part-{number}.parquet")
    (tmp_path / "out" / "_SUCCESS").write_bytes(b"")
    (tmp_path / "out" / "part-11.parquet").write_bytes(b"")
    code, out, err = run_cli(["eval", "bce", tmp_path / "out" / "*", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(_bce(y, p), rel=1e-12), err
