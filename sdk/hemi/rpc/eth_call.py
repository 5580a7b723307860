"""``eth_call``, ``eth_estimateGas`` and ``eth_createAccessList``: running a transaction object without sending it.

``eth_createAccessList`` (EIP-2930's helper) answers the accounts and storage slots a call touches, and the gas it
uses with that list, as geth computes them (ethereum/go-ethereum internal/ethapi/api.go ``AccessList``): the call
is traced (the engine's ``AccessListTracer``) with the list found so far until the list stops changing; the
sender, the recipient (or created contract) and precompiles appear only with slots of their own. ``gasUsed`` is the
gas the final run needs, intrinsic gas of the list included (2,400 per address, 1,900 per key; EIP-2930), before
refunds, so that it works as the transaction's gas limit. A failing call answers ``error`` with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.node.api import AccessListTracer, EstimateFailed, instrument
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import revert_error
from hemi.rpc.params import Handler, d, parse_state_overrides, q
from hemi.rpc.shapes import access_list_json

MAX_ROUNDS = 8  # geth loops until the list is stable; a list that keeps changing stops here


def call(api: RpcContext, obj: Any, tag: Any = "latest", overrides: Any = None) -> str:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    tx = api.capped_gas(tx)
    state_overrides = parse_state_overrides(overrides)
    try:
        result = api.engine.call(tx, sender, n, state_overrides)
    finally:
        api.dev._restore_indexer()
    if not result.success:
        raise revert_error(result)
    return d(result.output)


def estimate_gas(api: RpcContext, obj: Any, tag: Any = "latest", overrides: Any = None) -> str:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    state_overrides = parse_state_overrides(overrides)
    try:
        return q(api.engine.estimate_gas(tx, sender, n, state_overrides))
    except EstimateFailed as err:
        raise revert_error(err.result) from None
    finally:
        api.dev._restore_indexer()


def _with_list(api: RpcContext, tx: Any, access_list: list[Any]) -> Any:
    common = dict(nonce=tx.nonce, gas=tx.gas, to=tx.to, value=tx.value, data=tx.data, access_list=access_list)
    if not hasattr(tx, "gas_price") or getattr(tx, "type_id", None) == 2:  # EIP-1559 fees (unsigned or signed)
        return api.engine.build_unsigned(max_fee=tx.max_fee_per_gas, max_priority_fee=tx.max_priority_fee_per_gas,
                                         **common)
    return api.engine.build_unsigned(gas_price=tx.gas_price, **common)


def create_access_list(api: RpcContext, obj: Any, tag: Any = "latest") -> dict[str, Any]:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    tx = api.capped_gas(tx)
    found = list(getattr(tx, "access_list", ()) or ())
    try:
        for _ in range(MAX_ROUNDS):
            run = _with_list(api, tx, found)
            tracer = AccessListTracer(exclude={sender})
            result = api.engine.call(run, sender, n, instrument=instrument(tracer))
            now = [(a, tuple(slots)) for a, slots in tracer.access_list()]
            if now == [(a, tuple(s)) for a, s in found]:
                break
            found = now
        run = _with_list(api, tx, found)
        result = api.engine.call(run, sender, n)
    finally:
        api.dev._restore_indexer()
    out: dict[str, Any] = {"accessList": access_list_json(found), "gasUsed": q(result.gas_used + run.intrinsic_gas)}
    if not result.success:
        out["error"] = revert_error(result).message
    return out


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_call": call, "eth_estimateGas": estimate_gas, "eth_createAccessList": create_access_list,
})
