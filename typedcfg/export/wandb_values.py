"""JSON-safe values, converted the way wandb's ``run.config`` converts them (and a bit better).

A helper of :mod:`typedcfg.export.flattened` and :mod:`typedcfg.export.runconfig`.

wandb runs every config value through ``util.json_friendly``; this module reproduces that table
without importing wandb, numpy or torch, and fixes three of its gaps: pydantic models become
dicts (wandb stores ``str(model)``), one-element arrays become scalars (wandb stores ``'7'``), and
``SecretStr`` values are masked rather than left to ``str()`` by accident.
"""

from __future__ import annotations

import dataclasses
import datetime
import enum
import math
import pathlib
import sys
import types
from collections.abc import Sequence as CollectionsSequence
from typing import Any, Literal, cast

from pydantic import BaseModel, SecretBytes, SecretStr

from .._typing import is_mapping, is_sequence
from ..errors import MASK, CompositionError, ConfigMutationError
from ..provenance import KeyPath, Origin, SourceKind

__all__ = [
    "ARRAY_LIMIT",
    "check_change",
    "display_key",
    "first_changed_leaf",
    "flags_dict",
    "is_mapping",
    "is_sequence",
    "json_safe",
    "merge_dicts",
    "omegaconf_dict",
]

ARRAY_LIMIT = 32
"""Arrays with more elements than this become the text of their repr, as in wandb."""

EnumStyle = Literal["value", "name"]
_NOT_SPECIAL: Any = object()


def json_safe(
    value: Any,
    *,
    enum_as: EnumStyle = "value",
    keep_secrets: bool = False,
    nan_to_none: bool = True,
    like_wandb: bool = False,
) -> Any:
    """``value`` as JSON-safe data: dicts with string keys, lists, str, int, float, bool, None.

    Args:
        value: any config value (nested containers, models, dataclasses, numpy values ...).
        enum_as: ``"value"`` stores an Enum member's value, which validates again when the
            config is loaded back into the schema; ``"name"`` stores its name, as wandb does.
        keep_secrets: keep ``SecretStr``/``SecretBytes`` objects (their ``str()`` is masked) so a
            typed config can be rebuilt; by default they become ``"**********"``.
        nan_to_none: NaN becomes ``None`` (wandb's choice: JSON has no NaN).
        like_wandb: store what ``wandb.config`` stores where it differs from the defaults here:
            every sequence (``range``, ``deque``, ``bytearray``, ``memoryview``) becomes a list
            of its items, a ``timedelta`` its ``str()``, a callable ``module.qualname`` (or its
            ``str()`` without both), an array of more than 32 items its ``str()``.

    Mapping keys are kept as they are; :func:`typedcfg.export.to_wandb` checks and converts them
    before calling this.
    """
    return _Converter(enum_as, keep_secrets, nan_to_none, like_wandb).convert(value)


class _Converter:
    """One conversion run; the options travel with it instead of through every call."""

    __slots__ = ("enum_as", "keep_secrets", "like_wandb", "nan_to_none")

    def __init__(
        self, enum_as: EnumStyle, keep_secrets: bool, nan_to_none: bool, like_wandb: bool = False
    ) -> None:
        self.enum_as = enum_as
        self.keep_secrets = keep_secrets
        self.nan_to_none = nan_to_none
        self.like_wandb = like_wandb

    def convert(self, value: Any) -> Any:
        # The order matters: bool before int, Enum before str/int (StrEnum is a str), models
        # and dataclasses before the generic ``__dict__`` fallback.
        if value is None or isinstance(value, bool):
            return value
        if type(value).__module__ == "numpy":  # np.float64 is a float: make it a plain one
            return self.array(value) if hasattr(value, "item") else str(value)
        if isinstance(value, enum.Enum):
            return self.convert(value.name if self.enum_as == "name" else value.value)
        if isinstance(value, (str, int)):
            return value
        if isinstance(value, float):
            return None if self.nan_to_none and math.isnan(value) else value
        if isinstance(value, (SecretStr, SecretBytes)):
            return value if self.keep_secrets else MASK
        if is_mapping(value):
            return {key: self.convert(item) for key, item in value.items()}
        if is_sequence(value):
            return [self.convert(item) for item in value]
        if isinstance(value, (set, frozenset)):
            return [self.convert(item) for item in _ordered(value)]
        if isinstance(value, BaseModel):
            return self.convert(value.model_dump(by_alias=True))
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            return {f.name: self.convert(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return self.other(value)

    def other(self, value: Any) -> Any:
        """Values that are not plain data: dates, paths, numpy and tensors, callables."""
        if self.like_wandb:
            found = self.as_wandb(value)
            if found is not _NOT_SPECIAL:
                return found
        if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
            return value.isoformat()
        if isinstance(value, datetime.timedelta):
            return value.total_seconds()
        if isinstance(value, pathlib.PurePath):
            return str(value)
        if isinstance(value, (bytes, bytearray)):
            return bytes(value).decode("utf-8", errors="replace")
        if isinstance(value, slice):
            bounds: Any = value.__reduce__()[1]  # (start, stop, step), without unknown generics
            return {
                "slice_start": self.convert(bounds[0]),
                "slice_step": self.convert(bounds[2]),
                "slice_stop": self.convert(bounds[1]),
            }
        if isinstance(value, complex):
            return str(value).strip("()")
        array = _as_array(value)
        if array is not None:
            return self.array(array)
        if callable(value) and hasattr(value, "__qualname__"):
            return f"{getattr(value, '__module__', '?')}.{value.__qualname__}"
        return str(value)

    def as_wandb(self, value: object) -> Any:
        """wandb's own reading where it differs from this module's (``_NOT_SPECIAL`` else)."""
        if isinstance(value, datetime.timedelta):
            return str(value)
        if isinstance(value, CollectionsSequence) and not isinstance(value, (str, bytes)):
            # range, deque, bytearray, memoryview: a list of their items
            return [self.convert(item) for item in cast("CollectionsSequence[object]", value)]
        if callable(value) and not isinstance(value, type):
            module = getattr(value, "__module__", _NOT_SPECIAL)
            qualname = getattr(value, "__qualname__", _NOT_SPECIAL)
            if module is _NOT_SPECIAL or qualname is _NOT_SPECIAL:
                return str(value)  # a builtin method, a functools.partial ...
            return f"{module}.{qualname}"
        return _NOT_SPECIAL

    def array(self, array: Any) -> Any:
        """A numpy scalar or array (tensors are turned into numpy first)."""
        size = int(getattr(array, "size", 1))
        if getattr(array, "ndim", 0) == 0 or size == 1:
            # A numpy scalar, or a one-element array: wandb would store '7' here (issue #1184).
            scalar = array.reshape(()) if hasattr(array, "reshape") else array
            return self.convert(scalar.item())
        if size > ARRAY_LIMIT:
            return str(array) if self.like_wandb else repr(array)
        return self.convert(array.tolist())


def _as_array(value: Any) -> Any:
    """``value`` as a numpy object when it is a numpy value or a torch/TF/JAX tensor."""
    module = type(value).__module__.split(".", 1)[0]
    if module == "numpy" and hasattr(value, "item"):
        return value
    if module in ("torch", "tensorflow", "jax", "jaxlib"):
        # Tensors go through numpy first, as wandb does; detach/cpu exist on torch only.
        for step in ("detach", "cpu"):
            method = getattr(value, step, None)
            if callable(method):
                value = method()
        to_numpy = getattr(value, "numpy", None)
        if callable(to_numpy):
            return to_numpy()
    return None


def _ordered(items: Any) -> list[Any]:
    """A set's items in a stable order when they can be sorted (sets have no order of their own)."""
    try:
        return sorted(items)
    except TypeError:
        return list(items)


def display_key(path: KeyPath) -> str:
    """A key path that stays unambiguous when keys hold dots: ``optim['beta.1']``, ``['--lr']``.

    Plain identifier-like parts are joined with dots; any other part is shown subscripted.
    """
    out: list[str] = []
    for part in path:
        plain = isinstance(part, str) and part.replace("_", "a").replace("-", "a").isalnum()
        if plain and not (isinstance(part, str) and part[:1] == "-"):
            out.append(f".{part}" if out else str(part))
        else:
            out.append(f"[{part!r}]")
    return "".join(out) or "<root>"


# --- inputs wandb.config.update accepts, and its merge rule ---------------------------------


def flags_dict(d: Any) -> dict[str, Any] | None:
    """absl (or TensorFlow's absl-based) FLAGS as ``{name: value}``; absl is never imported.

    Every flag the program (and its libraries) defined, parsed or default. Unlike wandb, the
    flags absl defines for itself (``helpfull``, ``verbosity``, ``?`` ...) are left out: they
    are not experiment settings, and a schema would reject them as unknown keys.
    """
    absl_flags = sys.modules.get("absl.flags")
    if absl_flags is None:
        return None
    if isinstance(d, types.ModuleType):
        d = getattr(d, "FLAGS", None)
    if not isinstance(d, absl_flags.FlagValues):
        return None
    out: dict[str, Any] = {}
    for module, defined in d.flags_by_module_dict().items():
        if module == "absl" or module.startswith("absl."):
            continue
        for flag in defined:
            out[flag.name] = d[flag.name].value
    return dict(sorted(out.items()))


def omegaconf_dict(d: Any, op: str) -> dict[Any, Any]:
    """An OmegaConf ``DictConfig`` as plain nested dicts, ``${...}`` resolved (wandb #1233).

    Raises:
        CompositionError: an interpolation cannot be resolved; located at the call ``op``.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    try:
        return cast(dict[Any, Any], OmegaConf.to_container(d, resolve=True))
    except OmegaConfBaseException as exc:
        raise CompositionError(
            f"cannot resolve the DictConfig: {exc}".splitlines()[0],
            origin=Origin(SourceKind.CODE, text=op),
        ) from exc


def first_changed_leaf(
    old: dict[str, Any], new: dict[str, Any], path: KeyPath
) -> tuple[KeyPath, Any, Any] | None:
    """The first leaf of ``new`` that ``old`` holds with a different value (additions are fine)."""
    for key, value in new.items():
        if key not in old:
            continue  # a new leaf is an addition, not a change
        before = old[key]
        here = (*path, key)
        if isinstance(before, dict) and isinstance(value, dict):
            found = first_changed_leaf(
                cast(dict[str, Any], before), cast(dict[str, Any], value), here
            )
            if found is not None:
                return found
        elif before != value:
            return here, cast(Any, before), value
    return None


def merge_dicts(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Mappings recurse, everything else replaces (wandb's merge_locked rule)."""
    out = dict(old)
    for key, value in new.items():
        before = out.get(key)
        out[key] = (
            merge_dicts(cast(dict[str, Any], before), cast(dict[str, Any], value))
            if isinstance(before, dict) and isinstance(value, dict)
            else value
        )
    return out


_CHANGE_HINT = "If you really want to do this, pass allow_val_change=True to config.update()"


def check_change(key: str, old: Any, new: Any, merge: bool, origin: Origin) -> None:
    """wandb's two-line error when a set value would change (per leaf when merging).

    Raises:
        ConfigMutationError: ``new`` differs from ``old`` (plain ``!=``, as wandb); ``message``
            is wandb's text, ``str()`` starts with ``origin`` (the call that failed).
    """
    path: KeyPath = (key,)
    if merge and isinstance(old, dict) and isinstance(new, dict):
        found = first_changed_leaf(cast(dict[str, Any], old), cast(dict[str, Any], new), path)
        if found is None:
            return
        path, old, new = found
    elif old == new:
        return
    raise ConfigMutationError(
        f'Attempted to change value of key "{display_key(path)}" from {old} to {new}\n'
        + _CHANGE_HINT,
        origin=origin,
    )
