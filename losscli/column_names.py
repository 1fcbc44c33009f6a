"""The column names that mean a role by themselves, for every reader and both engines."""

from __future__ import annotations

import re

#: A column named so (case-insensitive) holds the labels when no label columns are selected.
LABEL_NAMES = ("label", "labels", "y", "target", "y_true", "class", "truth")

#: Columns named so are never predictions unless selected: ids (a name both files of a pair hold is the
#: key they are joined on) and sample weights (used as weights only when selected).
ID_NAMES = ("id", "ids", "row_id", "sample_id", "key", "uid", "index", "idx")
WEIGHT_NAMES = ("weight", "weights", "sample_weight", "w")
#: Columns named so say how a row was made (a cross-validation fold, an epoch, a split, a seed, a model
#: version): never predictions unless selected.
META_NAMES = ("fold", "folds", "kfold", "cv_fold", "fold_idx", "epoch", "split", "seed", "model_version",
              "version", "iteration")
#: a language model's inputs written beside its logits (Hugging Face's names): never predictions unless selected
MODEL_INPUT_NAMES = ("attention_mask", "input_ids", "token_type_ids", "position_ids", "loss_mask", "padding_mask")
#: per-row counts beside a language model's scores (lm-evaluation-harness' words and bytes of a document)
COUNT_NAMES = ("words", "bytes", "n_words", "n_bytes", "num_words", "num_bytes", "word_count", "byte_count")


def is_id_name(name: str) -> bool:
    """A key's name: one of :data:`ID_NAMES` (any case); a name with ``id``, ``key``, ``uuid`` or ``guid`` as
    one of its ``_``/``-``/``.``/space-separated words (``customer_id``, ``SK_ID_CURR``, ``ID_code``,
    ``sample-key``); or a camel-case ``…Id``/``…ID``/``…Key`` (``PassengerId``, ``orderID``) — not ``valid``,
    ``paid`` or ``Android``."""
    s = name.strip()
    if s.lower() in ID_NAMES or s.lower() in ("uuid", "guid"):
        return True
    words = [w for w in re.split(r"[_\-. ]+", s) if w]
    if len(words) > 1 and any(w.lower() in ("id", "key", "uuid", "guid") for w in words):
        return True
    return bool(re.fullmatch(r".*[a-z0-9](?:Id|ID|Key)", s))


#: words that name a column of labels or predictions in a header (beside the names above): ``pred_1``,
#: ``y_prob``, ``score``, ``answer``
_COLUMN_WORDS = re.compile(r"(y_?)?(pred|prob|proba|logit|score|output|actual|expected|gold|answer|reference|"
                           r"response|prediction|predicted|probability|ground_truth)s?(_.*)?", re.IGNORECASE)


def names_a_role(cell: str) -> bool:
    """Is a header cell a name that says its column's role (any case): a label, id, weight or meta name above, or
    a word of labels or predictions (``pred_1``, ``y_prob``, ``answer``)? Not an id's value such as ``id_001``."""
    s = cell.strip().lower()
    return s in (*LABEL_NAMES, *ID_NAMES, *WEIGHT_NAMES, *META_NAMES) or bool(_COLUMN_WORDS.fullmatch(s))
