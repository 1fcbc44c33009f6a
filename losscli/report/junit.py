"""JUnit XML for CI systems (GitHub, GitLab, Jenkins): one ``testcase`` per check.

A failed check is a ``<failure message=...>``; a warning (a failed non-critical check) passes with the
warning in ``<system-out>``; a check whose inputs could not be evaluated is an ``<error>``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from losscli.escape import xml_text


def _status(check: Any) -> tuple[str, str, str | None]:
    if isinstance(check, dict):
        status, message, name = check["status"], check["message"], check.get("check")
    else:
        status, message, name = check.status, check.message, check.check
    return status, xml_text(message), None if name is None else xml_text(name)


def junit_xml(checks: list[Any], *, suite: str = "losscli", elapsed: float = 0.0) -> str:
    """The XML document for ``checks`` (:class:`~losscli.quality.gates.CheckResult` objects or their dicts)."""
    statuses = [_status(c) for c in checks]
    failures = sum(1 for s, _, _ in statuses if s == "fail")
    errors = sum(1 for s, _, _ in statuses if s == "error")
    suite = xml_text(suite)
    attrs = {"name": suite, "tests": str(len(checks)), "failures": str(failures), "errors": str(errors),
             "skipped": "0", "time": f"{elapsed:.3f}"}
    root = ET.Element("testsuites", attrs)
    ts = ET.SubElement(root, "testsuite", attrs)
    for check, (status, message, name) in zip(checks, statuses, strict=True):
        kind = check["kind"] if isinstance(check, dict) else check.kind
        kind = xml_text(kind)
        loss = xml_text((check.get("loss") if isinstance(check, dict) else check.loss) or "checks")
        case = ET.SubElement(ts, "testcase", {"classname": f"{suite}.{loss}", "name": name or kind, "time": "0"})
        if status == "fail":
            el = ET.SubElement(case, "failure", {"message": message, "type": kind})
            el.text = f"FAIL {message}"
        elif status == "error":
            el = ET.SubElement(case, "error", {"message": message, "type": kind})
            el.text = f"ERROR {message}"
        elif status == "warn":
            ET.SubElement(case, "system-out").text = f"WARN {message}"
        else:
            ET.SubElement(case, "system-out").text = f"PASS {message}"
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
