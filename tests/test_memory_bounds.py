"""Bounded memory for every feature: a subprocess per feature on a generated 2 M-row input.

Each feature's peak RSS must stay within a margin of plain ``eval``'s: what would grow with the input (per-
sample values kept for --ci, compare or breakdowns, text rows of --output, the whole input under check) is
several times the margin at this size (2 M float64 values are 16 MB per array; the slack allows for the
bootstrap's and the writers' fixed buffers). ``benchmarks/memory.py`` prints the figures at 8 M rows.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import memory  # noqa: E402

ROWS = 2_000_000
MARGIN_MB = 140
#: compare keeps up to 1 M pairs exactly (two 25-byte records each) before it sums them into buckets: a fixed
#: cost above eval's that does not grow with the input.
FIXED_MB = {"compare": 60}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    d = tmp_path_factory.mktemp("memory")
    memory.make_data(d, ROWS)
    return d


@pytest.fixture(scope="module")
def eval_mb(folder):
    mb, code = memory.peak_rss_mb(memory.CASES["eval"], folder)
    assert code == 0
    return mb


@pytest.mark.parametrize("feature", [k for k in memory.CASES if k != "eval"])
def test_peak_memory_stays_near_plain_eval(feature, folder, eval_mb):
    mb, code = memory.peak_rss_mb(memory.CASES[feature], folder)
    assert code == 0
    limit = eval_mb + MARGIN_MB + FIXED_MB.get(feature.split()[0], 0)  # "compare --html" costs what compare does
    assert mb < limit, f"{feature}: {mb:.0f} MB against {eval_mb:.0f} MB for eval"
