"""``eth_*`` methods that read transactions: by hash (mined or pending) or block position, their receipts, and
their raw encodings as geth serves them (ethereum/go-ethereum internal/ethapi/api.go):
``eth_getRawTransactionByHash``, ``eth_getRawTransactionByBlockHashAndIndex`` and
``eth_getRawTransactionByBlockNumberAndIndex`` answer the signed transaction's canonical encoding (the EIP-2718
envelope for typed transactions), null when there is none."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, d, parse_hash, parse_q, q


def get_tx(api: RpcContext, tx_hash: Any) -> dict[str, Any] | None:
    h = parse_hash(tx_hash, "transaction hash")
    rec = api.engine.tx_record(h)
    if rec is not None:
        return api.tx_json(rec)
    for rec in api.engine.pending_records:  # automine off: pending, not yet in a block (no index, as geth)
        if rec.tx.hash == h:
            return api.tx_json(None, rec.tx, sender=rec.sender)
    remote: dict[str, Any] | None = api.remote("eth_getTransactionByHash", d(h))  # a forked remote's, if any
    return remote


def _in_block(api: RpcContext, n: int, index: Any) -> Any:
    """The record of transaction ``index`` of block ``n``, or None past its end."""
    hashes = api.engine.block_record(n).tx_hashes
    i = parse_q(index, "index")
    return api.engine.tx_record(hashes[i]) if i < len(hashes) else None


def get_tx_by_number_index(api: RpcContext, tag: Any, index: Any) -> dict[str, Any] | None:
    n = api.block_number(tag)
    if api.from_remote(n):
        result: dict[str, Any] | None = api.remote("eth_getTransactionByBlockNumberAndIndex", q(n),
                                                   q(parse_q(index, "index")))
        return result
    rec = _in_block(api, n, index)
    return None if rec is None else api.tx_json(rec)


def get_tx_by_hash_index(api: RpcContext, block_hash: Any, index: Any) -> dict[str, Any] | None:
    h = parse_hash(block_hash)
    n = api.engine.block_number_of(h)
    if n is None or api.from_remote(n):
        result: dict[str, Any] | None = api.remote("eth_getTransactionByBlockHashAndIndex", d(h),
                                                   q(parse_q(index, "index")))
        return result
    rec = _in_block(api, n, index)
    return None if rec is None else api.tx_json(rec)


def get_receipt(api: RpcContext, tx_hash: Any) -> dict[str, Any] | None:
    h = parse_hash(tx_hash, "transaction hash")
    rec = api.engine.tx_record(h)
    if rec is None:
        result: dict[str, Any] | None = api.remote("eth_getTransactionReceipt", d(h))
        return result
    return api.receipt_json(rec)


def _pending_tx(api: RpcContext, h: bytes) -> Any:
    return next((tx for tx in api.engine.pending_txs if tx.hash == h), None)


def raw_by_hash(api: RpcContext, tx_hash: Any) -> str | None:
    h = parse_hash(tx_hash, "transaction hash")
    rec = api.engine.tx_record(h)
    tx = rec.tx if rec is not None else _pending_tx(api, h)
    return None if tx is None else d(tx.encode())


def _raw_in_block(api: RpcContext, n: int | None, index: Any) -> str | None:
    i = parse_q(index, "index")
    if n is None:
        return None
    hashes = api.engine.block_record(n).tx_hashes
    return d(api.engine.tx_record(hashes[i]).tx.encode()) if i < len(hashes) else None


def raw_by_number_index(api: RpcContext, tag: Any, index: Any) -> str | None:
    try:
        n: int | None = api.block_number(tag)
    except RPCError as err:
        if err.code != -32001:  # a malformed tag is the caller's error; an unknown block is null
            raise
        n = None
    return _raw_in_block(api, n, index)


def raw_by_hash_index(api: RpcContext, block_hash: Any, index: Any) -> str | None:
    return _raw_in_block(api, api.engine.block_number_of(parse_hash(block_hash, "block hash")), index)


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_getTransactionByHash": get_tx, "eth_getTransactionByBlockNumberAndIndex": get_tx_by_number_index,
    "eth_getTransactionByBlockHashAndIndex": get_tx_by_hash_index, "eth_getTransactionReceipt": get_receipt,
    "eth_getRawTransactionByHash": raw_by_hash, "eth_getRawTransactionByBlockNumberAndIndex": raw_by_number_index,
    "eth_getRawTransactionByBlockHashAndIndex": raw_by_hash_index,
})
