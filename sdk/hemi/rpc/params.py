"""JSON-RPC values in and out: quantities, data, addresses and hashes as a node writes them (hex quantities, 0x
data, checksummed addresses), and the parsers of request params, each failing with -32602 naming the param."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from eth_utils import to_checksum_address

from hemi.errors import brief
from hemi.node.api import AccountOverride
from hemi.rpc.errors import RPCError

Handler = Callable[..., Any]  # a method: (api, *params) -> JSON result


# ---------------------------------------------------------------------------------------------- encoding

def q(n: int) -> str:
    """A quantity: ``0x``-hex without leading zeros."""
    return hex(n)


def d(b: bytes) -> str:
    """Data: ``0x``-hex of the bytes."""
    return "0x" + bytes(b).hex()


def checksum(b: bytes) -> str:
    """A checksummed address."""
    return str(to_checksum_address(b))


def addr(b: bytes | None) -> str | None:
    """A checksummed address, or None."""
    return None if b is None else checksum(b)


def word(n: int) -> str:
    """A 256-bit word (a log topic, a storage key) as 32 bytes of data."""
    return d(n.to_bytes(32, "big"))


# ---------------------------------------------------------------------------------------------- parsing

def parse_q(v: Any, name: str = "value") -> int:
    if isinstance(v, int) and not isinstance(v, bool) and v >= 0:
        return v
    if isinstance(v, str) and _QUANTITY.fullmatch(v):  # int(v, 16) would also take "0x0_0" and " 0x1 "
        return int(v, 16)
    raise RPCError(-32602, f"invalid {name}: expected a hex quantity of at most 64 digits, got {brief(v)}")


_QUANTITY = re.compile(r"0[xX][0-9a-fA-F]{1,64}")  # a uint256 at most: longer ones only cost time to convert


def parse_uint256(v: Any, name: str = "value") -> int:
    n = parse_q(v, name)
    if n >= 2**256:
        raise RPCError(-32602, f"invalid {name}: {v!r} does not fit in 256 bits")
    return n


def parse_data(v: Any, name: str = "data") -> bytes:
    if v is None:
        return b""
    if isinstance(v, str) and v[:2] in ("0x", "0X"):
        try:
            b = bytes.fromhex(v[2:])
        except ValueError:
            pass
        else:
            if 2 * len(b) + 2 == len(v):  # fromhex skips whitespace between bytes: "0x12 34" is not hex data
                return b
    raise RPCError(-32602, f"invalid {name}: expected 0x-prefixed hex, got {brief(v)}")


def parse_addr(v: Any, name: str = "address") -> bytes:
    b = parse_data(v, name) if isinstance(v, str) else None
    if b is None or len(b) != 20:
        raise RPCError(-32602, f"invalid {name}: expected a 20-byte address, got {brief(v)}")
    return b


def parse_hash(v: Any, name: str = "hash") -> bytes:
    b = parse_data(v, name)
    if len(b) != 32:
        raise RPCError(-32602, f"invalid {name}: expected 32 bytes, got {brief(v)}")
    return b


def parse_access_list(v: Any) -> list[tuple[bytes, tuple[int, ...]]]:
    """EIP-2930's ``[{address, storageKeys}]``; absent or null is empty."""
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(e, dict) and "address" in e and
                                          isinstance(e.get("storageKeys") or [], list) for e in v):
        raise RPCError(-32602, "invalid accessList: expected an array of {address, storageKeys: [key, ...]}")
    return [(parse_addr(e["address"], "accessList address"),
             tuple(int.from_bytes(parse_hash(k, "accessList storage key"), "big") for k in e.get("storageKeys") or []))
            for e in v]


def _below(value: int, bound: int, what: str) -> int:
    if value >= bound:
        raise RPCError(-32602, f"invalid {what}: {value} does not fit (at most {bound - 1})")
    return value


def parse_authorization_list(v: Any) -> list[dict[str, Any]]:
    """EIP-7702's ``[{chainId, address, nonce, yParity, r, s}]`` (execution-apis ``AuthorizationList``); absent or
    null is empty."""
    if v is None:
        return []
    if not isinstance(v, list) or not all(isinstance(e, dict) for e in v):
        raise RPCError(-32602, "invalid authorizationList: expected an array of {chainId, address, nonce, yParity, "
                               "r, s}")
    try:
        return [{"chain_id": parse_uint256(e["chainId"], "authorization chainId"),
                 "address": parse_addr(e["address"], "authorization address"),
                 "nonce": _below(parse_q(e["nonce"], "authorization nonce"), 2**64, "authorization nonce"),
                 "y_parity": _below(parse_q(e["yParity"] if "yParity" in e else e["v"], "authorization yParity"),
                                    2**8, "authorization yParity"),  # EIP-7702's field widths (uint64, uint8)
                 "r": parse_uint256(e["r"], "authorization r"), "s": parse_uint256(e["s"], "authorization s")}
                for e in v]
    except KeyError as err:
        raise RPCError(-32602, f"invalid authorizationList: an authorization lacks {err.args[0]!r}") from None


_OVERRIDE_FIELDS = {"balance", "nonce", "code", "state", "stateDiff"}


def _override_slots(acct: dict[str, Any], field: str, key: str) -> dict[int, int] | None:
    raw = acct.get(field)
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise RPCError(-32602, f"invalid {field} override for {key}: expected an object of slot -> value")
    return {int.from_bytes(parse_hash(k, f"{field} slot"), "big"):
            int.from_bytes(parse_hash(val, f"{field} value"), "big") for k, val in raw.items()}


def parse_state_overrides(v: Any) -> dict[bytes, AccountOverride] | None:
    """geth's state override set: ``{address: {balance?, nonce?, code?, state? | stateDiff?}}``, for one call."""
    if v is None:
        return None
    if not isinstance(v, dict):
        raise RPCError(-32602, "invalid state overrides: expected an object of address -> account override")
    out = {}
    for key, acct in v.items():
        address = parse_addr(key, "state override address")
        if not isinstance(acct, dict) or not set(acct) <= _OVERRIDE_FIELDS:
            raise RPCError(-32602, f"invalid state override for {key}: expected an object with fields among "
                                   f"{sorted(_OVERRIDE_FIELDS)}, got {acct!r:.120}")
        if acct.get("state") is not None and acct.get("stateDiff") is not None:
            raise RPCError(-32602, f"invalid state override for {key}: both state and stateDiff are set")
        nonce = acct.get("nonce")
        override = out[address] = AccountOverride(
            balance=parse_uint256(acct["balance"], "balance override") if acct.get("balance") is not None else None,
            nonce=parse_q(nonce, "nonce override") if nonce is not None else None,
            code=parse_data(acct["code"], "code override") if acct.get("code") is not None else None,
            state=_override_slots(acct, "state", key), state_diff=_override_slots(acct, "stateDiff", key))
        if override.nonce is not None and override.nonce >= 2**64:
            raise RPCError(-32602, f"invalid nonce override for {key}: above 2**64 - 1")
    return out
