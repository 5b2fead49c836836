"""typedcfg.composition.interpolation: ``${hydra:...}``, ``${now:...}`` without global state."""

from __future__ import annotations

from datetime import datetime

import pytest
from omegaconf import OmegaConf

from typedcfg import CompositionError
from typedcfg.composition.interpolation import substitute_runtime
from typedcfg.provenance import Origin, SourceKind

WHEN = datetime(2026, 11, 27, 18, 5, 9)
ORIGINS = {("paths", "out"): Origin.at(SourceKind.CONFIG_FILE, "conf/paths.yaml", 3, 6)}


def test_cwd_now_and_output_dir_are_substituted() -> None:
    """Each interpolation becomes its value; other text and interpolations stay as written."""
    data = {
        "paths": {
            "work": "${hydra:runtime.cwd}",
            "out": "${hydra:runtime.output_dir}/ckpt",
            "run": "${paths.log}/${now:%Y-%m-%d}_${now:%H-%M-%S}",
        },
        "n": 3,
    }
    out = substitute_runtime(data, ORIGINS, output_dir="/runs/7", cwd="/home/me", now=WHEN)
    assert out == {
        "paths": {
            "work": "/home/me",
            "out": "/runs/7/ckpt",
            "run": "${paths.log}/2026-11-27_18-05-09",
        },
        "n": 3,
    }
    assert data["paths"]["work"] == "${hydra:runtime.cwd}"  # the input is not mutated


def test_untouched_data_is_returned_as_is() -> None:
    """Without any such interpolation the very same object comes back (nothing copied)."""
    data = {"a": {"b": "${a.c}"}, "c": [1, 2]}
    assert substitute_runtime(data, {}) is data


def test_nested_value_is_quoted_for_omegaconf() -> None:
    """Inside another interpolation the value is a quoted argument OmegaConf reads back."""
    data = {"x": "${oc.select:missing,${hydra:runtime.cwd}}"}
    out = substitute_runtime(data, {}, cwd="/a b/it's,here")
    assert OmegaConf.to_container(OmegaConf.create(out), resolve=True) == {"x": "/a b/it's,here"}


def test_value_holding_dollar_brace_is_escaped() -> None:
    """A directory name holding '${' stays literal after OmegaConf resolution."""
    out = substitute_runtime({"x": "${hydra:runtime.cwd}/y"}, {}, cwd="/odd${dir}")
    assert OmegaConf.to_container(OmegaConf.create(out), resolve=True) == {"x": "/odd${dir}/y"}


def test_output_dir_without_run_is_located() -> None:
    """No run directory: the error names the file position and the key, and says why."""
    with pytest.raises(CompositionError) as caught:
        substitute_runtime({"paths": {"out": "${hydra:runtime.output_dir}"}}, ORIGINS)
    assert str(caught.value) == (
        "conf/paths.yaml:3:6: paths.out: ${hydra:runtime.output_dir} has no value: there is no "
        "run directory (typedcfg records runs, and so has a run directory, only when runs_dir "
        "is set)\n  hint: set paths.out yourself, e.g. paths.out=outputs/run1"
    )


def test_other_hydra_keys_list_what_is_supported() -> None:
    """``${hydra:job.name}`` has no typedcfg meaning; the message lists what works."""
    with pytest.raises(CompositionError) as caught:
        substitute_runtime({"paths": {"out": "${hydra:job.name}"}}, ORIGINS)
    assert str(caught.value) == (
        "conf/paths.yaml:3:6: paths.out: ${hydra:job.name} is not supported: typedcfg has no "
        "Hydra runtime; supported: ${hydra:runtime.cwd}, ${hydra:runtime.output_dir}, "
        "${now:FORMAT}"
    )


def test_interpolated_now_format_is_refused() -> None:
    """``${now:${fmt}}`` would need OmegaConf first; it is refused with the value shown."""
    with pytest.raises(CompositionError) as caught:
        substitute_runtime({"paths": {"out": "${now:${fmt}}"}}, ORIGINS)
    assert str(caught.value) == (
        "conf/paths.yaml:3:6: paths.out: '${now:${fmt}}': an interpolated argument in "
        "${now:...} is not supported"
    )


def test_escaped_interpolation_is_left_alone() -> None:
    """``\\${now:...}`` is OmegaConf's escape for literal text and is not substituted."""
    data = {"x": "\\${now:%Y}"}
    assert substitute_runtime(data, {}, now=WHEN) is data


def _deep(levels: int, leaf: object) -> dict[str, object]:
    value: object = leaf
    for _ in range(levels):
        value = {"a": value}
    return {"data": value, "name": "q"}


def test_config_too_deep_for_omegaconf_is_located_at_the_interpolation() -> None:
    """Past MAX_DEPTH levels the walk refuses the config, located at the ``${...}`` value."""
    from typedcfg.composition.interpolation import MAX_DEPTH

    data = _deep(MAX_DEPTH + 500, "${name}")
    path = ("data", *["a"] * (MAX_DEPTH + 500))
    origins = {path: Origin.at(SourceKind.CONFIG_FILE, "deep.yaml", 600, 9)}
    with pytest.raises(CompositionError) as info:
        substitute_runtime(data, origins)
    assert str(info.value).startswith("deep.yaml:600:9: data.a.a.a")
    assert f"nested too deeply to resolve its interpolations (more than {MAX_DEPTH} levels)" in (
        str(info.value)
    )


def test_config_at_the_depth_limit_resolves_through_omegaconf() -> None:
    """A config just inside MAX_DEPTH passes the walk and OmegaConf resolves it."""
    from typedcfg.composition.interpolation import MAX_DEPTH

    data = _deep(MAX_DEPTH - 1, "${name}")
    out = substitute_runtime(data, {})
    resolved = OmegaConf.to_container(OmegaConf.create(out), resolve=True)
    leaf = resolved["data"]  # type: ignore[index]
    for _ in range(MAX_DEPTH - 1):
        leaf = leaf["a"]  # type: ignore[index]
    assert leaf == "q"


@pytest.mark.parametrize(
    "value",
    ["${" * 60 + "x" + "}" * 60, "${oc.select:" * 30 + "a,[" + "[" * 30 + "]" * 31 + "}" * 30],
    ids=["nested-interpolations", "interpolation-with-nested-lists"],
)
def test_deeply_nested_interpolation_string_is_located(value: str) -> None:
    """A string nesting ${...}/[...]/{...} past the limit fails at its key, before OmegaConf."""
    origins = {("a", "b"): Origin.at(SourceKind.CONFIG_FILE, "x.yaml", 3, 6)}
    with pytest.raises(CompositionError) as info:
        substitute_runtime({"a": {"b": value}}, origins)
    assert str(info.value).startswith(
        "x.yaml:3:6: a.b: the interpolation is nested too deeply to resolve"
    )


def test_nested_interpolation_within_the_limit_resolves() -> None:
    """Nesting plus key depth at the limit passes and OmegaConf resolves it."""
    from typedcfg.composition.interpolation import MAX_DEPTH

    depth = MAX_DEPTH - 1  # the ${...} around the list adds one level, the key 'a' none
    value = "${oc.select:x," + "[" * depth + "]" * depth + "}"
    out = substitute_runtime({"a": value, "x": "y"}, {})
    assert OmegaConf.to_container(OmegaConf.create(out), resolve=True) == {"a": "y", "x": "y"}
    with pytest.raises(CompositionError):
        substitute_runtime({"a": value.replace("[", "[[", 1).replace("]", "]]", 1)}, {})
