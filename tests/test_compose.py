"""compose.py: merge semantics, override operations, interpolation, all with provenance."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from typedcfg.composition.merge import apply_overrides, merge_layers
from typedcfg.composition.resolve import resolve_interpolations
from typedcfg.errors import CompositionError, MissingKeyError
from typedcfg.provenance import KeyPath, Layer, Origin, SourceKind
from typedcfg.read.argv import split_argv
from typedcfg.read.sources import mapping_layer


def layer(name: str, data: dict[str, Any]) -> Layer:
    return mapping_layer(data, name, SourceKind.CONFIG_FILE)


def test_mappings_merge_scalars_and_lists_replace() -> None:
    """Dicts merge key by key; a scalar or list from a later layer replaces the earlier one."""
    a = layer("a", {"m": {"x": 1, "y": [1, 2, 3]}, "s": 1})
    b = layer("b", {"m": {"y": [9], "z": 2}, "s": {"now": "a dict"}})
    composed = merge_layers([a, b])
    assert composed.data == {"m": {"x": 1, "y": [9], "z": 2}, "s": {"now": "a dict"}}
    assert composed.origins[("m", "x")].text == "a"
    assert composed.origins[("m", "y")].text == "b"
    assert ("m", "y", 2) not in composed.origins  # the replaced list's items are forgotten
    assert [o.text for o in composed.overridden[("m", "y")]] == ["a"]


def test_merge_never_mutates_inputs() -> None:
    """Merging and overriding leave every layer's data untouched."""
    data_a = {"m": {"x": 1, "l": [1]}}
    data_b = {"m": {"x": 2}}
    a, b = layer("a", data_a), layer("b", data_b)
    before = copy.deepcopy((a.data, b.data))
    composed = merge_layers([a, b])
    apply_overrides(composed, split_argv(["m.x=3", "~m.l", "+m.new=1"]).overrides, None)
    assert (a.data, b.data) == before
    assert composed.data == {"m": {"x": 2, "l": [1]}}


def overrides(*tokens: str):  # type: ignore[no-untyped-def]
    return split_argv(list(tokens)).overrides


def base() -> Any:
    return merge_layers([layer("file", {"a": {"b": 1, "c": [1, 2]}, "s": "x"})])


def test_add_set_force_delete() -> None:
    """+key adds, key= sets, ++key sets or adds, ~key deletes; each records its origin."""
    composed = apply_overrides(
        base(), overrides("+a.new=1", "a.b=2", "++a.c=[3]", "++z=0", "~s"), None
    )
    assert composed.data == {"a": {"b": 2, "c": [3], "new": 1}, "z": 0}
    assert str(composed.origins[("a", "new")]) == "argv[0] '+a.new=1'"
    assert str(composed.origins[("a", "c", 0)]) == "argv[2] '++a.c=[3]'"
    assert ("s",) not in composed.origins


def test_add_existing_key_is_an_error_naming_where_it_was_set() -> None:
    """+key on an existing key fails with a hint to use ++ or plain assignment."""
    with pytest.raises(CompositionError) as info:
        apply_overrides(base(), overrides("+a.b=2"), None)
    assert str(info.value) == (
        "argv[0] '+a.b=2': cannot add 'a.b': the key already exists (set at file)\n"
        "  hint: use ++a.b=... to replace it, or a.b=... to change it"
    )


def test_delete_missing_key_is_a_missing_key_error() -> None:
    """~key on a missing key raises MissingKeyError (also a KeyError)."""
    with pytest.raises(MissingKeyError) as info:
        apply_overrides(base(), overrides("~a.nope"), None)
    assert isinstance(info.value, KeyError)
    assert str(info.value) == "argv[0] '~a.nope': cannot delete 'a.nope': no such key"


def test_delete_with_value_checks_the_value() -> None:
    """~key=value deletes only when the value matches."""
    assert "s" not in apply_overrides(base(), overrides("~s=x"), None).data
    with pytest.raises(CompositionError) as info:
        apply_overrides(base(), overrides("~s=y"), None)
    assert str(info.value) == "argv[0] '~s=y': cannot delete 's': its value is 'x', not 'y'"


def test_setting_below_a_scalar_is_an_error() -> None:
    """a.b.c=1 where a.b is a number names the blocking key and where it was set."""
    with pytest.raises(CompositionError) as info:
        apply_overrides(base(), overrides("a.b.c=1"), None)
    assert str(info.value) == (
        "argv[0] 'a.b.c=1': cannot set 'a.b.c': 'a.b' holds int 1, not a mapping (set at file)"
    )


def test_list_items_by_index() -> None:
    """a.c.1=9 sets the second list item; an index past the end is an error."""
    composed = apply_overrides(base(), overrides("a.c.1=9"), None)
    assert composed.data["a"]["c"] == [1, 9]
    assert str(composed.origins[("a", "c", 1)]) == "argv[0] 'a.c.1=9'"
    with pytest.raises(CompositionError, match="index out of range for a list of 2"):
        apply_overrides(base(), overrides("a.c.5=9"), None)


def test_interpolation_cycle_names_every_key() -> None:
    """A reference cycle is reported with the whole chain."""
    composed = merge_layers([layer("f", {"a": "${b}", "b": "${c}", "c": "${a}"})])
    with pytest.raises(CompositionError) as info:
        resolve_interpolations(composed)
    assert str(info.value) == "f: a: interpolation cycle: a -> b -> c -> a"


def test_interpolation_of_missing_key() -> None:
    """A reference to nothing is a MissingKeyError naming the reference."""
    composed = merge_layers([layer("f", {"a": {"b": "${x.y}"}})])
    with pytest.raises(MissingKeyError) as info:
        resolve_interpolations(composed)
    assert str(info.value) == (
        "f: a.b: Interpolation key 'x.y' not found (referenced by 'a.b')"
    )


def test_interpolation_env_default_and_nested() -> None:
    """${oc.env:VAR,default} and nested references resolve; origins are kept."""
    composed = merge_layers(
        [layer("f", {"home": "${oc.env:TYPEDCFG_SURELY_UNSET,/tmp}", "p": "${home}/x"})]
    )
    resolved = resolve_interpolations(composed)
    assert resolved.data == {"home": "/tmp", "p": "/tmp/x"}
    assert resolved.origins[("p",)].text == "f"


def test_unknown_resolver_is_a_composition_error() -> None:
    """An unknown resolver fails with OmegaConf's reason, located."""
    composed = merge_layers([layer("f", {"a": "${nope:1}"})])
    with pytest.raises(CompositionError) as info:
        resolve_interpolations(composed)
    assert str(info.value) == (
        "f: a: cannot resolve interpolation: Unsupported interpolation type nope"
    )


# --- Hypothesis: merge algebra -------------------------------------------------------------

keys = st.sampled_from(["a", "b", "c", "d"])
leaves = st.one_of(st.integers(), st.text(max_size=3), st.booleans(), st.none(),
                   st.lists(st.integers(), max_size=2))
trees = st.recursive(leaves, lambda children: st.dictionaries(keys, children, max_size=3),
                     max_leaves=8)
configs = st.dictionaries(keys, trees, max_size=4)


def leaf_paths(data: Any, path: KeyPath = ()) -> dict[KeyPath, Any]:
    if isinstance(data, dict) and data:
        out: dict[KeyPath, Any] = {}
        for k, v in data.items():
            out.update(leaf_paths(v, (*path, k)))
        return out
    return {path: data}


@settings(max_examples=200, deadline=None)
@given(st.lists(configs, min_size=1, max_size=4))
def test_last_layer_wins_for_every_leaf(datas: list[dict[str, Any]]) -> None:
    """For every leaf a layer sets, no later layer touches: that value, from that layer."""
    layers = [layer(f"L{i}", d) for i, d in enumerate(datas)]
    composed = merge_layers(layers)
    result = leaf_paths(composed.data)
    for path, value in result.items():
        if path == ():
            continue
        winner = composed.origins[path]
        index = int(winner.text[1:])  # type: ignore[index]
        assert leaf_paths(datas[index]).get(path, value) == value or isinstance(value, dict)
        # No later layer set this path or any ancestor of it.
        for later in datas[index + 1 :]:
            node: Any = later
            for part in path:
                if not isinstance(node, dict) or part not in node:
                    break
                node = node[part]
            else:
                raise AssertionError(f"later layer also sets {path}")


@settings(max_examples=200, deadline=None)
@given(configs, configs)
def test_applying_the_last_layer_twice_changes_nothing(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    """merge(a, b, b) == merge(a, b). (Merging is not associative: a mapping that replaces a
    scalar and then meets an earlier mapping merges with it, as in Hydra and OmegaConf.)"""
    once = merge_layers([layer("a", a), layer("b", b)]).data
    assert merge_layers([layer("a", a), layer("b", b), layer("b2", b)]).data == once


@settings(max_examples=100, deadline=None)
@given(configs)
def test_merge_with_itself_is_identity(a: dict[str, Any]) -> None:
    """Merging a layer onto itself changes nothing."""
    assert merge_layers([layer("a", a), layer("b", a)]).data == a


def test_origin_objects_compare_by_value() -> None:
    """Two origins with the same fields are equal and hash alike."""
    one = Origin.at(SourceKind.CONFIG_FILE, "a.yaml", 1, 2)
    two = Origin.at(SourceKind.CONFIG_FILE, "a.yaml", 1, 2)
    assert one == two and hash(one) == hash(two)
    assert one != Origin.at(SourceKind.CONFIG_FILE, "a.yaml", 1, 3)


def node_paths(data: Any, path: KeyPath = ()) -> set[KeyPath]:
    """Every node below the root: mapping keys and list items, containers included."""
    items: Any = data.items() if isinstance(data, dict) else (
        enumerate(data) if isinstance(data, list) else ()
    )
    out: set[KeyPath] = set()
    for key, value in items:
        out.add((*path, key))
        out |= node_paths(value, (*path, key))
    return out


override_tokens = st.lists(
    st.tuples(st.sampled_from(["", "++", "~"]), st.lists(keys, min_size=1, max_size=3),
              st.sampled_from(["1", "[1,2]", "{a: 1}", "x"])),
    max_size=4,
)


@settings(max_examples=200, deadline=None)
@given(st.lists(configs, min_size=1, max_size=4), override_tokens)
def test_origins_name_exactly_the_nodes_that_exist(
    datas: list[dict[str, Any]], tokens: list[tuple[str, list[str], str]]
) -> None:
    """After merging and overriding, the origin table has one entry per node of the data: a
    replaced or deleted container's items are forgotten, nothing that exists is missing."""
    composed = merge_layers([layer(f"L{i}", d) for i, d in enumerate(datas)])
    assert set(composed.origins) == node_paths(composed.data)
    for op, parts, value in tokens:
        token = f"{op}{'.'.join(parts)}" + ("" if op == "~" else f"={value}")
        try:
            composed = apply_overrides(composed, overrides(token), None)
        except CompositionError:
            continue  # a path through a scalar, a missing key to delete: refused, no change
        assert set(composed.origins) == node_paths(composed.data), token
