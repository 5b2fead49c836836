"""Profile typedcfg's ``compose`` on the synthetic case of one size (cProfile, in process).

Usage:
    python benchmarks/profile_compose.py 10000            # top 25 functions by own time
    python benchmarks/profile_compose.py 10 --repeats 2000 --sort cumulative --top 40
    python benchmarks/profile_compose.py 1000 --path floor    # the floor, for comparison

The schema is built and one untimed call is made first, as in ``run.py``; the profile covers
``--repeats`` calls of the path (``compose`` + ``flatten`` by default).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile

# The benchmark's own modules sit next to this file (it runs as a script, not a package).
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import gen
import inproc


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, help="number of leaves")
    parser.add_argument("--repeats", type=int, default=0, help="calls (default: ~2 s of work)")
    parser.add_argument("--path", default="typedcfg compose", help="which in-process path")
    parser.add_argument("--sort", default="tottime", help="pstats sort key")
    parser.add_argument("--top", type=int, default=25, help="rows to print")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="typedcfg-profile-") as tmp:
        case = gen.make_case(args.n, tmp)
        schema = inproc.import_schema(case)
        paths = inproc.contenders(case, schema)
        inproc.cross_check(case, schema, paths)
        run = paths[args.path]
        repeats = args.repeats or max(3, 2_000_000 // max(args.n, 1) // 10)
        profiler = cProfile.Profile()
        profiler.enable()
        for _ in range(repeats):
            run()
        profiler.disable()
    print(f"{args.path}, N={args.n}, {repeats} calls")
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.top)
    return 0


if __name__ == "__main__":
    sys.exit(main())
