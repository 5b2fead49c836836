"""After: the same script with a typed schema and @typedcfg.main.

The flags became fields of one pydantic class: the type is the annotation, the default is the
value, the help text is the description. The command lines of ``before.py`` keep working
(``--epochs 3``, ``--epochs=5``, a bare ``--amp``; the alias keeps ``--batch-size`` while the
code reads ``cfg.batch_size``), ``key=value`` works too, and so do ``--configs FILE``,
``--cfg`` and ``--explain``. New: ``lr`` must be positive, every bad value is reported with the
argument that gave it, and the settings can come from YAML files.

Usage:
    python after.py
    python after.py --epochs 3 --lr 0.01 --optimizer sgd --amp
    python after.py --epochs=5 --batch-size=64
    python after.py --epochs three
    python after.py epochs=3 lr=0.01 optimizer=sgd amp=true
    python after.py --lr=-1

Run them from this directory. The fourth and last commands exit with status 2, naming the
argument at fault. The first three print exactly what the same commands print with before.py.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

import typedcfg


class Config(BaseModel):
    """Train a model."""

    epochs: int = Field(default=10, description="Number of epochs")
    batch_size: int = Field(default=32, alias="batch-size", description="Size of each mini-batch")
    lr: float = Field(default=0.001, gt=0, description="Learning rate")
    optimizer: Literal["adam", "sgd"] = Field(default="adam", description="Which optimizer to use")
    amp: bool = Field(default=False, description="Use mixed precision")


def train(epochs: int, batch_size: int, lr: float, optimizer: str, amp: bool) -> None:
    """The training loop (here: say what it would do)."""
    print(f"epochs={epochs} batch_size={batch_size} lr={lr} optimizer={optimizer} amp={amp}")


@typedcfg.main(Config)
def main(cfg: Config) -> None:
    """Train a model."""
    train(cfg.epochs, cfg.batch_size, cfg.lr, cfg.optimizer, cfg.amp)


if __name__ == "__main__":
    main()
