"""Schema references: ``package.module:Model`` or ``path/to/file.py:Model``, imported.

Used by the ``typedcfg`` command (``check --schema REF``, ``schema REF`` ...).
"""

from __future__ import annotations

import importlib
import importlib.util
import itertools
import os
import sys
from typing import Any

from ..errors import SchemaError, suggest
from ..provenance import Origin, SourceKind
from ..typeinfo import is_schema

__all__ = ["load_schema"]


def load_schema(ref: str, origin: Origin | None = None) -> type[Any]:
    """Import the schema named by ``ref`` (``pkg.module:Model`` or ``path/file.py:Model``).

    Raises:
        SchemaError: malformed reference, import failure, missing attribute, or not a schema.
    """
    origin = origin or Origin(SourceKind.ARGV, text=ref)
    where, sep, attr = ref.rpartition(":")
    if not sep or not where or not attr:
        raise SchemaError(
            "expected a schema reference 'package.module:Model' or 'path/to/file.py:Model'",
            origin=origin,
        )
    if where.endswith(".py") or "/" in where or os.sep in where:
        obj: Any = _import_file(where, origin)
    else:
        obj = _import_module(where, origin)
    for part in attr.split("."):
        if not hasattr(obj, part):
            names = [n for n in dir(obj) if not n.startswith("_")]
            raise SchemaError(
                f"{where} has no attribute {part!r}",
                origin=origin,
                suggestions=suggest(part, names),
            )
        obj = getattr(obj, part)
    if not is_schema(obj):
        got = obj.__name__ if isinstance(obj, type) else type(obj).__name__
        raise SchemaError(
            f"{attr!r} is not a schema: expected a pydantic BaseModel subclass, a pydantic "
            f"dataclass or a dataclass (got {got})",
            origin=origin,
        )
    schema: type[Any] = obj
    return schema


def _import_file(path: str, ref_origin: Origin) -> Any:
    origin = Origin(SourceKind.CODE, file=path)
    if not os.path.isfile(path):
        raise SchemaError(
            f"schema file {path!r} not found",
            origin=ref_origin,  # the argument that names it, as for a missing attribute
            suggestions=_near_files(path),
        )
    full = os.path.abspath(path)
    name = _module_name(full)
    loaded = sys.modules.get(name)
    if loaded is not None:
        return loaded  # this file was imported before in this process
    spec = importlib.util.spec_from_file_location(name, full)
    if spec is None or spec.loader is None:
        raise SchemaError("cannot import this file as a Python module", origin=origin)
    module = importlib.util.module_from_spec(spec)
    # Registered before running it: dataclasses and pydantic look the module up by name. The
    # file's own directory is on the path while it runs, so it can import its neighbours.
    sys.modules[name] = module
    folder = os.path.dirname(full)
    added = folder not in sys.path
    if added:
        sys.path.insert(0, folder)
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(name, None)
        where = Origin(SourceKind.CODE, exc.filename or path, exc.lineno, exc.offset)
        raise SchemaError(f"invalid Python: {exc.msg}", origin=where) from exc
    except Exception as exc:  # the user's module failed while running
        sys.modules.pop(name, None)
        raise SchemaError(
            f"importing the schema file failed: {type(exc).__name__}: {exc}", origin=origin
        ) from exc
    finally:
        if added and folder in sys.path:
            sys.path.remove(folder)
    return module


def _near_files(path: str) -> list[str]:
    """Python files beside where ``path`` points whose names are close to its name."""
    folder, name = os.path.split(path)
    try:
        names = [n for n in os.listdir(folder or ".") if n.endswith(".py")]
    except OSError:
        return []
    return [os.path.join(folder, n) for n in suggest(name, names)]


def _module_name(full: str) -> str:
    """The module name for schema file ``full``: its stem, made unique if another module has it.

    The stem reads best in reprs, and it keeps generated JSON Schemas the same on every machine
    (pydantic puts the module name into a definition's name when two classes share a name).
    """
    stem = os.path.splitext(os.path.basename(full))[0]
    if not stem.isidentifier():
        stem = "schema_file"
    candidates = itertools.chain([stem], (f"{stem}__typedcfg{n}" for n in itertools.count(2)))
    for name in candidates:
        found = sys.modules.get(name)
        if found is None or getattr(found, "__file__", None) == full:
            return name
    raise AssertionError("unreachable")  # pragma: no cover - the candidates never run out


def _import_module(name: str, origin: Origin) -> Any:
    # A console script does not put the working directory on the path; `python -m` does.
    cwd = os.getcwd()
    if cwd not in sys.path and "" not in sys.path:
        sys.path.insert(0, cwd)
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        raise SchemaError(f"cannot import module {name!r}: {exc}", origin=origin) from exc
    except Exception as exc:  # the user's module failed while running
        raise SchemaError(
            f"importing module {name!r} failed: {type(exc).__name__}: {exc}", origin=origin
        ) from exc
