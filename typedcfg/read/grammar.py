"""One override token: Hydra's grammar, plus the Python literals wandb sweep agents print.

``key=value`` with a plain value (a number, a bool, null or a simple word) is parsed here
without importing anything; every other form (quotes, lists, dicts, interpolations, escapes,
functions, group paths) goes through hydra-core's ``OverridesParser``. Python reprs that wandb
sweep agents print (``None``, ``{'name': 'adam'}``) are read as the Python values they came
from. Values are typed later, at apply time, when the schema field is known: an unquoted
``007`` bound to a ``str`` field stays ``"007"``.
"""

from __future__ import annotations

import ast
import enum
import re
from typing import Any, cast

from .._record import Record
from ..errors import OverrideError
from ..provenance import KeyPath, Origin, PathPart, SourceKind
from ..typeinfo import TypeNode
from .parse_errors import parser_words, unbalanced
from .yaml_walk import MAX_DEPTH

__all__ = ["NO_VALUE", "Op", "Override", "fast_value", "parse_override", "parse_value"]


class Op(str, enum.Enum):
    """What an override does to its key."""

    SET = "set"  # key=value: set (dicts merge), creating the key when the schema has it
    ADD = "add"  # +key=value: the key must not exist yet
    FORCE = "force"  # ++key=value: set or add
    DELETE = "delete"  # ~key or ~key=value


NO_VALUE: Any = object()


class Override(Record):
    """One parsed override.

    Attributes:
        op: set, add, force or delete.
        key: the key as written (``optim.lr``, ``optim``, ``db/mysql``).
        path: the key split into parts.
        value: the parsed value (``NO_VALUE`` for ``~key``).
        text: the unquoted scalar text, when the value was a plain word (schema-guided typing
            keeps it for ``str`` fields); ``None`` otherwise.
        origin: ``argv[i] 'token'``.
        package: the ``@package`` part of ``group@package=option``, if any.
    """

    __slots__ = ("key", "op", "origin", "package", "path", "text", "value")

    def __init__(
        self,
        op: Op,
        key: str,
        path: KeyPath,
        value: Any,
        text: str | None,
        origin: Origin,
        package: str | None = None,
    ) -> None:
        self.op = op
        self.key = key
        self.path = path
        self.value = value
        self.text = text
        self.origin = origin
        self.package = package

    def typed_value(self, hint: TypeNode | None) -> Any:
        """The value as the schema field at ``path`` wants it."""
        if self.text is not None and hint is not None and hint.text and self.value is not None:
            return self.text
        return self.value


# Hydra's key grammar: ID ('.' (ID | INT_UNSIGNED))*; checked against hydra-core by a property test.
# The patterns here are compiled on first use (re's own cache): the usual token needs _QUICK
# alone, and compiling a pattern at import costs more than the cache lookups do later.
KEY_PATTERN = r"[A-Za-z_][A-Za-z0-9_\-]*(?:\.(?:[A-Za-z_][A-Za-z0-9_\-]*|0|[1-9](?:_?[0-9])*))*\Z"


_SIMPLE_VALUE = r"[A-Za-z0-9_.+\-/@%]+\Z"


# Hydra's grammar for numbers (OverrideLexer: INT and FLOAT); checked against hydra-core's
# parser by a property test.
_HYDRA_INT = r"[+-]?(?:0|[1-9](?:_?[0-9])*)\Z"


# POINT_FLOAT: INT_UNSIGNED '.' | INT_UNSIGNED? '.' DIGITS; EXPONENT_FLOAT: (INT_UNSIGNED |
# POINT_FLOAT) EXPONENT. INT_UNSIGNED has no leading zeros, so ``007`` is a string in Hydra.
_HYDRA_FLOAT = (
    r"[+-]?(?:(?:0|[1-9](?:_?[0-9])*)(?:\.(?:[0-9](?:_?[0-9])*)?)?|\.[0-9](?:_?[0-9])*)"
    r"(?:[eE][+-]?[0-9](?:_?[0-9])*)?\Z"
)


_HYDRA_SPECIAL_FLOATS = {"inf": float("inf"), "+inf": float("inf"), "-inf": float("-inf"),
                         "nan": float("nan"), "+nan": float("nan"), "-nan": float("nan")}


_MISS: Any = object()


# The commonest token in one match: a dotted key of words, '=', and an integer, a decimal
# number or a word. It types them as fast_value does (a property test holds it to that);
# everything else goes through fast_value and, failing that, hydra-core's parser.
_QUICK = (
    r"([A-Za-z_][A-Za-z0-9_\-]*(?:\.[A-Za-z_][A-Za-z0-9_\-]*)*)="
    r"(?:([-+]?(?:0|[1-9][0-9]{0,17}))|([-+]?(?:0|[1-9][0-9]*)\.[0-9]+)|([A-Za-z][A-Za-z0-9_\-]*))\Z"
)


_QUICK_WORDS: dict[str, Any] = {"true": True, "false": False, "null": None, "inf": float("inf"),
                                "nan": float("nan")}


def fast_value(text: str) -> Any:
    """The value of a plain override word as hydra-core would type it, or ``NO_VALUE``.

    Only words made of letters, digits and ``_ . + - / @ %`` are handled here; anything else
    returns ``NO_VALUE`` and goes to hydra-core's parser.
    """
    if not re.match(_SIMPLE_VALUE, text):
        return NO_VALUE
    lowered = text.lower()
    if lowered == "true":
        return True
    if lowered == "false":
        return False
    if lowered == "null":
        return None
    special = _HYDRA_SPECIAL_FLOATS.get(lowered, _MISS)
    if special is not _MISS:
        return special
    first = text[0]
    if first.isdigit() or first in "+-.":
        if re.match(_HYDRA_INT, text):
            if len(text) > 4000:  # int() refuses more than 4300 digits: let the slow path say so
                return NO_VALUE
            return int(text.replace("_", ""))
        if re.match(_HYDRA_FLOAT, text) and ("." in text or "e" in lowered):
            return float(text.replace("_", ""))
        if "e" in lowered or "_" in text:
            return NO_VALUE  # near-numbers: let hydra decide
    if "_" in text and text.replace("_", "").isdigit():
        return NO_VALUE
    return text


def parse_value(text: str, origin: Origin) -> Any:
    """Parse a value on its own (environment variables, ``--key value`` pairs)."""
    if text == "None":
        return None
    value = fast_value(text)
    if value is not NO_VALUE:
        return value
    # Positions in a message count characters of the value itself, not of 'k='.
    return parse_override(f"k={text}", origin.index or 0, origin=origin, shift=-2).value


def _hydra_parser() -> Any:
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
    except ImportError as exc:  # pragma: no cover - hydra-core is a dependency
        raise OverrideError(
            "this override needs hydra-core's parser; install it with: pip install hydra-core"
        ) from exc
    return OverridesParser.create()


def split_key(key: str, origin: Origin) -> KeyPath:
    parts: list[PathPart] = []
    for piece in key.split("."):
        if not piece:
            raise OverrideError(f"empty part in key {key!r}", origin=origin)
        parts.append(piece)
    if len(parts) > MAX_DEPTH:
        raise too_deep(origin)
    return tuple(parts)


def too_deep(origin: Origin) -> OverrideError:
    # The same cap as for files: later stages (merge, validation, OmegaConf) recurse per level.
    return OverrideError(f"nesting is deeper than {MAX_DEPTH} levels", origin=origin)


def check_depth(value: Any, path: KeyPath, origin: Origin) -> None:
    """Refuse a list/dict value that nests, counting its key's parts, beyond ``MAX_DEPTH``."""
    stack: list[tuple[object, int]] = [(value, len(path))]
    while stack:
        item, depth = stack.pop()
        children = _children(item)
        if children is not None:
            if depth >= MAX_DEPTH:
                raise too_deep(origin)
            stack.extend((child, depth + 1) for child in children)


def _check_keys(value: Any, origin: Origin) -> None:
    """Refuse a mapping with a null key (``{null: 1}``), as Hydra does: no config key is null."""
    stack: list[object] = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            mapping = cast("dict[object, object]", item)
            if None in mapping:
                raise OverrideError(
                    "a mapping key cannot be null", origin=origin,
                    hint="quote the key for the text 'null': {'null': ...}",
                )
            stack.extend(mapping.values())
        elif isinstance(item, list):
            stack.extend(cast("list[object]", item))


def _children(value: Any) -> list[object] | None:
    """The items of a list or the values of a dict (JSON-like data); ``None`` for a scalar."""
    if isinstance(value, dict):
        return list(cast("dict[str, object]", value).values())
    if isinstance(value, list):
        return cast("list[object]", value)
    return None


def parse_override(
    token: str, index: int, *, origin: Origin | None = None, shift: int = 0
) -> Override:
    """Parse one ``key=value`` / ``+key=value`` / ``++key=value`` / ``~key`` token.

    Raises:
        OverrideError: the token is malformed, is a sweep, or calls an unknown function.
    """
    origin = origin or Origin(SourceKind.ARGV, index=index, text=token)
    quick = re.match(_QUICK, token)
    if quick is not None:
        key, int_text, float_text, word = quick.groups()
        path: KeyPath = tuple(key.split("."))
        if len(path) > MAX_DEPTH:
            raise too_deep(origin)
        if int_text is not None:
            return Override(Op.SET, key, path, int(int_text), int_text, origin)
        if float_text is not None:
            return Override(Op.SET, key, path, float(float_text), float_text, origin)
        value = None if word == "None" else _QUICK_WORDS.get(word.lower(), word)
        return Override(Op.SET, key, path, value, None if value is None else word, origin)
    # Fast path: plain key, plain value, no prefix.
    key, eq, raw = token.partition("=")
    if eq and raw and re.match(KEY_PATTERN, key):
        value = None if raw == "None" else fast_value(raw)
        if value is not NO_VALUE:
            text = raw if value is not None else None
            return Override(Op.SET, key, split_key(key, origin), value, text, origin)
        if raw[0] == "[" and raw[-1] == "]":
            items = _simple_list(raw)
            if items is not None:
                return Override(Op.SET, key, split_key(key, origin), items, None, origin)
    if token.count(",") > MAX_HYDRA_ITEMS:
        raise OverrideError(
            f"too many items for hydra's override grammar ({token.count(',') + 1}; the limit "
            f"is {MAX_HYDRA_ITEMS})",
            origin=origin,
            hint="hydra-core's parser takes time that grows with the square of the items: "
            "put a long list in a config file, or write it with plain words and numbers only",
        )
    return _parse_slow(token, origin, shift)


# hydra-core's override parser spends time quadratic in the items of a list or dict (about 2 s
# for 2,000 items). Lists of plain words and numbers are read without it (_simple_list); any
# other token with more items than this is refused before it is parsed.
MAX_HYDRA_ITEMS = 1_000


def _simple_list(raw: str) -> list[Any] | None:
    """The items of ``[a, 1, 2.5]`` when each is a plain word hydra-core types as
    :func:`fast_value` does (linear time), else ``None`` (the grammar decides)."""
    body = raw[1:-1]
    if not body.strip(" "):
        return [] if not body else None
    items: list[Any] = []
    for part in body.split(","):
        word = part.strip(" ")
        if not word or word == "None":
            return None  # hydra's errors, and a sweep agent's None (read as Python's)
        value = fast_value(word)
        if value is NO_VALUE:
            return None
        items.append(value)
    return items


def _parse_slow(token: str, origin: Origin, shift: int = 0) -> Override:
    stripped = token.lstrip("+~")
    key, eq, raw = stripped.partition("=")
    if not key:
        raise OverrideError("missing key before '='" if eq else "missing key", origin=origin,
                            hint="write key=value, +key=value, ++key=value or ~key")
    if eq and not raw.strip() and not token.startswith("~"):
        raise OverrideError(
            "missing value after '='",
            origin=origin,
            hint=f"write {key}=null for null or {key}='' for an empty string",
        )
    try:
        parsed = _hydra_parser().parse_override(token)
    except Exception as exc:  # hydra raises HydraException / OverrideParseException
        python_value = _python_literal(raw) if eq and not token.startswith(("+", "~")) else _MISS
        if python_value is not _MISS and re.match(KEY_PATTERN, key):
            path = split_key(key, origin)
            check_depth(python_value, path, origin)
            return Override(Op.SET, key, path, python_value, None, origin)
        # Positions count characters of the token as the user wrote it (``shift`` maps them
        # there from the text parsed: '--lr=[1' is parsed as 'lr=[1').
        message = unbalanced(token, token.find("=") + 1, shift) or parser_words(
            token, exc, shift
        )
        raise OverrideError(f"cannot parse override: {message}", origin=origin) from exc
    from hydra.core.override_parser.types import OverrideType

    if parsed.is_sweep_override():
        raise OverrideError(
            f"{raw!r} is a sweep (several values); a single run takes one value",
            origin=origin,
            hint=f"quote it for a string with commas ({key}='{raw}'), "
            "or add --multirun to run one job per value",
        )
    op = {
        OverrideType.CHANGE: Op.SET,
        OverrideType.ADD: Op.ADD,
        OverrideType.FORCE_ADD: Op.FORCE,
        OverrideType.DEL: Op.DELETE,
    }[parsed.type]
    group_key = parsed.key_or_group
    if not group_key:
        raise OverrideError("missing key", origin=origin)
    value = parsed.value() if (eq or op is not Op.DELETE) else NO_VALUE
    text: str | None = None
    if op is Op.DELETE and not eq:
        value = NO_VALUE
    elif raw.strip() == "None":
        value = None  # wandb sweep agents print Python's None
    elif isinstance(value, (str, int, float)):
        body = raw.strip()
        if body and body[0] not in "'\"[{$":
            if isinstance(value, str):
                text = value
            elif "(" not in body:  # int(3.2) is a cast: its text is not the value's
                text = body
    elif "None" in raw and isinstance(value, (list, dict)):
        # str([None, 1]) from a sweep agent: Hydra reads None as the word 'None'.
        literal = _python_literal(raw)
        if literal is not _MISS:
            value = literal
    # 'abc/cde' is a literal key unless it names a config group (the pipeline decides that
    # by the key as written), as in Hydra.
    path = split_key(group_key, origin)
    if isinstance(value, (list, dict)):
        check_depth(value, path, origin)
        _check_keys(value, origin)
    return Override(op, group_key, path, value, text, origin, parsed.package)


def _python_literal(raw: str) -> Any:
    """A Python repr as wandb sweep agents print it (``{'name': 'adam'}``), or ``_MISS``."""
    body = raw.strip()
    if not body or body[0] not in "[{(\"'-0123456789TFN":
        return _MISS
    try:
        value = ast.literal_eval(body)
    except (ValueError, SyntaxError, MemoryError, RecursionError, TypeError):
        return _MISS
    if isinstance(value, (set, frozenset)):
        return sorted(cast("set[object] | frozenset[object]", value), key=repr)
    return _tuples_to_lists(value)


def _tuples_to_lists(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_tuples_to_lists(v) for v in cast("list[object] | tuple[object, ...]", value)]
    if isinstance(value, dict):
        mapping = cast("dict[object, object]", value)
        return {str(k): _tuples_to_lists(v) for k, v in mapping.items()}
    return value
