"""Writing results to stdout: a JSON document whole or not at all, streams as they come."""

from __future__ import annotations

import json

import pytest

from losscli.commands import output


def _document(n: int, fail_after: int | None = None):
    yield '{"per_sample": ['
    for i in range(n):
        if fail_after is not None and i == fail_after:
            raise KeyboardInterrupt
        yield ("" if i == 0 else ", ") + ", ".join(["0.5"] * 200)  # 1 KB a piece
    yield "]}\n"


def test_a_document_interrupted_while_it_is_formatted_leaves_stdout_empty(capsys):
    with pytest.raises(KeyboardInterrupt):
        output.emit_document(_document(50_000, fail_after=40_000))  # 40 MB: past the 16 MiB kept in memory
    assert capsys.readouterr().out == ""


def test_a_document_is_written_whole(capsys):
    output.emit_document(_document(20_000))
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["per_sample"]) == 20_000 * 200
