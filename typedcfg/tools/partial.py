"""The schema of a fragment: a JSON Schema with nothing required (``typedcfg schema --partial``).

A ``--configs`` file or a group option sets some keys and leaves the rest to other sources, so
the whole schema's ``required`` lists make every such file red in an editor. Removing them, at
every depth, gives the schema that ``typedcfg check --partial`` checks against.
"""

from __future__ import annotations

from typing import Any, cast

__all__ = ["drop_required"]

# Keywords holding subschemas; the others (``default``, ``enum``, ``const``) hold data, where a
# key named "required" is only a key.
_SUBSCHEMAS = ("items", "additionalProperties", "not", "anyOf", "oneOf", "allOf",
               "prefixItems", "properties", "$defs", "patternProperties")  # fmt: skip
_MAPS = ("properties", "$defs", "patternProperties")


def drop_required(node: Any) -> None:
    """Remove every ``required`` list from the schema ``node`` and its subschemas, in place."""
    if not isinstance(node, dict):
        return
    schema = cast(dict[str, Any], node)
    if isinstance(schema.get("required"), list):
        del schema["required"]
    for key in _SUBSCHEMAS:
        inner: Any = schema.get(key)
        children: list[Any] = [inner]
        if key in _MAPS and isinstance(inner, dict):
            children = list(cast(dict[str, Any], inner).values())
        elif isinstance(inner, list):
            children = list(cast(Any, inner))
        for child in children:
            drop_required(child)
