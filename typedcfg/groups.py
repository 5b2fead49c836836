"""Hydra-style composition: defaults lists, config groups, packages, ``_self_``.

Layer 2 (part of the sources stage): imports :mod:`typedcfg.provenance`, :mod:`typedcfg.errors`,
:mod:`typedcfg.typeinfo`, :mod:`typedcfg.yaml_loader`, :mod:`typedcfg.overrides`.

A file may start with a ``defaults:`` list. Its entries name other files (``- base``), group
options (``- optim: adam``, ``- optional local: default``, ``- db@backup: mysql``,
``- override /trainer: gpu``) and ``_self_`` (where the file's own keys go; last when absent).
A group is a directory under the config directory; an option is a YAML file in it. The result
is an ordered list of layers, each placed at its package (``# @package`` header, ``@pkg`` in
the entry, or the group path by default), ready for the ordinary merge.

Choices are settled the way Hydra settles them: command-line choices win; then ``override``
entries, where entries later in a list (an experiment appended last) are expanded first and so
register their overrides before the group entries they override are reached.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import CompositionError, ConfigFileError, EmptyConfigWarning
from .overrides import Op, Override
from .provenance import KeyPath, Layer, Origin, SourceKind, display_path
from .typeinfo import TypeNode, node_at
from .yaml_loader import Document, parse_yaml, read_text

__all__ = ["Choices", "GroupRepo", "compose_files"]

SELF = "_self_"


class GroupRepo:
    """The config directory: groups are sub-directories, options the YAML files in them."""

    def __init__(self, root: str | None) -> None:
        self.root = root

    def is_group(self, group: str) -> bool:
        """True when ``group`` (``optim``, ``model/net``) is a directory of the config dir."""
        return self.root is not None and bool(group) and os.path.isdir(
            os.path.join(self.root, group)
        )

    def options(self, group: str) -> list[str]:
        """The option names of ``group`` (its ``*.yaml`` files), sorted."""
        if self.root is None:
            return []
        folder = os.path.join(self.root, group)
        try:
            names = os.listdir(folder)
        except OSError:
            return []
        return sorted(n.rsplit(".", 1)[0] for n in names if n.endswith((".yaml", ".yml")))

    def groups(self) -> list[str]:
        """Every group path under the config dir (``optim``, ``model/net``), sorted."""
        if self.root is None:
            return []
        found: list[str] = []
        for folder, dirs, _files in os.walk(self.root):
            dirs.sort()
            rel = os.path.relpath(folder, self.root)
            if rel != ".":
                found.append(rel.replace(os.sep, "/"))
        return found

    def find(self, path: str) -> str | None:
        """The file for config path ``path`` (no extension) under the root, if it exists."""
        if self.root is None:
            return None
        for ext in (".yaml", ".yml"):
            candidate = os.path.join(self.root, path + ext)
            if os.path.isfile(candidate):
                return candidate
        return None


@dataclass
class _Entry:
    """One item of a defaults list."""

    kind: str  # "self", "config" or "group"
    name: str  # the config path (config) or the group as written (group)
    option: Any = None  # group option: a name, None (null) or a list of names
    package: str | None = None
    optional: bool = False
    override: bool = False
    origin: Origin | None = None


@dataclass
class Choices:
    """Settled group choices: key (``group`` or ``group@package``) -> option.

    Attributes:
        chosen: the registered choices (first registration wins).
        origins: where each registered choice was made.
        deleted: group keys removed on the command line (``~group``).
        appended: groups added on the command line (``+group=option``).
        used: keys whose choice reached a defaults-list entry.
        selected: the final choice of every group entry met, for ``--help`` and run records.
    """

    chosen: dict[str, Any] = field(default_factory=dict)
    origins: dict[str, Origin] = field(default_factory=dict)
    deleted: dict[str, Origin] = field(default_factory=dict)
    appended: list[_Entry] = field(default_factory=list)
    used: set[str] = field(default_factory=set)
    selected: dict[str, Any] = field(default_factory=dict)

    def register(self, key: str, option: Any, origin: Origin | None) -> None:
        if key not in self.chosen:
            self.chosen[key] = option
            if origin is not None:
                self.origins[key] = origin

    @classmethod
    def from_overrides(cls, overrides: Sequence[Override]) -> Choices:
        """Choices from command-line group overrides (``optim=sgd``, ``+db=mysql``, ``~db``)."""
        choices = cls()
        for override in overrides:
            group = override.key.replace(".", "/")
            key = group + (f"@{override.package}" if override.package else "")
            if override.op is Op.DELETE:
                choices.deleted[key] = override.origin
            elif override.op is Op.ADD:
                choices.appended.append(
                    _Entry("group", group, override.value, override.package, origin=override.origin)
                )
            else:
                choices.register(key, override.value, override.origin)
        return choices


def _header_package(text: str) -> str | None:
    """The ``# @package X`` directive of a file's leading comment block, if any."""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if not stripped.startswith("#"):
            return None
        body = stripped.lstrip("#").strip()
        if body.startswith("@package"):
            return body[len("@package") :].strip() or None
    return None


def _join_package(parent: str, package: str) -> str:
    joined = package if not parent else (parent if not package else f"{parent}.{package}")
    marker = joined.rfind("_global_")
    if marker == -1:
        return joined
    return joined[marker + len("_global_") + 1 :]


class _Composer:
    """Expands defaults lists into an ordered list of layers."""

    def __init__(
        self, repo: GroupRepo, choices: Choices, tree: TypeNode | None, kind: SourceKind
    ) -> None:
        self.repo = repo
        self.choices = choices
        self.tree = tree
        self.kind = kind
        self.stack: list[str] = []

    def expand(
        self,
        path: str,
        parent_package: str,
        default_package: str,
        group_dir: str,
        origin: Origin | None,
        *,
        header_applies: bool = True,
        primary: bool = False,
        is_root: bool = False,
    ) -> list[Layer]:
        """The layers of ``path`` and everything its defaults list pulls in, in merge order."""
        real = os.path.realpath(path)
        if real in self.stack:
            chain = [os.path.relpath(p) for p in self.stack[self.stack.index(real):]]
            raise CompositionError(
                "defaults-list cycle: " + " -> ".join([*chain, os.path.relpath(real)]),
                origin=origin,
            )
        self.stack.append(real)
        try:
            text = read_text(path, self.kind)
            header = _header_package(text) if header_applies else None
            if header is not None:
                own_package = header.replace("_group_", default_package)
            else:
                own_package = default_package
            package = _join_package(parent_package, own_package)
            hint = node_at(self.tree, tuple(package.split("."))) if package else self.tree
            doc = parse_yaml(text, path, self.kind, hint, desc_value=primary)
            if doc.data is None:
                warnings.warn(
                    f"{display_path(path)}: the file is empty; proceeding without its values",
                    EmptyConfigWarning,
                    stacklevel=4,
                )
            data = doc.data if isinstance(doc.data, dict) else {}
            entries = self.entries(data, doc, path)
            appended = self.choices.appended if is_root else []
            if (entries or appended) and not any(e.kind == "self" for e in entries):
                entries.append(_Entry("self", SELF))
            entries.extend(appended)
            own = _place(doc, data, package, path, self.kind)
            if not entries:
                return [own]
            entries = [e for e in entries if not _is_hydra(e, group_dir)]
            for entry in entries:
                if entry.override and entry.kind == "group":
                    self.choices.register(
                        _group_key(entry, group_dir), entry.option, entry.origin
                    )
            parts: list[list[Layer]] = []
            # Later entries first, so that an experiment appended last registers its
            # 'override' entries before the group entries they override are expanded.
            for entry in reversed(entries):
                if entry.kind == "self":
                    parts.append([own])
                elif entry.override:
                    continue
                elif entry.kind == "config":
                    parts.append(self.config_entry(entry, package, group_dir, path))
                else:
                    parts.append(self.group_entry(entry, package, group_dir))
            return [layer for part in reversed(parts) for layer in part]
        finally:
            self.stack.pop()

    def entries(self, data: dict[str, Any], doc: Document, path: str) -> list[_Entry]:
        if "defaults" not in data or (
            self.tree is not None and self.tree.children and "defaults" in self.tree.children
        ):
            return []
        raw = data.pop("defaults")
        for key in [k for k in doc.origins if k and k[0] == "defaults"]:
            del doc.origins[key]
        list_origin = Origin.at(self.kind, path, 1, 1)
        if raw is None:
            return []
        if not isinstance(raw, list):
            raise ConfigFileError("defaults: must be a list", origin=list_origin)
        out: list[_Entry] = []
        for i, item in enumerate(raw):
            origin = doc_origin(doc, ("defaults", i)) or list_origin
            out.append(_parse_entry(item, origin))
        return out

    def config_entry(
        self, entry: _Entry, package: str, group_dir: str, parent: str
    ) -> list[Layer]:
        name = entry.name
        if name.startswith("/"):
            file = self.repo.find(name[1:])
            rel_dir = os.path.dirname(name[1:])
        else:
            base = os.path.dirname(parent)
            file = None
            for ext in (".yaml", ".yml", ""):
                candidate = os.path.join(base, name + ext)
                if os.path.isfile(candidate):
                    file = candidate
                    break
            rel_dir = os.path.dirname(name)
        if file is None:
            if entry.optional:
                return []
            raise ConfigFileError(f"defaults: config {name!r} not found", origin=entry.origin)
        sub_group = "/".join(p for p in (group_dir, rel_dir) if p)
        return self.expand(
            file,
            package,
            entry.package or rel_dir.replace("/", "."),
            sub_group,
            entry.origin,
            header_applies=entry.package is None,
        )

    def group_entry(self, entry: _Entry, package: str, group_dir: str) -> list[Layer]:
        group = _group_path(entry, group_dir)
        key = _group_key(entry, group_dir)
        if key in self.choices.deleted:
            self.choices.used.add(key)
            return []
        option = entry.option
        if key in self.choices.chosen:
            option = self.choices.chosen[key]
            self.choices.used.add(key)
        self.choices.selected[key] = option
        if option is None:
            return []
        relative = entry.name.lstrip("/")
        pkg_parent = "" if entry.name.startswith("/") else package
        options = option if isinstance(option, list) else [option]
        layers: list[Layer] = []
        for name in options:
            if not isinstance(name, str):
                raise CompositionError(
                    f"group {group!r}: option must be a name, not {name!r}",
                    origin=self.choices.origins.get(key, entry.origin),
                )
            file = self.repo.find(f"{group}/{name}")
            if file is None:
                if entry.optional:
                    continue
                available = self.repo.options(group)
                raise CompositionError(
                    f"group {group!r} has no option {name!r}; available: "
                    + (", ".join(available) or "(none)"),
                    origin=self.choices.origins.get(key, entry.origin),
                    suggestions=_close(name, available),
                )
            layers.extend(
                self.expand(
                    file,
                    pkg_parent,
                    entry.package or relative.replace("/", "."),
                    group,
                    self.choices.origins.get(key, entry.origin),
                    header_applies=entry.package is None,
                )
            )
        return layers


def doc_origin(doc: Document, path: KeyPath) -> Origin | None:
    """The origin the document recorded for ``path``."""
    return doc.origins.get(path)


def _close(word: str, options: list[str]) -> list[str]:
    from .errors import suggest

    return suggest(word, options)


def _is_hydra(entry: _Entry, group_dir: str) -> bool:
    """Hydra's own settings (the ``hydra`` group) are not user config: they are left out."""
    if entry.kind != "group":
        return False
    group = _group_path(entry, group_dir)
    return group == "hydra" or group.startswith("hydra/")


def _group_path(entry: _Entry, group_dir: str) -> str:
    if entry.name.startswith("/"):
        return entry.name[1:]
    return "/".join(p for p in (group_dir, entry.name) if p)


def _group_key(entry: _Entry, group_dir: str) -> str:
    key = _group_path(entry, group_dir)
    return key + (f"@{entry.package}" if entry.package else "")


def _parse_entry(item: Any, origin: Origin) -> _Entry:
    if isinstance(item, str):
        if item == SELF:
            return _Entry("self", SELF, origin=origin)
        optional = item.startswith("optional ")
        name = item[len("optional "):].strip() if optional else item.strip()
        name, _, package = name.partition("@")
        return _Entry("config", name, None, package or None, optional=optional, origin=origin)
    if isinstance(item, dict) and len(item) == 1:
        (key, option), = item.items()
        words = str(key).split()
        flags = set(words[:-1])
        unknown = flags - {"optional", "override"}
        if not words or unknown:
            raise ConfigFileError(
                f"defaults: cannot read entry {key!r} (keywords are 'optional' and 'override')",
                origin=origin,
            )
        group, _, package = words[-1].partition("@")
        if option is not None and not isinstance(option, (str, list)):
            option = str(option)
        return _Entry(
            "group", group, option, package or None,
            optional="optional" in flags, override="override" in flags, origin=origin,
        )
    raise ConfigFileError(
        f"defaults: each entry is a name or one 'group: option' pair, not {item!r}",
        origin=origin,
    )


def _place(doc: Document, data: dict[str, Any], package: str, file: str,
           kind: SourceKind) -> Layer:
    """The document's own keys as a layer, nested under ``package``."""
    if not package:
        return Layer(file, kind, data, doc.origins, doc.descriptions, doc.interpolated)
    parts = tuple(package.split("."))
    wrapped: dict[str, Any] = data
    for part in reversed(parts):
        wrapped = {part: wrapped}
    top = Origin.at(kind, file, 1, 1)
    origins: dict[KeyPath, Origin] = {parts[:i]: top for i in range(1, len(parts) + 1)}
    for path, origin in doc.origins.items():
        origins[parts + path] = origin
    descriptions = {parts + p: d for p, d in doc.descriptions.items()}
    return Layer(file, kind, wrapped, origins, descriptions, doc.interpolated)


def compose_files(
    files: Sequence[tuple[str, SourceKind]],
    repo: GroupRepo,
    choices: Choices,
    tree: TypeNode | None,
    primary: str | None = None,
) -> list[Layer]:
    """Expand each file's defaults list; return all layers in merge order.

    Args:
        files: the files in precedence order, with the kind of each.
        repo: the config directory.
        choices: command-line group choices.
        tree: the schema tree (guides scalars in the files' own keys).
        primary: the one file that receives ``+group=option`` appends (the named primary
            config); without one, appended and unmatched command-line choices are composed
            after all files.

    Raises:
        CompositionError: cycles, unknown options, overrides that match nothing.
        ConfigFileError: unreadable files or malformed defaults lists.
    """
    layers: list[Layer] = []
    for path, kind in files:
        composer = _Composer(repo, choices, tree, kind)
        layers.extend(
            composer.expand(path, "", "", "", None, primary=True, is_root=path == primary)
        )
    tail: list[_Entry] = []
    if primary is None:
        tail.extend(choices.appended)
    for key, option in choices.chosen.items():
        origin = choices.origins.get(key)
        if key in choices.used or origin is None or origin.kind is not SourceKind.ARGV:
            continue
        group, _, package = key.partition("@")
        if repo.is_group(group):
            tail.append(_Entry("group", "/" + group, option, package or None, origin=origin))
    for key, origin in choices.deleted.items():
        if key not in choices.used:
            raise CompositionError(
                f"cannot remove group {key!r}: no defaults list selects it", origin=origin
            )
    if tail:
        composer = _Composer(repo, choices, tree, SourceKind.CONFIG_FILE)
        for entry in tail:
            layers.extend(composer.group_entry(entry, "", ""))
    for key, origin in choices.origins.items():
        if key not in choices.used and origin.kind is not SourceKind.ARGV and key not in {
            e.name.lstrip("/") for e in tail
        }:
            raise CompositionError(
                f"override {key!r} matches no group in any defaults list", origin=origin
            )
    return layers
