"""The labels file's id index for --id-col joins: exact integer keys, hashed text keys, duplicates, and the
same answers from an index moved to a temporary file."""

from __future__ import annotations

import numpy as np
import pytest

from losscli.inputs import keyindex
from losscli.inputs.keyindex import KeyIndex, first_repeat


def _index(*chunks: list[str]) -> tuple[KeyIndex, list[tuple[int, int]]]:
    ix = KeyIndex()
    for c in chunks:
        ix.add(c)
    return ix, ix.finish()


def test_integer_ids_are_exact_and_text_as_written_matters():
    ix, dups = _index(["10", "3", "-7"], ["42"])
    assert dups == []
    assert ix.keys.dtype == np.int64
    assert ix.lookup(["42", "10", "007", "3.0", "+3", "x", "-7"]).tolist() == [3, 0, -1, -1, -1, -1, 2]


def test_text_ids_after_integer_ones_switch_every_key_to_hashes():
    ix, dups = _index(["1", "2"], ["a", "007"])
    assert dups == []
    assert ix.keys.ndim == 2  # two hashes per id
    assert ix.lookup(["007", "7", "2", "a", "b", "1"]).tolist() == [3, -1, 1, 2, -1, 0]


def test_duplicates_name_the_later_row_and_the_earliest():
    _, dups = _index(["5", "9", "5"], ["9", "5"])
    assert dups == [(2, 0), (3, 1), (4, 0)]
    _, dups = _index(["a", "b"], ["a"])
    assert dups == [(2, 0)]


def test_lookup_matches_a_dictionary_on_random_ids():
    rng = np.random.default_rng(3)
    ids = [f"k{v}" for v in rng.permutation(5000)]
    ix, dups = _index(ids[:2000], ids[2000:])
    assert dups == []
    probe = [f"k{v}" for v in rng.integers(0, 6000, 3000)]
    where = {k: i for i, k in enumerate(ids)}
    assert ix.lookup(probe).tolist() == [where.get(k, -1) for k in probe]


def test_first_repeat_within_a_chunk_and_across_chunks():
    seen = np.zeros(6, dtype=bool)
    assert first_repeat(np.array([3, 1, 4]), seen) is None
    seen[[3, 1, 4]] = True
    assert first_repeat(np.array([0, 2, 1, 5]), seen) == 2
    assert first_repeat(np.array([0, 2, 0, 5]), np.zeros(6, dtype=bool)) == 2


def _spilled(monkeypatch, *chunks: list[str]) -> tuple[KeyIndex, list[tuple[int, int]]]:
    monkeypatch.setattr(keyindex, "SPILL_ROWS", 3)
    ix, dups = _index(*chunks)
    assert ix.spilled
    return ix, dups


@pytest.mark.parametrize("kind", ["integer", "text", "integer then text"])
def test_a_spilled_index_finds_what_the_index_in_memory_finds(monkeypatch, kind):
    rng = np.random.default_rng(11)
    values = rng.permutation(4000) * 7 - 9000
    ids = [str(v) if kind != "text" else f"k{v}" for v in values]
    if kind == "integer then text":
        ids[2500] = "x"  # every key so far (already in the temporary file) becomes a hash of its text
    chunks = [ids[a:a + 700] for a in range(0, len(ids), 700)]
    memory, dups = _index(*chunks)
    spilled, spilled_dups = _spilled(monkeypatch, *chunks)
    assert dups == spilled_dups == []
    assert spilled.integer == memory.integer == (kind == "integer")
    probe = [str(v) if kind != "text" else f"k{v}" for v in rng.integers(-9100, 29000, 3000)] + ids[::3] + ["x"]
    assert spilled.lookup(probe).tolist() == memory.lookup(probe).tolist()
    where = {k: i for i, k in enumerate(ids)}
    assert spilled.lookup(probe).tolist() == [where.get(k, -1) for k in probe]
    spilled.close()


def test_a_spilled_index_names_the_same_duplicates(monkeypatch):
    chunks = (["5", "9", "5"], ["9", "5", "1"], ["1"])
    assert _spilled(monkeypatch, *chunks)[1] == _index(*chunks)[1] == [(2, 0), (3, 1), (4, 0), (6, 5)]
    chunks = (["a", "b", "c"], ["a", "d"])
    assert _spilled(monkeypatch, *chunks)[1] == _index(*chunks)[1] == [(3, 0)]
