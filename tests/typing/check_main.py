"""What @typedcfg.main returns keeps the function's types (checked by mypy and pyright only).

Both checkers must accept this file: ``assert_type`` pins the inferred types, and the ignore
comments on the deliberate mistakes must be needed (mypy ``warn_unused_ignores`` and pyright's
``reportUnnecessaryTypeIgnoreComment`` turn an unneeded ignore into an error).
"""

from __future__ import annotations

import dataclasses

from pydantic import BaseModel
from typing_extensions import assert_type

import typedcfg


class Optim(BaseModel):
    name: str = "adam"
    lr: float = 0.001


class Config(BaseModel):
    epochs: int = 10
    optim: Optim = Optim()


@dataclasses.dataclass
class Point:
    x: int = 0
    y: int = 0


@typedcfg.main(Config)
def train(cfg: Config) -> float:
    assert_type(cfg.optim.lr, float)
    assert_type(cfg.optim.name, str)
    return cfg.optim.lr


@typedcfg.main
def bare(cfg: Config) -> int:
    assert_type(cfg.epochs, int)
    return cfg.epochs


@typedcfg.main(Config, defaults=None, configs=["a.yaml"], env_prefix="TRAIN_", config_dir="conf")
def with_options(cfg: Config) -> None:
    assert_type(cfg, Config)


@typedcfg.main(Point)
def on_dataclass(p: Point) -> str:
    assert_type(p.x, int)
    return str(p.x)


assert_type(with_options(), None)

assert_type(train(), float)
assert_type(train(argv=["optim.lr=0.1"]), float)
assert_type(bare(argv=("epochs=3",)), int)
assert_type(on_dataclass(argv=[]), str)


@typedcfg.main(Config)
def wrong_attribute(cfg: Config) -> None:
    wrong: object = cfg.optim.lrr  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
    del wrong


@typedcfg.main(Config)  # type: ignore[arg-type]  # pyright: ignore[reportArgumentType]
def wrong_schema(cfg: Point) -> None: ...


train(argv=[1, 2])  # type: ignore[list-item]  # pyright: ignore[reportArgumentType]
train(["epochs=1"])  # type: ignore[call-arg]  # pyright: ignore[reportCallIssue]
