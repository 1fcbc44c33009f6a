"""Generate ``float16_reference.json``: scikit-learn's ``log_loss`` on float16 and float32 probabilities.

scikit-learn clips probabilities at the eps of their dtype (9.8e-4 for float16, 1.2e-7 for float32) and
computes in that dtype. The inputs hold probabilities of exactly 0 and 1 and within float16's eps of them,
where the clip decides the value. Inputs come from ``numpy.random.default_rng`` with a fixed seed, so a
rerun writes the same file.

How to rerun (from the repository root)::

    pip install scikit-learn==1.9.1
    python tests/reference/generate_float16_reference.py

Case fields: ``id``, ``dtype``, ``y_true``, ``y_pred`` (1-D: the positive class's probability; 2-D: a
``predict_proba`` matrix), ``expected_value`` (``log_loss(y_true, y_pred.astype(dtype))``), ``rtol`` (the
dtype's rounding, as scikit-learn computes in it), ``source``.
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.metrics import log_loss

OUT = Path(__file__).with_name("float16_reference.json")
SEED = 20261205


def cases() -> list[dict]:
    rng = np.random.default_rng(SEED)
    n = 400
    y = (rng.random(n) < 0.5).astype(np.int64)
    p = rng.random(n).astype(np.float16)
    p[:40] = 0.0
    p[40:80] = 1.0
    p[80:120] = np.float16(0.9995)  # within float16's eps of 1: clipped there, not at float32's
    p[120:160] = np.float16(2e-4)
    out = []
    for dtype, rtol in (("float16", 2e-3), ("float32", 2e-6)):
        q = p.astype(dtype)
        proba = np.stack([1 - q, q], axis=1).astype(dtype)
        for shape, pred in (("1d", q), ("2d", proba)):
            out.append({
                "id": f"log_loss_{dtype}_{shape}",
                "dtype": dtype,
                "y_true": y.tolist(),
                "y_pred": pred.astype(np.float64).tolist(),  # exact: every value is a float16 number
                "expected_value": float(log_loss(y, pred)),
                "rtol": rtol,
                "source": f"scikit-learn {sklearn.__version__} log_loss(y_true, y_pred.astype('{dtype}'))",
            })
    return out


def main() -> None:
    doc = {
        "generated_by": "tests/reference/generate_float16_reference.py",
        "seed": SEED,
        "versions": {"scikit-learn": sklearn.__version__, "numpy": np.__version__,
                     "python": platform.python_version()},
        "cases": cases(),
    }
    OUT.write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {len(doc['cases'])} cases to {OUT}")


if __name__ == "__main__":
    main()
