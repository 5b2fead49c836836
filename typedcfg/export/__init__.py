"""Export: the flattened ``wandb.config`` view, ``to_wandb``, wandb's value rules, ``RunConfig``.

Room 5, above the pipeline (``RunConfig`` composes). The names of :mod:`typedcfg.export.flattened`
are re-exported here, so ``typedcfg.export.flatten`` and ``typedcfg.export.warn_keys`` read as
before the package had rooms.
"""

from __future__ import annotations

from .flattened import as_plain, display_key, flatten, key_warnings, to_wandb, unflatten, warn_keys

__all__ = [
    "as_plain",
    "display_key",
    "flatten",
    "key_warnings",
    "to_wandb",
    "unflatten",
    "warn_keys",
]
