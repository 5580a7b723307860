"""Saving a whole devchain to a file and loading it back (``dev.dump_state(path)``, ``Devchain.load_state(path)``).

The file holds the devchain's state in the data-only format of :mod:`hemi.node.state` (format 2: a magic line, a
version, gzip'd JSON of plain values; docs/state-files.md). Loading one never runs code from it. Callbacks registered
with ``on_block`` or ``btc.subscribe`` by user code are not saved.

Writes are atomic: the file is written beside its destination, flushed to disk, and renamed over it, so a kill at
any moment leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from hemi.errors import HemiLookupError, StateFileError
from hemi.node import state
from hemi.node.state.codec import DEFAULT_MAX_SIZE, FORMAT_VERSION, MAGIC
from hemi.node.state.host import SavedDevchain

__all__ = ["DEFAULT_MAX_SIZE", "FORMAT_VERSION", "MAGIC", "load", "read", "save", "write_atomic"]

_D = TypeVar("_D", bound=SavedDevchain)


def write_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` through a temporary file in the same directory, fsync'd, then renamed over it."""
    target = Path(path)
    try:
        is_dir = target.is_dir()
    except OSError as err:  # e.g. a name too long for the file system
        raise StateFileError(f"cannot write {target}: {err.strerror or err}") from None
    if is_dir:
        raise StateFileError(f"{target} is a directory; give a file path")
    directory = target.parent if str(target.parent) else Path(".")
    if not directory.is_dir():
        raise StateFileError(f"no such directory: {directory}")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=directory)
    except OSError as err:  # name too long, read-only or full file system...
        raise StateFileError(f"cannot write {target}: {err.strerror or err}") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException as err:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        if isinstance(err, OSError):
            raise StateFileError(f"cannot write {target}: {err.strerror or err}") from None
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except OSError:
        pass
    return target


def save(dev: SavedDevchain, path: str | os.PathLike[str]) -> Path:
    return write_atomic(path, state.dump(dev))


def read(path: str | os.PathLike, *, max_size: int = DEFAULT_MAX_SIZE) -> bytes:
    """The bytes of a state file (refusing one larger than ``max_size`` before reading it)."""
    source = Path(path)
    try:
        with open(source, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            if size > max_size:
                raise StateFileError(f"{source} is {size} bytes, above the limit of {max_size}")
            return fh.read(max_size + 1)
    except FileNotFoundError:
        raise HemiLookupError(f"no devchain state file at {source}") from None
    except IsADirectoryError:
        raise StateFileError(f"{source} is a directory, not a devchain state file") from None
    except OSError as err:
        raise StateFileError(f"cannot read {source}: {err.strerror or err}") from None


def load(path: str | os.PathLike[str], expected_type: Callable[..., _D], **options: Any) -> _D:
    """A devchain of class ``expected_type`` from the file at ``path`` (options: ``max_size``, ``precompiles``)."""
    data = read(path, max_size=options.get("max_size", DEFAULT_MAX_SIZE))
    return state.load(expected_type, data, source=str(path), **options)
