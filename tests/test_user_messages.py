"""Messages that said the wrong thing (issue 16), each pinned from every source it comes from.

An unknown typed-group option names the options; an unknown key in a file is located at the
key; a ``???`` left in an open schema is reported; a required field nobody set names the
sources that could set it; errors have one style (no summary line, however many there are);
Hydra's parser text becomes words with a position; ``--schema`` with a misspelt file suggests
the file.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from pydantic import BaseModel, ConfigDict, Field

import typedcfg
from typedcfg import ConfigValidationError, OverrideError, TypedcfgError


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 0.001


class Sgd(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = 0.0


class Optim(BaseModel):
    lr: float = 0.001


class Config(BaseModel):
    epochs: int = 10
    optim: Annotated[Adam | Sgd, Field(discriminator="name")] = Adam()


class Plain(BaseModel):
    epochs: int = 10
    optim: Optim = Optim()


class Required(BaseModel):
    project: str
    epochs: int = 10


class Open(BaseModel):
    model_config = ConfigDict(extra="allow")
    epochs: int = 10


def failure(schema: type[Any], argv: list[str], **kw: Any) -> str:
    with pytest.raises(TypedcfgError) as info:
        typedcfg.load(schema, argv, **{"defaults": None, **kw})
    return str(info.value)


def write(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return str(path)


# --------------------------------------------------------------------------- typed groups


def test_an_unknown_typed_group_option_names_the_options() -> None:
    """``optim=rmsprop`` said ``Input should be a valid dictionary or object``."""
    assert failure(Config, ["optim=rmsprop"]) == (
        "argv[0] 'optim=rmsprop': optim: no option 'rmsprop'; choose one of adam, sgd"
    )


def test_a_near_miss_typed_group_option_gets_did_you_mean() -> None:
    assert failure(Config, ["optim=sdg"]) == (
        "argv[0] 'optim=sdg': optim: no option 'sdg'; choose one of adam, sgd; "
        "did you mean 'sgd'?"
    )


def test_an_unknown_typed_group_option_in_a_file(tmp_path: Path) -> None:
    path = write(tmp_path, "run.yaml", "epochs: 3\noptim: rmsprop\n")
    assert failure(Config, [], configs=[path]) == (
        f"{path}:2:8: optim: no option 'rmsprop'; choose one of adam, sgd"
    )


def test_an_unknown_typed_group_option_in_the_environment() -> None:
    assert failure(Config, [], env_prefix="TRAIN_", environ={"TRAIN_OPTIM": "sgdd"}) == (
        "env:TRAIN_OPTIM: optim: no option 'sgdd'; choose one of adam, sgd; did you mean 'sgd'?"
    )


# --------------------------------------------------------------------------- unknown keys


def test_an_unknown_desc_value_key_is_located_at_the_key(tmp_path: Path) -> None:
    """The key on line 4, not its value on line 6 (editors and annotations mark the key)."""
    path = write(
        tmp_path,
        "config-defaults.yaml",
        """
        epochs:
          desc: Number of epochs
          value: 3
        epocs:
          desc: Number of epochs
          value: 5
        """,
    )
    assert failure(Plain, [], defaults=path) == (
        f"{path}:4:1: unknown key 'epocs'; did you mean 'epochs'?"
    )


@pytest.mark.parametrize(
    ("text", "where"),
    [
        pytest.param("optim:\n  lrr:\n    5\n", "2:3", id="value-on-the-next-line"),
        pytest.param("optim:\n  lrr: 5\n", "2:3", id="block"),
        pytest.param("optim: {lr: 1, lrr: 5}\n", "1:16", id="flow"),
        pytest.param("optim:\n  lrr:\n    a: 1\n", "2:3", id="mapping-value"),
        pytest.param("epochs: 3\n'lrr' : 5\n", "2:1", id="quoted-key"),
    ],
)
def test_an_unknown_plain_key_is_located_at_the_key(tmp_path: Path, text: str, where: str) -> None:
    path = write(tmp_path, "run.yaml", text)
    key = "'lrr'" if "'lrr'" in text else "'optim.lrr'; did you mean 'optim.lr'?"
    assert failure(Plain, [], configs=[path]) == f"{path}:{where}: unknown key {key}"


def test_an_unknown_key_from_a_group_file_is_located_at_the_key(tmp_path: Path) -> None:
    """A group option file's keys land under the group; the position is still the file's."""
    (tmp_path / "conf" / "optim").mkdir(parents=True)
    path = write(tmp_path, "conf/optim/fast.yaml", "lr: 0.1\nlrr: 5\n")
    assert failure(Plain, ["optim=fast"], config_dir=str(tmp_path / "conf")) == (
        f"{path}:2:1: unknown key 'optim.lrr'; did you mean 'optim.lr'?"
    )


# --------------------------------------------------------------------------- ??? in open schemas


def test_a_mandatory_marker_in_an_open_schema_is_reported(tmp_path: Path) -> None:
    """``extra="allow"`` keeps unknown keys; one still at ``???`` used to pass as '???'."""
    path = write(tmp_path, "run.yaml", "epochs: 3\nmonitor: ???\nlogger:\n  dir: ???\n")
    assert failure(Open, [], configs=[path]) == (
        f"{path}:2:10: missing mandatory value: 'monitor' is still '???'\n"
        "  hint: give it a value, for example on the command line: monitor=...\n"
        f"{path}:4:8: missing mandatory value: 'logger.dir' is still '???'\n"
        "  hint: give it a value, for example on the command line: logger.dir=..."
    )


def test_a_mandatory_marker_on_the_command_line_in_an_open_schema() -> None:
    assert failure(Open, ["+monitor=???"]) == (
        "argv[0] '+monitor=???': missing mandatory value: 'monitor' is still '???'\n"
        "  hint: give it a value, for example on the command line: monitor=..."
    )


# --------------------------------------------------------------------------- required fields


def test_a_required_field_names_the_sources_that_could_set_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default sources: the defaults file, --configs files and the command line."""
    monkeypatch.chdir(tmp_path)
    assert failure(Required, [], defaults=typedcfg.pipeline.CWD_DEFAULTS) == (
        "(not set): project: required, and no source sets it\n"
        "  hint: set it in config-defaults.yaml, a --configs file or on the command line "
        "(project=...)"
    )


def test_a_required_field_names_the_environment_when_it_is_read() -> None:
    assert failure(Required, [], env_prefix="TRAIN_", environ={}) == (
        "(not set): project: required, and no source sets it\n"
        "  hint: set it in a --configs file, the environment (TRAIN_PROJECT=...) or on the "
        "command line (project=...)"
    )


# --------------------------------------------------------------------------- one style


def test_one_problem_and_two_problems_have_the_same_style() -> None:
    """No summary line, whatever the count: each problem is its own located line."""
    one = failure(Plain, ["epochs=x"])
    two = failure(Plain, ["epochs=x", "optim.lr=y"])
    assert one == (
        "argv[0] 'epochs=x': epochs: Input should be a valid integer, unable to parse string "
        "as an integer (got 'x')"
    )
    assert two == one + (
        "\nargv[1] 'optim.lr=y': optim.lr: Input should be a valid number, unable to parse "
        "string as a number (got 'y')"
    )


# --------------------------------------------------------------------------- Hydra parser text


@pytest.mark.parametrize(
    ("token", "message"),
    [
        pytest.param("epochs={alpha:1", "'{' at character 8 is never closed", id="brace"),
        pytest.param("epochs=[1,2", "'[' at character 8 is never closed", id="bracket"),
        pytest.param("epochs=f(1", "'(' at character 9 is never closed", id="paren"),
        pytest.param("epochs=[1,2]]", "unexpected ']' at character 13", id="extra-close"),
        pytest.param("epochs='abc", "the quote ' at character 8 is never closed", id="quote"),
        pytest.param("epochs={a:1]", "']' at character 12 does not close '{' at character 8",
                     id="mismatched"),
        pytest.param("epochs=[1,,2]", "unexpected ',' at character 11", id="double-comma"),
    ],
)
def test_hydra_parser_errors_are_words_with_a_position(token: str, message: str) -> None:
    """ANTLR's ``no viable alternative at input '{alpha:1'`` never reaches the user."""
    with pytest.raises(OverrideError) as info:
        typedcfg.load(Plain, [token], defaults=None)
    assert str(info.value) == f"argv[0] {token!r}: cannot parse override: {message}"


# --------------------------------------------------------------------------- --schema files


def test_a_misspelt_schema_file_is_located_and_gets_did_you_mean(tmp_path: Path) -> None:
    (tmp_path / "finetune.py").write_text(
        "from pydantic import BaseModel\n\nclass Config(BaseModel):\n    lr: float = 0.1\n",
        encoding="utf-8",
    )
    (tmp_path / "run.yaml").write_text("lr: 0.2\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "typedcfg", "check", "--schema", "finetun.py:Config", "run.yaml"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == (
        "argv[2] 'finetun.py:Config': schema file 'finetun.py' not found; "
        "did you mean 'finetune.py'?\n"
    )


def test_a_missing_schema_file_without_a_near_name(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "typedcfg", "schema", "nothing.py:Config"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert (done.returncode, done.stdout) == (2, "")
    assert done.stderr == "argv[1] 'nothing.py:Config': schema file 'nothing.py' not found\n"


def test_error_types_are_typedcfg_errors() -> None:
    """The messages above come from the usual exception classes."""
    with pytest.raises(ConfigValidationError):
        typedcfg.load(Config, ["optim=rmsprop"], defaults=None)


# --------------------------------------------------------------------------- --help


HELP_PROGRAM = '''
from pydantic import BaseModel, Field
import typedcfg

class Optim(BaseModel):
    lr: float = Field(default=1e-3, gt=0, le=1, description="Learning rate")

class Config(BaseModel):
    epochs: int = Field(default=10, ge=1)
    name: str = Field(default="run", min_length=1, pattern="^[a-z]+$")
    optim: Optim = Optim()

@typedcfg.main(Config)
def train(cfg: Config) -> None:
    """Train a model."""

train()
'''


def test_help_shows_constraints_and_an_invalid_file_default(tmp_path: Path) -> None:
    """``lr: float = '2e-4x'`` used to look like any other default; the run then failed."""
    (tmp_path / "train.py").write_text(HELP_PROGRAM, encoding="utf-8")
    (tmp_path / "config-defaults.yaml").write_text("optim:\n  lr: '2e-4x'\n", encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "train.py", "--help"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    config = done.stdout.split("config: override with key=value or --key=value")[1]
    assert config.splitlines()[1:] == [
        "  epochs: int (>= 1) = 10",
        "  name: str (length >= 1, matching '^[a-z]+$') = 'run'",
        "  optim.lr: float (> 0, <= 1) = '2e-4x'",
        "      invalid default: config-defaults.yaml:2:7: Input should be a valid number, unable "
        "to parse string as a number (got '2e-4x')",
        "      Learning rate",
    ]
