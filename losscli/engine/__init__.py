"""The computing stage: validate a chunk, run its kernel, accumulate the per-sample losses.

:mod:`.evaluator` (``Evaluator``, ``evaluate``, ``Result``), :mod:`.validate`, :mod:`.accumulator` and the
mergeable shard states of :mod:`.state`. Nothing here reads files or formats output.
"""
