"""JSON values as Bitcoin Core writes them: BTC amounts, compact JSON, UniValue type names, difficulty.

Amounts are :class:`decimal.Decimal` of exactly 8 places (the type python-bitcoinlib parses them into), and
:func:`dumps` writes them as plain numbers (``50.00000000``), as Core's UniValue does.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from hemi.btc import params


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
        return f"{value:.16g}" if value == value and value not in (float("inf"), float("-inf")) else "null"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        return "{" + ",".join(f"{json.dumps(str(k), ensure_ascii=False)}:{dumps(v)}" for k, v in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ",".join(dumps(v) for v in value) + "]"
    raise TypeError(f"not JSON-serializable: {type(value).__name__}")


def json_type(value: Any) -> str:
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


def difficulty(bits: int) -> float:
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
