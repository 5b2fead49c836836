"""The validator's own checks beside pydantic's: a bool where a number goes, a ``???`` under
``Any`` or in an open model, a word where a typed group takes an option, and unknown keys moved
to where the key is written."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import Issue, suggest
from ..provenance import KeyPath, Origin, format_path
from ..typeinfo import TypeNode

__all__ = [
    "MANDATORY",
    "at_keys",
    "bool_number",
    "mandatory",
    "markers",
    "nearest",
    "no_option",
    "setters",
]

MANDATORY = "???"
"""Hydra's and OmegaConf's marker for a value someone must still give (``monitor: ???``)."""


def mandatory(path: KeyPath, origins: Mapping[KeyPath, Origin]) -> Issue:
    """A field left at ``???``: reported as missing, where the marker was written."""
    return Issue(
        path=path,
        message=f"missing mandatory value: {format_path(path)!r} is still {MANDATORY!r}",
        origin=origins.get(path) or nearest(origins, path),
        value=MANDATORY,
        kind="missing",
        hint=f"give it a value, for example on the command line: {format_path(path)}=...",
        show_path=False,
    )


def nearest(origins: Mapping[KeyPath, Origin], path: KeyPath) -> Origin | None:
    while True:
        found = origins.get(path)
        if found is not None or not path:
            return found
        path = path[:-1]


def at_keys(issues: list[Issue]) -> list[Issue]:
    """Unknown keys from files located at the key rather than at its value (one read per file)."""
    moved: list[int] = []
    queries: list[tuple[Origin, object]] = []
    for i, issue in enumerate(issues):
        if issue.kind == "unknown_key" and issue.origin is not None and issue.origin.file:
            moved.append(i)
            queries.append((issue.origin, issue.path[-1]))
    if not moved:
        return issues
    from ..read.yaml_loader import key_origins  # only once a key is reported

    out = list(issues)
    for i, origin in zip(moved, key_origins(queries), strict=True):
        s = issues[i]
        out[i] = Issue(s.path, s.message, origin, s.value, s.kind, s.suggestions, s.hint,
                       s.show_path)  # fmt: skip
    return out


def markers(
    data: Any, path: KeyPath, origins: Mapping[KeyPath, Origin], issues: list[Issue]
) -> None:
    """Every ``???`` in data the schema does not type (``Any``, a model's allowed extras)."""
    mapping: dict[Any, Any] = data  # as in _walk_unknown: typed names for the checks below
    items: list[Any] = data
    if data.__class__ is str:
        if data == MANDATORY:
            issues.append(mandatory(path, origins))
    elif isinstance(data, dict):
        for key, value in mapping.items():
            markers(value, (*path, key), origins, issues)
    elif isinstance(data, list):
        for i, value in enumerate(items):
            markers(value, (*path, i), origins, issues)


def bool_number(
    path: KeyPath, value: bool, expected: str, origins: Mapping[KeyPath, Origin]
) -> Issue:
    return Issue(
        path=path,
        message=f"Input should be a valid {expected}, not a boolean (got {value!r})",
        origin=origins.get(path) or nearest(origins, path),
        value=value,
        kind="bool_type",
    )


def setters(path: KeyPath) -> str:
    """The sources of a program run the usual way."""
    where = f"on the command line ({format_path(path)}=...)"
    return f"config-defaults.yaml, a --configs file or {where}"


def no_option(node: TypeNode | None, raw: Any) -> tuple[str, tuple[str, ...]] | None:
    """For a word given where a typed group takes an option name, the message naming the
    options (and the near miss); ``None`` when ``node`` is no typed group."""
    if node is None or not node.discriminator or not node.tagged or not isinstance(raw, str):
        return None
    options = [str(tag) for tag in node.tagged]
    close = tuple(suggest(raw, options))
    return f"no option {raw!r}; choose one of {', '.join(options)}", close
