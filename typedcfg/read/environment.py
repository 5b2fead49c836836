"""Environment variables under an opt-in prefix, as one layer (``TRAIN_OPTIM__LR=0.1``)."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any, cast

from ..errors import OverrideError
from ..provenance import KeyPath, Layer, Origin, SourceKind, format_path, record_origins
from ..typeinfo import TypeNode
from .grammar import parse_value, too_deep
from .yaml_walk import MAX_DEPTH

__all__ = ["env_layer"]


def env_layer(
    environ: Mapping[str, str], prefix: str, hint: TypeNode | None
) -> Layer:
    """The environment variables under ``prefix`` as a layer (``TRAIN_OPTIM__LR`` -> optim.lr).

    Names match schema fields case-insensitively; ``__`` separates nesting levels. Values are
    read with the override grammar (``0.1`` is a float, ``[1,2]`` a list); a value that grammar
    rejects is kept as text.
    """
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    named: dict[KeyPath, str] = {}  # the variable that set each key itself
    interpolated = False
    upper = prefix.upper()
    upper_names = {name.upper(): value for name, value in environ.items()} if hint else {}
    for name in sorted(environ):
        if not name.upper().startswith(upper) or len(name) == len(prefix):
            continue
        raw = environ[name]
        origin = Origin.env(name)
        parts = [p for p in name[len(prefix):].split("__")]
        if any(not p for p in parts):
            raise OverrideError("empty key part in the variable name", origin=origin,
                                hint="nesting uses a double underscore: PREFIX_OPTIM__LR")
        if len(parts) > MAX_DEPTH:
            raise too_deep(origin)
        node = hint
        path: list[str] = []
        for level, part in enumerate(parts):
            if node is not None and node.discriminator:
                above = upper + "".join(p + "__" for p in parts[:level])
                node = _env_member(node, upper_names, above)
            key = _match_key(part, node)
            path.append(key)
            node = node.child(key) if node is not None else None
        try:
            value = parse_value(raw, origin) if raw else ""
        except OverrideError:
            value = raw
        if node is not None and node.text and raw and value is not None:
            value = raw
        if node is not None and node.discriminator and isinstance(value, str) and (
            value in node.tagged
        ):
            # A typed group, as on the command line: TRAIN_OPTIM=sgd selects the member.
            value = {node.discriminator: value}
        if isinstance(value, str) and "${" in value:
            interpolated = True
        target = data
        for depth, key in enumerate(path[:-1]):
            existing: Any = target.get(key)
            if existing is None:
                existing = {}
                target[key] = existing
                origins[tuple(path[: depth + 1])] = origin
                named[tuple(path[: depth + 1])] = name
            elif not isinstance(existing, dict):
                other = origins[tuple(path[: depth + 1])].text
                raise OverrideError(
                    f"{other} sets {format_path(tuple(path[: depth + 1]))!r} to a value; "
                    "a variable cannot also set a key inside it",
                    origin=origin,
                    hint=f"unset {name} or {other}",
                )
            target = cast("dict[str, Any]", existing)
        if tuple(path) in named:
            # Two names for one key (names match case-insensitively), or a value where
            # another variable already set keys inside it. (A key inside a mapping value of a
            # shorter name is fine: the more specific variable wins there.)
            other = named[tuple(path)]
            raise OverrideError(
                f"{format_path(tuple(path))!r} is set by {other} as well",
                origin=origin,
                hint=f"unset {name} or {other}",
            )
        target[path[-1]] = value
        record_origins(value, tuple(path), origin, origins)  # a mapping value's keys too
        named[tuple(path)] = name
    return Layer(f"env:{prefix}*", SourceKind.ENV, data, origins, interpolated=interpolated)


def _env_member(node: TypeNode, upper_names: Mapping[str, str], above: str) -> TypeNode:
    """The union member that the discriminator variable beside this one selects (or ``node``).

    ``T_M__KIND=text`` picks the member of the union field ``m`` whose ``kind`` is ``"text"``,
    so that ``T_M__VERSION`` is typed by that member's field, as the file and argv paths do.
    """
    raw = upper_names.get((above + str(node.discriminator)).upper())
    if raw is None and above.endswith("__"):
        raw = upper_names.get(above[:-2])  # TRAIN_OPTIM=sgd names the member itself
    if raw is None:
        return node
    for tag, member in node.tagged.items():
        if str(tag.value if isinstance(tag, enum.Enum) else tag) == raw:
            return member
    return node


def _match_key(part: str, node: TypeNode | None) -> str:
    if node is not None and node.children:
        if part in node.children:
            return part
        lowered = part.lower()
        for key in node.children:
            if key.lower() == lowered:
                return key
    return part.lower()
