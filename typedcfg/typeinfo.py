"""What the schema says about each key: a small tree built once per schema class.

The loaders use it to read scalars the way the field wants them (an unquoted ``007`` bound to a
``str`` field stays ``"007"``), the validator to find unknown keys and suggest names, and the
entry point to print ``--help``. Building it walks the annotations of pydantic models, pydantic
dataclasses and stdlib dataclasses; recursive schemas are handled by memoising each class.
"""

from __future__ import annotations

import functools
from typing import Any

from ._record import Record
from ._typebuild import Builder, is_schema
from ._typenode import (
    ANY,
    DICT,
    LIST,
    MODEL,
    SCALAR,
    UNION,
    FieldNode,
    TypeNode,
    bool_as_number,
    node_at,
    scalar_types,
    type_name,
)
from .errors import SchemaError

__all__ = [
    "ANY",
    "DICT",
    "LIST",
    "MODEL",
    "SCALAR",
    "UNION",
    "FieldNode",
    "Traits",
    "TypeNode",
    "bool_as_number",
    "is_schema",
    "node_at",
    "scalar_types",
    "schema_traits",
    "schema_tree",
    "type_name",
]


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
    tree = Builder().model(schema)
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


