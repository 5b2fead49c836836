"""Every composition of a config tree, for ``typedcfg infer`` and ``typedcfg check --all-options``.

A *variant* is the primary config composed with the user's overrides plus at most one group
choice: the primary as written, then ``group=option`` for every option of every group that a
defaults list selects (``trainer=gpu``, ``logger=csv``, ``experiment=example``), then
``+group=option`` for the top-level groups that no defaults list selects, then the nested
groups an option brings in (``model=vit model/net=small``). Hydra's own ``hydra`` groups are
left out, as composition leaves them out.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard, cast

from pydantic import BaseModel, ConfigDict

from ..composition.defaults_list import Choices, GroupRepo, header_package
from ..composition.groups import compose_files
from ..composition.merge import Composed
from ..composition.resolve import resolve_interpolations
from ..errors import ConfigFileError, TypedcfgError, render
from ..pipeline import compose, compose_data
from ..provenance import KeyPath, Origin, SourceKind
from ..read.argv import split_argv
from ..read.grammar import Op, Override
from ..read.yaml_loader import read_text
from ..typeinfo import TypeNode, schema_tree
from .infer_tree import GroupSamples, tree_source

__all__ = ["Outcome", "Variant", "check_tree", "infer_tree", "primary_file", "tree_variants"]

# Unresolvable interpolations replaced per composition before inference gives up on it.
_MAX_OPEN = 200
_MISS: Any = object()


class _Free(BaseModel):
    """Composition without a schema: every key is kept, as the tree writes it."""

    model_config = ConfigDict(extra="allow")


@dataclass(frozen=True)
class Variant:
    """One composition of the primary config: the user's overrides, then ``tokens``.

    Attributes:
        label: how reports name it (``train``, ``train trainer=gpu``).
        tokens: the overrides that select it, after the user's own.
        group: the override key of the group it selects (``trainer``, ``db@backup``).
        option: the option it selects.
    """

    label: str
    tokens: tuple[str, ...] = ()
    group: str | None = None
    option: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What checking one variant found.

    Attributes:
        variant: the composition checked.
        error: the error composing or validating it raised (``None``: valid).
        warnings: the text of the warnings it gave (``EmptyConfigWarning`` ...).
    """

    variant: Variant
    error: TypedcfgError | None
    warnings: tuple[str, ...] = ()


def primary_file(config_dir: str, config_name: str) -> str:
    """The file of the primary config ``config_name`` in ``config_dir``.

    Raises:
        ConfigFileError: the directory or the file does not exist.
    """
    found = GroupRepo(config_dir).find(config_name) if os.path.isdir(config_dir) else None
    if found is None:
        raise ConfigFileError(
            f"primary config {config_name!r} not found in {config_dir}",
            origin=Origin(SourceKind.CONFIG_FILE, config_dir),
        )
    return found


def tree_variants(
    config_dir: str, config_name: str, argv: Sequence[str] = (), *, all_options: bool = True
) -> list[Variant]:
    """The primary config as written and, with ``all_options``, every group option (see above).

    Raises:
        TypedcfgError: the primary config, or its composition with ``argv``, is broken.
    """
    primary = primary_file(config_dir, config_name)
    found = [Variant(config_name)]
    if not all_options:
        return found
    repo = GroupRepo(config_dir)
    try:
        seen = set(_selected(repo, primary, argv))
    except TypedcfgError:
        return found  # composing the primary reports it
    for key in sorted(seen):
        found += _options(repo, config_name, key, ())
    met = {key.partition("@")[0] for key in seen}
    for group in repo.groups():
        if "/" not in group and not _is_hydra(group) and group not in met:
            seen.add(group)
            found += _options(repo, config_name, group, (), add=True)
    for variant in list(found[1:]):
        try:
            brought = _selected(repo, primary, [*argv, *variant.tokens])
        except TypedcfgError:
            continue  # checking the variant itself reports this
        for key in sorted(set(brought) - seen):
            seen.add(key)
            found += _options(repo, config_name, key, variant.tokens)
    return found


def _options(
    repo: GroupRepo, name: str, key: str, before: tuple[str, ...], *, add: bool = False
) -> list[Variant]:
    group = key.partition("@")[0]
    out: list[Variant] = []
    for option in repo.options(group):
        token = f"{'+' if add else ''}{key}={option}"
        tokens = (*before, token)
        out.append(Variant(f"{name} {' '.join(tokens)}", tokens, key, option))
    return out


def _is_hydra(key: str) -> bool:
    return key == "hydra" or key.startswith(("hydra/", "hydra@", "hydra."))


def _selected(repo: GroupRepo, primary: str, argv: Sequence[str]) -> dict[str, Any]:
    """Override key -> option of every group entry the composition meets."""
    chosen = [o for o in split_argv(argv).overrides if _is_choice(o, repo)]
    choices = Choices.from_overrides(chosen)
    compose_files([(primary, SourceKind.CONFIG_FILE)], repo, choices, None, primary)
    return {k: v for k, v in choices.selected.items() if not _is_hydra(k)}


def _is_choice(override: Override, repo: GroupRepo) -> bool:
    """The same test composition applies: a group directory chosen by name, or removed."""
    if _is_hydra(override.key) or not repo.is_group(override.key.replace(".", "/")):
        return False
    value = override.value
    return override.op is Op.DELETE or value is None or isinstance(value, (str, list))


# --------------------------------------------------------------------------------------------
# infer


def infer_tree(
    config_dir: str, config_name: str, argv: Sequence[str] = (), class_name: str = "Config"
) -> tuple[str, list[str]]:
    """Pydantic models for every composition of the tree, and notes for the user.

    Each variant is composed without a schema and its interpolations resolved where they can
    be; :func:`typedcfg.tools.infer_tree.tree_source` states the typing rules. The notes name the
    variants that failed to compose and the values left untyped.

    Raises:
        TypedcfgError: the primary config, or its composition with ``argv``, is broken.
    """
    variants = tree_variants(config_dir, config_name, argv)
    repo = GroupRepo(config_dir)
    tree = schema_tree(_Free)
    samples: list[dict[str, Any]] = []
    notes: list[str] = []
    per_group: dict[str, dict[str, Any]] = {}
    for variant in variants:
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                data, untyped = _compose_free(tree, config_dir, config_name, argv, variant)
        except TypedcfgError as exc:
            if not variant.tokens:
                raise
            notes.append(f"{exc}\n  left out: {variant.label}")
            continue
        notes += [f"warning: {w.message}" for w in caught]
        notes += untyped
        samples.append(data)
        if variant.group is not None and variant.option is not None:
            path = _package(repo, variant.group)
            if path is not None:
                options = per_group.setdefault(variant.group, {})
                options[variant.option] = _get(data, path)
    groups = [
        GroupSamples(path, options)
        for key, options in per_group.items()
        if (path := _package(repo, key)) is not None
    ]
    times = "once" if len(samples) == 1 else f"{len(samples)} times"
    where = f"{primary_file(config_dir, config_name)}, composed {times}\n"
    source = tree_source(
        samples, groups, class_name, where + "(as written, then with each option of every group)"
    )
    return source, list(dict.fromkeys(notes))


def _compose_free(
    tree: TypeNode, config_dir: str, config_name: str, argv: Sequence[str], variant: Variant
) -> tuple[dict[str, Any], list[str]]:
    composed, _ = compose_data(
        tree,
        [*argv, *variant.tokens],
        defaults=None,
        config_dir=config_dir,
        config_name=config_name,
    )
    return _resolved(composed)


def _resolved(composed: Composed) -> tuple[dict[str, Any], list[str]]:
    """The data with interpolations resolved; a value that cannot be is left untyped (``???``).

    Resolution fails as a whole on one bad value (an unset ``${oc.env:TOKEN}``), so the value
    the error names is replaced and resolution tried again, until it succeeds.
    """
    if not composed.interpolated:
        return composed.data, []
    data = composed.data
    notes: list[str] = []
    for _ in range(_MAX_OPEN):
        attempt = Composed(data, composed.origins, {}, {}, True)
        try:
            return resolve_interpolations(attempt).data, notes
        except TypedcfgError as exc:
            path = exc.path
            if not isinstance(path, tuple) or not path or _get(data, path) is _MISS:
                break
            notes.append(render(exc.origin, path, f"left untyped (Any): {exc.message}"))
            data = _replaced(data, path, "???")
    # No key to blame: the values stay as written, and interpolated ones are left untyped.
    return composed.data, [*notes, "some interpolations could not be resolved; left untyped"]


def _get(data: Any, path: KeyPath) -> Any:
    for part in path:
        if _is_dict(data):
            data = data.get(part, _MISS)
        elif _is_list(data) and isinstance(part, int) and 0 <= part < len(data):
            data = data[part]
        else:
            return _MISS
    return data


def _replaced(data: Any, path: KeyPath, value: Any) -> Any:
    """A copy of ``data`` with ``value`` at ``path`` (which exists)."""
    if not path:
        return value
    head, rest = path[0], path[1:]
    if _is_list(data) and isinstance(head, int):
        items = list(data)
        items[head] = _replaced(items[head], rest, value)
        return items
    mapping = dict(cast(dict[Any, Any], data))
    mapping[head] = _replaced(mapping[head], rest, value)
    return mapping


def _is_dict(value: object) -> TypeGuard[dict[Any, Any]]:
    return isinstance(value, dict)


def _is_list(value: object) -> TypeGuard[list[Any]]:
    return isinstance(value, list)


def _package(repo: GroupRepo, key: str) -> KeyPath | None:
    """Where the options of group ``key`` put their keys (``None``: the root, or unknown)."""
    group, _, package = key.partition("@")
    if not package:
        headers: set[str | None] = set()
        for option in repo.options(group):
            file = repo.find(f"{group}/{option}")
            if file is None:
                return None
            try:
                text = read_text(file, SourceKind.CONFIG_FILE)
                headers.add(header_package(text, file, SourceKind.CONFIG_FILE))
            except TypedcfgError:
                return None  # composing that option reports it
        if len(headers) != 1:
            return None
        package = headers.pop() or group.replace("/", ".")
        if package == "_group_":
            package = group.replace("/", ".")
    if package == "_global_" or package.startswith("_global_."):
        package = package[len("_global_.") :]
    return tuple(package.split(".")) if package else None


# --------------------------------------------------------------------------------------------
# check


def check_tree(
    schema: type[Any],
    config_dir: str,
    config_name: str,
    argv: Sequence[str] = (),
    *,
    all_options: bool = False,
) -> list[Outcome]:
    """Compose and validate the primary config (with ``all_options``, every variant).

    Raises:
        TypedcfgError: the primary config is missing, or ``argv`` selects a group that the
            tree cannot compose (a usage error, not a problem of the tree).
    """
    results: list[Outcome] = []
    for variant in tree_variants(config_dir, config_name, argv, all_options=all_options):
        error: TypedcfgError | None = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                compose(
                    schema,
                    [*argv, *variant.tokens],
                    defaults=None,
                    config_dir=config_dir,
                    config_name=config_name,
                )
            except TypedcfgError as exc:
                error = exc
        results.append(Outcome(variant, error, tuple(str(w.message) for w in caught)))
    return results
