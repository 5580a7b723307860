"""Scripts and transactions as Bitcoin Core shows them: asm, output descriptors, scriptPubKey and tx objects.

:func:`script_asm` is Core's ScriptToAsmStr, :func:`descriptor_checksum` the BIP 380 checksum, and
:func:`script_pubkey_json` / :func:`tx_json` Core's ScriptToUniv / TxToUniv, field for field and in Core's order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import coincurve
from bitcoin.core import CTransaction

from hemi.btc import script as S
from hemi.btc.address import script_to_address
from hemi.btc.interpreter.encoding import is_valid_der  # Core's IsValidSignatureEncoding
from hemi.btc.tx import tx_hashes
from hemi.errors import HemiValueError
from hemi.types import Txid

from .encoding import btc_amount

_OP_NAMES_0x61 = (
    "OP_NOP OP_VER OP_IF OP_NOTIF OP_VERIF OP_VERNOTIF OP_ELSE OP_ENDIF OP_VERIFY OP_RETURN OP_TOALTSTACK "
    "OP_FROMALTSTACK OP_2DROP OP_2DUP OP_3DUP OP_2OVER OP_2ROT OP_2SWAP OP_IFDUP OP_DEPTH OP_DROP OP_DUP OP_NIP "
    "OP_OVER OP_PICK OP_ROLL OP_ROT OP_SWAP OP_TUCK OP_CAT OP_SUBSTR OP_LEFT OP_RIGHT OP_SIZE OP_INVERT OP_AND OP_OR "
    "OP_XOR OP_EQUAL OP_EQUALVERIFY OP_RESERVED1 OP_RESERVED2 OP_1ADD OP_1SUB OP_2MUL OP_2DIV OP_NEGATE OP_ABS OP_NOT "
    "OP_0NOTEQUAL OP_ADD OP_SUB OP_MUL OP_DIV OP_MOD OP_LSHIFT OP_RSHIFT OP_BOOLAND OP_BOOLOR OP_NUMEQUAL "
    "OP_NUMEQUALVERIFY OP_NUMNOTEQUAL OP_LESSTHAN OP_GREATERTHAN OP_LESSTHANOREQUAL OP_GREATERTHANOREQUAL OP_MIN "
    "OP_MAX OP_WITHIN OP_RIPEMD160 OP_SHA1 OP_SHA256 OP_HASH160 OP_HASH256 OP_CODESEPARATOR OP_CHECKSIG "
    "OP_CHECKSIGVERIFY OP_CHECKMULTISIG OP_CHECKMULTISIGVERIFY OP_NOP1 OP_CHECKLOCKTIMEVERIFY OP_CHECKSEQUENCEVERIFY "
    "OP_NOP4 OP_NOP5 OP_NOP6 OP_NOP7 OP_NOP8 OP_NOP9 OP_NOP10 OP_CHECKSIGADD"
).split()


def op_name(op: int) -> str:
    """Bitcoin Core's GetOpName: small ints as numbers, everything else ``OP_X`` (``OP_UNKNOWN`` if undefined)."""
    if op == 0x00:
        return "0"
    if op == 0x4F:
        return "-1"
    if 0x51 <= op <= 0x60:
        return str(op - 0x50)
    if 0x4C <= op <= 0x4E:
        return ("OP_PUSHDATA1", "OP_PUSHDATA2", "OP_PUSHDATA4")[op - 0x4C]
    if op == 0x50:
        return "OP_RESERVED"
    if 0x61 <= op < 0x61 + len(_OP_NAMES_0x61):
        return _OP_NAMES_0x61[op - 0x61]
    if op == 0xFF:
        return "OP_INVALIDOPCODE"
    return "OP_UNKNOWN"


def _script_ops(script: bytes) -> Iterable[tuple[int, bytes | None]]:
    """(opcode, pushed data or None) as Core's GetScriptOp reads them; raises ValueError on a truncated push."""
    i, n = 0, len(script)
    while i < n:
        op = script[i]
        i += 1
        if op > 0x4E:
            yield op, None
            continue
        if op < 0x4C:
            size = op
        else:
            width = {0x4C: 1, 0x4D: 2, 0x4E: 4}[op]
            if n - i < width:
                raise ValueError("truncated push length")
            size = int.from_bytes(script[i:i + width], "little")
            i += width
        if n - i < size:
            raise ValueError("truncated push")
        yield op, script[i:i + size]
        i += size


def _script_num(data: bytes) -> int:
    """CScriptNum of at most 4 bytes: little-endian sign-magnitude."""
    if not data:
        return 0
    value = int.from_bytes(data, "little")
    if data[-1] & 0x80:
        return -(value & ~(0x80 << (8 * (len(data) - 1))))
    return value


_SIGHASH_NAMES = {0x01: "ALL", 0x02: "NONE", 0x03: "SINGLE", 0x81: "ALL|ANYONECANPAY", 0x82: "NONE|ANYONECANPAY",
                  0x83: "SINGLE|ANYONECANPAY"}


def script_asm(script: bytes, *, sighash_decode: bool = False) -> str:
    """Bitcoin Core's ScriptToAsmStr: pushes of up to 4 bytes as numbers, longer ones as hex, opcodes by name.

    With ``sighash_decode`` (Core does it for scriptSigs) a push that is a DER signature shows its sighash type,
    ``3044...01`` becoming ``3044...[ALL]``. A truncated push ends the text with ``[error]``.
    """
    script = bytes(script)
    out: list[str] = []
    unspendable = (len(script) > 0 and script[0] == 0x6A) or len(script) > 10_000
    try:
        for op, data in _script_ops(script):
            if data is None:
                out.append(op_name(op))
            elif len(data) <= 4:
                out.append(str(_script_num(data)))
            elif sighash_decode and not unspendable and is_valid_der(data) and data[-1] in _SIGHASH_NAMES:
                out.append(data[:-1].hex() + f"[{_SIGHASH_NAMES[data[-1]]}]")
            else:
                out.append(data.hex())
    except ValueError:
        out.append("[error]")
    return " ".join(out)


_DESC_INPUT_CHARSET = ("0123456789()[],'/*abcdefgh@:$%{}"  # BIP 380: three groups of 32 symbols
                       "IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~"
                       "ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ")
_DESC_CHECKSUM_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_DESC_GENERATOR = (0xF5DEE51989, 0xA9FDCA3312, 0x1BAB10E32D, 0x3706B1677A, 0x644D626FFD)


def descriptor_checksum(desc: str) -> str:
    """``desc#checksum`` with the BIP 380 descriptor checksum (``raw(deadbeef)`` -> ``raw(deadbeef)#89f8spxm``)."""
    symbols: list[int] = []
    groups: list[int] = []
    for ch in desc:
        v = _DESC_INPUT_CHARSET.find(ch)
        if v < 0:
            raise HemiValueError(f"character {ch!r} cannot appear in a descriptor")
        symbols.append(v & 31)
        groups.append(v >> 5)
        if len(groups) == 3:
            symbols.append(groups[0] * 9 + groups[1] * 3 + groups[2])
            groups = []
    if len(groups) == 1:
        symbols.append(groups[0])
    elif len(groups) == 2:
        symbols.append(groups[0] * 3 + groups[1])
    chk = 1
    for value in symbols + [0] * 8:
        top = chk >> 35
        chk = ((chk & 0x7FFFFFFFF) << 5) ^ value
        for i in range(5):
            if (top >> i) & 1:
                chk ^= _DESC_GENERATOR[i]
    chk ^= 1
    return desc + "#" + "".join(_DESC_CHECKSUM_CHARSET[(chk >> (5 * (7 - i))) & 31] for i in range(8))


def _valid_pubkey(key: bytes) -> bool:
    try:
        coincurve.PublicKey(key)
        return True
    except Exception:  # noqa: BLE001 - coincurve raises ValueError or its own errors for a point off the curve
        return False


_ANCHOR_SCRIPT = bytes.fromhex("51024e73")  # pay-to-anchor (BIP 431's P2A); Core 28 calls it "anchor"


def script_type(spk: bytes) -> str:
    """The ``type`` Core gives a scriptPubKey: Solver's kind, or ``anchor`` for pay-to-anchor."""
    return "anchor" if spk == _ANCHOR_SCRIPT else S.solve(spk).kind


def _infer_descriptor(spk: bytes, kind: str, address: str | None) -> str:
    """What Core's InferDescriptor prints for a scriptPubKey with no keys known (the ``desc`` of an output)."""
    if kind == S.PUBKEY and _valid_pubkey(spk[1:-1]):
        return f"pk({spk[1:-1].hex()})"
    if kind == S.WITNESS_V1_TAPROOT and _valid_pubkey(b"\x02" + spk[2:]):
        return f"rawtr({spk[2:].hex()})"
    if kind == S.MULTISIG:
        try:
            ops = list(_script_ops(spk))
        except ValueError:
            ops = []
        keys = [d for _, d in ops[1:-2] if d is not None]
        if ops and len(keys) == len(ops) - 3 and all(_valid_pubkey(k) for k in keys):
            m = 0 if ops[0][0] == 0 else ops[0][0] - 0x50
            return f"multi({m}," + ",".join(k.hex() for k in keys) + ")"
    if address is not None:
        return f"addr({address})"
    return f"raw({spk.hex()})"


def script_pubkey_json(spk: bytes) -> dict[str, Any]:
    """Core's ScriptToUniv with hex and address: asm, desc, hex, address (when it has one), type."""
    spk = bytes(spk)
    kind = script_type(spk)
    address = script_to_address(spk) if kind not in (S.PUBKEY, S.MULTISIG) else None
    out: dict[str, Any] = {"asm": script_asm(spk), "desc": descriptor_checksum(_infer_descriptor(spk, kind, address)),
                           "hex": spk.hex()}
    if address is not None:
        out["address"] = address
    out["type"] = kind
    return out


class Prevout(NamedTuple):
    """What getblock verbosity 3 / getrawtransaction verbosity 2 show of a spent output."""

    generated: bool
    height: int
    value: int
    spk: bytes


def tx_json(tx: CTransaction, *, include_hex: bool, fee: int | None = None,
            prevouts: Sequence[Prevout | None] | None = None) -> dict[str, Any]:
    """Core's TxToUniv: txid, hash, version, size, vsize, weight, locktime, vin, vout, [fee], [hex]."""
    h = tx_hashes(tx)
    coinbase = len(tx.vin) == 1 and tx.vin[0].prevout.is_null()
    wits = tx.wit.vtxinwit if not tx.wit.is_null() else []
    vin = []
    for i, txin in enumerate(tx.vin):
        item: dict[str, Any]
        if coinbase:
            item = {"coinbase": bytes(txin.scriptSig).hex()}
        else:
            item = {"txid": str(Txid(txin.prevout.hash)), "vout": txin.prevout.n,
                    "scriptSig": {"asm": script_asm(bytes(txin.scriptSig), sighash_decode=True),
                                  "hex": bytes(txin.scriptSig).hex()}}
        stack = list(wits[i].scriptWitness.stack) if i < len(wits) else []
        if stack:
            item["txinwitness"] = [bytes(x).hex() for x in stack]
        prev = prevouts[i] if prevouts is not None and i < len(prevouts) else None
        if prev is not None:
            item["prevout"] = {"generated": prev.generated, "height": prev.height, "value": btc_amount(prev.value),
                               "scriptPubKey": script_pubkey_json(prev.spk)}
        item["sequence"] = txin.nSequence
        vin.append(item)
    vout = [{"value": btc_amount(o.nValue), "n": n, "scriptPubKey": script_pubkey_json(bytes(o.scriptPubKey))}
            for n, o in enumerate(tx.vout)]
    out: dict[str, Any] = {"txid": str(Txid(h.txid)), "hash": str(Txid(h.wtxid)), "version": tx.nVersion & 0xFFFFFFFF,
                           "size": h.size, "vsize": h.vsize, "weight": h.weight, "locktime": tx.nLockTime,
                           "vin": vin, "vout": vout}
    if fee is not None:
        out["fee"] = btc_amount(fee)
    if include_hex:
        out["hex"] = tx.serialize().hex()
    return out

