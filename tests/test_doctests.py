"""The examples in the public docstrings run and print what they say."""

from __future__ import annotations

import doctest

import losscli
import losscli.api


def test_docstring_examples():
    for module in (losscli, losscli.api):
        result = doctest.testmod(module)
        assert result.failed == 0, module.__name__
        assert result.attempted > 0
