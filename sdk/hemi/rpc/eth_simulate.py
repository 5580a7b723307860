"""``eth_simulateV1`` (ethereum/execution-apis src/eth/execute.yaml): blocks of calls simulated on top of a block,
each with optional ``blockOverrides`` (number, time, gasLimit, feeRecipient, prevRandao, baseFeePerGas) and
``stateOverrides`` (geth's account override set), run by the engine's ``simulate`` (through :mod:`hemi.node.api`).

``validation: true`` checks each call as a transaction (nonce, funds for gas and value, fee cap against the base
fee) and refuses the request with execute.yaml's codes (-38010 nonce too low, -38011 nonce too high, -38012 fee
cap below the base fee, -38013 intrinsic gas, -38014 insufficient funds); without it calls run for free (base fee
0 unless overridden) with nonces filled from the simulated state. A block number or time that does not increase
is refused (-38020, -38021); a number that jumps ahead is used as given (geth would fill the gap with empty
blocks). Each block answers as a block object plus ``calls``: ``status``, ``returnData``,
``gasUsed``, ``logs`` (with ``traceTransfers``, ETH transfers as ERC-7528 logs) and, for a failed call, ``error``
(code 3 with the revert data for a revert, -32015 for another VM error). The simulated transactions are unsigned:
their hashes are signing hashes; ``transactionsRoot`` and ``receiptsRoot`` are the empty trie's.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from eth_bloom import BloomFilter

from hemi.constants import EMPTY_TRIE_ROOT
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import Reverted, RPCError, revert_error
from hemi.rpc.params import Handler, addr, d, parse_addr, parse_hash, parse_q, parse_state_overrides, q, word

MAX_BLOCKS = 256  # geth's maxSimulateBlocks
_HEADER_FIELDS = {"number": "block_number", "time": "timestamp", "gasLimit": "gas_limit",
                  "baseFeePerGas": "base_fee_per_gas"}
_CODES = {"nonce": -38010, "fee": -38012, "intrinsic": -38013, "funds": -38014, "invalid": -32602}


def _header_overrides(v: Any) -> dict:
    if v is None:
        return {}
    if not isinstance(v, dict):
        raise RPCError(-32602, "invalid blockOverrides: expected an object")
    out: dict[str, Any] = {}
    for key, value in v.items():
        if key in _HEADER_FIELDS:
            out[_HEADER_FIELDS[key]] = parse_q(value, f"blockOverrides.{key}")
        elif key == "feeRecipient":
            out["coinbase"] = parse_addr(value, "blockOverrides.feeRecipient")
        elif key == "prevRandao":
            out["mix_hash"] = parse_hash(value, "blockOverrides.prevRandao")
        else:
            raise RPCError(-32602, f"unsupported block override {key!r} (supported: number, time, gasLimit, "
                                   f"feeRecipient, prevRandao, baseFeePerGas)")
    return out


def simulate_v1(api: RpcContext, payload: Any, tag: Any = "latest") -> list[dict]:
    # deferred: the simulator loads on the first eth_simulateV1, not with every face
    from hemi.node.api import SimulationError, simulate, state_root_at

    if not isinstance(payload, dict) or not isinstance(payload.get("blockStateCalls"), list):
        raise RPCError(-32602, "eth_simulateV1 takes {blockStateCalls: [...], validation?, traceTransfers?}")
    specs = payload["blockStateCalls"]
    if len(specs) > MAX_BLOCKS:
        raise RPCError(-38026, f"too many blocks: {len(specs)} (at most {MAX_BLOCKS})")
    validation, transfers = bool(payload.get("validation")), bool(payload.get("traceTransfers"))
    n = api.state_number(tag)
    base = api.engine.head_number if n is None else n
    blocks, calls_per_block = [], []
    number, time = api.engine.block(base).header.block_number, api.engine.block(base).header.timestamp
    for spec in specs:
        if not isinstance(spec, dict) or not isinstance(spec.get("calls", []), list):
            raise RPCError(-32602, "each blockStateCall is {blockOverrides?, stateOverrides?, calls?}")
        header = _header_overrides(spec.get("blockOverrides"))
        prev_number, prev_time = number, time
        number, time = header.get("block_number", number + 1), header.get("timestamp", time + 12)
        if number <= prev_number:
            raise RPCError(-38020, f"block number {number} is not above its parent's {prev_number}")
        if time <= prev_time:
            raise RPCError(-38021, f"block time {time} is not above its parent's {prev_time}")
        header["block_number"], header["timestamp"] = number, time
        blocks.append({"header": header, "overrides": parse_state_overrides(spec.get("stateOverrides")) or {}})
        calls_per_block.append(spec.get("calls") or [])
    todo = iter(calls_per_block)

    def make_calls(state: Any, header: Any) -> list[tuple[Any, bytes]]:
        out: list[tuple[Any, bytes]] = []
        nonces: dict[bytes, int] = {}
        for obj in next(todo):
            if not isinstance(obj, dict):
                raise RPCError(-32602, "each call is a transaction object")
            sender = parse_addr(obj["from"], "from") if obj.get("from") else b"\x00" * 20
            if obj.get("nonce") is None:
                nonces[sender] = nonces.get(sender, state.get_nonce(sender))
                obj = dict(obj, nonce=q(nonces[sender]))
            nonces[sender] = parse_q(obj["nonce"], "nonce") + 1
            if obj.get("gas") is None:
                obj = dict(obj, gas=q(header.gas_limit))
            tx, _ = api.unsigned_from_json(obj, for_call=not validation)
            out.append((tx, sender))
        return out

    try:
        result = simulate(api.engine, base, state_root_at(api.engine, n), blocks, make_calls,
                          validation=validation, transfers=transfers)
    except SimulationError as err:
        code = _CODES[err.kind]
        if err.kind == "nonce" and "high" in str(err).lower():
            code = -38011
        raise RPCError(code, str(err)) from None
    finally:
        api.dev._restore_indexer()
    return [_block_json(b) for b in result]


def _block_json(block: Any) -> dict:
    h = block.header
    bloom = BloomFilter()
    log_index = 0
    calls = []
    block_hash = d(h.hash)
    for i, (call, tx_hash) in enumerate(zip(block.calls, block.tx_hashes, strict=True)):
        logs = []
        for lg in call.logs:
            bloom.add(lg.address)
            for t in lg.topics:
                bloom.add(t.to_bytes(32, "big"))
            logs.append({"address": addr(lg.address), "topics": [word(t) for t in lg.topics],
                         "data": d(lg.data), "blockNumber": q(h.block_number), "blockHash": block_hash,
                         "transactionHash": d(tx_hash), "transactionIndex": q(i), "logIndex": q(log_index),
                         "removed": False})
            log_index += 1
        out: dict[str, Any] = {"returnData": d(call.output), "logs": logs, "gasUsed": q(call.gas_used),
                               "status": q(1 if call.success else 0)}
        if not call.success:
            if call.is_revert:
                err = revert_error(Reverted(call.output))
                out["error"] = {"code": 3, "message": err.message, "data": d(call.output)}
            else:
                out["error"] = {"code": -32015, "message": call.error}
        calls.append(out)
    return {
        "number": q(h.block_number), "hash": block_hash, "parentHash": d(h.parent_hash), "nonce": d(h.nonce),
        "sha3Uncles": d(h.uncles_hash), "logsBloom": d(int(bloom).to_bytes(256, "big")),
        "transactionsRoot": d(EMPTY_TRIE_ROOT), "stateRoot": d(h.state_root), "receiptsRoot": d(EMPTY_TRIE_ROOT),
        "miner": addr(h.coinbase), "difficulty": q(h.difficulty), "extraData": d(h.extra_data),
        "size": q(0), "gasLimit": q(h.gas_limit), "gasUsed": q(h.gas_used), "timestamp": q(h.timestamp),
        "transactions": [d(t) for t in block.tx_hashes], "uncles": [], "baseFeePerGas": q(h.base_fee_per_gas),
        "mixHash": d(h.mix_hash), "withdrawals": [], "withdrawalsRoot": d(h.withdrawals_root),
        "blobGasUsed": q(h.blob_gas_used), "excessBlobGas": q(h.excess_blob_gas),
        "parentBeaconBlockRoot": d(h.parent_beacon_block_root), "calls": calls,
    }



METHODS: Mapping[str, Handler] = MappingProxyType({"eth_simulateV1": simulate_v1})
