"""What the schema says about each key: a small tree built once per schema class.

Layer 1: imports :mod:`typedcfg.errors` and :mod:`typedcfg.provenance` only.

The loaders use it to read scalars the way the field wants them (an unquoted ``007`` bound to a
``str`` field stays ``"007"``), the validator to find unknown keys and suggest names, and the
entry point to print ``--help``. Building it walks the annotations of pydantic models, pydantic
dataclasses and stdlib dataclasses; recursive schemas are handled by memoising each class.
"""

from __future__ import annotations

import contextlib
import dataclasses
import enum
import functools
import pathlib
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard, Union

from pydantic import BaseModel, SecretBytes, SecretStr
from pydantic.fields import FieldInfo

from ._record import Record
from ._typing import is_dict, is_mapping
from .errors import SchemaError

__all__ = [
    "FieldNode",
    "Traits",
    "TypeNode",
    "node_at",
    "schema_traits",
    "schema_tree",
    "type_name",
]

MODEL = "model"
LIST = "list"
DICT = "dict"
UNION = "union"
SCALAR = "scalar"
ANY = "any"

_NO_DEFAULT: Any = dataclasses.MISSING


class TypeNode:
    """What one annotation accepts, as far as loading and validation care.

    Attributes:
        kind: ``model``, ``list``, ``dict``, ``union``, ``scalar`` or ``any``.
        annotation: the annotation it was built from.
        fields: for models, the fields by data key (alias when one is set).
        children: data key -> child node; for models the fields' types, for unions the merge of
            the members' children. ``None`` for non-mappings.
        item: for lists and dicts, the node of the items (dict values).
        members: for unions, the member nodes (``None`` left out).
        discriminator: the discriminator field of a discriminated union.
        tagged: discriminator value -> member node.
        text: unquoted YAML scalars bound here keep their exact text.
        secret: values here are masked in every message and export.
        extra: for models, pydantic's ``extra`` setting as typedcfg applies it.
        cls: for models, the schema class.
        nullable: ``None`` is accepted.
    """

    __slots__ = (
        "annotation",
        "children",
        "cls",
        "discriminator",
        "extra",
        "fields",
        "item",
        "kind",
        "members",
        "nullable",
        "secret",
        "tagged",
        "text",
    )

    def __init__(self, kind: str, annotation: Any) -> None:
        self.kind = kind
        self.annotation = annotation
        self.fields: dict[str, FieldNode] = {}
        self.children: dict[str, TypeNode] | None = None
        self.item: TypeNode | None = None
        self.members: tuple[TypeNode, ...] = ()
        self.discriminator: str | None = None
        self.tagged: dict[Any, TypeNode] = {}
        self.text = False
        self.secret = False
        self.extra = "forbid"
        self.cls: type | None = None
        self.nullable = False

    def child(self, key: Any) -> TypeNode | None:
        """The node for ``key`` inside this one, or ``None`` when the schema says nothing."""
        if self.children is not None and isinstance(key, str):
            found = self.children.get(key)
            if found is not None:
                return found
        return self.item

    def select(self, value: Any) -> TypeNode:
        """For a discriminated union, the member that ``value`` (a mapping) selects."""
        if self.kind == UNION and self.discriminator:
            # ``value`` under the type the isinstance check below establishes (an annotated
            # name, not a TypeGuard call: the validator's walk calls this per union value).
            mapping: Mapping[Any, Any] = value
            if isinstance(value, Mapping):
                member = self.tagged.get(mapping.get(self.discriminator))
                if member is not None:
                    return member
        return self

    @property
    def is_mapping(self) -> bool:
        """True when the node takes a mapping whose keys the schema names (a model)."""
        return self.kind == MODEL

    def __repr__(self) -> str:
        return f"TypeNode({self.kind}, {type_name(self.annotation)})"


class FieldNode(Record):
    """One field of a model or dataclass.

    A slotted record rather than a dataclass: a schema of 10,000 fields holds 10,000 of these
    for the life of the process (a ``__dict__`` each would double that), and the class is
    defined whenever typedcfg is imported.

    Attributes:
        name: the Python attribute name.
        key: the key used in config data (the alias when one is set).
        type: the field's node.
        description: ``Field(description=...)``, the dataclass metadata ``description``, or the
            attribute docstring when pydantic collected it.
        default: the default value, or ``dataclasses.MISSING``.
        required: no default and no default factory.
    """

    __slots__ = ("default", "description", "key", "name", "required", "type")

    def __init__(
        self,
        name: str,
        key: str,
        type: TypeNode,
        description: str | None,
        default: Any,
        required: bool,
    ) -> None:
        self.name = name
        self.key = key
        self.type = type
        self.description = description
        self.default = default
        self.required = required


def node_at(tree: TypeNode | None, path: tuple[Any, ...]) -> TypeNode | None:
    """The node at ``path`` below ``tree`` (``None`` once the schema says nothing)."""
    node = tree
    for part in path:
        if node is None:
            return None
        node = node.child(part)
    return node


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


def _strip_annotated(tp: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        metadata.extend(args[1:])
    return tp, metadata


class _Builder:
    """Builds nodes, memoising classes so recursive schemas terminate."""

    def __init__(self) -> None:
        self.memo: dict[type, TypeNode] = {}
        # Scalar nodes depend on the annotation alone and are never changed once built
        # (Optional makes a copy), so every ``int`` field of a schema shares one node.
        self.scalars: dict[Any, TypeNode] = {}

    def node(self, tp: Any, discriminator: str | None = None) -> TypeNode:
        tp, metadata = _strip_annotated(tp)
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
                inner, _ = _strip_annotated(field.type.annotation)
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
            default: Any = _NO_DEFAULT
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


def schema_tree(schema: Any) -> TypeNode:
    """The node tree of ``schema`` (cached per class; schemas are classes and do not change).

    Raises:
        SchemaError: ``schema`` is not a pydantic model or a dataclass.
    """
    tree = _TREES.get(schema) if isinstance(schema, type) else None
    if tree is not None:  # a schema seen before: no subclass checks
        return tree
    if not is_schema(schema):
        raise SchemaError(
            f"{schema!r} is not a schema: expected a pydantic BaseModel subclass, "
            "a pydantic dataclass or a dataclass"
        )
    tree = _Builder().model(schema)
    if len(_TREES) >= _MAX_TREES:  # programs that make models on the fly: drop the oldest
        del _TREES[next(iter(_TREES))]
    _TREES[schema] = tree
    return tree


# The trees built, per schema class (the tree of a class never changes).
_TREES: dict[type, TypeNode] = {}
_MAX_TREES = 256


class Traits(Record):
    """What a whole schema holds anywhere, so per-load work can be skipped when it holds none.

    Attributes:
        secrets: a ``SecretStr``/``SecretBytes`` field (command-line tokens then need masking).
        typed_groups: a discriminated union (``optim=sgd`` selects a member).
    """

    __slots__ = ("secrets", "typed_groups")

    def __init__(self, secrets: bool, typed_groups: bool) -> None:
        self.secrets = secrets
        self.typed_groups = typed_groups


@functools.lru_cache(maxsize=256)
def schema_traits(tree: TypeNode) -> Traits:
    """The :class:`Traits` of the tree below ``tree`` (cached: trees never change once built)."""
    secrets = typed_groups = False
    stack = [tree]
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # recursive schemas, shared scalar nodes
            continue
        seen.add(id(node))
        secrets = secrets or node.secret
        typed_groups = typed_groups or bool(node.discriminator)
        if node.children:
            stack.extend(node.children.values())
        if node.item is not None:
            stack.append(node.item)
        stack.extend(node.members)
    return Traits(secrets, typed_groups)


def type_name(tp: Any) -> str:
    """A short readable name for an annotation (``float``, ``list[int]``, ``Adam | SGD``)."""
    tp, _ = _strip_annotated(tp)
    if tp is type(None):
        return "None"
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin is Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        return " | ".join(type_name(a) for a in args)
    if origin is Literal:
        return " | ".join(repr(a) for a in args)
    if origin is not None:
        name = getattr(origin, "__name__", str(origin))
        return f"{name}[{', '.join(type_name(a) for a in args)}]" if args else name
    if isinstance(tp, type):
        return tp.__name__
    return str(tp).replace("typing.", "")
