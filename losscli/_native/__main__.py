"""``python -m losscli._native [--require]``: print which kernels and which CSV parser are in use, and why.

With ``--require`` the exit status is 1 unless the compiled kernels and the compiled CSV parser are in use
(for CI).
"""

from __future__ import annotations

import sys

from . import kernels, reason


def main(argv: list[str]) -> int:
    import os

    from losscli.io import csv_floats

    mod = kernels()
    lines = [reason()]
    if mod is not None:
        lines.append("levels this CPU supports: " + ", ".join(mod.levels()))
    lines.append("CSV parser: " + csv_floats.reason())
    status = 1 if "--require" in argv and (mod is None or csv_floats.parser() is None) else 0
    try:
        sys.stdout.write("\n".join(lines) + "\n")
        sys.stdout.flush()
    except BrokenPipeError:  # a reader that stopped early (| grep -q): the status stands
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
