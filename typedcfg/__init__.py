"""typedcfg: typed experiment configuration.

Declare a pydantic (or dataclass) schema; keep defaults in ``config-defaults.yaml``; layer
``--configs`` files, environment variables and ``key=value`` overrides on top; get back the
validated object, or every problem at once with the place it came from.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

# The errors and provenance (ground modules, cheap) are imported eagerly; every other public
# name is imported on first use (PEP 562), so ``import typedcfg`` stays cheap and a program
# loads only the layers it touches: a plain ``@typedcfg.main`` run never imports the run store,
# the schema generator or RunConfig, and ``typedcfg runs ...`` never imports pydantic, PyYAML or
# the loading pipeline. No submodule of the package is named like a public function
# (``typedcfg.main`` is ``app/main.py``'s function, ``compose`` is ``pipeline.compose``), so
# importing a submodule never binds over a lazy name.
from .errors import (
    CompositionError,
    ConfigFileError,
    ConfigMutationError,
    ConfigTypeError,
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
from .provenance import Origin, Provenance, SourceKind

if TYPE_CHECKING:
    from .app.main import main
    from .export.flattened import flatten, to_wandb, unflatten
    from .export.runconfig import LockedKeyWarning, RunConfig
    from .pipeline import Loaded, compose, load
    from .runs.api import Api
    from .runs.record import current_run, record_run
    from .runs.store import Run, RunNotFoundError, RunStoreError
    from .tools.json_schema import defaults_yaml, infer_source, json_schema

# Public name -> the module that defines it, for the lazy imports below.
_LAZY = {
    "main": "app.main",
    "Loaded": "pipeline",
    "compose": "pipeline",
    "load": "pipeline",
    "Api": "runs.api",
    "flatten": "export.flattened",
    "to_wandb": "export.flattened",
    "unflatten": "export.flattened",
    "LockedKeyWarning": "export.runconfig",
    "RunConfig": "export.runconfig",
    "defaults_yaml": "tools.json_schema",
    "infer_source": "tools.json_schema",
    "json_schema": "tools.json_schema",
    "Run": "runs.store",
    "RunNotFoundError": "runs.store",
    "RunStoreError": "runs.store",
    "current_run": "runs.record",
    "record_run": "runs.record",
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


from ._version import __version__  # noqa: E402  (kept beside __all__ for readers)

__all__ = [
    "Api",
    "CompositionError",
    "ConfigFileError",
    "ConfigMutationError",
    "ConfigTypeError",
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
