"""``python -m losscli`` and the ``losscli`` command: load the command line and run it; a Ctrl-C that comes
while the program is still loading ends it as one later would (exit 130), not with a traceback."""

from __future__ import annotations

import sys

from losscli.startup import defer_collection


def run() -> None:
    defer_collection()  # no cyclic collection while the command loads (losscli.startup)
    try:
        from losscli.cli import main
    except KeyboardInterrupt:
        sys.stderr.write("losscli: interrupted\n")
        sys.exit(130)
    main()


if __name__ == "__main__":
    run()
