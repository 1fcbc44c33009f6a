"""JSON lines reader (``.jsonl``, ``.ndjson``; compressed or from stdin): one JSON value per line.

Columns are the flattened fields of the objects:

- a scalar field (number, string, ``true``/``false``, ``null``) is a column named by its key;
- a nested object's fields are named by their dotted path (``{"meta": {"split": "dev"}}`` → ``meta.split``);
- an array expands to one column per element, ``logits[0]``, ``logits[1]``, … (arrays of arrays to
  ``resps[0][0]``, arrays of objects to ``choices[0].text``); the bare name ``logits`` selects the whole
  array in every column option (see :mod:`losscli.io.columns`), and the globs work on the expanded names
  (``'filtered_resps[*][0]'``); an array of single values is also one :class:`~losscli.io.base.Block`,
  read whole as one 2-D array per chunk.

The columns are those of the first lines (up to :data:`SCHEMA_LINES` lines or :data:`SCHEMA_BYTES`
bytes), so nothing is read twice and memory stays bounded. An array has the length most of the first
lines give it (the longest of equally common ones): one line whose array is one element longer does not
make every other line short of a value. A line may leave a field out (a missing value, NaN), or give an
array fewer elements (missing values), and may carry fields the first lines did not have (they are not
columns); an array longer than that, or a field whose kind changed (an array where a number was), is a
:class:`~losscli.errors.ReadError` naming the line, never a silently shortened row.

A file of one line holding one JSON document as pandas' ``to_json`` writes it without ``lines=True`` (an
object of objects, ``split``, ``table``, an array of arrays; a Series' object keyed by numbers or array of
values when no line end follows) is refused with the conversion to JSON lines: read as lines it would be
one sample of N outputs (:func:`_pandas_document`).

Values: numbers as float64 (a column of integers only as int64), ``true``/``false`` as 1/0, ``null`` and
missing fields as NaN; a string that Python's ``float()`` reads is that number (lm-evaluation-harness
writes log-likelihoods as ``"-7.25"``), any other string makes the chunk of that column an ``object``
array of the texts as written (an id keeps its spaces). Blank lines are skipped, and rows keep their line
numbers in messages.

The parser is orjson; a line it refuses is parsed again with the standard ``json`` module, which also
reads the ``NaN``/``Infinity`` that Python's ``json.dumps`` writes. The elements of one array are taken as
the whole array once per line and converted together. Measured with ``benchmarks/jsonl_readers.py`` on this
machine (2 shared cores under a load of 2–8, orjson 3.13, pyarrow 26.0.1; best of 3–5, so the spread
between runs is shown), 200k lines of (id, label, 10 logits), 29 MB, to float64 arrays:

===================================================  ============  =========================
reader                                               seconds       × the fastest
===================================================  ============  =========================
``pyarrow.json.open_json``, explicit schema          0.47–0.73     1
orjson line by line, arrays whole                    0.62–0.89     1.1–1.7
this reader (orjson, arrays whole, line numbers)     0.69–1.47     1.4–3.2
standard ``json`` module                             2.4–3.9       4.7–8.3
===================================================  ============  =========================

pyarrow is the faster parser (its threads help most on a loaded machine), but it infers one schema per
block (a number that is an integer in the first block and ``0.5`` later, a field first ``null`` then a
number, an array that is longer later: all fail, or need a second pass), and its errors name a row of a
block, not the line of the file. orjson reads each line on its own, so every error names its line, and it
is the reader used; end to end, ``losscli eval cce`` reads JSON lines at 1.6–2.3× the time of the same
data as CSV.
"""

from __future__ import annotations

import contextlib
import itertools
import json
from bisect import bisect_right
from collections.abc import Iterator
from typing import Any

import numpy as np

from losscli.errors import EmptyContentError, Location, ReadError
from losscli.io import limits
from losscli.io.arrow_lists import usual_width
from losscli.io.base import Block, Chunk, Input, Source
from losscli.io.plain_numbers import all_plain

#: the columns are those of the first lines: at most this many lines ...
SCHEMA_LINES = 1000
#: ... or this many bytes, whichever comes first
SCHEMA_BYTES = 1 << 20
#: rows per chunk when the whole file is asked for at once (``chunk_rows=None`` still yields one chunk)
_BLOCK_ROWS = 1 << 16

Path = tuple[Any, ...]  # str keys and int indices


class _Mismatch(Exception):
    """A line whose structure differs from the first lines' (found while fetching a column)."""

    def __init__(self, message: str) -> None:
        self.message = message


def _loads(line: bytes) -> Any:
    import orjson  # cached after the first line

    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        pass
    try:  # NaN, Infinity, integers beyond 64 bits
        return json.loads(line)
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ValueError(_json_reason(exc)) from None


def _json_reason(exc: Exception) -> str:
    if isinstance(exc, UnicodeDecodeError):
        return f"byte 0x{exc.object[exc.start : exc.start + 1].hex()} is not valid UTF-8"
    if isinstance(exc, json.JSONDecodeError):
        return f"not valid JSON: {exc.msg} at character {exc.pos + 1}"
    return "not valid JSON: nested too deeply"


def _show(path: Path) -> str:
    out = ""
    for k in path:
        out += f"[{k}]" if isinstance(k, int) else (f".{k}" if out else str(k))
    return out


class _Node:
    """The structure of a field seen in the first lines: a scalar, an object (keys in first-seen order)
    or an array (element structures merged; its length the most common one, see
    :func:`~losscli.io.arrow_lists.usual_width`: a longer line is refused as it is read)."""

    __slots__ = ("kind", "children", "_lengths")

    def __init__(self, kind: str) -> None:
        self.kind = kind  # 'null' (only nulls so far), 'scalar', 'object', 'array'
        self.children: dict[Any, _Node] = {}
        self._lengths: dict[int, int] = {}  # length → lines

    @property
    def length(self) -> int:
        return usual_width(np.repeat(list(self._lengths), list(self._lengths.values())))

    def add(self, value: Any, path: Path, line: int, name: str) -> None:
        kind = _kind(value)
        if kind is None:  # null: fits any kind
            return
        if self.kind == "null":
            self.kind = kind  # first nulls, then the real thing
        if kind != self.kind:
            raise ReadError(
                f"field {_show(path) or 'the line'!r} is {_kind_text(kind)} here, "
                f"{_kind_text(self.kind)} on earlier lines",
                hint="every line must give a field the same kind of value (a number, a string, an array or an object)",
                location=_at(name, line),
            )
        if kind == "object":
            for k, v in value.items():
                child = self.children.get(k)
                if child is None:
                    child = self.children[k] = _Node("null")
                child.add(v, (*path, k), line, name)
        elif kind == "array":
            for i, v in enumerate(value):
                child = self.children.get(i)
                if child is None:
                    child = self.children[i] = _Node("null")
                child.add(v, (*path, i), line, name)
            self._lengths[len(value)] = self._lengths.get(len(value), 0) + 1

    def leaves(self, path: Path = ()) -> Iterator[Path]:
        if self.kind in ("scalar", "null"):
            if path:
                yield path
            return
        if not self.children:  # an array or object empty on every line (OpenAI's "top_logprobs": []): no column
            return
        keys = range(self.length) if self.kind == "array" else self.children
        for k in keys:
            yield from self.children[k].leaves((*path, k))


def _longer(path: Path, length: int, width: int) -> str:
    """The message for an array longer than its columns."""
    return f"{_show(path)!r} has {length} elements, where most of the first lines have {width}"


def _kind(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    return "scalar"


def _pandas_document(value: Any, line_end: bool) -> str | None:
    """The ``orient`` of pandas' ``to_json`` that writes ``value``, the only line of a file, as one document
    (``'series index'`` for a Series'); ``None`` for a value JSON lines hold. A DataFrame's ``columns`` and
    ``index`` (an object of objects: numbers as the keys of one level, as a RangeIndex writes them, or names
    at both levels without a line end), ``split``, ``table`` and ``values`` (an array of arrays) are taken
    whatever follows; a Series' ``index`` (an object of scalars whose keys are numbers) and ``values`` or
    ``records`` (an array of scalars) only without the line end that pandas does not write and a writer of
    JSON lines does, since one row may be so too."""
    if isinstance(value, dict):
        keys = set(value)
        if keys == {"schema", "data"} and isinstance(value["schema"], dict):
            return "table"
        if "data" in keys and keys & {"index", "columns"} and keys <= {"columns", "index", "data", "name"}:
            return "split" if "columns" in keys or "name" not in keys else "series split"
        if value and all(isinstance(v, dict) for v in value.values()):
            # 'columns' keys the columns by name and each one's values by index; 'index' the other way round
            inner = {k for v in value.values() for k in v}
            numbered, inner_numbered = all(_number(k) for k in keys), all(_number(k) for k in inner)
            if numbered != inner_numbered:
                return "index" if numbered else "columns"
            if not numbered and line_end:  # names at both levels and a line end: a row of nested objects
                return None
            return "index" if len(keys) > len(inner) else "columns"
        if not line_end and len(value) > 1 and all(_kind(v) != "object" and _kind(v) != "array"
                                                   for v in value.values()) and all(_number(k) for k in keys):
            return "series index"
        return None
    if isinstance(value, list) and len(value) > 1:
        if all(isinstance(v, list) for v in value):
            return "values"
        if not line_end and all(_kind(v) in ("scalar", None) for v in value):
            return "series records"
    return None


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _kind_text(kind: str | None) -> str:
    return {"object": "an object", "array": "an array", "scalar": "a single value"}.get(kind or "", "null")


def _name(path: Path) -> str:
    return _show(path)


def _at(name: str, line: int) -> Location:
    return Location(array="", file=name, file_row=line, row_word="line")


class JsonlSource(Source):
    """A JSON lines file; see the module docstring."""

    row_word = "line"

    def __init__(self, inp: Input, *, json_name: bool = False) -> None:
        self._inp = inp
        self._json_name = json_name  # a .json file: hint about converting a JSON array
        root: _Node | None = None
        n_lines = n_bytes = 0
        with inp.open() as f:
            lines = self._lines(f)
            head = list(itertools.islice(lines, 2))
            if len(head) == 1:  # one line: one JSON document as pandas writes it?
                line_no, line = head[0]
                obj = self._parse(line, line_no)
                orient = _pandas_document(obj, line.endswith(b"\n")) if _kind(obj) in ("object", "array") else None
                if orient is not None:
                    raise self._document_error(line_no, orient)
            for line_no, line in itertools.chain(head, lines):
                obj = self._parse(line, line_no)
                if _kind(obj) not in ("object", "array"):
                    raise self._line_error(line_no, "a line holds a single value, not a JSON object or array")
                if isinstance(obj, list) and any(isinstance(v, dict) for v in obj):
                    raise ReadError(
                        "a line holds a JSON array of objects, not one object per line",
                        hint=f"turn the array into JSON lines first: jq -c '.[]' {inp.name} > data.jsonl",
                        location=_at(inp.name, line_no),
                    )
                if root is None:
                    root = _Node(_kind(obj) or "null")
                root.add(obj, (), line_no, inp.name)
                n_lines += 1
                n_bytes += len(line)
                if n_lines >= SCHEMA_LINES or n_bytes >= SCHEMA_BYTES:
                    break
        if root is None:
            raise EmptyContentError(f"{inp.name} is empty")
        paths = list(root.leaves())
        if not paths:
            raise ReadError(f"{inp.name}: the first lines hold no fields")
        limits.check_columns(inp.name, len(paths))
        names = []
        self._paths: dict[str, Path] = {}
        for p in paths:
            n = _name(p)
            if n not in self._paths:
                self._paths[n] = p
                names.append(n)
        #: for each array, its length in the first lines (a longer one later is an error)
        self._arrays = {p: node.length for p, node in _array_nodes(root)}
        #: arrays of single values (a row's logits): blocks, read as one 2-D array
        blocks: dict[str, list[str]] = {}
        self._block_paths: dict[str, Path] = {}
        for p, node in _array_nodes(root):
            members = [_name((*p, i)) for i in range(node.length)]
            if (p and node.length > 1 and all(c.kind in ("scalar", "null") for c in node.children.values())
                    and all(self._paths.get(m) == (*p, i) for i, m in enumerate(members))):
                blocks[_name(p)] = members
                self._block_paths[_name(p)] = p
        #: (data row, blank lines before it) where the count of skipped blank lines changes
        self._blank_runs: list[tuple[int, int]] = []
        super().__init__(
            path=inp.given, name=inp.name, format="jsonl", columns=names, n_rows=None,
            size_bytes=inp.size_bytes, header_rows=0,
        )
        self.blocks = blocks

    # ------------------------------------------------------------------ lines
    def _lines(self, f: Any) -> Iterator[tuple[int, bytes]]:
        """(1-based line number, line) for every non-blank line; a BOM on the first is dropped."""
        cap = limits.max_line_bytes()
        line_no = 0
        while True:
            try:
                line = f.readline(cap + 1)
            except (OSError, EOFError, ValueError) as exc:
                raise ReadError(f"cannot read {self._inp.name}: {exc}") from None
            if not line:
                return
            line_no += 1
            if len(line) > cap and not line.endswith(b"\n"):
                raise ReadError(
                    f"a line is longer than {limits.human(cap)}",
                    hint="raise LOSSCLI_MAX_LINE_BYTES if the file is what you meant",
                    location=_at(self._inp.name, line_no),
                )
            if line_no == 1 and line.startswith(b"\xef\xbb\xbf"):
                line = line[3:]
            if line.strip():
                yield line_no, line

    def _parse(self, line: bytes, line_no: int) -> Any:
        try:
            return _loads(line)
        except ValueError as exc:
            raise self._line_error(line_no, str(exc)) from None

    def _document_error(self, line_no: int, orient: str) -> ReadError:
        """A file of one JSON document as pandas' ``to_json`` writes it (not ``lines=True``)."""
        series = orient.startswith("series ")
        orient = orient.removeprefix("series ")
        path = "the_file.json" if self._inp.name.startswith("<") else self._inp.name  # <stdin>: its file's name
        read = (f"pd.read_json({path!r}, typ='series', orient={orient!r}).rename('value')" if series
                else f"pd.read_json({path!r}, orient={orient!r})")
        return ReadError(
            f"the file holds one JSON document, as pandas' {'Series' if series else 'DataFrame'}.to_json"
            f"(orient={orient!r}) writes it, not JSON lines (one object per row): read as lines it would be a "
            f"single sample",
            hint=f"write JSON lines (df.to_json(path, orient='records', lines=True)), or convert it: "
                 f"{read}.reset_index().to_json('data.jsonl', orient='records', lines=True)",
            location=_at(self._inp.name, line_no),
        )

    def _line_error(self, line_no: int, what: str) -> ReadError:
        hint = "each line must be one JSON object, such as {\"label\": 1, \"logits\": [0.2, -1.3]}"
        if self._json_name and line_no == 1:
            hint = f"a .json file is read as JSON lines; turn a JSON array into lines with jq -c '.[]' {self._inp.name}"
        return ReadError(what, hint=hint, location=_at(self._inp.name, line_no))

    def nonfinite_as_written(self, data_row: int, column: str) -> str | None:
        """``null`` (or the text read as missing) for a missing value at ``data_row``, the number as written
        (``1e999``, ``Infinity``) for an infinite one: its line read again."""
        path = self._paths.get(column)
        if path is None:
            return None
        target = self.file_row(data_row)
        try:
            with self._inp.open() as f:
                for line_no, line in self._lines(f):
                    if line_no == target:
                        obj = self._parse(line, line_no)
                        break
                else:
                    return None
            value = _get(obj, path)
            if isinstance(value, (float, int)) and not isinstance(value, bool):  # NaN, ±inf, a too long integer:
                # the number's own text, the line read again keeping it
                value = _get(json.loads(line, parse_float=str, parse_int=str, parse_constant=str), path)
        except (ReadError, _Mismatch, OSError, ValueError):
            return None
        if value is not None:
            return value if isinstance(value, str) else None
        parent = _get(obj, path[:-1]) if len(path) > 1 else obj
        last = path[-1]
        present = (isinstance(parent, dict) and last in parent) or (isinstance(parent, list) and isinstance(last, int)
                                                                     and last < len(parent))
        return "null" if present else None  # a field left out keeps the value read

    def file_row(self, data_row: int) -> int:
        runs = self._blank_runs
        i = bisect_right(runs, (data_row, float("inf"))) - 1
        return data_row + 1 + (runs[i][1] if i >= 0 else 0)

    # ------------------------------------------------------------------ reading
    def _read(self, columns: list[Any], chunk_rows: int | None) -> Iterator[Chunk]:
        plan = _Extraction([self._block_paths[c.name] if isinstance(c, Block) else self._paths[c] for c in columns],
                           self._arrays, [isinstance(c, Block) for c in columns])
        block = chunk_rows or _BLOCK_ROWS
        self._blank_runs = []
        first = 0
        data_row = 0
        pieces: list[dict[str, np.ndarray]] = []
        with self._inp.open() as f:
            for line_no, line in self._lines(f):
                blanks = line_no - 1 - data_row
                if blanks and (not self._blank_runs or self._blank_runs[-1][1] != blanks):
                    self._blank_runs.append((data_row, blanks))
                try:
                    plan.add(self._parse(line, line_no))
                except _Mismatch as exc:
                    raise self._mismatch(exc, line_no) from None
                data_row += 1
                if data_row - first == block:
                    chunk = self._convert(columns, plan, first)
                    if chunk_rows is None:
                        pieces.append(chunk)
                    else:
                        yield Chunk(chunk, first_row=first)
                    first = data_row
        if data_row == 0:
            raise ReadError(f"{self.name} has no rows")
        if data_row > first:
            chunk = self._convert(columns, plan, first)
            if chunk_rows is None:
                pieces.append(chunk)
            else:
                yield Chunk(chunk, first_row=first)
        if chunk_rows is None:
            yield Chunk({c: np.concatenate([p[c] for p in pieces]) for c in columns}, first_row=0)

    def _mismatch(self, exc: _Mismatch, line_no: int) -> ReadError:
        return ReadError(
            exc.message,
            hint="the columns are those of the first lines: an array of one value per class has as many elements "
            "on every line; repair or drop the lines whose arrays are longer (or pad the others with null)",
            location=_at(self.name, line_no),
        )

    def _convert(self, columns: list[Any], plan: _Extraction, first: int) -> dict[Any, np.ndarray]:
        try:
            arrays = plan.take()
        except _RowMismatch as exc:
            raise self._mismatch(exc, self.file_row(first + exc.row)) from None
        out: dict[Any, np.ndarray] = {}
        for c, values in zip(columns, arrays, strict=True):
            if isinstance(values, np.ndarray):
                out[c] = values
                continue
            if isinstance(c, Block):  # not all numbers: one column per element, as they are read one by one
                out[c] = np.column_stack([self._values(m, v, first) for m, v in zip(self.blocks[c.name], values,
                                                                                    strict=True)])
                continue
            out[c] = self._values(c, values, first)
        return out

    def _values(self, c: str, values: list[Any], first: int) -> np.ndarray:
        """One column of single values → an array (a list or an object among them is an error); a key
        column's (an id) as the texts written, never numbers read from them (``"007"`` is not ``"7"``, in any
        chunk)."""
        for i, v in enumerate(values):  # a list or an object where the first lines had a value
            if isinstance(v, (list, dict)):
                raise self._error(
                    f"field {c!r} is {_kind_text(_kind(v))} here, a single value on the first lines",
                    hint="make every line give the field the same kind of value",
                    data_row=first + i, column=c,
                )
        if c in self.text_columns:
            out = np.empty(len(values), dtype=object)
            out[:] = ["" if v is None else v if isinstance(v, str) else _text(v) for v in values]
            return out
        return to_array(values)


class _RowMismatch(_Mismatch):
    def __init__(self, message: str, row: int) -> None:
        super().__init__(message)
        self.row = row  # 0-based row of the chunk


class _Extraction:
    """Collects the selected fields of a chunk's lines, then turns them into columns.

    Elements of one array (``logits[0]``, ``logits[1]``, …) are taken as the whole array once per line and
    converted together (one 2-D ``numpy.array`` call when every line's array is numeric and as long as in
    the first lines); other fields one value per line. Arrays above a selected column whose elements are
    not columns themselves (``resps`` of ``resps[2][0]``) are checked for their length line by line.
    """

    def __init__(self, paths: list[Path], widths: dict[Path, int], whole: list[bool] | None = None) -> None:
        self.paths = paths
        self.widths = widths
        self.parents: list[Path] = []  # arrays whose elements are selected
        #: per column: ('array', parent index, element), ('block', parent index, 0) or ('one', i, 0)
        self.slots: list[tuple[str, int, int]] = []
        self.singles: list[Path] = []
        for p, block in zip(paths, whole or [False] * len(paths), strict=True):
            parent = p[:-1]
            if block:  # the whole array, as one 2-D array
                if p not in self.parents:
                    self.parents.append(p)
                self.slots.append(("block", self.parents.index(p), 0))
            elif p and isinstance(p[-1], int) and parent in widths:
                if parent not in self.parents:
                    self.parents.append(parent)
                self.slots.append(("array", self.parents.index(parent), p[-1]))
            else:
                self.singles.append(p)
                self.slots.append(("one", len(self.singles) - 1, 0))
        self.guards = [(a, n) for a, n in widths.items() if a not in self.parents
                       and any(q[: len(a)] == a and len(q) > len(a) for q in paths)]
        self._reset()

    def _reset(self) -> None:
        self.single_values: list[list[Any]] = [[] for _ in self.singles]
        self.parent_values: list[list[Any]] = [[] for _ in self.parents]
        # one top-level key: a dict lookup per line; deeper paths: _get
        pairs = [*zip(self.single_values, self.singles, strict=True),
                 *zip(self.parent_values, self.parents, strict=True)]
        self.by_key = [(out, p[0]) for out, p in pairs if len(p) == 1 and isinstance(p[0], str)]
        self.by_path = [(out, p) for out, p in pairs if not (len(p) == 1 and isinstance(p[0], str))]

    def add(self, obj: Any) -> None:
        for p, n in self.guards:
            arr = _get(obj, p)
            if isinstance(arr, list) and len(arr) > n:
                raise _Mismatch(_longer(p, len(arr), n))
        if type(obj) is dict:
            get = obj.get
            for out, key in self.by_key:
                out.append(get(key))
        elif self.by_key:
            raise _Mismatch(f"expected a JSON object, found {_kind_text(_kind(obj))}")
        for out, path in self.by_path:
            out.append(_get(obj, path))

    def take(self) -> list[Any]:
        """The chunk's columns (numpy arrays, or lists of values still to convert); starts a new chunk."""
        matrices = [self._matrix(p, values) for p, values in zip(self.parents, self.parent_values, strict=True)]
        out: list[Any] = []
        for kind, k, element in self.slots:
            if kind == "one":
                out.append(self.single_values[k])
            elif kind == "block":
                out.append(matrices[k])
            else:
                m = matrices[k]
                out.append(np.ascontiguousarray(m[:, element]) if isinstance(m, np.ndarray) else m[element])
        self._reset()
        return out

    def _matrix(self, parent: Path, rows: list[Any]) -> Any:
        """The whole arrays of one field: a float64 matrix when they are all numbers and full width, else
        one list of values per element (missing elements as None)."""
        width = self.widths[parent]
        try:
            m = np.array(rows)
            if m.ndim == 2 and m.shape[1] == width:
                if m.dtype.kind == "i":
                    return m.astype(np.int64, copy=False)
                if m.dtype.kind == "f" and ((m == 0.0) | (m == 1.0)).any() and any(
                        type(v) is bool for row in rows for v in row):
                    # true or false among numbers, which NumPy reads as 1 and 0: element by element (below),
                    # where they stay what they are among numbers (to_array)
                    raise ValueError
                if m.dtype.kind in "fbU":  # numbers, booleans alone, numbers written as text
                    return m.astype(np.float64)
        except (ValueError, TypeError, OverflowError):
            pass
        columns: list[list[Any]] = [[] for _ in range(width)]
        for r, row in enumerate(rows):
            if row is None:
                row = ()
            elif type(row) is not list:
                raise _RowMismatch(f"expected an array at {_show(parent)!r}, found {_kind_text(_kind(row))}", r)
            elif len(row) > width:
                raise _RowMismatch(_longer(parent, len(row), width), r)
            for j in range(width):
                columns[j].append(row[j] if j < len(row) else None)
        return columns


def to_array(values: list[Any]) -> np.ndarray:
    """Python scalars from JSON → int64 (integers only), float64 (numbers, ``None`` as NaN, numeric strings;
    ``true`` and ``false`` as 1 and 0 in a column of booleans alone, as Parquet's booleans are read) or an
    object array of the texts as written (``None`` as ``""``; an id ``"x "`` is not ``"x"``).

    ``true`` and ``false`` among numbers or texts are kept as those texts, as a CSV file's cells are: what they
    stand for there depends on the column's role (a binary label, not a class index or a probability), which
    the input plan decides for every format alike; read as 1 and 0 here, a ``true`` among class indices would
    be the class 1."""
    kinds = set(map(type, values))
    if kinds == {int}:
        try:
            return np.array(values, dtype=np.int64)
        except OverflowError:
            pass
    if bool not in kinds or kinds <= {bool, type(None)}:
        with contextlib.suppress(ValueError, TypeError, OverflowError):  # else texts, below
            if all_plain(v.strip() for v in values if isinstance(v, str)):  # ３, 1_000: texts, as pandas reads them
                return np.array(values, dtype=np.float64)
    texts = ["" if v is None else (v if isinstance(v, str) else _text(v)) for v in values]
    out = np.empty(len(texts), dtype=object)
    out[:] = texts
    return out


def _text(v: Any) -> str:
    if v is True:
        return "true"
    if v is False:
        return "false"
    return str(v)


def _array_nodes(node: _Node, path: Path = ()) -> Iterator[tuple[Path, _Node]]:
    if node.kind == "array":
        yield path, node
    for k, child in node.children.items():
        yield from _array_nodes(child, (*path, k))


def _get(obj: Any, path: Path) -> Any:
    """The value at ``path``, ``None`` when a key is absent or an array is shorter; raises
    :class:`_Mismatch` when an object is where an array was (or the other way round)."""
    for k in path:
        if obj is None:
            return None
        if isinstance(k, int):
            if type(obj) is not list:
                raise _Mismatch(f"expected an array at {_show(path)!r}, found {_kind_text(_kind(obj))}")
            if k >= len(obj):
                return None
            obj = obj[k]
        else:
            if type(obj) is not dict:
                raise _Mismatch(f"expected an object at {_show(path)!r}, found {_kind_text(_kind(obj))}")
            obj = obj.get(k)
    return obj
