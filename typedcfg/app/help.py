"""``--help`` for ``@typedcfg.main`` programs: every key with its type, default and description.

Reads the schema and the defaults file; never imports :mod:`typedcfg.app.main`.

Descriptions are written once and found in three places, first match wins:
``Field(description=...)`` (or dataclass metadata), the attribute docstring under the field in
the class body, and the ``desc`` entry of ``config-defaults.yaml``. Defaults shown are those a
run without overrides starts from: the defaults file's value when it sets the key, else the
schema's default.
"""

from __future__ import annotations

import ast
import inspect
import itertools
import os
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import MISSING, dataclass
from typing import Any

from .._plain import as_plain
from .._typing import is_mapping
from ..errors import MASK, ConfigValidationError, TypedcfgError
from ..pipeline import CWD_DEFAULTS, find_defaults_file
from ..provenance import KeyPath, Origin, SourceKind, format_path
from ..read.masking import has_secrets
from ..read.sources import file_layer
from ..typeinfo import MODEL, UNION, TypeNode, schema_tree, type_name
from ..validate import validate

__all__ = ["attribute_docstrings", "group_options", "render_help"]

WIDTH = 100

_FLAGS = (
    ("-h, --help", "show this message and exit"),
    ("--cfg", "print the composed, validated config as YAML and exit"),
    ("--explain", "print every key, its value and the source that set it, and exit"),
    ("--configs FILE ...", "YAML files applied in order after the defaults file (repeatable)"),
    ("-m, --multirun", "run one job per combination of key=a,b values (see docs/sweeps.md)"),
    ("--", "end of flags: every later token is an override"),
)


@dataclass(frozen=True)
class _Row:
    key: str
    type: str
    default: str
    description: str | None
    note: str | None = None
    problem: str | None = None


def render_help(
    schema: type,
    fn: Callable[..., Any],
    prog: str,
    *,
    defaults: Any = CWD_DEFAULTS,
    config_dir: str | os.PathLike[str] | None = None,
    config_store: object | None = None,
) -> tuple[str, TypedcfgError | None]:
    """The help text, and the problem met reading the defaults file (help is shown anyway)."""
    tree = schema_tree(schema)
    path = find_defaults_file(defaults)
    file_data: Mapping[str, Any] = {}
    file_desc: dict[KeyPath, str] = {}
    problems: dict[str, str] = {}
    problem: TypedcfgError | None = None
    if path is not None:
        try:
            layer = file_layer(path, SourceKind.DEFAULTS_FILE, tree)
        except TypedcfgError as exc:
            problem = exc
        else:
            file_data, file_desc = layer.data, layer.descriptions
            problems = _file_problems(schema, layer.data, layer.origins)
    lines = [f"usage: {prog} [-h] [--cfg] [--explain] [-m] [--configs FILE ...] [key=value ...]"]
    doc = inspect.getdoc(fn)
    if doc:
        lines += ["", doc.split("\n\n")[0].strip()]
    lines += ["", "built-in flags:"]
    lines += [f"  {flag:<20} {text}" for flag, text in _FLAGS]
    where = f" (defaults from {path})" if path is not None and problem is None else ""
    lines += ["", f"config: override with key=value or --key=value{where}"]
    rows = list(_rows(tree, (), _Context(file_data, file_desc), set()))
    for row in rows:
        head = f"  {row.key}: {row.type}{row.default}"
        if row.note:
            head += f"  [{row.note}]"
        lines.append(head)
        if row.key in problems:  # the run would stop there: say so before it is started
            lines.append(f"      invalid default: {problems[row.key]}")
        if row.description:
            lines += textwrap.wrap(
                row.description, WIDTH, initial_indent="      ", subsequent_indent="      "
            )
    if not rows:
        lines.append("  (no fields)")
    groups = _group_lines(tree, _config_dir(config_dir, path), config_store)
    if groups:
        lines += ["", "config groups: choose with group=option", *groups]
    return "\n".join(lines), problem


def _file_problems(
    schema: type, data: dict[str, Any], origins: Mapping[KeyPath, Origin]
) -> dict[str, str]:
    """Dotted key -> ``location: message`` for each value of the defaults file that does not
    fit the schema (a required field it leaves unset is not a problem of the file)."""
    try:
        validate(schema, data, origins)
    except ConfigValidationError as exc:
        return {
            format_path(issue.path): f"{issue.origin}: {issue.message}" if issue.origin
            else issue.message
            for issue in exc.issues
            if issue.kind != "missing"
        }
    return {}


def _constraints(cls: type | None, name: str) -> str:
    """``(> 0)`` for ``Field(gt=0)``: the bounds and lengths pydantic checks, in short."""
    fields: Mapping[str, Any] = getattr(cls, "__pydantic_fields__", None) or {}
    info: Any = fields.get(name)
    words: list[str] = []
    for meta in getattr(info, "metadata", ()):
        for attr, word in _BOUNDS:
            bound = getattr(meta, attr, None)
            if bound is not None:
                words.append(f"{word} {bound!r}" if isinstance(bound, str) else f"{word} {bound}")
    return f" ({', '.join(words)})" if words else ""


_BOUNDS = (
    ("gt", ">"),
    ("ge", ">="),
    ("lt", "<"),
    ("le", "<="),
    ("multiple_of", "multiple of"),
    ("min_length", "length >="),
    ("max_length", "length <="),
    ("pattern", "matching"),
)


def _config_dir(config_dir: Any, defaults_path: str | None) -> str | None:
    """``config_dir=`` when given, else ``conf/`` beside the defaults file (as compose does)."""
    if config_dir is not None:
        given: str | os.PathLike[str] = config_dir
        return str(os.fspath(given))
    beside = os.path.join(os.path.dirname(defaults_path or ""), "conf")
    return beside if os.path.isdir(beside) else None


@dataclass(frozen=True)
class _Context:
    file_data: Mapping[str, Any]
    file_desc: Mapping[KeyPath, str]


def _rows(
    node: TypeNode,
    path: KeyPath,
    ctx: _Context,
    active: set[type],
    inherited: Any = MISSING,
    note: str | None = None,
) -> Iterator[_Row]:
    """One row per leaf key below the model ``node`` (recursive schemas stop at the repeat)."""
    if node.cls is not None:
        if node.cls in active:
            return
        active = active | {node.cls}
    docs = attribute_docstrings(node.cls) if node.cls is not None else {}
    for key, field in node.fields.items():
        here = (*path, key)
        default = field.default
        if is_mapping(inherited) and key in inherited:
            default = inherited[key]
        in_file = _lookup(ctx.file_data, here)
        if in_file is not MISSING:
            default = in_file
        description: str | None = (
            field.description or docs.get(field.name) or ctx.file_desc.get(here)
        )
        child = field.type
        dotted = ".".join(str(p) for p in here)
        if child.kind == MODEL and child.cls not in active:
            plain = as_plain(default) if default is not MISSING else MISSING
            if description:
                yield _Row(dotted, type_name(child.annotation), "", description, note)
            yield from _rows(child, here, ctx, active, plain, note)
        elif child.kind == UNION and child.discriminator and child.tagged:
            yield from _union_rows(
                child, here, field.required, default, description, ctx, active, note
            )
        else:
            yield _Row(
                dotted,
                type_name(child.annotation) + _constraints(node.cls, field.name),
                _default_text(default, field.required, child.secret or has_secrets(child)),
                description,
                note,
            )


def _union_rows(
    node: TypeNode,
    path: KeyPath,
    required: bool,
    default: Any,
    description: str | None,
    ctx: _Context,
    active: set[type],
    note: str | None,
) -> Iterator[_Row]:
    """A typed group: the choice, then each option's own fields."""
    dotted = ".".join(str(p) for p in path)
    tag = node.discriminator or ""
    plain = as_plain(default) if default is not MISSING else MISSING
    chosen = plain.get(tag) if is_mapping(plain) else None
    options = ", ".join(str(t) for t in node.tagged)
    shown = f" = {chosen}" if chosen is not None else ("" if not required else " (required)")
    text = f"typed group, choose with {dotted}=OPTION: {options}"
    yield _Row(
        dotted,
        type_name(node.annotation),
        shown,
        f"{description} ({text})" if description else text,
        note,
    )
    for value, member in node.tagged.items():
        inherited = plain if is_mapping(plain) and plain.get(tag) == value else MISSING
        for row in _rows(member, path, ctx, active, inherited, f"{dotted}={value}"):
            if row.key != f"{dotted}.{tag}":
                yield row


def _lookup(data: Any, path: KeyPath) -> Any:
    node: Any = data
    for part in path:
        if not is_mapping(node):
            return MISSING
        level: Mapping[Any, Any] = node
        if part not in level:
            return MISSING
        node = level[part]
    return node


def _default_text(value: Any, required: bool, secret: bool) -> str:
    if value is MISSING:
        return " (required)" if required else ""
    if secret:
        return f" = {MASK}"
    plain = as_plain(value)
    if hasattr(plain, "get_secret_value"):
        return f" = {MASK}"
    shown = repr(plain) if isinstance(plain, str) else str(_unenum(plain))
    return f" = {shown if len(shown) <= 60 else shown[:57] + '...'}"


def _unenum(value: Any) -> Any:
    import enum
    import pathlib

    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, pathlib.PurePath):
        return str(value)
    return value


def attribute_docstrings(cls: type) -> dict[str, str]:
    """``attribute name -> docstring`` for string literals written under fields in class bodies.

    Base classes are read first so a subclass's docstring wins. Classes whose source cannot be
    read (defined in a REPL or ``python -c``) simply have none.
    """
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass.__module__.startswith(("pydantic", "builtins")):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
            tree = ast.parse(source)
        except (OSError, TypeError, SyntaxError):
            continue
        no_body: list[ast.stmt] = []
        body = next((n.body for n in tree.body if isinstance(n, ast.ClassDef)), no_body)
        for first, second in itertools.pairwise(body):
            if (
                isinstance(first, ast.AnnAssign)
                and isinstance(first.target, ast.Name)
                and isinstance(second, ast.Expr)
                and isinstance(second.value, ast.Constant)
                and isinstance(second.value.value, str)
            ):
                docs[first.target.id] = inspect.cleandoc(second.value.value)
    return docs


def group_options(config_dir: str | None) -> dict[str, list[str]]:
    """``group path -> option names`` for every sub-directory of ``config_dir``."""
    found: dict[str, list[str]] = {}
    if config_dir is None or not os.path.isdir(config_dir):
        return found
    for folder, dirs, files in os.walk(config_dir):
        dirs.sort()
        rel = os.path.relpath(folder, config_dir)
        if rel == ".":
            continue
        names = sorted(f.rsplit(".", 1)[0] for f in files if f.endswith((".yaml", ".yml")))
        if names:
            found[rel.replace(os.sep, "/")] = names
    return found


def _group_lines(tree: TypeNode, config_dir: str | None, config_store: object | None) -> list[str]:
    found = group_options(config_dir)
    stored: dict[str, list[str]] = {}
    if config_store is not None:  # the store's groups, after the directory's, in its order
        from ..composition.config_store import read_config_store

        entries = read_config_store(config_store)
        stored = {g: entries.options(g) for g in entries.groups() if entries.options(g)}
    lines: list[str] = []
    for group in [*found, *(g for g in stored if g not in found)]:
        names = sorted({*found.get(group, ()), *stored.get(group, ())})
        where = [f"{os.path.join(config_dir or '', group)}/"] if group in found else []
        where += ["ConfigStore"] if group in stored else []
        lines.append(f"  {group}: {', '.join(names)}  ({' and '.join(where)})")
    for key, field in tree.fields.items():
        node = field.type
        if node.kind == UNION and node.discriminator and node.tagged:
            options = ", ".join(str(t) for t in node.tagged)
            lines.append(f"  {key}: {options}  (typed group {type_name(node.annotation)})")
    return lines
