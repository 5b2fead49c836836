"""Structured configs from Hydra's ConfigStore, as config-group options and primary configs.

``typedcfg.compose(..., config_store=ConfigStore.instance())`` reads the store it is given and
no other: typedcfg never looks up Hydra's singleton by itself. Each entry (``group/name``, or
``name`` for a primary config) is an option beside the YAML files of the config directory. Its
node (a dataclass class or instance, a dict, or the ``DictConfig`` Hydra keeps) is turned into
plain data through OmegaConf when a composition first reaches it, and every key of it has the
entry's label as its origin (``ConfigStore db/mysql (MySQLConfig)``). The entry's ``package=``
acts as the ``# @package`` header of a file.

Hydra 1.3 still merges a YAML config over the stored config of the same name (its "automatic
schema matching"); :meth:`StoreEntry.under` does the same, through OmegaConf's merge, so a key
or a value the stored class refuses is refused here too, at the YAML file's line.

OmegaConf is imported only here, and only when a store was given.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, cast

from ..errors import CompositionError, ConfigFileError
from ..provenance import KeyPath, Origin, SourceKind, parse_path
from ..read.yaml_loader import Document

__all__ = ["StoreEntries", "StoreEntry", "read_config_store"]


class StoreEntry:
    """One stored config: its path (``db/mysql``), node, package and label."""

    __slots__ = ("_config", "_data", "label", "name", "node", "package")

    def __init__(self, name: str, node: object, package: str | None) -> None:
        self.name = name
        self.node = node
        self.package = package
        kind = _type_name(node)
        self.label = f"ConfigStore {name}" + (f" ({kind})" if kind else "")
        self._config: Any = None
        self._data: Any = None

    def header(self) -> str:
        """The text of a file whose header says what ``package=`` says."""
        return f"# @package {self.package}\n" if self.package else ""

    def origin(self, kind: SourceKind) -> Origin:
        """The origin of every value of this entry."""
        return Origin(kind, self.label)

    def config(self) -> Any:
        """The node as an OmegaConf config (made once; OmegaConf's merge never changes it)."""
        if self._config is None:
            from omegaconf import OmegaConf
            from omegaconf.errors import OmegaConfBaseException

            try:
                self._config = (
                    self.node if OmegaConf.is_config(self.node) else OmegaConf.structured(self.node)
                )
                self._data = OmegaConf.to_container(self._config, resolve=False)
            except (OmegaConfBaseException, ValueError, TypeError) as exc:
                first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
                raise ConfigFileError(
                    f"cannot read the stored node as a config: {first}",
                    origin=Origin(SourceKind.CONFIG_FILE, self.label),
                ) from exc
        return self._config

    def document(self, kind: SourceKind) -> Document:
        """The entry as a parsed file: plain data, the label as the origin of every key."""
        self.config()
        doc = Document()
        doc.data = self._data
        origin = self.origin(kind)
        doc.origins = {path: origin for path in _paths(self._data, ())}
        data: Any = self._data
        doc.interpolated = any(isinstance(value, str) and "${" in value for value in _leaves(data))
        return doc

    def under(self, doc: Document, path: str, kind: SourceKind) -> Document:
        """The YAML file ``doc`` merged over this entry, as Hydra's schema matching does."""
        schema = self.config()
        data: Any = doc.data if doc.data is not None else {}
        if not isinstance(data, dict):
            return doc  # a list-valued option: Hydra's merge of it fails; keep the file
        own = cast("dict[str, Any]", data)
        file_origin = Origin.at(kind, path, 1, 1)
        stored: Any = self._data
        if isinstance(stored, dict) and "defaults" in stored:
            raise CompositionError(
                f"{self.label} has a defaults list, and this file of the same name would be "
                "merged over it; Hydra refuses that combination",
                origin=file_origin,
                hint=f"rename one of them and list the stored config in the file's defaults "
                f"list: defaults: [{self.name.rsplit('/', 1)[-1]}_base, _self_]",
            )
        from omegaconf import OmegaConf
        from omegaconf.errors import OmegaConfBaseException

        body = {k: v for k, v in own.items() if k != "defaults"}
        try:
            merged = OmegaConf.to_container(
                OmegaConf.merge(schema, OmegaConf.create(body)), resolve=False
            )
        except OmegaConfBaseException as exc:
            key = str(getattr(exc, "full_key", "") or "")
            where = doc.origins.get(parse_path(key)) if key else None
            first = (str(exc).strip() or type(exc).__name__).splitlines()[0]
            raise CompositionError(
                f"does not fit {self.label}, which Hydra merges it over (a stored config of the "
                f"same name): {first}",
                origin=where or file_origin,
            ) from exc
        result: dict[str, Any] = cast("dict[str, Any]", merged)
        if "defaults" in own:
            result["defaults"] = own["defaults"]
        out = Document()
        out.data = result
        out.origins = {**self.document(kind).origins, **doc.origins}
        out.descriptions = doc.descriptions
        out.interpolated = doc.interpolated or self.document(kind).interpolated
        return out


class StoreEntries:
    """Every entry of one store, by path and by label, and the groups they make."""

    __slots__ = ("_by_label", "_by_name", "_groups", "identity")

    def __init__(self, entries: list[StoreEntry], identity: int) -> None:
        self.identity = identity
        self._by_name = {entry.name: entry for entry in entries}
        self._by_label = {entry.label: entry for entry in entries}
        groups: dict[str, list[str]] = {}
        for entry in entries:
            parts = entry.name.split("/")
            for depth in range(1, len(parts)):
                groups.setdefault("/".join(parts[:depth]), [])
            if len(parts) > 1:
                groups["/".join(parts[:-1])].append(parts[-1])
        self._groups = groups

    def get(self, name: str) -> StoreEntry | None:
        """The entry stored as ``name`` (``db/mysql``, ``config``)."""
        return self._by_name.get(name)

    def at(self, label: str) -> StoreEntry | None:
        """The entry whose label is ``label`` (what stands for its path)."""
        return self._by_label.get(label)

    def is_group(self, group: str) -> bool:
        """True when some entry is stored in ``group`` or below it."""
        return group in self._groups

    def options(self, group: str) -> list[str]:
        """The names stored directly in ``group``."""
        return list(self._groups.get(group, ()))

    def groups(self) -> list[str]:
        """Every group path the entries make."""
        return list(self._groups)


def read_config_store(source: object) -> StoreEntries:
    """The entries of ``source``: Hydra's ``ConfigStore``, or a mapping of paths to nodes.

    A mapping's keys are ``"group/name"`` (or ``"name"`` for a primary config) and its values
    the nodes (dataclass classes or instances, dicts, OmegaConf configs). Hydra's own configs
    (the ``hydra`` group, and ``_dummy_empty_config_``, its stand-in for no primary config) are
    left out, as typedcfg leaves Hydra's settings out everywhere.

    Raises:
        CompositionError: ``source`` is neither, or a path is empty.
    """
    identity = id(source)  # before the checks below narrow its type
    entries: list[StoreEntry] = []
    if isinstance(source, Mapping):
        mapping = cast("Mapping[object, object]", source)
        for name, node in mapping.items():
            if not isinstance(name, str) or not name.strip("/"):
                raise CompositionError(
                    f"config_store: {name!r} is no config path; use 'group/name' or 'name'",
                    origin=Origin(SourceKind.CODE, text="config_store"),
                )
            entries.append(StoreEntry(_no_suffix(name.strip("/")), node, None))
    elif isinstance(getattr(source, "repo", None), dict):
        entries = [StoreEntry(n, node, p) for n, node, p in hydra_store_nodes(source)]
    else:
        raise CompositionError(
            "config_store: expected Hydra's ConfigStore (ConfigStore.instance()) or a mapping "
            f"of 'group/name' to nodes, not {type(source).__name__}",
            origin=Origin(SourceKind.CODE, text="config_store"),
        )
    return StoreEntries([e for e in entries if not _is_hydra(e.name)], identity)


def hydra_store_nodes(store: object) -> Iterator[tuple[str, object, str | None]]:
    """``(path, node, package)`` for every entry of Hydra's ``ConfigStore``.

    Read through ``ConfigStore.repo``, the public tree ``store()`` fills (a dict per group,
    ``ConfigNode`` values under ``name.yaml``). ``ConfigStore.load`` would deep-copy each node;
    nothing here changes a node, so none is copied.
    """
    folders: list[tuple[str, dict[str, Any]]] = [("", getattr(store, "repo"))]  # noqa: B009  # the attribute is checked by the caller, not declared on object
    while folders:
        prefix, folder = folders.pop(0)
        for key in sorted(folder):
            value = folder[key]
            if isinstance(value, dict):
                folders.append((f"{prefix}{key}/", cast("dict[str, Any]", value)))
            else:
                node = getattr(value, "node", None)
                yield prefix + _no_suffix(key), node, getattr(value, "package", None)


def _no_suffix(name: str) -> str:
    return name[: -len(".yaml")] if name.endswith(".yaml") else name


def _is_hydra(name: str) -> bool:
    """Hydra's own entries: its settings, and the empty config it composes when none is named."""
    return name in ("hydra", "_dummy_empty_config_") or name.startswith("hydra/")


def _type_name(node: object) -> str | None:
    """The class a node was made from (``MySQLConfig``), or ``None`` for plain data."""
    if isinstance(node, type):
        return node.__name__
    if isinstance(node, (dict, list)):
        return None
    module = type(node).__module__
    if module.startswith("omegaconf"):
        from omegaconf import OmegaConf

        made = OmegaConf.get_type(node)
        return made.__name__ if made not in (None, dict, list) else None
    return type(node).__name__


def _paths(data: Any, path: KeyPath) -> Iterator[KeyPath]:
    """Every key path below ``data`` (the root itself excluded)."""
    # Typed names for what the isinstance checks establish (narrowing Any leaves it unknown).
    mapping: dict[Any, Any] = data
    items: list[Any] = data
    if isinstance(data, dict):
        for key, value in mapping.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(data, list):
        for index, value in enumerate(items):
            yield (*path, index)
            yield from _paths(value, (*path, index))


def _leaves(data: Any) -> Iterator[object]:
    mapping: dict[Any, Any] = data
    items: list[Any] = data
    if isinstance(data, dict):
        for value in mapping.values():
            yield from _leaves(value)
    elif isinstance(data, list):
        for value in items:
            yield from _leaves(value)
    else:
        yield data
