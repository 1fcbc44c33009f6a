"""losscli: evaluate losses on predictions exactly as PyTorch, Keras or scikit-learn define them.

>>> import losscli
>>> r = losscli.evaluate("bce", [1, 0, 1], [0.9, 0.2, 0.6])
>>> round(r.value, 6)
0.279777
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from losscli.version import __version__

__all__ = [
    "evaluate",
    "Evaluator",
    "Result",
    "list_losses",
    "get_loss",
    "register_loss",
    "Param",
    "LossSpec",
    "KernelOutput",
    "LossCliError",
    "InputError",
    "UsageError",
    "CONVENTIONS",
    "__version__",
]

if TYPE_CHECKING:
    from losscli.conventions import CONVENTIONS
    from losscli.engine.evaluator import Evaluator, Result
    from losscli.errors import InputError, LossCliError, UsageError
    from losscli.frames import evaluate
    from losscli.registry import get_loss, list_losses
    from losscli.spec import KernelOutput, LossSpec, Param, register_loss

_LAZY = {
    "evaluate": "frames",
    "Evaluator": "engine.evaluator",
    "Result": "engine.evaluator",
    "list_losses": "registry",
    "get_loss": "registry",
    "register_loss": "spec",
    "Param": "spec",
    "LossSpec": "spec",
    "KernelOutput": "spec",
    "LossCliError": "errors",
    "InputError": "errors",
    "UsageError": "errors",
    "CONVENTIONS": "conventions",
}


def __getattr__(name: str) -> Any:
    """Import the public names on first use, so ``losscli --help`` starts fast."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'losscli' has no attribute {name!r}")
    from importlib import import_module

    value = getattr(import_module(f"losscli.{module}"), name)
    globals()[name] = value
    return value
