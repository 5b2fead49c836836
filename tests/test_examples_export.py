"""The Usage commands of examples 05 (wandb) and 06 (argparse/absl) run and print what they say."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from usage import usage_commands

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    """An environment where wandb is offline, silent and writes only under tmp_path."""
    out = dict(os.environ)
    for name in ("WANDB_DIR", "WANDB_CACHE_DIR", "WANDB_CONFIG_DIR", "WANDB_DATA_DIR"):
        path = tmp_path / name.lower()
        path.mkdir()
        out[name] = str(path)
    out.update(WANDB_MODE="offline", WANDB_SILENT="true", WANDB_CONSOLE="off")
    out["PYTHONDONTWRITEBYTECODE"] = "1"  # keep __pycache__ out of the examples directory
    out.pop("WANDB_CONFIG_PATHS", None)
    return out


def run(script: Path, env: dict[str, str]) -> list[subprocess.CompletedProcess[str]]:
    """Run every Usage command of ``script`` from its directory, with this interpreter."""
    results = []
    for argv in usage_commands(script):
        assert argv[0] == "python", argv
        results.append(
            subprocess.run(
                [sys.executable, *argv[1:]],
                cwd=script.parent,
                env=env,
                capture_output=True,
                text=True,
                timeout=120,
            )
        )
    return results


def test_usage_sections_are_found() -> None:
    """Each example script lists three commands under Usage:."""
    for script in (
        EXAMPLES / "05_wandb" / "train.py",
        EXAMPLES / "06_argparse_absl" / "argparse_train.py",
        EXAMPLES / "06_argparse_absl" / "absl_train.py",
    ):
        assert len(usage_commands(script)) == 3, script


def test_example_05_wandb(env: dict[str, str], tmp_path: Path) -> None:
    """Offline wandb run: nested config, overrides applied, secret masked, bad value exits 2."""
    default, override, bad = run(EXAMPLES / "05_wandb" / "train.py", env)
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines() == [
        "config batch_size = 32",
        "config data_dir = '/tmp/typedcfg-example-data'",
        "config epochs = 5",
        "config hub_token = '**********'",
        "config optim.betas = [0.9, 0.999]",
        "config optim.lr = 0.001",
        "config optim.name = 'adam'",
        "final loss 0.6065 after 5 epochs",
    ]
    assert override.returncode == 0, override.stderr
    assert "config optim.lr = 0.01" in override.stdout.splitlines()
    assert override.stdout.splitlines()[-1] == "final loss 0.1353 after 2 epochs"
    assert "not-a-real-token" not in default.stdout + override.stdout
    assert bad.returncode == 2
    assert bad.stdout == ""
    assert bad.stderr.strip() == (
        "argv[0] 'optim.lr=fast': optim.lr: Input should be a valid number, unable to parse "
        "string as a number (got 'fast')"
    )
    runs = list((tmp_path / "wandb_dir" / "wandb").glob("offline-run-*"))
    assert len(runs) == 2  # the two good commands made offline runs, in WANDB_DIR only
    assert not (EXAMPLES / "05_wandb" / "wandb").exists()


def test_example_06_argparse(env: dict[str, str]) -> None:
    """RunConfig.update(args) stores vars(args); the schema rejects a bad value with exit 2."""
    default, flags, bad = run(EXAMPLES / "06_argparse_absl" / "argparse_train.py", env)
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines() == [
        "config lr = 0.001",
        "config batch_size = 32",
        "config use_amp = False",
        "config layers = [64, 32]",
        "model TrainConfig(lr=0.001, batch_size=32, use_amp=False, layers=[64, 32])",
    ]
    assert flags.returncode == 0, flags.stderr
    assert flags.stdout.splitlines()[-1] == (
        "model TrainConfig(lr=0.01, batch_size=8, use_amp=True, layers=[128, 64, 32])"
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == "RunConfig.update: lr: Input should be greater than 0 (got -1.0)"


def test_example_06_absl(env: dict[str, str]) -> None:
    """RunConfig.update(FLAGS) stores the program's flags only; to_model() types them."""
    default, flags, bad = run(EXAMPLES / "06_argparse_absl" / "absl_train.py", env)
    assert default.returncode == 0, default.stderr
    assert default.stdout.splitlines() == [
        "config batch_size = 32",
        "config layers = ['64', '32']",
        "config lr = 0.001",
        "config use_amp = False",
        "model TrainConfig(lr=0.001, batch_size=32, use_amp=False, layers=[64, 32])",
    ]
    assert flags.returncode == 0, flags.stderr
    assert flags.stdout.splitlines()[-1] == (
        "model TrainConfig(lr=0.01, batch_size=8, use_amp=True, layers=[128, 64])"
    )
    assert bad.returncode == 2
    assert bad.stderr.strip() == (
        "RunConfig.update: batch_size: Input should be greater than or equal to 1 (got 0)"
    )
