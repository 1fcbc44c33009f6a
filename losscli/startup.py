"""The command's start-up, as the cyclic garbage collector sees it.

Loading click, NumPy and the engine creates some 45,000 objects, all of them long-lived and none garbage: at
the default threshold (700 allocations) the collector would traverse them over and over while they are
created, about 56 passes and 8 ms of every run. The entry point (:mod:`losscli.__main__`) raises the first
threshold while the command loads; :func:`done`, called where the input starts to stream
(:func:`losscli.pipeline.run_many`, the Dask engine), moves what start-up made out of the collector's sight
(it lives as long as the process: a collection would only traverse it again) and restores the thresholds
the process had, so the stream is collected as before. A command that streams nothing ends, or collects,
within :data:`START_UP_OBJECTS` allocations.

Nothing here runs inside the collector (a callback there could swallow a Ctrl-C).
"""

from __future__ import annotations

import gc

#: the collector's first threshold while the command loads
START_UP_OBJECTS = 100_000

#: the thresholds to restore, while start-up lasts
_usual: tuple[int, int, int] | None = None


def defer_collection() -> None:
    """Raise the collector's first threshold to :data:`START_UP_OBJECTS` until :func:`done`; a disabled
    collector, or one that already collects as rarely, is left as it is."""
    global _usual
    usual = gc.get_threshold()
    if _usual is not None or usual[0] == 0 or usual[0] >= START_UP_OBJECTS:
        return
    _usual = usual
    gc.set_threshold(START_UP_OBJECTS, *usual[1:])


def done() -> None:
    """Start-up is over: freeze what it made and restore the thresholds of before :func:`defer_collection`
    (unless they have been set since). Nothing to do if start-up was not deferred, or is already over."""
    global _usual
    if _usual is None:
        return
    usual, _usual = _usual, None
    gc.freeze()
    if gc.get_threshold()[0] == START_UP_OBJECTS:
        gc.set_threshold(*usual)
