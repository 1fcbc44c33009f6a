"""Escaping text that came from the data (ids, groups, column and file names) at every output boundary.

One function per boundary: a terminal message (:func:`printable`), a Markdown table cell
(:func:`markdown_cell`), XML 1.0 character data (:func:`xml_text`), an OpenMetrics label value
(:func:`openmetrics_label`). Each keeps the text readable and the document well-formed whatever the input,
including control characters and lone surrogates (undecodable bytes of a file name).
"""

from __future__ import annotations

import re

# The patterns are compiled on first use (re keeps them): most runs print no data text, and compiling these
# character classes costs 2 ms of every start.

#: C0 controls, DEL, C1 controls, lone surrogates, the line and paragraph separators, and the
#: bidirectional overrides that reorder a line
_UNPRINTABLE = "[\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]"
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape_char(m: re.Match[str]) -> str:
    ch = m.group(0)
    if ch in _NAMED:
        return _NAMED[ch]
    code = ord(ch)
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def printable(text: object) -> str:
    """``text`` on one line with every control character shown as an escape (``\\n``, ``\\x1b``)."""
    return re.sub(_UNPRINTABLE, _escape_char, str(text))


#: characters XML 1.0 does not allow at all (even as character references), plus lone surrogates
_XML_INVALID = "[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]"


def xml_text(text: object) -> str:
    """``text`` with the characters XML 1.0 forbids shown as escapes; ElementTree escapes the rest."""
    return re.sub(_XML_INVALID, _escape_char, str(text))


#: what can start markup inside a table cell: backslash, code, emphasis, strikethrough, the pipe, a link's
#: ``](`` or ``][``; an underscore only at a word boundary (``binary_crossentropy`` stays plain text)
_MD_SPECIAL = r"[\\`*|~]|\](?=[(\[])|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])"
#: ``<`` that opens a tag, a comment or a processing instruction (``<=`` stays), an ``&`` that starts an entity
_HTML = r"<(?=[A-Za-z/!?])|&(?=#?[A-Za-z0-9]+;)"


def markdown_cell(text: object) -> str:
    """``text`` as literal content of a GitHub-flavoured Markdown table cell.

    Pipes and the characters that open Markdown markup are backslash-escaped, ``<`` (HTML tags, comments)
    and entity-like ``&`` are written as entities, line breaks become ``<br>`` and other control
    characters escapes: the cell can neither end the row or the table, nor hide or restyle what follows.
    """
    s = str(text).replace("\r\n", "\n")
    s = re.sub(_HTML, lambda m: "&lt;" if m.group(0) == "<" else "&amp;", s)
    s = re.sub(_MD_SPECIAL, lambda m: "\\" + m.group(0), s)
    return "<br>".join(printable(p) for p in s.split("\n"))


def openmetrics_label(text: object) -> str:
    """An OpenMetrics label value: backslash, double quote and line feed escaped; valid UTF-8."""
    s = re.sub("[\ud800-\udfff]", _escape_char, str(text))  # first: its backslash is escaped below
    return s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def utf8_safe(text: str) -> str:
    """``text`` with lone surrogates (undecodable bytes of a file name) shown as escapes."""
    return re.sub("[\ud800-\udfff]", _escape_char, text)
