"""Signature hashes for the three rule sets: legacy, BIP 143 (segwit v0) and BIP 341 (taproot key path).

Legacy and BIP 143 come from python-bitcoinlib's ``SignatureHash``; BIP 341, which it lacks, is written here.
"""

from __future__ import annotations

import hashlib
import struct
from typing import Sequence

from bitcoin.core import CTransaction
from bitcoin.core.script import SIGVERSION_BASE, SIGVERSION_WITNESS_V0, CScript, SignatureHash

from hemi.btc.keys import tagged_hash
from hemi.errors import HemiValueError

SIGHASH_DEFAULT = 0x00  # taproot only: ALL, with a 64-byte signature
SIGHASH_ALL = 0x01
SIGHASH_NONE = 0x02
SIGHASH_SINGLE = 0x03
SIGHASH_ANYONECANPAY = 0x80
_TAPROOT_HASH_TYPES = {0x00, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83}


def legacy_sighash(script_code: bytes, tx: CTransaction, index: int, hash_type: int = SIGHASH_ALL) -> bytes:
    return SignatureHash(CScript(script_code), tx, index, hash_type, sigversion=SIGVERSION_BASE)


def segwit_v0_sighash(
    script_code: bytes, tx: CTransaction, index: int, amount: int, hash_type: int = SIGHASH_ALL
) -> bytes:
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
) -> bytes:
    """BIP 341 signature message hash for a key-path spend (no annex), ``spent_outputs`` = [(value, spk)] per input."""
    if hash_type not in _TAPROOT_HASH_TYPES:
        raise HemiValueError(f"invalid taproot sighash type {hash_type:#x}")
    if len(spent_outputs) != len(tx.vin):
        raise HemiValueError("taproot sighash needs the spent output of every input")
    out_type = SIGHASH_ALL if hash_type == SIGHASH_DEFAULT else hash_type & 3
    anyone_can_pay = bool(hash_type & SIGHASH_ANYONECANPAY)
    parts = [b"\x00", bytes([hash_type]), struct.pack("<i", tx.nVersion), struct.pack("<I", tx.nLockTime)]
    if not anyone_can_pay:
        sha = hashlib.sha256
        parts.append(sha(b"".join(txin.prevout.hash + struct.pack("<I", txin.prevout.n) for txin in tx.vin)).digest())
        parts.append(sha(b"".join(struct.pack("<q", v) for v, _ in spent_outputs)).digest())
        parts.append(sha(b"".join(_ser_string(s) for _, s in spent_outputs)).digest())
        parts.append(sha(b"".join(struct.pack("<I", txin.nSequence) for txin in tx.vin)).digest())
    if out_type == SIGHASH_ALL:
        parts.append(hashlib.sha256(b"".join(_ser_txout(o.nValue, bytes(o.scriptPubKey)) for o in tx.vout)).digest())
    parts.append(b"\x00")  # spend_type: key path, no annex
    if anyone_can_pay:
        txin = tx.vin[index]
        value, spk = spent_outputs[index]
        parts += [txin.prevout.hash, struct.pack("<I", txin.prevout.n), struct.pack("<q", value), _ser_string(spk),
                  struct.pack("<I", txin.nSequence)]
    else:
        parts.append(struct.pack("<I", index))
    if out_type == SIGHASH_SINGLE:
        if index >= len(tx.vout):
            raise HemiValueError("SIGHASH_SINGLE without a matching output")
        o = tx.vout[index]
        parts.append(hashlib.sha256(_ser_txout(o.nValue, bytes(o.scriptPubKey))).digest())
    return tagged_hash("TapSighash", b"".join(parts))
