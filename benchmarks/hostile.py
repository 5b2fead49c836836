"""Hostile inputs (issue 18): how typedcfg's time grows with the size of a bad input.

Usage:
    python benchmarks/hostile.py                        # every case at 1k, 10k and 100k
    python benchmarks/hostile.py --sizes 1000 10000     # other sizes
    python benchmarks/hostile.py spaces-in-value        # chosen cases

Each case builds an input of size n (characters, items or lines, as its description says), runs
typedcfg on it in this process and keeps the best of a few runs. The table shows the time at
each size, how the run ended (``loaded`` or the class and location of the typed error) and the
growth factor from one size to the next: about 10 for linear work at sizes ten apart, 100 for
quadratic work, near 1 for an input refused by a bound before any real work.
``tests/test_hostile_growth.py`` runs the same cases at two sizes and fails on quadratic growth;
timings are never asserted to absolute values.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, ConfigDict

SIZES = (1_000, 10_000, 100_000)


class Schema(BaseModel):
    """The schema every case loads."""

    model_config = ConfigDict(extra="allow")

    dataset: str = "mnist"
    epochs: int = 1
    lr: float = 0.1
    layers: list[int] = []
    names: list[str] = []


Run = Callable[[], str]


@dataclasses.dataclass(frozen=True)
class Case:
    """One hostile input: what n counts, and how to build the run for a given n in a folder."""

    name: str
    unit: str
    build: Callable[[int, str], Run]


def _load(argv: list[str], folder: str, **kwargs: Any) -> str:
    import typedcfg

    kwargs.setdefault("defaults", os.path.join(folder, "config-defaults.yaml"))
    try:
        typedcfg.load(Schema, argv, **kwargs)
    except typedcfg.TypedcfgError as exc:
        where = exc.origin.location if exc.origin else "?"
        return f"{type(exc).__name__} at {where.replace(folder + os.sep, '')}"
    return "loaded"


def _file(folder: str, text: str) -> str:
    path = os.path.join(folder, "config-defaults.yaml")
    with open(path, "w", encoding="utf-8") as file:
        file.write(text)
    return path


def _spaces_in_value(n: int, folder: str) -> Run:
    _file(folder, "dataset: a" + " " * n + "b\n")
    return lambda: _load([], folder)


def _spaces_then_bang(n: int, folder: str) -> Run:
    _file(folder, " " * n + "!\n")
    return lambda: _load([], folder)


def _spaces_then_comment(n: int, folder: str) -> Run:
    _file(folder, "dataset: a" + " " * n + "#\n")
    return lambda: _load([], folder)


def _argv_list(n: int, folder: str) -> Run:
    token = "layers=[" + ",".join(["1"] * n) + "]"
    return lambda: _load([token], folder, defaults=None)


def _env_list(n: int, folder: str) -> Run:
    environ = {"HX_LAYERS": "[" + ",".join(["1"] * n) + "]"}
    return lambda: _load([], folder, defaults=None, env_prefix="HX_", environ=environ)


def _argv_quoted_list(n: int, folder: str) -> Run:
    token = "names=[" + ",".join(["'a'"] * n) + "]"
    return lambda: _load([token], folder, defaults=None)


def _merge_chain(n: int, folder: str) -> Run:
    lines = ["m0: &m0 {k0: 0}"]
    lines += [f"m{i}: &m{i} {{<<: *m{i - 1}, k{i}: {i}}}" for i in range(1, n)]
    _file(folder, "\n".join(lines) + "\n")
    return lambda: _load([], folder)


def _merge_fan_in(n: int, folder: str) -> Run:
    lines = [f"m{i}: &m{i} {{k{i}: {i}}}" for i in range(3)]
    lines += [
        f"m{i}: &m{i} {{<<: [*m{i - 3}, *m{i - 2}, *m{i - 1}], k{i}: {i}}}" for i in range(3, n)
    ]
    _file(folder, "\n".join(lines) + "\n")
    return lambda: _load([], folder)


def _interpolation_fan_out(n: int, folder: str) -> Run:
    lines = ["extra:", "  a0: x"]
    lines += [f"  a{i}: ${{extra.a{i - 1}}}${{extra.a{i - 1}}}" for i in range(1, n)]
    _file(folder, "\n".join(lines) + "\n")
    return lambda: _load([], folder)


def _hex_integer(n: int, folder: str) -> Run:
    _file(folder, "epochs: 0x" + "f" * n + "\n")
    return lambda: _load([], folder)


def _sweep_range(n: int, folder: str) -> Run:
    def run() -> str:
        import typedcfg
        from typedcfg.sweeps.grammar import expand

        try:
            jobs = expand([f"epochs=range(0,{n}000000000)"], lambda group: [])
        except typedcfg.TypedcfgError as exc:
            return f"{type(exc).__name__} at {exc.origin.location if exc.origin else '?'}"
        return f"{len(jobs)} jobs"

    return run


CASES = [
    Case("spaces-in-value", "spaces inside a value", _spaces_in_value),
    Case("spaces-then-bang", "spaces before a '!'", _spaces_then_bang),
    Case("spaces-then-comment", "spaces before a '#'", _spaces_then_comment),
    Case("argv-list", "items of layers=[1,1,...]", _argv_list),
    Case("env-list", "items of an environment list", _env_list),
    Case("argv-quoted-list", "items of names=['a',...]", _argv_quoted_list),
    Case("merge-chain", "lines of single merges", _merge_chain),
    Case("merge-fan-in", "lines merging the three before", _merge_fan_in),
    Case("interpolation-fan-out", "lines doubling the one before", _interpolation_fan_out),
    Case("hex-integer", "hex digits", _hex_integer),
    Case("sweep-range", "billions of range() values", _sweep_range),
]


def measure(case: Case, n: int, repeats: int = 3) -> tuple[float, str]:
    """The best time of ``repeats`` runs of ``case`` at size ``n``, and how the run ended."""
    with tempfile.TemporaryDirectory() as folder:
        run = case.build(n, folder)
        outcome = run()  # the first run also imports what the case needs: not timed
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            outcome = run()
            best = min(best, time.perf_counter() - start)
    return best, outcome


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("cases", nargs="*", help="case names (default: all)")
    parser.add_argument("--sizes", type=int, nargs="+", default=list(SIZES))
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    chosen = [c for c in CASES if not args.cases or c.name in args.cases]
    unknown = set(args.cases) - {c.name for c in CASES}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    sizes = sorted(set(args.sizes))
    head = ["case (n counts)"] + [f"n={n:,}" for n in sizes]
    head += [f"x{b // a} growth" for a, b in itertools.pairwise(sizes)] + ["outcome (largest n)"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for case in chosen:
        times: list[float] = []
        outcomes: list[str] = []
        for n in sizes:
            took, outcome = measure(case, n, args.repeats)
            times.append(took)
            outcomes.append(outcome)
        growth = [f"{b / a:.1f}" if a > 0 else "-" for a, b in itertools.pairwise(times)]
        shown = outcomes[-1]  # at the largest size
        row = [f"{case.name} ({case.unit})", *(f"{t * 1000:.1f} ms" for t in times), *growth]
        print("| " + " | ".join([*row, shown]) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
