"""Temporary files for records that grow with the input: bucketed spills, and a full disk's message."""

from __future__ import annotations

import errno
import io

import numpy as np
import pytest
from cli_helpers import run_cli

from losscli import spill
from losscli.errors import OutputError
from losscli.quality import paired_stream


def test_buckets_come_back_in_the_order_records_came():
    s = spill.BucketSpill(np.dtype("<i8"))
    rng = np.random.default_rng(3)
    buckets = rng.integers(0, 7, 5000)
    records = np.arange(5000)
    for a in range(0, 5000, 1234):
        s.add(buckets[a:a + 1234], records[a:a + 1234])
    assert s.buckets() == sorted(set(buckets.tolist())) and s.count == 5000
    for b in s.buckets():
        assert s.read(b).tolist() == records[buckets == b].tolist()
    s.close()


def _full_disk(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


def test_a_full_disk_is_an_output_error_naming_the_folder(monkeypatch):
    monkeypatch.setattr(spill.os, "pwrite", _full_disk)
    s = spill.BucketSpill(np.dtype("<i8"))
    with pytest.raises(OutputError) as info:
        s.add(np.zeros(3, dtype=np.int64), np.arange(3))
    assert info.value.exit_code == 3
    assert "cannot write a temporary file in" in str(info.value) and "No space left on device" in str(info.value)
    assert "TMPDIR" in str(info.value)
    monkeypatch.setattr(spill.tempfile, "TemporaryFile", _full_disk)
    with pytest.raises(OutputError):
        spill.temporary_file()


class _FullFile(io.BytesIO):
    def write(self, data):
        raise OSError(errno.ENOSPC, "No space left on device")


def test_compare_on_a_full_disk_exits_3_with_the_hint_and_no_output(tmp_path, capsys, monkeypatch):
    rng = np.random.default_rng(8)
    np.save(tmp_path / "y.npy", rng.integers(0, 2, 5000))
    np.save(tmp_path / "new.npy", rng.random(5000))
    np.save(tmp_path / "old.npy", rng.random(5000))
    args = ["compare", "bce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "new.npy",
            "--baseline-preds", tmp_path / "old.npy", "--json"]
    with monkeypatch.context() as m:
        m.setattr(paired_stream, "temporary_file", lambda: _FullFile())
        code, out, err = run_cli(args, capsys)
    assert code == 3 and out == ""
    assert "cannot write a temporary file in" in err and "point TMPDIR to a folder with room" in err
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the hint, followed (a folder with room)
    monkeypatch.setattr(spill.tempfile, "tempdir", None)
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
