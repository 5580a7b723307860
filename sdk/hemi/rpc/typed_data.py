"""Checks of an EIP-712 document before it is signed (``eth_signTypedData_v4``), which the encoder would otherwise
sign without complaint: the primary type and every referenced struct type are defined, every struct value is an
object with each declared field, arrays are arrays and fixed-size arrays hold exactly their length
(EIP-712 "Definition of encodeData"; web3.py's suite expects "Expected 2 items for array type Person[2], got 1
items", ethereum/web3.py web3/_utils/module_testing/eth_module.py ``test_invalid_eth_sign_typed_data``). Failures
are -32602 invalid params.
"""

from __future__ import annotations

import re
from typing import Any

from hemi.rpc.errors import RPCError

_ARRAY = re.compile(r"^(.*)\[(\d*)\]$")


def _fail(msg: str) -> RPCError:
    return RPCError(-32602, f"invalid typed data: {msg}")


def _check(types: dict, kind: str, value: Any, where: str) -> None:
    m = _ARRAY.match(kind)
    if m:
        inner, size = m.group(1), m.group(2)
        if not isinstance(value, list):
            raise _fail(f"{where}: expected an array for type {kind}, got {type(value).__name__}")
        if size and len(value) != int(size):
            raise _fail(f"Expected {size} items for array type {kind}, got {len(value)} items")
        for i, item in enumerate(value):
            _check(types, inner, item, f"{where}[{i}]")
        return
    if kind in types:
        if not isinstance(value, dict):
            raise _fail(f"{where}: expected an object for struct type {kind}")
        for field in types[kind]:
            if field["name"] not in value:
                raise _fail(f"{where}: missing field {field['name']!r} of type {kind}")
            _check(types, field["type"], value[field["name"]], f"{where}.{field['name']}")


def validate(typed: dict) -> None:
    types = typed.get("types")
    if not isinstance(types, dict) or not all(
            isinstance(fs, list) and all(isinstance(f, dict) and {"name", "type"} <= set(f) for f in fs)
            for fs in types.values()):
        raise _fail("`types` must map each type name to a list of {name, type}")
    primary = typed.get("primaryType")
    if primary not in types:
        raise _fail(f"primaryType {primary!r} is not among the types")
    if "EIP712Domain" in types:
        _check(types, "EIP712Domain", typed.get("domain", {}), "domain")
    _check(types, str(primary), typed.get("message"), "message")  # a key of `types`: a str
