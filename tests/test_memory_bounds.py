"""Bounded memory for every feature: a subprocess per feature on a generated 2 M-row input.

Each feature's peak RSS must stay within a margin of plain ``eval``'s: what would grow with the input (per-
sample values kept for --ci, compare or breakdowns, text rows of --output, the whole input under check) is
several times the margin at this size (2 M float64 values are 16 MB per array; the slack allows for the
bootstrap's and the writers' fixed buffers). Inputs read from several CSV files (aligned by row, joined by
id, with weights or a pairwise loss's second input in their own files) are held to a tighter margin over
plain eval of one CSV file. ``benchmarks/memory.py`` prints the figures at 8 M rows.
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
#: Several CSV files read in step cost no more than one CSV file of all their columns: each reader holds its
#: chunk and pyarrow's read-ahead (32 blocks of 256 KiB); a 1 MiB block (32 MiB per file) or a reader that
#: buffers its file fails this.
CSV_MARGIN_MB = 60
#: an --id-col join holds the labels' id index: about 17 bytes per label row (int64 key, uint32 row, float32
#: label, a seen flag), 34 MB at 2 M rows; it held every id as a Python string and a dict (720 MB) before.
JOIN_INDEX_MB = 40


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


@pytest.fixture(scope="module")
def eval_csv_mb(folder):
    mb, code = memory.peak_rss_mb(memory.CASES["eval CSV"], folder)
    assert code == 0
    return mb


@pytest.mark.parametrize("feature", [k for k in memory.CASES if k not in ("eval", "eval CSV")])
def test_peak_memory_stays_near_plain_eval(feature, folder, eval_mb, eval_csv_mb):
    mb, code = memory.peak_rss_mb(memory.CASES[feature], folder)
    assert code == 0
    command = feature.split()[0]  # "compare --html" costs what compare does
    if "CSV" in feature:  # against plain eval of one CSV file (pyarrow and its threads cost the same)
        base, what = eval_csv_mb, "eval of one CSV file"
        margin = MARGIN_MB if command == "compare" else CSV_MARGIN_MB
        margin += JOIN_INDEX_MB if "--id-col" in feature else 0
    else:
        base, what, margin = eval_mb, "eval", MARGIN_MB
    limit = base + margin + FIXED_MB.get(command, 0)
    assert mb < limit, f"{feature}: {mb:.0f} MB against {base:.0f} MB for {what}"
