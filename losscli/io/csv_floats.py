"""The compiled parser of plain numeric CSV blocks (``losscli.io._csvfloats``), or ``None`` without it.

A block of whole lines whose wanted cells are all plain decimal numbers (``-12.5``, ``3e-4``, a float's
full ``repr``: at most 19 significant digits and a normal, finite value, rounded to the nearest double by
Clinger's fast path or else the Eisel–Lemire algorithm) is parsed here straight into float64 columns, to
the bits pyarrow gives and 1.5–1.9× faster. Any other block — a quote, an empty or non-numeric cell, a
ragged row, a number with more digits, a subnormal or overflowing value — is left to pyarrow
(:class:`BlockParser` returns ``None``), which parses it, or reports it, as before. A file with a column
read as text (an id column, group names) is parsed by pyarrow throughout. The extension is built by
``pip install .`` with the kernels; without it, or with ``LOSSCLI_KERNELS=numpy`` (no compiled code at
all), every block goes to pyarrow.
"""

from __future__ import annotations

import os
from types import ModuleType
from typing import Any

import numpy as np

_module: ModuleType | None | bool = False  # False: not looked up yet
_why = ""


def parser() -> ModuleType | None:
    """The compiled parser, or ``None`` (not built, or ``LOSSCLI_KERNELS=numpy``: see :func:`reason`)."""
    global _module, _why
    if _module is False:
        if os.environ.get("LOSSCLI_KERNELS", "").strip().lower() == "numpy":
            _module, _why = None, "pyarrow's (LOSSCLI_KERNELS=numpy is set)"
        else:
            try:
                from losscli.io import _csvfloats
            except ImportError as exc:
                _module = None
                _why = f"pyarrow's (the compiled parser is not installed: {exc}; reinstall with a C compiler)"
            else:
                _module, _why = _csvfloats, "compiled, for blocks of plain numbers (pyarrow's for the others)"
    return _module  # type: ignore[return-value]


def reason() -> str:
    """Which parser CSV blocks go to, and why."""
    parser()
    return _why


def reset() -> None:
    """Look the parser up again on next use (tests change ``LOSSCLI_KERNELS``)."""
    global _module
    _module = False


#: after a block it declines, the parser lets the next 1, 2, 4, … blocks go to pyarrow unseen (at most this
#: many), so that a file of odd blocks costs little more than pyarrow alone and one odd cell costs one block
MAX_SKIP = 64


class BlockParser:
    """Parses blocks of one file's body: ``wanted`` of the file's ``columns``, cells split by ``delimiter``.

    Called from several worker threads; its counters (``taken``, ``declined``, ``skipped``) and back-off
    only steer where blocks go, never what they give.
    """

    def __init__(self, module: ModuleType, columns: list[str], wanted: list[str], delimiter: str) -> None:
        self._module = module
        self._names = list(dict.fromkeys(wanted))
        at = {c: i for i, c in enumerate(self._names)}
        self._slots = np.array([at.get(c, -1) for c in columns], dtype=np.int64).tobytes()
        self._delimiter = ord(delimiter) if len(delimiter) == 1 else -1
        self._skip = self._wait = 0
        self.taken = self.declined = self.skipped = 0

    def __call__(self, block: Any) -> tuple[int, dict[str, np.ndarray]] | None:
        """(rows, float64 column of each wanted name) of a block of whole lines, or ``None`` for pyarrow."""
        if self._delimiter < 0:
            return None
        if self._wait > 0:
            self._wait -= 1
            self.skipped += 1
            return None
        cap = self._module.count_lines(block) + 1
        out = np.empty((len(self._names), cap))
        rows = self._module.parse(block, self._delimiter, self._slots, out, cap)
        if rows < 0:
            self.declined += 1
            self._skip = min(MAX_SKIP, 2 * self._skip or 1)
            self._wait = self._skip
            return None
        self.taken += 1
        self._skip = 0
        return rows, {c: out[i, :rows] for i, c in enumerate(self._names)}


def block_parser(columns: list[str], wanted: list[str], delimiter: str) -> BlockParser | None:
    """A parser for blocks of this file, or ``None`` when the compiled parser is not there."""
    module = parser()
    return None if module is None else BlockParser(module, columns, wanted, delimiter)
