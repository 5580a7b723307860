"""Chain state: the block tree, the active chain, the UTXO set with its indexes, and moving the tip between chains.

The counterpart of Bitcoin Core's ``CBlockIndex`` tree and ``Chainstate`` (src/validation.cpp ``ConnectBlock``,
``DisconnectBlock``, ``ActivateBestChain``, ``InvalidateBlock``, ``ReconsiderBlock``; src/rpc/blockchain.cpp
``getchaintips`` statuses). It knows nothing of the mempool: moving the tip returns the blocks it disconnected and
the caller (:mod:`hemi.btc.reorg`) repairs the mempool, so dependencies point one way.

Internally hashes are ``bytes`` in internal order.
"""

from __future__ import annotations

from bitcoin.core import CBlock, CTransaction

from hemi.btc import params
from hemi.btc.address import script_to_address
from hemi.btc.blocktools import assemble_block, block_work
from hemi.btc.coins import Coin, CoinsView, Outpoint
from hemi.btc.merkle import MerkleProof, merkle_branch
from hemi.btc.models import ChainTip, TxInfo, Utxo
from hemi.btc.script import is_unspendable
from hemi.btc.tx import TxHashes, tx_hashes
from hemi.errors import BlockRejected, HemiValueError, ReorgError, TransactionRejected, UnknownBlockError
from hemi.types import BlockHash, HashLike, Txid

BlockRef = int | HashLike


class BlockRecord:
    """A block in the block tree (Core's ``CBlockIndex`` plus the block). ``undo`` holds, per tx, the coins it
    spent while the block is connected.

    The python-bitcoinlib ``CBlock`` is built only when asked for: its constructor re-serializes every tx to check
    the merkle root, which the chain has already computed, and mining should not pay for it.
    """

    __slots__ = ("hash", "height", "prev", "header", "txs", "_cblock", "hashes", "time", "chainwork", "seq", "undo",
                 "was_connected")

    def __init__(self, hash_: bytes, height: int, header: bytes, txs: list[CTransaction], hashes: list[TxHashes],
                 chainwork: int, seq: int, cblock: CBlock | None = None) -> None:
        self.hash = hash_
        self.height = height
        self.prev = header[4:36]
        self.header = header
        self.txs = txs
        self._cblock = cblock
        self.hashes = hashes
        self.time = int.from_bytes(header[68:72], "little")
        self.chainwork = chainwork
        self.seq = seq
        self.undo: list[list[Coin]] | None = None
        self.was_connected = False

    @property
    def block(self) -> CBlock:
        if self._cblock is None:
            self._cblock = assemble_block(self.header, self.txs)
        return self._cblock


class ChainState:
    """Block tree, active chain, UTXO set (with the scriptPubKey index) and tx index of one chain.

    ``seq`` numbers arrivals (blocks and mempool entries alike): the first-seen block wins a chain-work tie, and a
    snapshot forgets whatever arrived after it.
    """

    def __init__(self, block_interval: int) -> None:
        self.block_interval = block_interval  # seconds of the simulated clock between blocks
        self.blocks: dict[bytes, BlockRecord] = {}
        self.children: dict[bytes, list[bytes]] = {}
        self.active: list[bytes] = []
        self.coins = CoinsView()
        self.txindex: dict[bytes, tuple[bytes, int]] = {}
        self.invalid: dict[bytes, str] = {}  # hash -> "invalid" | "failed-child"
        self.reject_reasons: dict[bytes, BlockRejected] = {}  # why a block failed when connected
        self.seq = 0
        genesis = params.GENESIS_BLOCK
        ghash = genesis.GetHash()
        rec = BlockRecord(ghash, 0, genesis.get_header().serialize(), list(genesis.vtx),
                          [tx_hashes(genesis.vtx[0])], block_work(genesis.nBits), self.next_seq(), genesis)
        rec.undo = [[]]  # the genesis coinbase is never spendable and never indexed, as in Bitcoin Core
        rec.was_connected = True
        self.blocks[ghash] = rec
        self.active.append(ghash)

    def next_seq(self) -> int:
        self.seq += 1
        return self.seq

    # ------------------------------------------------------------------ reading

    @property
    def height(self) -> int:
        return len(self.active) - 1

    @property
    def tip(self) -> BlockRecord:
        return self.blocks[self.active[-1]]

    def record(self, ref: BlockRef) -> BlockRecord:
        """The block at an active-chain height (negative counts from the tip) or with a hash (any branch)."""
        if isinstance(ref, bool):
            raise HemiValueError("a block is referenced by height or hash, not bool")
        if isinstance(ref, int):
            h = ref if ref >= 0 else self.height + 1 + ref
            if not 0 <= h <= self.height:
                raise UnknownBlockError(f"no block at height {ref} (chain height {self.height})")
            return self.blocks[self.active[h]]
        rec = self.blocks.get(bytes(BlockHash(ref)))
        if rec is None:
            raise UnknownBlockError(f"unknown block {BlockHash(ref)}")
        return rec

    def in_active(self, rec: BlockRecord) -> bool:
        return rec.height < len(self.active) and self.active[rec.height] == rec.hash

    def confirmations(self, rec: BlockRecord) -> int:
        """Blocks on top of and including ``rec``; -1 off the active chain (as ``getblock``)."""
        return self.height - rec.height + 1 if self.in_active(rec) else -1

    def median_time_past(self, ref: BlockRef = -1) -> int:
        rec: BlockRecord | None = self.record(ref)
        times: list[int] = []
        while rec is not None and len(times) < params.MEDIAN_TIME_SPAN:
            times.append(rec.time)
            rec = self.blocks.get(rec.prev)
        times.sort()
        return times[len(times) // 2]

    def next_block_time(self, parent: BlockRecord) -> int:
        """The time stamped on a block mined on ``parent``: one interval later, and past the median time past."""
        return max(parent.time + self.block_interval, self.median_time_past(parent.hash) + 1)

    def adjusted_time(self) -> int:
        """The simulated clock's "now": the moment the next block on the tip is due."""
        return self.next_block_time(self.tip)

    def tx_info(self, txid: bytes) -> TxInfo | None:
        """A confirmed transaction of the active chain (with its fee from the undo data), or None."""
        loc = self.txindex.get(txid)
        if loc is None:
            return None
        rec = self.blocks[loc[0]]
        pos = loc[1]
        tx = rec.txs[pos]
        fee = None
        if pos:
            assert rec.undo is not None, "an indexed block is connected, so it has undo data"
            fee = sum(c.value for c in rec.undo[pos]) - sum(o.nValue for o in tx.vout)
        return TxInfo(Txid(txid), Txid(rec.hashes[pos].wtxid), tx, BlockHash(rec.hash), rec.height, pos,
                      self.height - rec.height + 1, fee)

    def merkle_proof(self, txid: bytes) -> MerkleProof | None:
        loc = self.txindex.get(txid)
        if loc is None:
            return None
        rec = self.blocks[loc[0]]
        branch = merkle_branch([h.txid for h in rec.hashes], loc[1])
        return MerkleProof(Txid(txid), BlockHash(rec.hash), loc[1], tuple(branch), rec.header)

    def utxo(self, op: Outpoint, coin: Coin) -> Utxo:
        """The public view of a coin (height -1: created by a mempool transaction)."""
        if coin.height < 0:
            return Utxo(Txid(op[0]), op[1], coin.value, coin.spk, script_to_address(coin.spk), None, False, 0, True)
        confs = self.height - coin.height + 1
        # Bitcoin Core's wallet counts a coinbase as mature at 101 confirmations, one block more than consensus
        # needs for a spend in the next block; "mine 101 blocks, have 50 BTC" works as users know it.
        mature = not coin.coinbase or confs > params.COINBASE_MATURITY
        return Utxo(Txid(op[0]), op[1], coin.value, coin.spk, script_to_address(coin.spk), coin.height,
                    coin.coinbase, confs, mature)

    def chain_tips(self) -> list[ChainTip]:
        """Every leaf of the block tree, as ``getchaintips`` reports them."""
        tips = []
        for h, rec in self.blocks.items():
            if self.children.get(h) and h != self.active[-1]:  # the active tip is a tip even with (invalid) kids
                continue
            fork = rec
            while not self.in_active(fork):
                fork = self.blocks[fork.prev]
            if self.in_active(rec):
                status = "active"
            elif h in self.invalid:
                status = "invalid"
            else:
                status = "valid-fork" if rec.was_connected else "valid-headers"
            tips.append(ChainTip(rec.height, BlockHash(h), rec.height - fork.height, status))
        return sorted(tips, key=lambda t: (-t.height, str(t.hash)))

    # ------------------------------------------------------------------ the block tree

    def add_record(self, bhash: bytes, txs: list[CTransaction], header: bytes, hashes: list[TxHashes],
                   cblock: CBlock | None = None) -> BlockRecord:
        """Put a block in the tree (not connected): Core's ``AddToBlockIndex``."""
        parent = self.blocks[header[4:36]]
        bits = int.from_bytes(header[72:76], "little")
        rec = BlockRecord(bhash, parent.height + 1, header, txs, hashes, parent.chainwork + block_work(bits),
                          self.next_seq(), cblock)
        self.blocks[bhash] = rec
        self.children.setdefault(parent.hash, []).append(bhash)
        return rec

    def forget_after(self, seq: int) -> None:
        """Drop every block that arrived after ``seq`` from the tree (none of them may be active)."""
        for h in [h for h, r in self.blocks.items() if r.seq > seq]:
            rec = self.blocks.pop(h)
            kids = self.children.get(rec.prev)
            if kids is not None:
                kids.remove(h)
                if not kids:
                    del self.children[rec.prev]
            self.children.pop(h, None)

    def mark_invalid(self, bhash: bytes) -> None:
        self.invalid[bhash] = "invalid"
        stack = list(self.children.get(bhash, ()))
        while stack:
            h = stack.pop()
            self.invalid.setdefault(h, "failed-child")
            stack.extend(self.children.get(h, ()))

    def clear_invalid(self, rec: BlockRecord) -> None:
        """Clear the invalid mark of ``rec``, its descendants and its ancestors (``reconsiderblock``)."""
        stack = [rec.hash]
        while stack:
            h = stack.pop()
            self.invalid.pop(h, None)
            stack.extend(self.children.get(h, ()))
        a: BlockRecord | None = rec
        while a is not None:
            self.invalid.pop(a.hash, None)
            a = self.blocks.get(a.prev)

    # ------------------------------------------------------------------ connecting and disconnecting blocks

    def connect(self, rec: BlockRecord, *, verify: bool) -> None:
        """Apply ``rec`` on the tip (``ConnectBlock``). With ``verify`` every tx is checked by the consensus rules;
        on failure the state is rolled back and ``BlockRejected`` raised."""
        # the block rules bring the script interpreter, which a chain needs only once it connects a block: deferred
        from hemi.btc.consensus import add_block_sigops, check_coinbase_amount, check_tx_in_block
        from hemi.btc.txrules import sigop_cost  # deferred: as above

        coins, height, txs = self.coins, rec.height, rec.txs
        undo: list[list[Coin]] = []
        fees = 0
        sigops = sigop_cost(txs[0], []) if verify else 0
        try:
            mtp = self.median_time_past(rec.prev) if verify else 0
            for pos, tx in enumerate(txs):
                txid = rec.hashes[pos].txid
                if pos and verify:
                    fee, _, cost = check_tx_in_block(tx, coins.get, height=height, prev_mtp=mtp,
                                                     mtp_at=self.median_time_past)
                    sigops = add_block_sigops(sigops, cost)
                    fees += fee
                spent = [coins.spend((i.prevout.hash, i.prevout.n)) for i in tx.vin] if pos else []
                undo.append(spent)
                for n, out in enumerate(tx.vout):
                    spk = bytes(out.scriptPubKey)
                    if not is_unspendable(spk):
                        coins.add((txid, n), Coin(out.nValue, spk, height, pos, pos == 0))
                if txid in self.txindex and verify:
                    raise TransactionRejected("bad-txns-BIP30")
                self.txindex[txid] = (rec.hash, pos)
            if verify:
                check_coinbase_amount(txs[0], height, fees)
        except (TransactionRejected, BlockRejected) as err:
            rec.undo = undo
            self.unapply(rec, len(undo))
            if isinstance(err, BlockRejected):
                raise
            raise BlockRejected(err.reason, err.detail) from None
        rec.undo = undo
        rec.was_connected = True
        self.active.append(rec.hash)

    def unapply(self, rec: BlockRecord, ntx: int) -> None:
        """Undo the first ``ntx`` transactions of ``rec`` (all of them when disconnecting)."""
        coins = self.coins
        undo = rec.undo or []
        for pos in range(ntx - 1, -1, -1):
            tx = rec.txs[pos]
            txid = rec.hashes[pos].txid
            for n in range(len(tx.vout)):
                if (txid, n) in coins.coins:
                    coins.spend((txid, n))
            if self.txindex.get(txid) == (rec.hash, pos):
                del self.txindex[txid]
            if pos < len(undo):
                for txin, coin in zip(tx.vin, undo[pos], strict=False):
                    coins.add((txin.prevout.hash, txin.prevout.n), coin)
        rec.undo = None

    def disconnect_tip(self) -> BlockRecord:
        """``DisconnectBlock`` of the tip."""
        rec = self.tip
        if rec.height == 0:
            raise ReorgError("cannot disconnect the genesis block")
        self.unapply(rec, len(rec.txs))
        self.active.pop()
        return rec

    def disconnect_to(self, rec: BlockRecord) -> list[BlockRecord]:
        """Disconnect blocks until ``rec`` is the tip; returns them oldest first."""
        disconnected = []
        while self.active[-1] != rec.hash:
            disconnected.append(self.disconnect_tip())
        disconnected.reverse()
        return disconnected

    def set_tip(self, target: bytes, *, verify: bool) -> list[BlockRecord]:
        """Move the active chain to ``target``; returns the disconnected blocks, oldest first.

        Raises ``BlockRejected`` (after marking the bad block) if a block on the way fails validation; the chain is
        then left at the last good block of the new branch.
        """
        path = []
        rec = self.blocks[target]
        while not self.in_active(rec):
            path.append(rec)
            rec = self.blocks[rec.prev]
        disconnected = self.disconnect_to(rec)
        for r in reversed(path):
            try:
                self.connect(r, verify=verify)
            except BlockRejected as err:
                self.mark_invalid(r.hash)
                self.reject_reasons[r.hash] = err
                raise
        return disconnected

    def best_candidate(self) -> BlockRecord:
        """The valid block with the most chain work (first seen wins ties)."""
        best: BlockRecord | None = None
        for h, rec in self.blocks.items():
            if h in self.invalid:
                continue
            if best is None or (rec.chainwork, -rec.seq) > (best.chainwork, -best.seq):
                best = rec
        assert best is not None, "the genesis block is never invalid"
        return best

    def activate_best_chain(self) -> list[BlockRecord]:
        """Switch to the most-work valid chain, skipping branches that fail validation (``ActivateBestChain``);
        returns the blocks disconnected on the way, oldest first per step."""
        disconnected: list[BlockRecord] = []
        while True:
            best = self.best_candidate()
            if best.hash == self.active[-1] or best.chainwork <= self.tip.chainwork:
                return disconnected
            try:
                disconnected += self.set_tip(best.hash, verify=True)
            except BlockRejected:
                continue

