"""Saving a whole devchain to a file and loading it back (``dev.dump_state(path)``, ``Devchain.load_state(path)``).

The file holds everything a devchain answers from: both chains (Bitcoin blocks, UTXOs, mempool, wallets; the EVM's
state database, blocks, receipts), the hVM views each L2 block saw, the sequencer's records, keystones, PoP miners and
their publications, and protocol parts such as the tunnel. A loaded devchain answers every query as the saved one did
and, being deterministic, goes on to make the same blocks.

Format: a magic line, a format version, then the devchain pickled (Python's own object serialisation, since the
state is a graph of Python objects; each part that holds something unpicklable says how to rebuild it) and
zlib-compressed. A pickle can run code when loaded: load only state files you made or trust, as with any pickle.
Callbacks registered with ``on_block`` or ``btc.subscribe`` by user code are not saved.

Writes are atomic: the file is written beside its destination, flushed to disk, and renamed over it, so a kill at
any moment leaves either the old file or the new one, never half of one.
"""

from __future__ import annotations

import os
import pickle
import tempfile
import zlib
from pathlib import Path
from typing import Any, Union

from hemi.errors import HemiLookupError, StateFileError

MAGIC = b"hemi-sdk devchain state\n"
FORMAT_VERSION = 1


def save(dev: Any, path: Union[str, os.PathLike]) -> Path:
    target = Path(path)
    try:
        is_dir = target.is_dir()
    except OSError as err:  # e.g. a name too long for the file system
        raise StateFileError(f"cannot write {target}: {err.strerror or err}") from None
    if is_dir:
        raise StateFileError(f"{target} is a directory; give a file path")
    try:
        payload = pickle.dumps(dev, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError) as err:
        raise StateFileError(
            f"the devchain holds something that cannot be saved ({err}); precompiles registered by user code "
            "must be module-level functions or picklable objects") from None
    data = MAGIC + FORMAT_VERSION.to_bytes(2, "big") + zlib.compress(payload, 1)
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


def load(path: Union[str, os.PathLike], expected_type: type) -> Any:
    source = Path(path)
    try:
        data = source.read_bytes()
    except FileNotFoundError:
        raise HemiLookupError(f"no devchain state file at {source}") from None
    except IsADirectoryError:
        raise StateFileError(f"{source} is a directory, not a devchain state file") from None
    except OSError as err:
        raise StateFileError(f"cannot read {source}: {err}") from None
    if not data.startswith(MAGIC):
        raise StateFileError(f"{source} is not a hemi-sdk devchain state file")
    version = int.from_bytes(data[len(MAGIC):len(MAGIC) + 2], "big")
    if version != FORMAT_VERSION:
        raise StateFileError(f"{source} has state format {version}; this hemi-sdk reads format {FORMAT_VERSION}")
    try:
        dev = pickle.loads(zlib.decompress(data[len(MAGIC) + 2:]))
    except Exception as err:  # noqa: BLE001 - truncated/corrupt files fail in zlib or pickle in many ways
        raise StateFileError(f"{source} is damaged or was written by an incompatible hemi-sdk: "
                             f"{type(err).__name__}: {err}") from None
    if not isinstance(dev, expected_type):
        raise StateFileError(f"{source} holds a {type(dev).__name__}, not a {expected_type.__name__}")
    return dev
