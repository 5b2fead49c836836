"""Defaults lists and config groups (typedcfg.composition.groups and .defaults_list): behaviour
and the exact text of every composition error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

import typedcfg
from typedcfg import CompositionError, ConfigFileError, TypedcfgError

Write = Callable[[str, str], Path]


class Anything(BaseModel):
    """Composition without a schema's guidance."""

    model_config = ConfigDict(extra="allow")


def compose(argv: list[str] | None = None, name: str = "train") -> dict[str, Any]:
    loaded = typedcfg.compose(
        Anything, argv or [], defaults=None, config_dir="conf", config_name=name
    )
    return loaded.data


def error(argv: list[str] | None = None, name: str = "train") -> str:
    with pytest.raises(TypedcfgError) as caught:
        compose(argv, name)
    return str(caught.value)


@pytest.fixture
def optim(write: Write) -> None:
    """A group 'optim' with options adam and sgd."""
    write("conf/optim/adam.yaml", "name: adam\nlr: 0.001\n")
    write("conf/optim/sgd.yaml", "name: sgd\nlr: 0.1\nmomentum: 0.9\n")


# -- cycles ----------------------------------------------------------------------------------


def test_cycle_names_the_chain(write: Write) -> None:
    """A defaults list that leads back to itself is an error naming every file in the loop."""
    write("conf/train.yaml", "defaults:\n  - base\n  - _self_\nlr: 1\n")
    write("conf/base.yaml", "defaults:\n  - other\nb: 1\n")
    write("conf/other.yaml", "defaults:\n  - base\no: 1\n")
    assert error() == (
        "conf/other.yaml:2:5: defaults-list cycle: "
        "conf/base.yaml -> conf/other.yaml -> conf/base.yaml"
    )


def test_self_reference_is_a_cycle(write: Write) -> None:
    """A file that lists itself is the shortest cycle."""
    write("conf/train.yaml", "defaults:\n  - train\nlr: 1\n")
    assert error() == "conf/train.yaml:2:5: defaults-list cycle: conf/train.yaml -> conf/train.yaml"


# -- choosing options ------------------------------------------------------------------------


def test_unknown_option_lists_available_and_suggests(write: Write, optim: None) -> None:
    """A wrong option on the command line: the options of the group and a did-you-mean."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n")
    assert error(["optim=sdg"]) == (
        "argv[0] 'optim=sdg': group 'optim' has no option 'sdg'; available: adam, sgd; "
        "did you mean 'sgd'?"
    )


def test_unknown_option_in_a_file_points_at_the_entry(write: Write, optim: None) -> None:
    """A wrong option in a defaults list is reported at that entry's line and column."""
    write("conf/train.yaml", "seed: 1\ndefaults:\n  - _self_\n  - optim: adamw\n")
    assert error() == (
        "conf/train.yaml:4:5: group 'optim' has no option 'adamw'; available: adam, sgd; "
        "did you mean 'adam'?"
    )


def test_command_line_choice_wins_and_last_choice_wins(write: Write, optim: None) -> None:
    """``optim=sgd`` replaces the defaults-list choice; of two choices the later one counts."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n")
    assert compose(["optim=sgd"])["optim"]["momentum"] == 0.9
    assert compose(["optim=sgd", "optim=adam"])["optim"] == {"name": "adam", "lr": 0.001}


def test_null_choice_selects_nothing(write: Write, optim: None) -> None:
    """``- optim: null`` adds no keys; the command line can still choose an option."""
    write("conf/train.yaml", "defaults:\n  - optim: null\nseed: 1\n")
    assert compose() == {"seed": 1}
    assert compose(["optim=adam"])["optim"]["name"] == "adam"


def test_choice_for_group_not_in_any_list(write: Write, optim: None) -> None:
    """With a primary config, ``group=x`` needs an entry to change; the hint says use '+'."""
    write("conf/train.yaml", "seed: 1\n")
    assert error(["optim=adam"]) == (
        "argv[0] 'optim=adam': cannot override group 'optim': no defaults list selects it\n"
        "  hint: to add it, use +optim=adam"
    )
    assert compose(["+optim=adam"]) == {"seed": 1, "optim": {"name": "adam", "lr": 0.001}}


def test_group_selected_twice(write: Write, optim: None) -> None:
    """Two different choices for one group are a conflict, as in Hydra."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n")
    assert error(["+optim=sgd"]) == (
        "conf/train.yaml:2:5: group 'optim' is selected twice: 'adam' here and 'sgd' at "
        "argv[0] '+optim=sgd'\n"
        "  hint: select it once; to change the choice of a defaults list, use optim=OPTION on "
        "the command line or 'override optim: OPTION' in a later defaults list"
    )


def test_missing_choice_needs_the_command_line(write: Write, optim: None) -> None:
    """``- optim: ???`` must be chosen on the command line."""
    write("conf/train.yaml", "defaults:\n  - optim: ???\n")
    assert error() == (
        "conf/train.yaml:2:5: group 'optim' needs a choice: give optim=OPTION; available: adam, sgd"
    )
    assert compose(["optim=sgd"])["optim"]["name"] == "sgd"


# -- override entries ------------------------------------------------------------------------


def test_override_entry_changes_a_choice(write: Write, optim: None) -> None:
    """An experiment's ``override /optim: sgd`` changes the primary list's choice."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n  - experiment: null\n")
    write(
        "conf/experiment/fast.yaml",
        "# @package _global_\ndefaults:\n  - override /optim: sgd\noptim:\n  lr: 0.5\n",
    )
    assert compose(["experiment=fast"])["optim"] == {"name": "sgd", "lr": 0.5, "momentum": 0.9}
    assert compose(["experiment=fast", "optim=adam"])["optim"] == {"name": "adam", "lr": 0.5}


def test_override_matching_nothing(write: Write, optim: None) -> None:
    """An ``override`` entry for a group no list selects is an error at that entry."""
    write("conf/train.yaml", "defaults:\n  - experiment: fast\n")
    write("conf/experiment/fast.yaml", "# @package _global_\ndefaults:\n  - override /optim: sgd\n")
    assert error() == (
        "conf/experiment/fast.yaml:3:5: override 'optim' matches no group in any defaults list"
    )


def test_override_key_includes_package(write: Write, optim: None) -> None:
    """Without '# @package _global_' an experiment's override addresses its own package."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n  - experiment: fast\n")
    write("conf/experiment/fast.yaml", "defaults:\n  - override /optim: sgd\n")
    assert error() == (
        "conf/experiment/fast.yaml:2:5: override 'optim@experiment.optim' matches no group in "
        "any defaults list; did you mean 'optim'?\n"
        "  hint: overrides are relative to the file's package; to override 'optim' put "
        "'# @package _global_' at the top of the file"
    )


def test_override_before_plain_entry(write: Write, optim: None) -> None:
    """Overrides go at the end of a defaults list (Hydra's rule)."""
    write("conf/train.yaml", "defaults:\n  - override optim: sgd\n  - optim: adam\n")
    assert error() == (
        "conf/train.yaml:2:5: 'override optim' must come after 'optim' in the defaults list "
        "(overrides go at the end)"
    )


# -- deleting groups -------------------------------------------------------------------------


def test_delete_group(write: Write, optim: None) -> None:
    """``~optim`` removes the group's keys; ``~optim=adam`` only when adam is chosen."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\nseed: 1\n")
    assert compose(["~optim"]) == {"seed": 1}
    assert compose(["~optim=adam"]) == {"seed": 1}
    assert error(["~optim=sgd"]) == (
        "argv[0] '~optim=sgd': cannot remove group 'optim=sgd': no defaults list selects it "
        "(it selects 'adam')"
    )


def test_delete_group_not_selected(write: Write, optim: None) -> None:
    """``~group`` for a group no defaults list selects is an error."""
    write("conf/train.yaml", "seed: 1\n")
    assert error(["~optim"]) == (
        "argv[0] '~optim': cannot remove group 'optim': no defaults list selects it"
    )


# -- optional entries ------------------------------------------------------------------------


def test_optional_missing_file_is_skipped(write: Write) -> None:
    """``optional local: default`` without the file composes without it, silently."""
    write("conf/train.yaml", "defaults:\n  - _self_\n  - optional local: default\nseed: 1\n")
    write("conf/local/other.yaml", "seed: 2\n")
    assert compose() == {"seed": 1}


def test_optional_present_file_is_used(write: Write) -> None:
    """``optional`` only forgives a missing file; a present one is composed."""
    write("conf/train.yaml", "defaults:\n  - _self_\n  - optional local: default\nseed: 1\n")
    write("conf/local/default.yaml", "# @package _global_\nseed: 2\n")
    assert compose() == {"seed": 2}


def test_missing_file_without_optional(write: Write) -> None:
    """Without ``optional``, a missing option is an error listing what exists."""
    write("conf/train.yaml", "defaults:\n  - local: default\n")
    write("conf/local/other.yaml", "seed: 2\n")
    assert error() == (
        "conf/train.yaml:2:5: group 'local' has no option 'default'; available: other"
    )


def test_missing_plain_entry(write: Write) -> None:
    """A plain entry naming no file is a ConfigFileError at the entry."""
    write("conf/train.yaml", "defaults:\n  - base\n")
    with pytest.raises(ConfigFileError) as caught:
        compose()
    assert str(caught.value) == "conf/train.yaml:2:5: defaults: config 'base' not found"


# -- malformed entries -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param(
            "  - optinal optim: adam\n",
            "conf/train.yaml:2:5: defaults: cannot read entry 'optinal optim': the words before "
            "the group may only be 'optional' and 'override'",
            id="unknown-keyword",
        ),
        pytest.param(
            "  - {optim: adam, model: big}\n",
            "conf/train.yaml:2:5: defaults: each entry is a name or one 'group: option' pair, "
            "not {'optim': 'adam', 'model': 'big'}",
            id="two-pairs",
        ),
        pytest.param(
            "  - optim: {lr: 1}\n",
            "conf/train.yaml:2:5: defaults: group 'optim' needs an option name, a list of "
            "names or null, not {'lr': 1}",
            id="mapping-option",
        ),
        pytest.param(
            "  - optim: _self_\n",
            "conf/train.yaml:2:5: defaults: 'optim: _self_' is not an entry; write '- _self_' "
            "on its own",
            id="self-as-option",
        ),
        pytest.param(
            "  - optim: ${other}\n",
            "conf/train.yaml:2:5: group 'optim': cannot resolve '${other}': Interpolation key "
            "'other' not found\n  hint: an interpolated choice names the choice of another "
            "group, made before it is resolved (not a config value); the choices known here: "
            "(none)",
            id="interpolated-choice",
        ),
    ],
)
def test_malformed_entry(write: Write, optim: None, entries: str, message: str) -> None:
    """Each malformed defaults-list entry is reported at its own position."""
    write("conf/train.yaml", "defaults:\n" + entries)
    assert error() == message


def test_defaults_not_a_list(write: Write) -> None:
    """``defaults:`` must be a list."""
    write("conf/train.yaml", "defaults:\n  optim: adam\n")
    with pytest.raises(ConfigFileError) as caught:
        compose()
    assert (
        str(caught.value) == "conf/train.yaml:1:1: defaults: must be a list of entries, not a dict"
    )


def test_bad_package_header(write: Write) -> None:
    """A ``# @package`` header without a value is an error at its line."""
    write("conf/train.yaml", "# @package\nseed: 1\n")
    with pytest.raises(ConfigFileError) as caught:
        compose()
    assert str(caught.value) == (
        "conf/train.yaml:1:1: header '# @package' must be '# @key value' "
        "(as in '# @package _global_')"
    )


# -- _self_ positions ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("entries", "lr"),
    [
        pytest.param(["_self_", "optim: adam"], 0.001, id="self-first-group-wins"),
        pytest.param(["optim: adam", "_self_"], 0.5, id="self-last-file-wins"),
        pytest.param(["optim: adam"], 0.5, id="self-absent-means-last"),
    ],
)
def test_self_position(write: Write, optim: None, entries: list[str], lr: float) -> None:
    """``_self_`` sets where the file's own keys merge; without it they merge last."""
    listing = "".join(f"  - {e}\n" for e in entries)
    write("conf/train.yaml", f"defaults:\n{listing}optim:\n  lr: 0.5\n")
    assert compose()["optim"]["lr"] == lr


def test_self_twice(write: Write) -> None:
    """Two ``_self_`` entries cannot both say where the file goes."""
    write("conf/train.yaml", "defaults:\n  - _self_\n  - _self_\nseed: 1\n")
    assert error() == "conf/train.yaml:3:5: defaults: '_self_' appears twice in the list"


# -- packages --------------------------------------------------------------------------------


def test_packages(write: Write, optim: None) -> None:
    """``group@pkg`` moves an option; ``# @package`` headers are absolute, as in Hydra."""
    write(
        "conf/train.yaml",
        "defaults:\n  - optim@backup.optim: sgd\n  - model: small\n",
    )
    write("conf/model/small.yaml", "defaults:\n  - act: relu\nwidth: 8\n")
    write("conf/model/act/relu.yaml", "# @package head\nkind: relu\n")
    assert compose() == {
        "backup": {"optim": {"name": "sgd", "lr": 0.1, "momentum": 0.9}},
        "head": {"kind": "relu"},
        "model": {"width": 8},
    }
    assert compose(["optim@backup.optim=adam", "model/act=relu"])["backup"]["optim"]["name"] == (
        "adam"
    )


def test_hydra_group_is_left_out(write: Write) -> None:
    """The ``hydra`` group and ``hydra.*`` keys configure Hydra, not the program."""
    write("conf/train.yaml", "defaults:\n  - hydra: default\n  - _self_\nseed: 1\nhydra:\n  x: 1\n")
    assert compose(["hydra.run.dir=out", "hydra/job_logging=disabled"]) == {"seed": 1}


# -- a schema that owns 'defaults' -----------------------------------------------------------


class Owner(BaseModel):
    """A schema with a field called 'defaults': the key is its data, not a defaults list."""

    defaults: list[str] = []
    seed: int = 0


def test_defaults_field_owned_by_schema_stays_data(write: Write) -> None:
    """When the schema declares ``defaults``, the YAML list is validated as that field."""
    write("conf/train.yaml", "defaults:\n  - base\n  - more\nseed: 3\n")
    config = typedcfg.load(Owner, [], defaults=None, config_dir="conf", config_name="train")
    assert config == Owner(defaults=["base", "more"], seed=3)


def test_composition_errors_are_composition_errors(write: Write, optim: None) -> None:
    """Choice errors are CompositionError (a ValueError), never a bare exception."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n")
    with pytest.raises(CompositionError) as caught:
        compose(["optim=nope"])
    assert isinstance(caught.value, ValueError)
    assert caught.value.origin is not None and caught.value.origin.index == 0


def test_same_group_composed_twice(write: Write, optim: None) -> None:
    """One group at one package composed by two lists is an error, as in Hydra."""
    write("conf/train.yaml", "defaults:\n  - optim: adam\n  - extra\n")
    write("conf/extra.yaml", "defaults:\n  - /optim: adam\n")
    assert error() == "conf/train.yaml:2:5: group 'optim' is composed twice; select it once"


def test_header_after_a_comment_is_not_a_header(write: Write) -> None:
    """Hydra reads '# @package' only in the header block; a comment before it ends the block."""
    write("conf/train.yaml", "defaults:\n  - model: small\n")
    write("conf/model/small.yaml", "# the small model\n# @package _global_\nwidth: 8\n")
    assert compose() == {"model": {"width": 8}}


def test_defaults_file_with_conf_beside_it(write: Write, optim: None) -> None:
    """Without a primary config, config-defaults.yaml's list uses conf/ beside it."""
    write("config-defaults.yaml", "defaults:\n  - optim: adam\nepochs: 3\n")
    write("conf/optim/adam.yaml", "name: adam\nlr: 0.001\n")
    loaded = typedcfg.compose(Anything, ["optim=sgd"])
    assert loaded.data == {"optim": {"name": "sgd", "lr": 0.1, "momentum": 0.9}, "epochs": 3}
    assert str(loaded.provenance["optim.momentum"]) == "conf/optim/sgd.yaml:3:11"
