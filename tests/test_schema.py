"""JSON Schema, config-defaults.yaml and inferred models (typedcfg/schema.py, typedcfg/infer.py).

The JSON Schemas are checked with the ``jsonschema`` package on valid and invalid files, and
must agree with typedcfg's own verdict (``typedcfg check``) on each.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import math
import textwrap
import warnings
from pathlib import Path
from typing import Annotated, Any, Literal

import jsonschema
import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError

import typedcfg
from typedcfg.app.cli import check_file, load_schema
from typedcfg.errors import ConfigFileError, ConfigValidationError, KeyWarning
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import parse_yaml, read_text
from typedcfg.tools.json_schema import defaults_yaml, format_schema, infer_source, json_schema
from typedcfg.typeinfo import schema_tree
from typedcfg.validate import validate

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
EXAMPLE = REPO / "examples" / "07_ci_check"


class Act(str, enum.Enum):
    relu = "relu"
    gelu = "gelu"


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = Field(1e-3, gt=0, description="Learning rate.")


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = Field(0.9, ge=0, le=1)


class Extras(BaseModel):
    model_config = ConfigDict(extra="allow")
    seed: int = 0


@dataclasses.dataclass
class Data:
    path: str = "data/"
    workers: int = 4


class Train(BaseModel):
    name: str = Field(description="Run name.")
    epochs: int = Field(10, ge=1, description="Passes over the data.")
    act: Act = Act.relu
    optim: Annotated[Adam | SGD, Field(discriminator="name")] = Field(
        default_factory=Adam
    )
    extras: Extras = Field(default_factory=Extras)
    data: Data = Field(default_factory=Data)
    tags: list[str] = []


def instance(text: str) -> Any:
    """The file as an editor sees it: plain YAML data, desc/value entries left as mappings."""
    if "wandb_version" in text:
        return yaml.safe_load(text)  # typedcfg's raw mode refuses versioned files
    return parse_yaml(text, "x.yaml", SourceKind.CONFIG_FILE, None, desc_value=False).data


# (id, style, file text, valid?)
CASES = [
    ("plain-minimal", "plain", "name: run1\n", True),
    (
        "plain-full",
        "plain",
        """
        name: run1
        epochs: 3
        act: gelu
        optim: {name: sgd, lr: 0.5, momentum: 0.5}
        extras: {seed: 1, anything: else}
        data: {path: /tmp, workers: 2}
        tags: [a, b]
        """,
        True,
    ),
    ("plain-int-for-float", "plain", "name: r\noptim: {name: adam, lr: 1}\n", True),
    ("plain-defaults-list", "plain", "defaults:\n  - _self_\nname: r\n", True),
    ("plain-missing-required", "plain", "epochs: 3\n", False),
    ("plain-wrong-type", "plain", "name: r\nepochs: many\n", False),
    ("plain-below-minimum", "plain", "name: r\nepochs: 0\n", False),
    ("plain-null", "plain", "name: r\nepochs: null\n", False),
    ("plain-enum", "plain", "name: r\nact: tanh\n", False),
    ("plain-unknown-top", "plain", "name: r\nepoch: 3\n", False),
    ("plain-unknown-in-member", "plain", "name: r\noptim: {name: adam, momentum: 0.9}\n", False),
    ("plain-bad-tag", "plain", "name: r\noptim: {name: rmsprop}\n", False),
    ("plain-constraint-in-member", "plain", "name: r\noptim: {name: sgd, momentum: 2}\n", False),
    ("plain-unknown-in-dataclass", "plain", "name: r\ndata: {path: x, bogus: 1}\n", False),
    ("plain-list-item", "plain", "name: r\ntags: [a, [b]]\n", False),
    (
        "wandb-valid",
        "wandb",
        """
        name:
          desc: Run name.
          value: run1
        epochs:
          value: 3
        optim:
          value: {name: sgd, momentum: 0.1}
        """,
        True,
    ),
    ("wandb-versioned", "wandb", "wandb_version: 1\nname:\n  value: r\n", True),
    ("wandb-null-desc", "wandb", "name:\n  desc:\n  value: r\n", True),
    ("wandb-no-value", "wandb", "name:\n  desc: only a description\n", False),
    ("wandb-wrong-type", "wandb", "name:\n  value: r\nepochs:\n  value: x\n", False),
    ("wandb-unknown-key", "wandb", "name:\n  value: r\nepoch:\n  value: 3\n", False),
    ("wandb-missing-required", "wandb", "epochs:\n  value: 3\n", False),
    (
        # wandb sweep-style keys beside the value are read (kept for typedcfg infer).
        "wandb-sweep-style-key",
        "wandb",
        "wandb_version: 1\nname:\n  value: r\n  min: 1\n",
        True,
    ),
    ("wandb-description", "wandb", "name:\n  description: the run\n  value: r\n", True),
    ("wandb-version-2", "wandb", "wandb_version: 2\nname:\n  value: r\n", False),
    (
        "wandb-unknown-in-value",
        "wandb",
        "name:\n  value: r\noptim:\n  value: {name: adam, momentum: 0.9}\n",
        False,
    ),
]


def typedcfg_verdict(schema: type[Any], path: Path, partial: bool = False) -> bool:
    """True when ``typedcfg check`` finds no error in the file."""
    problems = check_file(schema, str(path), partial=partial)
    return not [p for p in problems if p.level == "error"]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_jsonschema_agrees_with_typedcfg(case: tuple[str, str, str, bool], tmp_path: Path) -> None:
    """jsonschema and typedcfg give the same verdict, and it is the expected one."""
    _, style, text, expected = case
    text = textwrap.dedent(text).lstrip("\n")
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    validator = jsonschema.Draft202012Validator(json_schema(Train, style))  # type: ignore[arg-type]
    assert validator.is_valid(instance(text)) is expected
    assert typedcfg_verdict(Train, path) is expected


def test_plain_schema_carries_descriptions_defaults_enums_constraints_and_unions() -> None:
    """What yaml-language-server shows comes from the schema: texts, defaults, limits, tags."""
    schema = json_schema(Train)
    props = schema["properties"]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert props["epochs"] == {
        "default": 10,
        "description": "Passes over the data.",
        "minimum": 1,
        "title": "Epochs",
        "type": "integer",
    }
    assert schema["$defs"]["Act"]["enum"] == ["relu", "gelu"]
    assert props["optim"]["discriminator"]["propertyName"] == "name"
    assert props["optim"]["oneOf"] == [{"$ref": "#/$defs/Adam"}, {"$ref": "#/$defs/SGD"}]
    assert schema["$defs"]["Adam"]["properties"]["lr"]["exclusiveMinimum"] == 0
    assert schema["required"] == ["name"]
    # Closed where typedcfg forbids unknown keys, open where the model allows them.
    assert schema["additionalProperties"] is False
    assert schema["$defs"]["Adam"]["additionalProperties"] is False
    assert schema["$defs"]["Data"]["additionalProperties"] is False
    assert schema["$defs"]["Extras"]["additionalProperties"] is True


def test_wandb_schema_wraps_each_top_level_field() -> None:
    """style='wandb': every field is {desc, value}, value holding the field's plain schema."""
    plain = json_schema(Train)
    wandb = json_schema(Train, "wandb")
    entry = wandb["properties"]["epochs"]
    assert entry["description"] == "Passes over the data."
    assert entry["required"] == ["value"]
    assert entry["additionalProperties"] is False
    assert entry["properties"]["value"] == plain["properties"]["epochs"]
    assert wandb["properties"]["wandb_version"]["enum"] == [1, "1"]
    assert wandb["required"] == ["name"]
    assert wandb["$defs"]["Adam"] == plain["$defs"]["Adam"]


def test_json_schema_rejects_a_non_schema_and_an_unknown_style() -> None:
    """A class that is not a schema, or a style that does not exist, is a SchemaError."""
    with pytest.raises(typedcfg.SchemaError, match="is not a schema"):
        json_schema(int)
    with pytest.raises(typedcfg.SchemaError, match="unknown JSON Schema style 'toml'"):
        json_schema(Train, "toml")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("ref", "file", "schema_file", "expected"),
    [
        (
            "examples/07_ci_check/config_schema.py:TrainConfig",
            "examples/07_ci_check/fixed.yaml",
            "schemas/examples/07_ci_check.wandb.schema.json",
            True,
        ),
        (
            "examples/07_ci_check/config_schema.py:TrainConfig",
            "examples/07_ci_check/broken.yaml",
            "schemas/examples/07_ci_check.wandb.schema.json",
            False,
        ),
        (
            "examples/07_ci_check/config_schema.py:TrainConfig",
            "examples/07_ci_check/long_run.yaml",
            "schemas/examples/07_ci_check.schema.json",
            False,  # a fragment: run_name is missing
        ),
        (
            "examples/05_wandb/train.py:TrainConfig",
            "examples/05_wandb/config-defaults.yaml",
            "schemas/examples/05_wandb.wandb.schema.json",
            True,
        ),
        (
            "examples/01_quickstart/train.py:Config",
            "examples/01_quickstart/config-defaults.yaml",
            "schemas/examples/01_quickstart.wandb.schema.json",
            True,
        ),
    ],
    ids=["07-fixed", "07-broken", "07-fragment", "05-defaults", "01-defaults"],
)
def test_example_files_agree(
    ref: str, file: str, schema_file: str, expected: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An example's committed schema and typedcfg agree on its config files."""
    monkeypatch.chdir(REPO)
    committed = json.loads((REPO / schema_file).read_text(encoding="utf-8"))
    text = (REPO / file).read_text(encoding="utf-8")
    validator = jsonschema.Draft202012Validator(committed)
    assert validator.is_valid(instance(text)) is expected
    assert typedcfg_verdict(load_schema(ref), REPO / file) is expected


def test_broken_example_has_one_jsonschema_error_per_typedcfg_problem(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Editors flag the same five mistakes that `typedcfg check` reports."""
    monkeypatch.chdir(REPO)
    schema = load_schema("examples/07_ci_check/config_schema.py:TrainConfig")
    committed = json.loads((REPO / "schemas/examples/07_ci_check.wandb.schema.json").read_text())
    text = (EXAMPLE / "broken.yaml").read_text(encoding="utf-8")
    errors = list(jsonschema.Draft202012Validator(committed).iter_errors(instance(text)))
    problems = check_file(schema, "examples/07_ci_check/broken.yaml")
    assert len(problems) == 5
    # jsonschema reports oneOf failures as one error for the union: count by top-level key.
    assert sorted({e.absolute_path[0] if e.absolute_path else "<root>" for e in errors}) == [
        "<root>",  # the unknown top-level key 'warmup_step'
        "batch_size",
        "epochs",
        "optim",
        "precision",
    ]


# ---------------------------------------------------------------------------------------------
# The generic desc/value format schema


def corpus_files() -> list[Path]:
    return sorted((CORPUS / "wandb-defaults").glob("*.yaml"))


def test_the_corpus_is_in_the_repository() -> None:
    """tests/corpus holds the 40 real wandb files and the Lightning-Hydra template."""
    assert len(corpus_files()) == 40
    assert (CORPUS / "hydra-template" / "configs" / "train.yaml").is_file()


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_format_schema_accepts_exactly_the_all_desc_value_files(path: Path) -> None:
    """The format schema accepts a real file iff typedcfg reads every entry as desc/value."""
    text = read_text(str(path), SourceKind.DEFAULTS_FILE)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", KeyWarning)
            doc = parse_yaml(text, str(path), SourceKind.DEFAULTS_FILE, None)
        entries = [k for k in (doc.data or {}) if k != "defaults"]
        # An entry with an unknown sub-key (a KeyWarning) is flagged by the schema too.
        ours = doc.desc_value == len(entries) and not caught
    except ConfigFileError:
        ours = False
    validator = jsonschema.Draft202012Validator(format_schema())
    assert validator.is_valid(yaml.safe_load(text)) is ours


def test_format_schema_flags_a_misspelt_wrapper_key() -> None:
    """'dec:' for 'desc:' is an error in the editor, as it would be silently data otherwise."""
    validator = jsonschema.Draft202012Validator(format_schema())
    errors = list(validator.iter_errors({"lr": {"dec": "learning rate", "value": 0.1}}))
    assert [e.message for e in errors] == [
        "Additional properties are not allowed ('dec' was unexpected)"
    ]


# ---------------------------------------------------------------------------------------------
# config-defaults.yaml from a schema


class Tricky(BaseModel):
    """Defaults whose YAML spelling differs between YAML 1.1 (wandb) and 1.2 (typedcfg)."""

    small: float = Field(1e-5, description="A float that PyYAML reads as a string if unpointed.")
    big: float = 1e20
    answer: str = Field("yes", description="Line one.\nLine two: with a colon.")
    sci: str = "1e-3"
    nothing: str = "null"
    spaced: str = " padded "
    unicode: str = "naïve"
    inf: float = math.inf
    flag: bool = False
    ids: list[int] = [1, 2]
    nested: Extras = Field(default_factory=Extras)
    blocks: list[Data] = Field(default_factory=lambda: [Data(), Data(path="b", workers=1)])
    empty: dict[str, int] = {}


def test_defaults_yaml_round_trips_through_typedcfg_and_wandb(
    cwd: Path,
) -> None:
    """typedcfg loads the written file back to the schema's defaults; PyYAML reads the same."""
    text = defaults_yaml(Tricky)
    (cwd / "config-defaults.yaml").write_text(text, encoding="utf-8")
    assert typedcfg.load(Tricky, []) == Tricky()
    by_pyyaml = {k: v["value"] for k, v in yaml.safe_load(text).items()}
    assert by_pyyaml == Tricky().model_dump(mode="json")
    assert yaml.safe_load(text)["answer"]["desc"] == "Line one.\nLine two: with a colon."
    for schema in (json_schema(Tricky, "wandb"), format_schema()):
        jsonschema.Draft202012Validator(schema).validate(yaml.safe_load(text))


class NullDefault(BaseModel):
    maybe: int | None = None
    name: str | None = Field(None, description="Optional name.")


def test_defaults_yaml_null_defaults_round_trip(cwd: Path) -> None:
    """A None default is written as 'value: null' and read back as None."""
    (cwd / "config-defaults.yaml").write_text(defaults_yaml(NullDefault), encoding="utf-8")
    assert typedcfg.load(NullDefault, []) == NullDefault()


class Creds(BaseModel):
    user: str = "me"
    token: SecretStr = SecretStr("nested-secret")


class WithSecrets(BaseModel):
    api_key: SecretStr = Field(SecretStr("top-secret"), description="Never written.")
    creds: Creds = Field(default_factory=Creds)


def test_defaults_yaml_never_writes_secrets(cwd: Path) -> None:
    """Secret fields become comments (neither the value nor its mask is written)."""
    text = defaults_yaml(WithSecrets)
    assert "secret" not in text.replace("a secret, not written", "")
    assert "*****" not in text
    assert "# api_key: a secret, not written here; the schema's default applies" in text
    assert "creds:\n  value:\n    user: me\n    # token: a secret, not written here" in text
    (cwd / "config-defaults.yaml").write_text(text, encoding="utf-8")
    loaded = typedcfg.load(WithSecrets, [])
    assert loaded.api_key.get_secret_value() == "top-secret"
    assert loaded.creds.token.get_secret_value() == "nested-secret"


def test_defaults_yaml_marks_required_fields_and_comments_nested_descriptions() -> None:
    """Required fields get null with a comment; nested descriptions become comments."""
    text = defaults_yaml(Train)
    assert "name:\n  desc: Run name.\n  value: null  # required (str)\n" in text
    assert "optim:\n  value:\n    name: adam\n    # Learning rate.\n    lr: 0.001\n" in text


def test_defaults_yaml_with_a_required_field_fails_check_at_its_line(tmp_path: Path) -> None:
    """Until the required value is filled in, `typedcfg check` points at it."""
    path = tmp_path / "config-defaults.yaml"
    path.write_text(defaults_yaml(Train), encoding="utf-8")
    problems = [p.text() for p in check_file(Train, str(path))]
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:5:10: ")
    assert ": name: Input should be a valid string" in problems[0]


# ---------------------------------------------------------------------------------------------
# models inferred from YAML files


def yaml_files() -> list[Path]:
    found = sorted((REPO / "examples").rglob("*.yaml")) + sorted((REPO / "examples").rglob("*.yml"))
    found += corpus_files()
    found += sorted((CORPUS / "hydra-template" / "configs").rglob("*.yaml"))
    return found


def _exec_source(source: str) -> dict[str, Any]:
    namespace: dict[str, Any] = {"__name__": "inferred_schema"}
    # dont_inherit: this test module's `from __future__ import annotations` must not leak in.
    exec(compile(source, "<inferred>", "exec", dont_inherit=True), namespace)
    return namespace


@pytest.mark.parametrize(
    "path", yaml_files(), ids=lambda p: str(p.relative_to(p.parents[1]))
)
def test_inferred_models_import_and_validate_their_file(path: Path) -> None:
    """infer's output runs, and its Config validates the file it came from (read plainly)."""
    text = read_text(str(path), SourceKind.DEFAULTS_FILE)
    warnings.simplefilter("ignore", KeyWarning)  # misspelt entry keys (pytest resets filters)
    try:
        parse_yaml(text, str(path), SourceKind.DEFAULTS_FILE, None)
    except ConfigFileError as exc:
        # A file typedcfg itself refuses: infer says the same thing, located.
        with pytest.raises(ConfigFileError) as raised:
            infer_source(path)
        assert str(raised.value) == str(exc)
        return
    model = _exec_source(infer_source(path))["Config"]
    doc = parse_yaml(text, str(path), SourceKind.DEFAULTS_FILE, schema_tree(model))
    mandatory = _mandatory_paths(doc.data or {})
    if mandatory:
        # '???' (Hydra's "must be given") makes a required field: the file alone is incomplete,
        # and exactly those keys are reported, each where its '???' was written.
        with pytest.raises(ConfigValidationError) as raised:
            validate(model, doc.data or {}, doc.origins)
        issues = raised.value.issues
        assert {i.path for i in issues} == mandatory
        assert all(i.kind == "missing" and i.origin == doc.origins[i.path] for i in issues)
        return
    config = validate(model, doc.data or {}, doc.origins)
    # The file's values are the defaults of the inferred schema.
    assert config == model()


def _mandatory_paths(data: Any, path: tuple[Any, ...] = ()) -> set[tuple[Any, ...]]:
    if isinstance(data, dict):
        return {p for k, v in data.items() for p in _mandatory_paths(v, (*path, k))}
    return {path} if data == "???" else set()


@pytest.mark.parametrize("path", corpus_files()[::5], ids=lambda p: p.name)
def test_inferred_models_load_wandb_files_through_the_pipeline(path: Path) -> None:
    """The inferred schema also loads the file as config-defaults.yaml through compose()."""
    warnings.simplefilter("ignore", KeyWarning)  # misspelt entry keys (pytest resets filters)
    source = infer_source(path)
    model = _exec_source(source)["Config"]
    loaded = typedcfg.compose(model, [], defaults=path)
    assert loaded.config == model()
    doc = parse_yaml(read_text(str(path), SourceKind.DEFAULTS_FILE), str(path),
                     SourceKind.DEFAULTS_FILE)
    for (key,), text in doc.descriptions.items():
        assert model.model_fields[key].description == text


def test_infer_source_names_types_aliases_and_descriptions() -> None:
    """Nested models, inferred types, aliases for unusable names, desc kept as description."""
    source = infer_source(
        textwrap.dedent(
            """
            wandb_version: 1
            lr:
              desc: Learning rate
              value: 0.001
            _target_:
              value: model.Net
            model:
              value:
                int: 4
                "1": null
                json: x
                layers: [1, 2.5]
                blocks:
                  - {kind: conv, size: 3}
                  - {kind: pool}
                scale: .inf
            """
        )
    )
    assert source == textwrap.dedent(
        '''\
        """Schema inferred by typedcfg from <text>.

        Review the types (a null value gives Any), then add descriptions and constraints.
        """

        from typing import Any

        from pydantic import BaseModel, Field


        class BlocksItem(BaseModel):
            kind: str
            size: int | None = None


        class Model(BaseModel):
            int_: int = Field(4, alias="int")
            f_1: Any = Field(None, alias="1")
            json_: str = Field("x", alias="json")
            layers: list[float] = [1, 2.5]
            blocks: list[BlocksItem] = Field(
                [{"kind": "conv", "size": 3}, {"kind": "pool"}], validate_default=True
            )
            scale: float = float("inf")


        class Config(BaseModel):
            lr: float = Field(0.001, description="Learning rate")
            target_: str = Field("model.Net", alias="_target_")
            model: Model = Field(default_factory=Model)
        '''
    )
    config = _exec_source(source)["Config"]()
    assert config.model.blocks[1].kind == "pool"


def test_infer_source_keeps_the_root_name_for_the_root() -> None:
    """A nested 'config:' mapping gets its own class name; the root stays Config."""
    source = infer_source("config:\n  a: 1\nConfigModel: 2\n")
    assert "class ConfigModel2(BaseModel):\n    a: int = 1\n" in source
    assert "    config: ConfigModel2 = Field(default_factory=ConfigModel2)\n" in source
    root = _exec_source(source)["Config"]
    assert root().config.a == 1


def test_infer_turns_entry_limits_and_choices_into_constraints() -> None:
    """A wandb entry's ``min``/``max`` become ``Field(ge=..., le=...)``, its
    ``allowed_values``/``values`` a ``Literal``; ``description`` becomes the description."""
    source = infer_source(
        "lr:\n  description: step\n  value: 0.1\n  min: 0\n  max: 1\n"
        "opt:\n  allowed_values: [adam, sgd]\n  value: adam\n"
        "n:\n  value: 3\n  values: [1, 3]\n"
    )
    assert "    lr: float = Field(0.1, description=\"step\", ge=0, le=1)\n" in source
    assert '    opt: Literal["adam", "sgd"] = "adam"\n' in source
    assert "    n: Literal[1, 3] = 3\n" in source
    model = _exec_source(source)["Config"]
    assert model().lr == 0.1
    with pytest.raises(ValidationError, match="less than or equal to 1"):
        model(lr=2)
    with pytest.raises(ValidationError, match="'adam' or 'sgd'"):
        model(opt="rmsprop")
