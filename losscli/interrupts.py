"""Ctrl-C and SIGTERM, remembered: a signal that arrives while Python runs a finaliser (where the exception
it raises is reported and then ignored) must still end the run as interrupted, not with a result."""

from __future__ import annotations

from typing import Any

#: the signal received, by name ("interrupt" or "terminate"), once one has been
received: str | None = None


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised where the program is so that open output transactions remove their files."""


def _on_interrupt(signum: int, frame: Any) -> None:
    global received
    received = received or "interrupt"
    raise KeyboardInterrupt()


def _on_terminate(signum: int, frame: Any) -> None:
    global received
    received = "terminate"
    raise Terminated()


def install() -> None:
    """Ctrl-C raises ``KeyboardInterrupt`` and SIGTERM :class:`Terminated` (which unwinds like Ctrl-C, so
    staged output files are removed, instead of killing the process); both are remembered."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _on_interrupt)
        signal.signal(signal.SIGTERM, _on_terminate)


def raise_if_received() -> None:
    """Raise the remembered signal's exception again: called before anything is written or committed, so a
    signal whose exception a finaliser swallowed still stops the run."""
    if received == "terminate":
        raise Terminated()
    if received == "interrupt":
        raise KeyboardInterrupt()


def settle() -> None:
    """Once the run is known to end interrupted, further Ctrl-C and SIGTERM are ignored: one arriving while
    Python winds down would otherwise kill the process by the signal instead of the decided exit status."""
    import signal
    import threading

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
