"""A file's own keys (or its list) as a layer placed at its package.

``# @package model.net`` or ``- model@net: x`` put a file's keys under ``model.net``: the data
is wrapped in one mapping per package part, and each origin moves with its key, so that
provenance names the file for every key it placed (the package's own levels at line 1).
"""

from __future__ import annotations

from typing import Any

from ..provenance import KeyPath, Layer, Origin, SourceKind
from ..read.yaml_loader import Document

__all__ = ["place_layer"]


def place_layer(
    doc: Document, data: dict[str, Any] | list[Any], package: str, file: str, kind: SourceKind
) -> Layer:
    """The document's own keys (or its list) as a layer, nested under ``package``."""
    origins = doc.origins
    if "defaults" not in data:
        origins = {p: o for p, o in origins.items() if not p or p[0] != "defaults"}
    if not package and isinstance(data, dict):  # a list is read only for a group's package
        return Layer(file, kind, data, origins, doc.descriptions, doc.interpolated)
    parts = tuple(package.split("."))
    wrapped: Any = data
    for part in reversed(parts):
        wrapped = {part: wrapped}
    # The package's own levels are at line 1 of a file; a source without lines (a ConfigStore
    # entry, whose origins name it alone) names them without a line too.
    first = next(iter(origins.values()), None)
    top = first if first is not None and first.line is None else Origin.at(kind, file, 1, 1)
    placed: dict[KeyPath, Origin] = {parts[:i]: top for i in range(1, len(parts) + 1)}
    for path, origin in origins.items():
        placed[parts + path] = origin
    descriptions = {parts + p: d for p, d in doc.descriptions.items()}
    return Layer(file, kind, wrapped, placed, descriptions, doc.interpolated)
