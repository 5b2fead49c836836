"""Code written against ``wandb.config.update(FLAGS)`` (absl), with a schema checking it.

``RunConfig.update(FLAGS)`` stores every flag the program defined, parsed or default, as
wandb does; absl's own flags (``--verbosity``, ``--helpfull`` ...) are left out. The
RunConfig is bound to the same ``TrainConfig`` as the argparse example, so ``--layers=128,64``
(a list of strings to absl) becomes ``[128, 64]`` in the typed object.

Usage:
    python absl_train.py
    python absl_train.py --lr=0.01 --batch_size=8 --use_amp --layers=128,64
    python absl_train.py --batch_size=0

The last command exits with status 2: ``RunConfig.update: batch_size: Input should be greater
than or equal to 1``.
"""

from __future__ import annotations

import sys

from absl import app, flags
from schema import TrainConfig

import typedcfg

flags.DEFINE_float("lr", 1e-3, "Learning rate.")
flags.DEFINE_integer("batch_size", 32, "Examples per optimisation step.")
flags.DEFINE_bool("use_amp", False, "Mixed precision.")
flags.DEFINE_list("layers", ["64", "32"], "Hidden widths.")
FLAGS = flags.FLAGS


def main(argv: list[str]) -> int:
    """Update the RunConfig from FLAGS and print what a training run would get."""
    del argv  # every setting arrives through FLAGS
    config = typedcfg.RunConfig(schema=TrainConfig)
    try:
        config.update(FLAGS)
    except typedcfg.TypedcfgError as exc:
        print(exc, file=sys.stderr)
        return 2
    for key, value in config.items():
        print(f"config {key} = {value!r}")
    print(f"model {config.to_model()!r}")
    return 0


if __name__ == "__main__":
    app.run(main)
