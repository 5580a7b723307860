"""geth's raw-data debug methods (ethereum/go-ethereum internal/ethapi/api.go ``DebugAPI``; ethereum/execution-apis
src/debug/getters.yaml): ``debug_getRawHeader`` and ``debug_getRawBlock`` (RLP), ``debug_getRawReceipts`` (each
receipt's consensus encoding, EIP-2718 envelope for typed ones) and ``debug_getRawTransaction`` (the signed
transaction's encoding, as ``eth_getRawTransactionByHash``)."""

from __future__ import annotations

from typing import Any

import rlp

from hemi.rpc.eth import EthApi, RPCError, _rlp, d, method, parse_hash
from hemi.rpc.eth_raw import _raw_by_hash


def _number(api: EthApi, block: Any) -> int:
    if isinstance(block, str) and len(block) == 66:
        n = api.engine.block_number_of(parse_hash(block, "block hash"))
        if n is None:
            raise RPCError(-32001, "block not found")
        return n
    return api.block_number(block)


@method("debug_getRawHeader")
def _raw_header(api: EthApi, block: Any) -> str:
    return d(rlp.encode(api.engine.block(_number(api, block)).header))


@method("debug_getRawBlock")
def _raw_block(api: EthApi, block: Any) -> str:
    return d(_rlp(api.engine.block(_number(api, block))))


@method("debug_getRawReceipts")
def _raw_receipts(api: EthApi, block: Any) -> list[str]:
    hashes = api.engine.block_record(_number(api, block)).tx_hashes
    return [d(api.engine.tx_record(h).receipt.encode()) for h in hashes]


@method("debug_getRawTransaction")
def _raw_transaction(api: EthApi, tx_hash: Any) -> str | None:
    return _raw_by_hash(api, tx_hash)
