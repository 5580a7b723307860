"""Raw-transaction methods, ``eth_signTransaction``'s result and the pending block, as geth serves them.

- ``eth_getRawTransactionByHash``, ``eth_getRawTransactionByBlockHashAndIndex`` and
  ``eth_getRawTransactionByBlockNumberAndIndex``: the signed transaction's canonical encoding (the EIP-2718 envelope
  for typed transactions), null when there is none (ethereum/go-ethereum internal/ethapi/api.go).
- ``eth_signTransaction``: ``{raw, tx}`` (go-ethereum's SignTransactionResult; ethereum/execution-apis
  src/eth/sign.yaml).
- ``eth_getBlockByNumber("pending")``: the block the next ``evm_mine`` would seal, with ``hash``, ``nonce`` and
  ``miner`` null as geth nulls them for the pending block (internal/ethapi/api.go GetBlockByNumber).
"""

from __future__ import annotations

from typing import Any

from hemi.rpc.eth import EthApi, RPCError, _dev_key, _estimate, d, method, parse_hash, parse_q, q


def _pending_tx(api: EthApi, h: bytes) -> Any:
    return next((tx for tx in api.engine.pending_txs if tx.hash == h), None)


@method("eth_getRawTransactionByHash")
def _raw_by_hash(api: EthApi, tx_hash: Any) -> str | None:
    h = parse_hash(tx_hash, "transaction hash")
    rec = api.engine.tx_record(h)
    tx = rec.tx if rec is not None else _pending_tx(api, h)
    return None if tx is None else d(tx.encode())


def _raw_in_block(api: EthApi, n: int | None, index: Any) -> str | None:
    i = parse_q(index, "index")
    if n is None:
        return None
    hashes = api.engine.block_record(n).tx_hashes
    return d(api.engine.tx_record(hashes[i]).tx.encode()) if i < len(hashes) else None


@method("eth_getRawTransactionByBlockNumberAndIndex")
def _raw_by_number_index(api: EthApi, tag: Any, index: Any) -> str | None:
    try:
        n: int | None = api.block_number(tag)
    except RPCError as err:
        if err.code != -32001:  # a malformed tag is the caller's error; an unknown block is null
            raise
        n = None
    return _raw_in_block(api, n, index)


@method("eth_getRawTransactionByBlockHashAndIndex")
def _raw_by_hash_index(api: EthApi, block_hash: Any, index: Any) -> str | None:
    return _raw_in_block(api, api.engine.block_number_of(parse_hash(block_hash, "block hash")), index)


@method("eth_signTransaction")
def _sign_transaction(api: EthApi, obj: Any) -> dict:
    """The transaction a dev account would send (not sent), filled in as eth_sendTransaction does: ``{raw, tx}``."""
    if not isinstance(obj, dict) or not obj.get("from"):
        raise RPCError(-32602, "eth_signTransaction needs a `from`")
    key = _dev_key(api, obj["from"])
    if obj.get("gas") is None:
        obj = dict(obj, gas=_estimate(api, obj))
    unsigned, sender = api.unsigned_from_json(obj)
    signed = unsigned.as_signed_transaction(key.key, chain_id=api.engine.chain_id)
    return {"raw": d(signed.encode()), "tx": api.tx_json(None, signed, sender=sender)}


def pending_block_json(api: EthApi, full: bool) -> dict:
    """The pending block: the head's successor holding the transactions waiting with automine off."""
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
