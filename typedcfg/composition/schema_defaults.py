"""The schema's default values as plain data, for the ``${key}`` references that name them.

A reference may name a key that only the schema sets (``${lr}`` where no file sets ``lr``):
:func:`schema_defaults` gives those values as the plain nested data interpolation reads.
"""

from __future__ import annotations

import enum
import os
from dataclasses import MISSING
from typing import Any, cast

from .._plain import as_plain
from .._typing import is_mapping, is_sequence
from ..typeinfo import TypeNode
from .reuse import kept

__all__ = ["defaults_of", "schema_defaults"]


def defaults_of(tree: TypeNode) -> dict[str, Any]:
    """:func:`schema_defaults`, made once per :func:`~.reuse.composed_once` block (the trees of
    schemas do not change, and nobody changes what this returns)."""
    return kept(("schema defaults", tree), lambda: schema_defaults(tree))


def schema_defaults(tree: TypeNode) -> dict[str, Any]:
    """The schema's default values as plain nested data (what ``${key}`` may refer to)."""
    out: dict[str, Any] = {}
    for key, field in tree.fields.items():
        if field.default is not MISSING:
            value = _primitive(as_plain(field.default))
            if value is not _SKIP:
                out[key] = value
        elif field.type.kind == "model" and field.type is not tree:
            nested = schema_defaults(field.type)
            if nested:
                out[key] = nested
    return out


_SKIP: Any = object()


def _primitive(value: Any) -> Any:
    """``value`` as the plain data OmegaConf accepts; secrets and other objects are skipped."""
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, enum.Enum):
        return _primitive(value.value)
    if isinstance(value, os.PathLike):
        return os.fspath(cast("os.PathLike[str] | os.PathLike[bytes]", value))
    if is_sequence(value):
        items = [_primitive(v) for v in value]
        return _SKIP if any(v is _SKIP for v in items) else items
    if is_mapping(value):
        return {k: v for k, v in ((k, _primitive(v)) for k, v in value.items()) if v is not _SKIP}
    return _SKIP
