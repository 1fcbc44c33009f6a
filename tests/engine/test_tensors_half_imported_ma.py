"""The masked-array check while another thread imports numpy.ma."""

from __future__ import annotations

import sys
import types

import numpy as np


def test_a_numpy_ma_still_being_imported_made_no_masked_array(monkeypatch):
    """np.unique on a reader thread imports numpy.ma on first use; the main thread found the half-imported
    module and failed on its MaskedArray (exit 4)."""
    from losscli.engine.tensors import refuse_unplain

    monkeypatch.setitem(sys.modules, "numpy.ma", types.ModuleType("numpy.ma"))
    refuse_unplain(np.arange(3.0), "y_pred")
