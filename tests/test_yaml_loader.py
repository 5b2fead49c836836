"""typedcfg.read.yaml_loader: positions, the YAML 1.2 core dialect, schema-guided scalars, safety.

Every behaviour is checked with both node builders: libyaml (``CParser``) and the pure-Python
fallback that ``_make_loader`` builds when ``yaml.cyaml`` cannot be imported.
"""

from __future__ import annotations

import enum
import itertools
import math
import os
import pathlib
import sys
from collections.abc import Iterator
from typing import Annotated, Any, Literal, Optional

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field, SecretStr

import typedcfg.read.files as read_files
import typedcfg.read.yaml_loader as yl
import typedcfg.read.yaml_walk as walk
from typedcfg.errors import ConfigFileError, KeyWarning
from typedcfg.provenance import SourceKind
from typedcfg.read.yaml_loader import Document, parse_scalar, parse_yaml, read_text
from typedcfg.typeinfo import TypeNode, schema_tree

KIND = SourceKind.CONFIG_FILE
FILE = "f.yaml"


def _python_loader() -> type:
    """The fallback loader, built by ``_make_loader`` itself with libyaml made unimportable."""
    saved = sys.modules.get("yaml.cyaml")
    sys.modules["yaml.cyaml"] = None  # type: ignore[assignment]  # makes the import fail
    try:
        loader, libyaml = yl._make_loader()
    finally:
        if saved is None:
            del sys.modules["yaml.cyaml"]
        else:
            sys.modules["yaml.cyaml"] = saved
    assert libyaml is False
    return loader


PY_LOADER = _python_loader()


@pytest.fixture(params=["libyaml", "python"])
def loader(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Run the test once with libyaml and once with the pure-Python fallback."""
    if request.param == "libyaml":
        assert yl.LIBYAML, "PyYAML in the test environment is built with libyaml"
        from yaml.cyaml import CParser

        assert issubclass(yl._Loader, CParser)
    else:
        monkeypatch.setattr(yl, "_Loader", PY_LOADER)
    yield request.param


def parse(text: str, hint: TypeNode | None = None, **kw: Any) -> Document:
    return parse_yaml(text, FILE, KIND, hint, **kw)


def data(text: str, hint: TypeNode | None = None, **kw: Any) -> Any:
    return parse(text, hint, **kw).data


def positions(doc: Document) -> dict[str, str]:
    return {".".join(map(str, k)): str(v) for k, v in doc.origins.items()}


def error_text(text: str, hint: TypeNode | None = None, **kw: Any) -> str:
    with pytest.raises(ConfigFileError) as info:
        parse(text, hint, **kw)
    return str(info.value)


def parse_with(loader_cls: type, text: str) -> tuple[Any, dict[str, str]] | tuple[str, str]:
    saved = yl._Loader
    yl._Loader = loader_cls
    try:
        doc = parse(text)
        return doc.data, positions(doc)
    except ConfigFileError as exc:
        loc = exc.origin.location if exc.origin is not None else ""
        return "error", loc
    finally:
        yl._Loader = saved


# --------------------------------------------------------------------------- positions

NESTED = """\
a: 1
b:
  c: [1, {d: 2}]
  e:
    - x
    - y: 3
      z: {p: [q, r]}
s: "quoted"
"""


def test_positions_of_every_node_block_and_flow(loader: str) -> None:
    """Every node has its 1-based line:col: scalars and flow collections where their text
    starts, a block mapping or list that is the value of a key (below the top level) at the key
    (its text starts on the next line)."""
    doc = parse(NESTED)
    assert doc.data == {
        "a": 1,
        "b": {"c": [1, {"d": 2}], "e": ["x", {"y": 3, "z": {"p": ["q", "r"]}}]},
        "s": "quoted",
    }
    got = positions(doc)
    del got["b"]  # a top-level container: see test_top_level_container_points_at_its_key
    assert got == {
        "a": "f.yaml:1:4",
        "b.c": "f.yaml:3:6",
        "b.c.0": "f.yaml:3:7",
        "b.c.1": "f.yaml:3:10",
        "b.c.1.d": "f.yaml:3:14",
        "b.e": "f.yaml:4:3",
        "b.e.0": "f.yaml:5:7",
        "b.e.1": "f.yaml:6:7",
        "b.e.1.y": "f.yaml:6:10",
        "b.e.1.z": "f.yaml:7:10",
        "b.e.1.z.p": "f.yaml:7:14",
        "b.e.1.z.p.0": "f.yaml:7:15",
        "b.e.1.z.p.1": "f.yaml:7:18",
        "s": "f.yaml:8:4",
    }
    origin = doc.origins[("b", "e", 1, "y")]
    assert (origin.kind, origin.file, origin.line, origin.column) == (KIND, FILE, 6, 10)


def test_top_level_container_points_at_its_key(loader: str) -> None:
    """The rule for nested keys holds at the top level too: ``b:`` + block mapping -> b's key."""
    doc = parse("b:\n  c: 1\n  e:\n    f: 2\nl: [1]\n")
    assert str(doc.origins[("b", "e")]) == "f.yaml:3:3"  # nested: at the key
    assert str(doc.origins[("b",)]) == "f.yaml:1:1"


def test_positions_of_flow_mapping_at_top_level(loader: str) -> None:
    """A document written as one flow mapping still gets a position for each entry."""
    doc = parse("{a: 1, b: [x, {c: null, d: [2]}]}\n")
    assert doc.data == {"a": 1, "b": ["x", {"c": None, "d": [2]}]}
    got = positions(doc)
    del got["b"]  # a top-level container
    assert got == {
        "a": "f.yaml:1:5",
        "b.0": "f.yaml:1:12",
        "b.1": "f.yaml:1:15",
        "b.1.c": "f.yaml:1:19",
        "b.1.d": "f.yaml:1:28",
        "b.1.d.0": "f.yaml:1:29",
    }


def test_position_of_an_alias(loader: str) -> None:
    """An aliased block mapping is located at the key that uses it; its entries where they
    were written (under the anchor)."""
    doc = parse("d:\n  x: &a\n    k: 1\n  y: *a\n")
    assert doc.data == {"d": {"x": {"k": 1}, "y": {"k": 1}}}
    got = positions(doc)
    del got["d"]
    assert got == {
        "d.x": "f.yaml:2:3",
        "d.x.k": "f.yaml:3:8",
        "d.y": "f.yaml:4:3",
        "d.y.k": "f.yaml:3:8",
    }


CORPUS = [
    NESTED,
    "a: 1e-3\nb: [NO, yes, on, 0o17, 0x1F, 55_000, .inf, -.Inf, ~, null, '']\nc:\n",
    "base: &b {x: 1, y: [1, 2]}\nd:\n  <<: *b\n  y: 3\n",
    "a: |\n  two\n  lines\nb: >-\n  folded\n  text\n",
    "a: !!str 1\nb: !!float 2\nc: !!int '3'\nd: !!bool 'true'\n",
    "{a: {b: {c: [[1], [2, [3]]]}}}\n",
    "a:\n- 1\n- - 2\n  - 3\n",
    "a: 1\na: 2\n",
    "a: !!python/object/apply:os.system [x]\n",
    "a: [1\n",
    "a: b: c\n",
    "- 1\n",
    "x: &a 1\ny: *b\n",
    "wandb_version: 1\na: {desc: d, value: [1, {b: 2}]}\n",
]


@pytest.mark.parametrize("text", CORPUS, ids=range(len(CORPUS)))
def test_libyaml_and_python_fallback_agree(text: str) -> None:
    """Both loaders give the same values and positions (or an error at the same location)."""
    from yaml.cyaml import CParser

    assert issubclass(yl._Loader, CParser)
    assert parse_with(yl._Loader, text) == parse_with(PY_LOADER, text)


YAMLISH = [
    "a", "b", ": ", " ", "\n", "  ", "- ", "[", "]", "{", "}", ", ", "&x ", "*x", "<<: ",
    "!!str ", "!!int ", "!foo ", "!!python/name:os.system ", "'q'", '"d"', "# c", "|\n  t",
    "1", "1e3", "~", "null", "desc: ", "value: ", "wandb_version: 1\n", "_wandb: ", "é",
    "\r\n", "---\n", "%YAML 1.2\n",
]  # fmt: skip
documents = st.lists(st.sampled_from(YAMLISH), max_size=25).map("".join)


def _outcome(loader_cls: type, text: str) -> tuple[Any, ...]:
    saved = yl._Loader
    yl._Loader = loader_cls
    try:
        doc = parse(text)
    except ConfigFileError as exc:
        return ("error", type(exc))
    finally:
        yl._Loader = saved
    # Empty (null) values are located differently by the two PyYAML scanners; see the report.
    located = {k: str(v) for k, v in doc.origins.items() if _get(doc.data, k) is not None}
    return ("ok", repr(doc.data), located, doc.descriptions)


def _get(data: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        data = data[part]
    return data


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents)
def test_both_loaders_agree_on_random_documents(text: str) -> None:
    """On YAML-like noise, both loaders either fail with ConfigFileError or give the same
    values, positions of non-null values and descriptions; nothing else escapes."""
    from yaml.cyaml import CParser

    assert issubclass(yl._Loader, CParser)
    assert _outcome(yl._Loader, text) == _outcome(PY_LOADER, text)


def test_crlf_line_endings_keep_positions(loader: str) -> None:
    """Windows line endings give the same values and positions as Unix ones."""
    unix = parse(NESTED)
    windows = parse(NESTED.replace("\n", "\r\n"))
    assert windows.data == unix.data
    assert positions(windows) == positions(unix)


# --------------------------------------------------------------------------- YAML 1.2 core

CORE_SCALARS: list[tuple[str, Any]] = [
    ("true", True),
    ("false", False),
    ("True", True),
    ("FALSE", False),
    ("yes", "yes"),
    ("no", "no"),
    ("NO", "NO"),
    ("on", "on"),
    ("off", "off"),
    ("y", "y"),
    ("1e-3", 0.001),
    ("1E3", 1000.0),
    ("6.02e+23", 6.02e23),
    ("1.5", 1.5),
    ("-.5", -0.5),
    ("+1.", 1.0),
    ("1", 1),
    ("-17", -17),
    ("+3", 3),
    ("017", 17),
    ("0", 0),
    ("0o17", 15),
    ("0x1F", 31),
    ("0xff", 255),
    ("0o", "0o"),
    ("0x", "0x"),
    ("0o8", "0o8"),
    ("0xg", "0xg"),
    ("-0x1", "-0x1"),
    ("0b11", "0b11"),
    ("55_000", 55000),
    ("1_000.5", 1000.5),
    ("1_", "1_"),
    ("_1", "_1"),
    ("1__0", "1__0"),
    ("2001-01-01", "2001-01-01"),
    ("2001-12-14t21:59:43.10-05:00", "2001-12-14t21:59:43.10-05:00"),
    ("1:30", "1:30"),
    ("190:20:30", "190:20:30"),
    ("~", None),
    ("null", None),
    ("Null", None),
    ("NULL", None),
    ("none", "none"),
    ("None", "None"),
    (".inf", math.inf),
    (".Inf", math.inf),
    ("+.INF", math.inf),
    ("-.inf", -math.inf),
    (".", "."),
    ("-", "-"),
    ("+", "+"),
    ("1.2.3", "1.2.3"),
    ("1e", "1e"),
    ("e5", "e5"),
    ("inf", "inf"),
    ("nan", "nan"),
    ("=", "="),
]


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b


@pytest.mark.parametrize(("text", "expected"), CORE_SCALARS, ids=[t for t, _ in CORE_SCALARS])
def test_parse_scalar_yaml_12_core(text: str, expected: Any) -> None:
    """Unquoted scalars follow YAML 1.2 core: only true/false bools, no dates or sexagesimals."""
    assert _same(parse_scalar(text), expected)


# ``k: -`` is a block sequence entry in a file, so the lone dash is checked only above.
FILE_SCALARS = [(t, e) for t, e in CORE_SCALARS if t != "-"]


@pytest.mark.parametrize(("text", "expected"), FILE_SCALARS, ids=[t for t, _ in FILE_SCALARS])
def test_schema_free_file_scalars(loader: str, text: str, expected: Any) -> None:
    """A key with no schema type reads its unquoted scalar as OmegaConf's YAML loader does
    (YAML 1.1 plus OmegaConf's floats; tests/test_peer_yaml.py runs that loader itself)."""
    from omegaconf._utils import get_yaml_loader  # pyright: ignore[reportPrivateUsage]

    if text == "=":  # YAML 1.1's value key, which PyYAML cannot construct: text here
        assert data("k: =\n")["k"] == "="
        return
    oracle = yaml.load(f"k: {text}\n", Loader=get_yaml_loader())["k"]
    value = data(f"k: {text}\n")["k"]
    assert _same(value, oracle) or (value != value and oracle != oracle)


@pytest.mark.parametrize("text", [".nan", ".NaN", ".NAN"])
def test_nan_forms(loader: str, text: str) -> None:
    """The three YAML 1.2 spellings of not-a-number give a float NaN."""
    value = data(f"k: {text}\n")["k"]
    assert isinstance(value, float) and math.isnan(value)
    assert math.isnan(parse_scalar(text))


def test_empty_value_is_null(loader: str) -> None:
    """A key with nothing after the colon is null (and keeps its position)."""
    doc = parse("a:\nb: 1\n")
    assert doc.data == {"a": None, "b": 1}
    assert str(doc.origins[("a",)]) == "f.yaml:1:3"


@pytest.mark.parametrize(
    "text", ["'1'", '"true"', "'null'", "'~'", '"1e-3"', "'NO'", '""', "'0x1F'", "'.inf'"]
)
def test_quoted_scalars_are_strings(loader: str, text: str) -> None:
    """A quoted scalar is the string between the quotes, whatever it looks like."""
    assert data(f"k: {text}\n")["k"] == text[1:-1]


def test_block_scalars_are_strings(loader: str) -> None:
    """Literal and folded block scalars are strings, never numbers."""
    assert data("a: |\n  1\nb: >-\n  true\n") == {"a": "1\n", "b": "true"}


def test_keys_are_always_strings(loader: str) -> None:
    """Mapping keys keep their text: ``1``, ``null`` and ``true`` keys are strings."""
    assert data("1: a\nnull: b\ntrue: c\n1.5: d\n") == {
        "1": "a",
        "null": "b",
        "true": "c",
        "1.5": "d",
    }


def test_yaml_11_directive_does_not_change_the_dialect(loader: str) -> None:
    """A ``%YAML`` directive does not change the reading: untyped ``yes`` is a boolean (as
    OmegaConf reads it) under ``%YAML 1.2`` too, and a ``str`` field keeps the text."""
    assert data("%YAML 1.2\n---\na: yes\n") == {"a": True}
    assert data("%YAML 1.1\n---\nname: yes\n", HINT) == {"name": "yes"}


def test_huge_integer_is_a_located_error(loader: str) -> None:
    """An integer too long for Python's int() limit is a ConfigFileError at its position."""
    with pytest.raises(ConfigFileError) as info:
        parse("a: 1\nb: " + "1" * 5000 + "\n")
    assert str(info.value).startswith("f.yaml:2:4: ")


# --------------------------------------------------------------------------- schema-guided


class Color(str, enum.Enum):
    red = "red"
    no = "NO"


class Level(enum.Enum):
    one = 1


class Inner(BaseModel):
    value: int = 0
    desc: str = ""


class Num(BaseModel):
    kind: Literal["num"] = "num"
    version: float = 0.0


class Text(BaseModel):
    kind: Literal["text"] = "text"
    version: str = ""


class Model(BaseModel):
    version: str = ""
    country: str = ""
    run: str = ""
    flag: str = ""
    name: Optional[str] = None
    alt: str | None = None
    lr: float = 0.0
    n: int = 0
    mode: Literal["a", "1.0"] = "a"
    color: Color = Color.red
    level: Level = Level.one
    path: pathlib.Path = pathlib.Path(".")
    secret: SecretStr = SecretStr("")
    tags: list[str] = []
    names: dict[str, str] = {}
    inner: Inner = Inner()
    anything: Any = None
    number: int | str = 0
    metrics: dict[str, float] = {}
    tagged: Annotated[Num | Text, Field(discriminator="kind")] = Num()
    options: dict[str, Any] = {}


HINT = schema_tree(Model)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("version: 1.10", "1.10"),
        ("country: NO", "NO"),
        ("run: 007", "007"),
        ("flag: true", "true"),
        ("flag: .inf", ".inf"),
        ("flag: 1e-3", "1e-3"),
        ("flag: 2001-01-01", "2001-01-01"),
        ("name: 007", "007"),
        ("alt: 1.10", "1.10"),
        ("mode: 1.0", "1.0"),
        ("color: NO", "NO"),
        ("path: 007", "007"),
        ("secret: 0123", "0123"),
        ("inner: {desc: 1.0}", {"desc": "1.0"}),
        ("tags: [007, 1.10, yes, false]", ["007", "1.10", "yes", "false"]),
        ("names: {a: 007, b: 1e3}", {"a": "007", "b": "1e3"}),
    ],
)
def test_text_fields_keep_the_exact_text(loader: str, line: str, expected: Any) -> None:
    """An unquoted scalar bound to str, Optional[str], Literal/Enum of str, Path or SecretStr
    (also as list items and dict values) keeps its exact text."""
    key = line.split(":")[0]
    assert data(line + "\n", HINT)[key] == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("lr: 1e-3", 0.001),
        ("lr: 1", 1),
        ("n: 007", 7),
        ("level: 1", 1),
        ("inner: {value: 0x10}", {"value": 16}),
        ("anything: 1e-3", 0.001),
        ("anything: NO", False),
        ("anything: 017", 15),
        ("number: 007", 7),
        ("unknown: 1.10", 1.1),
        ("unknown: 1:30", 90),
    ],
)
def test_non_text_fields_use_core_rules(loader: str, line: str, expected: Any) -> None:
    """Numbers, Enum of int and mixed unions use the YAML 1.2 core rules; ``Any`` and keys
    unknown to the schema are untyped, read as OmegaConf reads them (YAML 1.1)."""
    key = line.split(":")[0]
    assert _same(data(line + "\n", HINT)[key], expected)


@pytest.mark.parametrize("null", ["null", "~", "Null", "NULL", ""])
def test_null_on_optional_str_is_none(loader: str, null: str) -> None:
    """A null form bound to an Optional[str] (or plain str) field is None, not the text."""
    assert data(f"name: {null}\nalt: {null}\nrun: {null}\n", HINT) == {
        "name": None,
        "alt": None,
        "run": None,
    }


def test_discriminated_union_uses_the_selected_member(loader: str) -> None:
    """``kind: text`` selects the member whose ``version`` is a str: ``1.10`` stays text."""
    assert data("tagged:\n  version: 1.10\n  kind: text\n", HINT) == {
        "tagged": {"version": "1.10", "kind": "text"}
    }


def test_discriminated_union_first_member(loader: str) -> None:
    """``kind: num`` selects the member whose ``version`` is a float."""
    assert data("tagged: {kind: num, version: 1.10}\n", HINT) == {
        "tagged": {"kind": "num", "version": 1.1}
    }


def test_quoted_null_on_str_field_is_text(loader: str) -> None:
    """Quoting keeps the word: ``'null'`` on a str field is the string 'null'."""
    assert data("name: 'null'\nrun: ''\n", HINT) == {"name": "null", "run": ""}


def test_explicit_tags_win_over_the_schema(loader: str) -> None:
    """!!int/!!float/!!bool/!!null on a str field give the tagged type; !!str gives text."""
    assert data(
        "version: !!int 3\nrun: !!float 1\nflag: !!bool true\nname: !!null null\nlr: !!str 1e-3\n",
        HINT,
    ) == {"version": 3, "run": 1.0, "flag": True, "name": None, "lr": "1e-3"}


# --------------------------------------------------------------------------- explicit tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("!!str 1", "1"),
        ("!!str true", "true"),
        ("!!str", ""),
        ("!!int '3'", 3),
        ("!!int 0x10", 16),
        ("!!int 0o10", 8),
        ("!!int -4", -4),
        ("!!float 1", 1.0),
        ("!!float '1e-3'", 0.001),
        ("!!float .inf", math.inf),
        ("!!bool true", True),
        ("!!bool 'False'", False),
        ("!!null ''", None),
        ("!!null ~", None),
        ("!<tag:yaml.org,2002:int> 5", 5),
        ("!!map {a: 1}", {"a": 1}),
        ("!!seq [1]", [1]),
    ],
)
def test_explicit_core_tags(loader: str, text: str, expected: Any) -> None:
    """The core tags convert their text (quoted or not) to the tagged type."""
    assert _same(data(f"k: {text}\n")["k"], expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("!!int x", "f.yaml:1:4: 'x' is not a valid !!int"),
        ("!!int 1.5", "f.yaml:1:4: '1.5' is not a valid !!int"),
        ("!!int true", "f.yaml:1:4: 'true' is not a valid !!int"),
        ("!!float x", "f.yaml:1:4: 'x' is not a valid !!float"),
        ("!!bool yes", "f.yaml:1:4: 'yes' is not a valid !!bool"),
        ("!!null 0", "f.yaml:1:4: '0' is not a valid !!null"),
        ("!!int", "f.yaml:1:4: '' is not a valid !!int"),
    ],
)
def test_explicit_tag_with_wrong_text(loader: str, text: str, message: str) -> None:
    """A tagged scalar whose text does not fit the tag is a located error."""
    assert error_text(f"k: {text}\n") == message


@pytest.mark.parametrize("text", ["!!str [1]", "!!int {a: 1}", "!!seq {a: 1}", "!!map [1]"])
def test_scalar_tag_on_a_collection_is_an_error(loader: str, text: str) -> None:
    """``!!str [1]`` (a tag that does not fit the node's kind) is refused, not ignored."""
    assert error_text(f"k: {text}\n").startswith("f.yaml:1:4: ")


# --------------------------------------------------------------------------- unsafe tags

UNSAFE = [
    ("!!python/object/apply:os.system ['touch {p}']", "!!python/object/apply:os.system"),
    ("!!python/object/apply:builtins.open ['{p}', 'w']", "!!python/object/apply:builtins.open"),
    ("!!python/object/new:builtins.open ['{p}', 'w']", "!!python/object/new:builtins.open"),
    ("!!python/name:os.system", "!!python/name:os.system"),
    ("!!python/module:os", "!!python/module:os"),
    ("!!python/tuple [1, 2]", "!!python/tuple"),
    ("!!python/object:argparse.Namespace {x: 1}", "!!python/object:argparse.Namespace"),
    (
        "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch {p}']",
        "!!python/object/apply:os.system",
    ),
]


@pytest.mark.parametrize(("value", "tag"), UNSAFE, ids=[t for _, t in UNSAFE])
@pytest.mark.parametrize("where", ["top", "nested", "list", "key"])
def test_unsafe_tags_are_refused_and_nothing_is_built(
    loader: str, tmp_path: pathlib.Path, value: str, tag: str, where: str
) -> None:
    """A !!python/... tag is an error naming the tag and file:line:col; no object is built."""
    target = tmp_path / "pwned"
    value = value.replace("{p}", str(target))
    text, loc = {
        "top": (f"ok: 1\nk: {value}\n", "2:4"),
        "nested": (f"a:\n  b: {value}\n", "2:6"),
        "list": (f"a:\n  - 1\n  - {value}\n", "3:5"),
        "key": (f"? {value.split(' ')[0]} x\n: 1\n", "1:3"),  # keys are scalars
    }[where]
    message = error_text(text)
    assert message == (
        f"f.yaml:{loc}: unsafe tag {tag} refused: typedcfg never constructs objects from YAML"
    )
    assert not target.exists()


@pytest.mark.parametrize(
    "text",
    [
        "a: {desc: !!python/name:os.system x, value: 1}\n",
        "wandb_version: !!python/name:os.system 1\na: {value: 1}\n",
        "_wandb: !!python/object/apply:os.system [x]\na: 1\n",
        "!!python/object/apply:os.system\nargs: [touch x]\n",
        "--- !!python/object:argparse.Namespace\na: 1\n",
    ],
    ids=["desc", "wandb_version", "_wandb", "root-apply", "root-object"],
)
def test_unsafe_tags_refused_everywhere(loader: str, text: str) -> None:
    """A !!python/... tag is refused even on the document itself, or where the value is dropped.

    ``!!python/object/apply:os.system`` on the root mapping is today read as ``{'args': [...]}``.
    """
    assert "unsafe tag !!python/" in error_text(text)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("!foo 1", "f.yaml:1:4: unsupported tag !foo; config files hold plain data"),
        ("!foo {a: 1}", "f.yaml:1:4: unsupported tag !foo; config files hold plain data"),
        ("!foo [1]", "f.yaml:1:4: unsupported tag !foo; config files hold plain data"),
        ("!!binary aGVsbG8=", "f.yaml:1:4: unsupported tag !!binary; config files hold plain data"),
        (
            "!!timestamp 2001-01-01",
            "f.yaml:1:4: unsupported tag !!timestamp; config files hold plain data",
        ),
        ("!!set {a, b}", "f.yaml:1:4: unsupported tag !!set; config files hold plain data"),
        ("!!omap [a: 1]", "f.yaml:1:4: unsupported tag !!omap; config files hold plain data"),
        ("!<!bar> x", "f.yaml:1:4: unsupported tag !bar; config files hold plain data"),
        (
            "!<tag:example.com,2000:x> 1",
            "f.yaml:1:4: unsupported tag tag:example.com,2000:x; config files hold plain data",
        ),
    ],
)
def test_unknown_tags_are_refused(loader: str, value: str, message: str) -> None:
    """Custom tags, !!binary, !!timestamp, !!set and !!omap are refused with their location."""
    assert error_text(f"k: {value}\n") == message


# --------------------------------------------------------------------------- duplicate keys

DUPLICATES = [
    ("a: 1\nb: 2\na: 3\n", "f.yaml:3:1: duplicate key 'a' (first defined at line 1)"),
    ("x:\n  a: 1\n  b: 2\n  a: 2\n", "f.yaml:4:3: duplicate key 'a' (first defined at line 2)"),
    ("x:\n  - {a: 1,\n     a: 2}\n", "f.yaml:3:6: duplicate key 'a' (first defined at line 2)"),
    ("x:\n  y:\n    z: 1\n\n    z: 2\n", "f.yaml:5:5: duplicate key 'z' (first defined at line 3)"),
    ("1: a\n'1': b\n", "f.yaml:2:1: duplicate key '1' (first defined at line 1)"),
    (
        "wandb_version: 1\nwandb_version: 1\n",
        "f.yaml:2:1: duplicate key 'wandb_version' (first defined at line 1)",
    ),
    ("a: {desc: d, value: 1}\na: 2\n", "f.yaml:2:1: duplicate key 'a' (first defined at line 1)"),
]
DUP_HINT = "\n  hint: YAML keeps only one of them; remove or rename the other"


@pytest.mark.parametrize(("text", "message"), DUPLICATES, ids=range(len(DUPLICATES)))
def test_duplicate_keys_name_both_lines(loader: str, text: str, message: str) -> None:
    """A duplicate key, at the top level or nested, names the second place and the first line."""
    assert error_text(text) == message + DUP_HINT


def test_duplicate_key_inside_desc_value_entry(loader: str) -> None:
    """``a: {value: 1, value: 2}`` is a duplicate key like any other."""
    assert error_text("a:\n  value: 1\n  value: 2\n") == (
        "f.yaml:3:3: duplicate key 'value' (first defined at line 2)" + DUP_HINT
    )


# --------------------------------------------------------------------------- merge keys, aliases


def test_merge_key_explicit_keys_win(loader: str) -> None:
    """``<<: *base`` copies the base's keys; keys written in the mapping win over them."""
    doc = parse("base: &b {a: 1, b: 2}\nx:\n  <<: *b\n  b: 3\n")
    assert doc.data == {"base": {"a": 1, "b": 2}, "x": {"a": 1, "b": 3}}
    assert str(doc.origins[("x", "a")]) == "f.yaml:1:14"
    assert str(doc.origins[("x", "b")]) == "f.yaml:4:6"


def test_merge_key_explicit_key_before_the_merge_still_wins(loader: str) -> None:
    """Order does not matter: an explicit key written before ``<<`` still wins."""
    assert data("base: &b {a: 1, b: 2}\nx:\n  b: 3\n  <<: *b\n")["x"] == {"b": 3, "a": 1}


def test_merge_key_list_earlier_sources_win(loader: str) -> None:
    """``<<: [*a, *b]``: earlier sources win over later ones; explicit keys win over all."""
    doc = parse("a: &a {k: 1, m: 1}\nb: &b {k: 2, n: 2, o: 2}\nx:\n  <<: [*a, *b]\n  o: 3\n")
    assert doc.data["x"] == {"k": 1, "m": 1, "n": 2, "o": 3}
    assert str(doc.origins[("x", "k")]) == "f.yaml:1:11"
    assert str(doc.origins[("x", "n")]) == "f.yaml:2:17"


def test_merge_key_nested_merges_and_inline_mapping(loader: str) -> None:
    """A merged mapping may itself merge; ``<<`` also takes an inline mapping."""
    text = "a: &a {k: 1}\nb: &b {<<: *a, m: 2}\nx: {<<: *b, n: 3}\ny: {<<: {z: 0}, k: 9}\n"
    assert data(text) == {
        "a": {"k": 1},
        "b": {"k": 1, "m": 2},
        "x": {"k": 1, "m": 2, "n": 3},
        "y": {"z": 0, "k": 9},
    }


def test_merge_key_at_top_level(loader: str) -> None:
    """A top-level ``<<`` merges into the document itself."""
    assert data("<<: {a: 1, b: 2}\nb: 3\n") == {"a": 1, "b": 3}


def test_explicitly_tagged_merge_key(loader: str) -> None:
    """``!!merge <<`` is a merge key like the plain ``<<`` (as in PyYAML's safe_load)."""
    assert data("x:\n  !!merge <<: {a: 1}\n  b: 2\n") == {"x": {"a": 1, "b": 2}}


def test_quoted_merge_key_is_an_ordinary_key(loader: str) -> None:
    """Only the plain ``<<`` merges; ``'<<'`` is a key named ``<<``."""
    assert data("x: {'<<': {a: 1}}\n") == {"x": {"<<": {"a": 1}}}


@pytest.mark.parametrize("value", ["1", "[1]", "[{a: 1}, 2]"])
def test_merge_key_of_non_mapping_is_an_error(loader: str, value: str) -> None:
    """``<<`` takes a mapping or a list of mappings; anything else is a located error."""
    message = error_text(f"x:\n  <<: {value}\n")
    assert message.startswith("f.yaml:2:")
    assert message.endswith(": a merge key '<<' takes a mapping or a list of them")


def test_anchors_and_aliases_copy_values(loader: str) -> None:
    """Aliases repeat scalars, lists and mappings; the results are independent objects."""
    doc = parse("s: &s hello\nl: &l [1, 2]\nm: &m {k: v}\nx: [*s, *l, *m]\n")
    assert doc.data == {
        "s": "hello",
        "l": [1, 2],
        "m": {"k": "v"},
        "x": ["hello", [1, 2], {"k": "v"}],
    }
    assert doc.data["x"][1] is not doc.data["l"]
    assert doc.data["x"][2] is not doc.data["m"]


def test_undefined_alias_is_a_located_error(loader: str) -> None:
    """``*nope`` without an anchor is an error at the alias."""
    message = error_text("a: 1\nb: *nope\n")
    assert message.startswith("f.yaml:2:4: invalid YAML: found undefined alias")


# --------------------------------------------------------------------------- resource limits


def _laughs(levels: int, width: int, leaves: int | None = None) -> str:
    """l0 is a list of ``leaves`` scalars; each next level lists ``width`` aliases of the last."""
    names = [f"l{i}" for i in range(levels)]
    lines = [f"{names[0]}: &{names[0]} [" + ", ".join(["lol"] * (leaves or width)) + "]"]
    for prev, name in itertools.pairwise(names):
        lines.append(f"{name}: &{name} [" + ", ".join([f"*{prev}"] * width) + "]")
    return "\n".join(lines) + "\n"


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Count every value the walker builds (so 'fails fast' is checked without a clock)."""
    count = [0]
    original = walk.Walker.value

    def value(self: Any, node: Any, path: Any, hint: Any) -> Any:
        count[0] += 1
        return original(self, node, path, hint)

    monkeypatch.setattr(walk.Walker, "value", value)
    return count


def test_billion_laughs_fails_with_the_alias_message(loader: str) -> None:
    """A 600-byte file that expands to 10^6 lists (the default budget is 10^5) is refused."""
    text = _laughs(7, 10, leaves=1)
    assert len(text) < 600
    location, message = error_text(text).split(": ", 1)
    assert location.startswith("f.yaml:")  # where the budget ran out
    assert message == (
        "aliases expand to too many values (a 'billion laughs' file?); "
        f"the limit is {walk.ALIAS_BUDGET} values built through aliases"
    )


def test_classic_billion_laughs_stops_early(
    loader: str, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    """The classic 9 levels x 10 (10^9 values) stops after a bounded amount of work.

    The budget is lowered to keep the test small; the bound below is loose (10 values per
    alias visit), and the exact bound is pinned by test_alias_budget_bounds_all_values_built.
    """
    monkeypatch.setattr(walk, "ALIAS_BUDGET", 1000)
    message = error_text(_laughs(9, 10))
    assert "aliases expand to too many values" in message
    assert "the limit is 1000 values" in message
    assert counted[0] <= 11 * 1000 + 200


def test_alias_budget_bounds_all_values_built(
    loader: str, monkeypatch: pytest.MonkeyPatch, counted: list[int]
) -> None:
    """The work done is bounded by the budget plus the file's own nodes, whatever the shape.

    Wide leaf lists make each alias visit expensive; the budget must count every value built
    through an alias, not only the alias visits.
    """
    monkeypatch.setattr(walk, "ALIAS_BUDGET", 1000)
    with pytest.raises(ConfigFileError):
        parse(_laughs(9, 10))
    nodes_in_file = 10 * 9 + 9  # the file's own nodes
    assert counted[0] <= 1000 + nodes_in_file + 1


def test_wide_alias_bomb_is_refused(loader: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Two alias levels over a wide list build 10,000 values through aliases -> refused.

    With the default budget the same shape (3 levels of 150, a 2 KB file) builds 3.4 million
    values and takes half a minute; the budget is lowered so that the test stays small.
    """
    monkeypatch.setattr(walk, "ALIAS_BUDGET", 1000)
    assert "aliases expand to too many values" in error_text(_laughs(2, 100))


def test_aliases_within_budget_are_fine(loader: str) -> None:
    """Ordinary reuse of anchors is far below the budget."""
    text = "base: &b {lr: 0.1, layers: [1, 2, 3]}\n" + "".join(f"run{i}: *b\n" for i in range(100))
    result = data(text)
    assert len(result) == 101 and result["run99"] == {"lr": 0.1, "layers": [1, 2, 3]}


DEEP_MESSAGES = {
    ("flow", "libyaml"): "f.yaml:1:1003: invalid YAML: exceeded maximum nesting depth "
    "(while increasing flow level)",
    ("block", "libyaml"): "f.yaml:2:1999: invalid YAML: exceeded maximum nesting depth "
    "(while increasing block level)",
    ("flow", "python"): "f.yaml: nesting is too deep to read",
    ("block", "python"): "f.yaml: nesting is too deep to read",
}


@pytest.mark.parametrize("style", ["flow", "block"])
def test_ten_thousand_levels_is_a_file_error_not_recursion(loader: str, style: str) -> None:
    """10,000 nested lists (``[[[...]]]`` or ``- - - ...``) give ConfigFileError, never
    RecursionError."""
    depth = 10_000
    if style == "flow":
        text = "a: " + "[" * depth + "]" * depth + "\n"
    else:
        text = "a:\n  " + "- " * depth + "x\n"
    with pytest.raises(ConfigFileError) as info:
        parse(text)
    assert str(info.value) == DEEP_MESSAGES[style, loader]


def test_nesting_limit_is_the_documented_one(loader: str) -> None:
    """MAX_DEPTH nested lists load; one more is refused with the MAX_DEPTH message at the node."""
    n = walk.MAX_DEPTH
    ok = data("a: " + "[" * n + "]" * n + "\n")
    assert isinstance(ok["a"], list)
    message = error_text("a: " + "[" * (n + 1) + "]" * (n + 1) + "\n")
    assert message == f"f.yaml:1:{4 + n}: nesting is deeper than {n} levels"


# --------------------------------------------------------------------------- document shape


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "# a\n\n# b\n"])
def test_empty_document_has_no_data(loader: str, text: str) -> None:
    """An empty file (or only comments) gives ``data is None`` and no origins."""
    doc = parse(text)
    assert doc.data is None
    assert doc.origins == {} and doc.descriptions == {} and doc.desc_value == 0


@pytest.mark.parametrize("text", ["---\n", "--- # c\n...\n", "# c\n---\n"])
def test_document_with_only_a_marker_is_empty(loader: str, text: str) -> None:
    """An explicit ``---`` with no content is an empty document, like an empty file."""
    assert parse(text).data is None


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n- 2\n", "f.yaml:1:1: the top level must be a mapping of keys to values, not a list"),
        ("[1, 2]\n", "f.yaml:1:1: the top level must be a mapping of keys to values, not a list"),
        (
            "3\n",
            "f.yaml:1:1: the top level must be a mapping of keys to values, not a single value",
        ),
        (
            "# c\n'text'\n",
            "f.yaml:2:1: the top level must be a mapping of keys to values, not a single value",
        ),
    ],
)
def test_top_level_must_be_a_mapping(loader: str, text: str, message: str) -> None:
    """A top-level list or scalar is refused with the kind it was."""
    assert error_text(text) == message


def test_several_documents_are_refused(loader: str) -> None:
    """A file holds one document."""
    assert error_text("a: 1\n---\nb: 2\n") == (
        "f.yaml:2:1: invalid YAML: but found another document "
        "(expected a single document in the stream (line 1, column 1))"
    )


@pytest.mark.parametrize(
    "text",
    ["[1]: 2\n", "{a: 1}: 2\n", "? [1]\n: 2\n"],
)
def test_collection_keys_are_refused(loader: str, text: str) -> None:
    """A list or mapping used as a key is an error."""
    assert error_text(text).endswith(": a key must be a plain value, not a mapping or a list")


def test_interpolation_flag(loader: str) -> None:
    """``interpolated`` is set when some string holds ``${``, and only then."""
    assert parse("a: ${b}\nb: 1\n").interpolated is True
    assert parse("a: [x, {y: '${b}'}]\nb: 1\n").interpolated is True
    assert parse("a: $b\nb: '{x}'\n").interpolated is False


SYNTAX = {
    "libyaml": [
        (
            "a: [1\n",
            "f.yaml:2:1: invalid YAML: did not find expected ',' or ']' "
            "(while parsing a flow sequence (line 1, column 4))",
        ),
        ("a: b: c\n", "f.yaml:1:5: invalid YAML: mapping values are not allowed in this context"),
        (
            "a: 1\n\tb: 2\n",
            "f.yaml:2:1: invalid YAML: found a tab character that violates indentation "
            "(while scanning a plain scalar (line 1, column 4))\n"
            "  hint: YAML indentation uses spaces, not tabs",
        ),
    ],
    "python": [
        (
            "a: [1\n",
            "f.yaml:2:1: invalid YAML: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence (line 1, column 4))",
        ),
        ("a: b: c\n", "f.yaml:1:5: invalid YAML: mapping values are not allowed here"),
    ],
}


def test_syntax_error_snapshots(loader: str) -> None:
    """Syntax errors render as ``file:line:col: invalid YAML: problem (context (where))``."""
    for text, message in SYNTAX[loader]:
        assert error_text(text) == message


def test_tab_indentation_hint_with_both_loaders(loader: str) -> None:
    """A tab in the indentation gets the 'spaces, not tabs' hint whichever loader runs."""
    assert error_text("a: 1\n\tb: 2\n").endswith("\n  hint: YAML indentation uses spaces, not tabs")


# --------------------------------------------------------------------------- desc/value


def test_wandb_version_1_is_popped_and_entries_unwrapped(loader: str) -> None:
    """``wandb_version: 1`` is dropped; ``{desc, value}`` entries give their value and desc."""
    doc = parse(
        "wandb_version: 1\n"
        "lr:\n  desc: learning rate\n  value: 0.1\n"
        "layers: {value: [64, 32]}\n"
        "optim: {desc: the optimizer, value: {name: adam, betas: [0.9, 0.99]}}\n"
    )
    assert doc.data == {
        "lr": 0.1,
        "layers": [64, 32],
        "optim": {"name": "adam", "betas": [0.9, 0.99]},
    }
    assert doc.descriptions == {("lr",): "learning rate", ("optim",): "the optimizer"}
    assert doc.desc_value == 3
    got = positions(doc)
    del got["layers"], got["optim"]  # top-level containers
    assert got == {
        "lr": "f.yaml:4:10",
        "layers.0": "f.yaml:5:18",
        "layers.1": "f.yaml:5:22",
        "optim.name": "f.yaml:6:44",
        "optim.betas": "f.yaml:6:57",
        "optim.betas.0": "f.yaml:6:58",
        "optim.betas.1": "f.yaml:6:63",
    }


@pytest.mark.parametrize("version", ["2", "'2'", "1.0", "[1]", "one"])
def test_unknown_wandb_version_is_an_error(loader: str, version: str) -> None:
    """Only ``wandb_version: 1`` exists."""
    message = error_text(f"wandb_version: {version}\na: {{value: 1}}\n")
    assert message.startswith("f.yaml:1:16: wandb_version: unknown version ")
    assert message.endswith("; only 1 exists")


def test_wandb_version_2_message(loader: str) -> None:
    """The full text of the unknown-version error."""
    assert error_text("wandb_version: 2\na: {value: 1}\n") == (
        "f.yaml:1:16: wandb_version: unknown version '2'; only 1 exists"
    )


def test_quoted_wandb_version_1_is_accepted(loader: str) -> None:
    """``wandb_version: '1'`` is the same version."""
    assert data("wandb_version: '1'\na: {value: 1}\n") == {"a": 1}


def test_mixed_plain_and_desc_value_keys(loader: str) -> None:
    """Without wandb_version, a file may mix plain keys and desc/value entries per key."""
    doc = parse("a: {desc: d, value: 1}\nb: 2\nc: {value: [x]}\nd: {x: 1}\n")
    assert doc.data == {"a": 1, "b": 2, "c": ["x"], "d": {"x": 1}}
    assert doc.descriptions == {("a",): "d"}
    assert doc.desc_value == 2


def test_empty_desc_is_not_recorded(loader: str) -> None:
    """``desc:`` with nothing after it records no description."""
    doc = parse("a: {desc: , value: 1}\nb: {desc: '', value: 2}\n")
    assert doc.data == {"a": 1, "b": 2}
    assert doc.descriptions == {}


def test_plain_key_in_versioned_file_is_an_error(loader: str) -> None:
    """With wandb_version, every key must be a desc/value entry."""
    assert error_text("wandb_version: 1\na: 1\n") == (
        "f.yaml:2:4: a: a file with wandb_version holds desc/value entries; write 'a: {value: ...}'"
    )


def test_desc_without_value_is_an_error(loader: str) -> None:
    """``{desc}`` alone is a desc/value entry missing its value."""
    assert error_text("a: {desc: x}\n") == (
        "f.yaml:1:4: a: desc/value entry without 'value'\n"
        "  hint: add 'value:' under 'a', or remove 'desc' to write plain YAML"
    )


def test_versioned_entry_without_value_is_an_error(loader: str) -> None:
    """With wandb_version, a mapping without 'value' is an error."""
    assert error_text("wandb_version: 1\na: {x: 1}\n") == (
        "f.yaml:2:4: a: desc/value entry without 'value'"
    )


def test_desc_value_with_an_unknown_key_warns(loader: str) -> None:
    """``{dsc, value}``: the entry keeps its value; a KeyWarning names the unknown key, where it
    is, and what was likely meant (wandb reads such entries too, keeping only ``value``)."""
    with pytest.warns(KeyWarning) as caught:
        doc = parse("a: {dsc: x, value: 1}\nb:\n  value: 2\n  extra: 3\n")
    assert doc.data == {"a": 1, "b": 2}
    assert [str(w.message) for w in caught] == [
        "f.yaml:1:5: a.dsc: unknown key in a desc/value entry, ignored (an entry keeps its "
        "'value'; 'desc' is its help text); did you mean 'desc'?",
        "f.yaml:4:3: b.extra: unknown key in a desc/value entry, ignored (an entry keeps its "
        "'value'; 'desc' is its help text)",
    ]


def test_desc_value_with_description_and_sweep_keys(loader: str) -> None:
    """``description`` is help text as ``desc`` is; ``min``/``max``/``allowed_values`` are kept
    beside the entry (for ``typedcfg infer``), not in the value."""
    doc = parse("lr:\n  description: step\n  value: 0.1\n  min: 0\n  max: 1\n"
                "opt:\n  allowed_values: [adam, sgd]\n  value: adam\n")
    assert doc.data == {"lr": 0.1, "opt": "adam"}
    assert doc.descriptions == {("lr",): "step"}
    assert doc.constraints == {("lr",): {"min": 0, "max": 1},
                               ("opt",): {"allowed_values": ["adam", "sgd"]}}
    assert set(doc.origins) == {("lr",), ("opt",)}


def test_wandb_internal_key_is_dropped(loader: str) -> None:
    """``_wandb`` (wandb's bookkeeping in a saved run config) is dropped."""
    doc = parse(
        "wandb_version: 1\n_wandb: {desc: null, value: {cli_version: 0.16}}\na: {value: 1}\n"
    )
    assert doc.data == {"a": 1}
    assert ("_wandb",) not in doc.origins


def test_model_field_named_value_is_plain_data(loader: str) -> None:
    """A schema whose nested model has a ``value`` (or ``desc``) field reads the mapping as data."""
    assert data("inner: {value: 3, desc: hi}\n", HINT) == {"inner": {"value": 3, "desc": "hi"}}
    assert data("inner: {value: 3}\n", HINT) == {"inner": {"value": 3}}


def test_dict_field_with_a_value_key_is_plain_data(loader: str) -> None:
    """``metrics: {value: 0.5}`` for a ``dict[str, float]`` field is the dict {'value': 0.5}:
    a desc/value entry for a dict field would hold a mapping under ``value``."""
    assert data("metrics: {value: 0.5}\n", HINT) == {"metrics": {"value": 0.5}}


def test_dict_field_in_desc_value_form(loader: str) -> None:
    """A dict field written as a desc/value entry (its value a mapping) is unwrapped."""
    doc = parse("options: {desc: extra options, value: {a: 1}}\n", HINT)
    assert doc.data == {"options": {"a": 1}}
    assert doc.descriptions == {("options",): "extra options"}


def test_desc_value_off(loader: str) -> None:
    """``desc_value=False`` reads ``{desc, value}`` as ordinary data."""
    assert data("a: {desc: d, value: 1}\n", desc_value=False) == {"a": {"desc": "d", "value": 1}}


def test_desc_value_entries_only_at_top_level(loader: str) -> None:
    """Nested ``{desc, value}`` mappings are ordinary data."""
    assert data("a:\n  b: {desc: d, value: 1}\n") == {"a": {"b": {"desc": "d", "value": 1}}}


def test_desc_value_value_is_schema_guided(loader: str) -> None:
    """The value of an entry is read for the schema field of its key."""
    assert data("run: {desc: x, value: 007}\nlr: {value: 1e-3}\n", HINT) == {
        "run": "007",
        "lr": 0.001,
    }


# --------------------------------------------------------------------------- read_text


def test_read_text_drops_bom_and_keeps_crlf(tmp_path: pathlib.Path, loader: str) -> None:
    """A UTF-8 BOM is dropped; CRLF text parses with the same positions as LF."""
    path = tmp_path / "a.yaml"
    path.write_bytes(b"\xef\xbb\xbfa: 1\r\nb:\r\n  c: caf\xc3\xa9\r\n")
    text = read_text(str(path), KIND)
    assert text == "a: 1\r\nb:\r\n  c: café\r\n"
    doc = parse(text)
    assert doc.data == {"a": 1, "b": {"c": "café"}}
    got = positions(doc)
    del got["b"]  # a top-level container
    assert got == {"a": "f.yaml:1:4", "b.c": "f.yaml:3:6"}


def test_read_text_non_utf8_is_located(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A byte that is not UTF-8 is an error at its line:col, with the original as cause."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bad.yaml").write_bytes(b"a: 1\nb: 'caf\xe9'\n")
    with pytest.raises(ConfigFileError) as info:
        read_text("bad.yaml", KIND)
    assert str(info.value) == "bad.yaml:2:8: not valid UTF-8 (byte 0xe9); save the file as UTF-8"
    assert isinstance(info.value.__cause__, UnicodeDecodeError)


def test_read_text_non_utf8_column_counts_characters(tmp_path: pathlib.Path) -> None:
    """The column is in characters, like every other position (``é`` is one column)."""
    path = tmp_path / "bad.yaml"
    path.write_bytes("b: 'é".encode() + b"\xff'\n")
    with pytest.raises(ConfigFileError) as info:
        read_text(str(path), KIND)
    assert info.value.origin is not None
    assert (info.value.origin.line, info.value.origin.column) == (1, 6)


def test_read_text_missing_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A missing file says so and where relative paths are read from."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigFileError) as info:
        read_text("conf/nope.yaml", SourceKind.DEFAULTS_FILE)
    assert str(info.value) == (
        "conf/nope.yaml: file not found\n"
        f"  hint: relative paths are read from the working directory ({tmp_path})"
    )
    assert isinstance(info.value.__cause__, FileNotFoundError)
    assert info.value.origin is not None and info.value.origin.kind is SourceKind.DEFAULTS_FILE


def test_read_text_directory(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A directory is not a config file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "conf").mkdir()
    with pytest.raises(ConfigFileError) as info:
        read_text("conf", KIND)
    assert str(info.value) == "conf: is a directory, not a file"
    assert isinstance(info.value.__cause__, IsADirectoryError)


def test_read_text_path_below_a_file(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A path that goes through a regular file cannot be read (an OSError other than not-found)."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.yaml").write_text("a: 1\n")
    with pytest.raises(ConfigFileError) as info:
        read_text("a.yaml/b.yaml", KIND)
    assert str(info.value) == "a.yaml/b.yaml: cannot read the file: Not a directory"
    assert isinstance(info.value.__cause__, NotADirectoryError)


def test_read_text_unreadable_file(tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A file without read permission is a ConfigFileError (root may still read it)."""
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "secret.yaml"
    path.write_text("a: 1\n")
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):  # running as root: permissions do not stop reads
            assert read_text("secret.yaml", KIND) == "a: 1\n"
        else:
            with pytest.raises(ConfigFileError) as info:
                read_text("secret.yaml", KIND)
            assert str(info.value) == "secret.yaml: cannot read the file: Permission denied"
            assert isinstance(info.value.__cause__, PermissionError)
    finally:
        path.chmod(0o644)


def test_read_text_absolute_path_shown_relative(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An absolute path below the working directory is shown relative to it."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "d").mkdir()
    with pytest.raises(ConfigFileError) as info:
        read_text(str(tmp_path / "d"), KIND)
    assert str(info.value) == "d: is a directory, not a file"


# --------------------------------------------------------------------------- hardening


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: a\x07b\n", "f.yaml:1:8: invalid YAML: control character 0x07 is not allowed"),
        ("a: 1\nname: \x00\n", "f.yaml:2:7: invalid YAML: control character 0x00 is not allowed"),
        # Multi-byte characters before the culprit: libyaml counts bytes, the column characters.
        ("é: ééé\x07\n", "f.yaml:1:7: invalid YAML: control character 0x07 is not allowed"),
        ("a: 1\r\nb: ü\x1b\r\n", "f.yaml:2:5: invalid YAML: control character 0x1b is not allowed"),
    ],
    ids=["bel", "nul-line-2", "after-multibyte", "crlf-escape"],
)
def test_reader_errors_are_located(loader: str, text: str, expected: str) -> None:
    """A character YAML refuses (PyYAML's ReaderError, which has no mark) gets file:line:col."""
    message = error_text(text)
    assert message.startswith(expected)
    assert "position" not in message and "<unicode string>" not in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("data: &a [*a]\n", "f.yaml:1:7: a recursive alias: this value contains itself"),
        ("x: 1\ndata: &a {b: [1, *a]}\n", "f.yaml:2:7: a recursive alias: this value contains"),
        ("data: &a\n  b: 1\n  <<: *a\n", "f.yaml:1:7: a merge key '<<' refers to a mapping that"),
        ("data: &a\n  b:\n    <<: *a\n", "f.yaml:3:5: a recursive alias: this value contains"),
    ],
    ids=["list-in-itself", "map-in-itself", "merge-itself", "merge-parent-into-child"],
)
def test_recursive_aliases_are_located(loader: str, text: str, expected: str) -> None:
    """An alias inside the value it names is refused at that value, not as deep nesting."""
    assert error_text(text).startswith(expected)


def test_deep_but_not_recursive_alias_reports_the_nesting_cap(loader: str) -> None:
    """Aliases that only nest deeply (no cycle) report the nesting cap, located."""
    lines = ["l0: &l0 [x]"] + [f"l{i}: &l{i} [*l{i - 1}]" for i in range(1, walk.MAX_DEPTH + 2)]
    message = error_text("\n".join(lines) + "\n")
    assert f"nesting is deeper than {walk.MAX_DEPTH} levels" in message
    assert message.startswith("f.yaml:")
    assert "recursive" not in message


def test_read_text_refuses_a_file_over_the_size_cap(tmp_path: pathlib.Path) -> None:
    """A file one byte over MAX_FILE_BYTES is refused with its size; one at the cap is read."""
    big = tmp_path / "big.yaml"
    big.write_bytes(b"name: " + b"x" * (read_files.MAX_FILE_BYTES - 6))
    assert len(read_text(str(big), KIND)) == read_files.MAX_FILE_BYTES
    big.write_bytes(b"name: " + b"x" * (read_files.MAX_FILE_BYTES - 5))
    with pytest.raises(ConfigFileError) as info:
        read_text(str(big), KIND)
    assert str(info.value).startswith(
        f"{big}: the file is too large (4.0 MiB); typedcfg reads config files of up to 4 MiB"
    )


def test_read_text_nul_in_the_name(tmp_path: pathlib.Path) -> None:
    """A path holding a NUL byte is a ConfigFileError, not open()'s ValueError."""
    with pytest.raises(ConfigFileError) as info:
        read_text(str(tmp_path / "a\x00b.yaml"), KIND)
    assert "cannot open the file: embedded null byte" in str(info.value)


@pytest.mark.parametrize(
    "text", ["a: {<<: {[x]: 1}}\n", "a:\n  <<:\n    ? {k: v}\n    : 1\n"], ids=["flow", "block"]
)
def test_merged_mapping_with_a_complex_key_is_located(loader: str, text: str) -> None:
    """A merge source whose key is a list or mapping is refused like any such key (fuzz find)."""
    assert "a key must be a plain value, not a mapping or a list" in error_text(text)
    assert error_text(text).startswith("f.yaml:")
