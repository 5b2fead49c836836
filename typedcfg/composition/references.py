"""Plain ``${a.b}`` references resolved without OmegaConf, exactly as OmegaConf resolves them.

Most interpolations in real configs are plain references: ``${model.dim}``, ``${.lr}``,
``run_${seed}``. OmegaConf resolves them by building a node per value and parsing each string
with its ANTLR grammar, which costs milliseconds per config; a sweep that validates 1,000 jobs
before launch would spend most of its time there. :func:`resolve_references` resolves the
subset below in one walk, each path once:

- a value that is one reference (``${a.b}``, ``${.x}``, ``${..x}``, ``${a.0}``, ``${a[0]}``)
  takes the referenced value with its type; a referenced mapping or list comes resolved, its own
  relative references read from where they are written (as OmegaConf reads them);
- a string with text around references (``run_${seed}``) joins ``str()`` of each scalar.

Anything else gives ``None``, and the caller hands the whole config to OmegaConf: resolver calls
(``${oc.env:...}``), escapes, nested or spaced references, a reference to a missing key, a
``???`` value, a list index past the end, a cycle, a container inside a string, data that is not
plain YAML data. OmegaConf then gives the value or the error it always gave, so the two paths
cannot disagree on what is refused; tests/test_references.py holds them to the same results
on generated configs.
"""

from __future__ import annotations

import re
from typing import Any

from ..provenance import KeyPath, PathPart

__all__ = ["resolve_references"]

# One reference: optional leading dots, then key parts split by '.' or in brackets. The key
# characters are the ones every OmegaConf release reads the same way.
_KEY = r"\.*[A-Za-z0-9_\-]+(?:\.[A-Za-z0-9_\-]+|\[[A-Za-z0-9_\-]+\])*"
_REF = re.compile(r"\$\{(" + _KEY + r")\}")
# A string OmegaConf reads as text and references only: outside them, no '\' (an escape may
# start there) and no '${'; a '$' before anything else is text.
_TEXT_AND_REFS = re.compile(r"(?:[^$\\]|\$(?!\{)|\$\{" + _KEY + r"\})*")
_PART = re.compile(r"[^.\[\]]+")
_MISSING = "???"


class _Decline(Exception):
    """The config needs OmegaConf: something outside the plain subset was met."""


def resolve_references(
    data: dict[str, Any], shape: dict[str, Any] | None = None
) -> dict[str, Any] | None:
    """``data`` with every plain reference resolved, or ``None`` when OmegaConf must do it.

    ``shape``, when given, is the part of ``data`` to return (``data`` is then the config
    merged over the values that references may use but that are not part of the result): its
    keys are resolved, against the whole of ``data``. The result is a new tree of containers
    (neither argument is changed); scalars are shared.
    """
    try:
        _check_plain(data)
        resolved: dict[str, Any] = _Resolver(data).container((), data if shape is None else shape)
        return resolved
    except (_Decline, RecursionError):
        return None


def _check_plain(data: Any) -> None:
    """Decline data that OmegaConf would convert or refuse (tuples, objects, non-text keys)."""
    stack: list[Any] = [data]
    while stack:
        value: Any = stack.pop()
        mapping: dict[Any, Any] = value  # typed names for the isinstance checks below
        items: list[Any] = value
        if isinstance(value, dict):
            for key in mapping:
                if not isinstance(key, str):
                    raise _Decline
            stack.extend(mapping.values())
        elif isinstance(value, list):
            stack.extend(items)
        elif not (value is None or isinstance(value, (str, int, float))):
            raise _Decline  # bool is an int; enums, paths, bytes, tuples go to OmegaConf


class _Resolver:
    """Resolves each path once; ``active`` holds the paths being resolved (a cycle declines)."""

    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root
        self.done: dict[KeyPath, Any] = {}
        self.active: set[KeyPath] = set()

    def container(self, path: KeyPath, value: Any) -> Any:
        mapping: dict[str, Any] = value  # typed names for the isinstance check below
        items: list[Any] = value
        if isinstance(value, dict):
            return {k: self.value((*path, k), v) for k, v in mapping.items()}
        return [self.value((*path, i), v) for i, v in enumerate(items)]

    def value(self, path: KeyPath, value: Any) -> Any:
        if isinstance(value, (dict, list)):
            return self.container(path, value)
        if not isinstance(value, str) or "${" not in value:
            return value
        known = self.done.get(path, self)
        if known is not self:
            return _copy(known)
        if path in self.active:
            raise _Decline  # a cycle: OmegaConf names it
        self.active.add(path)
        result = self.text(path, value)
        self.active.discard(path)
        self.done[path] = result
        return _copy(result)

    def text(self, path: KeyPath, value: str) -> Any:
        whole = _REF.fullmatch(value)
        if whole is not None:
            return self.target(path, whole.group(1))
        if _TEXT_AND_REFS.fullmatch(value) is None:
            raise _Decline

        def piece(match: re.Match[str]) -> str:
            found = self.target(path, match.group(1))
            if isinstance(found, (dict, list)):
                raise _Decline  # OmegaConf prints the unresolved container
            return str(found)

        return _REF.sub(piece, value)

    def target(self, path: KeyPath, key: str) -> Any:
        """The resolved value ``key``, met at ``path``, names."""
        dots = len(key) - len(key.lstrip("."))
        if dots > len(path):
            raise _Decline
        where: list[PathPart] = list(path[: len(path) - dots]) if dots else []
        node: Any = self.root
        for part in where:  # the base of a relative key exists: it holds the value itself
            node = node[part]
        for part in _PART.findall(key[dots:]):
            mapping: dict[str, Any] = node  # typed names for the isinstance checks below
            items: list[Any] = node
            if isinstance(node, dict):
                if part not in mapping:
                    raise _Decline
                node = mapping[part]
                where.append(part)
            elif isinstance(node, list) and part.isdigit() and int(part) < len(items):
                node = items[int(part)]
                where.append(int(part))
            else:
                raise _Decline  # a missing index, or a key into a scalar or a reference
        if isinstance(node, str) and node == _MISSING:
            raise _Decline
        resolved = self.value(tuple(where), node)
        if isinstance(resolved, str) and resolved == _MISSING:
            raise _Decline
        return resolved


def _copy(value: Any) -> Any:
    """A fresh copy of the containers of a resolved value (two references never share one)."""
    mapping: dict[str, Any] = value  # typed names for the isinstance checks below
    items: list[Any] = value
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in mapping.items()}
    if isinstance(value, list):
        return [_copy(v) for v in items]
    return value
