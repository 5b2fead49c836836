"""Safe YAML with a position for every node, in one pass over PyYAML's node graph.

Why not ``yaml.safe_load``: it forgets positions, keeps the last of two duplicate keys, reads
YAML 1.1 (``NO`` is ``False``, ``1e-3`` a string, ``1:30`` the number 90) and expands aliases
without a bound. Here libyaml (or the pure-Python parser as a fallback) only *composes* nodes,
with a resolver that does nothing, and one walk builds the values, records ``file:line:col``
for every node, rejects duplicate keys and unsafe tags, caps alias expansion, and reads
unquoted scalars the way the schema field wants them.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.reader import Reader, ReaderError

from ..errors import ConfigFileError
from ..provenance import Origin, SourceKind
from ..typeinfo import TypeNode
from .desc_value import read_top
from .files import read_text
from .line_reader import parse_block
from .scalars import _CORE, parse_scalar
from .yaml_walk import _CONTAINER, _PLAIN, _TEXT, MAX_DEPTH, Document, _origin, _Walker

__all__ = ["Document", "key_origin", "parse_scalar", "parse_yaml", "read_text"]


class _NullResolver:
    """Tags every implicit node with a constant: the walk below resolves scalars itself."""

    yaml_implicit_resolvers: dict[str, Any] = {}  # noqa: RUF012 - PyYAML's protocol

    merge_keys = False

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                if value == "<<":
                    self.merge_keys = True  # the walk expands merge keys only when set
                return _PLAIN
            return _TEXT
        return _CONTAINER

    def descend_resolver(self, current_node: Any, current_index: Any) -> None:
        pass

    def ascend_resolver(self) -> None:
        pass


def _make_loader() -> tuple[type, bool]:
    try:
        # CBaseLoader is libyaml's parser plus PyYAML's base constructor and resolver; listed
        # first, _NullResolver's methods replace the resolver's, and no constructor runs.
        from yaml.cyaml import CBaseLoader

        class _CNodeLoader(_NullResolver, CBaseLoader):
            def __init__(self, stream: str) -> None:
                CBaseLoader.__init__(self, stream)

        return _CNodeLoader, True
    except ImportError:  # PyYAML built without libyaml
        from yaml.composer import Composer
        from yaml.parser import Parser
        from yaml.reader import Reader
        from yaml.scanner import Scanner

        class _PyNodeLoader(Reader, Scanner, Parser, Composer, _NullResolver):
            def __init__(self, stream: str) -> None:
                Reader.__init__(self, stream)
                Scanner.__init__(self)
                Parser.__init__(self)
                Composer.__init__(self)

        return _PyNodeLoader, False


_Loader, LIBYAML = _make_loader()


def parse_yaml(
    text: str,
    file: str,
    kind: SourceKind,
    hint: TypeNode | None = None,
    *,
    desc_value: bool = True,
    top_list: bool = False,
) -> Document:
    """Parse one YAML document into a :class:`Document`.

    Args:
        text: the file's text.
        file: the path shown in origins.
        kind: the source kind recorded in origins.
        hint: the schema node of the top level (guides scalars; ``None`` for schema-free).
        desc_value: recognise wandb's ``key: {desc: ..., value: ...}`` entries at the top level.
        top_list: a top-level list is data too (a group option that is a list, as in Hydra).

    Raises:
        ConfigFileError: invalid YAML, duplicate keys, unsafe or unknown tags, alias bombs,
            a top level that is not a mapping, or a malformed desc/value entry.
    """
    # A file without anchors has no shared nodes: the walk may then take the node tree apart
    # as it builds the values, so the tree and the values never both fill memory (libyaml's
    # nodes take about six times the memory of the values they hold). Any error found while
    # doing so is found again on an intact tree, for the exact same message.
    block = parse_block(text, file, kind, hint, desc_value)
    if block is not None:
        doc = Document()
        doc.data, doc.origins, doc.descriptions, doc.interpolated, doc.desc_value = block
        return doc
    if "&" not in text:
        try:
            return _parse(text, file, kind, hint, desc_value, consume=True, top_list=top_list)
        except ConfigFileError:
            pass
    return _parse(text, file, kind, hint, desc_value, consume=False, top_list=top_list)


def _parse(
    text: str,
    file: str,
    kind: SourceKind,
    hint: TypeNode | None,
    desc_value: bool,
    consume: bool,
    *,
    top_list: bool = False,
) -> Document:
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            merge_keys = "<<" in text  # a plain or "!!merge"-tagged << (the walk checks which)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        from .yaml_errors import _syntax_error

        raise _syntax_error(exc, file, kind, text) from exc
    except ReaderError as exc:
        # libyaml counts the offset in bytes of the UTF-8 text, PyYAML's Reader in characters.
        in_bytes = not issubclass(_Loader, Reader)
        from .yaml_errors import _reader_error

        raise _reader_error(exc, file, kind, text, in_bytes) from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"invalid YAML: {exc}", origin=Origin(kind, file)) from exc
    except RecursionError as exc:
        raise ConfigFileError(
            "nesting is too deep to read", origin=Origin(kind, file)
        ) from exc
    doc = Document()
    if root is None or (isinstance(root, ScalarNode) and root.tag == _PLAIN and not root.value):
        return doc  # empty, only comments, or a bare '---'
    if top_list and isinstance(root, SequenceNode):
        walker = _Walker(file, kind, doc, merge_keys, consume=False)
        try:
            doc.data = walker.value(root, (), hint)
        except RecursionError as exc:
            raise ConfigFileError(
                f"nesting is deeper than {MAX_DEPTH} levels", origin=Origin(kind, file)
            ) from exc
        return doc
    if not isinstance(root, MappingNode):
        got = "a list" if isinstance(root, SequenceNode) else "a single value"
        raise ConfigFileError(
            f"the top level must be a mapping of keys to values, not {got}",
            origin=_origin(kind, file, root),
        )
    walker = _Walker(file, kind, doc, merge_keys, consume)
    if root.tag not in (_CONTAINER, _CORE + "map"):
        raise walker.bad_tag(root)  # ``--- !!python/object:...`` on the document itself
    try:
        doc.data = read_top(walker, root, hint, desc_value)
    except RecursionError as exc:
        raise ConfigFileError(
            f"nesting is deeper than {MAX_DEPTH} levels", origin=Origin(kind, file)
        ) from exc
    return doc




def key_origin(origin: Origin, key: object) -> Origin:
    """Where ``key`` is written, given the ``origin`` of its value (or of the key itself).

    Origins record values; an unknown key is best shown at the key, where editors and GitHub
    annotations put it (a desc/value entry's ``value`` may sit two lines below its key). The
    file is composed again, which only happens once a key is reported. The innermost mapping
    entry named ``key`` whose key or value holds the position wins; the origin is returned
    unchanged when the file cannot be read or nothing matches.
    """
    if origin.file is None or origin.line is None or origin.column is None:
        return origin
    try:
        loader = _Loader(read_text(origin.file, origin.kind))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ConfigFileError, RecursionError):
        return origin
    spot = (origin.line - 1, origin.column - 1)
    name = str(key)
    found = None
    stack = [root] if root is not None else []
    seen: set[int] = set()
    while stack:
        node = stack.pop()
        if id(node) in seen:  # an alias: one node reached twice
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                # Of the entries named ``key`` that hold the spot, the innermost starts last.
                if (
                    isinstance(k, ScalarNode)
                    and k.value == name
                    and (_start(k) == spot or _holds(v, spot))
                    and (found is None or _start(k) > _start(found))
                ):
                    found = k
                stack.append(v)
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    if found is None:
        return origin
    mark = found.start_mark
    return Origin(origin.kind, origin.file, mark.line + 1, mark.column + 1)


def _start(node: Any) -> tuple[int, int]:
    return (node.start_mark.line, node.start_mark.column)


def _holds(node: Any, spot: tuple[int, int]) -> bool:
    """True when ``spot`` (0-based line, column) lies in the text of ``node``."""
    return _start(node) <= spot < (node.end_mark.line, node.end_mark.column) or (
        _start(node) == spot
    )
