"""Typed groups: a discriminated union is a config group with no YAML at all.

``optim`` is ``Adam | SGD`` with ``name`` as the discriminator: ``optim=sgd`` selects the SGD
member with its own defaults, and ``optim.momentum=0.8`` then validates against SGD. A key of
the other member is reported as unknown, at the argument that set it.

Usage:
    python train.py
    python train.py optim=sgd optim.momentum=0.8
    python train.py optim=adam optim.momentum=0.8

Run them from this directory. The last one exits with status 2 (Adam has no momentum).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

import typedcfg


class Adam(BaseModel):
    name: Literal["adam"] = "adam"
    lr: float = 0.001
    betas: tuple[float, float] = (0.9, 0.999)


class SGD(BaseModel):
    name: Literal["sgd"] = "sgd"
    lr: float = 0.1
    momentum: float = 0.0


class Config(BaseModel):
    epochs: int = 10
    optim: Annotated[Adam | SGD, Field(discriminator="name")] = Adam()


@typedcfg.main(Config)
def train(cfg: Config) -> None:
    print(f"epochs={cfg.epochs} optim={cfg.optim!r}")


if __name__ == "__main__":
    train()
