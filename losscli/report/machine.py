"""JSON, JSON lines, CSV/TSV and the quiet one-number output.

JSON is always valid for ``jq``: floats at full precision (``repr``), non-finite values as ``null``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator
from typing import Any

from .. import __version__
from ..pipeline import Evaluation


def _num(x: float) -> float | None:
    return x if math.isfinite(x) else None


def summary_dict(ev: Evaluation, *, per_sample: bool, file: str | None = None) -> dict[str, Any]:
    """One result as a JSON-ready dict (schema 1)."""
    out = ev.result.summary()
    out["skipped"] = ev.skipped
    out["inputs"] = ev.inputs
    if file is not None:
        out["file"] = file
    out["version"] = __version__
    if per_sample and ev.result.per_sample is not None:
        out["per_sample"] = [_num(v) for v in ev.result.per_sample.tolist()]
        if ev.ids is not None:
            out["ids"] = [_plain(v) for v in ev.ids.tolist()]
    return out


def _plain(v: Any) -> Any:
    if isinstance(v, float):
        return int(v) if v.is_integer() else v
    return v


def json_document(evals: list[Evaluation], *, per_sample: bool) -> str:
    """One JSON document: an object for one result, a list for several."""
    docs = [summary_dict(ev, per_sample=per_sample) for ev in evals]
    body = docs[0] if len(docs) == 1 else docs
    return json.dumps(body, indent=2, allow_nan=False, ensure_ascii=False) + "\n"


def _columns(evals: list[Evaluation]) -> list[str]:
    if len(evals) == 1:
        return ["loss"]
    return [ev.result.loss for ev in evals]


def jsonl_lines(evals: list[Evaluation]) -> Iterator[str]:
    """One JSON object per sample: index, id (if any) and the loss value(s)."""
    names = _columns(evals)
    values = [ev.result.per_sample.tolist() for ev in evals]  # type: ignore[union-attr]
    ids = evals[0].ids.tolist() if evals[0].ids is not None else None
    for i in range(len(values[0])):
        rec: dict[str, Any] = {"index": i}
        if ids is not None:
            rec["id"] = _plain(ids[i])
        for name, vals in zip(names, values, strict=True):
            rec[name] = _num(vals[i])
        yield json.dumps(rec, allow_nan=False, ensure_ascii=False) + "\n"


def delimited_lines(evals: list[Evaluation], sep: str) -> Iterator[str]:
    """CSV or TSV: a header line, then index, id (if any) and the loss value(s) per sample."""
    import csv
    import io

    names = _columns(evals)
    values = [ev.result.per_sample.tolist() for ev in evals]  # type: ignore[union-attr]
    ids = evals[0].ids.tolist() if evals[0].ids is not None else None
    header = ["index"] + (["id"] if ids is not None else []) + names
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=sep, lineterminator="\n")
    writer.writerow(header)
    yield buf.getvalue()
    for i in range(len(values[0])):
        cells = [str(i)]
        if ids is not None:
            cells.append(str(_plain(ids[i])))
        cells.extend("" if not math.isfinite(v[i]) else repr(v[i]) for v in values)
        if ids is not None and any(ch in cells[1] for ch in (sep, '"', "\n")):
            buf = io.StringIO()
            csv.writer(buf, delimiter=sep, lineterminator="\n").writerow(cells)
            yield buf.getvalue()
        else:
            yield sep.join(cells) + "\n"


def quiet_value(evals: list[Evaluation]) -> str:
    """The requested reduction, one number per result at full precision (``nan`` if undefined)."""
    return "".join(f"{ev.result.value!r}\n" for ev in evals)
