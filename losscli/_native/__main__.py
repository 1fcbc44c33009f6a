"""``python -m losscli._native [--require]``: print which kernels and which CSV parser are in use, and why.

With ``--require`` the exit status is 1 unless the compiled kernels and the compiled CSV parser are in use
(for CI).
"""

from __future__ import annotations

import sys

from . import kernels, reason


def main(argv: list[str]) -> int:
    from losscli.io import csv_floats

    mod = kernels()
    print(reason())
    if mod is not None:
        print("levels this CPU supports: " + ", ".join(mod.levels()))
    print("CSV parser: " + csv_floats.reason())
    return 1 if "--require" in argv and (mod is None or csv_floats.parser() is None) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
