"""Shared fixtures: every test that touches files runs in its own empty working directory."""

from __future__ import annotations

import os
import signal
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"

# Property tests check values, not speed: on a loaded two-core machine (CI, or several test runs
# at once) a per-example deadline only turns slowness into false failures.
settings.register_profile("typedcfg", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("typedcfg")


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working directory (config-defaults.yaml is read from the cwd)."""
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def write(cwd: Path):  # type: ignore[no-untyped-def]
    """write("a.yaml", text): write a dedented file below the working directory."""

    def _write(name: str, text: str) -> Path:
        path = cwd / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return path

    return _write


def pytest_configure(config: pytest.Config) -> None:
    # wandb and Hydra must never phone home or write into the repository from tests.
    os.environ.setdefault("WANDB_MODE", "offline")
    os.environ.setdefault("WANDB_SILENT", "true")


@pytest.fixture(scope="session")
def slurm(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """A real single-node Slurm cluster (munged, slurmctld, slurmd) for the session.

    Started on first use, stopped after the last test; ``SLURM_CONF`` is set for the session so
    that ``sbatch``, ``squeue`` and submitit (in tests and in the programs they start) reach it.
    See tests/slurm_cluster.py.
    """
    import slurm_cluster

    missing = slurm_cluster.available()
    if missing is not None:  # .ci/run installs the packages and runs as root
        pytest.fail(f"the Slurm tests need a Slurm installation: {missing}")

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # pytest then tears down: the daemons are stopped

    # A CI timeout or kill sends SIGTERM, which would end pytest with the daemons still running.
    previous = signal.signal(signal.SIGTERM, stop)
    try:
        with (
            pytest.MonkeyPatch.context() as patch,
            slurm_cluster.running(tmp_path_factory.mktemp("slurm")) as cluster,
        ):
            for name, value in cluster.env().items():
                patch.setenv(name, value)
            yield cluster
    finally:
        signal.signal(signal.SIGTERM, previous)
