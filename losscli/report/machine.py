"""JSON, JSON lines, CSV/TSV and the quiet one-number output.

JSON is always valid for ``jq``: floats at full precision (``repr``), non-finite values as ``null``.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

from losscli.escape import utf8_safe
from losscli.pipeline import Evaluation
from losscli.version import __version__


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def summary_dict(ev: Evaluation, *, per_sample: bool) -> dict[str, Any]:
    """One result as a JSON-ready dict (schema 1)."""
    out = ev.result.summary()
    out["skipped"] = ev.skipped
    out["inputs"] = ev.inputs
    if ev.file is not None:
        out["file"] = ev.file
        out["rank"] = ev.rank
    out["version"] = __version__
    out.update(getattr(ev, "extra", None) or {})  # signature, ci, by_class, by_group, baseline, checks
    if per_sample and ev.result.per_sample is not None:
        out["per_sample"] = [_num(v) for v in ev.result.per_sample.tolist()]
        if _skipped_rows(ev):
            out["index"] = ev.sample_rows.tolist()  # type: ignore[union-attr]
        if ev.ids is not None:
            out["ids"] = [plain_id(v) for v in ev.ids.tolist()]
    return out


def _skipped_rows(ev: Evaluation) -> bool:
    """Whether rows were skipped (``--nan skip``) and each kept sample's input row is known."""
    return bool(ev.skipped) and ev.sample_rows is not None and len(ev.sample_rows) == len(ev.result.per_sample)


def per_input_row(ev: Evaluation) -> Any:
    """The per-sample values with NaN at the input rows ``--nan skip`` dropped: value i is input row i."""
    values = ev.result.per_sample
    if not _skipped_rows(ev):
        return values
    import numpy as np

    rows = ev.sample_rows
    full = np.full(max(len(values) + ev.skipped, int(rows.max()) + 1 if len(rows) else 0), np.nan)
    full[rows] = values
    return full


def plain_id(v: Any) -> Any:
    """An id as every output writes it: a float id that is a whole number as that integer (``3.0`` of a
    Parquet float column is ``3``, as a CSV file and ``--id-col``'s join spell it)."""
    if isinstance(v, float):
        return int(v) if v.is_integer() else v
    return v


_SLOT = "\u0000per_sample\u0000"
_SLICE = 65536


def json_document(evals: list[Evaluation], *, per_sample: bool) -> Iterator[str]:
    """One JSON document, in pieces: an object for one result, a list for several.

    The per-sample list is written in slices, so a result over millions of samples never becomes one
    giant string in memory.
    """
    import json  # (not for -q, which prints a number)

    docs = []
    arrays = []
    for ev in evals:
        doc = summary_dict(ev, per_sample=False)
        if per_sample and ev.result.per_sample is not None:
            doc["per_sample"] = _SLOT
            arrays.append(ev.result.per_sample)
            if _skipped_rows(ev):  # each value's input row, as --nl and --csv write it in `index`
                doc["index"] = _SLOT
                arrays.append(ev.sample_rows)
            if ev.ids is not None:
                doc["ids"] = [plain_id(v) for v in ev.ids.tolist()]
        docs.append(doc)
    # a file name with undecodable bytes holds lone surrogates: written as \u escapes, the JSON stays UTF-8
    text = utf8_safe(json.dumps(docs[0] if len(docs) == 1 else docs, indent=2, allow_nan=False, ensure_ascii=False))
    pieces = text.split(json.dumps(_SLOT))
    for i, piece in enumerate(pieces):
        yield piece
        if i < len(arrays):
            yield from _number_list(arrays[i])
    yield "\n"


def _number_list(values: Any) -> Iterator[str]:
    yield "["
    n = len(values)
    for start in range(0, n, _SLICE):
        part = values[start:start + _SLICE].tolist()
        body = ", ".join("null" if not math.isfinite(v) else repr(v) for v in part)
        yield body if start == 0 else ", " + body
    yield "]"


def leaderboard_rows(evals: list[Evaluation]) -> list[dict[str, Any]]:
    """One row per (file, loss) of a multi-file run, ranked."""
    return [
        {"rank": ev.rank, "file": ev.file, "loss": ev.result.loss, "value": _num(ev.result.value),
         "n": ev.result.n, "mean": _num(ev.result.mean)}
        for ev in evals
    ]


def _columns(evals: list[Evaluation]) -> list[str]:
    from losscli.report.naming import column_names

    return column_names([(ev.result.loss, ev.result.params) for ev in evals])


def jsonl_lines(evals: list[Evaluation]) -> Iterator[str]:
    """One JSON object per sample: index, id (if any) and the loss value(s); per file when ranking."""
    import json

    if any(ev.file is not None for ev in evals):
        for row in leaderboard_rows(evals):
            yield utf8_safe(json.dumps(row, allow_nan=False, ensure_ascii=False)) + "\n"
        return
    names = _columns(evals)
    values = [ev.result.per_sample.tolist() for ev in evals]  # type: ignore[union-attr]
    ids = evals[0].ids.tolist() if evals[0].ids is not None else None
    for i in range(len(values[0])):
        rec: dict[str, Any] = {"index": evals[0].index(i)}
        if ids is not None:
            rec["id"] = plain_id(ids[i])
        for name, vals in zip(names, values, strict=True):
            rec[name] = _num(vals[i])
        yield json.dumps(rec, allow_nan=False, ensure_ascii=False) + "\n"


def delimited_lines(evals: list[Evaluation], sep: str) -> Iterator[str]:
    """CSV or TSV: a header line, then index, id (if any) and the loss value(s) per sample."""
    from losscli.report.sink import delimited

    if any(ev.file is not None for ev in evals):
        rows = leaderboard_rows(evals)
        table = [list(rows[0])] + [["" if v is None else str(v) for v in row.values()] for row in rows]
        yield utf8_safe(delimited(table, sep))
        return
    names = _columns(evals)
    values = [ev.result.per_sample.tolist() for ev in evals]  # type: ignore[union-attr]
    ids = evals[0].ids.tolist() if evals[0].ids is not None else None
    header = ["index"] + (["id"] if ids is not None else []) + names
    yield delimited([header], sep)
    for i in range(len(values[0])):
        cells = [str(evals[0].index(i))]
        if ids is not None:
            cells.append(str(plain_id(ids[i])))
        cells.extend("" if math.isnan(v[i]) else repr(v[i]) for v in values)  # ±inf as inf
        if ids is not None and any(ch in cells[1] for ch in (sep, '"', "\n", "\r")):
            yield delimited([cells], sep)
        else:
            yield sep.join(cells) + "\n"


def quiet_value(evals: list[Evaluation]) -> str:
    """The requested reduction, one number per result at full precision (``nan`` if undefined); under
    reduction ``none``, the per-sample values, one per input row (``nan`` at a row ``--nan skip`` dropped; one
    prediction file: the command refuses several). Several prediction files come in the order they were given
    (a script reads line i as file i), not ranked as the tables show them."""
    out = []
    for ev in sorted(evals, key=lambda e: e.given):
        r = ev.result
        if r.rule == "none" and r.per_sample is not None:  # one line per input row: nan where one was skipped
            out.extend(f"{float(v)!r}\n" for v in per_input_row(ev))
        else:
            out.append(f"{r.value!r}\n")
    return "".join(out)
