"""Hydra's runtime interpolations, substituted before OmegaConf resolves the rest.

Hydra registers ``${hydra:...}`` and ``${now:...}`` as global OmegaConf resolvers. typedcfg keeps
no global state, so instead :func:`substitute_runtime` rewrites those interpolations in a new
copy of the data, with Hydra's meaning, and leaves every other ``${...}`` for OmegaConf:

- ``${hydra:runtime.cwd}``: the working directory when the config was composed;
- ``${hydra:runtime.output_dir}``: the run directory, which exists only when the caller has
  one (runs are recorded only when ``runs_dir`` is set); otherwise a located error says so;
- ``${now:FORMAT}``: ``datetime.now().strftime(FORMAT)``, one instant per call (Hydra caches
  the resolver, so every ``${now:...}`` of one config shares it too).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from ..errors import CompositionError
from ..provenance import KeyPath, Origin, format_path

__all__ = ["HYDRA_KEYS", "substitute_runtime"]

HYDRA_KEYS = ("runtime.cwd", "runtime.output_dir")
"""The ``${hydra:KEY}`` keys typedcfg gives a value."""

_MARKERS = ("${hydra:", "${now:")
# OmegaConf builds and resolves a config with about ten Python frames per level of nesting, so
# a config deeper than this would end in a RecursionError inside OmegaConf; the walk below
# refuses it first, with the location of the value that asked for interpolation.
MAX_DEPTH = 50


def substitute_runtime(
    data: dict[str, Any],
    origins: Mapping[KeyPath, Origin],
    *,
    output_dir: str | None = None,
    cwd: str | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """``data`` with ``${hydra:runtime.*}`` and ``${now:...}`` replaced by their values.

    Nothing is mutated: the result shares every container that needed no change, and is
    ``data`` itself when no value holds either interpolation.

    Args:
        data: the composed config (plain nested data).
        origins: key path -> origin, used to locate errors.
        output_dir: the run directory, when there is one.
        cwd: the working directory to report (default: ``os.getcwd()``).
        now: the instant ``${now:...}`` formats (default: the time of the call).

    Raises:
        CompositionError: ``${hydra:runtime.output_dir}`` without a run directory, any other
            ``${hydra:...}`` key, or a ``${now:...}`` whose format is itself interpolated.
    """
    if not _needs_walk(data):
        return data
    context = _Context(origins, output_dir, cwd, now)
    return _walk(data, (), context)  # type: ignore[no-any-return]


def _needs_walk(data: dict[str, Any]) -> bool:
    """Whether :func:`_walk` has anything to do: a runtime interpolation to replace, or a depth
    it may have to refuse. One pass without paths, cheaper than the walk that builds them (a
    sweep resolves every job's config)."""
    stack: list[tuple[Any, int]] = [(data, 0)]
    while stack:
        value, depth = stack.pop()
        mapping: dict[Any, Any] = value  # typed names for the isinstance checks below
        items: list[Any] = value
        if isinstance(value, str):
            if "${" in value and (
                any(marker in value for marker in _MARKERS)
                or depth + value.count("[") + value.count("{") > MAX_DEPTH
            ):
                return True
        elif isinstance(value, dict):
            if depth >= MAX_DEPTH:
                return True
            stack.extend((item, depth + 1) for item in mapping.values())
        elif isinstance(value, list):
            if depth >= MAX_DEPTH:
                return True
            stack.extend((item, depth + 1) for item in items)
    return False


class _Context:
    __slots__ = ("_cwd", "_now", "origins", "output_dir")

    def __init__(
        self,
        origins: Mapping[KeyPath, Origin],
        output_dir: str | None,
        cwd: str | None,
        now: datetime | None,
    ) -> None:
        self.origins = origins
        self.output_dir = output_dir
        self._cwd = cwd
        self._now = now

    @property
    def cwd(self) -> str:
        if self._cwd is None:
            self._cwd = os.getcwd()
        return self._cwd

    @property
    def now(self) -> datetime:
        if self._now is None:
            self._now = datetime.now()
        return self._now

    def origin(self, path: KeyPath) -> Origin | None:
        while True:
            found = self.origins.get(path)
            if found is not None or not path:
                return found
            path = path[:-1]


def _walk(value: Any, path: KeyPath, context: _Context) -> Any:
    if len(path) > MAX_DEPTH and isinstance(value, (dict, list)):
        where = _interpolated_below(value, path)
        raise CompositionError(
            f"the config is nested too deeply to resolve its interpolations (more than "
            f"{MAX_DEPTH} levels)",
            origin=context.origin(where),
            path=where,
            hint="${...} works in configs up to that depth; flatten the deep part",
        )
    if isinstance(value, str):
        if "${" in value and len(path) + _nesting(value) - 1 > MAX_DEPTH:
            # OmegaConf's grammar recurses per level of ${...}, [...] and {...} inside a string
            # too, on top of the levels of the config above it.
            raise CompositionError(
                f"the interpolation is nested too deeply to resolve (the levels of ${{...}}, "
                f"[...] and {{...}} inside it and of the keys above it exceed {MAX_DEPTH})",
                origin=context.origin(path),
                path=path or None,
            )
        if any(marker in value for marker in _MARKERS):
            new = _substitute(value, path, context)
            return value if new == value else new
        return value
    if isinstance(value, dict):
        mapping = cast("dict[str, Any]", value)
        out = {key: _walk(item, (*path, key), context) for key, item in mapping.items()}
        changed = any(out[key] is not mapping[key] for key in mapping)
        return out if changed else mapping
    if isinstance(value, list):
        sequence = cast("list[Any]", _object(value))  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
        items = [_walk(item, (*path, i), context) for i, item in enumerate(sequence)]
        changed = any(new is not old for new, old in zip(items, sequence, strict=True))
        return items if changed else sequence
    return value


_BRACKETS = re.compile(r"[\[\]{}]")


def _nesting(text: str) -> int:
    """The deepest nesting of brackets and braces in ``text`` (quotes are not special here)."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(text):
        if match.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _interpolated_below(value: Any, path: KeyPath) -> KeyPath:
    """The path of the first ``${...}`` string under ``value`` (else ``path``); no recursion."""
    stack: list[tuple[Any, KeyPath]] = [(value, path)]
    while stack:
        item, here = stack.pop()
        if isinstance(item, str) and "${" in item:
            return here
        if isinstance(item, dict):
            mapping = cast("dict[str, Any]", item)
            stack.extend((v, (*here, k)) for k, v in reversed(mapping.items()))
        elif isinstance(item, list):
            sequence = cast("list[Any]", _object(item))  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
            stack.extend((v, (*here, i)) for i, v in reversed(list(enumerate(sequence))))
    return path


def _object(value: object) -> object:
    """``value`` seen as a plain object (lets a cast say what the isinstance check found)."""
    return value


def _substitute(text: str, path: KeyPath, context: _Context) -> str:
    """Replace each ``${hydra:...}`` / ``${now:...}`` in ``text``, keeping the rest as written."""
    out: list[str] = []
    depth = 0
    i = 0
    while i < len(text):
        if text.startswith("\\${", i):
            out.append(text[i : i + 3])
            i += 3
            continue
        if text.startswith(_MARKERS, i):
            end = _closing(text, i + 2)
            if end != -1:
                body = text[i + 2 : end]
                value = _value(body, text, path, context)
                out.append(_quoted(value) if depth else value.replace("${", "\\${"))
                i = end + 1
                continue
        if text.startswith("${", i):
            depth += 1
            out.append("${")
            i += 2
            continue
        if text[i] == "}" and depth:
            depth -= 1
        out.append(text[i])
        i += 1
    return "".join(out)


def _closing(text: str, start: int) -> int:
    """The index of the ``}`` closing the interpolation whose body starts at ``start``."""
    depth = 1
    i = start
    while i < len(text):
        if text.startswith("${", i):
            depth += 1
            i += 2
            continue
        if text[i] == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _quoted(value: str) -> str:
    """``value`` as a quoted string argument inside another interpolation."""
    escaped = value.replace("\\", "\\\\").replace("'", "\\'").replace("${", "\\${")
    return f"'{escaped}'"


def _value(body: str, text: str, path: KeyPath, context: _Context) -> str:
    resolver, _, argument = body.partition(":")
    argument = argument.strip()
    if "${" in argument:
        raise CompositionError(
            f"{text!r}: an interpolated argument in ${{{resolver}:...}} is not supported",
            origin=context.origin(path),
            path=path or None,
        )
    if len(argument) >= 2 and argument[0] == argument[-1] and argument[0] in "'\"":
        argument = argument[1:-1]
    if resolver == "now":
        return context.now.strftime(argument)
    if argument == "runtime.cwd":
        return context.cwd
    if argument == "runtime.output_dir":
        if context.output_dir is None:
            raise CompositionError(
                "${hydra:runtime.output_dir} has no value: there is no run directory "
                "(typedcfg records runs, and so has a run directory, only when runs_dir is set)",
                origin=context.origin(path),
                path=path or None,
                hint=f"set {format_path(path)} yourself, e.g. {format_path(path)}=outputs/run1"
                if path
                else None,
            )
        return context.output_dir
    raise CompositionError(
        f"${{hydra:{argument}}} is not supported: typedcfg has no Hydra runtime; "
        "supported: " + ", ".join(f"${{hydra:{key}}}" for key in HYDRA_KEYS) + ", ${now:FORMAT}",
        origin=context.origin(path),
        path=path or None,
    )
