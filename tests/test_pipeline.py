"""load() and compose(): schemas of every supported kind, Loaded, explain, secrets."""

from __future__ import annotations

import dataclasses
import enum
from pathlib import Path
from typing import Annotated, Literal, Optional, Union

import pydantic
import pytest
from pydantic import BaseModel, ConfigDict, Field, SecretStr

import typedcfg
from typedcfg import ConfigValidationError, SourceKind


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = 0.0


class Data(BaseModel):
    path: Path = Path("data")
    splits: dict[str, float] = {"train": 0.9, "val": 0.1}


class Full(BaseModel):
    epochs: int = Field(10, ge=1, description="Number of epochs")
    tags: list[str] = []
    note: Optional[str] = None
    mode: Literal["train", "eval"] = "train"
    color: Color = Color.RED
    token: SecretStr = SecretStr("default-secret")
    optim: Annotated[Union[Adam, SGD], Field(discriminator="name")] = Adam()
    data: Data = Data()


def test_every_field_kind_loads_from_yaml(write) -> None:  # type: ignore[no-untyped-def]
    """Lists, dicts, Optional, Literal, Enum, SecretStr, Path, constraints, unions all load."""
    write(
        "config-defaults.yaml",
        """
        epochs: 3
        tags: [a, b]
        note: null
        mode: eval
        color: blue
        token: s3cret
        optim: {name: sgd, momentum: 0.9}
        data:
          path: /tmp/x
          splits: {train: 0.8, val: 0.2}
        """,
    )
    cfg = typedcfg.load(Full, [])
    assert cfg.epochs == 3
    assert cfg.tags == ["a", "b"]
    assert cfg.note is None
    assert cfg.mode == "eval"
    assert cfg.color is Color.BLUE
    assert cfg.token.get_secret_value() == "s3cret"
    assert cfg.optim == SGD(momentum=0.9)
    assert cfg.data.path == Path("/tmp/x")
    assert cfg.data.splits == {"train": 0.8, "val": 0.2}


def test_without_any_source_the_schema_defaults_apply(cwd: Path) -> None:
    """No file, no argv: the schema's defaults; their provenance says so."""
    loaded = typedcfg.compose(Full, [])
    assert loaded.config == Full()
    assert loaded.provenance["epochs"].kind is SourceKind.DEFAULT
    assert str(loaded.provenance["optim.lr"]) == "schema default"


@pydantic.dataclasses.dataclass
class PydOptim:
    lr: float = 0.1


@pydantic.dataclasses.dataclass
class PydConfig:
    epochs: int
    optim: PydOptim = dataclasses.field(default_factory=PydOptim)


@dataclasses.dataclass
class StdOptim:
    lr: float = 0.1


@dataclasses.dataclass
class StdConfig:
    epochs: int
    optim: StdOptim = dataclasses.field(default_factory=StdOptim)


@pytest.mark.parametrize("schema", [PydConfig, StdConfig], ids=["pydantic-dc", "stdlib-dc"])
def test_dataclass_schemas(cwd: Path, schema: type) -> None:
    """Pydantic and stdlib dataclasses load, nest, and report problems like models."""
    cfg = typedcfg.load(schema, ["epochs=2", "optim.lr=0.5"])
    assert cfg.epochs == 2
    assert cfg.optim.lr == 0.5
    with pytest.raises(ConfigValidationError) as info:
        typedcfg.load(schema, ["epochs=x", "optim.lrr=1"])
    assert str(info.value).splitlines() == [
        "argv[0] 'epochs=x': epochs: Input should be a valid integer, unable to parse string "
        "as an integer (got 'x')",
        "argv[1] 'optim.lrr=1': unknown key 'optim.lrr'; did you mean 'optim.lr'?",
    ]


def test_unknown_keys_are_errors_at_every_depth(write) -> None:  # type: ignore[no-untyped-def]
    """Unknown keys in files are reported at their line, with suggestions from siblings."""
    write(
        "config-defaults.yaml",
        """
        epocs: 3
        data:
          pth: x
          splits: {train: 1.0}
        optim:
          name: sgd
          momentun: 0.9
        """,
    )
    with pytest.raises(ConfigValidationError) as info:
        typedcfg.load(Full, [])
    assert str(info.value).splitlines() == [
        "config-defaults.yaml:1:1: unknown key 'epocs'; did you mean 'epochs'?",
        "config-defaults.yaml:3:3: unknown key 'data.pth'; did you mean 'data.path'?",
        "config-defaults.yaml:7:3: unknown key 'optim.momentun'; did you mean 'optim.momentum'?",
    ]


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    a: int = 1


class Ignoring(BaseModel):
    model_config = ConfigDict(extra="ignore")
    a: int = 1


def test_schema_may_opt_out_of_unknown_key_errors(cwd: Path) -> None:
    """extra='allow' keeps unknown keys; extra='ignore' drops them; neither is an error."""
    assert typedcfg.load(Open, ["b=2"]).model_extra == {"b": 2}
    assert not hasattr(typedcfg.load(Ignoring, ["b=2"]), "b")


def test_unknown_key_suggests_the_nested_path(cwd: Path) -> None:
    """A leaf name used at the wrong level points at where the schema has it."""
    with pytest.raises(ConfigValidationError) as info:
        typedcfg.load(Full, ["++momentum=0.9"])
    assert str(info.value) == (
        "argv[0] '++momentum=0.9': unknown key 'momentum'; did you mean 'optim.momentum'?"
    )


def test_typed_group_selects_union_member_with_its_defaults(write) -> None:  # type: ignore[no-untyped-def]
    """optim=sgd picks the SGD member (its defaults, not Adam's values); then optim.lr applies."""
    write("config-defaults.yaml", "optim: {name: adam, lr: 0.5}\n")
    loaded = typedcfg.compose(Full, ["optim=sgd", "optim.momentum=0.9"])
    assert loaded.config.optim == SGD(lr=0.1, momentum=0.9)
    assert str(loaded.provenance["optim.name"]) == "argv[0] 'optim=sgd'"
    assert typedcfg.load(Full, ["optim=adam"]).optim == Adam(lr=0.5)


def test_typed_group_validates_against_the_chosen_member(cwd: Path) -> None:
    """A key of another member is unknown for the chosen one."""
    with pytest.raises(ConfigValidationError) as info:
        typedcfg.load(Full, ["optim=adam", "optim.momentum=0.9"])
    assert str(info.value) == (
        "argv[1] 'optim.momentum=0.9': unknown key 'optim.momentum'"
    )


def test_secrets_never_appear_in_messages_explain_or_repr(write) -> None:  # type: ignore[no-untyped-def]
    """A SecretStr value is masked in errors, explain() and repr."""
    write("config-defaults.yaml", "token: hunter2-very-secret\n")
    loaded = typedcfg.compose(Full, [])
    assert "hunter2" not in loaded.explain()
    assert "hunter2" not in repr(loaded)
    row = next(r for r in loaded.explain().splitlines() if r.startswith("token"))
    assert row.split()[:3] == ["token", "**********", "config-defaults.yaml:1:8"]

    class Strict(BaseModel):
        token: SecretStr = Field(min_length=50)

    with pytest.raises(ConfigValidationError) as info:
        typedcfg.load(Strict, [])
    assert "hunter2" not in str(info.value)
    assert str(info.value) == (
        "config-defaults.yaml:1:8: token: Value should have at least 50 items after "
        "validation, not 19 (got **********)"
    )
    assert info.value.issues[0].value == "**********"


def test_explain_lists_value_source_and_what_it_overrode(write) -> None:  # type: ignore[no-untyped-def]
    """explain(): one row per leaf with its source and the sources it replaced."""
    write("config-defaults.yaml", "epochs:\n  desc: how long\n  value: 5\n")
    write("b.yaml", "epochs: 6\n")
    text = typedcfg.compose(Full, ["--configs", "b.yaml", "epochs=7"]).explain()
    line = next(row for row in text.splitlines() if row.startswith("epochs"))
    assert line.split()[1] == "7"
    assert line.endswith(
        "argv[2] 'epochs=7'  (overrode config-defaults.yaml:3:10, b.yaml:1:9)"
    )
    assert text.splitlines()[0].split() == ["key", "value", "source"]


def test_loaded_keeps_sources_argv_descriptions(write) -> None:  # type: ignore[no-untyped-def]
    """Loaded records the files read, the argv and desc texts; config holds only the schema."""
    write("config-defaults.yaml", "epochs:\n  desc: how long\n  value: 5\n")
    write("b.yaml", "tags: [x]\n")
    loaded = typedcfg.compose(Full, ["--configs", "b.yaml"])
    assert loaded.sources == ("config-defaults.yaml", "b.yaml")
    assert loaded.argv == ("--configs", "b.yaml")
    assert loaded.descriptions == {"epochs": "how long"}
    assert set(type(loaded.config).model_fields) == set(Full.model_fields)


def test_inputs_are_never_mutated(cwd: Path) -> None:
    """compose() leaves the argv list and environ mapping untouched."""
    argv = ["epochs=4", "--configs"]
    environ = {"T_EPOCHS": "3"}
    with pytest.raises(typedcfg.OverrideError):
        typedcfg.load(Full, argv, env_prefix="T_", environ=environ)
    assert argv == ["epochs=4", "--configs"]
    assert environ == {"T_EPOCHS": "3"}


def test_defaults_none_and_explicit_path(write) -> None:  # type: ignore[no-untyped-def]
    """defaults=None ignores the cwd file; defaults=PATH reads that file (missing: an error)."""
    write("config-defaults.yaml", "epochs: 5\n")
    write("other.yaml", "epochs: 6\n")
    assert typedcfg.load(Full, [], defaults=None).epochs == 10
    assert typedcfg.load(Full, [], defaults="other.yaml").epochs == 6
    with pytest.raises(typedcfg.ConfigFileError) as info:
        typedcfg.load(Full, [], defaults="nope.yaml")
    assert str(info.value).startswith("nope.yaml: file not found")


def test_empty_defaults_file_is_a_warning(write) -> None:  # type: ignore[no-untyped-def]
    """An empty config-defaults.yaml warns and proceeds with the schema defaults."""
    write("config-defaults.yaml", "# nothing yet\n")
    with pytest.warns(typedcfg.EmptyConfigWarning, match="config-defaults.yaml: the file is empty"):
        assert typedcfg.load(Full, []).epochs == 10


def test_not_a_schema_is_a_schema_error(cwd: Path) -> None:
    """Passing something that is not a model or dataclass raises SchemaError (a TypeError)."""
    with pytest.raises(typedcfg.SchemaError) as info:
        typedcfg.load(dict, [])  # type: ignore[type-var]
    assert isinstance(info.value, TypeError)
    assert "is not a schema" in str(info.value)


def test_interpolation_resolves_against_other_keys_and_defaults(write) -> None:  # type: ignore[no-untyped-def]
    """${key} sees composed values and schema defaults; the result keeps the origin."""
    write("config-defaults.yaml", "note: 'epochs=${epochs}, lr=${optim.lr}'\n")
    loaded = typedcfg.compose(Full, ["epochs=4"])
    assert loaded.config.note == "epochs=4, lr=0.001"
    assert str(loaded.provenance["note"]) == "config-defaults.yaml:1:7"


def test_override_below_a_typed_group_left_at_its_schema_default(cwd: Path) -> None:
    """optim.lr=0.2 with optim only set by the schema default keeps the default member."""
    loaded = typedcfg.compose(Full, ["optim.lr=0.2"])
    assert loaded.config.optim == Adam(lr=0.2)
    assert loaded.provenance["optim.name"].kind is SourceKind.DEFAULT
    assert str(loaded.provenance["optim.lr"]) == "argv[0] 'optim.lr=0.2'"
    assert typedcfg.load(Full, ["optim=sgd", "optim.lr=0.3"]).optim == SGD(lr=0.3)


def test_a_discriminator_with_an_alias_selects_by_the_data_key(tmp_path: Path) -> None:
    """A union discriminated by an aliased field (``target_`` read as ``_target_``, as
    ``typedcfg infer`` writes for Hydra trees) is a typed group keyed by ``_target_``."""
    from typedcfg.typeinfo import schema_tree

    class Adam(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        target_: Literal["torch.optim.Adam"] = Field("torch.optim.Adam", alias="_target_")
        lr: float = 0.001

    class SGD(BaseModel):
        model_config = ConfigDict(populate_by_name=True)
        target_: Literal["torch.optim.SGD"] = Field("torch.optim.SGD", alias="_target_")
        momentum: float = 0.9

    class Config(BaseModel):
        optim: Annotated[Union[Adam, SGD], Field(discriminator="target_")] = Adam()

    tree = schema_tree(Config)
    assert tree.children is not None
    assert tree.children["optim"].discriminator == "_target_"
    cfg = typedcfg.load(Config, ["optim=torch.optim.SGD", "optim.momentum=0.5"], defaults=None)
    assert isinstance(cfg.optim, SGD) and cfg.optim.momentum == 0.5


def test_a_value_left_at_the_mandatory_marker_is_reported_where_it_was_written(
    tmp_path: Path,
) -> None:
    """``???`` (Hydra's "must be given") is a missing value, not the string '???': reported
    once per key (no second pydantic error for an int field), at the marker's position."""

    class Cb(BaseModel):
        monitor: str
        patience: int = 3

    class Config(BaseModel):
        cb: Cb
        tags: dict[str, str] = {}

    path = tmp_path / "c.yaml"
    path.write_text("cb:\n  monitor: ???\n  patience: ???\ntags:\n  a: ???\n")
    with pytest.raises(ConfigValidationError) as raised:
        typedcfg.load(Config, ["--configs", str(path)], defaults=None)
    assert [(i.key, i.kind, str(i.origin)) for i in raised.value.issues] == [
        ("cb.monitor", "missing", f"{path}:2:12"),
        ("cb.patience", "missing", f"{path}:3:13"),
        ("tags.a", "missing", f"{path}:5:6"),
    ]
    assert str(raised.value.issues[0]) == (
        f"{path}:2:12: missing mandatory value: 'cb.monitor' is still '???'\n"
        "  hint: give it a value, for example on the command line: cb.monitor=..."
    )
    given = ["--configs", str(path), "cb.monitor=val/acc", "cb.patience=2", "tags.a=x"]
    cfg = typedcfg.load(Config, given, defaults=None)
    assert (cfg.cb.monitor, cfg.cb.patience, cfg.tags) == ("val/acc", 2, {"a": "x"})


def test_the_mandatory_marker_inside_a_longer_string_is_plain_text() -> None:
    """Only a value that is exactly ``???`` is the marker; quoting does not change that (as in
    OmegaConf), but '???!' or 'why???' are ordinary strings."""

    class Config(BaseModel):
        a: str = "x"
        b: str = "x"

    cfg = typedcfg.load(Config, ["a=why???", "b='???!'"], defaults=None)
    assert (cfg.a, cfg.b) == ("why???", "???!")
    with pytest.raises(ConfigValidationError, match=r"argv\[0\] 'a=\?\?\?': missing mandatory"):
        typedcfg.load(Config, ["a=???"], defaults=None)


def test_schema_traits_see_secrets_and_typed_groups_at_any_depth() -> None:
    """The per-schema summary that lets a load skip token masking and tag seeding finds a
    secret or a discriminated union however deep, in recursive schemas too."""
    from typedcfg.typeinfo import schema_traits, schema_tree

    class Leaf(BaseModel):
        token: SecretStr = SecretStr("x")

    class Node(BaseModel):
        children: list[Node] = []
        extra: dict[str, Leaf] = {}

    class A(BaseModel):
        kind: Literal["a"] = "a"

    class B(BaseModel):
        kind: Literal["b"] = "b"

    class Plain(BaseModel):
        nested: Optional[list[dict[str, int]]] = None
        choice: Annotated[Union[A, B], Field(discriminator="kind")] = A()

    Node.model_rebuild()
    node, plain = schema_traits(schema_tree(Node)), schema_traits(schema_tree(Plain))
    assert (node.secrets, node.typed_groups) == (True, False)
    assert (plain.secrets, plain.typed_groups) == (False, True)


def test_issues_are_immutable_values() -> None:
    """An Issue compares and hashes by its facts, refuses changes, and copies with replace()."""
    from typedcfg.errors import Issue

    origin = typedcfg.Origin.argv(0, "lr=x")
    issue = Issue(("lr",), "bad", origin, value="x", kind="float_parsing")
    same = Issue(("lr",), "bad", origin, value="x", kind="float_parsing")
    assert issue == same and hash(issue) == hash(same) and len({issue, same}) == 1
    moved = issue.replace(origin=None)
    assert (moved.origin, moved.message, issue.origin) == (None, "bad", origin)
    assert moved != issue
    with pytest.raises(AttributeError, match="immutable"):
        issue.message = "other"  # type: ignore[misc]
    assert repr(moved).startswith("Issue(path=('lr',), message='bad', origin=None, value='x'")
