"""Export: the flattened ``wandb.config`` view, its inverse, and ``to_wandb()`` with key checks.

wandb never warns about keys it will mangle: a top-level ``"--lr"`` is stored as ``"lr"``, a
leading ``_`` hides the key from ``run.config.keys()``, and a dot inside a key makes it
impossible to tell from nesting once the UI flattens names (``optim.lr``). :func:`to_wandb`
converts values the way wandb would, then warns once per key with a
:class:`~typedcfg.errors.KeyWarning` naming the key, where it was written and a safe spelling.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any, cast

from .._plain import as_plain
from ..errors import (
    CompositionError,
    DottedKeyWarning,
    HiddenKeyWarning,
    KeyWarning,
    StrippedKeyWarning,
    UnsafeKeyWarning,
)
from ..provenance import KeyPath
from ..typeinfo import is_schema, schema_tree
from .origins import OriginLookup, attr, no_origin, origin_lookup, wrapped
from .wandb_values import display_key, is_mapping, json_safe

__all__ = [
    "as_plain",
    "display_key",
    "flatten",
    "key_warnings",
    "to_wandb",
    "unflatten",
    "warn_keys",
]



def flatten(obj: Any, sep: str = ".") -> dict[str, Any]:
    """``{"optim": {"lr": 0.1}}`` -> ``{"optim.lr": 0.1}``: the names wandb's UI shows.

    Accepts a model instance, a dataclass, a ``Loaded`` or a mapping. Lists stay values.

    Warns:
        DottedKeyWarning: once per key that holds ``sep`` (``{"x.y": 1}`` flattens to the name
            of ``{"x": {"y": 1}}``), starting with where the key was written when that is
            known (``file:line:col`` from a ``Loaded``, or inside ``@typedcfg.main``).

    Raises:
        CompositionError: two keys flatten to the same name (``{"a.b": 1, "a": {"b": 2}}``);
            the message names both original keys.
    """
    data = as_plain(obj)
    return _flattened(data, sep, obj)


def _flattened(data: Any, sep: str, obj: Any, warn: bool = True) -> dict[str, Any]:
    """``flatten`` of plain data; ``obj`` (what the caller passed) says where keys came from."""
    out: dict[str, Any] = {}
    dotted: list[bool] = []
    if _flatten_fast(data, "", sep, out, dotted):
        if dotted and warn:
            categories = (DottedKeyWarning,)
            warn_keys(data, sep, origin_lookup(obj), _where(obj), 3, categories)
        return out
    # Two keys flatten to one name: walk again, keeping each name's key path, to say which.
    _flatten_into(data, (), sep, {}, {}, origin_lookup(obj))
    raise AssertionError("unreachable: the first walk found a collision")  # pragma: no cover


def _flatten_fast(
    data: Mapping[Any, Any], prefix: str, sep: str, out: dict[str, Any], dotted: list[bool]
) -> bool:
    """Flatten into ``out`` with string prefixes; False at the first name seen twice. A key
    holding ``sep`` appends to ``dotted``.

    The hot path (``flatten`` runs on every export): no key-path tuples, no per-leaf join.
    """
    for key, value in data.items():
        part = key if key.__class__ is str else str(key)
        if sep in part:
            dotted.append(True)
        name = prefix + part
        if (
            value.__class__ is dict or (value.__class__ not in _LEAF_TYPES and is_mapping(value))
        ) and value:  # the type first: an array's truth value is an error
            if not _flatten_fast(value, name + sep, sep, out, dotted):
                return False
            continue
        if name in out:
            return False
        out[name] = value
    return True


# Types that are never mappings: skips the slower ``isinstance(value, Mapping)`` on leaves.
_LEAF_TYPES = frozenset({str, int, float, bool, list, tuple, type(None)})


def _flatten_into(
    data: Mapping[Any, Any],
    path: KeyPath,
    sep: str,
    out: dict[str, Any],
    sources: dict[str, KeyPath],
    origin_of: OriginLookup,
) -> None:
    """The slow walk, with key paths: raises on the first collision, naming both keys."""
    for key, value in data.items():
        here = (*path, key)
        if is_mapping(value) and value:
            _flatten_into(value, here, sep, out, sources, origin_of)
            continue
        name = sep.join(str(part) for part in here)
        if name in out:
            first = sources[name]
            raise CompositionError(
                f"keys {display_key(first)} and {display_key(here)} both flatten to {name!r}",
                origin=origin_of(here),
                hint=f"rename the key that holds {sep!r} (for example "
                f"{_dotless(first if _has_sep(first, sep) else here, sep)!r})",
            )
        out[name] = value
        sources[name] = here


def _has_sep(path: KeyPath, sep: str) -> bool:
    return any(isinstance(part, str) and sep in part for part in path)


def _dotless(path: KeyPath, sep: str) -> str:
    return sep.join(str(part).replace(sep, "_") for part in path)


def unflatten(flat: Mapping[str, Any], sep: str = ".") -> dict[str, Any]:
    """``{"optim.lr": 0.1}`` -> ``{"optim": {"lr": 0.1}}``; the inverse of :func:`flatten`.

    Raises:
        CompositionError: a key is both a value and a prefix (``{"a": 1, "a.b": 2}``).
    """
    out: dict[str, Any] = {}
    for name, value in flat.items():
        parts = name.split(sep)
        node: dict[str, Any] = out
        for i, part in enumerate(parts[:-1]):
            child: Any = node.setdefault(part, {})
            if not isinstance(child, dict):
                raise CompositionError(
                    f"cannot unflatten {name!r}: {sep.join(parts[: i + 1])!r} is already a value"
                )
            node = cast(dict[str, Any], child)
        if parts[-1] in node:
            raise CompositionError(f"cannot unflatten {name!r}: the key is already a mapping")
        node[parts[-1]] = value
    return out


# --- key safety ---------------------------------------------------------------------------


def key_warnings(
    data: Mapping[Any, Any],
    sep: str = ".",
    origin_of: OriginLookup | None = None,
    where: str | None = None,
    categories: tuple[type[KeyWarning], ...] = (KeyWarning,),
) -> list[KeyWarning]:
    """Every key of ``data`` that wandb would mangle, hide or make ambiguous, as warnings.

    Each warning's text starts with where the key was written (``origin_of(path)``, at the key
    itself for a key from a file; else ``where``), then the key path, what wandb does with it
    and a safe spelling. The warning object also carries ``path``, ``origin`` and ``safe``
    attributes. Only warnings of ``categories`` are made.
    """
    seen: set[tuple[type[KeyWarning], KeyPath]] = set()
    lookup = origin_of or no_origin
    made: list[tuple[KeyPath, type[KeyWarning], str, str]] = []
    for path in _key_paths(data, ()):
        for category, message, safe in _problems(path, sep):
            if (category, path) in seen or not issubclass(category, categories):
                continue  # once per key per export
            seen.add((category, path))
            made.append((path, category, message, safe))
    origins = [lookup(path) for path, *_ in made]
    in_files = [(i, o) for i, o in enumerate(origins) if o is not None and o.file is not None]
    if in_files:  # located at the key itself, each file read once
        from ..read.yaml_loader import key_origins

        found = key_origins([(origin, made[i][0][-1]) for i, origin in in_files])
        for (i, _), place in zip(in_files, found, strict=True):
            origins[i] = place
    warnings_made: list[KeyWarning] = []
    for (path, category, message, safe), origin in zip(made, origins, strict=True):
        location = str(origin) if origin is not None else where
        text = f"{display_key(path)}: {message}"
        if location:
            text = f"{location}: {text}"
        warning = category(text)
        warning.path = path
        warning.origin = origin
        warning.safe = safe
        warnings_made.append(warning)
    return warnings_made


def warn_keys(
    data: Mapping[Any, Any],
    sep: str = ".",
    origin_of: OriginLookup | None = None,
    where: str | None = None,
    stacklevel: int = 2,
    categories: tuple[type[KeyWarning], ...] = (KeyWarning,),
) -> None:
    """Issue :func:`key_warnings` with :func:`warnings.warn` (for loaders and exporters)."""
    for warning in key_warnings(data, sep, origin_of, where, categories):
        warnings.warn(warning, stacklevel=stacklevel + 1)




def _key_paths(data: Mapping[Any, Any], path: KeyPath) -> list[KeyPath]:
    out: list[KeyPath] = []
    for key, value in data.items():
        here = (*path, key)
        out.append(here)
        if is_mapping(value):
            out.extend(_key_paths(value, here))
    return out


def _problems(path: KeyPath, sep: str) -> list[tuple[type[KeyWarning], str, str]]:
    """``(warning class, message, safe spelling)`` for the last part of ``path``."""
    key = path[-1]
    top = len(path) == 1
    if not isinstance(key, str):
        return [
            (
                UnsafeKeyWarning,
                f"key {key!r} is a {type(key).__name__}, not a string; wandb "
                + ("cannot store it at the top level" if top else "stores it as text")
                + f"; use {str(key)!r}",
                str(key),
            )
        ]
    if key == "" or (top and key.strip("-") == ""):
        return [
            (
                UnsafeKeyWarning,
                f"key {key!r} is empty once wandb strips it; use a name such as 'unnamed'",
                "unnamed",
            )
        ]
    found: list[tuple[type[KeyWarning], str, str]] = []
    if sep in key:
        safe = key.replace(sep, "_")
        found.append(
            (
                DottedKeyWarning,
                f"key {key!r} holds {sep!r}, so wandb's flattened view cannot tell it from "
                f"nesting (filters and unflatten misread it); use {safe!r}",
                safe,
            )
        )
    if top and (key.startswith("-") or key.endswith("-")):
        safe = key.strip("-").replace(sep, "_")
        found.append(
            (
                StrippedKeyWarning,
                f"key {key!r} starts or ends with '-', which wandb strips (it is stored as "
                f"{key.strip('-')!r}); use {safe!r}",
                safe,
            )
        )
    if top and key.startswith("_"):
        safe = key.lstrip("_").replace(sep, "_") or "unnamed"
        found.append(
            (
                HiddenKeyWarning,
                f"key {key!r} starts with '_', so wandb hides it from run.config keys(), "
                f"items() and as_dict(); use {safe!r} to keep it visible",
                safe,
            )
        )
    return found


# --- to_wandb ---------------------------------------------------------------------------------


def to_wandb(obj: Any, desc: bool = False, sep: str = ".") -> dict[str, Any]:
    """The nested, JSON-safe dict to pass to ``wandb.init(config=...)``.

    ``dict(run.config)`` then equals the result (minus ``_`` keys, which wandb hides), and the
    names wandb's UI shows are ``flatten(to_wandb(obj))``. Values are converted as wandb would
    (tuples and sets to lists, Path to str, datetime to ISO text, numpy scalars to numbers),
    with these improvements: pydantic models become dicts (by alias), an Enum member becomes its
    value (which validates again), a one-element array becomes a scalar, and ``SecretStr`` values
    are masked. Top-level keys lose leading and trailing ``-`` as wandb would strip them.

    Args:
        obj: a model instance, a dataclass, a ``Loaded``, a ``RunConfig`` or a mapping.
        desc: return wandb's file form ``{key: {"desc": ..., "value": ...}}`` (for a
            ``config-defaults.yaml``), descriptions taken from config-defaults.yaml ``desc``
            entries and from the schema's field descriptions.
        sep: the separator of the flattened names the key checks guard.

    Warns:
        DottedKeyWarning, StrippedKeyWarning, HiddenKeyWarning, UnsafeKeyWarning: once per key.

    Raises:
        CompositionError: two keys become one (``--lr`` and ``lr``, ``1`` and ``"1"``, or
            ``{"a.b": 1, "a": {"b": 2}}`` in the flattened view); both keys are named.
    """
    origin_of = origin_lookup(obj)
    plain: Any = as_plain(obj)
    if not is_mapping(plain):
        raise CompositionError(
            f"to_wandb needs a model, a dataclass, a Loaded or a mapping, not "
            f"{type(obj).__name__}"
        )
    where = _where(obj)
    warn_keys(plain, sep, origin_of, where, stacklevel=2)
    data = _string_keys(plain, (), origin_of)
    _flattened(data, sep, obj, warn=False)  # raises on names that collide in the flat view
    safe: dict[str, Any] = json_safe(data)
    if not desc:
        return safe
    texts = _descriptions(obj)
    return {key: {"desc": texts.get(key), "value": value} for key, value in safe.items()}






def _schema_of(obj: Any) -> type | None:
    """The schema class behind ``obj``, when there is one."""
    inner = obj.__typedcfg_config__() if wrapped(obj) else obj
    schema: Any = attr(obj, "schema") if wrapped(obj) else None
    if schema is None and is_schema(type(inner)):
        schema = inner.__class__
    return schema if isinstance(schema, type) and is_schema(schema) else None


def _where(obj: Any) -> str:
    """What to name as the source of a key that has no recorded origin."""
    schema = _schema_of(obj)
    return schema.__name__ if schema is not None else type(obj).__name__




def _string_keys(data: Mapping[Any, Any], path: KeyPath, origin_of: OriginLookup) -> Any:
    """A copy with every key as wandb will store it; two keys that become one are an error."""
    out: dict[str, Any] = {}
    raw: dict[str, Any] = {}
    for key, value in data.items():
        name = str(key)
        if not path:
            name = name.strip("-")  # wandb strips top-level keys
        if name in out:
            raise CompositionError(
                f"keys {display_key((*path, raw[name]))} and {display_key((*path, key))} "
                f"both become {name!r} in wandb",
                origin=origin_of((*path, key)),
                hint="rename one of them",
            )
        raw[name] = key
        out[name] = (
            _string_keys(value, (*path, key), origin_of) if is_mapping(value) else value
        )
    return out


def _descriptions(obj: Any) -> dict[str, str]:
    """Top-level key -> description: config-defaults.yaml ``desc`` first, then the schema's."""
    texts: dict[str, str] = {}
    schema = _schema_of(obj)
    if schema is not None:
        for key, field in schema_tree(schema).fields.items():
            if field.description:
                texts[key] = field.description
    from_files = attr(obj, "descriptions") if wrapped(obj) else None
    if is_mapping(from_files):
        for key, text in from_files.items():
            if isinstance(key, str) and isinstance(text, str) and "." not in key:
                texts[key] = text
    return texts
