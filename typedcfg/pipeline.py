"""``load()`` and ``compose()``: the one place that orders the stages and fixes precedence.

Precedence, lowest to highest (the list in :func:`compose` is the only statement of
it in the code):

1. schema field defaults (pydantic fills them in)
2. ``config-defaults.yaml`` (the working directory's, or ``defaults=PATH``)
3. ``configs=`` files, then ``--configs`` files from argv, in order
4. environment variables under ``env_prefix`` (only when one is given)
5. command-line overrides, left to right
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from ._plain import as_plain
from ._typing import is_list
from .composition.config_store import read_config_store
from .composition.groups import Choices, GroupRepo, compose_files
from .composition.merge import Composed, apply_overrides, drop_key, merge_layers
from .composition.reuse import layers_key, reused
from .composition.schema_defaults import defaults_of
from .errors import MASK, ConfigFileError, OverrideError
from .provenance import (
    DEFAULTS_FILE,
    KeyPath,
    Origin,
    Provenance,
    SourceKind,
    display_path,
    format_path,
)
from .read.argv import split_argv
from .read.grammar import Op, Override
from .typeinfo import TypeNode, schema_traits, schema_tree
from .validate import validate

__all__ = ["Loaded", "compose", "load"]

T = TypeVar("T")


class _CwdDefaults:
    """The default of ``defaults=``: ``config-defaults.yaml`` in the working directory, if any."""

    def __repr__(self) -> str:
        return f"'./{DEFAULTS_FILE}'"


CWD_DEFAULTS: Any = _CwdDefaults()


class Loaded(Generic[T]):
    """A validated config with where every value came from.

    Attributes:
        config: the user's typed object (holds the schema's fields and nothing else).
        data: the composed plain data that was validated (interpolations resolved).
        sources: the files read, lowest precedence first.
        argv: the command-line tokens given.
    """

    __slots__ = ("_composed", "_provenance", "_tree", "argv", "config", "data", "sources")

    def __init__(
        self,
        config: T,
        composed: Composed,
        tree: TypeNode,
        sources: Sequence[str],
        argv: Sequence[str],
    ) -> None:
        self.config = config
        self.data = composed.data
        self.sources = tuple(sources)
        self.argv = tuple(argv)
        self._composed = composed
        self._tree = tree
        self._provenance: Provenance | None = None

    def __typedcfg_config__(self) -> T:
        return self.config

    @property
    def provenance(self) -> Provenance:
        """Key path -> :class:`Origin` for every key; keys no source set map to the default."""
        if self._provenance is None:
            table = dict(self._composed.origins)
            default = Origin(SourceKind.DEFAULT)
            for path in _leaf_paths(as_plain(self.config)):
                if path not in table:
                    table[path] = default
            self._provenance = Provenance(
                table, {k: tuple(v) for k, v in self._composed.overridden.items()}
            )
        return self._provenance

    @property
    def descriptions(self) -> dict[str, str]:
        """Dotted key -> ``desc`` text from desc/value files (schema descriptions not included)."""
        return {format_path(k): v for k, v in self._composed.descriptions.items()}

    def rows(self) -> Iterator[tuple[str, str, Origin, tuple[Origin, ...]]]:
        """``(key, shown value, origin, overridden origins)`` for every leaf, in config order."""
        provenance = self.provenance
        default = Origin(SourceKind.DEFAULT)
        for path, value in _leaves(as_plain(self.config), ()):
            shown = MASK if _is_secret(value) else _short(value)
            origin = provenance.get_path(path) or default
            yield format_path(path), shown, origin, provenance.overridden(path)

    def explain(self) -> str:
        """A text table: key, value, where it came from, and what it overrode."""
        return explain_table(self.rows())

    def __repr__(self) -> str:
        return (
            f"Loaded({type(self.config).__name__}, {len(self.provenance)} keys, "
            f"sources={list(self.sources)!r})"
        )


def explain_table(rows: Iterable[tuple[str, str, object, Sequence[object]]]) -> str:
    """The ``explain()`` table of ``(key, shown value, origin, overridden origins)`` rows."""
    rows = list(rows)
    if not rows:
        return "(empty config)"
    width_key = max(len("key"), *(len(r[0]) for r in rows))
    width_value = min(40, max(len("value"), *(len(r[1]) for r in rows)))
    lines = [f"{'key':<{width_key}}  {'value':<{width_value}}  source"]
    for key, shown, origin, overridden in rows:
        text = f"{key:<{width_key}}  {shown:<{width_value}}  {origin}"
        if overridden:
            text += "  (overrode " + ", ".join(str(o) for o in overridden) + ")"
        lines.append(text)
    return "\n".join(lines)


def _is_secret(value: Any) -> bool:
    from pydantic import SecretBytes, SecretStr

    return isinstance(value, (SecretStr, SecretBytes))


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _leaves(data: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    # ``data`` as the isinstance check establishes: an annotated name, not a TypeGuard call per
    # key (this walks every key of the config).
    mapping: Mapping[Any, Any] = data
    if isinstance(data, Mapping) and data:
        for key, value in mapping.items():
            yield from _leaves(value, (*path, key))
    else:
        yield path, data


def _leaf_paths(data: Any) -> Iterator[KeyPath]:
    for path, _ in _leaves(data, ()):
        yield path


def compose(
    schema: type[T],
    argv: Sequence[str] | None = None,
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    config_store: object | None = None,
) -> Loaded[T]:
    """Compose and validate a config; return it with its provenance.

    Args:
        schema: a pydantic model, pydantic dataclass or dataclass.
        argv: command-line tokens (``None`` reads ``sys.argv[1:]``): overrides and
            ``--configs FILE...``.
        defaults: the defaults file; by default ``config-defaults.yaml`` in the working
            directory when it exists; ``None`` reads no defaults file.
        configs: more files, applied in order after the defaults file and before ``--configs``.
        env_prefix: read environment variables under this prefix (``TRAIN_OPTIM__LR``).
        environ: the environment to read (default ``os.environ``; never written).
        config_dir: the root of config groups (``conf/optim/adam.yaml`` makes ``optim`` a group
            with option ``adam``); by default ``conf/`` beside the defaults file, if it exists.
        config_name: a primary config in ``config_dir`` (``train`` for ``train.yaml``),
            composed after the defaults file, as Hydra's ``config_name``.
        config_store: Hydra's ``ConfigStore`` (``ConfigStore.instance()``), or a mapping of
            ``"group/name"`` to structured configs: its entries are group options and primary
            configs beside the files of ``config_dir`` (a file of the same name wins, merged
            over the entry, as in Hydra). Nothing is read from Hydra unless it is given.

    Raises:
        TypedcfgError: a subclass naming what went wrong and where.
    """
    tree = schema_tree(schema)
    tokens = list(sys.argv[1:] if argv is None else argv)
    composed, names = compose_data(
        tree,
        tokens,
        defaults=defaults,
        configs=configs,
        env_prefix=env_prefix,
        environ=environ,
        config_dir=config_dir,
        config_name=config_name,
        config_store=config_store,
    )
    if composed.interpolated:
        from .composition.resolve import resolve_interpolations

        composed = resolve_interpolations(composed, defaults_of(tree))
    setters = _setters(defaults, env_prefix, config_name)
    config = validate(schema, composed.data, composed.origins, tree, setters=setters)
    shown = _masked_argv(tokens, tree) if schema_traits(tree).secrets else tokens
    return Loaded(config, composed, tree, names, shown)


def load(
    schema: type[T],
    argv: Sequence[str] | None = None,
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    config_store: object | None = None,
) -> T:
    """Like :func:`compose`, returning only the validated instance."""
    return compose(
        schema,
        argv,
        defaults=defaults,
        configs=configs,
        env_prefix=env_prefix,
        environ=environ,
        config_dir=config_dir,
        config_name=config_name,
        config_store=config_store,
    ).config


def _masked_argv(tokens: list[str], tree: TypeNode) -> list[str]:
    """The tokens with secret values masked, for a schema that has a secret (the masking
    module is imported only then)."""
    from .read.masking import mask_argv

    return mask_argv(tokens, tree)


def find_defaults_file(defaults: Any) -> str | None:
    """The defaults file ``defaults=`` names (``None`` when there is none to read)."""
    if defaults is None:
        return None
    if defaults is CWD_DEFAULTS:
        return DEFAULTS_FILE if os.path.isfile(DEFAULTS_FILE) else None
    path: str | os.PathLike[str] = defaults
    return str(os.fspath(path))


def _config_dir(config_dir: Any, defaults_path: str | None) -> str | None:
    if config_dir is not None:
        given: str | os.PathLike[str] = config_dir
        path = str(os.fspath(given))
        if not os.path.isdir(path):
            raise ConfigFileError(
                "config_dir is not a directory", origin=Origin(SourceKind.CONFIG_FILE, path)
            )
        return path
    beside = os.path.join(os.path.dirname(defaults_path or ""), "conf")
    return beside if os.path.isdir(beside) else None


def _selects_group(override: Override, repo: GroupRepo) -> bool:
    """True for ``group=option`` / ``+group=option`` / ``~group`` on a config-group directory."""
    if not repo.is_group(override.key.replace(".", "/")):
        return False
    value = override.value
    if override.op is Op.DELETE:
        return True
    return value is None or isinstance(value, str) or (
        is_list(value) and all(isinstance(v, str) for v in value)
    )


def _primary(repo: GroupRepo, config_name: str | None) -> str | None:
    if config_name is None:
        return None
    found = repo.find(config_name)
    if found is None:
        where = repo.root or "(no config_dir)"
        where += " or the ConfigStore" if repo.store is not None else ""
        raise ConfigFileError(
            f"primary config {config_name!r} not found in {where}",
            origin=Origin(SourceKind.CONFIG_FILE, os.path.join(repo.root or "", config_name)),
        )
    return found


def _setters(
    defaults: str | os.PathLike[str] | None, env_prefix: str | None, config_name: str | None
) -> Callable[[KeyPath], str]:
    """The sources this composition reads, in words, for a required field nobody set."""

    def words(path: KeyPath) -> str:
        places: list[str] = []
        if defaults is not None:
            found = find_defaults_file(defaults)
            places.append(display_path(found) if found is not None else DEFAULTS_FILE)
        if config_name is not None:
            places.append(f"{config_name}.yaml")
        places.append("a --configs file")
        if env_prefix:
            name = env_prefix.upper() + "__".join(str(part).upper() for part in path)
            places.append(f"the environment ({name}=...)")
        return f"{', '.join(places)} or on the command line ({format_path(path)}=...)"

    return words


def _is_hydra_key(key: str) -> bool:
    """``hydra.*`` keys and ``hydra/...`` groups configure Hydra itself, not the user's program."""
    return key == "hydra" or key.startswith(("hydra.", "hydra/"))


def compose_data(
    tree: TypeNode,
    tokens: Sequence[str],
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
    config_dir: str | os.PathLike[str] | None = None,
    config_name: str | None = None,
    config_store: object | None = None,
) -> tuple[Composed, list[str]]:
    """Sources, composition and overrides, before interpolation and validation.

    Returns the composed data and the names of the files read, lowest precedence first.
    """
    # Without a secret field anywhere, no token is looked up for masking.
    parts = split_argv(tokens, tree if schema_traits(tree).secrets else None, schema=tree)
    defaults_path = find_defaults_file(defaults)
    store = None if config_store is None else read_config_store(config_store)
    repo = GroupRepo(_config_dir(config_dir, defaults_path), store)
    hydra_free = tree.children is None or "hydra" not in tree.children
    group_overrides: list[Override] = []
    value_overrides: list[Override] = []
    for override in parts.overrides:
        if hydra_free and _is_hydra_key(override.key):
            continue
        if repo.active and _selects_group(override, repo):
            group_overrides.append(override)
        elif override.package is not None:
            # 'key@pkg=value' only makes sense for a config group (Hydra refuses it too).
            raise OverrideError(
                f"'{override.key}@{override.package}' looks like a config group override, "
                f"but there is no config group {override.key!r}",
                origin=override.origin,
            )
        else:
            value_overrides.append(override)
    primary = _primary(repo, config_name) if config_name is not None else None
    # Precedence, lowest first; inside each file its defaults list composes first.
    files: list[tuple[str, SourceKind]] = []
    if defaults_path is not None:
        files.append((defaults_path, SourceKind.DEFAULTS_FILE))
    if primary is not None:
        files.append((primary, SourceKind.CONFIG_FILE))
    files += [(os.fspath(p), SourceKind.CONFIG_FILE) for p in configs]
    files += [(path, SourceKind.CONFIG_FILE) for path, _ in parts.configs]
    # Inside composed_once() (a sweep checking its jobs) one choice of groups is composed once.
    layers = reused(
        layers_key(files, repo.key, primary, tree, group_overrides),
        lambda: compose_files(files, repo, Choices.from_overrides(group_overrides), tree, primary),
    )
    if env_prefix:
        from .read.environment import env_layer

        layers.append(env_layer(os.environ if environ is None else environ, env_prefix, tree))
    composed = merge_layers(layers)
    if hydra_free and "hydra" in composed.data:
        composed = drop_key(composed, "hydra")
    composed = apply_overrides(composed, value_overrides, tree, lambda: defaults_of(tree))
    return composed, list(dict.fromkeys(layer.name for layer in layers))
