"""Where configs are found: the config directory, and the ConfigStore entries beside it.

A group is a sub-directory of the config directory and an option a YAML file in it, or a
group and name registered in Hydra's ConfigStore (:mod:`typedcfg.composition.config_store`).
A config is looked up in the directory first and in the store second, the order of Hydra's
search path (the primary config directory, then ``structured://``). A store entry has no file;
it is named by its label (``ConfigStore db/mysql (MySQLConfig)``), which stands in for a path in
layers and origins.
"""

from __future__ import annotations

import os
from collections.abc import Hashable

from ..provenance import SourceKind
from ..read.yaml_loader import Document, parse_yaml, read_text
from ..typeinfo import TypeNode
from .config_store import StoreEntries

__all__ = ["GroupRepo"]

_EXTENSIONS = (".yaml", ".yml")


class GroupRepo:
    """The config directory (``root``) and the ConfigStore entries (``store``), if any."""

    def __init__(self, root: str | None, store: StoreEntries | None = None) -> None:
        self.root = root
        self.store = store

    @property
    def key(self) -> Hashable:
        """What the configs found here depend on, for a cache (the store by identity)."""
        return self.root if self.store is None else (self.root, self.store.identity)

    @property
    def active(self) -> bool:
        """True when there is a directory or a store to find groups in."""
        return self.root is not None or self.store is not None

    def is_group(self, group: str) -> bool:
        """True when ``group`` (``optim``, ``model/net``) is a directory or a stored group."""
        if self.store is not None and self.store.is_group(group):
            return True
        return (
            self.root is not None and bool(group) and os.path.isdir(os.path.join(self.root, group))
        )

    def options(self, group: str) -> list[str]:
        """The option names of ``group`` (its ``*.yaml`` files and stored entries), sorted."""
        found: list[str] = []
        if self.root is not None:
            try:
                names = os.listdir(os.path.join(self.root, group))
            except OSError:
                names = []
            found = [n.rsplit(".", 1)[0] for n in names if n.endswith(_EXTENSIONS)]
        if self.store is not None:
            found += self.store.options(group)
        return sorted(set(found))

    def groups(self) -> list[str]:
        """Every group path (``optim``, ``model/net``) of the directory and the store, sorted."""
        found: list[str] = []
        if self.root is not None:
            for folder, dirs, _files in os.walk(self.root):
                dirs.sort()
                rel = os.path.relpath(folder, self.root)
                if rel != ".":
                    found.append(rel.replace(os.sep, "/"))
        if self.store is not None:
            found += self.store.groups()
        return sorted(set(found))

    def within(self, path: str) -> bool:
        """True when ``path`` lies inside the config dir, or is a store entry's label."""
        if self.store is not None and self.store.at(path) is not None:
            return True
        if self.root is None:
            return False
        root = os.path.abspath(self.root)
        return os.path.commonpath([root, os.path.abspath(path)]) == root

    def find(self, path: str) -> str | None:
        """The file for config path ``path`` (no extension), else the store entry's label."""
        if self.root is not None:
            for ext in _EXTENSIONS:
                candidate = os.path.join(self.root, path + ext)
                if os.path.isfile(candidate):
                    return candidate
        if self.store is not None:
            entry = self.store.get(path)
            if entry is not None:
                return entry.label
        return None

    def read_text(self, path: str, kind: SourceKind) -> str:
        """The file's text; for a store entry, the header its ``package`` stands for."""
        entry = self.store.at(path) if self.store is not None else None
        if entry is not None:
            return entry.header()
        return read_text(path, kind)

    def parse(
        self,
        text: str,
        path: str,
        kind: SourceKind,
        hint: TypeNode | None,
        *,
        desc_value: bool,
        top_list: bool,
    ) -> Document:
        """The document of a file or a store entry.

        A YAML file that has a store entry of the same name is merged over it, as Hydra
        merges a config over the structured config stored under its name.
        """
        store = self.store
        if store is None:
            return parse_yaml(text, path, kind, hint, desc_value=desc_value, top_list=top_list)
        entry = store.at(path)
        if entry is not None:
            return entry.document(kind)
        doc = parse_yaml(text, path, kind, hint, desc_value=desc_value, top_list=top_list)
        if self.root is not None and self.within(path):
            name = os.path.relpath(path, self.root).replace(os.sep, "/").rsplit(".", 1)[0]
            schema = store.get(name)
            if schema is not None:
                return schema.under(doc, path, kind)
        return doc
