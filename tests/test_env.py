"""Environment variables under an opt-in prefix (overrides.env_layer, through typedcfg.compose)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal, Optional

import pytest
from pydantic import BaseModel, Field, SecretStr

import typedcfg
from typedcfg import ConfigValidationError, OverrideError, SourceKind


class Optim(BaseModel):
    lr: float = 0.01
    name: str = "adam"
    betas: list[float] = [0.9, 0.999]


class Train(BaseModel):
    seed: int = 0
    run: str = "base"
    maybe: Optional[str] = "set"
    batchSize: int = 1  # a camelCase field name, as users write them
    rate: float = Field(0.0, alias="learningRate")
    flag: bool = False
    tags: list[str] = []
    extra: dict[str, Any] = {}
    optim: Optim = Optim()
    token: SecretStr = SecretStr("")


def compose(environ: dict[str, str], argv: list[str] | None = None, **kw: Any) -> Any:
    kw.setdefault("defaults", None)
    return typedcfg.compose(Train, argv or [], env_prefix="TRAIN_", environ=environ, **kw)


def failure(environ: dict[str, str], argv: list[str] | None = None, **kw: Any) -> str:
    with pytest.raises(typedcfg.TypedcfgError) as info:
        compose(environ, argv, **kw)
    return str(info.value)


def test_double_underscore_nests() -> None:
    """``TRAIN_OPTIM__LR=0.1`` sets optim.lr, and the provenance names the variable."""
    loaded = compose({"TRAIN_OPTIM__LR": "0.1"})
    assert loaded.config.optim.lr == 0.1
    assert loaded.config.optim.name == "adam"
    origin = loaded.provenance["optim.lr"]
    assert (origin.kind, origin.text, str(origin)) == (
        SourceKind.ENV,
        "TRAIN_OPTIM__LR",
        "env:TRAIN_OPTIM__LR",
    )


def test_field_names_match_case_insensitively() -> None:
    """Variable names match fields (and aliases) whatever their case; the prefix too."""
    loaded = compose(
        {
            "TRAIN_BATCHSIZE": "3",
            "TRAIN_LEARNINGRATE": "0.5",
            "train_optim__Name": "sgd",
            "Train_Seed": "4",
        }
    )
    config = loaded.config
    assert (config.batchSize, config.rate, config.optim.name, config.seed) == (3, 0.5, "sgd", 4)
    assert str(loaded.provenance["batchSize"]) == "env:TRAIN_BATCHSIZE"
    assert str(loaded.provenance["learningRate"]) == "env:TRAIN_LEARNINGRATE"
    assert str(loaded.provenance["optim.name"]) == "env:train_optim__Name"


@pytest.mark.parametrize(
    ("name", "raw", "field", "expected"),
    [
        ("TRAIN_SEED", "7", "seed", 7),
        ("TRAIN_OPTIM__LR", "1e-3", "optim.lr", 0.001),
        ("TRAIN_FLAG", "true", "flag", True),
        ("TRAIN_FLAG", "True", "flag", True),
        ("TRAIN_MAYBE", "null", "maybe", None),
        ("TRAIN_MAYBE", "None", "maybe", None),
        ("TRAIN_OPTIM__BETAS", "[0.1, 0.2]", "optim.betas", [0.1, 0.2]),
        ("TRAIN_TAGS", "[a, 'b c']", "tags", ["a", "b c"]),
        ("TRAIN_EXTRA", "{a: 1, b: [2]}", "extra", {"a": 1, "b": [2]}),
        ("TRAIN_EXTRA", "{'name': 'adam', 'x': None}", "extra", {"name": "adam", "x": None}),
        ("TRAIN_OPTIM", "{lr: 0.3}", "optim.lr", 0.3),
    ],
)
def test_values_are_typed_by_the_grammar(name: str, raw: str, field: str, expected: Any) -> None:
    """Values are read with the override grammar: numbers, bools, null, lists, dicts, reprs."""
    loaded = compose({name: raw})
    value: Any = loaded.config
    for part in field.split("."):
        value = getattr(value, part)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("007", "007"),
        ("1.10", "1.10"),
        ("true", "true"),
        ("1e-3", "1e-3"),
        ("[a, b]", "[a, b]"),
        ("a,b", "a,b"),
        ("", ""),
    ],
)
def test_str_field_keeps_the_text(raw: str, expected: str) -> None:
    """A str field gets the variable's exact text, whatever it looks like."""
    assert compose({"TRAIN_RUN": raw, "TRAIN_OPTIM__NAME": raw}).config.run == expected
    assert compose({"TRAIN_OPTIM__NAME": raw}).config.optim.name == expected


def test_optional_str_keeps_text_but_null_is_none() -> None:
    """Optional[str]: ``007`` stays text, ``null`` is None."""
    assert compose({"TRAIN_MAYBE": "007"}).config.maybe == "007"
    assert compose({"TRAIN_MAYBE": "null"}).config.maybe is None


def test_secret_from_env_is_masked() -> None:
    """A SecretStr set from the environment keeps its text and is masked in explain()."""
    loaded = compose({"TRAIN_TOKEN": "hunter2"})
    assert loaded.config.token.get_secret_value() == "hunter2"
    assert "hunter2" not in loaded.explain()


def test_text_the_grammar_rejects_is_kept_as_text() -> None:
    """A value the grammar cannot parse (``[1``, a sweep ``a,b``) is kept as text, not an error."""
    loaded = compose({"TRAIN_EXTRA": "{x: 1}", "TRAIN_RUN": "x,y"})
    assert loaded.config.run == "x,y"
    assert loaded.config.extra == {"x": 1}
    with pytest.raises(ConfigValidationError) as info:
        compose({"TRAIN_TAGS": "[a"})
    assert str(info.value) == "env:TRAIN_TAGS: tags: Input should be a valid list (got '[a')"


def test_interpolation_in_env_values() -> None:
    """``${...}`` in a variable resolves against the composed config."""
    loaded = compose({"TRAIN_RUN": "${optim.name}-${seed}", "TRAIN_SEED": "3"})
    assert loaded.config.run == "adam-3"


def test_wrong_type_is_a_validation_error_located_at_the_variable() -> None:
    """A value of the wrong type is a ConfigValidationError starting with ``env:TRAIN_SEED:``."""
    with pytest.raises(ConfigValidationError) as info:
        compose({"TRAIN_SEED": "fast"})
    assert str(info.value) == (
        "env:TRAIN_SEED: seed: Input should be a valid integer, unable to parse string as an "
        "integer (got 'fast')"
    )
    (issue,) = info.value.issues
    assert (issue.key, str(issue.origin), issue.value) == ("seed", "env:TRAIN_SEED", "fast")


def test_all_env_problems_at_once() -> None:
    """Several bad variables are all reported, each at its own variable."""
    message = failure({"TRAIN_SEED": "x", "TRAIN_OPTIM__LR": "y", "TRAIN_SEEDS": "1"})
    lines = message.splitlines()
    assert sorted(lines[:3]) == [
        "env:TRAIN_OPTIM__LR: optim.lr: Input should be a valid number, unable to parse string "
        "as a number (got 'y')",
        "env:TRAIN_SEED: seed: Input should be a valid integer, unable to parse string as an "
        "integer (got 'x')",
        "env:TRAIN_SEEDS: unknown key 'seeds'; did you mean 'seed'?",
    ]
    assert len(lines) == 3  # one line each, no summary line


def test_fractional_number_for_int() -> None:
    """``TRAIN_SEED=1.5`` is refused for an int field, at the variable."""
    assert failure({"TRAIN_SEED": "1.5"}) == (
        "env:TRAIN_SEED: seed: Input should be a valid integer, got a number with a fractional "
        "part (got 1.5)"
    )


def test_empty_key_part_is_an_error() -> None:
    """``TRAIN_A____B`` (an empty part between separators) is an OverrideError naming it."""
    with pytest.raises(OverrideError) as info:
        compose({"TRAIN_A____B": "1"})
    assert str(info.value) == (
        "env:TRAIN_A____B: empty key part in the variable name\n"
        "  hint: nesting uses a double underscore: PREFIX_OPTIM__LR"
    )


def test_trailing_separator_is_an_error() -> None:
    """``TRAIN_SEED__`` ends with an empty part."""
    assert failure({"TRAIN_SEED__": "1"}) == (
        "env:TRAIN_SEED__: empty key part in the variable name\n"
        "  hint: nesting uses a double underscore: PREFIX_OPTIM__LR"
    )


def test_unrelated_variables_are_ignored() -> None:
    """Only names under the prefix count: TRAINX, TRAIN, the bare prefix and others are ignored."""
    loaded = compose(
        {
            "TRAINX_SEED": "1",
            "TRAIN": "2",
            "TRAIN_": "3",
            "PATH": "/bin",
            "SEED": "4",
            "X_TRAIN_SEED": "5",
        }
    )
    assert loaded.config == Train()
    assert all(o.kind is SourceKind.DEFAULT for o in loaded.provenance.values())


def test_unknown_name_under_the_prefix_is_an_unknown_key() -> None:
    """A variable under the prefix that names no field is an unknown key, with a suggestion."""
    assert failure({"TRAIN_SEDE": "1"}) == (
        "env:TRAIN_SEDE: unknown key 'sede'; did you mean 'seed'?"
    )


def test_no_prefix_means_no_environment() -> None:
    """Without env_prefix the environment is not read at all."""
    loaded = typedcfg.compose(Train, [], defaults=None, environ={"TRAIN_SEED": "1"})
    assert loaded.config.seed == 0


def test_os_environ_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``environ`` not given, the process environment is read (and not changed)."""
    monkeypatch.setenv("TRAIN_SEED", "11")
    loaded = typedcfg.compose(Train, [], defaults=None, env_prefix="TRAIN_")
    assert loaded.config.seed == 11
    assert str(loaded.provenance["seed"]) == "env:TRAIN_SEED"


def test_environ_mapping_is_not_mutated() -> None:
    """The mapping given is read only."""
    environ = {"TRAIN_SEED": "1", "TRAIN_OPTIM__LR": "0.5"}
    compose(dict(environ))
    given = dict(environ)
    compose(given)
    assert given == environ


# --------------------------------------------------------------------------- precedence


@pytest.fixture
def files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, Path]:
    monkeypatch.chdir(tmp_path)
    defaults = tmp_path / "config-defaults.yaml"
    defaults.write_text("seed:\n  desc: the seed\n  value: 5\nrun: {value: from-defaults}\n")
    extra = tmp_path / "extra.yaml"
    extra.write_text("seed: 6\noptim:\n  lr: 0.2\n")
    return defaults, extra


def test_env_beats_files(files: tuple[Path, Path]) -> None:
    """Environment values win over config-defaults.yaml and --configs files."""
    loaded = compose(
        {"TRAIN_SEED": "8", "TRAIN_OPTIM__LR": "0.3"},
        ["--configs", "extra.yaml"],
        defaults="config-defaults.yaml",
    )
    assert (loaded.config.seed, loaded.config.optim.lr, loaded.config.run) == (
        8,
        0.3,
        "from-defaults",
    )
    assert str(loaded.provenance["seed"]) == "env:TRAIN_SEED"
    assert [str(o) for o in loaded.provenance.overridden("seed")] == [
        "config-defaults.yaml:3:10",
        "extra.yaml:1:7",
    ]
    assert str(loaded.provenance["run"]) == "config-defaults.yaml:4:14"


def test_argv_beats_env(files: tuple[Path, Path]) -> None:
    """Command-line overrides win over the environment, in every form."""
    loaded = compose(
        {"TRAIN_SEED": "8", "TRAIN_OPTIM__LR": "0.3", "TRAIN_RUN": "env"},
        ["seed=9", "--optim.lr=0.4", "--run", "argv"],
        defaults="config-defaults.yaml",
    )
    assert (loaded.config.seed, loaded.config.optim.lr, loaded.config.run) == (9, 0.4, "argv")
    assert str(loaded.provenance["seed"]) == "argv[0] 'seed=9'"
    assert [str(o) for o in loaded.provenance.overridden("seed")] == [
        "config-defaults.yaml:3:10",
        "env:TRAIN_SEED",
    ]


def test_more_specific_variable_wins_inside_a_mapping() -> None:
    """``TRAIN_OPTIM={...}`` and ``TRAIN_OPTIM__LR`` together: the nested variable wins for lr."""
    loaded = compose({"TRAIN_OPTIM": "{lr: 0.3, name: sgd}", "TRAIN_OPTIM__LR": "0.1"})
    assert (loaded.config.optim.lr, loaded.config.optim.name) == (0.1, "sgd")
    assert str(loaded.provenance["optim.lr"]) == "env:TRAIN_OPTIM__LR"
    assert str(loaded.provenance["optim.name"]) == "env:TRAIN_OPTIM"  # keys of a mapping value


def test_huge_integer_in_env_is_a_typedcfg_error() -> None:
    """A 5000-digit value is a TypedcfgError at the variable, not a raw ValueError."""
    assert failure({"TRAIN_SEED": "1" * 5000}).startswith("env:TRAIN_SEED: ")


class Num(BaseModel):
    kind: Literal["num"] = "num"
    version: float = 0.0


class Text(BaseModel):
    kind: Literal["text"] = "text"
    version: str = ""


class Tagged(BaseModel):
    m: Annotated[Num | Text, Field(discriminator="kind")] = Num()


def test_discriminated_union_member_types_the_value() -> None:
    """``T_M__KIND=text`` selects the member whose version is a str: ``1.10`` stays text."""
    config = typedcfg.load(
        Tagged,
        [],
        defaults=None,
        env_prefix="T_",
        environ={"T_M__KIND": "text", "T_M__VERSION": "1.10"},
    )
    assert config.m == Text(version="1.10")


def test_discriminator_variable_matches_case_insensitively() -> None:
    """The selecting variable is found whatever the case of its name, like field names."""
    config = typedcfg.load(
        Tagged,
        [],
        defaults=None,
        env_prefix="T_",
        environ={"t_m__Kind": "text", "T_M__VERSION": "007"},
    )
    assert config.m == Text(version="007")


def test_unknown_discriminator_value_is_a_located_validation_error() -> None:
    """A discriminator value naming no member fails validation at its variable."""
    with pytest.raises(typedcfg.ConfigValidationError) as info:
        typedcfg.load(
            Tagged,
            [],
            defaults=None,
            env_prefix="T_",
            environ={"T_M__KIND": "blob", "T_M__VERSION": "1.10"},
        )
    assert str(info.value).startswith("env:T_M__KIND: m: ")


class Adam(BaseModel):
    kind: Literal["adam"] = "adam"
    lr: float = 0.1


class Sgd(BaseModel):
    kind: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = 0.9


class Grouped(BaseModel):
    optim: Annotated[Adam | Sgd, Field(discriminator="kind")] = Adam()
    opt: Optim = Optim()


def load_grouped(environ: dict[str, str]) -> Grouped:
    return typedcfg.load(Grouped, [], defaults=None, env_prefix="T_", environ=environ)


def grouped_failure(environ: dict[str, str]) -> str:
    with pytest.raises(OverrideError) as info:
        load_grouped(environ)
    return str(info.value)


def test_a_typed_group_is_chosen_by_its_tag() -> None:
    """``T_OPTIM=sgd`` selects the member tagged sgd, as ``optim=sgd`` does on the command line;
    a nested variable then sets a field of that member."""
    assert load_grouped({"T_OPTIM": "sgd"}).optim == Sgd()
    both = typedcfg.compose(Grouped, [], defaults=None, env_prefix="T_",
                            environ={"T_OPTIM": "sgd", "T_OPTIM__MOMENTUM": "0.5"})
    assert both.config.optim == Sgd(momentum=0.5)
    assert str(both.provenance["optim.kind"]) == "env:T_OPTIM"
    assert str(both.provenance["optim.momentum"]) == "env:T_OPTIM__MOMENTUM"


def test_a_value_and_a_key_inside_it_is_an_error_naming_both() -> None:
    """``T_OPT=x`` with ``T_OPT__LR``: not a silent drop of either."""
    assert grouped_failure({"T_OPT": "x", "T_OPT__LR": "0.5"}) == (
        "env:T_OPT__LR: T_OPT sets 'opt' to a value; a variable cannot also set a key inside it\n"
        "  hint: unset T_OPT__LR or T_OPT"
    )


def test_two_names_for_one_key_are_an_error_naming_both() -> None:
    """Names match case-insensitively, so two spellings of one key would race."""
    assert grouped_failure({"T_opt__lr": "0.3", "T_OPT__LR": "0.5"}) == (
        "env:T_opt__lr: 'opt.lr' is set by T_OPT__LR as well\n"
        "  hint: unset T_opt__lr or T_OPT__LR"
    )
    # A mapping value after keys set inside it (another spelling sorts first).
    assert grouped_failure({"T_OPT__LR": "0.5", "T_opt": "{lr: 1}"}) == (
        "env:T_opt: 'opt' is set by T_OPT__LR as well\n  hint: unset T_opt or T_OPT__LR"
    )
