"""How many rows a chunk holds: decided once, by the input plan, from the number of columns.

The accumulator sums in blocks of :data:`BLOCK` values and buffers partial blocks, so results never depend
on the chunk size; the size only bounds memory (about 1 M values, 8 MB as float64, per chunk in flight).
"""

from __future__ import annotations

#: Values per accumulator block (pairwise sums within a block, exact sums across blocks).
BLOCK = 1 << 16


#: Values per chunk of rows wider than 4096 columns (a language model's logits): rows are cut down to
#: keep a chunk near 4 M values (32 MB as float64) — 32 rows of a 128k vocabulary, 16 of a 256k one.
WIDE_CHUNK_VALUES = 1 << 22

#: Values per chunk of arrays already in memory that a compiled kernel reads in place (``evaluate``): no
#: float64 copy of a chunk is made, so a larger chunk costs no memory and saves calls.
FUSED_CHUNK_VALUES = 1 << 23


def default_chunk_rows(columns: int) -> int:
    """Rows per chunk: about 1 M values, so that the few chunks in flight at once (being read,
    assembled, computed) keep memory low; a multiple of :data:`BLOCK` when that large, else of 1024 rows;
    rows wider than 4096 columns take fewer rows (:data:`WIDE_CHUNK_VALUES` values, at least one row)."""
    if columns > WIDE_CHUNK_VALUES // 1024:
        return max(1, WIDE_CHUNK_VALUES // columns)
    rows = max(1024, (1 << 20) // max(columns, 1))
    if rows >= BLOCK:
        return (rows // BLOCK) * BLOCK
    return (rows // 1024) * 1024
