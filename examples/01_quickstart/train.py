"""Quickstart: a typed config from config-defaults.yaml and the command line.

The schema below says what the config holds; config-defaults.yaml (wandb's desc/value format)
gives the starting values; key=value arguments change them. The function gets a validated
``Config`` object, so ``cfg.optimizer.lr`` is a float, in the editor and at run time.

Usage:
    python train.py
    python train.py batch_size=64
    python train.py optimizer.lr=0.01 --epochs=3
    python train.py --cfg optimizer.name=sgd
    python train.py --explain batch_size=64
    python train.py --help
    python train.py batch_size=many optimizer.lrr=0.1

Run them from this directory. The last command exits with status 2 and lists both problems,
each at the argument that caused it; nothing is trained. The others exit 0.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

import typedcfg


class Optimizer(BaseModel):
    name: Literal["adam", "sgd"] = "adam"
    """Which optimizer to use."""

    lr: float = Field(default=0.001, gt=0, description="Learning rate")


class Config(BaseModel):
    epochs: int = Field(gt=0)
    batch_size: int = Field(gt=0)
    optimizer: Optimizer = Optimizer()


@typedcfg.main
def train(cfg: Config) -> None:
    """Train a model (here: print the config it was given)."""
    for key, value in typedcfg.flatten(cfg).items():
        print(f"{key} = {value!r}")
    steps = cfg.epochs * (50_000 // cfg.batch_size)
    print(f"training {steps} steps with {cfg.optimizer.name} at lr {cfg.optimizer.lr}")


if __name__ == "__main__":
    train()
