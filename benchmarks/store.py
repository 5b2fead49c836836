"""Benchmarks of the run store at scale: queries over 100,000 runs, the report, recording.

Usage:
    python benchmarks/store.py                     # 100,000 runs (queries), 10,000 (report)
    python benchmarks/store.py --quick             # 300 and 200 runs (CI)
    python benchmarks/store.py --before /path/to/old/checkout   # also time an older typedcfg

Every timing is a whole process, as a user runs it (``python -m typedcfg runs ...``), the
median of a few rounds. Before anything is timed, the answers are checked: ``runs group`` and
``Api().runs(filters=...)`` must give what a plain reading of the run files gives (the same
groups, counts and means; the same run ids), or the script stops with exit status 1.

The runs are written straight to disk in the store's formats (``config.yaml``,
``provenance.json``, ``meta.json``, ``summary.json``), as ``record_run`` writes them, because
recording 100,000 runs one by one would take an hour; ``typedcfg runs reindex`` then builds the
index (its time is reported too). Recording itself is measured separately: ``record_run`` of
one run (create, one summary write, finish) against writing the same files alone (the same
atomic writes with fsync, without lock, index, git or validation).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LRS = (0.0001, 0.001, 0.01, 0.1)
FILTER = {"config.optim.lr": 0.01, "summary.val_loss": {"$lt": 0.5}}


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def _config(number: int, rng: random.Random) -> dict[str, Any]:
    return {
        "optim": {"name": rng.choice(["adam", "sgd"]), "lr": LRS[number % 4],
                  "momentum": 0.9, "weight_decay": rng.choice([0.0, 1e-4])},
        "model": {"layers": rng.randrange(2, 9), "width": rng.choice([64, 128, 256]),
                  "dropout": 0.1, "activation": "relu"},
        "data": {"path": "data/train", "batch_size": rng.choice([16, 32, 64]),
                 "augment": rng.random() < 0.5, "workers": 4},
        "epochs": 10, "seed": number, "tags": ["bench", "store"], "notes": "a benchmark run",
    }  # fmt: skip


def write_store(root: Path, count: int, seed: int = 21) -> dict[str, Any]:
    """``count`` finished runs in ``root/bench``; returns the expected answers of the queries."""
    from typedcfg.runs.files import dump_json
    from typedcfg.runs.formats import dump_config

    rng = random.Random(seed)
    project = root / "bench"
    project.mkdir(parents=True, exist_ok=True)
    groups: dict[float, list[float]] = {lr: [] for lr in LRS}
    matching: list[str] = []
    for number in range(count):
        run_id = f"r{number:06d}"
        directory = project / run_id
        directory.mkdir()
        config = _config(number, rng)
        loss = round(rng.random(), 6)
        groups[config["optim"]["lr"]].append(loss)
        if config["optim"]["lr"] == 0.01 and loss < 0.5:
            matching.append(run_id)
        start = f"2026-12-01T{number // 3600 % 24:02d}:{number // 60 % 60:02d}:{number % 60:02d}"
        optim = enumerate(config["optim"])
        leaves = [(["optim", k], f"argv[{i}] 'optim.{k}=...'") for i, k in optim]
        leaves += [([k], "config-defaults.yaml:3:7") for k in config if k != "optim"]
        entries = [{"where": w, "kind": "argv", "path": p} for p, w in leaves]
        meta = {
            "id": run_id, "project": "bench", "status": "finished", "error": None,
            "start": f"{start}.{number % 1000:03d}+00:00", "end": f"{start}.999+00:00",
            "program": "train.py", "argv": [f"optim.lr={config['optim']['lr']}"], "configs": [],
            "sources": [], "schema": "train:Config", "python": "3.11.2", "executable": "python",
            "host": "bench", "pid": 1, "cwd": "/tmp", "git": None,
        }  # fmt: skip
        files = {
            "config.yaml": dump_config(config, {}),
            "provenance.json": dump_json(entries),
            "meta.json": dump_json(meta),
            "summary.json": dump_json({"val_loss": loss, "acc": round(1 - loss, 6)}),
        }
        for name, data in files.items():
            (directory / name).write_bytes(data)
    expected = {
        str(lr): {"count": len(v), "mean": statistics.fmean(v) if v else None}
        for lr, v in groups.items() if v
    }  # fmt: skip
    return {"groups": expected, "matching": sorted(matching)}


def _env(source: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TYPEDCFG_RUNS_DIR"}
    env["PYTHONPATH"] = os.fspath(source)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


API_SCRIPT = """
import json, sys, typedcfg
runs = typedcfg.Api(sys.argv[1]).runs("bench", filters=json.loads(sys.argv[2]), order=None)
print(json.dumps(sorted(r.id for r in runs)))
"""


def commands(root: Path, report_root: Path, out: Path) -> dict[str, list[str]]:
    python = sys.executable
    runs = [python, "-m", "typedcfg", "runs"]  # the command a user types: `typedcfg runs ...`
    return {
        "runs ls": [*runs, "ls", "bench", "--root", str(root)],
        "runs group --by optim.lr --metric val_loss":
            [*runs, "group", "bench", "--by", "optim.lr", "--metric", "val_loss", "--json",
             "--root", str(root)],
        "Api().runs(filters=...)": [python, "-c", API_SCRIPT, str(root), json.dumps(FILTER)],
        "runs report": [*runs, "report", "bench", "--root", str(report_root), "-o", str(out)],
    }  # fmt: skip


CPU: dict[str, list[float]] = {}
"""CPU seconds (user + system) of each command's process, by command line: on a loaded machine
the wall time mostly measures the wait for a core, so both are reported."""


def _run(argv: list[str], source: Path) -> tuple[float, str]:
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    # Not from this checkout's folder: `python -m` and `-c` put the working directory first on
    # sys.path, and a typedcfg found there would shadow the one PYTHONPATH names (--before).
    done = subprocess.run(argv, env=_env(source), capture_output=True, text=True, check=False,
                          cwd=tempfile.gettempdir())  # fmt: skip
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    CPU.setdefault(f"{source}|{' '.join(argv[2:5])}", []).append(cpu)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:6])} failed:\n{done.stderr[-2000:]}")
    return elapsed, done.stdout


def check(answers: dict[str, Any], group_out: str, api_out: str) -> None:
    """The queries' answers against the ones computed while writing the files."""
    grouped = json.loads(group_out)["groups"]
    got = {str(g["group"]["optim.lr"]): {"count": g["count"], "mean": g["mean"]} for g in grouped}
    for lr, want in answers["groups"].items():
        have = got.get(lr)
        wrong = have is None or have["count"] != want["count"]
        if wrong or abs(have["mean"] - want["mean"]) > 1e-9:
            raise SystemExit(f"CROSS-CHECK FAILED: group optim.lr={lr}: {have} != {want}")
    if json.loads(api_out) != answers["matching"]:
        raise SystemExit("CROSS-CHECK FAILED: Api().runs(filters=...) returned other runs")


def time_queries(root: Path, report_root: Path, answers: dict[str, Any], source: Path,
                 rounds: int, before: bool = False) -> dict[str, float]:  # fmt: skip
    """Median seconds of each command; the first (unmeasured) round checks the answers.

    An older typedcfg (``before``) without the report command is timed on the rest.
    """
    with tempfile.TemporaryDirectory() as tmp:
        cmds = commands(root, report_root, Path(tmp) / "report.html")
        if before and not (source / "typedcfg" / "runs" / "report.py").exists():
            del cmds["runs report"]
        outputs = {name: _run(argv, source)[1] for name, argv in cmds.items()}
        check(answers, outputs["runs group --by optim.lr --metric val_loss"],
              outputs["Api().runs(filters=...)"])  # fmt: skip
        times = {
            name: statistics.median(_run(argv, source)[0] for _ in range(rounds))
            for name, argv in cmds.items()
        }
        for name, argv in cmds.items():
            times[f"{name} cpu"] = statistics.median(CPU[f"{source}|{' '.join(argv[2:5])}"][1:])
        return times


def time_recording(rounds: int, in_git: bool = False) -> tuple[float, float]:
    """Median seconds of recording one run, and of writing its files alone.

    ``in_git``: the run is recorded from inside a git work tree (one commit), as most runs are,
    so that its record asks git for the commit and whether the tree is dirty.
    """
    import typedcfg
    from typedcfg.runs.files import atomic_write_many, dump_json
    from typedcfg.runs.formats import dump_config

    config = _config(1, random.Random(1))
    record: list[float] = []
    files_only: list[float] = []
    with tempfile.TemporaryDirectory() as tmp:
        if in_git:
            for args in (["init", "-q"], ["-c", "user.name=b", "-c", "user.email=b@b", "commit",
                                          "-q", "--allow-empty", "-m", "bench"]):  # fmt: skip
                subprocess.run(["git", *args], cwd=tmp, check=True, capture_output=True)
        for number in range(rounds):
            start = time.perf_counter()
            with typedcfg.record_run(config, runs_dir=tmp, project="rec", run_id=f"r{number}",
                                     cwd=tmp) as run:  # fmt: skip
                run.summary["val_loss"] = 0.5
            record.append(time.perf_counter() - start)
            start = time.perf_counter()
            directory = Path(tmp) / "files" / f"r{number}"
            directory.mkdir(parents=True)
            meta = dump_json(json.loads((run.dir / "meta.json").read_text()))
            atomic_write_many(directory, {
                "config.yaml": dump_config(config, {}), "provenance.json": dump_json([]),
                "meta.json": meta, "summary.json": dump_json({}),
            })  # fmt: skip
            atomic_write_many(directory, {"summary.json": dump_json({"val_loss": 0.5})})
            atomic_write_many(directory, {"meta.json": meta})
            files_only.append(time.perf_counter() - start)
    return statistics.median(record), statistics.median(files_only)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=100_000, help="runs for the queries")
    parser.add_argument("--report-runs", type=int, default=10_000, help="runs for the report")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per command")
    parser.add_argument("--quick", action="store_true", help="300 and 200 runs, 1 round")
    parser.add_argument("--before", type=Path, help="an older typedcfg source tree to time too")
    parser.add_argument("--keep", type=Path, help="build (or reuse) the stores in this directory")
    args = parser.parse_args(argv)
    if args.quick:
        args.runs, args.report_runs, args.rounds = 300, 200, 1
    sys.path.insert(0, os.fspath(ROOT))
    if args.before:
        import compileall

        # The processes run with PYTHONDONTWRITEBYTECODE: an uncompiled copy would pay for
        # compiling every module in every process, which is not what its users pay.
        compileall.compile_dir(args.before / "typedcfg", quiet=1)
    with tempfile.TemporaryDirectory(prefix="typedcfg-store-bench-") as tmp:
        base = (args.keep or Path(tmp)).resolve()
        results: dict[str, dict[str, float]] = {}
        stores = {}
        for name, count in (("queries", args.runs), ("report", args.report_runs)):
            root = base / f"{name}-{count}" / "runs"
            answers_file = root.parent / "answers.json"
            if not answers_file.exists():
                _log(f"writing {count} runs for the {name}")
                answers = write_store(root, count)
                answers_file.write_text(json.dumps(answers))
            stores[name] = (root, json.loads(answers_file.read_text()))
        reindex: dict[str, float] = {}
        for label, source in [("now", ROOT), *([("before", args.before)] if args.before else [])]:
            if label == "now":
                for name, (root, _) in stores.items():
                    if (root / ".index.sqlite").exists():
                        continue  # a kept store: its index is there already
                    _log(f"reindex of the {name} store")
                    reindex[name] = _run([sys.executable, "-m", "typedcfg.runs.cli", "reindex",
                                          "--root", str(root)], source)[0]  # fmt: skip
            _log(f"timing the queries ({label})")
            (qroot, answers), (rroot, _) = stores["queries"], stores["report"]
            rounds = args.rounds if label == "now" else 1
            results[label] = time_queries(qroot, rroot, answers, source, rounds, label != "now")
        _log("timing recording")
        record, files_only = time_recording(10 if args.quick else 40)
        in_git = time_recording(10 if args.quick else 40, in_git=True)
    print(render(args, results, reindex, record, files_only, in_git))
    return 0


def render(args: argparse.Namespace, results: dict[str, dict[str, float]],
           reindex: dict[str, float], record: float, files_only: float,
           in_git: tuple[float, float]) -> str:  # fmt: skip
    targets = {"runs report": 5.0}
    lines = [
        f"Run store, {args.runs:,} runs for the queries and {args.report_runs:,} for the report "
        f"(whole processes, median of {args.rounds}; answers cross-checked against the files)",
        "",
        f"Load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores at the end. Each "
        "cell: wall seconds (CPU seconds of the process).",
        "",
        "| command | runs | now (s) | target | met |"
        + (" before (s) |" if "before" in results else ""),
        "|---|---|---|---|---|" + ("---|" if "before" in results else ""),
    ]
    for name, seconds in results["now"].items():
        if name.endswith(" cpu"):
            continue
        target = targets.get(name, 1.0)
        count = args.report_runs if name == "runs report" else args.runs
        met = "yes" if seconds < target else "NO"
        cpu = results["now"][f"{name} cpu"]
        row = f"| `{name}` | {count:,} | {seconds:.2f} ({cpu:.2f} CPU) | < {target:g} s | {met} |"
        if "before" in results:
            old = results["before"].get(name)
            old_cpu = results["before"].get(f"{name} cpu")
            missing = " (no such command) |"
            row += f" {old:.2f} ({old_cpu:.2f} CPU) |" if old is not None else missing
        lines.append(row)
    ratio = record / files_only
    lines += [
        "",
        f"Recording one run (create, one summary write, finish): {record * 1000:.1f} ms; "
        f"writing the same files alone: {files_only * 1000:.1f} ms; ratio {ratio:.2f} "
        f"(target <= 2: {'met' if ratio <= 2 else 'NOT met'}). From inside a git work tree "
        f"(the record asks git for the commit): {in_git[0] * 1000:.1f} ms against "
        f"{in_git[1] * 1000:.1f} ms, ratio {in_git[0] / in_git[1]:.2f}.",
        "",
        "`runs reindex` (reading every run's files): "
        + (", ".join(f"{seconds:.1f} s for the {name} store" for name, seconds in reindex.items())
           or "(indexes kept from an earlier run)")
        + ".",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
