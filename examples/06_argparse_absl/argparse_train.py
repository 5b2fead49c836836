"""Code written against ``wandb.config.update(args)``, with a schema checking every value.

``RunConfig`` behaves like ``wandb.config``: ``config.update(args)`` stores ``vars(args)``
(argparse has already turned ``--batch-size`` into ``batch_size``). Bound to ``TrainConfig``,
it also validates each update before storing it, and ``to_model()`` returns the typed object.

Usage:
    python argparse_train.py
    python argparse_train.py --lr 0.01 --batch-size 8 --use-amp --layers 128 64 32
    python argparse_train.py --lr -1

The last command exits with status 2: ``RunConfig.update: lr: Input should be greater than 0``.
"""

from __future__ import annotations

import argparse
import sys

from schema import TrainConfig

import typedcfg


def main(argv: list[str] | None = None) -> int:
    """Parse flags, update the RunConfig from them, and print what a training run would get."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--use-amp", action="store_true")
    parser.add_argument("--layers", type=int, nargs="+", default=[64, 32])
    args = parser.parse_args(argv)

    config = typedcfg.RunConfig(schema=TrainConfig)
    try:
        config.update(args)
    except typedcfg.TypedcfgError as exc:
        print(exc, file=sys.stderr)
        return 2
    for key, value in config.items():
        print(f"config {key} = {value!r}")
    cfg = config.to_model()
    print(f"model {cfg!r}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
