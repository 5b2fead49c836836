"""Validation: pydantic runs once, and every problem is mapped back to where it came from.

Two passes, reported together: typedcfg's own walk finds keys the schema does not know (with
did-you-mean from the fields at that path; models may opt out with ``extra="allow"`` or
``"ignore"`` in their own config), then pydantic validates and each of its errors is translated
to an :class:`~typedcfg.errors.Issue` with the origin of the offending value.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeGuard, TypeVar, cast

from pydantic import BaseModel, ValidationError

from .._typing import is_dict, is_list
from ..errors import MASK, ConfigValidationError, Issue, missing_origin, suggest
from ..provenance import KeyPath, Origin, SourceKind, clip, format_path
from ..typeinfo import (
    DICT,
    LIST,
    MODEL,
    UNION,
    TypeNode,
    bool_as_number,
    node_at,
    schema_traits,
    schema_tree,
)
from .checks import MANDATORY, at_keys, bool_number, markers, no_option
from .checks import mandatory as _mandatory
from .checks import nearest as _nearest
from .checks import setters as default_setters

if TYPE_CHECKING:
    from pydantic import TypeAdapter

__all__ = ["MANDATORY", "find_unknown_keys", "validate"]

T = TypeVar("T")


def _adapter(schema: Any) -> TypeAdapter[Any]:
    return _cached_adapter(schema)


@functools.lru_cache(maxsize=256)
def _cached_adapter(schema: type) -> TypeAdapter[Any]:
    # Imported here: only dataclass schemas need an adapter (models validate themselves), and
    # pydantic.type_adapter is a module import every plain program would otherwise pay for.
    from pydantic import TypeAdapter

    return TypeAdapter(schema)


def _is_model(schema: object) -> TypeGuard[type[BaseModel]]:
    return isinstance(schema, type) and issubclass(schema, BaseModel)


def validate(
    schema: type[T],
    data: dict[str, Any],
    origins: Mapping[KeyPath, Origin],
    tree: TypeNode | None = None,
    *,
    setters: Callable[[KeyPath], str] | None = None,
) -> T:
    """Validate ``data`` against ``schema`` and return the instance.

    Args:
        schema: the schema class.
        data: the composed config.
        origins: where each key path was written.
        tree: the schema's tree (built when not given).
        setters: for a required field nobody set, the sources that could set it, as words
            (``config-defaults.yaml, a --configs file or on the command line (lr=...)``).

    Raises:
        ConfigValidationError: with every issue, each located.
    """
    tree = tree or schema_tree(schema)
    issues: list[Issue] = []
    unions: list[tuple[KeyPath, TypeNode]] = []  # unions whose member pydantic chooses
    _walk_unknown(data, tree, (), origins, issues, tree, unions)
    if schema_traits(tree).secrets:
        from ..read.masking import secret_copies

        issues.extend(secret_copies(data, tree, origins))
    try:
        if _is_model(schema):
            result: Any = schema.model_validate(data)
        else:
            result = _adapter(schema).validate_python(data)
    except ValidationError as exc:
        reported = {issue.path for issue in issues}
        issues.extend(_translate(exc, data, origins, tree, reported, setters or default_setters))
    else:
        if unions:
            issues.extend(_union_leftovers(result, data, unions, origins, tree))
        if not issues:
            return cast(T, result)
    raise ConfigValidationError(_ordered(at_keys(issues)))


def _union_leftovers(
    result: Any,
    data: Any,
    unions: list[tuple[KeyPath, TypeNode]],
    origins: Mapping[KeyPath, Origin],
    root: TypeNode,
) -> list[Issue]:
    """Keys of a union's mapping that the member pydantic chose has no field for.

    A union that is not discriminated takes the member that validates best, and that member
    would drop keys only another member has (``{kind: a, y: 1}`` as ``A``, ``y`` gone): they
    are unknown keys, as anywhere else.
    """
    issues: list[Issue] = []
    for path, node in unions:
        value = _value_at(result, path)
        member = next(
            (m for m in node.members or () if m.kind == MODEL and m.cls is type(value)), None
        )
        raw = _value_at(data, path)
        if member is None or member.extra != "forbid" or not isinstance(raw, dict):
            continue
        children = member.children or {}
        known = node.children or {}
        for key in cast("dict[str, Any]", raw):
            if key not in children and key in known:  # others are reported already
                issues.append(_unknown(path, key, children, origins, root))
    return issues


def _value_at(value: Any, path: KeyPath) -> Any:
    """The value at ``path`` in plain data or in a validated object (fields by alias or name)."""
    for part in path:
        mapping: dict[Any, Any] = value  # typed names for the isinstance checks below
        items: list[Any] = value
        if isinstance(value, dict):
            value = mapping.get(part)
        elif isinstance(value, list):
            inside = isinstance(part, int) and -len(items) <= part < len(items)
            value = items[cast("int", part)] if inside else None
        elif isinstance(value, BaseModel):
            fields = type(value).model_fields
            name = next((n for n, f in fields.items() if part in (n, f.alias)), None)
            value = getattr(value, name) if name is not None else None
        else:
            value = getattr(value, str(part), None)
        if value is None:
            return None
    return value


def find_unknown_keys(
    data: Any, tree: TypeNode, origins: Mapping[KeyPath, Origin], partial: bool = False
) -> list[Issue]:
    """Keys in ``data`` that the schema has no field for (where the model forbids extras), and
    fields still holding Hydra's mandatory-value marker ``???`` (kind ``missing``)."""
    issues: list[Issue] = []
    _walk_unknown(data, tree, (), origins, issues, tree, None)
    return issues






def _walk_unknown(
    data: Any,
    node: TypeNode | None,
    path: KeyPath,
    origins: Mapping[KeyPath, Origin],
    issues: list[Issue],
    root: TypeNode,
    unions: list[tuple[KeyPath, TypeNode]] | None,
) -> None:
    if node is None:
        return
    if data.__class__ is bool:
        expected = bool_as_number(node)
        if expected is not None:
            issues.append(bool_number(path, data, expected, origins))
        return
    kind = node.kind
    # ``data`` is Any, and pyright sees ``dict[Unknown, Unknown]`` after ``isinstance(data,
    # dict)``. ``mapping`` is ``data`` under the type that check establishes: a plain annotated
    # name rather than cast() or a TypeGuard call, because this runs for every key of a config.
    mapping: dict[Any, Any] = data
    if kind == UNION:
        member = node.select(data)
        if member is not node:
            _walk_unknown(data, member, path, origins, issues, root, unions)
            return
        if unions is not None and isinstance(data, dict):
            unions.append((path, node))
        if isinstance(data, dict) and node.members and all(
            m.kind == MODEL and m.extra == "forbid" for m in node.members
        ):
            known = node.children or {}
            for key in mapping:
                if key not in known:
                    issues.append(_unknown(path, key, known, origins, root))
        return
    if kind == MODEL:
        if not isinstance(data, dict):
            return
        children = node.children or {}
        forbid = node.extra == "forbid"
        for key, value in mapping.items():
            child = children.get(key)
            if child is None:
                if forbid:
                    issues.append(_unknown(path, key, children, origins, root))
                elif node.extra == "allow":  # kept as written: a '???' in it is still unset
                    markers(value, (*path, key), origins, issues)
                continue
            if child.kind == "any":
                markers(value, (*path, key), origins, issues)
            elif child.kind != "scalar" or value.__class__ is bool:
                _walk_unknown(value, child, (*path, key), origins, issues, root, unions)
            elif value.__class__ is str and value == MANDATORY:
                issues.append(_mandatory((*path, key), origins))
    elif kind == DICT:
        if isinstance(data, dict) and node.item is not None:
            for key, value in mapping.items():
                if value.__class__ is str and value == MANDATORY:
                    issues.append(_mandatory((*path, key), origins))
                else:
                    _walk_unknown(value, node.item, (*path, key), origins, issues, root, unions)
    elif kind == LIST:
        items: list[Any] = data  # as ``mapping`` above, for the isinstance check below
        if isinstance(data, list) and node.item is not None:
            for i, value in enumerate(items):
                _walk_unknown(value, node.item, (*path, i), origins, issues, root, unions)








def _unknown(
    path: KeyPath,
    key: str,
    known: Mapping[str, TypeNode],
    origins: Mapping[KeyPath, Origin],
    root: TypeNode,
) -> Issue:
    full = (*path, key)
    close = suggest(key, known)
    suggestions = tuple(format_path((*path, s)) for s in close)
    if not suggestions:
        suggestions = tuple(_elsewhere(root, key, full))
    origin = origins.get(full) or _nearest(origins, path)
    return Issue(
        path=full,
        message=f"unknown key {clip(format_path(full))!r}",
        origin=origin,
        kind="unknown_key",
        suggestions=suggestions,
        show_path=False,
    )


def _elsewhere(root: TypeNode, key: str, full: KeyPath, depth: int = 4) -> list[str]:
    """Paths in the schema whose last part is ``key`` (``lr`` -> ``optim.lr``)."""
    found: list[str] = []
    stack: list[tuple[TypeNode, KeyPath]] = [(root, ())]
    seen: set[int] = set()
    while stack and len(found) < 2:
        node, path = stack.pop()
        if id(node) in seen or len(path) > depth:
            continue
        seen.add(id(node))
        for name, child in (node.children or {}).items():
            here = (*path, name)
            if name == key and here != full:
                found.append(format_path(here))
            if child.children:
                stack.append((child, here))
    return found




def _data_path(data: Any, loc: tuple[Any, ...], missing: bool) -> KeyPath:
    """Map pydantic's ``loc`` to a path in ``data`` (skipping union tags and validator names)."""
    out: list[Any] = []
    node: Any = data
    last = len(loc) - 1
    for i, part in enumerate(loc):
        if (is_dict(node) and part in node) or (
            is_list(node) and isinstance(part, int) and -len(node) <= part < len(node)
        ):
            out.append(part)
            node = node[part]
        elif missing and i == last and isinstance(part, str):
            out.append(part)
        elif is_dict(node) and i == last and isinstance(part, str) and missing is False:
            # An error about a key the data does not hold (e.g. a model-level check).
            continue
    return tuple(out)


def _secret_at(tree: TypeNode, path: KeyPath) -> bool:
    node: TypeNode | None = tree
    for part in path:
        if node is None:
            return False
        if node.secret:
            return True
        node = node.child(part)
    # A list or dict of secrets: a wrong value given for it may be one of them.
    return node is not None and (
        node.secret or (node.kind in (LIST, DICT) and schema_traits(node).secrets)
    )


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."






def _translate(
    exc: ValidationError,
    data: Any,
    origins: Mapping[KeyPath, Origin],
    tree: TypeNode,
    reported: set[KeyPath],
    setters: Callable[[KeyPath], str],
) -> list[Issue]:
    grouped: dict[KeyPath, list[dict[str, Any]]] = {}
    errors: Any = exc.errors(include_url=False)
    for error in errors:
        missing = error["type"] == "missing"
        path = _data_path(data, tuple(error["loc"]), missing)
        if path in reported:  # an unknown key, or a '???' (pydantic's error would repeat it)
            continue
        grouped.setdefault(path, []).append(dict(error))
    issues: list[Issue] = []
    for path, errors in grouped.items():
        first = errors[0]
        kind = first["type"]
        messages: list[str] = []
        for error in errors:
            if error["msg"] not in messages:
                messages.append(error["msg"])
        message = messages[0] if len(messages) == 1 else "; or ".join(messages)
        secret = _secret_at(tree, path)
        value: Any = None
        hint = None
        suggestions: tuple[str, ...] = ()
        if kind == "missing":
            origin = _nearest(origins, path[:-1]) if path else None
            origin = origin or missing_origin()
            message = "required, and no source sets it"
            hint = f"set it in {setters(path)}"
        else:
            origin = origins.get(path) or _nearest(origins, path) or Origin(SourceKind.DEFAULT)
            raw = first.get("input")
            value = MASK if secret else raw
            if kind == "extra_forbidden" and path:
                issue = _unknown(path[:-1], str(path[-1]), {}, origins, tree)
                issues.append(Issue(path, issue.message, issue.origin, value, "unknown_key",
                                    show_path=False))  # fmt: skip
                continue
            option = no_option(node_at(tree, path), raw)
            if option is not None:
                message, suggestions = option
            elif not isinstance(raw, (dict, list)):
                message += f" (got {MASK if secret else _show(raw)})"
        issues.append(Issue(path, message, origin, value, kind, hint=hint, suggestions=suggestions))
    return issues


_KIND_RANK = {
    SourceKind.DEFAULT: 0,
    SourceKind.DEFAULTS_FILE: 1,
    SourceKind.CONFIG_FILE: 2,
    SourceKind.ENV: 3,
    SourceKind.ARGV: 4,
    SourceKind.CODE: 5,
    SourceKind.MISSING: 6,
}


def _ordered(issues: list[Issue]) -> list[Issue]:
    """Compiler order: by source, then file position or argv index."""

    def key(issue: Issue) -> tuple[Any, ...]:
        origin = issue.origin
        if origin is None:
            return (9, "", 0, 0, format_path(issue.path))
        return (
            _KIND_RANK.get(origin.kind, 9),
            origin.file or "",
            origin.line or origin.index or 0,
            origin.column or 0,
            format_path(issue.path),
        )

    return sorted(issues, key=key)
