"""Schemas for tools: JSON Schema for YAML editors, ``config-defaults.yaml``, inferred models.

- :func:`json_schema` turns a typedcfg schema into a JSON Schema, either for plain YAML files or
  for wandb's desc/value ``config-defaults.yaml`` form. It starts from pydantic's own JSON
  Schema (descriptions, defaults, enums, constraints, discriminated unions) and closes every
  model that typedcfg closes, so an editor flags the same unknown keys typedcfg rejects.
- :func:`defaults_yaml` writes a complete ``config-defaults.yaml`` from the schema's defaults.
- :func:`infer_source` (from :mod:`typedcfg.tools.infer`) goes the other way: the Python source of
  pydantic models that fit an existing YAML file.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
from collections.abc import Mapping
from typing import Any, Literal, TypeGuard, cast

from pydantic import BaseModel, TypeAdapter
from pydantic.fields import FieldInfo
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema, to_jsonable_python

from ..errors import SchemaError
from ..read.desc_value import ENTRY_KEYS
from ..read.yaml_loader import parse_scalar
from ..typeinfo import MODEL, TypeNode, schema_tree, type_name
from .infer import infer_source

__all__ = ["DRAFT", "defaults_yaml", "format_schema", "infer_source", "json_schema"]

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


def json_schema(
    schema: type[Any], style: Style = "plain", *, partial: bool = False
) -> dict[str, Any]:
    """The JSON Schema of config files for ``schema``.

    Args:
        schema: a pydantic model, pydantic dataclass or dataclass.
        style: ``"plain"`` for plain YAML files (``optim: {lr: 0.1}``); ``"wandb"`` for the
            desc/value form of ``config-defaults.yaml`` (``lr: {desc: ..., value: 0.1}``,
            optionally with ``wandb_version: 1``).
        partial: nothing required at any depth, for fragments (``--configs`` files, group
            options), as ``check --partial`` checks them; desc/value entries keep ``value``.

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
    if partial:
        from .partial import drop_required

        drop_required(plain)
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
        entry["properties"] = {**_entry_keys(), "value": field_schema}
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


def _entry_keys() -> dict[str, Any]:
    """The sub-keys of a desc/value entry besides ``value``: the help text (``desc`` or
    ``description``) and the sweep-style keys real files hold (read, kept for ``infer``)."""
    keys: dict[str, Any] = {"desc": {"$ref": _DESC_REF}, "description": {"$ref": _DESC_REF}}
    for name in sorted(ENTRY_KEYS - {"desc", "description", "value"}):
        keys[name] = {"description": f"{name!r} of a sweep-style entry (not part of the value)."}
    return keys


def format_schema() -> dict[str, Any]:
    """The JSON Schema of the desc/value file format itself, for any ``config-defaults.yaml``.

    Every top-level key (besides ``wandb_version``, ``_wandb`` and a defaults list) must be an
    entry holding ``value`` and optionally ``desc``, nothing else: what wandb's own loader needs,
    and what flags a misspelt ``dec:`` or ``vlaue:`` that wandb and typedcfg would read as data.
    The values themselves are not checked; :func:`json_schema` with ``style="wandb"`` does that.
    """
    entry = {
        "description": "One setting: its value, and optionally a description.",
        "type": "object",
        "properties": {
            **_entry_keys(),
            "value": {"description": "The setting's default value (any YAML value)."},
        },
        "required": ["value"],
        "additionalProperties": False,
    }
    return {
        "$schema": DRAFT,
        "title": "config-defaults.yaml (desc/value form)",
        "description": (
            "wandb's config-defaults.yaml: each top-level key holds {desc, value}; "
            "wandb reads the values, typedcfg also keeps the descriptions."
        ),
        "type": ["object", "null"],
        "properties": {
            "wandb_version": _WANDB_VERSION_SCHEMA,
            "_wandb": {"description": "wandb's own bookkeeping in a saved run config (ignored)."},
            "defaults": _DEFAULTS_LIST_SCHEMA,
        },
        "additionalProperties": {"$ref": "#/$defs/entry"},
        "$defs": {"entry": entry, _DESC_DEF: _DESC_SCHEMA},
    }


# --------------------------------------------------------------------------------------------
# config-defaults.yaml from a schema


def defaults_yaml(schema: type[Any]) -> str:
    """A complete ``config-defaults.yaml`` (desc/value form) holding the schema's defaults.

    Every top-level field becomes ``key: {desc: <description>, value: <default>}``; nested
    fields' descriptions become comments. Required fields without a default get ``null`` and a
    ``# required`` comment. Secrets (``SecretStr``) are never written: a comment says the
    schema's default applies. Scalars are written so that typedcfg (YAML 1.2) and wandb (PyYAML,
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
        if field.type.secret and not field.required:
            lines.append(f"# {field.key}: {_SECRET_NOTE}")
            continue
        lines.append(f"{_key(field.key)}:")
        if field.description:
            lines.append(f"  desc: {_scalar(field.description)}")
        value, required = _field_default(tree, field.key)
        lines.extend(_emit_entry("value", value, field.type, 1, required, field.type))
    return "\n".join(lines) + "\n"


_SECRET_NOTE = (
    "a secret, not written here; the schema's default applies unless the environment or the "
    "command line sets it"
)


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
    info: FieldInfo | None = None
    if issubclass(cls, BaseModel):
        info = cls.model_fields[name]
    else:
        pyd_fields: Any = getattr(cls, "__pydantic_fields__", None)
        if isinstance(pyd_fields, dict):
            info = cast(dict[str, FieldInfo], pyd_fields).get(name)
    if info is not None:
        return info.get_default(call_default_factory=True, validated_data={})
    for f in dataclasses.fields(cast(Any, cls)):
        if f.name == name and f.default_factory is not dataclasses.MISSING:
            return f.default_factory()
    return None


def _emit_entry(
    key: str, value: Any, node: TypeNode | None, depth: int, required: bool, field: Any
) -> list[str]:
    pad = "  " * depth
    if required:
        return [f"{pad}{_key(key)}: null  # required ({type_name(field.annotation)})"]
    if _is_dict(value) and value:
        lines = [f"{pad}{_key(key)}:"]
        lines.extend(_emit_mapping(value, node, depth + 1))
        return lines
    if _is_list(value) and value:
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
        if child is not None and child.secret and item is not None:
            lines.append(f"{pad}# {key}: {_SECRET_NOTE}")
            continue
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
        if _is_dict(item) and item:
            inner = _emit_mapping(item, None, depth + 1)
            lines.append(f"{pad}- {inner[0].lstrip()}")
            lines.extend(inner[1:])
        elif _is_list(item) and item:
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


def _is_list(value: object) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


def _is_dict(value: object) -> TypeGuard[dict[str, Any]]:
    return isinstance(value, dict)
