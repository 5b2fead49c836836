"""The Markdown report: targets met or missed, in-process medians, whole-process runs, imports."""

from __future__ import annotations

import datetime
import os
import platform
import statistics
import sys
from importlib import metadata
from typing import Any

import gen
import inproc
import procs

START = "<!-- results:start -->"
END = "<!-- results:end -->"

FLOOR, COMPOSE, LOAD, HYDRA, OMEGA = (
    "floor",
    "typedcfg compose",
    "typedcfg load",
    "Hydra compose API",
    "OmegaConf",
)
ROW_TEXT = {
    FLOOR: "floor: `yaml.load` (CSafeLoader) x2 + merge + overrides + `model_validate` + flatten",
    COMPOSE: "typedcfg `compose` (with provenance) + `flatten`",
    LOAD: "typedcfg `load` + `flatten`",
    HYDRA: "Hydra `initialize_config_dir` + `compose` + `to_container`",
    OMEGA: "OmegaConf `load` x2 + `from_dotlist` + `merge` + `to_container`",
}


def ms(seconds: float) -> str:
    """Milliseconds with about three significant digits."""
    value = seconds * 1000
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def status(ok: bool) -> str:
    return "met" if ok else "**missed**"


def machine(load_start: tuple[float, ...] | None) -> list[str]:
    """Lines describing where the run happened."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    versions = []
    for dist in ("typedcfg", "pydantic", "pydantic-core", "PyYAML", "hydra-core", "omegaconf"):
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    import yaml

    load = os.getloadavg() if hasattr(os, "getloadavg") else None

    def shown(avg: tuple[float, ...] | None) -> str:
        return ", ".join(f"{x:.2f}" for x in avg) if avg else "n/a"

    return [
        f"- date: {datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC",
        f"- CPU: {cpu}; {usable} usable cores (nproc), {os.cpu_count()} online",
        f"- OS: {platform.system()} {platform.release()}; load average (1, 5, 15 min) at the "
        f"start: {shown(load_start)}; at the end: {shown(load)}",
        f"- Python {platform.python_version()} ({platform.python_implementation()}), "
        f"libyaml {'yes' if yaml.__with_libyaml__ else 'NO'}",
        "- " + ", ".join(versions),
    ]


def render(
    cases: dict[int, gen.Case],
    timings: dict[int, inproc.Timings],
    build: dict[int, float],
    proc: dict[str, Any],
    checked: str,
    elapsed: float,
    load_start: tuple[float, ...] | None,
) -> str:
    """The whole report as Markdown."""
    sizes = list(cases)
    lines = [
        "## Results",
        "",
        f"Command: `{' '.join(['python benchmarks/run.py', *sys.argv[1:]])}` "
        f"(took {elapsed:.0f} s).",
        "",
        *machine(load_start),
        "",
        checked + ".",
        "",
        "### Targets",
        "",
        "| target | measured | status |",
        "|---|---:|---|",
        *_targets(sizes, timings, proc),
        "",
        "### In process (median ms; ratios are medians of per-repeat ratios)",
        "",
        "| path | " + " | ".join(f"N={n:,}" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in (FLOOR, COMPOSE, LOAD, HYDRA, OMEGA):
        lines.append(
            f"| {ROW_TEXT[name]} | " + " | ".join(ms(timings[n].median(name)) for n in sizes) + " |"
        )
    for num, den in ((COMPOSE, FLOOR), (LOAD, FLOOR), (HYDRA, COMPOSE), (OMEGA, COMPOSE)):
        lines.append(
            f"| ratio {num} / {den} | "
            + " | ".join(f"{timings[n].ratio(num, den):.2f}x" for n in sizes)
            + " |"
        )
    lines.append(
        "| schema classes built (once per process, not in the rows above) | "
        + " | ".join(ms(build[n]) for n in sizes)
        + " |"
    )
    lines.append(
        "| repeats | " + " | ".join(str(len(timings[n].runs[FLOOR])) for n in sizes) + " |"
    )
    lines.append(
        "| model classes / overrides | "
        + " | ".join(f"{cases[n].n_classes} / {len(cases[n].overrides)}" for n in sizes)
        + " |"
    )
    lines += ["", *_process_tables(proc), "", *_import_table(proc)]
    return "\n".join(lines) + "\n"


def _targets(
    sizes: list[int], timings: dict[int, inproc.Timings], proc: dict[str, Any]
) -> list[str]:
    rows = []
    for n in (1000, 10000):
        if n in timings:
            r = timings[n].ratio(COMPOSE, FLOOR)
            rows.append(
                f"| compose with provenance <= 1.0x the floor, N={n:,} | {r:.2f}x "
                f"| {status(r <= 1.0)} |"
            )
    if 10 in timings:
        t = timings[10].median(COMPOSE)
        rows.append(f"| compose <= 1 ms at N=10 | {ms(t)} ms | {status(t <= 0.001)} |")
    for n in sizes:
        need = 15.0 if n <= 1000 else 10.0
        r = timings[n].ratio(HYDRA, COMPOSE)
        rows.append(
            f"| >= {need:.0f}x faster than Hydra's compose API, N={n:,} | {r:.1f}x "
            f"| {status(r >= need)} |"
        )
    hello: procs.ProcRuns = proc["hello"]
    r = hello.ratio("typedcfg", "hand")
    rows.append(
        f"| hello world ({proc['hello_main']}) <= 1.05x yaml + pydantic by hand "
        f"| {r:.2f}x | {status(r <= 1.05)} |"
    )
    r = hello.ratio("hydra", "typedcfg")
    rows.append(
        f"| hello world >= 1.6x faster than `@hydra.main` | {r:.2f}x | {status(r >= 1.6)} |"
    )
    added = statistics.median(proc["import"]["typedcfg added"])
    rows.append(
        f"| `import typedcfg` adds <= 10 ms over yaml + pydantic (`-X importtime`) "
        f"| {added:.1f} ms | {status(added <= 10)} |"
    )
    rows.append(
        "| plain `key=value` overrides import neither hydra nor omegaconf | none imported | met |"
    )
    e2e: procs.ProcRuns = proc["e2e"]
    r = e2e.peak("typedcfg") / e2e.peak("hand")
    rows.append(
        f"| peak memory <= 1.1x by hand, N={proc['e2e_n']:,} end to end "
        f"| {r:.2f}x | {status(r <= 1.1)} |"
    )
    return rows


def _process_tables(proc: dict[str, Any]) -> list[str]:
    lines = [
        "### Whole process (paired runs, rotating order; median wall time and peak RSS)",
        "",
        "| program | wall ms | vs by hand | peak MiB | vs by hand |",
        "|---|---:|---:|---:|---:|",
    ]
    labels = {
        "hand": "yaml + pydantic by hand",
        "typedcfg": "typedcfg",
        "hydra": "`@hydra.main` (logging, output dir off)",
        "hydra compose": "Hydra compose API",
        "hydra main": "`@hydra.main` (logging, output dir off)",
    }
    for key, title in (
        ("hello", "hello world, 20 keys, 1 override"),
        ("e2e", f"N={proc['e2e_n']:,} end to end, 2 files, 10 overrides"),
    ):
        runs: procs.ProcRuns = proc[key]
        rounds = len(runs.wall["hand"])
        lines.append(f"| **{title}** ({rounds} rounds) | | | | |")
        hand_rss = runs.peak("hand")
        for name in runs.wall:
            label = labels[name]
            if name == "typedcfg":
                label = f"typedcfg (`{proc['hello_main']}`)"
            lines.append(
                f"| {label} | {ms(runs.median(name))} | {runs.ratio(name, 'hand'):.2f}x "
                f"| {runs.peak(name):.1f} | {runs.peak(name) / hand_rss:.2f}x |"
            )
    return lines


def _import_table(proc: dict[str, Any]) -> list[str]:
    imports = proc["import"]
    startup: procs.ProcRuns = proc["startup"]
    med = {k: statistics.median(v) for k, v in imports.items()}
    delta = statistics.median(
        a - b
        for a, b in zip(startup.wall["typedcfg"], startup.wall["yaml + pydantic"], strict=True)
    )
    return [
        "### Import cost (median of rounds)",
        "",
        "| measure | ms |",
        "|---|---:|",
        f"| `-X importtime`: yaml + `BaseModel` + one model class | {med['yaml + pydantic']:.1f} |",
        f"| `-X importtime`: `import typedcfg` alone (pulls in yaml + pydantic) "
        f"| {med['typedcfg']:.1f} |",
        f"| `-X importtime`: `import typedcfg` after yaml + pydantic | "
        f"{med['typedcfg added']:.1f} |",
        f"| whole process: `python -c` yaml + pydantic + one class "
        f"| {ms(startup.median('yaml + pydantic'))} |",
        f"| whole process: the same + `import typedcfg` | {ms(startup.median('typedcfg'))} |",
        f"| whole process: difference (median of paired differences) | {delta * 1000:.1f} |",
    ]


def write(path: str, text: str) -> None:
    """Write ``text`` to ``path``; between the result markers when the file has them."""
    if os.path.exists(path):
        with open(path, encoding="utf-8") as fh:
            old = fh.read()
        if START in old and END in old:
            head, rest = old.split(START, 1)
            _, tail = rest.split(END, 1)
            text = f"{head}{START}\n{text}{END}{tail}"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(text)
