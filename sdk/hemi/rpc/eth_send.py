"""Sending transactions: ``eth_sendTransaction`` (signed with a dev account's key, or unsigned from an impersonated
account), ``eth_sendRawTransaction``, and ``eth_signTransaction`` (go-ethereum's SignTransactionResult ``{raw, tx}``;
ethereum/execution-apis src/eth/sign.yaml). Every accepted transaction goes through :func:`submit`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.eth_call import estimate_gas
from hemi.rpc.params import Handler, addr, d, parse_addr, parse_data
from hemi.rpc.txpool import replace_by_fee


def submit(api: RpcContext, tx: Any, sender: bytes, *, signed: bool) -> bytes:
    """Validate and include ``tx`` (or replace the pooled one it bumps); tell the tx listeners; its hash."""
    dev = api.dev
    # automine off: a tx with the sender and nonce of a pooled one replaces it (or is refused, underpriced)
    tx_hash = replace_by_fee(api, tx, sender, signed=signed)
    if tx_hash is None:
        try:
            # the block's system transactions come first; validating must not open the block (that takes its
            # Bitcoin step and its forced inputs), so a closed block keeps room for their gas limits
            if dev.op is not None:
                dev.op.admit(tx, sender)
            api.engine.validate(tx, sender)
        except ValueError as err:
            raise RPCError(-32000, str(err)) from None
        tx_hash = dev.include(tx, sender, signed=signed).tx.hash
    for listener in list(api.tx_listeners):
        listener(tx_hash)
    return tx_hash


def send_transaction(api: RpcContext, obj: Any) -> str:
    if not isinstance(obj, dict) or not obj.get("from"):
        raise RPCError(-32602, "eth_sendTransaction needs a `from`")
    sender = parse_addr(obj["from"], "from")
    if obj.get("gas") is None:
        obj = dict(obj, gas=estimate_gas(api, obj))
    tx, _ = api.unsigned_from_json(obj)
    key = api.dev.key_for(sender)
    if key is not None and not api.dev.is_impersonated(sender):
        signed = api.engine.sign(tx, key.key, sender)
        return d(submit(api, signed, sender, signed=True))
    if api.dev.is_impersonated(sender):
        return d(submit(api, tx, sender, signed=False))
    raise RPCError(-32000, f"unknown account {addr(sender)}: no key and not impersonated")


def send_raw(api: RpcContext, raw: Any) -> str:
    data = parse_data(raw, "raw transaction")
    try:
        tx = api.engine.decode_raw(data)
        sender = tx.sender
    except Exception as err:  # noqa: BLE001 - py-evm raises assorted errors on garbage
        raise RPCError(-32602, f"invalid raw transaction: {err}") from None
    if getattr(tx, "chain_id", api.engine.chain_id) not in (None, api.engine.chain_id):
        raise RPCError(-32000, f"invalid chain id {tx.chain_id} (this chain is {api.engine.chain_id})")
    return d(submit(api, tx, sender, signed=True))


def sign_transaction(api: RpcContext, obj: Any) -> dict[str, Any]:
    """The transaction a dev account would send (not sent), filled in as eth_sendTransaction does: ``{raw, tx}``."""
    if not isinstance(obj, dict) or not obj.get("from"):
        raise RPCError(-32602, "eth_signTransaction needs a `from`")
    key = api.dev_key(obj["from"])
    if obj.get("gas") is None:
        obj = dict(obj, gas=estimate_gas(api, obj))
    unsigned, sender = api.unsigned_from_json(obj)
    signed = unsigned.as_signed_transaction(key.key, chain_id=api.engine.chain_id)
    return {"raw": d(signed.encode()), "tx": api.tx_json(None, signed, sender=sender)}


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_sendTransaction": send_transaction, "eth_sendRawTransaction": send_raw,
    "eth_signTransaction": sign_transaction,
})
