"""Build script for the optional compiled parts: the kernels, ``losscli._native._kernels``, and the numeric
CSV parser, ``losscli.io._csvfloats``.

Everything else is declared in ``pyproject.toml``. The extension is optional: without a C compiler, when
its compilation fails, or with ``LOSSCLI_NO_EXTENSION=1`` in the environment, the package installs
without them and uses its NumPy kernels and pyarrow's CSV parser (``python -m losscli._native`` says which
kernels are in use and why).
"""

from __future__ import annotations

import os
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class OptionalBuildExt(build_ext):
    """``build_ext`` that reports a failed compilation instead of failing the installation."""

    def run(self) -> None:
        try:
            super().run()
        except Exception as exc:  # no compiler at all (setuptools raises several types for that)
            self._skipped(exc)

    def build_extension(self, ext: Extension) -> None:
        try:
            super().build_extension(ext)
        except Exception as exc:
            self._skipped(exc)

    @staticmethod
    def _skipped(exc: BaseException) -> None:
        print(
            f"losscli: building a compiled part failed ({exc}); installing without it "
            "(the NumPy kernels and pyarrow's CSV parser are used)",
            file=sys.stderr,
        )


def extensions() -> list[Extension]:
    if os.environ.get("LOSSCLI_NO_EXTENSION", "").strip() not in ("", "0"):
        return []
    # no implicit fused multiply-adds: the loss formulas must round as NumPy's separate operations do
    unix = ["-O3", "-std=gnu11", "-fvisibility=hidden", "-fno-trapping-math", "-ffp-contract=off"]
    args = [] if sys.platform == "win32" else unix
    return [
        Extension(
            "losscli._native._kernels",
            sources=["losscli/_native/_kernels.c"],
            depends=["losscli/_native/kernels_impl.h"],
            extra_compile_args=args,
        ),
        Extension(
            "losscli.io._csvfloats",
            sources=["losscli/io/_csvfloats.c"],
            depends=["losscli/io/_pow5.h"],
            extra_compile_args=args,
        ),
    ]


setup(ext_modules=extensions(), cmdclass={"build_ext": OptionalBuildExt})
