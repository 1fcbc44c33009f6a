"""Side reports for CI systems: JUnit XML, OpenMetrics and the GitHub job summary.

Report files are written atomically (a temporary file beside the target, then a rename), so a CI
system never reads half a report. ``$GITHUB_STEP_SUMMARY`` is appended to, as GitHub expects.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from losscli.errors import OutputError
from losscli.files import write_atomic

if TYPE_CHECKING:
    from losscli.settings import ReportSettings


def write_side_reports(
    report: ReportSettings,
    *,
    results: list[dict[str, Any]],
    checks: list[Any],
    markdown: str | None = None,
    comparisons: list[dict[str, Any]] | None = None,
    elapsed: float = 0.0,
) -> None:
    """Write whichever of ``--junit-xml``, ``--openmetrics`` and ``--step-summary`` were asked for."""
    if report.junit_xml:
        from losscli.report.junit import junit_xml

        write_atomic(report.junit_xml, junit_xml(checks, elapsed=elapsed), make_folder=True)
    if report.openmetrics:
        from losscli.report.openmetrics import openmetrics_text

        write_atomic(report.openmetrics, openmetrics_text(results, checks, comparisons), make_folder=True)
    if report.step_summary and markdown is not None:
        path = report.step_summary_file or os.environ.get("GITHUB_STEP_SUMMARY", "")
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(markdown if markdown.endswith("\n") else markdown + "\n")
        except OSError as exc:
            raise OutputError(f"cannot append to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror or exc}") from None
