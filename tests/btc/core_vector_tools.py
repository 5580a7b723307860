"""Readers for Bitcoin Core's JSON test vectors (tests/data/bitcoin-core/, copied from bitcoin/bitcoin v26.0):
the script assembler of src/core_read.cpp ``ParseScript`` and the crediting/spending transactions of
src/test/util/transaction_utils.cpp, so that the vectors run unmodified against ``hemi.btc.verify_input``.
"""

from __future__ import annotations

import json
from pathlib import Path

from bitcoin.core import (
    CMutableTransaction,
    COutPoint,
    CTransaction,
    CTxIn,
    CTxInWitness,
    CTxOut,
    CTxWitness,
)
from bitcoin.core.script import CScriptWitness

from hemi.btc.interpreter.scriptops import encode_num, push_data

DATA = Path(__file__).resolve().parent.parent / "data" / "bitcoin-core"

_NAMES = {
    "RESERVED": 0x50, "NOP": 0x61, "VER": 0x62, "IF": 0x63, "NOTIF": 0x64, "VERIF": 0x65, "VERNOTIF": 0x66,
    "ELSE": 0x67, "ENDIF": 0x68, "VERIFY": 0x69, "RETURN": 0x6A, "TOALTSTACK": 0x6B, "FROMALTSTACK": 0x6C,
    "2DROP": 0x6D, "2DUP": 0x6E, "3DUP": 0x6F, "2OVER": 0x70, "2ROT": 0x71, "2SWAP": 0x72, "IFDUP": 0x73,
    "DEPTH": 0x74, "DROP": 0x75, "DUP": 0x76, "NIP": 0x77, "OVER": 0x78, "PICK": 0x79, "ROLL": 0x7A, "ROT": 0x7B,
    "SWAP": 0x7C, "TUCK": 0x7D, "CAT": 0x7E, "SUBSTR": 0x7F, "LEFT": 0x80, "RIGHT": 0x81, "SIZE": 0x82,
    "INVERT": 0x83, "AND": 0x84, "OR": 0x85, "XOR": 0x86, "EQUAL": 0x87, "EQUALVERIFY": 0x88, "RESERVED1": 0x89,
    "RESERVED2": 0x8A, "1ADD": 0x8B, "1SUB": 0x8C, "2MUL": 0x8D, "2DIV": 0x8E, "NEGATE": 0x8F, "ABS": 0x90,
    "NOT": 0x91, "0NOTEQUAL": 0x92, "ADD": 0x93, "SUB": 0x94, "MUL": 0x95, "DIV": 0x96, "MOD": 0x97,
    "LSHIFT": 0x98, "RSHIFT": 0x99, "BOOLAND": 0x9A, "BOOLOR": 0x9B, "NUMEQUAL": 0x9C, "NUMEQUALVERIFY": 0x9D,
    "NUMNOTEQUAL": 0x9E, "LESSTHAN": 0x9F, "GREATERTHAN": 0xA0, "LESSTHANOREQUAL": 0xA1,
    "GREATERTHANOREQUAL": 0xA2, "MIN": 0xA3, "MAX": 0xA4, "WITHIN": 0xA5, "RIPEMD160": 0xA6, "SHA1": 0xA7,
    "SHA256": 0xA8, "HASH160": 0xA9, "HASH256": 0xAA, "CODESEPARATOR": 0xAB, "CHECKSIG": 0xAC,
    "CHECKSIGVERIFY": 0xAD, "CHECKMULTISIG": 0xAE, "CHECKMULTISIGVERIFY": 0xAF, "NOP1": 0xB0,
    "CHECKLOCKTIMEVERIFY": 0xB1, "CHECKSEQUENCEVERIFY": 0xB2, "NOP4": 0xB3, "NOP5": 0xB4, "NOP6": 0xB5,
    "NOP7": 0xB6, "NOP8": 0xB7, "NOP9": 0xB8, "NOP10": 0xB9, "CHECKSIGADD": 0xBA,
}
OPCODES = {**_NAMES, **{"OP_" + k: v for k, v in _NAMES.items()}}


def load(name: str) -> list:
    return json.loads((DATA / name).read_text())


def _push_number(n: int) -> bytes:
    if n == -1 or 1 <= n <= 16:
        return bytes([n + 0x50])
    if n == 0:
        return b"\x00"
    return push_data(encode_num(n))


def parse_script(asm: str) -> bytes:
    """Core's test assembler: decimal numbers, 0x-prefixed raw bytes, 'quoted' pushes, opcode names."""
    out = bytearray()
    for word in asm.split():
        if word.lstrip("-").isdigit() and (word[0] != "-" or len(word) > 1):
            out += _push_number(int(word))
        elif word.startswith("0x") and len(word) > 2:
            out += bytes.fromhex(word[2:])
        elif len(word) >= 2 and word[0] == "'" and word[-1] == "'":
            out += push_data(word[1:-1].encode())
        elif word in OPCODES:
            out.append(OPCODES[word])
        else:
            raise ValueError(f"script parse error: {word!r}")
    return bytes(out)


def crediting_tx(script_pubkey: bytes, value: int) -> CTransaction:
    """BuildCreditingTransaction: a coinbase-shaped tx paying ``value`` to ``script_pubkey``."""
    txin = CTxIn(COutPoint(), b"\x00\x00", 0xFFFFFFFF)
    return CTransaction([txin], [CTxOut(value, script_pubkey)], 0, 1)


def spending_tx(script_sig: bytes, witness: list[bytes], credit: CTransaction) -> CTransaction:
    """BuildSpendingTransaction: spends output 0 of ``credit`` to an empty script, version 1, locktime 0."""
    txin = CTxIn(COutPoint(credit.GetTxid(), 0), script_sig, 0xFFFFFFFF)
    tx = CMutableTransaction([txin], [CTxOut(credit.vout[0].nValue, b"")], 0, 1)
    tx.wit = CTxWitness([CTxInWitness(CScriptWitness(witness))])
    return CTransaction.from_tx(tx)
