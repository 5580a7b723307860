"""The public ``hemi.Devchain``: the node's devchain with its in-process faces (``dev.w3``, ``dev.bitcoin_kit``).

:class:`hemi.node.devchain.Devchain` is the chain itself (both chains, the hVM view, the protocol parts) and imports
no face; this subclass adds what needs one, so that the layers stay one-way (``hemi.devchain`` > ``hemi.web3`` >
``hemi.node``). Everything else, including ``Devchain.load_state``, is inherited and returns this class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from eth_utils import to_checksum_address

from hemi.compiler import shipped
from hemi.constants import DEFAULT_CHAIN_ID, HBK_ADDRESS
from hemi.node.devchain import BITCOIN_KIT_ARTIFACTS, DevchainConfig, DevchainSnapshot
from hemi.node.devchain import Devchain as NodeDevchain

if TYPE_CHECKING:
    from web3 import Web3
    from web3.contract import Contract

# the names the node's devchain module offered, so that ``from hemi.devchain import X`` replaces its imports one for one
__all__ = ["BITCOIN_KIT_ARTIFACTS", "DEFAULT_CHAIN_ID", "HBK_ADDRESS", "Devchain", "DevchainConfig", "DevchainSnapshot",
           "NodeDevchain"]


class Devchain(NodeDevchain):
    """An in-process Hemi devchain: ``dev.w3``, ``dev.btc``, ``dev.mine()``, ``dev.anchor()``..."""

    FACE_FIELDS = ("_w3",)  # attributes of the in-process faces: rebuilt on demand, never part of a saved state

    def __init__(self, seed: int = 0, **config: Any) -> None:
        super().__init__(seed, **config)
        self._w3: Web3 | None = None

    @property
    def w3(self) -> Web3:
        """A ``web3.Web3`` bound to this devchain in-process (no HTTP)."""
        if self._w3 is None:
            # deferred: web3 costs about a second to import; a devchain used without its web3 face never pays it
            from hemi.web3.provider import make_web3

            self._w3 = make_web3(self)
        return self._w3

    @property
    def bitcoin_kit(self) -> Contract:
        """hBK as a web3 contract at its Hemi mainnet address, with the ABI of the kit predeployed for the profile
        (``IBitcoinKit``, or ``IBitcoinKitHvmPhase0`` under ``hvm_profile="hvmphase0"``)."""
        interface = BITCOIN_KIT_ARTIFACTS[self.config.hvm_profile][1]
        return self.w3.eth.contract(address=to_checksum_address(HBK_ADDRESS), abi=shipped.load(interface).abi)
