"""Side reports for CI systems: JUnit XML, OpenMetrics and the GitHub job summary.

Report files are written atomically (a temporary file beside the target, then a rename), so a CI
system never reads half a report. ``$GITHUB_STEP_SUMMARY`` is appended to, as GitHub expects.
"""

from __future__ import annotations

import os
from typing import Any

from losscli.errors import UsageError
from losscli.quality.gates import SideFileError, write_atomic


def check_report_options(opts: dict[str, Any]) -> None:
    """Usage problems of the report options, raised before any work is done."""
    if opts.get("step_summary") and not os.environ.get("GITHUB_STEP_SUMMARY"):
        raise UsageError(
            "--step-summary needs the environment variable GITHUB_STEP_SUMMARY (set by GitHub Actions)",
            hint="outside GitHub Actions write the report with --md > report.md",
        )


def write_side_reports(
    opts: dict[str, Any],
    *,
    results: list[dict[str, Any]],
    checks: list[Any],
    markdown: str | None = None,
    comparisons: list[dict[str, Any]] | None = None,
    elapsed: float = 0.0,
) -> None:
    """Write whichever of ``--junit-xml``, ``--openmetrics`` and ``--step-summary`` were asked for."""
    if opts.get("junit_xml"):
        from losscli.report.junit import junit_xml

        write_atomic(opts["junit_xml"], junit_xml(checks, elapsed=elapsed))
    if opts.get("openmetrics"):
        from losscli.report.openmetrics import openmetrics_text

        write_atomic(opts["openmetrics"], openmetrics_text(results, checks, comparisons))
    if opts.get("step_summary") and markdown is not None:
        path = os.environ.get("GITHUB_STEP_SUMMARY", "")
        try:
            with open(path, "a", encoding="utf-8") as fh:
                fh.write(markdown if markdown.endswith("\n") else markdown + "\n")
        except OSError as exc:
            raise SideFileError(f"cannot append to $GITHUB_STEP_SUMMARY ({path}): {exc.strerror or exc}") from None
