"""The transaction side of script evaluation: signature checks against the spending transaction's sighash and
the CHECKLOCKTIMEVERIFY / CHECKSEQUENCEVERIFY comparisons.

Source: bitcoin/bitcoin v26.0 src/script/interpreter.cpp ``GenericTransactionSignatureChecker`` (CheckECDSASignature,
CheckSchnorrSignature, CheckLockTime, CheckSequence) and ``SignatureHashSchnorr``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bitcoin.core import CTransaction

from hemi.btc.interpreter import scriptops as O
from hemi.btc.interpreter.encoding import verify_ecdsa_lax
from hemi.btc.interpreter.errors import fail
from hemi.btc.keys import verify_schnorr
from hemi.btc.sighash import legacy_sighash, segwit_v0_sighash, taproot_sighash
from hemi.errors import HemiValueError

BASE, WITNESS_V0, TAPROOT, TAPSCRIPT = 0, 1, 2, 3  # Core's SigVersion


@dataclass(slots=True)
class ExecData:
    """Taproot execution context (Core's ``ScriptExecutionData``)."""

    annex: bytes | None = None
    leaf_hash: bytes | None = None
    codesep_pos: int = 0xFFFFFFFF
    validation_weight_left: int = 0


class TxChecker:
    """Checks for input ``index`` of ``tx``; ``spent`` is the (value, scriptPubKey) of every input (taproot
    signatures commit to all of them; legacy and segwit v0 need only this input's amount)."""

    __slots__ = ("tx", "index", "amount", "spent")

    def __init__(self, tx: CTransaction, index: int, amount: int,
                 spent: Sequence[tuple[int, bytes]] | None = None) -> None:
        self.tx, self.index, self.amount, self.spent = tx, index, amount, spent

    def check_ecdsa(self, sig: bytes, pubkey: bytes, script_code: bytes, sigversion: int) -> bool:
        if not sig:
            return False
        hash_type = sig[-1]
        if sigversion == WITNESS_V0:
            digest = segwit_v0_sighash(script_code, self.tx, self.index, self.amount, hash_type)
        else:
            digest = legacy_sighash(script_code, self.tx, self.index, hash_type)
        return verify_ecdsa_lax(pubkey, sig[:-1], digest)

    def check_schnorr(self, sig: bytes, pubkey: bytes, sigversion: int, execdata: ExecData) -> None:
        """Raise Core's error unless ``sig`` is a valid BIP 340 signature (key path or tapscript)."""
        if len(sig) not in (64, 65):
            fail("SCHNORR_SIG_SIZE")
        hash_type = 0
        if len(sig) == 65:
            hash_type = sig[64]
            if hash_type == 0:
                fail("SCHNORR_SIG_HASHTYPE")
            sig = sig[:64]
        if self.spent is None:
            raise HemiValueError("taproot verification needs the spent output of every input")
        try:
            if sigversion == TAPSCRIPT:
                digest = taproot_sighash(self.tx, self.index, self.spent, hash_type, annex=execdata.annex,
                                         leaf_hash=execdata.leaf_hash, codesep_pos=execdata.codesep_pos)
            else:
                digest = taproot_sighash(self.tx, self.index, self.spent, hash_type, annex=execdata.annex)
        except HemiValueError:
            fail("SCHNORR_SIG_HASHTYPE")
        if not verify_schnorr(pubkey, sig, digest):
            fail("SCHNORR_SIG")

    def check_locktime(self, lock: int) -> bool:
        tx_lock = self.tx.nLockTime
        if (tx_lock < O.LOCKTIME_THRESHOLD) != (lock < O.LOCKTIME_THRESHOLD):
            return False
        if lock > tx_lock:
            return False
        # a final input disables nLockTime (IsFinalTx), and with it this check
        return bool(self.tx.vin[self.index].nSequence != O.SEQUENCE_FINAL)

    def check_sequence(self, sequence: int) -> bool:
        tx_seq = self.tx.vin[self.index].nSequence
        if self.tx.nVersion & 0xFFFFFFFF < 2:  # BIP 68 applies only from version 2 (compared unsigned)
            return False
        if tx_seq & O.SEQUENCE_LOCKTIME_DISABLE_FLAG:
            return False
        mask = O.SEQUENCE_LOCKTIME_TYPE_FLAG | O.SEQUENCE_LOCKTIME_MASK
        tx_masked, want = tx_seq & mask, sequence & mask
        if (tx_masked < O.SEQUENCE_LOCKTIME_TYPE_FLAG) != (want < O.SEQUENCE_LOCKTIME_TYPE_FLAG):
            return False
        return bool(want <= tx_masked)
