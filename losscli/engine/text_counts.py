"""Words and bytes per row, for the word and byte perplexity and bits per byte of a language model.

lm-evaluation-harness scores a corpus of documents by their summed log-likelihoods and the words and bytes
of each document (``loglikelihood_rolling`` tasks: ``count_words`` = ``len(re.split(r"\\s+", doc))``,
``count_bytes`` = ``len(doc.encode("utf-8"))``), aggregated over the corpus as

- ``word_perplexity`` = exp(Σ NLL / Σ words)
- ``byte_perplexity`` = exp(Σ NLL / Σ bytes)
- ``bits_per_byte``   = Σ NLL / (Σ bytes · ln 2)

(``lm_eval.api.metrics``: ``weighted_perplexity`` = exp(−Σ loglikelihood / Σ count), ``bits_per_byte`` =
−Σ loglikelihood / Σ bytes / ln 2), with the NLL in nats. Here each row is one token (or one document's
summed NLL) and a column gives its words or bytes; the sums are taken over the counted rows (padding left out
by ``ignore_index`` counts neither its NLL nor its words), kept exactly as Python integers in the
accumulator, so streaming, shard states and Dask give the one-pass values.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from losscli.errors import InputError, Location, UsageError
from losscli.io.plain_numbers import all_plain, plain_float

#: The counts a row may carry, by name (the ``--words-col``/``--bytes-col`` columns), and what each is.
COUNTS = {"words": "word count", "bytes": "byte count"}

#: A row's count above this is refused (a petabyte of text in one row is a wrong column, not a document).
MAX_COUNT = 2**50


def check_count_names(names: Any) -> tuple[str, ...]:
    """The names in canonical order; an unknown one is a usage error."""
    out = tuple(names)
    for n in out:
        if n not in COUNTS:
            raise UsageError(f"unknown per-row count {n!r}", hint="give words and/or bytes")
    return tuple(n for n in COUNTS if n in out)


def checked_counts(name: str, values: Any, n: int, row_offset: int) -> np.ndarray:
    """One chunk's counts as int64: whole numbers from 0 to :data:`MAX_COUNT`, one per row.

    A missing, negative, fractional or non-numeric count is an :class:`InputError` naming its row
    (``row_offset`` + the row in the chunk) and the value as written."""
    what = COUNTS[name]
    a = np.asarray(values)
    if a.ndim != 1 or a.shape[0] != n:
        raise InputError(f"{n} rows but {a.shape[0] if a.ndim else 1} {what}s" if a.ndim <= 1 else
                         f"the {what}s must be one column", location=Location(name),
                         hint=f"give one {what} per row")
    if a.dtype.kind in "iu":
        bad = (a < 0) | (a > MAX_COUNT)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            _refuse(name, a[i], i, row_offset)
        return a.astype(np.int64, copy=False)
    if a.dtype.kind == "b":
        return a.astype(np.int64)
    if a.dtype.kind != "f":
        try:
            if not all_plain(str(v).strip() for v in a.tolist() if v is not None):
                raise ValueError("a number only Python reads")  # ３, 1_000: refused by name below
            a = a.astype(np.float64)
        except (TypeError, ValueError):
            for i, v in enumerate(a.tolist()):
                try:
                    plain_float(str(v).strip()) if v is not None else float(v)
                except (TypeError, ValueError):
                    _refuse(name, v, i, row_offset)
            raise  # pragma: no cover - some value did not convert
    a = a.astype(np.float64, copy=False)
    with np.errstate(invalid="ignore"):
        bad = ~np.isfinite(a) | (a < 0) | (a > MAX_COUNT) | (a != np.floor(a))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        _refuse(name, float(a[i]), i, row_offset)
    return a.astype(np.int64)


def _refuse(name: str, value: Any, i: int, row_offset: int) -> None:
    what = COUNTS[name]
    hint = f"each row's {what} is a whole number of {name} (0 or more) of the token or document it scores"
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        raise InputError(f"missing {what}", location=Location(name, row=row_offset + i),
                         hint=f"{hint}; fill it in, or leave such rows out with --nan skip")
    try:
        too_large = float(value) > MAX_COUNT
    except (TypeError, ValueError):
        too_large = False
    problem = f"{what} beyond {MAX_COUNT} (2**50)" if too_large else f"{what} must be a whole number ≥ 0"
    raise InputError(problem, location=Location(name, row=row_offset + i, value=_plain(value)), hint=hint)


def _plain(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    return v


def chunk_totals(counts: dict[str, np.ndarray], counted: np.ndarray | None) -> dict[str, int]:
    """Σ count over the counted rows of a chunk, exactly (Python integers)."""
    out = {}
    for name, c in counts.items():
        keep = c if counted is None else c[np.asarray(counted, dtype=bool)]
        if keep.size and int(keep.max()) * keep.size >= 2**62:  # int64 could overflow: add as Python integers
            out[name] = sum(int(x) for x in keep.tolist())
        else:
            out[name] = int(np.sum(keep, dtype=np.int64))
    return out


def rates(nll_sum: float, totals: dict[str, int], *, unit_scale: float = 1.0) -> tuple[dict[str, float], list[str]]:
    """lm-evaluation-harness's aggregates from Σ NLL (in the value's unit: nats, or bits when ``unit_scale``
    is 1/ln 2) and the summed counts; NaN with a reason where a count sums to 0."""
    nats = nll_sum / unit_scale if unit_scale != 1.0 else nll_sum
    out: dict[str, float] = {}
    why: list[str] = []
    words = totals.get("words")
    if words is not None:
        out["words"] = int(words)  # type: ignore[assignment]  # a count, exact however large
        out["word_perplexity"] = _exp(nats / words) if words else math.nan
        if not words:
            why.append("word_perplexity is undefined: the counted rows hold 0 words")
    nbytes = totals.get("bytes")
    if nbytes is not None:
        out["bytes"] = int(nbytes)  # type: ignore[assignment]
        out["byte_perplexity"] = _exp(nats / nbytes) if nbytes else math.nan
        out["bits_per_byte"] = nats / (nbytes * math.log(2.0)) if nbytes else math.nan
        if not nbytes:
            why.append("byte_perplexity and bits_per_byte are undefined: the counted rows hold 0 bytes")
    return out, why


def _exp(x: float) -> float:
    if not math.isfinite(x):
        return math.nan if math.isnan(x) else (math.inf if x > 0 else 0.0)
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf
