"""Devchain controls under anvil's names with the ``evm_*`` (ganache) and ``hardhat_*`` aliases: mining, the clock,
``evm_snapshot``/``evm_revert``, automine, direct edits of accounts, impersonation (foundry-rs/foundry
crates/anvil/src/eth/api.rs; Hardhat Network's JSON-RPC reference). Snapshot ids live in the devchain's
:class:`~hemi.rpc.context.RpcContext`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.errors import SnapshotError
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, parse_addr, parse_data, parse_q, parse_uint256, q

MAX_MINE_BLOCKS = 10_000  # one request holds the devchain (~2.5 ms a block): a typo'd count must not hang it
MIN_TIMESTAMP = 10**6  # evm_mine(x): x above the head's timestamp and this is a timestamp, else a block count


def _mine_count(v: Any) -> int:
    n = parse_q(v, "blocks")
    if n > MAX_MINE_BLOCKS:
        raise RPCError(-32602, f"cannot mine {n} blocks in one request (at most {MAX_MINE_BLOCKS}); send several, or "
                               f"move the clock with evm_increaseTime")
    return n


def mine(api: RpcContext, arg: Any = None, interval: Any = None) -> str:
    if isinstance(arg, dict):  # ganache-style {"timestamp": ..., "blocks": ...}
        if arg.get("timestamp") is not None:
            api.dev.set_next_timestamp(parse_q(arg["timestamp"]))
        api.dev.mine(_mine_count(arg.get("blocks", 1)))
    elif arg is not None and isinstance(arg, str) and arg.startswith("0x") and interval is None and \
            parse_q(arg) > api.engine.head.header.timestamp and parse_q(arg) > MIN_TIMESTAMP:
        api.dev.set_next_timestamp(parse_q(arg))  # evm_mine(timestamp)
        api.dev.mine(1)
    else:
        n = 1 if arg is None else _mine_count(arg)
        if interval is not None:
            step = parse_q(interval, "interval")
            if api.engine.head.header.timestamp + n * step >= 2**64:  # checked before any block: not half done
                raise RPCError(-32602, f"invalid interval: {n} blocks {step} s apart pass the largest timestamp "
                                       f"(2**64 - 1)")
            if step == 0:  # viem's testClient.mine sends ("0x3", "0x0"): no interval asked, blocks as usual
                api.dev.mine(n)
            else:
                for _ in range(n):  # hardhat_mine: blocks `interval` seconds apart, under block_time too
                    api.dev.set_next_timestamp(api.engine.head.header.timestamp + step)
                    api.dev.mine(1)
        else:
            api.dev.mine(n)
    return "0x0"


def snapshot(api: RpcContext) -> str:
    sid = next(api._evm_snapshot_ids)
    api._evm_snapshots[sid] = api.dev.snapshot()
    return q(sid)


def revert(api: RpcContext, sid: Any) -> bool:
    n = parse_q(sid, "snapshot id")
    s = api._evm_snapshots.pop(n, None)
    if s is None:
        return False
    # reverting uses the snapshot up, and every later one (as on anvil): let the devchain forget them all, or each
    # test of an ape/Hardhat-style suite would leave one behind
    for later in [k for k in api._evm_snapshots if k > n]:
        api.dev.discard(api._evm_snapshots.pop(later))
    try:
        api.dev.revert(s)
    except SnapshotError:  # ended through the Python API (an older revert, replace_state): unknown, as on anvil
        return False
    api.dev.discard(s)
    return True


def increase_time(api: RpcContext, seconds: Any) -> str:
    s = seconds if isinstance(seconds, int) else parse_q(seconds, "seconds")
    api.dev.time_travel(seconds=s)
    return q(s)


def set_next_timestamp(api: RpcContext, ts: Any) -> None:
    api.dev.set_next_timestamp(ts if isinstance(ts, int) else parse_q(ts, "timestamp"))


def get_automine(api: RpcContext) -> bool:
    return bool(api.dev.automine)


def set_automine(api: RpcContext, on: Any) -> None:
    if not isinstance(on, bool):  # a stray value must not switch the pool on: "latest" would stop seeing sends
        raise RPCError(-32602, f"invalid automine flag {on!r}: expected true or false")
    api.dev.automine = on


def set_balance(api: RpcContext, address: Any, value: Any) -> None:
    api.dev.set_balance(parse_addr(address), wei=parse_uint256(value, "balance"))


def set_nonce(api: RpcContext, address: Any, nonce: Any) -> None:
    api.dev.set_nonce(parse_addr(address), parse_q(nonce, "nonce"))


def set_code(api: RpcContext, address: Any, code: Any) -> None:
    api.dev.set_code(parse_addr(address), parse_data(code, "code"))


def set_storage(api: RpcContext, address: Any, slot: Any, value: Any) -> bool:
    raw = parse_data(value, "value")
    if len(raw) > 32:
        raise RPCError(-32602, f"invalid value: {len(raw)} bytes, a storage word holds 32")
    api.dev.set_storage(parse_addr(address), parse_uint256(slot, "slot"), int.from_bytes(raw, "big"))
    return True


def impersonate(api: RpcContext, address: Any) -> None:
    api.dev.impersonate(parse_addr(address))


def stop_impersonating(api: RpcContext, address: Any) -> None:
    api.dev.stop_impersonating(parse_addr(address))


METHODS: Mapping[str, Handler] = MappingProxyType({
    "evm_mine": mine, "anvil_mine": mine, "hardhat_mine": mine,
    "evm_snapshot": snapshot, "anvil_snapshot": snapshot,
    "evm_revert": revert, "anvil_revert": revert,
    "evm_increaseTime": increase_time, "anvil_increaseTime": increase_time,
    "evm_setNextBlockTimestamp": set_next_timestamp, "anvil_setNextBlockTimestamp": set_next_timestamp,
    "anvil_getAutomine": get_automine, "hardhat_getAutomine": get_automine,
    "evm_setAutomine": set_automine, "anvil_setAutomine": set_automine,
    "anvil_setBalance": set_balance, "hardhat_setBalance": set_balance,
    "anvil_setNonce": set_nonce, "hardhat_setNonce": set_nonce, "evm_setAccountNonce": set_nonce,
    "anvil_setCode": set_code, "hardhat_setCode": set_code,
    "anvil_setStorageAt": set_storage, "hardhat_setStorageAt": set_storage,
    "anvil_impersonateAccount": impersonate, "hardhat_impersonateAccount": impersonate,
    "anvil_stopImpersonatingAccount": stop_impersonating, "hardhat_stopImpersonatingAccount": stop_impersonating,
})
