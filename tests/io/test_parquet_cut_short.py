"""A Parquet file cut short or rewritten while it is read is a clear error (exit 3) naming the sizes.

pyarrow reads a Parquet file with reads (no SIGBUS), but a file cut short between the read of its footer and
of its rows was an internal error (exit 4, "Parquet magic bytes not found in footer"), one cut short between
row groups was "cannot read (File too short: expected to be able to read 16345 bytes, got 0)" with no hint, and
one rewritten in place (another version of the same size) was scored from row groups of both versions, a
wrong number with exit 0. Each run is a process of its own; the child changes the file from the reader's own
conversion step, after a given number of chunks.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

ROWS, CLASSES, GROUP = 5000, 3, 1000

#: Runs ``losscli ARGS`` after making the reader cut (``cut:N``: truncate to N bytes) or rewrite (``rewrite``:
#: write the bytes of $PARQUET_OTHER over it, in place) the file $PARQUET_CHANGE_PATH once
#: $PARQUET_CHANGE_AFTER chunks of it were converted (the first is the sample that decides the columns).
CHILD = """
import os, sys
import losscli.io.parquet as parquet
from losscli.cli import main

path, after, how = os.environ["PARQUET_CHANGE_PATH"], int(os.environ["PARQUET_CHANGE_AFTER"]), os.environ["PARQUET_CHANGE"]
seen = [0]
convert = parquet.ParquetSource._convert

def changing(self, *args, **kwargs):
    seen[0] += 1
    if seen[0] == after:
        if how.startswith("cut"):
            os.truncate(path, int(how[4:]))
        elif how == "rewrite":
            with open(os.environ["PARQUET_OTHER"], "rb") as src, open(path, "r+b") as fh:
                fh.write(src.read())
    return convert(self, *args, **kwargs)

parquet.ParquetSource._convert = changing
main(sys.argv[1:])
"""


def _tables() -> tuple[pa.Table, pa.Table, float]:
    rng = np.random.default_rng(7)
    y = rng.integers(0, CLASSES, ROWS)
    z = (rng.standard_normal((ROWS, CLASSES)) * 2).astype(np.float32)
    zz = z.astype(np.float64)
    top = zz.max(axis=1, keepdims=True)
    expected = float(np.mean(np.log(np.exp(zz - top).sum(axis=1)) + top[:, 0] - zz[np.arange(ROWS), y]))
    return (pa.table({"y": y, **{f"p{j}": z[:, j] for j in range(CLASSES)}}),
            pa.table({"y": y, **{f"p{j}": -z[:, j] for j in range(CLASSES)}}), expected)


def _write(path: Path, table: pa.Table) -> None:
    """Write ``table`` as the hint says: to a temporary name renamed into place, in row groups of GROUP rows."""
    tmp = path.with_name(path.name + ".tmp")
    pq.write_table(table, tmp, compression="none", row_group_size=GROUP)
    os.replace(tmp, path)


def _run(folder: Path, change: str, after: int):
    env = {**os.environ, "NO_COLOR": "1", "PARQUET_CHANGE_PATH": str(folder / "t.parquet"),
           "PARQUET_CHANGE_AFTER": str(after), "PARQUET_CHANGE": change, "PARQUET_OTHER": str(folder / "other.parquet")}
    args = ["eval", "scce", "t.parquet", "--label-cols", "y", "--logits", "--chunk-rows", str(GROUP), "-q"]
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=folder, env=env,
                          timeout=120)


def _one_error(r: subprocess.CompletedProcess, *words: str) -> None:
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


@pytest.fixture
def folder(tmp_path):
    table, other, expected = _tables()
    _write(tmp_path / "t.parquet", table)
    _write(tmp_path / "other.parquet", other)
    assert os.path.getsize(tmp_path / "other.parquet") == os.path.getsize(tmp_path / "t.parquet")
    return tmp_path, table, expected


def _follow_hint(folder: Path, table: pa.Table, expected: float) -> None:
    _write(folder / "t.parquet", table)
    r = _run(folder, "none", after=10**9)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("after", [1, 3])  # before the rows are read (exit 4 before), between row groups
@pytest.mark.parametrize("keep", [0, 30000])
def test_a_file_cut_short_while_it_is_read_is_exit_3_naming_both_sizes(folder, after, keep):
    tmp_path, table, expected = folder
    size = os.path.getsize(tmp_path / "t.parquet")
    r = _run(tmp_path, f"cut:{keep}", after)
    _one_error(r, "t.parquet", "cut short while it was read", f"held {size} bytes", f"now holds {keep} bytes",
               "temporary name")
    _follow_hint(tmp_path, table, expected)


@pytest.mark.parametrize("after", [1, 3])
def test_a_file_rewritten_in_place_while_it_is_read_is_refused(folder, after):
    """Another version of the same size written over it: its row groups mixed with the first's gave a wrong
    number with exit 0."""
    tmp_path, table, expected = folder
    r = _run(tmp_path, "rewrite", after)
    _one_error(r, "t.parquet", "changed while it was read", "two versions", "temporary name")
    _follow_hint(tmp_path, table, expected)
