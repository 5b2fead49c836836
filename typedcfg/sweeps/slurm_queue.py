"""Slurm's view of a job array, from ``squeue`` (no accounting database needed).

Clusters without accounting have no ``sacct`` (and submitit's job states come from ``sacct``), so
the Slurm launcher reads states with ``squeue --states=all``, which lists a job while
``slurmctld`` still knows it: while it waits and runs, and for ``MinJobAge`` seconds (300 by
default) after it ended.
"""

from __future__ import annotations

import dataclasses
import subprocess

from .jobs import SweepOptions

__all__ = ["ACTIVE", "SlurmState", "queue_states", "seconds"]

ACTIVE = frozenset(
    {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED",
     "REQUEUE_HOLD", "REQUEUE_FED", "RESIZING", "SIGNALING", "STAGE_OUT", "STOPPED"}
)  # fmt: skip
"""Slurm job states of a job that has not ended yet."""


@dataclasses.dataclass(frozen=True)
class SlurmState:
    """One array task as ``squeue`` shows it."""

    state: str
    reason: str
    node: str
    elapsed: float

    def describe(self, options: SweepOptions) -> str:
        """``ended by Slurm: TIMEOUT (TimeLimit: --timeout-min 1)``."""
        reason = "" if self.reason in ("", "None") else self.reason
        if self.state == "TIMEOUT":
            reason = f"{reason or 'TimeLimit'}: --timeout-min {options.timeout_min}"
        return f"ended by Slurm: {self.state}" + (f" ({reason})" if reason else "")


def queue_states(array_id: str) -> dict[str, SlurmState]:
    """The array's tasks that Slurm still knows, by ``<array>_<task>`` (or the job id alone)."""
    done = subprocess.run(
        ["squeue", "--noheader", "--array", "--states=all", f"--jobs={array_id}",
         "--format=%i|%T|%r|%N|%M"],
        capture_output=True, text=True, check=False, timeout=60,
    )  # fmt: skip
    states: dict[str, SlurmState] = {}
    for line in done.stdout.splitlines():
        parts = line.strip().split("|")
        if len(parts) == 5:
            states[parts[0]] = SlurmState(parts[1], parts[2], parts[3], seconds(parts[4]))
    return states


def seconds(text: str) -> float:
    """Slurm's ``[days-][hours:]minutes:seconds`` as seconds (0 for anything else)."""
    days, _, rest = text.rpartition("-")
    try:
        parts = [int(p) for p in rest.split(":")]
        whole = int(days or 0) * 86400
    except ValueError:
        return 0.0
    return float(whole + sum(v * 60**i for i, v in enumerate(reversed(parts))))
