"""The runs command's text: tables (rich when installed), values, and ``--where`` filters."""

from __future__ import annotations

import importlib
import json
from collections.abc import Sequence
from typing import Any, TextIO

from ..provenance import Origin, SourceKind
from ..read.scalars import parse_scalar
from .api import MISSING, check_filters
from .files import RunStoreError

# Two-character operators first, so that ``a<=1`` is not read as ``a<`` ``=1``.
_WHERE_OPS = (
    ("<=", "$lte"), (">=", "$gte"), ("!=", "$ne"), ("<", "$lt"), (">", "$gt"), ("=", "$eq")
)  # fmt: skip


def qualified(key: str, default: str) -> str:
    """``optim.lr`` -> ``config.optim.lr`` (``default`` is the prefix for bare keys)."""
    if key in ("id", "project", "state", "created_at") or key.startswith(
        ("config.", "summary.", "meta.")
    ):
        return key
    return f"{default}.{key}"


def filters_of(where: Sequence[str], sweep: str | None = None) -> dict[str, Any]:
    """The filter of ``--where`` / ``--filter`` conditions and ``--sweep`` (checked)."""
    conditions: list[dict[str, Any]] = []
    if sweep is not None:
        conditions.append({"meta.sweep.id": {"$eq": sweep}})
    for text in where:
        for symbol, op in _WHERE_OPS:
            key, found, value = text.partition(symbol)
            if found and key.strip():
                conditions.append({qualified(key.strip(), "config"): {op: parse_scalar(value)}})
                break
        else:
            raise RunStoreError(
                f"expected KEY=VALUE (or != < <= > >=), got {text!r}",
                origin=Origin(SourceKind.ARGV, text=f"--where {text}"),
            )
    filters = {"$and": conditions} if conditions else {}
    check_filters(filters)
    return filters


def cell_text(value: Any) -> str:
    if value is MISSING:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    if value is None:
        return "null"
    return str(value)


def json_value(value: Any) -> Any:
    return None if value is MISSING else value


def print_table(headers: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    """A rich table on a terminal (when rich is installed), aligned plain text otherwise."""
    if out.isatty():
        # rich is optional: imported by name so that type checkers need not have it either.
        try:
            console: Any = importlib.import_module("rich.console")
            tables: Any = importlib.import_module("rich.table")
        except ImportError:
            pass
        else:
            table = tables.Table(*headers)
            for row in rows:
                table.add_row(*row)
            console.Console(file=out).print(table)
            return
    widths = [max([len(h), *(len(r[i]) for r in rows)]) for i, h in enumerate(headers)]
    for line in [list(headers), *rows]:
        print("  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip(), file=out)
