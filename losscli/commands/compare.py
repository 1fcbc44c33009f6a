"""``losscli compare``: a paired, significance-aware comparison of two prediction files on one labels file."""

from __future__ import annotations

import json
import time
from typing import Any

from losscli.commands import settings
from losscli.commands.output import emit, print_rich, warn_once
from losscli.errors import UsageError
from losscli.files import OutputTransaction


def run_compare(loss: str, opts: dict[str, Any], *, stdin: Any, decided: dict[str, Any]) -> int:
    """Returns the exit status, decided before any output is written."""
    from losscli.operations import evaluation as op
    from losscli.quality import gates
    from losscli.report.comparison import compare_markdown
    from losscli.report.sidefiles import write_side_reports

    report = settings.report_settings(opts)
    missing = [o for o, k in (("--labels", "labels"), ("--preds", "preds"), ("--baseline-preds", "baseline_preds"))
               if not opts.get(k)]
    if missing:
        raise UsageError(f"missing {', '.join(missing)}", hint="compare needs --labels, --preds and --baseline-preds")
    loss_settings = settings.loss_settings(loss, opts)
    compare = settings.compare_settings(opts)
    inputs = settings.input_settings(opts, data=[], preds=opts["preds"])
    op.refuse_overwriting_inputs(report.files(), [inputs.labels, inputs.weights, opts["preds"],
                                                  opts["baseline_preds"]])
    started = time.perf_counter()
    with OutputTransaction():
        evidence: dict[str, Any] | None = {} if report.html else None
        comp, checks = op.compare_files(loss_settings, inputs, compare, opts["preds"], opts["baseline_preds"],
                                        stdin=stdin, evidence=evidence)
        warn_once(comp["warnings"])
        status = gates.exit_status(checks)
        decided["status"] = status
        write_side_reports(report, results=[], checks=checks, markdown=compare_markdown(comp),
                           comparisons=[comp], elapsed=time.perf_counter() - started)
        if evidence is not None:
            op.write_html(report, evidence["evaluations"], checks, comparisons=[comp],
                          differences=evidence["differences"], title="losscli compare")
        if report.fmt == "json":
            emit([json.dumps(comp, indent=2, allow_nan=False, ensure_ascii=False) + "\n"])
        elif report.fmt == "md":
            emit([compare_markdown(comp)])
        else:
            from losscli.report.comparison import render_compare

            print_rich(lambda c: render_compare(comp, c))
    op.report_check_lines(checks)
    return status
