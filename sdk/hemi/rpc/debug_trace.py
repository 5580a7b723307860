"""``debug_traceTransaction`` and ``debug_traceCall`` with geth's two tracers that ape and Foundry ask for: the
default struct logger and ``callTracer`` (ethereum/go-ethereum eth/tracers/api.go, eth/tracers/logger/logger.go,
eth/tracers/native/call.go). Tracing runs on the engine's tracers (through :mod:`hemi.node.api`); a mined
transaction is replayed on its block's parent state after the transactions before it (``EvmEngine.replay``).

Options read: ``tracer`` (absent: struct logger; ``callTracer``), ``tracerConfig.onlyTopCall`` and ``withLog``,
``enableMemory``, ``disableStack``, ``disableStorage``, ``enableReturnData``, ``limit``; for ``debug_traceCall``
also ``stateOverrides``. A CALL step's ``gasCost`` is what the step took in the end (the callee's use included,
its unused gas returned), where geth shows the gas it passed on.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.node.api import CallTracer, StructLogger, Tracer, instrument
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import Reverted, RPCError, revert_error
from hemi.rpc.params import Handler, addr, d, parse_hash, parse_state_overrides, q, word

TRACERS = ("callTracer",)


def _tracer(config: Any) -> Tracer:
    if config is None:
        config = {}
    if not isinstance(config, dict):
        raise RPCError(-32602, "invalid tracer config: expected an object")
    name = config.get("tracer")
    opts = config.get("tracerConfig") or {}
    if name is None or name == "":
        limit = config.get("limit") or 0
        return StructLogger(memory=bool(config.get("enableMemory")), stack=not config.get("disableStack"),
                            storage=not config.get("disableStorage"),
                            return_data=bool(config.get("enableReturnData")), limit=int(limit))
    if name == "callTracer":
        return CallTracer(only_top=bool(opts.get("onlyTopCall")), with_logs=bool(opts.get("withLog")))
    raise RPCError(-32000, f"tracer not found: {name!r} (this devchain has the struct logger and "
                           f"{', '.join(TRACERS)})")


def _frame_json(node: dict) -> dict:
    out: dict[str, Any] = {"from": addr(node["from"]), "gas": q(node["gas"]), "gasUsed": q(node["gasUsed"]),
                           "to": addr(node["to"]), "input": d(node["input"])}
    if node["output"]:
        out["output"] = d(node["output"])
    if node["error"]:
        out["error"] = node["error"]
        if node["error"] == "execution reverted":
            reason = revert_error(Reverted(node["output"])).message
            if reason.startswith("execution reverted: "):
                out["revertReason"] = reason[len("execution reverted: "):]
    if "value" in node:
        out["value"] = q(node["value"])
    if node.get("logs"):
        out["logs"] = [{"address": addr(lg["address"]), "topics": [word(t) for t in lg["topics"]],
                        "data": d(lg["data"])} for lg in node["logs"]]
    if node.get("calls"):
        out["calls"] = [_frame_json(c) for c in node["calls"]]
    out["type"] = node["type"]
    return out


def _failed_deposit_frame(gas_used: int) -> dict:
    """op-geth's callTracer for a failed deposit, which runs no code: the frame its state transition opens with a STOP
    from the zero address, marked failed (ethereum-optimism/op-geth eth/tracers/native/call.go ``GetResult``; the
    tracetest fixture testdata/call_tracer/failed_deposit.json), its keys in geth's order."""
    return {"from": "0x" + "00" * 20, "gas": "0x0", "gasUsed": q(gas_used), "input": "0x",
            "error": "failed deposit transaction", "type": "STOP"}


def _result(tracer: Tracer, gas: int, gas_used: int, failed: bool, output: bytes) -> dict:
    if isinstance(tracer, CallTracer):
        root = _frame_json(tracer.root) if tracer.root else {}
        root["gas"], root["gasUsed"] = q(gas), q(gas_used)  # the top frame counts the intrinsic gas, as geth
        return root
    assert isinstance(tracer, StructLogger)
    return {"gas": gas_used, "failed": failed, "returnValue": d(output), "structLogs": tracer.logs}


def trace_transaction(api: RpcContext, tx_hash: Any, config: dict | None = None) -> dict:
    h = parse_hash(tx_hash, "transaction hash")
    tracer = _tracer(config)
    if api.engine.tx_record(h) is None:
        raise RPCError(-32000, f"transaction {d(h)} not found")
    try:
        rec, computation = api.engine.replay(h, instrument(tracer))
    except ValueError as err:
        raise RPCError(-32000, str(err)) from None
    finally:
        api.dev._restore_indexer()
    if (rec.error or "").startswith("failed deposit: "):  # no frame ran: op-geth's tracers see none exit
        if isinstance(tracer, CallTracer):
            return _failed_deposit_frame(rec.gas_used)
        return _result(tracer, rec.tx.gas, rec.gas_used, False, b"")
    return _result(tracer, rec.tx.gas, rec.gas_used, bool(computation.is_error), bytes(computation.output or b""))


def trace_call(api: RpcContext, obj: dict, tag: Any = "latest", config: dict | None = None) -> dict:
    n = api.state_number(tag)
    tracer = _tracer(config)
    overrides = parse_state_overrides((config or {}).get("stateOverrides"))
    tx, sender = api.unsigned_from_json(obj, for_call=True)
    tx = api.capped_gas(tx)
    try:
        result = api.engine.call(tx, sender, n, overrides, instrument=instrument(tracer))
    finally:
        api.dev._restore_indexer()
    return _result(tracer, tx.gas, result.gas_used + tx.intrinsic_gas, not result.success, result.output)


METHODS: Mapping[str, Handler] = MappingProxyType({
    "debug_traceTransaction": trace_transaction, "debug_traceCall": trace_call,
})
