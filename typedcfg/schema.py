"""Schemas for tools: JSON Schema for YAML editors, ``config-defaults.yaml``, inferred models.

Layer 4: imports layers 0-3 (:mod:`typedcfg.typeinfo`, :mod:`typedcfg.yaml_loader`, ...).

- :func:`json_schema` turns a typedcfg schema into a JSON Schema, either for plain YAML files or
  for wandb's desc/value ``config-defaults.yaml`` form. It starts from pydantic's own JSON
  Schema (descriptions, defaults, enums, constraints, discriminated unions) and closes every
  model that typedcfg closes, so an editor flags the same unknown keys typedcfg rejects.
- :func:`defaults_yaml` writes a complete ``config-defaults.yaml`` from the schema's defaults.
- :func:`infer_source` goes the other way: the Python source of pydantic models that fit an
  existing YAML file, so a project can adopt a typed schema in one step.
"""

from __future__ import annotations

import builtins
import dataclasses
import json
import keyword
import math
import os
import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema, to_jsonable_python

from .errors import SchemaError
from .provenance import SourceKind
from .typeinfo import MODEL, TypeNode, schema_tree, type_name
from .yaml_loader import parse_scalar, parse_yaml, read_text

__all__ = ["DRAFT", "defaults_yaml", "infer_source", "json_schema"]

DRAFT = "https://json-schema.org/draft/2020-12/schema"

Style = Literal["plain", "wandb"]

# What a ``desc`` may hold: typedcfg reads any scalar there and keeps the text.
_DESC_SCHEMA: dict[str, Any] = {
    "description": "Human-readable description of the entry (kept by typedcfg, ignored by wandb).",
    "type": ["string", "number", "boolean", "null"],
}
# The desc schema lives once in $defs, under a name no Python class can have.
_DESC_DEF = "typedcfg.desc"
_DESC_REF = "#/$defs/" + _DESC_DEF
_WANDB_VERSION_SCHEMA: dict[str, Any] = {
    "description": "Version of the desc/value format; only 1 exists.",
    "enum": [1, "1"],
}
_DEFAULTS_LIST_SCHEMA: dict[str, Any] = {
    "description": (
        "Hydra-style defaults list: other config files and config-group options composed "
        "before this file's own keys (unless '_self_' says otherwise)."
    ),
    "type": ["array", "null"],
    "items": {
        "anyOf": [
            {"type": "string"},
            {
                "type": "object",
                "minProperties": 1,
                "maxProperties": 1,
                "additionalProperties": {
                    "anyOf": [
                        {"type": ["string", "null"]},
                        {"type": "array", "items": {"type": "string"}},
                    ]
                },
            },
        ]
    },
}


class _TypedcfgJsonSchema(GenerateJsonSchema):
    """pydantic's generator, with objects closed wherever typedcfg rejects unknown keys.

    typedcfg forbids unknown keys unless a model's own config says ``extra="allow"`` or
    ``"ignore"``, while pydantic's default is to ignore them; without this, editors would
    accept a typo that ``typedcfg check`` rejects.
    """

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        return _close(super().model_schema(schema), schema["cls"])

    def dataclass_schema(self, schema: core_schema.DataclassSchema) -> JsonSchemaValue:
        return _close(super().dataclass_schema(schema), schema["cls"])


def _tree(schema: type[Any]) -> TypeNode:
    # Bare ``type``: mypy reads ``type[Any]`` as unhashable for the lru_cache'd schema_tree.
    cls: type = schema
    return schema_tree(cls)


def _close(json_schema: JsonSchemaValue, cls: type[Any]) -> JsonSchemaValue:
    if "properties" not in json_schema and json_schema.get("type") != "object":
        return json_schema  # a RootModel or a reference: nothing to close
    extra = _tree(cls).extra
    if extra == "forbid":
        json_schema["additionalProperties"] = False
    elif extra == "ignore":
        json_schema.pop("additionalProperties", None)
    return json_schema


def json_schema(schema: type[Any], style: Style = "plain") -> dict[str, Any]:
    """The JSON Schema of config files for ``schema``.

    Args:
        schema: a pydantic model, pydantic dataclass or dataclass.
        style: ``"plain"`` for plain YAML files (``optim: {lr: 0.1}``); ``"wandb"`` for the
            desc/value form of ``config-defaults.yaml`` (``lr: {desc: ..., value: 0.1}``,
            optionally with ``wandb_version: 1``).

    Returns:
        A JSON-serialisable dict (draft 2020-12), ready for ``json.dumps``.

    Raises:
        SchemaError: ``schema`` is not a schema, or pydantic cannot describe it.
    """
    tree = _tree(schema)
    if style not in ("plain", "wandb"):
        raise SchemaError(f"unknown JSON Schema style {style!r}; use 'plain' or 'wandb'")
    try:
        plain = TypeAdapter(schema).json_schema(
            mode="validation", schema_generator=_TypedcfgJsonSchema
        )
    except Exception as exc:  # pydantic raises several kinds for types JSON cannot describe
        raise SchemaError(
            f"{type_name(schema)}: cannot generate a JSON Schema: {exc}"
        ) from exc
    plain = _resolve_root(plain)
    if tree.children is not None and "defaults" not in tree.children:
        # Any typedcfg config file may start with a defaults list (typedcfg consumes it).
        plain.setdefault("properties", {})["defaults"] = _DEFAULTS_LIST_SCHEMA
    out: dict[str, Any] = {"$schema": DRAFT}
    if style == "plain":
        out.update(plain)
        return out
    return _wandb_style(out, plain, tree)


def _resolve_root(plain: dict[str, Any]) -> dict[str, Any]:
    """Inline a root that is only a ``$ref`` (pydantic does that for recursive schemas)."""
    ref = plain.get("$ref")
    defs = plain.get("$defs", {})
    if isinstance(ref, str) and ref.startswith("#/$defs/") and len(plain) <= 2:
        name = ref[len("#/$defs/") :]
        root = dict(defs[name])
        root["$defs"] = defs
        return root
    return plain


def _wandb_style(out: dict[str, Any], plain: dict[str, Any], tree: TypeNode) -> dict[str, Any]:
    for key in ("title", "description"):
        if key in plain:
            out[key] = plain[key]
    out["type"] = "object"
    properties: dict[str, Any] = {
        "wandb_version": _WANDB_VERSION_SCHEMA,
        "_wandb": {"description": "wandb's own bookkeeping in a saved run config (ignored)."},
    }
    for key, field_schema in plain.get("properties", {}).items():
        field = tree.fields.get(key)
        if field is None:  # the defaults list: no desc/value wrapper
            properties[key] = field_schema
            continue
        entry: dict[str, Any] = {"type": "object"}
        if field.description:
            entry["description"] = field.description
        entry["properties"] = {"desc": {"$ref": _DESC_REF}, "value": field_schema}
        entry["required"] = ["value"]
        entry["additionalProperties"] = False
        properties[key] = entry
    out["properties"] = properties
    if plain.get("required"):
        out["required"] = list(plain["required"])
    if "additionalProperties" in plain:
        out["additionalProperties"] = plain["additionalProperties"]
    out["$defs"] = {**plain.get("$defs", {}), _DESC_DEF: _DESC_SCHEMA}
    return out


# --------------------------------------------------------------------------------------------
# config-defaults.yaml from a schema


def defaults_yaml(schema: type[Any]) -> str:
    """A complete ``config-defaults.yaml`` (desc/value form) holding the schema's defaults.

    Every top-level field becomes ``key: {desc: <description>, value: <default>}``; nested
    fields' descriptions become comments. Required fields without a default get ``null`` and a
    ``# required`` comment. Scalars are written so that typedcfg (YAML 1.2) and wandb (PyYAML,
    YAML 1.1) read the same values.

    Raises:
        SchemaError: ``schema`` is not a schema.
    """
    tree = _tree(schema)
    lines = [
        f"# config-defaults.yaml for {type_name(schema)}, written by typedcfg from the schema.",
        "# wandb reads each 'value'; typedcfg also keeps each 'desc'.",
    ]
    for field in tree.fields.values():
        lines.append(f"{_key(field.key)}:")
        if field.description:
            lines.append(f"  desc: {_scalar(field.description)}")
        value, required = _field_default(tree, field.key)
        lines.extend(_emit_entry("value", value, field.type, 1, required, field.type))
    return "\n".join(lines) + "\n"


def _field_default(node: TypeNode, key: str) -> tuple[Any, bool]:
    """``(JSON-safe default, required)`` for field ``key`` of model ``node``."""
    field = node.fields[key]
    if not field.required:
        if field.default is not dataclasses.MISSING:
            return to_jsonable_python(field.default), False
        return to_jsonable_python(_factory_default(node.cls, field.name)), False
    if field.type.kind == MODEL:
        return _model_defaults(field.type), False
    return None, True


def _model_defaults(node: TypeNode) -> dict[str, Any]:
    return {key: _field_default(node, key)[0] for key in node.fields}


def _factory_default(cls: type[Any] | None, name: str) -> Any:
    """Call the default factory of field ``name`` (pydantic model, pydantic or stdlib dataclass)."""
    if cls is None:
        return None
    if isinstance(cls, type) and issubclass(cls, BaseModel):
        return cls.model_fields[name].get_default(call_default_factory=True, validated_data={})
    pyd_fields = getattr(cls, "__pydantic_fields__", None)
    if isinstance(pyd_fields, dict) and name in pyd_fields:
        return pyd_fields[name].get_default(call_default_factory=True, validated_data={})
    for f in dataclasses.fields(cls):
        if f.name == name and f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
    return None


def _emit_entry(
    key: str, value: Any, node: TypeNode | None, depth: int, required: bool, field: Any
) -> list[str]:
    pad = "  " * depth
    if required:
        return [f"{pad}{_key(key)}: null  # required ({type_name(field.annotation)})"]
    if isinstance(value, dict) and value:
        lines = [f"{pad}{_key(key)}:"]
        lines.extend(_emit_mapping(value, node, depth + 1))
        return lines
    if isinstance(value, list) and value:
        lines = [f"{pad}{_key(key)}:"]
        lines.extend(_emit_list(value, depth + 1))
        return lines
    return [f"{pad}{_key(key)}: {_inline(value)}"]


def _emit_mapping(value: Mapping[str, Any], node: TypeNode | None, depth: int) -> list[str]:
    lines: list[str] = []
    pad = "  " * depth
    if node is not None:
        node = node.select(value)
    for key, item in value.items():
        field = node.fields.get(key) if node is not None and node.kind == MODEL else None
        child = node.child(key) if node is not None else None
        if field is not None and field.description:
            lines.extend(f"{pad}# {text}" for text in field.description.splitlines())
        required = field is not None and field.required and item is None and (
            field.type.kind != MODEL
        )
        lines.extend(_emit_entry(key, item, child, depth, required, field.type if field else None))
    return lines


def _emit_list(value: list[Any], depth: int) -> list[str]:
    lines: list[str] = []
    pad = "  " * depth
    for item in value:
        if isinstance(item, dict) and item:
            inner = _emit_mapping(item, None, depth + 1)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        elif isinstance(item, list) and item:
            lines.append(f"{pad}-")
            lines.extend(_emit_list(item, depth + 1))
        else:
            lines.append(f"{pad}- {_inline(item)}")
    return lines


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


_PLAIN_TEXT = re.compile(r"[A-Za-z_/][A-Za-z0-9_./ -]*\Z")


def _scalar(value: Any) -> str:
    """One scalar as YAML text that YAML 1.2 (typedcfg) and YAML 1.1 (wandb) read alike."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        text = repr(value)
        # PyYAML (YAML 1.1) reads '1e-05' as a string; '1.0e-05' is a float for both.
        if "e" in text and "." not in text:
            text = text.replace("e", ".0e", 1)
        return text
    text = str(value)
    if _PLAIN_TEXT.match(text) and not text.endswith(" ") and parse_scalar(text) == text and (
        text.lower() not in _YAML11_WORDS
    ):
        return text
    return json.dumps(text, ensure_ascii=False)


# Plain words that YAML 1.1 (PyYAML, hence wandb) reads as booleans or null.
_YAML11_WORDS = frozenset(
    ["y", "n", "yes", "no", "on", "off", "true", "false", "null", "~"]
)


def _key(key: str) -> str:
    return _scalar(key) if key else '""'


# --------------------------------------------------------------------------------------------
# models from a YAML file


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
    writer = _ModelWriter(_all_keys(data))
    descriptions = {
        str(path[0]): text for path, text in doc.descriptions.items() if len(path) == 1
    }
    writer.model([data], class_name, defaults=True, descriptions=descriptions)
    return writer.source(name)


def _all_keys(data: Any) -> set[str]:
    found: set[str] = set()
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found.update(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return found


_RESERVED = frozenset(["Any", "BaseModel", "Field"]) | frozenset(dir(builtins))


class _ModelWriter:
    """Collects model classes (children before parents) and renders the module."""

    def __init__(self, keys: set[str]) -> None:
        self.taken: set[str] = set(_RESERVED) | keys
        self.classes: list[str] = []
        self.rendered: list[str] = []
        self.uses_any = False

    def class_name(self, hint: str) -> str:
        base = "".join(p[:1].upper() + p[1:] for p in re.split(r"[^A-Za-z0-9]+", hint) if p)
        if not base or not base[0].isalpha():
            base = "Model" + base
        name, n = base, 1
        while name in self.taken:
            n += 1
            name = f"{base}Model{n if n > 2 else ''}"
        self.taken.add(name)
        return name

    def model(
        self,
        samples: list[dict[str, Any]],
        name: str,
        defaults: bool,
        descriptions: Mapping[str, str] | None = None,
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
            if optional and annotation != "Any":
                annotation += " | None"
            attr = _attribute(key, used)
            args: list[str] = []
            if defaults:
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
                args.append(f"alias={key!r}")
            description = (descriptions or {}).get(key)
            if description:
                args.append(f"description={description!r}")
            if not args:
                body.append(f"    {attr}: {annotation}")
            elif len(args) == 1 and not args[0].startswith(("default_factory", "alias")):
                body.append(f"    {attr}: {annotation} = {args[0]}")
            else:
                body.append(f"    {attr}: {annotation} = Field({', '.join(args)})")
        if not body:
            body.append("    pass")
        self.classes.append(name)
        self.rendered.append(f"class {name}(BaseModel):\n" + "\n".join(body))
        return name

    def annotation(self, values: list[Any], key: str, defaults: bool) -> str:
        present = [v for v in values if v is not None]
        nullable = len(present) < len(values)
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
        typing_import = "from typing import Any\n\n" if self.uses_any else ""
        header = (
            f'"""Schema inferred by typedcfg from {os.path.basename(name)}; '
            'review the types and descriptions."""\n\n'
        )
        return (
            header
            + typing_import
            + "from pydantic import BaseModel, Field\n\n\n"
            + "\n\n\n".join(self.rendered)
            + "\n"
        )


def _holds_dict(value: Any) -> bool:
    if isinstance(value, dict):
        return bool(value)
    return isinstance(value, list) and any(_holds_dict(v) for v in value)


def _attribute(key: str, used: set[str]) -> str:
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
        return f"float({str(value)!r})"
    if isinstance(value, list):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)
