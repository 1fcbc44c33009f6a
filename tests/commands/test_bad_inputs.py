"""Every bad input gets one clear error, nothing is lost, nothing unsafe is loaded.

For each malformed file of ``tests/data/bad/`` (regenerate with ``make_bad_files.py`` there): the exact exit
code (2 usage, 3 data), empty stdout, no traceback, exactly one ``losscli: error:`` line on stderr, and the
key words of the message — the file, the row as a spreadsheet shows it, the column, the value and the
fix. Most cases run in-process through ``losscli.cli.main``; a few run as real subprocesses, as do the
resource-limit cases (a 100 MB line, a million columns, decompression bombs: exit 3 with bounded peak
memory, measured with ``os.wait4``), Ctrl-C (exit 130) and closed pipes.
"""

from __future__ import annotations

import errno
import gzip
import io
import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from cli_helpers import run_cli

import losscli

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
ENV = {**os.environ, "NO_COLOR": "1"}
#: peak RSS allowed for a pathological input (a normal small run takes ~40 MB, pyarrow included ~120 MB;
#: loading any of these inputs would take from 300 MB to several GB)
MAX_RSS_MB = 256


@pytest.fixture
def in_bad(monkeypatch):
    """Run from tests/data/bad so that messages name the files as given."""
    monkeypatch.chdir(BAD)
    return BAD


def check_error(code, out, err, expected_code, words):
    assert code == expected_code, err
    assert out == "", out
    assert "Traceback" not in err
    lines = [ln for ln in err.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("losscli: error: "), err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"


# ------------------------------------------------------------------------------------ the catalogue

E = ["eval"]
TWO = ["--labels", "ok_labels.csv", "--preds"]

CASES = [
    # file level
    ("missing file", E + ["bce", "--labels", "nope.csv", "--preds", "ok_probs.csv"], 3,
     ["nope.csv", "No such file"]),
    ("directory", E + ["bce", "--labels", ".", "--preds", "ok_probs.csv"], 3,
     [". holds files of different kinds", "not the parts of one dataset"]),
    ("empty file", E + ["bce", "--labels", "empty.csv", "--preds", "ok_probs.csv"], 3, ["empty.csv is empty"]),
    ("header only", E + ["bce", *TWO, "header_only.csv"], 3,
     ["header_only.csv has a header but no rows", "--no-header"]),
    ("unknown format", E + ["bce", "--labels", "unknown_format.bin", "--preds", "ok_probs.csv"], 3,
     ["unknown_format.bin", "unknown format", "Parquet"]),
    ("unknown --format", E + ["bce", *TWO, "ok_probs.csv", "--format", "xml"], 2, ["--format", "'xml'", "--help"]),
    ("unknown loss", E + ["nonsense", *TWO, "ok_probs.csv"], 2, ["unknown loss 'nonsense'"]),
    # cells
    ("non-numeric cell", E + ["bce", *TWO, "non_numeric.csv"], 3,
     ["non_numeric.csv", "column p", "row 4", "'abc'", "must be a number"]),
    ("NaN prediction", E + ["bce", *TWO, "nan_in_preds.csv"], 3,
     ["NaN", "nan_in_preds.csv", "column p", "row 3", "--nan skip"]),
    ("+inf prediction", E + ["bce", *TWO, "inf_in_preds.csv"], 3,
     ["+inf", "inf_in_preds.csv", "column p", "row 4", "infinite value"]),
    ("-inf logit", E + ["bce", *TWO, "neg_inf_logits.csv", "--logits"], 3,
     ["-inf", "neg_inf_logits.csv", "column p", "row 5"]),
    ("NaN label", E + ["bce", "--labels", "nan_in_labels.csv", "--preds", "ok_probs.csv"], 3,
     ["NaN", "nan_in_labels.csv", "column y", "row 4", "missing values"]),
    ("blank line = missing value", E + ["bce", *TWO, "blank_line.csv"], 3,
     ["a blank line in blank_line.csv row 3", "missing values", "--nan skip"]),
    ("row counts differ", E + ["bce", *TWO, "short_preds.csv"], 3,
     ["ok_labels.csv has 4 rows", "short_preds.csv has 3", "--id-col"]),
    # labels
    ("binary label 2", E + ["bce", "--labels", "binary_labels_out_of_range.csv", "--preds", "ok_probs.csv"], 3,
     ["must be 0 or 1", "binary_labels_out_of_range.csv", "column y", "row 4", "value 2"]),
    ("sparse label = C", E + ["sparse_cce", "--labels", "sparse_labels_out_of_range.csv",
                              "--preds", "ok_multiclass_probs.csv"], 3,
     ["[0, 3)", "3 prediction columns", "sparse_labels_out_of_range.csv", "column y", "row 4", "value 3"]),
    ("sparse label 1.5", E + ["sparse_cce", "--labels", "sparse_labels_fractional.csv",
                              "--preds", "ok_multiclass_probs.csv"], 3,
     ["integer class indices", "sparse_labels_fractional.csv", "row 3", "1.5", "categorical_crossentropy"]),
    ("one-hot row with two ones", E + ["cce", "--labels", "not_one_hot.csv", "--preds", "ok_multiclass_probs.csv"], 3,
     ["label rows must sum to 1", "tolerance 0.001", "not_one_hot.csv", "row 3", "sums to 2"]),
    ("soft labels not summing to 1", E + ["cce", "--labels", "soft_labels_bad_sum.csv",
                                          "--preds", "ok_multiclass_probs.csv"], 3,
     ["label rows must sum to 1", "soft_labels_bad_sum.csv", "row 3", "0.6", "normalise"]),
    ("label columns ≠ prediction columns", E + ["cce", "--labels", "ok_onehot_labels.csv",
                                                "--preds", "two_class_probs.csv"], 3,
     ["labels have 3 columns but predictions have 2", "two_class_probs.csv", "one prediction column per class"]),
    ("too few prediction columns for sparse labels", E + ["sparse_cce", "--labels", "ok_sparse_labels.csv",
                                                          "--preds", "two_class_probs.csv"], 3,
     ["[0, 2)", "2 prediction columns", "ok_sparse_labels.csv", "row 4", "value 2"]),
    # predictions
    ("probability 1.7", E + ["bce", *TWO, "probs_out_of_range.csv"], 3,
     ["probabilities in [0, 1]", "probs_out_of_range.csv", "column p", "row 4", "1.7", "--logits"]),
    ("probability rows not summing to 1", E + ["sparse_cce", "--labels", "ok_sparse_labels.csv",
                                               "--preds", "probs_rows_bad_sum.csv"], 3,
     ["probability rows must sum to 1", "tolerance 0.001", "probs_rows_bad_sum.csv", "row 4", "0.3", "--logits"]),
    ("logits given as probabilities", E + ["bce", *TWO, "logits_as_probs.csv"], 3,
     ["probabilities in [0, 1]", "logits_as_probs.csv", "row 2", "-3.2", "did you mean --logits?"]),
    # weights
    ("negative weight", E + ["bce", *TWO, "ok_probs.csv", "--weights", "negative_weights.csv"], 3,
     ["sample weights must be ≥ 0", "negative_weights.csv", "column w", "row 4", "-1"]),
    ("all-zero weights", E + ["bce", *TWO, "ok_probs.csv", "--weights", "zero_weights.csv"], 3,
     ["weights sum to 0", "zero_weights.csv", "column w", "sample weights"]),
    ("class weights of the wrong length", E + ["sparse_cce", "--labels", "ok_sparse_labels.csv",
                                               "--preds", "ok_multiclass_probs.csv", "--class-weights", "1,2"], 2,
     ["class_weights has 2 values", "3 classes", "give exactly 3 weights"]),
    # ids
    ("duplicate label id", E + ["bce", "--labels", "ids_labels_duplicate.csv", "--preds", "ok_ids_probs.csv",
                                "--id-col", "id"], 3,
     ["duplicate id", "'b'", "ids_labels_duplicate.csv", "column id", "row 4", "row 3", "appear once"]),
    ("duplicate prediction id", E + ["bce", "--labels", "ok_ids_labels.csv", "--preds", "ids_probs_duplicate.csv",
                                     "--id-col", "id"], 3,
     ["duplicate id 'b'", "ids_probs_duplicate.csv", "column id", "row 4", "appear once"]),
    ("prediction id without a label", E + ["bce", "--labels", "ok_ids_labels.csv", "--preds",
                                           "ids_probs_unknown.csv", "--id-col", "id"], 3,
     ["ids_probs_unknown.csv", "no label in ok_ids_labels.csv", "'zz'", "row 4", "same id"]),
    ("--id-col not a column", E + ["bce", "--labels", "ok_labels.csv", "--preds", "ok_ids_probs.csv",
                                   "--id-col", "key"], 2, ["'key'", "ok_labels.csv", "columns: y"]),
    # binary formats: nothing unsafe is loaded
    ("NPY object array", E + ["bce", *TWO, "object_array.npy"], 3,
     ["object_array.npy", "object array", "never unpickled", "numeric or string dtype"]),
    ("pickle named .npy", E + ["bce", *TWO, "pickle.npy"], 3, ["pickle.npy", "pickle", "never unpickled"]),
    ("truncated NPY", E + ["bce", *TWO, "truncated.npy"], 3, ["truncated.npy", "truncated", "32 bytes", "16"]),
    ("NPZ without the key", E + ["bce", *TWO, "two_arrays.npz:p"], 3, ["two_arrays.npz has no array 'p'", "a, b"]),
    ("NPZ with two arrays, no key", E + ["bce", *TWO, "two_arrays.npz"], 3,
     ["two_arrays.npz holds 2 arrays", "two_arrays.npz:KEY"]),
    ("NPZ with a corrupt member", E + ["bce", *TWO, "corrupt_member.npz"], 3, ["corrupt_member.npz", "arr_0.npy"]),
    ("JSON lines: a malformed line", E + ["bce", "bad_line.jsonl"], 3, ["bad_line.jsonl line 2", "not valid JSON"]),
    ("Arrow IPC: corrupt offsets", E + ["bce", "corrupt_offsets.arrow", "--pred-cols", "p"], 3,
     ["corrupt_offsets.arrow", "not a valid Arrow IPC", "out of bounds"]),
    # columns
    ("CSV column missing", E + ["bce", *TWO, "ok_probs.csv", "--pred-cols", "q"], 2,
     ["--pred-cols", "'q'", "ok_probs.csv has 1 column: p"]),
    ("one-file label column missing", E + ["bce", "ok_multiclass_probs.csv"], 2,
     ["no label column in ok_multiclass_probs.csv", "--label-cols", "columns: a, b, c"]),
    # CSV dialects that are named, not guessed
    ("ragged row", E + ["bce", "ragged.csv"], 3,
     ["1 cell where the header has 2", "ragged.csv", "row 3", "quote cells"]),
    ("thousands separator", E + ["mse", "thousands_separator.csv"], 3,
     ["thousands_separator.csv", "column y", "row 2", "'1,000'", "thousands separators"]),
    ("decimal comma", E + ["bce", "decimal_comma.csv"], 3,
     ["decimal_comma.csv", "column p", "row 2", "'0,1'", "decimal comma"]),
    ("Latin-1 bytes", E + ["bce", "latin1.csv"], 3, ["0xe9", "not valid UTF-8", "latin1.csv", "row 4", "iconv"]),
    # files other than the data
    ("class weights file not UTF-8", E + ["sparse_cce", "--labels", "ok_sparse_labels.csv", "--preds",
                                         "ok_multiclass_probs.csv", "--class-weights", "latin1.csv"], 2,
     ["--class-weights", "latin1.csv"]),
    ("check file not UTF-8", ["check", "unknown_format.bin"], 2, ["check file unknown_format.bin", "not UTF-8"]),
]


@pytest.mark.parametrize("args, code, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(in_bad, capsys, args, code, words):
    check_error(*run_cli(args, capsys), code, words)


@pytest.mark.parametrize("name", [c[0] for c in CASES if "--id-col" in c[1] and c[2] == 3])
def test_bad_ids_read_the_same_from_an_index_in_a_temporary_file(in_bad, capsys, monkeypatch, name):
    """Beyond a bound the id index of a join moves to a temporary file: the same errors, the same words."""
    from losscli.inputs import keyindex

    monkeypatch.setattr(keyindex, "SPILL_ROWS", 1)
    args, code, words = next(c[1:] for c in CASES if c[0] == name)
    test_bad_input(in_bad, capsys, args, code, words)


def test_the_catalogue_uses_every_bad_file():
    used = {a.split(":")[0] for c in CASES for a in c[1]}
    files = {p.name for p in BAD.iterdir() if p.suffix != ".py" and not p.name.startswith("ok_")}
    handled = {"bom_crlf.csv", "quoted_numbers.csv", "semicolon.csv", "probs_given_as_logits.csv"}
    assert files - used - handled == set()


SUBPROCESS = ["missing file", "non-numeric cell", "NPY object array", "ragged row", "Latin-1 bytes",
              "unknown --format", "all-zero weights"]


@pytest.mark.parametrize("name", SUBPROCESS)
def test_bad_input_in_a_real_process(name):
    args, code, words = next(c[1:] for c in CASES if c[0] == name)
    r = subprocess.run([sys.executable, "-m", "losscli", *args], capture_output=True, text=True, env=ENV, cwd=BAD)
    check_error(r.returncode, r.stdout, r.stderr, code, words)


def test_traceback_only_with_debug(in_bad, capsys):
    code, out, err = run_cli(["--debug", *E, "bce", *TWO, "non_numeric.csv"], capsys)
    assert code == 3 and out == "" and "Traceback" in err and "losscli: error: non-numeric value" in err


# ------------------------------------------------------------------------ dialects that are handled


OK_VALUE = losscli.evaluate("bce", np.array([0, 1, 1, 0]), np.array([0.1, 0.8, 0.7, 0.2])).value


@pytest.mark.parametrize("args", [
    [*TWO, "bom_crlf.csv"],
    [*TWO, "quoted_numbers.csv"],
    ["semicolon.csv"],
], ids=["BOM and CRLF", "quoted numbers", "semicolon delimiter"])
def test_handled_dialects(in_bad, capsys, args):
    code, out, err = run_cli(["eval", "bce", *args, "-q"], capsys)
    assert code == 0 and err == ""
    assert float(out) == OK_VALUE


def test_probabilities_given_as_logits_is_a_warning(in_bad, capsys):
    code, out, err = run_cli(["eval", "bce", "--labels", "ok_labels_8.csv", "--preds", "probs_given_as_logits.csv",
                              "--logits", "-q"], capsys)
    assert code == 0 and float(out) > 0
    assert err.startswith("losscli: warning: every prediction lies in [0, 1]") and "drop --logits" in err


# ------------------------------------------------------------------------------------ --nan policy


def test_nan_policy(in_bad, capsys):
    code, out, err = run_cli(["eval", "bce", *TWO, "blank_line.csv"], capsys)
    assert code == 3 and "row 3" in err
    expected = losscli.evaluate("bce", np.array([0, 1, 0]), np.array([0.1, 0.7, 0.2])).value
    code, out, err = run_cli(["eval", "bce", *TWO, "blank_line.csv", "--nan", "skip", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and err == "" and doc["skipped"] == 1 and doc["n"] == 3 and doc["value"] == expected
    code, out, err = run_cli(["eval", "bce", *TWO, "blank_line.csv", "--nan", "warn", "--json"], capsys)
    doc = json.loads(out)
    assert code == 0 and doc["skipped"] == 1 and doc["n"] == 3 and doc["value"] == expected
    assert "losscli: warning: 1 rows with missing values were skipped (--nan warn)" in err


def test_nan_skip_of_every_row_names_the_file(tmp_path, capsys):
    (tmp_path / "y.csv").write_text("y\n0\n1\n")
    (tmp_path / "p.csv").write_text('p\n""\n""\n')  # pandas' NaN in a one-column file (a blank line is none)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--nan", "skip"], capsys)
    check_error(code, out, err, 3, ["no samples", "p.csv"])


# --------------------------------------------------------------------------- pickles are never loaded


@pytest.fixture
def no_unpickling(monkeypatch):
    import pickle

    def refuse(*a, **k):
        raise AssertionError("something was unpickled")

    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)


@pytest.mark.parametrize("name", ["object_array.npy", "pickle.npy"])
@pytest.mark.parametrize("how", ["file", "gzip", "stdin", "npz"])
def test_pickles_are_refused_everywhere(tmp_path, capsys, monkeypatch, no_unpickling, name, how):
    data = (BAD / name).read_bytes()
    labels = str(BAD / "ok_labels.csv")
    if how == "file":
        preds = str(BAD / name)
    elif how == "gzip":
        preds = str(tmp_path / (name + ".gz"))
        Path(preds).write_bytes(gzip.compress(data))
    elif how == "npz":
        preds = str(tmp_path / "x.npz")
        with zipfile.ZipFile(preds, "w") as z:
            z.writestr("arr_0.npy", data)
    else:
        preds = "-"
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run_cli(["eval", "bce", "--labels", labels, "--preds", preds], capsys)
    check_error(code, out, err, 3, ["never unpickled"])


# --------------------------------------------------------------------------------- --output is atomic


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_failed_run_leaves_no_output_and_keeps_the_old_file(tmp_path, capsys):
    n = 50
    (tmp_path / "y.csv").write_text("y\n" + "0\n1\n" * (n // 2))
    (tmp_path / "p.csv").write_text("p\n" + "".join("1.5\n" if i == 40 else "0.25\n" for i in range(n)))
    target = tmp_path / "losses.csv"
    target.write_text("the old file\n")
    before = _listing(tmp_path)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--chunk-rows", "8", "-o", target, "--json"], capsys)
    check_error(code, out, err, 3, ["row 42"])
    assert target.read_text() == "the old file\n"
    assert _listing(tmp_path) == before


@pytest.mark.parametrize("ext", ["csv", "jsonl", "npy"])
def test_full_disk_is_a_clear_error_not_a_corrupt_file(tmp_path, capsys, monkeypatch, ext):
    import losscli.report.sink as sink

    real_open = open

    class FullDisk:
        """A file that takes 100 bytes, then fails like a full disk."""

        def __init__(self, fh):
            self._fh, self._room = fh, 100

        def write(self, data):
            if len(data) > self._room:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            self._room -= len(data)
            return self._fh.write(data)

        def __getattr__(self, name):
            return getattr(self._fh, name)

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self._fh.close()

    def fake_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        return FullDisk(fh) if "w" in mode else fh

    monkeypatch.setattr(sink, "open", fake_open, raising=False)
    n = 400
    (tmp_path / "y.csv").write_text("y\n" + "0\n1\n" * (n // 2))
    (tmp_path / "p.csv").write_text("p\n" + "0.25\n" * n)
    target = tmp_path / f"losses.{ext}"
    before = _listing(tmp_path)
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv",
                              "--chunk-rows", "64", "-o", target, "--json"], capsys)
    check_error(code, out, err, 3, [f"cannot write {target}", "No space left on device", "disk full"])
    assert not target.exists()
    assert _listing(tmp_path) == before


def test_output_written_when_the_run_succeeds(tmp_path, capsys):
    target = tmp_path / "losses.csv"
    code, out, err = run_cli(["eval", "bce", "--labels", BAD / "ok_labels.csv", "--preds", BAD / "ok_probs.csv",
                              "-o", target, "-q"], capsys)
    assert code == 0 and float(out) == OK_VALUE
    assert target.read_text().splitlines()[0] == "index,loss" and len(target.read_text().splitlines()) == 5
    assert _listing(tmp_path) == ["losses.csv"]


# --------------------------------------------------------------------------- pipes (process substitution)


def test_process_substitution_pipes_are_read_once():
    cmd = (f"{sys.executable} -m losscli eval bce --labels <(cat {BAD / 'ok_labels.csv'}) "
           f"--preds <(gzip -c {BAD / 'ok_probs.csv'}) -q")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=ENV)
    assert r.returncode == 0, r.stderr
    assert float(r.stdout) == OK_VALUE


# ----------------------------------------------------------------------------------- resource limits


#: Runs its arguments as a child and writes the child's peak RSS (KiB) to the file $RSS_FILE. Linux counts
#: the memory a child had before exec() in its peak, so the child must be forked from this small process,
#: not from the test process (which may have grown to hundreds of MB by then).
_MEASURE = """
import os, subprocess, sys
p = subprocess.Popen(sys.argv[1:])
_, status, usage = os.wait4(p.pid, 0)
with open(os.environ["RSS_FILE"], "w") as fh:
    fh.write(str(usage.ru_maxrss))
sys.exit(os.waitstatus_to_exitcode(status) % 256)
"""


def run_measured(args, cwd, stdin=None, env=None):
    """Run ``losscli ARGS`` in a subprocess; returns (exit code, stdout, stderr, peak RSS in MB, seconds)."""
    start = time.monotonic()
    rss_file = cwd / ".rss"
    r = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-m", "losscli", *args], capture_output=True,
                       stdin=stdin, cwd=cwd, env={**ENV, **(env or {}), "RSS_FILE": str(rss_file)})
    rss = int(rss_file.read_text()) / 1024
    return r.returncode, r.stdout.decode(), r.stderr.decode(), rss, time.monotonic() - start


def check_limited(result, words):
    code, out, err, rss, seconds = result
    check_error(code, out, err, 3, words)
    assert rss < MAX_RSS_MB, f"peak RSS {rss:.0f} MB"
    assert seconds < 30


def test_a_100_mb_line_is_refused_with_bounded_memory(tmp_path):
    with open(tmp_path / "long.csv", "wb") as fh:
        fh.write(b"y,p\n0,0.5\n1,")
        fh.write(b"9" * (100 << 20))
        fh.write(b"\n0,0.25\n")
    check_limited(run_measured(["eval", "mse", "long.csv"], tmp_path),
                  ["long.csv", "row 3", "longer than the limit of 16 MiB", "LOSSCLI_MAX_LINE_BYTES"])


def test_a_100_mb_header_is_refused_with_bounded_memory(tmp_path):
    with open(tmp_path / "long.csv", "wb") as fh:
        fh.write(b"y" * (100 << 20))
        fh.write(b"\n0\n")
    check_limited(run_measured(["eval", "mse", "long.csv"], tmp_path),
                  ["long.csv", "row 1", "longer than the limit", "LOSSCLI_MAX_LINE_BYTES"])


def test_a_million_columns_are_refused_with_bounded_memory(tmp_path):
    k = 10**6
    with open(tmp_path / "wide.csv", "w") as fh:
        fh.write(",".join(f"c{i}" for i in range(k)) + "\n")
        fh.write(",".join(["0"] * k) + "\n")
    check_limited(run_measured(["eval", "mse", "wide.csv", "--label-cols", "c0"], tmp_path),
                  ["wide.csv has 1000000 columns", "limit of 262144", "LOSSCLI_MAX_COLUMNS"])


def test_a_million_column_npy_is_refused(tmp_path):
    np.save(tmp_path / "wide.npy", np.zeros((2, 10**6), dtype=np.int8))
    check_limited(run_measured(["eval", "mse", "--labels", "wide.npy", "--preds", "wide.npy"], tmp_path),
                  ["wide.npy has 1000000 columns", "LOSSCLI_MAX_COLUMNS"])


def _gzip_bomb(path: Path, gigabytes: int = 2) -> None:
    """A valid CSV of zeros, 16 KiB of gzip per 16 MiB of text, written in a fraction of a second."""
    member = gzip.compress(b"0,0\n" * (4 << 20), 9)
    with open(path, "wb") as fh:
        fh.write(gzip.compress(b"y,p\n"))
        for _ in range(64 * gigabytes):
            fh.write(member)


def test_a_gzip_bomb_on_disk_is_refused(tmp_path):
    _gzip_bomb(tmp_path / "bomb.csv.gz")
    check_limited(run_measured(["eval", "mse", "bomb.csv.gz"], tmp_path),
                  ["bomb.csv.gz", "decompression bomb", "LOSSCLI_MAX_DECOMPRESSION_RATIO"])


def test_a_gzip_bomb_on_stdin_is_refused(tmp_path):
    _gzip_bomb(tmp_path / "bomb.gz")
    with open(tmp_path / "bomb.gz", "rb") as stdin:
        check_limited(run_measured(["eval", "mse", "-"], tmp_path, stdin=stdin),
                      ["<stdin>", "decompression bomb"])


def test_a_bz2_bomb_is_refused(tmp_path):
    import bz2

    block = bz2.compress(b"0,0\n" * (1 << 20), 9)  # 4 MiB → ~50 bytes
    with open(tmp_path / "bomb.csv.bz2", "wb") as fh:
        fh.write(bz2.compress(b"y,p\n"))
        for _ in range(1024):
            fh.write(block)
    check_limited(run_measured(["eval", "mse", "bomb.csv.bz2"], tmp_path), ["bomb.csv.bz2", "decompression bomb"])


def test_an_npz_bomb_is_refused_before_decompressing(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (8 << 20,)})
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("arr_0.npy", header.getvalue() + bytes(64 << 20))  # 64 MiB of zeros → ~64 KiB
    check_limited(run_measured(["eval", "mse", "--labels", "bomb.npz", "--preds", "bomb.npz"], tmp_path),
                  ["bomb.npz", "arr_0.npy", "decompression bomb"])
    check_limited(run_measured(["eval", "mse", "--labels", "bomb.npz", "--preds", "bomb.npz"], tmp_path,
                               env={"LOSSCLI_MAX_MEMORY_BYTES": "32M", "LOSSCLI_MAX_DECOMPRESSION_RATIO": "0"}),
                  ["bomb.npz", "larger than the 32 MiB that may be held in memory", "LOSSCLI_MAX_MEMORY_BYTES"])


def test_an_npy_header_promising_a_petabyte_allocates_nothing(tmp_path):
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f8", "fortran_order": False, "shape": (10**15,)})
    (tmp_path / "liar.npy").write_bytes(header.getvalue() + bytes(800))
    (tmp_path / "liar.npy.gz").write_bytes(gzip.compress(header.getvalue() + bytes(800)))
    for name in ("liar.npy", "liar.npy.gz"):
        check_limited(run_measured(["eval", "mse", "--labels", name, "--preds", name], tmp_path),
                      [name, "truncated", "8000000000000000 bytes"])


def test_errors_in_large_compressed_csv_never_abort_the_process(tmp_path):
    """pyarrow reads a compressed CSV ahead through a Python stream on its own thread; an error used to end
    the process while that thread still held Python objects: SIGABRT ("terminate called without an active
    exception") in about one run in ten."""
    rows = b"0,0.250000\n1,0.750000\n" * 400_000
    (tmp_path / "ragged.csv.gz").write_bytes(gzip.compress(b"y,p\n" + rows + b"1\n" + rows, 1))
    _gzip_bomb(tmp_path / "bomb.csv.gz", gigabytes=1)
    for name in ["ragged.csv.gz", "bomb.csv.gz"] * 5:
        r = subprocess.run([sys.executable, "-m", "losscli", "eval", "mse", name], capture_output=True, text=True,
                           cwd=tmp_path, env=ENV)
        check_error(r.returncode, r.stdout, r.stderr, 3, [name])


def test_stdin_larger_than_the_memory_limit_is_refused(tmp_path):
    (tmp_path / "big.csv").write_bytes(b"y,p\n" + b"0,0\n" * (1 << 20))
    with open(tmp_path / "big.csv", "rb") as stdin:
        check_limited(run_measured(["eval", "mse", "-"], tmp_path, stdin=stdin,
                                   env={"LOSSCLI_MAX_MEMORY_BYTES": "1M"}),
                      ["<stdin>", "standard input is larger than the 1 MiB", "LOSSCLI_MAX_MEMORY_BYTES"])


def test_a_bad_limit_variable_is_a_usage_error(capsys, monkeypatch):
    monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", "lots")
    code, out, err = run_cli(["eval", "bce", "--labels", BAD / "ok_labels.csv", "--preds", BAD / "ok_probs.csv"],
                             capsys)
    check_error(code, out, err, 2, ["LOSSCLI_MAX_COLUMNS", "'lots'"])


def test_limits_can_be_raised(tmp_path, capsys, monkeypatch):
    (tmp_path / "wide.csv").write_text("y," + ",".join(f"p{i}" for i in range(30)) + "\n0," + ",".join(["0"] * 30)
                                       + "\n")
    monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", "20")
    code, out, err = run_cli(["eval", "mse", tmp_path / "wide.csv", "--pred-cols", "p0"], capsys)
    check_error(code, out, err, 3, ["31 columns", "limit of 20"])
    monkeypatch.setenv("LOSSCLI_MAX_COLUMNS", "50")
    code, out, err = run_cli(["eval", "mse", tmp_path / "wide.csv", "--pred-cols", "p0", "-q"], capsys)
    assert code == 0 and float(out) == 0.0


# ---------------------------------------------------------------------------------- signals and pipes


@pytest.fixture(scope="module")
def large_inputs(tmp_path_factory):
    """~60 MB of CSV (5 million rows): seconds of work, written in a fraction of a second."""
    d = tmp_path_factory.mktemp("large")
    with open(d / "data.csv", "wb") as fh:
        fh.write(b"y,p\n")
        fh.write(b"0,0.250000\n1,0.750000\n" * 2_500_000)
    with open(d / "y.csv", "wb") as fh:
        fh.write(b"y\n" + b"0\n1\n" * 50_000)
    with open(d / "p.csv", "wb") as fh:
        fh.write(b"p\n" + b"0.25\n0.75\n" * 50_000)
    return d


def _wait_for_signal_handler(p: subprocess.Popen, timeout: float = 30.0) -> None:
    """Wait until the child's ``main`` has installed losscli's signal handlers (it catches SIGTERM, which
    Python alone does not; on Linux read from /proc, elsewhere a fixed pause), so that the test interrupts
    the run, not the interpreter's start."""
    status = Path(f"/proc/{p.pid}/status")
    if not status.exists():
        time.sleep(0.5)
        return
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and p.poll() is None:
        try:
            caught = int(next(line.split()[1] for line in status.read_text().splitlines()
                              if line.startswith("SigCgt:")), 16)
        except (OSError, StopIteration):
            return
        if caught & (1 << (signal.SIGTERM - 1)):
            return
        time.sleep(0.02)


@pytest.mark.parametrize("output", [False, True], ids=["stdout", "--output"])
def test_ctrl_c_exits_130_quietly_and_leaves_no_file(large_inputs, tmp_path, output):
    extra = ["-o", str(tmp_path / "losses.csv")] if output else []
    p = subprocess.Popen([sys.executable, "-m", "losscli", "eval", "bce", str(large_inputs / "data.csv"), "--json",
                          *extra], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=ENV)
    _wait_for_signal_handler(p)
    time.sleep(0.3)
    assert p.poll() is None, "the run ended before it could be interrupted"
    p.send_signal(signal.SIGINT)
    out, err = p.communicate(timeout=60)
    # 130, or ended by SIGINT itself, which a shell reports as 130 too: on a loaded machine a rare run ends
    # that way after losscli has written its message (about 1 in 40)
    assert p.returncode in (130, -signal.SIGINT), err
    assert out == b""
    assert err.decode().strip() == "losscli: interrupted"
    assert _listing(tmp_path) == []


@pytest.mark.parametrize("gate, status", [([], 0), (["--max", "0.1"], 1)], ids=["pass", "failed check"])
def test_closed_pipe_ends_quietly_with_the_decided_status(large_inputs, gate, status):
    cmd = (f"set -o pipefail; {sys.executable} -m losscli eval bce --labels {large_inputs / 'y.csv'} "
           f"--preds {large_inputs / 'p.csv'} --nl {' '.join(gate)} | head -1")
    r = subprocess.run(["bash", "-c", cmd], capture_output=True, text=True, env=ENV)
    assert r.returncode == status, r.stderr
    assert json.loads(r.stdout)["index"] == 0
    assert "Traceback" not in r.stderr and "Broken pipe" not in r.stderr
    assert r.stderr == ("" if status == 0 else "FAIL binary_crossentropy mean 0.287682 > max 0.1 (n=100000)\n")


def test_labels_that_are_class_names_get_a_classes_hint_that_works(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("label,p\nyes,0.9\nno,0.2\nyes,0.6\n")
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "d.csv"), "-q"], capsys)
    assert (code, out) == (3, "") and "value 'no'" not in err and "(value 'yes')" in err
    assert "e.g. --classes no,yes" in err
    code, out, err = run_cli(["eval", "bce", str(tmp_path / "d.csv"), "-q", "--classes", "no,yes"], capsys)
    assert code == 0, err
    assert float(out) == pytest.approx(-(np.log(0.9) + np.log(0.8) + np.log(0.6)) / 3, rel=1e-15)


def test_a_negative_label_suggests_ignore_index_and_the_suggestion_works(tmp_path, capsys):
    (tmp_path / "d.csv").write_text("label,a,b,c\n0,1,2,3\n-100,1,2,3\n2,0,1,0\n")
    args = ["eval", "scce", str(tmp_path / "d.csv"), "--logits", "-q"]
    code, out, err = run_cli(args, capsys)
    assert (code, out) == (3, "") and "row 3 (value -100)" in err and "pass --ignore-index -100" in err
    code, out, err = run_cli([*args, "--ignore-index", "-100"], capsys)
    assert code == 0, err
    lse = np.log(np.exp([1.0, 2, 3]).sum()), np.log(np.exp([0.0, 1, 0]).sum())
    assert float(out) == pytest.approx(((lse[0] - 1) + (lse[1] - 0)) / 2, rel=1e-15)  # torch's mean over kept rows


def test_a_remote_glob_on_the_local_engine_points_to_dask(capsys):
    code, out, err = run_cli(["eval", "bce", "s3://bucket/scores/*.parquet", "-q"], capsys)
    assert (code, out) == (3, "") and "no file matches 's3://bucket/scores/*.parquet'" in err and "--engine dask" in err


def test_hints_that_follow_the_value_found_and_work(tmp_path, capsys, monkeypatch):
    """A binary label of 2 was told to pass --classes -1,1 (which then refused the 2), an unquoted glob got
    click's bare "unexpected extra argument", and a comment line above the header was blamed on quoting."""
    monkeypatch.chdir(tmp_path)
    Path("l2.csv").write_text("label,p0,p1,p2\n1,0.2,0.7,0.1\n2,0.1,0.1,0.8\n0,0.6,0.3,0.1\n")
    code, out, err = run_cli(["eval", "bce", "l2.csv", "--pred-cols", "p1"], capsys)
    assert code == 3 and "--classes -1,1" not in err and "sparse_categorical_crossentropy (scce)" in err
    code, out, err = run_cli(["eval", "scce", "l2.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.mean(np.log([0.7, 0.8, 0.6])), rel=1e-15), err
    Path("pm.csv").write_text("label,p\n1,0.9\n-1,0.2\n")
    code, out, err = run_cli(["eval", "bce", "pm.csv"], capsys)
    assert code == 3 and "--classes -1,1" in err
    Path("soft.csv").write_text("label,p\n1,0.9\n1.5,0.2\n")
    code, out, err = run_cli(["eval", "bce", "soft.csv"], capsys)
    assert code == 3 and "--label-cols names the column of 0/1 labels" in err
    code, out, err = run_cli(["eval", "bce", "pm.csv", "--classes", "-1,1", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.mean(np.log([0.9, 0.8])), rel=1e-15), err
    for k in (1, 2):
        Path(f"part-{k}.csv").write_text("label,p\n1,0.9\n")
    code, out, err = run_cli(["eval", "bce", "part-1.csv", "part-2.csv"], capsys)
    assert code == 2 and "quote a glob of shards" in err
    code, out, err = run_cli(["explain", "mse", "part-1.csv"], capsys)  # no glob there
    assert code == 2 and "glob" not in err
    code, out, err = run_cli(["eval", "bce", "part-*.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.log(0.9), rel=1e-15), err
    Path("cm.csv").write_text("# exported 2026-12-05\nlabel,p\n1,0.9\n")
    code, out, err = run_cli(["eval", "bce", "cm.csv"], capsys)
    assert code == 3 and "is a comment: remove comment lines (sed '/^#/d')" in err
    Path("cm.csv").write_text("".join(line for line in Path("cm.csv").read_text().splitlines(True)
                                      if not line.startswith("#")))  # what the sed command does
    code, out, err = run_cli(["eval", "bce", "cm.csv", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.log(0.9), rel=1e-15), err


def test_help_and_explain_say_what_the_options_do(capsys):
    """--scheduler without --engine dask was ignored (exit 0); `explain 'huber(delta=0.5)'` showed the
    worked example at delta 1; merge's help listed exit 1 (a failed check), which merge never gives."""
    code, out, err = run_cli(["eval", "bce", "scores.csv", "--scheduler", "tcp://nowhere:8786"], capsys)
    assert (code, out) == (2, "") and "--engine dask" in err
    code, out, err = run_cli(["explain", "huber(delta=0.5)", "--json"], capsys)
    assert code == 0 and json.loads(out)["example"]["params"] == {"delta": 0.5}
    assert json.loads(out)["example"]["mean"] == 0.15625  # (0.125 + 0.125 + 0 + 0.375) / 4
    with pytest.raises(SystemExit):
        losscli.cli.main(["merge", "--help"])
    assert "a quality check failed" not in capsys.readouterr().out


@pytest.mark.parametrize("loss, shown", [("BCEWithLogitsLoss", {"from_logits": True}),
                                         ("huber(delta=0.5)", {"delta": 0.5})])
def test_explain_works_its_example_as_eval_would(loss, shown, capsys):
    """A peer's name implies an input (logits): explain worked the example without it (0.2798 where eval
    gives 0.5256); parameters the example cannot take were an input-data error (exit 3) about data
    nobody gave."""
    code, out, err = run_cli(["explain", loss, "--json"], capsys)
    assert code == 0, err
    ex = json.loads(out)["example"]
    assert ex["params"] == shown
    want = losscli.evaluate(loss, np.asarray(ex["y_true"]), np.asarray(ex["y_pred"]))
    assert ex["mean"] == want.value
    code, out, err = run_cli(["explain", "cce(class_weights=[1,2])"], capsys)
    assert code == 0 and "not with these parameters: class_weights has 2 values" in out
    code, out, err = run_cli(["explain", "r2"], capsys)  # a summary metric's value is no mean of the rows
    example = out.split("worked example:")[1]
    assert code == 0 and "  value = " in example and "  mean = " not in example


def test_an_infinite_value_is_not_sent_to_nan_skip(tmp_path, capsys):
    """The hint for +inf said "--nan skip", which drops missing values only: following it gave the same error.
    Only a NaN's hint names it now, and following it works."""
    (tmp_path / "inf.csv").write_text("label,p\n1,inf\n0,0.3\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "inf.csv", "-q"], capsys)
    assert code == 3 and "+inf" in err and "--nan skip" not in err
    (tmp_path / "nan.csv").write_text("label,p\n1,nan\n0,0.3\n")
    code, out, err = run_cli(["eval", "bce", tmp_path / "nan.csv", "-q"], capsys)
    assert code == 3 and "--nan skip" in err
    code, out, err = run_cli(["eval", "bce", tmp_path / "nan.csv", "--nan", "skip", "-q"], capsys)
    assert code == 0 and float(out) == pytest.approx(-np.log(0.7), rel=1e-15)


def test_a_lone_carriage_return_in_a_bad_row_is_no_internal_error(tmp_path, capsys):
    """Naming the missing value as written parsed its line with Python's csv module, which raised on a lone
    carriage return (exit 4); found by the bytes fuzzing test (b"\\r1")."""
    (tmp_path / "y.csv").write_text("y\n0\n1\n")
    (tmp_path / "p.csv").write_bytes(b"\r1")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.csv", "--preds", tmp_path / "p.csv", "--json"],
                             capsys)
    assert (code, out) == (3, "") and "internal error" not in err


def test_complex_predictions_name_the_value_and_an_empty_npz_says_what_to_save(tmp_path, capsys):
    from cli_helpers import run_cli

    np.save(tmp_path / "y.npy", np.array([1, 0, 1]))
    np.save(tmp_path / "c.npy", np.array([0.1, 0.2 + 1j, 0.3]))
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "c.npy", "-q"],
                             capsys)
    assert code == 3 and out == "" and "row 2" in err and "(0.2+1j)" in err and "a.real" in err, err
    np.save(tmp_path / "c.npy", np.array([0.1, 0.2 + 1j, 0.3]).real)  # the hint
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "c.npy", "-q"],
                             capsys)
    assert code == 0, err
    np.savez(tmp_path / "e.npz")
    code, out, err = run_cli(["eval", "bce", "--labels", tmp_path / "y.npy", "--preds", tmp_path / "e.npz", "-q"],
                             capsys)
    assert code == 3 and out == "" and "holds no arrays" in err and "numpy.savez" in err, err
