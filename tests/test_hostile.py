"""Hostile inputs (issue 18): bounded work, located errors instead of tracebacks, paths kept
inside the config directory.

Each test feeds one input from the issue and asserts the located message; the growth of the
work with the input's size is guarded in ``tests/test_hostile_growth.py``.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Literal, Optional, Union

import pytest
from pydantic import BaseModel, ConfigDict

import typedcfg


class Free(BaseModel):
    model_config = ConfigDict(extra="allow")

    dataset: str = "mnist"
    epochs: int = 1
    lr: float = 0.1
    layers: list[int] = []


def _error(schema: type, argv: list[str], **options: object) -> typedcfg.TypedcfgError:
    with pytest.raises(typedcfg.TypedcfgError) as info:
        typedcfg.load(schema, argv, **options)  # type: ignore[call-overload]
    return info.value


# --- 1. merge keys ----------------------------------------------------------------------------


def _fan_in(lines: int) -> str:
    out = [f"m{i}: &m{i} {{k{i}: {i}}}" for i in range(3)]
    out += [
        f"m{i}: &m{i} {{<<: [*m{i - 3}, *m{i - 2}, *m{i - 1}], k{i}: {i}}}" for i in range(3, lines)
    ]
    return "\n".join(out) + "\n"


def test_merge_fan_in_is_expanded_once_per_mapping(write) -> None:  # type: ignore[no-untyped-def]
    """40 mappings each merging the three before them load at once (each merge is expanded
    once and remembered), with every key merged in."""
    write("config-defaults.yaml", _fan_in(40))
    config = typedcfg.load(Free, [])
    last = config.m39
    assert len(last) == 40 and last["k0"] == 0 and last["k39"] == 39


def test_merge_fan_in_beyond_the_budget_is_located(write) -> None:  # type: ignore[no-untyped-def]
    """A fan-in that would build millions of values stops at the alias budget, located."""
    write("config-defaults.yaml", _fan_in(2000))
    error = _error(Free, [])
    assert isinstance(error, typedcfg.ConfigFileError)
    assert str(error).startswith("config-defaults.yaml:")
    assert str(error).split(":")[1].isdigit()  # a line
    assert "merge keys expand to too many values" in str(error)


def test_merge_chain_fails_fast_with_a_line(write) -> None:  # type: ignore[no-untyped-def]
    """1,600 single merges in a chain: the budget error, with line and column."""
    lines = ["m0: &m0 {k0: 0}"] + [
        f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, 1600)
    ]
    write("config-defaults.yaml", "\n".join(lines) + "\n")
    error = _error(Free, [])
    text = str(error)
    file, line, column = text.split(":")[:3]
    assert file == "config-defaults.yaml" and line.isdigit() and column.isdigit()
    assert "merge keys expand to too many values" in text


# --- 2. interpolation fan-out -----------------------------------------------------------------


def test_interpolation_fan_out_has_a_resolution_budget(write) -> None:  # type: ignore[no-untyped-def]
    """Each value doubling the one before: refused before OmegaConf spends 2**n resolutions,
    located at the value that goes over the budget."""
    lines = ["extra:", "  a0: x"] + [
        f"  a{i}: ${{extra.a{i - 1}}}${{extra.a{i - 1}}}" for i in range(1, 30)
    ]
    write("config-defaults.yaml", "\n".join(lines) + "\n")
    error = _error(Free, [])
    assert isinstance(error, typedcfg.CompositionError)
    assert str(error).startswith("config-defaults.yaml:")
    assert "interpolations expand to too many resolutions" in str(error)


def test_interpolation_within_the_budget_resolves(write) -> None:  # type: ignore[no-untyped-def]
    """The same shape, short enough, still resolves (2**8 copies of 'x')."""
    lines = ["extra:", "  a0: x"] + [
        f"  a{i}: ${{extra.a{i - 1}}}${{extra.a{i - 1}}}" for i in range(1, 9)
    ]
    write("config-defaults.yaml", "\n".join(lines) + "\n")
    config = typedcfg.load(Free, [])
    assert config.extra["a8"] == "x" * 256


# --- 3. the line reader -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("dataset: a" + " " * 100_000 + "b\n", "a" + " " * 100_000 + "b"),
        ("dataset: a" + " " * 100_000 + "# note\n", "a"),
        ("dataset: a" + " " * 100_000 + "\n", "a"),
    ],
    ids=["spaces-inside", "spaces-before-comment", "trailing-spaces"],
)
def test_long_runs_of_spaces_read_in_linear_time(write, text: str, expected: str) -> None:  # type: ignore[no-untyped-def]
    """100,000 spaces inside, before a comment or after a value (27 s before the fix)."""
    write("config-defaults.yaml", text)
    assert typedcfg.load(Free, []).dataset == expected


def test_spaces_then_an_indicator_is_a_located_error(write) -> None:  # type: ignore[no-untyped-def]
    write("config-defaults.yaml", " " * 100_000 + "!\n")
    error = _error(Free, [])
    assert str(error).startswith("config-defaults.yaml:")


# --- 4. lists on the command line -------------------------------------------------------------


def test_long_list_of_numbers_on_the_command_line() -> None:
    """100,000 items load without hydra-core's list visitor (quadratic: 144 s before)."""
    token = "layers=[" + ",".join(["1"] * 100_000) + "]"
    config = typedcfg.load(Free, [token], defaults=None)
    assert config.layers == [1] * 100_000


def test_long_list_through_the_environment() -> None:
    environ = {"HX_LAYERS": "[" + ", ".join(["2"] * 20_000) + "]"}
    config = typedcfg.load(Free, [], defaults=None, env_prefix="HX_", environ=environ)
    assert config.layers == [2] * 20_000


def test_long_list_for_hydras_grammar_is_bounded() -> None:
    """A list hydra-core's parser must read (quoted items) is refused past the item limit."""
    token = "names=[" + ",".join(["'a b'"] * 5_000) + "]"
    error = _error(Free, [token], defaults=None)
    assert isinstance(error, typedcfg.OverrideError)
    assert str(error).startswith('argv[0] "names=[')
    assert "too many items for hydra's override grammar" in str(error)


@pytest.mark.parametrize(
    "value",
    ["[1,2,3]", "[ 1 , 2 ]", "[a,b]", "[1.5,-2,true,null]", "[]", "[x/y,a@b,c%d,+1]", "[1e3,inf]"],
)
def test_simple_lists_read_as_hydra_reads_them(value: str) -> None:
    """The simple-list reader gives hydra-core's values (the peer, run here)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    from typedcfg.read.grammar import parse_override

    expected = OverridesParser.create().parse_override(f"k={value}").value()
    assert parse_override(f"k={value}", 0).value == expected


# --- 6. FIFOs ---------------------------------------------------------------------------------


def _unblock(path: Path) -> threading.Timer:
    """If the reader blocked on the FIFO, open its other end so the test ends instead of hanging."""

    def release() -> None:
        with open(path, "w"):
            pass

    timer = threading.Timer(5.0, release)
    timer.daemon = True
    timer.start()
    return timer


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs on this platform")
@pytest.mark.parametrize("how", ["configs", "defaults"])
def test_a_fifo_is_refused_not_read(cwd: Path, how: str) -> None:
    """A FIFO given as a config file is refused at once, located (it hung before)."""
    os.mkfifo(cwd / "fifo.yaml")
    timer = _unblock(cwd / "fifo.yaml")
    try:
        if how == "configs":
            error = _error(Free, [], configs=["fifo.yaml"], defaults=None)
        else:
            error = _error(Free, [], defaults="fifo.yaml")
    finally:
        timer.cancel()
    assert isinstance(error, typedcfg.ConfigFileError)
    assert (
        str(error) == "fifo.yaml: not a regular file (a FIFO); config files must be regular files"
    )


# --- 12. long hex and octal integers ----------------------------------------------------------


@pytest.mark.parametrize("digits", ["0x" + "f" * 5000, "0o" + "7" * 6000])
@pytest.mark.parametrize("field", ["epochs", "lr"])
def test_long_hex_and_octal_integers_are_too_long(write, digits: str, field: str) -> None:  # type: ignore[no-untyped-def]
    """Past the 4,300-digit limit: the same 'number too long' error decimals get."""
    write("config-defaults.yaml", f"{field}: {digits}\n")
    error = _error(Free, [])
    assert (
        str(error)
        == f"config-defaults.yaml:1:{len(field) + 3}: number too long ({len(digits)} digits)"
    )


def test_hex_integers_within_the_limit_still_load(write) -> None:  # type: ignore[no-untyped-def]
    write("config-defaults.yaml", "epochs: 0x" + "f" * 100 + "\n")
    assert typedcfg.load(Free, []).epochs == 16**100 - 1


# --- 18. defaults lists stay inside the config directory --------------------------------------


@pytest.mark.parametrize(
    "entry", ["../../../../etc/passwd", "../secret", "//etc/passwd", "db/../../secret"]
)
def test_defaults_entry_leaving_the_config_dir_is_refused(write, entry: str) -> None:  # type: ignore[no-untyped-def]
    write("secret.yaml", "dataset: stolen\n")
    write("conf/db/a.yaml", "dataset: a\n")
    write("conf/train.yaml", f"defaults:\n  - {entry}\n  - _self_\n")
    error = _error(Free, [], configs=["conf/train.yaml"], config_dir="conf", defaults=None)
    assert isinstance(error, typedcfg.CompositionError)
    assert str(error).startswith("conf/train.yaml:2:5: ")
    assert "leaves the config directory" in str(error)


def test_group_option_leaving_the_config_dir_is_refused(write) -> None:  # type: ignore[no-untyped-def]
    write("secret.yaml", "dataset: stolen\n")
    write("conf/db/a.yaml", "dataset: a\n")
    write("conf/train.yaml", "defaults:\n  - db: a\n  - _self_\n")
    error = _error(
        Free, ["db=../../secret"], configs=["conf/train.yaml"], config_dir="conf", defaults=None
    )
    assert str(error).startswith("argv[0] 'db=../../secret': ")
    assert "leaves the config directory" in str(error)


# --- 19. tags under merge keys ----------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "!!python/object/apply:os.system {args: [echo hi]}",
        "!!python/name:os.system {}",
        "!custom {a: 1}",
        "[!!python/object:os.system {a: 1}]",
    ],
)
def test_unsafe_tags_under_a_merge_key_are_refused(write, value: str) -> None:  # type: ignore[no-untyped-def]
    write("config-defaults.yaml", f"b:\n  <<: {value}\n  k: 1\n")
    error = _error(Free, [])
    assert isinstance(error, typedcfg.ConfigFileError)
    assert str(error).startswith("config-defaults.yaml:2:")
    assert "tag" in str(error)


# --- 20. unions that are not discriminated ----------------------------------------------------


class A(BaseModel):
    kind: Literal["a"] = "a"
    x: int = 1


class B(BaseModel):
    kind: Literal["b"] = "b"
    y: str = "q"


class Either(BaseModel):
    either: Optional[Union[A, B]] = None


def test_union_member_reports_keys_it_does_not_have() -> None:
    """`{kind: a, y: hello}` is an A, which has no `y`: an unknown key, located."""
    error = _error(Either, ["either={kind: a, y: hello}"], defaults=None)
    assert isinstance(error, typedcfg.ConfigValidationError)
    assert str(error) == ("argv[0] 'either={kind: a, y: hello}': unknown key 'either.y'")


def test_union_member_with_its_own_keys_loads() -> None:
    assert typedcfg.load(Either, ["either={kind: b, y: hello}"], defaults=None).either == B(
        y="hello"
    )


# --- 21. file names, long echoes, odd keys ----------------------------------------------------


def test_control_characters_in_file_names_are_escaped(cwd: Path) -> None:
    name = "\x1b]0;title\x07.yaml"
    (cwd / name).write_text("epochs: x\n")
    error = _error(Free, [], configs=[name], defaults=None)
    text = str(error)
    assert "\x1b" not in text and "\x07" not in text
    assert text.startswith("'\\x1b]0;title\\x07.yaml':1:9: epochs: ")


def test_long_echoes_are_cut(write) -> None:  # type: ignore[no-untyped-def]
    """A 1 MB key, in a file or on the command line, is cut in the message with a marker."""
    key = "k" * 1_000_000
    error = _error(A, [f"{key}=1"], defaults=None)
    assert len(str(error)) < 3_000
    assert "... (1,000,002 characters)" in str(error)  # the token
    assert "... (1,000,000 characters)" in str(error)  # the key
    write("config-defaults.yaml", f"{key}: 1\n")
    error = _error(A, [])
    assert len(str(error)) < 3_000  # libyaml refuses a key that long; either way, a short line


def test_empty_key_is_named_as_empty(write) -> None:  # type: ignore[no-untyped-def]
    write("config-defaults.yaml", "'': 1\n")
    error = _error(A, [])
    # Located at the key, as every unknown key is (issue 16), and named as written.
    assert str(error) == "config-defaults.yaml:1:1: unknown key ''"


def test_index_of_a_list_no_source_set() -> None:
    error = _error(Free, ["layers.1000000=1"], defaults=None)
    assert str(error).startswith("argv[0] 'layers.1000000=1': cannot set 'layers.1000000': ")
    assert "'layers' is a list" in str(error)
