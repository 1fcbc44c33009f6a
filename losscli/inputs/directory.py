"""A directory as one input: the data files a dataset writer left in it (Spark's ``part-*`` files, a Dask
``to_csv``/``to_parquet`` directory, a Hive-partitioned pyarrow or pandas dataset), read in the order written.

The rules, those of ``pyarrow.dataset`` where it has one:

- names starting with ``.`` or ``_`` are not data (pyarrow's ``ignore_prefixes``): Spark's ``_SUCCESS``,
  ``_committed_*``, ``_started_*``, ``_temporary/``, the ``.crc`` checksums, Dask's ``_metadata``;
- a file of 0 bytes holds no rows in any format (an empty partition): it is skipped, with a note;
- a subdirectory named ``key=value`` is a Hive partition, read recursively; any other subdirectory is refused;
- the files are read in natural order of their paths (``part-2`` before ``part-10``, ``part.2`` before
  ``part.10``): the order Spark and Dask number their parts, which is the order of the rows written;
- every file must be of one format (by its extension), and a Delta table (``_delta_log/``) is refused: its
  directory keeps files its log has removed.

The values of the partition columns are in the directory names only; they are not read as columns. The
partitions are read one after another in the order of their names, not in the order the rows were written,
so such a dataset is paired by position with another input only when that input is partitioned alike
(:func:`refuse_unaligned_partitions`).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable

from losscli.errors import ReadError, UsageError
from losscli.io import Source

#: a Hive partition's directory name: ``key=value``
_PARTITION = re.compile(r"[^=]+=.*")


def dataset_files(path: str) -> tuple[list[str], list[str], list[str]]:
    """The data files of the directory ``path`` in the order written, the empty files skipped, and the
    partition directories (relative to ``path``) the files lie in, in that order."""
    from losscli.inputs.plan import natural_key

    if os.path.isdir(os.path.join(path, "_delta_log")):
        raise ReadError(f"{path} is a Delta table: its directory also keeps the files its log has removed",
                        hint="write the table's current version to one Parquet file (deltalake's "
                             "DeltaTable(path).to_pandas().to_parquet(...)) and give that file")
    files: list[str] = []
    empty: list[str] = []
    pending = [path]
    while pending:
        folder = pending.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError as exc:
            raise ReadError(f"cannot read the directory {folder}: {exc.strerror or exc}") from None
        for entry in entries:
            if entry.name.startswith((".", "_")):
                continue
            if entry.is_dir():
                if not _PARTITION.fullmatch(entry.name):
                    raise ReadError(f"{path} holds the directory {entry.path}, which is no partition (key=value)",
                                    hint=f"give the dataset's directory of parts itself, e.g. {entry.path}")
                pending.append(entry.path)
            elif entry.stat().st_size == 0:
                empty.append(entry.path)
            else:
                files.append(entry.path)
    files.sort(key=natural_key)
    empty.sort(key=natural_key)
    if not files:
        raise ReadError(f"{path} holds no data files" + (f" (only {len(empty)} empty ones)" if empty else ""),
                        hint="give the directory a dataset writer wrote its parts to (part-*.parquet, *.csv)")
    _refuse_mixed_kinds(files, f"{path} holds", "give one of its files, or a directory that holds only a dataset's "
                        "parts")
    partitions = list(dict.fromkeys(os.path.relpath(os.path.dirname(f), path) for f in files))
    return files, empty, [p for p in partitions if p != "."]


def _refuse_mixed_kinds(files: list[str], where: str, hint: str) -> None:
    """Every part of one dataset is of one format (by its name)."""
    kinds: dict[str, str] = {}
    for f in files:
        kinds.setdefault(_kind(f), f)
    if len(kinds) > 1:
        a, b = list(kinds.values())[:2]
        raise ReadError(f"{where} files of different kinds ({a}, {b}), not the parts of one dataset", hint=hint)


def glob_dataset_files(pattern: str) -> tuple[list[str], list[str]]:
    """The data files a glob matches, by the rules of a directory (:func:`dataset_files`): names starting with
    ``.`` or ``_`` left out, files of 0 bytes skipped (the second list), natural order, one format; a matched
    directory is refused (a glob names files)."""
    import glob

    from losscli.inputs.plan import natural_key

    matches = glob.glob(pattern)
    if not matches:
        remote = "://" in pattern and not pattern.startswith("file://")
        raise ReadError(f"no file matches {pattern!r}", hint="the local engine reads files on this machine: read "
                        "object storage with --engine dask (pip install 'losscli[dask]')" if remote else None)
    files: list[str] = []
    empty: list[str] = []
    for path in matches:
        if os.path.basename(path).startswith((".", "_")):
            continue
        if os.path.isdir(path):
            raise ReadError(f"{pattern!r} matches the directory {path}: a glob of one dataset names its files",
                            hint=f"give a glob of files ({os.path.join(os.path.dirname(pattern) or '.', '*.parquet')}"
                                 "), or the directory itself")
        (empty if os.path.getsize(path) == 0 else files).append(path)
    files.sort(key=natural_key)
    empty.sort(key=natural_key)
    if not files:
        raise ReadError(f"{pattern!r} matches no data files" + (f" (only {len(empty)} empty ones)" if empty else ""),
                        hint="give a glob of the parts a dataset writer wrote (part-*.parquet, *.csv)")
    _refuse_mixed_kinds(files, f"{pattern!r} matches", "give a glob that matches one dataset's parts only")
    return files, empty


def open_glob(pattern: str, opener: Callable[[str], Source]) -> Source:
    """The files a glob (FILE, ``--labels``, ``--weights``) matches as one dataset, as a directory's parts: in
    natural order (``part-2`` before ``part-10``), empty files and names starting with ``.`` or ``_`` left
    out, with a note saying what was skipped."""
    from losscli.inputs.shards import ShardedSource

    files, empty = glob_dataset_files(pattern)
    if len(files) == 1:
        source = opener(files[0])  # one file: read as itself
    else:
        source = ShardedSource.open(files, opener, name=pattern)
        source.path = pattern
    if empty:
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        source.notes.append(f"{empty[0]}{more} is empty (0 bytes): an empty part, it adds no rows")
    return source


def _kind(path: str) -> str:
    """A file's format as its name tells it (``.snappy.parquet`` and ``.parquet`` alike; ``.csv.gz``)."""
    from losscli.io.detect import EXTENSIONS, split_compression

    inner, codec = split_compression(path)
    ext = os.path.splitext(inner)[1].lower()
    return f"{EXTENSIONS.get(ext, ext)}{'+' + codec if codec else ''}"


def open_directory(path: str, opener: Callable[[str], Source]) -> Source:
    """The directory ``path`` as one source: its data files as the shards of one dataset, in the order
    written (:func:`dataset_files`), with notes saying what was skipped and how partitions are read."""
    from losscli.inputs.shards import ShardedSource

    files, empty, partitions = dataset_files(path)
    source = ShardedSource.open(files, opener, name=path)
    source.path = path
    if empty:
        more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
        source.notes.append(f"{empty[0]}{more} is empty (0 bytes): an empty part, it adds no rows")
    if partitions:
        keys = list(dict.fromkeys(k.split("=", 1)[0] for p in partitions for k in p.split(os.sep)))
        source.notes.append(
            f"{path} is partitioned by {', '.join(keys)}: the partitions ({_listed(partitions)}) are read in the "
            "order of their names, and their values are not read as columns")
    source.partitions = _partition_rows(source, files, path)  # type: ignore[attr-defined]
    return source


def _partition_rows(source: Source, files: list[str], path: str) -> list[tuple[str, int | None]]:
    """Each partition directory (``.`` for none) with its number of rows, ``None`` where not known unread."""
    out: dict[str, int | None] = {}
    shards = {s.path: s for s in getattr(source, "shards", [])}
    for f in files:
        part = os.path.relpath(os.path.dirname(f), path)
        shard = shards.get(f)
        n = shard.n_rows if shard is not None else 0  # a CSV part of a header only adds no rows
        out[part] = None if n is None or out.get(part, 0) is None else out.get(part, 0) + n  # type: ignore[operator]
    return list(out.items())


def refuse_unaligned_partitions(sources: list[Source]) -> None:
    """Inputs paired row by row by position: a partitioned directory's rows come partition by partition, so it
    pairs rightly only with an input partitioned alike (the same partitions, with as many rows each)."""
    layouts = [(s, getattr(s, "partitions", [(".", None)])) for s in sources]
    if not any(len(parts) > 1 or parts[0][0] != "." for _, parts in layouts):
        return
    first, theirs = layouts[0]
    for other, ours in layouts[1:]:
        if other is first:
            continue
        known = all(n is not None for _, n in theirs + ours)
        if known and theirs == ours:
            continue
        split, plain = (first, other) if len(theirs) > 1 or theirs[0][0] != "." else (other, first)
        why = ("is not partitioned alike" if [p for p, _ in theirs] != [p for p, _ in ours] else
               "has other row counts in the same partitions" if known else
               "is partitioned alike, but the rows of its partitions are not counted before reading")
        raise UsageError(
            f"{split.name} is a partitioned dataset, read partition by partition in the order of their names, and "
            f"{plain.name} {why}: pairing their rows by position could pair the wrong rows",
            hint="join them on a key column that both hold with --id-col COL, or evaluate one dataset holding both "
                 "the labels and the predictions")


def _listed(items: list[str]) -> str:
    return ", ".join(items[:4]) + (f" and {len(items) - 4} more" if len(items) > 4 else "")


__all__ = ["dataset_files", "glob_dataset_files", "open_directory", "open_glob", "refuse_unaligned_partitions"]
