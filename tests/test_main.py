"""@typedcfg.main: programs run as subprocesses (exit codes, stdout, stderr) and in-process."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Literal

import pytest
import yaml
from pydantic import BaseModel, ConfigDict, Field, SecretStr

import typedcfg
from typedcfg.app.flags import split_flags

PROGRAM = '''
"""A training program used by the tests."""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, Field, SecretStr

import typedcfg


class Optimizer(BaseModel):
    name: str = "adam"
    """Which optimizer to use."""

    lr: float = Field(0.001, description="Learning rate")


class Config(BaseModel):
    epochs: int
    batch_size: int
    seed: int = 0
    """Random seed (from an attribute docstring)."""

    api_key: SecretStr = SecretStr("hunter2")
    optimizer: Optimizer = Optimizer()


@typedcfg.main
def train(cfg: Config) -> None:
    """Train a model on the toy data."""
    print("RUN " + json.dumps(
        {"epochs": cfg.epochs, "batch_size": cfg.batch_size, "seed": cfg.seed,
         "optimizer": cfg.optimizer.model_dump()}
    ))


if __name__ == "__main__":
    train()
'''

DEFAULTS = """\
epochs:
  desc: Number of epochs to train over
  value: 100
batch_size:
  desc: Size of each mini-batch
  value: 32
"""


@pytest.fixture
def program(tmp_path: Path) -> Path:
    """A directory holding train.py and a desc/value config-defaults.yaml."""
    (tmp_path / "train.py").write_text(PROGRAM, encoding="utf-8")
    (tmp_path / "config-defaults.yaml").write_text(DEFAULTS, encoding="utf-8")
    return tmp_path


def run(where: Path, *args: str, script: str = "train.py") -> subprocess.CompletedProcess[str]:
    """Run ``python script args...`` in ``where`` (the program's directory)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, script, *args],
        cwd=where,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


def ran(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    """The configs the program printed, one per call of the function."""
    return [json.loads(line[4:]) for line in result.stdout.splitlines() if line.startswith("RUN ")]


# --- running --------------------------------------------------------------------------------


def test_runs_once_with_defaults_and_overrides(program: Path) -> None:
    """No flags: the function runs exactly once with defaults file + overrides, exit 0."""
    result = run(program, "batch_size=64", "--optimizer.lr=0.01")
    assert result.returncode == 0, result.stderr
    assert ran(result) == [
        {"epochs": 100, "batch_size": 64, "seed": 0, "optimizer": {"name": "adam", "lr": 0.01}}
    ]
    assert result.stderr == ""


def test_bad_input_exits_2_with_every_located_message_and_no_traceback(program: Path) -> None:
    """Invalid values: every problem on stderr, located at argv[i]; status 2; nothing run."""
    result = run(program, "epochs=many", "optimizer.lrr=0.1")
    assert result.returncode == 2
    assert ran(result) == []
    assert "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        "argv[0] 'epochs=many': epochs: Input should be a valid integer, unable to parse "
        "string as an integer (got 'many')",
        "argv[1] 'optimizer.lrr=0.1': unknown key 'optimizer.lrr'; did you mean 'optimizer.lr'?",
    ]


def test_broken_defaults_file_exits_2_with_file_line_col(program: Path) -> None:
    """A YAML syntax error in config-defaults.yaml is reported at file:line:col, status 2."""
    (program / "config-defaults.yaml").write_text("epochs: [1, 2\n", encoding="utf-8")
    result = run(program)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.startswith("config-defaults.yaml:2:1: ")


def test_malformed_token_exits_2(program: Path) -> None:
    """A token that is not an override is an OverrideError: status 2, located message."""
    result = run(program, "epochs")
    assert result.returncode == 2
    assert result.stderr.startswith("argv[0] 'epochs': not an override: expected key=value")
    assert "Traceback" not in result.stderr


# --- --help ---------------------------------------------------------------------------------


def test_help_lists_every_key_with_type_default_and_description(program: Path) -> None:
    """--help: usage, flags, then every dotted key with type, default and its description
    from Field(description=...), an attribute docstring or the desc entry; exit 0, no run."""
    result = run(program, "--help")
    assert result.returncode == 0, result.stderr
    assert ran(result) == []
    out = result.stdout
    assert out.startswith(
        "usage: train.py [-h] [--cfg] [--explain] [-m] [--configs FILE ...] [key=value ...]\n"
        "\nTrain a model on the toy data.\n"
    )
    assert (
        "  epochs: int = 100\n      Number of epochs to train over\n"
        "  batch_size: int = 32\n      Size of each mini-batch\n"
        "  seed: int = 0\n      Random seed (from an attribute docstring).\n"
        "  api_key: SecretStr = **********\n"
        "  optimizer.name: str = 'adam'\n      Which optimizer to use.\n"
        "  optimizer.lr: float = 0.001\n      Learning rate\n"
    ) in out
    assert "hunter2" not in out
    flags = ("-h, --help", "--cfg", "--explain", "--configs FILE ...", "-m, --multirun", "--  ")
    for flag in flags:
        assert f"  {flag}" in out


def test_short_help_and_help_after_overrides(program: Path) -> None:
    """-h works too, anywhere among overrides, even invalid ones (nothing is composed)."""
    result = run(program, "epochs=oops", "-h")
    assert result.returncode == 0
    assert "  epochs: int = 100" in result.stdout
    assert result.stderr == ""


def test_help_lists_config_group_options(program: Path) -> None:
    """With a conf/ directory, --help lists each group and its options."""
    for name in ("adam", "sgd"):
        path = program / "conf" / "optimizer" / f"{name}.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"name: {name}\n", encoding="utf-8")
    result = run(program, "--help")
    assert result.returncode == 0
    assert (
        "config groups: choose with group=option\n  optimizer: adam, sgd  (conf/optimizer/)"
        in result.stdout
    )


# --- --cfg and --explain --------------------------------------------------------------------


def test_cfg_prints_validated_yaml_with_secrets_masked(program: Path) -> None:
    """--cfg prints the composed config as YAML (overrides applied, secret masked), exit 0."""
    result = run(program, "--cfg", "optimizer.name=sgd", "api_key=topsecret")
    assert result.returncode == 0, result.stderr
    assert ran(result) == []
    assert "topsecret" not in result.stdout and "hunter2" not in result.stdout
    assert yaml.safe_load(result.stdout) == {
        "epochs": 100,
        "batch_size": 32,
        "seed": 0,
        "api_key": "**********",
        "optimizer": {"name": "sgd", "lr": 0.001},
    }


def test_cfg_with_configs_files(program: Path) -> None:
    """--configs files apply after the defaults file; --cfg shows the result."""
    (program / "big.yaml").write_text("batch_size: 256\nseed: 7\n", encoding="utf-8")
    result = run(program, "--configs", "big.yaml", "--cfg", "seed=8")
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert (data["batch_size"], data["seed"]) == (256, 8)


def test_explain_names_sources_and_what_was_overridden(program: Path) -> None:
    """--explain before overrides: argv indices still count the flag, as typed."""
    result = run(program, "--explain", "batch_size=64", "api_key=topsecret")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["key", "value", "source"]
    rows = {line.split()[0]: line for line in lines[1:]}
    assert rows["epochs"].split()[1:] == ["100", "config-defaults.yaml:3:10"]
    assert rows["batch_size"].split(None, 2)[1:] == [
        "64",
        "argv[1] 'batch_size=64'  (overrode config-defaults.yaml:6:10)",
    ]
    assert rows["seed"].split(None, 2)[1:] == ["0", "schema default"]
    assert "topsecret" not in result.stdout
    assert rows["api_key"].split(None, 2)[1:] == ["**********", "argv[2] 'api_key=**********'"]


def test_explain_after_overrides_matches_loaded_explain(
    program: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the flag last, --explain prints exactly what Loaded.explain() returns."""
    result = run(program, "optimizer.lr=0.5", "--explain")
    assert result.returncode == 0, result.stderr
    monkeypatch.chdir(program)
    monkeypatch.syspath_prepend(str(program))
    from train import Config  # type: ignore[import-not-found]

    expected = typedcfg.compose(Config, ["optimizer.lr=0.5"]).explain()
    sys.modules.pop("train", None)
    assert result.stdout == expected + "\n"


def test_error_location_counts_flags_before_it(program: Path) -> None:
    """A bad override after --cfg is reported at its own position in the command line."""
    result = run(program, "--cfg", "seed=x")
    assert result.returncode == 2
    assert result.stderr.startswith("argv[1] 'seed=x': seed: Input should be a valid integer")


# --- -- and flag placement ------------------------------------------------------------------


def test_double_dash_ends_flag_parsing(program: Path) -> None:
    """After --, tokens go to the override grammar untouched: '--cfg' is not the flag there."""
    ok = run(program, "--", "seed=5")
    assert ok.returncode == 0, ok.stderr
    assert ran(ok)[0]["seed"] == 5
    bad = run(program, "--", "--cfg")
    assert bad.returncode == 2
    assert ran(bad) == []
    assert bad.stderr.startswith("argv[1] '--cfg': not an override")


def test_split_flags_keeps_positions_and_values() -> None:
    """Built-in flags are taken out with the positions of what is left; '-h' right after a
    bare --key is that key's value (wandb's ${args_no_equals}); nothing after -- is a flag."""
    flags = split_flags(["a=1", "--cfg", "--name", "-h", "--explain", "--", "-h", "--help"])
    assert (flags.help, flags.cfg, flags.explain) == (False, True, True)
    assert flags.tokens == ("a=1", "--name", "-h", "--", "-h", "--help")
    assert flags.positions == (0, 2, 3, 5, 6, 7)
    value = split_flags(["--amp", "-h"])
    assert (value.help, value.tokens) == (False, ("--amp", "-h"))
    assert split_flags(["--configs", "a.yaml", "-h"]).help is True
    assert split_flags(["--lr=0.1", "-h"]).help is True


# --- in process -----------------------------------------------------------------------------


class Optim(BaseModel):
    lr: float = 0.1


class Settings(BaseModel):
    epochs: int = 1
    token: SecretStr = SecretStr("s3cret")
    optim: Optim = Optim()


def test_argv_in_process_returns_the_result_and_runs_once(cwd: Path) -> None:
    """train(argv=[...]) parses the list, calls the function once, returns its value."""
    calls: list[Settings] = []

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> float:
        calls.append(cfg)
        return cfg.optim.lr * cfg.epochs

    assert train(argv=["epochs=3", "optim.lr=0.5"]) == 1.5
    assert len(calls) == 1
    assert isinstance(calls[0], Settings)
    assert train.__name__ == "train"
    assert train.__wrapped__ is not train


def test_reads_sys_argv_when_no_argv(cwd: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """train() with no argument parses sys.argv[1:]."""
    monkeypatch.setattr(sys, "argv", ["prog.py", "epochs=4"])

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> int:
        return cfg.epochs

    assert train() == 4


def test_function_exceptions_propagate_untouched(cwd: Path) -> None:
    """The function's own exceptions, TypedcfgError included, are not turned into exit 2."""

    @typedcfg.main(Settings)
    def fails(cfg: Settings) -> None:
        raise KeyError("from the function")

    with pytest.raises(KeyError, match="from the function"):
        fails(argv=[])

    @typedcfg.main(Settings)
    def loads_again(cfg: Settings) -> None:
        typedcfg.load(Settings, ["epochs=x"])

    with pytest.raises(typedcfg.ConfigValidationError):
        loads_again(argv=[])


def test_bad_input_in_process_is_system_exit_2(
    cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """In-process, bad input raises SystemExit(2) after printing the message to stderr."""
    called = []

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> None:
        called.append(cfg)

    with pytest.raises(SystemExit) as info:
        train(argv=["optim.lr=fast"])
    assert info.value.code == 2
    assert called == []
    err = capsys.readouterr().err
    assert (
        err == "argv[0] 'optim.lr=fast': optim.lr: Input should be a valid number, unable "
        "to parse string as a number (got 'fast')\n"
    )


def test_cfg_and_explain_in_process_mask_secrets(
    cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--cfg and --explain exit 0 and never print a secret's value."""

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> None:
        raise AssertionError("must not run")

    forms = (["token=abc123"], ["--token", "abc123"], ['{"token": "abc123", "epochs": 2}'])
    for flag in ("--cfg", "--explain"):
        for form in forms:
            with pytest.raises(SystemExit) as info:
                train(argv=[flag, *form])
            assert info.value.code == 0
            out = capsys.readouterr().out
            assert "abc123" not in out and "s3cret" not in out
            assert "**********" in out


def test_leaves_cwd_environment_and_path_alone(
    cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Running (and --help/--cfg) changes neither cwd, os.environ nor sys.path, writes no file."""
    before = (os.getcwd(), dict(os.environ), list(sys.path), sorted(os.listdir(cwd)))

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> int:
        return cfg.epochs

    assert train(argv=["epochs=2"]) == 2
    for flag in ("--help", "--cfg", "--explain"):
        with pytest.raises(SystemExit):
            train(argv=[flag])
    capsys.readouterr()
    assert (os.getcwd(), dict(os.environ), list(sys.path), sorted(os.listdir(cwd))) == before


def test_argv_must_be_a_list_not_a_string(cwd: Path) -> None:
    """A string for argv is a programming mistake (it would split into characters)."""

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> None: ...

    with pytest.raises(TypeError, match="argv must be a list of tokens"):
        train(argv="epochs=1")  # type: ignore[arg-type]


# --- decoration time ------------------------------------------------------------------------


def test_bare_decorator_takes_schema_from_annotation(
    cwd: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bare @typedcfg.main reads the first parameter's annotation (string annotations too)."""
    monkeypatch.syspath_prepend(str(tmp_path))
    (tmp_path / "bare_prog.py").write_text(
        textwrap.dedent("""
        from __future__ import annotations
        from pydantic import BaseModel
        import typedcfg

        class Cfg(BaseModel):
            n: int = 1

        @typedcfg.main
        def run(cfg: Cfg) -> int:
            return cfg.n * 10
    """),
        encoding="utf-8",
    )
    import bare_prog  # type: ignore[import-not-found]

    try:
        assert bare_prog.run.schema is bare_prog.Cfg
        assert bare_prog.run(argv=["n=4"]) == 40
    finally:
        sys.modules.pop("bare_prog", None)


def test_missing_annotation_is_a_schema_error_at_decoration() -> None:
    """Bare @typedcfg.main on an unannotated function fails when decorating, not when run."""
    with pytest.raises(typedcfg.SchemaError) as info:

        @typedcfg.main
        def train(cfg) -> None:  # type: ignore[no-untyped-def]
            pass

    assert "parameter 'cfg' has no annotation" in str(info.value)
    assert "hint: annotate it (cfg: Config) or name it: @typedcfg.main(Config)" in str(info.value)


def test_non_schema_annotation_and_no_parameter_are_schema_errors() -> None:
    """An annotation that is not a model/dataclass, or no parameter at all, is a SchemaError."""
    with pytest.raises(typedcfg.SchemaError, match="annotated <class 'int'>, which is not a"):

        @typedcfg.main
        def by_int(cfg: int) -> None:
            pass

    with pytest.raises(typedcfg.SchemaError, match="first parameter takes the config"):

        @typedcfg.main
        def nothing() -> None:
            pass

    with pytest.raises(typedcfg.SchemaError, match="is not a schema"):
        typedcfg.main(dict)


class WithField(BaseModel):
    lr: float = Field(0.1, description="Step size")


def test_help_in_process_uses_prog_name(
    cwd: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--help names the program after sys.argv[0] and exits 0."""
    monkeypatch.setattr(sys, "argv", ["/some/dir/fit.py"])

    @typedcfg.main(WithField, defaults=None)
    def fit(cfg: WithField) -> None: ...

    with pytest.raises(SystemExit) as info:
        fit(argv=["--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fit.py [-h]")
    assert "  lr: float = 0.1\n      Step size\n" in out


# --- --help: every source of descriptions, typed groups, broken defaults ---------------------


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 0.001


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = Field(0.0, description="Momentum factor")


class Documented(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)

    width: int = 4
    """Hidden width (pydantic collects this docstring itself)."""


@dataclasses.dataclass
class DataclassPart:
    root: str = dataclasses.field(default="data", metadata={"description": "Data root"})
    shards: int = 1
    """Number of shards (attribute docstring on a dataclass)."""


class Grouped(BaseModel):
    optim: Annotated[Adam | SGD, Field(discriminator="name")] = Adam()
    model: Documented = Documented()
    data: DataclassPart = DataclassPart()


def help_text(
    schema: type, argv: list[str], capsys: pytest.CaptureFixture[str], err: str = ""
) -> str:
    """Run --help in-process; return stdout, checking stderr starts with ``err``."""

    @typedcfg.main(schema)
    def run(cfg: object) -> None:
        raise AssertionError("--help must not run the function")

    with pytest.raises(SystemExit) as info:
        run(argv=argv)
    assert info.value.code == 0
    captured = capsys.readouterr()
    assert captured.err.startswith(err) and bool(captured.err) == bool(err), captured.err
    return captured.out


def test_help_typed_group_lists_options_and_their_fields(
    cwd: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A discriminated-union field is a typed group: its options, then each option's fields
    marked with the choice; dataclass metadata and both docstring styles give descriptions."""
    out = help_text(Grouped, ["--help"], capsys)
    assert (
        "  optim: Adam | SGD = adam\n"
        "      typed group, choose with optim=OPTION: adam, sgd\n"
        "  optim.lr: float = 0.001  [optim=adam]\n"
        "  optim.lr: float = 0.1  [optim=sgd]\n"
        "  optim.momentum: float = 0.0  [optim=sgd]\n"
        "      Momentum factor\n"
        "  model.width: int = 4\n"
        "      Hidden width (pydantic collects this docstring itself).\n"
        "  data.root: str = 'data'\n"
        "      Data root\n"
        "  data.shards: int = 1\n"
        "      Number of shards (attribute docstring on a dataclass).\n"
    ) in out
    assert out.endswith(
        "config groups: choose with group=option\n  optim: adam, sgd  (typed group Adam | SGD)\n"
    )


def test_help_with_broken_defaults_file_still_helps(
    write,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """A broken config-defaults.yaml does not hide --help: schema defaults are shown, the
    file's problem goes to stderr, and the exit status is 0."""
    write("config-defaults.yaml", "epochs: [1\n")
    out = help_text(Settings, ["-h"], capsys, err="config-defaults.yaml:2:1: ")
    assert "  epochs: int = 1\n" in out
    assert "(defaults from" not in out


def test_help_shows_defaults_file_values_and_required_fields(
    write,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """The default shown is the defaults file's value when it sets the key; a field with no
    default anywhere is marked (required)."""

    class Needs(BaseModel):
        name: str
        epochs: int = 1
        optim: Optim = Optim()

    write("config-defaults.yaml", "epochs: 9\noptim:\n  lr: 0.5\n")
    out = help_text(Needs, ["--help"], capsys)
    assert "  name: str (required)\n  epochs: int = 9\n  optim.lr: float = 0.5\n" in out


def test_config_group_selected_through_main(
    write,
    capsys: pytest.CaptureFixture[str],  # type: ignore[no-untyped-def]
) -> None:
    """conf/ beside the defaults file makes groups: optim=sgd picks conf/optim/sgd.yaml, and
    --explain names that file and line."""
    write("config-defaults.yaml", "epochs: 2\n")
    write("conf/optim/sgd.yaml", "lr: 0.25\n")
    write("conf/optim/fast.yaml", "lr: 0.5\n")

    @typedcfg.main(Settings)
    def train(cfg: Settings) -> float:
        return cfg.optim.lr

    assert train(argv=["optim=sgd"]) == 0.25
    with pytest.raises(SystemExit):
        train(argv=["--explain", "optim=fast"])
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("optim.lr"))
    assert row.split(None, 2)[1:] == ["0.5", "conf/optim/fast.yaml:1:5"]
    with pytest.raises(SystemExit) as info:
        train(argv=["optim=slow"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("argv[0] 'optim=slow': ")
    assert "fast" in err and "sgd" in err
