"""Integer columns of Parquet and Arrow files beyond what float64 holds exactly — 64-bit hashes as ids, written
as uint64, or int64 ids beside a null — were cast to float64 and refused ("cannot convert its values"), even
when no role read them. They are read as their decimal text now (never rounded), and joined on as such."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq
import pytest
from cli_helpers import run_cli

from losscli.io.parquet import arrow_column

IDS = [2**64 - 1, 2**64 - 2, 2**63 + 5]
WANT = float(np.mean([-np.log(1 - 0.1), -np.log(0.2), -np.log(1 - 0.3)]))  # joined on the ids


def _write(path, table):
    (feather.write_feather if path.suffix == ".feather" else pq.write_table)(table, path)


@pytest.mark.parametrize("ext", [".parquet", ".feather"])
def test_uint64_hash_ids_are_joined_on_as_written(tmp_path, capsys, ext):
    labels, preds = tmp_path / f"y{ext}", tmp_path / f"p{ext}"
    _write(labels, pa.table({"id": pa.array(IDS, pa.uint64()), "label": [0, 1, 0]}))
    _write(preds, pa.table({"id": pa.array(IDS[::-1], pa.uint64()), "p": [0.3, 0.2, 0.1]}))
    code, out, err = run_cli(["eval", "bce", "--labels", labels, "--preds", preds, "--id-col", "id", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(WANT, rel=1e-15), err
    # a column no role reads does not stop the file being read
    code, out, err = run_cli(["eval", "bce", "--labels", labels, "--preds", preds, "--label-cols", "label",
                              "--pred-cols", "p", "-q"], capsys)
    assert code == 0, err


def test_integers_are_kept_exact_or_read_as_text():
    assert arrow_column(pa.array([1, 2**63 - 1], pa.uint64())).dtype == np.int64
    assert list(arrow_column(pa.array(IDS, pa.uint64()))) == [str(i) for i in IDS]
    with_null = arrow_column(pa.array([2**60 + 1, None], pa.int64()))  # beside a null: not float64, rounded
    assert list(with_null) == [str(2**60 + 1), ""]
    small = arrow_column(pa.array([3, None], pa.int64()))
    assert small.dtype == np.float64 and small[0] == 3 and np.isnan(small[1])
