"""A few hundred inputs of the reader fuzzing harness (``tests/fuzz/fuzz_readers.py``) in the test suite.

The harness's own long runs (atheris, ``-runs=200000``) are not part of the suite; this keeps the target
and its seeds working, and replays the mutation loop deterministically.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import fuzz_readers  # noqa: E402


def test_every_seed_reads_or_fails_cleanly():
    seeds = fuzz_readers.seeds()
    assert len(seeds) > 100
    for data in seeds:
        fuzz_readers.read_bytes(data)


@pytest.mark.parametrize("seed", [0, 1])
def test_a_few_hundred_mutations(seed):
    result = fuzz_readers.builtin_fuzz(runs=400, seed=seed, verbose=False)
    assert result["executions"] == 400 and result["crashes"] == 0


def test_the_harness_restores_the_environment():
    before = {k: os.environ.get(k) for k in fuzz_readers.LIMITS}
    fuzz_readers.read_bytes(b"\x00\x00y,p\n0,0.5\n")
    assert {k: os.environ.get(k) for k in fuzz_readers.LIMITS} == before


def test_the_command_line_entry_runs_without_atheris(tmp_path):
    import subprocess

    r = subprocess.run([sys.executable, str(Path(fuzz_readers.__file__)), "--builtin", "-runs=50", "-seed=3"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "'executions': 50" in r.stdout
