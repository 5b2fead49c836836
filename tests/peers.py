"""The peers as oracles: Hydra's parser and composition, OmegaConf's YAML loader, wandb's config.

Helpers for the differential tests (``tests/test_peer_*.py``). The peers' own published test
cases are kept as data under ``tests/data/peers/`` (extracted by ``tools/extract_peer_cases.py``,
each file names its source repository, path and commit); the peers themselves are run here, at
test time, on the same inputs.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

PEERS = Path(__file__).resolve().parent / "data" / "peers"

# Rules of Hydra's grammar whose test inputs are a value: the token is 'key=<input>'.
VALUE_RULES = frozenset({"element", "value", "primitive", "listContainer", "dictContainer",
                         "function", "simpleChoiceSweep"})


class Anything(BaseModel):
    """A schema that accepts any keys: composition without a schema's guidance."""

    model_config = ConfigDict(extra="allow")


def peer_data(name: str) -> dict[str, Any]:
    """One extracted case file; it always names its source (repository, path, commit)."""
    data: dict[str, Any] = json.loads((PEERS / name).read_text(encoding="utf-8"))
    assert data["source"]["commit"], name
    return data


def _inputs(test: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(rule, input text) for every row of one of Hydra's parametrized parser tests."""
    tables = test["tables"]
    if test["test"] == "test_override":  # the prefix table times the override table
        for prefix in tables[0]["rows"]:
            for row in tables[1]["rows"]:
                yield "override", prefix["prefix"]["literal"] + row["value"]["literal"]
        return
    names = tables[0]["names"]
    for row in tables[0]["rows"]:
        rule = test["rule"]
        if rule == "rule":
            rule = row["rule"].get("literal")
        first = row.get("value") if names[0] in ("rule", "func_name") else row.get(names[0])
        if first is not None and isinstance(first.get("literal"), str):
            yield rule, first["literal"]


def hydra_parser_tokens() -> list[str]:
    """Override tokens built from the inputs of Hydra's ``tests/test_overrides_parser.py``.

    An override input is taken as it is; a value input becomes ``key=<value>``; a key input
    becomes ``<key>=1`` and, as Hydra's own ``test_override`` crosses its cases with every
    prefix, ``+<key>=1`` and ``++<key>=1`` too; a package input becomes ``key@<package>=1``.
    """
    tokens: list[str] = []
    for test in peer_data("hydra_overrides_parser.json")["tests"]:
        for rule, text in _inputs(test):
            if rule in ("override", "overrides"):
                tokens.append(text)
            elif rule in VALUE_RULES:
                tokens.append(f"key={text}")
            elif rule in ("key", "packageOrGroup"):
                tokens += [f"{text}=1", f"+{text}=1", f"++{text}=1"]
            elif rule == "package":
                tokens.append(f"key@{text}=1")
    return list(dict.fromkeys(tokens))


def same(a: Any, b: Any) -> bool:
    """Equal values of equal types, NaN equal to NaN, recursively (``1 == 1.0`` is not same)."""
    if isinstance(a, float) and isinstance(b, float):
        return a == b or (math.isnan(a) and math.isnan(b))
    if isinstance(a, list) and isinstance(b, list):
        pairs = zip(a, b, strict=False)  # lengths compared first
        return len(a) == len(b) and all(same(x, y) for x, y in pairs)  # type: ignore[arg-type]
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(  # type: ignore[arg-type]
            same(a[k], b[k]) for k in a  # type: ignore[index]
        )
    return type(a) is type(b) and a == b


def hydra_apply(base: str, token: str, *, struct: bool = True) -> tuple[str, Any]:
    """What Hydra does with one override on a primary config that holds ``base`` (YAML).

    ``("ok", data)`` or ``("error", message)``. This is the step ``hydra.compose`` runs after
    composing the defaults list: its parser reads the token and its config loader applies it
    to the composed config, in struct mode. ``_apply_overrides_to_config`` is the loader's own
    (private) static method; it is called here, and only here, so that every token is checked
    in milliseconds. ``test_hydra_apply_is_hydra_compose`` holds this function to
    ``hydra.compose`` on the same tokens.
    """
    from hydra._internal.config_loader_impl import ConfigLoaderImpl
    from hydra.core.override_parser.overrides_parser import OverridesParser
    from omegaconf import OmegaConf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # Hydra's deprecation notes (json_str, extend_list)
        try:
            parsed = OverridesParser.create().parse_overrides([token])
            if any(o.is_sweep_override() for o in parsed):
                return "error", "sweep"
            cfg = OmegaConf.create(base)
            OmegaConf.set_struct(cfg, struct)
            ConfigLoaderImpl._apply_overrides_to_config(parsed, cfg)  # type: ignore[arg-type]  # pyright: ignore[reportPrivateUsage]
            return "ok", OmegaConf.to_container(cfg, resolve=False)
        except Exception as exc:
            return "error", f"{type(exc).__name__}: {str(exc).strip().splitlines()[0]}"


def hydra_compose(config_dir: str | os.PathLike[str], name: str | None,
                  overrides: Sequence[str]) -> tuple[str, Any]:
    """``hydra.compose`` itself: ``("ok", data before resolution, no hydra key)`` or an error."""
    from hydra import initialize_config_dir

    return _hydra_result(
        lambda: initialize_config_dir(config_dir=os.path.abspath(config_dir), version_base="1.3"),
        name, overrides,
    )  # fmt: skip


def _hydra_result(init: Any, name: str | None, overrides: Sequence[str]) -> tuple[str, Any]:
    """``hydra.compose`` inside the context ``init()`` makes, as ``("ok", data)`` or an error."""
    from hydra import compose
    from omegaconf import OmegaConf

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            with init():
                cfg = compose(config_name=name, overrides=list(overrides))
        except Exception as exc:  # an AssertionError of Hydra's has no message
            return "error", f"{type(exc).__name__}: {(str(exc).strip() or '?').splitlines()[0]}"
    data = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    return "ok", data


def typedcfg_compose(config_dir: str | os.PathLike[str], name: str | None,
                     overrides: Sequence[str]) -> tuple[str, Any]:
    """typedcfg's composed tree (before interpolation and validation), or its error text."""
    from typedcfg import TypedcfgError
    from typedcfg.pipeline import compose_data
    from typedcfg.typeinfo import schema_tree

    try:
        composed, _ = compose_data(schema_tree(Anything), list(overrides), defaults=None,
                                   config_dir=os.fspath(config_dir), config_name=name)
    except TypedcfgError as exc:
        return "error", str(exc).splitlines()[0]
    return "ok", composed.data


StoreNode = tuple[str | None, str, Any, str | None]
"""One ``ConfigStore.store`` call: ``(group, name, node, package)``."""


@contextlib.contextmanager
def hydra_store(nodes: Sequence[StoreNode]) -> Iterator[Any]:
    """Hydra's ``ConfigStore`` singleton holding ``nodes`` for the block, as it was after it.

    The singleton outlives every test, so each entry stored here is taken out again (and an
    entry it replaced put back) whatever the block does: a test leaves nothing for the next
    one. Entries Hydra registers itself during the block (its launchers and sweepers, once per
    process) stay, as they would without the block.
    """
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    undo: list[tuple[dict[str, Any], str, Any]] = []  # (folder, key, what was there)
    try:
        for group, name, node, package in nodes:
            folder = store.repo
            for part in (group or "").split("/") if group else []:
                if part not in folder:
                    undo.append((folder, part, None))
                    folder[part] = {}
                folder = folder[part]
            undo.append((folder, f"{name}.yaml", folder.get(f"{name}.yaml")))
            store.store(name=name, node=node, group=group, package=package)
        yield store
    finally:
        for folder, key, previous in reversed(undo):
            if previous is None:
                folder.pop(key, None)
            else:
                folder[key] = previous


@contextlib.contextmanager
def config_store_restored() -> Iterator[None]:
    """Whatever a block stores in Hydra's ConfigStore (a docs page, an example) is taken out
    after it, and what it replaced put back; Hydra's own ``hydra/`` entries stay."""
    from hydra.core.config_store import ConfigStore

    store = ConfigStore.instance()
    before = dict(_store_entries(store.repo, ""))
    try:
        yield
    finally:
        for path, node in dict(_store_entries(store.repo, "")).items():
            folder: dict[str, Any] = store.repo
            *groups, name = path.split("/")
            for part in groups:
                folder = folder[part]
            if path not in before and groups[:1] != ["hydra"]:
                del folder[name]
            elif path in before and before[path] is not node:
                folder[name] = before[path]


def _store_entries(folder: dict[str, Any], prefix: str) -> Iterator[tuple[str, Any]]:
    for key, value in list(folder.items()):
        if isinstance(value, dict):
            yield from _store_entries(value, f"{prefix}{key}/")  # type: ignore[arg-type]
        else:
            yield prefix + key, value


def hydra_compose_store(config_dir: str | os.PathLike[str] | None, name: str | None,
                        overrides: Sequence[str], nodes: Sequence[StoreNode]) -> tuple[str, Any]:
    """``hydra.compose`` with ``nodes`` in its ConfigStore; ``config_dir=None``: the store alone."""
    from hydra import initialize

    with hydra_store(nodes):
        if config_dir is not None:
            return hydra_compose(config_dir, name, overrides)
        return _hydra_result(
            lambda: initialize(config_path=None, version_base="1.3"), name, overrides
        )


def typedcfg_compose_store(config_dir: str | os.PathLike[str] | None, name: str | None,
                           overrides: Sequence[str], nodes: Sequence[StoreNode]) -> tuple[str, Any]:
    """typedcfg's composed tree with the same nodes in Hydra's ConfigStore, passed explicitly."""
    from typedcfg import TypedcfgError
    from typedcfg.pipeline import compose_data
    from typedcfg.typeinfo import schema_tree

    with hydra_store(nodes) as store:
        try:
            composed, _ = compose_data(
                schema_tree(Anything), list(overrides), defaults=None,
                config_dir=None if config_dir is None else os.fspath(config_dir),
                config_name=name, config_store=store,
            )
        except TypedcfgError as exc:
            return "error", str(exc).splitlines()[0]
    return "ok", composed.data
