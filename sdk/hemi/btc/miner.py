"""The miner (Bitcoin Core's ``BlockAssembler`` and ``generatetoaddress``): choose a block's transactions, build
the coinbase, solve the regtest proof of work, connect the block on the tip.

A block takes mempool transactions by ancestor fee rate (:meth:`hemi.btc.mempool.Mempool.select`), or exactly the
transactions a caller names, which are then checked by the consensus rules only, as a miner's own template is
(relay policy does not apply). Sources (bitcoin/bitcoin v26.0): src/node/miner.cpp ``CreateNewBlock``,
src/rpc/mining.cpp ``generateblock``.
"""

from __future__ import annotations

from collections.abc import Sequence

from bitcoin.core import CTransaction

from hemi.btc import params
from hemi.btc.blocktools import create_coinbase, solve
from hemi.btc.coins import Coin, Outpoint
from hemi.btc.consensus import add_block_sigops, check_tx_in_block
from hemi.btc.context import NodeContext
from hemi.btc.merkle import merkle_root
from hemi.btc.script import is_unspendable
from hemi.btc.tx import RawTx, TxHashes, decode_tx, tx_hashes
from hemi.btc.validation import check_transaction, is_coinbase
from hemi.errors import HemiValueError, TransactionRejected, UnknownTransactionError
from hemi.types import Txid


def mine_block(node: NodeContext, payout_spk: bytes, explicit: Sequence[RawTx] | None) -> bytes:
    """Mine one block on the tip paying ``payout_spk``, with mempool transactions or exactly ``explicit``; connect
    it, drop its transactions from the mempool, tell listeners. Returns the block hash."""
    cs = node.chainstate
    parent = cs.tip
    height = parent.height + 1
    if cs.next_block_time(parent) >= 2**32:  # a header's time is a uint32
        raise HemiValueError("the next Bitcoin block's time would pass 2**32 - 1 (the header's 32-bit time): "
                             "lower block_interval or revert to an earlier snapshot")
    if explicit is None:
        entries = node.mempool.select(params.MAX_BLOCK_WEIGHT - 4000)  # room for the coinbase, as Core reserves
        txs = [e.tx for e in entries]
        hashes = [e.hashes for e in entries]
        fees = sum(e.fee for e in entries)
    else:
        txs, hashes, fees = template_txs(node, explicit, height)
    coinbase = create_coinbase(height, value=params.block_subsidy(height) + fees, script_pubkey=payout_spk,
                               wtxids=[h.wtxid for h in hashes],
                               extranonce=len(cs.children.get(parent.hash, ())))  # siblings get distinct hashes
    all_hashes = [tx_hashes(coinbase), *hashes]
    merkle = merkle_root([h.txid for h in all_hashes])
    _nonce, header, bhash = solve(params.BLOCK_VERSION, parent.hash, merkle, cs.next_block_time(parent),
                                  params.REGTEST_NBITS)
    rec = cs.add_record(bhash, [coinbase, *txs], header, all_hashes)
    cs.connect(rec, verify=False)
    node.mempool.remove_for_block(txs, [h.txid for h in hashes])
    node.notify()
    return bhash


def template_txs(node: NodeContext, raw_txs: Sequence[RawTx],
                 height: int) -> tuple[list[CTransaction], list[TxHashes], int]:
    """(transactions, their hashes, total fee) for a block at ``height`` holding exactly ``raw_txs`` in order
    (raw transactions, or txids of mempool transactions); each is checked by the consensus rules against the coins
    as the earlier ones leave them. Raises ``TransactionRejected`` with Core's reason."""
    cs = node.chainstate
    overlay: dict[Outpoint, Coin | None] = {}  # outputs the earlier transactions spent (None) or created

    def lookup(op: Outpoint) -> Coin | None:
        if op in overlay:
            return overlay[op]
        return cs.coins.get(op)

    txs: list[CTransaction] = []
    hashes: list[TxHashes] = []
    fees = sigops = 0
    mtp = cs.median_time_past()
    for item in raw_txs:
        if isinstance(item, Txid) or (isinstance(item, str) and len(item) == 64):
            entry = node.mempool.get(bytes(Txid(item)))
            if entry is None:
                raise UnknownTransactionError(f"{Txid(item)} is not in the mempool")
            tx, raw = entry.tx, entry.raw
        else:
            tx, raw = decode_tx(item)
        h = tx_hashes(tx, raw)
        check_transaction(tx, h)
        if is_coinbase(tx):
            raise TransactionRejected("bad-cb-multiple")
        if h.txid in cs.txindex or any(x.txid == h.txid for x in hashes):
            raise TransactionRejected("bad-txns-duplicate")
        fee, _, cost = check_tx_in_block(tx, lookup, height=height, prev_mtp=mtp, mtp_at=cs.median_time_past)
        sigops = add_block_sigops(sigops, cost)
        for txin in tx.vin:
            overlay[(txin.prevout.hash, txin.prevout.n)] = None
        for n, out in enumerate(tx.vout):
            spk = bytes(out.scriptPubKey)
            if not is_unspendable(spk):
                overlay[(h.txid, n)] = Coin(out.nValue, spk, height, len(txs) + 1, False)
        txs.append(tx)
        hashes.append(h)
        fees += fee
    return txs, hashes, fees
