"""Reporters: they only format. Machine formats are written as text; tables go through rich."""

from losscli.report.machine import delimited_lines, json_document, jsonl_lines, quiet_value, summary_dict
from losscli.report.markdown import markdown_summary

FORMATS = ("table", "json", "jsonl", "csv", "tsv", "md")

__all__ = [
    "FORMATS",
    "delimited_lines",
    "json_document",
    "jsonl_lines",
    "markdown_summary",
    "quiet_value",
    "summary_dict",
]
