"""Transaction checks with Bitcoin Core's reject reasons: context-free (CheckTransaction), relay policy
(IsStandardTx, dust), and the in-context checks against the coins a transaction spends (Consensus::CheckTxInputs).
"""

from __future__ import annotations

from collections.abc import Callable

from bitcoin.core import CTransaction
from bitcoin.core.script import CScript, CScriptInvalidError

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.coins import Coin, Outpoint
from hemi.btc.tx import TxHashes, tx_hashes
from hemi.errors import TransactionRejected

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


def dust_threshold(spk: bytes, dust_relay_fee: int = params.DUST_RELAY_FEE) -> int:
    """Bitcoin Core's GetDustThreshold: the cost of spending the output at the dust relay fee."""
    if S.is_unspendable(spk):
        return 0
    size = 8 + len(spk) + (1 if len(spk) < 0xFD else 3)
    kind = S.solve(spk).kind
    if kind in (S.WITNESS_V0_KEYHASH, S.WITNESS_V0_SCRIPTHASH, S.WITNESS_V1_TAPROOT, S.WITNESS_UNKNOWN):
        size += 32 + 4 + 1 + (107 // 4) + 4
    else:
        size += 32 + 4 + 1 + 107 + 4
    return size * dust_relay_fee // 1000


def check_standard(tx: CTransaction, hashes: TxHashes) -> None:
    """Relay policy (Bitcoin Core ``IsStandardTx``); raises with Core's reason."""
    if not 1 <= tx.nVersion <= 3:
        raise TransactionRejected("version")
    if hashes.weight > params.MAX_STANDARD_TX_WEIGHT:
        raise TransactionRejected("tx-size")
    if hashes.base_size < params.MIN_STANDARD_TX_NONWITNESS_SIZE:
        raise TransactionRejected("tx-size-small")
    for txin in tx.vin:
        if len(txin.scriptSig) > params.MAX_STANDARD_SCRIPTSIG_SIZE:
            raise TransactionRejected("scriptsig-size")
        try:
            push_only = CScript(txin.scriptSig).is_push_only()
        except CScriptInvalidError:
            push_only = False
        if not push_only:
            raise TransactionRejected("scriptsig-not-pushonly")
    data_outputs = 0
    for out in tx.vout:
        spk = bytes(out.scriptPubKey)
        kind = S.solve(spk).kind
        if kind not in S.STANDARD_KINDS:
            raise TransactionRejected("scriptpubkey")
        if kind == S.NULL_DATA:
            if len(spk) > params.MAX_OP_RETURN_RELAY:
                raise TransactionRejected("scriptpubkey", f"OP_RETURN script of {len(spk)} bytes > "
                                          f"{params.MAX_OP_RETURN_RELAY}")
            data_outputs += 1
        elif kind == S.MULTISIG:
            raise TransactionRejected("bare-multisig")
        elif out.nValue < dust_threshold(spk):
            raise TransactionRejected("dust", f"output of {out.nValue} sats < {dust_threshold(spk)}")
    if data_outputs > 1:
        raise TransactionRejected("multi-op-return")


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


def check_input_standard(tx: CTransaction, coins: list[Coin]) -> None:
    """AreInputsStandard: only spends of standard output kinds (and no future witness versions) are relayed."""
    for coin in coins:
        kind = S.solve(coin.spk).kind
        if kind in (S.NONSTANDARD, S.WITNESS_UNKNOWN, S.NULL_DATA):
            raise TransactionRejected("bad-txns-nonstandard-inputs")
