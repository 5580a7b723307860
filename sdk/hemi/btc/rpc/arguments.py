"""RPC parameters: :class:`Arg` declarations, binding a request's params to them, and Core's value parsers.

:func:`bind` turns positional or named params into the adapter's arguments, checking count and JSON types as
Core's RPCHelpMan does; the ``parse_*`` helpers are Core's ParseHashV, AmountFromValue, ParseFeeRate,
DecodeHexTx and UniValue's getInt, raising :class:`JSONRPCError` with Core's codes and messages.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from bitcoin.core import CTransaction

from hemi.btc import params
from hemi.btc.tx import decode_tx
from hemi.errors import InvalidHexError

from .encoding import json_type
from .errors import (
    RPC_DESERIALIZATION_ERROR,
    RPC_INVALID_PARAMETER,
    RPC_INVALID_REQUEST,
    RPC_MISC_ERROR,
    RPC_TYPE_ERROR,
    JSONRPCError,
)

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
class Method:
    """An RPC method: its name, its parameters and the adapter ``fn(rpc, *values)`` that answers it."""

    name: str
    args: tuple[Arg, ...]
    fn: Callable[..., Any]

    @property
    def usage(self) -> str:
        return " ".join([self.name] + [a.name if a.required else f"( {a.name} )" for a in self.args])


def _positional(method: Method, params: Any) -> list[Any]:
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


def bind(method: Method, params: Any) -> list[Any]:
    """Check the count and JSON types of ``params`` and fill in defaults, raising Core's errors.

    A wrong argument count is RPC_MISC_ERROR (-1), as Core's RPCHelpMan::HandleRequest throws it (src/rpc/util.cpp;
    src/rpc/server.cpp turns the exception into -1); Core's message is the method's whole help text, this one the
    count and the usage line.
    """
    values = _positional(method, params)
    required = sum(1 for a in method.args if a.required)
    if not required <= len(values) <= len(method.args):
        raise JSONRPCError(RPC_MISC_ERROR,
                           f"{method.name} takes {required}..{len(method.args)} parameters, {len(values)} given. "
                           f"Usage: {method.usage}")
    mismatch = {}
    for i, (arg, value) in enumerate(zip(method.args, values, strict=False)):
        expected = _EXPECTED.get(arg.kind)
        if expected is None or (value is None and not arg.required) or json_type(value) == expected:
            continue
        mismatch[f"Position {i + 1} ({arg.name})"] = \
            f"JSON value of type {json_type(value)} is not of expected type {expected}"
    if mismatch:
        raise JSONRPCError(RPC_TYPE_ERROR, f"Wrong type passed:\n{json.dumps(mismatch, indent=4)}")
    values += [None] * (len(method.args) - len(values))
    return [arg.default if value is None and not arg.required else value for arg, value in
            zip(method.args, values, strict=False)]


def as_int(value: Any) -> int:
    """UniValue's getInt<int>: a JSON integer in int32 range (a number like ``2.0`` is not one, as in Core)."""
    if json_type(value) != "number":
        raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {json_type(value)} is not of expected type number")
    if not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise JSONRPCError(RPC_MISC_ERROR, "JSON integer out of range")
    return value


def parse_verbosity(value: Any, default: int) -> int:
    """``verbosity|verbose``: a bool (false 0, true 1) or an int, as Core's getblock / getrawtransaction."""
    if value is None:
        return default
    if isinstance(value, bool):
        return int(value)
    return as_int(value)


HEX = re.compile(r"\A(?:[0-9a-fA-F]{2})+\Z")


def parse_hash(value: str, name: str) -> str:
    """Core's ParseHashV: 64 hex characters, else RPC_INVALID_PARAMETER naming the parameter."""
    if len(value) != 64:
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{name} must be of length 64 (not {len(value)}, for '{value}')")
    if not HEX.match(value):
        raise JSONRPCError(RPC_INVALID_PARAMETER, f"{name} must be hexadecimal string (not '{value}')")
    return value.lower()


def parse_amount(value: Any) -> int:
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


def parse_fee_rate(value: Any) -> int:
    """Core's ParseFeeRate: BTC/kvB -> sat/kvB, refusing 1 BTC/kvB and above."""
    rate = parse_amount(value)
    if rate >= params.COIN:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Fee rates larger than or equal to 1BTC/kvB are not accepted")
    return rate


def parse_raw_tx(hexstr: str, message: str) -> tuple[CTransaction, bytes]:
    """Decode a transaction from strict hex (Core's DecodeHexTx); ``message`` is Core's -22 text for the RPC."""
    if not HEX.match(hexstr):
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, message)
    try:
        return decode_tx(bytes.fromhex(hexstr))
    except InvalidHexError:
        raise JSONRPCError(RPC_DESERIALIZATION_ERROR, message) from None

