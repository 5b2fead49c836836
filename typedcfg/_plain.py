"""Plain data from a user's config object: the one conversion every later stage starts from."""

from __future__ import annotations

import dataclasses
from typing import Any, cast

from pydantic import BaseModel

from ._typing import is_mapping

__all__ = ["as_plain"]


def as_plain(obj: Any) -> Any:
    """A model, dataclass, ``Loaded`` or mapping as plain nested dicts (keys as in config data)."""
    if isinstance(obj, BaseModel):
        # First: a missing attribute on a model goes through pydantic's __getattr__, which
        # costs more than the dump of a small config.
        return obj.model_dump(by_alias=True)
    if hasattr(obj.__class__, "__typedcfg_config__"):  # Loaded, RunConfig
        obj = obj.__typedcfg_config__()
    if isinstance(obj, BaseModel):
        return obj.model_dump(by_alias=True)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: as_plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if is_mapping(obj):
        return {key: as_plain(value) for key, value in obj.items()}
    if isinstance(obj, list):
        items: list[Any] = cast(Any, obj)
        return [as_plain(v) for v in items]
    return obj
