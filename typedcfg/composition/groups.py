"""Hydra-style composition: defaults lists, config groups, packages, ``_self_``.

A file may start with a ``defaults:`` list. Its entries name other files (``- base``), group
options (``- optim: adam``, ``- optional local: default``, ``- db@backup: mysql``,
``- override /trainer: gpu``) and ``_self_`` (where the file's own keys go; last when absent).
A group is a directory under the config directory; an option is a YAML file in it. The result
is an ordered list of layers, each placed at its package, ready for the ordinary merge.

The rules are Hydra 1.3's (``version_base="1.3"``), checked against ``hydra.compose`` by
``tests/test_hydra_compat.py``:

- a list is expanded from its last entry to its first, so an experiment listed last registers
  its ``override`` entries before the group entries they override are reached; command-line
  choices are registered before everything and so always win;
- a ``# @package`` header is absolute; an entry's ``@pkg`` and the default package (the group
  as written, or the directory of a plain entry) are relative to the including file's package;
  ``_global_`` anywhere resets to the root;
- a choice is addressed by its override key: the group path, plus ``@package`` when the entry
  does not sit at its default package.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from typing import Any, cast

from ..errors import CompositionError, ConfigFileError, EmptyConfigWarning, suggest
from ..provenance import Layer, Origin, SourceKind, display_path
from ..typeinfo import TypeNode, node_at
from .choice_refs import check_override, interpolated, known_choices, resolve_entry
from .config_paths import check_inside
from .defaults_list import (
    SELF,
    Choices,
    Entry,
    GroupRepo,
    Place,
    absolute_header,
    final_package,
    group_path,
    header_package,
    join_package,
    override_key,
    read_entries,
)
from .placing import place_layer

__all__ = ["Choices", "GroupRepo", "compose_files"]


_ROOT = Place("", "")  # where a top-level file sits: the root package, no group directory


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
        self.late = 0  # how many interpolated entries the file being expanded is under

    def expand(
        self,
        path: str,
        entry: Entry | None,
        place: Place,
        origin: Origin | None,
        *,
        is_root: bool = False,
        primary: bool = False,
    ) -> list[Layer]:
        """The layers of the file ``path`` reached through ``entry`` (``None``: a root)."""
        text = self.repo.read_text(path, self.kind)  # a store entry's text is its header
        if entry is None and not text.lstrip().startswith("#"):
            package = ""  # a top-level file without a header comment: at the root
        else:
            header = absolute_header(header_package(text, path, self.kind), entry, place)
            package = (
                final_package(entry, place, header) if entry else join_package("", header or "")
            )
        hint = node_at(self.tree, tuple(package.split("."))) if package else self.tree
        # A group option may be a list (Hydra puts it at the option's package).
        doc = self.repo.parse(text, path, self.kind, hint, desc_value=primary,
                              top_list=bool(package))
        if doc.data is None and entry is None:
            # Group options are often empty on purpose (a 'none' option); a top-level file
            # that is empty is more likely a mistake.
            warnings.warn(
                f"{display_path(path)}: the file is empty; proceeding without its values",
                EmptyConfigWarning,
                stacklevel=5,
            )
        top: object = doc.data
        if isinstance(top, list):  # a list-valued option, at the option's package
            return [place_layer(doc, top, package, path, self.kind)]  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed object
        data = _mapping(doc.data)
        if not package and "defaults" not in data and not (is_root and self.choices.appended):
            # Most files: no defaults list, nothing appended, at the root: its own layer.
            return [Layer(path, self.kind, data, doc.origins, doc.descriptions, doc.interpolated)]
        keep_defaults = (
            self.tree is not None
            and bool(self.tree.children)
            and ("defaults" in (self.tree.children or {}))
        )
        entries = [] if keep_defaults else read_entries(data, doc, path, self.kind)
        data = data if keep_defaults else {k: v for k, v in data.items() if k != "defaults"}
        appended = self.choices.appended if is_root else []
        if (entries or appended) and not any(e.kind == "self" for e in entries):
            entries.append(Entry("self", SELF))
        entries.extend(appended)
        own = place_layer(doc, data, package, path, self.kind)
        if not entries:
            return [own]
        # Only a file with a defaults list can be part of a cycle, so only such a file pays for
        # realpath (a few lstat calls) to be compared with the files that included it.
        real = os.path.realpath(path)
        if real in self.stack:
            chain = [os.path.relpath(p) for p in self.stack[self.stack.index(real) :]]
            raise CompositionError(
                "defaults-list cycle: " + " -> ".join([*chain, os.path.relpath(real)]),
                origin=origin,
            )
        self.stack.append(real)
        try:
            here = Place(_own_dir(entry, place), package)
            entries = [e for e in entries if not _is_hydra(e, here)]
            self.register_overrides(entries, here, path)
            parts: list[list[Layer]] = []
            waiting: list[tuple[int, Entry]] = []
            # Later entries first, so that an experiment appended last registers its
            # 'override' entries before the group entries they override are expanded.
            for item in reversed(entries):
                if item.kind == "self":
                    parts.append([own])
                elif item.override:
                    continue
                elif interpolated(item, here, self.choices):
                    waiting.append((len(parts), item))  # after the list's other choices
                    parts.append([])
                elif item.kind == "config":
                    parts.append(self.config_entry(item, here, path))
                else:
                    parts.append(self.group_entry(item, here))
            if waiting:  # all against the choices known now: not each other's (Hydra's rule)
                known = known_choices(self.choices, entries, here)
                for index, item in waiting:
                    parts[index] = self.resolved_entry(item, here, path, known)
            return [layer for part in reversed(parts) for layer in part]
        finally:
            self.stack.pop()

    def register_overrides(self, entries: list[Entry], here: Place, path: str) -> None:
        """Register ``override`` entries; Hydra requires them after every other entry."""
        last_override: Entry | None = None
        for item in entries:
            if item.kind == "self":
                continue
            if last_override is not None and not (item.override or item.appended):
                raise CompositionError(
                    f"'override {last_override.name}' must come after "
                    f"{item.name!r} in the defaults list (overrides go at the end)",
                    origin=last_override.origin,
                )
            if item.override and item.kind == "group":
                check_override(item, self.late)
                last_override = item
                self.choices.register(override_key(item, here), item.option, item.origin)

    def resolved_entry(
        self, entry: Entry, here: Place, parent: str, known: dict[str, Any]
    ) -> list[Layer]:
        """An interpolated entry, once the other choices of its list are known."""
        entry, option = resolve_entry(entry, here, self.choices, known)
        self.late += 1  # the files it includes may not override choices (Hydra's rule)
        try:
            if entry.kind == "config":
                return self.config_entry(entry, here, parent)
            return self.group_entry(entry, here, option)
        finally:
            self.late -= 1

    def config_entry(self, entry: Entry, here: Place, parent: str) -> list[Layer]:
        """A plain entry (``- base``, ``- /other/file``): the file itself, not a choice."""
        name = entry.name
        check_inside(name, entry.origin)
        if name.startswith("/"):
            file = self.repo.find(name[1:])
        elif self.repo.within(parent):
            # Hydra's rule: relative to the including file's group. For an option chosen in a
            # group that is the group (an option 'lm/big' of 'model' looks in 'model'), not the
            # option file's folder ('model/lm'); for a plain entry, its own folder.
            file = self.repo.find("/".join(p for p in (here.group_dir, name) if p))
        else:
            # A defaults file or --configs file outside the config dir: relative to the file.
            base = os.path.dirname(parent)
            file = next(
                (
                    os.path.join(base, name + ext)
                    for ext in (".yaml", ".yml", "")
                    if os.path.isfile(os.path.join(base, name + ext))
                ),
                None,
            )
        if file is None:
            if entry.optional:
                return []
            raise ConfigFileError(f"defaults: config {name!r} not found", origin=entry.origin)
        return self.expand(file, entry, here, entry.origin)

    def group_entry(self, entry: Entry, here: Place, resolved: str | None = None) -> list[Layer]:
        """A group entry: settle its choice (``resolved``: the interpolated one), then compose
        the chosen option(s)."""
        choices = self.choices
        group = group_path(entry, here)
        key = override_key(entry, here)
        option = entry.option
        origin = entry.origin
        if key in choices.chosen:
            option = choices.chosen[key]
            origin = choices.origins.get(key, origin)
            choices.used.add(key)
        option = option if resolved is None else resolved
        if isinstance(option, list):
            # An options list composes each option as a plain file of the group, in order.
            layers: list[Layer] = []
            for name in cast("list[Any]", _object(option)):  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
                _check_name(name, group, origin)
                sub = Entry(
                    "config",
                    f"{entry.name}/{name}",
                    None,
                    entry.package,
                    optional=entry.optional,
                    origin=origin,
                )
                file = self.repo.find(f"{group}/{name}")
                if file is None:
                    if entry.optional:
                        continue
                    raise self.unknown(group, name, origin)
                layers.extend(self.expand(file, sub, here, origin))
            choices.selected[key] = option
            return layers
        deletion = choices.deleted.get(key)
        if deletion is not None and deletion[0] in (None, option):
            choices.used.add("~" + key)
            return []
        self.know(key, group, option, origin)
        if option is None:
            return []
        _check_name(option, group, origin)
        if option == "???":
            raise CompositionError(
                f"group {key!r} needs a choice: give {key}=OPTION; available: "
                + (", ".join(self.repo.options(group)) or "(none)"),
                origin=origin,
            )
        file = self.repo.find(f"{group}/{option}")
        if file is None:
            if entry.optional:
                return []
            raise self.unknown(group, option, origin)
        layers = self.expand(file, entry, here, origin)
        if len(layers) == 1 and layers[0].name == file:
            if key in choices.leaves:
                raise CompositionError(
                    f"group {key!r} is composed twice; select it once", origin=origin
                )
            choices.leaves.add(key)
        return layers

    def know(self, key: str, group: str, option: Any, origin: Origin | None) -> None:
        """Record the choice made for ``key``; two different choices for one key conflict."""
        choices = self.choices
        if key in choices.selected and choices.selected[key] != option:
            first = choices.met.get(key)
            raise CompositionError(
                f"group {key!r} is selected twice: {option!r} here and "
                f"{choices.selected[key]!r}" + (f" at {first}" if first is not None else ""),
                origin=origin,
                hint=f"select it once; to change the choice of a defaults list, use {key}=OPTION "
                f"on the command line or 'override {key}: OPTION' in a later defaults list",
            )
        choices.selected.setdefault(key, option)
        choices.met.setdefault(key, origin)
        choices.per_group.setdefault(group, set()).add(key)

    def unknown(self, group: str, name: str, origin: Origin | None) -> CompositionError:
        available = self.repo.options(group)
        return CompositionError(
            f"group {group!r} has no option {name!r}; available: "
            + (", ".join(available) or "(none)"),
            origin=origin,
            suggestions=suggest(name, available),
        )


def _object(value: object) -> object:
    return value


def _mapping(value: object) -> dict[str, Any]:
    """The document's top level when it is a mapping, else an empty one."""
    mapping: Any = value  # a typed name, not a cast() call
    return mapping if isinstance(value, dict) else {}


def _check_name(name: Any, group: str, origin: Origin | None) -> None:
    if not isinstance(name, str):
        raise CompositionError(
            f"group {group!r}: option must be a name, not {name!r}", origin=origin
        )
    if "${" in name:  # in an options list (Hydra's rule), or left by an escaped \${...}
        raise CompositionError(
            f"group {group!r}: {name!r} is no option name: the items of an options list, "
            "and what an interpolated choice resolves to, name options as written",
            origin=origin,
        )
    check_inside(name, origin)


def _own_dir(entry: Entry | None, place: Place) -> str:
    """The group directory that relative entries in this file's defaults list start from."""
    if entry is None:
        return place.group_dir
    return group_path(entry, place)


def _is_hydra(entry: Entry, here: Place) -> bool:
    """Hydra's own settings (the ``hydra`` group) are not user config: they are left out."""
    if entry.kind != "group":
        return False
    group = group_path(entry, here)
    return group == "hydra" or group.startswith("hydra/")


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
            config). With a primary config a command-line choice must match a defaults-list
            entry, as in Hydra; without one, appended and unmatched command-line choices are
            composed after all files.

    Raises:
        CompositionError: cycles, unknown options, overrides that match nothing.
        ConfigFileError: unreadable files or malformed defaults lists.
    """
    layers: list[Layer] = []
    for path, kind in files:
        composer = _Composer(repo, choices, tree, kind)
        layers.extend(composer.expand(path, None, _ROOT, None, is_root=path == primary,
                                      primary=True))
    tail: list[Entry] = []
    if primary is None:
        tail.extend(choices.appended)
    for key, option in choices.chosen.items():
        origin = choices.origins.get(key)
        if key in choices.used or origin is None or origin.kind is not SourceKind.ARGV:
            continue
        group, _, package = key.partition("@")
        if primary is not None or not repo.is_group(group):
            raise _unmatched(key, option, origin, choices)
        tail.append(Entry("group", "/" + group, option, package or None, origin=origin))
    if tail:
        composer = _Composer(repo, choices, tree, SourceKind.CONFIG_FILE)
        for entry in tail:
            layers.extend(composer.group_entry(entry, Place("", "")))
    for key, (name, origin) in choices.deleted.items():
        if "~" + key not in choices.used:
            shown = f"{key}={name}" if name is not None else key
            raise CompositionError(
                f"cannot remove group {shown!r}: no defaults list selects it"
                + (f" (it selects {choices.selected[key]!r})" if key in choices.selected else ""),
                origin=origin,
            )
    for key, origin in choices.origins.items():
        if key not in choices.used and origin.kind is not SourceKind.ARGV:
            raise _unmatched(key, choices.chosen[key], origin, choices)
    return layers


def _unmatched(key: str, option: Any, origin: Origin, choices: Choices) -> CompositionError:
    """An override (``override g: x`` or ``g=x``) that no defaults-list entry selects."""
    group = key.partition("@")[0]
    known = sorted(choices.per_group.get(group, set()) - {key})
    shown = option if isinstance(option, str) else repr(option)
    if origin.kind is SourceKind.ARGV:
        message = f"cannot override group {key!r}: no defaults list selects it"
        hint = f"to add it, use +{key}={shown}"
    else:
        message = f"override {key!r} matches no group in any defaults list"
        hint = None
        if "@" in key:
            hint = (
                f"overrides are relative to the file's package; to override {group!r} "
                "put '# @package _global_' at the top of the file"
            )
    return CompositionError(message, origin=origin, hint=hint, suggestions=known[:1])
