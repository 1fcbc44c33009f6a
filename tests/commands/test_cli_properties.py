"""Generated inputs through the whole command line (in-process ``losscli.cli.main``, for speed).

- valid CSV/TSV/NPY/Parquet inputs give exactly the Python API's result (``losscli.evaluate``): the same
  value and the same per-sample losses, bit for bit;
- each kind of invalid input exits 2 (usage) or 3 (data) with one ``losscli: error:`` line naming the file
  (and the row where there is one), and nothing on stdout;
- arbitrary bytes in place of a file never exit 4 and never print a traceback.
"""

from __future__ import annotations

import io
import json
import math
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from cli_helpers import invoke
from click.testing import CliRunner
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

import losscli
from losscli.errors import LossCliError

try:
    RUNNER = CliRunner(mix_stderr=False)
except TypeError:  # click ≥ 8.2 keeps stderr apart by default
    RUNNER = CliRunner()

SETTINGS = settings(max_examples=300, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: loss → what its labels and predictions are
LOSSES = {
    "bce": "binary",
    "binary_focal_crossentropy": "binary",
    "sparse_cce": "sparse",
    "cce": "onehot",
    "kld": "onehot",
    "mse": "regression",
    "mae": "regression",
    "huber": "regression",
}
TAKES_LOGITS = {"bce", "binary_focal_crossentropy", "sparse_cce", "cce"}
FORMATS = ("csv", "tsv", "npy", "parquet")


@dataclass
class Case:
    loss: str
    y: np.ndarray
    p: np.ndarray
    w: np.ndarray | None
    logits: bool
    convention: str
    reduction: str
    formats: tuple[str, str, str]
    chunk_rows: int | None
    files: dict[str, str] = field(default_factory=dict)


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def cases(draw, losses: tuple[str, ...] = tuple(sorted(LOSSES)), allow_logits: bool = True, min_n: int = 1) -> Case:
    loss = draw(st.sampled_from(losses))
    kind = LOSSES[loss]
    n = draw(st.integers(min_n, 25))
    logits = allow_logits and loss in TAKES_LOGITS and draw(st.booleans())
    c = draw(st.integers(2, 5))
    if kind == "binary":
        y = np.array(draw(st.lists(st.sampled_from([0, 1]), min_size=n, max_size=n)), dtype=np.int64)
        elem = st.floats(-60, 60) if logits else st.floats(0, 1)
        p = np.array(draw(st.lists(elem, min_size=n, max_size=n)), dtype=np.float64)
    elif kind in ("sparse", "onehot"):
        idx = np.array(draw(st.lists(st.integers(0, c - 1), min_size=n, max_size=n)), dtype=np.int64)
        y = idx if kind == "sparse" else np.eye(c, dtype=np.int64)[idx]
        if logits:
            p = np.array(draw(st.lists(st.floats(-60, 60), min_size=n * c, max_size=n * c))).reshape(n, c)
        else:
            raw = np.array(draw(st.lists(st.floats(0.01, 1), min_size=n * c, max_size=n * c))).reshape(n, c)
            p = raw / raw.sum(axis=1, keepdims=True)
    else:
        y = np.array(draw(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n)))
        p = np.array(draw(st.lists(st.floats(-1e3, 1e3), min_size=n, max_size=n)))
    w = None
    if draw(st.booleans()):
        w = np.array(draw(st.lists(st.floats(0, 10), min_size=n, max_size=n)))
        if not (w > 0).any():
            w[0] = 1.0
    return Case(
        loss=loss, y=y, p=p, w=w, logits=logits,
        convention=draw(st.sampled_from(losscli.get_loss(loss).conventions)),  # those that define it
        reduction=draw(st.sampled_from(["mean", "sum", "mean_over_n", "weighted_mean"])),
        formats=(draw(st.sampled_from(FORMATS)), draw(st.sampled_from(FORMATS)), draw(st.sampled_from(FORMATS))),
        chunk_rows=draw(st.one_of(st.none(), st.integers(1, 8))),
    )


def _columns(a: np.ndarray, prefix: str) -> dict[str, np.ndarray]:
    if a.ndim == 1:
        return {prefix: a}
    return {f"{prefix}{j}": a[:, j] for j in range(a.shape[1])}


def _cell(v) -> str:
    return str(int(v)) if isinstance(v, (int, np.integer)) else repr(float(v))


def write(folder: Path, name: str, a: np.ndarray, fmt: str) -> str:
    cols = _columns(a, name)
    if fmt in ("csv", "tsv"):
        sep = "," if fmt == "csv" else "\t"
        path = folder / f"{name}.{fmt}"
        lines = [sep.join(cols)] + [sep.join(_cell(col[i]) for col in cols.values()) for i in range(len(a))]
        path.write_text("\n".join(lines) + "\n")
    elif fmt == "npy":
        path = folder / f"{name}.npy"
        np.save(path, a)
    else:
        path = folder / f"{name}.parquet"
        pq.write_table(pa.table({k: pa.array(v.tolist()) for k, v in cols.items()}), path)
    return str(path)


def cli_args(case: Case, folder: Path) -> list[str]:
    case.files = {
        "labels": write(folder, "y", case.y, case.formats[0]),
        "preds": write(folder, "p", case.p, case.formats[1]),
    }
    args = ["eval", case.loss, "--labels", case.files["labels"], "--preds", case.files["preds"],
            "--convention", case.convention, "--reduction", case.reduction, "--json"]
    if case.w is not None:
        case.files["weights"] = write(folder, "w", case.w, case.formats[2])
        args += ["--weights", case.files["weights"]]
    if case.logits:
        args.append("--logits")
    if case.chunk_rows:
        args += ["--chunk-rows", str(case.chunk_rows)]
    return args


def api_outcome(case: Case):
    params = {"from_logits": True} if case.logits else {}
    try:
        return losscli.evaluate(case.loss, case.y, case.p, sample_weight=case.w, convention=case.convention,
                                reduction=case.reduction, **params)
    except LossCliError as exc:
        return exc


def _same(a, b) -> bool:
    if a is None or b is None:
        return (a is None or (isinstance(a, float) and math.isnan(a))) and (
            b is None or (isinstance(b, float) and math.isnan(b)))
    return a == b


def assert_clean_error(r, codes=(2, 3)):
    assert r.exit_code in codes, (r.exit_code, r.stderr)
    assert r.stdout == ""
    assert "Traceback" not in r.stderr
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("losscli: error: ")]
    assert len(errors) == 1, r.stderr


@SETTINGS
@given(cases())
def test_valid_inputs_match_the_python_api(case):
    with tempfile.TemporaryDirectory() as d:
        r = invoke(RUNNER, cli_args(case, Path(d)))
    api = api_outcome(case)
    assert "Traceback" not in r.stderr
    if isinstance(api, LossCliError):  # the API refuses: the CLI refuses alike
        event(f"refused by the API: {type(api).__name__}")
        assert r.exit_code == api.exit_code, (r.stderr, api)
        assert r.stdout == ""
        return
    assert r.exit_code == 0, r.stderr
    event(f"compared: {LOSSES[case.loss]}, {'/'.join(case.formats[:2])}")
    doc = json.loads(r.stdout)
    assert doc["n"] == len(case.p)
    assert _same(doc["value"], api.value), (doc["value"], api.value)
    assert len(doc["per_sample"]) == len(api.per_sample)
    for got, want in zip(doc["per_sample"], api.per_sample.tolist(), strict=True):
        assert _same(got, want), (got, want)


CORRUPTIONS = ("nan", "inf", "text", "label_range", "prob_range", "drop_row", "ragged", "empty",
               "header_only", "negative_weight", "missing_column", "non_utf8")
CLASSIFIERS = tuple(sorted(k for k, v in LOSSES.items() if v != "regression"))
#: the cases each corruption applies to
APPLIES = {
    "label_range": cases(losses=CLASSIFIERS),
    "prob_range": cases(losses=CLASSIFIERS, allow_logits=False),
    "drop_row": cases(min_n=2),
}


@pytest.mark.parametrize("corruption", CORRUPTIONS)
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_invalid_inputs_exit_2_or_3_with_one_clear_message(corruption, data):
    case = data.draw(APPLIES.get(corruption, cases()))
    kind = LOSSES[case.loss]
    text_preds = case.formats[1] in ("csv", "tsv")
    if corruption in ("text", "ragged", "header_only", "non_utf8") and not text_preds:
        case.formats = (case.formats[0], "csv", case.formats[2])
        text_preds = True
    n = len(case.p)
    row = data.draw(st.integers(0, n - 1))
    expected_code, words = 3, []
    p = case.p.astype(np.float64).copy()
    if corruption in ("nan", "inf"):
        p[(row, 0) if p.ndim == 2 else row] = np.nan if corruption == "nan" else -np.inf
        case.p = p
        words = ["NaN" if corruption == "nan" else "-inf", "p.", f"row {row + (2 if text_preds else 1)}"]
    elif corruption == "label_range":
        y = case.y.copy()
        if kind == "onehot":
            y[row] = 0
            y[row, 0] = 2
        else:
            y[row] = 2 if kind == "binary" else case.p.shape[1]
        case.y = y
        labels_text = case.formats[0] in ("csv", "tsv")
        words = ["y.", f"row {row + (2 if labels_text else 1)}"]
    elif corruption == "prob_range":
        p[(row, 0) if p.ndim == 2 else row] = 1.5
        case.p = p
        words = ["probabilities in [0, 1]", "p.", f"row {row + (2 if text_preds else 1)}", "--logits"]
    elif corruption == "drop_row":
        case.p = p[:-1]
        words = [f"has {n} rows", f"has {n - 1}"]
    elif corruption == "negative_weight":
        if case.w is None:
            case.w = np.ones(n)
        case.w = case.w.copy()
        case.w[row] = -1.0
        words = ["sample weights must be ≥ 0", "w.", f"row {row + (2 if case.formats[2] in ('csv', 'tsv') else 1)}"]
    with tempfile.TemporaryDirectory() as d:
        args = cli_args(case, Path(d))
        preds = Path(case.files["preds"])
        if corruption == "text":
            lines = preds.read_text().splitlines()
            sep = "\t" if preds.suffix == ".tsv" else ","
            cells = lines[row + 1].split(sep)
            cells[0] = "abc"
            lines[row + 1] = sep.join(cells)
            preds.write_text("\n".join(lines) + "\n")
            words = ["non-numeric", "p.", f"row {row + 2}", "'abc'"]
        elif corruption == "ragged":
            lines = preds.read_text().splitlines()
            lines[row + 1] += ("\t" if preds.suffix == ".tsv" else ",") + "0.5"
            preds.write_text("\n".join(lines) + "\n")
            words = ["cells where the header has", "p.", f"row {row + 2}"]
        elif corruption == "empty":
            preds.write_bytes(b"")
            words = ["p.", "empty" if text_preds else "p"]
        elif corruption == "header_only":
            preds.write_text(preds.read_text().splitlines()[0] + "\n")
            words = ["p.", "header but no rows"]
        elif corruption == "non_utf8":
            lines = preds.read_bytes().split(b"\n")
            lines[row + 1] = lines[row + 1] + b"\xff"
            preds.write_bytes(b"\n".join(lines))
            words = ["0xff", "not valid UTF-8", "p.", f"row {row + 2}"]
        elif corruption == "missing_column":
            args += ["--pred-cols", "nosuch"]
            expected_code, words = 2, ["'nosuch'", "p."]
        r = invoke(RUNNER, args)
    event(f"{kind}, {'/'.join(case.formats[:2])}")
    assert_clean_error(r, (expected_code,))
    for w in words:
        assert w in r.stderr, (w, r.stderr)


GARBAGE_NAMES = ("p.csv", "p.tsv", "p.txt", "p.npy", "p.npz", "p.parquet", "p.csv.gz", "p.bin", "p")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=400), st.sampled_from(GARBAGE_NAMES), st.sampled_from(["bce", "mse", "sparse_cce"]),
       st.booleans())
def test_arbitrary_bytes_never_crash(blob, name, loss, via_stdin):
    with tempfile.TemporaryDirectory() as d:
        labels = Path(d) / "y.csv"
        labels.write_text("y\n0\n1\n")
        if via_stdin:
            r = invoke(RUNNER, ["eval", loss, "--labels", labels, "--preds", "-", "--json"], input=io.BytesIO(blob))
        else:
            (Path(d) / name).write_bytes(blob)
            r = invoke(RUNNER, ["eval", loss, "--labels", labels, "--preds", Path(d) / name, "--json"])
    event(f"exit {r.exit_code}")
    assert r.exit_code in (0, 2, 3), (r.exit_code, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if r.exit_code:
        assert_clean_error(r)
    else:
        json.loads(r.stdout)


#: every option that names a file, with the arguments around it ({f} is the file of arbitrary bytes)
FILE_OPTIONS = {
    "eval --labels": ["eval", "bce", "--labels", "{f}", "--preds", "{p}"],
    "eval --weights": ["eval", "bce", "--labels", "{y}", "--preds", "{p}", "--weights", "{f}"],
    "eval FILE": ["eval", "mse", "{f}"],
    "eval --class-weights": ["eval", "sparse_cce", "--labels", "{y}", "--preds", "{p3}", "--class-weights", "{f}"],
    "eval --baseline": ["eval", "bce", "--labels", "{y}", "--preds", "{p}", "--baseline", "{f}"],
    "compare --baseline-preds": ["compare", "bce", "--labels", "{y}", "--preds", "{p}", "--baseline-preds", "{f}"],
    "check": ["check", "{f}"],
    "merge": ["merge", "{f}"],
}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(sorted(FILE_OPTIONS)), st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode)))
def test_arbitrary_bytes_in_any_file_option_never_crash(option, blob):
    with tempfile.TemporaryDirectory() as d:
        files = {"y": Path(d) / "y.csv", "p": Path(d) / "p.csv", "p3": Path(d) / "p3.csv", "f": Path(d) / "f.dat"}
        files["y"].write_text("y\n0\n1\n")
        files["p"].write_text("p\n0.25\n0.75\n")
        files["p3"].write_text("a,b,c\n0.2,0.3,0.5\n0.1,0.1,0.8\n")
        files["f"].write_bytes(blob)
        args = [a.format(**{k: str(v) for k, v in files.items()}) for a in FILE_OPTIONS[option]]
        r = invoke(RUNNER, [*args, "--json"] if args[0] != "merge" else args)
    event(f"{option}: exit {r.exit_code}")
    assert r.exit_code in (0, 1, 2, 3), (r.exit_code, r.stderr)
    assert "Traceback" not in r.stderr and "internal error" not in r.stderr
    if r.exit_code in (2, 3):
        assert r.stdout == ""
        assert len([ln for ln in r.stderr.splitlines() if ln.startswith("losscli: error: ")]) == 1, r.stderr
