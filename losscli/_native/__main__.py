"""``python -m losscli._native [--require]``: print which kernels are in use and why.

With ``--require`` the exit status is 1 unless the compiled kernels are in use (for CI).
"""

from __future__ import annotations

import sys

from . import kernels, reason


def main(argv: list[str]) -> int:
    mod = kernels()
    print(reason())
    if mod is not None:
        print("levels this CPU supports: " + ", ".join(mod.levels()))
    return 1 if "--require" in argv and mod is None else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
