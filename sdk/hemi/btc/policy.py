"""Relay policy with Bitcoin Core's reject reasons: what a node relays and puts in its mempool beyond what
consensus allows (blocks ignore these rules).

Sources (bitcoin/bitcoin v26.0): src/policy/policy.cpp ``IsStandardTx``, ``GetDustThreshold``,
``AreInputsStandard``, ``IsWitnessStandard``; src/policy/policy.h (the limits).
"""

from __future__ import annotations

from collections.abc import Sequence

from bitcoin.core import CTransaction
from bitcoin.core.script import CScript, CScriptInvalidError

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.tx import TxHashes
from hemi.errors import TransactionRejected

MAX_P2SH_SIGOPS = 15
MAX_STANDARD_P2WSH_SCRIPT_SIZE = 3600
MAX_STANDARD_P2WSH_STACK_ITEMS = 100
MAX_STANDARD_P2WSH_STACK_ITEM_SIZE = 80
MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE = 80


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
                raise TransactionRejected("scriptpubkey", hint=f"OP_RETURN script of {len(spk)} bytes > "
                                                               f"{params.MAX_OP_RETURN_RELAY}")
            data_outputs += 1
        elif kind == S.MULTISIG:
            raise TransactionRejected("bare-multisig")
        elif out.nValue < dust_threshold(spk):
            raise TransactionRejected("dust", hint=f"output of {out.nValue} sats < {dust_threshold(spk)}")
    if data_outputs > 1:
        raise TransactionRejected("multi-op-return")


def check_inputs_standard(tx: CTransaction, spent_scripts: Sequence[bytes]) -> None:
    """Core's AreInputsStandard (only spends of standard output kinds, no future witness versions; P2SH redeem
    scripts of at most 15 sigops) and IsWitnessStandard (P2WSH and tapscript size limits, no annex):
    "bad-txns-nonstandard-inputs" / "bad-witness-nonstandard"."""
    # deferred: they bring the script interpreter, and every wallet imports this module for dust_threshold
    from hemi.btc.interpreter import scriptops as O
    from hemi.btc.txrules import last_push, legacy_sigops  # deferred: as above
    from hemi.btc.verify import witness_stack  # deferred: as above

    for spk in spent_scripts:
        if S.solve(spk).kind in (S.NONSTANDARD, S.WITNESS_UNKNOWN, S.NULL_DATA):
            raise TransactionRejected("bad-txns-nonstandard-inputs")
    redeems = [last_push(bytes(txin.scriptSig)) if O.is_p2sh(spk) else None
               for txin, spk in zip(tx.vin, spent_scripts, strict=False)]
    if any(r is not None and legacy_sigops(r, True) > MAX_P2SH_SIGOPS for r in redeems):
        raise TransactionRejected("bad-txns-nonstandard-inputs")
    for index, (redeem, spk) in enumerate(zip(redeems, spent_scripts, strict=False)):
        witness = witness_stack(tx, index)
        if not witness:
            continue
        wp = O.witness_program(redeem if redeem is not None else spk)
        if wp is None:
            raise TransactionRejected("bad-witness-nonstandard")
        version, program = wp
        if version == 0 and len(program) == 32:
            items = witness[:-1]
            if (len(witness[-1]) > MAX_STANDARD_P2WSH_SCRIPT_SIZE or len(items) > MAX_STANDARD_P2WSH_STACK_ITEMS
                    or any(len(w) > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE for w in items)):
                raise TransactionRejected("bad-witness-nonstandard")
        if version == 1 and len(program) == 32 and redeem is None and len(witness) >= 2:
            if witness[-1] and witness[-1][0] == 0x50:  # an annex is not relayed yet
                raise TransactionRejected("bad-witness-nonstandard")
            if witness[-1] and witness[-1][0] & 0xFE == 0xC0:
                if any(len(w) > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE for w in witness[:-2]):
                    raise TransactionRejected("bad-witness-nonstandard")
