"""Checking config files against a schema: every problem, located.

``typedcfg check`` prints what :func:`check_file` and :func:`error_problems` find;
:class:`Problem` renders one problem as a compiler-style line or a GitHub Actions annotation.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..composition.groups import Choices, GroupRepo, compose_files
from ..composition.merge import Composed, drop_key, merge_layers
from ..composition.resolve import resolve_interpolations
from ..errors import ConfigValidationError, TypedcfgError, render
from ..provenance import KeyPath, Layer, Origin, SourceKind, display_path
from ..read.grammar import parse_override
from ..typeinfo import TypeNode, schema_tree
from ..validate import validate

__all__ = ["Problem", "check_file", "error_problems", "escape_data"]


@dataclass(frozen=True)
class Problem:
    """One problem found in a checked file."""

    origin: Origin | None
    path: KeyPath | str | None
    message: str
    hint: str | None = None
    suggestions: tuple[str, ...] = ()
    level: str = "error"

    def text(self) -> str:
        """Compiler style: ``file:line:col: key.path: message``."""
        return render(self.origin, self.path, self.message, self.hint, self.suggestions)

    def github(self) -> str:
        """A GitHub Actions workflow command (``::error file=...,line=...,col=...::...``)."""
        props: list[str] = []
        origin = self.origin
        if origin is not None and origin.file is not None:
            props.append(f"file={_escape_property(display_path(origin.file))}")
            if origin.line is not None:
                props.append(f"line={origin.line}")
            if origin.column is not None:
                props.append(f"col={origin.column}")
        props.append("title=typedcfg check")
        message = render(None, self.path, self.message, self.hint, self.suggestions)
        if origin is not None and origin.file is None:
            message = f"{origin}: {message}"
        return f"::{self.level} {','.join(props)}::{escape_data(message)}"


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check_file(
    schema: type[Any], path: str, *, partial: bool = False, config_dir: str | None = None
) -> list[Problem]:
    """Every problem in one config file, checked alone against ``schema``."""
    cls: type = schema  # bare ``type``: mypy reads type[Any] as unhashable for the lru_cache
    tree = schema_tree(cls)
    problems: list[Problem] = []
    file_origin = Origin(SourceKind.CONFIG_FILE, path)
    composed: Composed | None = None
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            composed = merge_layers(_file_layers(path, tree, config_dir))
        problems.extend(
            Problem(file_origin, None, str(w.message).split(": ", 1)[-1], level="warning")
            for w in caught
        )
        if "hydra" in composed.data and "hydra" not in (tree.children or {}):
            # As in a program: Hydra's own settings are not part of a schema without 'hydra'.
            composed = drop_key(composed, "hydra")
        if composed.interpolated and not partial:
            composed = resolve_interpolations(composed)
        validate(schema, composed.data, composed.origins, tree)
    except ConfigValidationError as exc:
        for issue in exc.issues:
            if partial and (issue.kind == "missing" or _interpolated(composed, issue.path)):
                continue
            origin = issue.origin
            if origin is None or origin.kind is SourceKind.MISSING:
                origin = file_origin
            shown = issue.path if issue.show_path else None
            problems.append(Problem(origin, shown, issue.message, issue.hint, issue.suggestions))
    except TypedcfgError as exc:
        problems.append(
            Problem(exc.origin or file_origin, exc.path, exc.message, exc.hint, exc.suggestions)
        )
    return problems


def _interpolated(composed: Composed | None, path: KeyPath) -> bool:
    if composed is None:
        return False
    value: Any = composed.data
    for part in path:
        try:
            value = value[part]
        except (KeyError, IndexError, TypeError):
            return False
    return isinstance(value, str) and "${" in value


def _file_layers(path: str, tree: TypeNode, config_dir: str | None) -> list[Layer]:
    """The file's layers, with its defaults list expanded and its group placement applied."""
    repo = GroupRepo(config_dir)
    group = _group_of(path, config_dir)
    if group is not None:
        option = os.path.splitext(os.path.basename(path))[0]
        choice = parse_override(f"+{group}={option}", 0)
        return compose_files([], repo, Choices.from_overrides([choice]), tree)
    return compose_files([(path, SourceKind.CONFIG_FILE)], repo, Choices(), tree, path)


def _group_of(path: str, config_dir: str | None) -> str | None:
    """``optim`` for ``conf/optim/adam.yaml`` when ``conf`` is the config dir."""
    if config_dir is None:
        return None
    rel = os.path.relpath(os.path.abspath(path), os.path.abspath(config_dir))
    folder = os.path.dirname(rel)
    if rel.startswith("..") or not folder:
        return None
    return folder.replace(os.sep, "/")


def error_problems(
    error: TypedcfgError | None, warned: Sequence[str], fallback: Origin
) -> list[Problem]:
    """The problems of one composition: its warnings, then every issue of ``error``.

    A problem with no place of its own (a missing required key) is put at ``fallback``.
    """
    problems = [Problem(fallback, None, text, level="warning") for text in warned]
    if isinstance(error, ConfigValidationError):
        for issue in error.issues:
            origin = issue.origin
            if origin is None or origin.kind is SourceKind.MISSING:
                origin = fallback
            shown = issue.path if issue.show_path else None
            problems.append(Problem(origin, shown, issue.message, issue.hint, issue.suggestions))
    elif error is not None:
        problems.append(
            Problem(
                error.origin or fallback, error.path, error.message, error.hint, error.suggestions
            )
        )
    return problems
