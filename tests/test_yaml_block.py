"""The line reader for plain block YAML (``typedcfg.read.line_reader``) gives exactly what libyaml's
reading gives (values, origins in order, descriptions, flags), or gives up.

libyaml's reading (``yaml_loader._parse``) is the oracle: on every real file of the corpus and
the repository, and on generated files built from the constructs at the subset's edge."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field
from test_yaml_consume import _nan_safe

from typedcfg.errors import ConfigFileError
from typedcfg.provenance import SourceKind
from typedcfg.read.line_reader import parse_block
from typedcfg.read.yaml_loader import _parse, parse_yaml
from typedcfg.typeinfo import TypeNode, schema_tree

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"
KIND = SourceKind.CONFIG_FILE


def _readable(path: Path) -> bool:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return False
    return True


FILES = sorted(
    (
        p
        for p in [*CORPUS.rglob("*.yaml"), *(REPO / "examples").rglob("*.yaml"),
                  *(REPO / "tests" / "data").rglob("*.yaml"), *(REPO / "docs").rglob("*.yaml")]
        if _readable(p)
    ),
    key=str,
)


class Inner(BaseModel):
    name: str = "x"
    lr: float = 0.1
    value: int = 0


class Adam(BaseModel):
    kind: Literal["adam"] = "adam"
    lr: float = 0.1


class Sgd(BaseModel):
    kind: Literal["sgd"] = "sgd"
    momentum: float = 0.9


class Schema(BaseModel):
    a: str = ""
    b: dict[str, str] = {}
    lr: float = 0.1
    name: list[str] = []
    desc: Inner = Inner()
    value: dict[str, int] = {}
    x: Any = None
    optim: Annotated[Adam | Sgd, Field(discriminator="kind")] = Adam()


HINTS: list[TypeNode | None] = [None, schema_tree(Schema)]


def libyaml(text: str, hint: TypeNode | None, desc_value: bool = True) -> Any:
    """What libyaml's reading gives: the same tuple as ``parse_block``, or the error text."""
    try:
        doc = _parse(text, "f.yaml", KIND, hint, desc_value, consume=False)
    except ConfigFileError as exc:
        return ("error", str(exc))
    return _snapshot((doc.data, doc.origins, doc.descriptions, doc.interpolated, doc.desc_value))


def block(text: str, hint: TypeNode | None, desc_value: bool = True) -> Any:
    got = parse_block(text, "f.yaml", KIND, hint, desc_value)
    return None if got is None else _snapshot(got)


def _snapshot(parts: tuple[Any, ...]) -> Any:
    data, origins, descriptions, interpolated, entries = parts
    # Origins as a list: their order is part of what must agree.
    shown = [(path, str(origin)) for path, origin in origins.items()]
    return (_nan_safe(data), shown, descriptions, interpolated, entries)


def agree(text: str, hint: TypeNode | None = None, desc_value: bool = True) -> bool:
    """Both readers give the same result, or the line reader gives up; True when it read."""
    fast = block(text, hint, desc_value)
    if fast is not None:
        assert fast == libyaml(text, hint, desc_value), text
    return fast is not None


def test_the_files_are_there() -> None:
    assert len(FILES) > 200


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(p.parents[2])))
def test_every_real_file_reads_the_same(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for hint in HINTS:
        agree(text, hint)
        agree(text, hint, desc_value=False)


def test_most_real_files_take_the_line_reader() -> None:
    """The subset is what real files are written in: the fast path is not a dead branch."""
    read = [p for p in FILES if agree(p.read_text(encoding="utf-8"))]
    assert len(read) > 120, len(read)
    # wandb's desc/value files among them (the last part of the result counts the entries).
    entries = [p for p in read if block(p.read_text(encoding="utf-8"), None)[-1] > 0]
    assert len(entries) >= 10, entries


ACCEPTED = [
    "a: 1\nb: 2.5\nc: word\nd: true\ne: null\n",
    "# a comment\n\nopt:\n  lr: 1e-3  # note\n  name: adam\n  nested:\n    deep: ~\nx: 1\n",
    "a: [1, 2.5, word, null]\nb: []\nc: [ ]\nd: {}\n",
    "a: 'single#quoted'\nb: \"double: quoted\"\nc: ''\n",
    "a: ${b.c}\nb:\n  c: 1\n",
    "a:\nb: 1\nc:   # nothing\n",
    "a:\n  - 1\n  - two\n  # between\n  - [3, 4]\nb:\n- x\n- 'y'\n",
    "lr:\n  desc: the learning rate\n  value: 0.1\nepochs:\n  value: 3\n",
    "lr:\n  desc: 'quoted'\n  value: [1, 2]\n",
    "name: hello world  with  spaces\nmissing: ???\n",
    "a:\n  x:\n    y:\n      z: 1\n  w: 2\nb: 3\n",
    "1: one\ntrue: yes\nnull: no\n",
    "# header\n--- # start\na: 1\n",
    "a: [\"x, y\", 'z', w]\nb: don't stop:here\nc: http://x.org/a#b\n",
]


@pytest.mark.parametrize("text", ACCEPTED)
def test_the_subset_is_read_by_lines(text: str) -> None:
    for hint in HINTS:
        assert agree(text, hint), text


GIVEN_UP = [
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "a: !!int 3\n",  # tags
    "a: |\n  text\n",  # block scalars
    "a: {b: 1}\n",  # flow mappings
    "a: \"esc\\n\"\n",  # escapes
    "a: 'quoted # hash'\n",  # ' #' inside quotes (the line pattern takes it for a comment)
    "a: 'it''s'\n",  # a quote inside single quotes
    "a:\n  - b: 1\n",  # a list of mappings
    "a: 1\na: 2\n",  # duplicate keys
    "a:\n\tb: 1\n",  # tabs
    "a: caf\u00e9\n",  # non-ASCII
    "a: multi\n  line\n",  # a folded plain scalar
    "a: 1\n---\nb: 2\n",  # a second document
    "- 1\n- 2\n",  # a list at the top
    "",  # empty
    "wandb_version: 1\na:\n  value: 1\n",  # versioned desc/value files
    "lr:\n  desc: x\n  value:\n    a: 1\n",  # an entry whose value is a block
    "lr:\n  desc: x\n  value: 1\n  min: 0\n",  # an entry with more keys (libyaml settles it)
    "optim:\n  kind: sgd\n  momentum: 0.5\n",  # a discriminated union (with the schema)
]


@pytest.mark.parametrize("text", GIVEN_UP)
def test_outside_the_subset_libyaml_reads(text: str) -> None:
    hint = HINTS[1]
    assert block(text, hint) is None
    assert libyaml(text, hint) is not None


def test_errors_in_subset_looking_files_come_from_libyaml() -> None:
    """A duplicate key is refused with libyaml's located message, naming the first line."""
    with pytest.raises(ConfigFileError) as info:
        parse_yaml("a: 1\nb:\n  c: 2\n  c: 3\n", "f.yaml", KIND)
    assert str(info.value).startswith("f.yaml:4:3: duplicate key 'c' (first defined at line 3)")


def test_text_fields_keep_their_text() -> None:
    doc = parse_yaml("a: 007\nname: [01, null, x]\nlr: 1e-3\n", "f.yaml", KIND, HINTS[1])
    assert doc.data == {"a": "007", "name": ["01", None, "x"], "lr": 0.001}
    assert str(doc.origins[("name", 1)]) == "f.yaml:2:12"


# Generated files: lines built from the constructs at the edge of the subset.
KEYS = ["a", "b", "lr", "name", "desc", "value", "x", "1", "true", "a.b", "a-b", "_wandb",
        "optim", "kind", "<<", "a b", "'q'"]
VALUES = [
    "", "1", "-1", "+1", "1.5", ".5", "5.", "1e3", "1_000", "0x1F", "0o17", "007", "-", "--",
    "-x", "~", "null", "NULL", "true", "False", "yes", ".inf", "-.inf", ".nan", "???", "?x", "?",
    "word", "two words", "a  b", "a #c", "a#c", "a: b", "a:b", "a,b", "${a.b}", "${a:b}", "$x",
    "(1, 2)", "=x", "x=y", "@x", "%x", "`x`", "!x", "&x", "*x", "!!int 3", "|", ">", "'q'",
    "'it''s'", "'a'x", "''", '"d"', '"e\\n"', '""', "[1, 2]", "[a,b]", "[]", "[ ]", "[1, 2,]",
    "[a b]", "[1, [2]]", "[${a}]", "{}", "{ }", "{a: 1}", "# c", "adam", "sgd", "a/b", "~/x",
    "http://x", "1 2", "{x", "x}", "a:", "a: ", "a:#", "a #b c", "don't", 'say "hi"', "a!b",
    "<<", "a\\b", "['q', \"r\"]", "['a, b']", "[\"e\\n\"]", "[a, 'b'c]", "a [b] c", "a{b",
    "[a, 'b c', \"d\"]", "[ 'a' ,b ]", "[a,,b]", "[,]", "[-a]", "[-~]", "[-/x]", "[a ]", "['#']",
    "[a'b]", "['a]", "{a}", "'a' ", "a:b:c", "?a", "-a b", "a -", ": a", "a :", "a : b",
]
INDENTS = ["", "", "  ", "  ", "    ", " ", "   ", "\t"]


@st.composite
def documents(draw: st.DrawFn) -> str:
    lines = []
    for _ in range(draw(st.integers(1, 12))):
        indent = draw(st.sampled_from(INDENTS))
        shape = draw(
            st.sampled_from(["key", "key", "key", "open", "item", "comment", "blank", "marker"])
        )
        value = draw(st.sampled_from(VALUES))
        if shape == "key":
            lines.append(f"{indent}{draw(st.sampled_from(KEYS))}: {value}")
        elif shape == "open":
            lines.append(f"{indent}{draw(st.sampled_from(KEYS))}:")
        elif shape == "item":
            lines.append(f"{indent}- {value}")
        elif shape == "marker":
            lines.append(draw(st.sampled_from(["---", "--- # c", "---  ", "--- a", "..."])))
        elif shape == "comment":
            lines.append(f"{indent}# {value}")
        else:
            lines.append(indent)
    return "\n".join(lines) + draw(st.sampled_from(["\n", "", "\n\n"]))


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents(), st.sampled_from(HINTS), st.booleans())
@example("a:\n  desc: x\n  value: 1\nb:\n", HINTS[0], True)
@example("desc:\n  lr: 1\n  value: x\n", HINTS[1], True)
@example("b:\n  value: 1\n", HINTS[1], True)
@example("---\n# \n---\na: 1\n", HINTS[0], False)
def test_generated_files_read_the_same(text: str, hint: TypeNode | None, desc_value: bool) -> None:
    agree(text, hint, desc_value)
