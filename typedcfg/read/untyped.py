"""Untyped scalars as OmegaConf's YAML loader reads them (YAML 1.1, OmegaConf's floats).

Room read/: imports nothing of typedcfg.

Where the schema says nothing about a value (an open schema, ``Any``, ``dict[str, Any]``, and
what ``typedcfg infer`` reads), an unquoted scalar means what it means to the tool the file
was written for: Hydra and OmegaConf read YAML with PyYAML's YAML 1.1 rules (``yes``/``no``/
``on``/``off`` are booleans, ``017`` is octal, ``1:30`` is sexagesimal, digit groups are
allowed), add one rule of their own (``1e-3`` is a float, as in YAML 1.2) and drop one
(dates stay text). ``tests/test_peer_yaml.py`` holds this to ``omegaconf``'s loader.
"""

from __future__ import annotations

import re
from typing import Any

__all__ = ["parse_untyped"]

_BOOLS = {
    **dict.fromkeys(("yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"), True),
    **dict.fromkeys(("no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"), False),
}
_NULLS = frozenset(("", "~", "null", "Null", "NULL"))
# The YAML 1.1 number forms, tried in YAML 1.1's order (floats first, then ints), then
# OmegaConf's own float form. Compiled on first use (re's cache).
_FLOAT_11 = (
    r"[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?"
    r"|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)
_INT_11 = (
    r"[-+]?0b[0-1_]+"
    r"|[-+]?0[0-7_]+"
    r"|[-+]?(?:0|[1-9][0-9_]*)"
    r"|[-+]?0x[0-9a-fA-F_]+"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+"
)
_FLOAT_OMEGACONF = (
    r"[-+]?[0-9]+(?:_[0-9]+)*\.[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[-+]?[0-9]+(?:_[0-9]+)*(?:[eE][-+]?[0-9]+)"
    r"|\.[0-9]+(?:_[0-9]+)*(?:[eE][-+][0-9]+)?"
    r"|[-+]?[0-9]+(?:_[0-9]+)*(?::[0-5]?[0-9])+\.[0-9_]*"
    r"|[-+]?\.(?:inf|Inf|INF)"
    r"|\.(?:nan|NaN|NAN)"
)
_NUMERIC_START = frozenset("-+0123456789.")


def parse_untyped(text: str) -> Any:
    """The value of the unquoted scalar ``text`` as OmegaConf's YAML loader gives it.

    Raises:
        ValueError: a form YAML 1.1 takes for a number that has no digits (``0b_``), or an
            integer too long for Python to read.
    """
    if text in _NULLS:
        return None
    found = _BOOLS.get(text)
    if found is not None:
        return found
    if text[0] not in _NUMERIC_START:
        return text
    if text.isdigit() and text.isascii() and (text[0] != "0" or text == "0"):
        return int(text)  # the common case, without a pattern
    if re.fullmatch(_FLOAT_11, text):
        return _float(text)
    if re.fullmatch(_INT_11, text):
        return _int(text)
    if re.fullmatch(_FLOAT_OMEGACONF, text):
        return _float(text)
    return text


def _sign(text: str) -> tuple[int, str]:
    if text[0] == "-":
        return -1, text[1:]
    return 1, text[1:] if text[0] == "+" else text


def _int(text: str) -> int:
    sign, body = _sign(text.replace("_", ""))
    if body == "0":
        return 0
    if body.startswith("0b"):
        return sign * int(body[2:], 2)
    if body.startswith("0x"):
        return sign * int(body[2:], 16)
    if body[0] == "0":
        return sign * int(body, 8)
    if ":" in body:
        return sign * int(_sexagesimal([int(part) for part in body.split(":")]))
    return sign * int(body)


def _float(text: str) -> float:
    sign, body = _sign(text.replace("_", "").lower())
    if body == ".inf":
        return sign * float("inf")
    if body == ".nan":
        return float("nan")
    if ":" in body:
        return sign * float(_sexagesimal([float(part) for part in body.split(":")]))
    return sign * float(body)


def _sexagesimal(parts: list[Any]) -> Any:
    """``1:30:15`` read in base 60, most significant part first."""
    total: Any = 0
    for part in parts:
        total = total * 60 + part
    return total
