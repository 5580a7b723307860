"""The tunnel contracts' Python side: their ABIs, and calldata and results encoded with eth-abi.

The tunnel talks to its contracts through the engine, not through a web3 face, so it encodes calls itself: a
function's selector is the first 4 bytes of the keccak of its canonical signature, its arguments and results are
ABI-encoded (eth-abi). Results come back as web3's ``.call()`` gives them (one output: the value; several: a list;
addresses checksummed), so the code that reads them did not change when the tunnel left web3.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from eth_utils.abi import collapse_if_tuple

from hemi.compiler import shipped
from hemi.errors import TunnelError
from hemi.node.tunnel.genesis import (
    GLOBAL_CONFIG_ADDRESS,
    HEMI_BTC_ADDRESS,
    TUNNEL_MANAGER_ADDRESS,
    VAULT_ADDRESS,
    VAULT_STATE_ADDRESS,
)

__all__ = ["CONTRACTS", "MANAGER", "TOKEN", "VAULT", "VAULT_STATE", "TunnelContract"]


def _types(params: list[dict[str, Any]]) -> list[str]:
    return [collapse_if_tuple(p) for p in params]


def _checksummed(abi_type: str, value: Any) -> Any:
    """``value`` decoded as ``abi_type`` with its addresses checksummed (web3's result normalizer)."""
    if abi_type == "address":
        return to_checksum_address(value)
    if abi_type.endswith("]") and isinstance(value, (list, tuple)):
        inner = abi_type[:abi_type.rindex("[")]
        return type(value)(_checksummed(inner, v) for v in value)
    return value


@dataclass(frozen=True)
class TunnelContract:
    """One predeployed tunnel contract: its address and the ABI of its shipped artifact."""

    name: str  # the shipped artifact's name (hemi.compiler.shipped)
    address: str  # checksummed

    @cached_property
    def abi(self) -> list[dict[str, Any]]:
        return list(shipped.load(self.name).abi)

    def _function(self, function: str, nargs: int) -> dict[str, Any]:
        for item in self.abi:
            if item.get("type") == "function" and item["name"] == function and len(item["inputs"]) == nargs:
                return item
        raise TunnelError(f"{self.name} has no function {function} taking {nargs} argument(s)")

    def encode(self, function: str, *args: Any) -> bytes:
        """Calldata of ``function(*args)``: selector + ABI-encoded arguments."""
        fn = self._function(function, len(args))
        types = _types(fn["inputs"])
        return keccak(text=f"{function}({','.join(types)})")[:4] + encode(types, list(args))

    def decode(self, function: str, nargs: int, output: bytes) -> Any:
        """What ``function`` returned, as web3's ``.call()`` would give it."""
        types = _types(self._function(function, nargs)["outputs"])
        values = [_checksummed(t, v) for t, v in zip(types, decode(types, output), strict=True)]
        return values[0] if len(values) == 1 else values


CONTRACTS = {
    "manager": TunnelContract("BitcoinTunnelManager", TUNNEL_MANAGER_ADDRESS),
    "vault": TunnelContract("SimpleBitcoinVault", VAULT_ADDRESS),
    "token": TunnelContract("HemiBitcoin", HEMI_BTC_ADDRESS),
    "vault_state": TunnelContract("SimpleBitcoinVaultState", VAULT_STATE_ADDRESS),
    "global_config": TunnelContract("GlobalConfig", GLOBAL_CONFIG_ADDRESS),
}
MANAGER, VAULT, TOKEN, VAULT_STATE = (CONTRACTS[k] for k in ("manager", "vault", "token", "vault_state"))

