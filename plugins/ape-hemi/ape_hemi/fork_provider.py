"""``hemi:mainnet-fork`` and ``hemi:testnet-fork`` (ape's fork-network convention): hemi-sdk's in-process devchain
forked from the upstream network (docs/fork.md).

The provider is ``hemi:local``'s with fork settings: ``fork_url`` (default: the upstream network's RPC, that is the
``node`` provider's configured URI or Hemi's public RPC; ``$HEMI_FORK_URL`` also sets it), ``fork_block_number``
(default: the upstream's latest, pinned at connect; ``$HEMI_FORK_BLOCK``) and ``fork_cache`` (default true: the
on-disk cache of remote reads). hVM precompile calls are answered by the upstream at the fork block.
"""

from __future__ import annotations

import os
from typing import Any, ClassVar

from ape_hemi.config import LOCAL_PROVIDER_NAME
from ape_hemi.ecosystem import PUBLIC_RPC_URLS
from ape_hemi.provider import HemiDevchainProvider

FORK_SETTINGS = ("fork_url", "fork_block_number", "fork_cache")
# hemi:local settings whose defaults are an unforked devchain's: on a fork the upstream's chain id and the fork's own
# defaults (no predeploys, no OP-stack system transactions) apply unless the provider settings name them
_UNFORKED_DEFAULTS = ("chain_id", "op_stack", "pop_payouts", "predeploy_bitcoin_kit", "predeploy_tunnel",
                      "pop_default_miner")


class HemiDevchainForkProvider(HemiDevchainProvider):
    """ape's provider of ``hemi:<network>-fork``: the devchain on a fork of ``<network>``."""

    NAME: ClassVar[str | None] = LOCAL_PROVIDER_NAME

    def devchain_kwargs(self) -> dict[str, Any]:
        given = dict(self.provider_settings)
        fork = {k: given.pop(k) for k in FORK_SETTINGS if k in given}
        self.provider_settings = given
        try:
            kwargs = super().devchain_kwargs()
        finally:
            self.provider_settings = {**given, **fork}
        for name in _UNFORKED_DEFAULTS:
            if name not in given:
                kwargs.pop(name, None)
        block = fork.get("fork_block_number", os.environ.get("HEMI_FORK_BLOCK"))
        kwargs.update(fork_url=fork.get("fork_url") or os.environ.get("HEMI_FORK_URL") or self.upstream_url(),
                      fork_block=None if block in (None, "") else int(block),
                      fork_cache=bool(fork.get("fork_cache", True)))
        return kwargs

    def upstream_url(self) -> str:
        """The RPC of the network being forked: its ``node`` provider's URI, else Hemi's public RPC."""
        upstream = self.network.name.removesuffix("-fork")
        try:
            uri = self.network.upstream_provider.http_uri  # type: ignore[attr-defined]
        except Exception:  # noqa: BLE001 - no upstream provider configured: the public RPC below
            uri = None
        return str(uri or PUBLIC_RPC_URLS[upstream])

    @property
    def chain_id(self) -> int:
        if self._devchain is not None:
            return int(self._devchain.config.chain_id)
        return int(self.provider_settings.get("chain_id", self.network.upstream_chain_id))  # type: ignore[attr-defined]

    @property
    def connection_str(self) -> str:
        dev = self._devchain
        if dev is None or dev.fork is None:
            return "hemi-sdk devchain fork (in-process)"
        return f"hemi-sdk devchain (in-process) forked from {dev.fork.url} at block {dev.fork.number}"
