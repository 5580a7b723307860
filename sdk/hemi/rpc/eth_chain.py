"""``eth_*`` methods about the chain as a whole: its id, head, accounts, fees (``eth_gasPrice``,
``eth_maxPriorityFeePerGas``, ``eth_feeHistory`` as geth answers it, eth/gasprice/feehistory.go)."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, addr, parse_q, q

MAX_FEE_HISTORY_BLOCKS = 1024  # geth's maxBlockCount for eth_feeHistory
DEFAULT_TIP = 10**9  # 1 gwei: the priority fee eth_gasPrice adds and eth_maxPriorityFeePerGas suggests


def chain_id(api: RpcContext) -> str:
    return q(api.engine.chain_id)


def syncing(api: RpcContext) -> bool:
    return False


def mining(api: RpcContext) -> bool:
    return bool(api.dev.automine)


def hashrate(api: RpcContext) -> str:
    return "0x0"


def coinbase(api: RpcContext) -> str | None:
    return addr(api.engine.coinbase)


def accounts(api: RpcContext) -> list[str]:
    return [str(a) for a in api.dev.accounts]


def block_number(api: RpcContext) -> str:
    return q(api.engine.head_number)


def gas_price(api: RpcContext) -> str:
    return q(api.engine.pending_header.base_fee_per_gas + DEFAULT_TIP)


def max_priority_fee(api: RpcContext) -> str:
    return q(DEFAULT_TIP)


def blob_base_fee(api: RpcContext) -> str:
    return q(1)


def effective_tip(tx: Any, base_fee: int) -> int:
    """What a transaction pays the block producer per gas above the base fee (EIP-1559's effective tip)."""
    if getattr(tx, "type_id", None) and hasattr(tx, "max_fee_per_gas"):
        return max(0, min(int(tx.max_priority_fee_per_gas), int(tx.max_fee_per_gas) - base_fee))
    return max(0, int(tx.gas_price) - base_fee)


def _block_rewards(api: RpcContext, n: int, percentiles: list[float]) -> list[str]:
    """geth's per-block reward percentiles: transactions sorted by effective tip, weighted by the gas each used;
    an empty block rewards 0 at every percentile."""
    rec = api.engine.block_record(n)
    base = rec.block.header.base_fee_per_gas
    txs = sorted(((effective_tip(t.tx, base), t.gas_used) for t in map(api.engine.tx_record, rec.tx_hashes)),
                 key=lambda x: x[0])
    if not txs:
        return [q(0) for _ in percentiles]
    total = sum(g for _, g in txs)
    out, i, cumulative = [], 0, txs[0][1]
    for p in percentiles:
        threshold = total * p / 100
        while cumulative < threshold and i < len(txs) - 1:
            i += 1
            cumulative += txs[i][1]
        out.append(q(txs[i][0]))
    return out


def fee_history(api: RpcContext, count: Any, newest: Any, percentiles: Any = None) -> dict[str, Any]:
    """As geth: up to 1024 blocks ending at ``newest``; ``baseFeePerGas`` has one more entry, the base fee of the
    block after ``newest``; rewards are the requested percentiles of each block's effective tips."""
    n = parse_q(count, "blockCount")
    if n < 0:
        raise RPCError(-32602, f"invalid blockCount {count!r}")
    n = min(n, MAX_FEE_HISTORY_BLOCKS)
    if percentiles is not None:
        if not isinstance(percentiles, list) or not all(
                isinstance(p, (int, float)) and not isinstance(p, bool) and 0 <= p <= 100 for p in percentiles):
            raise RPCError(-32602, f"invalid rewardPercentiles {percentiles!r}: numbers from 0 to 100")
        if any(b < a for a, b in zip(percentiles, percentiles[1:], strict=False)):
            raise RPCError(-32602, f"invalid rewardPercentiles {percentiles!r}: not in increasing order")
    last = api.block_number(newest)
    if n == 0:
        return {"oldestBlock": q(0), "baseFeePerGas": [], "gasUsedRatio": [], "baseFeePerBlobGas": [],
                "blobGasUsedRatio": []}
    first = max(0, last - n + 1)
    headers = [api.engine.block(i).header for i in range(first, last + 1)]
    following = api.engine.pending_header if last == api.engine.head_number else api.engine.block(last + 1).header
    out: dict[str, Any] = {
        "oldestBlock": q(first),
        "baseFeePerGas": [q(h.base_fee_per_gas) for h in headers] + [q(following.base_fee_per_gas)],
        "gasUsedRatio": [h.gas_used / h.gas_limit for h in headers],
        "baseFeePerBlobGas": [q(1) for _ in range(len(headers) + 1)],  # excess blob gas stays 0: the minimum
        "blobGasUsedRatio": [0.0 for _ in headers],
    }
    if percentiles is not None:
        out["reward"] = [_block_rewards(api, i, percentiles) for i in range(first, last + 1)]
    return out


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_chainId": chain_id, "eth_syncing": syncing, "eth_mining": mining, "eth_hashrate": hashrate,
    "eth_coinbase": coinbase, "eth_accounts": accounts, "eth_blockNumber": block_number, "eth_gasPrice": gas_price,
    "eth_maxPriorityFeePerGas": max_priority_fee, "eth_blobBaseFee": blob_base_fee, "eth_feeHistory": fee_history,
})
