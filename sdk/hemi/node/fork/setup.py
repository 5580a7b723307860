"""Wiring fork mode into a devchain: options, the engine, the views and the hVM precompiles.

``Devchain(fork_url=URL, fork_block=N)`` calls :func:`open_fork` before it reads its configuration, then
:func:`fork_engine`, :func:`fork_views` and :func:`forward_precompiles` where the unforked devchain builds those
parts; nothing else in the devchain changes.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hemi.errors import ForkValueError
from hemi.hvm.engine import GenesisAccount, PrecompileFn
from hemi.hvm.fork_precompiles import mount_forwarded
from hemi.hvm.fork_state import ForkEngine, OffsetList
from hemi.hvm.registry import PrecompileRegistry
from hemi.node.fork.remote import ForkRemote, open_remote

CACHE_DIR_ENV = "HEMI_FORK_CACHE_DIR"  # where the on-disk cache of remote reads lives (tests point it at tmp)

# Parts of an unforked devchain that write contracts or system transactions into genesis or every block. On a fork
# the remote has its own (hBK, the tunnel, OP-stack predeploys), so they stay off unless asked for explicitly.
FORK_DEFAULTS: Mapping[str, Any] = {
    "predeploy_bitcoin_kit": False, "predeploy_tunnel": False, "op_stack": False, "pop_payouts": False,
    "pop_default_miner": False,
}


def open_fork(config: dict[str, Any]) -> tuple[ForkRemote, dict[str, Any]]:
    """Connect to ``config["fork_url"]`` (raising a :class:`~hemi.errors.ForkError` naming it at once when it does
    not answer) and return the remote and the devchain options without the fork ones: the remote's chain id unless
    ``chain_id`` was given (``--chain-id`` overrides it, as anvil's), and :data:`FORK_DEFAULTS`."""
    options = dict(config)
    url = options.pop("fork_url")
    block = options.pop("fork_block", None)
    disk_cache = options.pop("fork_cache", True)
    cache_dir = options.pop("fork_cache_dir", None) or os.environ.get(CACHE_DIR_ENV) or None
    if not isinstance(disk_cache, bool):
        raise ForkValueError(str(url), f"fork_cache is True or False, got {disk_cache!r}")
    if options.get("op_stack") or options.get("pop_payouts"):  # refused before a connection and a cache file open
        raise ForkValueError(str(url), "op_stack and pop_payouts are not available on a fork: the remote's "
                                       "OP-stack system contracts are not driven by the local devchain")
    remote = open_remote(url, block=block, disk_cache=disk_cache,
                         cache_dir=Path(cache_dir).expanduser() if cache_dir else None)
    options.setdefault("chain_id", remote.chain_id)
    for name, value in FORK_DEFAULTS.items():
        options.setdefault(name, value)
    return remote, options


def fork_engine(remote: ForkRemote, *, alloc: Mapping[bytes, GenesisAccount],
                precompiles: Mapping[bytes, PrecompileFn], **options: Any) -> ForkEngine:
    """The devchain's engine on the fork (the options an unforked engine takes, but its own genesis time)."""
    options.pop("genesis_timestamp", None)  # the fork block's
    options.pop("base_fee", None)  # the fork block's
    return ForkEngine(reader=remote, alloc=alloc, precompiles=precompiles, **options)


def fork_views(remote: ForkRemote, base_view: Any) -> Any:
    """The devchain's per-block hVM views, numbered from the fork block (the remote's own views stay there)."""
    return OffsetList(remote.number, [base_view], lambda _n: base_view)


def forward_precompiles(remote: ForkRemote, registry: PrecompileRegistry) -> None:
    mount_forwarded(registry, remote.precompile)
