"""Export: the flattened ``wandb.config`` view and its inverse.

Layer 4: imports layers 0-1.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel

from .errors import CompositionError

__all__ = ["as_plain", "flatten", "unflatten"]


def as_plain(obj: Any) -> Any:
    """A model, dataclass, ``Loaded`` or mapping as plain nested dicts (keys as in config data)."""
    loaded_config = getattr(obj, "__typedcfg_config__", None)
    if loaded_config is not None:
        obj = loaded_config()
    if isinstance(obj, BaseModel):
        return obj.model_dump(by_alias=True)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, Mapping):
        return {key: as_plain(value) for key, value in obj.items()}
    if isinstance(obj, list):
        return [as_plain(v) for v in obj]
    return obj


def flatten(obj: Any, sep: str = ".") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` -> ``{"optim.lr": 0.1}``: the names wandb's UI shows.

    Accepts a model instance, a dataclass, a ``Loaded`` or a mapping. Lists stay values.

    Raises:
        CompositionError: two keys flatten to the same name (``{"a.b": 1, "a": {"b": 2}}``).
    """
    out: dict[str, Any] = {}
    _flatten_into(as_plain(obj), "", sep, out)
    return out


def _flatten_into(data: Mapping[Any, Any], prefix: str, sep: str, out: dict[str, Any]) -> None:
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            _flatten_into(value, name + sep, sep, out)
        else:
            if name in out:
                raise CompositionError(
                    f"keys collide after flattening: two keys become {name!r}",
                    hint=f"rename the key that holds {sep!r} (for example "
                    f"{name.replace(sep, '_')!r})",
                )
            out[name] = value


def unflatten(flat: Mapping[str, Any], sep: str = ".") -> dict[str, Any]:
    """``{"optim.lr": 0.1}`` -> ``{"optim": {"lr": 0.1}}``; the inverse of :func:`flatten`.

    Raises:
        CompositionError: a key is both a value and a prefix (``{"a": 1, "a.b": 2}``).
    """
    out: dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(sep)
        node = out
        for i, part in enumerate(parts[:-1]):
            child = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise CompositionError(
                    f"cannot unflatten {name!r}: {sep.join(parts[: i + 1])!r} is already a value"
                )
            node = child
        if parts[-1] in node:
            raise CompositionError(f"cannot unflatten {name!r}: the key is already a mapping")
        node[parts[-1]] = value
    return out
