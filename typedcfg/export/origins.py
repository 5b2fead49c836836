"""Where an exported key was written: the provenance an exported object carries, or that of
the config ``@typedcfg.main`` is running (:func:`typedcfg.provenance.running`).

``flatten(loaded)`` and ``to_wandb(loaded)`` know each key's origin from the ``Loaded``; inside
a decorated function the config is a plain model, and ``to_wandb(cfg)`` warns with
``file:line:col`` all the same.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pydantic import BaseModel

from ..provenance import KeyPath, Origin, Provenance, running_provenance

__all__ = ["OriginLookup", "attr", "no_origin", "origin_lookup", "wrapped"]

OriginLookup = Callable[[KeyPath], "Origin | None"]


def attr(obj: Any, name: str) -> Any:
    """``obj.name`` when the class defines it (never a config key found through ``__getattr__``)."""
    cls: Any = obj.__class__
    return getattr(obj, name) if hasattr(cls, name) else None


def wrapped(obj: Any) -> bool:
    """True for ``Loaded`` and ``RunConfig``: objects that carry a config plus facts about it."""
    kind: Any = obj.__class__
    return not isinstance(obj, (BaseModel, Mapping)) and hasattr(kind, "__typedcfg_config__")


def no_origin(path: KeyPath) -> Origin | None:
    return None


def origin_lookup(obj: Any) -> OriginLookup:
    """Where each key path was written, when ``obj`` carries provenance (Loaded, RunConfig) or
    is the config the decorated function is running."""
    provenance = attr(obj, "provenance") if wrapped(obj) else running_provenance(obj)
    if not isinstance(provenance, Provenance):
        return no_origin
    return provenance.get_path
