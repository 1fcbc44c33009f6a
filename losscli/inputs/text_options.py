"""Options that only delimited text is read with (``--header``, ``--no-header``, ``--delimiter``; a check file's
``header`` and ``delimiter``): they apply to every CSV/TSV input of a run and to no other format. Given where
no input is such a file (Parquet, NPY, NPZ, Arrow, JSON lines), they would change nothing: a usage error
naming them and the inputs' formats, decided from ``--input-format``, the names and the first bytes before
anything is read.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from losscli.errors import LossCliError, UsageError
from losscli.inputs.plan import InputOptions

#: what the text readers read: CSV, TSV, and delimited text told by its content (``.txt``)
_TEXT = ("csv", "tsv", "text")


def _files(path: str) -> list[str]:
    """The files ``path`` names: itself, a directory's parts (:func:`~losscli.inputs.directory.dataset_files`),
    or a glob's matches."""
    if os.path.isdir(path):
        from losscli.inputs.directory import dataset_files

        return dataset_files(path)[0]
    if any(ch in path for ch in "*?[") and not os.path.exists(path):
        import glob

        return glob.glob(path)
    return [path]


def probable_format(path: str, fmt: str | None) -> str | None:
    """The format the readers will take ``path`` in (``text`` for delimited text told by its content), or
    ``None`` where it is not known before reading: standard input, a remote URL, a compressed file whose name
    names no format, a file that cannot be read (its reader says why)."""
    from losscli.io.detect import detect_format, format_from_name, normalize_format, split_compression
    from losscli.io.sources import split_key

    if fmt is not None:
        return normalize_format(fmt)
    if path == "-":
        return None
    file_path = split_key(path)[0]
    if "://" in file_path:
        by_name = format_from_name(file_path)
        return None if by_name in (None, "text") else by_name
    inner, codec = split_compression(file_path)
    try:
        with open(file_path, "rb") as fh:
            head = fh.read(1 << 16)
        if codec is not None:
            by_name = format_from_name(inner)
            return by_name if by_name not in (None, "text") else None
        return detect_format(inner, head)
    except (OSError, LossCliError):
        return None


def refuse_unused_text_options(options: InputOptions, paths: Iterable[str | None] = ()) -> None:
    """A usage error when ``--header``, ``--no-header`` or ``--delimiter`` is given and no input of the run (the
    options' files and ``paths``, such as further prediction files) is delimited text."""
    given = [flag for flag, on in (("--header", options.header is True), ("--no-header", options.header is False),
                                   ("--delimiter", options.delimiter is not None)) if on]
    if not given:
        return
    formats: dict[str, set[str]] = {}
    named = [*options.data, options.labels, options.preds, options.preds2, options.weights,
             *options.extra_files.values(), *paths]
    for path in dict.fromkeys(p for p in named if p):
        try:
            files = _files(path)
        except LossCliError:
            return  # a directory that is no dataset: its reader says why
        for f in files:
            fmt = probable_format(f, options.fmt)
            if fmt is None or fmt in _TEXT:
                return
            formats.setdefault(path, set()).add(fmt)
    if not formats:
        return
    listed = [f"{path} ({', '.join(sorted(fmts))})" for path, fmts in formats.items()]
    shown = ", ".join(listed[:4]) + (f" and {len(listed) - 4} more" if len(listed) > 4 else "")
    flags = " and ".join(given)
    raise UsageError(
        f"{flags} {'applies' if len(given) == 1 else 'apply'} to CSV/TSV files only, and no input is one: {shown}",
        hint=f"leave out {flags}: these formats store their columns and names themselves",
    )


__all__ = ["probable_format", "refuse_unused_text_options"]
