"""Whole-process measurements: paired runs (A B C A B C ...), peak memory, import time.

Peak memory is each program's own ``ru_maxrss`` from ``os.wait4(pid)``, taken by a tiny
launcher (``python -S``, about 9 MiB) that forks and execs the program and times it. Why not
``getrusage(RUSAGE_CHILDREN)`` or ``wait4`` straight from this process: Linux carries the
memory high-water mark across ``fork`` and ``exec`` (``ru_maxrss`` is the maximum of the forking
process's resident size and the new program's), so a child forked from the benchmark process,
which holds hundreds of MiB after the in-process runs, would report the benchmark's size.
Forked from the small launcher, the floor is the launcher's 9 MiB, below every measured
program. The kernel keeps the high-water mark itself (no sampling), so short peaks count.
"""

from __future__ import annotations

import os
import re
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field


@dataclass
class ProcRuns:
    """Per-program wall seconds and peak RSS (MiB), one entry per round; ``output`` of the last."""

    wall: dict[str, list[float]] = field(default_factory=dict)
    rss: dict[str, list[float]] = field(default_factory=dict)
    output: dict[str, str] = field(default_factory=dict)

    def median(self, name: str) -> float:
        return statistics.median(self.wall[name])

    def ratio(self, num: str, den: str) -> float:
        """Median of per-round ratios (the two ran back to back in every round)."""
        return statistics.median(a / b for a, b in zip(self.wall[num], self.wall[den], strict=True))

    def peak(self, name: str) -> float:
        return statistics.median(self.rss[name])


class ProgramError(RuntimeError):
    """A benchmark program failed or printed something unexpected."""


# Runs argv[2:] as a child; writes "wall_seconds maxrss_kib exit_status" to argv[1].
_LAUNCHER = """
import os, sys, time
start = time.perf_counter()
pid = os.fork()
if pid == 0:
    try:
        os.execv(sys.argv[2], sys.argv[2:])
    finally:
        os._exit(127)
_, status, usage = os.wait4(pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as fh:
    fh.write(f"{wall!r} {usage.ru_maxrss} {os.waitstatus_to_exitcode(status)}")
"""


def child_env(pycache: str) -> dict[str, str]:
    """The environment of every measured program: bytecode cached under ``pycache``.

    Installed packages are imported from cached bytecode (pip compiles it at install time),
    but ``PYTHONDONTWRITEBYTECODE=1`` (set on some machines, this one included) would make an
    editable checkout compile every module from source in every process, charging typedcfg
    tens of milliseconds that no installed copy pays. So bytecode is allowed, and kept under
    ``pycache`` (``PYTHONPYCACHEPREFIX``) instead of next to the sources; the untimed warm-up
    run of each program writes it.
    """
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    env["PYTHONHASHSEED"] = "0"
    return env


def run_once(argv: list[str], cwd: str, env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``argv`` in ``cwd`` through the launcher; return (wall s, peak RSS MiB, stdout).

    Raises:
        ProgramError: the program exited with a non-zero status.
    """
    with tempfile.TemporaryDirectory() as tmp:
        result = os.path.join(tmp, "result")
        proc = subprocess.run(
            [sys.executable, "-S", "-E", "-c", _LAUNCHER, result, *argv],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        try:
            with open(result, encoding="utf-8") as fh:
                wall_text, rss_text, code_text = fh.read().split()
        except OSError:
            wall_text, rss_text, code_text = "0", "0", str(proc.returncode or 1)
    if int(code_text) != 0:
        raise ProgramError(
            f"{' '.join(argv)} (in {cwd}) exited with {code_text}:\n{proc.stderr}{proc.stdout}"
        )
    return float(wall_text), int(rss_text) / 1024, proc.stdout


def paired(programs: dict[str, list[str]], cwd: str, rounds: int, env: dict[str, str]) -> ProcRuns:
    """Run every program once per round, rotating the order; one untimed warm-up round first.

    The warm-up writes ``__pycache__`` files and fills the OS file cache, so every timed run
    starts from the same state.
    """
    result = ProcRuns()
    names = list(programs)
    for name in names:
        result.wall[name] = []
        result.rss[name] = []
        _, _, result.output[name] = run_once(programs[name], cwd, env)
    for r in range(rounds):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            wall, rss, _ = run_once(programs[name], cwd, env)
            result.wall[name].append(wall)
            result.rss[name].append(rss)
    return result


_IMPORTTIME = re.compile(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)")
# What every schema needs: PyYAML, BaseModel, and one model class (defining the first class
# imports more of pydantic, which typedcfg would otherwise be charged for).
BASE_IMPORTS = "import yaml\nfrom pydantic import BaseModel\nclass M(BaseModel):\n    x: int\n"


def _top_level(code: str, env: dict[str, str]) -> dict[str, float]:
    """Module -> cumulative microseconds, for the top-level imports ``code`` triggers."""
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    out: dict[str, float] = {}
    for line in proc.stderr.splitlines():
        match = _IMPORTTIME.match(line)
        if match and len(match.group(3)) == 1:
            out[match.group(4)] = float(match.group(2))
    return out


def import_times(rounds: int, env: dict[str, str]) -> dict[str, list[float]]:
    """Milliseconds of imports, per round (``-X importtime``; interpreter start-up excluded).

    ``yaml + pydantic``: everything :data:`BASE_IMPORTS` imports; ``typedcfg``: everything
    ``import typedcfg`` imports; ``typedcfg added``: what ``import typedcfg`` costs when
    :data:`BASE_IMPORTS` ran first (the extra a typedcfg program pays).
    """
    startup = set(_top_level("pass", env))
    _top_level(BASE_IMPORTS + "import typedcfg\n", env)  # warm-up: writes the bytecode
    out: dict[str, list[float]] = {"yaml + pydantic": [], "typedcfg": [], "typedcfg added": []}
    for _ in range(rounds):
        base = _top_level(BASE_IMPORTS, env)
        out["yaml + pydantic"].append(sum(v for k, v in base.items() if k not in startup) / 1000)
        alone = _top_level("import typedcfg", env)
        out["typedcfg"].append(sum(v for k, v in alone.items() if k not in startup) / 1000)
        after = _top_level(BASE_IMPORTS + "import typedcfg\n", env)
        out["typedcfg added"].append(after.get("typedcfg", 0.0) / 1000)
    return out
