"""``fundrawtransaction`` (Bitcoin Core's ``src/wallet/rpc/spend.cpp``, ``FundTransaction``) over the chain's wallet.

The options object is checked as Core checks it: every key Core knows, with its JSON type (-3 ``Expected type ...``),
and -3 ``Unexpected key ...`` for any other. What the options do:

- ``fee_rate`` (sat/vB) or ``feeRate`` (BTC/kvB), not both, nor with ``conf_target`` / ``estimate_mode``;
- ``changeAddress`` / ``change_address``, ``change_type``, ``changePosition`` / ``change_position``;
- ``subtractFeeFromOutputs``: output positions that pay the fee in equal shares (the first the remainder). As in
  Core, ``fundrawtransaction`` reads only this camel-case key; ``subtract_fee_from_outputs`` passes the type check
  and does nothing;
- ``add_inputs`` false: the transaction's own inputs must pay (-4 otherwise), ``replaceable`` (the added inputs'
  sequence), ``minconf`` / ``maxconf`` (confirmations of the added inputs).

Accepted with no effect, because the embedded wallet has nothing they act on: ``lockUnspents`` / ``lock_unspents``
(no coin locking), ``includeWatching`` / ``include_watching`` (Core: deprecated, unused), ``include_unsafe`` (the
wallet spends only its own coins and change), ``conf_target`` / ``estimate_mode`` (no fee estimates: the fallback
rate), ``psbt``, ``add_to_wallet``, ``locktime`` (read by ``send``, not by this call). ``solving_data``,
``input_weights`` and ``max_tx_weight`` describe external inputs, which the embedded wallet does not fund: -8.
Without a fee rate the wallet pays 2 sat/vB, as a regtest node started with ``-fallbackfee=0.00002``.
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from bitcoin.core import CMutableTransaction, COutPoint, CTransaction, CTxIn, CTxOut

from hemi.btc.address import address_to_script
from hemi.btc.policy import dust_threshold
from hemi.btc.wallet import INPUT_WEIGHT, Wallet
from hemi.errors import HemiValueError, InvalidAddressError

from .arguments import Arg, as_int, parse_amount
from .encoding import btc_amount, json_type
from .errors import (
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_TYPE_ERROR,
    RPC_WALLET_ERROR,
    JSONRPCError,
)
from .server import CoreRPC, rpc_method
from .wallet import ADDRESS_TYPES, FALLBACK_FEE_RATE, decode_unfunded, spent_outputs

# Core's RPCTypeCheckObj list for the options (None: any JSON type, checked by the amount parser)
_OPTION_TYPES: dict[str, str | None] = {
    "add_inputs": "bool", "include_unsafe": "bool", "add_to_wallet": "bool", "changeAddress": "string",
    "change_address": "string", "changePosition": "number", "change_position": "number", "change_type": "string",
    "includeWatching": "bool", "include_watching": "bool", "inputs": "array", "lockUnspents": "bool",
    "lock_unspents": "bool", "locktime": "number", "fee_rate": None, "feeRate": None, "psbt": "bool",
    "solving_data": "object", "subtractFeeFromOutputs": "array", "subtract_fee_from_outputs": "array",
    "replaceable": "bool", "conf_target": "number", "estimate_mode": "string", "minconf": "number",
    "maxconf": "number", "input_weights": "array", "max_tx_weight": "number",
}
_EXTERNAL_INPUTS = ("solving_data", "input_weights", "max_tx_weight")


def _check_options(options: Any) -> dict[str, Any]:
    if options is None or isinstance(options, bool):  # a bool: the old includeWatching argument (python-bitcoinlib's
        return {}                                       # Proxy sends it), which Core long kept as a fallback
    if not isinstance(options, dict):
        raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {json_type(options)} is not of expected type object")
    for key, value in options.items():
        if key not in _OPTION_TYPES:
            raise JSONRPCError(RPC_TYPE_ERROR, f"Unexpected key {key}")
        want = _OPTION_TYPES[key]
        if want is not None and value is not None and json_type(value) != want:
            raise JSONRPCError(RPC_TYPE_ERROR, f"Expected type {want} for {key}, got {json_type(value)}")
    for key in _EXTERNAL_INPUTS:
        if options.get(key) is not None:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"{key}: the embedded wallet funds only from its own coins "
                                                      f"(hemi does not model this option)")
    return {k: v for k, v in options.items() if v is not None}


def _fee_rate(opts: dict[str, Any]) -> float:
    """sat/vB, from ``fee_rate`` or ``feeRate`` (Core's checks and messages, in its order)."""
    if "feeRate" in opts:
        if "fee_rate" in opts:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both fee_rate (sat/vB) and feeRate (BTC/kvB)")
        if "conf_target" in opts:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both conf_target and feeRate. Please provide "
                               "either a confirmation target in blocks for automatic fee estimation, or an explicit "
                               "fee rate.")
        if "estimate_mode" in opts:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both estimate_mode and feeRate")
        return parse_amount(opts["feeRate"]) / 1000  # sat/kvB -> sat/vB
    if "fee_rate" in opts:
        if "conf_target" in opts:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both conf_target and fee_rate. Please provide "
                               "either a confirmation target in blocks for automatic fee estimation, or an explicit "
                               "fee rate.")
        if opts.get("estimate_mode", "unset") != "unset":
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both estimate_mode and fee_rate")
        sat_per_vb = Decimal(parse_amount(opts["fee_rate"])) / 100_000_000  # AmountFromValue(..., decimals=3)
        if sat_per_vb != round(sat_per_vb, 3):
            raise JSONRPCError(RPC_TYPE_ERROR, "Invalid amount")
        return float(sat_per_vb)
    return FALLBACK_FEE_RATE


def _subtract_positions(value: Any, n_outputs: int) -> list[int]:
    """Core's InterpretSubtractFeeFromOutputInstructions for fundrawtransaction (positions only)."""
    seen: list[int] = []
    for item in value or ():
        if isinstance(item, bool) or not isinstance(item, int):
            if isinstance(item, str):  # fundrawtransaction names every output "dummy"
                raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter 'subtract fee from output', "
                                                          f"destination {item} not found in tx outputs")
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter 'subtract fee from output', invalid "
                                                      f"value type: {json_type(item)}")
        if item in seen:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter 'subtract fee from output', duplicated "
                                                      f"position: {item}")
        if item < 0:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter 'subtract fee from output', negative "
                                                      f"position: {item}")
        if item >= n_outputs:
            raise JSONRPCError(RPC_INVALID_PARAMETER, f"Invalid parameter 'subtract fee from output', position "
                                                      f"too large: {item}")
        seen.append(item)
    return seen


def _change_script(wallet: Wallet, opts: dict[str, Any]) -> bytes:
    address = opts.get("change_address", opts.get("changeAddress"))
    if "change_type" in opts:
        if address is not None:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Cannot specify both change address and address type options")
        kind = ADDRESS_TYPES.get(opts["change_type"])
        if kind is None:
            raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, f"Unknown change type '{opts['change_type']}'")
        return wallet.script_of(kind)
    if address is None:
        return wallet.script_of()
    try:
        return address_to_script(address)
    except (InvalidAddressError, HemiValueError):
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Change address must be a valid bitcoin address") from None


def _fee(weight: int, fee_rate: float) -> int:
    return math.ceil(math.ceil(weight / 4) * fee_rate)


@rpc_method("fundrawtransaction", Arg("hexstring", "str"), Arg("options", "any", None), Arg("iswitness", "bool", None))
def _fundrawtransaction(rpc: CoreRPC, hexstring: str, options: Any, iswitness: Any) -> dict[str, Any]:
    tx = decode_unfunded(hexstring)
    opts = _check_options(options)
    subtract = _subtract_positions(opts.get("subtractFeeFromOutputs"), len(tx.vout))
    wallet = rpc.wallet()
    change_spk = _change_script(wallet, opts)
    position = opts.get("change_position", opts.get("changePosition"))
    if position is not None:
        position = as_int(position)
        if not 0 <= position <= len(tx.vout):
            raise JSONRPCError(RPC_INVALID_PARAMETER, "changePosition out of bounds")
    lo = as_int(opts.get("minconf", 0))
    if lo < 0:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Negative minconf")
    hi = as_int(opts["maxconf"]) if "maxconf" in opts else None
    if hi is not None and hi < lo:
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"maxconf can't be lower than minconf: {hi} < {lo}")
    fee_rate = _fee_rate(opts)
    if not tx.vout:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "TX must have at least one output")
    known = spent_outputs(rpc, tx)
    if any(k is None for k in known):
        raise JSONRPCError(RPC_WALLET_ERROR, "Unable to find UTXO for external input")
    have = sum(k[0] for k in known if k is not None)
    pay = sum(o.nValue for o in tx.vout)
    change_weight = 4 * (8 + 1 + len(change_spk))
    # the weight without the inputs to be added: the transaction, its own inputs signed, a change output
    weight = 4 * len(tx.serialize()) + change_weight + 2 + 4 * 107 * len(tx.vin)
    chosen = []
    if opts.get("add_inputs", True) and (pay > have or not tx.vin):
        # when outputs pay the fee, the inputs need only cover the outputs
        chosen = wallet.select_coins(max(pay - have, 0), weight=weight, fee_rate=0.0 if subtract else fee_rate,
                                     min_conf=lo, max_conf=hi)
    weight += sum(INPUT_WEIGHT[wallet.kind_of(u.script_pubkey)] for u in chosen)
    total = have + sum(u.value for u in chosen)
    outputs = [(bytes(o.scriptPubKey), o.nValue) for o in tx.vout]
    if total < pay + (0 if subtract else _fee(weight, fee_rate)):
        if not opts.get("add_inputs", True) and tx.vin:
            raise JSONRPCError(RPC_WALLET_ERROR, "The preselected coins total amount does not cover the transaction "
                                                 "target. Please allow other inputs to be automatically selected or "
                                                 "include more coins manually")
        raise JSONRPCError(RPC_WALLET_ERROR, "Insufficient funds")
    if subtract:
        try:
            outputs, change = wallet.pay_fee_from(outputs, subtract, total - pay, change_spk, _fee(weight, fee_rate),
                                                  _fee(weight - change_weight, fee_rate))
        except HemiValueError as err:
            raise JSONRPCError(RPC_WALLET_ERROR, str(err)) from None
    else:
        change = total - pay - _fee(weight, fee_rate)
    sequence = 0xFFFFFFFD if opts.get("replaceable", True) else 0xFFFFFFFE
    mtx = CMutableTransaction.from_tx(tx)
    mtx.vin += [CTxIn(COutPoint(bytes(u.txid), u.vout), b"", sequence) for u in chosen]
    mtx.vout = [CTxOut(v, spk) for spk, v in outputs]
    changepos = -1
    if change >= dust_threshold(change_spk):  # else it adds to the fee
        changepos = len(mtx.vout) if position is None else position
        mtx.vout.insert(changepos, CTxOut(change, change_spk))
    paid = total - sum(o.nValue for o in mtx.vout)
    return {"hex": CTransaction.from_tx(mtx).serialize().hex(), "fee": btc_amount(paid), "changepos": changepos}
