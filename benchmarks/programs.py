"""Source of the whole-process programs, written into the benchmark's temporary directory.

Hello world: the same 20-key program three ways (``@typedcfg.main``, yaml + pydantic by hand,
``@hydra.main``), each reading ``config-defaults.yaml`` from its directory, taking one
``key=value`` override and printing ``repr(config.model_dump())``. The typedcfg program also
prints, on a second line, which of hydra/omegaconf got imported (plain overrides must import
neither).

End to end: the N-leaf case (``base.yaml``, ``extra.yaml``, 10 overrides) four ways, each
importing the generated schema and printing a digest of the validated values.
"""

from __future__ import annotations

import os

HELLO_SCHEMA = """
class Optim(BaseModel):
    name: str
    lr: float
    weight_decay: float
    betas: list[float]
    warmup_steps: int


class Data(BaseModel):
    path: str
    batch_size: int
    num_workers: int
    shuffle: bool
    max_length: int


class Net(BaseModel):
    arch: str
    hidden: int
    layers: int
    dropout: float
    activation: str


class Config(BaseModel):
    project: str
    seed: int
    epochs: int
    device: str
    optim: Optim
    data: Data
    net: Net
"""

HELLO_DEFAULTS = """\
project: hello
seed: 0
epochs: 10
device: cpu
optim:
  name: adam
  lr: 0.001
  weight_decay: 0.0
  betas: [0.9, 0.999]
  warmup_steps: 500
data:
  path: data/train
  batch_size: 32
  num_workers: 4
  shuffle: true
  max_length: 512
net:
  arch: resnet18
  hidden: 256
  layers: 4
  dropout: 0.1
  activation: relu
"""

HELLO_OVERRIDE = "optim.lr=0.01"

# @typedcfg.main is the intended program; until it exists the same program uses load().
HELLO_TYPEDCFG = (
    '"""Hello world with typedcfg."""\n'
    "import sys\n\n"
    "import typedcfg\n"
    "from pydantic import BaseModel\n"
    + HELLO_SCHEMA
    + """

def run(cfg: Config) -> None:
    print(repr(cfg.model_dump()))
    print("heavy:", [m for m in ("hydra", "omegaconf") if m in sys.modules])


if hasattr(typedcfg, "main"):
    typedcfg.main(Config)(run)()
else:
    run(typedcfg.load(Config))
"""
)

HELLO_HAND = (
    '"""Hello world by hand: yaml + pydantic."""\n'
    "import sys\n\n"
    "import yaml\n"
    "from pydantic import BaseModel\n"
    + HELLO_SCHEMA
    + """

def main() -> None:
    with open("config-defaults.yaml", encoding="utf-8") as fh:
        data = yaml.load(fh, Loader=yaml.CSafeLoader)
    for token in sys.argv[1:]:
        key, _, raw = token.partition("=")
        *parents, leaf = key.split(".")
        node = data
        for part in parents:
            node = node[part]
        node[leaf] = yaml.load(raw, Loader=yaml.CSafeLoader)
    cfg = Config.model_validate(data)
    print(repr(cfg.model_dump()))


main()
"""
)

HELLO_HYDRA = (
    '"""Hello world with @hydra.main."""\n'
    "import hydra\n"
    "from omegaconf import DictConfig, OmegaConf\n"
    "from pydantic import BaseModel\n"
    + HELLO_SCHEMA
    + """

@hydra.main(config_path=".", config_name="config-defaults", version_base=None)
def main(cfg: DictConfig) -> None:
    config = Config.model_validate(OmegaConf.to_container(cfg, resolve=True))
    print(repr(config.model_dump()))


main()
"""
)

# What the baseline used: no log files, no .hydra output directory, run in place.
HYDRA_QUIET = (
    "hydra.output_subdir=null",
    "hydra/job_logging=disabled",
    "hydra/hydra_logging=disabled",
    "hydra.run.dir=.",
)

_DIGEST = """
def digest(config: object) -> str:
    import hashlib

    return hashlib.sha256(repr(config.model_dump()).encode()).hexdigest()[:16]
"""

E2E_TYPEDCFG = (
    '''"""N-leaf case end to end with typedcfg."""
import sys

import typedcfg
from {module} import Config
'''
    + _DIGEST
    + """

def run(cfg: Config) -> None:
    print(digest(cfg))
    print("heavy:", [m for m in ("hydra", "omegaconf") if m in sys.modules])


if hasattr(typedcfg, "main"):
    typedcfg.main(Config, defaults="base.yaml", configs=["extra.yaml"])(run)()
else:
    run(typedcfg.load(Config, defaults="base.yaml", configs=["extra.yaml"]))
"""
)

E2E_HAND = (
    '''"""N-leaf case end to end by hand: yaml + pydantic."""
import sys

import yaml
from {module} import Config
'''
    + _DIGEST
    + """

def merge_into(a, b):
    for key, value in b.items():
        old = a.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            merge_into(old, value)
        else:
            a[key] = value


with open("base.yaml", encoding="utf-8") as fh:
    data = yaml.load(fh, Loader=yaml.CSafeLoader)
with open("extra.yaml", encoding="utf-8") as fh:
    merge_into(data, yaml.load(fh, Loader=yaml.CSafeLoader))
for token in sys.argv[1:]:
    key, _, raw = token.partition("=")
    *parents, leaf = key.split(".")
    node = data
    for part in parents:
        node = node[part]
    node[leaf] = yaml.load(raw, Loader=yaml.CSafeLoader)
print(digest(Config.model_validate(data)))
"""
)

E2E_HYDRA_COMPOSE = (
    '''"""N-leaf case end to end with Hydra's compose API."""
import os
import sys

from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf
from {module} import Config
'''
    + _DIGEST
    + """

with initialize_config_dir(config_dir=os.getcwd(), version_base=None):
    cfg = compose(config_name="{hydra_config}", overrides=sys.argv[1:])
print(digest(Config.model_validate(OmegaConf.to_container(cfg, resolve=True))))
"""
)

E2E_HYDRA_MAIN = (
    '''"""N-leaf case end to end with @hydra.main."""
import hydra
from omegaconf import DictConfig, OmegaConf
from {module} import Config
'''
    + _DIGEST
    + """

@hydra.main(config_path=".", config_name="{hydra_config}", version_base=None)
def main(cfg: DictConfig) -> None:
    print(digest(Config.model_validate(OmegaConf.to_container(cfg, resolve=True))))


main()
"""
)


def write_hello(root: str) -> dict[str, str]:
    """Write the hello-world programs and their config into ``root``; name -> script path."""
    os.makedirs(root, exist_ok=True)
    with open(os.path.join(root, "config-defaults.yaml"), "w", encoding="utf-8") as fh:
        fh.write(HELLO_DEFAULTS)
    scripts = {
        "hand": ("hello_hand.py", HELLO_HAND),
        "typedcfg": ("hello_typedcfg.py", HELLO_TYPEDCFG),
        "hydra": ("hello_hydra.py", HELLO_HYDRA),
    }
    return {name: _write(root, file, text) for name, (file, text) in scripts.items()}


def write_e2e(root: str, module: str, hydra_config: str) -> dict[str, str]:
    """Write the end-to-end programs for the case in ``root``; name -> script path."""
    scripts = {
        "hand": ("e2e_hand.py", E2E_HAND),
        "typedcfg": ("e2e_typedcfg.py", E2E_TYPEDCFG),
        "hydra compose": ("e2e_hydra_compose.py", E2E_HYDRA_COMPOSE),
        "hydra main": ("e2e_hydra_main.py", E2E_HYDRA_MAIN),
    }
    return {
        name: _write(
            root, file, text.replace("{module}", module).replace("{hydra_config}", hydra_config)
        )
        for name, (file, text) in scripts.items()
    }


def _write(root: str, name: str, text: str) -> str:
    path = os.path.join(root, name)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
    return path
