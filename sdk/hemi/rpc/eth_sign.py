"""Signing with a dev account's key: ``personal_sign`` and ``eth_sign`` (EIP-191, as viem's and ethers' JSON-RPC
accounts' signMessage asks for it) and ``eth_signTypedData_v4`` (EIP-712, the document checked first by
:mod:`hemi.rpc.typed_data`)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.jsontext import loads
from hemi.rpc import typed_data
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, d, parse_data


def _message_bytes(message: Any) -> bytes:
    if isinstance(message, str) and message[:2] in ("0x", "0X"):
        return parse_data(message, "message")
    if isinstance(message, str):
        return message.encode()
    raise RPCError(-32602, f"invalid message: expected 0x-hex or text, got {message!r}")


def personal_sign(api: RpcContext, message: Any, address: Any, *_password: Any) -> str:
    """EIP-191 signature of ``message`` by a dev account (viem/ethers JSON-RPC accounts' signMessage)."""
    # deferred: eth_account pulls in py_ecc's BLS modules (0.8 s of import); only the signing methods need it
    from eth_account import Account
    from eth_account.messages import encode_defunct  # deferred: as above

    key = api.dev_key(address)
    return d(Account.sign_message(encode_defunct(primitive=_message_bytes(message)), key.private_key).signature)


def eth_sign(api: RpcContext, address: Any, message: Any) -> str:
    """Same as ``personal_sign`` with the arguments the other way round (geth's and anvil's eth_sign)."""
    return personal_sign(api, message, address)


def sign_typed_data(api: RpcContext, address: Any, typed: Any) -> str:
    """EIP-712 signature by a dev account; ``typed`` is the object or its JSON text (as MetaMask sends it)."""
    # deferred: eth_account pulls in py_ecc's BLS modules (0.8 s of import); only the signing methods need it
    from eth_account import Account
    from eth_account.messages import encode_typed_data  # deferred: as above

    key = api.dev_key(address)
    if isinstance(typed, str):
        try:
            typed = loads(typed)  # the server's parser: UTF-8 only, nesting bounded (no stack overflow)
        except ValueError as err:
            raise RPCError(-32602, f"invalid typed data: {err}") from None
    if not isinstance(typed, dict):
        raise RPCError(-32602, "typed data is an object {types, primaryType, domain, message}")
    typed_data.validate(typed)
    try:
        signable = encode_typed_data(full_message=typed)
    except Exception as err:  # noqa: BLE001 - eth_account raises assorted errors on malformed typed data
        raise RPCError(-32602, f"invalid typed data: {type(err).__name__}: {err}") from None
    return d(Account.sign_message(signable, key.private_key).signature)


METHODS: Mapping[str, Handler] = MappingProxyType({
    "personal_sign": personal_sign, "eth_sign": eth_sign,
    "eth_signTypedData_v4": sign_typed_data, "eth_signTypedData": sign_typed_data,
})
