"""Safe YAML with a position for every node, in one pass over PyYAML's node graph.

Layer 2: imports :mod:`typedcfg.provenance`, :mod:`typedcfg.errors`, :mod:`typedcfg.typeinfo`.

Why not ``yaml.safe_load``: it forgets positions, keeps the last of two duplicate keys, reads
YAML 1.1 (``NO`` is ``False``, ``1e-3`` a string, ``1:30`` the number 90) and expands aliases
without a bound. Here libyaml (or the pure-Python parser as a fallback) only *composes* nodes,
with a resolver that does nothing, and one walk builds the values, records ``file:line:col``
for every node, rejects duplicate keys and unsafe tags, caps alias expansion, and reads
unquoted scalars the way the schema field wants them.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader, ReaderError

from ..errors import ConfigFileError
from ..provenance import KeyPath, Origin, SourceKind
from ..typeinfo import DICT, TypeNode
from .line_reader import CONSTANTS, NULLS, parse_block, parse_scalar

__all__ = ["Document", "parse_scalar", "parse_yaml", "read_text"]

_PLAIN = "typedcfg:plain"
_TEXT = "typedcfg:text"
_CONTAINER = "typedcfg:container"
_CORE = "tag:yaml.org,2002:"
_SAFE_TAGS = {
    _CORE + "str",
    _CORE + "int",
    _CORE + "float",
    _CORE + "bool",
    _CORE + "null",
    _CORE + "map",
    _CORE + "seq",
    _CORE + "merge",
}
# Alias expansion budget: this many nodes built through aliases, plus ten per node in the file.
ALIAS_BUDGET = 100_000
# Below what Python's default recursion limit allows the walk (about 3 frames a level) and
# PyYAML's pure-Python composer (2 frames a level), even when the caller is deep already.
MAX_DEPTH = 100
# The largest config file read. Composing a file costs up to ~280 bytes of memory per byte of
# input (PyYAML's node graph, then values and an origin per node): a 4 MiB flow list of small
# numbers peaks near 1.15 GB through ``load`` (measured, see docs/hardening.md). Real configs
# are kilobytes; a bigger file is refused before it is read, so memory stays bounded.
MAX_FILE_BYTES = 4 * 1024 * 1024


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

_NOT_ENTRY: Any = object()  # desc_value_entry: the mapping is plain data, not {desc, value}


class Document:
    """A parsed file: values, positions and ``desc`` texts.

    Attributes:
        data: the top-level mapping (``None`` for an empty file).
        origins: key path -> origin for every node.
        descriptions: key path -> ``desc`` of desc/value entries.
        interpolated: some string holds ``${``.
        desc_value: how many top-level keys were written in the desc/value form.
    """

    __slots__ = ("data", "desc_value", "descriptions", "interpolated", "origins")

    def __init__(self) -> None:
        self.data: Any = None
        self.origins: dict[KeyPath, Origin] = {}
        self.descriptions: dict[KeyPath, str] = {}
        self.interpolated = False
        self.desc_value = 0


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # no newline translation on Windows


def read_text(path: str, kind: SourceKind) -> str:
    """Read a config file as UTF-8 text (a BOM is dropped), mapping OS errors to ours."""
    try:
        # os.read, not open(): a file object and its buffer cost more than reading a small
        # config. One byte over the limit is enough to know; a regular file is asked for its
        # size plus one, so a single read reaches the end. fstat says 0 for pipes and /proc
        # files, which are read in bounded chunks.
        fd = os.open(path, _READ_FLAGS)
        try:
            size = os.fstat(fd).st_size
            raw = os.read(fd, (size if 0 < size <= MAX_FILE_BYTES else MAX_FILE_BYTES) + 1)
            if size == 0 or len(raw) > size:  # a pipe, or a file that grew since fstat
                while len(raw) <= MAX_FILE_BYTES:
                    more = os.read(fd, MAX_FILE_BYTES + 1 - len(raw))
                    if not more:
                        break
                    raw += more
        finally:
            os.close(fd)
    except FileNotFoundError as exc:
        raise ConfigFileError(
            "file not found", origin=Origin(kind, path), hint=_cwd_hint()
        ) from exc
    except IsADirectoryError as exc:
        raise ConfigFileError("is a directory, not a file", origin=Origin(kind, path)) from exc
    except OSError as exc:
        raise ConfigFileError(
            f"cannot read the file: {exc.strerror or exc}", origin=Origin(kind, path)
        ) from exc
    except ValueError as exc:  # open() refuses a name with a NUL byte
        raise ConfigFileError(f"cannot open the file: {exc}", origin=Origin(kind, path)) from exc
    if len(raw) > MAX_FILE_BYTES:
        raise _too_large(path, kind)
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        line_start = before.rfind(b"\n") + 1
        column = len(raw[line_start : exc.start].decode("utf-8", "replace")) + 1
        raise ConfigFileError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            origin=Origin.at(kind, path, line, column),
        ) from exc


def _too_large(path: str, kind: SourceKind) -> ConfigFileError:
    try:
        size = f"{os.path.getsize(path) / 2**20:.1f} MiB"
    except OSError:
        size = f"over {MAX_FILE_BYTES // 2**20} MiB"
    return ConfigFileError(
        f"the file is too large ({size}); typedcfg reads config files of up to "
        f"{MAX_FILE_BYTES // 2**20} MiB",
        origin=Origin(kind, path),
        hint="keep large data in a file of its own and put that file's path in the config",
    )


def _cwd_hint() -> str:
    return f"relative paths are read from the working directory ({os.getcwd()})"


def parse_yaml(
    text: str,
    file: str,
    kind: SourceKind,
    hint: TypeNode | None = None,
    *,
    desc_value: bool = True,
) -> Document:
    """Parse one YAML document into a :class:`Document`.

    Args:
        text: the file's text.
        file: the path shown in origins.
        kind: the source kind recorded in origins.
        hint: the schema node of the top level (guides scalars; ``None`` for schema-free).
        desc_value: recognise wandb's ``key: {desc: ..., value: ...}`` entries at the top level.

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
            return _parse(text, file, kind, hint, desc_value, consume=True)
        except ConfigFileError:
            pass
    return _parse(text, file, kind, hint, desc_value, consume=False)


def _parse(
    text: str, file: str, kind: SourceKind, hint: TypeNode | None, desc_value: bool, consume: bool
) -> Document:
    try:
        loader = _Loader(text)
        try:
            root = loader.get_single_node()
            merge_keys = "<<" in text  # a plain or "!!merge"-tagged << (the walk checks which)
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise _syntax_error(exc, file, kind, text) from exc
    except ReaderError as exc:
        # libyaml counts the offset in bytes of the UTF-8 text, PyYAML's Reader in characters.
        in_bytes = not issubclass(_Loader, Reader)
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
        doc.data = walker.top(root, hint, desc_value)
    except RecursionError as exc:
        raise ConfigFileError(
            f"nesting is deeper than {MAX_DEPTH} levels", origin=Origin(kind, file)
        ) from exc
    return doc


def _consumed(pairs: list[tuple[Node, Node]]) -> Iterator[tuple[Node, Node]]:
    """The pairs in order, each dropped from the list as it is taken (``_Walker.consume``)."""
    pairs.reverse()
    while pairs:
        yield pairs.pop()


def _origin(kind: SourceKind, file: str, node: Node) -> Origin:
    mark = node.start_mark
    return Origin(kind, file, mark.line + 1, mark.column + 1)


def _reader_error(
    exc: ReaderError, file: str, kind: SourceKind, text: str, in_bytes: bool
) -> ConfigFileError:
    """A character YAML refuses, located: PyYAML's ReaderError has only an offset."""
    if in_bytes:
        before = text.encode("utf-8")[: exc.position].decode("utf-8", "replace")
    else:
        before = text[: exc.position]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    character = exc.character
    code = ord(character) if isinstance(character, str) else int(character)
    what = "control character" if code < 0x20 or 0x7F <= code < 0xA0 else "character"
    return ConfigFileError(
        f"invalid YAML: {what} 0x{code:02x} is not allowed in a YAML file",
        origin=Origin.at(kind, file, line, column),
        hint=f'remove it, or write it as an escape in a double-quoted string ("\\x{code:02x}")',
    )


def _syntax_error(
    exc: yaml.MarkedYAMLError, file: str, kind: SourceKind, text: str
) -> ConfigFileError:
    mark = exc.problem_mark or exc.context_mark
    origin = Origin.at(kind, file, mark.line + 1, mark.column + 1) if mark else Origin(kind, file)
    problem = exc.problem or "invalid YAML"
    message = f"invalid YAML: {problem}"
    if exc.context:
        where = ""
        context_mark = exc.context_mark
        if context_mark is not None and mark is not None and (
            (context_mark.line, context_mark.column) != (mark.line, mark.column)
        ):
            where = f" (line {context_mark.line + 1}, column {context_mark.column + 1})"
        message += f" ({exc.context}{where})"
    hint = None
    line = text.splitlines()[mark.line] if mark and mark.line < len(text.splitlines()) else ""
    if "\t" in problem or "tab" in problem or "\t" in line[: (mark.column if mark else 0) + 1]:
        hint = "YAML indentation uses spaces, not tabs"
    return ConfigFileError(message, origin=origin, hint=hint)


class _Walker:
    """Builds values from nodes; one instance per document."""

    def __init__(
        self, file: str, kind: SourceKind, doc: Document, merge_keys: bool, consume: bool = False
    ) -> None:
        self.merge_keys = merge_keys
        self.consume = consume  # take mappings' pair lists apart while walking them
        self.file = file
        self.kind = kind
        self.doc = doc
        self.origins = doc.origins
        self.seen: set[int] = set()
        self.budget = ALIAS_BUDGET
        self.depth = 0
        self.expanding: list[Node] = []  # the aliased containers being built, innermost last

    def alias_error(self, node: Node) -> ConfigFileError:
        return self.error(
            node,
            "aliases expand to too many values (a 'billion laughs' file?); "
            f"the limit is {ALIAS_BUDGET} values built through aliases",
        )

    def check_tags(self, node: Node) -> None:
        """Refuse unsafe or unknown tags in parts that are not built (``desc``, ``_wandb``)."""
        stack: list[Node] = [node]
        seen: set[int] = set()
        while stack:
            item = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, ScalarNode):
                if item.tag not in (_PLAIN, _TEXT, _CORE + "str") and item.tag not in _EXPLICIT:
                    raise self.bad_tag(item)
                continue
            if item.tag != _CONTAINER and item.tag not in _SAFE_TAGS:
                raise self.bad_tag(item)
            if isinstance(item, MappingNode):
                stack.extend(part for pair in item.value for part in pair)
            else:
                stack.extend(item.value)

    def error(self, node: Node, message: str, hint: str | None = None) -> ConfigFileError:
        return ConfigFileError(message, origin=_origin(self.kind, self.file, node), hint=hint)

    def top(self, root: MappingNode, hint: TypeNode | None, desc_value: bool) -> dict[str, Any]:
        pairs = self.pairs(root)
        version = None
        out: dict[str, Any] = {}
        keys_seen: dict[str, Node] = {}
        children = hint.children if hint is not None else None
        versioned = any(k.value == "wandb_version" for k, _ in pairs)
        for key_node, value_node in _consumed(pairs) if self.consume else pairs:
            key = self.key(key_node)
            if key in keys_seen:
                raise self.duplicate(key, keys_seen[key], key_node)
            keys_seen[key] = key_node
            if key == "wandb_version":
                self.check_tags(value_node)
                version = value_node
                continue
            if key == "_wandb":  # wandb's own bookkeeping in a saved run config
                self.check_tags(value_node)
                continue
            child = children.get(key) if children is not None else None
            if desc_value and isinstance(value_node, MappingNode):
                entry = self.desc_value_entry(key, value_node, child, versioned)
                if entry is not _NOT_ENTRY:  # 'value: null' is an entry whose value is None
                    out[key] = entry
                    continue
            elif versioned and desc_value:
                raise self.error(
                    value_node,
                    f"{key}: a file with wandb_version holds desc/value entries; "
                    f"write '{key}: {{value: ...}}'",
                )
            out[key] = self.value(value_node, (key,), child)
            if isinstance(value_node, (MappingNode, SequenceNode)) and not value_node.flow_style:
                # As below the top level: a block mapping or list is located at its key.
                mark = key_node.start_mark
                self.origins[(key,)] = Origin(self.kind, self.file, mark.line + 1, mark.column + 1)
        if version is not None:
            text = version.value if isinstance(version, ScalarNode) else None
            if text not in ("1", 1):
                raise self.error(
                    version,
                    f"wandb_version: unknown version {text!r}; only 1 exists",
                )
        return out

    def desc_value_entry(
        self, key: str, node: MappingNode, child: TypeNode | None, versioned: bool
    ) -> Any:
        """The ``value`` of a desc/value entry, or ``None`` when ``node`` is plain data."""
        names: dict[str, tuple[Node, Node]] = {}
        for k, v in node.value:
            if isinstance(k, ScalarNode):
                if k.value in names:
                    raise self.duplicate(k.value, names[k.value][0], k)
                names[k.value] = (k, v)
        if "value" not in names and "desc" not in names:
            if versioned:
                raise self.error(node, f"{key}: desc/value entry without 'value'")
            return _NOT_ENTRY
        claimed = child is not None and child.children is not None and (
            "value" in child.children or "desc" in child.children
        )
        if claimed and not versioned:
            return _NOT_ENTRY  # the schema's own model has a 'value'/'desc' field: plain data
        if (
            not versioned
            and child is not None
            and child.kind == DICT
            and "value" in names
            and not isinstance(names["value"][1], MappingNode)
        ):
            # A dict field's own 'value' key (its desc/value form holds a mapping).
            return _NOT_ENTRY
        extra = [n for n in names if n not in ("desc", "value")]
        if extra:
            if not versioned and "value" not in names:
                return _NOT_ENTRY
            if not versioned and "desc" not in names:
                return _NOT_ENTRY
            raise self.error(
                names[extra[0]][0],
                f"{key}: unexpected key {extra[0]!r} in a desc/value entry "
                "(only 'desc' and 'value' are allowed)",
            )
        if "value" not in names:
            raise self.error(
                node,
                f"{key}: desc/value entry without 'value'",
                hint=f"add 'value:' under '{key}', or remove 'desc' to write plain YAML",
            )
        self.doc.desc_value += 1
        if "desc" in names:
            desc_node = names["desc"][1]
            self.check_tags(desc_node)
            if isinstance(desc_node, ScalarNode) and desc_node.value:
                self.doc.descriptions[(key,)] = desc_node.value
        return self.value(names["value"][1], (key,), child)

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.error(node, "a key must be a plain value, not a mapping or a list")
        tag = node.tag
        if tag not in (_PLAIN, _TEXT) and tag not in _SAFE_TAGS:
            raise self.bad_tag(node)
        return str(node.value)

    def duplicate(self, key: str, first: Node, second: Node) -> ConfigFileError:
        line = first.start_mark.line + 1
        return self.error(
            second,
            f"duplicate key {key!r} (first defined at line {line})",
            hint="YAML keeps only one of them; remove or rename the other",
        )

    def bad_tag(self, node: Node) -> ConfigFileError:
        tag = node.tag
        if tag.startswith(_CORE + "python/"):
            return self.error(
                node,
                f"unsafe tag !!{tag[len(_CORE):]} refused: typedcfg never constructs objects "
                "from YAML",
            )
        shown = "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag
        return self.error(node, f"unsupported tag {shown}; config files hold plain data")

    def pairs(
        self, node: MappingNode, merging: tuple[MappingNode, ...] = ()
    ) -> list[tuple[Node, Node]]:
        """The mapping's pairs, with YAML merge keys (``<<: *base``) expanded first.

        ``merging`` holds the mappings whose merge keys led here, to refuse a merge cycle.
        """
        pairs: list[tuple[Node, Node]] = node.value
        if not self.merge_keys or not any(
            isinstance(k, ScalarNode) and k.value == "<<" and k.tag in (_PLAIN, _CORE + "merge")
            for k, _ in pairs
        ):
            return pairs
        merged: list[tuple[Node, Node]] = []
        own: list[tuple[Node, Node]] = []
        for k, v in pairs:
            if isinstance(k, ScalarNode) and k.value == "<<" and k.tag in (_PLAIN, _CORE + "merge"):
                sources = v.value if isinstance(v, SequenceNode) else [v]
                for src in sources:
                    if not isinstance(src, MappingNode):
                        raise self.error(src, "a merge key '<<' takes a mapping or a list of them")
                    if src is node or src in merging:
                        raise self.error(
                            node, "a merge key '<<' refers to a mapping that contains it"
                        )
                    merged.extend(self.pairs(src, (*merging, node)))
            else:
                own.append((k, v))
        own_keys = {k.value for k, _ in own if isinstance(k, ScalarNode)}
        result: list[tuple[Node, Node]] = []
        taken: set[str] = set()
        for k, v in merged:
            name = self.key(k)  # a merged mapping's key may be a list or mapping: refused here
            # Earlier merge sources win over later ones; the mapping's own keys win over all.
            if name in own_keys or name in taken:
                continue
            taken.add(name)
            result.append((k, v))
        return result + own

    def value(self, node: Node, path: KeyPath, hint: TypeNode | None) -> Any:
        """Build the value of ``node`` (recursively), recording the origin of every node."""
        mark = node.start_mark
        self.origins[path] = Origin(self.kind, self.file, mark.line + 1, mark.column + 1)
        cls = node.__class__
        if self.expanding:
            # Every value built through an alias counts, scalars included: wide lists under a
            # few aliases are as expensive as deep ones.
            self.budget -= 1
            if self.budget < 0:
                raise self.alias_error(self.expanding[-1])
        if cls is ScalarNode:
            return self.scalar(node, hint)  # type: ignore[arg-type]
        node_id = id(node)
        if node_id in self.seen:
            aliased = True
        else:
            self.seen.add(node_id)
            aliased = False
        tag = node.tag
        if tag != _CONTAINER:
            kind = "mapping" if cls is MappingNode else "list"
            fits = _CORE + ("map" if cls is MappingNode else "seq")
            if tag in _SAFE_TAGS and tag != fits:
                raise self.error(node, f"tag !!{tag[len(_CORE):]} does not fit a {kind}")
            if tag != fits:
                raise self.bad_tag(node)
        self.depth += 1
        if self.depth > MAX_DEPTH:
            # Checked only here, so the walk pays nothing for it: an alias inside the value it
            # names would otherwise read as very deep nesting.
            if aliased and _contains(node, node):
                raise self.error(node, "a recursive alias: this value contains itself")
            raise self.error(node, f"nesting is deeper than {MAX_DEPTH} levels")
        if aliased:
            self.expanding.append(node)
        try:
            if cls is MappingNode:
                return self.mapping(node, path, hint, aliased)  # type: ignore[arg-type]
            return self.sequence(node, path, hint)  # type: ignore[arg-type]
        finally:
            self.depth -= 1
            if aliased:
                self.expanding.pop()

    def mapping(
        self, node: MappingNode, path: KeyPath, hint: TypeNode | None, aliased: bool
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if hint is not None and hint.discriminator:
            hint = self.member(node, hint)
        children = hint.children if hint is not None else None
        item = hint.item if hint is not None else None
        value = self.value
        pairs = self.pairs(node)
        for key_node, value_node in _consumed(pairs) if self.consume else pairs:
            if key_node.__class__ is ScalarNode and key_node.tag == _PLAIN:
                key = key_node.value
            else:
                key = self.key(key_node)
            if key in out:
                if self.consume:  # the first key node is gone: found again on an intact tree
                    raise self.error(key_node, f"duplicate key {key!r}")
                first = next(k for k, _ in node.value if getattr(k, "value", None) == key)
                raise self.duplicate(key, first, key_node)
            child = item
            if children is not None:
                child = children.get(key, item)
            here = (*path, key)
            out[key] = value(value_node, here, child)
            if value_node.__class__ is not ScalarNode and not getattr(
                value_node, "flow_style", False
            ):
                # A block mapping or list starts on the next line: point at its key instead.
                mark = key_node.start_mark
                self.origins[here] = Origin(self.kind, self.file, mark.line + 1, mark.column + 1)
        return out

    def member(self, node: MappingNode, hint: TypeNode) -> TypeNode:
        """The member of a discriminated union that the mapping's discriminator names."""
        for key_node, value_node in node.value:
            if key_node.value == hint.discriminator and isinstance(value_node, ScalarNode):
                return hint.tagged.get(value_node.value, hint)
        return hint

    def sequence(self, node: SequenceNode, path: KeyPath, hint: TypeNode | None) -> list[Any]:
        item = hint.item if hint is not None else None
        value = self.value
        return [value(child, (*path, i), item) for i, child in enumerate(node.value)]

    def scalar(self, node: ScalarNode, hint: TypeNode | None) -> Any:
        tag = node.tag
        text: str = node.value
        if tag == _PLAIN:
            if hint is not None and hint.text and text not in NULLS:
                value: Any = text
            else:
                try:
                    value = parse_scalar(text) if text else None
                except ValueError as exc:  # int() refuses more than 4300 digits
                    raise self.error(node, f"number too long ({len(text)} digits)") from exc
        elif tag == _TEXT or tag == _CORE + "str":
            value = text
        else:
            value = self.tagged_scalar(node)
        if value.__class__ is str and "${" in value:
            self.doc.interpolated = True
        return value

    def tagged_scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        text = node.value
        convert: Callable[[str], Any] | None = _EXPLICIT.get(tag)
        if convert is None:
            raise self.bad_tag(node)
        try:
            return convert(text)
        except ValueError as exc:
            raise self.error(node, f"{text!r} is not a valid !!{tag[len(_CORE):]}") from exc


def _contains(root: Node, target: Node) -> bool:
    """Whether ``target`` is reachable from ``root``'s children (an alias cycle)."""
    stack: list[Node] = []
    seen: set[int] = set()

    def children(item: Node) -> list[Node]:
        if isinstance(item, MappingNode):
            return [part for pair in item.value for part in pair]
        if isinstance(item, SequenceNode):
            return list(item.value)
        return []

    stack.extend(children(root))
    while stack:
        item = stack.pop()
        if item is target:
            return True
        if id(item) not in seen:
            seen.add(id(item))
            stack.extend(children(item))
    return False


def _explicit_bool(text: str) -> bool:
    value = CONSTANTS.get(text)
    if isinstance(value, bool):
        return value
    raise ValueError(text)


def _explicit_null(text: str) -> None:
    if text in NULLS:
        return None
    raise ValueError(text)


def _explicit_int(text: str) -> int:
    value = parse_scalar(text)
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise ValueError(text)


def _explicit_float(text: str) -> float:
    value = parse_scalar(text)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    raise ValueError(text)


_EXPLICIT: dict[str, Callable[[str], Any]] = {
    _CORE + "int": _explicit_int,
    _CORE + "float": _explicit_float,
    _CORE + "bool": _explicit_bool,
    _CORE + "null": _explicit_null,
}
