"""OpenMetrics text (GitLab's ``metrics.txt`` metrics report): losses, intervals, slices, checks.

::

    # TYPE losscli_loss gauge
    losscli_loss{loss="binary_crossentropy",file="preds.csv"} 0.33567
    # EOF
"""

from __future__ import annotations

import math
from typing import Any

from losscli.engine.derived import METRICS
from losscli.escape import openmetrics_label

FAMILIES = {
    "losscli_loss": "The reported loss value (the requested reduction).",
    "losscli_samples": "Samples counted in the loss.",
    "losscli_metric": "A value derived from the loss: perplexity, word or byte perplexity, bits per byte.",
    "losscli_loss_ci_low": "Lower bound of the bootstrap confidence interval of the loss.",
    "losscli_loss_ci_high": "Upper bound of the bootstrap confidence interval of the loss.",
    "losscli_class_loss": "Mean loss of the samples of one true class.",
    "losscli_group_loss": "Mean loss of the samples of one group.",
    "losscli_loss_difference": "Mean loss difference, candidate minus baseline (paired comparison).",
    "losscli_check": "1 if the check passed (or only warned), 0 if it failed.",
}


def _labels(**labels: Any) -> str:
    return "{" + ",".join(f'{k}="{openmetrics_label(v)}"' for k, v in labels.items() if v is not None) + "}"


def _value(x: Any) -> str:
    if x is None:
        return "NaN"
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "+Inf" if x > 0 else "-Inf"
    return str(int(x)) if x.is_integer() and abs(x) < 2**53 else repr(x)


class _Writer:
    def __init__(self) -> None:
        self.samples: dict[str, list[str]] = {name: [] for name in FAMILIES}
        self._series: set[str] = set()

    def add(self, family: str, value: Any, **labels: Any) -> None:
        """One sample; a series met again (the same loss with the same parameters twice) is written once."""
        series = f"{family}{_labels(**labels)}"
        if series in self._series:
            return
        self._series.add(series)
        self.samples[family].append(f"{series} {_value(value)}")

    def text(self) -> str:
        lines = []
        for family, rows in self.samples.items():
            if not rows:
                continue
            lines += [f"# TYPE {family} gauge", f"# HELP {family} {FAMILIES[family]}", *rows]
        return "\n".join(lines + ["# EOF"]) + "\n"


def openmetrics_text(results: list[dict[str, Any]], checks: list[Any], comparisons: list[dict] | None = None) -> str:
    """``results`` are JSON summaries (``summary_dict``); ``checks`` check results or their dicts."""
    from losscli.report.naming import distinct_params

    w = _Writer()
    params = distinct_params([(doc["loss"], doc.get("params") or {}) for doc in results])
    for doc, differing in zip(results, params, strict=True):
        file = ((doc.get("inputs") or {}).get("preds") or {}).get("file")
        base = {"loss": doc["loss"], "params": differing, "file": file}
        if doc.get("check"):
            base["check"] = doc["check"]
        w.add("losscli_loss", doc.get("value"), **base)
        w.add("losscli_samples", doc.get("n"), **base)
        for metric in METRICS:
            if metric in doc:
                w.add("losscli_metric", doc[metric], **base, metric=metric)
        ci = doc.get("ci")
        if ci:
            w.add("losscli_loss_ci_low", ci.get("low"), **base, confidence=ci.get("confidence"))
            w.add("losscli_loss_ci_high", ci.get("high"), **base, confidence=ci.get("confidence"))
        for row in doc.get("by_class") or []:
            w.add("losscli_class_loss", row["mean"], **base, **{"class": row["class"]})
        for row in (doc.get("by_group") or {}).get("groups", []):
            w.add("losscli_group_loss", row["mean"], **base, group=row["group"])
    for comp in comparisons or []:
        labels = {"loss": comp["loss"], "file": comp["candidate"]["file"], "baseline_file": comp["baseline"]["file"]}
        w.add("losscli_loss_difference", comp["difference"]["mean"], **labels)
    for c in checks:
        d = c if isinstance(c, dict) else c.to_dict()
        w.add("losscli_check", 0 if d["status"] in ("fail", "error") else 1, check=d["check"], status=d["status"])
    return w.text()
