"""Assembling inputs: one, two or three files (or shards of one dataset) planned into aligned batches.

:mod:`.plan` decides which columns are labels, predictions, weights and ids and yields
``(labels, predictions, weights)`` batches of the plan's chunk size; :mod:`.shards` reads several files with
the same columns as one source; :mod:`.directory` lists a dataset writer's directory of parts as such shards.
"""
