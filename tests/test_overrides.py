"""typedcfg.read.argv: the command-line grammar (Hydra's, plus what wandb sweep agents send)."""

from __future__ import annotations

import math
import pathlib
import subprocess
import sys
from typing import Any, Optional

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from typedcfg.errors import OverrideError
from typedcfg.provenance import Origin
from typedcfg.read.argv import split_argv
from typedcfg.read.grammar import NO_VALUE, Op, Override, fast_value, parse_override, parse_value
from typedcfg.typeinfo import schema_tree


def summary(o: Override) -> tuple[Any, ...]:
    value = "<none>" if o.value is NO_VALUE else o.value
    return (o.op.value, o.key, o.path, value, o.text, str(o.origin))


def split(argv: list[Any]) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    parts = split_argv(argv)
    return [(p, str(o)) for p, o in parts.configs], [summary(o) for o in parts.overrides]


def error(argv: list[Any]) -> str:
    with pytest.raises(OverrideError) as info:
        split_argv(argv)
    return str(info.value)


def _same(a: Any, b: Any) -> bool:
    """Equal with the same types all the way down (1 != 1.0 != True); NaN equals NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return bool(a == b)


# --------------------------------------------------------------------------- split_argv


def test_every_override_form() -> None:
    """key=value, +key, ++key, ~key, ~key=value, --key=value, --key value and bare --flag."""
    configs, overrides = split(
        ["a=1", "+b=2", "++c.d=x", "~e", "~f=3", "--g=0.1", "--h", "0.2", "--i", "--j=k"]
    )
    assert configs == []
    assert overrides == [
        ("set", "a", ("a",), 1, "1", "argv[0] 'a=1'"),
        ("add", "b", ("b",), 2, "2", "argv[1] '+b=2'"),
        ("force", "c.d", ("c", "d"), "x", "x", "argv[2] '++c.d=x'"),
        ("delete", "e", ("e",), "<none>", None, "argv[3] '~e'"),
        ("delete", "f", ("f",), 3, "3", "argv[4] '~f=3'"),
        ("set", "g", ("g",), 0.1, "0.1", "argv[5] '--g=0.1'"),
        ("set", "h", ("h",), 0.2, "0.2", "argv[6] '--h 0.2'"),
        ("set", "i", ("i",), True, "true", "argv[8] '--i'"),
        ("set", "j", ("j",), "k", "k", "argv[9] '--j=k'"),
    ]


def test_origin_fields() -> None:
    """Each override's origin is the argv kind with index and raw token."""
    (o,) = split_argv(["x=1", "--configs", "a.yaml", "optim.lr=0.1"]).overrides[-1:]
    assert (o.origin.index, o.origin.text, o.origin.location) == (3, "optim.lr=0.1", "argv[3]")


def test_bare_flags_are_true() -> None:
    """A bare ``--flag`` followed by another flag, an override or nothing is ``flag=true``."""
    assert split(["--a", "--b", "c=1", "--d"])[1] == [
        ("set", "a", ("a",), True, "true", "argv[0] '--a'"),
        ("set", "b", ("b",), True, "true", "argv[1] '--b'"),
        ("set", "c", ("c",), 1, "1", "argv[2] 'c=1'"),
        ("set", "d", ("d",), True, "true", "argv[3] '--d'"),
    ]


def test_flag_value_may_be_negative_or_a_python_repr() -> None:
    """``--key value`` takes a negative number or a wandb repr as its value."""
    assert split(["--a", "-1", "--b", "[64, 32]", "--c", "None", "--lr", "1e-3"])[1] == [
        ("set", "a", ("a",), -1, "-1", "argv[0] '--a -1'"),
        ("set", "b", ("b",), [64, 32], None, "argv[2] '--b [64, 32]'"),
        ("set", "c", ("c",), None, None, "argv[4] '--c None'"),
        ("set", "lr", ("lr",), 0.001, "1e-3", "argv[6] '--lr 1e-3'"),
    ]


@pytest.mark.parametrize(
    ("argv", "configs", "rest"),
    [
        (
            ["--configs", "a.yaml", "b.yaml", "x=1"],
            [("a.yaml", "argv[1] 'a.yaml'"), ("b.yaml", "argv[2] 'b.yaml'")],
            1,
        ),
        (
            ["--configs=a.yaml,b.yaml"],
            [
                ("a.yaml", "argv[0] '--configs=a.yaml,b.yaml'"),
                ("b.yaml", "argv[0] '--configs=a.yaml,b.yaml'"),
            ],
            0,
        ),
        (
            ["--configs", "a.yaml", "--configs", "b.yaml,c.yaml", "--lr=1"],
            [
                ("a.yaml", "argv[1] 'a.yaml'"),
                ("b.yaml", "argv[3] 'b.yaml,c.yaml'"),
                ("c.yaml", "argv[3] 'b.yaml,c.yaml'"),
            ],
            1,
        ),
        (["--configs", "a,,b"], [("a", "argv[1] 'a,,b'"), ("b", "argv[1] 'a,,b'")], 0),
        (["x=1", "--configs", "a.yaml", "--", "b=1"], [("a.yaml", "argv[2] 'a.yaml'")], 2),
    ],
    ids=["spaced", "comma", "repeated", "empty-part", "dashdash"],
)
def test_configs_flag(argv: list[str], configs: list[tuple[str, str]], rest: int) -> None:
    """``--configs a b``, ``--configs=a,b`` and repeats collect files in order, each located."""
    got_configs, overrides = split(argv)
    assert got_configs == configs
    assert len(overrides) == rest


def test_double_dash_ends_flag_parsing() -> None:
    """After ``--``, ``--configs`` is not a flag any more (it is a malformed override)."""
    assert split(["--", "x=1"])[1] == [("set", "x", ("x",), 1, "1", "argv[1] 'x=1'")]
    assert split(["--"]) == ([], [])
    assert error(["--", "x=1", "--configs"]) == (
        "argv[2] '--configs': not an override: expected key=value\n"
        "  hint: overrides look like optim.lr=0.1, +key=value or ~key; files go after --configs"
    )


NOT_OVERRIDE = (
    "\n  hint: overrides look like optim.lr=0.1, +key=value or ~key; files go after --configs"
)
NEED_FILE = "\n  hint: --configs a.yaml b.yaml, or --configs a.yaml,b.yaml"
EMPTY_HINT = "\n  hint: write a=null for null or a='' for an empty string"
MISSING_KEY = "\n  hint: write key=value, +key=value, ++key=value or ~key"

MALFORMED: list[tuple[list[Any], str]] = [
    (["=1"], "argv[0] '=1': missing key before '='" + MISSING_KEY),
    (
        ["a="],
        "argv[0] 'a=': missing value after '='" + EMPTY_HINT,
    ),
    (
        ["--a", ""],
        "argv[0] '--a ': missing value after '='" + EMPTY_HINT,
    ),
    (["a==1"], "argv[0] 'a==1': cannot parse override: unexpected '=' at character 3"),
    (["+"], "argv[0] '+': not an override: expected key=value" + NOT_OVERRIDE),
    (["++"], "argv[0] '++': not an override: expected key=value" + NOT_OVERRIDE),
    (["+a"], "argv[0] '+a': not an override: expected key=value" + NOT_OVERRIDE),
    (["~"], "argv[0] '~': missing key" + MISSING_KEY),
    (["a"], "argv[0] 'a': not an override: expected key=value" + NOT_OVERRIDE),
    (["x=1", "a.yaml"], "argv[1] 'a.yaml': not an override: expected key=value" + NOT_OVERRIDE),
    (["a=[1"], "argv[0] 'a=[1': cannot parse override: '[' at character 3 is never closed"),
    (
        ['a="x'],
        "argv[0] 'a=\"x': cannot parse override: the quote \" at character 3 is never closed",
    ),
    (["a.=1"], "argv[0] 'a.=1': cannot parse override: unexpected '.' at character 2"),
    (["a b=1"], "argv[0] 'a b=1': cannot parse override: unexpected ' ' at character 2"),
    (
        ["a=foo(1)"],
        "argv[0] 'a=foo(1)': cannot parse override: HydraException while evaluating 'foo(1)': "
        "Unknown function 'foo'",
    ),
    (
        ["a=1,2"],
        "argv[0] 'a=1,2': '1,2' is a sweep (several values); a single run takes one value\n"
        "  hint: quote it for a string with commas (a='1,2'), or add --multirun to run one job "
        "per value",
    ),
    (
        ["--lr=0.1,0.01"],
        "argv[0] '--lr=0.1,0.01': '0.1,0.01' is a sweep (several values); a single run takes one "
        "value\n  hint: quote it for a string with commas (lr='0.1,0.01'), or add --multirun "
        "to run one job per value",
    ),
    (
        ["a=range(1,3)"],
        "argv[0] 'a=range(1,3)': 'range(1,3)' is a sweep (several values); a single run takes one "
        "value\n  hint: quote it for a string with commas (a='range(1,3)'), or add --multirun "
        "to run one job per value",
    ),
    (
        ["a=choice(x,y)"],
        "argv[0] 'a=choice(x,y)': 'choice(x,y)' is a sweep (several values); a single run takes "
        "one value\n  hint: quote it for a string with commas (a='choice(x,y)'), or add --multirun "
        "to run one job per value",
    ),
    (["--configs"], "argv[0] '--configs': --configs needs at least one file" + NEED_FILE),
    (["--configs="], "argv[0] '--configs=': --configs needs at least one file" + NEED_FILE),
    (["--configs", "x=1"], "argv[0] '--configs': --configs needs at least one file" + NEED_FILE),
    (["a=1", 3], "argv[1] '3': argument must be a string, not int"),
    ([None], "argv[0] 'None': argument must be a string, not NoneType"),
    ([b"a=1"], "argv[0] \"b'a=1'\": argument must be a string, not bytes"),
]


@pytest.mark.parametrize(("argv", "message"), MALFORMED, ids=[repr(a) for a, _ in MALFORMED])
def test_malformed_tokens(argv: list[Any], message: str) -> None:
    """Each malformed token is an OverrideError whose full text starts with argv[i] 'token'."""
    assert error(argv) == message


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--a", 3], "argv[1] '3': argument must be a string, not int"),
        (["--configs", None], "argv[1] 'None': argument must be a string, not NoneType"),
        (
            ["--configs", pathlib.PurePosixPath("a.yaml")],
            "argv[1] \"PurePosixPath('a.yaml')\": argument must be a string, not PurePosixPath",
        ),
    ],
)
def test_non_string_after_a_flag(argv: list[Any], message: str) -> None:
    """A non-string token is the same OverrideError wherever it stands."""
    assert error(argv) == message


def test_override_errors_are_value_errors() -> None:
    """OverrideError is a ValueError too, and keeps hydra's exception as its cause."""
    with pytest.raises(ValueError) as info:
        split_argv(["a=[1"])
    assert isinstance(info.value, OverrideError)
    assert info.value.__cause__ is not None


# --------------------------------------------------------------------------- values

VALUES: list[tuple[str, Any, str | None]] = [
    ("1", 1, "1"),
    ("-3", -3, "-3"),
    ("0.5", 0.5, "0.5"),
    ("1e-3", 0.001, "1e-3"),
    ("1_000", 1000, "1_000"),
    ("inf", math.inf, "inf"),
    ("-inf", -math.inf, "-inf"),
    ("true", True, "true"),
    ("False", False, "False"),
    ("TRUE", True, "TRUE"),
    ("null", None, None),
    ("NULL", None, None),
    ("adam", "adam", "adam"),
    ("a/b@c%d", "a/b@c%d", "a/b@c%d"),
    ("1.0.0", "1.0.0", "1.0.0"),
    ("0x1", "0x1", "0x1"),
    ("'007'", "007", None),
    ('"true"', "true", None),
    ("''", "", None),
    ("'x,y'", "x,y", None),
    ("'${a}'", "${a}", None),
    ("[1,2]", [1, 2], None),
    ("[]", [], None),
    ("{}", {}, None),
    ("{a:1,b:[2]}", {"a": 1, "b": [2]}, None),
    ("[a, 'b c', null]", ["a", "b c", None], None),
    ("${optim.lr}", "${optim.lr}", None),
    ("${oc.env:HOME,/tmp}", "${oc.env:HOME,/tmp}", None),
    ("[1,${b}]", [1, "${b}"], None),
    ("x\\ y", "x y", "x y"),
    ("\\,", ",", ","),
    ("x\\=y", "x=y", "x=y"),
    ("\\(x\\)", "(x)", "(x)"),
    ("hello world", "hello world", "hello world"),
    (" 1", 1, "1"),
    ("str(3)", "3", "3"),
]


@pytest.mark.parametrize(("raw", "value", "text"), VALUES, ids=[v for v, _, _ in VALUES])
def test_values(raw: str, value: Any, text: str | None) -> None:
    """Numbers, bools, null, quoted strings, lists, dicts, interpolations and escapes."""
    o = parse_override(f"k={raw}", 4)
    assert _same(o.value, value)
    assert o.text == text
    assert (o.op, o.key, o.path, str(o.origin)) == (Op.SET, "k", ("k",), repr_origin(4, f"k={raw}"))


def repr_origin(index: int, token: str) -> str:
    return str(Origin.argv(index, token))


NAN_FORMS = ["nan", "NaN", "+nan"]


@pytest.mark.parametrize("raw", NAN_FORMS)
def test_nan_values(raw: str) -> None:
    """``nan`` in any case is a float NaN (as in Hydra)."""
    value = parse_override(f"k={raw}", 0).value
    assert isinstance(value, float) and math.isnan(value)


SWEEP_AGENT: list[tuple[str, Any]] = [
    ("True", True),
    ("False", False),
    ("None", None),
    ("[64, 32]", [64, 32]),
    ("{'name': 'adam'}", {"name": "adam"}),
    ("{'name': 'adam', 'betas': (0.9, 0.99)}", {"name": "adam", "betas": [0.9, 0.99]}),
    ("{'a': None, 'b': True}", {"a": None, "b": True}),
    ("{'a': {'b': [1, 2.5]}}", {"a": {"b": [1, 2.5]}}),
    ("['x', 'y']", ["x", "y"]),
    ("[[1, 2], [3]]", [[1, 2], [3]]),
    ("[True, False]", [True, False]),
    ("(64, 32)", [64, 32]),
    ("-1e-05", -1e-05),
    ("1e+20", 1e20),
    ("0.0001", 0.0001),
]


@pytest.mark.parametrize(("raw", "value"), SWEEP_AGENT, ids=[r for r, _ in SWEEP_AGENT])
@pytest.mark.parametrize("form", ["{k}={v}", "--{k}={v}", "--{k} {v}"])
def test_wandb_sweep_agent_values(raw: str, value: Any, form: str) -> None:
    """Values printed with Python's str() arrive as the Python values they came from."""
    argv = (
        form.format(k="opt.x", v=raw).split(" ", 1)
        if form.startswith("--{k} ")
        else [form.format(k="opt.x", v=raw)]
    )
    (o,) = split_argv(argv).overrides
    assert (o.op, o.path) == (Op.SET, ("opt", "x"))
    assert _same(o.value, value)


@pytest.mark.parametrize(("raw", "value"), [("[None, 1]", [None, 1]), ("['a', None]", ["a", None])])
def test_wandb_none_inside_a_list(raw: str, value: Any) -> None:
    """``str([None, 1])`` from a sweep agent is the list ``[None, 1]``."""
    assert _same(parse_override(f"k={raw}", 0).value, value)


@pytest.mark.parametrize("token", ["k=" + "1" * 5000, "k=-" + "1" * 5000])
def test_huge_integer_is_an_override_error(token: str) -> None:
    """An integer too long for int() is an OverrideError, not a raw ValueError."""
    with pytest.raises(OverrideError) as info:
        parse_override(token, 0)
    assert str(info.value).startswith("argv[0] 'k=")


def test_group_and_package_keys() -> None:
    """``db/mysql=x`` keeps the key as written (a group path when it names a group, else a
    literal key, as in Hydra); ``group@pkg=opt`` keeps the package."""
    o = parse_override("db/mysql=x", 0)
    assert (o.key, o.path, o.value, o.package) == ("db/mysql", ("db/mysql",), "x", None)
    o = parse_override("optim@train.opt=adam", 1)
    assert (o.key, o.path, o.value, o.package) == ("optim", ("optim",), "adam", "train.opt")


def test_delete_with_and_without_value() -> None:
    """``~key`` has no value; ``~key=value`` carries the value to check."""
    bare = parse_override("~a.b", 0)
    assert (bare.op, bare.path, bare.value, bare.text) == (Op.DELETE, ("a", "b"), NO_VALUE, None)
    valued = parse_override("~a.b=[1,2]", 0)
    assert (valued.op, valued.value) == (Op.DELETE, [1, 2])


def test_add_and_force_take_structured_values() -> None:
    """``+key={...}`` and ``++key=null`` go through the full grammar."""
    assert summary(parse_override("+a.b={x: 1}", 0))[:4] == ("add", "a.b", ("a", "b"), {"x": 1})
    assert summary(parse_override("++a=null", 0))[:4] == ("force", "a", ("a",), None)


def test_parse_value_for_lone_values() -> None:
    """parse_value reads a value without a key (environment, ``--key value``)."""
    origin = Origin.env("TRAIN_X")
    assert parse_value("None", origin) is None
    assert parse_value("0.5", origin) == 0.5
    assert parse_value("[1, 'a']", origin) == [1, "a"]
    assert parse_value("{'a': 1}", origin) == {"a": 1}
    with pytest.raises(OverrideError) as info:
        parse_value("[1", origin)
    assert (
        str(info.value) == "env:TRAIN_X: cannot parse override: '[' at character 1 is never closed"
    )


# --------------------------------------------------------------------------- typed_value


class Opt(BaseModel):
    name: str = "adam"
    lr: float = 0.1


class Model(BaseModel):
    run: str = ""
    maybe: Optional[str] = None
    lr: float = 0.0
    n: int = 0
    opt: Opt = Opt()


TREE = schema_tree(Model)


@pytest.mark.parametrize(
    ("token", "field", "expected"),
    [
        ("run=007", "run", "007"),
        ("run=1.10", "run", "1.10"),
        ("run=true", "run", "true"),
        ("run=1e5", "run", "1e5"),
        ("run=inf", "run", "inf"),
        ("maybe=007", "maybe", "007"),
        ("maybe=null", "maybe", None),
        ("maybe=None", "maybe", None),
        ("run='007'", "run", "007"),
        ("run=[1,2]", "run", [1, 2]),
        ("lr=1e-3", "lr", 0.001),
        ("n=7", "n", 7),
        ("lr=1", "lr", 1),
    ],
)
def test_typed_value_follows_the_schema(token: str, field: str, expected: Any) -> None:
    """A plain word bound to a str field keeps its exact text; other fields get the value."""
    o = parse_override(token, 0)
    assert _same(o.typed_value(TREE.child(field)), expected)


def test_typed_value_nested_and_without_schema() -> None:
    """The hint of a nested field works the same; no hint gives the grammar's value."""
    o = parse_override("opt.name=1.10", 0)
    assert o.typed_value(TREE.child("opt").child("name")) == "1.10"  # type: ignore[union-attr]
    assert o.typed_value(None) == 1.1


def test_typed_value_of_a_cast_function() -> None:
    """``run=int(3.2)`` on a str field is the function's result, not the text 'int(3.2)'."""
    o = parse_override("run=int(3.2)", 0)
    assert o.typed_value(TREE.child("run")) == 3


# --------------------------------------------------------------------------- fast path vs hydra


def hydra_value(raw: str) -> Any:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return OverridesParser.create().parse_override(f"k={raw}").value()


FAST_OK = [
    "1",
    "0",
    "-0",
    "+0",
    "10",
    "-17",
    "+3",
    "1_000",
    "0.5",
    "1.",
    ".5",
    "+.5",
    "-.5",
    "1e5",
    "1E5",
    "1e-3",
    "1.5e+3",
    "1e1_0",
    ".5_0",
    "inf",
    "-inf",
    "+inf",
    "Inf",
    "NaN",
    "nan",
    "true",
    "False",
    "TRUE",
    "null",
    "Null",
    "None",
    "adam",
    "a.b",
    "a/b",
    "a@b",
    "a%b",
    "-",
    "+",
    ".",
    "-a",
    "+a",
    ".a",
    "1a",
    "e5",
    "0x1",
    "1.0.0",
    "true1",
    "nan1",
    "infinity",
]


@pytest.mark.parametrize("raw", FAST_OK)
def test_fast_path_agrees_with_hydra_on_known_words(raw: str) -> None:
    """Hand-picked words, many near numbers: the fast path types them exactly like Hydra."""
    value = fast_value(raw)
    assert value is not NO_VALUE
    assert _same(value, hydra_value(raw))


@pytest.mark.parametrize("raw", ["007", "00", "0_1", "0_0", "00.5", "007e5", "01.5"])
def test_fast_path_leading_zeros_agree_with_hydra(raw: str) -> None:
    """Hydra has no leading-zero numbers (``007`` is the string '007'); neither may we."""
    value = fast_value(raw)
    assert value is NO_VALUE or _same(value, hydra_value(raw))


ALPHABET = "0123456789_.+-/@%eEaAfFiInNlLoOrRsStTuUxX"
NEAR_MISSES = [
    "1e5",
    "1_000",
    "0x1",
    "inf",
    "NaN",
    "-",
    ".",
    "+.5",
    "1e",
    "e5",
    "1_",
    "_1",
    "1__0",
    "1.5e-3_0",
    "0_1",
    "00",
    "007",
    "-0",
    "+inf",
    "nan1",
    "True",
    "null",
    "1.",
    ".e1",
]
words = st.one_of(
    st.text(alphabet=ALPHABET, min_size=1, max_size=8),
    st.sampled_from(NEAR_MISSES),
    st.builds(
        lambda a, b: a + b,
        st.sampled_from(NEAR_MISSES),
        st.text(alphabet=ALPHABET, min_size=0, max_size=3),
    ),
)


@settings(max_examples=400, deadline=None)
@given(words)
@example("007")
def test_fast_path_agrees_with_hydra_property(raw: str) -> None:
    """On EVERY word the fast path accepts, its value equals hydra-core's OverridesParser's."""
    value = fast_value(raw)
    if value is NO_VALUE:
        return  # not the fast path's business: hydra-core parses it
    assert _same(value, hydra_value(raw)), (raw, value)
    # parse_override really takes the fast path for a plain key (None is the wandb extra).
    o = parse_override(f"k={raw}", 0)
    assert _same(o.value, None if raw == "None" else value)


def hydra_key(key: str) -> str | None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    try:
        found: str = OverridesParser.create().parse_override(f"{key}=1").key_or_group
    except Exception:  # hydra's parse errors: the key is not in its grammar
        return None
    return found


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ab_-.0123456789", min_size=1, max_size=6))
@example("a.2b")
def test_fast_path_keys_agree_with_hydra_property(key: str) -> None:
    """A key the fast path takes (``key=1``) is one Hydra's grammar takes too, unchanged.

    Otherwise ``a.2b=1`` works while ``a.2b=[1]`` and ``+a.2b=1`` (hydra's path) fail.
    """
    try:
        ours = parse_override(f"{key}=1", 0)
    except OverrideError:
        return
    if ours.value != 1 or ours.text != "1":
        return
    assert hydra_key(key) == ours.key


@pytest.mark.parametrize("key", ["a", "a_b", "a-b", "_a", "a.b", "a.b_c.d", "a.1", "A.B1"])
def test_fast_path_keys_hydra_also_takes(key: str) -> None:
    """Ordinary dotted keys parse the same on the fast path and in Hydra's grammar."""
    assert parse_override(f"{key}=1", 0).key == hydra_key(key) == key


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=30))
@example("k=[1")
@example("~")
@example("=")
@example("k=${")
@example("k=${a:}")
@example("k={'a': (1,)}")
@example("k=(")
@example("k=" + "[" * 200)
def test_parse_override_raises_only_override_error(text: str) -> None:
    """Whatever the text, parse_override returns an Override or raises OverrideError."""
    try:
        result = parse_override(text, 0)
    except OverrideError as exc:
        assert str(exc).startswith(f"argv[0] {text!r}: ")
    else:
        assert isinstance(result, Override)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=12), max_size=5))
def test_split_argv_raises_only_override_error(argv: list[str]) -> None:
    """Whatever the tokens, split_argv returns its parts or raises OverrideError."""
    try:
        parts = split_argv(argv)
    except OverrideError as exc:
        assert str(exc).startswith("argv[")
    else:
        assert len(parts.overrides) + len(parts.configs) <= len(argv) * max(
            1, max((t.count(",") + 1 for t in argv), default=1)
        )


# --------------------------------------------------------------------------- imports


def test_plain_overrides_do_not_import_hydra() -> None:
    """Plain ``key=value`` tokens are parsed without importing hydra (or omegaconf/antlr4)."""
    code = (
        "import sys, typedcfg, typedcfg.read.argv\n"
        "parts = typedcfg.read.argv.split_argv(['a=1', 'b.c=x', '--lr=0.1', '--d', 'e=None',"
        " 'f=-1e-3', 'g=true'])\n"
        "assert [o.value for o in parts.overrides] == [1, 'x', 0.1, True, None, -0.001, True]\n"
        "heavy = ('hydra', 'omegaconf', 'antlr4')\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_structured_override_imports_hydra_lazily() -> None:
    """A list of plain words is read without hydra-core; a quoted item needs its parser, which is
    imported then (the check above can fail)."""
    code = (
        "import sys, typedcfg.read.argv\n"
        "typedcfg.read.argv.split_argv(['a=[1,2]', 'b=[x, y]'])\n"
        "print('hydra' in sys.modules)\n"
        "typedcfg.read.argv.split_argv([\"a=['x y', 2]\"])\n"
        "print('hydra' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "True"]


# --------------------------------------------------------------------------- nesting caps


@pytest.mark.parametrize(
    "token",
    [
        '{"data": ' + "[" * 5000 + "]" * 5000 + "}",  # json recursion
        '{"data": ' + "[" * 150 + "]" * 150 + "}",  # parses, but over the cap
        '{"' + ".".join(["a"] * 101) + '": 1}',  # a dotted key over the cap
    ],
    ids=["json-recursion", "json-over-cap", "json-dotted-key"],
)
def test_deep_json_argument_is_refused(token: str) -> None:
    """A JSON argument nested beyond MAX_DEPTH is a located OverrideError, not RecursionError."""
    message = error([token])
    assert message.startswith("argv[0] '{")
    assert "deeper than 100 levels" in message


@pytest.mark.parametrize(
    "token",
    [
        "data=" + "[" * 150 + "]" * 150,
        "data=" + "{a: " * 150 + "1" + "}" * 150,
        "data=" + str([[[[[[None]]]]]]).replace("[", "[" * 30).replace("]", "]" * 30),
        "data." + ".".join(["a"] * 100) + "=1",
        ".".join(["a"] * 60) + "=" + "[" * 41 + "]" * 41,
    ],
    ids=["list", "dict", "python-literal", "dotted-key", "key-plus-value"],
)
def test_deep_override_is_refused(token: str) -> None:
    """An override nesting (key parts plus value levels) beyond MAX_DEPTH is located."""
    assert error([token]).startswith("argv[0] ")
    assert "nesting is deeper than 100 levels" in error([token])


def test_override_at_the_nesting_cap_is_accepted() -> None:
    """Key parts plus value levels at exactly MAX_DEPTH still parse."""
    token = ".".join(["a"] * 60) + "=" + "[" * 40 + "]" * 40
    (override,) = split_argv([token]).overrides
    assert len(override.path) == 60


def test_env_variable_nesting_over_the_cap_is_refused() -> None:
    """An environment variable with more than MAX_DEPTH parts is a located OverrideError."""
    from typedcfg.read.environment import env_layer

    name = "T_" + "__".join(["A"] * 101)
    with pytest.raises(OverrideError) as info:
        env_layer({name: "1"}, "T_", None)
    assert str(info.value).startswith(f"env:{name}: nesting is deeper than 100 levels")


def test_configs_path_with_a_nul_byte_is_located() -> None:
    """A NUL byte in a --configs path is refused at its argv token."""
    assert error(["--configs", "a\x00b.yaml"]) == (
        "argv[1] 'a\\x00b.yaml': a file name cannot hold a NUL byte"
    )


@settings(max_examples=400, deadline=None)
@given(
    st.one_of(words, st.sampled_from(["None", "abc", "a-b", "Inf", "NULL", "x_1", "-0", "0.50"])),
    st.sampled_from(["k", "a.b", "_x.y-z", "a.0", "A1.b_2"]),
)
def test_the_one_match_lane_types_like_fast_value(raw: str, key: str) -> None:
    """Tokens the one-regex lane takes get fast_value's value and text, and the same path."""
    expected = None if raw == "None" else fast_value(raw)
    if expected is NO_VALUE:
        return
    o = parse_override(f"{key}={raw}", 0)
    assert _same(o.value, expected) and type(o.value) is type(expected), (raw, o.value)
    assert o.text == (raw if expected is not None else None)
    assert o.path == tuple(key.split("."))
    assert str(o.origin) == f"argv[0] '{key}={raw}'"


def test_the_one_match_lane_takes_the_usual_tokens() -> None:
    import re

    from typedcfg.read.grammar import _QUICK

    for token in ["batch_size=64", "optim.lr=0.001", "optim.name=adam", "a.b-c=-3", "x=true"]:
        assert re.match(_QUICK, token) is not None, token
    for token in ["a.0=1", "k=1e-3", "k=007", "k=a/b", "k=1_000", "+k=1"]:
        assert re.match(_QUICK, token) is None, token
