"""Wallet RPCs (Bitcoin Core's ``src/wallet/rpc/``) over the chain's default test wallet, ``chain.wallet()``:
getnewaddress, getrawchangeaddress, getbalance, listunspent, sendtoaddress, createrawtransaction,
fundrawtransaction, signrawtransactionwithwallet (history and descriptors: ``wallet_history``).

Differences from Core, by design: the wallet has one deterministic key, so ``getnewaddress`` returns the same
address for a given type every time; ``importaddress`` answers as a descriptor wallet does (Core 28's default:
error -4, legacy wallets only); imported descriptors are watched for ``listunspent`` only.
"""

from __future__ import annotations

import io
import math
import struct
from decimal import Decimal
from typing import Any

from bitcoin.core import CMutableTransaction, COutPoint, CTransaction, CTxIn, CTxOut
from bitcoin.core.serialize import SerializationError, VectorSerializer

from hemi.btc.address import address_to_script
from hemi.btc.interpreter import STANDARD_FLAGS
from hemi.btc.models import Utxo
from hemi.btc.verify import verify_input
from hemi.btc.wallet import INPUT_WEIGHT, Wallet
from hemi.errors import HemiValueError, InsufficientFunds, InvalidAddressError, ScriptVerifyError
from hemi.types import Txid

from .arguments import Arg, as_int, parse_amount, parse_hash, parse_raw_tx
from .encoding import btc_amount
from .errors import (
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_WALLET_ERROR,
    RPC_WALLET_INSUFFICIENT_FUNDS,
    JSONRPCError,
)
from .scripts import descriptor_checksum
from .server import CoreRPC, rpc_method

_ADDRESS_TYPES = {"bech32": "p2wpkh", "p2sh-segwit": "p2sh-p2wpkh", "legacy": "p2pkh", "bech32m": "p2tr"}
_FEE_RATE = 2.0  # sat/vB: what the chain's wallet pays unless told otherwise


def _wallet(rpc: CoreRPC) -> Wallet:
    return rpc.chain.wallet()


@rpc_method("getnewaddress", Arg("label", "str", ""), Arg("address_type", "str", "bech32"))
def _getnewaddress(rpc: CoreRPC, label: str, address_type: str) -> str:
    kind = _ADDRESS_TYPES.get(address_type)
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


def _decode_unfunded(hexstring: str) -> CTransaction:
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


def _spent_outputs(rpc: CoreRPC, tx: CTransaction) -> list[tuple[int, bytes] | None]:
    out = []
    for txin in tx.vin:
        u = rpc.chain.get_txout(Txid(txin.prevout.hash), txin.prevout.n)
        out.append(None if u is None else (u.value, u.script_pubkey))
    return out


@rpc_method("fundrawtransaction", Arg("hexstring", "str"), Arg("options", "any", None), Arg("iswitness", "bool", None))
def _fundrawtransaction(rpc: CoreRPC, hexstring: str, options: Any, iswitness: Any) -> dict[str, Any]:
    tx = _decode_unfunded(hexstring)
    wallet = _wallet(rpc)
    fee_rate = _FEE_RATE
    if isinstance(options, dict) and "fee_rate" in options:
        fee_rate = float(options["fee_rate"])
    known = [k for k in _spent_outputs(rpc, tx) if k is not None]
    if len(known) != len(tx.vin):
        raise JSONRPCError(RPC_WALLET_ERROR, "Unable to find UTXO for external input")
    have = sum(v for v, _ in known)
    target = sum(o.nValue for o in tx.vout) - have
    change_spk = wallet.script_of()
    weight = 4 * len(tx.serialize()) + 4 * (8 + 1 + len(change_spk)) + 2 + 4 * 107 * len(tx.vin)
    try:
        chosen = wallet._select(max(target, 0), None, weight, fee_rate) if target > 0 or not tx.vin else []
    except InsufficientFunds:
        chosen = []
    # worst-case weight of each chosen input, by its kind (the wallet's own estimates)
    in_weight = sum(INPUT_WEIGHT[wallet.kind_of(u.script_pubkey)] for u in chosen)
    fee = math.ceil(math.ceil((weight + in_weight) / 4) * fee_rate)
    total = have + sum(u.value for u in chosen)
    if total < sum(o.nValue for o in tx.vout) + fee:
        raise JSONRPCError(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds")
    mtx = CMutableTransaction.from_tx(tx)
    mtx.vin += [CTxIn(COutPoint(bytes(u.txid), u.vout), b"", 0xFFFFFFFD) for u in chosen]
    change = total - sum(o.nValue for o in tx.vout) - fee
    changepos = -1
    if change >= 294:  # the dust threshold of a P2WPKH output
        mtx.vout.append(CTxOut(change, change_spk))
        changepos = len(mtx.vout) - 1
    else:
        fee += change
    return {"hex": CTransaction.from_tx(mtx).serialize().hex(), "fee": btc_amount(fee), "changepos": changepos}


@rpc_method("signrawtransactionwithwallet", Arg("hexstring", "str"), Arg("prevtxs", "arr", None),
            Arg("sighashtype", "str", "DEFAULT"))
def _signrawtransactionwithwallet(rpc: CoreRPC, hexstring: str, prevtxs: Any, sighashtype: str) -> dict[str, Any]:
    tx, _ = parse_raw_tx(hexstring, "TX decode failed. Make sure the tx has at least one input.")
    if sighashtype not in ("DEFAULT", "ALL"):
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{sighashtype} is not a valid sighash parameter.")
    known = _spent_outputs(rpc, tx)
    for p in prevtxs or ():
        for i, txin in enumerate(tx.vin):
            if str(Txid(txin.prevout.hash)) == p.get("txid") and txin.prevout.n == p.get("vout"):
                known[i] = (parse_amount(p.get("amount", 0)), bytes.fromhex(p["scriptPubKey"]))
    errors = []
    signed = tx
    spent = [k for k in known if k is not None]
    if len(spent) == len(known):
        signed = _wallet(rpc).sign(tx, spent)
    for i, txin in enumerate(signed.vin):
        message = None
        if known[i] is None:
            message = "Input not found or already spent"
        elif len(spent) == len(known):  # scripts are verified against every spent output (taproot commits to all)
            try:
                verify_input(signed, i, spent, flags=STANDARD_FLAGS)
            except ScriptVerifyError as err:
                message = str(err)
        if message:
            errors.append({"txid": str(Txid(txin.prevout.hash)), "vout": txin.prevout.n, "witness": [],
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
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Invalid address") from None
    sats = parse_amount(amount)
    if sats <= 0:
        raise JSONRPCError(-3, "Invalid amount for send")
    rate = float(fee_rate) if fee_rate is not None else _FEE_RATE
    try:
        txid = _wallet(rpc).send(spk, sats, fee_rate=rate)
    except InsufficientFunds:
        raise JSONRPCError(RPC_WALLET_INSUFFICIENT_FUNDS, "Insufficient funds") from None
    return {"txid": str(txid), "fee_reason": "Fallback fee"} if verbose else str(txid)
