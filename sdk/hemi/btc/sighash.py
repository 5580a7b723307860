"""Signature hashes for the three rule sets: legacy, BIP 143 (segwit v0) and BIP 341/342 (taproot key path and
tapscript).

All three are written here after bitcoin/bitcoin src/script/interpreter.cpp (``SignatureHash``,
``CTransactionSignatureSerializer``, ``SignatureHashSchnorr``): python-bitcoinlib's legacy hash fails on scripts
with a truncated push (which Core hashes), its BIP 143 one on nLockTime >= 2^31, and it has no BIP 341. Legacy keeps
Core's SIGHASH_SINGLE quirk: an input without a matching output signs the number 1.
"""

from __future__ import annotations

import hashlib
import struct
from collections.abc import Sequence

from bitcoin.core import CTransaction

from hemi.btc.keys import tagged_hash
from hemi.errors import HemiValueError

SIGHASH_DEFAULT = 0x00  # taproot only: ALL, with a 64-byte signature
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
_TAPROOT_HASH_TYPES = {0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83}


def _legacy_script_code(script: bytes) -> bytes:
    """Core's SerializeScriptCode: the script with every OP_CODESEPARATOR removed, its length counting the whole
    script less the separators; a truncated push ends the copy where parsing stopped."""
    pieces, start, pc, end, separators = [], 0, 0, len(script), 0
    while pc < end:
        op = script[pc]
        nxt = pc + 1
        if op <= 0x4E:
            width = {0x4C: 1, 0x4D: 2, 0x4E: 4}.get(op, 0)
            if end - nxt < width:
                pc = nxt
                break
            size = op if width == 0 else int.from_bytes(script[nxt:nxt + width], "little")
            nxt += width
            if end - nxt < size:
                pc = nxt
                break
            nxt += size
        elif op == 0xAB:
            separators += 1
            pieces.append(script[start:pc])
            start = nxt
        pc = nxt
    if start != end:
        pieces.append(script[start:pc])
    return _compact_size(len(script) - separators) + b"".join(pieces)


def _compact_size(n: int) -> bytes:
    if n < 0xFD:
        return bytes([n])
    if n <= 0xFFFF:
        return b"\xfd" + struct.pack("<H", n)
    if n <= 0xFFFFFFFF:
        return b"\xfe" + struct.pack("<I", n)
    return b"\xff" + struct.pack("<Q", n)


def legacy_sighash(script_code: bytes, tx: CTransaction, index: int, hash_type: int = SIGHASH_ALL) -> bytes:
    """Pre-segwit signature hash of input ``index`` (``hash_type``: the signature's last byte, or any int32 as
    Core's vectors use). Written after Core's ``CTransactionSignatureSerializer``, including its quirk: with
    SIGHASH_SINGLE and no output at ``index`` the hash is the number one."""
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range")
    hash_type &= 0xFFFFFFFF
    base = hash_type & 0x1F
    anyone_can_pay, single, none = bool(hash_type & 0x80), base == SIGHASH_SINGLE, base == SIGHASH_NONE
    if single and index >= len(tx.vout):
        return (1).to_bytes(32, "little")
    code = _legacy_script_code(bytes(script_code))
    inputs = [index] if anyone_can_pay else range(len(tx.vin))
    parts = [struct.pack("<i", tx.nVersion), _compact_size(len(inputs))]
    for i in inputs:
        txin = tx.vin[i]
        parts.append(txin.prevout.hash + struct.pack("<I", txin.prevout.n))
        parts.append(code if i == index else b"\x00")
        parts.append(struct.pack("<I", 0 if i != index and (single or none) else txin.nSequence))
    n_out = 0 if none else (index + 1 if single else len(tx.vout))
    parts.append(_compact_size(n_out))
    for o in range(n_out):
        if single and o != index:
            parts.append(struct.pack("<q", -1) + b"\x00")  # CTxOut(): value -1, empty script
        else:
            parts.append(_ser_txout(tx.vout[o].nValue, bytes(tx.vout[o].scriptPubKey)))
    parts.append(struct.pack("<I", tx.nLockTime) + struct.pack("<I", hash_type))
    return hashlib.sha256(hashlib.sha256(b"".join(parts)).digest()).digest()


def segwit_v0_sighash(
    script_code: bytes, tx: CTransaction, index: int, amount: int, hash_type: int = SIGHASH_ALL
) -> bytes:
    """BIP 143 signature hash of input ``index`` spending ``amount`` satoshis (Core's ``SignatureHash`` for
    SigVersion::WITNESS_V0; nLockTime and the hash type are serialized unsigned, as Core does)."""
    if not 0 <= index < len(tx.vin):
        raise HemiValueError(f"input index {index} out of range")
    hash_type &= 0xFFFFFFFF
    base, anyone_can_pay = hash_type & 0x1F, bool(hash_type & SIGHASH_ANYONECANPAY)
    sha256d = _sha256d
    zero = bytes(32)
    prevouts = zero if anyone_can_pay else sha256d(
        b"".join(i.prevout.hash + struct.pack("<I", i.prevout.n) for i in tx.vin))
    sequences = zero if anyone_can_pay or base in (SIGHASH_SINGLE, SIGHASH_NONE) else sha256d(
        b"".join(struct.pack("<I", i.nSequence) for i in tx.vin))
    if base not in (SIGHASH_SINGLE, SIGHASH_NONE):
        outputs = sha256d(b"".join(_ser_txout(o.nValue, bytes(o.scriptPubKey)) for o in tx.vout))
    elif base == SIGHASH_SINGLE and index < len(tx.vout):
        outputs = sha256d(_ser_txout(tx.vout[index].nValue, bytes(tx.vout[index].scriptPubKey)))
    else:
        outputs = zero
    txin = tx.vin[index]
    return sha256d(b"".join([
        struct.pack("<i", tx.nVersion), prevouts, sequences, txin.prevout.hash, struct.pack("<I", txin.prevout.n),
        _ser_string(bytes(script_code)), struct.pack("<q", amount), struct.pack("<I", txin.nSequence), outputs,
        struct.pack("<I", tx.nLockTime), struct.pack("<I", hash_type),
    ]))


def _sha256d(data: bytes) -> bytes:
    return hashlib.sha256(hashlib.sha256(data).digest()).digest()


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
    annex: bytes | None = None,
    leaf_hash: bytes | None = None,
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
