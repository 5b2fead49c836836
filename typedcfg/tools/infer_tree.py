"""Models from many composed configs: the schema of a whole config tree.

Above :mod:`typedcfg.tools.infer`, whose helpers it reuses.

``typedcfg infer --config-dir DIR --config-name NAME`` composes the primary config once per
option of every group (:mod:`typedcfg.tools.hydra_tree`) and hands the composed trees here as
*samples*. The rules, which ``docs/from-hydra.md`` states for users:

- A key present in every sample of its mapping is required (no default: the tree sets it);
  a key missing from some sample is ``T | None = None``.
- Scalars keep their type (``bool``, ``int``, ``float``, ``str``; ``int`` and ``float`` mixed
  give ``float``, other mixes a union); a null somewhere adds ``| None``; lists take their
  items' common type; mappings become models of their common shape.
- A value with no type to learn from (null in every sample, ``???``, or an interpolation that
  could not be resolved) gives ``Any``.
- A group (:class:`GroupSamples`) becomes a discriminated union when its options share a key
  whose value is a string, constant within each option and different in every option; the
  key ``_target_`` is preferred, otherwise the first such key in the first option. Each
  member is the common shape of the samples carrying its value, and pins it with a
  ``Literal``. Otherwise the group keeps the common shape of all its options.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from ..provenance import KeyPath
from .infer import ClassNames, attribute_name, field_line, py_string

__all__ = ["GroupSamples", "tree_source"]

# A whole value that is one interpolation: its type is whatever it resolves to.
_INTERPOLATION = re.compile(r"\$\{.*\}")


@dataclass(frozen=True)
class GroupSamples:
    """One config group: where its options put their keys, and what each option put there.

    Attributes:
        path: the key path of the group's package (``("model",)``; ``("model", "net")``).
        options: option name -> the composed value at ``path`` with that option chosen.
    """

    path: KeyPath
    options: Mapping[str, Any]


def tree_source(
    samples: Sequence[Mapping[str, Any]],
    groups: Sequence[GroupSamples] = (),
    class_name: str = "Config",
    source: str = "a config tree",
) -> str:
    """The Python source of pydantic models that every sample validates against.

    Args:
        samples: composed configs (plain nested data), one per composition of the tree.
        groups: the tree's config groups, for discriminated unions (see the module rules).
        class_name: the name of the top-level model.
        source: what the generated module's docstring says it was inferred from.
    """
    keys: set[str] = set()
    for sample in samples:
        keys |= _all_keys(sample)
    writer = _TreeWriter(ClassNames(keys | {class_name}), {g.path: g for g in groups})
    writer.model([dict(s) for s in samples], class_name, ())
    return writer.source(source)


def _all_keys(data: Any) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if _is_dict(item):
            found.update(str(k) for k in item)
            stack.extend(item.values())
        elif _is_list(item):
            stack.extend(item)
    return found


def _is_open(value: Any) -> bool:
    """True for values that say nothing about the type: ``???`` and whole interpolations."""
    return isinstance(value, str) and (value == "???" or bool(_INTERPOLATION.fullmatch(value)))


class _TreeWriter:
    """Collects model classes (children before parents) and renders the module."""

    def __init__(self, names: ClassNames, groups: dict[KeyPath, GroupSamples]) -> None:
        self.names = names
        self.groups = groups
        self.rendered: list[str] = []
        self.imports: set[str] = set()

    def model(
        self,
        samples: list[dict[str, Any]],
        name: str,
        path: KeyPath | None,
        tag: tuple[str, str] | None = None,
    ) -> str:
        """Render the model ``name`` for the common shape of ``samples``; return its name.

        ``path`` is the key path of the mapping (``None`` inside lists, where no group sits);
        ``tag`` is ``(key, value)`` of a discriminated union member.
        """
        keys: list[str] = []
        for sample in samples:
            keys.extend(k for k in sample if k not in keys)
        used: set[str] = set()
        if tag is not None:
            # The discriminator's attribute is named first, so it is the same in every member.
            attribute_name(tag[0], used)
        body: list[str] = []
        for key in keys:
            if tag is not None and key == tag[0]:
                attr = attribute_name(key, set())
                self.imports.add("Literal")
                annotation, required = f"Literal[{py_string(tag[1])}]", True
            else:
                attr = attribute_name(key, used)
                values = [s[key] for s in samples if key in s]
                required = len(values) == len(samples)
                child = None if path is None else (*path, key)
                annotation, nullable = self.annotation(values, key, child)
                if annotation != "Any" and (nullable or not required):
                    annotation += " | None"
            args = [] if required else ["None"]
            if attr != key:
                args.append(f"alias={py_string(key)}")
            body.append(self.line(attr, annotation, args))
        if not body:
            body.append("    pass")
        self.rendered.append(f"class {name}(BaseModel):\n" + "\n".join(body))
        return name

    def line(self, attr: str, annotation: str, args: list[str]) -> str:
        if not args:
            return f"    {attr}: {annotation}"
        if args == ["None"]:
            return f"    {attr}: {annotation} = None"
        self.imports.add("Field")
        return field_line(attr, annotation, args)

    def annotation(self, values: list[Any], key: str, path: KeyPath | None) -> tuple[str, bool]:
        """The annotation for ``values`` (without ``| None``) and whether a null was seen."""
        nullable = any(v is None for v in values)
        present = [v for v in values if v is not None and not _is_open(v)]
        if not present:
            return self.any(), nullable
        if all(_is_dict(v) for v in present):
            mappings = [v for v in present if _is_dict(v)]
            group = self.groups.get(path) if path is not None else None
            union = self.union(mappings, key, group) if group is not None else None
            if union is not None:
                return union, nullable
            if not any(mappings):
                return f"dict[str, {self.any()}]", nullable
            return self.model(mappings, self.names.new(key), path), nullable
        if all(_is_list(v) for v in present):
            items = [item for v in present if _is_list(v) for item in v]
            if not items:
                return f"list[{self.any()}]", nullable
            inner, inner_nullable = self.annotation(items, key + "_item", None)
            if inner_nullable and inner != "Any":
                inner += " | None"
            return f"list[{inner}]", nullable
        scalar = _scalar_type(present)
        return (scalar if scalar is not None else self.any()), nullable

    def any(self) -> str:
        self.imports.add("Any")
        return "Any"

    def union(self, samples: list[dict[str, Any]], key: str, group: GroupSamples) -> str | None:
        """A discriminated union over the group's options, or ``None`` when the rule fails."""
        options = {name: value for name, value in group.options.items() if _is_dict(value)}
        if len(options) < 2 or len(options) != len(group.options):
            return None
        tag = _discriminator(options)
        if tag is None:
            return None
        named = {str(value[tag]): name for name, value in options.items()}
        parts: dict[str, list[dict[str, Any]]] = {}
        for sample in samples:
            value = sample.get(tag)
            if not isinstance(value, str):
                return None  # a composition without the tag cannot pick a member
            parts.setdefault(value, []).append(sample)
        # Members in option order, then values that no option sets (an experiment's own).
        ordered = [v for v in named if v in parts] + [v for v in parts if v not in named]
        members: list[str] = []
        for value in ordered:
            hint = named.get(value) or value.rsplit(".", 1)[-1]
            members.append(
                self.model(parts[value], self.names.new(f"{key}_{hint}"), None, (tag, value))
            )
        self.imports.update(["Annotated", "Field"])
        field = attribute_name(tag, set())
        return f"Annotated[{' | '.join(members)}, Field(discriminator={py_string(field)})]"

    def source(self, source: str) -> str:
        typing_names = sorted(self.imports & {"Annotated", "Any", "Literal"})
        pydantic_names = ["BaseModel"] + (["Field"] if "Field" in self.imports else [])
        header = (
            '"""Schema inferred by typedcfg.\n\n'
            f"From {source}.\n"
            "Review the types (Any marks values that were null or unresolved in every\n"
            "composition), then add descriptions and constraints.\n"
            '"""\n\n'
        )
        imports = ""
        if typing_names:
            imports += f"from typing import {', '.join(typing_names)}\n\n"
        imports += f"from pydantic import {', '.join(pydantic_names)}\n\n\n"
        return header + imports + "\n\n\n".join(self.rendered) + "\n"


def _discriminator(options: Mapping[str, dict[str, Any]]) -> str | None:
    """The key that tells the options apart (see the module rules), if there is one."""
    first = next(iter(options.values()))
    candidates: list[str] = []
    for key in first:
        values = [o.get(key) for o in options.values()]
        texts = {v for v in values if isinstance(v, str) and not _is_open(v)}
        if len(texts) == len(options) == len(values):
            candidates.append(key)
    if "_target_" in candidates:
        return "_target_"
    return candidates[0] if candidates else None


def _scalar_type(values: list[Any]) -> str | None:
    """``int``, ``float``, ``bool``, ``str`` or a union of them; ``None`` for other values."""
    found: list[str] = []
    for value in values:
        if isinstance(value, bool):
            name = "bool"
        elif isinstance(value, int):
            name = "int"
        elif isinstance(value, float):
            name = "float"
        elif isinstance(value, str):
            name = "str"
        else:
            return None
        if name not in found:
            found.append(name)
    if "float" in found and "int" in found:
        found.remove("int")  # pydantic accepts 3 for a float
    order = ["bool", "int", "float", "str"]
    return " | ".join(sorted(found, key=order.index))


def _is_dict(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)


def _is_list(value: object) -> TypeGuard[list[Any]]:
    return isinstance(value, list)
