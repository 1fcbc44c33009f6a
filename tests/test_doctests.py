"""The examples in the public docstrings run and print what they say."""

from __future__ import annotations

import doctest

import losscli
import losscli.engine.evaluator
import losscli.frames


def test_docstring_examples():
    for module in (losscli, losscli.engine.evaluator, losscli.frames):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0
