"""``eth_createAccessList`` (EIP-2930's helper): the accounts and storage slots a call touches, and the gas it uses
with that list, as geth computes them (ethereum/go-ethereum internal/ethapi/api.go ``AccessList``): the call is
traced (:class:`hemi.hvm.trace.AccessListTracer`) with the list found so far until the list stops changing; the
sender, the recipient (or created contract) and precompiles appear only with slots of their own. ``gasUsed`` is the
gas the final run needs, intrinsic gas of the list included (2,400 per address, 1,900 per key; EIP-2930), before
refunds, so that it works as the transaction's gas limit. A failing call answers ``error`` with the reason.
"""

from __future__ import annotations

from typing import Any

from hemi.hvm.trace import AccessListTracer, instrument
from hemi.rpc.eth import EthApi, addr, d, method, q, revert_error

MAX_ROUNDS = 8  # geth loops until the list is stable; a list that keeps changing stops here


def _with_list(api: EthApi, tx: Any, access_list: list) -> Any:
    common = dict(nonce=tx.nonce, gas=tx.gas, to=tx.to, value=tx.value, data=tx.data, access_list=access_list)
    if not hasattr(tx, "gas_price") or getattr(tx, "type_id", None) == 2:  # EIP-1559 fees (unsigned or signed)
        return api.engine.build_unsigned(max_fee=tx.max_fee_per_gas, max_priority_fee=tx.max_priority_fee_per_gas,
                                         **common)
    return api.engine.build_unsigned(gas_price=tx.gas_price, **common)


@method("eth_createAccessList")
def _create_access_list(api: EthApi, obj: dict, tag: Any = "latest") -> dict:
    n = api.state_number(tag)
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    tx = tx.copy(gas=min(tx.gas, api.engine.pending_header.gas_limit))
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
    out: dict[str, Any] = {
        "accessList": [{"address": addr(a), "storageKeys": [d(k.to_bytes(32, "big")) for k in slots]}
                       for a, slots in found],
        "gasUsed": q(result.gas_used + run.intrinsic_gas)}
    if not result.success:
        out["error"] = revert_error(result).message
    return out
