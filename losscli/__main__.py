"""``python -m losscli`` and the ``losscli`` command: load the command line and run it; a Ctrl-C that comes
while the program is still loading ends it as one later would (exit 130), not with a traceback."""

from __future__ import annotations

import gc
import sys

from losscli.startup import defer_collection


def run() -> None:
    defer_collection()  # no cyclic collection while the command loads (losscli.startup)
    try:
        from losscli.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("losscli: interrupted\n")
        sys.exit(130)
    try:
        main()
    finally:
        # The command is done (its output written, its files closed): at exit the interpreter would collect
        # cycles among all that is still alive, full passes over the objects of click, NumPy and the engine
        # (some 20 ms); they are freed with the process instead. The atexit handlers run as before.
        gc.freeze()


if __name__ == "__main__":
    run()
