"""Secret values in command-line tokens: which tokens set a secret field, and their masked text.

A ``SecretStr`` field's value is masked wherever typedcfg shows a *value*; but an argv token
such as ``api_key=S3CR3T`` is also shown as a *location* (``argv[0] 'api_key=S3CR3T'``), in
error messages, ``explain()``, provenance and run records. :func:`typedcfg.read.argv.split_argv`
uses :func:`masked_token` to give such tokens a masked origin from the start, and
:func:`mask_argv` gives the same masked text for the token list a ``Loaded`` keeps.

A token is masked when its key names a secret field, or a part of the schema that holds one
(``db={user: me, password: S3CR3T}`` sets ``db.password``); the key and operator stay visible:
``api_key=**********``, ``--api_key **********``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any, cast

from ..errors import MASK, Issue
from ..provenance import KeyPath, Origin, format_path
from ..typeinfo import DICT, LIST, UNION, TypeNode, schema_traits

__all__ = [
    "MASK",
    "has_secrets",
    "mask_argv",
    "mask_data",
    "masked_json",
    "masked_token",
    "mentions_secret",
    "secret_copies",
    "secret_field",
    "secret_key",
    "secret_names",
]


def has_secrets(node: TypeNode | None) -> bool:
    """Whether ``node`` is a secret or holds one at any depth (schemas may be recursive)."""
    return node is not None and schema_traits(node).secrets


def _node_at(key: str, tree: TypeNode | None) -> TypeNode | None:
    """The schema node an override key (``a.b``, ``group/option``) reaches, if any.

    Written out rather than through ``TypeNode.child``: it runs for every command-line token.
    """
    node = tree
    for part in (key.replace("/", ".") if "/" in key else key).split("."):
        if node is None:
            return None
        children = node.children
        found = children.get(part) if children is not None else None
        node = found if found is not None else node.item
    return node


def secret_key(key: str, tree: TypeNode | None, value: str | None = None) -> bool:
    """Whether setting the override key ``key`` (``a.b``, ``group/option``) may set a secret.

    A key holding secrets below it (``db`` with a ``db.password`` field) counts only when
    ``value`` could reach them: a plain word there (``db=mysql``) selects a config-group option
    and stays visible.
    """
    node = _node_at(key, tree)
    if node is None:
        return _near_secret(key, tree)
    if node.secret:
        return True
    if not has_secrets(node):
        return False
    # A list or dict of secrets: any value given may be one. A model holding a secret is a
    # config group's place too, where a plain word names an option.
    return node.kind in (LIST, DICT) or value is None or not _PLAIN_WORD.match(value)


def _near_secret(key: str, tree: TypeNode | None) -> bool:
    """Whether the unknown key ``key`` is a mistyped secret field (``api_kye``, ``db.pasword``,
    or a field's own name where the schema knows it by an alias): the did-you-mean that names
    the secret would otherwise show the secret beside it."""
    parts = (key.replace("/", ".") if "/" in key else key).split(".")
    parent = _node_at(".".join(parts[:-1]), tree) if len(parts) > 1 else tree
    children = parent.children if parent is not None else None
    if not children:
        return False
    from ..errors import suggest

    word = parts[-1]
    squashed = word.lower().replace("_", "").replace("-", "")
    near = [
        name for name in children
        if name.lower().replace("_", "").replace("-", "") == squashed
    ] + suggest(word, children, limit=3)  # fmt: skip
    return any(
        child.secret or (child.kind in (LIST, DICT) and has_secrets(child))
        for child in (children[name] for name in near)
    )


def secret_field(key: str, tree: TypeNode | None) -> bool:
    """Whether ``key`` names a secret field itself (``--api_key VALUE`` always takes a value)."""
    node = _node_at(key, tree)
    return node is not None and node.secret


# A value that is one word (an option name, a number): it cannot hold a nested secret.
_PLAIN_WORD = re.compile(r"[A-Za-z0-9_.+\-/@%]*\Z")


def masked_token(token: str, tree: TypeNode | None) -> str | None:
    """``token`` with its value masked when it sets a secret (``key=**********``), else ``None``.

    A token without ``=`` (``--api_key`` before its value, ``~api_key``) carries no value and is
    returned as ``None``; see :func:`mask_argv` for the ``--key value`` pair.
    """
    head, eq, value = token.partition("=")
    if not eq:
        return None
    key = head[2:] if head.startswith("--") else head.lstrip("+~")
    if "@" in key:
        key = key.partition("@")[0]
    if not secret_key(key.strip(), tree, value):
        return None
    return head + "=" + MASK


def masked_json(token: str, tree: TypeNode | None) -> str | None:
    """A JSON argument (``{"api_key": "..."}``) with its secret values masked, else ``None``."""
    import json  # only for a JSON argument (wandb's ${args_json}): keeps import typedcfg cheap

    try:
        data: object = json.loads(token)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    items = cast("dict[str, object]", data)
    hidden = {
        key: MASK if secret_key(key, tree, value if isinstance(value, str) else None) else value
        for key, value in items.items()
    }
    return json.dumps(hidden) if hidden != items else None


def mask_argv(tokens: Sequence[str], tree: TypeNode | None) -> list[str]:
    """The tokens with every secret value masked, as :func:`split_argv`'s origins show them.

    Only the values go: keys, flags, file names and every other token stay as given, so the
    list still says what was run (a secret must be given again to run it again).
    """
    out = list(tokens)
    if tree is None:
        return out
    flags_done = False
    for i, token in enumerate(out):
        if not isinstance(cast("object", token), str):  # split_argv reports it
            continue
        if token == "--" and not flags_done:
            flags_done = True
            continue
        if token.lstrip().startswith("{") and token.rstrip().endswith("}"):
            out[i] = masked_json(token, tree) or token
            continue
        masked = masked_token(token, tree)
        if masked is not None:
            out[i] = masked
        elif (
            not flags_done
            and token.startswith("--")
            and len(token) > 2
            and "=" not in token
            and i + 1 < len(out)
            and not out[i + 1].startswith("--")
            and token != "--configs"
            and (
                secret_field(token[2:], tree)
                or ("=" not in out[i + 1] and secret_key(token[2:], tree, out[i + 1]))
            )
        ):
            out[i + 1] = MASK  # --api_key VALUE
    return out


# --- copies of a secret in plain fields -------------------------------------------------------


def secret_copies(
    data: Any, tree: TypeNode, origins: Mapping[KeyPath, Origin]
) -> list[Issue]:
    """Plain fields that hold a copy of a secret (``note: ${api_key}``, a YAML alias of it).

    A plain field is shown in ``--cfg``, ``--explain``, ``flatten`` and ``to_wandb``, so a
    copy there (which a shared config file could make) would publish the secret; it is
    refused instead. A secret counts inside a longer text from 6 characters on.
    """
    secrets: list[tuple[KeyPath, str]] = []
    plain: list[tuple[KeyPath, str]] = []
    stack: list[tuple[KeyPath, Any, TypeNode | None]] = [((), data, tree)]
    while stack:
        path, value, node = stack.pop()
        if node is not None and node.kind == UNION:
            node = node.select(value)
        mapping: dict[Any, Any] = value  # typed names for the isinstance checks below
        items: list[Any] = value
        if isinstance(value, str):
            (secrets if node is not None and node.secret else plain).append((path, value))
        elif isinstance(value, dict):
            for key, item in mapping.items():
                stack.append(((*path, key), item, node.child(key) if node is not None else None))
        elif isinstance(value, list):
            child = node.item if node is not None else None
            stack.extend(((*path, i), item, child) for i, item in enumerate(items))
    issues: list[Issue] = []
    for path, text in plain:
        for secret_path, secret in secrets:
            if secret and (text == secret or (len(secret) >= 6 and secret in text)):
                issues.append(
                    Issue(
                        path,
                        f"holds a copy of the secret {format_path(secret_path)!r}; a plain "
                        "field is shown in --cfg, --explain, flatten and to_wandb",
                        _nearest(origins, path),
                        MASK,
                        "secret_copy",
                        hint="make this field a SecretStr too, or do not copy the secret into it",
                    )
                )
                break
    return issues


def _nearest(origins: Mapping[KeyPath, Origin], path: KeyPath) -> Origin | None:
    for depth in range(len(path), -1, -1):
        found = origins.get(path[:depth])
        if found is not None:
            return found
    return None


# --- copies of config files in run records ------------------------------------------------------


def mentions_secret(text: str, tree: TypeNode | None) -> bool:
    """Whether ``text`` (an argument that could not be parsed) names a secret field anywhere:
    where it does, nothing says which of its parts is the secret, so it is not shown."""
    return any(name in text for name in secret_names(tree))


def secret_names(tree: TypeNode | None) -> frozenset[str]:
    """The keys whose values are secret somewhere in the schema (``api_key``, ``password``).

    A ``dict[str, SecretStr]`` field counts by its own name: everything under it is secret.
    """
    names: set[str] = set()
    stack = [tree] if tree is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for key, child in (node.children or {}).items():
            if child.secret or (child.item is not None and child.item.secret):
                names.add(key)
            stack.append(child)
        if node.item is not None:
            stack.append(node.item)
        stack.extend(node.members or ())
    return frozenset(names)


def mask_data(data: object, names: frozenset[str], values: frozenset[str]) -> object:
    """A copy of ``data`` with values under ``names`` and strings holding a secret masked.

    Iterative, as the data may come from a file nested as deeply as the loader allows.
    """
    stack: list[tuple[object, object, object]] = []  # (container copy, key, value) to fill
    root: list[object] = [None]
    stack.append((root, 0, data))
    while stack:
        target, key, value = stack.pop()
        if isinstance(value, dict):
            mapping = cast("dict[object, object]", value)
            copy: dict[object, object] = {}
            for k, v in mapping.items():
                if isinstance(k, str) and k in names:
                    copy[k] = MASK
                else:
                    copy[k] = None
                    stack.append((copy, k, v))
            new: object = copy
        elif isinstance(value, list):
            items = cast("list[object]", value)
            seq: list[object] = [None] * len(items)
            stack.extend((seq, i, v) for i, v in enumerate(items))
            new = seq
        elif isinstance(value, str) and any(s and s in value for s in values):
            new = MASK
        else:
            new = value
        if isinstance(target, dict):
            cast("dict[object, object]", target)[key] = new
        else:
            cast("list[object]", target)[cast("int", key)] = new
    return root[0]
