"""typedcfg: typed experiment configuration.

Declare a pydantic (or dataclass) schema; keep defaults in ``config-defaults.yaml``; layer
``--configs`` files, environment variables and ``key=value`` overrides on top; get back the
validated object, or every problem at once with the place it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The loading path (errors, provenance, pipeline, the entry point) is imported eagerly; the
# rest of the public names are imported on first use (PEP 562), so ``import typedcfg`` stays
# cheap and a program loads only the layers it touches: a plain ``@typedcfg.main`` run never
# imports the run store, the schema generator or RunConfig. ``main`` and ``compose`` must be
# eager: they share their names with submodules (``typedcfg.main``, ``typedcfg.compose``),
# and importing a submodule binds its name on the package, which a lazy name would lose to.
from .errors import (
    CompositionError,
    ConfigFileError,
    ConfigMutationError,
    ConfigValidationError,
    DottedKeyWarning,
    EmptyConfigWarning,
    HiddenKeyWarning,
    Issue,
    KeyWarning,
    MissingKeyError,
    OverrideError,
    SchemaError,
    StrippedKeyWarning,
    TypedcfgError,
    TypedcfgWarning,
    UnsafeKeyWarning,
)
from .main import main
from .pipeline import Loaded, compose, load
from .provenance import Origin, Provenance, SourceKind

if TYPE_CHECKING:
    from .api import Api
    from .export import flatten, to_wandb, unflatten
    from .runconfig import LockedKeyWarning, RunConfig
    from .schema import defaults_yaml, infer_source, json_schema
    from .store import Run, RunNotFoundError, RunStoreError, current_run, record_run

# Public name -> the module that defines it, for the lazy imports below.
_LAZY = {
    "Api": "api",
    "flatten": "export",
    "to_wandb": "export",
    "unflatten": "export",
    "LockedKeyWarning": "runconfig",
    "RunConfig": "runconfig",
    "defaults_yaml": "schema",
    "infer_source": "schema",
    "json_schema": "schema",
    "Run": "store",
    "RunNotFoundError": "store",
    "RunStoreError": "store",
    "current_run": "store",
    "record_run": "store",
}


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use and cache the name in this module."""
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'typedcfg' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f".{module_name}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """Every public name, the lazy ones included (for completion in a REPL)."""
    return sorted(set(globals()) | set(_LAZY))


__version__ = "0.1.0"

__all__ = [
    "Api",
    "CompositionError",
    "ConfigFileError",
    "ConfigMutationError",
    "ConfigValidationError",
    "DottedKeyWarning",
    "EmptyConfigWarning",
    "HiddenKeyWarning",
    "Issue",
    "KeyWarning",
    "Loaded",
    "LockedKeyWarning",
    "MissingKeyError",
    "Origin",
    "OverrideError",
    "Provenance",
    "Run",
    "RunConfig",
    "RunNotFoundError",
    "RunStoreError",
    "SchemaError",
    "SourceKind",
    "StrippedKeyWarning",
    "TypedcfgError",
    "TypedcfgWarning",
    "UnsafeKeyWarning",
    "__version__",
    "compose",
    "current_run",
    "defaults_yaml",
    "flatten",
    "infer_source",
    "json_schema",
    "load",
    "main",
    "record_run",
    "to_wandb",
    "unflatten",
]
