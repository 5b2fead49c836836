"""typedcfg: typed experiment configuration.

Declare a pydantic (or dataclass) schema; keep defaults in ``config-defaults.yaml``; layer
``--configs`` files, environment variables and ``key=value`` overrides on top; get back the
validated object, or every problem at once with the place it came from.
"""

from __future__ import annotations

from .api import Api
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
from .export import flatten, to_wandb, unflatten
from .main import main
from .pipeline import Loaded, compose, load
from .provenance import Origin, Provenance, SourceKind
from .runconfig import LockedKeyWarning, RunConfig
from .schema import defaults_yaml, infer_source, json_schema
from .store import Run, RunNotFoundError, RunStoreError, current_run, record_run

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
