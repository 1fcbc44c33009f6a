"""A few thousand inputs of the document and report-writer fuzzing harnesses (``tests/fuzz/``) in the
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
