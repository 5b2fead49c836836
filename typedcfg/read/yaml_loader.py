"""Safe YAML with a position for every node, in one pass over PyYAML's node graph.

Why not ``yaml.safe_load``: it forgets positions, keeps the last of two duplicate keys, reads
YAML 1.1 (``NO`` is ``False``, ``1e-3`` a string, ``1:30`` the number 90) and expands aliases
without a bound. Here libyaml (or the pure-Python parser as a fallback) only *composes* nodes,
with a resolver that does nothing, and one walk builds the values, records ``file:line:col``
for every node, rejects duplicate keys and unsafe tags, caps alias expansion, and reads
unquoted scalars the way the schema field wants them.
"""

from __future__ import annotations

import collections
from collections.abc import Sequence
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader, ReaderError

from ..errors import ConfigFileError
from ..provenance import Origin, SourceKind
from ..typeinfo import TypeNode
from .desc_value import read_top
from .files import read_text
from .line_reader import parse_block
from .scalars import CORE_TAG, parse_scalar
from .yaml_walk import CONTAINER_TAG, MAX_DEPTH, PLAIN_TAG, TEXT_TAG, Document, Walker, node_origin

__all__ = ["Document", "key_origins", "parse_scalar", "parse_yaml", "read_text"]


class _NullResolver:
    """Tags every implicit node with a constant: the walk below resolves scalars itself."""

    yaml_implicit_resolvers: dict[str, Any] = {}  # noqa: RUF012 - PyYAML's protocol

    merge_keys = False

    def resolve(self, kind: type, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                if value == "<<":
                    self.merge_keys = True  # the walk expands merge keys only when set
                return PLAIN_TAG
            return TEXT_TAG
        return CONTAINER_TAG

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
        from .yaml_errors import syntax_error

        raise syntax_error(exc, file, kind, text) from exc
    except ReaderError as exc:
        # libyaml counts the offset in bytes of the UTF-8 text, PyYAML's Reader in characters.
        in_bytes = not issubclass(_Loader, Reader)
        from .yaml_errors import reader_error

        raise reader_error(exc, file, kind, text, in_bytes) from exc
    except yaml.YAMLError as exc:
        raise ConfigFileError(f"invalid YAML: {exc}", origin=Origin(kind, file)) from exc
    except RecursionError as exc:
        raise ConfigFileError(
            "nesting is too deep to read", origin=Origin(kind, file)
        ) from exc
    doc = Document()
    if root is None or (isinstance(root, ScalarNode) and root.tag == PLAIN_TAG and not root.value):
        return doc  # empty, only comments, or a bare '---'
    if top_list and isinstance(root, SequenceNode):
        walker = Walker(file, kind, doc, merge_keys, consume=False)
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
            origin=node_origin(kind, file, root),
        )
    walker = Walker(file, kind, doc, merge_keys, consume)
    if root.tag not in (CONTAINER_TAG, CORE_TAG + "map"):
        raise walker.bad_tag(root)  # ``--- !!python/object:...`` on the document itself
    try:
        doc.data = read_top(walker, root, hint, desc_value)
    except RecursionError as exc:
        raise ConfigFileError(
            f"nesting is deeper than {MAX_DEPTH} levels", origin=Origin(kind, file)
        ) from exc
    return doc




def key_origins(queries: Sequence[tuple[Origin, object]]) -> list[Origin]:
    """Where each key is written, given the ``origin`` of its value (or of the key itself).

    Origins record values; an unknown key is best shown at the key, where editors and GitHub
    annotations put it (a desc/value entry's ``value`` may sit two lines below its key). Each
    file is composed again, once for all its keys, and only once a key is reported. An origin
    is returned unchanged when its file cannot be read or no entry matches.
    """
    found = [origin for origin, _ in queries]
    by_file: dict[tuple[str, SourceKind], list[int]] = {}
    for i, (origin, _) in enumerate(queries):
        if origin.file is not None and origin.line is not None and origin.column is not None:
            by_file.setdefault((origin.file, origin.kind), []).append(i)
    for (file, kind), indexes in by_file.items():
        index = _key_index(file, kind)
        if index is None:
            continue
        exact, top = index
        for i in indexes:
            origin, key = queries[i]
            spot = ((origin.line or 1) - 1, (origin.column or 1) - 1)
            node = exact.get((str(key), spot))
            entry = top.get(str(key))
            if node is None and entry is not None and _holds(entry[1], spot):
                node = entry[0]  # a desc/value entry: the spot is its 'value'
            if node is not None:
                mark = node.start_mark
                found[i] = Origin(kind, file, mark.line + 1, mark.column + 1)
    return found


_Spot = tuple[int, int]


def _key_index(
    file: str, kind: SourceKind
) -> tuple[dict[tuple[str, _Spot], Node], dict[str, tuple[Node, Node]]] | None:
    """Every mapping key of the file by (name, where its key or its value starts), the
    innermost winning; and the top-level entries by name."""
    try:
        loader = _Loader(read_text(file, kind))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except (yaml.YAMLError, ConfigFileError, RecursionError):
        return None
    exact: dict[tuple[str, _Spot], Node] = {}
    top: dict[str, tuple[Node, Node]] = {}
    if isinstance(root, MappingNode):
        top = {k.value: (k, v) for k, v in root.value if isinstance(k, ScalarNode)}
    queue: collections.deque[Node] = collections.deque([root] if root is not None else [])
    seen: set[int] = set()
    while queue:  # breadth first: a deeper entry at the same spot comes later, and wins
        node = queue.popleft()
        if id(node) in seen:  # an alias: one node reached twice
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                if isinstance(k, ScalarNode):
                    exact[(k.value, _start(k))] = k
                    exact[(k.value, _start(v))] = k
                queue.append(v)
        elif isinstance(node, SequenceNode):
            queue.extend(node.value)
    return exact, top


def _start(node: Node) -> _Spot:
    return (node.start_mark.line, node.start_mark.column)


def _holds(node: Node, spot: _Spot) -> bool:
    """True when ``spot`` (0-based line, column) lies in the text of ``node``."""
    return _start(node) <= spot < (node.end_mark.line, node.end_mark.column)
