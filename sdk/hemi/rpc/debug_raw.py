"""geth's raw-data debug methods (ethereum/go-ethereum internal/ethapi/api.go ``DebugAPI``; ethereum/execution-apis
src/debug/getters.yaml): ``debug_getRawHeader`` and ``debug_getRawBlock`` (RLP), ``debug_getRawReceipts`` (each
receipt's consensus encoding, EIP-2718 envelope for typed ones) and ``debug_getRawTransaction`` (the signed
transaction's encoding, as ``eth_getRawTransactionByHash``)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import rlp

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.eth_txs import raw_by_hash
from hemi.rpc.params import Handler, d, parse_hash
from hemi.rpc.shapes import block_rlp


def _number(api: RpcContext, block: Any) -> int:
    if isinstance(block, str) and len(block) == 66:
        n: int | None = api.engine.block_number_of(parse_hash(block, "block hash"))
        if n is None:
            raise RPCError(-32001, "block not found")
        return n
    return api.block_number(block)


def raw_header(api: RpcContext, block: Any) -> str:
    return d(rlp.encode(api.engine.block(_number(api, block)).header))


def raw_block(api: RpcContext, block: Any) -> str:
    return d(block_rlp(api.engine.block(_number(api, block))))


def raw_receipts(api: RpcContext, block: Any) -> list[str]:
    hashes = api.engine.block_record(_number(api, block)).tx_hashes
    return [d(api.engine.tx_record(h).receipt.encode()) for h in hashes]


def raw_transaction(api: RpcContext, tx_hash: Any) -> str | None:
    return raw_by_hash(api, tx_hash)


METHODS: Mapping[str, Handler] = MappingProxyType({
    "debug_getRawHeader": raw_header, "debug_getRawBlock": raw_block, "debug_getRawReceipts": raw_receipts,
    "debug_getRawTransaction": raw_transaction,
})
