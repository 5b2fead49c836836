"""The walk over a composed YAML node graph: values, an origin per node, and every check.

Duplicate keys, unsafe or unknown tags, the alias-expansion budget, nesting depth, wandb
desc/value entries at the top level, and scalars read the way the schema field wants them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..errors import ConfigFileError
from ..provenance import KeyPath, Origin, SourceKind, clip
from ..typeinfo import ANY, TypeNode
from .scalars import CORE_TAG, EXPLICIT_TAGS, NULLS, parse_scalar
from .untyped import parse_untyped

PLAIN_TAG = "typedcfg:plain"


TEXT_TAG = "typedcfg:text"


CONTAINER_TAG = "typedcfg:container"




_SAFE_TAGS = {
    CORE_TAG + "str",
    CORE_TAG + "int",
    CORE_TAG + "float",
    CORE_TAG + "bool",
    CORE_TAG + "null",
    CORE_TAG + "map",
    CORE_TAG + "seq",
    CORE_TAG + "merge",
}


# Alias expansion budget: this many nodes built through aliases, plus ten per node in the file.
ALIAS_BUDGET = 100_000


# Below what Python's default recursion limit allows the walk (about 3 frames a level) and
# PyYAML's pure-Python composer (2 frames a level), even when the caller is deep already.
MAX_DEPTH = 100


NOT_ENTRY: Any = object()  # desc_value_entry: the mapping is plain data, not {desc, value}


class Document:
    """A parsed file: values, positions and ``desc`` texts.

    Attributes:
        data: the top-level mapping (``None`` for an empty file).
        origins: key path -> origin for every node.
        descriptions: key path -> ``desc`` of desc/value entries.
        interpolated: some string holds ``${``.
        desc_value: how many top-level keys were written in the desc/value form.
        constraints: key path -> the sweep-style sub-keys of its desc/value entry (``min``,
            ``max``, ``allowed_values`` ...), which ``typedcfg infer`` turns into constraints.
    """

    __slots__ = ("constraints", "data", "desc_value", "descriptions", "interpolated", "origins")

    def __init__(self) -> None:
        self.data: Any = None
        self.origins: dict[KeyPath, Origin] = {}
        self.descriptions: dict[KeyPath, str] = {}
        self.constraints: dict[KeyPath, dict[str, Any]] = {}
        self.interpolated = False
        self.desc_value = 0


def consumed(pairs: list[tuple[Node, Node]]) -> Iterator[tuple[Node, Node]]:
    """The pairs in order, each dropped from the list as it is taken (``Walker.consume``)."""
    pairs.reverse()
    while pairs:
        yield pairs.pop()


def node_origin(kind: SourceKind, file: str, node: Node) -> Origin:
    mark = node.start_mark
    return Origin(kind, file, mark.line + 1, mark.column + 1)


class Walker:
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
        self.merges: dict[int, tuple[list[tuple[Node, Node]], int]] = {}  # see merged_pairs

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
                plain = item.tag in (PLAIN_TAG, TEXT_TAG, CORE_TAG + "str")
                if not plain and item.tag not in EXPLICIT_TAGS:
                    raise self.bad_tag(item)
                continue
            if item.tag != CONTAINER_TAG and item.tag not in _SAFE_TAGS:
                raise self.bad_tag(item)
            if isinstance(item, MappingNode):
                stack.extend(part for pair in item.value for part in pair)
            else:
                stack.extend(item.value)

    def error(self, node: Node, message: str, hint: str | None = None) -> ConfigFileError:
        return ConfigFileError(message, origin=node_origin(self.kind, self.file, node), hint=hint)

    def key(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise self.error(node, "a key must be a plain value, not a mapping or a list")
        tag = node.tag
        if tag not in (PLAIN_TAG, TEXT_TAG) and tag not in _SAFE_TAGS:
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
        if tag.startswith(CORE_TAG + "python/"):
            return self.error(
                node,
                f"unsafe tag !!{tag[len(CORE_TAG):]} refused: typedcfg never constructs objects "
                "from YAML",
            )
        shown = "!!" + tag[len(CORE_TAG) :] if tag.startswith(CORE_TAG) else tag
        return self.error(node, f"unsupported tag {shown}; config files hold plain data")

    def pairs(self, node: MappingNode) -> list[tuple[Node, Node]]:
        """The mapping's pairs, with YAML merge keys (``<<: *base``) expanded first.

        Each mapping's merged pairs are built once and remembered, so mappings that merge the
        ones before them (a fan-in, a long chain) cost the pairs they take, not an expansion per
        path to them; every merged pair counts against the alias budget, as a value built
        through an alias does.
        """
        pairs: list[tuple[Node, Node]] = node.value
        if not self.merge_keys or not any(_is_merge(k) for k, _ in pairs):
            return pairs
        result, merged = self.merged_pairs(node, ())
        self.budget -= merged
        if self.budget < 0:
            raise self.error(
                node,
                "merge keys expand to too many values (merges of merges?); the limit is "
                f"{ALIAS_BUDGET} values built through aliases and merge keys",
            )
        return result

    def merged_pairs(
        self, node: MappingNode, merging: tuple[MappingNode, ...]
    ) -> tuple[list[tuple[Node, Node]], int]:
        """``(pairs, how many of them were merged in)`` for ``node``, remembered per mapping.

        ``merging`` holds the mappings whose merge keys led here, to refuse a merge cycle.
        """
        known = self.merges.get(id(node))
        if known is not None:
            return known
        if len(merging) > MAX_DEPTH:
            raise self.error(node, f"merge keys nest deeper than {MAX_DEPTH} levels")
        merged: list[tuple[Node, Node]] = []
        own: list[tuple[Node, Node]] = []
        for k, v in node.value:
            if not _is_merge(k):
                own.append((k, v))
                continue
            if isinstance(v, SequenceNode):
                if v.tag not in (CONTAINER_TAG, CORE_TAG + "seq"):
                    raise self.bad_tag(v)
                sources = v.value
            else:
                sources = [v]
            for src in sources:
                if not isinstance(src, MappingNode):
                    raise self.error(src, "a merge key '<<' takes a mapping or a list of them")
                if src.tag not in (CONTAINER_TAG, CORE_TAG + "map"):
                    raise self.bad_tag(src)  # ``<<: !!python/object:...`` is refused too
                if src is node or src in merging:
                    raise self.error(node, "a merge key '<<' refers to a mapping that contains it")
                if any(_is_merge(pk) for pk, _ in src.value):
                    merged.extend(self.merged_pairs(src, (*merging, node))[0])
                else:
                    merged.extend(src.value)  # their values' tags are checked as they are built
                if len(merged) > ALIAS_BUDGET:
                    raise self.error(
                        node,
                        "merge keys expand to too many values (merges of merges?); the limit "
                        f"is {ALIAS_BUDGET} values built through aliases and merge keys",
                    )
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
        found = (result + own, len(result))
        if not self.consume:  # a consuming walk takes each pair list apart: nothing is shared
            self.merges[id(node)] = found
        return found

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
        if tag != CONTAINER_TAG:
            kind = "mapping" if cls is MappingNode else "list"
            fits = CORE_TAG + ("map" if cls is MappingNode else "seq")
            if tag in _SAFE_TAGS and tag != fits:
                raise self.error(node, f"tag !!{tag[len(CORE_TAG):]} does not fit a {kind}")
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
        for key_node, value_node in consumed(pairs) if self.consume else pairs:
            if key_node.__class__ is ScalarNode and key_node.tag == PLAIN_TAG:
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
        if tag == PLAIN_TAG:
            if hint is None or hint.kind == ANY:
                try:
                    value: Any = parse_untyped(text)  # as OmegaConf reads it (YAML 1.1)
                except ValueError as exc:  # too many digits for int(), or a digitless '0b_'
                    raise self.error(node, f"number too long ({len(text)} digits)"
                                     if len(text) > 4000 else f"{text!r} is not a valid number"
                                     ) from exc
            elif hint.text and text not in NULLS:
                value = text
            else:
                try:
                    value = parse_scalar(text) if text else None
                except ValueError as exc:  # int() refuses more than 4300 digits
                    raise self.error(node, f"number too long ({len(text)} digits)") from exc
        elif tag == TEXT_TAG or tag == CORE_TAG + "str":
            value = text
        else:
            value = self.tagged_scalar(node, hint)
        if value.__class__ is str and "${" in value:
            self.doc.interpolated = True
        return value

    def tagged_scalar(self, node: ScalarNode, hint: TypeNode | None = None) -> Any:
        tag = node.tag
        text = node.value
        convert: Callable[[str], Any] | None = EXPLICIT_TAGS.get(tag)
        if convert is None:
            raise self.bad_tag(node)
        try:
            return convert(text)
        except ValueError as exc:
            shown = "the value" if hint is not None and hint.secret else repr(clip(text))
            raise self.error(node, f"{shown} is not a valid !!{tag[len(CORE_TAG):]}") from exc


def _is_merge(key: Node) -> bool:
    """A plain or ``!!merge``-tagged ``<<`` key."""
    return key.__class__ is ScalarNode and key.value == "<<" and key.tag in _MERGE_TAGS


_MERGE_TAGS = (PLAIN_TAG, CORE_TAG + "merge")


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
