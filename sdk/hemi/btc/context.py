"""What the parts of the embedded node share (Bitcoin Core's ``NodeContext``): the chain state, the mempool, the
relay options, and how to tell listeners that something changed; plus the read-only mempool view users get and the
state digest tests compare.

The miner, mempool acceptance, reorgs, snapshots and wallets receive this object, never the
:class:`~hemi.btc.chain.BitcoinChain` facade, so none of them imports the facade.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from hemi.btc.chainstate import ChainState
from hemi.btc.mempool import Mempool, MempoolEntry
from hemi.btc.models import MempoolTx
from hemi.errors import HemiValueError
from hemi.types import HashLike, Txid


@dataclass(eq=False)
class NodeContext:
    """The node's parts. ``mempool`` is replaced (not mutated) when a reorg rebuilds it or a snapshot is reverted,
    so hold the context, not the mempool."""

    chainstate: ChainState
    mempool: Mempool
    max_fee_rate: int  # sat/kvB, as sendrawtransaction's maxfeerate
    ancestor_limit: int  # in-mempool ancestors a new transaction may have (itself included)
    notify: Callable[[], None]  # called after every change of the active chain or mempool that listeners see


class MempoolView:
    """Read-only view of the mempool: iterate for :class:`MempoolTx`, ``txid in view``, ``len(view)``."""

    def __init__(self, node: NodeContext) -> None:
        self._node = node

    def __len__(self) -> int:
        return len(self._node.mempool)

    def __iter__(self) -> Iterator[MempoolTx]:
        return (self._to_public(e) for e in list(self._node.mempool))

    def __contains__(self, txid: object) -> bool:
        try:
            key = bytes(Txid(txid))  # type: ignore[arg-type]  # any object may be asked about; Txid validates it
        except HemiValueError:
            return False
        return key in self._node.mempool

    @property
    def txids(self) -> list[Txid]:
        return [Txid(t) for t in self._node.mempool.entries]

    def get(self, txid: HashLike) -> MempoolTx | None:
        e = self._node.mempool.get(bytes(Txid(txid)))
        return None if e is None else self._to_public(e)

    @staticmethod
    def _to_public(e: MempoolEntry) -> MempoolTx:
        return MempoolTx(Txid(e.txid), Txid(e.hashes.wtxid), e.tx, e.fee, e.vsize, e.hashes.weight)

    def __repr__(self) -> str:
        return f"<mempool: {len(self)} txs>"


def state_digest(node: NodeContext) -> dict[str, str]:
    """SHA-256 digests of the active chain, UTXO set, address index, tx index and mempool (see
    :meth:`hemi.btc.chain.BitcoinChain.state_digest`)."""
    cs, mp = node.chainstate, node.mempool
    return {
        "chain": _digest(cs.active),
        "utxos": _digest(sorted((op, c.value, c.spk, c.height, c.position, c.coinbase)
                                for op, c in cs.coins.coins.items())),
        "address_index": _digest(sorted((spk, sorted(b)) for spk, b in cs.coins.by_script.items())),
        "tx_index": _digest(sorted(cs.txindex.items())),
        "mempool": _digest(sorted((t, e.fee) for t, e in mp.entries.items())),
        "mempool_spends": _digest(sorted(mp.spenders.items())),
    }


def _digest(items: Iterable[object]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(repr(item).encode())
    return h.hexdigest()
