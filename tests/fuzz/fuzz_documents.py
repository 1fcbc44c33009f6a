"""Fuzzing harness for the document parsers: state files (``merge``), baselines and check files.

The first byte chooses the document kind, the rest is the file's content. The properties:

- a state file is read and merged, or refused with one of losscli's errors (exit 2/3, never 4); a state
  that is accepted merges into a finite value whenever it counted samples (never ``nan`` with exit 0);
- a baseline never raises: it loads, or records why it cannot be compared, and comparing a result with
  it never raises either;
- a check file (``losscheck.toml`` or ``pyproject.toml``) loads or is a :class:`UsageError`.

Run it with atheris (``pip install atheris``)::

    python tests/fuzz/fuzz_documents.py -runs=200000

or without it, under the built-in mutation loop: ``python tests/fuzz/fuzz_documents.py -runs=5000 -seed=1``.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import driver  # noqa: E402

from losscli.engine import state  # noqa: E402
from losscli.errors import LossCliError  # noqa: E402
from losscli.quality import checkfile  # noqa: E402
from losscli.quality import gates as G  # noqa: E402

_TMP = tempfile.mkdtemp(prefix="losscli-fuzz-docs-")
KINDS = ("state.json", "baseline.json", "losscheck.toml", "pyproject.toml")
#: small limits, so that they are exercised too
LIMITS = {"LOSSCLI_MAX_DOCUMENT_BYTES": "65536"}


def _result():
    from losscli.engine.evaluator import Evaluator

    ev = Evaluator("mse", keep_per_sample=False)
    import numpy as np

    ev.update(np.array([0.0, 1.0, 2.0]), np.array([0.5, 1.0, 1.5]), None)
    return ev, ev.result()


_EV, _RESULT = _result()
_SIG = G.signature(_RESULT, {"labels_sha256": "0" * 64, "weights_sha256": None})


def read_document(data: bytes) -> None:
    """The fuzz target: raises only on a crash (an exception that is not one of losscli's, a broken property)."""
    if not data:
        return
    kind = KINDS[data[0] % len(KINDS)]
    path = os.path.join(_TMP, kind)
    Path(path).write_bytes(data[1:])
    saved = {k: os.environ.get(k) for k in LIMITS}
    os.environ.update(LIMITS)
    try:
        if kind == "state.json":
            _state(path)
        elif kind == "baseline.json":
            _baseline(path)
        else:
            try:
                checkfile.load(path)
            except LossCliError as exc:
                assert exc.exit_code == 2, exc
                str(exc)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _state(path: str) -> None:
    try:
        doc = state.read_state(path)
        merged = state.merge_documents([(path, doc), (path, doc)])
        for ev in merged:
            r = ev.result()
            if r.n:
                assert math.isfinite(r.value), f"merged value {r.value} with n={r.n}"
            json.dumps(r.summary(), allow_nan=False)
    except LossCliError as exc:
        assert exc.exit_code in (2, 3), exc
        str(exc)


def _baseline(path: str) -> None:
    b = G.load_baseline(path)
    for update in (False, True):
        checks, info = G.baseline_checks("c", _RESULT, _SIG, b, G.Limit(0.1, "0.1", None),
                                         G.Limit(0.05, "5%", None), update=update)
        for c in checks:
            c.line()
            json.dumps(c.to_dict(), allow_nan=False)
        json.dumps(info, allow_nan=False, default=str)


# ---------------------------------------------------------------------------------------------- seeds


def seeds() -> list[bytes]:
    """A valid document of each kind, and nearly valid ones."""
    st = state.state_document([_EV], source="data.csv")
    base = {**_RESULT.summary(), "signature": _SIG}
    toml = (b'[defaults]\nconvention = "torch"\n\n[[check]]\nname = "a"\nloss = "huber(delta=0.5)"\n'
            b'labels = "y.csv"\npreds = "p.csv"\nmax = 0.3\nci = 0.95\nbootstrap = 100\nseed = 1\n'
            b'baseline = "b.json"\nmax_rel_increase = "2%"\nnan = "skip"\nparams = { delta = 1.0 }\n')
    docs = [
        (0, json.dumps(st).encode()),
        (0, json.dumps({**st, "schema": 99}).encode()),
        (0, json.dumps({**st, "states": []}).encode()),
        (0, b"[" * 5000 + b"]" * 5000),
        (1, json.dumps(base).encode()),
        (1, json.dumps([base, {**base, "loss": "huber"}]).encode()),
        (1, json.dumps({**base, "schema": 99}).encode()),
        (1, b'{"loss": "mean_squared_error", "value": 1e999}'),
        (2, toml),
        (2, toml.replace(b"max = 0.3", b"max = nan")),
        (3, b"[tool.losscli]\n" + toml.replace(b"[[check]]", b"[[tool.losscli.check]]")
         .replace(b"[defaults]", b"[tool.losscli.defaults]")),
    ]
    return [bytes([k]) + d for k, d in docs]


if __name__ == "__main__":
    driver.main(sys.argv, read_document, seeds, modules=("losscli.io.documents", "losscli.engine.accumulator",
                                                         "tomllib", "json"))
