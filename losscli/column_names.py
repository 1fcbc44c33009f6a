"""The column names that mean a role by themselves, for every reader and both engines."""

from __future__ import annotations

#: A column named so (case-insensitive) holds the labels when no label columns are selected.
LABEL_NAMES = ("label", "labels", "y", "target", "y_true", "class", "truth")

#: Columns named so are never predictions unless selected: ids (a name both files of a pair hold is the
#: key they are joined on) and sample weights (used as weights only when selected).
ID_NAMES = ("id", "ids", "row_id", "sample_id", "key", "uid", "index", "idx")
WEIGHT_NAMES = ("weight", "weights", "sample_weight", "w")
