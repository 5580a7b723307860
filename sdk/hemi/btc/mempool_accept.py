"""Mempool acceptance (Bitcoin Core's ``MemPoolAccept``): the checks a transaction passes before it enters the
mempool, in Core's order and with Core's reject reasons, and re-offering transactions after the chain changes.

Sources (bitcoin/bitcoin v26.0): src/validation.cpp ``MemPoolAccept::PreChecks``, ``ReplacementChecks``,
``PolicyScriptChecks``, ``ConsensusScriptChecks``, ``MaybeUpdateMempoolForReorg``; src/rpc/mempool.cpp
``testmempoolaccept``, ``sendrawtransaction`` (maxfeerate).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from bitcoin.core import CTransaction

from hemi.btc import params
from hemi.btc.context import NodeContext
from hemi.btc.mempool import Mempool, MempoolEntry
from hemi.btc.policy import check_inputs_standard, check_standard
from hemi.btc.rbf import check_package_limits, conflicts_of, replacement_checks
from hemi.btc.tx import RawTx, decode_tx, tx_hashes
from hemi.btc.txrules import check_spend_context
from hemi.btc.validation import check_inputs, check_transaction, is_coinbase, is_final
from hemi.errors import TransactionRejected
from hemi.types import Txid

Candidate = tuple[CTransaction, bytes | None]  # a transaction and its raw bytes when known


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


def check_for_mempool(node: NodeContext, tx: CTransaction, raw: bytes, *, max_fee_rate: int,
                      consume_seq: bool = True) -> MempoolEntry:
    """Every acceptance check of ``tx`` against the chain and mempool; returns the entry it would get (its
    ``replaces`` names what full RBF evicts). Changes nothing but the arrival counter (when ``consume_seq``)."""
    cs, mp = node.chainstate, node.mempool
    hashes = tx_hashes(tx, raw)
    check_transaction(tx, hashes)
    if is_coinbase(tx):
        raise TransactionRejected("coinbase")
    check_standard(tx, hashes)
    next_height = cs.height + 1
    if not is_final(tx, next_height, cs.median_time_past()):
        raise TransactionRejected("non-final")
    txid = hashes.txid
    if txid in mp:
        raise TransactionRejected("txn-already-in-mempool")
    if txid in cs.txindex:
        raise TransactionRejected("txn-already-known")
    direct = conflicts_of(mp, tx)  # replaced if the rules below allow (full RBF, Core's default)
    fee, coins = check_inputs(tx, lambda op: cs.coins.get(op) or mp.coin(op, replacing=direct), next_height)
    check_inputs_standard(tx, [c.spk for c in coins])
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
        check_package_limits(mp, parents, hashes.vsize, node.ancestor_limit, evicted)
    check_spend_context(tx, coins, height=next_height, prev_mtp=cs.median_time_past(),
                        mtp_at=cs.median_time_past, policy=True)
    return MempoolEntry(tx, raw, hashes, fee, cs.next_seq() if consume_seq else -1, parents,
                        frozenset(evicted), cs.height, cs.adjusted_time())


def accept(node: NodeContext, tx: CTransaction, raw: bytes, *, max_fee_rate: int = 0) -> MempoolEntry:
    """Check and add ``tx``; the transactions it replaces leave the mempool."""
    entry = check_for_mempool(node, tx, raw, max_fee_rate=max_fee_rate)
    for victim in entry.replaces:  # full RBF: the replaced transactions and their descendants leave
        node.mempool.remove(victim, with_descendants=False)
    node.mempool.add(entry)
    return entry


def send_raw(node: NodeContext, tx: RawTx, *, max_fee_rate: int | None = None) -> Txid:
    """``sendrawtransaction``: decode and accept; ``max_fee_rate`` defaults to the node's."""
    ctx, raw = decode_tx(tx)
    return Txid(accept(node, ctx, raw, max_fee_rate=node.max_fee_rate if max_fee_rate is None else max_fee_rate).txid)


def would_accept(node: NodeContext, tx: RawTx, *, max_fee_rate: int | None = None) -> AcceptResult:
    """``testmempoolaccept`` for one transaction; changes nothing."""
    ctx, raw = decode_tx(tx)
    h = tx_hashes(ctx, raw)
    try:
        entry = check_for_mempool(node, ctx, raw, max_fee_rate=node.max_fee_rate if max_fee_rate is None
                                  else max_fee_rate, consume_seq=False)
        return AcceptResult(Txid(h.txid), Txid(h.wtxid), True, None, entry.fee, h.vsize)
    except TransactionRejected as err:
        return AcceptResult(Txid(h.txid), Txid(h.wtxid), False, err, None, h.vsize)


def resubmit(node: NodeContext, candidates: Iterable[Candidate], skip: frozenset[bytes]) -> None:
    """Offer ``candidates`` again in order; those confirmed, already in, in ``skip`` or now invalid are left out."""
    cs = node.chainstate
    for tx, raw in candidates:
        raw = raw if raw is not None else tx.serialize()
        txid = tx_hashes(tx, raw).txid
        if txid in skip or txid in cs.txindex or txid in node.mempool:
            continue
        try:
            accept(node, tx, raw)
        except TransactionRejected:
            pass


def rebuild(node: NodeContext, candidates: Iterable[Candidate], skip: frozenset[bytes] = frozenset()) -> None:
    """Re-accept ``candidates`` in order into an empty mempool; those now invalid or confirmed are dropped."""
    node.mempool = Mempool()
    resubmit(node, candidates, skip)
