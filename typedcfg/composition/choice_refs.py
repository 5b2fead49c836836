"""Interpolated choices in defaults lists: ``- server/db: ${db}``, ``- cfg/${db}``.

An entry's option (or a plain entry's config name) may interpolate the *choices of other config
groups*: ``${db}`` is the option chosen for group ``db``, ``${group1@pkg}`` the one chosen for
``group1`` at package ``pkg``, ``${a}_${b}`` joins two. The rules are Hydra 1.3's, checked
against ``hydra.compose`` by ``tests/test_peer_defaults.py`` and ``tests/test_choice_refs.py``:

- an interpolated entry waits until every other entry of its list, and everything those
  entries include, is composed; then it is resolved against the choices known at that moment
  (anywhere in the tree, the command line's included). Choices resolved in the same list are
  not known to each other, so ``- c: ${b}`` beside ``- b: ${a}`` is an error in Hydra and here;
- a choice made on the command line or by an ``override`` entry replaces the entry's option
  first, so ``server/db=mysql`` wins over ``${db}``, and ``db=postgresql`` changes what
  ``${db}`` gives; a command-line choice may itself be interpolated (``ab=${a}_${b}``);
- the files an interpolated entry includes may not hold ``override`` entries: the choices they
  could change have been used already;
- config values are not choices: ``${name}`` for a key of a config is an error, as is a
  reference to a group that no list has chosen yet, or a choice that resolves to no name.

Only entries that hold ``${`` come here, so a tree without interpolated choices pays one
substring test per entry. OmegaConf resolves the text (it is imported then, not before), so
resolvers such as ``${oc.decode:...}`` work as they do in Hydra.
"""

from __future__ import annotations

import re
from typing import Any

from ..errors import CompositionError
from ..provenance import Origin
from .defaults_list import Choices, Entry, Place, override_key

__all__ = ["check_override", "interpolated", "known_choices", "resolve_entry"]

# A key no ${...} can name: the resolved text sits under it, beside the known choices, so that
# absolute references (${db}) find the choices and relative ones (${.db}) find nothing, as in
# Hydra, which hangs the text below its map of choices.
_SLOT = "\x00"

# Hydra 1.0 wrote ${defaults.1.db} for the choice of the second entry; Hydra >= 1.2 refuses it
# when the choice starts with it.
_LEGACY = re.compile(r"\$\{defaults\.\d\.")


def interpolated(entry: Entry, here: Place, choices: Choices) -> bool:
    """Whether ``entry`` must wait for the choices of its list: its name or option, after the
    command line and ``override`` entries had their say, holds ``${``."""
    if entry.kind == "config":
        return "${" in entry.name
    option = entry.option
    # The entry's key is worked out only when an interpolation is about: either in the entry,
    # or in a choice that could replace its option. Most trees have neither.
    if not (isinstance(option, str) and "${" in option) and not any(
        isinstance(v, str) and "${" in v for v in choices.chosen.values()
    ):
        return False
    option = choices.chosen.get(override_key(entry, here), option)
    return isinstance(option, str) and "${" in option


def check_override(entry: Entry, late: int) -> None:
    """An ``override`` entry in a file that an interpolated entry included is refused.

    Raises:
        CompositionError: ``late`` is nonzero (the file was reached through one).
    """
    if late and entry.override:
        raise CompositionError(
            f"'override {entry.name}' is not allowed here: this file is included by an "
            "interpolated choice, which is resolved after every choice it could override "
            "has been used",
            origin=entry.origin,
            hint="move the override to a defaults list that no interpolated choice includes",
        )


def resolve_entry(
    entry: Entry, here: Place, choices: Choices, known: dict[str, Any]
) -> tuple[Entry, str]:
    """The entry with its interpolation resolved against ``known`` (from :func:`known_choices`),
    and the resolved text.

    A plain entry's name is resolved as its config path (the including group's directory
    joined in front, a leading ``/`` dropped), and the result is taken as written, relative:
    that is what Hydra does, so in a group option's own list the directory is joined twice.

    Raises:
        CompositionError: an unknown key, a value that is no name, a malformed interpolation,
            or Hydra 1.0's ``${defaults.N.group}`` form; located at the entry (or at the
            command-line choice that brought the interpolation).
    """
    if entry.kind == "config":
        name = entry.name
        text = name[1:] if name.startswith("/") else "/".join(
            p for p in (here.group_dir, name) if p
        )
        where, origin = "defaults:", entry.origin
    else:
        key = override_key(entry, here)
        text = choices.chosen.get(key, entry.option)
        origin = choices.origins.get(key, entry.origin) if key in choices.chosen else entry.origin
        where = f"group {key!r}:"
        if _LEGACY.match(text):
            raise CompositionError(
                f"{where} {text!r} uses Hydra 1.0's ${{defaults.N.group}} form; "
                "name the group's choice instead, as in ${group}",
                origin=origin,
            )
    value = _resolve(text, known, where, origin)
    if not isinstance(value, str):
        raise CompositionError(
            f"{where} {text!r} resolves to {value!r}, not a config name",
            origin=origin,
            hint="a group chosen as null has no option for an interpolation to name",
        )
    if entry.kind == "config":
        return (
            Entry("config", value, None, entry.package, optional=entry.optional, origin=origin),
            value,
        )
    return entry, value


def known_choices(choices: Choices, entries: list[Entry], here: Place) -> dict[str, Any]:
    """The choices an interpolation may name, by override key, in the order they were made,
    and the list's own entries under ``defaults``. Taken once per list, before its interpolated
    entries are resolved: they do not see each other's choices (Hydra's rule)."""
    known = {k: v for k, v in choices.selected.items() if not isinstance(v, list)}
    known["defaults"] = _listed(entries, here, choices)
    return known


def _listed(entries: list[Entry], here: Place, choices: Choices) -> list[Any]:
    """The list's entries as Hydra shows them to ``${defaults.N...}``: a plain entry by its
    config path, a group entry as ``{key: option}``; the ``_self_`` typedcfg added is left out."""
    shown: list[Any] = []
    for item in entries:
        if item.kind == "self":
            if item.origin is not None:
                shown.append(item.name)
        elif item.kind == "config":
            name = item.name
            shown.append(name[1:] if name.startswith("/") else "/".join(
                p for p in (here.group_dir, name) if p
            ))
        else:
            key = override_key(item, here)
            option = item.option if item.override else choices.chosen.get(key, item.option)
            shown.append({key: option})
    return shown


def _resolve(text: str, known: dict[str, Any], where: str, origin: Origin | None) -> object:
    """``text`` resolved by OmegaConf against the known choices (and the list itself)."""
    from omegaconf import OmegaConf
    from omegaconf.errors import InterpolationResolutionError, OmegaConfBaseException

    names = ", ".join(k for k in known if k != "defaults") or "(none)"
    try:
        root = OmegaConf.create({**known, _SLOT: {"value": text}})
        return root[_SLOT]["value"]
    except InterpolationResolutionError as exc:
        detail = str(exc).strip().splitlines()[0]
        raise CompositionError(
            f"{where} cannot resolve {text!r}: {detail}",
            origin=origin,
            hint="an interpolated choice names the choice of another group, made before it "
            f"is resolved (not a config value); the choices known here: {names}",
        ) from exc
    except (OmegaConfBaseException, ValueError, TypeError) as exc:
        detail = (str(exc).strip() or type(exc).__name__).splitlines()[0]
        raise CompositionError(f"{where} cannot read {text!r}: {detail}",
                               origin=origin) from exc
