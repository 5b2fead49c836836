"""typedcfg composes the Lightning-Hydra template exactly as ``hydra.compose`` does.

The tree is ``tests/corpus/hydra-template/configs`` (kept in the repository, see
``tests/corpus/SOURCES.md``). Hydra's result is taken before resolution
and without its ``hydra`` key, which typedcfg leaves out by design.
"""

from __future__ import annotations

import os
import re
import tempfile
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ConfigDict

import typedcfg
from typedcfg import CompositionError, TypedcfgError
from typedcfg.pipeline import compose_data
from typedcfg.provenance import SourceKind
from typedcfg.read.argv import split_argv
from typedcfg.typeinfo import schema_tree

REPO = Path(__file__).resolve().parent.parent
TEMPLATE = REPO / "tests" / "corpus" / "hydra-template" / "configs"


class Anything(BaseModel):
    """A schema that accepts any keys: composition without a schema's guidance."""

    model_config = ConfigDict(extra="allow")


def hydra_tree(config_dir: Path | str, name: str, overrides: Sequence[str]) -> dict[str, Any]:
    """Hydra's composed tree (before resolution), without its ``hydra`` key."""
    from hydra import compose, initialize_config_dir
    from omegaconf import OmegaConf

    with warnings.catch_warnings():
        # Hydra warns about trees written for older versions ('_self_' missing); the
        # comparison is about the result, so its advice is not wanted here.
        warnings.simplefilter("ignore")
        with initialize_config_dir(config_dir=os.path.abspath(config_dir), version_base="1.3"):
            cfg = compose(config_name=name, overrides=list(overrides))
    data = OmegaConf.to_container(cfg, resolve=False)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    return data  # type: ignore[return-value]


def typedcfg_tree(config_dir: Path | str, name: str, overrides: Sequence[str]) -> dict[str, Any]:
    """typedcfg's composed tree before interpolation and validation."""
    composed, _ = compose_data(
        schema_tree(Anything),
        list(overrides),
        defaults=None,
        config_dir=os.fspath(config_dir),
        config_name=name,
    )
    return composed.data


# A typedcfg message starts with its location: an argv token or file:line:col.
LOCATED = re.compile(r"(argv\[\d+\] '[^']*'|[^\s:]+\.yaml:\d+:\d+): ")
# The tree as users name it: relative to the repository root, the working directory of
# the tests that resolve paths and show locations.
RELATIVE = "tests/corpus/hydra-template/configs"

OVERRIDE_SETS = [
    pytest.param([], id="no-overrides"),
    pytest.param(["experiment=example"], id="experiment"),
    pytest.param(["trainer=gpu", "logger=wandb", "model.optimizer.lr=0.01"], id="gpu-wandb-lr"),
    pytest.param(["debug=default"], id="debug"),
    pytest.param(["logger=many_loggers"], id="many-loggers"),
    pytest.param(["~callbacks.early_stopping"], id="delete-key"),
    pytest.param(["data.batch_size=256", "tags=[a,b]"], id="values"),
    pytest.param(["callbacks=none", "trainer=ddp"], id="empty-option"),
    pytest.param(["logger=[csv,tensorboard]"], id="options-list"),
    pytest.param(["experiment=example", "debug=fdr", "+logger=aim"], id="experiment-debug"),
    pytest.param(["~logger", "extras=default"], id="delete-null-group"),
    pytest.param(["hydra.run.dir=elsewhere", "hydra/job_logging=disabled"], id="hydra-keys"),
    pytest.param(["+trainer.min_epochs=5"], id="add-existing-key"),
]


def test_template_is_there() -> None:
    """The corpus tree is in the repository (tests/corpus/)."""
    assert (TEMPLATE / "train.yaml").is_file(), f"missing corpus tree at {TEMPLATE}"


@pytest.mark.parametrize("overrides", OVERRIDE_SETS)
def test_template_composes_like_hydra(overrides: list[str]) -> None:
    """Both compose the same tree, or both refuse (typedcfg with a located error)."""
    try:
        expected = hydra_tree(TEMPLATE, "train", overrides)
    except Exception as hydra_error:  # any Hydra failure is the oracle's answer
        with pytest.raises(CompositionError) as caught:
            typedcfg_tree(TEMPLATE, "train", overrides)
        assert LOCATED.match(str(caught.value)), str(caught.value)
        assert "Could not" in str(hydra_error) or "Multiple values" in str(hydra_error)
        return
    assert typedcfg_tree(TEMPLATE, "train", overrides) == expected


def test_add_existing_key_fails_in_both_with_location() -> None:
    """``+trainer.min_epochs=5`` is refused by both; typedcfg names argv[0] and the file."""
    with pytest.raises(Exception, match=r"Could not append to config\. An item is already at"):
        hydra_tree(TEMPLATE, "train", ["+trainer.min_epochs=5"])
    with pytest.raises(CompositionError) as caught:
        typedcfg_tree(TEMPLATE, "train", ["+trainer.min_epochs=5"])
    text = str(caught.value)
    assert text.startswith("argv[0] '+trainer.min_epochs=5': cannot add 'trainer.min_epochs'")
    assert "trainer/default.yaml:5:13)" in text


def test_eval_config_composes_like_hydra() -> None:
    """The second primary config of the tree (eval.yaml, ``ckpt_path: ???``) agrees too."""
    assert typedcfg_tree(TEMPLATE, "eval", []) == hydra_tree(TEMPLATE, "eval", [])


def test_unknown_option_fails_in_both() -> None:
    """An option that does not exist: Hydra refuses, typedcfg lists the options."""
    with pytest.raises(Exception, match="Could not find 'trainer/gpx'"):
        hydra_tree(TEMPLATE, "train", ["trainer=gpx"])
    with pytest.raises(CompositionError) as caught:
        typedcfg_tree(TEMPLATE, "train", ["trainer=gpx"])
    assert str(caught.value) == (
        "argv[0] 'trainer=gpx': group 'trainer' has no option 'gpx'; "
        "available: cpu, ddp, ddp_sim, default, gpu, mps; did you mean 'gpu'?"
    )


def _compose(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> typedcfg.Loaded[Anything]:
    monkeypatch.chdir(REPO)
    monkeypatch.setenv("PROJECT_ROOT", "/srv/project")
    return typedcfg.compose(Anything, argv, defaults=None, config_dir=RELATIVE, config_name="train")


def test_full_resolve_uses_project_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """``${oc.env:PROJECT_ROOT}`` and paths built on it resolve; ``runtime.cwd`` is the cwd."""
    loaded = _compose(["experiment=example", "paths.output_dir=/srv/out"], monkeypatch)
    paths = loaded.data["paths"]
    assert paths["root_dir"] == "/srv/project"
    assert paths["data_dir"] == "/srv/project/data/"
    assert paths["work_dir"] == str(REPO)
    assert loaded.data["model"]["optimizer"]["lr"] == 0.002
    assert loaded.data["callbacks"]["model_checkpoint"]["dirpath"] == "/srv/out/checkpoints"


def test_output_dir_without_run_directory_is_a_located_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``${hydra:runtime.output_dir}`` has no value without a run: the message says why."""
    with pytest.raises(CompositionError) as caught:
        _compose([], monkeypatch)
    assert str(caught.value) == (
        f"{RELATIVE}/paths/default.yaml:15:13: paths.output_dir: "
        "${hydra:runtime.output_dir} has no value: there is no run directory "
        "(typedcfg records runs, and so has a run directory, only when runs_dir is set)\n"
        "  hint: set paths.output_dir yourself, e.g. paths.output_dir=outputs/run1"
    )


def test_provenance_names_experiment_file_and_line(monkeypatch: pytest.MonkeyPatch) -> None:
    """With ``experiment=example`` trainer.max_epochs comes from experiment/example.yaml:21."""
    loaded = _compose(["experiment=example", "paths.output_dir=/srv/out"], monkeypatch)
    origin = loaded.provenance["trainer.max_epochs"]
    assert origin.kind is SourceKind.CONFIG_FILE
    assert origin.file is not None
    assert str(origin) == f"{RELATIVE}/experiment/example.yaml:21:15"
    replaced = loaded.provenance.overridden("trainer.max_epochs")
    assert [str(o) for o in replaced] == [f"{RELATIVE}/trainer/default.yaml:6:13"]
    assert "experiment/example.yaml:21:15" in loaded.explain()


# ---------------------------------------------------------------------------------------------
# Generated trees: the same comparison on random config directories.
#
# Left out of generation on purpose (documented in docs/from-hydra.md as deliberate
# differences): '# @package _group_' headers (typedcfg gives them their Hydra 1.1 meaning),
# '???' values (OmegaConf's merge keeps the earlier value), plain 'optional name' entries
# (a typedcfg extension), 'group=null' on the command line (also an extension),
# interpolated choices, and value overrides of keys that do not exist
# (Hydra's struct mode; typedcfg leaves unknown keys to the schema).
# ---------------------------------------------------------------------------------------------

GROUPS = ["db", "opt", "net"]
OPTIONS = ["a", "b", "c"]
HEADERS = [None, None, "_global_", "foo", "foo.bar", "db"]
PACKAGES = ["pkg", "foo.bar", "_global_", "_here_"]


class _Files:
    """Builds the texts of a generated tree; values are unique so merge order shows."""

    def __init__(self) -> None:
        self.texts: dict[str, str] = {}
        self.counter = 0

    def content(self, draw: st.DrawFn) -> dict[str, Any]:
        keys = draw(st.lists(st.sampled_from(["x", "y", "n"]), max_size=2, unique=True))
        out: dict[str, Any] = {}
        for key in keys:
            self.counter += 1
            out[key] = {"x": self.counter} if key == "n" else self.counter
        return out

    def add(
        self,
        draw: st.DrawFn,
        path: str,
        entries: list[Any],
        header: str | None,
    ) -> None:
        content = self.content(draw)
        if entries:
            where = draw(st.sampled_from(["first", "last", "absent"]))
            if where == "first":
                entries = ["_self_", *entries]
            elif where == "last":
                entries = [*entries, "_self_"]
        lines = [f"# @package {header}", ""] if header is not None else []
        if entries:
            lines.append("defaults:")
            for entry in entries:
                if isinstance(entry, str):
                    lines.append(f"  - {entry}")
                else:
                    ((key, value),) = entry.items()
                    lines.append(f"  - {key}: {'null' if value is None else value}")
        if content:
            lines.append(yaml.safe_dump(content, sort_keys=False).rstrip())
        self.texts[path] = "\n".join(lines) + "\n"


@st.composite
def generated_trees(draw: st.DrawFn) -> tuple[dict[str, str], list[str]]:
    """A config directory (relative path -> text) and a command line for it."""
    files = _Files()
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=1, max_size=3, unique=True))
    options: dict[str, list[str]] = {}
    candidates_sub: list[str] = []
    for index, group in enumerate(groups):
        options[group] = draw(
            st.lists(st.sampled_from(OPTIONS), min_size=1, max_size=2, unique=True)
        )
        sub = draw(st.lists(st.sampled_from(OPTIONS), max_size=2, unique=True))
        if sub:
            options[f"{group}/act"] = sub
            candidates_sub.extend(f"{group}/act={o}" for o in sub)
            for name in sub:
                files.add(draw, f"{group}/act/{name}.yaml", [], draw(st.sampled_from(HEADERS)))
        for name in options[group]:
            entries: list[Any] = []
            if sub and draw(st.booleans()):
                entries.append({"act": draw(st.sampled_from(sub))})
            # Absolute references only to earlier groups: no cycles (Hydra has no check).
            if index and draw(st.booleans()):
                other = groups[draw(st.integers(0, index - 1))]
                entries.append({f"/{other}@ref": draw(st.sampled_from(options[other]))})
            files.add(draw, f"{group}/{name}.yaml", entries, draw(st.sampled_from(HEADERS)))
    primary: list[Any] = []
    for group in groups:
        kind = draw(st.sampled_from(["choice", "choice", "null", "optional", "package", "list"]))
        if kind == "list":
            primary.append({group: "[" + ", ".join(reversed(options[group])) + "]"})
        elif kind == "choice":
            primary.append({group: draw(st.sampled_from(options[group]))})
        elif kind == "null":
            primary.append({group: None})
        elif kind == "optional":
            primary.append({f"optional {group}": draw(st.sampled_from([*options[group], "zz"]))})
        else:
            package = draw(st.sampled_from(PACKAGES))
            primary.append({f"{group}@{package}": draw(st.sampled_from(options[group]))})
    if draw(st.booleans()):
        # An experiment-like global option that overrides choices of the primary list.
        targets = [next(iter(e)) for e in primary]
        targets = [g for g in targets if "@" not in g and " " not in g]
        picked = (
            draw(st.lists(st.sampled_from(targets), max_size=2, unique=True)) if targets else []
        )
        overrides = [{f"override /{g}": draw(st.sampled_from(options[g]))} for g in picked]
        files.add(draw, "exp/e1.yaml", overrides, "_global_")
        primary.append({"exp": draw(st.sampled_from([None, "e1"]))})
    files.add(draw, "main.yaml", primary, draw(st.sampled_from([None, "_global_"])))
    candidates = [f"{g}={o}" for g in options for o in [*options[g], "zz"]]
    # 'group=null' is left out: Hydra refuses it ("must be a string or a list"); typedcfg
    # takes it as "no option", like '- group: null' in a defaults list.
    candidates += [f"~{g}" for g in groups]
    candidates += [f"+{g}@extra={options[g][0]}" for g in groups] + [
        f"+{g}={options[g][0]}" for g in groups
    ]
    if "exp/e1.yaml" in files.texts:
        candidates.append("exp=e1")
    # Lists of options, and value overrides applied after composition.
    candidates += [f"{g}=[{','.join(options[g])}]" for g in groups]
    # ('x=99' on a key that may not exist is left out: Hydra's struct mode, see above.)
    candidates += ["+x=98", "++y=97", "~x", "+n.w=95"]
    candidates += candidates_sub
    argv = draw(st.lists(st.sampled_from(candidates), max_size=3, unique=True))
    return files.texts, argv


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated_trees())
def test_generated_trees_compose_like_hydra(case: tuple[dict[str, str], list[str]]) -> None:
    """On random trees both compose the same tree, or both refuse (typedcfg: located error)."""
    texts, argv = case
    with tempfile.TemporaryDirectory() as root:
        for rel, text in texts.items():
            path = Path(root, rel)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        try:
            expected = hydra_tree(root, "main", argv)
        except Exception as hydra_error:  # any Hydra failure is the oracle's answer
            event(f"both refuse: {type(hydra_error).__name__}")
            with pytest.raises(TypedcfgError) as caught:
                typedcfg_tree(root, "main", argv)
            assert LOCATED.match(str(caught.value)), (str(caught.value), str(hydra_error))
            return
        event("both compose")
        actual = typedcfg_tree(root, "main", argv)
        if _composed_twice(root, argv):
            # Hydra caches each loaded file and merges its nodes into the result by
            # reference, so a file composed a second time (db@src and db@dst) shows the
            # values later layers merged over its first use. typedcfg does not share nodes;
            # see "Deliberate differences" in docs/from-hydra.md. Both must still compose.
            event("file composed twice: trees not compared")
            return
        assert actual == expected


def _composed_twice(root: str, argv: list[str]) -> bool:
    """True when some file of the tree is composed more than once."""
    from typedcfg.composition.groups import Choices, GroupRepo, compose_files

    main = os.path.join(root, "main.yaml")
    groups = [o for o in split_argv(argv).overrides if os.path.isdir(os.path.join(root, o.key))]
    choices = Choices.from_overrides(groups)
    layers = compose_files([(main, SourceKind.CONFIG_FILE)], GroupRepo(root), choices, None, main)
    names = [layer.name for layer in layers]
    return len(names) != len(set(names))
