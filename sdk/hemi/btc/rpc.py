"""Bitcoin Core's JSON-RPC interface, served in-process over a :class:`~hemi.btc.chain.BitcoinChain`.

Bitcoin tools (python-bitcoinlib, bitcoin-cli style scripts, indexers) speak Bitcoin Core's JSON-RPC. This module
answers the subset they use, shaped as Bitcoin Core 28 answers it (field names and order, BTC amounts with 8
decimals, display-order hashes, Core's error codes and messages), without a network or a bitcoind:

- :class:`CoreRPC` maps a method name to a small adapter over the chain (one dispatch table, web3.py style);
  ``CoreRPC(btc).call("getblock", [hash, 2])`` returns JSON-compatible values, with BTC amounts as
  :class:`decimal.Decimal` of exactly 8 places (the type python-bitcoinlib parses them into), and raises only
  :class:`JSONRPCError`.
- :func:`handle_jsonrpc` turns a JSON-RPC request body (1.0/1.1/2.0, single or batch) into the response body,
  as Bitcoin Core's HTTP handler does; :func:`respond` also gives the HTTP status.
- :class:`InProcessConnection` is an ``http.client.HTTPConnection`` look-alike, so python-bitcoinlib's
  ``bitcoin.rpc.Proxy`` / ``RawProxy`` talk to the chain in-process: :func:`proxy` and :func:`raw_proxy`.

What differs from Bitcoin Core is stated where it happens; in short: no wallet RPCs, no P2P, the chain has a
transaction index (``-txindex=1``), no replace-by-fee, and wrong argument counts answer ``-32602``.
"""

from __future__ import annotations

import email.message
import http.client
import json
import re
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

from bitcoin.core import CBlock, CTransaction
from bitcoin.segwit_addr import bech32_hrp_expand, bech32_polymod, convertbits

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.address import address_to_script, script_to_address
from hemi.btc.blocktools import block_work
from hemi.btc.chain import BitcoinChain
from hemi.btc.models import Block, TxInfo
from hemi.btc.tx import decode_tx, tx_hashes
from hemi.errors import (
    BlockRejected,
    HemiError,
    HemiValueError,
    InvalidAddressError,
    InvalidHexError,
    ReorgError,
    TransactionRejected,
    UnknownBlockError,
    UnknownTransactionError,
)
from hemi.types import BlockHash, Txid

if TYPE_CHECKING:
    import bitcoin.rpc

__all__ = [
    "CoreRPC", "InProcessConnection", "InProcessResponse", "JSONRPCError", "RPCResponse", "SERVICE_URL", "dumps",
    "handle_jsonrpc", "proxy", "raw_proxy", "respond", "script_asm", "descriptor_checksum",
    "RPC_MISC_ERROR", "RPC_TYPE_ERROR", "RPC_INVALID_ADDRESS_OR_KEY", "RPC_INVALID_PARAMETER",
    "RPC_DESERIALIZATION_ERROR", "RPC_VERIFY_ERROR", "RPC_VERIFY_REJECTED", "RPC_VERIFY_ALREADY_IN_CHAIN",
    "RPC_INVALID_REQUEST", "RPC_METHOD_NOT_FOUND", "RPC_INVALID_PARAMS", "RPC_PARSE_ERROR",
]

# --- error codes (Bitcoin Core's rpc/protocol.h) ---------------------------------------------------------------------

RPC_INVALID_REQUEST = -32600
RPC_METHOD_NOT_FOUND = -32601
RPC_INVALID_PARAMS = -32602
RPC_INTERNAL_ERROR = -32603
RPC_PARSE_ERROR = -32700
RPC_MISC_ERROR = -1
RPC_TYPE_ERROR = -3
RPC_INVALID_ADDRESS_OR_KEY = -5
RPC_INVALID_PARAMETER = -8
RPC_DESERIALIZATION_ERROR = -22
RPC_VERIFY_ERROR = -25  # also RPC_TRANSACTION_ERROR
RPC_VERIFY_REJECTED = -26  # also RPC_TRANSACTION_REJECTED
RPC_VERIFY_ALREADY_IN_CHAIN = -27  # also RPC_VERIFY_ALREADY_IN_UTXO_SET

NO_SUCH_TX = "No such mempool or blockchain transaction. Use gettransaction for wallet transactions."
CORE_VERSION = 280000  # the Bitcoin Core release whose answers these are shaped after
SERVICE_URL = "http://hemi:hemi@127.0.0.1:18443"  # given to python-bitcoinlib so it never reads bitcoin.conf


class JSONRPCError(HemiError):
    """A JSON-RPC error as Bitcoin Core reports it: ``code`` (``RPC_*``) and ``message``."""

    def __init__(self, code: int, message: str) -> None:
        self.code = code
        self.message = message
        super().__init__(f"{message} (code {code})")

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message}


# --- JSON values -------------------------------------------------------------------------------------------------


def btc_amount(sats: int) -> Decimal:
    """Sats as BTC with exactly 8 decimals (Core's ValueFromAmount)."""
    sign = "-" if sats < 0 else ""
    whole, frac = divmod(abs(sats), params.COIN)
    return Decimal(f"{sign}{whole}.{frac:08d}")


def dumps(value: Any) -> str:
    """Compact JSON as Bitcoin Core writes it; a ``Decimal`` is written as a plain number (``50.00000000``)."""
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):  # UniValue writes doubles with 16 significant digits
        return "%.16g" % value if value == value and value not in (float("inf"), float("-inf")) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


def _json_type(value: Any) -> str:
    """UniValue's type names, used in Core's type-error messages."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, Decimal)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "array"
    if isinstance(value, Mapping):
        return "object"
    return type(value).__name__


# --- scripts: asm, descriptors, scriptPubKey objects ---------------------------------------------------------------

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


def _script_ops(script: bytes) -> Iterable[tuple[int, Optional[bytes]]]:
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


def _is_der_signature(sig: bytes) -> bool:
    """Bitcoin Core's IsValidSignatureEncoding (strict DER plus one sighash byte)."""
    n = len(sig)
    if n < 9 or n > 73 or sig[0] != 0x30 or sig[1] != n - 3:
        return False
    len_r = sig[3]
    if 5 + len_r >= n:
        return False
    len_s = sig[5 + len_r]
    if len_r + len_s + 7 != n or sig[2] != 0x02 or len_r == 0 or sig[4] & 0x80:
        return False
    if len_r > 1 and sig[4] == 0 and not sig[5] & 0x80:
        return False
    if sig[len_r + 4] != 0x02 or len_s == 0 or sig[len_r + 6] & 0x80:
        return False
    return not (len_s > 1 and sig[len_r + 6] == 0 and not sig[len_r + 7] & 0x80)


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
            elif sighash_decode and not unspendable and _is_der_signature(data) and data[-1] in _SIGHASH_NAMES:
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
    import coincurve

    try:
        coincurve.PublicKey(key)
        return True
    except Exception:  # noqa: BLE001 - coincurve raises ValueError or its own errors for a point off the curve
        return False


_ANCHOR_SCRIPT = bytes.fromhex("51024e73")  # pay-to-anchor (BIP 431's P2A); Core 28 calls it "anchor"


def _script_type(spk: bytes) -> str:
    return "anchor" if spk == _ANCHOR_SCRIPT else S.solve(spk).kind


def _infer_descriptor(spk: bytes, kind: str, address: Optional[str]) -> str:
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
    kind = _script_type(spk)
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


def tx_json(tx: CTransaction, *, include_hex: bool, fee: Optional[int] = None,
            prevouts: Optional[Sequence[Optional[Prevout]]] = None) -> dict[str, Any]:
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


def _difficulty(bits: int) -> float:
    """Core's GetDifficulty: the target of difficulty 1 over the block's target, as a double."""
    shift = (bits >> 24) & 0xFF
    diff = 0x0000FFFF / (bits & 0x00FFFFFF)
    while shift < 29:
        diff *= 256.0
        shift += 1
    while shift > 29:
        diff /= 256.0
        shift -= 1
    return diff


# --- addresses: validateaddress's answers ------------------------------------------------------------------------

_BECH32_CHARSET = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"
_BECH32M_CONST = 0x2BC830A3
_BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def _base58_decode(text: str) -> Optional[bytes]:
    if not text or any(c not in _BASE58_ALPHABET for c in text):
        return None
    n = 0
    for c in text:
        n = n * 58 + _BASE58_ALPHABET.index(c)
    body = n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b""
    return b"\x00" * (len(text) - len(text.lstrip("1"))) + body


def _address_error(addr: str) -> Optional[tuple[str, list[int]]]:
    """Core's DecodeDestination error text (and bech32 error positions) for an address it refuses; None if Core
    would accept it.

    Checksum errors of bech32 strings are reported without positions ("Invalid checksum"): Core locates up to two
    wrong characters with BCH syndromes, which this does not reproduce.
    """
    from bitcoin.core import Hash

    hrp_want = params.BECH32_HRP
    if addr[:len(hrp_want)].lower() != hrp_want:
        raw = _base58_decode(addr)
        if raw is not None and 4 < len(raw) <= 25 and Hash(raw[:-4])[:4] == raw[-4:]:
            if raw[0] in (params.P2PKH_VERSION, params.P2SH_VERSION):
                return "Invalid length for Base58 address (P2PKH or P2SH)", []
            return "Invalid or unsupported Base58-encoded address.", []
        if raw is not None and len(raw) <= 100:
            return "Invalid checksum or length of Base58 address (P2PKH or P2SH)", []
        return "Invalid or unsupported Segwit (Bech32) or Base58 encoding.", []
    if len(addr) > 90:
        return "Bech32 string too long", list(range(90, len(addr)))
    bad, lower, upper = [], False, False
    for i, c in enumerate(addr):
        if "a" <= c <= "z":
            if upper:
                bad.append(i)
            lower = True
        elif "A" <= c <= "Z":
            if lower:
                bad.append(i)
            upper = True
        elif not 33 <= ord(c) <= 126:
            bad.append(i)
    if bad:
        return "Invalid character or mixed case", bad
    pos = addr.rfind("1")
    if pos < 0:
        return "Missing separator", []
    if pos == 0 or pos + 6 >= len(addr):
        return "Invalid separator position", [pos]
    hrp = addr[:pos].lower()
    values = []
    for i in range(pos + 1, len(addr)):
        v = _BECH32_CHARSET.find(addr[i].lower())
        if v < 0:
            return "Invalid Base 32 character", [i]
        values.append(v)
    const = bech32_polymod(bech32_hrp_expand(hrp) + values)
    if const not in (1, _BECH32M_CONST):
        return "Invalid checksum", []
    data = values[:-6]
    if not data:
        return "Empty Bech32 data section", []
    if hrp != hrp_want:
        return f"Invalid or unsupported prefix for Segwit (Bech32) address (expected {hrp_want}, got {hrp}).", []
    version = data[0]
    if version == 0 and const != 1:
        return "Version 0 witness address must use Bech32 checksum", []
    if version != 0 and const != _BECH32M_CONST:
        return "Version 1+ witness address must use Bech32m checksum", []
    program = convertbits(data[1:], 5, 8, False)
    if program is None:
        return "Invalid padding in Bech32 data section", []
    unit = "byte" if len(program) == 1 else "bytes"
    if version == 0:
        if len(program) in (20, 32):
            return None
        return f"Invalid Bech32 v0 address program size ({len(program)} {unit}), per BIP141", []
    if version > 16:
        return "Invalid Bech32 address witness version", []
    if not 2 <= len(program) <= 40:
        return f"Invalid Bech32 address program size ({len(program)} {unit})", []
    return None


# --- parameters ----------------------------------------------------------------------------------------------------

_REQUIRED = object()


@dataclass(frozen=True)
class Arg:
    """One RPC parameter: ``name`` (``a|b`` for aliases, as Core), JSON ``kind``, and a default (or required).

    Kinds: ``str``, ``num``, ``bool``, ``arr``, ``obj`` are checked as Core's RPCHelpMan does (RPC_TYPE_ERROR);
    ``amount`` (number or string) and ``any`` are left to the adapter.
    """

    name: str
    kind: str
    default: Any = _REQUIRED

    @property
    def required(self) -> bool:
        return self.default is _REQUIRED

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.name.split("|"))


_EXPECTED = {"str": "string", "num": "number", "bool": "bool", "arr": "array", "obj": "object"}


@dataclass(frozen=True)
class _Method:
    name: str
    args: tuple[Arg, ...]
    fn: Callable[..., Any]

    @property
    def usage(self) -> str:
        return " ".join([self.name] + [a.name if a.required else f"( {a.name} )" for a in self.args])


_METHODS: dict[str, _Method] = {}


def _rpc(name: str, *args: Arg) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register an adapter ``fn(rpc, *params)`` for the RPC ``name`` in the dispatch table."""

    def register(fn: Callable[..., Any]) -> Callable[..., Any]:
        _METHODS[name] = _Method(name, args, fn)
        return fn

    return register


def _positional(method: _Method, params: Any) -> list[Any]:
    """Named (object) params to positions, as Core's transformNamedArguments."""
    if params is None:
        return []
    if isinstance(params, (list, tuple)):
        return list(params)
    if not isinstance(params, Mapping):
        raise JSONRPCError(RPC_INVALID_REQUEST, "Params must be an array or object")
    index = {n: i for i, a in enumerate(method.args) for n in a.names}
    out: list[Any] = []
    for key, value in params.items():
        if key not in index:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Unknown named parameter {key}")
        i = index[key]
        out.extend([None] * (i + 1 - len(out)))
        if out[i] is not None:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Parameter {key} specified multiple times")
        out[i] = value
    return out


def _bind(method: _Method, params: Any) -> list[Any]:
    """Check the count and JSON types of ``params`` and fill in defaults, raising Core's errors.

    Bitcoin Core answers a wrong argument count with RPC_MISC_ERROR and its help text; this answers
    RPC_INVALID_PARAMS (-32602, JSON-RPC's own code for it) with the usage line.
    """
    values = _positional(method, params)
    required = sum(1 for a in method.args if a.required)
    if not required <= len(values) <= len(method.args):
        raise JSONRPCError(RPC_INVALID_PARAMS,
                           f"{method.name} takes {required}..{len(method.args)} parameters, {len(values)} given. "
                           f"Usage: {method.usage}")
    mismatch = {}
    for i, (arg, value) in enumerate(zip(method.args, values)):
        expected = _EXPECTED.get(arg.kind)
        if expected is None or (value is None and not arg.required) or _json_type(value) == expected:
            continue
        mismatch[f"Position {i + 1} ({arg.name})"] = \
            f"JSON value of type {_json_type(value)} is not of expected type {expected}"
    if mismatch:
        raise JSONRPCError(RPC_TYPE_ERROR, f"Wrong type passed:\n{json.dumps(mismatch, indent=4)}")
    values += [None] * (len(method.args) - len(values))
    return [arg.default if value is None and not arg.required else value for arg, value in zip(method.args, values)]


def _int(value: Any) -> int:
    """UniValue's getInt<int>: a JSON integer in int32 range (a number like ``2.0`` is not one, as in Core)."""
    if _json_type(value) != "number":
        raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {_json_type(value)} is not of expected type number")
    if not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise JSONRPCError(RPC_MISC_ERROR, "JSON integer out of range")
    return value


def _verbosity(value: Any, default: int) -> int:
    """``verbosity|verbose``: a bool (false 0, true 1) or an int, as Core's getblock / getrawtransaction."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    return _int(value)


_HEX = re.compile(r"\A(?:[0-9a-fA-F]{2})+\Z")


def _hash(value: str, name: str) -> str:
    """Core's ParseHashV: 64 hex characters, else RPC_INVALID_PARAMETER naming the parameter."""
    if len(value) != 64:
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{name} must be of length 64 (not {len(value)}, for '{value}')")
    if not _HEX.match(value):
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{name} must be hexadecimal string (not '{value}')")
    return value.lower()


def _amount(value: Any) -> int:
    """Core's AmountFromValue: a number or numeric string of BTC with at most 8 decimals, in money range -> sats."""
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal, str)):
        raise JSONRPCError(RPC_TYPE_ERROR, "Amount is not a number or string")
    try:
        dec = Decimal(str(value)) if not isinstance(value, Decimal) else value
        sats = dec * params.COIN
        if not dec.is_finite() or sats != sats.to_integral_value():
            raise InvalidOperation
    except InvalidOperation:
        raise JSONRPCError(RPC_TYPE_ERROR, "Invalid amount") from None
    if not 0 <= sats <= params.MAX_MONEY:
        raise JSONRPCError(RPC_TYPE_ERROR, "Amount out of range")
    return int(sats)


def _fee_rate(value: Any) -> int:
    """Core's ParseFeeRate: BTC/kvB -> sat/kvB, refusing 1 BTC/kvB and above."""
    rate = _amount(value)
    if rate >= params.COIN:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Fee rates larger than or equal to 1BTC/kvB are not accepted")
    return rate


def _raw_tx(hexstr: str, message: str) -> tuple[CTransaction, bytes]:
    """Decode a transaction from strict hex (Core's DecodeHexTx); ``message`` is Core's -22 text for the RPC."""
    if not _HEX.match(hexstr):
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, message)
    try:
        return decode_tx(bytes.fromhex(hexstr))
    except InvalidHexError:
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, message) from None


# --- the dispatcher ------------------------------------------------------------------------------------------------


class CoreRPC:
    """Bitcoin Core's JSON-RPC methods over a :class:`BitcoinChain`: ``call(method, params)``.

    Results are JSON-compatible (BTC amounts as 8-place ``Decimal``; :func:`dumps` writes them as Core does);
    every failure is a :class:`JSONRPCError` with Core's code and message. Calls are serialized by a lock, so a
    threaded HTTP server may share one instance.
    """

    def __init__(self, chain: BitcoinChain) -> None:
        if not isinstance(chain, BitcoinChain):
            raise HemiValueError(f"CoreRPC serves a BitcoinChain, got {type(chain).__name__}")
        self.chain = chain
        self._lock = threading.RLock()
        self._block_sizes: dict[bytes, int] = {}

    @property
    def methods(self) -> list[str]:
        """The RPC methods served, sorted."""
        return sorted(_METHODS)

    def call(self, method: str, params: Union[Sequence[Any], Mapping[str, Any], None] = None) -> Any:
        """Run RPC ``method`` with positional (list) or named (dict) ``params``; raises only ``JSONRPCError``."""
        spec = _METHODS.get(method) if isinstance(method, str) else None
        if spec is None:
            raise JSONRPCError(RPC_METHOD_NOT_FOUND, "Method not found")
        with self._lock:
            try:
                return spec.fn(self, *_bind(spec, params))
            except JSONRPCError:
                raise
            except Exception as err:  # noqa: BLE001 - the boundary: nothing but JSONRPCError leaves
                raise _to_rpc_error(err) from err

    def __repr__(self) -> str:
        return f"<CoreRPC over {self.chain!r}>"

    # ------------------------------------------------------------------ helpers the adapters share

    def block(self, hexhash: str) -> Block:
        try:
            return self.chain.block(BlockHash(hexhash))
        except UnknownBlockError:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found") from None

    def header_json(self, block: Block) -> dict[str, Any]:
        """Core's blockheaderToJSON."""
        chain, hdr = self.chain, block.header
        out: dict[str, Any] = {
            "hash": str(hdr.hash),
            "confirmations": block.confirmations,
            "height": hdr.height,
            "version": hdr.version,
            "versionHex": f"{hdr.version & 0xFFFFFFFF:08x}",
            "merkleroot": hdr.merkle_root[::-1].hex(),
            "time": hdr.time,
            "mediantime": chain.median_time_past(hdr.hash),
            "nonce": hdr.nonce,
            "bits": f"{hdr.bits:08x}",
            "difficulty": _difficulty(hdr.bits),
            "chainwork": self.chainwork(hdr.height, hdr.bits),
            "nTx": len(block.txids),
        }
        if hdr.height > 0:
            out["previousblockhash"] = str(hdr.prev_hash)
        if block.confirmations > 1:
            out["nextblockhash"] = str(chain.block_hash(hdr.height + 1))
        return out

    @staticmethod
    def chainwork(height: int, bits: int) -> str:
        """Total work up to a block, as 64 hex digits. Regtest has one fixed target (the chain refuses blocks with
        other bits, genesis included), so it is the work of one block times the number of blocks."""
        return f"{(height + 1) * block_work(bits):064x}"

    def prevouts(self, tx: CTransaction) -> list[Optional[Prevout]]:
        """The outputs ``tx`` spends, from the transaction index (None where the spent tx is unknown)."""
        out: list[Optional[Prevout]] = []
        for txin in tx.vin:
            try:
                src = self.chain.tx(Txid(txin.prevout.hash))
            except UnknownTransactionError:
                out.append(None)
                continue
            if src.height is None or txin.prevout.n >= len(src.tx.vout):
                out.append(None)
                continue
            o = src.tx.vout[txin.prevout.n]
            out.append(Prevout(src.position == 0, src.height, o.nValue, bytes(o.scriptPubKey)))
        return out

    def block_size(self, bhash: BlockHash) -> int:
        key = bytes(bhash)
        size = self._block_sizes.get(key)
        if size is None:
            size = self._block_sizes[key] = len(self.chain.block(bhash).serialize())
        return size


def _to_rpc_error(err: Exception) -> JSONRPCError:
    """Map an SDK error that reached the boundary to Core's code (the adapters map the expected ones first)."""
    if isinstance(err, UnknownBlockError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Block not found")
    if isinstance(err, UnknownTransactionError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, NO_SUCH_TX)
    if isinstance(err, InvalidAddressError):
        return JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address")
    if isinstance(err, TransactionRejected):
        return JSONRPCError(RPC_VERIFY_REJECTED, _reject_text(err))
    if isinstance(err, BlockRejected):
        return JSONRPCError(RPC_VERIFY_ERROR, str(err))
    if isinstance(err, InvalidHexError):
        return JSONRPCError(RPC_DESERIALIZATION_ERROR, str(err))
    if isinstance(err, (HemiValueError, ReorgError)):
        return JSONRPCError(RPC_INVALID_PARAMETER, str(err))
    return JSONRPCError(RPC_MISC_ERROR, f"{type(err).__name__}: {err}" if not isinstance(err, HemiError) else str(err))


def _reject_text(err: TransactionRejected) -> str:
    """Core's ValidationState::ToString: ``reason`` or ``reason, debug message``."""
    if err.reason == "mandatory-script-verify-flag-failed" and err.detail:
        return f"{err.reason} ({err.detail.rsplit(', input ', 1)[0]})"  # Core puts the script error in the reason
    return f"{err.reason}, {err.detail}" if err.detail else err.reason


# --- adapters: blockchain ------------------------------------------------------------------------------------------


@_rpc("getblockcount")
def _getblockcount(rpc: CoreRPC) -> int:
    return rpc.chain.height


@_rpc("getbestblockhash")
def _getbestblockhash(rpc: CoreRPC) -> str:
    return str(rpc.chain.tip)


@_rpc("getblockhash", Arg("height", "num"))
def _getblockhash(rpc: CoreRPC, height: Any) -> str:
    h = _int(height)
    if not 0 <= h <= rpc.chain.height:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Block height out of range")
    return str(rpc.chain.block_hash(h))


@_rpc("getblockheader", Arg("blockhash", "str"), Arg("verbose", "bool", True))
def _getblockheader(rpc: CoreRPC, blockhash: str, verbose: bool) -> Any:
    block = rpc.block(_hash(blockhash, "hash"))
    return rpc.header_json(block) if verbose else block.header.raw.hex()


@_rpc("getblock", Arg("blockhash", "str"), Arg("verbosity|verbose", "any", 1))
def _getblock(rpc: CoreRPC, blockhash: str, verbosity: Any) -> Any:
    level = _verbosity(verbosity, 1)
    block = rpc.block(_hash(blockhash, "blockhash"))
    if level <= 0:
        return block.serialize().hex()
    out = rpc.header_json(block)
    stripped = len(block.cblock.serialize({"include_witness": False}))
    size = len(block.serialize())
    out.update(strippedsize=stripped, size=size, weight=stripped * 3 + size)
    if level == 1:
        out["tx"] = [str(t) for t in block.txids]
        return out
    txs = []
    for pos, tx in enumerate(block.cblock.vtx):
        info = _confirmed_in(rpc.chain, block.txids[pos], block.hash) if pos > 0 else None
        fee = info.fee if info is not None else None  # undo data exists for blocks of the active chain
        prevouts = rpc.prevouts(tx) if level >= 3 and info is not None else None
        txs.append(tx_json(tx, include_hex=True, fee=fee, prevouts=prevouts))
    out["tx"] = txs
    return out


def _confirmed_in(chain: BitcoinChain, txid: Txid, block_hash: BlockHash) -> Optional[TxInfo]:
    try:
        info = chain.tx(txid)
    except UnknownTransactionError:
        return None
    return info if info.block_hash == block_hash else None


@_rpc("getblockchaininfo")
def _getblockchaininfo(rpc: CoreRPC) -> dict[str, Any]:
    chain = rpc.chain
    tip = chain.header()
    headers = max((t.height for t in chain.chain_tips() if t.status != "invalid"), default=chain.height)
    return {
        "chain": "regtest",
        "blocks": chain.height,
        "headers": headers,
        "bestblockhash": str(tip.hash),
        "difficulty": _difficulty(tip.bits),
        "time": tip.time,
        "mediantime": chain.median_time_past(),
        "verificationprogress": 1,
        "initialblockdownload": False,  # the simulated clock is always "now": a regtest node out of IBD
        "chainwork": rpc.chainwork(tip.height, tip.bits),
        "size_on_disk": sum(rpc.block_size(chain.block_hash(h)) + 8 for h in range(chain.height + 1)),
        "pruned": False,
        "warnings": [],
    }


@_rpc("getdifficulty")
def _getdifficulty(rpc: CoreRPC) -> float:
    return _difficulty(rpc.chain.header().bits)


@_rpc("getchaintips")
def _getchaintips(rpc: CoreRPC) -> list[dict[str, Any]]:
    chain = rpc.chain
    tips = [{"height": t.height, "hash": str(t.hash), "branchlen": t.branchlen, "status": t.status}
            for t in chain.chain_tips()]
    if not any(t["status"] == "active" for t in tips):
        # Core always reports the active tip; BitcoinChain.chain_tips() lists only leaves of the block tree and so
        # leaves it out once it has (invalid) descendants, as after invalidateblock.
        tips.append({"height": chain.height, "hash": str(chain.tip), "branchlen": 0, "status": "active"})
        tips.sort(key=lambda t: -t["height"])
    return tips


@_rpc("invalidateblock", Arg("blockhash", "str"))
def _invalidateblock(rpc: CoreRPC, blockhash: str) -> None:
    block = rpc.block(_hash(blockhash, "blockhash"))
    try:
        rpc.chain.invalidate_block(block.hash)
    except ReorgError as err:
        raise JSONRPCError(RPC_MISC_ERROR, str(err)) from None


@_rpc("reconsiderblock", Arg("blockhash", "str"))
def _reconsiderblock(rpc: CoreRPC, blockhash: str) -> None:
    block = rpc.block(_hash(blockhash, "blockhash"))
    try:
        rpc.chain.reconsider_block(block.hash)
    except BlockRejected:
        pass  # as Core: the block stays invalid, the call itself succeeds


@_rpc("gettxout", Arg("txid", "str"), Arg("n", "num"), Arg("include_mempool", "bool", True))
def _gettxout(rpc: CoreRPC, txid: str, n: Any, include_mempool: bool) -> Optional[dict[str, Any]]:
    txid = _hash(txid, "txid")
    vout = _int(n)
    if vout < 0:
        return None
    utxo = rpc.chain.get_txout(Txid(txid), vout, include_mempool=include_mempool)
    if utxo is None:
        return None
    return {"bestblock": str(rpc.chain.tip), "confirmations": utxo.confirmations, "value": btc_amount(utxo.value),
            "scriptPubKey": script_pubkey_json(utxo.script_pubkey), "coinbase": utxo.coinbase}


@_rpc("submitblock", Arg("hexdata", "str"), Arg("dummy", "any", None))
def _submitblock(rpc: CoreRPC, hexdata: str, dummy: Any) -> Optional[str]:
    if not _HEX.match(hexdata):
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block decode failed")
    try:
        cblock = CBlock.deserialize(bytes.fromhex(hexdata))
    except Exception:  # noqa: BLE001 - python-bitcoinlib raises assorted errors on garbage
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block decode failed") from None
    if not cblock.vtx or not cblock.vtx[0].is_coinbase():
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, "Block does not start with a coinbase")
    try:
        result = rpc.chain.submit_block(cblock)
    except BlockRejected as err:
        return err.reason
    if result is not None:
        return result  # "duplicate" / "duplicate-invalid"
    return None if rpc.chain.block(BlockHash(cblock.GetHash())).in_active_chain else "inconclusive"


# --- adapters: transactions and mempool ------------------------------------------------------------------------------


@_rpc("getrawtransaction", Arg("txid", "str"), Arg("verbosity|verbose", "any", 0), Arg("blockhash", "str", None))
def _getrawtransaction(rpc: CoreRPC, txid: str, verbosity: Any, blockhash: Optional[str]) -> Any:
    chain = rpc.chain
    key = Txid(_hash(txid, "parameter 1"))
    level = _verbosity(verbosity, 0)
    out: dict[str, Any] = {}
    if blockhash is not None:
        block = rpc.block(_hash(blockhash, "parameter 3"))
        if key not in block.txids:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY,
                               "No such transaction found in the provided block. Use gettransaction for wallet "
                               "transactions.")
        tx = block.cblock.vtx[block.txids.index(key)]
        out["in_active_chain"] = block.in_active_chain
        where: Optional[Block] = block
        info = _confirmed_in(chain, key, block.hash)
    else:
        if bytes(key) == bytes(params.GENESIS_BLOCK.hashMerkleRoot):
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY,
                               "The genesis block coinbase is not considered an ordinary transaction and cannot be "
                               "retrieved")
        try:
            info = chain.tx(key)
        except UnknownTransactionError:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, NO_SUCH_TX) from None
        tx = info.tx
        where = chain.block(info.block_hash) if info.block_hash is not None else None
    if level <= 0:
        return tx.serialize().hex()
    with_undo = level >= 2 and info is not None and info.position not in (None, 0)
    out.update(tx_json(tx, include_hex=True, fee=info.fee if with_undo else None,  # type: ignore[union-attr]
                       prevouts=rpc.prevouts(tx) if with_undo else None))
    if where is not None:
        out["blockhash"] = str(where.hash)
        if where.in_active_chain:
            out["confirmations"] = where.confirmations
            out["time"] = where.header.time
            out["blocktime"] = where.header.time
        else:
            out["confirmations"] = 0
    return out


@_rpc("decoderawtransaction", Arg("hexstring", "str"), Arg("iswitness", "bool", None))
def _decoderawtransaction(rpc: CoreRPC, hexstring: str, iswitness: Optional[bool]) -> dict[str, Any]:
    tx, _raw = _raw_tx(hexstring, "TX decode failed")  # iswitness is accepted; the serialization says which it is
    return tx_json(tx, include_hex=False)


@_rpc("sendrawtransaction", Arg("hexstring", "str"), Arg("maxfeerate", "amount", Decimal("0.10")),
      Arg("maxburnamount", "amount", Decimal(0)))
def _sendrawtransaction(rpc: CoreRPC, hexstring: str, maxfeerate: Any, maxburnamount: Any) -> str:
    chain = rpc.chain
    tx, raw = _raw_tx(hexstring, "TX decode failed. Make sure the tx has at least one input.")
    max_rate = _fee_rate(maxfeerate)
    max_burn = _amount(maxburnamount)
    for out in tx.vout:
        if S.is_unspendable(bytes(out.scriptPubKey)) and out.nValue > max_burn:
            raise JSONRPCError(RPC_VERIFY_ERROR, "Unspendable output exceeds maximum configured by user "
                                                 "(maxburnamount)")
    txid = Txid(tx_hashes(tx, raw).txid)
    # Core's BroadcastTransaction: outputs in the UTXO set mean the tx is confirmed; a tx already in the mempool is
    # simply announced again and its txid returned.
    if any(chain.get_txout(txid, n, include_mempool=False) is not None for n in range(len(tx.vout))):
        raise JSONRPCError(RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set")
    if txid in chain.mempool:
        return str(txid)
    try:
        return str(chain.send_raw(raw, max_fee_rate=max_rate))
    except TransactionRejected as err:
        if err.reason == "max-fee-exceeded":
            raise JSONRPCError(RPC_VERIFY_ERROR,
                               "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)") from None
        if err.reason in ("bad-txns-inputs-missingorspent", "txn-already-known"):
            raise JSONRPCError(RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent") from None
        raise JSONRPCError(RPC_VERIFY_REJECTED, _reject_text(err)) from None


@_rpc("testmempoolaccept", Arg("rawtxs", "arr"), Arg("maxfeerate", "amount", Decimal("0.10")))
def _testmempoolaccept(rpc: CoreRPC, rawtxs: list, maxfeerate: Any) -> list[dict[str, Any]]:
    """Each tx is tried in order on a snapshot that is then reverted, so a package (child after parent) works.

    The chain's ``test_accept`` gives the reason only as text and no fee or vsize; a snapshot round trip gives the
    real ``TransactionRejected`` and the mempool entry. Subscribers of the chain see one (no-op) revert notice.
    """
    chain = rpc.chain
    max_rate = _fee_rate(maxfeerate)
    if not 1 <= len(rawtxs) <= 25:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Array must contain between 1 and 25 transactions.")
    decoded = []
    for item in rawtxs:
        if not isinstance(item, str):
            raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {_json_type(item)} is not of expected type string")
        decoded.append(_raw_tx(item, f"TX decode failed: {item} Make sure the tx has at least one input."))
    results = []
    done = False
    with chain.anchor():
        for tx, raw in decoded:
            h = tx_hashes(tx, raw)
            res: dict[str, Any] = {"txid": str(Txid(h.txid)), "wtxid": str(Txid(h.wtxid))}
            results.append(res)
            if done:
                continue
            try:
                chain.send_raw(raw, max_fee_rate=0)
            except TransactionRejected as err:
                reason = "missing-inputs" if err.reason == "bad-txns-inputs-missingorspent" else err.reason
                res.update({"allowed": False, "reject-reason": reason})
                done = True
                continue
            entry = chain.mempool.get(Txid(h.txid))
            assert entry is not None
            if max_rate and entry.fee * 1000 > max_rate * entry.vsize:
                res.update({"allowed": False, "reject-reason": "max-fee-exceeded"})
                done = True
                continue
            res.update({"allowed": True, "vsize": entry.vsize,
                        "fees": {"base": btc_amount(entry.fee),
                                 "effective-feerate": btc_amount(entry.fee * 1000 // entry.vsize),
                                 "effective-includes": [str(entry.wtxid)]}})
    return results


def _mempool_graph(rpc: CoreRPC) -> tuple[dict[Txid, Any], dict[Txid, set[Txid]], dict[Txid, set[Txid]]]:
    """Mempool entries by txid, with in-mempool parents and children of each."""
    entries = {e.txid: e for e in rpc.chain.mempool}
    parents: dict[Txid, set[Txid]] = {t: set() for t in entries}
    children: dict[Txid, set[Txid]] = {t: set() for t in entries}
    for t, e in entries.items():
        for txin in e.tx.vin:
            p = Txid(txin.prevout.hash)
            if p in entries:
                parents[t].add(p)
                children[p].add(t)
    return entries, parents, children


def _closure(start: Txid, edges: dict[Txid, set[Txid]]) -> set[Txid]:
    seen: set[Txid] = set()
    stack = list(edges[start])
    while stack:
        t = stack.pop()
        if t not in seen:
            seen.add(t)
            stack.extend(edges[t])
    return seen


@_rpc("getrawmempool", Arg("verbose", "bool", False), Arg("mempool_sequence", "bool", False))
def _getrawmempool(rpc: CoreRPC, verbose: bool, mempool_sequence: bool) -> Any:
    if mempool_sequence:
        if verbose:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Verbose results cannot contain mempool sequence values.")
        raise JSONRPCError(RPC_INVALID_PARAMETER, "mempool_sequence is not kept by the embedded chain")
    if not verbose:
        return [str(t) for t in rpc.chain.mempool.txids]
    entries, parents, children = _mempool_graph(rpc)
    tip = rpc.chain.header()
    out = {}
    for t, e in entries.items():
        anc, desc = _closure(t, parents), _closure(t, children)
        fee = btc_amount(e.fee)
        replaceable = any(txin.nSequence < 0xFFFFFFFE for a in anc | {t} for txin in entries[a].tx.vin)
        out[str(t)] = {
            "vsize": e.vsize, "weight": e.weight,
            "time": tip.time, "height": tip.height,  # entry time/height are not recorded; the tip's are given
            "descendantcount": len(desc) + 1, "descendantsize": e.vsize + sum(entries[d].vsize for d in desc),
            "ancestorcount": len(anc) + 1, "ancestorsize": e.vsize + sum(entries[a].vsize for a in anc),
            "wtxid": str(e.wtxid),
            "fees": {"base": fee, "modified": fee,
                     "ancestor": btc_amount(e.fee + sum(entries[a].fee for a in anc)),
                     "descendant": btc_amount(e.fee + sum(entries[d].fee for d in desc))},
            "depends": sorted(str(p) for p in parents[t]),
            "spentby": sorted(str(c) for c in children[t]),
            "bip125-replaceable": replaceable,
            "unbroadcast": False,
        }
    return out


@_rpc("getmempoolentry", Arg("txid", "str"))
def _getmempoolentry(rpc: CoreRPC, txid: str) -> dict[str, Any]:
    key = _hash(txid, "parameter 1")
    if Txid(key) not in rpc.chain.mempool:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool")
    return _getrawmempool(rpc, True, False)[key]


@_rpc("getmempoolinfo")
def _getmempoolinfo(rpc: CoreRPC) -> dict[str, Any]:
    entries = list(rpc.chain.mempool)
    relay = btc_amount(params.MIN_RELAY_FEE)
    return {
        "loaded": True,
        "size": len(entries),
        "bytes": sum(e.vsize for e in entries),
        "usage": sum(e.weight for e in entries),  # an estimate: the chain does not measure its memory
        "total_fee": btc_amount(sum(e.fee for e in entries)),
        "maxmempool": 300_000_000,
        "mempoolminfee": relay,
        "minrelaytxfee": relay,
        "incrementalrelayfee": relay,
        "unbroadcastcount": 0,
        "fullrbf": False,  # the chain refuses every conflicting spend (no replacement)
    }


# --- adapters: mining, network, utilities --------------------------------------------------------------------------


def _payout_script(address: str, message: str) -> bytes:
    try:
        return address_to_script(address)
    except InvalidAddressError:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, message) from None


@_rpc("generatetoaddress", Arg("nblocks", "num"), Arg("address", "str"), Arg("maxtries", "num", 1_000_000))
def _generatetoaddress(rpc: CoreRPC, nblocks: Any, address: str, maxtries: Any) -> list[str]:
    n = _int(nblocks)
    _int(maxtries)
    spk = _payout_script(address, "Error: Invalid address")
    return [str(h) for h in rpc.chain.mine(max(0, n), to=spk)]


@_rpc("generateblock", Arg("output", "str"), Arg("transactions", "arr"), Arg("submit", "bool", True))
def _generateblock(rpc: CoreRPC, output: str, transactions: list, submit: bool) -> dict[str, Any]:
    chain = rpc.chain
    spk = _payout_script(output, "Error: Invalid address or descriptor")
    txs: list[Any] = []
    for item in transactions:
        if not isinstance(item, str):
            raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {_json_type(item)} is not of expected type string")
        if len(item) == 64 and _HEX.match(item):
            if Txid(item) not in chain.mempool:
                raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Transaction {item} not in mempool.")
            txs.append(Txid(item))
        else:
            tx, raw = _raw_tx(item, f"Transaction decode failed for {item}. Make sure the tx has at least one input.")
            txs.append(raw)

    def mine() -> BlockHash:
        try:
            return chain.mine(1, to=spk, txs=txs)[0]
        except (TransactionRejected, BlockRejected) as err:
            raise JSONRPCError(RPC_VERIFY_ERROR, f"TestBlockValidity failed: {err.reason}") from None

    if submit:
        return {"hash": str(mine())}
    with chain.anchor():  # build the block, keep its bytes, leave the chain as it was
        h = mine()
        return {"hash": str(h), "hex": chain.block(h).serialize().hex()}


@_rpc("estimatesmartfee", Arg("conf_target", "num"), Arg("estimate_mode", "str", "economical"))
def _estimatesmartfee(rpc: CoreRPC, conf_target: Any, estimate_mode: str) -> dict[str, Any]:
    target = _int(conf_target)
    if not 1 <= target <= 1008:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 and 1008")
    if estimate_mode.lower() not in ("unset", "economical", "conservative"):
        raise JSONRPCError(RPC_INVALID_PARAMETER, 'Invalid estimate_mode parameter, must be one of: "unset", '
                                                  '"economical", "conservative"')
    return {"errors": ["Insufficient data or no feerate found"], "blocks": 0}  # as a fresh regtest node answers


@_rpc("getnetworkinfo")
def _getnetworkinfo(rpc: CoreRPC) -> dict[str, Any]:
    relay = btc_amount(params.MIN_RELAY_FEE)
    return {
        "version": CORE_VERSION,
        "subversion": "/Satoshi:28.0.0(hemi-sdk)/",
        "protocolversion": 70016,
        "localservices": "0000000000000409",
        "localservicesnames": ["NETWORK", "WITNESS", "NETWORK_LIMITED"],
        "localrelay": True,
        "timeoffset": 0,
        "networkactive": True,
        "connections": 0,
        "connections_in": 0,
        "connections_out": 0,
        "networks": [],
        "relayfee": relay,
        "incrementalfee": relay,
        "localaddresses": [],
        "warnings": [],
    }


@_rpc("validateaddress", Arg("address", "str"))
def _validateaddress(rpc: CoreRPC, address: str) -> dict[str, Any]:
    try:
        spk = address_to_script(address)
    except InvalidAddressError as err:
        message, locations = _address_error(address) or (str(err), [])
        return {"isvalid": False, "error_locations": locations, "error": message}
    kind = _script_type(spk)
    out: dict[str, Any] = {"isvalid": True, "address": script_to_address(spk), "scriptPubKey": spk.hex()}
    if kind in (S.PUBKEYHASH, S.SCRIPTHASH):
        out.update(isscript=kind == S.SCRIPTHASH, iswitness=False)
    elif kind in (S.WITNESS_V0_KEYHASH, S.WITNESS_V0_SCRIPTHASH, S.WITNESS_V1_TAPROOT, "anchor"):
        out.update(isscript=kind != S.WITNESS_V0_KEYHASH, iswitness=True,
                   witness_version=0 if spk[0] == 0 else spk[0] - 0x50, witness_program=spk[2:].hex())
    else:  # witness_unknown
        out.update(iswitness=True, witness_version=spk[0] - 0x50, witness_program=spk[2:].hex())
    return out


# --- JSON-RPC over HTTP bodies ---------------------------------------------------------------------------------------


class RPCResponse(NamedTuple):
    """An HTTP answer to a JSON-RPC POST: status and body (empty for 204)."""

    status: int
    body: bytes


def _reply(result: Any, error: Optional[JSONRPCError], id_: Any, *, v2: bool, has_id: bool) -> dict[str, Any]:
    """Core's JSONRPCReplyObj: 1.x always has result and error; 2.0 has "jsonrpc" and one of them."""
    out: dict[str, Any] = {"jsonrpc": "2.0"} if v2 else {}
    if error is None:
        out["result"] = result
        if not v2:
            out["error"] = None
    else:
        if not v2:
            out["result"] = None
        out["error"] = error.to_dict()
    if has_id:
        out["id"] = id_
    return out


class _Request(NamedTuple):
    method: str
    params: Any
    id: Any
    has_id: bool
    v2: bool


def _parse_request(obj: Any) -> _Request:
    """Core's JSONRPCRequest::parse; raises JSONRPCError(-32600) with Core's texts, carrying what it parsed."""
    if not isinstance(obj, dict):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Invalid Request object"), None, True, False)
    has_id = "id" in obj
    id_ = obj.get("id")
    version = obj.get("jsonrpc")
    v2 = False
    if version is not None:
        if not isinstance(version, str):
            raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "jsonrpc field must be a string"), id_, has_id, v2)
        if version == "2.0":
            v2 = True
        elif version != "1.0":
            raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "JSON-RPC version not supported"), id_, has_id, v2)
    method = obj.get("method")
    if method is None:
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Missing method"), id_, has_id, v2)
    if not isinstance(method, str):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Method must be a string"), id_, has_id, v2)
    params_ = obj.get("params")
    if params_ is not None and not isinstance(params_, (list, dict)):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Params must be an array or object"), id_, has_id, v2)
    return _Request(method, params_, id_, has_id, v2)


class _RequestError(Exception):
    def __init__(self, error: JSONRPCError, id_: Any, has_id: bool, v2: bool) -> None:
        super().__init__(error.message)
        self.error, self.id, self.has_id, self.v2 = error, id_, has_id, v2


def _execute(rpc: CoreRPC, obj: Any) -> tuple[Optional[dict[str, Any]], int]:
    """One request object -> (reply, or None for a 2.0 notification; the HTTP status it gets when sent alone).

    As in Core 28, a malformed request object is an HTTP error whatever its version, a failed 1.x call is an HTTP
    error too, and a failed 2.0 call is HTTP 200 with the error in the body.
    """
    try:
        req = _parse_request(obj)
    except _RequestError as bad:
        return _reply(None, bad.error, bad.id, v2=bad.v2, has_id=bad.has_id), _http_status(bad.error)
    try:
        result, error = rpc.call(req.method, req.params), None
    except JSONRPCError as err:
        result, error = None, err
    if req.v2 and not req.has_id:
        return None, 204
    status = _http_status(error) if error is not None and not req.v2 else 200
    return _reply(result, error, req.id, v2=req.v2, has_id=req.has_id), status


def _http_status(error: JSONRPCError) -> int:
    if error.code == RPC_INVALID_REQUEST:
        return 400
    if error.code == RPC_METHOD_NOT_FOUND:
        return 404
    return 500


def _body(reply: Any) -> bytes:
    return (dumps(reply) + "\n").encode()


def respond(rpc: CoreRPC, body: Union[bytes, str]) -> RPCResponse:
    """A JSON-RPC POST body -> (HTTP status, response body), as Bitcoin Core 28's HTTP handler answers.

    A single 1.0/1.1 request that fails gets an HTTP error status (400, 404 or 500) with the error in the body;
    JSON-RPC 2.0 calls and batches get 200; 2.0 notifications (no ``id``) run and get 204 with no body.
    """
    try:
        text = body.decode("utf-8") if isinstance(body, (bytes, bytearray)) else body
        request = json.loads(text, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError):
        return RPCResponse(500, _body(_reply(None, JSONRPCError(RPC_PARSE_ERROR, "Parse error"), None, v2=False,
                                             has_id=True)))
    if isinstance(request, dict):
        reply, status = _execute(rpc, request)
        return RPCResponse(204, b"") if reply is None else RPCResponse(status, _body(reply))
    if isinstance(request, list):
        replies = [r for r, _status in (_execute(rpc, item) for item in request) if r is not None]
        if not replies and request:
            return RPCResponse(204, b"")
        return RPCResponse(200, _body(replies))
    return RPCResponse(500, _body(_reply(None, JSONRPCError(RPC_PARSE_ERROR, "Top-level object parse error"), None,
                                         v2=False, has_id=True)))


def handle_jsonrpc(rpc: CoreRPC, body: Union[bytes, str]) -> bytes:
    """A JSON-RPC request body (single or batch) -> the response body Bitcoin Core would send (see :func:`respond`
    for the HTTP status); ``b""`` when only 2.0 notifications were sent."""
    return respond(rpc, body).body


# --- python-bitcoinlib in-process ------------------------------------------------------------------------------------


class InProcessResponse:
    """The part of ``http.client.HTTPResponse`` python-bitcoinlib reads: status, reason, read(), getheader()."""

    def __init__(self, status: int, body: bytes, content_type: Optional[str] = "application/json") -> None:
        self.status = status
        self.reason = http.client.responses.get(status, "")
        self.headers = email.message.Message()
        if content_type and body:
            self.headers["Content-Type"] = content_type
        self.headers["Content-Length"] = str(len(body))
        self._body = body
        self._pos = 0

    def read(self, amt: Optional[int] = None) -> bytes:
        end = len(self._body) if amt is None or amt < 0 else min(len(self._body), self._pos + amt)
        chunk = self._body[self._pos:end]
        self._pos = end
        return chunk

    def getheader(self, name: str, default: Optional[str] = None) -> Optional[str]:
        return self.headers.get(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self.headers.items())

    def close(self) -> None:
        self._pos = len(self._body)


class InProcessConnection:
    """An ``http.client.HTTPConnection`` stand-in that answers JSON-RPC POSTs from a :class:`CoreRPC`.

    Give it to python-bitcoinlib: ``bitcoin.rpc.Proxy(service_url=SERVICE_URL, connection=InProcessConnection(rpc))``
    (or use :func:`proxy`). Any path is served (Core serves ``/`` and ``/wallet/<name>``); credentials are not
    checked, as nothing leaves the process.
    """

    def __init__(self, rpc: Union[CoreRPC, BitcoinChain]) -> None:
        self.rpc = rpc if isinstance(rpc, CoreRPC) else CoreRPC(rpc)
        self._pending: Optional[InProcessResponse] = None
        self.requests = 0

    def connect(self) -> None:
        pass

    def request(self, method: str, url: str, body: Union[bytes, str, None] = None,
                headers: Optional[Mapping[str, Any]] = None, *, encode_chunked: bool = False) -> None:
        self.requests += 1
        if method.upper() != "POST":
            self._pending = InProcessResponse(405, b"JSONRPC server handles only POST requests", "text/html")
            return
        answer = respond(self.rpc, body if body is not None else b"")
        self._pending = InProcessResponse(answer.status, answer.body)

    def getresponse(self) -> InProcessResponse:
        if self._pending is None:
            raise http.client.ResponseNotReady("no request was sent")
        response, self._pending = self._pending, None
        return response

    def close(self) -> None:
        self._pending = None

    def __repr__(self) -> str:
        return f"<InProcessConnection to {self.rpc!r}>"


def proxy(chain: Union[BitcoinChain, CoreRPC]) -> "bitcoin.rpc.Proxy":
    """python-bitcoinlib's ``Proxy`` talking to ``chain`` in-process (no socket, no bitcoin.conf)."""
    import bitcoin.rpc

    return bitcoin.rpc.Proxy(service_url=SERVICE_URL, connection=InProcessConnection(chain))


def raw_proxy(chain: Union[BitcoinChain, CoreRPC]) -> "bitcoin.rpc.RawProxy":
    """python-bitcoinlib's ``RawProxy`` (plain JSON values) talking to ``chain`` in-process."""
    import bitcoin.rpc

    return bitcoin.rpc.RawProxy(service_url=SERVICE_URL, connection=InProcessConnection(chain))
