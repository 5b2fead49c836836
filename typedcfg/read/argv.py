"""The command-line grammar: Hydra's overrides, plus what wandb sweep agents send.

Layer 2: imports :mod:`typedcfg.provenance`, :mod:`typedcfg.errors`, :mod:`typedcfg.typeinfo`.

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
from collections.abc import Mapping, Sequence
from typing import Any, cast

from .._record import Record
from ..errors import MASK, OverrideError
from ..provenance import (
    KeyPath,
    Layer,
    Origin,
    PathPart,
    SourceKind,
    format_path,
    record_origins,
)
from ..typeinfo import TypeNode
from .yaml_walk import MAX_DEPTH

__all__ = [
    "Argv",
    "Op",
    "Override",
    "env_layer",
    "fast_value",
    "parse_override",
    "parse_value",
    "split_argv",
]


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
_KEY = r"[A-Za-z_][A-Za-z0-9_\-]*(?:\.(?:[A-Za-z_][A-Za-z0-9_\-]*|0|[1-9](?:_?[0-9])*))*\Z"
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
    return parse_override(f"k={text}", origin.index or 0, origin=origin).value


def _hydra_parser() -> Any:
    try:
        from hydra.core.override_parser.overrides_parser import OverridesParser
    except ImportError as exc:  # pragma: no cover - hydra-core is a dependency
        raise OverrideError(
            "this override needs hydra-core's parser; install it with: pip install hydra-core"
        ) from exc
    return OverridesParser.create()


def _split_key(key: str, origin: Origin) -> KeyPath:
    parts: list[PathPart] = []
    for piece in key.split("."):
        if not piece:
            raise OverrideError(f"empty part in key {key!r}", origin=origin)
        parts.append(piece)
    if len(parts) > MAX_DEPTH:
        raise _too_deep(origin)
    return tuple(parts)


def _too_deep(origin: Origin) -> OverrideError:
    # The same cap as for files: later stages (merge, validation, OmegaConf) recurse per level.
    return OverrideError(f"nesting is deeper than {MAX_DEPTH} levels", origin=origin)


def _check_depth(value: Any, path: KeyPath, origin: Origin) -> None:
    """Refuse a list/dict value that nests, counting its key's parts, beyond ``MAX_DEPTH``."""
    stack: list[tuple[object, int]] = [(value, len(path))]
    while stack:
        item, depth = stack.pop()
        children = _children(item)
        if children is not None:
            if depth >= MAX_DEPTH:
                raise _too_deep(origin)
            stack.extend((child, depth + 1) for child in children)


def _children(value: Any) -> list[object] | None:
    """The items of a list or the values of a dict (JSON-like data); ``None`` for a scalar."""
    if isinstance(value, dict):
        return list(cast("dict[str, object]", value).values())
    if isinstance(value, list):
        return cast("list[object]", value)
    return None


def parse_override(token: str, index: int, *, origin: Origin | None = None) -> Override:
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
            raise _too_deep(origin)
        if int_text is not None:
            return Override(Op.SET, key, path, int(int_text), int_text, origin)
        if float_text is not None:
            return Override(Op.SET, key, path, float(float_text), float_text, origin)
        value = None if word == "None" else _QUICK_WORDS.get(word.lower(), word)
        return Override(Op.SET, key, path, value, None if value is None else word, origin)
    # Fast path: plain key, plain value, no prefix.
    key, eq, raw = token.partition("=")
    if eq and raw and re.match(_KEY, key):
        value = None if raw == "None" else fast_value(raw)
        if value is not NO_VALUE:
            text = raw if value is not None else None
            return Override(Op.SET, key, _split_key(key, origin), value, text, origin)
    return _parse_slow(token, origin)


def _parse_slow(token: str, origin: Origin) -> Override:
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
        if python_value is not _MISS and re.match(_KEY, key):
            path = _split_key(key, origin)
            _check_depth(python_value, path, origin)
            return Override(Op.SET, key, path, python_value, None, origin)
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        # ANTLR lists every token it expected; the position and the culprit say enough.
        message = re.sub(r" expecting \{[^}]*\}", "", message)
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
    path = _split_key(group_key.replace("/", "."), origin)
    if isinstance(value, (list, dict)):
        _check_depth(value, path, origin)
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


class Argv(Record):
    """A command line split into its parts.

    Attributes:
        configs: ``--configs`` files with the origin of each.
        overrides: the overrides, left to right.
    """

    __slots__ = ("configs", "overrides")

    def __init__(
        self, configs: tuple[tuple[str, Origin], ...], overrides: tuple[Override, ...]
    ) -> None:
        self.configs = configs
        self.overrides = overrides


def split_argv(argv: Sequence[str], tree: TypeNode | None = None) -> Argv:
    """Split tokens into ``--configs`` files and overrides.

    With the schema's ``tree``, a token that sets a secret field gets an origin whose text has
    the value masked (``argv[0] 'api_key=**********'``), so no message or record shows it.

    Accepted: ``key=value``, ``+key=value``, ``++key=value``, ``~key``; ``--key=value``,
    ``--key value`` and a bare ``--flag`` (``flag=true``), as wandb sweep agents write them;
    ``--configs a.yaml b.yaml`` / ``--configs=a.yaml,b.yaml`` (repeatable); one JSON object
    ``{"lr": 0.1}`` (wandb's ``${args_json}``). After ``--`` every token is an override.

    Raises:
        OverrideError: a token that is neither a flag nor an override, or an empty ``--configs``.
    """
    configs: list[tuple[str, Origin]] = []
    overrides: list[Override] = []
    tokens = list(argv)
    i = 0
    flags_done = False
    n = len(tokens)
    untyped: list[object] = [*tokens]  # as untyped callers may pass them (no cast() per token)
    for index, token in enumerate(untyped):
        # Checked up front: the flag branches below look at the token after the current one.
        # Callers from untyped code pass ints and Paths too, whatever the annotation says.
        if not isinstance(token, str):
            raise OverrideError(
                f"argument must be a string, not {type(token).__name__}",
                origin=Origin.argv(index, repr(token)),
            )
    while i < n:
        token = tokens[i]
        first = token[:1]
        # Only a token that starts with '-', '{' or a space can be a flag, a file list or JSON;
        # the usual 'key=value' skips those checks.
        if first == "-" or first == "{" or first.isspace():
            if not flags_done and token == "--":
                flags_done = True
                i += 1
                continue
            if not flags_done and (token == "--configs" or token.startswith("--configs=")):
                files, i = _config_files(tokens, i)
                configs.extend(files)
                i += 1
                continue
            if not flags_done and token.startswith("--") and len(token) > 2:
                body = token[2:]
                masked = _masked_token(token, tree) if tree is not None else None
                origin = Origin.argv(i, masked or token)
                if "=" in body:
                    overrides.append(_reparse(body, origin, masked is not None))
                elif (
                    i + 1 < n
                    and not tokens[i + 1].startswith("--")
                    # A secret field takes the next token even with an '=' in it (base64 ends so):
                    # as a bare flag it would set 'true' and leave the secret as an override.
                    and (
                        "=" not in tokens[i + 1]
                        or (tree is not None and _secret_field(body, tree))
                    )
                ):
                    value_token = tokens[i + 1]
                    secret = tree is not None and _secret_key(body, tree, value_token)
                    origin = Origin.argv(i, f"{token} {MASK if secret else value_token}")
                    overrides.append(_reparse(f"{body}={value_token}", origin, secret))
                    i += 1
                else:
                    overrides.append(_reparse(f"{body}=true", origin))
                i += 1
                continue
            if token.lstrip().startswith("{") and token.rstrip().endswith("}"):
                overrides.extend(_json_overrides(token, i, tree))
                i += 1
                continue
        if "=" not in token and not token.startswith("~"):
            # A JSON-like token that names a secret field: not shown (which part is secret?).
            secret_json = tree is not None and token.lstrip().startswith("{") and (
                _mentions_secret(token, tree)
            )
            raise OverrideError(
                "not an override: expected key=value",
                origin=Origin.argv(i, "{" + MASK + "}" if secret_json else token),
                hint="overrides look like optim.lr=0.1, +key=value or ~key; "
                "files go after --configs",
            )
        masked = _masked_token(token, tree) if tree is not None else None
        if masked is None:
            overrides.append(parse_override(token, i))
        else:
            overrides.append(_reparse(token, Origin.argv(i, masked), True))
        i += 1
    return Argv(tuple(configs), tuple(overrides))


def _config_files(tokens: list[str], i: int) -> tuple[list[tuple[str, Origin]], int]:
    """The files of the ``--configs`` flag at ``tokens[i]``, and the index of its last token."""
    token = tokens[i]
    start = i
    names: list[tuple[str, int]] = []
    if token.startswith("--configs="):
        names.append((token[len("--configs="):], i))
    else:
        while i + 1 < len(tokens) and _is_file_token(tokens[i + 1]):
            i += 1
            names.append((tokens[i], i))
    files = [(part, idx) for name, idx in names for part in name.split(",") if part.strip()]
    if not files:
        raise OverrideError(
            "--configs needs at least one file",
            origin=Origin.argv(start, token),
            hint="--configs a.yaml b.yaml, or --configs a.yaml,b.yaml",
        )
    for path, idx in files:
        if "\0" in path:  # the OS cannot open such a name; say so before anything tries
            raise OverrideError(
                "a file name cannot hold a NUL byte", origin=Origin.argv(idx, tokens[idx])
            )
    return [(path, Origin.argv(idx, tokens[idx])) for path, idx in files], i


# typedcfg.read.masking is imported only when the schema has a secret to mask: the pipeline passes
# tree=None otherwise, and these are called only with a tree.


def _masked_token(token: str, tree: TypeNode) -> str | None:
    from .masking import masked_token

    return masked_token(token, tree)


def _masked_json(token: str, tree: TypeNode) -> str | None:
    from .masking import masked_json

    return masked_json(token, tree)


def _mentions_secret(text: str, tree: TypeNode) -> bool:
    from .masking import mentions_secret

    return mentions_secret(text, tree)


def _secret_field(key: str, tree: TypeNode) -> bool:
    from .masking import secret_field

    return secret_field(key, tree)


def _secret_key(key: str, tree: TypeNode, value: str | None) -> bool:
    from .masking import secret_key

    return secret_key(key, tree, value)


def _json_overrides(token: str, index: int, tree: TypeNode | None) -> list[Override]:
    """wandb's ``${args_json}``: one JSON object of ``{"key": value}``, keys may be dotted."""
    import json

    masked = _masked_json(token, tree) if tree is not None else None
    origin = Origin.argv(index, masked or token)
    try:
        data = json.loads(token)
    except ValueError as exc:
        if tree is not None and _mentions_secret(token, tree):
            # It names a secret field, and text that is not JSON cannot say where its values
            # are: the argument is not shown at all.
            origin = Origin.argv(index, "{" + MASK + "}")
        raise OverrideError(
            f"not an override: looks like JSON but is not valid JSON ({exc})", origin=origin
        ) from exc
    except RecursionError as exc:  # the json module recurses once per level of nesting
        raise OverrideError(
            f"a JSON argument nested deeper than {MAX_DEPTH} levels", origin=origin
        ) from exc
    if not isinstance(data, dict):
        raise OverrideError("a JSON argument must be an object of key: value", origin=origin)
    out: list[Override] = []
    for key, value in cast("dict[object, object]", data).items():
        if not isinstance(key, str) or not re.match(_KEY, key):
            raise OverrideError(f"bad key {key!r} in the JSON argument", origin=origin)
        path = _split_key(key, origin)
        try:
            _check_depth(value, path, origin)
        except OverrideError as exc:
            raise OverrideError(
                f"a JSON argument nested deeper than {MAX_DEPTH} levels", origin=origin
            ) from exc
        out.append(Override(Op.SET, key, path, value, None, origin))
    return out


def _is_file_token(token: str) -> bool:
    return not token.startswith(("-", "+", "~")) and "=" not in token


def _reparse(body: str, origin: Origin, secret: bool = False) -> Override:
    try:
        return parse_override(body, origin.index or 0, origin=origin)
    except OverrideError:
        if not secret:
            raise
        # The parser's message and hint quote the value; for a secret, say less.
        raise OverrideError(
            "cannot parse the value of a secret field (the value is not shown)",
            origin=origin,
            hint="quote the value: key='...'",
        ) from None


def env_layer(
    environ: Mapping[str, str], prefix: str, hint: TypeNode | None
) -> Layer:
    """The environment variables under ``prefix`` as a layer (``TRAIN_OPTIM__LR`` -> optim.lr).

    Names match schema fields case-insensitively; ``__`` separates nesting levels. Values are
    read with the override grammar (``0.1`` is a float, ``[1,2]`` a list); a value that grammar
    rejects is kept as text.
    """
    data: dict[str, Any] = {}
    origins: dict[KeyPath, Origin] = {}
    named: dict[KeyPath, str] = {}  # the variable that set each key itself
    interpolated = False
    upper = prefix.upper()
    upper_names = {name.upper(): value for name, value in environ.items()} if hint else {}
    for name in sorted(environ):
        if not name.upper().startswith(upper) or len(name) == len(prefix):
            continue
        raw = environ[name]
        origin = Origin.env(name)
        parts = [p for p in name[len(prefix):].split("__")]
        if any(not p for p in parts):
            raise OverrideError("empty key part in the variable name", origin=origin,
                                hint="nesting uses a double underscore: PREFIX_OPTIM__LR")
        if len(parts) > MAX_DEPTH:
            raise _too_deep(origin)
        node = hint
        path: list[str] = []
        for level, part in enumerate(parts):
            if node is not None and node.discriminator:
                above = upper + "".join(p + "__" for p in parts[:level])
                node = _env_member(node, upper_names, above)
            key = _match_key(part, node)
            path.append(key)
            node = node.child(key) if node is not None else None
        try:
            value = parse_value(raw, origin) if raw else ""
        except OverrideError:
            value = raw
        if node is not None and node.text and raw and value is not None:
            value = raw
        if node is not None and node.discriminator and isinstance(value, str) and (
            value in node.tagged
        ):
            # A typed group, as on the command line: TRAIN_OPTIM=sgd selects the member.
            value = {node.discriminator: value}
        if isinstance(value, str) and "${" in value:
            interpolated = True
        target = data
        for depth, key in enumerate(path[:-1]):
            existing: Any = target.get(key)
            if existing is None:
                existing = {}
                target[key] = existing
                origins[tuple(path[: depth + 1])] = origin
                named[tuple(path[: depth + 1])] = name
            elif not isinstance(existing, dict):
                other = origins[tuple(path[: depth + 1])].text
                raise OverrideError(
                    f"{other} sets {format_path(tuple(path[: depth + 1]))!r} to a value; "
                    "a variable cannot also set a key inside it",
                    origin=origin,
                    hint=f"unset {name} or {other}",
                )
            target = cast("dict[str, Any]", existing)
        if tuple(path) in named:
            # Two names for one key (names match case-insensitively), or a value where
            # another variable already set keys inside it. (A key inside a mapping value of a
            # shorter name is fine: the more specific variable wins there.)
            other = named[tuple(path)]
            raise OverrideError(
                f"{format_path(tuple(path))!r} is set by {other} as well",
                origin=origin,
                hint=f"unset {name} or {other}",
            )
        target[path[-1]] = value
        record_origins(value, tuple(path), origin, origins)  # a mapping value's keys too
        named[tuple(path)] = name
    return Layer(f"env:{prefix}*", SourceKind.ENV, data, origins, interpolated=interpolated)


def _env_member(node: TypeNode, upper_names: Mapping[str, str], above: str) -> TypeNode:
    """The union member that the discriminator variable beside this one selects (or ``node``).

    ``T_M__KIND=text`` picks the member of the union field ``m`` whose ``kind`` is ``"text"``,
    so that ``T_M__VERSION`` is typed by that member's field, as the file and argv paths do.
    """
    raw = upper_names.get((above + str(node.discriminator)).upper())
    if raw is None and above.endswith("__"):
        raw = upper_names.get(above[:-2])  # TRAIN_OPTIM=sgd names the member itself
    if raw is None:
        return node
    for tag, member in node.tagged.items():
        if str(tag.value if isinstance(tag, enum.Enum) else tag) == raw:
            return member
    return node


def _match_key(part: str, node: TypeNode | None) -> str:
    if node is not None and node.children:
        if part in node.children:
            return part
        lowered = part.lower()
        for key in node.children:
            if key.lower() == lowered:
                return key
    return part.lower()
