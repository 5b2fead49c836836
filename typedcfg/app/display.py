"""What ``--cfg`` and ``--explain`` print: the config as YAML, the explain table as typed.

Pure functions of a :class:`typedcfg.Loaded` (``main.py`` prints what they return, for
one run and for each job of a sweep).
"""

from __future__ import annotations

import enum
import pathlib
from collections.abc import Sequence
from typing import Any

from .._plain import as_plain
from .._typing import is_mapping
from ..errors import MASK
from ..pipeline import Loaded, explain_table
from ..provenance import Origin, SourceKind

__all__ = ["config_yaml", "explain_text", "origin_at"]


def origin_at(origin: Origin | None, positions: Sequence[int]) -> Origin | None:
    """``origin`` with its argv index as the user typed it (before the flags were taken out)."""
    if origin is None or origin.kind is not SourceKind.ARGV or origin.index is None:
        return origin
    if not 0 <= origin.index < len(positions) or positions[origin.index] == origin.index:
        return origin
    return Origin.argv(positions[origin.index], origin.text or "")


def config_yaml(config: Any) -> str:
    """The config as YAML, in field order, secrets masked."""
    import yaml

    # The PyYAML stubs leave dump's ``width`` parameter partly unknown; the result is a str.
    text: str = yaml.dump(  # pyright: ignore[reportUnknownMemberType]
        _yaml_safe(as_plain(config)),
        Dumper=yaml.SafeDumper,
        sort_keys=False,
        default_flow_style=False,
        allow_unicode=True,
    )
    return text


def _yaml_safe(value: Any) -> Any:
    from pydantic import SecretBytes, SecretStr

    if isinstance(value, (SecretStr, SecretBytes)):
        return MASK
    if is_mapping(value):
        return {_yaml_key(k): _yaml_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        seq: list[Any] = list(value)  # pyright: ignore[reportUnknownArgumentType]
        if isinstance(value, (set, frozenset)):
            seq.sort(key=repr)
        return [_yaml_safe(v) for v in seq]
    if isinstance(value, enum.Enum):
        return _yaml_safe(value.value)
    if isinstance(value, pathlib.PurePath):
        return str(value)
    if value is None or isinstance(value, (str, int, float, bool, bytes)):
        return value
    import datetime

    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


def _yaml_key(key: Any) -> Any:
    return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)


def explain_text(loaded: Loaded[Any], positions: Sequence[int]) -> str:
    """:meth:`Loaded.explain`'s table, argv locations counted as the user typed them.

    A secret's command-line token already has its value masked in its origin
    (:mod:`typedcfg.read.masking`, applied when the command line is split).
    """
    rows = [
        (
            key,
            shown,
            origin_at(origin, positions) or origin,
            tuple(origin_at(o, positions) or o for o in overridden),
        )
        for key, shown, origin, overridden in loaded.rows()
    ]
    return explain_table(rows)
