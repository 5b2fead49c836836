"""``RunConfig``: the mutable, ``wandb.config``-compatible run configuration, optionally typed.

Code written against ``wandb.config`` keeps working: ``config.x = v``, ``config["x"] = v``,
``update(d, allow_val_change=None)`` from a dict, an argparse ``Namespace``, absl ``FLAGS``, an
OmegaConf ``DictConfig``, a dataclass or a pydantic model, ``setdefaults``, ``update_locked`` and
``merge_locked`` (sweeps), the two-line "Attempted to change value" error and the lock warning.
Where wandb has a bug, this class does the sensible thing instead (docs/runconfig.md lists each
difference): locks are checked after dashes are stripped, pydantic models are stored as dicts
rather than ``str(model)``, and an update that fails changes nothing. Bound to a schema
(``RunConfig(schema=Train)``), every assignment is validated before anything changes.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
import warnings
from collections.abc import Iterator, Mapping
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, SecretStr

from ..errors import (
    ConfigMutationError,
    ConfigTypeError,
    ConfigValidationError,
    SchemaError,
    TypedcfgWarning,
)
from ..pipeline import Loaded
from ..provenance import KeyPath, Origin, Provenance, SourceKind, format_path
from ..read.sources import DEFAULTS_FILE, file_layer
from ..typeinfo import TypeNode, schema_tree
from ..validate import validate
from .flattened import as_plain, warn_keys
from .wandb_values import (
    check_change,
    flags_dict,
    is_mapping,
    json_safe,
    merge_dicts,
    omegaconf_dict,
)

__all__ = ["LockedKeyWarning", "RunConfig"]

T = TypeVar("T")

_NO_USER: Any = object()  # "do not lock"; ``None`` is a valid (if odd) user name in wandb


class LockedKeyWarning(TypedcfgWarning):
    """An update to a key that a sweep or launch locked was ignored (wandb's lock warning)."""


@dataclasses.dataclass
class _Input:
    """One update, as plain data plus where each part of it was written."""

    data: dict[Any, Any]
    origins: dict[KeyPath, Origin] = dataclasses.field(default_factory=dict[KeyPath, Origin])
    descriptions: dict[KeyPath, str] = dataclasses.field(default_factory=dict[KeyPath, str])


class RunConfig(Generic[T]):
    """``wandb.config`` semantics, with optional schema validation and provenance.

    Args:
        data: initial values, applied like ``wandb.init(config=...)`` (no change check).
        schema: a pydantic model or dataclass; when given, every assignment is validated
            against it (keys that are still missing are only reported by :meth:`to_model`).
    """

    __slots__ = ("_descriptions", "_items", "_locked", "_origins", "_schema", "_tree")
    _descriptions: dict[str, str]
    _items: dict[str, Any]
    _locked: dict[str, Any]
    _origins: dict[KeyPath, Origin]
    _schema: type[Any] | None
    _tree: TypeNode | None

    def __init__(self, data: Any = None, *, schema: type[T] | None = None) -> None:
        object.__setattr__(self, "_items", {})
        object.__setattr__(self, "_locked", {})
        object.__setattr__(self, "_origins", {})
        object.__setattr__(self, "_descriptions", {})
        object.__setattr__(self, "_schema", schema)
        tree = schema_tree(cast(type, schema)) if schema is not None else None
        object.__setattr__(self, "_tree", tree)
        if data is not None:
            self._apply(self._input(data, "RunConfig()"), "RunConfig()", allow_val_change=True)

    @classmethod
    def from_loaded(cls, loaded: Loaded[T]) -> RunConfig[T]:
        """A typed RunConfig holding ``loaded.config``, keeping where every value came from."""
        config = cls(schema=type(loaded.config))
        for key, value in as_plain(loaded.config).items():
            config._items[key] = config._sanitize(value, key)
        config._origins.update(loaded.provenance.paths())
        config._descriptions.update(loaded.descriptions)
        return config

    # --- reading (as wandb.config) -----------------------------------------------------------

    @property
    def schema(self) -> type[T] | None:
        """The schema every assignment is validated against, or ``None``."""
        return cast("type[T] | None", self._schema)

    @property
    def provenance(self) -> Provenance:
        """Key path -> :class:`Origin` of the value: a file position, or the call that set it."""
        return Provenance(self._origins)

    @property
    def descriptions(self) -> dict[str, str]:
        """Dotted key -> ``desc`` text from desc/value files that were read."""
        return dict(self._descriptions)

    def __getitem__(self, key: str) -> Any:
        return self._items[key]

    def __getattr__(self, key: str) -> Any:
        # Python's protocol lookups, and our own slots before they are set (while copy or
        # pickle rebuild the object), are never answered from the items.
        if key.startswith("__") or key in RunConfig.__slots__:
            raise AttributeError(key)
        try:
            return self._items[key]
        except KeyError as exc:
            raise AttributeError(
                f"{self.__class__!r} object has no attribute {key!r}"
            ) from exc

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key``, or ``default``."""
        return self._items.get(key, default)

    def keys(self) -> list[str]:
        """Keys, without the private ``_`` ones (as wandb)."""
        return [k for k in self._items if not k.startswith("_")]

    def items(self) -> list[tuple[str, Any]]:
        """``(key, value)`` pairs, without the private ``_`` keys (as wandb)."""
        return [(k, v) for k, v in self._items.items() if not k.startswith("_")]

    def as_dict(self) -> dict[str, Any]:
        """A shallow copy of the visible items (``_`` keys hidden, as wandb)."""
        return dict(self.items())

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)  # raw keys, private ones included, as wandb

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __repr__(self) -> str:
        return str(self.as_dict())

    def __typedcfg_config__(self) -> dict[str, Any]:
        return self.as_dict()

    def __getstate__(self) -> dict[str, Any]:
        # The schema tree is rebuilt from the schema (it is cached per class).
        return {name: getattr(self, name) for name in self.__slots__ if name != "_tree"}

    def __copy__(self) -> RunConfig[T]:
        # A copy gets its own tables (values are shared, as with dict.copy()).
        clone: RunConfig[T] = object.__new__(type(self))
        state = self.__getstate__()
        clone.__setstate__({k: dict(v) if is_mapping(v) else v for k, v in state.items()})
        return clone

    def __setstate__(self, state: dict[str, Any]) -> None:
        for name, value in state.items():
            object.__setattr__(self, name, value)
        schema = state.get("_schema")
        object.__setattr__(self, "_tree", schema_tree(schema) if schema is not None else None)

    # --- writing -----------------------------------------------------------------------------

    def __setitem__(self, key: str, value: Any) -> None:
        self._apply(_Input({key: value}), f"RunConfig[{key!r}]", allow_val_change=False)

    def __setattr__(self, key: str, value: Any) -> None:
        # The same operation as item assignment (as wandb).
        self._apply(_Input({key: value}), f"RunConfig[{key!r}]", allow_val_change=False)

    def update(self, d: Any, allow_val_change: bool | None = None, *, merge: bool = False) -> None:
        """Set many keys at once; nothing changes when any of them is refused.

        Args:
            d: a mapping, argparse ``Namespace``, absl ``FLAGS``, OmegaConf ``DictConfig``,
                dataclass, pydantic model, another ``RunConfig``, or a YAML file path.
            allow_val_change: allow changing keys that already hold a different value.
            merge: deep-merge mappings into existing mappings instead of replacing them; then
                only leaves that already hold a different value count as changes.

        Raises:
            ConfigMutationError: a key would change without ``allow_val_change``.
            ConfigValidationError: (with a schema) a value does not fit it.
        """
        op = "RunConfig.update"
        self._apply(self._input(d, op), op, allow_val_change=bool(allow_val_change), merge=merge)

    def setdefaults(self, d: Any) -> None:
        """Set the keys of ``d`` that are not set yet (after dash stripping, unlike wandb)."""
        op = "RunConfig.setdefaults"
        self._apply(self._input(d, op), op, allow_val_change=False, only_new=True)

    def update_locked(
        self, d: Any, user: Any = None, _allow_val_change: bool | None = None
    ) -> None:
        """Set keys and lock them for ``user`` (a sweep): later updates of them are ignored."""
        op = "RunConfig.update_locked"
        self._apply(
            self._input(d, op), op, bool(_allow_val_change), check_locks=False, lock=user
        )

    def merge_locked(
        self, d: Any, user: Any = None, _allow_val_change: bool | None = None
    ) -> None:
        """Deep-merge mappings into existing ones, set the rest, and lock the top-level keys."""
        op = "RunConfig.merge_locked"
        self._apply(
            self._input(d, op), op, bool(_allow_val_change), merge=True, check_locks=False,
            lock=user,
        )

    def load_defaults(
        self, path: str | os.PathLike[str] = DEFAULTS_FILE, *, missing_ok: bool = True
    ) -> RunConfig[T]:
        """Fill keys that are not set yet from a defaults file (desc/value or plain YAML).

        Like wandb, the default path is ``config-defaults.yaml`` in the working directory and a
        missing file is not an error (unless ``missing_ok=False``). Values keep their file
        position as provenance and ``desc`` texts are kept for ``to_wandb(desc=True)``.

        Raises:
            ConfigFileError: the file is malformed (with its line and column).
        """
        if missing_ok and not os.path.exists(path):
            return self
        op = "RunConfig.load_defaults"
        given = self._read(path, SourceKind.DEFAULTS_FILE, depth=3)
        self._apply(given, op, False, only_new=True)
        return self

    def to_model(self) -> T:
        """The schema instance built from the current values (schema defaults fill the rest).

        Raises:
            SchemaError: the RunConfig has no schema.
            ConfigValidationError: a required key is still missing (or a value was changed in
                place to something invalid).
        """
        if self._schema is None:
            raise SchemaError(
                "this RunConfig has no schema; create it with RunConfig(schema=YourSchema)",
                origin=Origin(SourceKind.CODE, text="RunConfig.to_model"),
            )
        return cast(T, validate(self._schema, self._public(self._items), self._origins, self._tree))

    # --- the one write path --------------------------------------------------------------------

    def _apply(
        self,
        given: _Input,
        op: str,
        allow_val_change: bool,
        *,
        merge: bool = False,
        only_new: bool = False,
        check_locks: bool = True,
        lock: Any = _NO_USER,
        depth: int = 3,
    ) -> None:
        """Normalise keys, drop locked ones, check changes and the schema, then commit.

        ``depth`` is the warnings stack level of the user's call (this frame is 1).
        """
        origin = Origin(SourceKind.CODE, text=op)
        updates: dict[str, Any] = {}
        for raw, value in given.data.items():
            key = self._key(raw, origin)
            if only_new and key in self._items:
                continue
            owner = self._locked.get(key, _NO_USER)
            if check_locks and owner is not _NO_USER:
                # The check runs on the stripped key: wandb checks '--lr' and lets it through.
                warnings.warn(
                    f"Config item '{key}' was locked by '{owner}' (ignored update).",
                    LockedKeyWarning,
                    stacklevel=depth,
                )
                continue
            updates[key] = self._sanitize(value, key)
        if not updates:
            return
        final: dict[str, Any] = {}
        for key, value in updates.items():
            old = self._items.get(key, _NO_USER)
            if not allow_val_change and old is not _NO_USER:
                check_change(key, old, value, merge, origin)
            if merge and isinstance(old, dict) and isinstance(value, dict):
                value = merge_dicts(cast(dict[str, Any], old), cast(dict[str, Any], value))
            final[key] = value
        origins: dict[KeyPath, Origin] = {(key,): origin for key in final}
        for path, where in given.origins.items():
            head = path[0] if path else None
            if isinstance(head, str) and head.strip("-") in final:
                stripped: KeyPath = (head.strip("-"), *path[1:])
                origins[stripped] = where
        if self._schema is not None:
            self._validate(final, origins)
        for key, value in final.items():
            self._items[key] = value
            for path in [p for p in self._origins if p[:1] == (key,)]:
                del self._origins[path]
            if lock is not _NO_USER:
                self._locked[key] = lock
        self._origins.update(origins)
        for path, text in given.descriptions.items():
            self._descriptions[format_path(path)] = text

    def _key(self, raw: Any, origin: Origin) -> str:
        """wandb's key rule: top-level keys are strings with leading/trailing '-' stripped."""
        if not isinstance(raw, str):
            raise ConfigMutationError(
                f"keys must be strings, not {type(raw).__name__} ({raw!r})", origin=origin
            )
        key = raw.strip("-")
        if not key:
            raise ConfigMutationError(
                f"key {raw!r} is empty once leading and trailing '-' are stripped", origin=origin
            )
        return key

    def _sanitize(self, value: Any, key: str) -> Any:
        """JSON-safe as wandb stores it; typed configs keep what validates again."""
        if self._tree is None:
            return json_safe(value, enum_as="name", like_wandb=True)
        safe = json_safe(value, keep_secrets=True, nan_to_none=False)
        return _wrap_secrets(safe, self._tree.child(key))

    def _validate(self, final: dict[str, Any], origins: dict[KeyPath, Origin]) -> None:
        """Validate the would-be config; keys that are still missing are not an error yet."""
        assert self._schema is not None
        candidate = self._public({**self._items, **final})
        table = {**self._origins, **origins}
        try:
            validate(self._schema, candidate, table, self._tree)
        except ConfigValidationError as exc:
            issues = [issue for issue in exc.issues if issue.kind != "missing"]
            if issues:
                raise ConfigValidationError(issues) from None

    @staticmethod
    def _public(items: Mapping[str, Any]) -> dict[str, Any]:
        # Private '_' keys are bookkeeping (wandb's own '_wandb'), never part of the schema.
        return {k: v for k, v in items.items() if not k.startswith("_")}

    # --- inputs ------------------------------------------------------------------------------

    def _input(self, d: Any, op: str) -> _Input:
        """Anything wandb's ``config.update`` accepts (and more) as plain data."""
        if isinstance(d, RunConfig) or _is_wandb_config(d):
            return _Input(dict(d.as_dict()))
        if isinstance(d, (str, os.PathLike)):
            return self._read(cast("str | os.PathLike[str]", d), SourceKind.CONFIG_FILE, depth=4)
        omegaconf = sys.modules.get("omegaconf")
        if omegaconf is not None and isinstance(d, omegaconf.DictConfig):
            return _Input(omegaconf_dict(d, op))
        if is_mapping(d):
            return _Input(dict(d))
        flags = flags_dict(d)
        if flags is not None:
            return _Input(flags)
        if isinstance(d, BaseModel):
            return _Input(d.model_dump(by_alias=True))
        if dataclasses.is_dataclass(d) and not isinstance(d, type):
            return _Input(dict(as_plain(d)))
        if hasattr(d, "__dict__") and not isinstance(d, (type, types.ModuleType)):
            return _Input(dict(cast(dict[str, Any], vars(d))))
        raise ConfigTypeError(  # a TypeError too, as wandb.config.update raises
            "config must be a mapping, an argparse Namespace, absl FLAGS, an OmegaConf "
            f"DictConfig, a dataclass, a pydantic model or a YAML path, not {type(d).__name__}",
            origin=Origin(SourceKind.CODE, text=op),
        )

    def _read(self, path: str | os.PathLike[str], kind: SourceKind, depth: int) -> _Input:
        layer = file_layer(path, kind, self._tree)
        # Keys that wandb would mangle are reported where they were written, at load time.
        warn_keys(layer.data, origin_of=layer.origins.get, where=layer.name, stacklevel=depth)
        return _Input(dict(layer.data), dict(layer.origins), dict(layer.descriptions))


def _is_wandb_config(d: Any) -> bool:
    """``wandb.config`` itself (its ``__dict__`` holds bookkeeping, not the items)."""
    wandb_config = sys.modules.get("wandb.sdk.wandb_config")
    return wandb_config is not None and isinstance(d, wandb_config.Config)


def _wrap_secrets(value: Any, node: TypeNode | None) -> Any:
    """Plain strings set on ``SecretStr`` fields are wrapped so repr and exports mask them."""
    if node is None:
        return value
    if node.secret and isinstance(value, str):
        return SecretStr(value)
    if isinstance(value, dict) and node.children is not None:
        mapping = cast(dict[str, Any], value)
        return {k: _wrap_secrets(v, node.child(k)) for k, v in mapping.items()}
    return cast(Any, value)  # narrowed by the checks above; still whatever the caller gave
