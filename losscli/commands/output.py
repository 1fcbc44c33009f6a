"""Writing a command's report: stdout and stderr, terminals and closed pipes, the default format.

Every command decides its exit status before it writes its report, so a reader that closes the pipe
early (``| head``) changes nothing but the amount printed.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable
from typing import Any


def silence_stdout() -> None:
    """After a closed pipe: point stdout at /dev/null so the interpreter's final flush is quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def emit(chunks: Iterable[str]) -> None:
    """Write text to stdout; a closed pipe (``| head``) ends quietly, keeping the decided status.

    Any other failure to write (a full disk, ``/dev/full``) is an :class:`OutputError` (exit 3).
    """
    from losscli.interrupts import raise_if_received

    raise_if_received()
    out = sys.stdout
    try:
        for text in chunks:
            out.write(text)
        out.flush()
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        raise stdout_error(exc) from None


def emit_document(chunks: Iterable[str]) -> None:
    """Write one document (JSON) to stdout whole or not at all: it is put together first (in memory up to
    16 MiB, then in an unnamed temporary file), so that Ctrl-C or an error while it is being formatted — the
    seconds that millions of per-sample values take — leaves stdout empty; then it is copied out."""
    import tempfile

    from losscli.interrupts import raise_if_received
    from losscli.spill import spill_error

    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    with tempfile.SpooledTemporaryFile(max_size=16 << 20, mode="w+", encoding=encoding, newline="") as doc:
        try:
            for text in chunks:
                doc.write(text)
            doc.seek(0)
        except OSError as exc:  # the temporary file could not be written (a full disk)
            raise spill_error(exc) from None
        raise_if_received()
        emit(iter(lambda: doc.read(1 << 20), ""))


def stdout_error(exc: OSError) -> Exception:
    from losscli.errors import OutputError

    silence_stdout()  # the interpreter's last flush must not fail again
    return OutputError(f"cannot write to standard output: {exc.strerror or exc}")


def _broken_pipe() -> None:
    raise BrokenPipeError  # rich would exit 1, which claims that a quality check failed


def stdout_is_terminal() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


def default_format(fmt: str | None) -> str:
    """The format asked for, else a table on a terminal and JSON otherwise."""
    return fmt or ("table" if stdout_is_terminal() else "json")


def console(stderr: bool = False) -> Any:
    from rich.console import Console

    # markup off: ids, groups, check and file names are data, never rich markup ("[/]" is text)
    out = Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False)
    out.on_broken_pipe = _broken_pipe  # type: ignore[method-assign]
    return out


def print_rich(draw: Callable[[Any], None]) -> None:
    """Draw a rich view on stdout; a closed pipe ends quietly."""
    from losscli.interrupts import raise_if_received

    raise_if_received()
    try:
        draw(console())
    except BrokenPipeError:
        silence_stdout()
    except OSError as exc:
        raise stdout_error(exc) from None


def warn(message: str) -> None:
    from losscli.escape import printable

    sys.stderr.write(f"losscli: warning: {printable(message)}\n")


def render_evaluations(evaluations: list[Any], fmt: str, *, summary_only: bool, sample_rows: bool = True) -> None:
    """Write evaluation results to stdout in ``fmt`` (quiet, json, jsonl, csv, tsv, md or table); JSON without
    per-sample values when ``summary_only``, a table without its sample rows unless ``sample_rows``."""
    from losscli import report

    if fmt == "quiet":
        emit([report.quiet_value(evaluations)])
    elif fmt == "json":
        emit_document(report.json_document(evaluations, per_sample=not summary_only))
    elif fmt == "jsonl":
        emit(report.jsonl_lines(evaluations))
    elif fmt in ("csv", "tsv"):
        emit(report.delimited_lines(evaluations, "," if fmt == "csv" else "\t"))
    elif fmt == "md":
        from losscli.report.markdown import markdown_summary

        emit([markdown_summary(evaluations)])
    else:
        from losscli.report.table import render

        print_rich(lambda c: render(evaluations, c, sample_rows=sample_rows))


def warn_once(messages: Iterable[str]) -> None:
    """Each distinct warning once, in order."""
    for message in dict.fromkeys(messages):
        warn(message)


def stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def report_notes(evaluations: Iterable[Any], *, quiet: bool = False) -> None:
    """What was inferred about the inputs (each evaluation's ``inputs``): a guessed header row always; on a
    terminal also the columns not used and the columns used (the JSON report holds them all), unless the
    run is ``quiet`` (``-q``: one number, and on stderr only what may change it)."""
    from losscli.inputs.infer import used_note

    terminal = stderr_is_terminal() and not quiet
    lines: list[str] = []
    for ev in evaluations:
        inputs = ev.inputs
        for message in inputs.get("notes", ()):
            if terminal or "the first row" in message:  # a guessed header: always said
                lines.append(message)
        if terminal and "labels" in inputs and "columns" in inputs.get("preds", {}):
            lab, pre = inputs["labels"], inputs["preds"]
            lines.append(used_note(lab["file"], lab["columns"], pre["file"], pre["columns"]))
    for message in dict.fromkeys(lines):
        sys.stderr.write(f"losscli: note: {message}\n")


def render_document(doc: dict[str, Any], fmt: str, *, markdown: str, draw: Callable[[Any], None],
                    quiet: Callable[[], str] | None = None) -> None:
    """A summary command's document on stdout: JSON, its Markdown, the text ``quiet`` makes (``-q``), or a
    rich view drawn by ``draw``."""
    import json

    if fmt == "quiet" and quiet is not None:
        emit([quiet()])
    elif fmt == "json":
        emit([json.dumps(doc, indent=2, allow_nan=False, ensure_ascii=False) + "\n"])
    elif fmt == "md":
        emit([markdown])
    else:
        print_rich(draw)
