"""Consensus checks of one transaction with Bitcoin Core's reject reasons: context-free (``CheckTransaction``),
finality (``IsFinalTx``) and the checks against the coins it spends (``Consensus::CheckTxInputs``).

Relay policy is in :mod:`hemi.btc.policy`, BIP 68, sigop cost and scripts in :mod:`hemi.btc.txrules`, the block
rules that use all of them in :mod:`hemi.btc.consensus`. Sources (bitcoin/bitcoin v26.0):
src/consensus/tx_check.cpp, src/consensus/tx_verify.cpp.
"""

from __future__ import annotations

from collections.abc import Callable

from bitcoin.core import CTransaction

from hemi.btc import params
from hemi.btc.coins import Coin, Outpoint
from hemi.btc.policy import dust_threshold
from hemi.btc.tx import TxHashes, tx_hashes
from hemi.errors import TransactionRejected

__all__ = ["check_inputs", "check_transaction", "dust_threshold", "is_coinbase", "is_final"]
# dust_threshold is relay policy (hemi.btc.policy); hemi.node imports it from here, where it used to live

_NULL_HASH = bytes(32)


def check_transaction(tx: CTransaction, hashes: TxHashes | None = None) -> None:
    """Context-free consensus checks (Bitcoin Core ``CheckTransaction``); raises TransactionRejected with Core's
    reason (``bad-txns-vin-empty``, ``bad-txns-inputs-duplicate``, ...)."""
    if hashes is None:
        hashes = tx_hashes(tx)
    if not tx.vin:
        raise TransactionRejected("bad-txns-vin-empty")
    if not tx.vout:
        raise TransactionRejected("bad-txns-vout-empty")
    if hashes.base_size * 4 > params.MAX_BLOCK_WEIGHT:
        raise TransactionRejected("bad-txns-oversize")
    total = 0
    for out in tx.vout:
        if out.nValue < 0:
            raise TransactionRejected("bad-txns-vout-negative")
        if out.nValue > params.MAX_MONEY:
            raise TransactionRejected("bad-txns-vout-toolarge")
        total += out.nValue
        if total > params.MAX_MONEY:
            raise TransactionRejected("bad-txns-txouttotal-toolarge")
    seen = set()
    for txin in tx.vin:
        key = (txin.prevout.hash, txin.prevout.n)
        if key in seen:
            raise TransactionRejected("bad-txns-inputs-duplicate")
        seen.add(key)
    if is_coinbase(tx):
        if not 2 <= len(tx.vin[0].scriptSig) <= 100:
            raise TransactionRejected("bad-cb-length")
    else:
        for txin in tx.vin:
            if txin.prevout.hash == _NULL_HASH and txin.prevout.n == 0xFFFFFFFF:
                raise TransactionRejected("bad-txns-prevout-null")


def is_coinbase(tx: CTransaction) -> bool:
    return len(tx.vin) == 1 and tx.vin[0].prevout.hash == _NULL_HASH and tx.vin[0].prevout.n == 0xFFFFFFFF


def is_final(tx: CTransaction, height: int, time: int) -> bool:
    """Bitcoin Core ``IsFinalTx`` (locktime against the next block's height or median time past)."""
    if tx.nLockTime == 0:
        return True
    limit = height if tx.nLockTime < 500_000_000 else time
    if tx.nLockTime < limit:
        return True
    return all(txin.nSequence == 0xFFFFFFFF for txin in tx.vin)


def check_inputs(
    tx: CTransaction,
    lookup: Callable[[Outpoint], Coin | None],
    spend_height: int,
) -> tuple[int, list[Coin]]:
    """(fee, spent coins) after Consensus::CheckTxInputs: inputs exist and are unspent, coinbase maturity, values."""
    coins: list[Coin] = []
    for txin in tx.vin:
        coin = lookup((txin.prevout.hash, txin.prevout.n))
        if coin is None:
            raise TransactionRejected("bad-txns-inputs-missingorspent",
                                      f"{txin.prevout.hash[::-1].hex()}:{txin.prevout.n}")
        if coin.coinbase and spend_height - coin.height < params.COINBASE_MATURITY:
            raise TransactionRejected(
                "bad-txns-premature-spend-of-coinbase",
                f"tried to spend coinbase at depth {spend_height - coin.height}",
            )
        coins.append(coin)
    value_in = sum(c.value for c in coins)
    if value_in > params.MAX_MONEY:
        raise TransactionRejected("bad-txns-inputvalues-outofrange")
    value_out = sum(o.nValue for o in tx.vout)
    if value_in < value_out:
        raise TransactionRejected("bad-txns-in-belowout", f"value in ({value_in}) < value out ({value_out})")
    return value_in - value_out, coins
