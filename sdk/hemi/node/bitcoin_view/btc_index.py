"""The hVM's Bitcoin full-node indexes: UTXO set, transactions, and scriptPubKey (address) -> UTXOs.

This is the equivalent of the *full* TBC node op-geth embeds (hemilabs/op-geth ``core/vm/contracts.go``
``SetupTBCFullNode``): it keeps its own UTXO, tx and address indexes and is moved **explicitly** to a block (op-geth
runs TBC with ``AutoIndex=false`` and calls ``TBCIndexToHashHeight`` after each L2 block; op-geth
``core/vm/tbc_fullnode_test.go`` ``TestValidateTBCFullNodeConfigRejectsAutoIndex``). It never follows the Bitcoin
chain by itself, so it can lag the chain's tip, sit on a stale branch, or be rewound.

An address's UTXOs come in heminetwork's leveldb key order, ``'h' ‖ sha256(script) ‖ txid ‖ vout(u32 BE)``
(hemilabs/heminetwork ``database/tbcd/level/level.go`` ``UtxosByScriptHash``): sorted by the txid's raw (internal
order) bytes, then by output index. Each list is kept sorted as coins come and go (binary search, no re-sort), so the
first query after a block costs what a repeated one does.

``visible_from`` models hVM activation (op-geth ``core/vm/hvm_genesis.go``: mainnet's hVM genesis is Bitcoin height
883092): blocks below it are walked as headers only, so their transactions and outputs never reach the indexes.

Moving works as TBC's ``TBCIndexToHashHeight``: find the common ancestor of the index tip and the target, unwind to
it, then wind forward (OPG-T1 ``TestSyntheticFullNodeReorgUnwind``). Unwinding uses only the indexer's *own* copies of
the blocks it connected and its own undo data, because the Bitcoin chain may have forgotten those blocks (a snapshot
revert drops blocks made after the snapshot). Winding forward fetches blocks from ``chain.block(hash)``, which also
serves blocks of stale branches, or from the blocks it is given (:meth:`BitcoinIndexer.forgotten_blocks` of a saved
indexer: a loaded devchain's indexer stands where the saved one stood, on blocks its Bitcoin chain may have
forgotten).

Connecting a block is dict work only: the embedded chain already validated every script, and TBC does no script
validation on insert either (OPG-T1 spend test: "the full node does no script validation on BlockInsert").

:meth:`BitcoinIndexer.reader` gives the narrow :class:`~hemi.hvm.view.BitcoinReader` the precompiles read.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from bitcoin.core import CTransaction

from hemi.btc.chain import BitcoinChain
from hemi.btc.script import is_unspendable
from hemi.btc.tx import sha256d, tx_hashes
from hemi.errors import HemiValueError, UnknownBlockError
from hemi.hvm.view import BitcoinReader, HeaderInfo, IndexedTx, Utxo

__all__ = ["BitcoinIndexer", "IndexReader"]

Outpoint = tuple[bytes, int]  # (txid in internal order, output index)


@dataclass(frozen=True, slots=True)
class _Coin:
    """An indexed unspent output."""

    value: int
    spk: bytes


@dataclass(slots=True)
class _IndexedBlock:
    """The indexer's own copy of a connected block, with the coins it spent (undo data) per tx position."""

    hash: bytes
    height: int
    raw_header: bytes
    txs: tuple[CTransaction, ...]
    txids: tuple[bytes, ...]
    undo: list[list[tuple[Outpoint, _Coin]]]

    @property
    def prev(self) -> bytes:
        return self.raw_header[4:36]

    def info(self) -> HeaderInfo:
        return HeaderInfo(self.height, self.raw_header, self.hash)


class BitcoinIndexer:
    """UTXO / tx / address indexes over a :class:`BitcoinChain`, moved only by :meth:`index_to`.

    It starts indexed at the chain's genesis (height 0). The genesis coinbase is not indexed (its output is not
    spendable and Bitcoin Core's indexes skip it too). Blocks below ``visible_from`` are indexed as headers only.
    """

    def __init__(self, chain: BitcoinChain, *, visible_from: int = 0) -> None:
        if isinstance(visible_from, bool) or not isinstance(visible_from, int) or visible_from < 0:
            raise HemiValueError(f"visible_from must be a non-negative int, got {visible_from!r}")
        self.chain = chain
        self.visible_from = visible_from
        g = chain.block(0)
        genesis = _IndexedBlock(bytes(g.hash), 0, bytes(g.header.raw), tuple(g.txs),
                                tuple(bytes(t) for t in g.txids), [[] for _ in g.txids])
        self._active: list[_IndexedBlock] = [genesis]  # index tip = _active[-1]; _active[h].height == h
        self._height_of: dict[bytes, int] = {genesis.hash: 0}
        self._coins: dict[Outpoint, _Coin] = {}
        self._by_spk: dict[bytes, list[Outpoint]] = {}  # per script: its outpoints in leveldb key order, kept sorted
        self._balance: dict[bytes, int] = {}
        self._txindex: dict[bytes, tuple[int, int]] = {}  # txid -> (height, position) in the indexed chain
        self._tx_cache: dict[bytes, IndexedTx] = {}  # IndexedTx by txid, valid until the index moves

    # ------------------------------------------------------------------ queries

    @property
    def tip(self) -> HeaderInfo:
        """The block the indexes reflect (what 0x44 btcLastHeader reports)."""
        return self._active[-1].info()

    @property
    def height(self) -> int:
        return len(self._active) - 1

    def reader(self, light_tip_height: int) -> BitcoinReader:
        """A :class:`BitcoinReader` answering at the current index tip; confirmations count from ``light_tip_height``.

        The reader is live: it answers from whatever tip the indexer has when it is asked, so take a fresh one after
        moving the indexer.
        """
        return IndexReader(self, int(light_tip_height))

    # ------------------------------------------------------------------ moving

    def index_to(self, block_hash: bytes, *,
                 kept: Iterable[tuple[bytes, Sequence[CTransaction]]] = ()) -> None:
        """Move the indexes to ``block_hash`` (internal byte order): unwind to the common ancestor, then wind forward.
        ``kept``: blocks (raw header, transactions) to wind forward through where the chain does not know them (a
        state file carries those of :meth:`forgotten_blocks`).

        Raises :class:`~hemi.errors.UnknownBlockError` if neither the indexer, ``kept`` nor the chain knows the block
        (then the indexes are unchanged).
        """
        target = bytes(block_hash)
        if target in self._height_of:  # on the indexed chain already: only unwinding (or nothing) to do
            self._disconnect_to(self._height_of[target])
            return
        spare = {sha256d(raw): (bytes(raw), tuple(txs)) for raw, txs in kept}
        # Walk the target back through the chain's block tree until we meet the indexed chain. Everything is fetched
        # before anything changes, so an unknown block leaves the indexes untouched.
        path: list[tuple[bytes, bytes, tuple[CTransaction, ...], tuple[bytes, ...]]] = []  # newest first
        cur = target
        while cur not in self._height_of:
            if cur in spare:
                raw, txs = spare.pop(cur)  # each at most once: a walk through them always ends
                path.append((cur, raw, txs, tuple(tx_hashes(tx).txid for tx in txs)))
            else:
                block = self.chain.block(cur)  # raises UnknownBlockError for a block the chain does not know
                if block.height == 0:  # a different genesis: cannot happen with one chain, but never loop forever
                    raise UnknownBlockError(f"block {block.hash} does not descend from the indexed genesis")
                path.append((bytes(block.hash), bytes(block.header.raw), tuple(block.txs),
                             tuple(bytes(t) for t in block.txids)))
            cur = path[-1][1][4:36]
        base = self._height_of[cur]
        self._disconnect_to(base)
        for i, (bhash, raw, txs, txids) in enumerate(reversed(path)):
            self._connect(_IndexedBlock(bhash, base + 1 + i, raw, txs, txids, []))

    def forgotten_blocks(self) -> list[tuple[bytes, tuple[CTransaction, ...]]]:
        """The blocks of the indexed chain its Bitcoin chain no longer knows, oldest first, as (raw header,
        transactions): a snapshot revert of the Bitcoin chain forgets blocks the hVM view still stands on (the view
        waits, as op-geth's, until Bitcoin has blocks past their common ancestor). What :meth:`index_to` needs, with
        the chain, to stand here."""
        out = []
        for b in reversed(self._active):  # the chain's block tree holds every ancestor of a block it holds
            try:
                self.chain.header(b.hash)
                break
            except UnknownBlockError:
                out.append((b.raw_header, b.txs))
        return out[::-1]

    # ------------------------------------------------------------------ connect / disconnect (dict work only)

    def _add_coin(self, op: Outpoint, coin: _Coin) -> None:
        self._coins[op] = coin
        bucket = self._by_spk.get(coin.spk)
        if bucket is None:
            self._by_spk[coin.spk] = [op]
        elif op > bucket[-1]:
            bucket.append(op)
        else:
            insort(bucket, op)
        self._balance[coin.spk] = self._balance.get(coin.spk, 0) + coin.value

    def _spend_coin(self, op: Outpoint) -> _Coin | None:
        """Remove an outpoint; None when it was never indexed (an output of a block below ``visible_from``)."""
        coin = self._coins.pop(op, None)
        if coin is None:
            return None
        bucket = self._by_spk[coin.spk]
        del bucket[bisect_left(bucket, op)]
        if bucket:
            self._balance[coin.spk] -= coin.value
        else:
            del self._by_spk[coin.spk]
            del self._balance[coin.spk]
        return coin

    def _connect(self, blk: _IndexedBlock) -> None:
        height = blk.height
        assert height == len(self._active) and blk.prev == self._active[-1].hash, "connect must extend the index tip"
        self._tx_cache.clear()
        undo: list[list[tuple[Outpoint, _Coin]]] = []
        if height < self.visible_from:  # before hVM activation: the header only
            undo = [[] for _ in blk.txs]
        for pos, (tx, txid) in enumerate(zip(blk.txs, blk.txids, strict=True) if height >= self.visible_from else ()):
            spent: list[tuple[Outpoint, _Coin]] = []
            if pos > 0:  # a coinbase spends nothing
                for txin in tx.vin:
                    op = (txin.prevout.hash, txin.prevout.n)
                    coin = self._spend_coin(op)
                    if coin is not None:
                        spent.append((op, coin))
            undo.append(spent)
            for n, out in enumerate(tx.vout):
                spk = bytes(out.scriptPubKey)
                if not is_unspendable(spk):  # OP_RETURN never enters the UTXO set (same rule as the chain's)
                    self._add_coin((txid, n), _Coin(out.nValue, spk))
            self._txindex[txid] = (height, pos)
        blk.undo = undo
        self._active.append(blk)
        self._height_of[blk.hash] = height

    def _disconnect_tip(self) -> None:
        blk = self._active.pop()
        del self._height_of[blk.hash]
        self._tx_cache.clear()
        for pos in range(len(blk.txs) - 1, -1, -1):
            tx, txid = blk.txs[pos], blk.txids[pos]
            for n in range(len(tx.vout)):
                if (txid, n) in self._coins:
                    self._spend_coin((txid, n))
            if self._txindex.get(txid) == (blk.height, pos):
                del self._txindex[txid]
            for op, coin in blk.undo[pos]:
                self._add_coin(op, coin)
        blk.undo = []

    def _disconnect_to(self, height: int) -> None:
        while len(self._active) - 1 > height:
            self._disconnect_tip()

    # ------------------------------------------------------------------ what the reader needs

    def _balance_of(self, spk: bytes) -> int:
        return self._balance.get(spk, 0)

    def _utxo_page(self, spk: bytes, start: int, count: int) -> list[tuple[Outpoint, _Coin]]:
        ops = self._by_spk.get(spk, ())[start:start + count]
        return [(op, self._coins[op]) for op in ops]

    def _output_value(self, txid: bytes, n: int) -> int | None:
        """Value of output ``n`` of an indexed tx (what an input spends); None when the source tx is not in the index
        (a coinbase's null source, or a tx below ``visible_from``), as TBC's ``TxById`` fails for it."""
        loc = self._txindex.get(txid)
        if loc is None:
            return None
        tx = self._active[loc[0]].txs[loc[1]]
        return tx.vout[n].nValue if 0 <= n < len(tx.vout) else None

    def _transaction(self, txid: bytes) -> IndexedTx | None:
        cached = self._tx_cache.get(txid)
        if cached is not None:
            return cached
        loc = self._txindex.get(txid)
        if loc is None:
            return None
        blk = self._active[loc[0]]
        tx = blk.txs[loc[1]]
        hashes = tx_hashes(tx)
        if loc[1] == 0:
            spent_values: tuple[int | None, ...] = tuple(None for _ in tx.vin)
        else:
            spent_values = tuple(self._output_value(i.prevout.hash, i.prevout.n) for i in tx.vin)
        unspent = tuple((txid, n) in self._coins for n in range(len(tx.vout)))
        itx = IndexedTx(tx, txid, blk.hash, blk.height, hashes.size, hashes.base_size, spent_values, unspent)
        self._tx_cache[txid] = itx
        return itx


class IndexReader:
    """The :class:`~hemi.hvm.view.BitcoinReader` of a :class:`BitcoinIndexer` (live at the indexer's tip)."""

    __slots__ = ("_ix", "_light_tip_height")

    def __init__(self, indexer: BitcoinIndexer, light_tip_height: int) -> None:
        self._ix = indexer
        self._light_tip_height = light_tip_height

    @property
    def light_tip_height(self) -> int:
        return self._light_tip_height

    @property
    def indexed_tip(self) -> HeaderInfo | None:
        tip = self._ix.tip
        return tip if tip.height >= self._ix.visible_from else None

    def balance(self, script_pubkey: bytes) -> int:
        return self._ix._balance_of(bytes(script_pubkey))

    def utxos(self, script_pubkey: bytes, start: int, count: int) -> Sequence[Utxo]:
        if start < 0 or count <= 0:
            return []
        return [Utxo(op[0], op[1], coin.value) for op, coin in self._ix._utxo_page(bytes(script_pubkey), start, count)]

    def transaction(self, txid: bytes) -> IndexedTx | None:
        return self._ix._transaction(bytes(txid))

    def header_at(self, height: int) -> HeaderInfo | None:
        active = self._ix._active
        if self._ix.visible_from <= height < len(active):
            return active[height].info()
        return None
