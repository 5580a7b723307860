"""Signature hashes for the three rule sets: legacy, BIP 143 (segwit v0) and BIP 341/342 (taproot key path and
tapscript).

Legacy and BIP 143 come from python-bitcoinlib's ``RawSignatureHash``/``SignatureHash``; BIP 341, which it lacks,
is written here. Legacy keeps Core's SIGHASH_SINGLE quirk: an input without a matching output signs the number 1
(bitcoin/bitcoin src/script/interpreter.cpp ``SignatureHash``).
"""

from __future__ import annotations

import hashlib
import struct
from typing import Optional, Sequence

from bitcoin.core import CTransaction
from bitcoin.core.script import SIGVERSION_WITNESS_V0, CScript, RawSignatureHash, SignatureHash

from hemi.btc.keys import tagged_hash
from hemi.errors import HemiValueError

SIGHASH_DEFAULT = 0x00  # taproot only: ALL, with a 64-byte signature
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
_TAPROOT_HASH_TYPES = {0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83}


def legacy_sighash(script_code: bytes, tx: CTransaction, index: int, hash_type: int = SIGHASH_ALL) -> bytes:
    """Pre-segwit signature hash of input ``index`` (``hash_type`` is the signature's last byte, any value)."""
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range")
    # RawSignatureHash reports Core's two "sign the number one" cases as an error string next to the hash; the
    # hash it returns in those cases is exactly Core's uint256::ONE, which is what a signature must cover.
    if hash_type >= 2**31:  # Core serializes the hash type as a signed 32-bit integer
        hash_type -= 2**32
    digest, _err = RawSignatureHash(CScript(script_code), tx, index, hash_type)
    return digest


def segwit_v0_sighash(
    script_code: bytes, tx: CTransaction, index: int, amount: int, hash_type: int = SIGHASH_ALL
) -> bytes:
    """BIP 143 signature hash of input ``index`` spending ``amount`` satoshis."""
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range")
    return SignatureHash(CScript(script_code), tx, index, hash_type, amount=amount, sigversion=SIGVERSION_WITNESS_V0)


def _ser_string(b: bytes) -> bytes:
    n = len(b)
    if n < 0xFD:
        return bytes([n]) + b
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n) + b
    return b"\xfe" + struct.pack("<I", n) + b


def _ser_txout(value: int, spk: bytes) -> bytes:
    return struct.pack("<q", value) + _ser_string(spk)


def taproot_sighash(
    tx: CTransaction,
    index: int,
    spent_outputs: Sequence[tuple[int, bytes]],
    hash_type: int = SIGHASH_DEFAULT,
    *,
    annex: Optional[bytes] = None,
    leaf_hash: Optional[bytes] = None,
    codesep_pos: int = 0xFFFFFFFF,
) -> bytes:
    """BIP 341 signature message hash; ``spent_outputs`` = [(value, scriptPubKey)] of every input.

    Key path by default; pass ``leaf_hash`` (the tapleaf hash) for a BIP 342 script-path signature, ``annex``
    (starting 0x50) when the witness carries one, ``codesep_pos`` for the last executed OP_CODESEPARATOR.
    Raises HemiValueError for an undefined hash type or SIGHASH_SINGLE without a matching output (Core then
    fails the signature with "Invalid Schnorr signature hash type").
    """
    if hash_type not in _TAPROOT_HASH_TYPES:
        raise HemiValueError(f"invalid taproot sighash type {hash_type:#x}")
    if len(spent_outputs) != len(tx.vin):
        raise HemiValueError("taproot sighash needs the spent output of every input")
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range")
    out_type = SIGHASH_ALL if hash_type == SIGHASH_DEFAULT else hash_type & 3
    anyone_can_pay = bool(hash_type & SIGHASH_ANYONECANPAY)
    if out_type == SIGHASH_SINGLE and index >= len(tx.vout):
        raise HemiValueError("SIGHASH_SINGLE without a matching output")
    sha = hashlib.sha256
    parts = [b"\x00", bytes([hash_type]), struct.pack("<i", tx.nVersion), struct.pack("<I", tx.nLockTime)]
    if not anyone_can_pay:
        parts.append(sha(b"".join(txin.prevout.hash + struct.pack("<I", txin.prevout.n) for txin in tx.vin)).digest())
        parts.append(sha(b"".join(struct.pack("<q", v) for v, _ in spent_outputs)).digest())
        parts.append(sha(b"".join(_ser_string(s) for _, s in spent_outputs)).digest())
        parts.append(sha(b"".join(struct.pack("<I", txin.nSequence) for txin in tx.vin)).digest())
    if out_type == SIGHASH_ALL:
        parts.append(sha(b"".join(_ser_txout(o.nValue, bytes(o.scriptPubKey)) for o in tx.vout)).digest())
    parts.append(bytes([(2 if leaf_hash is not None else 0) + (1 if annex is not None else 0)]))
    if anyone_can_pay:
        txin = tx.vin[index]
        value, spk = spent_outputs[index]
        parts += [txin.prevout.hash, struct.pack("<I", txin.prevout.n), struct.pack("<q", value), _ser_string(spk),
                  struct.pack("<I", txin.nSequence)]
    else:
        parts.append(struct.pack("<I", index))
    if annex is not None:
        parts.append(sha(_ser_string(annex)).digest())
    if out_type == SIGHASH_SINGLE:
        o = tx.vout[index]
        parts.append(sha(_ser_txout(o.nValue, bytes(o.scriptPubKey))).digest())
    if leaf_hash is not None:
        parts += [leaf_hash, b"\x00", struct.pack("<I", codesep_pos)]
    return tagged_hash("TapSighash", b"".join(parts))
