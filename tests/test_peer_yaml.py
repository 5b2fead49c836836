"""Untyped scalars are read exactly as OmegaConf's YAML loader reads them, by both readers.

The oracle is ``omegaconf._utils.get_yaml_loader()``, the loader ``OmegaConf.load`` and Hydra
use: PyYAML's YAML 1.1 resolvers (``yes``/``no``/``on``/``off`` booleans, ``017`` octal,
``1:30`` sexagesimal, digit groups), plus OmegaConf's float rule (``1e-3`` is a float), minus
timestamps (dates stay text). Where the schema types a field, the field decides
(``tests/test_yaml_loader.py``); here every position is untyped. Both of typedcfg's readers
are held to the oracle: the line reader (when it takes the file) and libyaml's path.
"""

from __future__ import annotations

import math
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

import typedcfg
from typedcfg.errors import ConfigFileError
from typedcfg.provenance import SourceKind
from typedcfg.read.line_reader import parse_block
from typedcfg.read.yaml_loader import _parse  # pyright: ignore[reportPrivateUsage]

KIND = SourceKind.CONFIG_FILE

# The scalars where YAML 1.1, YAML 1.2 and OmegaConf part ways, and their neighbours.
TRICKY = [
    "yes", "Yes", "YES", "no", "No", "NO", "on", "On", "ON", "off", "Off", "OFF", "y", "n",
    "Y", "N", "yEs", "true", "True", "TRUE", "tRUE", "false", "null", "Null", "NULL", "~",
    "nULL", "017", "0o17", "0x1F", "0x_1f", "-0x1F", "0b101", "+0b1_0", "08", "09.5", "0",
    "-0", "+0", "00", "007", "1:30", "-1:30", "1:30:15", "190:20:30.15", "1:70", "1_000",
    "1__0", "1_", "_1", "1e-3", "1e3", "1E+3", "-1e-3", "1.0e+3", "1.5e3", "1.", ".5", "._5",
    "1_0.5", "3.14_15", ".inf", ".Inf", "-.INF", "+.inf", ".nan", ".NaN", "inf", "nan", "NaN",
    "2024-01-31", "2001-12-14t21:59:43.10-05:00", "12:30:45", "1.2.3", "v1", "0.1.", "--1",
    "+-1", "1e", "e1", ".", "-", "+", "0x", "0b2", "0o8", "1_000.5e-3", "123456789012345678901",
]


def omegaconf_read(text: str) -> tuple[str, Any]:
    """``("ok", data)`` or ``("error", type)`` as OmegaConf's YAML loader reads ``text``."""
    from omegaconf._utils import get_yaml_loader  # pyright: ignore[reportPrivateUsage]

    try:
        return "ok", yaml.load(text, Loader=get_yaml_loader())
    except (yaml.YAMLError, ValueError) as exc:
        return "error", type(exc).__name__


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return type(a) is type(b) and a == b


def readers(text: str) -> dict[str, tuple[str, Any]]:
    """What each of typedcfg's readers makes of ``text`` with no schema (line reader: if it
    takes the file)."""
    out: dict[str, tuple[str, Any]] = {}
    try:
        block = parse_block(text, "f.yaml", KIND, None, False)
    except ConfigFileError:
        block = None  # the line reader leaves every error to libyaml's reading
    if block is not None:
        out["line reader"] = ("ok", block[0])
    try:
        out["libyaml"] = ("ok", _parse(text, "f.yaml", KIND, None, False, consume=False).data)
    except ConfigFileError as exc:
        out["libyaml"] = ("error", str(exc))
    return out


def agree(text: str) -> list[str]:
    """The readers that differ from OmegaConf on ``text`` (empty: all agree)."""
    oracle = omegaconf_read(text)
    bad: list[str] = []
    for name, (status, data) in readers(text).items():
        if status != oracle[0] or (status == "ok" and not _same(data, oracle[1])):
            bad.append(f"{name}: {status} {data!r} (OmegaConf: {oracle[0]} {oracle[1]!r})")
    return bad


def _files(scalar: str) -> list[str]:
    """``scalar`` as a value, in a nested mapping, in a flow list and in a block list."""
    return [f"a: {scalar}\n", f"top:\n  inner: {scalar}\n", f"xs: [{scalar}, 1]\n",
            f"xs:\n  - {scalar}\n"]


@pytest.mark.parametrize("scalar", TRICKY)
def test_tricky_scalars_read_as_omegaconf_reads_them(scalar: str) -> None:
    """Every tricky scalar, in four positions, by both readers: OmegaConf's value."""
    for text in _files(scalar):
        assert agree(text) == [], text


_SCALAR = st.one_of(
    st.sampled_from(TRICKY),
    st.text(alphabet="0123456789_.:+-eExobBnoOyYsS", min_size=1, max_size=10),
)


@settings(max_examples=400, deadline=None)
@given(st.lists(_SCALAR, min_size=1, max_size=6))
@example(["yes", "017", "1:30", "1e-3", "2024-01-31"])
def test_generated_files_read_as_omegaconf_reads_them(scalars: list[str]) -> None:
    """Generated files of untyped scalars (block values and flow lists): OmegaConf's values."""
    lines = [f"k{i}: {s}" for i, s in enumerate(scalars)]
    text = "\n".join(lines) + f"\nall: [{', '.join(scalars)}]\n"
    assert agree(text) == []


class Typed(BaseModel):
    country: str
    run: str
    when: str
    flag: bool
    lr: float


def test_a_typed_field_is_read_by_its_type(tmp_path: Any) -> None:
    """A ``str`` field keeps ``NO``, ``007``, ``1:30`` as written; ``bool`` takes pydantic's."""
    path = tmp_path / "c.yaml"
    path.write_text("country: NO\nrun: 007\nwhen: 1:30\nflag: no\nlr: 1e-3\n")
    cfg = typedcfg.load(Typed, ["--configs", str(path)], defaults=None)
    assert (cfg.country, cfg.run, cfg.when, cfg.flag, cfg.lr) == ("NO", "007", "1:30", False,
                                                                  0.001)


def test_a_long_implicit_key_is_refused_as_yaml_refuses_it() -> None:
    """A plain key over 1024 characters is no implicit key in YAML; neither reader takes it."""
    text = "k" * 1025 + ": 1\n"
    assert omegaconf_read(text)[0] == "error"
    assert parse_block(text, "f.yaml", KIND, None, False) is None
    with pytest.raises(ConfigFileError, match=r"^f\.yaml:1:"):
        _parse(text, "f.yaml", KIND, None, False, consume=False)
    ok = "k" * 1024 + ": 1\n"
    assert omegaconf_read(ok) == ("ok", {"k" * 1024: 1})
    assert agree(ok) == []
