"""Saving and loading a devchain: the methods :class:`hemi.node.devchain.Devchain` offers over :mod:`hemi.node.state`.

The state codec is imported on first use: most programs never save, and a first contract should not pay for it.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from hemi.errors import HemiValueError, require_uint

if TYPE_CHECKING:  # what the state codec reads of a devchain (hemi.node.state.host), for the checker only
    from hemi.node.state.host import SavedDevchain as _Saved
else:
    _Saved = object

_D = TypeVar("_D", bound="StateFiles")


class StateFiles(_Saved):
    """``dump_state`` / ``load_state`` and their in-memory forms (docs/state-files.md)."""

    def dump_state(self, path: str | os.PathLike[str]) -> Path:
        """Save the whole devchain (both chains, views, sequencer, keystones, PoP, tunnel, pending transactions) to
        ``path``, atomically, in the data-only format of :mod:`hemi.node.state` (docs/state-files.md)."""
        from hemi.node.state import files as state_files  # deferred: see the module's docstring
        _check_path(path)
        return state_files.save(self, path)

    @classmethod
    def load_state(cls: type[_D], path: str | os.PathLike[str], **options: Any) -> _D:
        """A devchain loaded from a file written by :meth:`dump_state`; it answers as the saved one did. Options:
        ``max_size`` (decompressed bytes, default 512 MiB) and ``precompiles`` ({address: fn} for user precompiles
        the state mounts: a state never imports code). Bad files raise :class:`~hemi.errors.StateFileError`."""
        from hemi.node.state import files as state_files  # deferred: as in dump_state
        _check_path(path)
        _check_options(options)
        return state_files.load(path, cls, **options)

    def dump_state_data(self) -> bytes:
        """The state :meth:`dump_state` writes, as bytes (``anvil_dumpState`` returns them hex-encoded)."""
        from hemi.node import state  # deferred: as in dump_state
        return state.dump(self)

    @classmethod
    def load_state_data(cls: type[_D], data: bytes, **options: Any) -> _D:
        """A new devchain from bytes of :meth:`dump_state_data` (options as :meth:`load_state`)."""
        from hemi.node import state  # deferred: as in dump_state
        _check_data(data)
        _check_options(options)
        return state.load(cls, data, **options)

    def reset(self) -> None:
        """Back to the state a new devchain of this configuration starts in (anvil_reset / hardhat_reset): both
        chains, the views, the protocols, the accounts; precompiles registered since are unmounted and snapshots
        end. Not in fork mode (the fork lives on its remote): start a new devchain there."""
        if self.fork is not None:
            raise HemiValueError(f"a forked devchain cannot be reset (it forks {self.fork.url}): start a new one")
        fresh = type(self)(**{f.name: getattr(self.config, f.name) for f in dataclasses.fields(self.config)})
        self.replace_state(fresh.dump_state_data(), source="a new devchain's state")

    def replace_state(self, data: bytes, **options: Any) -> None:
        """Make this devchain (the same object) hold the state in ``data``, saved by a devchain of the same
        configuration, as ``anvil_loadState`` does; a refused state leaves it unchanged. Snapshots end."""
        from hemi.node import state  # deferred: as in dump_state
        _check_data(data)
        _check_options(options)
        state.load_into(self, data, **options)


def _check_path(path: object) -> None:
    if not isinstance(path, (str, os.PathLike)):
        raise HemiValueError(f"a state file's path is a str or os.PathLike, got {type(path).__name__}")


def _check_data(data: object) -> None:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise HemiValueError(f"state data is bytes (what dump_state_data returns), got {type(data).__name__}")


def _check_options(options: dict[str, Any]) -> None:
    unknown = sorted(set(options) - {"max_size", "precompiles", "source"})
    if unknown:
        raise HemiValueError(f"unknown option(s) {', '.join(unknown)}: loading takes max_size, precompiles and "
                             f"source (what error messages call the state)")
    if "max_size" in options:
        require_uint("max_size", options["max_size"], bits=63)
