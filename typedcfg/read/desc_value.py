"""The top level of a config file: wandb's desc/value entries, ``wandb_version`` and ``_wandb``.

wandb reads ``config-defaults.yaml`` as a mapping of ``key: {desc: ..., value: ...}`` entries
(``desc`` optional) and keeps ``value``; a saved run's ``config.yaml`` adds ``wandb_version: 1``
and a ``_wandb`` mapping of its own bookkeeping. Below the top level, everything is plain data.
"""

from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..provenance import Origin
from ..typeinfo import DICT, TypeNode
from .yaml_walk import _NOT_ENTRY, _consumed, _Walker

__all__ = ["desc_value_entry", "read_top"]



def read_top(
    walker: _Walker, root: MappingNode, hint: TypeNode | None, desc_value: bool
) -> dict[str, Any]:
    """The top-level mapping as values: desc/value entries unwrapped, bookkeeping dropped."""
    pairs = walker.pairs(root)
    version = None
    out: dict[str, Any] = {}
    keys_seen: dict[str, Node] = {}
    children = hint.children if hint is not None else None
    versioned = any(k.value == "wandb_version" for k, _ in pairs)
    for key_node, value_node in _consumed(pairs) if walker.consume else pairs:
        key = walker.key(key_node)
        if key in keys_seen:
            raise walker.duplicate(key, keys_seen[key], key_node)
        keys_seen[key] = key_node
        if key == "wandb_version":
            walker.check_tags(value_node)
            version = value_node
            continue
        if key == "_wandb":  # wandb's own bookkeeping in a saved run config
            walker.check_tags(value_node)
            continue
        child = children.get(key) if children is not None else None
        if desc_value and isinstance(value_node, MappingNode):
            entry = desc_value_entry(walker, key, value_node, child, versioned)
            if entry is not _NOT_ENTRY:  # 'value: null' is an entry whose value is None
                out[key] = entry
                continue
        elif versioned and desc_value:
            raise walker.error(
                value_node,
                f"{key}: a file with wandb_version holds desc/value entries; "
                f"write '{key}: {{value: ...}}'",
            )
        out[key] = walker.value(value_node, (key,), child)
        if isinstance(value_node, (MappingNode, SequenceNode)) and not value_node.flow_style:
            # As below the top level: a block mapping or list is located at its key.
            mark = key_node.start_mark
            line, column = mark.line + 1, mark.column + 1
            walker.origins[(key,)] = Origin(walker.kind, walker.file, line, column)
    if version is not None:
        text = version.value if isinstance(version, ScalarNode) else None
        if text not in ("1", 1):
            raise walker.error(
                version,
                f"wandb_version: unknown version {text!r}; only 1 exists",
            )
    return out

def desc_value_entry(
    walker: _Walker, key: str, node: MappingNode, child: TypeNode | None, versioned: bool
) -> Any:
    """The ``value`` of a desc/value entry, or ``None`` when ``node`` is plain data."""
    names: dict[str, tuple[Node, Node]] = {}
    for k, v in node.value:
        if isinstance(k, ScalarNode):
            if k.value in names:
                raise walker.duplicate(k.value, names[k.value][0], k)
            names[k.value] = (k, v)
    if "value" not in names and "desc" not in names:
        if versioned:
            raise walker.error(node, f"{key}: desc/value entry without 'value'")
        return _NOT_ENTRY
    claimed = child is not None and child.children is not None and (
        "value" in child.children or "desc" in child.children
    )
    if claimed and not versioned:
        return _NOT_ENTRY  # the schema's own model has a 'value'/'desc' field: plain data
    if (
        not versioned
        and child is not None
        and child.kind == DICT
        and "value" in names
        and not isinstance(names["value"][1], MappingNode)
    ):
        # A dict field's own 'value' key (its desc/value form holds a mapping).
        return _NOT_ENTRY
    extra = [n for n in names if n not in ("desc", "value")]
    if extra:
        if not versioned and "value" not in names:
            return _NOT_ENTRY
        if not versioned and "desc" not in names:
            return _NOT_ENTRY
        raise walker.error(
            names[extra[0]][0],
            f"{key}: unexpected key {extra[0]!r} in a desc/value entry "
            "(only 'desc' and 'value' are allowed)",
        )
    if "value" not in names:
        raise walker.error(
            node,
            f"{key}: desc/value entry without 'value'",
            hint=f"add 'value:' under '{key}', or remove 'desc' to write plain YAML",
        )
    walker.doc.desc_value += 1
    if "desc" in names:
        desc_node = names["desc"][1]
        walker.check_tags(desc_node)
        if isinstance(desc_node, ScalarNode) and desc_node.value:
            walker.doc.descriptions[(key,)] = desc_node.value
    return walker.value(names["value"][1], (key,), child)
