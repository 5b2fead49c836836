"""The top level of a config file: wandb's desc/value entries, ``wandb_version`` and ``_wandb``.

wandb reads ``config-defaults.yaml`` as a mapping of ``key: {desc: ..., value: ...}`` entries
(``desc`` optional) and keeps ``value``; a saved run's ``config.yaml`` adds ``wandb_version: 1``
and a ``_wandb`` mapping of its own bookkeeping. Below the top level, everything is plain data.
"""

from __future__ import annotations

import warnings
from typing import Any, cast

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import KeyWarning, suggest
from ..provenance import KeyPath, Origin
from ..typeinfo import DICT, TypeNode
from .yaml_walk import NOT_ENTRY, Walker, consumed

__all__ = ["ENTRY_KEYS", "desc_value_entry", "read_top"]

# The sub-keys of a desc/value entry besides 'value': its help text, and what real files and
# wandb sweeps put there (kept for typedcfg infer). Others are ignored with a KeyWarning.
_HELP = ("desc", "description")
ENTRY_KEYS = frozenset({*_HELP, "value", "min", "max", "values", "allowed_values",
                        "distribution", "mu", "sigma", "q", "probabilities"})

def read_top(
    walker: Walker, root: MappingNode, hint: TypeNode | None, desc_value: bool
) -> dict[str, Any]:
    """The top-level mapping as values: desc/value entries unwrapped, bookkeeping dropped."""
    pairs = walker.pairs(root)
    version = None
    out: dict[str, Any] = {}
    keys_seen: dict[str, Node] = {}
    children = hint.children if hint is not None else None
    versioned = any(k.value == "wandb_version" for k, _ in pairs)
    for key_node, value_node in consumed(pairs) if walker.consume else pairs:
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
            if entry is not NOT_ENTRY:  # 'value: null' is an entry whose value is None
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
    walker: Walker, key: str, node: MappingNode, child: TypeNode | None, versioned: bool
) -> Any:
    """The ``value`` of a desc/value entry, or ``NOT_ENTRY`` when ``node`` is plain data.

    As wandb reads ``config-defaults.yaml``: a top-level mapping that holds ``value`` is an
    entry and stands for its value, unless the schema says this position is a mapping with a
    ``value`` (or ``desc``) field. ``desc`` and ``description`` are its help text; the
    sweep-style sub-keys (``min``, ``max``, ``allowed_values`` ...) are kept for ``typedcfg
    infer``; any other sub-key is ignored with a :class:`KeyWarning` (did-you-mean).
    """
    names: dict[str, tuple[Node, Node]] = {}
    for k, v in node.value:
        if isinstance(k, ScalarNode):
            if k.value in names:
                raise walker.duplicate(k.value, names[k.value][0], k)
            names[k.value] = (k, v)
    claimed = child is not None and child.children is not None and (
        "value" in child.children or "desc" in child.children
    )
    if claimed and not versioned:
        return NOT_ENTRY  # the schema's own model has a 'value'/'desc' field: plain data
    if "value" not in names:
        if versioned:
            raise walker.error(node, f"{key}: desc/value entry without 'value'")
        if "desc" in names and len(names) == 1:
            raise walker.error(
                node,
                f"{key}: desc/value entry without 'value'",
                hint=f"add 'value:' under '{key}', or remove 'desc' to write plain YAML",
            )
        return NOT_ENTRY
    if (
        not versioned
        and child is not None
        and child.kind == DICT
        and not isinstance(names["value"][1], MappingNode)
    ):
        # A dict field's own 'value' key (its desc/value form holds a mapping).
        return NOT_ENTRY
    walker.doc.desc_value += 1
    kept: dict[str, Any] = {}
    for name, (name_node, sub) in names.items():
        if name in _HELP or name == "value":
            continue
        if name in ENTRY_KEYS:
            kept[name] = built = walker.value(sub, (key, name), None)
            _drop_origins(walker.origins, (key, name), built)  # not part of the config
            continue
        walker.check_tags(sub)
        found = suggest(name, sorted(ENTRY_KEYS))
        mark = name_node.start_mark
        where = Origin(walker.kind, walker.file, mark.line + 1, mark.column + 1)
        warnings.warn(
            KeyWarning(
                f"{where}: {key}.{name}: unknown key in a desc/value entry, ignored (an entry "
                "keeps its 'value'; 'desc' is its help text)"
                + (f"; did you mean {found[0]!r}?" if found else "")
            ),
            stacklevel=2,
        )
    if kept:
        walker.doc.constraints[(key,)] = kept
    for help_key in _HELP:
        if help_key in names:
            desc_node = names[help_key][1]
            walker.check_tags(desc_node)
            if isinstance(desc_node, ScalarNode) and desc_node.value:
                walker.doc.descriptions.setdefault((key,), desc_node.value)
    return walker.value(names["value"][1], (key,), child)


def _drop_origins(origins: dict[KeyPath, Origin], path: KeyPath, value: Any) -> None:
    """Forget the origins of ``value`` (built at ``path``) and of everything inside it."""
    stack: list[tuple[KeyPath, object]] = [(path, value)]
    while stack:
        here, item = stack.pop()
        origins.pop(here, None)
        if isinstance(item, dict):
            stack.extend(((*here, k), v) for k, v in cast("dict[str, Any]", item).items())
        elif isinstance(item, list):
            stack.extend(((*here, i), v) for i, v in enumerate(cast("list[object]", item)))
