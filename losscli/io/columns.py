"""One column-selection grammar for every column option (``--labels-col``, ``--preds-col``, ...).

A selection is a comma-separated list of items; each item is, in this order of precedence:

- an exact column name — a name that matches exactly always wins over every other reading, and the
  whole selection is tried as one name first, so a column literally named ``a,b`` or ``p:1`` is reachable;
- a 1-based position such as ``3`` (positions are 1-based as in csvkit and qsv, not 0-based as in xan);
  where a header names columns with digits at other positions (pandas' ``0,1,2``, or ``y,0,1,2``), the
  digits of one selection are all names or all positions, as one of them shows (``0`` is no position,
  ``5`` of four columns no name); where none shows it, they are refused as ambiguous, and ``=1`` (the
  column named ``1``) or ``#1`` (the first column) says which;
- an inclusive range ``a:b`` whose ends are names or positions (``p0:p9``, ``2:5``, ``logit_0:10``) with
  open ends (``3:`` is from column 3 to the last, ``:4`` from the first to column 4); a range whose end
  comes before its start runs backwards (``5:2`` → 5, 4, 3, 2);
- the name of an array field of a JSON lines or Arrow file, which selects the columns it was expanded
  to in element order (``logits`` → ``logits[0]``, ``logits[1]``, …);
- a glob with ``*`` (any run of characters) or ``?`` (one character), matched case-sensitively against
  whole names, the matches taken in file order (``logit_*``, ``filtered_resps[*][0]``).

The result keeps the order given (the order of the selected columns is the class order of logits) and
drops repeats. Unknown names, positions out of range and globs matching nothing raise
:class:`~losscli.errors.UsageError` naming the option, the item and the columns that exist.
"""

from __future__ import annotations

import re

from losscli.errors import UsageError

#: how many column names an error message lists before it says "and N more"
MAX_LISTED = 20


def describe_columns(available: list[str], limit: int = MAX_LISTED) -> str:
    """``"3 columns: a, b, c"``; past ``limit`` names, ``"…, t and 12 more"``."""
    n = len(available)
    if n == 0:
        return "no columns"
    shown = ", ".join(_show(c) for c in available[:limit])
    more = f" and {n - limit} more" if n > limit else ""
    return f"{n} column{'s' if n != 1 else ''}: {shown}{more}"


def _show(name: str) -> str:
    # quote names that would be ambiguous in a plain list
    if name == "" or name != name.strip() or any(ch in name for ch in ",:*?'\""):
        return repr(name)
    return name


def select_columns(selection: str, available: list[str], *, option: str, file: str | None = None,
                   together: tuple[str | None, ...] = ()) -> list[str]:
    """Resolve ``selection`` against the column names ``available`` (see the module docstring).

    ``together``: the command's other selections, whose digits also show how digits read (``--label-cols 0
    --pred-cols 1`` on pandas' names ``0,1``: ``0`` is no position, so ``1`` is the column named 1).
    ``file`` names the file in error messages (``--pred-cols: no column named 'q' in p.csv: p.csv has
    1 column: p``).

    >>> select_columns("y,logit_*", ["id", "y", "logit_0", "logit_1"], option="--cols")
    ['y', 'logit_0', 'logit_1']
    >>> select_columns("2:3", ["a", "b", "c"], option="--cols")
    ['b', 'c']
    """
    try:
        return _select(selection, available, option=option, together=together)
    except UsageError as exc:
        if file is not None:
            exc.message = f"{exc.message} in {file}"
            if exc.hint:
                exc.hint = exc.hint.replace("the file has", f"{file} has")
        raise


def _select(selection: str, available: list[str], *, option: str, together: tuple[str | None, ...] = ()) -> list[str]:
    available = list(available)
    index = {name: i for i, name in reversed(list(enumerate(available)))}  # first occurrence wins
    digits = _digit_reading(selection, available, index, option, tuple(s for s in together if s))
    if selection in index and not (digits == "position" and selection.strip().isdigit()):
        return [selection]
    if not selection.strip():
        raise UsageError(f"{option}: empty column selection", hint=_available_hint(available))

    out: list[str] = []
    seen: set[str] = set()
    for raw in selection.split(","):
        item = raw.strip()
        if not item:
            raise UsageError(
                f"{option}: empty item in column selection {selection!r}",
                hint="separate column names, positions, ranges or globs with single commas",
            )
        for name in _resolve_item(item, raw, available, index, option, digits):
            if name not in seen:
                seen.add(name)
                out.append(name)
    return out


def _digit_reading(selection: str, available: list[str], index: dict[str, int], option: str,
                   together: tuple[str, ...] = ()) -> str | None:
    """How the bare digits of ``selection`` read where the header names columns with digits at other
    positions: ``"name"`` or ``"position"``, as one digit of it, or of the selections ``together`` with it,
    shows (``0`` is no position, a digit that names no column is no name); ``None`` where no header digit
    stands elsewhere (a name first, else a position)."""
    if not any(n.strip().isdigit() and index[n] != int(n) - 1 for n in index):
        return None

    def digits_of(text: str) -> list[str]:
        return [t for t in (t.strip() for item in text.split(",") for t in item.split(":")) if t.isdigit()]

    tokens = digits_of(selection)
    shown = tokens + [t for other in together if other != selection for t in digits_of(other)]
    names_only = [t for t in shown if t in index and not 1 <= int(t) <= len(available)]
    positions_only = [t for t in shown if t not in index]
    if names_only and positions_only:
        raise UsageError(f"{option}: {names_only[0]!r} can only be a column's name and {positions_only[0]!r} only a "
                         "position", hint="write =N for the column named N and #N for column N")
    if names_only or positions_only:
        return "name" if names_only else "position"
    doubtful = [t for t in tokens if index[t] != int(t) - 1]
    if doubtful:
        t = doubtful[0]
        raise UsageError(
            f"{option}: {t!r} is ambiguous: the column named {t} is column {index[t] + 1}, and column {t} is named "
            f"{available[int(t) - 1]!r}",
            hint=f"write ={t} for the column named {t}, or #{t} for column {t}",
        )
    return None


def _resolve_item(item: str, raw: str, available: list[str], index: dict[str, int], option: str,
                  digits: str | None = None) -> list[str]:
    if item.isdigit() and digits == "position":
        return [available[_position(item, available, option, item)]]
    for candidate in (raw, item):  # exact name, with or without the surrounding spaces
        if candidate in index:
            return [candidate]
    if item.startswith("=") and len(item) > 1:  # the column named so, whatever its name looks like
        if item[1:] in index:
            return [item[1:]]
        if ":" not in item:
            raise UsageError(f"{option}: no column named {item[1:]!r}", hint=_available_hint(available, item[1:]))
    if item.startswith("#") and item[1:].isdigit():  # the column at that position, whatever the names
        return [available[_position(item[1:], available, option, item)]]
    if item.isdigit():
        return [available[_position(item, available, option, item)]]
    elements = _array_elements(item, available)
    if elements:
        return elements
    if ":" in item:
        return _resolve_range(item, available, index, option, digits)
    if "*" in item or "?" in item:
        pattern = _glob_regex(item)
        matched = [name for name in available if pattern.fullmatch(name)]
        if not matched:
            raise UsageError(
                f"{option}: the pattern {item!r} matches no column", hint=_available_hint(available)
            )
        return matched
    raise UsageError(f"{option}: no column named {item!r}", hint=_available_hint(available, item))


def _array_elements(item: str, available: list[str]) -> list[str]:
    """The columns an array field ``item`` was expanded to (``logits[0]``, ``logits[1]``, …, nested arrays
    too: ``resps[0][0]``), in file order; empty when ``item`` is no such array."""
    prefix = item + "["
    if not any(name.startswith(prefix) for name in available):
        return []
    pattern = re.compile(re.escape(item) + r"(\[\d+\])+")
    return [name for name in available if pattern.fullmatch(name)]


def _position(text: str, available: list[str], option: str, item: str) -> int:
    """0-based index of the 1-based position ``text``; raises if out of range."""
    pos = int(text)
    if not 1 <= pos <= len(available):
        raise UsageError(
            f"{option}: column position {pos} in {item!r} is out of range "
            f"(positions are 1-based, 1..{len(available)})",
            hint=_available_hint(available),
        )
    return pos - 1


def _endpoint(text: str, available: list[str], index: dict[str, int], option: str, item: str,
              digits: str | None = None) -> int | None:
    """0-based index of a range end (a name or a position), or ``None`` if it is neither."""
    stripped = text.strip()
    if stripped.isdigit() and digits == "position":
        return _position(stripped, available, option, item)
    if text in index or stripped in index:
        return index[text] if text in index else index[stripped]
    if stripped.startswith("=") and stripped[1:] in index:
        return index[stripped[1:]]
    if stripped.startswith("#") and stripped[1:].isdigit():
        return _position(stripped[1:], available, option, item)
    if stripped.isdigit():
        return _position(stripped, available, option, item)
    return None


def _resolve_range(item: str, available: list[str], index: dict[str, int], option: str,
                   digits: str | None = None) -> list[str]:
    # A name may itself contain ':', so try every split point and take the first whose two ends both
    # resolve (empty ends are open).
    last = len(available) - 1
    bad_end = None
    for i, ch in enumerate(item):
        if ch != ":":
            continue
        left, right = item[:i], item[i + 1 :]
        lo = 0 if left.strip() == "" else _endpoint(left, available, index, option, item, digits)
        hi = last if right.strip() == "" else _endpoint(right, available, index, option, item, digits)
        if lo is None or hi is None:
            if bad_end is None:
                bad_end = left if lo is None else right
            continue
        if not available:
            break
        step = 1 if hi >= lo else -1
        return [available[j] for j in range(lo, hi + step, step)]
    if bad_end is None:
        raise UsageError(f"{option}: the range {item!r} selects no column", hint=_available_hint(available))
    raise UsageError(
        f"{option}: {bad_end.strip()!r} in the range {item!r} is neither a column name nor a position",
        hint=_available_hint(available, bad_end.strip()),
    )


def _glob_regex(glob: str) -> re.Pattern[str]:
    parts = []
    for ch in glob:
        if ch == "*":
            parts.append(".*")
        elif ch == "?":
            parts.append(".")
        else:
            parts.append(re.escape(ch))
    return re.compile("".join(parts), re.DOTALL)


def _available_hint(available: list[str], wrong: str | None = None) -> str:
    hint = f"the file has {describe_columns(available)}"
    if wrong:
        import difflib  # only a misspelt name needs it

        close = difflib.get_close_matches(wrong, available, n=3, cutoff=0.6)
        if close:
            hint = f"did you mean {' or '.join(repr(c) for c in close)}? " + hint
    return hint
