"""The pieces of Hydra-style composition that :mod:`typedcfg.composition.groups` puts together.

- reading ``defaults:`` lists (:func:`read_entries`) and ``# @package`` headers;
- the package rules: where an entry's keys go (:func:`final_package`) and the key its choice
  is addressed by (:func:`override_key`);
- the choices being settled (:class:`Choices`); the config directory and ConfigStore
  (:class:`GroupRepo`) are in :mod:`typedcfg.composition.repo`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from typing import Any, cast

from .._record import Record
from ..errors import CompositionError, ConfigFileError
from ..provenance import Origin, SourceKind
from ..read.grammar import Op, Override
from ..read.yaml_loader import Document
from .repo import GroupRepo

__all__ = [
    "SELF",
    "Choices",
    "Entry",
    "GroupRepo",
    "Place",
    "absolute_header",
    "final_package",
    "group_path",
    "header_package",
    "join_package",
    "override_key",
    "parse_entry",
    "read_entries",
]

SELF = "_self_"

_HEADER = re.compile(r"\s*#\s*@")


class Entry(Record):
    """One item of a defaults list.

    Attributes:
        kind: ``"self"``, ``"config"`` (a plain file) or ``"group"`` (a group choice).
        name: the file path as written (config) or the group as written (group), may start
            with ``/`` (absolute: from the config dir's root).
        option: the chosen option: a name, ``None`` (``null``: nothing) or a list of names.
        package: the ``@pkg`` part, as written.
        optional: a missing option file is skipped instead of being an error.
        override: an ``override group: option`` entry (changes a choice made elsewhere).
        origin: where the entry was written.
        appended: added on the command line with ``+group=option``.
    """

    __slots__ = ("appended", "kind", "name", "option", "optional", "origin", "override", "package")

    def __init__(
        self,
        kind: str,
        name: str,
        option: Any = None,
        package: str | None = None,
        optional: bool = False,
        override: bool = False,
        origin: Origin | None = None,
        appended: bool = False,
    ) -> None:
        self.kind = kind
        self.name = name
        self.option = option
        self.package = package
        self.optional = optional
        self.override = override
        self.origin = origin
        self.appended = appended


def header_package(text: str, path: str, kind: SourceKind) -> str | None:
    """The ``# @package X`` directive of a file's header, as Hydra reads it.

    The header is the run of ``# @key value`` lines at the top of the file (blank lines
    allowed); any other line, an ordinary comment included, ends it.

    Raises:
        ConfigFileError: a header line that is not ``# @key value``.
    """
    if not text.lstrip().startswith("#"):
        return None  # the first line with text is not a comment: no header (and no split)
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            continue
        if not _HEADER.match(stripped):
            return None
        words = stripped.lstrip("#").split()
        if len(words) != 2:
            raise ConfigFileError(
                f"header {stripped!r} must be '# @key value' (as in '# @package _global_')",
                origin=Origin.at(kind, path, number, 1),
            )
        if words[0] == "@package":
            return words[1]
    return None


def read_entries(data: dict[str, Any], doc: Document, path: str, kind: SourceKind) -> list[Entry]:
    """The entries of ``data['defaults']`` (empty when the file has no defaults list).

    Raises:
        ConfigFileError: the defaults list is not a list, or an entry cannot be read.
    """
    if "defaults" not in data:
        return []
    raw = data["defaults"]
    list_origin = doc.origins.get(("defaults",)) or Origin.at(kind, path, 1, 1)
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise ConfigFileError(
            f"defaults: must be a list of entries, not a {type(raw).__name__}",
            origin=list_origin,
        )
    items = _as_list(raw)  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
    entries = [
        parse_entry(item, doc.origins.get(("defaults", i)) or list_origin)
        for i, item in enumerate(items)
    ]
    selves = [e for e in entries if e.kind == "self"]
    if len(selves) > 1:
        raise ConfigFileError(
            "defaults: '_self_' appears twice in the list", origin=selves[1].origin
        )
    return entries


def _as_list(value: object) -> list[Any]:
    """``value`` (known to be a list) with items of any type, for the type checkers."""
    return cast("list[Any]", value)


def parse_entry(item: Any, origin: Origin) -> Entry:
    """One defaults-list item: ``_self_``, ``name[@pkg]`` or ``[optional] [override] g[@pkg]: x``.

    Raises:
        ConfigFileError: anything else, with what was expected.
    """
    if isinstance(item, str):
        if item == SELF:
            return Entry("self", SELF, origin=origin)
        # 'optional name' on a plain entry is a typedcfg extension (Hydra has no way to
        # make a plain entry optional).
        optional = item.startswith("optional ")
        name = item[len("optional ") :].strip() if optional else item.strip()
        name, at, package = name.partition("@")
        if not name:
            raise ConfigFileError(f"defaults: entry {item!r} names no config", origin=origin)
        # 'name@' (an empty package) is Hydra's way to say: at the including file's package.
        package_or_here = package or ("_here_" if at else None)
        return Entry("config", _no_suffix(name), None, package_or_here, optional=optional,
                     origin=origin)
    if isinstance(item, dict) and len(cast("dict[str, Any]", item)) == 1:
        ((key, option),) = cast("dict[str, Any]", item).items()
        words = str(key).split()
        flags = words[:-1]
        unknown = [w for w in flags if w not in ("optional", "override")]
        if not words or unknown:
            raise ConfigFileError(
                f"defaults: cannot read entry {key!r}: the words before the group may only be "
                "'optional' and 'override'",
                origin=origin,
            )
        group, _, package = words[-1].partition("@")
        if option == SELF:
            raise ConfigFileError(
                f"defaults: '{key}: _self_' is not an entry; write '- _self_' on its own",
                origin=origin,
            )
        names = _as_list(option) if isinstance(option, list) else []  # pyright: ignore[reportUnknownArgumentType]  # an isinstance-narrowed Any
        if not all(isinstance(o, str) for o in names):
            raise ConfigFileError(
                f"defaults: the options of group {group!r} must be names, not {option!r}",
                origin=origin,
            )
        if isinstance(option, (dict, bool)) or not (
            option is None or isinstance(option, (str, list, int, float))
        ):
            raise ConfigFileError(
                f"defaults: group {group!r} needs an option name, a list of names or null, "
                f"not {option!r}",
                origin=origin,
            )
        if isinstance(option, (int, float)):
            option = str(option)
        if isinstance(option, str):
            option = _no_suffix(option)
        elif isinstance(option, list):
            option = [_no_suffix(o) for o in names]
        return Entry(
            "group",
            group,
            option,
            package or None,
            optional="optional" in flags,
            override="override" in flags,
            origin=origin,
        )
    raise ConfigFileError(
        f"defaults: each entry is a name or one 'group: option' pair, not {item!r}",
        origin=origin,
    )


def _no_suffix(name: str) -> str:
    """A config name without its ``.yaml``: Hydra accepts ``- /exp/base.yaml`` and
    ``override /trainer: debug.yaml`` for ``- /exp/base`` and ``override /trainer: debug``."""
    return name[: -len(".yaml")] if name.endswith(".yaml") and len(name) > 5 else name


def join_package(parent: str, package: str) -> str:
    """``parent.package``, where a ``_global_`` part resets the path to the root."""
    joined = package if not parent else (parent if not package else f"{parent}.{package}")
    marker = joined.rfind("_global_")
    if marker == -1:
        return joined
    return joined[marker + len("_global_") + 1 :]


class Place(Record):
    """Where an entry sits: the including file's group directory and final package."""

    __slots__ = ("group_dir", "package")

    def __init__(self, group_dir: str, package: str) -> None:
        self.group_dir = group_dir
        self.package = package


def group_path(entry: Entry, place: Place) -> str:
    """The group directory of ``entry`` (for a plain entry: its file's directory)."""
    name = entry.name if entry.kind == "group" else os.path.dirname(entry.name)
    if name.startswith("/"):
        return name[1:]
    return "/".join(p for p in (place.group_dir, name) if p)


def entry_package(entry: Entry, place: Place) -> str | None:
    """The ``@pkg`` of the entry with ``_here_`` and ``_group_`` spelled out, or ``None``."""
    package = entry.package
    if package is None:
        return None
    if package == "_here_":
        return ""
    if "_group_" in package:
        return "_global_." + package.replace("_group_", group_path(entry, place).replace("/", "."))
    return package


def final_package(entry: Entry, place: Place, header: str | None) -> str:
    """The package the entry's keys go to (Hydra's ``get_final_package``)."""
    package = entry_package(entry, place)
    if package is None:
        package = header
    if package is None:
        rel = entry.name.lstrip("/")
        package = (rel if entry.kind == "group" else os.path.dirname(rel)).replace("/", ".")
    return join_package(place.package, package)


def override_key(entry: Entry, place: Place) -> str:
    """``group`` or ``group@package`` when the entry is not at its group's default package."""
    group = group_path(entry, place)
    final = final_package(entry, place, None)
    if final == group.replace("/", "."):
        return group
    return f"{group}@{final or '_global_'}"


def absolute_header(header: str | None, entry: Entry | None, place: Place) -> str | None:
    """A ``# @package`` header as an absolute package (``_group_`` is the entry's group)."""
    if header is None:
        return None
    if "_group_" in header:
        if header == "_group_":
            return None
        group = group_path(entry, place) if entry is not None else ""
        header = header.replace("_group_", group.replace("/", "."))
    if header == "_global_" or header.startswith("_global_."):
        return header
    return "_global_." + header if header else "_global_"


class Choices:
    """Group choices by override key (``group`` or ``group@package``).

    Attributes:
        chosen: the registered choices (first registration wins: argv, then ``override``).
        origins: where each registered choice was made.
        deleted: ``~group`` / ``~group=option`` from the command line: key -> (option, origin).
        appended: groups added on the command line (``+group=option``).
        used: choice and deletion keys that reached a defaults-list entry.
        selected: the final choice of every group entry met, for ``--help`` and run records.
        met: where each selected choice was written (to report conflicting selections).
        per_group: group path -> the override keys met for it (for did-you-mean).
        leaves: override keys of group options composed as plain files (each only once).
    """

    __slots__ = (
        "appended", "chosen", "deleted", "leaves", "met", "origins", "per_group", "selected",
        "used",
    )

    def __init__(self) -> None:
        self.chosen: dict[str, Any] = {}
        self.origins: dict[str, Origin] = {}
        self.deleted: dict[str, tuple[str | None, Origin]] = {}
        self.appended: list[Entry] = []
        self.used: set[str] = set()
        self.selected: dict[str, Any] = {}
        self.met: dict[str, Origin | None] = {}
        self.per_group: dict[str, set[str]] = {}
        self.leaves: set[str] = set()

    def register(self, key: str, option: Any, origin: Origin | None) -> None:
        """Record a choice for ``key`` unless an earlier one (argv, outer override) exists."""
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
                value = override.value if isinstance(override.value, str) else None
                choices.deleted[key] = (value, override.origin)
            elif override.op is Op.ADD:
                choices.appended.append(
                    Entry(
                        "group",
                        group,
                        override.value,
                        override.package,
                        origin=override.origin,
                        appended=True,
                    )
                )
            elif override.op is Op.FORCE:
                raise CompositionError(
                    f"'++' cannot add config group {group!r}",
                    origin=override.origin,
                    hint=f"use +{override.key}=... to add the group, "
                    f"or {override.key}=... to change its option",
                )
            else:
                # On the command line the last choice for a group wins, as in Hydra.
                choices.chosen[key] = override.value
                choices.origins[key] = override.origin
        return choices
