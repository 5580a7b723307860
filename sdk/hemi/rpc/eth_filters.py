"""Logs and filters: ``eth_getLogs`` and the polled filters (``eth_newFilter``, ``eth_newBlockFilter``,
``eth_newPendingTransactionFilter``, ``eth_getFilterChanges``, ``eth_getFilterLogs``, ``eth_uninstallFilter``), as
geth's eth/filters/api.go. Installed filters live in the devchain's :class:`~hemi.rpc.context.RpcContext`."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.node.api import all_logs, user_tx_hashes
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, d, parse_addr, parse_hash, parse_q, q, word


def _wanted(topics: list[Any]) -> list[frozenset[str] | None]:
    """Each topic position as the set of words it accepts, lower-cased once for the whole query; None: any (a null,
    or a list holding a null, as go-ethereum reads it: eth/filters/api.go ``FilterCriteria.UnmarshalJSON``)."""
    out: list[frozenset[str] | None] = []
    for want in topics or []:
        words = want if isinstance(want, list) else [want]
        out.append(None if want is None or None in words else frozenset(w.lower() for w in words))
    return out


def _matches(lg: Any, addresses: set[bytes] | None, wanted: list[frozenset[str] | None]) -> bool:
    if addresses is not None and lg.address not in addresses:
        return False
    if len(wanted) > len(lg.topics):  # go-ethereum's filterLogs (eth/filters/filter.go): more positions than the
        return False  # log has topics excludes it, wildcards included
    for i, words in enumerate(wanted):
        if words is not None and word(lg.topics[i]) not in words:
            return False
    return True


def logs(api: RpcContext, flt: Any) -> list[dict[str, Any]]:
    """The logs a filter object selects (by ``blockHash`` or a ``fromBlock``..``toBlock`` range)."""
    if not isinstance(flt, dict):
        raise RPCError(-32602, "filter must be an object")
    if flt.get("blockHash"):
        n = api.engine.block_number_of(parse_hash(flt["blockHash"]))
        if n is None:
            raise RPCError(-32001, "block not found")
        numbers = range(n, n + 1)
    else:
        lo = api.block_number(flt.get("fromBlock", "latest"))
        hi = api.block_number(flt.get("toBlock", "latest"))
        if lo > hi:  # geth's errInvalidBlockRange (eth/filters/api.go)
            raise RPCError(-32000, "invalid block range params")
        numbers = range(lo, hi + 1)
    a = flt.get("address")
    addresses = None if a is None else {parse_addr(x) for x in (a if isinstance(a, list) else [a])}
    wanted = _wanted(flt.get("topics") or [])
    return [api.log_json(n, rec, i, lg) for n, rec, i, lg in all_logs(api.engine, numbers)
            if _matches(lg, addresses, wanted)]


def new_filter(api: RpcContext, flt: Any) -> str:
    if not isinstance(flt, dict):
        raise RPCError(-32602, "filter must be an object")
    logs(api, dict(flt, fromBlock="latest", toBlock="latest"))  # a malformed filter fails here, not at each poll
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "logs", "filter": dict(flt), "last": api.engine.head_number}
    return q(fid)


def new_block_filter(api: RpcContext) -> str:
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "blocks", "last": api.engine.head_number}
    return q(fid)


def new_pending_filter(api: RpcContext, *_full: Any) -> str:
    """Hashes of transactions accepted since the last poll: those mined in new blocks and those still pending."""
    fid = next(api._filter_ids)
    api._filters[fid] = {"kind": "pending", "last": api.engine.head_number,
                         "seen": {tx.hash for tx in api.engine.pending_txs}}
    return q(fid)


def filter_changes(api: RpcContext, fid: Any) -> list[Any]:
    f = api._filters.get(parse_q(fid, "filter id"))
    if f is None:
        raise RPCError(-32000, "filter not found")
    head, start = api.engine.head_number, f["last"] + 1
    f["last"] = head
    if f["kind"] == "blocks":
        return [d(api.engine.block(n).hash) for n in range(start, head + 1)]
    if f["kind"] == "pending":
        mined = [h for n in range(start, head + 1) for h in user_tx_hashes(api.engine, n)]  # no system txs
        pending = [tx.hash for tx in api.engine.pending_txs if not getattr(tx, "is_op_system", False)]
        new = [h for h in mined + pending if h not in f["seen"]]
        f["seen"] = set(pending)
        return [d(h) for h in new]
    flt = dict(f["filter"], fromBlock=q(start), toBlock=q(head))
    return logs(api, flt) if start <= head else []


def filter_logs(api: RpcContext, fid: Any) -> list[dict[str, Any]]:
    f = api._filters.get(parse_q(fid, "filter id"))
    if f is None or f["kind"] != "logs":
        raise RPCError(-32000, "filter not found")
    return logs(api, f["filter"])


def uninstall(api: RpcContext, fid: Any) -> bool:
    return api._filters.pop(parse_q(fid, "filter id"), None) is not None


METHODS: Mapping[str, Handler] = MappingProxyType({
    "eth_getLogs": logs, "eth_newFilter": new_filter, "eth_newBlockFilter": new_block_filter,
    "eth_newPendingTransactionFilter": new_pending_filter, "eth_getFilterChanges": filter_changes,
    "eth_getFilterLogs": filter_logs, "eth_uninstallFilter": uninstall,
})
