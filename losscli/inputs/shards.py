"""One dataset stored in shards: several files with the same columns read in order as one source."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from losscli.errors import EmptyContentError, HeaderOnlyError, NoRowsError, ReadError
from losscli.io import Chunk, Source


class ShardedSource(Source):
    """Files with the same columns, read one after the other; rows are numbered across all shards.

    A shard may hold the named columns of the first in another order (another writer's): every column is
    read by its name. Messages name the shard a row lives in (:meth:`shard_of`).
    """

    def __init__(self, pattern: str, shards: list[Source]) -> None:
        first = shards[0]
        reordered = []
        for shard in shards[1:]:
            if shard.columns == first.columns:
                continue
            if not _same_names(first, shard.columns, named=_named(shard)):
                raise ReadError(
                    f"shard {shard.name} has columns {', '.join(shard.columns[:8])} but {first.name} has "
                    f"{', '.join(first.columns[:8])}",
                    hint="every shard of one dataset needs the same columns (named alike, in any order)",
                )
            reordered.append(shard.name)
        known = [s.n_rows for s in shards]
        sizes = [s.size_bytes for s in shards]
        super().__init__(
            path=pattern,
            name=pattern,
            format=first.format,
            columns=first.columns,
            n_rows=sum(known) if all(n is not None for n in known) else None,  # type: ignore[misc]
            size_bytes=sum(sizes) if all(s is not None for s in sizes) else None,  # type: ignore[misc]
        )
        self.shards = shards
        self.unnamed = set(first.unnamed)
        self.notes = list(dict.fromkeys(n for shard in shards for n in shard.notes))
        if reordered:
            more = f" (and {len(reordered) - 1} more)" if len(reordered) > 1 else ""
            self.notes.append(f"shard {reordered[0]}{more} has the columns of {first.name} in another order: "
                              "they are read by name")
        self.header_rows = first.header_rows  # rows are numbered by the shards (file_row below)
        if all(shard.blocks == first.blocks for shard in shards[1:]):
            self.blocks = dict(first.blocks)
        self.unsampled = set(first.unsampled)
        self._starts: list[int] = []  # first global data row of each shard, filled while reading

    @classmethod
    def open(cls, paths: list[str], opener: Callable[..., Source], *, name: str | None = None) -> ShardedSource:
        """The shards at ``paths`` (opened by ``opener``) as one source, named ``name`` (a directory) or by
        its first and last shard. The first CSV shard's header, given or guessed, is every shard's (``opener``
        takes ``header=``): a part's first row is not guessed anew. A shard that names its columns and holds no
        rows (an empty partition: a CSV header as pandas and Dask write it, a Parquet or Arrow file of none as
        Spark writes its first part) adds no rows, with a note, when it names the columns of the others; one file
        alone, or every shard so, is refused as before."""
        shards: list[Source] = []
        empty: list[NoRowsError] = []
        blank: list[EmptyContentError] = []  # compressed parts of no bytes (0-byte files are left out before)
        header: bool | None = None
        for path in paths:
            try:
                shards.append(opener(path) if header is None else opener(path, header=header))
            except NoRowsError as exc:
                empty.append(exc)
            except EmptyContentError as exc:
                blank.append(exc)
            else:
                if header is None:
                    header = getattr(shards[-1], "has_header", None)
        if not shards:
            raise (empty or blank)[0]
        names = _top_level(shards[0])
        for exc in empty:
            if exc.columns not in (shards[0].columns, names) and not _same_names(shards[0], exc.columns, named=True):
                raise ReadError(f"{exc.message}, and its columns {', '.join(exc.columns[:8])} are not those of "
                                f"{shards[0].name}: {', '.join(names[:8])}",
                                hint="every shard of one dataset needs the same columns")
        source = cls(name or f"{paths[0]} … {paths[-1]} ({len(paths)} shards)", shards)
        if empty:
            more = f" (and {len(empty) - 1} more)" if len(empty) > 1 else ""
            named = "a header" if isinstance(empty[0], HeaderOnlyError) else "columns"
            source.notes.append(f"{empty[0].message.rsplit(' has ', 1)[0]}{more} has {named} and no rows: an empty "
                                "shard, it adds none")
        if blank:
            more = f" (and {len(blank) - 1} more)" if len(blank) > 1 else ""
            source.notes.append(f"{blank[0].message.removesuffix(' is empty')}{more} holds nothing (an empty part, "
                                "compressed): it adds no rows")
        return source

    def shard_of(self, data_row: int) -> tuple[Source, int]:
        """The shard holding global ``data_row`` and the row's index within it."""
        index = 0
        for i, start in enumerate(self._starts):
            if start <= data_row:
                index = i
        start = self._starts[index] if self._starts else 0
        return self.shards[index], data_row - start

    def file_row(self, data_row: int) -> int:
        shard, local = self.shard_of(data_row)
        return shard.file_row(local)

    def nonfinite_as_written(self, data_row: int, column: str) -> str | None:
        shard, local = self.shard_of(data_row)
        return shard.nonfinite_as_written(local, column)

    def filter_command(self, command: str, in_place: str | None = None, data_row: int = 0) -> str | None:
        shard, local = self.shard_of(data_row)
        return shard.filter_command(command, in_place, local)

    def shard_name(self, data_row: int) -> str:
        return self.shard_of(data_row)[0].name

    def read(self, columns: list[Any] | None = None, chunk_rows: int | None = None) -> Iterator[Chunk]:
        offset = 0
        self._starts = []
        for shard in self.shards:
            self._starts.append(offset)
            shard.text_columns = self.text_columns
            shard.nulls_as_nan = self.nulls_as_nan
            n = 0
            for chunk in shard.read(columns, chunk_rows):
                yield Chunk(chunk.columns, offset + chunk.first_row)
                n = chunk.first_row + len(chunk)
            offset += n


def _same_names(first: Source, columns: list[str], *, named: bool) -> bool:
    """Whether ``columns`` (of a shard whose header names them: ``named``) are those of ``first`` in another
    order, each named once in a header (a header-less file's columns are only numbered, and an unnamed one
    is known by its place)."""
    names = set(first.columns)
    return (named and _named(first) and len(names) == len(first.columns) == len(columns)
            and names == set(columns))


def _top_level(source: Source) -> list[str]:
    """The columns of ``source`` as its file names them: a list column's elements (``probs[0]``, ``probs[1]``,
    …) as the one column ``probs``, which a file without rows cannot tell the width of."""
    member_of = {m: name for name, members in source.blocks.items() for m in members}
    return list(dict.fromkeys(member_of.get(c, c) for c in source.columns))


def _named(source: Source) -> bool:
    """Whether every column of ``source`` has a name of its own (a header's, or a schema's)."""
    return not source.unnamed and (source.header_rows > 0 or source.format in NAMED)


#: formats whose columns always carry names of their own (a schema), unlike NPY's numbers
NAMED = frozenset({"parquet", "arrow", "jsonl"})
