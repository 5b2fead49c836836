"""Every real Hydra tree of the corpus composes as ``hydra.compose`` composes it.

``tests/corpus/hydra-more`` holds Hydra's own configuration examples and
real-stanford/diffusion_policy's ``config/`` tree (``tests/corpus/hydra-template`` is covered,
with its overrides, by ``tests/test_hydra_compat.py``). For each tree: every primary config as
written, then once per option of every top-level group. Each composition must give Hydra's
tree (before resolution, without its ``hydra`` key) or both must refuse.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from peers import hydra_compose, same, typedcfg_compose

CORPUS = Path(__file__).resolve().parent / "corpus"


def config_dirs() -> list[Path]:
    """The directories that hold primary configs: Hydra's examples' ``conf`` folders, and the
    diffusion_policy tree."""
    more = CORPUS / "hydra-more"
    dirs = sorted(p for p in more.rglob("conf") if p.is_dir())
    dirs.append(more / "real-stanford__diffusion_policy")
    return dirs


def compositions(root: Path) -> list[tuple[str, tuple[str, ...]]]:
    """Each primary config as written; then each option of each top-level group, chosen on
    one primary config (taken in turn, so that a tree of many primaries is not composed
    primaries times options)."""
    primaries = sorted(p.stem for p in root.glob("*.yaml"))
    groups = sorted(p for p in root.iterdir() if p.is_dir())
    out: list[tuple[str, tuple[str, ...]]] = [(name, ()) for name in primaries]
    options = [(group.name, option.stem) for group in groups
               for option in sorted(group.glob("*.yaml"))]
    for i, (group, option) in enumerate(options):
        out.append((primaries[i % len(primaries)], (f"{group}={option}",)))
    return out


CASES = [(root, name, overrides) for root in config_dirs()
         for name, overrides in compositions(root)]


def test_the_corpus_has_the_trees() -> None:
    assert len(config_dirs()) >= 7
    assert len(CASES) >= 70


def test_every_composition_matches_hydra_compose() -> None:
    """Hydra's tree, or both refuse. ``group=option`` that Hydra refuses because the primary
    config does not select the group is retried as ``+group=option``."""
    agree = 0
    differ = []
    for root, name, overrides in CASES:
        hydra = hydra_compose(root, name, overrides)
        if hydra[0] == "error" and "No match in the defaults list" in hydra[1]:
            overrides = tuple(f"+{o}" for o in overrides)  # the primary does not select it
            hydra = hydra_compose(root, name, overrides)
        ours = typedcfg_compose(root, name, overrides)
        if hydra[0] == ours[0] == "error" or (
            hydra[0] == ours[0] == "ok" and same(hydra[1], ours[1])
        ):
            agree += 1
        else:
            differ.append((root.relative_to(CORPUS).as_posix(), name, overrides, hydra, ours))
    assert differ == [], f"{len(differ)} of {len(CASES)} differ ({agree} agree)"


@pytest.mark.parametrize("root", config_dirs(), ids=lambda p: p.parent.name)
def test_some_compositions_succeed(root: Path) -> None:
    """Agreement on refusals alone would prove little: every tree composes in Hydra, and where
    Hydra composes a tree as written, typedcfg does too."""
    for name, overrides in compositions(root):
        if hydra_compose(root, name, overrides)[0] == "ok":
            assert typedcfg_compose(root, name, overrides)[0] == "ok"
            return
    raise AssertionError(f"no composition of {root} succeeds in Hydra")
