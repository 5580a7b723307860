"""Part ``btc`` of a devchain state: the embedded Bitcoin chain (:class:`hemi.btc.chain.BitcoinChain`).

Saved: every block of the block tree as its raw header and raw transactions (hex), with its arrival number, whether
it was ever connected and, for connected blocks, the coins each transaction spent (undo data); the active chain; the
UTXO set and the transaction index as they are (not replayed, so a load is exact and cheap); the mempool (raw
transactions, fees, arrival numbers, in-mempool parents); invalid marks and rejection reasons; wallet names (a wallet
is derived from the chain's seed and its name). Derived again on load: hashes, heights, chain work, block times,
per-transaction hashes and sizes, the children index, the scriptPubKey index and the mempool's spend index.
"""

from __future__ import annotations

from typing import Any

from bitcoin.core import CTransaction

from hemi.btc.blocktools import block_work
from hemi.btc.chain import BitcoinChain, MempoolView
from hemi.btc.chainstate import BlockRecord
from hemi.btc.coins import Coin, CoinsView
from hemi.btc.mempool import Mempool, MempoolEntry
from hemi.btc.tx import sha256d, tx_hashes
from hemi.btc.wallet import Wallet
from hemi.errors import BlockRejected
from hemi.node.state.codec import check_fields, fields, flag, hx, num, seq, text, unhx

PART = "btc"
_CHAIN_FIELDS = ("seed", "node", "_wallets", "_snapshots", "_listeners", "mempool")
_NODE_FIELDS = ("chainstate", "mempool", "max_fee_rate", "ancestor_limit", "notify")
_CHAINSTATE_FIELDS = ("block_interval", "blocks", "children", "active", "coins", "txindex", "invalid",
                      "reject_reasons", "seq")
_RECORD_FIELDS = ("hash", "height", "prev", "header", "txs", "_cblock", "hashes", "time", "chainwork", "seq", "undo",
                  "was_connected")
_KEYS = ("block_interval", "max_fee_rate", "ancestor_limit", "blocks", "active", "coins", "txindex", "mempool",
         "invalid", "reject_reasons", "seq", "wallets")


def _coin(c: Coin) -> list:
    return [c.value, hx(c.spk), c.height, c.position, c.coinbase]


def _uncoin(v: Any) -> Coin:
    value, spk, height, position, coinbase = seq(v, 5)
    return Coin(num(value), unhx(spk), num(height), num(position), flag(coinbase))


def to_data(chain: BitcoinChain) -> dict:
    check_fields(chain, _CHAIN_FIELDS, PART)
    check_fields(chain.node, _NODE_FIELDS, PART)
    cs = chain.node.chainstate
    check_fields(cs, _CHAINSTATE_FIELDS, PART)
    check_fields(cs.coins, ("coins", "by_script"), PART)
    check_fields(chain.node.mempool, ("entries", "spenders"), PART)
    blocks = []
    for rec in sorted(cs.blocks.values(), key=lambda r: r.seq):  # a parent always arrived before its children
        check_fields(rec, _RECORD_FIELDS, PART)
        undo = None if rec.undo is None else [[_coin(c) for c in spent] for spent in rec.undo]
        blocks.append([hx(rec.header), [hx(tx.serialize()) for tx in rec.txs], rec.seq, rec.was_connected, undo])
    mempool = []
    for e in chain.node.mempool.entries.values():
        mempool.append([hx(e.raw), e.fee, e.seq, sorted(hx(p) for p in e.parents)])
    for w in chain._wallets.values():
        check_fields(w, ("chain", "name", "key", "_kinds", "_by_spk"), PART)
    return {
        "block_interval": chain.block_interval, "max_fee_rate": chain.max_fee_rate,
        "ancestor_limit": chain.ancestor_limit,
        "blocks": blocks,
        "active": [hx(h) for h in cs.active],
        "coins": [[hx(op[0]), op[1], *_coin(c)] for op, c in cs.coins.coins.items()],
        "txindex": [[hx(txid), hx(bh), pos] for txid, (bh, pos) in cs.txindex.items()],
        "mempool": mempool,
        "invalid": [[hx(h), why] for h, why in cs.invalid.items()],
        "reject_reasons": [[hx(h), e.reason, e.detail] for h, e in cs.reject_reasons.items()],
        "seq": cs.seq,
        "wallets": list(chain._wallets),
    }


def restore(chain: BitcoinChain, data: Any) -> None:
    """Make ``chain`` (the devchain's own BitcoinChain, constructed with the saved seed) hold the saved state.
    Everything is decoded and checked before the chain is touched."""
    (interval, max_fee_rate, ancestor_limit, blocks_d, active_d, coins_d, txindex_d, mempool_d, invalid_d,
     reasons_d, seq_no, wallets_d) = fields(data, _KEYS)
    blocks: dict[bytes, BlockRecord] = {}
    children: dict[bytes, list[bytes]] = {}
    cs = chain.node.chainstate
    genesis = cs.blocks[cs.active[0]]
    for item in seq(blocks_d):
        header_h, txs_h, rseq, connected, undo_d = seq(item, 5)
        header = unhx(header_h, size=80)
        txs = [CTransaction.deserialize(unhx(t)) for t in seq(txs_h)]
        bhash = sha256d(header)
        if not blocks:  # the first block is the regtest genesis the chain was built with
            if bhash != genesis.hash:
                raise ValueError("the saved chain does not start at this chain's genesis block")
            rec = BlockRecord(bhash, 0, header, txs, list(genesis.hashes), genesis.chainwork, num(rseq),
                               genesis.block)
        else:
            parent = blocks.get(header[4:36])
            if parent is None:
                raise ValueError(f"block {bhash[::-1].hex()} comes before its parent")
            bits = int.from_bytes(header[72:76], "little")
            rec = BlockRecord(bhash, parent.height + 1, header, txs, [tx_hashes(tx) for tx in txs],
                               parent.chainwork + block_work(bits), num(rseq))
            children.setdefault(parent.hash, []).append(bhash)
        rec.was_connected = flag(connected)
        rec.undo = None if undo_d is None else [[_uncoin(c) for c in seq(spent)] for spent in seq(undo_d)]
        if bhash in blocks:
            raise ValueError(f"block {bhash[::-1].hex()} is listed twice")
        blocks[bhash] = rec
    active = [unhx(h, size=32) for h in seq(active_d)]
    for height, h in enumerate(active):
        if h not in blocks or blocks[h].height != height:
            raise ValueError(f"active chain entry {height} is not a known block at that height")
    if not active:
        raise ValueError("the active chain is empty")
    coins = CoinsView()
    for item in seq(coins_d):
        txid, n, *coin = seq(item, 7)
        coins.add((unhx(txid, size=32), num(n)), _uncoin(coin))
    txindex = {}
    for item in seq(txindex_d):
        txid, bh, pos = seq(item, 3)
        txindex[unhx(txid, size=32)] = (unhx(bh, size=32), num(pos))
    mempool = Mempool()
    for item in seq(mempool_d):
        raw_h, fee, eseq, parents = seq(item, 4)
        raw = unhx(raw_h)
        tx = CTransaction.deserialize(raw)
        mempool.add(MempoolEntry(tx, raw, tx_hashes(tx, raw), num(fee), num(eseq),
                                 frozenset(unhx(p, size=32) for p in seq(parents))))
    invalid = {unhx(h, size=32): text(why) for h, why in (seq(i, 2) for i in seq(invalid_d))}
    reasons = {unhx(h, size=32): BlockRejected(text(r), text(d)) for h, r, d in (seq(i, 3) for i in seq(reasons_d))}
    names = [text(n) for n in seq(wallets_d)]
    # everything decoded: now the chain changes
    chain.block_interval, chain.max_fee_rate, chain.ancestor_limit = num(interval), num(max_fee_rate), \
        num(ancestor_limit)
    cs.blocks, cs.children, cs.active = blocks, children, active
    cs.coins, cs.txindex, chain.node.mempool = coins, txindex, mempool
    cs.invalid, cs.reject_reasons, cs.seq = invalid, reasons, num(seq_no)
    chain._wallets = {}
    for name in names:
        chain._wallets[name] = Wallet(chain, name)
    chain._snapshots = {}  # snapshots name this process's objects; a loaded chain starts without any
    if not isinstance(chain.mempool, MempoolView):
        chain.mempool = MempoolView(chain.node)
