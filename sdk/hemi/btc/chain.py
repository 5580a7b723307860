"""The embedded Bitcoin regtest chain: block tree, active chain, UTXO set, indexes, mempool, mining, reorgs.

It runs in-process with no bitcoind. Blocks are real (regtest proof-of-work, merkle roots, BIP 141 commitments, BIP 34
heights) and pass python-bitcoinlib's ``CheckBlock``; every transaction's scripts are verified on entry. Everything is
deterministic: the same seed and the same calls give byte-identical blocks and txids, because time is a simulated
clock (``block_interval`` seconds per block) and signatures use deterministic nonces.

Conventions: internally hashes are ``bytes`` in internal order; the public API takes and returns
:class:`~hemi.types.Txid` / :class:`~hemi.types.BlockHash` (which accept display hex too).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Union

from bitcoin.core import CBlock, CTransaction
from bitcoin.core.serialize import SerializationError

from hemi.btc import params
from hemi.btc.address import address_to_script, script_to_address
from hemi.btc.blocktools import (
    assemble_block,
    bits_to_target,
    block_work,
    create_coinbase,
    solve,
    witness_commitment_script,
)
from hemi.btc.coins import Coin, CoinsView, Outpoint
from hemi.btc.mempool import Mempool, MempoolEntry
from hemi.btc.merkle import MerkleProof, merkle_branch, merkle_root
from hemi.btc.models import Block, ChainTip, Header, MempoolTx, TxInfo, Utxo
from hemi.btc.rbf import check_package_limits, conflicts_of, replacement_checks
from hemi.btc.script import is_unspendable
from hemi.btc.tx import RawTx, TxHashes, decode_tx, sha256d, tx_hashes
from hemi.btc.txrules import MAX_BLOCK_SIGOPS_COST, check_inputs_policy, check_spend_context, sigop_cost
from hemi.btc.validation import (
    check_input_standard,
    check_inputs,
    check_standard,
    check_transaction,
    is_coinbase,
    is_final,
)
from hemi.errors import (
    BlockRejected,
    HemiValueError,
    InvalidHexError,
    ReorgError,
    SnapshotError,
    TransactionRejected,
    UnknownBlockError,
    UnknownTransactionError,
)
from hemi.types import BlockHash, HashLike, Txid

BlockRef = Union[int, HashLike]
_snapshot_ids = itertools.count(1)


class _BlockRecord:
    """A block in the block tree. ``undo`` holds, per tx, the coins it spent while the block is connected.

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


@dataclass(frozen=True)
class Snapshot:
    """A point ``BitcoinChain.revert`` can return to. Opaque; hold it, do not build it."""

    id: int
    chain_id: int
    tip: bytes
    seq: int
    invalid: dict
    mempool: Mempool


@dataclass(frozen=True)
class AcceptResult:
    """What :meth:`BitcoinChain.test_accept` found; ``rejection`` carries Core's reason when not allowed."""

    txid: Txid
    wtxid: Txid
    allowed: bool
    rejection: TransactionRejected | None
    fee: int | None
    vsize: int

    @property
    def reason(self) -> str | None:
        return None if self.rejection is None else self.rejection.reason


class MempoolView:
    """Read-only view of the mempool: iterate for :class:`MempoolTx`, ``txid in view``, ``len(view)``."""

    def __init__(self, chain: BitcoinChain) -> None:
        self._chain = chain

    def __len__(self) -> int:
        return len(self._chain._mempool)

    def __iter__(self) -> Iterator[MempoolTx]:
        return (self._to_public(e) for e in list(self._chain._mempool))

    def __contains__(self, txid: object) -> bool:
        try:
            return bytes(Txid(txid)) in self._chain._mempool  # type: ignore[arg-type]
        except HemiValueError:
            return False

    @property
    def txids(self) -> list[Txid]:
        return [Txid(t) for t in self._chain._mempool.entries]

    def get(self, txid: HashLike) -> MempoolTx | None:
        e = self._chain._mempool.get(bytes(Txid(txid)))
        return None if e is None else self._to_public(e)

    @staticmethod
    def _to_public(e: MempoolEntry) -> MempoolTx:
        return MempoolTx(Txid(e.txid), Txid(e.hashes.wtxid), e.tx, e.fee, e.vsize, e.hashes.weight)

    def __repr__(self) -> str:
        return f"<mempool: {len(self)} txs>"


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
        if block_interval <= 0:
            raise HemiValueError("block_interval must be positive")
        self.seed = seed
        self.block_interval = block_interval
        self.max_fee_rate = max_fee_rate  # sat/kvB, as sendrawtransaction's maxfeerate
        self.ancestor_limit = ancestor_limit
        self._blocks: dict[bytes, _BlockRecord] = {}
        self._children: dict[bytes, list[bytes]] = {}
        self._active: list[bytes] = []
        self._coins = CoinsView()
        self._txindex: dict[bytes, tuple[bytes, int]] = {}
        self._mempool = Mempool()
        self._invalid: dict[bytes, str] = {}  # hash -> "invalid" | "failed-child"
        self._reject_reasons: dict[bytes, BlockRejected] = {}  # why a block failed when connected
        self._seq = 0
        self._wallets: dict[str, object] = {}
        self._snapshots: dict[int, Snapshot] = {}
        self._listeners: list = []
        genesis = params.GENESIS_BLOCK
        ghash = genesis.GetHash()
        rec = _BlockRecord(ghash, 0, genesis.get_header().serialize(), list(genesis.vtx),
                           [tx_hashes(genesis.vtx[0])], block_work(genesis.nBits), self._next_seq(), genesis)
        rec.undo = [[]]  # the genesis coinbase is never spendable and never indexed, as in Bitcoin Core
        rec.was_connected = True
        self._blocks[ghash] = rec
        self._active.append(ghash)
        self.mempool = MempoolView(self)

    def _next_seq(self) -> int:
        self._seq += 1
        return self._seq

    # ------------------------------------------------------------------ queries

    @property
    def height(self) -> int:
        return len(self._active) - 1

    @property
    def tip(self) -> BlockHash:
        return BlockHash(self._active[-1])

    @property
    def genesis_hash(self) -> BlockHash:
        return BlockHash(self._active[0])

    def block_hash(self, height: int) -> BlockHash:
        """Hash of the active-chain block at ``height`` (negative counts from the tip)."""
        return BlockHash(self._record(height).hash)

    def _record(self, ref: BlockRef) -> _BlockRecord:
        if isinstance(ref, bool):
            raise HemiValueError("a block is referenced by height or hash, not bool")
        if isinstance(ref, int):
            h = ref if ref >= 0 else self.height + 1 + ref
            if not 0 <= h <= self.height:
                raise UnknownBlockError(f"no block at height {ref} (chain height {self.height})")
            return self._blocks[self._active[h]]
        rec = self._blocks.get(bytes(BlockHash(ref)))
        if rec is None:
            raise UnknownBlockError(f"unknown block {BlockHash(ref)}")
        return rec

    def _in_active(self, rec: _BlockRecord) -> bool:
        return rec.height < len(self._active) and self._active[rec.height] == rec.hash

    def header(self, ref: BlockRef = -1) -> Header:
        rec = self._record(ref)
        return Header(BlockHash(rec.hash), rec.height, rec.header)

    def block(self, ref: BlockRef = -1) -> Block:
        rec = self._record(ref)
        confirmations = self.height - rec.height + 1 if self._in_active(rec) else -1
        return Block(Header(BlockHash(rec.hash), rec.height, rec.header), rec.block,
                     tuple(Txid(h.txid) for h in rec.hashes), confirmations)

    def tx(self, txid: HashLike) -> TxInfo:
        key = bytes(Txid(txid))
        loc = self._txindex.get(key)
        if loc is not None:
            rec = self._blocks[loc[0]]
            pos = loc[1]
            tx = rec.txs[pos]
            fee = None if pos == 0 else sum(c.value for c in rec.undo[pos]) - sum(o.nValue for o in tx.vout)
            return TxInfo(Txid(key), Txid(rec.hashes[pos].wtxid), tx, BlockHash(rec.hash), rec.height, pos,
                          self.height - rec.height + 1, fee)
        e = self._mempool.get(key)
        if e is not None:
            return TxInfo(Txid(key), Txid(e.hashes.wtxid), e.tx, None, None, None, 0, e.fee)
        raise UnknownTransactionError(f"No such mempool or blockchain transaction: {Txid(key)}")

    def confirmations(self, txid: HashLike) -> int:
        """Blocks on top of and including the tx's block; 0 in the mempool; ``UnknownTransactionError`` otherwise."""
        key = bytes(Txid(txid))
        loc = self._txindex.get(key)
        if loc is not None:
            return self.height - self._blocks[loc[0]].height + 1
        if key in self._mempool:
            return 0
        raise UnknownTransactionError(f"No such mempool or blockchain transaction: {Txid(key)}")

    def _script(self, address_or_script: str | bytes) -> bytes:
        if isinstance(address_or_script, (bytes, bytearray)):
            return bytes(address_or_script)
        addr = getattr(address_or_script, "address", address_or_script)  # a Wallet pays its default address
        return address_to_script(addr)

    def utxos(self, address: str | bytes) -> list[Utxo]:
        """Confirmed unspent outputs paying ``address`` (or a raw scriptPubKey), oldest first (UTXO set view)."""
        spk = self._script(address)
        return [self._utxo(op, coin) for op, coin in self._coins.for_script(spk)]

    def balance(self, address: str | bytes) -> int:
        """Sats in confirmed unspent outputs paying ``address`` (immature coinbase included), as the UTXO set has it."""
        return self._coins.balance(self._script(address))

    def _utxo(self, op: Outpoint, coin: Coin) -> Utxo:
        if coin.height < 0:
            return Utxo(Txid(op[0]), op[1], coin.value, coin.spk, script_to_address(coin.spk), None, False, 0, True)
        confs = self.height - coin.height + 1
        # Bitcoin Core's wallet counts a coinbase as mature at 101 confirmations, one block more than consensus
        # needs for a spend in the next block; "mine 101 blocks, have 50 BTC" works as users know it.
        mature = not coin.coinbase or confs > params.COINBASE_MATURITY
        return Utxo(Txid(op[0]), op[1], coin.value, coin.spk, script_to_address(coin.spk), coin.height,
                    coin.coinbase, confs, mature)

    def get_txout(self, txid: HashLike, vout: int, *, include_mempool: bool = True) -> Utxo | None:
        """The unspent output ``txid:vout`` (``gettxout``), or None if spent or unknown."""
        op = (bytes(Txid(txid)), int(vout))
        if include_mempool:
            if op in self._mempool.spenders:
                return None
            coin = self._coins.get(op) or self._mempool.coin(op)
        else:
            coin = self._coins.get(op)
        return None if coin is None else self._utxo(op, coin)

    def median_time_past(self, ref: BlockRef = -1) -> int:
        rec = self._record(ref)
        times = []
        while rec is not None and len(times) < params.MEDIAN_TIME_SPAN:
            times.append(rec.time)
            rec = self._blocks.get(rec.prev)
        times.sort()
        return times[len(times) // 2]

    def merkle_proof(self, txid: HashLike) -> MerkleProof:
        """SPV proof of a confirmed transaction: its block header and merkle branch."""
        key = bytes(Txid(txid))
        loc = self._txindex.get(key)
        if loc is None:
            if key in self._mempool:
                raise UnknownTransactionError(f"{Txid(key)} is in the mempool, not yet in a block")
            raise UnknownTransactionError(f"No such blockchain transaction: {Txid(key)}")
        rec = self._blocks[loc[0]]
        branch = merkle_branch([h.txid for h in rec.hashes], loc[1])
        return MerkleProof(Txid(key), BlockHash(rec.hash), loc[1], tuple(branch), rec.header)

    def chain_tips(self) -> list[ChainTip]:
        """Every leaf of the block tree, as ``getchaintips`` reports them."""
        tips = []
        for h, rec in self._blocks.items():
            if self._children.get(h) and h != self._active[-1]:  # the active tip is a tip even with (invalid) kids
                continue
            fork = rec
            while not self._in_active(fork):
                fork = self._blocks[fork.prev]
            if self._in_active(rec):
                status = "active"
            elif h in self._invalid:
                status = "invalid"
            else:
                status = "valid-fork" if rec.was_connected else "valid-headers"
            tips.append(ChainTip(rec.height, BlockHash(h), rec.height - fork.height, status))
        return sorted(tips, key=lambda t: (-t.height, str(t.hash)))

    def state_digest(self) -> dict[str, str]:
        """SHA-256 digests of the active chain, UTXO set, address index, tx index and mempool.

        Two chains with equal digests answer every query alike; tests use it to prove that a reorg, a revert or a
        rejected input leaves exactly the state a fresh chain would have.
        """
        import hashlib

        def digest(items) -> str:
            h = hashlib.sha256()
            for item in items:
                h.update(repr(item).encode())
            return h.hexdigest()

        coins = self._coins.coins
        return {
            "chain": digest(self._active),
            "utxos": digest(sorted((op, c.value, c.spk, c.height, c.position, c.coinbase) for op, c in coins.items())),
            "address_index": digest(sorted((spk, sorted(b)) for spk, b in self._coins.by_script.items())),
            "tx_index": digest(sorted(self._txindex.items())),
            "mempool": digest(sorted((t, e.fee) for t, e in self._mempool.entries.items())),
            "mempool_spends": digest(sorted(self._mempool.spenders.items())),
        }

    # ------------------------------------------------------------------ wallets

    def wallet(self, name: str = "default"):
        """The deterministic test wallet ``name`` (same seed + name, same keys and addresses, on every machine)."""
        from hemi.btc.wallet import Wallet

        if not isinstance(name, str) or not name:
            raise HemiValueError("a wallet name is a non-empty string")
        w = self._wallets.get(name)
        if w is None:
            w = self._wallets[name] = Wallet(self, name)
        return w

    # ------------------------------------------------------------------ mempool acceptance

    def send_raw(self, tx: RawTx, *, max_fee_rate: int | None = None) -> Txid:
        """Accept a transaction to the mempool (``sendrawtransaction``); raises ``TransactionRejected`` with
        Bitcoin Core's reason. ``max_fee_rate`` in sat/kvB (0 disables the check)."""
        ctx, raw = decode_tx(tx)
        entry = self._accept(ctx, raw, max_fee_rate=self.max_fee_rate if max_fee_rate is None else max_fee_rate)
        return Txid(entry.txid)

    def test_accept(self, tx: RawTx, *, max_fee_rate: int | None = None) -> AcceptResult:
        """``testmempoolaccept`` for one tx: would it be accepted now? Changes nothing.

        Returns an :class:`AcceptResult` with ``allowed``, Core's ``reason`` when refused, and ``fee``/``vsize``."""
        ctx, raw = decode_tx(tx)
        h = tx_hashes(ctx, raw)
        try:
            entry = self._check_for_mempool(ctx, raw, max_fee_rate=self.max_fee_rate if max_fee_rate is None
                                            else max_fee_rate, consume_seq=False)
            return AcceptResult(Txid(h.txid), Txid(h.wtxid), True, None, entry.fee, h.vsize)
        except TransactionRejected as err:
            return AcceptResult(Txid(h.txid), Txid(h.wtxid), False, err, None, h.vsize)

    def _accept(self, tx: CTransaction, raw: bytes, *, max_fee_rate: int = 0) -> MempoolEntry:
        entry = self._check_for_mempool(tx, raw, max_fee_rate=max_fee_rate)
        for victim in entry.replaces:  # full RBF: the replaced transactions and their descendants leave
            self._mempool.remove(victim, with_descendants=False)
        self._mempool.add(entry)
        return entry

    def _check_for_mempool(self, tx: CTransaction, raw: bytes, *, max_fee_rate: int,
                           consume_seq: bool = True) -> MempoolEntry:
        hashes = tx_hashes(tx, raw)
        check_transaction(tx, hashes)
        if is_coinbase(tx):
            raise TransactionRejected("coinbase")
        check_standard(tx, hashes)
        if not is_final(tx, self.height + 1, self.median_time_past()):
            raise TransactionRejected("non-final")
        txid = hashes.txid
        if txid in self._mempool:
            raise TransactionRejected("txn-already-in-mempool")
        if txid in self._txindex:
            raise TransactionRejected("txn-already-known")
        mp = self._mempool
        direct = conflicts_of(mp, tx)  # replaced if the rules below allow (full RBF, Core's default)
        fee, coins = check_inputs(tx, lambda op: self._coins.get(op) or mp.coin(op, replacing=direct),
                                  self.height + 1)
        check_input_standard(tx, coins)
        check_inputs_policy(tx, [c.spk for c in coins])
        min_fee = (hashes.vsize * params.MIN_RELAY_FEE + 999) // 1000
        if fee < min_fee:
            raise TransactionRejected("min relay fee not met", f"{fee} < {min_fee}")
        if max_fee_rate and fee * 1000 > max_fee_rate * hashes.vsize:
            raise TransactionRejected(
                "max-fee-exceeded",
                f"Fee exceeds maximum configured by user (maxfeerate): {fee} sats for {hashes.vsize} vB")
        parents = frozenset(t.prevout.hash for t in tx.vin if t.prevout.hash in mp)
        evicted: set[bytes] = set()
        if direct:
            ancestors = set(parents)
            for p in parents:
                ancestors |= mp.ancestors(p)
            evicted = replacement_checks(mp, tx, txid, fee, hashes.vsize, direct, ancestors)
        if parents:
            check_package_limits(mp, parents, hashes.vsize, self.ancestor_limit, evicted)
        check_spend_context(tx, coins, height=self.height + 1, prev_mtp=self.median_time_past(),
                            mtp_at=self.median_time_past, policy=True)
        return MempoolEntry(tx, raw, hashes, fee, self._next_seq() if consume_seq else -1, parents,
                            frozenset(evicted), self.height, self.adjusted_time())

    # ------------------------------------------------------------------ mining

    def mine(self, n: int = 1, *, to: str | bytes | None = None,
             txs: Sequence[RawTx] | None = None) -> list[BlockHash]:
        """Mine ``n`` blocks on the tip, paying ``to`` (address or script; default the "miner" wallet).

        Blocks take mempool transactions by ancestor fee rate, or, for the first block, exactly ``txs`` (each
        validated by consensus rules in order; relay policy does not apply, as with a miner's own template).
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise HemiValueError(f"n must be a non-negative int, got {n!r}")
        spk = self._script(to) if to is not None else self._miner_script()
        out = []
        for i in range(n):
            explicit = txs if (i == 0 and txs is not None) else None
            out.append(BlockHash(self._mine_block(spk, explicit)))
        return out

    def mine_until(self, height: int, *, to: str | bytes | None = None) -> list[BlockHash]:
        return self.mine(max(0, height - self.height), to=to)

    def _miner_script(self) -> bytes:
        return self._script(self.wallet("miner").address)

    def adjusted_time(self) -> int:
        """The simulated clock's "now" (Core's network-adjusted time): the moment the next block is due, i.e. the
        time the chain would stamp on a block mined on the current tip. Blocks more than two hours past it are
        rejected (``time-too-new``, Core's MAX_FUTURE_BLOCK_TIME)."""
        return self._next_block_time(self._blocks[self._active[-1]])

    def _next_block_time(self, parent: _BlockRecord) -> int:
        return max(parent.time + self.block_interval, self.median_time_past(parent.hash) + 1)

    def _mine_block(self, payout_spk: bytes, explicit: Sequence[RawTx] | None) -> bytes:
        parent = self._blocks[self._active[-1]]
        height = parent.height + 1
        if explicit is None:
            entries = self._mempool.select(params.MAX_BLOCK_WEIGHT - 4000)
            txs = [e.tx for e in entries]
            hashes = [e.hashes for e in entries]
            fees = sum(e.fee for e in entries)
        else:
            txs, hashes, fees = self._validate_explicit(explicit, height)
        coinbase = create_coinbase(height, value=params.block_subsidy(height) + fees, script_pubkey=payout_spk,
                                   wtxids=[h.wtxid for h in hashes],
                                   extranonce=len(self._children.get(parent.hash, ())))
        all_hashes = [tx_hashes(coinbase)] + hashes
        merkle = merkle_root([h.txid for h in all_hashes])
        _nonce, header, bhash = solve(params.BLOCK_VERSION, parent.hash, merkle, self._next_block_time(parent),
                                      params.REGTEST_NBITS)
        rec = self._add_record(bhash, [coinbase, *txs], header, all_hashes)
        self._connect(rec, verify=False)
        self._mempool.remove_for_block(txs, [h.txid for h in hashes])
        self._notify()
        return bhash

    def _validate_explicit(self, raw_txs: Sequence[RawTx], height: int):
        overlay: dict[Outpoint, Coin | None] = {}

        def lookup(op: Outpoint) -> Coin | None:
            if op in overlay:
                return overlay[op]
            return self._coins.get(op)

        txs, hashes, fees, sigops = [], [], 0, 0
        mtp = self.median_time_past()
        for item in raw_txs:
            if isinstance(item, (Txid, )) or (isinstance(item, str) and len(item) == 64):
                entry = self._mempool.get(bytes(Txid(item)))
                if entry is None:
                    raise UnknownTransactionError(f"{Txid(item)} is not in the mempool")
                tx, raw = entry.tx, entry.raw
            else:
                tx, raw = decode_tx(item)
            h = tx_hashes(tx, raw)
            check_transaction(tx, h)
            if is_coinbase(tx):
                raise TransactionRejected("bad-cb-multiple")
            if h.txid in self._txindex or any(x.txid == h.txid for x in hashes):
                raise TransactionRejected("bad-txns-duplicate")
            if not is_final(tx, height, mtp):
                raise TransactionRejected("bad-txns-nonfinal")
            fee, coins = check_inputs(tx, lookup, height)
            check_spend_context(tx, coins, height=height, prev_mtp=mtp, mtp_at=self.median_time_past, policy=False)
            sigops += sigop_cost(tx, [c.spk for c in coins])
            if sigops > MAX_BLOCK_SIGOPS_COST:
                raise TransactionRejected("bad-blk-sigops", "out-of-bounds SigOpCount")
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

    def _add_record(self, bhash: bytes, txs: list[CTransaction], header: bytes, hashes: list[TxHashes],
                    cblock: CBlock | None = None) -> _BlockRecord:
        parent = self._blocks[header[4:36]]
        bits = int.from_bytes(header[72:76], "little")
        rec = _BlockRecord(bhash, parent.height + 1, header, txs, hashes, parent.chainwork + block_work(bits),
                           self._next_seq(), cblock)
        self._blocks[bhash] = rec
        self._children.setdefault(parent.hash, []).append(bhash)
        return rec

    # ------------------------------------------------------------------ connecting and disconnecting blocks

    def _connect(self, rec: _BlockRecord, *, verify: bool) -> None:
        """Apply ``rec`` on the tip. With ``verify`` every tx is checked; on failure the state is rolled back."""
        coins, height, txs = self._coins, rec.height, rec.txs
        undo: list[list[Coin]] = []
        fees = 0
        sigops = sigop_cost(txs[0], []) if verify else 0
        try:
            mtp = self.median_time_past(rec.prev) if verify else 0
            for pos, tx in enumerate(txs):
                txid = rec.hashes[pos].txid
                if pos == 0:
                    spent: list[Coin] = []
                else:
                    if verify:
                        if not is_final(tx, height, mtp):
                            raise TransactionRejected("bad-txns-nonfinal")
                        fee, spent_coins = check_inputs(tx, coins.get, height)
                        check_spend_context(tx, spent_coins, height=height, prev_mtp=mtp,
                                            mtp_at=self.median_time_past, policy=False)
                        sigops += sigop_cost(tx, [c.spk for c in spent_coins])
                        if sigops > MAX_BLOCK_SIGOPS_COST:
                            raise BlockRejected("bad-blk-sigops", "out-of-bounds SigOpCount")
                        fees += fee
                    spent = [coins.spend((i.prevout.hash, i.prevout.n)) for i in tx.vin]
                undo.append(spent)
                for n, out in enumerate(tx.vout):
                    spk = bytes(out.scriptPubKey)
                    if not is_unspendable(spk):
                        coins.add((txid, n), Coin(out.nValue, spk, height, pos, pos == 0))
                if txid in self._txindex and verify:
                    raise TransactionRejected("bad-txns-BIP30")
                self._txindex[txid] = (rec.hash, pos)
            if verify:
                reward = sum(o.nValue for o in txs[0].vout)
                if reward > params.block_subsidy(height) + fees:
                    raise BlockRejected("bad-cb-amount",
                                        f"coinbase pays too much (actual={reward} vs limit="
                                        f"{params.block_subsidy(height) + fees})")
        except (TransactionRejected, BlockRejected) as err:
            rec.undo = undo
            self._unapply(rec, len(undo))
            if isinstance(err, BlockRejected):
                raise
            raise BlockRejected(err.reason, err.detail) from None
        rec.undo = undo
        rec.was_connected = True
        self._active.append(rec.hash)

    def _unapply(self, rec: _BlockRecord, ntx: int) -> None:
        """Undo the first ``ntx`` transactions of ``rec`` (all of them when disconnecting)."""
        coins = self._coins
        for pos in range(ntx - 1, -1, -1):
            tx = rec.txs[pos]
            txid = rec.hashes[pos].txid
            for n in range(len(tx.vout)):
                if (txid, n) in coins.coins:
                    coins.spend((txid, n))
            if self._txindex.get(txid) == (rec.hash, pos):
                del self._txindex[txid]
            if pos < len(rec.undo):
                for txin, coin in zip(tx.vin, rec.undo[pos]):
                    coins.add((txin.prevout.hash, txin.prevout.n), coin)
        rec.undo = None

    def _disconnect_tip(self) -> _BlockRecord:
        rec = self._blocks[self._active[-1]]
        if rec.height == 0:
            raise ReorgError("cannot disconnect the genesis block")
        self._unapply(rec, len(rec.txs))
        self._active.pop()
        return rec

    def _set_tip(self, target: bytes, *, verify: bool) -> list[_BlockRecord]:
        """Move the active chain to ``target``; returns the disconnected blocks, oldest first.

        Raises ``BlockRejected`` (after marking the bad block) if a block on the way fails validation; the chain is
        then left at the last good block of the new branch.
        """
        path = []
        rec = self._blocks[target]
        while not self._in_active(rec):
            path.append(rec)
            rec = self._blocks[rec.prev]
        disconnected = []
        while self._active[-1] != rec.hash:
            disconnected.append(self._disconnect_tip())
        disconnected.reverse()
        for r in reversed(path):
            try:
                self._connect(r, verify=verify)
            except BlockRejected as err:
                self._mark_invalid(r.hash)
                self._reject_reasons[r.hash] = err
                raise
        return disconnected

    def _mark_invalid(self, bhash: bytes) -> None:
        self._invalid[bhash] = "invalid"
        stack = list(self._children.get(bhash, ()))
        while stack:
            h = stack.pop()
            self._invalid.setdefault(h, "failed-child")
            stack.extend(self._children.get(h, ()))

    def _best_candidate(self) -> bytes:
        best = None
        for h, rec in self._blocks.items():
            if h in self._invalid:
                continue
            if best is None or (rec.chainwork, -rec.seq) > (best.chainwork, -best.seq):
                best = rec
        return best.hash

    def _activate_best_chain(self, disconnected: list[_BlockRecord] | None = None) -> None:
        """Switch to the most-work valid chain (first seen wins ties), fixing the mempool as Bitcoin Core does:
        transactions of disconnected blocks go back first, then the old mempool, each re-checked."""
        disconnected = list(disconnected or [])
        old_pool = [(e.tx, e.raw) for e in self._mempool]
        start_tip = self._active[-1]
        while True:
            best = self._best_candidate()
            tip = self._blocks[self._active[-1]]
            if best == tip.hash or self._blocks[best].chainwork <= tip.chainwork:
                break
            try:
                disconnected += self._set_tip(best, verify=True)
            except BlockRejected:
                continue
        if disconnected:
            back = [(tx, None) for r in disconnected for tx in r.txs[1:]]
            self._rebuild_mempool(back + old_pool)
        elif self._active[-1] != start_tip:
            for h in self._active[self._blocks[start_tip].height + 1:]:
                rec = self._blocks[h]
                self._mempool.remove_for_block(rec.txs[1:], [x.txid for x in rec.hashes[1:]])
        if disconnected or self._active[-1] != start_tip:
            self._notify()

    def _rebuild_mempool(self, candidates: Iterable[tuple[CTransaction, bytes | None]],
                         skip: frozenset = frozenset()) -> None:
        """Re-accept ``candidates`` in order into an empty mempool; those now invalid or confirmed are dropped."""
        self._mempool = Mempool()
        self._retry(candidates, skip)

    # ------------------------------------------------------------------ blocks from outside, reorgs

    def submit_block(self, block: CBlock | bytes | str) -> str | None:
        """Validate and add a block (``submitblock``); switches to it if it makes the most-work chain.

        Returns None when accepted, ``"duplicate"`` when already known; raises ``BlockRejected`` with Bitcoin Core's
        reason otherwise (the chain is unchanged).
        """
        cblock = self._decode_block(block)
        header = cblock.get_header().serialize()
        bhash = sha256d(header)
        if bhash in self._blocks:
            return "duplicate-invalid" if bhash in self._invalid else "duplicate"
        prev = self._blocks.get(cblock.hashPrevBlock)
        if prev is None:
            raise BlockRejected("prev-blk-not-found")
        if cblock.hashPrevBlock in self._invalid:
            raise BlockRejected("bad-prevblk")
        if cblock.nBits != params.REGTEST_NBITS:
            raise BlockRejected("bad-diffbits", "incorrect proof of work")
        if int.from_bytes(bhash, "little") > bits_to_target(cblock.nBits):
            raise BlockRejected("high-hash", "proof of work failed")
        if cblock.nTime <= self.median_time_past(prev.hash):
            raise BlockRejected("time-too-old", "block's timestamp is too early")
        if cblock.nTime > self.adjusted_time() + params.MAX_FUTURE_BLOCK_TIME:
            raise BlockRejected("time-too-new", "block timestamp too far in the future")
        hashes = self._check_block(cblock, prev.height + 1)
        self._add_record(bhash, list(cblock.vtx), header, hashes, cblock)
        self._activate_best_chain()
        if bhash in self._invalid:
            err = self._reject_reasons.get(bhash)
            raise BlockRejected(err.reason if err else "bad-prevblk", err.detail if err else "")
        return None

    @staticmethod
    def _decode_block(block: CBlock | bytes | str) -> CBlock:
        if isinstance(block, CBlock):
            return block
        try:
            raw = bytes.fromhex(block) if isinstance(block, str) else bytes(block)
            return CBlock.deserialize(raw)
        except (ValueError, SerializationError, IndexError, TypeError) as err:
            raise InvalidHexError(f"Block decode failed: {err}") from None

    def _check_block(self, block: CBlock, height: int) -> list[TxHashes]:
        """Context-free block checks plus BIP 34 and the BIP 141 commitment (Bitcoin Core's reasons)."""
        if not block.vtx:
            raise BlockRejected("bad-blk-length", "no transactions")
        if not is_coinbase(block.vtx[0]):
            raise BlockRejected("bad-cb-missing", "first tx is not coinbase")
        hashes = [tx_hashes(tx) for tx in block.vtx]
        if merkle_root([h.txid for h in hashes]) != block.hashMerkleRoot:
            raise BlockRejected("bad-txnmrklroot", "hashMerkleRoot mismatch")
        if len({h.txid for h in hashes}) != len(hashes):
            raise BlockRejected("bad-txns-duplicate", "duplicate transaction")
        if sum(h.weight for h in hashes) > params.MAX_BLOCK_WEIGHT:
            raise BlockRejected("bad-blk-weight")
        for i, (tx, h) in enumerate(zip(block.vtx, hashes)):
            if i and is_coinbase(tx):
                raise BlockRejected("bad-cb-multiple", "more than one coinbase")
            try:
                check_transaction(tx, h)
            except TransactionRejected as err:
                raise BlockRejected(err.reason, "transaction check failed") from None
        expect = bytes(create_coinbase(height, value=0, script_pubkey=b"").vin[0].scriptSig)[: self._bip34_len(height)]
        if bytes(block.vtx[0].vin[0].scriptSig)[: len(expect)] != expect:
            raise BlockRejected("bad-cb-height", "block height mismatch in coinbase")
        commitment = witness_commitment_script([h.wtxid for h in hashes])
        has_commitment = any(bytes(o.scriptPubKey)[:6] == commitment[:6] for o in block.vtx[0].vout)
        if has_commitment:
            last = [bytes(o.scriptPubKey) for o in block.vtx[0].vout if bytes(o.scriptPubKey)[:6] == commitment[:6]][-1]
            wit = block.vtx[0].wit.vtxinwit
            reserved = list(wit[0].scriptWitness.stack) if wit else []
            if reserved != [params.WITNESS_RESERVED_VALUE] or last[:38] != commitment:
                raise BlockRejected("bad-witness-merkle-match", "witness merkle commitment mismatch")
        elif any(tx.has_witness() for tx in block.vtx):
            raise BlockRejected("unexpected-witness")
        return hashes

    @staticmethod
    def _bip34_len(height: int) -> int:
        from bitcoin.core.script import CScript

        return len(CScript([height]))

    def invalidate_block(self, block_hash: HashLike) -> None:
        """Mark a block (and its descendants) invalid, as ``invalidateblock``; its txs return to the mempool."""
        rec = self._record(BlockHash(block_hash))
        if rec.height == 0:
            raise ReorgError("cannot invalidate the genesis block")
        self._mark_invalid(rec.hash)
        disconnected = []
        if self._in_active(rec):
            while self._active[-1] != rec.prev:
                disconnected.append(self._disconnect_tip())
            disconnected.reverse()
        self._activate_best_chain(disconnected)

    def reconsider_block(self, block_hash: HashLike) -> None:
        """Clear the invalid mark of a block, its ancestors and descendants (``reconsiderblock``)."""
        rec = self._record(BlockHash(block_hash))
        stack = [rec.hash]
        while stack:
            h = stack.pop()
            self._invalid.pop(h, None)
            stack.extend(self._children.get(h, ()))
        a = rec
        while a is not None:
            self._invalid.pop(a.hash, None)
            a = self._blocks.get(a.prev)
        self._activate_best_chain()

    def reorg(self, depth: int, *, new_blocks: int | None = None, drop: Iterable[HashLike] = (),
              to: str | bytes | None = None) -> list[BlockHash]:
        """Replace the top ``depth`` blocks with a heavier branch of ``new_blocks`` blocks (default ``depth + 1``).

        Transactions of the replaced blocks return to the mempool and are mined again in the new branch, except the
        txids in ``drop`` (and whatever spends them). Returns the new branch's block hashes.
        """
        if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= self.height:
            raise ReorgError(f"depth must be an int in [1, {self.height}], got {depth!r}")
        count = depth + 1 if new_blocks is None else new_blocks
        if isinstance(count, bool) or not isinstance(count, int) or count <= depth:
            raise ReorgError(f"a branch of {count!r} blocks is not heavier than the {depth} it replaces; "
                             f"new_blocks must be at least {depth + 1}")
        old = [self._blocks[h] for h in self._active[-depth:]]
        old_txids = {h.txid for r in old for h in r.hashes[1:]}
        drop_ids = {bytes(Txid(t)) for t in drop}
        unknown = drop_ids - old_txids
        if unknown:
            raise ReorgError("drop names txids that are not non-coinbase txs of the replaced blocks: "
                             + ", ".join(str(Txid(t)) for t in sorted(unknown)))
        spk = self._script(to) if to is not None else self._miner_script()
        pool = [(tx, None) for r in old for tx in r.txs[1:]] + [(e.tx, e.raw) for e in self._mempool]
        for _ in range(depth):
            self._disconnect_tip()
        skip = frozenset(drop_ids)
        self._rebuild_mempool(pool, skip=skip)
        new = []
        for _ in range(count):
            # A tx refused now (say it spends a coinbase that is immature at the fork) may become valid as the new
            # branch grows: offer the left-overs again before each block, so "mined again" holds wherever it can.
            self._retry(pool, skip)
            new.append(BlockHash(self._mine_block(spk, None)))
        return new

    def _retry(self, candidates: Iterable[tuple[CTransaction, bytes | None]], skip: frozenset) -> None:
        for tx, raw in candidates:
            raw = raw if raw is not None else tx.serialize()
            txid = tx_hashes(tx, raw).txid
            if txid in skip or txid in self._txindex or txid in self._mempool:
                continue
            try:
                self._accept(tx, raw)
            except TransactionRejected:
                pass

    # ------------------------------------------------------------------ snapshots

    def snapshot(self) -> Snapshot:
        """Remember the chain's state; :meth:`revert` returns to it (blocks made after it are forgotten)."""
        s = Snapshot(next(_snapshot_ids), id(self), self._active[-1], self._seq, dict(self._invalid),
                     self._mempool.copy())
        self._snapshots[s.id] = s
        return s

    def revert(self, snapshot: Snapshot) -> None:
        """Return to ``snapshot``. Snapshots taken after it become unusable; it stays usable itself."""
        if not isinstance(snapshot, Snapshot) or snapshot.chain_id != id(self) or \
                self._snapshots.get(snapshot.id) is not snapshot:
            raise SnapshotError(f"unknown or already discarded snapshot: {snapshot!r}")
        changed = self._active[-1] != snapshot.tip or self._seq != snapshot.seq
        self._invalid = dict(snapshot.invalid)
        if self._active[-1] != snapshot.tip:
            self._set_tip(snapshot.tip, verify=False)
        newer = [h for h, r in self._blocks.items() if r.seq > snapshot.seq]
        for h in newer:
            rec = self._blocks.pop(h)
            kids = self._children.get(rec.prev)
            if kids is not None:
                kids.remove(h)
                if not kids:
                    del self._children[rec.prev]
            self._children.pop(h, None)
        self._mempool = snapshot.mempool.copy()
        self._seq = snapshot.seq
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
        self._snapshots.pop(getattr(snapshot, "id", None), None)

    # ------------------------------------------------------------------ listeners (for layers above)

    def subscribe(self, callback) -> None:
        """Call ``callback(chain)`` after every change of the active chain or mempool (mine, reorg, revert)."""
        self._listeners.append(callback)

    def _notify(self) -> None:
        for cb in self._listeners:
            cb(self)

    def __repr__(self) -> str:
        return f"<BitcoinChain seed={self.seed} height={self.height} tip={self.tip} mempool={len(self._mempool)}>"
