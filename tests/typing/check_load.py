"""load, compose and flatten return what they promise (checked by mypy and pyright only)."""

from __future__ import annotations

import dataclasses
from typing import Any

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


cfg = typedcfg.load(Config, ["optim.lr=0.1"])
assert_type(cfg, Config)
assert_type(cfg.optim.lr, float)
assert_type(typedcfg.load(Point, []), Point)

loaded = typedcfg.compose(Config, [], defaults=None)
assert_type(loaded, typedcfg.Loaded[Config])
assert_type(loaded.config, Config)
assert_type(loaded.config.optim.lr, float)
assert_type(loaded.explain(), str)
assert_type(loaded.provenance, typedcfg.Provenance)

assert_type(typedcfg.flatten(cfg), dict[str, Any])
assert_type(typedcfg.unflatten({"optim.lr": 0.1}), dict[str, Any])

wrong_lr: object = cfg.optim.lrr  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
wrong_epochs: object = loaded.config.epoch  # type: ignore[attr-defined]  # pyright: ignore[reportAttributeAccessIssue, reportUnknownMemberType, reportUnknownVariableType]
