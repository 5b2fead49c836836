"""The nodes of a schema tree: what one key of the config is (model, list, dict, union, scalar)."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from collections.abc import Mapping
from typing import Any, Literal, Union

from ._record import Record

__all__ = [
    "ANY",
    "DICT",
    "LIST",
    "MODEL",
    "SCALAR",
    "UNION",
    "FieldNode",
    "TypeNode",
    "bool_as_number",
    "node_at",
    "scalar_types",
    "type_name",
]


MODEL = "model"


LIST = "list"


DICT = "dict"


UNION = "union"


SCALAR = "scalar"


ANY = "any"


NO_DEFAULT: Any = dataclasses.MISSING


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


def scalar_types(node: TypeNode) -> tuple[Any, ...]:
    """The scalar types a scalar or union node accepts, ``Optional`` and ``Annotated`` taken off
    (``Optional[int]`` -> ``(int,)``, ``int | str`` -> ``(int, str)``, ``Any`` -> ``(Any,)``);
    empty for models, lists and dicts."""
    if node.kind == ANY:
        return (Any,)
    if node.kind == UNION:
        return tuple(t for member in node.members for t in scalar_types(member))
    if node.kind != SCALAR:
        return ()
    tp, _ = strip_annotated(node.annotation)
    if typing.get_origin(tp) is Union or (
        hasattr(types, "UnionType") and typing.get_origin(tp) is types.UnionType
    ):  # Optional[X]: the node is X's, with this annotation
        return tuple(strip_annotated(a)[0] for a in typing.get_args(tp) if a is not type(None))
    return (tp,)


_NUMBER_NAMES = {int: "integer", float: "number", str: "string"}


def bool_as_number(node: TypeNode) -> str | None:
    """What a field expects, when pydantic would read a bool there as a number (``True`` as 1
    for an ``int``, 1.0 for a ``float``); ``None`` when a bool is fine or an error anyway.

    JSON Schema never counts a boolean as a number, so neither does typedcfg: the editor and
    ``typedcfg check`` agree, and ``--epochs=true`` is not a run with one epoch.
    """
    accepted = scalar_types(node)
    if not accepted or Any in accepted or bool in accepted:
        return None
    numeric = [t for t in accepted if isinstance(t, type) and issubclass(t, (int, float))
               and not issubclass(t, (bool, enum.Enum))]  # fmt: skip
    if not numeric:
        return None
    words = [_NUMBER_NAMES.get(t, type_name(t)) for t in accepted]
    return " or ".join(dict.fromkeys(words))


def type_name(tp: Any) -> str:
    """A short readable name for an annotation (``float``, ``list[int]``, ``Adam | SGD``)."""
    tp, _ = strip_annotated(tp)
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


def strip_annotated(tp: Any) -> tuple[Any, list[Any]]:
    metadata: list[Any] = []
    while typing.get_origin(tp) is typing.Annotated:
        args = typing.get_args(tp)
        tp = args[0]
        metadata.extend(args[1:])
    return tp, metadata
