"""``load()`` and ``compose()``: the one place that orders the stages and fixes precedence.

Layer 5. Precedence, lowest to highest (the list in :func:`compose` is the only statement of
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
from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Generic, TypeVar

from .compose import Composed, apply_overrides, merge_layers, resolve_interpolations
from .errors import MASK
from .export import as_plain
from .overrides import env_layer, split_argv
from .provenance import KeyPath, Layer, Origin, Provenance, SourceKind, format_path
from .sources import DEFAULTS_FILE, file_layer
from .typeinfo import TypeNode, schema_tree
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
        rows = list(self.rows())
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

    def __repr__(self) -> str:
        return (
            f"Loaded({type(self.config).__name__}, {len(self.provenance)} keys, "
            f"sources={list(self.sources)!r})"
        )


def _is_secret(value: Any) -> bool:
    from pydantic import SecretBytes, SecretStr

    return isinstance(value, (SecretStr, SecretBytes))


def _short(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _leaves(data: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    if isinstance(data, Mapping) and data:
        for key, value in data.items():
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

    Raises:
        TypedcfgError: a subclass naming what went wrong and where.
    """
    tree = schema_tree(schema)
    tokens = list(sys.argv[1:] if argv is None else argv)
    parts = split_argv(tokens)
    config_files = [(os.fspath(p), SourceKind.CONFIG_FILE) for p in configs]
    config_files += [(path, SourceKind.CONFIG_FILE) for path, _ in parts.configs]
    # Precedence, lowest first: defaults file, config files, environment; then overrides.
    layers: list[Layer] = []
    defaults_path = _defaults_path(defaults)
    if defaults_path is not None:
        layers.append(file_layer(defaults_path, SourceKind.DEFAULTS_FILE, tree))
    for path, kind in config_files:
        layers.append(file_layer(path, kind, tree))
    if env_prefix:
        layers.append(env_layer(os.environ if environ is None else environ, env_prefix, tree))
    composed = merge_layers(layers)
    composed = apply_overrides(composed, parts.overrides, tree)
    if composed.interpolated:
        composed = resolve_interpolations(composed)
    config = validate(schema, composed.data, composed.origins, tree)
    return Loaded(config, composed, tree, [layer.name for layer in layers], tokens)


def load(
    schema: type[T],
    argv: Sequence[str] | None = None,
    *,
    defaults: str | os.PathLike[str] | None = CWD_DEFAULTS,
    configs: Sequence[str | os.PathLike[str]] = (),
    env_prefix: str | None = None,
    environ: Mapping[str, str] | None = None,
) -> T:
    """Like :func:`compose`, returning only the validated instance."""
    return compose(
        schema, argv, defaults=defaults, configs=configs, env_prefix=env_prefix, environ=environ
    ).config


def _defaults_path(defaults: Any) -> str | None:
    if defaults is None:
        return None
    if defaults is CWD_DEFAULTS:
        return DEFAULTS_FILE if os.path.isfile(DEFAULTS_FILE) else None
    return os.fspath(defaults)
