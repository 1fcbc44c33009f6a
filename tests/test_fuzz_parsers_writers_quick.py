"""A few thousand inputs of the document, report-writer and CSV-parser fuzzing harnesses (``tests/fuzz/``) in the
suite: the targets and seeds keep working and the built-in mutation loop replays deterministically.
The long runs (atheris, ``-runs=200000``) are not part of the suite."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

import driver  # noqa: E402
import fuzz_documents  # noqa: E402
import fuzz_writers  # noqa: E402


@pytest.mark.parametrize("seed", [0, 1])
def test_documents_fuzz_smoke(seed):
    result = driver.builtin_fuzz(fuzz_documents.read_document, fuzz_documents.seeds(), runs=600, seed=seed,
                                 verbose=False)
    assert result["executions"] == 600 and result["crashes"] == 0


@pytest.mark.parametrize("seed", [0, 1])
def test_writers_fuzz_smoke(seed):
    result = driver.builtin_fuzz(fuzz_writers.target, fuzz_writers.seeds(), runs=300, seed=seed, verbose=False)
    assert result["executions"] == 300 and result["crashes"] == 0


def test_a_top_level_scalar_is_no_state():
    fuzz_documents.read_document(b"\x005")  # once a crash: the depth check assumed a container


def test_the_harness_finds_a_broken_writer(monkeypatch):
    """The harness can fail: a writer that stops escaping is caught."""
    import losscli.report.sections as sections

    monkeypatch.setattr(sections, "_md", lambda text: str(text))
    with pytest.raises(AssertionError):
        fuzz_writers.target(b"a|b\x1fg\x1fc\x1ff\x1fm\x1fk")


@pytest.mark.parametrize("seed", [0, 1])
def test_csv_floats_differential_fuzz_smoke(seed):
    pytest.importorskip("losscli.io._csvfloats", reason="the compiled CSV parser is not built")
    import fuzz_csv_floats

    result = fuzz_csv_floats.builtin_fuzz(runs=2000, seed=seed, verbose=False)
    assert result["executions"] == 2000 and result["crashes"] == 0


def test_the_csv_floats_harness_finds_a_wrong_bit(monkeypatch):
    """The harness can fail: a parser whose values are one ulp off is caught."""
    pytest.importorskip("losscli.io._csvfloats", reason="the compiled CSV parser is not built")
    import fuzz_csv_floats
    import numpy as np

    from losscli.io import csv_floats

    call = csv_floats.BlockParser.__call__

    def off_by_one_ulp(self, block):
        got = call(self, block)
        return got if got is None else (got[0], {c: np.nextafter(v, np.inf) for c, v in got[1].items()})

    monkeypatch.setattr(csv_floats.BlockParser, "__call__", off_by_one_ulp)
    with pytest.raises(AssertionError):
        for data in fuzz_csv_floats.seeds():
            fuzz_csv_floats.check(data)
