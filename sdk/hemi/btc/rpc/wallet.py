"""Wallet RPCs (Bitcoin Core's ``src/wallet/rpc/``) over the chain's default test wallet, ``chain.wallet()``:
getnewaddress, getrawchangeaddress, getbalance, listunspent, sendtoaddress, createrawtransaction,
signrawtransactionwithwallet (funding: ``wallet_funding``; history and descriptors: ``wallet_history``).

Differences from Core, by design: the wallet has one deterministic key, so ``getnewaddress`` returns the same
address for a given type every time; ``importaddress`` answers as a descriptor wallet does (Core 28's default:
error -4, legacy wallets only); imported descriptors are watched for ``listunspent`` only.
"""

from __future__ import annotations

import io
import struct
from decimal import Decimal
from typing import Any

from bitcoin.core import COutPoint, CTransaction, CTxIn, CTxOut
from bitcoin.core.serialize import SerializationError, VectorSerializer

from hemi.btc.address import address_to_script
from hemi.btc.interpreter import STANDARD_FLAGS
from hemi.btc.models import Utxo
from hemi.btc.policy import dust_threshold
from hemi.btc.verify import verify_input
from hemi.btc.wallet import P2PKH, P2SH_P2WPKH, P2TR, P2WPKH, P2WSH, Wallet
from hemi.errors import HemiValueError, InsufficientFunds, InvalidAddressError, ScriptVerifyError
from hemi.types import Txid

from .arguments import Arg, as_int, parse_amount, parse_hash, parse_raw_tx
from .encoding import btc_amount
from .errors import (
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_WALLET_INSUFFICIENT_FUNDS,
    JSONRPCError,
)
from .scripts import descriptor_checksum
from .server import CoreRPC, rpc_method

ADDRESS_TYPES = {"bech32": "p2wpkh", "p2sh-segwit": "p2sh-p2wpkh", "legacy": "p2pkh", "bech32m": "p2tr"}
FALLBACK_FEE_RATE = 2.0  # sat/vB: what the wallet pays unless told otherwise (a regtest node's -fallbackfee)


def _wallet(rpc: CoreRPC) -> Wallet:
    return rpc.wallet()


@rpc_method("getnewaddress", Arg("label", "str", ""), Arg("address_type", "str", "bech32"))
def _getnewaddress(rpc: CoreRPC, label: str, address_type: str) -> str:
    kind = ADDRESS_TYPES.get(address_type)
    if kind is None:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Unknown address type '{address_type}'")
    return _wallet(rpc).address_of(kind)


@rpc_method("getrawchangeaddress", Arg("address_type", "str", "bech32"))
def _getrawchangeaddress(rpc: CoreRPC, address_type: str) -> str:
    return _getnewaddress(rpc, "", address_type)


@rpc_method("getbalance", Arg("dummy", "str", "*"), Arg("minconf", "num", 0), Arg("include_watchonly", "bool", True),
            Arg("avoid_reuse", "bool", True))
def _getbalance(rpc: CoreRPC, dummy: str, minconf: Any, include_watchonly: bool, avoid_reuse: bool) -> Decimal:
    if dummy != "*":
        raise JSONRPCError(-32, 'dummy first argument must be excluded or set to "*".')
    need = as_int(minconf)
    return btc_amount(sum(u.value for u in _wallet(rpc).utxos if u.mature and u.confirmations >= need))


def wallet_descriptor(wallet: Wallet, kind: str) -> str:
    """What Core's InferDescriptor gives for the wallet's script of ``kind`` (a key without HD origin), with its
    checksum: ``wpkh(<pubkey>)#...``."""
    pub = wallet.pubkey.hex()
    body = {P2WPKH: f"wpkh({pub})", P2SH_P2WPKH: f"sh(wpkh({pub}))", P2PKH: f"pkh({pub})",
            P2WSH: f"wsh(pk({pub}))", P2TR: f"tr({wallet.key.xonly_pubkey.hex()})"}[kind]
    return descriptor_checksum(body)


def _utxo_json(rpc: CoreRPC, u: Utxo, spendable: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"txid": str(u.txid), "vout": u.vout}
    if u.address is not None:
        out["address"] = u.address
        out["label"] = ""
    out["scriptPubKey"] = u.script_pubkey.hex()
    out["amount"] = btc_amount(u.value)
    out["confirmations"] = u.confirmations
    out["spendable"] = spendable
    out["solvable"] = spendable
    wallet = rpc.wallet()
    if spendable and wallet.owns(u.script_pubkey):  # a key the wallet holds: the descriptor that spends it
        out["desc"] = wallet_descriptor(wallet, wallet.kind_of(u.script_pubkey))
    else:  # a watched script: Core infers what it can, addr() / raw() without keys
        out["desc"] = descriptor_checksum(f"addr({u.address})" if u.address else f"raw({u.script_pubkey.hex()})")
    out["parent_descs"] = []
    out["safe"] = True
    return out


@rpc_method("listunspent", Arg("minconf", "num", 1), Arg("maxconf", "num", 9999999), Arg("addresses", "arr", None),
            Arg("include_unsafe", "bool", True), Arg("query_options", "obj", None))
def _listunspent(rpc: CoreRPC, minconf: Any, maxconf: Any, addresses: list | None, include_unsafe: bool,
                 query_options: dict | None) -> list[dict[str, Any]]:
    lo, hi = as_int(minconf), as_int(maxconf)
    wanted = None
    if addresses:
        wanted = set()
        for a in addresses:
            try:
                wanted.add(address_to_script(a))
            except (InvalidAddressError, HemiValueError):
                raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Invalid Bitcoin address: {a}") from None
    rows = [(u, True) for u in _wallet(rpc).utxos if u.mature]
    for spk in getattr(rpc, "watched", set()):
        rows += [(u, False) for u in rpc.chain.utxos(spk)]
    return [_utxo_json(rpc, u, s) for u, s in rows
            if lo <= u.confirmations <= hi and (wanted is None or u.script_pubkey in wanted)]


def _parse_outputs(outputs: Any) -> list[tuple[bytes, int]]:
    items = outputs if isinstance(outputs, list) else [outputs]
    pay: list[tuple[bytes, int]] = []
    for obj in items:
        if not isinstance(obj, dict):
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Invalid parameter, key-value pair must contain exactly one key")
        for key, value in obj.items():
            if key == "data":
                data = bytes.fromhex(value)
                pay.append((b"\x6a" + (bytes([len(data)]) if len(data) < 0x4C else bytes([0x4C, len(data)])) + data,
                            0))
                continue
            try:
                pay.append((address_to_script(key), parse_amount(value)))
            except (InvalidAddressError, HemiValueError):
                raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Invalid Bitcoin address: {key}") from None
    return pay


@rpc_method("createrawtransaction", Arg("inputs", "arr"), Arg("outputs", "any"), Arg("locktime", "num", 0),
            Arg("replaceable", "bool", True))
def _createrawtransaction(rpc: CoreRPC, inputs: list, outputs: Any, locktime: Any, replaceable: bool) -> str:
    lock = as_int(locktime)
    if not 0 <= lock <= 0xFFFFFFFF:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Invalid parameter, locktime out of range")
    vin = []
    for item in inputs:
        txid = parse_hash(item.get("txid"), "txid")
        vout = item.get("vout")
        if not isinstance(vout, int) or isinstance(vout, bool) or vout < 0:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Invalid parameter, vout cannot be negative")
        default = 0xFFFFFFFD if replaceable else (0xFFFFFFFE if lock else 0xFFFFFFFF)
        vin.append(CTxIn(COutPoint(bytes(Txid(txid)), vout), b"", item.get("sequence", default)))
    vout_ = [CTxOut(v, s) for s, v in _parse_outputs(outputs)]
    return str(CTransaction(vin, vout_, lock, 2).serialize().hex())


def decode_unfunded(hexstring: str) -> CTransaction:
    """DecodeHexTx as fundrawtransaction calls it: a transaction without inputs is read without the segwit
    marker (its 0x00 input count would otherwise look like one)."""
    try:
        return parse_raw_tx(hexstring, "TX decode failed")[0]
    except JSONRPCError:
        try:
            f = io.BytesIO(bytes.fromhex(hexstring))
            version = int.from_bytes(f.read(4), "little", signed=True)
            vin = VectorSerializer.stream_deserialize(CTxIn, f)
            vout = VectorSerializer.stream_deserialize(CTxOut, f)
            lock = int.from_bytes(f.read(4), "little")
            if f.read() or len(vin):
                raise ValueError
            return CTransaction(vin, vout, lock, version)
        except (ValueError, SerializationError, struct.error):
            raise JSONRPCError(-22, "TX decode failed") from None


def spent_outputs(rpc: CoreRPC, tx: CTransaction) -> list[tuple[int, bytes] | None]:
    out = []
    for txin in tx.vin:
        u = rpc.chain.get_txout(Txid(txin.prevout.hash), txin.prevout.n)
        out.append(None if u is None else (u.value, u.script_pubkey))
    return out


# Core's SighashFromStr (src/core_read.cpp): the names signrawtransaction* accept
_SIGHASH_NAMES = {"DEFAULT": None, "ALL": 0x01, "NONE": 0x02, "SINGLE": 0x03, "ALL|ANYONECANPAY": 0x81,
                  "NONE|ANYONECANPAY": 0x82, "SINGLE|ANYONECANPAY": 0x83}


@rpc_method("signrawtransactionwithwallet", Arg("hexstring", "str"), Arg("prevtxs", "arr", None),
            Arg("sighashtype", "str", "DEFAULT"))
def _signrawtransactionwithwallet(rpc: CoreRPC, hexstring: str, prevtxs: Any, sighashtype: str) -> dict[str, Any]:
    tx, _ = parse_raw_tx(hexstring, "TX decode failed. Make sure the tx has at least one input.")
    if sighashtype not in _SIGHASH_NAMES:
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{sighashtype} is not a valid sighash parameter.")
    known = spent_outputs(rpc, tx)
    for p in prevtxs or ():
        for i, txin in enumerate(tx.vin):
            if str(Txid(txin.prevout.hash)) == p.get("txid") and txin.prevout.n == p.get("vout"):
                known[i] = (parse_amount(p.get("amount", 0)), bytes.fromhex(p["scriptPubKey"]))
    # Core's SignTransaction signs what it can: every input whose spent output is known and the wallet's (a taproot
    # input only when every spent output is known, its signature commits to all of them)
    signed = _wallet(rpc).sign(tx, known, hash_type=_SIGHASH_NAMES[sighashtype])
    spent = [k if k is not None else (0, b"") for k in known]  # an unknown input is reported, not verified
    errors = []
    for i, txin in enumerate(signed.vin):
        message = None
        if known[i] is None:
            message = "Input not found or already spent"
        else:
            try:
                verify_input(signed, i, spent, flags=STANDARD_FLAGS)
            except (ScriptVerifyError, HemiValueError) as err:
                message = str(err)
        if message:
            witness = [bytes(w).hex() for w in signed.wit.vtxinwit[i].scriptWitness.stack] \
                if i < len(signed.wit.vtxinwit) else []
            errors.append({"txid": str(Txid(txin.prevout.hash)), "vout": txin.prevout.n, "witness": witness,
                           "scriptSig": bytes(txin.scriptSig).hex(), "sequence": txin.nSequence, "error": message})
    out: dict[str, Any] = {"hex": signed.serialize().hex(), "complete": not errors}
    if errors:
        out["errors"] = errors
    return out


@rpc_method("sendtoaddress", Arg("address", "str"), Arg("amount", "amount"), Arg("comment", "str", ""),
            Arg("comment_to", "str", ""), Arg("subtractfeefromamount", "bool", False), Arg("replaceable", "bool", True),
            Arg("conf_target", "num", None), Arg("estimate_mode", "str", "unset"), Arg("avoid_reuse", "bool", True),
            Arg("fee_rate", "amount", None), Arg("verbose", "bool", False))
def _sendtoaddress(rpc: CoreRPC, address: str, amount: Any, comment: str, comment_to: str, subtract: bool,
                   replaceable: bool, conf_target: Any, estimate_mode: str, avoid_reuse: bool, fee_rate: Any,
                   verbose: bool) -> Any:
    try:
        spk = address_to_script(address)
    except (InvalidAddressError, HemiValueError):
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Invalid Bitcoin address: {address}") from None
    sats = parse_amount(amount)
    # Core's CreateTransaction refuses a payment that is dust, through SendMoney's -6 (src/wallet/spend.cpp)
    if sats < dust_threshold(spk):
        raise JSONRPCError(RPC_WALLET_INSUFFICIENT_FUNDS, "Transaction amount too small")
    rate = float(fee_rate) if fee_rate is not None else FALLBACK_FEE_RATE
    try:
        txid = _wallet(rpc).send(spk, sats, fee_rate=rate, subtract_fee=subtract)
    except InsufficientFunds:
        raise JSONRPCError(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds") from None
    except HemiValueError as err:  # the amount left after the fee is dust (Core's two texts)
        raise JSONRPCError(RPC_WALLET_INSUFFICIENT_FUNDS, str(err)) from None
    return {"txid": str(txid), "fee_reason": "Fallback fee"} if verbose else str(txid)
