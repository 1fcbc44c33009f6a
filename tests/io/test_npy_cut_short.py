"""An NPY file cut short or rewritten while it is read is a clear error (exit 3), never SIGBUS.

Each run is a process of its own: the old memory-mapped reader died of SIGBUS (exit 135 in a shell, -7 here)
when a page past the new end of the file was touched, which would take the test run down with it. The child
truncates (or rewrites) the predictions file from the reader's own conversion step, after a given number of
chunks, so the file changes between two chunks of one read at a known point.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

ROWS, CLASSES, CHUNK = 5000, 3, 1000

#: Runs ``losscli ARGS`` after making the reader cut (``cut``: truncate to N bytes) or rewrite (``rewrite``:
#: the data region with other values, same size) the file $NPY_CHANGE_PATH once $NPY_CHANGE_AFTER chunks of
#: it were converted.
CHILD = """
import os, sys
import numpy as np
import losscli.io.npy as npy
from losscli.cli import main

path, after, how = os.environ["NPY_CHANGE_PATH"], int(os.environ["NPY_CHANGE_AFTER"]), os.environ["NPY_CHANGE"]
seen = [0]
convert = npy._ArraySource._convert

def changing(self, rows, key, **kw):
    out = convert(self, rows, key, **kw)
    if os.path.basename(self.name) == os.path.basename(path):
        seen[0] += 1
        if seen[0] == after:
            if how.startswith("cut"):
                os.truncate(path, int(how[4:]))
            else:
                with open(path, "r+b") as fh:
                    fh.seek(os.path.getsize(path) // 2)
                    fh.write(b"\\x00" * 4096)
    return out

npy._ArraySource._convert = changing
main(sys.argv[1:])
"""


def _save(path: Path, array: np.ndarray) -> None:
    """Write ``array`` as the hint says: to a temporary name renamed into place."""
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, array)
    os.replace(tmp, path)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(7)
    y = rng.integers(0, CLASSES, ROWS)
    z = (rng.standard_normal((ROWS, CLASSES)) * 2).astype(np.float32)
    np.save(tmp_path / "y.npy", y)
    np.save(tmp_path / "z.npy", z)
    zz = z.astype(np.float64)
    top = zz.max(axis=1, keepdims=True)
    expected = float(np.mean(np.log(np.exp(zz - top).sum(axis=1)) + top[:, 0] - zz[np.arange(ROWS), y]))
    return tmp_path, z, expected


def _run(folder: Path, change: str, after: int = 3, preds: str = "z.npy"):
    env = {**os.environ, "NO_COLOR": "1", "NPY_CHANGE_PATH": str(folder / preds), "NPY_CHANGE_AFTER": str(after),
           "NPY_CHANGE": change}
    args = ["eval", "scce", "--labels", "y.npy", "--preds", preds, "--logits", "--chunk-rows", str(CHUNK), "-q"]
    return subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=folder, env=env,
                          timeout=120)


def _one_error(r: subprocess.CompletedProcess, *words: str) -> str:
    assert r.returncode == 3, (r.returncode, r.stderr)  # -7 (SIGBUS) before
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in r.stderr, r.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])
    return lines[0]


@pytest.mark.parametrize("keep", [0, 128, 128 + 4 * CLASSES * 2 * CHUNK + 10])
def test_a_file_cut_short_between_chunks_is_exit_3_naming_both_sizes(files, keep):
    folder, z, expected = files
    size = os.path.getsize(folder / "z.npy")
    r = _run(folder, f"cut:{keep}")
    _one_error(r, "z.npy", "cut short while it was read", "(5000, 3)", f"{size} bytes", f"now holds {keep} bytes",
               "temporary name")
    # the hint: once the writer has finished (writing to a temporary name renamed into place), run again
    _save(folder / "z.npy", z)
    r = _run(folder, "none", after=10**9)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == pytest.approx(expected, rel=1e-12)


def test_a_file_rewritten_in_place_while_it_is_read_is_refused(files):
    """The same size, other values in its second half: rows of two versions would give a wrong number."""
    folder, z, expected = files
    r = _run(folder, "rewrite")
    _one_error(r, "z.npy", "changed while it was read", "two versions", "temporary name")
    _save(folder / "z.npy", z)
    r = _run(folder, "none", after=10**9)
    assert r.returncode == 0 and float(r.stdout) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("wide", [False, True])
def test_a_fortran_ordered_file_cut_short_is_exit_3(files, wide):
    """pandas' ``df.to_numpy()`` is Fortran-ordered, and so is the file numpy.save writes from it: read column
    by column, or (a chunk's pieces of a column under a page) copied out of a memory map checked first."""
    folder, z, expected = files
    np.save(folder / "f.npy", np.asfortranarray(z))
    chunk = 100 if wide else CHUNK  # 400-byte pieces of each column: the memory-mapped path
    env = {**os.environ, "NO_COLOR": "1", "NPY_CHANGE_PATH": str(folder / "f.npy"), "NPY_CHANGE_AFTER": "3",
           "NPY_CHANGE": "cut:1000"}
    args = ["eval", "scce", "--labels", "y.npy", "--preds", "f.npy", "--logits", "--chunk-rows", str(chunk), "-q"]
    r = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=folder, env=env,
                       timeout=120)
    _one_error(r, "f.npy", "cut short", "now holds 1000 bytes")
    _save(folder / "f.npy", np.asfortranarray(z))
    env["NPY_CHANGE_AFTER"] = str(10**9)
    r = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, cwd=folder, env=env,
                       timeout=120)
    assert r.returncode == 0 and float(r.stdout) == pytest.approx(expected, rel=1e-12)


def test_a_file_shorter_than_its_header_from_the_start_names_both_sizes(tmp_path):
    np.save(tmp_path / "y.npy", np.zeros(10, dtype=np.int64))
    full = tmp_path / "z.npy"
    np.save(full, np.zeros((10, 3), dtype=np.float32))
    os.truncate(full, os.path.getsize(full) - 20)
    r = subprocess.run([sys.executable, "-m", "losscli", "eval", "scce", "--labels", "y.npy", "--preds", "z.npy",
                        "--logits", "-q"], capture_output=True, text=True, cwd=tmp_path,
                       env={**os.environ, "NO_COLOR": "1"}, timeout=120)
    _one_error(r, "z.npy", "truncated", "120 bytes", "only 100 bytes follow", "write it again")
