"""Inputs as layers: the defaults file, ``--configs`` files, mappings from code.

Every file is read in both formats: wandb's ``key: {desc: ..., value: ...}`` entries (with an
optional ``wandb_version: 1``) and plain YAML, mixed freely per top-level key. ``desc`` texts are
kept on the layer for ``--help``, JSON Schema and exports.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping
from typing import Any, cast

from ..errors import ConfigFileError, EmptyConfigWarning
from ..provenance import DEFAULTS_FILE, KeyPath, Layer, Origin, SourceKind
from ..typeinfo import TypeNode
from .yaml_loader import parse_yaml, read_text

__all__ = ["DEFAULTS_FILE", "file_layer", "mapping_layer"]



def file_layer(path: str | os.PathLike[str], kind: SourceKind, hint: TypeNode | None) -> Layer:
    """Read one YAML file (plain or desc/value) as a layer.

    Raises:
        ConfigFileError: the file is missing, unreadable, not UTF-8 or not valid config YAML.
    """
    name = os.fspath(path)
    text = read_text(name, kind)
    doc = parse_yaml(text, name, kind, hint)
    if doc.data is None:
        warnings.warn(
            f"{name}: the file is empty; proceeding without its values",
            EmptyConfigWarning,
            stacklevel=2,
        )
        return Layer(name, kind, {}, {})
    return Layer(name, kind, doc.data, doc.origins, doc.descriptions, doc.interpolated)


def mapping_layer(
    data: Mapping[str, Any], name: str, kind: SourceKind = SourceKind.CODE
) -> Layer:
    """A layer from a Python mapping (values set in code); every node gets the same origin."""
    origin = Origin(kind, text=name)
    origins: dict[KeyPath, Origin] = {}
    interpolated = False

    def copy(value: Any, path: KeyPath) -> Any:
        nonlocal interpolated
        origins[path] = origin
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            for key, item in cast("Mapping[object, object]", value).items():
                if not isinstance(key, str):
                    raise ConfigFileError(
                        f"keys must be strings, not {type(key).__name__} ({key!r})",
                        origin=origin,
                        path=path,
                    )
                out[key] = copy(item, (*path, key))
            return out
        if isinstance(value, (list, tuple)):
            items = cast("list[object] | tuple[object, ...]", value)
            return [copy(item, (*path, i)) for i, item in enumerate(items)]
        if isinstance(value, str) and "${" in value:
            interpolated = True
        return value

    top = copy(data, ())
    origins.pop((), None)
    return Layer(name, kind, top, origins, interpolated=interpolated)
