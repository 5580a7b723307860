"""PoP payouts: the type-0x7D system transaction that keystone blocks carry, paying the PoP miners of an older keystone.

Hemi's op-node puts a payout only in keystone blocks N, for the keystone ``N − PoPPayoutDelay`` (200 in the 2024 code,
100 in a newer comment), calling ``mintPoPRewards`` from 0x8888…8888 (hemilabs/optimism
``op-node/rollup/derive/pop_payout.go``, ``driver/sequencer.go``; hemilabs/op-geth ``core/types/pop_payout_tx.go``).
The post-TGE receiver is PoPPayoutsV2 (hemilabs/pop-payouts ``contracts/PoPPayoutsV2.sol``): ``mintPoPRewards(uint64
blockRewarded, address[] accounts, uint32[] relPubHeights)``, one entry per publication, heights relative to the first
publication. The EVM address of a miner is that of the secp256k1 key that signed its Bitcoin PoP transaction
(hemilabs/docs ``pop-mining.md``).

The devchain's receiver is ``contracts/op/PoPPayouts.sol`` at :data:`POP_PAYOUTS_ADDRESS` (the deployed PoPPayoutsV2
address is not public); the publications are the canonical Bitcoin chain's PoP transactions for the keystone, as the
devchain's PoP network indexes them, first 75 by height.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from coincurve import PublicKey
from eth_abi import encode
from eth_utils import keccak

from hemi.compiler import shipped
from hemi.constants import POP_PAYOUT_DELAY, POP_PAYOUTS_ADDRESS
from hemi.errors import HemiValueError
from hemi.hvm.engine import GenesisAccount
from hemi.hvm.system_txs import POP_PAYOUT_TX_TYPE, SystemTx, hvm_system_tx

if TYPE_CHECKING:
    from hemi.node.pop.keystones import KeystoneIndex
    from hemi.node.pop.publications import PopNetwork

MINT_POP_REWARDS = keccak(text="mintPoPRewards(uint64,address[],uint32[])")[:4]  # 0x1966be6c
DEFAULT_PAYOUT_DELAY = POP_PAYOUT_DELAY  # PoPPayoutDelay in op-node (2024)
DEFAULT_REWARD_PER_ROUND = 100 * 10**18  # popmd README: 100 HEMI per keystone, split among its miners
PAYOUT_GAS = 5_000_000  # enough for 75 publications; op-node's own figure is not published
MAXIMUM_PUBLICATIONS = 75


def pop_payouts_alloc(*, keystone_interval: int, reward_per_round: int = DEFAULT_REWARD_PER_ROUND) -> dict:
    code = bytes.fromhex(shipped.load("PoPPayouts").deployed_bytecode[2:])
    return {POP_PAYOUTS_ADDRESS: GenesisAccount(code=code, storage={0: keystone_interval, 1: reward_per_round})}


def evm_address_of(pubkey: bytes) -> bytes:
    """The EVM address of a secp256k1 public key (compressed or not)."""
    return keccak(PublicKey(pubkey).format(compressed=False)[1:])[12:]


def payout_calldata(block_rewarded: int, publications: list[tuple[bytes, int]]) -> bytes:
    """``mintPoPRewards`` calldata from (miner address, relative publication height) pairs."""
    return MINT_POP_REWARDS + encode(["uint64", "address[]", "uint32[]"],
                                     [block_rewarded, [a for a, _ in publications], [h for _, h in publications]])


class PopPayouts:
    """``dev.pop_payouts``: builds the 0x7D transaction of keystone blocks."""

    def __init__(self, keystones: KeystoneIndex, pop: PopNetwork, *, delay: int = DEFAULT_PAYOUT_DELAY) -> None:
        if isinstance(delay, bool) or not isinstance(delay, int) or delay < 1:
            raise HemiValueError(f"pop_payout_delay must be a positive int, got {delay!r}")
        self.keystones, self.pop = keystones, pop
        self.delay = delay

    def keystone_paid_in(self, number: int) -> int | None:
        """The keystone whose miners L2 block ``number`` pays, or None if it carries no payout."""
        interval = self.keystones.interval
        rewarded = number - self.delay
        if number % interval or rewarded <= 0 or rewarded % interval:
            return None
        return rewarded

    def publications(self, keystone_number: int) -> list[tuple[bytes, int]]:
        """(miner EVM address, Bitcoin height relative to the first) of each canonical publication of the keystone,
        lowest first, at most 75."""
        ks = self.keystones.find(keystone_number)
        if ks is None:
            return []
        # PopNetwork's index rows: (height, block hash, tx index, txid, abbreviated keystone, signer public key)
        rows = self.pop._index().get(bytes(ks.hash), ())[:MAXIMUM_PUBLICATIONS]
        out = []
        first = rows[0][0] if rows else 0
        for height, _bhash, _i, _txid, _abrev, pubkey in rows:
            try:
                out.append((evm_address_of(pubkey), height - first))
            except Exception:  # noqa: BLE001 - a publication whose signer key cannot be read pays nobody
                continue
        return out

    def payout_tx(self, number: int) -> SystemTx | None:
        rewarded = self.keystone_paid_in(number)
        if rewarded is None:
            return None
        data = payout_calldata(rewarded, self.publications(rewarded))
        return hvm_system_tx(POP_PAYOUT_TX_TYPE, to=POP_PAYOUTS_ADDRESS, gas=PAYOUT_GAS, data=data,
                             label="pop-payout")
