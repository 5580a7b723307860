"""The JSON shapes of blocks, transactions, receipts and logs, as geth's ``internal/ethapi`` renders them
(``RPCMarshalBlock``, ``newRPCTransaction``, ``marshalReceipt``), from the engine's records.

Functions of the engine alone (no RPC state), so any method module and the server's subscriptions can render them;
the per-devchain block cache lives in :class:`hemi.rpc.context.RpcContext`. OP-stack and EIP-7702 fields come from
:mod:`hemi.rpc.op_fields`.
"""

from __future__ import annotations

from typing import Any

import rlp

from hemi.node.api import TxRecord
from hemi.rpc import op_fields
from hemi.rpc.params import addr, d, q, word


def access_list_json(access_list: Any) -> list[dict[str, Any]]:
    return [{"address": addr(a), "storageKeys": [word(k) for k in keys]} for a, keys in access_list]


def tx_json(engine: Any, rec: TxRecord | None, tx: Any = None, sender: bytes | None = None,
            block: Any = None, index: int | None = None) -> dict[str, Any]:
    """A transaction: mined (``rec``), or pending / just signed (``tx`` and ``sender``, no block)."""
    if tx is None:
        assert rec is not None, "a transaction's JSON needs its record or the transaction"
        tx = rec.tx
    block = block if block is not None else (engine.block(rec.block_number) if rec else None)
    position = rec.index if rec is not None else index
    out: dict[str, Any] = {
        "hash": d(tx.hash),
        "nonce": q(tx.nonce),
        "blockHash": d(block.hash) if block is not None else None,
        "blockNumber": q(block.number) if block is not None else None,
        "blockTimestamp": q(block.header.timestamp) if block is not None else None,  # execution-apis #749
        "transactionIndex": q(position) if position is not None else None,
        "from": addr(rec.sender if rec else sender),
        "to": addr(tx.to) if tx.to else None,
        "value": q(tx.value),
        "gas": q(tx.gas),
        "input": d(tx.data),
        "type": q(getattr(tx, "type_id", None) or 0),
        "chainId": q(engine.chain_id),
        "v": q(tx.y_parity if hasattr(tx, "y_parity") else tx.v),
        "r": q(tx.r),
        "s": q(tx.s),
    }
    if getattr(tx, "type_id", None) == 1:  # EIP-2930: a gas price and an access list, no fee caps
        out["gasPrice"] = q(tx.gas_price)
        out["accessList"] = access_list_json(tx.access_list)
        out["yParity"] = q(tx.y_parity)
    elif hasattr(tx, "max_fee_per_gas") and getattr(tx, "type_id", None):
        out["maxFeePerGas"] = q(tx.max_fee_per_gas)
        out["maxPriorityFeePerGas"] = q(tx.max_priority_fee_per_gas)
        # a mined tx shows the price it paid; a pending one its fee cap (geth's newRPCTransaction)
        out["gasPrice"] = q(min(tx.max_fee_per_gas, block.header.base_fee_per_gas + tx.max_priority_fee_per_gas)
                            if block is not None else tx.max_fee_per_gas)
        out["accessList"] = access_list_json(tx.access_list)
        out["yParity"] = q(tx.y_parity)
    else:
        out["gasPrice"] = q(tx.gas_price)
    op_fields.extend_tx(out, tx, rec)  # EIP-7702 authorizations, OP system-tx fields
    return out


def block_rlp(block: Any) -> bytes:
    """The block's RLP (for its `size`): typed transactions are byte strings inside it, legacy ones lists."""
    txs = [tx.encode() if getattr(tx, "type_id", None) else rlp.decode(tx.encode()) for tx in block.transactions]
    encoded: bytes = rlp.encode([block.header, txs, [], list(getattr(block, "withdrawals", []))])
    return encoded


def block_json(engine: Any, rec: Any, full: bool) -> dict[str, Any]:
    """A mined block from its record; ``full``: transactions as objects, else their hashes."""
    block, h = rec.block, rec.block.header
    txs: list[Any]
    if full:
        txs = [tx_json(engine, engine.tx_record(t)) for t in rec.tx_hashes]
    else:
        txs = [d(t) for t in rec.tx_hashes]
    extra = {"requestsHash": d(h.requests_hash)} if hasattr(h, "requests_hash") else {}  # Prague (EIP-7685)
    return {**extra,
        "number": q(h.block_number), "hash": d(block.hash), "parentHash": d(h.parent_hash),
        "nonce": d(h.nonce), "sha3Uncles": d(h.uncles_hash), "logsBloom": d(h.bloom.to_bytes(256, "big")),
        "transactionsRoot": d(h.transaction_root), "stateRoot": d(h.state_root),
        "receiptsRoot": d(h.receipt_root), "miner": addr(h.coinbase), "difficulty": q(h.difficulty),
        "totalDifficulty": q(0), "extraData": d(h.extra_data), "size": q(len(block_rlp(block))),
        "gasLimit": q(h.gas_limit), "gasUsed": q(h.gas_used), "timestamp": q(h.timestamp),
        "transactions": txs, "uncles": [], "baseFeePerGas": q(h.base_fee_per_gas), "mixHash": d(h.mix_hash),
        "withdrawals": [], "withdrawalsRoot": d(h.withdrawals_root), "blobGasUsed": q(h.blob_gas_used),
        "excessBlobGas": q(h.excess_blob_gas), "parentBeaconBlockRoot": d(h.parent_beacon_block_root),
    }


def log_json(engine: Any, n: int, rec: TxRecord, log_index: int, lg: Any) -> dict[str, Any]:
    """One log of a mined transaction (``n`` its block number, ``log_index`` its index in the block)."""
    block = engine.block(n)
    return {
        "address": addr(lg.address), "topics": [word(t) for t in lg.topics],
        "data": d(lg.data), "blockNumber": q(n), "blockHash": d(block.hash),
        "transactionHash": d(rec.tx.hash), "transactionIndex": q(rec.index), "logIndex": q(log_index),
        "removed": False,
    }


def receipt_json(engine: Any, rec: TxRecord) -> dict[str, Any]:
    """A mined transaction's receipt, with the price it paid and op-geth's L1-fee / deposit fields."""
    block = engine.block(rec.block_number)
    r, tx = rec.receipt, rec.tx
    base = block.header.base_fee_per_gas or 0  # always set on the devchain (London and later)
    if getattr(tx, "is_op_system", False):
        price = 0
    elif getattr(tx, "type_id", None):
        price = min(tx.max_fee_per_gas, base + tx.max_priority_fee_per_gas)
    else:
        price = tx.gas_price or 0  # legacy and access-list transactions always carry one
    return {
        "transactionHash": d(tx.hash), "transactionIndex": q(rec.index), "blockHash": d(block.hash),
        "blockNumber": q(rec.block_number), "from": addr(rec.sender), "to": addr(tx.to) if tx.to else None,
        "cumulativeGasUsed": q(r.gas_used), "gasUsed": q(rec.gas_used), "effectiveGasPrice": q(price),
        "contractAddress": addr(rec.contract_address),
        "logs": [log_json(engine, rec.block_number, rec, rec.log_index_start + i, lg) for i, lg in enumerate(r.logs)],
        "logsBloom": d(r.bloom.to_bytes(256, "big")), "type": q(getattr(tx, "type_id", None) or 0),
        "status": q(0 if rec.error else 1),
        **op_fields.receipt_extra(tx, rec),  # op-geth's L1-fee and deposit-nonce fields
    }
