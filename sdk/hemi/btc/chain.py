"""The embedded Bitcoin regtest chain: :class:`BitcoinChain`, the one object users hold.

It runs in-process with no bitcoind. Blocks are real (regtest proof-of-work, merkle roots, BIP 141 commitments, BIP 34
heights) and pass python-bitcoinlib's ``CheckBlock``; every transaction's scripts are verified on entry. Everything is
deterministic: the same seed and the same calls give byte-identical blocks and txids, because time is a simulated
clock (``block_interval`` seconds per block) and signatures use deterministic nonces.

``BitcoinChain`` is a facade over the node's parts, laid out as in Bitcoin Core (each delegation is a line or two):
:mod:`~hemi.btc.chainstate` (block tree, active chain, UTXO set), :mod:`~hemi.btc.consensus` (block rules),
:mod:`~hemi.btc.mempool` and :mod:`~hemi.btc.mempool_accept` (the mempool and what enters it),
:mod:`~hemi.btc.miner`, :mod:`~hemi.btc.reorg` (submitblock, invalidate/reconsider, reorgs),
:mod:`~hemi.btc.snapshots` and :mod:`~hemi.btc.wallet`. They share a :class:`~hemi.btc.context.NodeContext`
(``chain.node``), never the facade, so every dependency points from here down.

Conventions: internally hashes are ``bytes`` in internal order; the public API takes and returns
:class:`~hemi.types.Txid` / :class:`~hemi.types.BlockHash` (which accept display hex too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from bitcoin.core import CBlock

from hemi.btc import params
from hemi.btc.address import destination_script
from hemi.btc.chainstate import BlockRef, ChainState
from hemi.btc.context import MempoolView, NodeContext, state_digest
from hemi.btc.mempool import Mempool
from hemi.btc.merkle import MerkleProof
from hemi.btc.models import Block, ChainTip, Header, TxInfo, Utxo
from hemi.btc.tx import RawTx
from hemi.btc.wallet import Destination, Wallet
from hemi.errors import HemiValueError, SnapshotError, UnknownTransactionError, require_uint
from hemi.types import BlockHash, HashLike, Txid

if TYPE_CHECKING:  # loaded by the methods that use them (module __getattr__ below for the re-exports)
    from hemi.btc.mempool_accept import AcceptResult
    from hemi.btc.snapshots import Snapshot

__all__ = ["AcceptResult", "BitcoinChain", "BlockRef", "MempoolView", "Snapshot"]

Listener = Callable[["BitcoinChain"], object]


class BitcoinChain:
    """An in-process Bitcoin regtest node.

    ``BitcoinChain(seed=0)`` starts at the real regtest genesis block. Mine with :meth:`mine`, make wallets with
    :meth:`wallet`, broadcast with :meth:`send_raw`, reorganise with :meth:`reorg` / :meth:`invalidate_block`.
    """

    def __init__(self, seed: int = 0, *, block_interval: int = params.BLOCK_INTERVAL,
                 max_fee_rate: int = params.DEFAULT_MAX_FEE_RATE,
                 ancestor_limit: int = params.DEFAULT_ANCESTOR_LIMIT) -> None:
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise HemiValueError(f"seed must be an int, got {seed!r}")
        _check_interval(block_interval)
        self.seed = seed
        self.node = NodeContext(ChainState(block_interval), Mempool(), _check_fee_rate(max_fee_rate),
                                _check_ancestors(ancestor_limit), self._notify)
        self._wallets: dict[str, Wallet] = {}
        self._snapshots: dict[int, Snapshot] = {}
        self._listeners: list[Listener] = []
        self.mempool = MempoolView(self.node)

    # ------------------------------------------------------------------ options

    @property
    def block_interval(self) -> int:
        """Seconds of the simulated clock between blocks (an int from 1 to 86,400)."""
        return self.node.chainstate.block_interval

    @block_interval.setter
    def block_interval(self, value: int) -> None:
        self.node.chainstate.block_interval = _check_interval(value)

    @property
    def max_fee_rate(self) -> int:
        """sat/kvB above which :meth:`send_raw` refuses a transaction (``sendrawtransaction``'s maxfeerate)."""
        return self.node.max_fee_rate

    @max_fee_rate.setter
    def max_fee_rate(self, value: int) -> None:
        self.node.max_fee_rate = _check_fee_rate(value)

    @property
    def ancestor_limit(self) -> int:
        """In-mempool ancestors (itself included) a new transaction may have."""
        return self.node.ancestor_limit

    @ancestor_limit.setter
    def ancestor_limit(self, value: int) -> None:
        self.node.ancestor_limit = _check_ancestors(value)

    # ------------------------------------------------------------------ queries

    @property
    def height(self) -> int:
        return self.node.chainstate.height

    @property
    def tip(self) -> BlockHash:
        return BlockHash(self.node.chainstate.active[-1])

    @property
    def genesis_hash(self) -> BlockHash:
        return BlockHash(self.node.chainstate.active[0])

    def block_hash(self, height: int) -> BlockHash:
        """Hash of the active-chain block at ``height`` (negative counts from the tip)."""
        return BlockHash(self.node.chainstate.record(height).hash)

    def header(self, ref: BlockRef = -1) -> Header:
        rec = self.node.chainstate.record(ref)
        return Header(BlockHash(rec.hash), rec.height, rec.header)

    def block(self, ref: BlockRef = -1) -> Block:
        cs = self.node.chainstate
        rec = cs.record(ref)
        return Block(Header(BlockHash(rec.hash), rec.height, rec.header), rec.block,
                     tuple(Txid(h.txid) for h in rec.hashes), cs.confirmations(rec))

    def tx(self, txid: HashLike) -> TxInfo:
        key = bytes(Txid(txid))
        info = self.node.chainstate.tx_info(key) or self.node.mempool.tx_info(key)
        if info is None:
            raise UnknownTransactionError(f"No such mempool or blockchain transaction: {Txid(key)}")
        return info

    def confirmations(self, txid: HashLike) -> int:
        """Blocks on top of and including the tx's block; 0 in the mempool; ``UnknownTransactionError`` otherwise."""
        return self.tx(txid).confirmations

    def utxos(self, address: Destination) -> list[Utxo]:
        """Confirmed unspent outputs paying ``address`` (or a raw scriptPubKey), oldest first (UTXO set view)."""
        cs = self.node.chainstate
        return [cs.utxo(op, coin) for op, coin in cs.coins.for_script(destination_script(address))]

    def balance(self, address: Destination) -> int:
        """Sats in confirmed unspent outputs paying ``address`` (immature coinbase included), as the UTXO set has it."""
        return self.node.chainstate.coins.balance(destination_script(address))

    def get_txout(self, txid: HashLike, vout: int, *, include_mempool: bool = True) -> Utxo | None:
        """The unspent output ``txid:vout`` (``gettxout``), or None if spent or unknown."""
        op, cs, mp = (bytes(Txid(txid)), require_uint("vout", vout, bits=32)), self.node.chainstate, self.node.mempool
        if include_mempool and op in mp.spenders:
            return None
        coin = cs.coins.get(op) or (mp.coin(op) if include_mempool else None)
        return None if coin is None else cs.utxo(op, coin)

    def median_time_past(self, ref: BlockRef = -1) -> int:
        return self.node.chainstate.median_time_past(ref)

    def merkle_proof(self, txid: HashLike) -> MerkleProof:
        """SPV proof of a confirmed transaction: its block header and merkle branch."""
        key = bytes(Txid(txid))
        proof = self.node.chainstate.merkle_proof(key)
        if proof is not None:
            return proof
        if key in self.node.mempool:
            raise UnknownTransactionError(f"{Txid(key)} is in the mempool, not yet in a block")
        raise UnknownTransactionError(f"No such blockchain transaction: {Txid(key)}")

    def chain_tips(self) -> list[ChainTip]:
        """Every leaf of the block tree, as ``getchaintips`` reports them."""
        return self.node.chainstate.chain_tips()

    def state_digest(self) -> dict[str, str]:
        """SHA-256 digests of the active chain, UTXO set, address index, tx index and mempool.

        Two chains with equal digests answer every query alike; tests use it to prove that a reorg, a revert or a
        rejected input leaves exactly the state a fresh chain would have.
        """
        return state_digest(self.node)

    def adjusted_time(self) -> int:
        """The simulated clock's "now" (Core's network-adjusted time): the moment the next block is due, i.e. the
        time the chain would stamp on a block mined on the current tip. Blocks more than two hours past it are
        rejected (``time-too-new``, Core's MAX_FUTURE_BLOCK_TIME)."""
        return self.node.chainstate.adjusted_time()

    # ------------------------------------------------------------------ wallets

    def wallet(self, name: str = "default") -> Wallet:
        """The deterministic test wallet ``name`` (same seed + name, same keys and addresses, on every machine)."""
        if not isinstance(name, str) or not name:
            raise HemiValueError("a wallet name is a non-empty string")
        w = self._wallets.get(name)
        if w is None:
            w = self._wallets[name] = Wallet(self, name)
        return w

    # ------------------------------------------------------------------ mempool

    def send_raw(self, tx: RawTx, *, max_fee_rate: int | None = None) -> Txid:
        """Accept a transaction to the mempool (``sendrawtransaction``); raises ``TransactionRejected`` with
        Bitcoin Core's reason. ``max_fee_rate`` in sat/kvB (0 disables the check)."""
        # mempool acceptance, mining, reorgs and snapshots bring the script interpreter and the block rules, which a
        # chain needs once it is used, not when it is made: deferred, here and in the methods below
        from hemi.btc import mempool_accept

        return mempool_accept.send_raw(self.node, tx, max_fee_rate=max_fee_rate)

    def test_accept(self, tx: RawTx, *, max_fee_rate: int | None = None) -> AcceptResult:
        """``testmempoolaccept`` for one tx: would it be accepted now? Changes nothing.

        Returns an :class:`AcceptResult` with ``allowed``, Core's ``reason`` when refused, and ``fee``/``vsize``."""
        from hemi.btc import mempool_accept  # deferred: as in send_raw

        return mempool_accept.would_accept(self.node, tx, max_fee_rate=max_fee_rate)

    # ------------------------------------------------------------------ mining

    def mine(self, n: int = 1, *, to: Destination | None = None,
             txs: Sequence[RawTx] | None = None) -> list[BlockHash]:
        """Mine ``n`` blocks on the tip, paying ``to`` (address or script; default the "miner" wallet).

        Blocks take mempool transactions by ancestor fee rate, or, for the first block, exactly ``txs`` (each
        validated by consensus rules in order; relay policy does not apply, as with a miner's own template).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise HemiValueError(f"n must be a non-negative int, got {n!r}")
        if txs is not None and (isinstance(txs, (str, bytes)) or not isinstance(txs, Sequence)):
            raise HemiValueError(f"txs must be a list of raw transactions, got {txs!r}")
        from hemi.btc import miner  # deferred: as in send_raw

        spk = self._payout(to)
        return [BlockHash(miner.mine_block(self.node, spk, txs if i == 0 else None)) for i in range(n)]

    def mine_until(self, height: int, *, to: Destination | None = None) -> list[BlockHash]:
        return self.mine(max(0, require_uint("height", height, bits=32) - self.height), to=to)

    def _payout(self, to: Destination | None) -> bytes:
        return destination_script(to) if to is not None else destination_script(self.wallet("miner").address)

    # ------------------------------------------------------------------ blocks from outside, reorgs

    def submit_block(self, block: CBlock | bytes | str) -> str | None:
        """Validate and add a block (``submitblock``); switches to it if it makes the most-work chain.

        Returns None when accepted, ``"duplicate"`` when already known; raises ``BlockRejected`` with Bitcoin Core's
        reason otherwise (the chain is unchanged).
        """
        from hemi.btc import reorg  # deferred: as in send_raw

        return reorg.submit_block(self.node, block)

    def invalidate_block(self, block_hash: HashLike) -> None:
        """Mark a block (and its descendants) invalid, as ``invalidateblock``; its txs return to the mempool."""
        from hemi.btc import reorg  # deferred: as in send_raw

        reorg.invalidate_block(self.node, block_hash)

    def reconsider_block(self, block_hash: HashLike) -> None:
        """Clear the invalid mark of a block, its ancestors and descendants (``reconsiderblock``)."""
        from hemi.btc import reorg  # deferred: as in send_raw

        reorg.reconsider_block(self.node, block_hash)

    def reorg(self, depth: int, *, new_blocks: int | None = None, drop: Iterable[HashLike] = (),
              to: Destination | None = None) -> list[BlockHash]:
        """Replace the top ``depth`` blocks with a heavier branch of ``new_blocks`` blocks (default ``depth + 1``).

        Transactions of the replaced blocks return to the mempool and are mined again in the new branch, except the
        txids in ``drop`` (and whatever spends them). Returns the new branch's block hashes.
        """
        from hemi.btc import reorg  # deferred: as in send_raw

        return reorg.reorg(self.node, depth, new_blocks=new_blocks, drop=drop, payout=lambda: self._payout(to))

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> Snapshot:
        """Remember the chain's state; :meth:`revert` returns to it (blocks made after it are forgotten)."""
        from hemi.btc import snapshots  # deferred: as in send_raw

        s = snapshots.take(self.node, id(self))
        self._snapshots[s.id] = s
        return s

    def revert(self, snapshot: Snapshot) -> None:
        """Return to ``snapshot``. Snapshots taken after it become unusable; it stays usable itself."""
        from hemi.btc import snapshots  # deferred: as in send_raw

        if not isinstance(snapshot, snapshots.Snapshot) or snapshot.chain_id != id(self) or \
                self._snapshots.get(snapshot.id) is not snapshot:
            raise SnapshotError(f"unknown or already discarded snapshot: {snapshot!r}")
        changed = snapshots.roll_back(self.node, snapshot)
        for sid in [i for i in self._snapshots if i > snapshot.id]:
            del self._snapshots[sid]
        if changed:
            self._notify()

    @contextmanager
    def anchor(self) -> Iterator[BitcoinChain]:
        """``with btc.anchor(): ...`` runs the body, then reverts everything it did to the chain."""
        s = self.snapshot()
        try:
            yield self
        finally:
            self.revert(s)
            self.discard(s)

    def discard(self, snapshot: Snapshot) -> None:
        """Forget a snapshot that will not be reverted to (it holds a copy of the mempool)."""
        self._snapshots.pop(getattr(snapshot, "id", None), None)  # type: ignore[arg-type]  # anything is accepted

    # ------------------------------------------------------------------ listeners (for layers above)

    def subscribe(self, callback: Listener) -> None:
        """Call ``callback(chain)`` after every change of the active chain or mempool (mine, reorg, revert)."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for cb in self._listeners:
            cb(self)

    def __repr__(self) -> str:
        return f"<BitcoinChain seed={self.seed} height={self.height} tip={self.tip} mempool={len(self.node.mempool)}>"


def _check_interval(seconds: object) -> int:
    """A block interval: a positive int of at most a day."""
    value = require_uint("block_interval", seconds, bits=32)
    if not 1 <= value <= 86_400:
        raise HemiValueError(f"block_interval must be from 1 to 86400 seconds, got {seconds!r}")
    return value


def _check_fee_rate(value: object) -> int:
    """sendrawtransaction's maxfeerate: sat/kvB, 0 for no limit (Core refuses 1 BTC/kvB and above)."""
    rate = require_uint("max_fee_rate", value, bits=63)
    if rate >= params.COIN:
        raise HemiValueError(f"max_fee_rate is sat/kvB below 1 BTC/kvB ({params.COIN}), got {value!r}")
    return rate


def _check_ancestors(value: object) -> int:
    """Core's -limitancestorcount: at least 1 (the transaction itself)."""
    limit = require_uint("ancestor_limit", value, bits=32)
    if limit < 1:
        raise HemiValueError("ancestor_limit counts the transaction itself: at least 1")
    return limit


def __getattr__(name: str) -> Any:
    # the re-exported parts' types, loaded on first use (see the imports at the top)
    if name == "AcceptResult":
        from hemi.btc.mempool_accept import AcceptResult  # deferred: as BitcoinChain.send_raw

        return AcceptResult
    if name == "Snapshot":
        from hemi.btc.snapshots import Snapshot  # deferred: as BitcoinChain.send_raw

        return Snapshot
    raise AttributeError(f"module 'hemi.btc.chain' has no attribute {name!r}")
