"""Writing per-sample results to a file (``--output``), chunk by chunk, atomically.

The file is written under a temporary name beside the target and renamed only when the whole evaluation
succeeded, so a failed run never leaves a truncated file behind. Formats by extension: ``.csv``,
``.tsv``, ``.jsonl``/``.ndjson``, ``.npy`` and ``.parquet``.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from losscli.errors import OutputError, UsageError
from losscli.files import create_staged, current, finish_file, staging_path

SINK_FORMATS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".npy": "npy",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def sink_format(path: str) -> str:
    if os.path.isdir(path):
        raise UsageError(f"--output {path!r} is a folder", hint=f"give a file name, e.g. {os.path.join(path, 'losses.csv')}")
    fmt = SINK_FORMATS.get(Path(path).suffix.lower())
    if fmt is None:
        raise UsageError(
            f"cannot tell the format of --output {path!r}",
            hint=f"use one of the extensions {', '.join(SINK_FORMATS)}",
        )
    return fmt


def delimited(rows: list[list[str]], sep: str) -> str:
    """Rows as RFC 4180 text: a cell holding the separator, a quote or a line break (``\n`` or ``\r``) is
    quoted. Python's csv module quotes only the characters of its line terminator (``\n`` here), so a cell
    with a lone ``\r`` (an id) is quoted here: unquoted, readers took it for the end of a row."""
    import csv
    import io

    if any("\r" in c for row in rows for c in row):
        special = (sep, '"', "\n", "\r")
        return "".join(sep.join('"' + c.replace('"', '""') + '"' if any(ch in c for ch in special) else c
                                for c in row) + "\n" for row in rows)
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerows(rows)
    return buf.getvalue()


class PerSampleSink:
    """Streams (index, id, loss values) rows to ``path``; :meth:`commit` renames it into place."""

    def __init__(self, path: str, names: list[str], with_ids: bool) -> None:
        self.path = path
        self.format = sink_format(path)
        self.names = names
        self.with_ids = with_ids
        target = Path(path)
        if target.parent and not target.parent.exists():
            raise OutputError(f"cannot write {path}: the folder {target.parent} does not exist")
        if target.is_dir():
            raise OutputError(f"cannot write {path}: it is a directory", hint="give a file name")
        self.tmp = str(staging_path(target))
        tx = current()
        if tx is not None:
            tx.track(self.tmp)
            tx.track(self.tmp + ".raw")
        self.rows = 0
        #: .npy: the input row its next value belongs to (rows --nan skip dropped are NaN there)
        self.next_row = 0
        self._writer: Any = None
        try:
            create_staged(self.tmp, target)
            if self.format == "npy":
                create_staged(self.tmp + ".raw", target)
            if self.format == "parquet":
                self._fh = None
            else:
                self._fh = open(self.tmp + (".raw" if self.format == "npy" else ""), "wb")  # noqa: SIM115
                if self.format in ("csv", "tsv"):
                    sep = "," if self.format == "csv" else "\t"
                    header = ["index"] + (["id"] if with_ids else []) + names
                    self._fh.write(delimited([header], sep).encode())
        except OSError as exc:
            raise OutputError(f"cannot write {path}: {exc.strerror or exc}") from None

    #: Rows formatted at once: bounds the Python objects a chunk becomes in text and Parquet output.
    BLOCK_ROWS = 1 << 16

    def write(self, values: list[np.ndarray], ids: np.ndarray | None, offset: int,
              index: np.ndarray | None = None) -> None:
        """One chunk of rows; ``index`` holds their input rows (with --nan skip), else they follow ``offset``.
        An ``.npy`` file has no index: it holds a value for every input row, NaN at the rows not given."""
        n = values[0].shape[0]
        if self.format == "npy" and index is not None:
            self._write_npy_rows(values, index)
            return
        if index is None:
            index = np.arange(offset, offset + n, dtype=np.int64)
        if n > self.BLOCK_ROWS and self.format != "npy":  # text rows as Python objects: a block at a time
            for s in range(0, n, self.BLOCK_ROWS):
                part = slice(s, s + self.BLOCK_ROWS)
                self.write([v[part] for v in values], None if ids is None else ids[part], offset + s, index[part])
            return
        from losscli.report.machine import plain_id

        index_list = index.tolist()
        try:
            if self.format == "npy":
                if len(values) != 1:
                    raise UsageError("--output .npy holds one loss; use .csv, .jsonl or .parquet for several")
                self._fh.write(np.ascontiguousarray(values[0], dtype=np.float64).tobytes())
            elif self.format == "parquet":
                self._write_parquet(values, ids, index)
            elif self.format == "jsonl":
                lines = []
                cols = [v.tolist() for v in values]
                id_list = [plain_id(x) for x in ids.tolist()] if ids is not None else None
                for i in range(n):
                    rec: dict[str, Any] = {"index": index_list[i]}
                    if id_list is not None:
                        rec["id"] = id_list[i]
                    for name, col in zip(self.names, cols, strict=True):
                        rec[name] = col[i] if math.isfinite(col[i]) else None
                    lines.append(json.dumps(rec, allow_nan=False))
                self._fh.write(("\n".join(lines) + "\n").encode())
            else:
                sep = "," if self.format == "csv" else "\t"
                cols = [v.tolist() for v in values]
                id_list = [str(plain_id(x)) for x in ids.tolist()] if ids is not None else None
                rows = []
                for i in range(n):
                    cells = [str(index_list[i])]
                    if id_list is not None:
                        cells.append(id_list[i])
                    cells.extend("" if math.isnan(c[i]) else repr(c[i]) for c in cols)  # ±inf as inf
                    rows.append(cells)
                self._fh.write(delimited(rows, sep).encode("utf-8", "backslashreplace"))
        except OSError as exc:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}", hint="is the disk full?") from None
        self.rows += n

    def _write_npy_rows(self, values: list[np.ndarray], index: np.ndarray) -> None:
        """The values of the input rows ``index`` (increasing), after NaN for every input row skipped before."""
        if len(values) != 1:
            raise UsageError("--output .npy holds one loss; use .csv, .jsonl or .parquet for several")
        index = np.asarray(index, dtype=np.int64)
        if not index.size:
            return
        if index[0] < self.next_row or (index.size > 1 and (np.diff(index) <= 0).any()):
            raise UsageError("--output .npy holds one value per input row in the order of the rows, and these rows "
                             "do not come in that order",
                             hint="write a file that names each row's input row: -o losses.parquet (or .csv)")
        block = np.full(int(index[-1]) + 1 - self.next_row, np.nan)
        block[index - self.next_row] = values[0]
        self._write_npy_block(block)

    def _write_npy_block(self, block: np.ndarray) -> None:
        try:
            self._fh.write(np.ascontiguousarray(block, dtype=np.float64).tobytes())
        except OSError as exc:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}", hint="is the disk full?") from None
        self.rows += block.shape[0]
        self.next_row += block.shape[0]

    def _write_parquet(self, values: list[np.ndarray], ids: np.ndarray | None, index: np.ndarray) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {"index": pa.array(np.asarray(index, dtype=np.int64))}
        if ids is not None:
            data["id"] = pa.array(ids.tolist())
        for name, v in zip(self.names, values, strict=True):
            data[name] = pa.array(np.asarray(v, dtype=np.float64))
        table = pa.table(data)
        if self._writer is None:
            self._writer = pq.ParquetWriter(self.tmp, table.schema)
        self._writer.write_table(table)

    def commit(self, input_rows: int | None = None) -> None:
        """Finish the file and move it into place (when the run's output transaction commits). ``input_rows``:
        how many rows the input has, with those skipped; an ``.npy`` file ends with NaN for skipped last rows."""
        if self.format == "npy" and input_rows is not None and input_rows > self.next_row:
            self._write_npy_block(np.full(input_rows - self.next_row, np.nan))
        try:
            if self.format == "npy":
                self._fh.close()
                raw = self.tmp + ".raw"
                with open(self.tmp, "wb") as out, open(raw, "rb") as src:
                    np.lib.format.write_array_header_1_0(
                        out, {"descr": "<f8", "fortran_order": False, "shape": (self.rows,)}
                    )
                    while True:
                        block = src.read(1 << 24)
                        if not block:
                            break
                        out.write(block)
                os.unlink(raw)
            elif self.format == "parquet":
                if self._writer is None:
                    self._write_parquet([np.zeros(0) for _ in self.names], None if not self.with_ids else np.zeros(0),
                                        np.zeros(0, dtype=np.int64))
                self._writer.close()
            else:
                self._fh.close()
        except OSError as exc:
            self.abort()
            raise OutputError(f"cannot write {self.path}: {exc.strerror or exc}", hint="is the disk full?") from None

        finish_file(self.tmp, self.path)

    def abort(self) -> None:
        """Remove the temporary file (after a failure)."""
        for closer in (getattr(self, "_fh", None), self._writer):
            try:
                if closer is not None:
                    closer.close()
            except Exception:  # noqa: BLE001 - best effort cleanup
                pass
        for p in (self.tmp, self.tmp + ".raw"):
            with contextlib.suppress(OSError):
                os.unlink(p)
