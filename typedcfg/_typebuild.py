"""Building a schema tree: the walk over pydantic models, pydantic and stdlib dataclasses.

Recursive schemas are handled by memoising each class; ``Annotated`` metadata, discriminated
unions, secrets and ``extra=`` settings are read here once, so later stages only look them up.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import pathlib
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard, Union

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic.fields import FieldInfo

from ._typenode import (
    ANY,
    DICT,
    LIST,
    MODEL,
    NO_DEFAULT,
    SCALAR,
    UNION,
    FieldNode,
    TypeNode,
    strip_annotated,
)
from ._typing import is_dict, is_mapping
from .errors import SchemaError

__all__ = ["is_schema"]


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_dataclass_field(info: object) -> TypeGuard[dataclasses.Field[Any]]:
    return isinstance(info, dataclasses.Field)


def is_schema(tp: Any) -> bool:
    """True for pydantic models, pydantic dataclasses and stdlib dataclasses."""
    return _is_model(tp) or (isinstance(tp, type) and dataclasses.is_dataclass(tp))


def _is_text_scalar(tp: Any) -> bool:
    if tp is str or tp is SecretStr:
        return True
    if isinstance(tp, type):
        if issubclass(tp, (str, pathlib.PurePath)):
            return True
        if issubclass(tp, enum.Enum):
            return all(isinstance(m.value, str) for m in tp)
    if typing.get_origin(tp) is Literal:
        return all(isinstance(a, str) for a in typing.get_args(tp))
    return False


class Builder:
    """Builds nodes, memoising classes so recursive schemas terminate."""

    def __init__(self) -> None:
        self.memo: dict[type, TypeNode] = {}
        # Scalar nodes depend on the annotation alone and are never changed once built
        # (Optional makes a copy), so every ``int`` field of a schema shares one node.
        self.scalars: dict[Any, TypeNode] = {}

    def node(self, tp: Any, discriminator: str | None = None) -> TypeNode:
        tp, metadata = strip_annotated(tp)
        for meta in metadata:
            if isinstance(meta, FieldInfo) and isinstance(meta.discriminator, str):
                discriminator = meta.discriminator
        if isinstance(tp, typing.TypeVar) or tp is Any or tp is object:
            return TypeNode(ANY, tp)
        if isinstance(tp, type) and is_schema(tp):
            return self.model(tp)
        origin = typing.get_origin(tp)
        args = typing.get_args(tp)
        if origin is Union or (hasattr(types, "UnionType") and origin is types.UnionType):
            return self.union(tp, args, discriminator)
        if origin in (list, set, frozenset, tuple) or (
            origin is not None and isinstance(origin, type) and _is_sequence_origin(origin)
        ):
            node = TypeNode(LIST, tp)
            item_args = [a for a in args if a is not Ellipsis]
            node.item = self.node(item_args[0]) if len(item_args) == 1 else None
            return node
        if tp in (list, set, frozenset, tuple):
            return TypeNode(LIST, tp)
        if origin is not None and isinstance(origin, type) and issubclass(origin, Mapping):
            node = TypeNode(DICT, tp)
            node.item = self.node(args[1]) if len(args) == 2 else None
            return node
        if tp is dict or (isinstance(tp, type) and issubclass(tp, Mapping)):
            return TypeNode(DICT, tp)
        try:
            return self.scalars[tp]
        except (KeyError, TypeError):  # TypeError: an unhashable annotation, never shared
            pass
        node = TypeNode(SCALAR, tp)
        node.text = _is_text_scalar(tp)
        node.secret = isinstance(tp, type) and issubclass(tp, (SecretStr, SecretBytes))
        node.nullable = tp is type(None)
        with contextlib.suppress(TypeError):
            self.scalars[tp] = node
        return node

    def union(self, tp: Any, args: tuple[Any, ...], discriminator: str | None) -> TypeNode:
        members = tuple(self.node(a) for a in args if a is not type(None))
        if len(members) == 1 and len(args) == 2:
            # Optional[X]: behave as X, accepting None.
            only = members[0]
            clone = _copy(only)
            clone.nullable = True
            clone.annotation = tp
            return clone
        node = TypeNode(UNION, tp)
        node.members = members
        node.nullable = len(members) != len(args)
        node.text = bool(members) and all(m.text for m in members)
        node.secret = any(m.secret for m in members)
        children: dict[str, TypeNode] = {}
        for member in members:
            if member.children:
                for key, child in member.children.items():
                    children.setdefault(key, child)
        node.children = children if any(m.children is not None for m in members) else None
        if discriminator:
            node.discriminator = discriminator
            for member in members:
                # pydantic names the discriminator by attribute; fields are kept by data key,
                # which differs when the field has an alias (``target_`` read as ``_target_``).
                field = member.fields.get(discriminator) or next(
                    (f for f in member.fields.values() if f.name == discriminator), None
                )
                if field is None:
                    continue
                node.discriminator = field.key  # the data speaks in keys
                inner, _ = strip_annotated(field.type.annotation)
                if typing.get_origin(inner) is Literal:
                    for value in typing.get_args(inner):
                        node.tagged[value] = member
                elif isinstance(field.default, str):
                    node.tagged[field.default] = member
        return node

    def model(self, cls: type) -> TypeNode:
        found = self.memo.get(cls)
        if found is not None:
            return found
        node = TypeNode(MODEL, cls)
        node.cls = cls
        # Filled in place: an Optional[...] copy made while a recursive schema is still being
        # built shares these containers.
        node.children = {}
        self.memo[cls] = node
        node.extra = _extra_setting(cls)
        fields = _field_infos(cls)
        for name, (annotation, info) in fields.items():
            child = self.node(annotation, _discriminator_of(info))
            key = name
            description: str | None = None
            default: Any = NO_DEFAULT
            required = True
            if isinstance(info, FieldInfo):
                alias = info.validation_alias if isinstance(info.validation_alias, str) else None
                key = alias or info.alias or name
                description = info.description
                if info.default is not _pydantic_undefined() and info.default is not Ellipsis:
                    default = info.default
                required = info.is_required()
            elif _is_dataclass_field(info):
                description = info.metadata.get("description") if info.metadata else None
                if info.default is not dataclasses.MISSING:
                    default = info.default
                required = (
                    info.default is dataclasses.MISSING
                    and info.default_factory is dataclasses.MISSING
                )
            node.fields[key] = FieldNode(name, key, child, description, default, required)
            node.children[key] = child
        return node


def _is_sequence_origin(origin: type) -> bool:
    import collections.abc as abc

    return issubclass(origin, (abc.Sequence, abc.Set)) and not issubclass(origin, (str, bytes))


def _copy(node: TypeNode) -> TypeNode:
    clone = TypeNode(node.kind, node.annotation)
    for slot in TypeNode.__slots__:
        setattr(clone, slot, getattr(node, slot))
    return clone


def _pydantic_undefined() -> Any:
    from pydantic_core import PydanticUndefined

    return PydanticUndefined


def _discriminator_of(info: Any) -> str | None:
    if isinstance(info, FieldInfo) and isinstance(info.discriminator, str):
        return info.discriminator
    return None


def _extra_setting(cls: type) -> str:
    """Unknown keys are errors unless the schema's own config says otherwise."""
    config: Any = cls.model_config if _is_model(cls) else getattr(cls, "__pydantic_config__", None)
    if is_mapping(config) and config.get("extra") in ("allow", "ignore"):
        return str(config["extra"])
    return "forbid"


def _field_infos(cls: type) -> dict[str, tuple[Any, Any]]:
    """``name -> (annotation, FieldInfo or dataclasses.Field)`` for any supported schema."""
    if _is_model(cls):
        return {
            name: (info.annotation, info)
            for name, info in cls.model_fields.items()
        }
    pyd_fields = getattr(cls, "__pydantic_fields__", None)
    if is_dict(pyd_fields):
        return {name: (info.annotation, info) for name, info in pyd_fields.items()}
    try:
        hints = typing.get_type_hints(cls, include_extras=True)
    except Exception as exc:  # a forward reference that cannot be resolved
        raise SchemaError(f"cannot read the annotations of {cls.__qualname__}: {exc}") from exc
    return {
        f.name: (hints.get(f.name, Any), f)
        for f in dataclasses.fields(cls)
        if f.init
    }
