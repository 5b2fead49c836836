"""Type guards for plain config data, so both type checkers know what an ``isinstance`` found.

Config data is ``Any`` (whatever YAML, the environment or the command line produced). After
``isinstance(value, dict)`` pyright sees ``dict[Unknown, Unknown]``, which strict mode rejects
as soon as a key or item is used; these guards say ``dict[Any, Any]`` instead. Each costs a
function call, so the per-key loops of compose, validate and export (run 10,000s of times per
load) keep their inline ``isinstance`` checks and use annotated names instead.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, TypeGuard

__all__ = ["is_dict", "is_list", "is_mapping", "is_sequence"]


def is_dict(value: object) -> TypeGuard[dict[Any, Any]]:
    """``isinstance(value, dict)``, typed so both mypy and pyright know the items are Any."""
    return isinstance(value, dict)


def is_list(value: object) -> TypeGuard[list[Any]]:
    """``isinstance(value, list)``, typed so both mypy and pyright know the items are Any."""
    return isinstance(value, list)


def is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    """``isinstance(value, Mapping)``, typed so both mypy and pyright know the items are Any."""
    return isinstance(value, Mapping)


def is_sequence(value: object) -> TypeGuard[list[Any] | tuple[Any, ...]]:
    """A list or tuple (not str), typed for both type checkers."""
    return isinstance(value, (list, tuple))
