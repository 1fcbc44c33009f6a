"""Reporters: they only format. Machine formats are written as text; tables go through rich (each reporter is
imported from its module where it is used: ``losscli.report.markdown``, ``table``, ``html``, ...)."""

from losscli.report.machine import delimited_lines, json_document, jsonl_lines, quiet_value, summary_dict

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "md")

__all__ = [
    "FORMATS",
    "delimited_lines",
    "json_document",
    "jsonl_lines",
    "quiet_value",
    "summary_dict",
]
