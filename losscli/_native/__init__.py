"""The compiled kernels: loads ``losscli._native._kernels`` on first use, or says why it is not used; and
:func:`empty`, the per-sample arrays whose memory the compiled module caches.

``LOSSCLI_KERNELS=numpy`` forces the NumPy kernels; ``LOSSCLI_KERNEL_LEVEL=avx512|avx2|baseline`` forces an
instruction-set level of the compiled ones (one the CPU supports; tests use it to cover each level).
Nothing here is imported until a kernel runs, so start-up does not pay for loading the shared library.
"""

from __future__ import annotations

import os
import threading
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

_lock = threading.Lock()
_loaded: tuple[ModuleType | None, str] | None = None

#: Instruction-set levels of the compiled kernels, best first.
LEVELS = ("avx512", "avx2", "baseline")


def _load() -> tuple[ModuleType | None, str]:
    choice = os.environ.get("LOSSCLI_KERNELS", "").strip().lower()
    if choice == "numpy":
        return None, "LOSSCLI_KERNELS=numpy is set"
    if choice not in ("", "auto", "native"):
        return None, f"LOSSCLI_KERNELS={choice!r} is not one of auto, native, numpy"
    try:
        from . import _kernels
    except ImportError as exc:
        return None, (
            f"the compiled kernels are not installed ({exc}); reinstall with a C compiler available "
            "(pip install .) to build them"
        )
    level = os.environ.get("LOSSCLI_KERNEL_LEVEL", "").strip().lower()
    if level:
        try:
            _kernels.set_level(level)
        except ValueError as exc:
            return None, f"LOSSCLI_KERNEL_LEVEL={level}: {exc}"
    return _kernels, f"compiled kernels, {_kernels.level()} level"


def kernels() -> ModuleType | None:
    """The compiled kernels module, or ``None`` when the NumPy kernels are to be used (see :func:`reason`)."""
    global _loaded
    if _loaded is None:
        with _lock:
            if _loaded is None:
                _loaded = _load()
    return _loaded[0]


def reason() -> str:
    """Which kernels are in use, and why (``"compiled kernels, avx512 level"``, or why not)."""
    kernels()
    assert _loaded is not None
    return _loaded[1]


def reset() -> None:
    """Forget the decision, so the next :func:`kernels` call reads the environment again (for tests)."""
    global _loaded
    with _lock:
        if _loaded is not None and _loaded[0] is not None:
            _loaded[0].set_level(_loaded[0].levels()[0])
        _loaded = None


#: arrays of at least this many bytes come from the compiled module's cache of per-sample memory
_CACHED_BYTES = 1 << 20


def empty(n: int) -> np.ndarray:
    """An uninitialised float64 array of ``n`` values for per-sample results. With the compiled module, one of a
    megabyte or more takes its memory from the module's small cache of the memory of such arrays no longer
    referenced (``Block``), so that a process evaluating one input after another does not have the operating
    system zero tens of megabytes of fresh pages for each; else ``np.empty``."""
    import numpy as np

    mod = kernels() if n * 8 >= _CACHED_BYTES else None
    if mod is None:
        return np.empty(n)
    return np.frombuffer(mod.block(n * 8), dtype=np.float64)
