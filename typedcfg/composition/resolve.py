"""``${...}`` over the composed config: OmegaConf resolves, only when a value holds ``${``.

Cycles are named (``a -> b -> a``), and a reference to a missing key is located at the value
that holds it.
"""

from __future__ import annotations

import re
from typing import Any

from .._typing import is_dict
from ..errors import CompositionError, MissingKeyError
from ..provenance import KeyPath, PathPart, format_path
from .merge import Composed, _get, _merge

__all__ = ["resolve_interpolations"]


_REFERENCE = re.compile(r"\$\{([A-Za-z0-9_.\[\]\-]+)\}")


def resolve_interpolations(
    composed: Composed, fallback: dict[str, Any] | None = None
) -> Composed:
    """Resolve ``${...}`` through OmegaConf (imported here, only when some value needs it).

    ``fallback`` holds values that references may use but that are not part of the result
    (the schema's defaults): ``${lr}`` resolves even when only the schema sets ``lr``.

    Raises:
        CompositionError: a cycle (naming every key in it), an unknown resolver, bad syntax.
        MissingKeyError: a reference to a key that does not exist.
    """
    from .interpolation import substitute_runtime

    composed = Composed(
        substitute_runtime(composed.data, composed.origins),
        composed.origins,
        composed.overridden,
        composed.descriptions,
        composed.interpolated,
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
    source = composed.data
    if fallback:
        source = _merge(fallback, composed.data, (), {}, {})
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
    current: Any = _get(data, start)
    while isinstance(current, str):
        match = _REFERENCE.search(current)
        if not match:
            break
        target = match.group(1)
        chain.append(target)
        if target in seen:
            break
        seen.add(target)
        current = _get(data, _omegaconf_path(target))
    return chain
