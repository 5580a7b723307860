"""Block building in Bitcoin Core's test-framework vocabulary: create_coinbase, add_witness_commitment, solve.

Mining at regtest difficulty is just bumping the nonce until the header hash is under the target, which takes two
tries on average.
"""

from __future__ import annotations

import struct
from collections.abc import Sequence

from bitcoin.core import (
    CBlock,
    COutPoint,
    CTransaction,
    CTxIn,
    CTxInWitness,
    CTxOut,
    CTxWitness,
)
from bitcoin.core.script import CScript, CScriptWitness

from hemi.btc import params
from hemi.btc.merkle import merkle_root
from hemi.btc.script import op_return_script
from hemi.btc.tx import sha256d


def bits_to_target(bits: int) -> int:
    exponent, mantissa = bits >> 24, bits & 0x007FFFFF
    return mantissa << (8 * (exponent - 3)) if exponent > 3 else mantissa >> (8 * (3 - exponent))


def block_work(bits: int) -> int:
    """Expected hashes to find a block at ``bits`` (Bitcoin Core's GetBlockProof)."""
    return (1 << 256) // (bits_to_target(bits) + 1)


def coinbase_script_sig(height: int, extranonce: int = 0) -> bytes:
    """BIP 34: the scriptSig starts with the height; the extra nonce keeps it >= 2 bytes and separates branches."""
    return bytes(CScript([height, extranonce]))


def witness_commitment_script(wtxids: Sequence[bytes]) -> bytes:
    """BIP 141 commitment output script for a block whose txs (coinbase first) have these wtxids."""
    root = merkle_root([bytes(32), *wtxids[1:]])  # the coinbase's wtxid counts as zero
    return op_return_script(params.WITNESS_COMMITMENT_HEADER + sha256d(root + params.WITNESS_RESERVED_VALUE))


def create_coinbase(height: int, *, value: int, script_pubkey: bytes, wtxids: Sequence[bytes] = (),
                    extranonce: int = 0) -> CTransaction:
    """Coinbase paying ``value`` to ``script_pubkey`` with the BIP 141 commitment for the block's other wtxids."""
    commitment = witness_commitment_script([bytes(32), *wtxids])
    return CTransaction(
        [CTxIn(COutPoint(), CScript(coinbase_script_sig(height, extranonce)), 0xFFFFFFFF)],
        [CTxOut(value, CScript(script_pubkey)), CTxOut(0, CScript(commitment))],
        0,
        2,
        CTxWitness([CTxInWitness(CScriptWitness([params.WITNESS_RESERVED_VALUE]))]),
    )


def header_bytes(version: int, prev: bytes, merkle: bytes, time: int, bits: int, nonce: int) -> bytes:
    return struct.pack("<i32s32sIII", version, prev, merkle, time, bits, nonce)


def solve(version: int, prev: bytes, merkle: bytes, time: int, bits: int) -> tuple[int, bytes, bytes]:
    """(nonce, 80-byte header, block hash) with the hash under the target."""
    target = bits_to_target(bits)
    prefix = struct.pack("<i32s32sII", version, prev, merkle, time, bits)
    pack = struct.Struct("<I").pack
    nonce = 0
    while True:
        header = prefix + pack(nonce)
        h = sha256d(header)
        if int.from_bytes(h, "little") <= target:
            return nonce, header, h
        nonce += 1


def assemble_block(header: bytes, txs: Sequence[CTransaction]) -> CBlock:
    version, prev, merkle, time, bits, nonce = struct.unpack("<i32s32sIII", header)
    return CBlock(nVersion=version, hashPrevBlock=prev, hashMerkleRoot=merkle, nTime=time, nBits=bits,
                  nNonce=nonce, vtx=list(txs))
