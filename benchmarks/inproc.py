"""In-process contenders: each turns (base.yaml, extra.yaml, 10 overrides) into config values.

Every contender is a zero-argument callable returning what it produced, so the cross-check can
compare the values before anything is timed. The schema classes are imported once per process,
outside every timing (``schema already built``); ``prepare`` also does one untimed warm-up call
of each contender, which builds typedcfg's cached schema tree and pydantic's validators.
"""

from __future__ import annotations

import gc
import importlib.util
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yaml
from gen import Case

Contender = Callable[[], Any]


def warm_up_pydantic() -> None:
    """Build one throwaway model, so the first size is not charged pydantic's one-time set-up."""
    from pydantic import BaseModel, create_model

    model: Any = create_model(
        "WarmUp", a=(int, 0), b=(float, 0.0), c=(str, ""), d=(bool, False), e=(list[int], [])
    )
    model.model_validate({"a": 1, "b": 1.5, "c": "x", "d": True, "e": [1]}).model_dump()
    assert issubclass(model, BaseModel)


def import_schema(case: Case) -> type:
    """Import the generated schema module of ``case`` and return its ``Config`` class."""
    spec = importlib.util.spec_from_file_location(case.schema_module, case.schema_file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[case.schema_module] = module
    spec.loader.exec_module(module)
    return module.Config  # type: ignore[no-any-return]


def _merge_into(a: dict[str, Any], b: dict[str, Any]) -> None:
    """Deep merge ``b`` into ``a`` in place: mappings merge, everything else replaces."""
    for key, value in b.items():
        old = a.get(key)
        if isinstance(value, dict) and isinstance(old, dict):
            _merge_into(old, value)
        else:
            a[key] = value


def _plain(raw: str) -> Any:
    """What a hand-written script does with a plain override value."""
    if raw == "true" or raw == "false":
        return raw == "true"
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        return raw


def _flat(data: dict[str, Any], prefix: str, out: dict[str, Any]) -> dict[str, Any]:
    for key, value in data.items():
        if isinstance(value, dict) and value:
            _flat(value, f"{prefix}{key}.", out)
        else:
            out[prefix + key] = value
    return out


def contenders(case: Case, schema: type) -> dict[str, Contender]:
    """The timed paths for ``case``, by row name (the floor first)."""
    import typedcfg

    base, extra, overrides = case.base, case.extra, list(case.overrides)
    loader = yaml.CSafeLoader

    def floor() -> Any:
        with open(base, encoding="utf-8") as fh:
            data = yaml.load(fh, Loader=loader)
        with open(extra, encoding="utf-8") as fh:
            _merge_into(data, yaml.load(fh, Loader=loader))
        for token in overrides:
            key, _, raw = token.partition("=")
            *parents, leaf = key.split(".")
            node = data
            for part in parents:
                node = node[part]
            node[leaf] = _plain(raw)
        config = schema.model_validate(data)  # type: ignore[attr-defined]
        return _flat(config.model_dump(), "", {})

    def tc_compose() -> Any:
        loaded = typedcfg.compose(schema, overrides, defaults=base, configs=[extra])
        return typedcfg.flatten(loaded.config)

    def tc_load() -> Any:
        config = typedcfg.load(schema, overrides, defaults=base, configs=[extra])
        return typedcfg.flatten(config)

    def hydra_compose() -> Any:
        from hydra import compose, initialize_config_dir
        from omegaconf import OmegaConf

        with initialize_config_dir(config_dir=case.root, version_base=None):
            cfg = compose(config_name=case.hydra_config, overrides=overrides)
        return OmegaConf.to_container(cfg, resolve=True)

    def omegaconf_merge() -> Any:
        from omegaconf import OmegaConf

        cfg = OmegaConf.merge(
            OmegaConf.load(base), OmegaConf.load(extra), OmegaConf.from_dotlist(overrides)
        )
        return OmegaConf.to_container(cfg, resolve=True)

    return {
        "floor": floor,
        "typedcfg compose": tc_compose,
        "typedcfg load": tc_load,
        "Hydra compose API": hydra_compose,
        "OmegaConf": omegaconf_merge,
    }


class CrossCheckError(RuntimeError):
    """Two paths produced different values: the timings would compare different work."""


def cross_check(case: Case, schema: type, paths: dict[str, Contender]) -> None:
    """Run every path once and require the same flat values as the generator's expectation.

    Hydra's and OmegaConf's containers are validated through the same schema first (outside
    the timing, which covers what those libraries do on their own), and the raw containers
    must already equal the expected nested values before validation.

    Raises:
        CrossCheckError: naming the path and the first differing keys.
    """
    expected_flat = _flat(case.expected, "", {})
    for name, run in paths.items():
        produced = run()
        if name in ("Hydra compose API", "OmegaConf"):
            if produced != case.expected:
                raise CrossCheckError(
                    f"N={case.n}: {name}: container differs from expected "
                    + _diff(_flat(produced, "", {}), expected_flat)
                )
            produced = _flat(schema.model_validate(produced).model_dump(), "", {})  # type: ignore[attr-defined]
        if produced != expected_flat:
            raise CrossCheckError(f"N={case.n}: {name}: " + _diff(produced, expected_flat))
        for key, value in produced.items():
            if type(value) is not type(expected_flat[key]):
                raise CrossCheckError(
                    f"N={case.n}: {name}: {key} is {type(value).__name__} {value!r}, "
                    f"expected {type(expected_flat[key]).__name__}"
                )


def _diff(got: dict[str, Any], want: dict[str, Any]) -> str:
    missing = [k for k in want if k not in got][:3]
    extra = [k for k in got if k not in want][:3]
    wrong = [f"{k}: {got[k]!r} != {want[k]!r}" for k in want if k in got and got[k] != want[k]]
    return f"missing {missing}, unexpected {extra}, different {wrong[:3]}"


@dataclass
class Timings:
    """Per-path lists of seconds, one entry per repeat (same order for every path)."""

    n: int
    runs: dict[str, list[float]]

    def median(self, name: str) -> float:
        return statistics.median(self.runs[name])

    def ratio(self, num: str, den: str) -> float:
        """Median of per-repeat ratios (both measured in the same round)."""
        return statistics.median(a / b for a, b in zip(self.runs[num], self.runs[den], strict=True))


def time_round_robin(paths: dict[str, Contender], repeats: int, n: int) -> Timings:
    """Time each path ``repeats`` times, interleaved, starting each round with another path."""
    names = list(paths)
    runs: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for r in range(repeats):
        order = names[r % len(names) :] + names[: r % len(names)]
        for name in order:
            run = paths[name]
            gc.collect()  # every path starts from the same heap state; collection stays on
            start = clock()
            run()
            runs[name].append(clock() - start)
    return Timings(n, runs)
