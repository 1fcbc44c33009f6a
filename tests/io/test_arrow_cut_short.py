"""An Arrow IPC (Feather) file cut short or rewritten while it is read is a clear error (exit 3), never SIGBUS.

Each run is a process of its own: the old memory-mapped reader died of SIGBUS (exit 135 in a shell, -7 here)
when a page past the new end of the file was touched, and scored a file rewritten in place from rows of two
versions. The child truncates (or rewrites) the file from the reader's own batch loop, once a given number of
record batches were read, so the file changes between two batches of one read at a known point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.feather as feather
import pytest

ROWS, CLASSES, BATCH = 5000, 3, 1000

#: Runs ``losscli ARGS`` after making the reader cut (``cut:N``: truncate to N bytes) or rewrite (``rewrite``:
#: 4 KiB of zeros in the middle, same size) the file $ARROW_CHANGE_PATH once $ARROW_CHANGE_AFTER record
#: batches of it were read.
CHILD = """
import os, sys
import losscli.io.arrow_ipc as arrow_ipc
from losscli.cli import main

path, after, how = os.environ["ARROW_CHANGE_PATH"], int(os.environ["ARROW_CHANGE_AFTER"]), os.environ["ARROW_CHANGE"]
batches = arrow_ipc.ArrowIpcSource._batches

def changing(self):
    for i, b in enumerate(batches(self)):
        if i == after:
            if how.startswith("cut"):
                os.truncate(path, int(how[4:]))
            elif how == "rewrite":
                with open(path, "r+b") as fh:
                    fh.seek(os.path.getsize(path) // 2)
                    fh.write(b"\\x00" * 4096)
        yield b

arrow_ipc.ArrowIpcSource._batches = changing
main(sys.argv[1:])
"""


def _table() -> tuple[pa.Table, float]:
    rng = np.random.default_rng(7)
    y = rng.integers(0, CLASSES, ROWS)
    z = (rng.standard_normal((ROWS, CLASSES)) * 2).astype(np.float32)
    zz = z.astype(np.float64)
    top = zz.max(axis=1, keepdims=True)
    expected = float(np.mean(np.log(np.exp(zz - top).sum(axis=1)) + top[:, 0] - zz[np.arange(ROWS), y]))
    return pa.table({"y": y, **{f"p{j}": z[:, j] for j in range(CLASSES)}}), expected


def _write(path: Path, table: pa.Table, kind: str) -> None:
    """Write ``table`` as the hint says (to a temporary name renamed into place), in record batches of BATCH."""
    tmp = path.with_name(path.name + ".tmp")
    if kind == "stream":
        with pa.OSFile(str(tmp), "wb") as f, pa.ipc.new_stream(f, table.schema) as w:
            w.write_table(table, max_chunksize=BATCH)
    else:
        feather.write_feather(table, tmp, compression=kind, chunksize=BATCH)
    os.replace(tmp, path)


def _run(folder: Path, change: str, after: int = 2):
    env = {**os.environ, "NO_COLOR": "1", "ARROW_CHANGE_PATH": str(folder / "t.arrow"),
           "ARROW_CHANGE_AFTER": str(after), "ARROW_CHANGE": change}
    args = ["eval", "scce", "t.arrow", "--label-cols", "y", "--logits", "--chunk-rows", str(BATCH), "-q"]
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=folder, env=env,
                          timeout=120)


def _one_error(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 3, (r.returncode, r.stderr)  # -7 (SIGBUS) before, or 0 with a wrong number
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


def _follow_hint(folder: Path, table: pa.Table, kind: str, expected: float) -> None:
    """Once the writer has finished (writing to a temporary name renamed into place), a run gives the number."""
    _write(folder / "t.arrow", table, kind)
    r = _run(folder, "none")
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(expected, rel=1e-12)


KINDS = ["uncompressed", "lz4", "zstd", "stream"]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("keep", [0, 30000])
def test_a_file_cut_short_between_batches_is_exit_3_naming_both_sizes(tmp_path, kind, keep):
    table, expected = _table()
    _write(tmp_path / "t.arrow", table, kind)
    size = os.path.getsize(tmp_path / "t.arrow")
    r = _run(tmp_path, f"cut:{keep}")
    _one_error(r, "t.arrow", "cut short while it was read", f"held {size} bytes", f"now holds {keep} bytes",
               "temporary name")
    _follow_hint(tmp_path, table, kind, expected)


@pytest.mark.parametrize("kind", KINDS)
def test_a_file_rewritten_in_place_while_it_is_read_is_refused(tmp_path, kind):
    """The same size, zeros in its middle: rows of two versions gave a wrong number with exit 0."""
    table, expected = _table()
    _write(tmp_path / "t.arrow", table, kind)
    r = _run(tmp_path, "rewrite")
    _one_error(r, "t.arrow", "changed while it was read", "two versions", "temporary name")
    _follow_hint(tmp_path, table, kind, expected)


def test_a_stream_cut_at_the_end_of_a_batch_is_not_read_as_a_shorter_stream(tmp_path):
    """A stream cut where a record batch ends reads as a stream of fewer batches: the rows after it would be
    left out without a word."""
    table, expected = _table()
    _write(tmp_path / "t.arrow", table, "stream")
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as w:  # the same stream, its first 3 batches only
        w.write_table(table.slice(0, 3 * BATCH), max_chunksize=BATCH)
    keep = sink.getvalue().size - 8  # without the end-of-stream marker
    r = _run(tmp_path, f"cut:{keep}", after=2)  # once the third batch was read
    _one_error(r, "t.arrow", "cut short while it was read", f"now holds {keep} bytes")
    _follow_hint(tmp_path, table, "stream", expected)


def test_a_file_replaced_between_its_schema_and_its_rows_is_refused(tmp_path):
    """Renamed into place after the schema and the first batch were read: its rows are another file's."""
    table, expected = _table()
    _write(tmp_path / "t.arrow", table, "uncompressed")
    env = {**os.environ, "NO_COLOR": "1", "ARROW_REPLACE": str(tmp_path / "t.arrow")}
    script = """
import os, sys
import pyarrow.feather as feather
import losscli.io.arrow_ipc as arrow_ipc
from losscli.cli import main

path = os.environ["ARROW_REPLACE"]
init = arrow_ipc.ArrowIpcSource.__init__

def replacing(self, inp):
    init(self, inp)
    t = feather.read_table(path)
    feather.write_feather(t.slice(0, 2000), path + ".tmp")
    os.replace(path + ".tmp", path)

arrow_ipc.ArrowIpcSource.__init__ = replacing
main(sys.argv[1:])
"""
    args = ["eval", "scce", "t.arrow", "--label-cols", "y", "--logits", "-q"]
    r = subprocess.run([sys.executable, "-c", script, *args], capture_output=True, text=True, cwd=tmp_path, env=env,
                       timeout=120)
    _one_error(r, "t.arrow", "while it was read")
    _follow_hint(tmp_path, table, "uncompressed", expected)
