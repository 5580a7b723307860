"""``eth_*`` methods that read blocks: by number (including geth's pending block) or hash, their transaction
counts, their receipts (``eth_getBlockReceipts``), and the uncles a proof-of-stake style chain never has."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, d, parse_hash, q


def pending_block_json(api: RpcContext, full: bool) -> dict[str, Any]:
    """The pending block: the head's successor holding the transactions waiting with automine off, with ``hash``,
    ``nonce`` and ``miner`` null as geth nulls them (internal/ethapi/api.go GetBlockByNumber)."""
    head = api.block_json(api.engine.head_number, False)
    h = api.engine.pending_header
    txs = api.engine.pending_txs
    out = dict(head)
    out.update({
        "number": q(h.block_number), "hash": None, "nonce": None, "miner": None, "parentHash": head["hash"],
        "timestamp": q(h.timestamp), "baseFeePerGas": q(h.base_fee_per_gas), "gasLimit": q(h.gas_limit),
        "gasUsed": q(sum(tx.gas for tx in txs)),
        "transactions": [api.tx_json(None, tx, sender=tx.sender, index=i) if full else d(tx.hash)
                         for i, tx in enumerate(txs)],
    })
    return out


def get_block_by_number(api: RpcContext, tag: Any, full: bool = False) -> dict[str, Any] | None:
    if tag == "pending":
        return pending_block_json(api, bool(full))
    try:
        n = api.block_number(tag)
    except RPCError as err:
        if err.code == -32001:
            return None
        raise
    if api.from_remote(n):  # a forked remote's block, with its transactions
        remote: dict[str, Any] | None = api.remote("eth_getBlockByNumber", q(n), bool(full))
        return remote
    return api.block_json(n, bool(full))


def get_block_by_hash(api: RpcContext, block_hash: Any, full: bool = False) -> dict[str, Any] | None:
    h = parse_hash(block_hash, "block hash")
    n = api.engine.block_number_of(h)
    if n is None or api.from_remote(n):  # unknown here: a forked remote's block up to the fork block, if any
        remote: dict[str, Any] | None = api.remote("eth_getBlockByHash", d(h), bool(full))
        return remote
    return api.block_json(n, bool(full))


def _remote_count(block: dict[str, Any] | None) -> str | None:
    return None if block is None else q(len(block.get("transactions") or ()))


def count_by_number(api: RpcContext, tag: Any) -> str:
    n = api.block_number(tag)
    if api.from_remote(n):
        return _remote_count(api.remote("eth_getBlockByNumber", q(n), False)) or q(0)
    return q(len(api.engine.block_record(n).tx_hashes))


def count_by_hash(api: RpcContext, block_hash: Any) -> str | None:
    h = parse_hash(block_hash)
    n = api.engine.block_number_of(h)
    if n is None or api.from_remote(n):
        return _remote_count(api.remote("eth_getBlockByHash", d(h), False))
    return q(len(api.engine.block_record(n).tx_hashes))


def get_block_receipts(api: RpcContext, block: Any) -> list[dict[str, Any]] | None:
    """Every receipt of a block (by number, tag or hash, as geth's BlockNumberOrHash); null for an unknown block."""
    n: int | None
    if isinstance(block, str) and len(block) == 66:
        h = parse_hash(block, "block hash")
        n = api.engine.block_number_of(h)
        if n is None:  # a forked remote's block, by hash (None without a fork)
            by_hash: list[dict[str, Any]] | None = api.remote("eth_getBlockReceipts", d(h))
            return by_hash
    elif isinstance(block, dict):
        try:
            n = api.state_number(block)
        except RPCError:
            return None
        n = api.engine.head_number if n is None else n
    else:
        try:
            n = api.block_number(block)
        except RPCError as err:
            if err.code == -32001:
                return None
            raise
    if n is None:
        return None
    if api.from_remote(n):
        remote: list[dict[str, Any]] | None = api.remote("eth_getBlockReceipts", q(n))
        return remote
    return [api.receipt_json(api.engine.tx_record(h)) for h in api.engine.block_record(n).tx_hashes]


def uncle_count(api: RpcContext, block: Any) -> str:
    return q(0)  # a proof-of-stake style chain has no uncles


def uncle(api: RpcContext, block: Any, index: Any) -> None:
    return None


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_getBlockByNumber": get_block_by_number, "eth_getBlockByHash": get_block_by_hash,
    "eth_getBlockTransactionCountByNumber": count_by_number, "eth_getBlockTransactionCountByHash": count_by_hash,
    "eth_getBlockReceipts": get_block_receipts,
    "eth_getUncleCountByBlockNumber": uncle_count, "eth_getUncleCountByBlockHash": uncle_count,
    "eth_getUncleByBlockNumberAndIndex": uncle, "eth_getUncleByBlockHashAndIndex": uncle,
})
