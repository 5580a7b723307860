"""The ``hemi`` ecosystem: Hemi's public networks as data, and the ecosystem class (Ethereum's rules: Hemi's hVM is
an EVM, an OP-stack chain whose gas token is ETH).

Chain ids and RPC addresses: hemilabs/docs ``network-details.md``; hemi-viem ``src/chains/hemi.ts``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ape_ethereum.ecosystem import Ethereum

if TYPE_CHECKING:
    from ape_hemi.config import HemiConfig

NETWORKS = {
    # network: (chain_id, network_id)
    "mainnet": (43111, 43111),
    "testnet": (743111, 743111),  # "Hemi Sepolia"
}

# Default RPC of ape's `node` provider on each network when none is configured (`node: hemi: mainnet: uri: ...`).
PUBLIC_RPC_URLS = {
    "mainnet": "https://rpc.hemi.network/rpc",
    "testnet": "https://testnet.rpc.hemi.network/rpc",
}

BLOCK_TIME = 12  # L2 seconds per block on Hemi (heminetwork ``cmd/popmd/README.md``)


class Hemi(Ethereum):
    """Hemi as an ape ecosystem: Ethereum's encoding and transactions, Hemi's networks and ``hemi:`` config."""

    fee_token_symbol: str = "ETH"

    @property
    def config(self) -> HemiConfig:
        return cast("HemiConfig", self.config_manager.get_config("hemi"))
