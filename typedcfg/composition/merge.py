"""Merging layers and applying overrides, remembering which origin won every key.

Rules: mappings merge key by key; scalars and lists replace. Nothing given is mutated: a merge
copies only the mappings it changes and shares the rest. The origin table maps every key path
to the origin of the value that won; ``overridden`` keeps, per leaf, the origins it replaced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, MutableSequence, Sequence
from typing import Any, cast

from .._typing import is_dict
from ..errors import CompositionError, MissingKeyError
from ..provenance import (
    KeyPath,
    Layer,
    Origin,
    PathPart,
    SourceKind,
    format_path,
    record_origins,
)
from ..read.grammar import NO_VALUE, Op, Override
from ..typeinfo import LIST, TypeNode, node_at, schema_traits

__all__ = [
    "Composed",
    "apply_overrides",
    "drop_key",
    "merge_layers",
]

_MISS: Any = object()


class Composed:
    """The merged data with its side tables.

    Attributes:
        data: the merged nested values.
        origins: key path -> origin of the winning value.
        overridden: key path -> origins of the values it replaced, oldest first.
        descriptions: key path -> ``desc`` text (last layer that gave one wins).
        interpolated: some string value holds ``${``.
    """

    __slots__ = ("data", "descriptions", "interpolated", "origins", "overridden")

    def __init__(
        self,
        data: dict[str, Any],
        origins: dict[KeyPath, Origin],
        overridden: dict[KeyPath, list[Origin]],
        descriptions: dict[KeyPath, str],
        interpolated: bool,
    ) -> None:
        self.data = data
        self.origins = origins
        self.overridden = overridden
        self.descriptions = descriptions
        self.interpolated = interpolated


def merge_layers(layers: Sequence[Layer]) -> Composed:
    """Merge ``layers`` in order (later wins) into one :class:`Composed`."""
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    overridden: dict[KeyPath, list[Origin]] = {}
    descriptions: dict[KeyPath, str] = {}
    interpolated = False
    for layer in layers:
        if not origins:
            data = layer.data
            origins = dict(layer.origins)
        elif layer.data:
            data = merge_into(data, layer.data, (), origins, overridden)
            origins.update(layer.origins)
        descriptions.update(layer.descriptions)
        interpolated = interpolated or layer.interpolated
    return Composed(data, origins, overridden, descriptions, interpolated)


def merge_into(
    a: dict[str, Any],
    b: dict[str, Any],
    path: KeyPath,
    origins: dict[KeyPath, Origin],
    overridden: dict[KeyPath, list[Origin]],
) -> dict[str, Any]:
    """``a`` with ``b`` merged in (new containers on the merged paths; ``a`` is not changed).

    A replaced container's own origins are forgotten here, before the caller records the new
    value's: they would otherwise name keys that no longer exist.
    """
    out = dict(a)
    for key, new in b.items():
        old = out.get(key, _MISS)
        if old is _MISS:
            out[key] = new
        elif new.__class__ is dict and old.__class__ is dict:
            out[key] = merge_into(old, new, (*path, key), origins, overridden)
        else:
            here = (*path, key)
            if old.__class__ is dict or old.__class__ is list:
                _forget_below(origins, here, old)
            previous = origins.get(here)
            if previous is not None:
                overridden.setdefault(here, []).append(previous)
            out[key] = new
    return out


def _forget_below(origins: dict[KeyPath, Origin], path: KeyPath, old: Any) -> None:
    """Forget the origins of the nodes below ``path``, whose replaced value was ``old``.

    Walks the replaced value itself, so the cost is the size of what was replaced, not of the
    whole table: ``origins`` has an entry for every node of the data and nothing else.
    """
    if old.__class__ is dict:
        items: Iterable[tuple[PathPart, Any]] = old.items()
    elif old.__class__ is list:
        # ``old`` is Any: the annotation says what enumerate() yields, without a cast() call.
        replaced: list[Any] = old
        items = enumerate(replaced)
    else:
        return
    for key, child in items:
        here = (*path, key)
        origins.pop(here, None)
        _forget_below(origins, here, child)


def apply_overrides(
    composed: Composed,
    overrides: Sequence[Override],
    tree: TypeNode | None,
    schema_defaults: Callable[[], dict[str, Any]] | None = None,
) -> Composed:
    """Apply command-line overrides left to right; returns a new :class:`Composed`.

    Raises:
        CompositionError: ``+key`` on an existing key, a path through a non-mapping,
            ``~key=value`` whose value does not match.
        MissingKeyError: ``~key`` on a key that does not exist.
    """
    if not overrides:
        return composed
    data = composed.data
    origins = dict(composed.origins)
    overridden = {k: list(v) for k, v in composed.overridden.items()}
    interpolated = composed.interpolated
    # Only a schema with a discriminated union can need a member's tag seeded (_seed_tags).
    typed_groups = tree is not None and schema_traits(tree).typed_groups
    for override in overrides:
        path, current = _locate(data, override)
        op = override.op
        if op is Op.DELETE:
            if current is _MISS:
                raise MissingKeyError(
                    f"cannot delete {format_path(path)!r}: no such key",
                    origin=override.origin,
                )
            if override.value is not NO_VALUE and override.value != current:
                raise CompositionError(
                    f"cannot delete {format_path(path)!r}: its value is {current!r}, "
                    f"not {override.value!r}",
                    origin=override.origin,
                )
            data = _delete(data, path)
            _forget_below(origins, path, current)
            origins.pop(path, None)
            continue
        if current is _MISS and tree is not None:
            _check_list_on_path(data, path, tree, override)
        hint = node_at(tree, path)
        value = override.typed_value(hint)
        # As in Hydra: '+key' adds a key that is missing or null, and merges a mapping or list
        # value into an existing key ('+x={b:20}' on {x: {a: 10}} gives {x: {a: 10, b: 20}}).
        if op is Op.ADD and current is not _MISS and current is not None and not (
            value.__class__ is dict or value.__class__ is list
        ):
            where = origins.get(path)
            raise CompositionError(
                f"cannot add {format_path(path)!r}: the key already exists"
                + (f" (set at {where})" if where is not None else ""),
                origin=override.origin,
                hint=f"use ++{override.key}=... to replace it, or {override.key}=... to change it",
            )
        merge = value.__class__ is dict and current.__class__ is dict
        if (hint is None or hint.kind == "any") and _mapping_and_list(value, current):
            # An untyped position: Hydra (OmegaConf) refuses to merge a mapping into a list
            # and a list into a mapping. A typed field decides by its type instead.
            where = origins.get(path)
            raise CompositionError(
                f"cannot merge {_shape(value)} into {format_path(path)!r}, which holds "
                f"{_shape(current)}" + (f" (set at {where})" if where is not None else ""),
                origin=override.origin,
                hint=f"to replace it, delete it first: ~{override.key} +{override.key}=...",
            )
        if hint is not None and hint.discriminator and isinstance(value, str) and (
            value in hint.tagged
        ):
            # A typed group: `optim=sgd` selects the union member tagged 'sgd', with its own
            # defaults; keep the current values when that member is already selected.
            if is_dict(current) and current.get(hint.discriminator) == value:
                continue
            value = {hint.discriminator: value}
            merge = False
        if schema_defaults is not None and typed_groups:
            assert tree is not None
            data = _seed_tags(data, path, tree, schema_defaults, override, origins, overridden)
        data = _set(data, path, value, merge, override, origins, overridden)
        if not merge and current is not _MISS:
            _forget_below(origins, path, current)
            previous = origins.get(path)
            if previous is not None:
                overridden.setdefault(path, []).append(previous)
        record_origins(value, path, override.origin, origins)
        if not interpolated and _has_interpolation(value):
            interpolated = True
    return Composed(data, origins, overridden, dict(composed.descriptions), interpolated)


def _mapping_and_list(value: Any, current: Any) -> bool:
    """One of the two is a mapping and the other a list."""
    kinds = {value.__class__, current.__class__}
    return kinds == {dict, list}


def _shape(value: Any) -> str:
    return "a mapping" if value.__class__ is dict else "a list"


def _check_list_on_path(data: Any, path: KeyPath, tree: TypeNode, override: Override) -> None:
    """Refuse an index below a list field that no source set (``layers.3=1`` with no
    ``layers``): an item of a list can be changed by index, not created, and a mapping built
    there instead would only say "Input should be a valid list"."""
    for depth in range(1, len(path)):
        part = path[depth]
        prefix = path[:depth]
        if isinstance(part, str) and part.lstrip("-").isdigit() and get_path(data, prefix) is _MISS:
            hint = node_at(tree, prefix)
            if hint is not None and hint.kind == LIST:
                raise CompositionError(
                    f"cannot set {format_path(path)!r}: {format_path(prefix)!r} is a list that "
                    f"no file or argument set, so it has no item {part}",
                    origin=override.origin,
                    hint=f"set the whole list ({format_path(prefix)}=[...]), or set it in a "
                    "config file and change its items by index",
                )


def drop_key(composed: Composed, key: str) -> Composed:
    """A copy of ``composed`` without the top-level ``key`` and everything below it."""
    data = {k: v for k, v in composed.data.items() if k != key}
    origins = {p: o for p, o in composed.origins.items() if not p or p[0] != key}
    return Composed(data, origins, composed.overridden, composed.descriptions,
                    composed.interpolated)


def _locate(data: Any, override: Override) -> tuple[KeyPath, Any]:
    """The override's path with digit parts that address list items as ints (``layers.0`` ->
    ``("layers", 0)``), and the value there now (``_MISS`` when there is none)."""
    parts: list[PathPart] = []
    node: Any = data
    for part in override.path:
        # ``node`` under the types the isinstance checks establish (see _typing: annotated names
        # instead of TypeGuard calls on the override path).
        mapping: dict[Any, Any] = node
        items: list[Any] = node
        if isinstance(node, list) and isinstance(part, str) and part.lstrip("-").isdigit():
            index = int(part)
            parts.append(index)
            node = items[index] if -len(items) <= index < len(items) else _MISS
        else:
            parts.append(part)
            node = mapping.get(part, _MISS) if isinstance(node, dict) else _MISS
    return tuple(parts), node


def get_path(data: Any, path: KeyPath) -> Any:
    node: Any = data
    for part in path:
        mapping: dict[Any, Any] = node  # typed names, as in _locate
        items: list[Any] = node
        if isinstance(node, dict):
            node = mapping.get(part, _MISS)
        elif isinstance(node, list) and isinstance(part, int) and -len(items) <= part < len(items):
            node = items[part]
        else:
            return _MISS
        if node is _MISS:
            return _MISS
    return node


def _seed_tags(
    data: dict[str, Any],
    path: KeyPath,
    tree: TypeNode,
    schema_defaults: Callable[[], dict[str, Any]],
    override: Override,
    origins: dict[KeyPath, Origin],
    overridden: dict[KeyPath, list[Origin]],
) -> dict[str, Any]:
    """Give a typed group that no source set its default member's tag before a key below it is
    set: ``optim.lr=0.2`` on a schema default ``Adam()`` means Adam with lr 0.2."""
    for depth in range(1, len(path)):
        prefix = path[:depth]
        hint = node_at(tree, prefix)
        if hint is None or not hint.discriminator or get_path(data, prefix) is not _MISS:
            continue
        tag_path = (*prefix, hint.discriminator)
        tag = get_path(schema_defaults(), tag_path)
        if tag is not _MISS:
            data = _set(data, tag_path, tag, False, override, origins, overridden)
            origins[tag_path] = Origin(SourceKind.DEFAULT)
    return data


def _set(
    data: dict[str, Any],
    path: KeyPath,
    value: Any,
    merge: bool,
    override: Override,
    origins: dict[KeyPath, Origin],
    overridden: dict[KeyPath, list[Origin]],
) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``path`` (copying only the containers on the path)."""
    root: dict[str, Any] = dict(data)
    # ``node`` and ``child`` are Any: the containers on the path may be dicts or lists.
    node: Any = root
    for depth, part in enumerate(path[:-1]):
        child: Any = node.get(part, _MISS) if node.__class__ is dict else (
            node[part] if _has(node, part) else _MISS
        )
        mapping: Mapping[Any, Any] = child  # typed names, as in _locate
        items: Sequence[Any] = child
        if child is _MISS and isinstance(node, list):
            # A key or a missing index below a list: a list item cannot be created by name.
            raise _index_error(path, len(cast("Sequence[Any]", node)), override)
        if child is _MISS or child is None:
            child = {}
            origins[path[: depth + 1]] = override.origin
        elif isinstance(child, dict):
            child = dict(mapping)
        elif isinstance(child, list):
            child = list(items)
        else:
            where = origins.get(path[: depth + 1])
            raise CompositionError(
                f"cannot set {format_path(path)!r}: {format_path(path[: depth + 1])!r} holds "
                f"{type(child).__name__} {child!r}, not a mapping"
                + (f" (set at {where})" if where is not None else ""),
                origin=override.origin,
            )
        node[part] = child
        node = child
    last = path[-1]
    if isinstance(node, list):
        seq = cast("MutableSequence[Any]", node)  # only list items set by index get here
        if not (isinstance(last, int) and -len(seq) <= last < len(seq)):
            raise _index_error(path, len(seq), override)
        seq[last] = merge_into(seq[last], value, path, origins, overridden) if merge else value
    elif merge:
        node[last] = merge_into(node[last], value, path, origins, overridden)
    else:
        node[last] = value
    return root


def _index_error(path: KeyPath, size: int, override: Override) -> CompositionError:
    return CompositionError(
        f"cannot set {format_path(path)!r}: index out of range for a list of {size}",
        origin=override.origin,
    )


def _has(node: Any, part: PathPart) -> bool:
    if isinstance(node, dict):
        return part in node
    if isinstance(node, list) and isinstance(part, int):
        items = cast("Sequence[Any]", node)
        return -len(items) <= part < len(items)
    return False


def _delete(data: dict[str, Any], path: KeyPath) -> dict[str, Any]:
    root: dict[str, Any] = dict(data)
    node: Any = root
    for part in path[:-1]:
        child: Any = node[part]
        child = dict(child) if is_dict(child) else list(child)
        node[part] = child
        node = child
    del node[path[-1]]
    return root


def _has_interpolation(value: Any) -> bool:
    if isinstance(value, str):
        return "${" in value
    mapping: dict[Any, Any] = value  # typed names, as in _locate
    items: list[Any] = value
    if isinstance(value, dict):
        return any(_has_interpolation(v) for v in mapping.values())
    if isinstance(value, list):
        return any(_has_interpolation(v) for v in items)
    return False


