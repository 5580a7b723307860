"""The ``hemi`` ecosystem class (Ethereum's rules: Hemi's hVM is an EVM, an OP-stack chain whose gas token is ETH);
Hemi's public networks are data in :mod:`ape_hemi.chains`, re-exported here."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from ape_ethereum.ecosystem import Ethereum

from ape_hemi.chains import BLOCK_TIME, NETWORKS, PUBLIC_RPC_URLS

if TYPE_CHECKING:
    from ape_hemi.config import HemiConfig

__all__ = ["BLOCK_TIME", "NETWORKS", "PUBLIC_RPC_URLS", "Hemi"]


class Hemi(Ethereum):
    """Hemi as an ape ecosystem: Ethereum's encoding and transactions, Hemi's networks and ``hemi:`` config."""

    fee_token_symbol: str = "ETH"

    # ape types Ethereum.config as EthereumConfig (mainnet's settings); an L2 ecosystem's config shares only their
    # base class (BaseEthereumConfig), as ape's own L2 plugins do
    @property
    def config(self) -> HemiConfig:  # type: ignore[override]
        return cast("HemiConfig", self.config_manager.get_config("hemi"))
