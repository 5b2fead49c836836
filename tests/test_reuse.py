"""Files composed once per sweep (typedcfg.composition.reuse): inside ``composed_once()`` the
layers of one choice of config groups are made once and shared by every job that has the same
choices; each job still gets its own overrides, and nothing is kept outside the block."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, ConfigDict

import typedcfg
from typedcfg import CompositionError
from typedcfg.composition.reuse import composed_once

Write = Callable[[str, str], Path]


class Anything(BaseModel):
    """Composition without a schema's guidance."""

    model_config = ConfigDict(extra="allow")


def compose(argv: list[str]) -> dict[str, Any]:
    loaded = typedcfg.compose(
        Anything, argv, defaults=None, config_dir="conf", config_name="train"
    )
    return loaded.data


@pytest.fixture
def tree(write: Write) -> None:
    write("conf/train.yaml", "defaults:\n  - optim: adam\n  - _self_\nseed: 1\nrun: r${seed}\n")
    write("conf/optim/adam.yaml", "name: adam\nlr: 0.001\n")
    write("conf/optim/sgd.yaml", "name: sgd\nlr: 0.1\n")


def test_files_are_read_once_inside_the_block(tree: None, write: Write) -> None:
    """A file changed inside the block is not read again (the jobs share its layers); the next
    block, and any call outside a block, reads it anew."""
    with composed_once():
        assert compose(["seed=2"])["optim"] == {"name": "adam", "lr": 0.001}
        write("conf/optim/adam.yaml", "name: adam\nlr: 0.5\n")
        assert compose(["seed=3"])["optim"] == {"name": "adam", "lr": 0.001}
    assert compose(["seed=3"])["optim"] == {"name": "adam", "lr": 0.5}
    with composed_once():
        assert compose([])["optim"]["lr"] == 0.5


def test_each_job_keeps_its_own_overrides(tree: None) -> None:
    """Shared layers never carry one job's values into another: overrides and the
    interpolations that use them are applied per job, on new containers."""
    with composed_once():
        first = compose(["seed=2", "optim.lr=0.3"])
        second = compose(["seed=5"])
        third = compose(["+extra=1"])
    assert (first["seed"], first["run"], first["optim"]["lr"]) == (2, "r2", 0.3)
    assert (second["seed"], second["run"], second["optim"]["lr"]) == (5, "r5", 0.001)
    assert "extra" not in second and third["extra"] == 1


def test_another_group_choice_is_composed_for_itself(tree: None) -> None:
    """The key holds the group choices: ``optim=sgd`` and ``optim=adam`` give their own files."""
    with composed_once():
        names = [compose([f"optim={o}"])["optim"]["name"] for o in ("sgd", "adam", "sgd")]
    assert names == ["sgd", "adam", "sgd"]


def test_a_failing_composition_is_not_kept(tree: None, write: Write) -> None:
    """An error keeps nothing: the same job composed again fails again, with its own error,
    and a fixed file is then read."""
    with composed_once():
        for _ in range(2):
            with pytest.raises(CompositionError) as caught:
                compose(["optim=rmsprop"])
            assert "group 'optim' has no option 'rmsprop'" in str(caught.value)
        write("conf/optim/rmsprop.yaml", "name: rmsprop\n")
        assert compose(["optim=rmsprop"])["optim"] == {"name": "rmsprop"}


def test_blocks_nest_and_end(tree: None, write: Write) -> None:
    """An inner block has its own store, and the outer one is back when it ends."""
    with composed_once():
        compose([])
        write("conf/train.yaml", "defaults:\n  - optim: adam\n  - _self_\nseed: 9\nrun: x\n")
        with composed_once():
            assert compose([])["seed"] == 9
        assert compose([])["seed"] == 1
