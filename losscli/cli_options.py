"""Option bundles shared by commands (click only, so ``losscli --help`` stays fast).

Each bundle is a decorator applying a tuple of ``click.option`` in order, as sqlite-utils does.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click


def _bundle(*options: Callable[[Any], Any]) -> Callable[[Any], Any]:
    def apply(f: Any) -> Any:
        for option in reversed(options):
            f = option(f)
        return f

    return apply


_RESAMPLE = (
    click.option("--bootstrap", "bootstrap", type=click.IntRange(min=10), default=2000, show_default=True,
                 metavar="N", help="Bootstrap resamples for confidence intervals."),
    click.option("--seed", type=int, default=0, show_default=True, metavar="N",
                 help="Random seed of the bootstrap (results are reproducible)."),
)

#: Bootstrap settings (``eval --ci`` and ``compare``).
resample_options = _bundle(*_RESAMPLE)

#: Quality gates of ``eval``: thresholds, baselines, intervals and breakdowns.
gate_options = _bundle(
    click.option("--max", "max", multiple=True, metavar="[LOSS=]X",
                 help="Fail (exit 1) when the value is above X; repeat with LOSS=X (name or alias) per loss."),
    click.option("--min", "min", multiple=True, metavar="[LOSS=]X", help="Fail when the value is below X."),
    click.option("--baseline", metavar="FILE",
                 help="A losscli JSON result of an earlier run to compare with (signatures must match)."),
    click.option("--max-increase", multiple=True, metavar="[LOSS=]X",
                 help="Fail when the value got worse than the baseline by more than X."),
    click.option("--max-rel-increase", multiple=True, metavar="[LOSS=]X%",
                 help="Fail when the value got worse than the baseline by more than X% (or a fraction)."),
    click.option("--force", is_flag=True, help="Compare with a baseline even when the signatures differ."),
    click.option("--update-baseline", is_flag=True,
                 help="Write this result as the --baseline file (atomically) unless a threshold failed."),
    click.option("--warn-only", is_flag=True, help="Report failed checks as warnings; exit 0."),
    click.option("--ci", type=float, metavar="LEVEL",
                 help="Add a bootstrap confidence interval of the value, e.g. --ci 0.95."),
    *_RESAMPLE,
    click.option("--by-class", is_flag=True, help="Mean loss, count and share of the loss per true class."),
    click.option("--group-col", metavar="COL",
                 help="Per-group means by this column of the predictions (or data) file; names the worst."),
    click.option("--max-group", metavar="X", help="Fail when any group's mean is above X (needs --group-col)."),
    click.option("--max-class", metavar="X", help="Fail when any true class's mean is above X (implies --by-class)."),
)

#: Side reports for CI systems (every command that runs checks).
report_options = _bundle(
    click.option("--junit-xml", metavar="FILE", help="Write a JUnit XML report: one testcase per check."),
    click.option("--openmetrics", metavar="FILE", help="Write OpenMetrics text (GitLab metrics.txt)."),
    click.option("--step-summary", is_flag=True,
                 help="Append the Markdown report to $GITHUB_STEP_SUMMARY (GitHub Actions job summary)."),
)


#: Output format of the summary commands (compare, check, merge).
summary_format_options = _bundle(
    click.option("--format", "fmt", type=click.Choice(["table", "json", "md"]),
                 help="Output format [default: table on a terminal, json otherwise]."),
    click.option("--json", "fmt", flag_value="json", help="Shorthand for --format json."),
    click.option("--md", "fmt", flag_value="md", help="Shorthand for --format md."),
)
