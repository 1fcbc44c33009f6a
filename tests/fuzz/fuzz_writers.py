"""Fuzzing harness for the report writers: any text in ids, group and class names, check names, file
names and messages must give well-formed JSON, JUnit XML, Markdown and OpenMetrics, and escaped messages.

The bytes are split at ``\\x1f`` into strings (decoded with ``surrogateescape``, as file names are), which
fill every place a report shows text that came from the user's data or command line. The checks
(:func:`check_json`, :func:`check_xml`, :func:`check_markdown_table`, :func:`check_openmetrics`,
:func:`check_message`) are also used by the property tests in ``tests/test_escape.py``.

Run it with atheris (``pip install atheris``)::

    python tests/fuzz/fuzz_writers.py -runs=200000

or under the built-in loop: ``python tests/fuzz/fuzz_writers.py -runs=5000 -seed=1``.
"""

from __future__ import annotations

import json
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
for p in (str(ROOT), str(HERE)):
    if p not in sys.path:
        sys.path.insert(0, p)

import driver  # noqa: E402

from losscli.escape import markdown_cell, printable  # noqa: E402
from losscli.report.junit import junit_xml  # noqa: E402
from losscli.report.naming import column_names  # noqa: E402
from losscli.report.openmetrics import openmetrics_text  # noqa: E402
from losscli.report.sections import checks_markdown, sections_markdown  # noqa: E402

# ------------------------------------------------------------------------------------------- checks


def check_json(text: str) -> None:
    json.loads(text)
    text.encode("utf-8")


def check_xml(text: str) -> None:
    ET.fromstring(text.encode("utf-8"))


_UNESCAPED_PIPE = re.compile(r"(?<!\\)(?:\\\\)*\|")


def check_markdown_table(text: str, columns: int) -> None:
    """Every table line has exactly ``columns`` cells; no cell can open HTML, a comment or a new line."""
    for line in text.splitlines():
        if line.startswith("|"):
            assert len(_UNESCAPED_PIPE.findall(line)) == columns + 1, line
    assert "<!--" not in text
    assert re.search(r"<(?!br>)[A-Za-z/!?]", text) is None, text
    assert re.search(r"(?<!\\)\]\(", text) is None, text
    text.encode("utf-8")


_LABEL = r'[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\\\|\\"|\\n)*"'
_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{" + _LABEL + r"(?:," + _LABEL + r")*\})? (\S+)$")


def check_openmetrics(text: str) -> None:
    """The OpenMetrics text format: TYPE/HELP lines, samples with escaped labels, unique series, ``# EOF``."""
    lines = text.split("\n")
    assert lines[-1] == "" and lines[-2] == "# EOF", lines[-3:]
    seen = set()
    for line in lines[:-2]:
        if line.startswith("# TYPE ") or line.startswith("# HELP "):
            continue
        m = _SAMPLE.match(line)
        assert m, repr(line)
        series = line.rsplit(" ", 1)[0]
        assert series not in seen, f"duplicate series {series!r}"
        seen.add(series)
    text.encode("utf-8")


def check_message(text: str) -> None:
    """One line, no control characters (an escape sequence cannot reach the terminal)."""
    assert "\n" not in text and "\r" not in text
    assert not any(ord(ch) < 32 or 0x7F <= ord(ch) <= 0x9F for ch in text), repr(text)
    text.encode("utf-8")


# ------------------------------------------------------------------------------------------- target


def strings(data: bytes, n: int = 6) -> list[str]:
    parts = data.decode("utf-8", "surrogateescape").split("\x1f")
    parts += [""] * (n - len(parts))
    return parts[:n]


def write_reports(texts: list[str]) -> None:
    """Every writer, fed ``texts`` wherever data-derived text appears; raises on a malformed document."""
    ident, group, check, file, message, klass = texts[:6]
    checks = [
        {"check": check, "kind": "max", "status": "fail", "message": message, "loss": "mean_squared_error",
         "value": 0.5, "limit": 0.1, "n": 3},
        {"check": check + "2", "kind": "baseline", "status": "error", "message": message, "loss": None},
        {"check": file, "kind": ident, "status": "pass", "message": group, "loss": group},
    ]
    check_xml(junit_xml(checks, suite=check or "losscli"))
    results = []
    for delta in (0.5, 2.0):
        results.append({
            "loss": "huber", "params": {"delta": delta}, "value": 0.25, "n": 3, "check": check,
            "inputs": {"preds": {"file": file}},
            "ci": {"low": 0.1, "high": 0.3, "confidence": 0.95, "resamples": 100, "seed": 0},
            "by_class": [{"class": klass, "mean": 0.1, "n": 2, "share": 0.5},
                         {"class": klass + "x", "mean": 0.2, "n": 1, "share": 0.5}],
            "by_group": {"column": group, "groups": [{"group": group, "mean": 0.2, "n": 2, "share": 0.7},
                                                     {"group": ident, "mean": 0.1, "n": 1, "share": 0.3}],
                         "worst": {"group": group, "mean": 0.2, "n": 2}},
        })
    comparisons = [{"loss": "huber", "candidate": {"file": file}, "baseline": {"file": ident},
                    "difference": {"mean": 0.1}}]
    check_openmetrics(openmetrics_text(results, checks, comparisons))
    md = checks_markdown(checks)
    check_markdown_table(md, 6)
    extra = {"by_group": results[0]["by_group"], "by_class": results[0]["by_class"],
             "baseline": {"file": file, "comparable": False, "problem": message}}
    sections = sections_markdown(extra, f"{check} · huber")
    for block in sections.split("\n\n"):
        if block.startswith("|"):
            check_markdown_table(block, 4)
    assert "<!--" not in sections and re.search(r"<(?!br>)[A-Za-z/!?]", sections) is None
    for text in texts:
        check_message(printable(text))
        cell = markdown_cell(text)
        check_markdown_table(f"| {cell} |", 1)
    names = column_names([("huber", {"delta": 0.5}), ("huber", {"delta": 2.0}), ("huber", {"delta": 2.0})])
    assert len(set(names)) == 3, names
    check_json(json.dumps({"id": ident, "file": file, "checks": checks}, ensure_ascii=True))


def target(data: bytes) -> None:
    write_reports(strings(data))


def seeds() -> list[bytes]:
    return [
        b"a\x1fb\x1fc\x1fd.csv\x1fmsg\x1f0",
        b"[/]\x1f[bold]x[/bold]\x1f<!-- hidden\x1f|a|b|\x1fline\nbreak\x1f\x1b[31m",
        b"\x00\x01\x02\x1f\xff\xfe\x1f\xe2\x80\xae\x1f]]>\x1f&amp;\x1f\\\"",
        b'"quoted"\x1f\\\x1f\r\n\x1f`code`\x1f*b*\x1f_i_',
    ]


if __name__ == "__main__":
    driver.main(sys.argv, target, seeds, modules=("losscli.report.junit", "losscli.report.openmetrics",
                                                  "losscli.report.sections", "losscli.escape"))
