"""The formats of a run's files: wandb's desc/value ``config.yaml``, ``provenance.json``, and
the readers that check each file's shape (a damaged file is a :class:`RunFileError`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..provenance import Origin, Provenance, SourceKind
from .files import (
    CONFIG,
    META,
    PROVENANCE,
    SUMMARY,
    RunFileError,
    RunNotFoundError,
    located,
    read_bytes,
    read_json,
    valid_text,
)

__all__ = [
    "check_entries",
    "dump_config",
    "load_config",
    "origin_entry",
    "origin_of",
    "provenance_entries",
    "read_object",
    "read_rest",
    "read_run",
]


if TYPE_CHECKING:
    import yaml


def _dumper() -> type[yaml.SafeDumper]:
    """Safe YAML without anchors: a value used twice is written out twice, as wandb reads it.

    Made for each dump (a few microseconds, against a dump's hundreds), so that the store's
    readers, which read the index, never import PyYAML, and no module state holds the class.
    """
    import yaml

    class Dumper(yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper):  # type: ignore[misc]
        def ignore_aliases(self, data: Any) -> bool:
            return True

    return Dumper


def dump_config(data: Mapping[str, Any], descriptions: Mapping[str, str]) -> bytes:
    """wandb's saved-config format: ``wandb_version: 1``, then ``key: {desc, value}`` entries.

    ``desc`` is written only when there is one (wandb-core writes none at all); a ``desc: null``
    is what the legacy writer produced and means the same.
    """
    head = "wandb_version: 1\n"
    if not data:
        return head.encode("utf-8")
    entries = {
        key: {"desc": descriptions[key], "value": value}
        if descriptions.get(key)
        else {"value": value}
        for key, value in data.items()
    }
    body = dump_yaml(entries)
    return (head + "\n" + body).encode("utf-8")


def dump_yaml(entries: Mapping[str, Any]) -> str:
    """``yaml.dump`` with our dumper; reached through getattr since its stub is incomplete."""
    import yaml

    dump: Callable[..., str] = getattr(yaml, "dump")  # noqa: B009 - see the docstring
    return dump(
        valid_text(entries), Dumper=_dumper(), sort_keys=False, allow_unicode=True,
        default_flow_style=False,
    )  # fmt: skip


def load_config(path: Path) -> tuple[dict[str, Any], dict[str, str]]:
    """Read a desc/value ``config.yaml``: ``(values, descriptions)``, as wandb unwraps it.

    Raises:
        RunNotFoundError: the file does not exist.
        ConfigFileError: invalid YAML, an unknown ``wandb_version``, or an entry without
            ``value`` (located at the line and column).
    """
    import yaml

    raw = read_bytes(path)
    if raw is None:
        raise RunNotFoundError("no such run (no config.yaml)", origin=located(path.parent))
    try:
        # Only the two safe loaders, written out so that a reader (and a test) sees it.
        top = yaml.load(raw, Loader=yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (None, None)
        origin = Origin(SourceKind.CONFIG_FILE, os.fspath(path), line, col)
        raise RunFileError(f"invalid YAML: {exc.problem}", origin=origin) from exc
    except yaml.YAMLError as exc:
        raise RunFileError(f"invalid YAML: {exc}", origin=located(path)) from exc
    except RecursionError as exc:
        raise RunFileError("invalid YAML: nested too deeply", origin=located(path)) from exc
    if top is None:
        return {}, {}
    if not isinstance(top, dict):
        raise RunFileError("the top level must be a mapping of desc/value entries",
                              origin=located(path))  # fmt: skip
    top = cast("dict[str, Any]", top)
    if top.pop("wandb_version", 1) not in (1, "1"):
        raise RunFileError("wandb_version: unknown version; only 1 exists", origin=located(path))
    top.pop("_wandb", None)  # wandb's own bookkeeping, as in wandb's run.rawconfig
    data: dict[str, Any] = {}
    descriptions: dict[str, str] = {}
    for key, entry in top.items():
        if not isinstance(entry, dict) or "value" not in entry:
            raise RunFileError(f"{key}: a desc/value entry needs 'value'", origin=located(path))
        fields = cast("dict[str, Any]", entry)
        data[str(key)] = fields["value"]
        if fields.get("desc"):
            descriptions[str(key)] = str(fields["desc"])
    return data, descriptions


def provenance_entries(provenance: Provenance) -> list[dict[str, Any]]:
    """The JSON form of a provenance table: one entry per key path, with its origin's fields."""
    out: list[dict[str, Any]] = []
    for path, origin in provenance.paths():
        entry = origin_entry(origin)
        entry["path"] = list(path)
        overrode = provenance.overridden(path)
        if overrode:
            entry["overrode"] = [str(o) for o in overrode]
        out.append(entry)
    return out


def origin_entry(origin: Origin, at: str | None = None) -> dict[str, Any]:
    """The JSON form of one origin (``at``: when a value was set from code)."""
    entry: dict[str, Any] = {"where": str(origin), "kind": origin.kind.value}
    if at is not None:
        entry["at"] = at
    for name in ("file", "line", "column", "index", "text"):
        value = getattr(origin, name)
        if value is not None:
            entry[name] = value
    return entry


def origin_of(entry: Mapping[str, Any]) -> Origin:
    """The :class:`Origin` an entry of ``provenance.json`` describes."""
    fields = {n: entry.get(n) for n in ("file", "line", "column", "index", "text")}
    try:
        kind = SourceKind(entry.get("kind", "code"))
    except ValueError:
        kind = SourceKind.CODE  # written by a newer typedcfg, or by hand: the text still says where
    return Origin(kind, **fields)


def read_run(directory: Path) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], list[Any]]:
    """A run's ``(config, summary, meta, provenance entries)``, each checked for its shape.

    Raises:
        RunNotFoundError: the directory holds no ``config.yaml``.
        RunFileError: a file is not valid YAML/JSON, or holds the wrong kind of value
            (located at the file): the caller lists the run as damaged.
    """
    config, _ = load_config(directory / CONFIG)
    return config, *read_rest(directory)


def read_rest(directory: Path) -> tuple[dict[str, Any], dict[str, Any], list[Any]]:
    """A run's ``(summary, meta, provenance entries)`` (:func:`read_run` without the config)."""
    entries = read_json(directory / PROVENANCE, [])
    check_entries(entries, directory / PROVENANCE)
    return read_object(directory / SUMMARY), read_object(directory / META), entries


def read_object(path: Path) -> dict[str, Any]:
    """The JSON object in ``path`` (``{}`` when there is no file).

    Raises:
        RunFileError: not valid JSON, or not an object.
    """
    value = read_json(path, {})
    if not isinstance(value, dict):
        kind = type(value).__name__
        raise RunFileError(f"expected a JSON object, got {kind}", origin=located(path))
    return cast("dict[str, Any]", value)


def check_entries(entries: Any, path: Path) -> None:
    """Raise unless ``entries`` is a list of ``{path: [key, ...], where: text, ...}`` objects."""
    if not isinstance(entries, list):
        kind = type(entries).__name__
        raise RunFileError(f"expected a JSON list, got {kind}", origin=located(path))
    for number, entry in enumerate(cast("list[object]", entries)):
        ok = False
        if isinstance(entry, dict):
            fields = cast("dict[str, object]", entry)
            parts = fields.get("path")
            ok = (
                isinstance(parts, list)
                and all(isinstance(p, (str, int)) for p in cast("list[object]", parts))
                and isinstance(fields.get("where", ""), str)
            )
        if not ok:
            raise RunFileError(
                f'entry {number}: expected {{"path": [key, ...], "where": text}}',
                origin=located(path),
            )
