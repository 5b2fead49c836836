"""Models from a YAML file: the Python source of pydantic models that fit it.

``typedcfg infer`` uses it so a wandb or Hydra project can adopt a typed schema in one step:
nested mappings become nested models, lists become ``list[...]`` of their items' common type,
every value found becomes the field's default and ``desc`` texts become descriptions.
"""

from __future__ import annotations

import builtins
import itertools
import json
import keyword
import math
import os
import re
from collections.abc import Mapping
from typing import Any, TypeGuard, cast

from pydantic import BaseModel

from ..provenance import SourceKind
from ..read.yaml_loader import parse_yaml, read_text
from ..validate import MANDATORY

__all__ = ["infer_source"]


def infer_source(source: str | os.PathLike[str], class_name: str = "Config") -> str:
    """The Python source of pydantic models that fit a YAML file (plain or desc/value).

    Nested mappings become nested models, lists become ``list[...]`` of their items' common
    type, every value found becomes the field's default, and ``desc`` texts become
    ``Field(description=...)``. Keys that are not usable Python names get an alias.

    Args:
        source: a path (``os.PathLike``, or a one-line ``str`` naming an existing file), or the
            YAML text itself.
        class_name: the name of the top-level model.

    Raises:
        ConfigFileError: the file cannot be read or is not valid config YAML.
    """
    if isinstance(source, os.PathLike) or ("\n" not in source and os.path.isfile(source)):
        name = os.fspath(source)
        text = read_text(name, SourceKind.DEFAULTS_FILE)
    else:
        name, text = "<text>", str(source)
    doc = parse_yaml(text, name, SourceKind.DEFAULTS_FILE, None)
    data: dict[str, Any] = doc.data or {}
    if not class_name.isidentifier() or keyword.iskeyword(class_name):
        raise ValueError(f"class_name {class_name!r} is not a Python class name")
    # The root's name is taken first, so a nested 'config:' mapping cannot claim it.
    writer = _ModelWriter(_all_keys(data) | {class_name})
    descriptions = {
        str(path[0]): text for path, text in doc.descriptions.items() if len(path) == 1
    }
    constraints = {str(path[0]): kept for path, kept in doc.constraints.items()}
    writer.model([data], class_name, defaults=True, descriptions=descriptions,
                 constraints=constraints)
    return writer.source(name)


def _all_keys(data: Any) -> set[str]:
    found: set[str] = set()
    stack: list[Any] = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            mapping = cast(dict[str, Any], item)
            found.update(str(k) for k in mapping)
            stack.extend(mapping.values())
        elif _is_list(item):
            stack.extend(item)
    return found


# Names the generated modules import: no class or attribute may take them.
_IMPORTED = ["Annotated", "Any", "BaseModel", "Field", "Literal", "Union"]
_RESERVED = frozenset(_IMPORTED) | frozenset(dir(builtins))


class ClassNames:
    """Picks class names that clash with no key, builtin or name the module imports."""

    def __init__(self, keys: set[str]) -> None:
        self.taken: set[str] = set(_RESERVED) | keys

    def new(self, hint: str) -> str:
        """A fresh CamelCase name from ``hint`` (``optim`` -> ``Optim``, then ``OptimModel``)."""
        base = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", hint) if p)
        if not base or not base[0].isalpha():
            base = "Model" + base
        # Optim, then OptimModel, OptimModel2, OptimModel3, ...
        numbered = (f"{base}Model{n}" for n in itertools.count(2))
        candidates = itertools.chain([base, base + "Model"], numbered)
        name = next(c for c in candidates if c not in self.taken)
        self.taken.add(name)
        return name


class _ModelWriter:
    """Collects model classes (children before parents) and renders the module."""

    def __init__(self, keys: set[str]) -> None:
        self.names = ClassNames(keys)
        self.classes: list[str] = []
        self.rendered: list[str] = []
        self.uses_any = False
        self.uses_literal = False

    def class_name(self, hint: str) -> str:
        return self.names.new(hint)

    def model(
        self,
        samples: list[dict[str, Any]],
        name: str,
        defaults: bool,
        descriptions: Mapping[str, str] | None = None,
        constraints: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> str:
        keys: list[str] = []
        for sample in samples:
            keys.extend(k for k in sample if k not in keys)
        body: list[str] = []
        used: set[str] = set()
        for key in keys:
            values = [s[key] for s in samples if key in s]
            optional = len(values) < len(samples)
            annotation = self.annotation(values, key, defaults)
            limits = (constraints or {}).get(key, {})
            choices = _choices(limits, values)
            if choices is not None:
                annotation = f"Literal[{', '.join(_literal(c) for c in choices)}]"
                self.uses_literal = True
            if optional and annotation != "Any":
                annotation += " | None"
            attr = attribute_name(key, used)
            args: list[str] = []
            if defaults and values[0] == MANDATORY:
                pass  # '???': a value the file leaves to be given, so the field is required
            elif defaults:
                value = values[0]
                if annotation in self.classes and isinstance(value, dict):
                    args.append(f"default_factory={annotation}")
                elif _holds_dict(value):
                    args.extend([_literal(value), "validate_default=True"])
                else:
                    args.append(_literal(value))
            elif optional:
                args.append("None")
            if attr != key:
                args.append(f"alias={py_string(key)}")
            description = (descriptions or {}).get(key)
            if description:
                args.append(f"description={py_string(description)}")
            for limit, bound in (("min", "ge"), ("max", "le")):
                # wandb entries' 'min'/'max' (as sweeps write them) become bounds of a number.
                if _is_number(limits.get(limit)) and annotation in ("int", "float"):
                    args.append(f"{bound}={limits[limit]!r}")
            if not args:
                body.append(f"    {attr}: {annotation}")
            elif len(args) == 1 and not args[0].startswith(("default_factory", "alias")):
                body.append(f"    {attr}: {annotation} = {args[0]}")
            else:
                body.append(field_line(attr, annotation, args))
        if not body:
            body.append("    pass")
        self.classes.append(name)
        self.rendered.append(f"class {name}(BaseModel):\n" + "\n".join(body))
        return name

    def annotation(self, values: list[Any], key: str, defaults: bool) -> str:
        present = [v for v in values if v is not None and v != MANDATORY]
        nullable = any(v is None for v in values)
        if not present:
            self.uses_any = True
            return "Any"
        if all(isinstance(v, bool) for v in present):
            found = "bool"
        elif all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            found = "int"
        elif all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in present):
            found = "float"
        elif all(isinstance(v, str) for v in present):
            found = "str"
        elif all(isinstance(v, list) for v in present):
            items = [item for v in present for item in v]
            if items:
                found = f"list[{self.annotation(items, key + '_item', False)}]"
            else:
                self.uses_any = True
                found = "list[Any]"
        elif all(isinstance(v, dict) for v in present):
            if not any(present):
                self.uses_any = True
                found = "dict[str, Any]"
            else:
                # One mapping read from the file keeps its values as defaults; mappings inside
                # lists only share a shape.
                single = defaults and len(present) == 1
                found = self.model(present, self.class_name(key), single)
        else:
            self.uses_any = True
            return "Any"
        return f"{found} | None" if nullable else found

    def source(self, name: str) -> str:
        names = [n for n, used in (("Any", self.uses_any), ("Literal", self.uses_literal)) if used]
        typing_import = f"from typing import {', '.join(names)}\n\n" if names else ""
        header = (
            f'"""Schema inferred by typedcfg from {os.path.basename(name)}.\n\n'
            "Review the types (a null value gives Any), then add descriptions and constraints.\n"
            '"""\n\n'
        )
        return (
            header
            + typing_import
            + "from pydantic import BaseModel, Field\n\n\n"
            + "\n\n\n".join(self.rendered)
            + "\n"
        )


def field_line(attr: str, annotation: str, args: list[str]) -> str:
    """``name: type = Field(...)``, wrapped the way a formatter would past 100 characters."""
    line = f"    {attr}: {annotation} = Field({', '.join(args)})"
    if len(line) <= 100:
        return line
    inner = f"        {', '.join(args)}"
    if len(inner) <= 100:
        return f"    {attr}: {annotation} = Field(\n{inner}\n    )"
    one_per_line = "".join(f"        {a},\n" for a in args)
    return f"    {attr}: {annotation} = Field(\n{one_per_line}    )"


def _is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _choices(limits: Mapping[str, Any], values: list[Any]) -> list[object] | None:
    """The choices of a wandb entry's ``allowed_values``/``values`` when they suit a
    ``Literal`` (scalars, holding the value found), else ``None``."""
    for name in ("allowed_values", "values"):
        found: object = limits.get(name)
        if isinstance(found, list) and found:
            items = cast("list[object]", found)
            scalar = all(isinstance(c, (str, int, bool)) for c in items)
            if scalar and all(v in items for v in values if v is not None):
                return list(dict.fromkeys(items))
    return None


def _holds_dict(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(cast(dict[str, Any], value))
    return _is_list(value) and any(_holds_dict(v) for v in value)


def attribute_name(key: str, used: set[str]) -> str:
    """A Python attribute name for ``key`` (the key itself when that is safe)."""
    name = re.sub(r"\W", "_", key).lstrip("_") or "field"
    if name[0].isdigit():
        name = "f_" + name
    if (
        keyword.iskeyword(name)
        or name in _RESERVED
        or hasattr(BaseModel, name)
        or name.startswith(("model_validate", "model_dump"))
    ):
        name += "_"
    base, n = name, 1
    while name in used:
        n += 1
        name = f"{base}_{n}"
    used.add(name)
    return name


def _literal(value: Any) -> str:
    """Python source for a JSON-like value."""
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({py_string(str(value))})"
    if _is_list(value):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        items = cast(dict[str, Any], value).items()
        return "{" + ", ".join(f"{py_string(k)}: {_literal(v)}" for k, v in items) + "}"
    if isinstance(value, str):
        return py_string(value)
    return repr(value)


def py_string(text: str) -> str:
    """A double-quoted Python string literal (a JSON string literal is a valid Python one)."""
    return json.dumps(text, ensure_ascii=False)


def _is_list(value: object) -> TypeGuard[list[Any]]:
    return isinstance(value, list)
