"""Benchmarks: typedcfg against the floor (yaml + pydantic by hand), Hydra and OmegaConf.

Usage:
    python benchmarks/run.py                       # full run, a few minutes on 2 cores
    python benchmarks/run.py --quick               # N=10 and 100, few repeats (CI)
    python benchmarks/run.py --sizes 10 1000 --repeats 20 --rounds 10
    python benchmarks/run.py --output docs/performance.md

It prints a Markdown report (targets met or missed, in-process medians, whole-process runs,
import cost) and, with ``--output``, writes it to a file; when that file holds the markers
``<!-- results:start -->`` and ``<!-- results:end -->`` only the text between them is replaced.
Every path is checked to produce the same values before anything is timed; a mismatch stops the
run with exit status 1. Timings are never asserted anywhere: this is a script, not a test.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from typing import Any

# The benchmark's own modules sit next to this file (it runs as a script, not a package).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen
import inproc
import procs
import programs
import report
import sweep_costs

SIZES = (10, 100, 1000, 10000)
QUICK_SIZES = (10, 100)
# In-process repeats per size: enough for a stable median, few minutes in total on 2 cores.
REPEATS = {10: 40, 100: 30, 1000: 12, 10000: 5}
QUICK_REPEATS = 3
ROUNDS = {"hello": 15, "e2e": 5, "import": 10}
QUICK_ROUNDS = 2


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes", type=int, nargs="+", help="leaf counts (default 10 100 1000 10000)"
    )
    parser.add_argument("--repeats", type=int, help="in-process repeats for every size")
    parser.add_argument("--rounds", type=int, help="whole-process rounds for every program set")
    parser.add_argument("--quick", action="store_true", help="small sizes, few repeats (CI)")
    parser.add_argument("--output", help="write the Markdown report to this file")
    args = parser.parse_args(argv)
    if args.sizes is None:
        args.sizes = list(QUICK_SIZES if args.quick else SIZES)
    if any(n < 1 for n in args.sizes):
        parser.error("--sizes must be positive")
    args.sizes = sorted(set(args.sizes))
    return args


def _log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def run_inprocess(
    cases: dict[int, gen.Case], args: argparse.Namespace
) -> tuple[dict[int, inproc.Timings], dict[int, float]]:
    """Cross-check, then time every in-process path for every size."""
    timings: dict[int, inproc.Timings] = {}
    build: dict[int, float] = {}
    inproc.warm_up_pydantic()
    for n, case in cases.items():
        start = time.perf_counter()
        schema = inproc.import_schema(case)
        build[n] = time.perf_counter() - start
        paths = inproc.contenders(case, schema)
        inproc.cross_check(case, schema, paths)  # also the warm-up call of every path
        repeats = args.repeats or (QUICK_REPEATS if args.quick else REPEATS.get(n, 5))
        _log(f"in-process N={n}: values agree; timing {len(paths)} paths x {repeats}")
        timings[n] = inproc.time_round_robin(paths, repeats, n)
    return timings, build


def _first_lines(runs: procs.ProcRuns) -> dict[str, str]:
    return {name: out.splitlines()[0] if out else "" for name, out in runs.output.items()}


def _check_outputs(what: str, runs: procs.ProcRuns) -> None:
    firsts = _first_lines(runs)
    if len(set(firsts.values())) != 1:
        shown = "\n".join(f"  {k}: {v[:200]}" for k, v in firsts.items())
        raise inproc.CrossCheckError(f"{what}: programs printed different configs:\n{shown}")
    heavy = runs.output["typedcfg"].splitlines()[-1]
    if heavy != "heavy: []":
        raise inproc.CrossCheckError(f"{what}: typedcfg imported {heavy} for plain overrides")


def run_processes(cases: dict[int, gen.Case], tmp: str, args: argparse.Namespace) -> dict[str, Any]:
    """Hello world and the largest case end to end, paired; import cost."""
    python = sys.executable
    rounds = args.rounds or (QUICK_ROUNDS if args.quick else None)
    out: dict[str, Any] = {}
    env = procs.child_env(os.path.join(tmp, "pycache"))

    hello_dir = os.path.join(tmp, "hello")
    scripts = programs.write_hello(hello_dir)
    hello = {
        "hand": [python, scripts["hand"], programs.HELLO_OVERRIDE],
        "typedcfg": [python, scripts["typedcfg"], programs.HELLO_OVERRIDE],
        "hydra": [python, scripts["hydra"], programs.HELLO_OVERRIDE, *programs.HYDRA_QUIET],
    }
    n_rounds = rounds or ROUNDS["hello"]
    _log(f"hello world: 3 programs x {n_rounds} rounds")
    out["hello"] = procs.paired(hello, hello_dir, n_rounds, env)
    _check_outputs("hello world", out["hello"])
    out["hello_main"] = "@typedcfg.main" if "typedcfg.main" in _typedcfg_api() else "typedcfg.load"

    big = cases[max(cases)]
    scripts = programs.write_e2e(big.root, big.schema_module, big.hydra_config)
    e2e = {
        "hand": [python, scripts["hand"], *big.overrides],
        "typedcfg": [python, scripts["typedcfg"], *big.overrides],
        "hydra compose": [python, scripts["hydra compose"], *big.overrides],
        "hydra main": [python, scripts["hydra main"], *big.overrides, *programs.HYDRA_QUIET],
    }
    n_rounds = rounds or ROUNDS["e2e"]
    _log(f"end to end N={big.n}: 4 programs x {n_rounds} rounds")
    out["e2e"] = procs.paired(e2e, big.root, n_rounds, env)
    out["e2e_n"] = big.n
    _check_outputs(f"end to end N={big.n}", out["e2e"])

    n_rounds = rounds or ROUNDS["import"]
    _log(f"import cost: -X importtime and paired start-up x {n_rounds} rounds")
    out["import"] = procs.import_times(n_rounds, env)
    startup = {
        "yaml + pydantic": [python, "-c", procs.BASE_IMPORTS],
        "typedcfg": [python, "-c", procs.BASE_IMPORTS + "import typedcfg\n"],
    }
    out["startup"] = procs.paired(startup, tmp, n_rounds, env)
    return out


def _typedcfg_api() -> str:
    import typedcfg

    return "typedcfg.main" if hasattr(typedcfg, "main") else ""


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    started = time.perf_counter()
    load_start = os.getloadavg() if hasattr(os, "getloadavg") else None
    with tempfile.TemporaryDirectory(prefix="typedcfg-bench-") as tmp:
        cases = {n: gen.make_case(n, os.path.join(tmp, f"n{n}")) for n in args.sizes}
        try:
            timings, build = run_inprocess(cases, args)
            proc = run_processes(cases, tmp, args)
            _log("sweeps: sampler overhead per trial, pre-launch validation of a grid")
            sweep_rows = sweep_costs.measure(quick=args.quick)
        except (inproc.CrossCheckError, procs.ProgramError) as exc:
            print(f"CROSS-CHECK FAILED: {exc}", file=sys.stderr)
            return 1
    checked = (
        f"cross-check: passed (in-process: {len(next(iter(timings.values())).runs)} paths "
        f"produced the expected values at N={', '.join(map(str, cases))}; whole-process: "
        f"every program printed the same config; typedcfg imported neither hydra nor "
        f"omegaconf)"
    )
    elapsed = time.perf_counter() - started
    text = report.render(cases, timings, build, proc, checked, elapsed, load_start)
    text += "\n" + sweep_costs.render(sweep_rows)
    print(text)
    if args.output:
        report.write(args.output, text)
        _log(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
