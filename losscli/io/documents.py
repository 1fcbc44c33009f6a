"""Reading the small JSON and TOML documents losscli itself writes or is configured by (baselines, states,
check files), with limits on size and nesting, and helpers to check their fields.

A hostile document — too large, nested too deeply, with numbers too long to convert or a value of the
wrong kind — is refused with one :class:`~losscli.errors.LossCliError` naming the file and what is wrong,
never a ``RecursionError``, ``ValueError`` or ``OverflowError``. The caller chooses the error type
(input error for data, usage error for a check file).

========================================  ========  ==========================================
variable                                  default   what it bounds
========================================  ========  ==========================================
``LOSSCLI_MAX_DOCUMENT_BYTES``            256M      a baseline, state or check file
========================================  ========  ==========================================
"""

from __future__ import annotations

import json
import math
import os
import sys
from typing import Any

from losscli.errors import LossCliError, ReadError

MAX_DOCUMENT_BYTES = 256 << 20
#: deeper than any document losscli writes (a result with sections is 5 levels deep)
MAX_DEPTH = 64


def max_document_bytes() -> int:
    from losscli.io.limits import _parse

    text = os.environ.get("LOSSCLI_MAX_DOCUMENT_BYTES")
    if text is None or not text.strip():
        return MAX_DOCUMENT_BYTES
    return int(_parse("LOSSCLI_MAX_DOCUMENT_BYTES", text, False))


def read_bytes(path: str, what: str, error: type[LossCliError] = ReadError) -> bytes:
    """The bytes of a document, refused when it is not a regular file or larger than the limit."""
    limit = max_document_bytes()
    try:
        with open(path, "rb") as fh:
            st = os.fstat(fh.fileno())
            import stat

            if stat.S_ISDIR(st.st_mode):
                raise error(f"{what} {path} is a folder, not a file")
            data = fh.read(limit + 1)
    except FileNotFoundError:
        raise error(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise error(f"{what} {path} is a folder, not a file") from None
    except OSError as exc:
        raise error(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    if len(data) > limit:
        raise error(f"{what} {path} is larger than {limit} bytes",
                    hint="raise LOSSCLI_MAX_DOCUMENT_BYTES if it really is that large")
    return data


def _depth_ok(value: Any, limit: int = MAX_DEPTH) -> bool:
    if not isinstance(value, (dict, list)):
        return True
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return False
        values = item.values() if isinstance(item, dict) else item
        stack.extend((v, depth + 1) for v in values if isinstance(v, (dict, list)))
    return True


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_json(data: bytes, path: str, what: str, error: type[LossCliError] = ReadError) -> Any:
    """Decode a JSON document (UTF-8, optionally with a BOM) within the depth limit.

    ``NaN`` and ``Infinity`` (which are not JSON) are refused; numbers too large for a float become
    infinities and integers with thousands of digits are refused, both for the field checks to report.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start})") \
            from None
    try:
        doc = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise error(f"{what} {path} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}") \
            from None
    except RecursionError:
        raise error(f"{what} {path} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # NaN/Infinity, an integer of too many digits
        raise error(f"{what} {path} is not valid JSON: {exc}") from None
    if not _depth_ok(doc):
        raise error(f"{what} {path} is nested too deeply (more than {MAX_DEPTH} levels)")
    return doc


def parse_toml(data: bytes, path: str, what: str, error: type[LossCliError]) -> dict[str, Any]:
    """Decode a TOML document within the depth limit."""
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - Python 3.10
        import tomli as tomllib
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise error(f"{what} {path} is not valid TOML: byte 0x{data[exc.start]:02x} at offset {exc.start} "
                    "is not UTF-8") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{what} {path} is not valid TOML: {exc}") from None
    except RecursionError:
        raise error(f"{what} {path} is nested too deeply (more than {MAX_DEPTH} levels)") from None
    except (ValueError, OverflowError) as exc:  # an integer of too many digits
        raise error(f"{what} {path} is not valid TOML: {exc}") from None
    if not _depth_ok(doc):
        raise error(f"{what} {path} is nested too deeply (more than {MAX_DEPTH} levels)")
    return doc


# ----------------------------------------------------------------------------------------- field checks


class Fields:
    """Checks the fields of one JSON object, each failure an ``error`` naming the file and the field."""

    def __init__(self, obj: Any, where: str, error: type[LossCliError] = ReadError) -> None:
        self.where = where
        self.error = error
        if not isinstance(obj, dict):
            raise error(f"{where} must be an object, not {_kind(obj)}")
        self.obj = obj

    def fail(self, key: str, message: str) -> LossCliError:
        return self.error(f"{self.where}: {key} {message}")

    def has(self, key: str) -> bool:
        return key in self.obj

    def string(self, key: str, *, optional: bool = False, choices: tuple[str, ...] | None = None) -> str | None:
        value = self.obj.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, str):
            raise self.fail(key, f"must be a string, not {_kind(value)}")
        if choices is not None and value not in choices:
            raise self.fail(key, f"must be one of {', '.join(choices)}, not {value!r}")
        return value

    def boolean(self, key: str, *, optional: bool = False) -> bool | None:
        value = self.obj.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, bool):
            raise self.fail(key, f"must be true or false, not {_kind(value)}")
        return value

    def integer(self, key: str, *, low: int = 0, high: int | None = None, optional: bool = False) -> int | None:
        value = self.obj.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise self.fail(key, f"must be an integer, not {_kind(value)}")
        if value < low or (high is not None and value > high):
            raise self.fail(key, f"must lie in [{low}, {high if high is not None else '∞'}], not {value}")
        return value

    def number(self, key: str, *, optional: bool = False, finite: bool = True) -> float | None:
        value = self.obj.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            raise self.fail(key, f"must be a number, not {_kind(value)}")
        try:
            x = float(value)
        except OverflowError:
            raise self.fail(key, "is too large") from None
        if finite and not math.isfinite(x):
            raise self.fail(key, f"must be finite, not {value!r}")
        return x

    def hex_float(self, key: str, *, finite: bool = True) -> float:
        value = self.obj.get(key)
        x = _hex(value)
        if x is None:
            raise self.fail(key, f"must be a hexadecimal float string, not {_short(value)}")
        if finite and not math.isfinite(x):
            raise self.fail(key, f"must be finite, not {value!r}")
        return x

    def hex_floats(self, key: str, *, max_items: int = 1024) -> list[float]:
        value = self.obj.get(key)
        if not isinstance(value, list) or len(value) > max_items:
            raise self.fail(key, f"must be a list of at most {max_items} hexadecimal float strings")
        out = []
        for item in value:
            x = _hex(item)
            if x is None or not math.isfinite(x):
                raise self.fail(key, f"holds {_short(item)}, not a finite hexadecimal float")
            out.append(x)
        return out

    def mapping(self, key: str, *, optional: bool = False) -> dict[str, Any] | None:
        value = self.obj.get(key)
        if value is None and optional:
            return None
        if not isinstance(value, dict):
            raise self.fail(key, f"must be an object, not {_kind(value)}")
        return value

    def strings(self, key: str, *, optional: bool = True) -> list[str]:
        value = self.obj.get(key)
        if value is None and optional:
            return []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.fail(key, "must be a list of strings")
        return value

    def items(self, key: str) -> list[Any]:
        value = self.obj.get(key)
        if not isinstance(value, list):
            raise self.fail(key, f"must be a list, not {_kind(value)}")
        return value


def _hex(value: Any) -> float | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        return float.fromhex(value)
    except (ValueError, OverflowError):
        return None


def _kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true/false", int: "an integer",
            float: "a number", type(None): "null"}.get(type(value), type(value).__name__)


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
