"""A real single-node Slurm cluster for the tests: munged, slurmctld and slurmd in a temp folder.

Debian's ``slurm-wlm`` and ``munge`` packages provide the daemons (``.ci/run`` installs them with
apt-get). :func:`start` writes a munge key and a ``slurm.conf`` into a folder of its own (one
node: this machine, with its CPUs and memory as ``slurmd -C`` reports them; loopback ports; the
state, spool, pid and log files inside the folder), starts the three daemons as root, waits until
the node is idle and returns a :class:`Cluster`; :meth:`Cluster.stop` stops every daemon it
started and waits until each one is gone. The clients (``sbatch``, ``squeue``, ``scancel``,
submitit) find the cluster through ``SLURM_CONF`` (see :meth:`Cluster.env`).

No cgroups in a container: processes are tracked by their parent (``proctrack/linuxproc``), no
task plugin, no accounting (so no ``sacct``: the launcher reads job states from ``scontrol``).
``select/cons_tres`` hands out single cores, so several jobs run at once; ``DefMemPerCPU`` keeps
a job without ``--mem`` from taking the whole node's memory. ``OverTimeLimit=0`` and a short
``KillWait`` end a job that runs past its (one minute) limit promptly. Two partitions share the
node: ``debug`` (the default) and ``urgent``, whose jobs preempt (cancel) those of ``debug``
(``PreemptType=preempt/partition_prio``, ``PreemptMode=CANCEL``), so a test can preempt a job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

DAEMONS = ("munged", "slurmctld", "slurmd")


class ClusterError(RuntimeError):
    """A daemon did not start, or the node never became idle (with the daemon's log)."""


def available() -> str | None:
    """Why a cluster cannot be started here (a missing program), or None."""
    for program in (*DAEMONS, "sbatch", "squeue", "scontrol", "scancel", "srun"):
        if shutil.which(program) is None:
            return f"{program} not found: apt-get install slurm-wlm munge"
    if os.geteuid() != 0:
        return "the test cluster's daemons run as root"
    return None


@dataclasses.dataclass
class Cluster:
    """A running cluster: its folder, config, node name, and the daemons' processes."""

    folder: Path
    conf: Path
    node: str
    munge_socket: Path
    processes: dict[str, subprocess.Popen[bytes]] = dataclasses.field(default_factory=dict)

    def env(self) -> dict[str, str]:
        """The variables a Slurm client needs to reach this cluster."""
        return {"SLURM_CONF": str(self.conf)}

    def run(self, *command: str, check: bool = True) -> str:
        """Run a Slurm client command against this cluster; its stdout."""
        done = subprocess.run(
            command, env={**os.environ, **self.env()}, capture_output=True, text=True,
            timeout=60, check=False,
        )  # fmt: skip
        if check and done.returncode != 0:
            raise ClusterError(f"{' '.join(command)}: {done.stderr.strip() or done.stdout}")
        return done.stdout

    def queue(self) -> list[str]:
        """The jobs in ``squeue`` (``id state``), every user's."""
        out = self.run("squeue", "--noheader", "--array", "--format=%i %T")
        return [line.strip() for line in out.splitlines() if line.strip()]

    def job_state(self, job_id: str) -> dict[str, str]:
        """``scontrol show job`` of one job as ``Key: value`` pairs (empty once it is purged)."""
        out = self.run("scontrol", "--oneliner", "show", "job", job_id, check=False)
        return dict(re.findall(r"(\w+)=(\S*)", out))

    def log(self, name: str) -> str:
        path = self.folder / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self) -> None:
        """Stop the daemons (slurmd, slurmctld, munged) and wait until each one has exited."""
        with contextlib.suppress(ClusterError, subprocess.SubprocessError, OSError):
            for job in self.queue():
                self.run("scancel", job.split()[0], check=False)
        for name in reversed(DAEMONS):
            process = self.processes.pop(name, None)
            if process is None:
                continue
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _node() -> tuple[str, int, int]:
    """This machine as slurmd sees it: node name, CPUs, memory (MB)."""
    out = subprocess.run(["slurmd", "-C"], capture_output=True, text=True, check=True).stdout
    facts = dict(re.findall(r"(\w+)=(\S+)", out.splitlines()[0]))
    return facts["NodeName"], int(facts["CPUs"]), int(facts["RealMemory"])


def slurm_conf(folder: Path, node: str, cpus: int, memory: int) -> str:
    """The cluster's ``slurm.conf``: one node, this machine; every file inside ``folder``."""
    host = socket.gethostname()
    mem_per_cpu = max(64, min(1024, memory // (4 * cpus)))
    lines = {
        "ClusterName": "typedcfg",
        "SlurmctldHost": f"{host}(127.0.0.1)",
        "SlurmUser": "root",
        "SlurmdUser": "root",
        "SlurmctldPort": str(_free_port()),
        "SlurmdPort": str(_free_port()),
        "AuthType": "auth/munge",
        "CredType": "cred/munge",
        "AuthInfo": f"socket={folder / 'munge.socket'}",
        "StateSaveLocation": str(folder / "state"),
        "SlurmdSpoolDir": str(folder / "spool"),
        "SlurmctldPidFile": str(folder / "slurmctld.pid"),
        "SlurmdPidFile": str(folder / "slurmd.pid"),
        "SlurmctldLogFile": str(folder / "slurmctld.log"),
        "SlurmdLogFile": str(folder / "slurmd.log"),
        "SlurmctldDebug": "info",
        "SlurmdDebug": "info",
        "ProctrackType": "proctrack/linuxproc",
        "TaskPlugin": "task/none",
        "JobAcctGatherType": "jobacct_gather/none",
        "AccountingStorageType": "accounting_storage/none",
        "JobCompType": "jobcomp/none",
        "SwitchType": "switch/none",
        "MpiDefault": "none",
        "SchedulerType": "sched/backfill",
        "SelectType": "select/cons_tres",
        "SelectTypeParameters": "CR_Core_Memory",
        "DefMemPerCPU": str(mem_per_cpu),
        "ReturnToService": "2",
        "OverTimeLimit": "0",
        "KillWait": "2",
        "InactiveLimit": "0",
        "MinJobAge": "300",
        "SlurmdTimeout": "60",
        "SchedulerParameters": "sched_interval=2",
        # A job in the "urgent" partition preempts (cancels) jobs of "debug" on the node.
        "PreemptType": "preempt/partition_prio",
        "PreemptMode": "CANCEL",
    }
    text = "".join(f"{key}={value}\n" for key, value in lines.items())
    text += (
        f"NodeName={node} NodeAddr=127.0.0.1 CPUs={cpus} RealMemory={memory} State=UNKNOWN\n"
        f"PartitionName=debug Nodes={node} Default=YES MaxTime=INFINITE State=UP PriorityTier=1\n"
        f"PartitionName=urgent Nodes={node} MaxTime=INFINITE State=UP PriorityTier=2\n"
    )
    return text


def start(folder: Path, timeout: float = 60.0) -> Cluster:
    """Write the munge key and ``slurm.conf`` into ``folder``, start the daemons, wait for idle.

    Raises:
        ClusterError: a daemon exited, or the node was not idle within ``timeout`` seconds
            (the message quotes the daemon's log).
    """
    for sub in ("state", "spool", "munge"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    folder.chmod(0o755)
    key = folder / "munge" / "munge.key"
    key.write_bytes(os.urandom(1024))
    key.chmod(0o600)
    (folder / "munge").chmod(0o700)
    node, cpus, memory = _node()
    conf = folder / "slurm.conf"
    conf.write_text(slurm_conf(folder, node, cpus, memory))
    cluster = Cluster(folder, conf, node, folder / "munge.socket")
    env = {**os.environ, "SLURM_CONF": str(conf)}
    commands = {
        "munged": [
            "munged", "--foreground", "--force", f"--key-file={key}",
            f"--socket={cluster.munge_socket}", f"--pid-file={folder / 'munge' / 'munged.pid'}",
            f"--log-file={folder / 'munged.log'}", f"--seed-file={folder / 'munge' / 'seed'}",
        ],
        "slurmctld": ["slurmctld", "-D", "-i", "-f", str(conf)],
        "slurmd": ["slurmd", "-D", "-f", str(conf)],
    }  # fmt: skip
    try:
        for name in DAEMONS:
            with open(folder / f"{name}.out", "wb") as out:
                cluster.processes[name] = subprocess.Popen(
                    commands[name], env=env, stdout=out, stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL, start_new_session=True,
                )  # fmt: skip
            if name == "munged":
                _wait_for(lambda: cluster.munge_socket.exists(), cluster, name, timeout)
            elif name == "slurmctld":
                _wait_for(lambda: _answers(cluster), cluster, name, timeout)
        _wait_for(lambda: _idle(cluster), cluster, "slurmd", timeout)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _answers(cluster: Cluster) -> bool:
    try:
        cluster.run("scontrol", "ping")
    except ClusterError:
        return False
    return True


def _idle(cluster: Cluster) -> bool:
    out = cluster.run("sinfo", "--noheader", "--Node", "--format=%T", check=False)
    return set(out.split()) == {"idle"}  # one line per partition


def _wait_for(ready: object, cluster: Cluster, name: str, timeout: float) -> None:
    assert callable(ready)
    deadline = time.monotonic() + timeout
    while not ready():
        process = cluster.processes[name]
        if process.poll() is not None or time.monotonic() > deadline:
            out = (cluster.folder / f"{name}.out").read_text(errors="replace")
            why = "exited" if process.returncode is not None else "is not ready"
            raise ClusterError(
                f"{name} {why} (status {process.returncode}):\n{out}\n{cluster.log(name)}"
            )
        time.sleep(0.2)


@contextlib.contextmanager
def running(folder: Path) -> Iterator[Cluster]:
    """A started cluster, stopped on exit."""
    cluster = start(folder)
    try:
        yield cluster
    finally:
        cluster.stop()
