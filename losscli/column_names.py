"""The column names that mean a role by themselves, for every reader and both engines."""

from __future__ import annotations

#: A column named so (case-insensitive) holds the labels when no label columns are selected.
LABEL_NAMES = ("label", "labels", "y", "target", "y_true", "class", "truth")

#: Columns named so are never predictions unless selected: ids and sample weights.
ID_NAMES = ("id",)
WEIGHT_NAMES = ("weight", "weights", "sample_weight")
