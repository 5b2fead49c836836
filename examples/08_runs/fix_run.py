"""Correct a recorded run's config through the Api, with the schema bound.

Usage:
    python fix_run.py toy/lr0.1-bs64

The data path is corrected and written back (atomically, under the run's lock); a negative
learning rate is refused by the schema and nothing is written.
"""

from __future__ import annotations

import os
import sys

from config_schema import Config

import typedcfg
from typedcfg.runs.store import default_root

if __name__ == "__main__":
    api = typedcfg.Api(default_root(None, os.environ))
    run = api.run(sys.argv[1], schema=Config)
    run.config["data"]["path"] = "data/toy-v2"
    run.update()
    print(f"{run.path}: data.path = {api.run(run.path).config['data']['path']}")
    run.config["optim"]["lr"] = -1.0
    try:
        run.update()
    except typedcfg.ConfigValidationError as exc:
        print(f"refused: {exc}")
    print(f"{run.path}: optim.lr = {api.run(run.path).config['optim']['lr']}")
