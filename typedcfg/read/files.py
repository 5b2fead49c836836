"""Reading a config file's bytes: size cap, UTF-8, and OS errors turned into located errors."""

from __future__ import annotations

import os
import stat

from ..errors import ConfigFileError
from ..provenance import Origin, SourceKind

__all__ = ["MAX_FILE_BYTES", "read_text"]


# The largest config file read. Composing a file costs up to ~280 bytes of memory per byte of
# input (PyYAML's node graph, then values and an origin per node): a 4 MiB flow list of small
# numbers peaks near 1.15 GB through ``load`` (measured, see docs/hardening.md). Real configs
# are kilobytes; a bigger file is refused before it is read, so memory stays bounded.
MAX_FILE_BYTES = 4 * 1024 * 1024


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_BINARY", 0)  # no newline translation on Windows


def read_text(path: str, kind: SourceKind) -> str:
    """Read a config file as UTF-8 text (a BOM is dropped), mapping OS errors to ours."""
    try:
        # os.read, not open(): a file object and its buffer cost more than reading a small
        # config. One byte over the limit is enough to know; a regular file is asked for its
        # size plus one, so a single read reaches the end. fstat says 0 for /proc files, which
        # are read in bounded chunks.
        # O_NONBLOCK: opening a FIFO would otherwise wait for a writer, for ever; a regular file
        # ignores the flag. Only regular files are read (no FIFO, device or socket).
        fd = os.open(path, _READ_FLAGS | getattr(os, "O_NONBLOCK", 0))
        try:
            status = os.fstat(fd)
            if stat.S_ISDIR(status.st_mode):
                raise IsADirectoryError(path)
            if not stat.S_ISREG(status.st_mode):
                mode = status.st_mode  # refused below, outside the handlers of OS errors
                raw = b""
            else:
                mode = None
                raw = _read(fd, status.st_size)
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
    if mode is not None:
        raise _not_regular(path, kind, mode)
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


def _read(fd: int, size: int) -> bytes:
    """At most ``MAX_FILE_BYTES + 1`` bytes of the open file ``fd`` (``size`` from fstat)."""
    raw = os.read(fd, (size if 0 < size <= MAX_FILE_BYTES else MAX_FILE_BYTES) + 1)
    if size == 0 or len(raw) > size:  # a /proc file, or a file that grew since fstat
        while len(raw) <= MAX_FILE_BYTES:
            more = os.read(fd, MAX_FILE_BYTES + 1 - len(raw))
            if not more:
                break
            raw += more
    return raw


def _not_regular(path: str, kind: SourceKind, mode: int) -> ConfigFileError:
    what = (
        "a FIFO" if stat.S_ISFIFO(mode)
        else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
        else "a socket" if stat.S_ISSOCK(mode)
        else "not a file"
    )  # fmt: skip
    return ConfigFileError(
        f"not a regular file ({what}); config files must be regular files",
        origin=Origin(kind, path),
    )


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
