"""Differential fuzzing harness for the compiled CSV parser (``losscli.io._csvfloats``) against pyarrow.

The first byte chooses the delimiter and which of up to four columns are read; the rest is a block of
CSV text. The property: the compiled parser declines the block, or gives, for every wanted column, the
float64 values pyarrow gives with the block reader's options — bit for bit, same row count — and never
takes a block pyarrow refuses. A crash of the extension, a different bit or a block taken that pyarrow
refuses is a finding.

Run it with atheris (``pip install atheris``)::

    python tests/fuzz/fuzz_csv_floats.py -runs=1000000

or under the built-in mutation loop: ``python tests/fuzz/fuzz_csv_floats.py -runs=200000 -seed=1``.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import driver  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.csv as pacsv  # noqa: E402

from losscli.io import csv_floats  # noqa: E402

DELIMITERS = (",", ";", "\t", "|")
NAMES = ["a", "b", "c", "d"]


def _arrow(text: bytes, names: list[str], wanted: list[str], delimiter: str) -> dict[str, np.ndarray] | None:
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text),
            read_options=pacsv.ReadOptions(use_threads=False, column_names=names),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char='"', double_quote=True,
                                             escape_char=False, newlines_in_values=True, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(include_columns=wanted, column_types=dict.fromkeys(wanted, pa.float64()),
                                                 null_values=[""], strings_can_be_null=True,
                                                 quoted_strings_can_be_null=True, check_utf8=True),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    return {c: table.column(c).to_numpy(zero_copy_only=False) for c in wanted}


def check(data: bytes) -> None:
    """Raises AssertionError on a finding."""
    module = csv_floats.parser()
    if module is None or not data:
        return
    control, text = data[0], data[1:]
    delimiter = DELIMITERS[control & 3]
    ncols = 1 + ((control >> 2) & 3)
    names = NAMES[:ncols]
    wanted = [c for i, c in enumerate(names) if (control >> (4 + i)) & 1] or names[:1]
    got = csv_floats.BlockParser(module, names, wanted, delimiter)(pa.py_buffer(text))
    if got is None:
        return
    ref = _arrow(text, names, wanted, delimiter)
    assert ref is not None, f"the compiled parser took a block pyarrow refuses: {text[:200]!r}"
    rows, cols = got
    for c in wanted:
        assert rows == len(ref[c]), (rows, len(ref[c]), text[:200])
        assert cols[c].tobytes() == np.asarray(ref[c], dtype=np.float64).tobytes(), (c, text[:200])


def seeds() -> list[bytes]:
    rng = random.Random(0)
    out = []
    cells = ["0", "-0", "1.5", "-2.25e-3", "1e22", "1e23", "0.1", "9007199254740993", "1.7976931348623157e308",
             "2.2250738585072014e-308", "5e-324", "123456789012345678", "1234567890123456789", "00012", "1E+05"]
    for _ in range(120):
        ncols = rng.randint(1, 4)
        control = rng.randrange(4) | ((ncols - 1) << 2) | (rng.randrange(16) << 4)
        delim = DELIMITERS[control & 3]
        rows = []
        for _ in range(rng.randint(1, 6)):
            row = []
            for _ in range(ncols):
                k = rng.random()
                if k < 0.3:
                    row.append(rng.choice(cells))
                elif k < 0.6:
                    row.append(repr(rng.uniform(-1e3, 1e3) * 10.0 ** rng.randint(-30, 30)))
                elif k < 0.8:
                    row.append(str(np.float32(rng.gauss(0, 5))))
                else:
                    row.append(f"{rng.uniform(-1, 1):.{rng.randint(0, 18)}e}")
            rows.append(delim.join(row))
        end = "\r\n" if rng.random() < 0.3 else "\n"
        out.append(bytes([control]) + (end.join(rows) + (end if rng.random() < 0.8 else "")).encode())
    return out


def builtin_fuzz(runs: int, seed: int = 0, max_time: float | None = None, verbose: bool = True) -> dict:
    return driver.builtin_fuzz(check, seeds(), runs, seed, max_time, verbose)


def main(argv: list[str]) -> None:
    driver.main(argv, check, seeds, modules=("losscli.io.csv_floats",))


if __name__ == "__main__":
    main(sys.argv)
