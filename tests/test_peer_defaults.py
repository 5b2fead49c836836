"""Defaults lists compose as ``hydra.compose`` composes them, on Hydra's own cases.

The tree is Hydra's ``tests/defaults_list/data`` (kept unchanged in
``tests/data/peers/hydra_defaults_tree``); the cases (primary config, overrides) are the
parametrized rows of its ``test_defaults_tree.py`` and ``test_defaults_list.py``
(``tests/data/peers/hydra_defaults_list.json``). Hydra's files are mostly empty, since its tests
compare defaults lists, not configs; so that the composed trees show which file landed where,
each mapping file of a copy gets one key of its own (``f_<path>: 1``). Two changes make the copy
composable by ``hydra.compose``: its ``hydra/config.yaml`` is left out (Hydra refuses a primary
tree that shadows its own ``hydra/config`` schema).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from peers import PEERS, hydra_compose, peer_data, same, typedcfg_compose

TREE = PEERS / "hydra_defaults_tree"


def _cases() -> list[tuple[str | None, tuple[str, ...]]]:
    cases: list[tuple[str | None, tuple[str, ...]]] = []
    for test in peer_data("hydra_defaults_list.json")["tests"]:
        table = test["tables"][0]
        if "config_name" not in table["names"]:
            continue  # unit tests of Hydra's internals (paths, packages), no composition
        for row in table["rows"]:
            name, overrides = row["config_name"], row["overrides"]
            if "literal" in name and isinstance(overrides.get("literal"), list):
                cases.append((name["literal"], tuple(overrides["literal"])))
    return list(dict.fromkeys(cases))


CASES = _cases()


@pytest.fixture(scope="module")
def tree(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("defaults") / "tree"
    shutil.copytree(TREE, root)
    (root / "hydra" / "config.yaml").unlink()
    for path in sorted(root.rglob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        if yaml.safe_load(text) is None or isinstance(yaml.safe_load(text), dict):
            key = "f_" + re.sub(r"\W", "_", path.relative_to(root).with_suffix("").as_posix())
            body = text.rstrip("\n") + "\n" if text.strip() else ""
            path.write_text(f"{body}{key}: 1\n", encoding="utf-8")
    return root


# Why typedcfg gives another result than Hydra, for the cases where it does on purpose
# (docs/from-hydra.md, "Deliberate differences" and "Left out"), by what Hydra says or gives.
def deliberate(hydra: tuple[str, Any], ours: tuple[str, Any]) -> str | None:
    if hydra[0] == "error" and ours[0] == "ok" and "hydra/" in hydra[1]:
        return "Hydra's own group is left out, so its errors are not raised"
    if hydra[0] == "ok" and "_group_" in hydra[1]:
        return "# @package _group_ keeps its Hydra 1.1 meaning"
    return None


def test_hydra_defaults_cases_compose_as_hydra_composes_them(tree: Path) -> None:
    """Every case: the same tree, or both refuse, or a documented reason."""
    agree = 0
    reasons: dict[str, int] = {}
    differ: list[Any] = []
    for name, overrides in CASES:
        hydra = hydra_compose(tree, name, overrides)
        ours = typedcfg_compose(tree, name, overrides)
        if hydra[0] == ours[0] == "error" or (hydra[0] == ours[0] == "ok" and same(*[
            hydra[1], ours[1]
        ])):
            agree += 1
            continue
        reason = deliberate(hydra, ours)
        if reason is None:
            differ.append((name, overrides, hydra, ours))
        else:
            reasons[reason] = reasons.get(reason, 0) + 1
    assert len(CASES) > 140
    assert differ == [], f"{len(differ)} of {len(CASES)} differ ({agree} agree, {reasons})"
    # 152 cases: 143 agree (the 17 with interpolated choices among them), 5 are Hydra's errors
    # about its own group, 4 use '# @package _group_'.
    assert agree >= len(CASES) - 9, (agree, reasons)
