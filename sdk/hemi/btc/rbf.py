"""Mempool replacement (BIP 125 rules with full RBF, Core's default since v28: no opt-in signal needed) and the
ancestor/descendant package limits, with Bitcoin Core's reject reasons and messages.

Sources (bitcoin/bitcoin): src/policy/rbf.cpp (``PaysMoreThanConflicts``, ``GetEntriesForConflicts``,
``HasNoNewUnconfirmed``, ``EntriesAndTxidsDisjoint``, ``PaysForRBF``), src/validation.cpp
(``MemPoolAccept::ReplacementChecks``, ``PreChecks``), src/txmempool.cpp (``CalculateAncestorsAndCheckLimits``),
src/kernel/mempool_limits.h (25 transactions, 101 kvB), src/util/moneystr.cpp ``FormatMoney``.
"""

from __future__ import annotations

from collections.abc import Iterable

from bitcoin.core import CTransaction

from hemi.btc import params
from hemi.btc.mempool import Mempool
from hemi.errors import TransactionRejected
from hemi.types import Txid

MAX_REPLACEMENT_CANDIDATES = 100
INCREMENTAL_RELAY_FEE = 1000  # sat/kvB
ANCESTOR_SIZE_LIMIT_KVB = 101
DESCENDANT_LIMIT = 25
DESCENDANT_SIZE_LIMIT_KVB = 101


def format_money(sats: int) -> str:
    """Core's FormatMoney: 8 decimals with trailing zeros trimmed down to two."""
    sign = "-" if sats < 0 else ""
    text = f"{abs(sats) // params.COIN}.{abs(sats) % params.COIN:08d}"
    while text.endswith("0") and len(text.split(".")[1]) > 2:
        text = text[:-1]
    return sign + text


def format_fee_rate(fee: int, vsize: int) -> str:
    """CFeeRate(fee, vsize).ToString(): BTC per kvB with 8 decimals."""
    per_kvb = fee * 1000 // vsize if vsize else 0
    return f"{per_kvb // params.COIN}.{per_kvb % params.COIN:08d} BTC/kvB"


def conflicts_of(mempool: Mempool, tx: CTransaction) -> set[bytes]:
    """Mempool transactions spending an outpoint ``tx`` spends (the ones it would replace directly)."""
    out = set()
    for txin in tx.vin:
        spender = mempool.spenders.get((txin.prevout.hash, txin.prevout.n))
        if spender is not None:
            out.add(spender)
    return out


def replacement_checks(mempool: Mempool, tx: CTransaction, txid: bytes, fee: int, vsize: int,
                       direct: set[bytes], ancestors: Iterable[bytes]) -> set[bytes]:
    """Every transaction the replacement evicts (conflicts and their descendants); raises with Core's reason."""
    shown = str(Txid(txid))
    entries = mempool.entries
    for c in direct:
        old = entries[c]
        if fee * 1000 // vsize <= old.fee * 1000 // old.vsize:
            raise TransactionRejected("insufficient fee", f"rejecting replacement {shown}; new feerate "
                                      f"{format_fee_rate(fee, vsize)} <= old feerate "
                                      f"{format_fee_rate(old.fee, old.vsize)}")
    count = sum(1 + len(mempool.descendants(c)) for c in direct)
    if count > MAX_REPLACEMENT_CANDIDATES:
        raise TransactionRejected("too many potential replacements", f"rejecting replacement {shown}; too many "
                                  f"potential replacements ({count} > {MAX_REPLACEMENT_CANDIDATES})")
    evicted = set(direct)
    for c in direct:
        evicted.update(mempool.descendants(c))
    parents_of_conflicts = {txin.prevout.hash for c in direct for txin in entries[c].tx.vin}
    for i, txin in enumerate(tx.vin):
        if txin.prevout.hash not in parents_of_conflicts and txin.prevout.hash in entries:
            raise TransactionRejected("replacement-adds-unconfirmed",
                                      f"replacement {shown} adds unconfirmed input, idx {i}")
    for a in ancestors:
        if a in direct:
            raise TransactionRejected("bad-txns-spends-conflicting-tx",
                                      f"{shown} spends conflicting transaction {Txid(a)}")
    original = sum(entries[c].fee for c in evicted)
    if fee < original:
        raise TransactionRejected("insufficient fee", f"rejecting replacement {shown}, less fees than conflicting "
                                  f"txs; {format_money(fee)} < {format_money(original)}")
    needed = (vsize * INCREMENTAL_RELAY_FEE + 999) // 1000  # CFeeRate::GetFee rounds up
    if fee - original < needed:
        raise TransactionRejected("insufficient fee", f"rejecting replacement {shown}, not enough additional fees "
                                  f"to relay; {format_money(fee - original)} < {format_money(needed)}")
    return evicted


def check_package_limits(mempool: Mempool, parents: Iterable[bytes], vsize: int, ancestor_limit: int,
                         evicted: set[bytes]) -> None:
    """Core's ancestor and descendant limits ("too-long-mempool-chain") for a new transaction."""
    parents = [p for p in parents if p not in evicted]
    ancestors: set[bytes] = set(parents)
    for p in parents:
        ancestors |= mempool.ancestors(p)
    ancestors -= evicted
    if len(ancestors) + 1 > ancestor_limit:
        raise TransactionRejected("too-long-mempool-chain",
                                  f"too many unconfirmed ancestors [limit: {ancestor_limit}]")
    size = vsize + sum(mempool.entries[a].vsize for a in ancestors)
    if size > ANCESTOR_SIZE_LIMIT_KVB * 1000:
        raise TransactionRejected("too-long-mempool-chain",
                                  f"exceeds ancestor size limit [limit: {ANCESTOR_SIZE_LIMIT_KVB * 1000}]")
    for a in ancestors:
        desc = [d for d in mempool.descendants(a) if d not in evicted]
        if len(desc) + 2 > DESCENDANT_LIMIT:
            raise TransactionRejected("too-long-mempool-chain",
                                      f"too many descendants for tx {Txid(a)} [limit: {DESCENDANT_LIMIT}]")
        dsize = mempool.entries[a].vsize + sum(mempool.entries[d].vsize for d in desc) + vsize
        if dsize > DESCENDANT_SIZE_LIMIT_KVB * 1000:
            raise TransactionRejected("too-long-mempool-chain", f"exceeds descendant size limit for tx {Txid(a)} "
                                      f"[limit: {DESCENDANT_SIZE_LIMIT_KVB * 1000}]")
