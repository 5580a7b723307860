"""Transaction rules that need the chain's context: BIP 68 relative lock-times, signature-operation cost, and
script verification with Bitcoin Core's consensus/policy split of reject reasons (used by mempool acceptance and
by the block rules of :mod:`hemi.btc.consensus`).

Sources (bitcoin/bitcoin v26.0): src/consensus/tx_verify.cpp (``CalculateSequenceLocks``, ``EvaluateSequenceLocks``,
``GetLegacySigOpCount``, ``GetP2SHSigOpCount``, ``GetTransactionSigOpCost``), src/script/interpreter.cpp
(``CountWitnessSigOps``), src/script/script.cpp (``GetSigOpCount``), src/validation.cpp (``CheckInputScripts``
callers: "mandatory-script-verify-flag-failed (...)" / "non-mandatory-script-verify-flag (...)").
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from bitcoin.core import CTransaction

from hemi.btc.interpreter import MANDATORY_FLAGS, STANDARD_FLAGS
from hemi.btc.interpreter import scriptops as O
from hemi.btc.verify import verify_input, witness_stack
from hemi.errors import ScriptVerifyError, TransactionRejected
from hemi.types import Txid

WITNESS_SCALE_FACTOR = 4
MAX_BLOCK_SIGOPS_COST = 80_000
MAX_STANDARD_TX_SIGOPS_COST = MAX_BLOCK_SIGOPS_COST // 5
SEQUENCE_LOCKTIME_GRANULARITY = 9  # time-based relative locks count units of 512 seconds


def sequence_locks(tx: CTransaction, coin_heights: Sequence[int], mtp_at: Callable[[int], int]) -> tuple[int, int]:
    """(min height, min time) that BIP 68 imposes; -1 means no constraint. ``coin_heights`` are the heights of the
    blocks that created each input's coin, ``mtp_at(h)`` the median-time-past of the block at height ``h``."""
    min_height, min_time = -1, -1
    if tx.nVersion & 0xFFFFFFFF < 2:  # BIP 68 applies from version 2 only
        return min_height, min_time
    for txin, coin_height in zip(tx.vin, coin_heights, strict=False):
        seq = txin.nSequence
        if seq & O.SEQUENCE_LOCKTIME_DISABLE_FLAG:
            continue
        value = seq & O.SEQUENCE_LOCKTIME_MASK
        if seq & O.SEQUENCE_LOCKTIME_TYPE_FLAG:
            # measured from the median time past of the block before the coin's block
            coin_time = mtp_at(max(coin_height - 1, 0))
            min_time = max(min_time, coin_time + (value << SEQUENCE_LOCKTIME_GRANULARITY) - 1)
        else:
            min_height = max(min_height, coin_height + value - 1)
    return min_height, min_time


def sequence_locks_met(locks: tuple[int, int], block_height: int, prev_mtp: int) -> bool:
    """EvaluateSequenceLocks for a block at ``block_height`` whose parent has median time past ``prev_mtp``."""
    return locks[0] < block_height and locks[1] < prev_mtp


def legacy_sigops(script: bytes, accurate: bool) -> int:
    """GetSigOpCount: CHECKSIG counts 1, CHECKMULTISIG 20 (or its key count when ``accurate``)."""
    count, last = 0, 0xFF
    try:
        for op, _, _ in O.iter_ops(script):
            if op in (0xAC, 0xAD):
                count += 1
            elif op in (0xAE, 0xAF):
                count += last - 0x50 if accurate and O.OP_1 <= last <= O.OP_16 else 20
            last = op
    except O.ParseError:
        pass  # Core stops counting at the first unparseable op
    return count


def last_push(script_sig: bytes) -> bytes:
    """The data of a push-only scriptSig's last push (a P2SH spend's redeem script); empty otherwise."""
    data = b""
    try:
        for op, pushed, _ in O.iter_ops(script_sig):
            if op > O.OP_16:
                return b""
            data = pushed if pushed is not None else b""
    except O.ParseError:
        return b""
    return data


def _witness_sigops(version: int, program: bytes, witness: list[bytes]) -> int:
    if version == 0 and len(program) == 20:
        return 1
    if version == 0 and len(program) == 32 and witness:
        return legacy_sigops(witness[-1], True)
    return 0  # taproot spends are budgeted per input by BIP 342 instead


def sigop_cost(tx: CTransaction, spent_scripts: Sequence[bytes]) -> int:
    """GetTransactionSigOpCost with P2SH and WITNESS active (``spent_scripts``: each input's scriptPubKey)."""
    cost = sum(legacy_sigops(bytes(i.scriptSig), False) for i in tx.vin)
    cost += sum(legacy_sigops(bytes(o.scriptPubKey), False) for o in tx.vout)
    cost *= WITNESS_SCALE_FACTOR
    for index, (txin, spk) in enumerate(zip(tx.vin, spent_scripts, strict=False)):
        script_sig = bytes(txin.scriptSig)
        wp = O.witness_program(spk)
        if O.is_p2sh(spk):
            redeem = last_push(script_sig) if O.is_push_only(script_sig) else b""
            cost += legacy_sigops(redeem, True) * WITNESS_SCALE_FACTOR
            wp = O.witness_program(redeem) if redeem else None
        if wp is not None:
            cost += _witness_sigops(wp[0], wp[1], witness_stack(tx, index))
    return cost


def verify_scripts(tx: CTransaction, spent: Sequence[tuple[int, bytes]], *, policy: bool) -> None:
    """Verify every input; raise TransactionRejected with Core's reason.

    Blocks (``policy=False``) verify with the consensus flags. The mempool verifies with the standard flags; on
    failure it re-checks with the consensus flags alone to tell a policy violation ("non-mandatory-script-verify-flag
    (...)") from an invalid spend ("mandatory-script-verify-flag-failed (...)"), as Core's MemPoolAccept does.
    """
    for i in range(len(tx.vin)):
        try:
            verify_input(tx, i, spent, flags=STANDARD_FLAGS if policy else MANDATORY_FLAGS)
        except ScriptVerifyError as policy_err:
            failure, mandatory = policy_err, True
            if policy:
                try:
                    verify_input(tx, i, spent, flags=MANDATORY_FLAGS)
                    mandatory = False
                except ScriptVerifyError as consensus_err:
                    failure = consensus_err
            prefix = "mandatory-script-verify-flag-failed" if mandatory else "non-mandatory-script-verify-flag"
            # the reason alone is Core's whole message; the ScriptVerifyError (Core's error name) is the __cause__
            raise TransactionRejected(f"{prefix} ({failure})", txid=Txid(tx.GetTxid())) from failure


def check_spend_context(tx: CTransaction, coins: Sequence, *, height: int, prev_mtp: int,
                        mtp_at: Callable[[int], int], policy: bool) -> None:
    """The checks of one transaction against the coins it spends, in Core's order: BIP 68 sequence locks, sigop
    cost (mempool only; blocks sum it per block), then scripts. ``coins`` have ``.value``, ``.spk`` and ``.height``
    (-1 for a mempool coin, which counts as confirmed in the next block, ``height``)."""
    heights = [c.height if c.height >= 0 else height for c in coins]
    if not sequence_locks_met(sequence_locks(tx, heights, mtp_at), height, prev_mtp):
        raise TransactionRejected("non-BIP68-final" if policy else "bad-txns-nonfinal",
                                  "" if policy else "contains a non-BIP68-final transaction")
    if policy:
        cost = sigop_cost(tx, [c.spk for c in coins])
        if cost > MAX_STANDARD_TX_SIGOPS_COST:
            raise TransactionRejected("bad-txns-too-many-sigops", str(cost))
    verify_scripts(tx, [(c.value, c.spk) for c in coins], policy=policy)
