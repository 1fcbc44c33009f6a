"""Mergeable shard results: accumulator states written by ``eval --state-out``, combined by ``merge``.

A state file holds, for every loss of a run, the exact accumulator state (exact partial sums, counts,
Welford terms, min/max) plus what it was computed with. Merging any number of states gives the same
``n``, mean, sum and weight sum as one pass over all rows (up to the rounding of each shard's last partial
block: a few ulps), and the same standard deviation to float64 rounding. States whose loss, parameters,
convention, reduction or output count differ are refused, and so are states whose prediction columns are
the same names in another order (a column is a class by its place: such shards disagree on the classes).
This is the map-reduce path for any engine: shell loops, job arrays, Dask.
"""

from __future__ import annotations

import json
import math
from typing import Any

from losscli.engine.text_counts import COUNTS
from losscli.errors import InputError, ReadError
from losscli.files import write_atomic
from losscli.values import json_params
from losscli.version import __version__

KIND = "losscli.engine.state"
SCHEMA = 1
#: What must agree for two states to merge.
MERGE_KEYS = ("loss", "params", "convention", "reduction", "outputs", "counts", "eps", "weighted")


def state_entry(evaluator: Any, source: str | None = None, columns: dict[str, list[str]] | None = None
                ) -> dict[str, Any]:
    """One loss's state as a JSON-ready dict; ``columns``: the input columns of each role (``labels``,
    ``preds``) where known."""
    return {
        "loss": evaluator.spec.name,
        "params": json_params(evaluator.params),
        "convention": evaluator.conv.name,
        "reduction": evaluator.reduction,
        "outputs": evaluator.outputs,
        **({"counts": list(evaluator.counts)} if getattr(evaluator, "counts", ()) else {}),
        # the clip's eps where not the convention's default (--eps, scikit-learn's of a float32 input): shards
        # clipped apart do not merge
        **({"eps": eps} if (eps := evaluator.clip_eps()) is not None else {}),
        # with sample weights (said only then: states of earlier versions, which do not say, read as without)
        **({"weighted": True} if evaluator.weighted else {}),
        # a merged state: the shards' own sources, and each shard's fingerprint (a shard merged again is refused)
        "sources": [source] if source else list(getattr(evaluator, "sources", None) or []),
        **({"shards": list(shards)} if (shards := getattr(evaluator, "shard_ids", None)) else {}),
        **({"columns": columns} if columns else {}),
        "skipped_rows": evaluator.skipped_rows,
        "warnings": list(evaluator.warnings),
        # rows not summing to 1 that the convention took, counted for the merged warning
        **({"off_rows": off} if (off := evaluator.off_rows_seen()) else {}),
        "accumulator": evaluator.acc.to_json(),
        **_sections(evaluator),
    }


#: the sections a state may keep beside the totals: per-class and per-group sums, and that an interval was
#: asked (which no state can rebuild: it needs every sample's value)
SECTIONS = ("by_class", "by_group", "ci")


def _sections(evaluator: Any) -> dict[str, Any]:
    found = getattr(evaluator, "state_sections", None)
    sections = found() if callable(found) else found or {}
    return {k: sections[k] for k in SECTIONS if k in sections}


def state_document(evaluators: list[Any], source: str | None = None, columns: dict[str, list[str]] | None = None
                   ) -> dict[str, Any]:
    return {
        "kind": KIND,
        "schema": SCHEMA,
        "version": __version__,
        "states": [state_entry(ev, source, columns) for ev in evaluators],
    }


def write_state(path: str, evaluators: list[Any], source: str | None = None,
                columns: dict[str, list[str]] | None = None) -> None:
    """Write the states of ``evaluators`` to ``path`` atomically."""
    write_atomic(path, json.dumps(state_document(evaluators, source, columns), indent=1) + "\n")


def read_state(path: str) -> dict[str, Any]:
    """Read one state file and check it against the schema: every field present, of its type and in range.

    Anything else — not JSON, another kind of document, another schema version, no states, a count
    that is negative, a partial sum that is not a finite float — is a :class:`ReadError` (exit 3).
    """
    from losscli.io.documents import parse_json, read_bytes

    doc = parse_json(read_bytes(path, "state file"), path, "state file")
    if not isinstance(doc, dict) or doc.get("kind") != KIND:
        raise ReadError(f"{path} is not a losscli state file", hint="write one with `losscli eval ... --state-out`")
    if doc.get("schema") != SCHEMA:
        raise ReadError(f"{path} has state schema {_short(doc.get('schema'))}; this losscli reads schema {SCHEMA}",
                        hint="write it again with this version of losscli")
    states = doc.get("states")
    if not isinstance(states, list) or not states:
        raise ReadError(f"{path} holds no states", hint="write one with `losscli eval ... --state-out`")
    for i, entry in enumerate(states, start=1):
        check_entry(entry, f"{path} state {i}")
    return doc


def check_entry(entry: Any, where: str) -> None:
    """Check one state entry (loss, parameters, accumulator) against the schema."""
    from losscli.io.documents import Fields

    f = Fields(entry, where)
    f.string("loss")
    f.mapping("params")
    f.string("convention")
    f.string("reduction")
    f.integer("outputs", low=1, optional=True)
    f.boolean("weighted", optional=True)
    f.strings("sources")
    f.strings("shards")
    roles = Fields(f.mapping("columns", optional=True) or {}, f"{where} columns")
    for role in ("labels", "preds"):
        if roles.has(role):
            roles.strings(role)
    f.integer("skipped_rows", low=0, optional=True)
    f.strings("warnings")
    _check_off_rows(f.mapping("off_rows", optional=True) or {}, where)
    declared = f.strings("counts")
    unknown = [c for c in declared if c not in COUNTS]
    if unknown:
        raise ReadError(f"{where}: unknown per-row count {unknown[0]!r}", hint=f"counts are {', '.join(COUNTS)}")
    for section in SECTIONS:
        f.mapping(section, optional=True)
    if entry.get("reduction") == "none":
        raise ReadError(f"{where}: written with --reduction none, which has no value to merge",
                        hint="write the shards' states again with --reduction mean (or sum)")
    acc = Fields(f.mapping("accumulator"), f"{where} accumulator")
    n = acc.integer("n")
    n_total = acc.integer("n_total")
    acc.integer("clipped")
    acc.integer("sign_labels", high=3, optional=True)
    if n_total < n:  # type: ignore[operator]
        raise ReadError(f"{where} accumulator: n_total {n_total} is smaller than n {n}")
    acc.hex_floats("sum_values")
    if acc.has("sum_values_hi"):  # (states of earlier versions have no scaled sums)
        acc.hex_floats("sum_values_hi")
    for key in ("sum_weights", "sum_weights_hi"):
        total = math.fsum(acc.hex_floats(key)) if acc.has(key) else 0.0
        if total < 0:  # sample and class weights are never negative
            raise ReadError(f"{where} accumulator: {key} adds up to {total!r}, below 0")
    acc.hex_float("mean")
    if acc.hex_float("m2") < 0:  # a sum of squares
        raise ReadError(f"{where} accumulator: m2 is {acc.obj['m2']!r}, below 0 (it is a sum of squares)")
    lo, hi = (acc.hex_float(key, finite=bool(n)) for key in ("min", "max"))  # ±inf while nothing was counted
    if n and lo > hi:
        raise ReadError(f"{where} accumulator: min {acc.obj['min']!r} is above max {acc.obj['max']!r}")
    sums = Fields(acc.mapping("counts", optional=True) or {}, f"{where} accumulator counts")
    for name in declared:
        if n_total and sums.has(name):
            sums.integer(name)
        elif n_total:
            raise ReadError(f"{where} accumulator: no sum of the declared {name} count")


def _check_off_rows(off: dict[str, Any], where: str) -> None:
    """``off_rows``: per kind of row (``label``, ``probability``), ``[count ≥ 1, first sample ≥ 1, its sum,
    what the convention did]``."""
    for what, entry in off.items():
        if what not in ("label", "probability") or not (
                isinstance(entry, list) and len(entry) == 4 and all(type(v) is int and v >= 1 for v in entry[:2])
                and isinstance(entry[2], (int, float)) and not isinstance(entry[2], bool) and isinstance(entry[3], str)):
            raise ReadError(f"{where}: off_rows {what!r} is {_short(entry)}, not [count, first sample, sum, action]")


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def merge_key(entry: dict[str, Any]) -> tuple:
    return tuple(json.dumps(entry.get(k), sort_keys=True) for k in MERGE_KEYS)


def merge_documents(docs: list[tuple[str, dict[str, Any]]]) -> list[Any]:
    """Merge state documents (``(path, doc)`` pairs) into one :class:`~losscli.engine.evaluator.Evaluator` per loss.

    Every document must hold the same losses with the same parameters, convention, reduction and number
    of outputs; anything else is refused with what differs.
    """

    if not docs:
        raise ReadError("no state files to merge")
    first_path, first = docs[0]
    keys = [merge_key(e) for e in first["states"]]
    merged = [_evaluator_for(e, first_path) for e in first["states"]]
    for ev, entry in zip(merged, first["states"], strict=True):
        ev.acc = _accumulator(entry, first_path)
        ev.shard_entries = [(first_path, entry)]
    sources = [list(e.get("sources") or [first_path]) for e in first["states"]]
    for ev in merged:
        ev.shard_ids = _shards(first)
    try:
        _merge_rest(docs, merged, keys, sources)
        return _finish(merged, sources)
    except OverflowError:
        raise InputError("the merged states give no finite value (the sums overflow)",
                         hint="the losses of some shard are too large for float64") from None


def _merge_rest(docs: list[tuple[str, dict[str, Any]]], merged: list[Any], keys: list[tuple],
                sources: list[list[str]]) -> None:

    first_path, first = docs[0]
    seen = {_fingerprint(first): first_path}
    named = (first_path, first["states"][0]) if state_columns(docs[:1]) else None  # the first that names columns
    for path, doc in docs[1:]:
        entries = doc["states"]
        if [merge_key(e) for e in entries] != keys:
            raise InputError(
                f"{path} does not match {first_path}: {_difference(first['states'], entries)}",
                hint="merge only states of the same losses, parameters, convention, reduction and weighting",
            )
        if _fingerprint(doc) in seen:  # a copy of a state (or one file given twice): its rows would count twice
            raise InputError(f"{path} holds the very state of {seen[_fingerprint(doc)]} (the same shard's rows)",
                             hint="merge each shard's state once")
        seen[_fingerprint(doc)] = path
        again = [s for s in _shards(doc) if s in merged[0].shard_ids]
        if again:  # a merged state and one of its own shards (or two merged states sharing one)
            raise InputError(f"{path} holds a shard that {first_path if len(docs) == 2 else 'another state given'} "
                             "holds already (a merged state's own shard): its rows would count twice",
                             hint="merge each shard's state once: a merged state with the shards it does not hold")
        for ev in merged:
            ev.shard_ids = [*ev.shard_ids, *_shards(doc)]
        if named is None:
            named = (path, entries[0]) if state_columns([(path, doc)]) else None
        else:
            _same_classes(named[1], entries[0], named[0], path)
        for i, entry in enumerate(entries):
            rows_before = merged[i].acc.n_total
            try:
                merged[i].acc.merge(_accumulator(entry, path))
            except ValueError as exc:  # parts that do not fit together (another number of columns, ...)
                raise ReadError(f"{path}: its {entry['loss']} state does not merge with {first_path}'s: {exc}") from None
            for w in merged[i].fold_off_rows(entry.get("off_rows") or {}, rows_before, entry.get("warnings", [])):
                merged[i]._warn(w)
            merged[i].skipped_rows += int(entry.get("skipped_rows", 0))
            merged[i].shard_entries.append((path, entry))
            sources[i].extend(entry.get("sources") or [path])


def state_columns(docs: list[tuple[str, dict[str, Any]]]) -> dict[str, list[str]] | None:
    """The input columns of the first state that names them (states of earlier versions do not)."""
    return next((doc["states"][0]["columns"] for _, doc in docs if doc["states"][0].get("columns")), None)


def _same_classes(first: dict[str, Any], entry: dict[str, Any], first_path: str, path: str) -> None:
    """Refuse two states of other numbers of prediction columns, or of the same names in another order: a
    column is a class by its place, so one of the shards read other classes, or its classes in another order
    (states that name no columns are not compared)."""
    a = (first.get("columns") or {}).get("preds")
    b = (entry.get("columns") or {}).get("preds")
    if a and b and len(a) != len(b):  # a 4-way and a 3-way softmax: no one pass gives what they would merge to
        raise InputError(
            f"{path} was evaluated on {len(b)} prediction columns ({', '.join(b[:6])}) and {first_path} on "
            f"{len(a)} ({', '.join(a[:6])}): each column is a class, and shards of other classes do not merge",
            hint="evaluate every shard with the same prediction columns (--pred-cols)",
        )
    if a and b and a != b and sorted(a) == sorted(b):
        raise InputError(
            f"{path} was evaluated with its prediction columns in another order than {first_path}: "
            f"{', '.join(b)} against {', '.join(a)} (each column is a class by its place)",
            hint=f"evaluate that shard again with --pred-cols {','.join(a)}",
        )


def _shards(doc: dict[str, Any]) -> list[str]:
    """The shards a state document holds, by fingerprint: a merged state's list, else the document's own (a
    hash of its sources and sums)."""
    import hashlib

    listed = doc["states"][0].get("shards")
    if listed:
        return list(listed)
    return [hashlib.sha256(_fingerprint(doc).encode()).hexdigest()[:32]]


def _fingerprint(doc: dict[str, Any]) -> str:
    """What a state document holds (its sources and sums), to know a shard given twice."""
    return json.dumps([[e.get("sources"), e.get("accumulator")] for e in doc["states"]], sort_keys=True)


def _accumulator(entry: dict[str, Any], path: str) -> Any:
    """The accumulator of a state entry; a part that does not decode (a summary metric's sums or kept
    confidences) is a :class:`ReadError` naming the file."""
    from losscli.engine.accumulator import Accumulator

    try:
        return Accumulator.from_json(entry["accumulator"])
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise ReadError(f"{path}: the {entry.get('loss')} state is damaged ({type(exc).__name__}: {exc})",
                        hint="write it again with `losscli eval ... --state-out`") from None


def _finish(merged: list[Any], sources: list[list[str]]) -> list[Any]:
    for ev, src in zip(merged, sources, strict=True):
        ev.rows = ev.acc.n_total
        ev.sources = src
        if ev.acc.n and not math.isfinite(ev.result().value):
            raise InputError(f"{ev.spec.name}: the merged states give no finite value (the sums overflow)",
                             hint="the losses of some shard are too large for float64")
    return merged


def _evaluator_for(entry: dict[str, Any], path: str) -> Any:
    from losscli.engine.evaluator import Evaluator
    from losscli.errors import UsageError

    try:
        ev = Evaluator(entry["loss"], convention=entry["convention"], reduction=entry["reduction"],
                       keep_per_sample=False, counts=tuple(entry.get("counts") or ()), **entry["params"])
    except UsageError as exc:  # the file is wrong, not the command line
        raise ReadError(f"{path} holds a state this losscli cannot evaluate: {exc}") from None
    ev.outputs = int(entry.get("outputs", 1))
    ev.skipped_rows = int(entry.get("skipped_rows", 0))
    ev.weighted = bool(entry.get("weighted"))
    for w in ev.fold_off_rows(entry.get("off_rows") or {}, 0, entry.get("warnings", [])):
        ev._warn(w)
    return ev


def _difference(a: list[dict[str, Any]], b: list[dict[str, Any]]) -> str:
    if [e["loss"] for e in a] != [e["loss"] for e in b]:
        return f"losses {[e['loss'] for e in b]} instead of {[e['loss'] for e in a]}"
    for x, y in zip(a, b, strict=True):
        for key in MERGE_KEYS:
            if json.dumps(x.get(key), sort_keys=True) != json.dumps(y.get(key), sort_keys=True):
                if key == "weighted":
                    how = {True: "with sample weights", None: "without sample weights", False: "without sample weights"}
                    return (f"{x['loss']}: evaluated {how[y.get(key)]}, the first {how[x.get(key)]} (a weighted and "
                            "an unweighted mean do not combine into one pass's)")
                return f"{x['loss']}: {key} {y.get(key)!r} instead of {x.get(key)!r}"
    return "the states differ"
