"""The distribution grammar of a sampled sweep, and the search space checked before launch.

The grammar is read as hydra-optuna-sweeper reads it: its published cases (kept in
tests/data/hydra_optuna_sweeper/distributions.json) and, at test time, the plugin itself (its
``create_optuna_distribution_from_override``) on the same overrides.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel, Field, model_validator

import typedcfg
from typedcfg.errors import OverrideError, TypedcfgError
from typedcfg.provenance import Origin
from typedcfg.sweeps.samplers import (
    CATEGORICAL,
    FLOAT,
    INT,
    SpaceError,
    check_space,
    parse_param,
    read_space,
    value_text,
)

DATA = Path(__file__).parent / "data" / "hydra_optuna_sweeper" / "distributions.json"
CASES = json.loads(DATA.read_text(encoding="utf-8"))["cases"]


class Optim(BaseModel):
    name: str = "adam"
    lr: float = Field(0.001, gt=0)


class Config(BaseModel):
    optim: Optim = Optim()
    layers: int = Field(2, ge=1, le=8)
    warmup: int = 0
    epochs: int = 4

    @model_validator(mode="after")
    def _warmup_shorter(self) -> Config:
        if self.warmup >= self.epochs:
            raise ValueError("warmup must be shorter than epochs")
        return self


def _param(token: str) -> Any:
    return parse_param(token, Origin.argv(0, token))


def _kind(param: Any) -> dict[str, Any]:
    if param.kind == CATEGORICAL:
        return {"kind": CATEGORICAL, "choices": sorted(param.choices, key=repr)}
    return {"kind": param.kind, "low": param.low, "high": param.high,
            "step": 1 if param.kind == INT and param.step is None else param.step,
            "log": param.log}  # fmt: skip


@pytest.mark.parametrize("case", CASES, ids=[c["override"] for c in CASES])
def test_published_cases_of_hydra_optuna_sweeper(case: dict[str, Any]) -> None:
    """Each override of the plugin's own test table reads as the distribution it expects."""
    expected = dict(case)
    expected.pop("override")
    if expected["kind"] == CATEGORICAL:
        expected["choices"] = sorted(expected["choices"], key=repr)
    assert _kind(_param(case["override"])) == expected


def _peer_distribution(token: str) -> Any:
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from hydra_plugins.hydra_optuna_sweeper import _impl

    parsed = OverridesParser.create().parse_overrides([token])[0]
    with warnings.catch_warnings():
        # The plugin builds Optuna's deprecated distribution classes (FutureWarning).
        warnings.simplefilter("ignore")
        return _impl.create_optuna_distribution_from_override(parsed)


PEER_TOKENS = [
    *(c["override"] for c in CASES),
    "key=interval(0.0001, 0.1)",
    "key=tag(log, interval(0.0001, 0.1))",
    "key=int(interval(0, 100))",
    "key=range(32, 257, 32)",
    "key=range(0, 1, 0.25)",
    "key=adam,sgd,rmsprop",
    "key=choice(32, 64, 128, 256)",
    "key=sort(3, 1, 2)",
]


@pytest.mark.parametrize("token", PEER_TOKENS)
def test_same_distribution_as_the_plugin_itself(token: str) -> None:
    """hydra-optuna-sweeper, run on the same override, makes the same Optuna distribution."""
    from optuna.distributions import CategoricalDistribution

    peer = _peer_distribution(token)
    ours = _param(token).distribution()
    if isinstance(peer, CategoricalDistribution):
        assert set(ours.choices) == set(peer.choices)
        if "shuffle" not in token:
            assert ours.choices == peer.choices
        return
    assert ours.single() == peer.single()
    assert ours._contains(ours.to_internal_repr(ours.low))
    assert (ours.low, ours.high, ours.log) == (peer.low, peer.high, getattr(peer, "log", False))
    assert (ours.step or None) == (getattr(peer, "step", None) or getattr(peer, "q", None) or None)


def test_plain_override_is_not_a_distribution() -> None:
    assert _param("optim.lr=0.1") is None
    assert _param("+optim.lr=interval(1, 2)").element == "+optim.lr"


@pytest.mark.parametrize(
    ("token", "message"),
    [
        ("optim.lr=intervl(0, 1)", "argv[0] 'optim.lr=intervl(0, 1)': unknown distribution "
         "intervl(); the sampler reads interval(a, b), int(interval(a, b)), tag(log, "
         "interval(a, b)), choice(...) and range(a, b[, step]); did you mean 'interval'?"),
        ("optim.lr=interval(1, 0.1)", "argv[0] 'optim.lr=interval(1, 0.1)': bounds reversed: "
         "interval(1, 0.1) has its lower bound 1 above its upper bound 0.1"),
        ("optim.lr=tag(log, interval(0, 1))", "argv[0] 'optim.lr=tag(log, interval(0, 1))': a "
         "log scale needs bounds above 0, and tag(log, interval(0, 1)) starts at 0"),
        ("optim=glob(*)", "argv[0] 'optim=glob(*)': glob(*) cannot be sampled: the sampler "
         "reads interval(), choice() and range()\n  hint: list the options: optim=a,b,c"),
    ],
    ids=["unknown", "reversed", "log-zero", "glob"],
)
def test_bad_distributions_are_located(token: str, message: str) -> None:
    with pytest.raises(OverrideError) as caught:
        _param(token)
    assert caught.value.render() == message


def _compose(tokens: Any) -> object:
    return typedcfg.compose(Config, list(tokens), defaults=None)


def test_bounds_checked_against_the_schema_at_their_token() -> None:
    """A bound that fails a constraint is an error at the distribution's own token."""
    space = read_space(["epochs=9", "optim.lr=interval(-1, 1)", "layers=int(interval(1, 9))"])
    with pytest.raises(SpaceError) as caught:
        check_space(space, _compose)
    assert caught.value.render() == (
        "argv[1] 'optim.lr=interval(-1, 1)': optim.lr: Input should be greater than 0 "
        "(got -1.0): the lower bound of interval(-1, 1)\n"
        "argv[2] 'layers=int(interval(1, 9))': layers: Input should be less than or equal to "
        "8 (got 9): the upper bound of int(interval(1, 9))\n"
        "2 problems in the search space; no trial ran"
    )


def test_each_choice_is_checked() -> None:
    space = read_space(["layers=choice(2, 4, many)"])
    with pytest.raises(SpaceError) as caught:
        check_space(space, _compose)
    assert caught.value.render().splitlines()[0] == (
        "argv[0] 'layers=choice(2, 4, many)': layers: Input should be a valid integer, unable "
        "to parse string as an integer (got 'many'): many, a choice of choice(2, 4, many)"
    )


def test_a_valid_space_passes_and_trial_tokens_keep_their_places() -> None:
    space = read_space(
        ["epochs=9", "optim.lr=tag(log, interval(1e-4, 1e-1))", "optim.name=adam,sgd"]
    )
    check_space(space, _compose)
    assert [p.kind for p in space.params] == [FLOAT, CATEGORICAL]
    tokens = space.trial_tokens({"optim.lr": 0.01, "optim.name": "sgd"})
    assert tokens == ("epochs=9", "optim.lr=0.01", "optim.name=sgd")
    assert _compose(tokens).config.optim.lr == 0.01  # type: ignore[attr-defined]


def test_tree_params_below_the_command_line() -> None:
    """A key the command line gives (a value or a distribution) is not sampled from the tree."""
    tree = Origin.at(typedcfg.provenance.SourceKind.CONFIG_FILE, "sweeper.yaml", 3, 9)
    space = read_space(
        ["optim.lr=0.1"], extra=[("optim.lr=interval(0.1, 1)", tree),
                                 ("layers=choice(1, 2)", tree), ("epochs=5", tree)],
    )  # fmt: skip
    assert [p.key for p in space.params] == ["layers"]
    assert space.trial_tokens({"layers": 2}) == ("optim.lr=0.1", "epochs=5", "layers=2")


def test_nothing_to_sample_is_an_error() -> None:
    with pytest.raises(TypedcfgError, match="a sampled sweep needs something to sample"):
        read_space(["epochs=3"])


@pytest.mark.parametrize(
    ("value", "text"),
    [(0.1, "0.1"), (3, "3"), (True, "true"), (None, "null"), ("adam", "adam"),
     ("a b", "'a b'"), ("true", "'true'"), ("it's", "'it\\'s'")],
)  # fmt: skip
def test_value_text_reads_back(value: Any, text: str) -> None:
    from hydra.core.override_parser.overrides_parser import OverridesParser

    assert value_text(value) == text
    assert OverridesParser.create().parse_override(f"k={text}").value() == value


def test_cross_field_checks_are_left_to_each_trial() -> None:
    """warmup=5 breaks a model validator only with epochs=3: not a problem of the space."""
    space = read_space(["epochs=3", "warmup=choice(0, 5)"])
    check_space(space, _compose)
    with pytest.raises(TypedcfgError, match="warmup must be shorter than epochs"):
        _compose(space.trial_tokens({"warmup": 5}))
