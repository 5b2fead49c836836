"""The command line split into ``--configs`` files and override tokens (Hydra's and wandb's forms).

Flags are read as argparse reads them (``--configs a.yaml b.yaml``, ``--configs=a.yaml``); every
other token is one override (see :mod:`typedcfg.read.grammar`), or, for a JSON object that a
wandb agent passes, one override per key. Tokens that name a secret field are masked in every
origin, so no message or ``--explain`` line echoes the secret.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import cast

from .._record import Record
from ..errors import MASK, OverrideError
from ..provenance import (
    Origin,
)
from ..typeinfo import TypeNode, node_at, scalar_types, type_name
from .grammar import KEY_PATTERN, Op, Override, check_depth, parse_override, split_key
from .yaml_walk import MAX_DEPTH

__all__ = ["Argv", "split_argv"]


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


def split_argv(
    argv: Sequence[str], tree: TypeNode | None = None, *, schema: TypeNode | None = None
) -> Argv:
    """Split tokens into ``--configs`` files and overrides.

    With the schema's ``tree``, a token that sets a secret field gets an origin whose text has
    the value masked (``argv[0] 'api_key=**********'``), so no message or record shows it.
    With ``schema`` (or ``tree``), a bare ``--flag`` is checked to name a bool field.

    Accepted: ``key=value``, ``+key=value``, ``++key=value``, ``~key``; ``--key=value``,
    ``--key value`` and a bare ``--flag`` (``flag=true``), as wandb sweep agents write them;
    ``--configs a.yaml b.yaml`` / ``--configs=a.yaml,b.yaml`` (repeatable); one JSON object
    ``{"lr": 0.1}`` (wandb's ``${args_json}``). After ``--`` every token is an override.

    Raises:
        OverrideError: a token that is neither a flag nor an override, an empty ``--configs``,
            or a bare ``--flag`` for a field that is not a bool.
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
                if "=" in body:  # positions in messages count the '--' too
                    overrides.append(_reparse(body, origin, masked is not None, 2))
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
                    overrides.append(_reparse(f"{body}={value_token}", origin, secret, 2))
                    i += 1
                else:
                    overrides.append(_bare_flag(body, origin, schema or tree))
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


def _bare_flag(body: str, origin: Origin, tree: TypeNode | None) -> Override:
    """A ``--flag`` with no value: ``flag=true`` for a bool field (as argparse's
    ``store_true``); a field of any other type needs its value (argparse's ``expected one
    argument``), rather than reading ``true`` as 1 or as the text 'true'. A key the schema does
    not know stays ``true``, so validation reports it as unknown, with did-you-mean."""
    node = node_at(tree, tuple(body.split("."))) if tree is not None else None
    if node is not None and bool not in scalar_types(node):
        flag = f"--{body}"
        raise OverrideError(
            f"{body} needs a value ({type_name(node.annotation)})",
            origin=origin,
            hint=f"a bare {flag} is only for bool fields; write {flag} VALUE or {flag}=VALUE",
        )
    return _reparse(f"{body}=true", origin)


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
        if not isinstance(key, str) or not re.match(KEY_PATTERN, key):
            raise OverrideError(f"bad key {key!r} in the JSON argument", origin=origin)
        path = split_key(key, origin)
        try:
            check_depth(value, path, origin)
        except OverrideError as exc:
            raise OverrideError(
                f"a JSON argument nested deeper than {MAX_DEPTH} levels", origin=origin
            ) from exc
        out.append(Override(Op.SET, key, path, value, None, origin))
    return out


def _is_file_token(token: str) -> bool:
    return not token.startswith(("-", "+", "~")) and "=" not in token


def _reparse(body: str, origin: Origin, secret: bool = False, shift: int = 0) -> Override:
    try:
        return parse_override(body, origin.index or 0, origin=origin, shift=shift)
    except OverrideError:
        if not secret:
            raise
        # The parser's message and hint quote the value; for a secret, say less.
        raise OverrideError(
            "cannot parse the value of a secret field (the value is not shown)",
            origin=origin,
            hint="quote the value: key='...'",
        ) from None


