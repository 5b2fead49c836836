"""Composition: a defaults list, a config group (conf/optim/) and --configs files.

config-defaults.yaml starts with a Hydra-style ``defaults:`` list that selects ``optim: adam``
from the group directory ``conf/optim/``; ``optim=sgd`` on the command line selects the other
option; ``--configs long_run.yaml`` layers one more file on top.

Usage:
    python train.py
    python train.py optim=sgd
    python train.py --configs long_run.yaml batch_size=64
    python train.py optim=rmsprop

Run them from this directory. The last one exits with status 2: the group has no such option,
and the message lists the ones it has.
"""

from __future__ import annotations

from pydantic import BaseModel

import typedcfg


class Optim(BaseModel):
    name: str
    lr: float
    momentum: float = 0.0


class Config(BaseModel):
    epochs: int
    batch_size: int
    optim: Optim


@typedcfg.main(Config)
def train(cfg: Config) -> None:
    print(f"epochs={cfg.epochs} batch_size={cfg.batch_size} optim={cfg.optim.name} "
          f"lr={cfg.optim.lr} momentum={cfg.optim.momentum}")


if __name__ == "__main__":
    train()
