"""Generate ``list_logits_reference.json``: torch's cross-entropy of logits read from list columns and NPY.

The logits are drawn with ``numpy.random.default_rng(SEED)`` and rounded to float16, so the very same numbers
are exact in float16, float32 and float64: one expected value serves files of every element type. The
expected per-sample losses are ``torch.nn.functional.cross_entropy(x, y, reduction="none")`` on float64
tensors; the inputs are stored in the JSON next to them, so the tests need neither torch nor the seed.

How to rerun (from the repository root)::

    pip install torch==2.13.0
    python tests/reference/generate_list_logits_reference.py
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

SEED = 13
N, V = 12, 257
OUT = Path(__file__).with_name("list_logits_reference.json")


def main() -> None:
    rng = np.random.default_rng(SEED)
    logits = (rng.standard_normal((N, V)) * 4).astype(np.float16)
    labels = rng.integers(0, V, size=N)
    x = torch.from_numpy(logits.astype(np.float64))
    y = torch.from_numpy(labels)
    per_sample = F.cross_entropy(x, y, reduction="none")
    doc = {
        "generated_by": "tests/reference/generate_list_logits_reference.py",
        "versions": {"torch": torch.__version__, "numpy": np.__version__},
        "source": "torch.nn.functional.cross_entropy(float64 logits, labels, reduction='none'), and its mean",
        "labels": labels.tolist(),
        "logits": [[float(v) for v in row] for row in logits],
        "expected_per_sample": per_sample.tolist(),
        "expected_value": float(per_sample.mean()),
        "expected_value_without_rows": {
            "3": float(torch.cat([per_sample[:3], per_sample[4:]]).mean()),
        },
    }
    OUT.write_text(json.dumps(doc, indent=None) + "\n")


if __name__ == "__main__":
    main()
