"""Standard output scripts: builders and a classifier, in Bitcoin Core's vocabulary (``Solver`` types)."""

from __future__ import annotations

import hashlib
from typing import NamedTuple

from bitcoin.core.script import OP_0, OP_CHECKMULTISIG, OP_CHECKSIG, OP_RETURN, CScript

from hemi.btc.keys import hash160

# Output kinds (names as Bitcoin Core's TxoutType, lower-case).
PUBKEYHASH = "pubkeyhash"
SCRIPTHASH = "scripthash"
WITNESS_V0_KEYHASH = "witness_v0_keyhash"
WITNESS_V0_SCRIPTHASH = "witness_v0_scripthash"
WITNESS_V1_TAPROOT = "witness_v1_taproot"
WITNESS_UNKNOWN = "witness_unknown"
NULL_DATA = "nulldata"
PUBKEY = "pubkey"
MULTISIG = "multisig"
NONSTANDARD = "nonstandard"

STANDARD_KINDS = {PUBKEYHASH, SCRIPTHASH, WITNESS_V0_KEYHASH, WITNESS_V0_SCRIPTHASH, WITNESS_V1_TAPROOT,
                  WITNESS_UNKNOWN, NULL_DATA, PUBKEY, MULTISIG}


class Solved(NamedTuple):
    kind: str
    program: bytes  # the hash / key / witness program the script commits to ("" when none)


def p2pkh_script(pubkey_hash: bytes) -> bytes:
    return b"\x76\xa9\x14" + pubkey_hash + b"\x88\xac"


def p2sh_script(script_hash: bytes) -> bytes:
    return b"\xa9\x14" + script_hash + b"\x87"


def p2wpkh_script(pubkey_hash: bytes) -> bytes:
    return b"\x00\x14" + pubkey_hash


def p2wsh_script(witness_script: bytes) -> bytes:
    return b"\x00\x20" + hashlib.sha256(witness_script).digest()


def p2tr_script(output_key: bytes) -> bytes:
    return b"\x51\x20" + output_key


def p2sh_p2wpkh(pubkey_hash: bytes) -> tuple[bytes, bytes]:
    """(scriptPubKey, redeemScript) of a nested-segwit P2SH-P2WPKH output."""
    redeem = p2wpkh_script(pubkey_hash)
    return p2sh_script(hash160(redeem)), redeem


def single_key_witness_script(pubkey: bytes) -> bytes:
    """``<pubkey> OP_CHECKSIG``: the witness script the SDK's P2WSH wallet addresses use."""
    return bytes(CScript([pubkey, OP_CHECKSIG]))


def op_return_script(data: bytes) -> bytes:
    return bytes(CScript([OP_RETURN, data]))


def multisig_script(m: int, pubkeys: list[bytes]) -> bytes:
    return bytes(CScript([m, *pubkeys, len(pubkeys), OP_CHECKMULTISIG]))


def solve(spk: bytes) -> Solved:
    """Classify a scriptPubKey the way Bitcoin Core's ``Solver`` does (the subset relay policy needs)."""
    n = len(spk)
    if n == 25 and spk[:3] == b"\x76\xa9\x14" and spk[23:] == b"\x88\xac":
        return Solved(PUBKEYHASH, spk[3:23])
    if n == 23 and spk[:2] == b"\xa9\x14" and spk[22] == 0x87:
        return Solved(SCRIPTHASH, spk[2:22])
    if 4 <= n <= 42 and (spk[0] == 0 or 0x51 <= spk[0] <= 0x60) and spk[1] + 2 == n:
        version = 0 if spk[0] == 0 else spk[0] - 0x50
        program = spk[2:]
        if version == 0 and len(program) == 20:
            return Solved(WITNESS_V0_KEYHASH, program)
        if version == 0 and len(program) == 32:
            return Solved(WITNESS_V0_SCRIPTHASH, program)
        if version == 1 and len(program) == 32:
            return Solved(WITNESS_V1_TAPROOT, program)
        if version != 0:
            return Solved(WITNESS_UNKNOWN, program)
        return Solved(NONSTANDARD, b"")
    if n >= 1 and spk[0] == OP_RETURN:
        try:
            if CScript(spk[1:]).is_push_only():
                return Solved(NULL_DATA, spk[1:])
        except Exception:  # noqa: BLE001 - a truncated push is simply nonstandard
            pass
        return Solved(NONSTANDARD, b"")
    if (n == 35 and spk[0] == 33 and spk[34] == OP_CHECKSIG) or (n == 67 and spk[0] == 65 and spk[66] == OP_CHECKSIG):
        return Solved(PUBKEY, spk[1:-1])
    if n >= 37 and spk[-1] == OP_CHECKMULTISIG and _is_small_int(spk[0]) and _is_small_int(spk[-2]):
        return Solved(MULTISIG, b"")
    return Solved(NONSTANDARD, b"")


def _is_small_int(op: int) -> bool:
    return 0x51 <= op <= 0x60 or op == OP_0


def is_unspendable(spk: bytes) -> bool:
    """OP_RETURN outputs (and oversize scripts) never enter the UTXO set, as in Bitcoin Core."""
    return (len(spk) > 0 and spk[0] == OP_RETURN) or len(spk) > 10_000
