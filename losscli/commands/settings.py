"""Options parsed once: click's options (and a check file's keys) become typed settings objects.

Nothing below the commands sees a raw option dict: every engine and operation takes these settings.
"""

from __future__ import annotations

#: Loss-parameter options: option name → loss parameter.
PARAM_OPTIONS = {
    "label_smoothing": "label_smoothing",
    "class_weights": "class_weights",
    "pos_weight": "pos_weight",
    "ignore_index": "ignore_index",
    "gamma": "gamma",
    "alpha": "alpha",
    "delta": "delta",
    "beta": "beta",
    "q": "q",
}


def losses_taking(param: str) -> list[str]:
    """The names of the registered losses that take the parameter ``param``."""
    from losscli.registry import list_losses

    return [s.name for s in list_losses() if s.param(param) is not None]
