"""Precedence, one test per adjacent pair of sources, each checking value AND provenance.

Lowest to highest: schema default < config-defaults.yaml < configs= files < --configs files
< environment < command-line overrides (left to right).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import BaseModel

import typedcfg
from typedcfg import SourceKind


class Optim(BaseModel):
    lr: float = 0.1
    name: str = "adam"


class Config(BaseModel):
    seed: int = 0
    optim: Optim = Optim()


def origin(loaded: typedcfg.Loaded[Config], key: str) -> str:
    return str(loaded.provenance[key])


def test_defaults_file_beats_schema_default(write) -> None:  # type: ignore[no-untyped-def]
    """config-defaults.yaml overrides the schema's default; untouched keys stay defaults."""
    write("config-defaults.yaml", "optim:\n  lr: 0.2\n")
    loaded = typedcfg.compose(Config, [])
    assert loaded.config.optim.lr == 0.2
    assert origin(loaded, "optim.lr") == "config-defaults.yaml:2:7"
    assert loaded.provenance["optim.name"].kind is SourceKind.DEFAULT


def test_configs_file_beats_defaults_file(write) -> None:  # type: ignore[no-untyped-def]
    """A configs= file overrides config-defaults.yaml, and explain records what it replaced."""
    write("config-defaults.yaml", "optim:\n  lr: 0.2\n")
    write("a.yaml", "optim: {lr: 0.3}\n")
    loaded = typedcfg.compose(Config, [], configs=["a.yaml"])
    assert loaded.config.optim.lr == 0.3
    assert origin(loaded, "optim.lr") == "a.yaml:1:13"
    assert [str(o) for o in loaded.provenance.overridden("optim.lr")] == [
        "config-defaults.yaml:2:7"
    ]


def test_configs_argument_before_configs_flag(write) -> None:  # type: ignore[no-untyped-def]
    """configs= files come before --configs files from argv."""
    write("a.yaml", "seed: 1\n")
    write("b.yaml", "seed: 2\n")
    loaded = typedcfg.compose(Config, ["--configs", "b.yaml"], configs=["a.yaml"])
    assert loaded.config.seed == 2
    assert origin(loaded, "seed") == "b.yaml:1:7"


def test_configs_files_apply_in_order(write) -> None:  # type: ignore[no-untyped-def]
    """--configs a b, --configs a,b and repeated --configs all apply left to right."""
    write("a.yaml", "seed: 1\noptim: {name: sgd}\n")
    write("b.yaml", "seed: 2\n")
    for argv in (
        ["--configs", "a.yaml", "b.yaml"],
        ["--configs", "a.yaml,b.yaml"],
        ["--configs=a.yaml", "--configs", "b.yaml"],
    ):
        loaded = typedcfg.compose(Config, argv)
        assert (loaded.config.seed, loaded.config.optim.name) == (2, "sgd"), argv
        assert origin(loaded, "seed") == "b.yaml:1:7"
        assert origin(loaded, "optim.name") == "a.yaml:2:15"


def test_environment_beats_files(write) -> None:  # type: ignore[no-untyped-def]
    """Environment variables (with the opt-in prefix) override every file."""
    write("config-defaults.yaml", "seed: 1\n")
    write("a.yaml", "seed: 2\n")
    loaded = typedcfg.compose(
        Config, ["--configs", "a.yaml"], env_prefix="APP_", environ={"APP_SEED": "3"}
    )
    assert loaded.config.seed == 3
    assert origin(loaded, "seed") == "env:APP_SEED"


def test_environment_is_ignored_without_prefix(cwd: Path) -> None:
    """Without env_prefix no variable is read."""
    loaded = typedcfg.compose(Config, [], environ={"SEED": "3", "APP_SEED": "4"})
    assert loaded.config.seed == 0


def test_argv_beats_environment(cwd: Path) -> None:
    """A command-line override beats the environment."""
    loaded = typedcfg.compose(Config, ["seed=5"], env_prefix="APP_", environ={"APP_SEED": "3"})
    assert loaded.config.seed == 5
    assert origin(loaded, "seed") == "argv[0] 'seed=5'"
    assert [str(o) for o in loaded.provenance.overridden("seed")] == ["env:APP_SEED"]


def test_argv_overrides_apply_left_to_right(cwd: Path) -> None:
    """The last override of a key wins, and records the ones before it."""
    loaded = typedcfg.compose(Config, ["seed=1", "optim.lr=0.5", "seed=2"])
    assert loaded.config.seed == 2
    assert origin(loaded, "seed") == "argv[2] 'seed=2'"
    assert [str(o) for o in loaded.provenance.overridden("seed")] == ["argv[0] 'seed=1'"]


def test_mapping_override_merges_into_the_mapping(write) -> None:  # type: ignore[no-untyped-def]
    """optim={lr:0.9} merges into optim (name kept), like a file layer would."""
    write("config-defaults.yaml", "optim:\n  name: sgd\n  lr: 0.1\n")
    loaded = typedcfg.compose(Config, ["optim={lr:0.9}"])
    assert loaded.config.optim == Optim(name="sgd", lr=0.9)
    assert origin(loaded, "optim.name") == "config-defaults.yaml:2:9"
    assert origin(loaded, "optim.lr") == "argv[0] 'optim={lr:0.9}'"


@pytest.mark.parametrize(
    ("layers", "expected"),
    [
        ({"defaults": "seed: 1"}, "config-defaults.yaml:1:7"),
        ({"defaults": "seed: 1", "configs": "seed: 2"}, "c.yaml:1:7"),
        ({"configs": "seed: 2", "env": "3"}, "env:APP_SEED"),
        ({"defaults": "seed: 1", "env": "3", "argv": "seed=4"}, "argv[2] 'seed=4'"),
    ],
    ids=["defaults", "configs>defaults", "env>configs", "argv>env>defaults"],
)
def test_winner_table(write, layers: dict[str, str], expected: str) -> None:  # type: ignore[no-untyped-def]
    """Whatever the combination, the highest source present wins and is named."""
    argv = []
    if "defaults" in layers:
        write("config-defaults.yaml", layers["defaults"] + "\n")
    if "configs" in layers:
        write("c.yaml", layers["configs"] + "\n")
        argv += ["--configs", "c.yaml"]
    else:
        argv += ["--", "optim.name=adam"]
    if "argv" in layers:
        argv.append(layers["argv"])
    environ = {"APP_SEED": layers["env"]} if "env" in layers else {}
    loaded = typedcfg.compose(Config, argv, env_prefix="APP_", environ=environ)
    assert origin(loaded, "seed") == expected
