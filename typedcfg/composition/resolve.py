"""``${...}`` over the composed config, only when a value holds ``${``.

Plain references (``${a.b}``, ``run_${seed}``) are resolved here (:mod:`.references`); a config
with anything more (a resolver call, an escape, a reference that cannot be followed) goes to
OmegaConf whole, which gives the values or the error.

Cycles are named (``a -> b -> a``), and a reference to a missing key is located at the value
that holds it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .._typing import is_dict
from ..errors import CompositionError, MissingKeyError
from ..provenance import KeyPath, Origin, PathPart, format_path
from .merge import Composed, get_path, merge_into

__all__ = ["resolve_interpolations"]


_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\[\]\-]+)\}")


def resolve_interpolations(
    composed: Composed, fallback: dict[str, Any] | None = None
) -> Composed:
    """Resolve ``${...}``: plain references here, the rest through OmegaConf (imported then).

    ``fallback`` holds values that references may use but that are not part of the result
    (the schema's defaults): ``${lr}`` resolves even when only the schema sets ``lr``.

    Raises:
        CompositionError: a cycle (naming every key in it), an unknown resolver, bad syntax.
        MissingKeyError: a reference to a key that does not exist.
    """
    from .interpolation import substitute_runtime
    from .references import resolve_references

    composed = Composed(
        substitute_runtime(composed.data, composed.origins),
        composed.origins,
        composed.overridden,
        composed.descriptions,
        composed.interpolated,
    )
    source = composed.data
    if fallback:
        source = merge_into(fallback, composed.data, (), {}, {})
    _check_budget(source, composed.origins)
    plain = resolve_references(source, composed.data)
    if plain is not None:
        return Composed(
            plain,
            composed.origins,
            composed.overridden,
            composed.descriptions,
            False,
        )
    try:
        from omegaconf import OmegaConf
        from omegaconf.errors import (
            InterpolationKeyError,
            OmegaConfBaseException,
        )
    except ImportError as exc:  # pragma: no cover - omegaconf is a dependency
        raise CompositionError(
            "resolving ${...} needs omegaconf; install it with: pip install omegaconf"
        ) from exc
    try:
        cfg = OmegaConf.create(source)
        resolved = OmegaConf.to_container(cfg, resolve=True)
        if fallback:
            resolved = _project(resolved, composed.data)
    except OmegaConfBaseException as exc:
        key = getattr(exc, "full_key", None) or ""
        path = _omegaconf_path(key)
        origin = composed.origins.get(path)
        detail = str(exc).split("\n")[0].strip()
        if isinstance(exc, InterpolationKeyError):
            raise MissingKeyError(
                f"{detail} (referenced by {key!r})", origin=origin, path=path or None
            ) from exc
        if "Recursive interpolation" in detail:
            chain = _cycle(composed.data, path)
            raise CompositionError(
                "interpolation cycle: " + " -> ".join(chain), origin=origin, path=path or None
            ) from exc
        raise CompositionError(
            f"cannot resolve interpolation: {detail}", origin=origin, path=path or None
        ) from exc
    except RecursionError as exc:  # a last guard: resolvers refuses the deep shapes it knows
        raise CompositionError(
            "the config is nested too deeply to resolve its interpolations"
        ) from exc
    except (ValueError, TypeError, KeyError) as exc:
        raise CompositionError(f"cannot resolve interpolation: {exc}") from exc
    assert isinstance(resolved, dict)
    return Composed(
        resolved,  # type: ignore[arg-type]
        composed.origins,
        composed.overridden,
        composed.descriptions,
        False,
    )


# OmegaConf resolves a reference again each time it meets it, with no memory of the last time:
# values that each use the one before twice cost 2**n resolutions (16 lines took 26 s). The
# budget counts the resolutions the config needs before OmegaConf starts; real configs need a
# few per interpolated value.
RESOLUTION_BUDGET = 10_000

_ANY_REFERENCE = re.compile(r"\$\{\s*(?:[A-Za-z_][\w.\-]*:)?\s*(\.*[\w\-]+(?:(?:\.|\[)[\w\-\]]*)*)")


_CHAIN = 500  # references followed in a row; OmegaConf's own recursion stops long before


def _check_budget(data: dict[str, Any], origins: Mapping[KeyPath, Origin]) -> None:
    """Refuse a config whose ``${...}`` would take more than ``RESOLUTION_BUDGET`` resolutions.

    Each reference costs one resolution plus what its target costs (a container costs what its
    values cost), counted once per path and remembered, so the count itself is linear.
    """
    costs: dict[KeyPath, int] = {}
    active: set[KeyPath] = set()

    def cost(path: KeyPath) -> int:
        known = costs.get(path)
        if known is not None:
            return known
        if path in active or len(active) > _CHAIN:
            return 1  # a cycle (OmegaConf names it), or a chain OmegaConf cannot follow either
        active.add(path)
        value = _lookup(data, path)
        mapping: dict[Any, Any] = value  # typed names for the isinstance checks below
        seq: list[Any] = value
        total = 1
        if isinstance(value, str):
            if "${" in value:
                for match in _ANY_REFERENCE.finditer(value):
                    total += cost(_target(path, match.group(1)))
                    if total > RESOLUTION_BUDGET:
                        break
        elif isinstance(value, (dict, list)):
            pairs = mapping.items() if isinstance(value, dict) else enumerate(seq)
            for key, item in pairs:
                if isinstance(item, (str, dict, list)):
                    total += cost((*path, key))
                    if total > RESOLUTION_BUDGET:
                        break
        active.discard(path)
        costs[path] = total
        return total

    spent = 0
    stack: list[tuple[KeyPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        mapping: dict[Any, Any] = value  # typed names, as in cost()
        seq: list[Any] = value
        if isinstance(value, str):
            if "${" in value:
                spent += cost(path)
                if spent > RESOLUTION_BUDGET:
                    raise CompositionError(
                        "interpolations expand to too many resolutions (references that "
                        f"use references several times?); the limit is {RESOLUTION_BUDGET}",
                        origin=origins.get(path),
                        path=path,
                    )
        elif isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in reversed(list(mapping.items())))
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in reversed(list(enumerate(seq))))


def _target(path: KeyPath, key: str) -> KeyPath:
    """The path a reference ``key`` met at ``path`` names (``.x`` is a sibling, ``..x`` an
    uncle, as OmegaConf reads them)."""
    dots = len(key) - len(key.lstrip("."))
    base = path[: max(0, len(path) - dots)] if dots else ()
    parts: list[PathPart] = list(base)
    parts.extend(re.findall(r"[^.\[\]]+", key[dots:]))
    return tuple(parts)


def _lookup(data: Any, path: KeyPath) -> Any:
    """The value at ``path``, where a digit part also indexes a list (``a.0``, ``a[0]``)."""
    node: Any = data
    for part in path:
        mapping: dict[Any, Any] = node  # typed names for the isinstance checks below
        items: list[Any] = node
        if isinstance(node, dict):
            node = mapping.get(part)
        elif isinstance(node, list) and str(part).lstrip("-").isdigit():
            index = int(part)
            node = items[index] if -len(items) <= index < len(items) else None
        else:
            return None
    return node


def _project(resolved: Any, shape: Any) -> Any:
    """The parts of ``resolved`` that ``shape`` has (drops the fallback-only keys)."""
    if is_dict(shape) and is_dict(resolved):
        return {k: _project(resolved[k], v) for k, v in shape.items()}
    return resolved


def _omegaconf_path(key: str) -> KeyPath:
    parts: list[PathPart] = []
    for piece in re.findall(r"[^.\[\]]+|\[\d+\]", key):
        parts.append(int(piece[1:-1]) if piece.startswith("[") else piece)
    return tuple(parts)


def _cycle(data: Any, start: KeyPath) -> list[str]:
    """Follow plain ``${a.b}`` references from ``start`` until a key repeats."""
    chain = [format_path(start)]
    seen = {chain[0]}
    current: Any = get_path(data, start)
    while isinstance(current, str):
        match = _REFERENCE.search(current)
        if not match:
            break
        target = match.group(1)
        chain.append(target)
        if target in seen:
            break
        seen.add(target)
        current = get_path(data, _omegaconf_path(target))
    return chain
