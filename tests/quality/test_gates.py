"""Gates as a library: limits, thresholds, baselines, signatures, label hashes, reports."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from types import SimpleNamespace

import numpy as np
import pytest

from losscli.errors import OutputError, UsageError
from losscli.files import write_atomic
from losscli.quality import gates as G
from losscli.quality.taps import LabelHasher
from losscli.report.junit import junit_xml
from losscli.report.openmetrics import openmetrics_text


def result(value=0.4, n=100, loss="binary_crossentropy", params=None):
    return SimpleNamespace(loss=loss, value=value, n=n, reduction="mean", convention="losscli",
                           params=params or {"from_logits": False})


def sig(**over):
    base = G.signature(result(), {"labels_sha256": "a" * 64, "weights_sha256": None})
    base.update(over)
    return base


# ------------------------------------------------------------------ limits


def test_parse_limits_names_aliases_and_percentages():
    assert G.parse_limit("0.35", "--max") == G.Limit(0.35, "0.35", None)
    assert G.parse_limit("bce=0.35", "--max").loss == "binary_crossentropy"
    assert G.parse_limit("huber(delta=0.5)=0.2", "--max") == G.Limit(0.2, "0.2", "huber", params={"delta": 0.5})
    assert G.parse_limit("2%", "--max-rel-increase", relative=True).value == pytest.approx(0.02)
    assert G.parse_limit("brier=0.05", "--max-rel-increase", relative=True).value == 0.05
    for bad, rel in (("2%", False), ("abc", False), ("bce=", False), ("nan", False), ("x%", True)):
        with pytest.raises(UsageError):
            G.parse_limit(bad, "--max", relative=rel)
    with pytest.raises(UsageError, match="unknown loss"):
        G.parse_limit("nosuchloss=1", "--max")
    with pytest.raises(UsageError, match="twice"):
        G.parse_limits(["bce=1", "log_loss=2"], "--max")
    lims = G.parse_limits(["0.5", "bce=0.3"], "--max")
    assert G.limit_for(lims, "binary_crossentropy").value == 0.3
    assert G.limit_for(lims, "brier").value == 0.5
    with pytest.raises(UsageError, match="not evaluated"):
        G.check_names({"--max": lims}, ["brier"])


# ------------------------------------------------------------------ thresholds


def test_threshold_pass_fail_and_message():
    (fail,) = G.threshold_checks("binary_crossentropy", result(0.412, 10000), G.parse_limit("0.35", "--max"), None)
    assert fail.status == G.FAIL
    assert fail.line() == "FAIL binary_crossentropy mean 0.412 > max 0.35 (n=10000)"
    ok, low = G.threshold_checks("x", result(0.3), G.parse_limit("0.35", "--max"), G.parse_limit("0.31", "--min"))
    assert ok.status == G.PASS and low.status == G.FAIL and low.kind == "min"
    (undefined,) = G.threshold_checks("x", result(math.nan), G.parse_limit("1", "--max"), None)
    assert undefined.status == G.FAIL and "undefined" in undefined.message


def test_soften_and_exit_status():
    checks = G.threshold_checks("x", result(0.5), G.parse_limit("0.35", "--max"), None)
    assert G.exit_status(checks) == 1
    G.demote_failures(checks, warn_only=True)
    assert checks[0].status == G.WARN and G.exit_status(checks) == 0
    err = G.CheckResult("c", "input", G.ERROR, "unreadable")
    assert G.exit_status(checks + [err]) == 3
    assert G.counts(checks + [err]) == {"pass": 0, "fail": 0, "warn": 1, "error": 1}


def test_slice_checks_fail_per_group_and_pass_naming_the_worst():
    rows = [{"group": "a", "n": 50, "mean": 0.2}, {"group": "b", "n": 5, "mean": 0.9}]
    fails = G.slice_checks("m", "bce", "max_group", "group", rows, "group", G.Limit(0.5, "0.5"), False)
    assert [c.status for c in fails] == [G.FAIL] and "group b mean 0.9 > max-group 0.5 (n=5)" in fails[0].message
    (ok,) = G.slice_checks("m", "bce", "max_group", "group", rows, "group", G.Limit(1.0, "1"), False)
    assert ok.status == G.PASS and "worst b" in ok.message


# ------------------------------------------------------------------ baselines


def _baseline(tmp_path, value=0.4, signature=None, name="b.json"):
    path = tmp_path / name
    doc = {"loss": "binary_crossentropy", "value": value, "signature": signature or sig()}
    path.write_text(json.dumps(doc))
    return G.load_baseline(str(path))


def test_baseline_increase_limits(tmp_path):
    b = _baseline(tmp_path, 0.40)
    checks, info = G.baseline_checks("m", result(0.405), sig(), b, G.Limit(0.01, "0.01"),
                                     G.parse_limit("2%", "x", relative=True))
    assert [c.status for c in checks] == [G.PASS, G.PASS]
    assert info["comparable"] and info["change"] == pytest.approx(0.005)
    checks, _ = G.baseline_checks("m", result(0.42), sig(), b, G.Limit(0.01, "0.01"),
                                  G.parse_limit("2%", "x", relative=True))
    assert [c.status for c in checks] == [G.FAIL, G.FAIL]
    assert "+0.02 > max increase 0.01" in checks[0].message and "+5% > max rel increase 2%" in checks[1].message
    # higher is better: a decrease is the regression
    checks, _ = G.baseline_checks("m", result(0.38), sig(), b, G.Limit(0.01, "0.01"), None, higher_is_better=True)
    assert checks[0].status == G.FAIL and "max decrease" in checks[0].message


def test_missing_unreadable_and_foreign_baselines_fail(tmp_path):
    missing = G.load_baseline(str(tmp_path / "nope.json"))
    (c,), info = G.baseline_checks("m", result(), sig(), missing, G.Limit(0.01, "0.01"), None)
    assert c.status == G.FAIL and "missing" in c.message and not info["comparable"]
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    (c,), _ = G.baseline_checks("m", result(), sig(), G.load_baseline(str(bad)), None, None)
    assert c.status == G.FAIL and "not valid JSON" in c.message
    other = tmp_path / "other.json"
    other.write_text(json.dumps({"loss": "mse", "value": 1.0}))
    (c,), _ = G.baseline_checks("m", result(), sig(), G.load_baseline(str(other)), None, None)
    assert c.status == G.FAIL and "no result for binary_crossentropy" in c.message
    (c,), _ = G.baseline_checks("m", result(), sig(), missing, None, None, update=True)
    assert c.status == G.PASS  # --update-baseline creates it


def test_incompatible_signatures_are_refused_unless_forced(tmp_path):
    b = _baseline(tmp_path, 0.4, sig(n=99, labels_sha256="b" * 64, params={"from_logits": True}))
    (c,), info = G.baseline_checks("m", result(0.4), sig(), b, G.Limit(0.01, "0.01"), None)
    assert c.status == G.FAIL and c.kind == "signature"
    assert "n 99 in the baseline, 100 now" in c.message and "labels differ" in c.message
    assert "from_logits True in the baseline, False now" in c.message
    checks, info = G.baseline_checks("m", result(0.4), sig(), b, G.Limit(0.01, "0.01"), None, force=True)
    assert [(x.kind, x.status) for x in checks] == [("signature", G.WARN), ("max_increase", G.PASS)]
    assert G.signature_differences(sig(), None) == ["the baseline has no signature"]
    assert G.signature_differences(sig(), sig()) == []


# ------------------------------------------------------------------ label hashes


def _batches(y, w, sizes, rows=None):
    start = 0
    for size in sizes:
        sl = slice(start, start + size)
        yield SimpleNamespace(y_true=y[sl], weights=None if w is None else w[sl],
                              label_rows=np.arange(len(y))[sl] if rows is None else rows[sl])
        start += size


def test_label_hash_is_chunk_and_dtype_invariant():
    y = np.arange(10) % 2
    digests = set()
    for sizes in ([10], [3, 3, 4], [1] * 10):
        h = LabelHasher()
        for b in _batches(y.astype(np.int64 if len(sizes) == 1 else np.float32), None, sizes):
            h(b, None, 0)
        digests.add(h.digests()["labels_sha256"])
    assert len(digests) == 1
    h = LabelHasher()
    for b in _batches(y.astype(float), np.ones(10), [5, 5]):
        h(b, None, 0)
    d = h.digests()
    assert d["labels_sha256"] in digests and d["weights_sha256"] is not None
    h2 = LabelHasher()
    for b in _batches(1 - y.astype(float), None, [10]):
        h2(b, None, 0)
    assert h2.digests()["labels_sha256"] not in digests


def test_joined_rows_hash_in_label_file_order():
    y = np.array([0.0, 1, 1, 0, 1])
    order = np.array([3, 0, 4, 1, 2])
    h = LabelHasher(joined=True)
    for b in _batches(y[order], None, [2, 3], rows=order):
        h(b, None, 0)
    plain = LabelHasher()
    for b in _batches(y, None, [5]):
        plain(b, None, 0)
    assert h.digests() == plain.digests()


# ------------------------------------------------------------------ files and reports


def test_write_atomic_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    write_atomic(str(target), "hello\n", make_folder=True)
    assert target.read_text() == "hello\n"
    assert [p.name for p in target.parent.iterdir()] == ["out.txt"]
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(OutputError):
        write_atomic(str(blocker / "x.txt"), "nope")


def test_junit_xml_parses_with_one_testcase_per_check():
    checks = [
        G.CheckResult("a max", "max", G.PASS, "a mean 0.1 <= max 0.2 (n=5)", "a"),
        G.CheckResult("a min", "min", G.FAIL, 'a mean 0.1 < min 0.2 "quoted" <&>', "a"),
        G.CheckResult("b", "input", G.ERROR, "b: unreadable"),
        G.CheckResult("c", "max", G.WARN, "c too high", "c", critical=False),
    ]
    root = ET.fromstring(junit_xml(checks))
    suite = root.find("testsuite")
    assert suite.get("tests") == "4" and suite.get("failures") == "1" and suite.get("errors") == "1"
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == ["a max", "a min", "b", "c"]
    assert cases[1].find("failure").get("message") == 'a mean 0.1 < min 0.2 "quoted" <&>'
    assert cases[2].find("error") is not None
    assert cases[3].find("failure") is None and "WARN" in cases[3].find("system-out").text


def test_openmetrics_text_escapes_and_ends_with_eof():
    docs = [{"loss": "bce", "value": 0.25, "n": 10, "inputs": {"preds": {"file": 'we"ird\\path.csv'}},
             "ci": {"confidence": 0.95, "low": 0.2, "high": None},
             "by_group": {"groups": [{"group": "a", "mean": 0.1}]}}]
    text = openmetrics_text(docs, [G.CheckResult("bce max", "max", G.FAIL, "x")])
    lines = text.splitlines()
    assert lines[-1] == "# EOF" and text.endswith("\n")
    assert 'losscli_loss{loss="bce",file="we\\"ird\\\\path.csv"} 0.25' in lines
    assert any(line.startswith("losscli_loss_ci_high{") and line.endswith(" NaN") for line in lines)
    assert 'losscli_check{check="bce max",status="fail"} 0' in lines
    assert "losscli_samples" in text and "# TYPE losscli_group_loss gauge" in lines


@pytest.mark.parametrize("text", ["1_0", "0.1_5", "bce=1_0"])
def test_a_limit_with_an_underscore_is_refused_not_read_as_pythons_number(text):
    """Python's float reads 1_0 as 10: --max 1_0 gated at 10."""
    with pytest.raises(UsageError, match="takes a number"):
        G.parse_limit(text, "--max")
