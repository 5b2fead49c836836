"""typedcfg.export (and its wandb_values): flatten, unflatten, to_wandb, key checks."""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import math
import pathlib
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, Field, SecretStr

import typedcfg
from typedcfg import (
    CompositionError,
    DottedKeyWarning,
    HiddenKeyWarning,
    KeyWarning,
    StrippedKeyWarning,
    UnsafeKeyWarning,
    flatten,
    to_wandb,
    unflatten,
)
from typedcfg.export import display_key, key_warnings
from typedcfg.export.wandb_values import json_safe


class Color(enum.Enum):
    RED = "red"
    BLUE = "blue"


class Optim(BaseModel):
    name: str = "adam"
    lr: float = Field(0.001, description="learning rate")
    betas: tuple[float, float] = (0.9, 0.999)


class Train(BaseModel):
    optim: Optim = Optim()
    epochs: int = Field(10, description="number of passes over the data")
    layers: list[int] = [64, 32]
    color: Color = Color.RED
    api_key: SecretStr = SecretStr("hunter2")
    run_name: str = Field("base", alias="run-name")


@dataclasses.dataclass
class DataCfg:
    path: str = "/data"
    splits: tuple[str, ...] = ("train", "val")


def _warnings_of(func: Any, *args: Any, **kwargs: Any) -> tuple[Any, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = func(*args, **kwargs)
    return result, list(caught)


# --- flatten / unflatten ------------------------------------------------------------------


def test_flatten_model_uses_dotted_names_and_aliases() -> None:
    """A model flattens to the names wandb's UI shows, with data keys (aliases); lists stay."""
    flat = flatten(Train())
    assert flat["optim.lr"] == 0.001
    assert flat["optim.name"] == "adam"
    assert flat["layers"] == [64, 32]
    assert flat["run-name"] == "base"
    assert "run_name" not in flat


def test_flatten_dataclass_and_mapping_and_separator() -> None:
    """Dataclasses and mappings flatten; a custom separator is used between parts."""
    assert flatten(DataCfg()) == {"path": "/data", "splits": ("train", "val")}
    assert flatten({"a": {"b": {"c": 1}}, "d": 2}, sep="/") == {"a/b/c": 1, "d": 2}


def test_flatten_keeps_empty_mapping_as_value() -> None:
    """An empty mapping has no leaves, so it stays a value under its own name."""
    assert flatten({"a": {}, "b": {"c": 1}}) == {"a": {}, "b.c": 1}


def test_flatten_collision_names_both_keys() -> None:
    """A dotted key and a nested key that flatten to one name raise, naming both keys."""
    with pytest.raises(CompositionError) as info:
        flatten({"a.b": 1, "a": {"b": 2}})
    assert str(info.value) == (
        "keys ['a.b'] and a.b both flatten to 'a.b'\n"
        "  hint: rename the key that holds '.' (for example 'a_b')"
    )


def test_flatten_collision_in_nested_order() -> None:
    """The collision is found whichever key comes first; the first one is named first."""
    with pytest.raises(CompositionError, match=r"keys a\.b and \['a\.b'\] both flatten"):
        flatten({"a": {"b": 2}, "a.b": 1})


def test_flatten_loaded_collision_names_origin(tmp_path: Path) -> None:
    """With a Loaded, the collision message starts with the file position of the second key."""
    (tmp_path / "d.yaml").write_text("tags:\n  a.b: 1\n  a:\n    b: 2\n")

    class S(BaseModel):
        tags: dict[str, Any] = {}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyWarning)  # load-time key warnings are not the point
        loaded = typedcfg.compose(S, [], defaults=tmp_path / "d.yaml")
    with pytest.raises(CompositionError) as info:
        flatten(loaded)
    assert str(info.value) == (
        f"{tmp_path / 'd.yaml'}:4:8: keys tags['a.b'] and tags.a.b both flatten to 'tags.a.b'\n"
        "  hint: rename the key that holds '.' (for example 'tags.a_b')"
    )


def test_unflatten_inverts_flatten() -> None:
    """unflatten rebuilds the nesting."""
    assert unflatten({"optim.lr": 0.1, "optim.name": "sgd", "epochs": 3}) == {
        "optim": {"lr": 0.1, "name": "sgd"},
        "epochs": 3,
    }


def test_unflatten_value_and_prefix_conflict() -> None:
    """A key that is both a value and a prefix cannot be unflattened."""
    with pytest.raises(CompositionError) as info:
        unflatten({"a": 1, "a.b": 2})
    assert str(info.value) == "cannot unflatten 'a.b': 'a' is already a value"
    with pytest.raises(CompositionError) as info:
        unflatten({"a.b": 2, "a": 1})
    assert str(info.value) == "cannot unflatten 'a': the key is already a mapping"


_names = st.text(alphabet="abcxyz_-0123", min_size=1, max_size=5)
_leaves = st.one_of(
    st.integers(), st.floats(allow_nan=False), st.text(max_size=5), st.booleans(), st.none(),
    st.lists(st.integers(), max_size=3),
)
_configs = st.recursive(
    st.dictionaries(_names, _leaves, max_size=4),
    lambda children: st.dictionaries(_names, st.one_of(_leaves, children), min_size=1, max_size=4),
    max_leaves=20,
)


@given(_configs)
def test_flatten_unflatten_round_trip(config: dict[str, Any]) -> None:
    """For every config without dotted keys or empty mappings, unflatten(flatten(x)) == x."""

    def has_empty(value: Any) -> bool:
        return isinstance(value, dict) and (not value or any(has_empty(v) for v in value.values()))

    if any(has_empty(v) for v in config.values()):
        return  # an empty mapping is a leaf: it flattens to a value, not back to nesting
    assert unflatten(flatten(config)) == config


@given(_configs)
def test_flatten_names_have_one_leaf_each(config: dict[str, Any]) -> None:
    """Flattening never loses a leaf: the number of names equals the number of leaves."""

    def count(value: Any) -> int:
        if isinstance(value, dict) and value:
            return sum(count(v) for v in value.values())
        return 1

    assert len(flatten(config)) == sum(count(v) for v in config.values())


# --- to_wandb values -------------------------------------------------------------------------


def test_to_wandb_model_is_nested_json_safe_and_masked() -> None:
    """A model becomes nested plain data: tuples to lists, Enum to value, secrets masked."""
    assert to_wandb(Train()) == {
        "optim": {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]},
        "epochs": 10,
        "layers": [64, 32],
        "color": "red",
        "api_key": "**********",
        "run-name": "base",
    }


def test_to_wandb_names_match_flatten() -> None:
    """wandb's flattened names of the exported dict are the names flatten() gives."""
    assert sorted(flatten(to_wandb(Train()))) == sorted(flatten(Train()))


class _Custom:
    def __str__(self) -> str:
        return "custom!"


def _plain_function() -> None:
    """Stored by its qualified name."""


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param((1, 2), [1, 2], id="tuple"),
        pytest.param({3, 1, 2}, [1, 2, 3], id="set-sorted"),
        pytest.param(frozenset({"b", "a"}), ["a", "b"], id="frozenset"),
        pytest.param(Color.BLUE, "blue", id="enum-value"),
        pytest.param(Path("/tmp/x"), "/tmp/x", id="path"),
        pytest.param(pathlib.PurePosixPath("a/b"), "a/b", id="purepath"),
        pytest.param(datetime.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05", id="datetime"),
        pytest.param(datetime.date(2024, 1, 2), "2024-01-02", id="date"),
        pytest.param(datetime.timedelta(minutes=2), 120.0, id="timedelta"),
        pytest.param(b"abc", "abc", id="bytes"),
        pytest.param(slice(1, 10, 2), {"slice_start": 1, "slice_step": 2, "slice_stop": 10},
                     id="slice"),
        pytest.param(decimal.Decimal("1.50"), "1.50", id="decimal"),
        pytest.param(complex(1, 2), "1+2j", id="complex"),
        pytest.param(float("nan"), None, id="nan"),
        pytest.param(float("inf"), float("inf"), id="inf"),
        pytest.param(np.int64(5), 5, id="np-int"),
        pytest.param(np.float32(0.5), 0.5, id="np-float"),
        pytest.param(np.bool_(True), True, id="np-bool"),
        pytest.param(np.array([7]), 7, id="one-element-array-is-scalar"),
        pytest.param(np.array([[1.5]]), 1.5, id="one-element-2d-array"),
        pytest.param(np.array([1, 2, 3]), [1, 2, 3], id="small-array"),
        pytest.param(_Custom(), "custom!", id="custom-object"),
        pytest.param(_plain_function, f"{__name__}._plain_function", id="function"),
        pytest.param(Optim(), {"name": "adam", "lr": 0.001, "betas": [0.9, 0.999]},
                     id="pydantic-model-not-str"),
        pytest.param(DataCfg(), {"path": "/data", "splits": ["train", "val"]}, id="dataclass"),
        pytest.param(SecretStr("x"), "**********", id="secret"),
        pytest.param({"k": [Color.RED, (1,)]}, {"k": ["red", [1]]}, id="nested"),
    ],
)
def test_json_safe_table(value: Any, expected: Any) -> None:
    """Each kind of value converts as wandb would, with the documented improvements."""
    assert json_safe(value) == expected


def test_json_safe_types_are_plain() -> None:
    """numpy scalars become Python numbers, not numpy subclasses."""
    assert type(json_safe(np.int64(5))) is int
    assert type(json_safe(np.float64(0.5))) is float
    assert type(json_safe(np.array([7]))) is int


def test_json_safe_large_array_is_text_as_in_wandb() -> None:
    """Arrays over 32 elements become their repr (wandb does the same)."""
    assert json_safe(np.arange(40)) == repr(np.arange(40))


def test_json_safe_options() -> None:
    """enum_as='name' matches wandb; keep_secrets keeps the object; NaN can be kept."""
    assert json_safe(Color.RED, enum_as="name") == "RED"
    secret = SecretStr("s")
    assert json_safe(secret, keep_secrets=True) is secret
    assert math.isnan(json_safe(float("nan"), nan_to_none=False))


def test_to_wandb_dataclass_and_mapping() -> None:
    """Dataclasses and mappings are accepted; nested non-string keys become strings."""
    assert to_wandb(DataCfg()) == {"path": "/data", "splits": ["train", "val"]}
    result, caught = _warnings_of(to_wandb, {"table": {1: "one"}})
    assert result == {"table": {"1": "one"}}
    assert [w.category for w in caught] == [UnsafeKeyWarning]


def test_to_wandb_strips_top_level_dashes_like_wandb() -> None:
    """The result holds the keys wandb will store: top-level '-' stripped, with a warning."""
    result, caught = _warnings_of(to_wandb, {"--lr": 0.1, "nested": {"-x": 1}})
    assert result == {"lr": 0.1, "nested": {"-x": 1}}
    assert [w.category for w in caught] == [StrippedKeyWarning]


def test_to_wandb_rejects_keys_that_become_one() -> None:
    """'--lr' and 'lr' would be one key in wandb: an error naming both, nothing overwritten."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyWarning)
        with pytest.raises(CompositionError) as info:
            to_wandb({"--lr": 1, "lr": 2})
    assert str(info.value) == (
        "keys ['--lr'] and lr both become 'lr' in wandb\n  hint: rename one of them"
    )


def test_to_wandb_rejects_flattened_collision() -> None:
    """A collision in wandb's flattened view is a CompositionError naming both keys."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyWarning)
        with pytest.raises(CompositionError, match=r"keys \['a\.b'\] and a\.b both flatten"):
            to_wandb({"a.b": 1, "a": {"b": 2}})


def test_to_wandb_rejects_non_mapping() -> None:
    """A value that is not a config is refused with the type named."""
    with pytest.raises(CompositionError, match=r"^to_wandb needs a model, .* not int$"):
        to_wandb(3)


def test_to_wandb_desc_form_uses_schema_descriptions() -> None:
    """desc=True gives {key: {desc, value}}; descriptions come from the schema's fields."""
    result = to_wandb(Train(), desc=True)
    assert result["epochs"] == {"desc": "number of passes over the data", "value": 10}
    assert result["layers"] == {"desc": None, "value": [64, 32]}


def test_to_wandb_desc_from_defaults_file(tmp_path: Path) -> None:
    """With a Loaded, desc texts of config-defaults.yaml win over the schema's."""
    (tmp_path / "config-defaults.yaml").write_text(
        "wandb_version: 1\nepochs:\n  desc: Epochs from the file\n  value: 4\n"
    )
    loaded = typedcfg.compose(Train, [], defaults=tmp_path / "config-defaults.yaml")
    result = to_wandb(loaded, desc=True)
    assert result["epochs"] == {"desc": "Epochs from the file", "value": 4}
    assert result["optim"]["desc"] is None
    assert result["api_key"]["value"] == "**********"


# --- key safety warnings ------------------------------------------------------------------------


def test_dotted_key_warning_names_path_origin_and_safe_spelling(tmp_path: Path) -> None:
    """A dotted key from YAML is reported with file:line:col, its path and 'a_b'."""
    (tmp_path / "d.yaml").write_text("extra:\n  a.b: 1\n  ok: 2\n")

    class S(BaseModel):
        extra: dict[str, int] = {}

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyWarning)  # the loader may warn too; not tested here
        loaded = typedcfg.compose(S, [], defaults=tmp_path / "d.yaml")
    with pytest.warns(DottedKeyWarning) as record:
        to_wandb(loaded)
    assert len(record) == 1
    assert str(record[0].message) == (
        f"{tmp_path / 'd.yaml'}:2:3: extra['a.b']: key 'a.b' holds '.', so wandb's flattened "
        "view cannot tell it from nesting (filters and unflatten misread it); use 'a_b'"
    )
    warning = record[0].message
    assert warning.path == ("extra", "a.b")  # type: ignore[union-attr]
    assert warning.safe == "a_b"  # type: ignore[union-attr]
    assert str(warning.origin).endswith(":2:3")  # type: ignore[union-attr]


def test_warning_without_provenance_names_the_type() -> None:
    """Without provenance the warning starts with the type of the exported object."""
    with pytest.warns(DottedKeyWarning) as record:
        to_wandb({"x.y": 1})
    assert str(record[0].message) == (
        "dict: ['x.y']: key 'x.y' holds '.', so wandb's flattened view cannot tell it from "
        "nesting (filters and unflatten misread it); use 'x_y'"
    )


@pytest.mark.parametrize(
    ("data", "category", "fragment", "safe"),
    [
        pytest.param({"--lr": 1}, StrippedKeyWarning,
                     "key '--lr' starts or ends with '-', which wandb strips (it is stored as "
                     "'lr'); use 'lr'", "lr", id="stripped"),
        pytest.param({"_seed": 1}, HiddenKeyWarning,
                     "key '_seed' starts with '_', so wandb hides it from run.config keys(), "
                     "items() and as_dict(); use 'seed' to keep it visible", "seed", id="hidden"),
        pytest.param({"": 1}, UnsafeKeyWarning,
                     "key '' is empty once wandb strips it; use a name such as 'unnamed'",
                     "unnamed", id="empty"),
        pytest.param({"a": {7: 1}}, UnsafeKeyWarning,
                     "key 7 is a int, not a string; wandb stores it as text; use '7'", "7",
                     id="int-nested"),
        pytest.param({7: 1}, UnsafeKeyWarning,
                     "key 7 is a int, not a string; wandb cannot store it at the top level; "
                     "use '7'", "7", id="int-top"),
    ],
)
def test_key_warning_kinds(data: Any, category: type, fragment: str, safe: str) -> None:
    """Each kind of unsafe key has its own KeyWarning subclass, message and safe spelling."""
    found = key_warnings(data)
    assert [type(w) for w in found] == [category]
    assert str(found[0]).endswith(fragment)
    assert found[0].safe == safe  # type: ignore[attr-defined]
    assert isinstance(found[0], KeyWarning) and isinstance(found[0], UserWarning)


def test_nested_dash_and_underscore_keys_are_fine() -> None:
    """wandb strips and hides top-level keys only; nested ones are left alone."""
    assert key_warnings({"a": {"-x": 1, "_y": 2, "mid-dash": 3}}) == []


def test_key_with_two_problems_gets_two_warnings_once_each() -> None:
    """'_a.b' is hidden and dotted: two warnings, each once per export."""
    _, caught = _warnings_of(to_wandb, {"_a.b": 1})
    assert sorted(w.category.__name__ for w in caught) == ["DottedKeyWarning", "HiddenKeyWarning"]


def test_warnings_once_per_key_per_export() -> None:
    """Two exports of the same dotted key warn once each, not once per check."""
    data = {"m": {"x.y": 1}}
    _, first = _warnings_of(to_wandb, data)
    _, second = _warnings_of(to_wandb, data)
    assert len(first) == 1 and len(second) == 1


def test_warning_points_at_the_caller() -> None:
    """The warning is reported at the line that called to_wandb."""
    _, caught = _warnings_of(to_wandb, {"x.y": 1})
    assert caught[0].filename.endswith("test_export.py")


def test_display_key() -> None:
    """Key paths stay readable and unambiguous when parts hold dots, dashes or numbers."""
    assert display_key(("optim", "lr")) == "optim.lr"
    assert display_key(("optim", "beta.1")) == "optim['beta.1']"
    assert display_key(("--lr",)) == "['--lr']"
    assert display_key(("mid-dash", 3)) == "mid-dash[3]"
    assert display_key(()) == "<root>"


_odd_values = st.one_of(
    _leaves,
    st.tuples(st.integers(), st.text(max_size=3)),
    st.sets(st.integers(), max_size=4),
    st.sampled_from(list(Color)),
    st.dates(),
    st.datetimes(),
    st.floats(allow_nan=True, allow_infinity=False),
    st.builds(Path, st.text(alphabet="abc/", max_size=6)),
    st.builds(SecretStr, st.text(max_size=5)),
    st.builds(np.int64, st.integers(-(2**62), 2**62)),
    st.lists(st.floats(allow_nan=False, allow_infinity=False), max_size=4).map(np.array),
)
_odd_configs = st.recursive(
    st.dictionaries(_names, _odd_values, max_size=4),
    lambda children: st.dictionaries(_names, st.one_of(_odd_values, children), max_size=3),
    max_leaves=15,
)


@given(_odd_configs)
def test_to_wandb_output_is_strict_json(config: dict[str, Any]) -> None:
    """Whatever the values, to_wandb's result is JSON and survives a JSON round trip.

    NaN becomes None; infinities stay (serialised as ``Infinity``), exactly as wandb keeps them.
    """
    import json

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyWarning)  # generated names may start with '_' or '-'
        try:
            exported = to_wandb(config)
        except CompositionError:
            return  # two generated keys that wandb would merge ('-a' and 'a'): refused, by design
    text = json.dumps(exported)

    def no_nan(constant: str) -> float:
        # json calls this for the bare constants NaN, Infinity, -Infinity (never for strings).
        assert constant != "NaN", text
        return float(constant)

    assert json.loads(text, parse_constant=no_nan) == exported
