"""The L2's view of Bitcoin, stepped once per L2 block as Hemi's Bitcoin-attributes transaction steps it.

hemilabs/op-geth ``core/blockchain.go`` (``getBitcoinAttributesForNextBlock``, ``updateFullTBCToLightweight``): each
L2 block may carry at most ``max_headers`` new Bitcoin headers (8 in the newest code), in ascending order, walking
back to the common ancestor when Bitcoin reorganised; the *light tip* is the newest header the L2 agreed on, and the
full node's indexes are moved to ``light tip − lag`` (``hVMIndexerTipLag = 2``) once the block is head. Each L2 block
records the view it *left*: its headers are visible to the blocks after it, not to its own transactions.
"""

from __future__ import annotations

from dataclasses import dataclass

from hemi.btc.chain import BitcoinChain
from hemi.types import BlockHash


@dataclass(frozen=True, slots=True)
class HvmView:
    """The hVM's Bitcoin view after one L2 block: what the next block's transactions (and calls meanwhile) read."""

    l2_block: int
    light_tip_height: int
    light_tip_hash: BlockHash
    indexed_height: int
    indexed_hash: BlockHash
    headers_added: tuple[BlockHash, ...]  # this block's Bitcoin-attributes step (empty: the block had none)
    fork_height: int | None  # set when the step walked back to a common ancestor (a Bitcoin reorg)

    def to_dict(self) -> dict:
        return {
            "l2_block": self.l2_block,
            "light_tip_height": self.light_tip_height,
            "light_tip_hash": str(self.light_tip_hash),
            "indexed_height": self.indexed_height,
            "indexed_hash": str(self.indexed_hash),
            "headers_added": [str(h) for h in self.headers_added],
            "fork_height": self.fork_height,
        }


class LightView:
    """The header chain the L2 has agreed on (op-geth's lightweight TBC), as a list of hashes by height."""

    def __init__(self, btc: BitcoinChain, *, max_headers: int, lag: int) -> None:
        self.btc = btc
        self.max_headers = max_headers
        self.lag = lag
        self.hashes: list[bytes] = [bytes(btc.block_hash(0))]  # hVM genesis: the regtest genesis block

    @property
    def tip_height(self) -> int:
        return len(self.hashes) - 1

    @property
    def indexed_height(self) -> int:
        return max(0, self.tip_height - self.lag)

    def pending_headers(self, limit: int | None = None) -> tuple[int, list[bytes]]:
        """(common ancestor height, headers Bitcoin's best chain has beyond it, the first ``limit`` of them), without
        applying anything."""
        btc = self.btc
        h = min(self.tip_height, btc.height)
        while h > 0 and bytes(btc.block_hash(h)) != self.hashes[h]:
            h -= 1
        end = btc.height if limit is None else min(btc.height, h + limit)  # a step takes max_headers: listing the
        return h, [bytes(btc.block_hash(x)) for x in range(h + 1, end + 1)]  # whole gap made a long sync quadratic

    def in_sync(self) -> bool:
        return self.tip_height == self.btc.height and self.hashes[-1] == bytes(self.btc.tip)

    def step(self) -> tuple[list[bytes], int | None]:
        """Apply one Bitcoin-attributes step: (headers added, fork height if it walked back past the light tip)."""
        ancestor, new = self.pending_headers(self.max_headers)
        if not new and ancestor == self.tip_height:
            return [], None
        fork = ancestor if ancestor < self.tip_height else None
        if fork is not None and not new:
            return [], None  # Bitcoin's best chain is not longer here; op-geth waits for a heavier branch
        self.hashes = self.hashes[: ancestor + 1] + new
        return new, fork
