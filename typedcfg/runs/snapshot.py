"""What a run records about where it ran: git state, copies of its config files, argv masked."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from ..errors import TypedcfgError
from ..provenance import SourceKind
from .files import FILES, read_bytes
from .formats import dump_yaml

if TYPE_CHECKING:
    import subprocess

# The masking of secrets, the YAML reader and the schema tree (pydantic) are imported by the
# functions that record a run: the store's readers import git_info from here, and stay light.


def git_info(cwd: str | os.PathLike[str]) -> dict[str, Any] | None:
    """``{"commit": sha, "dirty": bool}`` when ``cwd`` is in a git work tree, else ``None``.

    No ``git`` executable, no repository, or a repository without commits all give ``None``:
    recording a run never fails because of git.
    """
    return GitState(cwd).result()


# One ``git status`` tells both the commit (its ``# branch.oid`` header line) and whether
# tracked files changed (any other line); two git processes would cost twice as much.
_STATUS = ("git", "status", "--porcelain=v2", "--branch", "--untracked-files=no")


class GitState:
    """:func:`git_info` in two steps: ``git status`` starts here and is read by :meth:`result`,
    so that a run's other files are written while git works (it takes as long as they do).

    :meth:`close` (or :meth:`result`) must be called: it waits for the process.
    """

    def __init__(self, cwd: str | os.PathLike[str]) -> None:
        self._process: subprocess.Popen[str] | None = None
        if not _maybe_in_repository(Path(cwd)):
            return  # git would only say so, and starting it costs more than the whole record
        import subprocess  # only when recording: keeps ``import typedcfg`` light

        try:
            self._process = subprocess.Popen(
                _STATUS, cwd=cwd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL, text=True,
            )  # fmt: skip
        except (OSError, subprocess.SubprocessError):
            self._process = None

    def result(self) -> dict[str, Any] | None:
        """The commit and dirty flag (waiting for git, at most 10 s), or ``None``."""
        import subprocess

        process, self._process = self._process, None
        if process is None:
            return None
        try:
            out, _ = process.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()
            return None
        if process.returncode != 0:
            return None
        lines = out.splitlines()
        heads = [line.split()[2] for line in lines if line.startswith("# branch.oid ")]
        commit = heads[0] if heads else None
        if commit is None or commit == "(initial)":  # a repository without commits
            return None
        return {"commit": commit, "dirty": any(not line.startswith("#") for line in lines)}

    def close(self) -> None:
        """Wait for git if :meth:`result` was not called (its answer is dropped)."""
        self.result()


def _maybe_in_repository(directory: Path) -> bool:
    """False only when no git repository can hold ``directory``: no ``.git`` above it, and no
    environment variable pointing git elsewhere (then git is asked)."""
    if any(name in os.environ for name in ("GIT_DIR", "GIT_WORK_TREE", "GIT_COMMON_DIR")):
        return True
    try:
        here = directory.resolve()
    except OSError:
        return True
    if not here.is_dir():
        return False
    return any(os.path.lexists(folder / ".git") for folder in (here, *here.parents))


def copy_sources(
    names: Sequence[str], directory: Path, config: object = None
) -> list[dict[str, Any]]:
    """Copy each config file read into ``files/``; ``{path, sha256, copy}`` per file.

    A file that holds a secret of ``config``'s schema (a key naming a secret field, or a secret
    value anywhere in its text) is not copied as it is: its copy is the file's data with those
    values masked, marked ``"masked": true``, and has no ``sha256`` (a hash of a short file can
    give a guessable secret away).
    """
    import hashlib

    names_, values = _secrets_of(config)
    out: list[dict[str, Any]] = []
    for index, name in enumerate(names):
        entry: dict[str, Any] = {"path": name}
        data = read_bytes(Path(name)) if os.path.isfile(name) else None
        if data is not None:
            masked = _masked_copy(data, name, names_, values) if names_ or values else None
            entry["copy"] = f"{FILES}/{index}-{Path(name).name}"
            if masked is None:
                entry["sha256"] = hashlib.sha256(data).hexdigest()
            else:
                entry["masked"] = True
            (directory / FILES).mkdir(exist_ok=True)
            (directory / entry["copy"]).write_bytes(data if masked is None else masked)
        out.append(entry)
    return out


def masked_argv(tokens: Sequence[str], config: object) -> list[str]:
    """The argv a run record keeps: values given to ``config``'s secret fields masked."""
    from ..read.masking import mask_argv
    from ..typeinfo import is_schema, schema_tree

    kind = type(config)
    return mask_argv(list(tokens), schema_tree(kind) if is_schema(kind) else None)


def _secrets_of(config: object) -> tuple[frozenset[str], frozenset[str]]:
    """The secret field names of ``config``'s schema, and the secret values it holds."""
    from ..read.masking import secret_names
    from ..typeinfo import is_schema, schema_tree

    kind = type(config)
    if config is None or not is_schema(kind):
        return frozenset(), frozenset()
    from pydantic import SecretBytes, SecretStr

    from .._plain import as_plain

    values: set[str] = set()
    stack: list[object] = [as_plain(config)]
    while stack:
        item = stack.pop()
        if isinstance(item, SecretStr) and item.get_secret_value():
            values.add(item.get_secret_value())
        elif isinstance(item, SecretBytes) and item.get_secret_value():
            values.add(item.get_secret_value().decode("utf-8", "replace"))
        elif isinstance(item, dict):
            stack.extend(cast("dict[object, object]", item).values())
        elif isinstance(item, (list, tuple)):
            stack.extend(cast("list[object] | tuple[object, ...]", item))
    return secret_names(schema_tree(kind)), frozenset(values)


def _masked_copy(
    raw: bytes, name: str, names: frozenset[str], values: frozenset[str]
) -> bytes | None:
    """The file's data with its secrets masked, as YAML; ``None`` when it holds no secret.

    Comments and layout are lost in a masked copy: a secret may sit in a comment too.
    """
    from ..read.masking import mask_data
    from ..read.yaml_loader import parse_yaml

    text = raw.decode("utf-8", "replace")
    found = any(value in text for value in values)
    try:
        data: object = parse_yaml(text, name, SourceKind.CONFIG_FILE, desc_value=False).data
    except TypedcfgError:
        data = None  # read once already, so unlikely; mask by names found in the text instead
        found = found or any(key in text for key in names)
    masked = mask_data(data, names, values)
    if not found and masked == data:
        return None
    header = "# typedcfg: a copy of this file with its secret values masked; comments dropped\n"
    body = "" if masked is None else dump_yaml(cast("Mapping[str, Any]", masked))
    return (header + body).encode("utf-8")
