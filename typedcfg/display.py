"""What ``--cfg`` and ``--explain`` print: the config as YAML, the explain table as typed.

Layer 6: pure functions of a :class:`typedcfg.Loaded` (``main.py`` prints what they return, for
one run and for each job of a sweep).
"""

from __future__ import annotations

import enum
import pathlib
from collections.abc import Mapping, Sequence
from typing import Any, TypeGuard, cast

from .errors import MASK
from .export import as_plain
from .pipeline import Loaded, explain_table
from .provenance import Origin, SourceKind

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
    if _is_mapping(value):
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


def _is_mapping(value: object) -> TypeGuard[Mapping[Any, Any]]:
    return isinstance(value, Mapping)


def _yaml_key(key: Any) -> Any:
    return key if isinstance(key, (str, int, float, bool)) or key is None else str(key)


def explain_text(loaded: Loaded[Any], positions: Sequence[int]) -> str:
    """:meth:`Loaded.explain`'s table, argv locations counted as the user typed them.

    A secret's command-line token is shown with its value masked (``api_key=**********``), so
    the source column does not give away what the value column hides.
    """
    raw = list(loaded.rows())
    secrets = frozenset(key for key, shown, _, _ in raw if shown == MASK)
    rows = [
        (
            key,
            shown,
            _shown_origin(origin, positions, key in secrets, secrets),
            tuple(_shown_origin(o, positions, key in secrets, secrets) for o in overridden),
        )
        for key, shown, origin, overridden in raw
    ]
    return explain_table(rows)


def _shown_origin(
    origin: Origin, positions: Sequence[int], secret: bool, secrets: frozenset[str]
) -> Origin:
    """The origin as printed: argv index as typed, secret values in its token masked."""
    moved = origin_at(origin, positions) or origin
    if moved.kind is not SourceKind.ARGV or not moved.text:
        return moved
    text = moved.text
    if text.lstrip().startswith("{"):
        # One JSON object (wandb's ${args_json}) sets several keys, secrets among them maybe.
        text = _masked_json(text, secrets)
    elif not secret:
        return moved
    elif "=" in text:
        text = text.split("=", 1)[0] + "=" + MASK  # key=value, --key=value
    elif " " in text and text.startswith("--"):
        text = text.split(" ", 1)[0] + " " + MASK  # --key value
    else:
        text = MASK
    return Origin(SourceKind.ARGV, index=moved.index, text=text)


def _masked_json(text: str, secrets: frozenset[str]) -> str:
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return MASK
    if not isinstance(data, dict):
        return MASK
    items = cast("dict[str, Any]", data)
    hidden = {
        key: MASK if key in secrets or any(s.startswith(key + ".") for s in secrets) else value
        for key, value in items.items()
    }
    return json.dumps(hidden) if hidden != items else text
