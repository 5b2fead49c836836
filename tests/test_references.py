"""Plain references resolved without OmegaConf give exactly what OmegaConf gives (the live peer).

``typedcfg.composition.references.resolve_references`` either resolves a config itself or
declines (``None``) and leaves it to OmegaConf. The tests hold the first path to OmegaConf's own
``to_container(resolve=True)`` on the same data: over a table of shapes taken from real trees,
over a table of inputs it must decline (OmegaConf refuses them, or reads them in a way the plain
subset does not cover), and over generated configs whose references point anywhere, including at
missing keys, cycles and ``???``.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from typedcfg.composition.references import resolve_references


def omegaconf(data: dict[str, Any]) -> Any:
    """OmegaConf's reading, or the exception type it raised."""
    try:
        return OmegaConf.to_container(OmegaConf.create(data), resolve=True)
    except OmegaConfBaseException as exc:
        return type(exc)


RESOLVED = [
    pytest.param({"a": 1, "b": "${a}"}, id="int-reference"),
    pytest.param({"a": "10", "b": "${a}"}, id="text-that-looks-like-a-number-stays-text"),
    pytest.param({"a": 1e-5, "b": "lr_${a}", "c": True, "d": "${c}-${c}"}, id="text-around"),
    pytest.param({"a": None, "b": "x${a}", "c": "${a}"}, id="null"),
    pytest.param({"m": {"dim": 8, "h": "${.dim}", "n": {"w": "${..dim}"}}}, id="relative"),
    pytest.param({"m": {"dim": 8, "n": {"w": "${..dim}"}}, "copy": "${m}"}, id="container-copy"),
    pytest.param({"l": [1, "${l.0}", "${l[0]}"], "k": "${l.2}"}, id="list-indexes"),
    pytest.param({"l": [{"a": "${.b}", "b": 2}, "${.0}"]}, id="relative-in-list"),
    pytest.param({"a": "${b}", "b": "${c}", "c": 5}, id="chain"),
    pytest.param({"a": "???", "b": 1, "c": "${b}"}, id="unreferenced-missing-kept"),
    pytest.param({"a-b": {"c_d": 3}, "e": "${a-b.c_d}"}, id="dashes-underscores"),
    pytest.param({"a": {"0": "zero"}, "b": "${a.0}"}, id="digit-key-in-mapping"),
    pytest.param({"a": "{x}", "b": "{${a}}", "c": "$5 ${a}"}, id="braces-and-dollars-in-text"),
    pytest.param({"a": 10**30, "b": float("inf"), "c": "${a}/${b}"}, id="big-numbers"),
    pytest.param(
        {
            "paths": {"root_dir": ".", "data_dir": "${paths.root_dir}/data/"},
            "data": {"data_dir": "${paths.data_dir}", "batch_size": 64},
            "model": {"net": {"input_size": 784}, "compile": False},
            "trainer": {"default_root_dir": "${paths.output_dir}"},
        }
        | {"paths": {"root_dir": ".", "data_dir": "${paths.root_dir}/data/", "output_dir": "o"}},
        id="lightning-hydra-template-shape",
    ),
]


@pytest.mark.parametrize("data", RESOLVED)
def test_plain_references_match_omegaconf(data: dict[str, Any]) -> None:
    """Each shape is resolved here (not declined) to exactly OmegaConf's values and types."""
    ours = resolve_references(data)
    assert ours is not None
    assert repr(ours) == repr(omegaconf(data))


DECLINED = [
    pytest.param({"a": "${oc.env:HOME}"}, id="resolver-call"),
    pytest.param({"a": 1, "b": "\\${a}"}, id="escape"),
    pytest.param({"a": 1, "b": "${ a }"}, id="spaces"),
    pytest.param({"a": 1, "b": "${${c}}", "c": "a"}, id="nested"),
    pytest.param({"b": "${missing}"}, id="missing-key"),
    pytest.param({"a": "???", "b": "${a}"}, id="reference-to-missing-value"),
    pytest.param({"a": "${b}", "b": "${a}"}, id="cycle"),
    pytest.param({"l": [1], "b": "${l.3}"}, id="index-past-the-end"),
    pytest.param({"l": [1], "b": "${l.-1}"}, id="negative-index"),
    pytest.param({"l": [1, "${i}"], "i": 3, "b": "a${l}"}, id="container-inside-text"),
    pytest.param({"a": "${b.c}", "b": "${d}", "d": {"c": 1}}, id="through-a-reference"),
    pytest.param({"a": 1, "b": "${...a}"}, id="above-the-root"),
    pytest.param({"a": (1, 2), "b": "${a}"}, id="tuple-value"),
    pytest.param({"a": {1: "x"}, "b": "${a}"}, id="non-text-key"),
]


@pytest.mark.parametrize("data", DECLINED)
def test_declined_shapes_go_to_omegaconf(data: dict[str, Any]) -> None:
    """Outside the plain subset the function declines; OmegaConf's reading is the one used."""
    assert resolve_references(data) is None


def test_declined_missing_key_is_omegaconfs_error() -> None:
    """The declined cases include the errors: OmegaConf, not this module, words them."""
    assert omegaconf({"b": "${missing}"}).__name__ == "InterpolationKeyError"
    assert omegaconf({"a": "${b}", "b": "${a}"}).__name__ == "InterpolationResolutionError"


KEYS = st.sampled_from(["a", "b", "c", "x_1", "d-2", "0", "1"])
SCALARS = st.one_of(
    st.integers(-5, 10**20),
    st.floats(allow_nan=False, width=64),
    st.booleans(),
    st.none(),
    st.sampled_from(["", "text", "10", "???", "{", "}", "$", "a.b", "${", "\\"]),
)
REFERENCE = st.builds(
    lambda dots, parts, brackets: "." * dots
    + ".".join(parts)
    + ("[" + brackets + "]" if brackets else ""),
    st.integers(0, 3),
    st.lists(KEYS, min_size=1, max_size=3),
    st.one_of(st.none(), st.sampled_from(["0", "1", "a"])),
)
STRINGS = st.one_of(
    REFERENCE.map(lambda r: "${" + r + "}"),
    st.tuples(st.sampled_from(["", "p_", "{", "$"]), REFERENCE, st.sampled_from(["", "_q", "}"]))
    .map(lambda t: f"{t[0]}${{{t[1]}}}{t[2]}"),
    st.lists(REFERENCE, min_size=2, max_size=3).map(
        lambda refs: "-".join("${" + r + "}" for r in refs)
    ),
    st.sampled_from(["${oc.env:HOME}", "\\${a}", "${ a }", "${}", "${a"]),
)
VALUES = st.recursive(
    st.one_of(SCALARS, STRINGS),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)
    ),
    max_leaves=14,
)
CONFIGS = st.dictionaries(KEYS, VALUES, min_size=1, max_size=5)
PLAIN = st.recursive(
    st.one_of(st.integers(-5, 10**20), st.floats(allow_nan=False), st.booleans(), st.none(),
              st.sampled_from(["", "text", "10", "???", "{", "$", "a.b"])),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=14,
)  # fmt: skip


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path in ``value``, containers included."""
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


def _spell(target: tuple[Any, ...], at: tuple[Any, ...], relative: bool, brackets: bool) -> str:
    """A reference to ``target`` written at ``at``: absolute, or relative when they share a
    parent; list indexes as ``.0`` or ``[0]``."""
    base: tuple[Any, ...] = ()
    dots = ""
    if relative and len(at) >= 1:
        common = 0
        while common < min(len(at) - 1, len(target)) and at[common] == target[common]:
            common += 1
        base, dots = target[:common], "." * (len(at) - common)
    rest = target[len(base) :]
    text = ""
    for part in rest:
        if isinstance(part, int) and brackets and (text or dots):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return "${" + dots + text + "}"


def _put(data: Any, path: tuple[Any, ...], value: Any) -> None:
    for part in path[:-1]:
        data = data[part]
    data[path[-1]] = value


@st.composite
def referencing_configs(draw: st.DrawFn) -> dict[str, Any]:
    """A generated config where some values are references to other paths of it (which makes
    chains, copies of containers, cycles and references to ``???`` likely, not rare)."""
    data: dict[str, Any] = draw(st.dictionaries(KEYS, PLAIN, min_size=1, max_size=5))
    for _ in range(draw(st.integers(1, 4))):
        paths = _paths(data)[1:]
        at = draw(st.sampled_from(paths))
        target = draw(st.sampled_from(paths))
        reference = _spell(target, at, draw(st.booleans()), draw(st.booleans()))
        around = draw(st.sampled_from([("", ""), ("p_", ""), ("", "/x"), ("$", "}")]))
        _put(data, at, around[0] + reference + around[1])
    return data


@settings(max_examples=1500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(CONFIGS, referencing_configs()))
def test_generated_configs_resolve_as_omegaconf_does(data: dict[str, Any]) -> None:
    """Whatever the references point at, a config resolved here is OmegaConf's to the type;
    where OmegaConf refuses the config, this module declines it."""
    ours = resolve_references(data)
    theirs = omegaconf(data)
    if isinstance(theirs, type):
        assert ours is None, (data, theirs)
    elif ours is not None:
        assert repr(ours) == repr(theirs), data


def test_generated_configs_mostly_take_the_fast_path() -> None:
    """The comparison above is not vacuous: most generated configs that reference their own
    keys and that OmegaConf resolves are resolved here too."""
    taken = resolvable = 0

    @settings(max_examples=400, deadline=None, database=None)
    @given(referencing_configs())
    def count(data: dict[str, Any]) -> None:
        nonlocal taken, resolvable
        if not isinstance(omegaconf(data), type):
            resolvable += 1
            taken += resolve_references(data) is not None

    count()
    assert resolvable > 60
    assert taken / resolvable > 0.5, (taken, resolvable)
