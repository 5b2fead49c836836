"""Reading Hydra-style ``defaults:`` lists and ``# @package`` headers (no composition here).

Layer 2: imports :mod:`typedcfg.provenance`, :mod:`typedcfg.errors`, :mod:`typedcfg.yaml_loader`.
Split out of :mod:`typedcfg.groups`, which composes what this module reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .errors import ConfigFileError
from .provenance import Origin, SourceKind
from .yaml_loader import Document

__all__ = ["SELF", "Entry", "header_package", "parse_entry", "read_entries"]

SELF = "_self_"

_HEADER = re.compile(r"\s*#\s*@")


@dataclass
class Entry:
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

    kind: str
    name: str
    option: Any = None
    package: str | None = None
    optional: bool = False
    override: bool = False
    origin: Origin | None = None
    appended: bool = False


def header_package(text: str, path: str, kind: SourceKind) -> str | None:
    """The ``# @package X`` directive of a file's header, as Hydra reads it.

    The header is the run of ``# @key value`` lines at the top of the file (blank lines
    allowed); any other line, an ordinary comment included, ends it.

    Raises:
        ConfigFileError: a header line that is not ``# @key value``.
    """
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
    return [
        parse_entry(item, doc.origins.get(("defaults", i)) or list_origin)
        for i, item in enumerate(raw)
    ]


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
        name, _, package = name.partition("@")
        if not name:
            raise ConfigFileError(f"defaults: entry {item!r} names no config", origin=origin)
        return Entry("config", name, None, package or None, optional=optional, origin=origin)
    if isinstance(item, dict) and len(item) == 1:
        ((key, option),) = item.items()
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
        if isinstance(option, list) and not all(isinstance(o, str) for o in option):
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
