"""``w3.hemi``: Hemi's own JSON-RPC methods (``hemi_*``, ``kss_*``, ``optimism_btcFinalityByBlockHash``) as a
web3.py module, the way web3.py adds a namespace (a :class:`web3.module.Module` attached with
``external_modules``). ``dev.w3`` has it; for ``hemi devchain`` over HTTP or WebSocket attach it yourself::

    w3 = Web3(Web3.HTTPProvider("http://127.0.0.1:8545"), external_modules={"hemi": HemiModule})
    w3.hemi.mine_bitcoin(3)

Each method sends one request and returns the JSON result as the devchain serves it (hex strings, plain dicts), or
raises web3's ``Web3RPCError`` with the devchain's error, exactly as over HTTP.
"""

from __future__ import annotations

from typing import Any, cast

from web3.module import Module
from web3.types import RPCEndpoint

from hemi.types import l2_target

Target = str | int


def _l2_target(target: Any) -> Any:
    """A finality target as JSON: a number as hex, a receipt as its transactionHash, bytes as 0x-hex."""
    target = l2_target(target)
    if isinstance(target, int) and not isinstance(target, bool):
        return hex(target)
    if isinstance(target, (bytes, bytearray)):
        return "0x" + bytes(target).hex()
    return target


class HemiModule(Module):
    """Hemi's devchain controls and Hemi's own reads, over whatever provider ``w3`` has."""

    def _request(self, method: str, *params: Any) -> Any:
        return self.w3.manager.request_blocking(RPCEndpoint(method), list(params))

    # Bitcoin
    def mine_bitcoin(self, n: int = 1, address: str | None = None) -> list[str]:
        """Mine ``n`` Bitcoin blocks (to ``address``); their hashes in explorer order."""
        return cast("list[str]", self._request("hemi_mineBitcoin", n, *([address] if address else [])))

    def reorg_bitcoin(self, depth: int, *, new_blocks: int | None = None, drop: tuple[str, ...] = ()) -> list[str]:
        """Replace the top ``depth`` Bitcoin blocks with a heavier branch, leaving the txids in ``drop`` out."""
        return cast("list[str]", self._request("hemi_reorgBitcoin", depth, new_blocks, list(drop)))

    def sync_bitcoin(self) -> dict:
        """Mine L2 blocks until the hVM's Bitcoin view is in sync."""
        return cast("dict", self._request("hemi_syncBitcoin"))

    def hvm_view(self, block: Target = "latest") -> dict:
        """The hVM's Bitcoin view after an L2 block (light and indexed tips, headers the block carried)."""
        return cast("dict", self._request("hemi_hvmView", hex(block) if isinstance(block, int) else block))

    # Proof-of-Proof
    def finality(self, target: Target | Any = "latest") -> dict:
        """Bitcoin finality of an L2 block or transaction (hash or receipt), as BFG computes it."""
        return cast("dict", self._request("hemi_finality", _l2_target(target)))

    def superfinalize(self, target: Target | Any = "latest") -> dict:
        """Drive ``target`` (a block number, tag, hash or receipt) to superfinality (keystone, PoP publication,
        Bitcoin confirmations)."""
        return cast("dict", self._request("hemi_superfinalize", _l2_target(target)))

    def provenance(self, tx_hash: str) -> dict:
        """The three-link provenance of a transaction that consumed Bitcoin data, verified."""
        return cast("dict", self._request("hemi_provenance", tx_hash))

    def pop_publish(self, keystone: Target | None = None, miner: str = "default") -> str:
        """Publish a keystone to Bitcoin by hand; the PoP transaction's txid."""
        target = hex(keystone) if isinstance(keystone, int) else keystone
        return cast("str", self._request("hemi_popPublish", target, miner))

    def btc_finality_by_block_hash(self, block_hash: str) -> Any:
        """op-node's ``optimism_btcFinalityByBlockHash`` (the v2 object, or the v1 list with ``--finality-rpc v1``)."""
        return self._request("optimism_btcFinalityByBlockHash", block_hash)

    def get_latest_keystones(self, count: int = 1) -> Any:
        """op-geth's ``kss_getLatestKeystones``."""
        return self._request("kss_getLatestKeystones", count)

    # OP stack and state
    def send_deposit_transaction(self, deposit: dict) -> str:
        """Queue a deposit from "L1" (type 0x7E) for the next block; its transaction hash."""
        return cast("str", self._request("hemi_sendDepositTransaction", deposit))

    def dump_state(self) -> str:
        """The whole devchain as data (0x-hex), as ``anvil_dumpState``."""
        return cast("str", self._request("hemi_dumpState"))

    def load_state(self, data: str) -> bool:
        """Replace the devchain with a state :meth:`dump_state` returned."""
        return cast("bool", self._request("hemi_loadState", data))

    def tunnel_info(self) -> dict:
        """The Bitcoin tunnel's addresses, vault status and fee parameters."""
        return cast("dict", self._request("hemi_tunnelInfo"))
