"""Real Hydra trees: typedcfg against ``hydra.compose``, side by side in one run (issue 17).

Usage:
    python benchmarks/real_trees.py [--repeats N]

Two measurements, on the trees vendored in ``tests/corpus`` (the Lightning-Hydra template,
Hydra's own examples, diffusion_policy's config tree):

1. Composing every composition of every tree (each primary config as written, then each
   option of each top-level group), once with ``hydra.compose`` and once with typedcfg's
   composition (``compose_data`` with an open schema: the same work, before interpolation and
   validation, as ``hydra.compose`` returns it). The figure is the ratio of the totals; both
   results are compared first, so the timings compare the same work.
2. Validating a 1,000-job ``--multirun`` over the Lightning-Hydra template before launch: the
   grid of 1,000 command lines (two of them group choices) expanded and checked by the code
   ``@typedcfg.main`` runs before it starts the first job (``check_jobs``: each job composed
   and validated, the files of one choice of groups composed once).

Timings are the best of ``--repeats`` rounds (``time.perf_counter``), each after one untimed
warm-up round.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from peers import Anything, hydra_compose, same, typedcfg_compose  # noqa: E402
from test_peer_corpus import compositions, config_dirs  # noqa: E402

TEMPLATE = REPO / "tests" / "corpus" / "hydra-template" / "configs"
# The template's paths come from the environment and Hydra's run directory: given, as users do.
TEMPLATE_ARGS = ["paths.root_dir=.", "paths.output_dir=outputs/run1"]


def cases() -> list[tuple[Path, str, tuple[str, ...]]]:
    out = [(root, name, overrides) for root in config_dirs()
           for name, overrides in compositions(root)]
    for name, overrides in compositions(TEMPLATE):
        if name == "train":
            out.append((TEMPLATE, name, overrides))
    return out


def best(fn: Callable[[], object], repeats: int) -> float:
    fn()  # warm-up: imports, caches, pydantic validators
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def compose_all(repeats: int) -> dict[str, Any]:
    todo = cases()
    usable = []
    for root, name, overrides in todo:
        theirs = hydra_compose(root, name, overrides)
        ours = typedcfg_compose(root, name, overrides)
        if theirs[0] == "ok":
            assert ours[0] == "ok" and same(theirs[1], ours[1]), (root, name, overrides)
            usable.append((root, name, overrides))
    hydra = best(lambda: [hydra_compose(*c) for c in usable], repeats)
    ours = best(lambda: [typedcfg_compose(*c) for c in usable], repeats)
    return {"compositions": len(usable), "hydra_s": hydra, "typedcfg_s": ours,
            "speedup": hydra / ours}


def multirun_1000(repeats: int) -> dict[str, Any]:
    from typedcfg.app.flags import LoadOptions
    from typedcfg.app.multirun import check_jobs
    from typedcfg.sweeps.grammar import expand

    # The command line of a 100 x 5 x 2 sweep, expanded as --multirun expands it, then checked
    # by the code --multirun runs before the first job starts (check_jobs).
    seeds = ",".join(str(i) for i in range(100))
    lrs = ",".join(("0.1", "0.01", "0.001", "0.0001", "0.00001"))
    sweep = [*TEMPLATE_ARGS, f"seed={seeds}", f"model.optimizer.lr={lrs}", "trainer=cpu,gpu"]
    expanded = expand(sweep, lambda group: ["cpu", "gpu"] if group == "trainer" else [])
    assert len(expanded) == 1000
    options = LoadOptions(defaults=None, config_dir=str(TEMPLATE), config_name="train")

    def validate_all() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loaded, failures = check_jobs(options, Anything, expanded, [])
            assert len(loaded) == 1000 and not failures, failures[:1]

    return {"jobs": len(expanded), "seconds": best(validate_all, repeats)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    composed = compose_all(args.repeats)
    print(f"compose every real tree: {composed['compositions']} compositions, "
          f"hydra.compose {composed['hydra_s']:.3f} s, typedcfg {composed['typedcfg_s']:.3f} s, "
          f"{composed['speedup']:.1f}x faster (target: 10x)")
    multirun = multirun_1000(args.repeats)
    print(f"validate a {multirun['jobs']}-job --multirun over the Lightning-Hydra template: "
          f"{multirun['seconds']:.3f} s (target: under 1 s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
