"""Reading baselines, states and check files within limits (:mod:`losscli.io.documents`)."""

from __future__ import annotations

import pytest

from losscli.errors import ReadError, UsageError
from losscli.io.documents import Fields, parse_json, parse_toml, read_bytes


def test_size_limit(tmp_path, monkeypatch):
    p = tmp_path / "big.json"
    p.write_text("[" + "1," * 600 + "1]")
    monkeypatch.setenv("LOSSCLI_MAX_DOCUMENT_BYTES", "1K")
    with pytest.raises(ReadError, match="larger than 1024 bytes"):
        read_bytes(str(p), "state file")


def test_a_folder_or_a_missing_file(tmp_path):
    with pytest.raises(ReadError, match="is a folder"):
        read_bytes(str(tmp_path), "state file")
    with pytest.raises(UsageError, match="does not exist"):
        read_bytes(str(tmp_path / "x.toml"), "check file", UsageError)


@pytest.mark.parametrize("text,words", [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (b"[" * 70 + b"]" * 70, "nested too deeply"),
    (b'{"a": ' + b"9" * 5000 + b"}", "not valid JSON"),
    (b'{"a": NaN}', "NaN is not a JSON number"),
    (b'{"a": Infinity}', "Infinity is not a JSON number"),
    (b"\xff\xfe", "not UTF-8"),
    (b"{", "not valid JSON"),
])
def test_hostile_json(text, words):
    with pytest.raises(ReadError, match=words):
        parse_json(text, "f.json", "state file")


def test_json_within_limits():
    assert parse_json(b"\xef\xbb\xbf" + b"[" * 60 + b"]" * 60, "f", "x") is not None
    assert parse_json(b"5", "f", "x") == 5
    assert parse_json(b'{"a": 1e999}', "f", "x") == {"a": float("inf")}  # for the field checks to refuse


@pytest.mark.parametrize("text,words", [
    (b"a = " + b"[" * 5000 + b"]" * 5000, "nested too deeply"),
    (b"a = " + b"9" * 5000, "not valid TOML"),
    (b"a = [", "not valid TOML"),
    (b"a = '\xff'", "not UTF-8"),
])
def test_hostile_toml(text, words):
    with pytest.raises(UsageError, match=words):
        parse_toml(text, "c.toml", "check file", UsageError)


def test_fields():
    f = Fields({"n": -1, "s": 5, "x": float("inf"), "h": "zz", "hs": ["0x1p+0", "nan"]}, "f.json state 1")
    with pytest.raises(ReadError, match=r"f.json state 1: n must lie in \[0"):
        f.integer("n")
    with pytest.raises(ReadError, match="s must be a string, not an integer"):
        f.string("s")
    with pytest.raises(ReadError, match="x must be finite"):
        f.number("x")
    with pytest.raises(ReadError, match="h must be a hexadecimal float"):
        f.hex_float("h")
    with pytest.raises(ReadError, match="holds 'nan'"):
        f.hex_floats("hs")
    with pytest.raises(ReadError, match="must be an object, not a list"):
        Fields([], "f.json")
