"""typedcfg.tools.infer_tree: models from many composed configs (shapes, discriminated unions)."""

from __future__ import annotations

import itertools
import sys
import types
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from typedcfg.tools.infer_tree import GroupSamples, tree_source

COUNTER = itertools.count()


def load(source: str) -> types.ModuleType:
    """Run the generated source as a module and return it.

    The module is registered while it runs: pydantic looks names up in the class's module.
    """
    name = f"inferred_{next(COUNTER)}"
    module = types.ModuleType(name)
    sys.modules[name] = module
    try:
        exec(compile(source, f"<{name}>", "exec"), module.__dict__)
    finally:
        del sys.modules[name]
    return module


def config_of(source: str, name: str = "Config") -> type[BaseModel]:
    cls = getattr(load(source), name)
    assert isinstance(cls, type) and issubclass(cls, BaseModel)
    return cls


RESNET = {"_target_": "nets.ResNet", "depth": 18, "width": 1.5}
VIT = {"_target_": "nets.ViT", "patch": 16, "width": 2}


def test_keys_in_every_sample_are_required_others_optional() -> None:
    """A key every composition has is required (no default); one some lack is `T | None = None`."""
    samples = [{"lr": 0.1, "epochs": 3}, {"lr": 0.2, "epochs": 5, "warmup": 10}]
    source = tree_source(samples)
    assert "class Config(BaseModel):\n    lr: float\n    epochs: int\n" in source
    assert "    warmup: int | None = None\n" in source
    cls = config_of(source)
    for sample in samples:
        assert cls.model_validate(sample).model_dump() == {"warmup": None, **sample}
    with pytest.raises(ValidationError, match="epochs\n  Field required"):
        cls.model_validate({"lr": 0.1})


def test_scalar_types_merge() -> None:
    """int and float give float, other mixes a union, a null adds `| None`."""
    samples: list[dict[str, Any]] = [
        {"a": 1, "b": 1, "c": None, "d": True},
        {"a": 0.5, "b": "x", "c": "s", "d": False},
    ]
    source = tree_source(samples)
    assert "    a: float\n    b: int | str\n    c: str | None\n    d: bool\n" in source
    cls = config_of(source)
    assert [cls.model_validate(s).model_dump() for s in samples] == samples


def test_values_with_no_type_give_any() -> None:
    """Null everywhere, `???` and unresolved interpolations say nothing about the type."""
    samples = [{"a": None, "b": "???", "c": "${x.y}", "d": "${x}/logs"}]
    source = tree_source(samples)
    assert "from typing import Any\n" in source
    assert "    a: Any\n    b: Any\n    c: Any\n    d: str\n" in source


def test_group_with_distinct_targets_becomes_a_discriminated_union() -> None:
    """Options with different `_target_` values: one member each, pinned with a Literal."""
    samples = [{"seed": 1, "model": RESNET}, {"seed": 2, "model": VIT}]
    group = GroupSamples(("model",), {"resnet": RESNET, "vit": VIT})
    source = tree_source(samples, [group])
    assert (
        "class ModelResnet(BaseModel):\n"
        '    target_: Literal["nets.ResNet"] = Field(alias="_target_")\n'
        "    depth: int\n"
        "    width: float\n"
    ) in source
    assert (
        '    model: Annotated[ModelResnet | ModelVit, Field(discriminator="target_")]\n'
    ) in source
    cls = config_of(source)
    assert type(cls.model_validate(samples[1]).model_dump(by_alias=True)["model"]) is dict
    assert cls.model_validate(samples[1]).model_dump(by_alias=True) == samples[1]
    with pytest.raises(ValidationError, match="does not match any of the expected tags"):
        cls.model_validate({"seed": 1, "model": {**VIT, "_target_": "nets.Other"}})
    with pytest.raises(ValidationError, match=r"model\.`nets\.ViT`\.patch"):
        cls.model_validate({"seed": 1, "model": {**VIT, "patch": "big"}})


def test_shared_target_keeps_the_common_shape() -> None:
    """Options that share their `_target_` (trainer default/ddp) stay one model."""
    cpu = {"_target_": "Trainer", "accelerator": "gpu", "devices": 1}
    ddp = {"_target_": "Trainer", "accelerator": "gpu", "devices": 4, "strategy": "ddp"}
    group = GroupSamples(("trainer",), {"cpu": cpu, "ddp": ddp})
    source = tree_source([{"trainer": cpu}, {"trainer": ddp}], [group])
    assert "Literal" not in source and "Annotated" not in source
    assert '    target_: str = Field(alias="_target_")\n    accelerator: str\n' in source
    assert "    strategy: str | None = None\n" in source


def test_another_constant_key_discriminates_when_there_is_no_target() -> None:
    """Without `_target_`, the first key whose value differs in every option is the tag."""
    adam = {"lr": 0.1, "name": "adam", "betas": [0.9, 0.99]}
    sgd = {"lr": 0.1, "name": "sgd", "momentum": 0.9}
    group = GroupSamples(("optim",), {"adam": adam, "sgd": sgd})
    source = tree_source([{"optim": adam}, {"optim": sgd}], [group])
    assert '    optim: Annotated[OptimAdam | OptimSgd, Field(discriminator="name")]\n' in source
    assert '    name: Literal["sgd"]\n' in source
    cls = config_of(source)
    cls.model_validate({"optim": sgd})
    with pytest.raises(ValidationError, match=r"optim\.sgd\.momentum\n  Input should be a valid"):
        cls.model_validate({"optim": {**sgd, "momentum": "no"}})


def test_target_is_preferred_over_other_distinct_keys() -> None:
    """`_target_` wins when several keys tell the options apart."""
    a = {"name": "a", "_target_": "x.A"}
    b = {"name": "b", "_target_": "x.B"}
    source = tree_source([{"g": a}, {"g": b}], [GroupSamples(("g",), {"a": a, "b": b})])
    assert 'Field(discriminator="target_")' in source


def test_a_value_no_option_sets_becomes_its_own_member() -> None:
    """An experiment that swaps in a class of its own adds a member named after the class."""
    other = {"_target_": "nets.MLP", "hidden": 64}
    samples = [{"model": RESNET}, {"model": VIT}, {"model": other}]
    group = GroupSamples(("model",), {"resnet": RESNET, "vit": VIT})
    source = tree_source(samples, [group])
    assert "ModelResnet | ModelVit | ModelMLP" in source
    cls = config_of(source)
    for sample in samples:
        cls.model_validate(sample)


def test_a_composition_without_the_tag_keeps_the_common_shape() -> None:
    """When some composition's group value lacks the tag, no member could be picked: no union."""
    samples: list[dict[str, Any]] = [{"model": RESNET}, {"model": VIT}, {"model": {"depth": 3}}]
    group = GroupSamples(("model",), {"resnet": RESNET, "vit": VIT})
    source = tree_source(samples, [group])
    assert "Annotated" not in source
    assert '    target_: str | None = Field(None, alias="_target_")\n' in source


def test_a_group_that_is_null_in_some_compositions_is_optional() -> None:
    """`logger: null` in the primary and options elsewhere: `Logger | None = None`."""
    csv = {"csv": {"save_dir": "out"}}
    samples: list[dict[str, Any]] = [{"seed": 1}, {"seed": 1, "logger": csv}]
    source = tree_source(samples, [GroupSamples(("logger",), {"csv": csv})])
    assert "    logger: Logger | None = None\n" in source
    assert "    csv: Csv\n" in source


def test_nullable_union_and_class_names_avoid_keys() -> None:
    """A union group that is null somewhere is `Annotated[...] | None`; names never clash."""
    samples: list[dict[str, Any]] = [
        {"model": RESNET, "ModelVit": 1},
        {"model": VIT, "ModelVit": 2},
        {"model": None, "ModelVit": 3},
    ]
    group = GroupSamples(("model",), {"resnet": RESNET, "vit": VIT})
    source = tree_source(samples, [group])
    assert "ModelVitModel" in source
    cls = config_of(source)
    assert cls.model_validate(samples[2]).model_dump()["model"] is None


def test_lists_of_mappings_share_one_model() -> None:
    """Mappings inside lists become one model of their common shape."""
    samples: list[dict[str, Any]] = [
        {"layers": [{"size": 3}, {"size": 4, "act": "relu"}]},
        {"layers": []},
    ]
    source = tree_source(samples)
    assert "class LayersItem(BaseModel):\n    size: int\n    act: str | None = None\n" in source
    assert "    layers: list[LayersItem]\n" in source


KEYS = st.sampled_from(["a", "b", "c", "_target_", "class", "model_config", "x-y"])
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-5, 5), st.floats(-2, 2), st.sampled_from(["s", "t"])
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(KEYS, inner, max_size=3)),
    max_leaves=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.dictionaries(KEYS, VALUES, max_size=4), min_size=1, max_size=4))
def test_every_sample_validates_against_its_inferred_schema(samples: list[dict[str, Any]]) -> None:
    """Whatever plain values the compositions hold, the inferred models accept every one."""
    cls = config_of(tree_source(samples))
    for sample in samples:
        cls.model_validate(sample)
