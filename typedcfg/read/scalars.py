"""YAML 1.2 core scalars: what an unquoted word means when no schema field says otherwise.

One table for both readers (the line reader and the libyaml walk), and the converters for
explicit core tags (``!!int``, ``!!float``, ``!!bool``, ``!!null``).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from typing import Any

__all__ = ["CONSTANTS", "NULLS", "parse_scalar"]

CORE_TAG = "tag:yaml.org,2002:"  # the prefix of YAML's core tags: !!int is CORE_TAG + "int"

# YAML 1.2 core numbers, plus digit-group underscores between digits (``55_000``), which YAML
# 1.1, Python and Hydra configs use.
# (Patterns here are compiled on first use, through re's cache: compiling costs more at import
# than the lookups cost later.)
_INT = r"[-+]?[0-9](?:_?[0-9])*\Z"
_FLOAT = (
    r"[-+]?(?:\.[0-9](?:_?[0-9])*|[0-9](?:_?[0-9])*(?:\.(?:[0-9](?:_?[0-9])*)?)?)"
    r"(?:[eE][-+]?[0-9]+)?\Z"
)


CONSTANTS: dict[str, Any] = {
    "": None,
    "~": None,
    "null": None,
    "Null": None,
    "NULL": None,
    "true": True,
    "True": True,
    "TRUE": True,
    "false": False,
    "False": False,
    "FALSE": False,
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "+.inf": float("inf"),
    "+.Inf": float("inf"),
    "+.INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}


NULLS = frozenset(k for k, v in CONSTANTS.items() if v is None)


_MISSING: Any = object()


_NUMERIC_START = frozenset("0123456789+-.")


def parse_scalar(text: str) -> Any:
    """An unquoted scalar under the YAML 1.2 core schema (no dates, no ``yes``/``no``)."""
    value = CONSTANTS.get(text, _MISSING)
    if value is not _MISSING:
        return value
    if text[0] in _NUMERIC_START:
        if text.isdigit() and text.isascii():  # the common case, without a regex
            return int(text)
        if re.match(_INT, text):
            return int(text)
        if re.match(_FLOAT, text):
            return float(text)
    if len(text) > 2 and text[0] == "0":
        if text[1] == "o" and all(c in "01234567" for c in text[2:]):
            return _within_digit_limit(int(text[2:], 8))
        if text[1] == "x" and all(c in "0123456789abcdefABCDEF" for c in text[2:]):
            return _within_digit_limit(int(text[2:], 16))
    return text


def _within_digit_limit(value: int) -> int:
    """``value``, or ``ValueError`` when it has more decimal digits than Python will print.

    ``int()`` refuses a decimal text over the limit (4,300 digits), but reads hex and octal of
    any length; such a number then breaks every later ``str()`` (``--cfg``, ``explain``, a run
    record). Refused here, it gets the "number too long" error decimals get.
    """
    limit = getattr(sys, "get_int_max_str_digits", lambda: 0)()
    # 10**limit has limit * log2(10) bits; a little under that is still below the limit.
    if limit and value.bit_length() > limit * 3.3219:
        raise ValueError("exceeds the limit for integer digits")
    return value


def _explicit_bool(text: str) -> bool:
    value = CONSTANTS.get(text)
    if isinstance(value, bool):
        return value
    raise ValueError(text)


def _explicit_null(text: str) -> None:
    if text in NULLS:
        return None
    raise ValueError(text)


def _explicit_int(text: str) -> int:
    value = parse_scalar(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(text)


def _explicit_float(text: str) -> float:
    value = parse_scalar(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(text)


EXPLICIT_TAGS: dict[str, Callable[[str], Any]] = {
    CORE_TAG + "int": _explicit_int,
    CORE_TAG + "float": _explicit_float,
    CORE_TAG + "bool": _explicit_bool,
    CORE_TAG + "null": _explicit_null,
}
