"""The column names that mean a role by themselves, for every reader and both engines."""

from __future__ import annotations

import re

#: A column named so (case-insensitive) holds the labels when no label columns are selected.
LABEL_NAMES = ("label", "labels", "y", "target", "y_true", "class", "truth")

#: Columns named so are never predictions unless selected: ids (a name both files of a pair hold is the
#: key they are joined on) and sample weights (used as weights only when selected).
ID_NAMES = ("id", "ids", "row_id", "sample_id", "key", "uid", "index", "idx")
WEIGHT_NAMES = ("weight", "weights", "sample_weight", "w")


def is_id_name(name: str) -> bool:
    """A key's name: one of :data:`ID_NAMES` (any case), or a name ending in ``_id``/``-id``/``.id``/`` id``
    (or ``key``), a camel-case ``…Id``/``…ID``/``…Key`` (``PassengerId``; not ``valid`` or ``paid``), ``uuid``."""
    s = name.strip()
    if s.lower() in ID_NAMES:
        return True
    if re.fullmatch(r".+[_\-. ](?:id|key)", s, re.IGNORECASE) or s.lower() in ("uuid", "guid"):
        return True
    return bool(re.fullmatch(r".*[a-z0-9](?:Id|ID|Key)", s))
