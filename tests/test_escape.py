"""Escaping at the output boundaries (:mod:`losscli.escape`, the report writers): property tests over any
text, the writers' documents checked by the same validators as the fuzzing harness."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

sys.path.insert(0, str(Path(__file__).resolve().parent / "fuzz"))

import fuzz_writers  # noqa: E402

from losscli.escape import markdown_cell, openmetrics_label, printable, xml_text  # noqa: E402
from losscli.report.junit import junit_xml  # noqa: E402
from losscli.report.naming import column_names, distinct_params  # noqa: E402
from losscli.report.openmetrics import openmetrics_text  # noqa: E402

#: any code point, lone surrogates included (undecodable bytes of a file name)
ANY = st.text(st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()), max_size=40)


@given(st.lists(ANY, min_size=6, max_size=6))
@settings(max_examples=300, deadline=None)
def test_every_writer_stays_well_formed(texts):
    fuzz_writers.write_reports(texts)


@given(ANY)
@settings(max_examples=300, deadline=None)
def test_a_message_is_one_printable_line(text):
    fuzz_writers.check_message(printable(text))


@given(ANY)
@settings(max_examples=300, deadline=None)
def test_a_markdown_cell_is_one_cell(text):
    fuzz_writers.check_markdown_table(f"| {markdown_cell(text)} | x |", 2)


@given(ANY, ANY)
@settings(max_examples=300, deadline=None)
def test_junit_is_well_formed_xml(name, message):
    doc = junit_xml([{"check": name, "kind": "max", "status": "fail", "message": message, "loss": name}],
                    suite=name or "s")
    fuzz_writers.check_xml(doc)


@given(ANY)
@settings(max_examples=300, deadline=None)
def test_openmetrics_labels_are_escaped(text):
    fuzz_writers.check_openmetrics(f'm{{a="{openmetrics_label(text)}"}} 1\n# EOF\n')


def test_examples():
    assert printable("a\nb\x1b[31m\x00\u202e") == "a\\nb\\x1b[31m\\x00\\u202e"
    assert markdown_cell("a|b") == "a\\|b"
    assert markdown_cell("<!-- x") == "&lt;!-- x"
    assert markdown_cell("mean 0.3 <= max 0.5 (n=3), CI [0.1, 0.2]") == "mean 0.3 <= max 0.5 (n=3), CI [0.1, 0.2]"
    assert markdown_cell("_a_ *b* [c](d) ![e][f] `g` &amp; ~~h~~ <b>") == (
        "\\_a\\_ \\*b\\* [c\\](d) ![e\\][f] \\`g\\` &amp;amp; \\~\\~h\\~\\~ &lt;b>")
    assert markdown_cell("one\ntwo") == "one<br>two"
    assert xml_text("a\x01b") == "a\\x01b"
    assert openmetrics_label('a"b\\c\nd') == 'a\\"b\\\\c\\nd'


def test_printable_keeps_ordinary_text():
    assert printable("préds · 0.5 [/] ✓") == "préds · 0.5 [/] ✓"


def test_column_names_tell_parametrisations_apart():
    assert column_names([("huber", {"delta": 1.0})]) == ["loss"]
    assert column_names([("bce", {}), ("huber", {"delta": 1.0})]) == ["bce", "huber"]
    assert column_names([("huber", {"delta": 0.5}), ("huber", {"delta": 2.0})]) == [
        "huber(delta=0.5)", "huber(delta=2)"]
    assert column_names([("huber", {"delta": 2.0}), ("huber", {"delta": 2.0})]) == ["huber", "huber#2"]
    assert distinct_params([("focal", {"gamma": 2.0, "alpha": 0.25}), ("focal", {"gamma": 1.0, "alpha": 0.25})]) \
        == ["gamma=2", "gamma=1"]


def test_openmetrics_series_are_unique_per_parametrisation():
    docs = [{"loss": "huber", "params": {"delta": d}, "value": v, "n": 3, "inputs": {"preds": {"file": "f"}}}
            for d, v in ((0.5, 0.1), (2.0, 0.2))]
    text = openmetrics_text(docs, [])
    fuzz_writers.check_openmetrics(text)
    assert 'losscli_loss{loss="huber",params="delta=0.5",file="f"} 0.1' in text
    assert 'losscli_loss{loss="huber",params="delta=2",file="f"} 0.2' in text


def test_json_of_an_id_with_anything_is_valid(tmp_path):
    from losscli.cli import main

    ids = ['a"b', "c\\d", "e\nf", "[/]", "<!--", "\u202e", "é"]
    rows = "\n".join(f'"{i.replace(chr(34), chr(34) * 2)}",{k % 2},0.{k + 1}' for k, i in enumerate(ids))
    (tmp_path / "d.csv").write_text("id,y,p\n" + rows + "\n")
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.suppress(SystemExit):
        main(["eval", "bce", str(tmp_path / "d.csv"), "--id-col", "id", "--json"])
    assert json.loads(out.getvalue())["ids"] == ids
