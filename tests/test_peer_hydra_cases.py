"""Minimal cases of what real trees do, composed by ``hydra.compose`` and by typedcfg.

Each case is the smallest tree showing one construct that real Hydra trees use (issue 17):
relative entries in a group option that lives in a subfolder, ``.yaml`` in defaults entries,
a group option whose file is a YAML list, and an empty package (``- /db/base_db@``). Hydra
itself composes each one, and typedcfg must give its tree.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from peers import hydra_compose, same, typedcfg_compose

CASES: dict[str, tuple[dict[str, str], str, list[str]]] = {
    "relative entry in a subfolder option": (
        {
            "config.yaml": "defaults:\n  - model: small\n",
            "model/small.yaml": "name: small\n",
            "model/lm/big.yaml": "defaults:\n  - lm/default\nname: big\n",
            "model/lm/default.yaml": "dim: 8\n",
        },
        "config", ["model=lm/big"],
    ),
    "relative entry two levels down": (
        {
            "config.yaml": "defaults:\n  - model: a/b/deep\n",
            "model/a/b/deep.yaml": "defaults:\n  - a/b/base\n  - _self_\nname: deep\n",
            # A plain entry's own entries are relative to its folder (model/a/b), as in Hydra.
            "model/a/b/base.yaml": "defaults:\n  - leaf\nwidth: 2\n",
            "model/a/b/leaf.yaml": "leaf: true\n",
        },
        "config", [],
    ),
    "relative group entry in a subfolder option": (
        {
            "config.yaml": "defaults:\n  - model: lm/big\n",
            "model/lm/big.yaml": "defaults:\n  - lm/head: wide\nname: big\n",
            "model/lm/head/wide.yaml": "width: 64\n",
        },
        "config", [],
    ),
    ".yaml in an absolute entry": (
        {
            "config.yaml": "defaults:\n  - /experiment/owt/base.yaml\n  - _self_\nseed: 1\n",
            "experiment/owt/base.yaml": "steps: 10\n",
        },
        "config", [],
    ),
    ".yaml in an override entry": (
        {
            "config.yaml": "defaults:\n  - trainer: default\n  - exp: run\n",
            "trainer/default.yaml": "epochs: 1\n",
            "trainer/debug.yaml": "epochs: 2\n",
            "exp/run.yaml": "# @package _global_\ndefaults:\n  - override /trainer: debug.yaml\n",
        },
        "config", [],
    ),
    ".yaml in a group entry": (
        {
            "config.yaml": "defaults:\n  - trainer: debug.yaml\n",
            "trainer/debug.yaml": "epochs: 2\n",
        },
        "config", [],
    ),
    "a list-valued group option": (
        {
            "config.yaml": "defaults:\n  - model: base\n",
            "model/base.yaml": "defaults:\n  - layer: performer\nd: 4\n",
            "model/layer/performer.yaml": "- _name_: attn\n  heads: 2\n- _name_: ff\n",
        },
        "config", [],
    ),
    "a list-valued option chosen on the command line": (
        {
            "config.yaml": "defaults:\n  - layer: one\n",
            "layer/one.yaml": "a: 1\n",
            "layer/two.yaml": "- 1\n- 2\n",
        },
        "config", ["layer=two"],
    ),
    "an empty package after @": (
        {
            "config.yaml": "defaults:\n  - extend: external\n",
            "extend/external.yaml": "defaults:\n  - /db/base_db@\nown: 1\n",
            "db/base_db.yaml": "host: localhost\n",
        },
        "config", [],
    ),
}


def _write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", list(CASES))
def test_composes_as_hydra_composes(case: str, tmp_path: Path) -> None:
    files, name, overrides = CASES[case]
    _write(tmp_path, files)
    hydra = hydra_compose(tmp_path, name, overrides)
    assert hydra[0] == "ok", hydra  # each case is one Hydra composes
    ours = typedcfg_compose(tmp_path, name, overrides)
    assert ours[0] == "ok", ours[1]
    assert same(ours[1], hydra[1]), (ours[1], hydra[1])
