"""Mempool RPCs (Bitcoin Core's ``rpc/mempool.cpp``): sendrawtransaction, testmempoolaccept and the mempool views.

Replacement is full RBF, as Core 28 by default (``fullrbf`` true). Entry ``time`` is the chain's simulated clock
when the transaction entered (see ``BitcoinChain.adjusted_time``), ``height`` the chain height then.
"""

from __future__ import annotations

import contextlib
from decimal import Decimal
from typing import Any

from hemi.btc import params
from hemi.btc import script as S
from hemi.btc.mempool import MempoolEntry
from hemi.btc.tx import tx_hashes
from hemi.errors import TransactionRejected
from hemi.types import Txid

from .arguments import Arg, parse_amount, parse_fee_rate, parse_hash, parse_raw_tx
from .encoding import btc_amount, json_type
from .errors import (
    RPC_INVALID_ADDRESS_OR_KEY,
    RPC_INVALID_PARAMETER,
    RPC_TYPE_ERROR,
    RPC_VERIFY_ALREADY_IN_CHAIN,
    RPC_VERIFY_ERROR,
    RPC_VERIFY_REJECTED,
    JSONRPCError,
    reject_text,
)
from .server import CoreRPC, rpc_method


@rpc_method("sendrawtransaction", Arg("hexstring", "str"), Arg("maxfeerate", "amount", Decimal("0.10")),
            Arg("maxburnamount", "amount", Decimal(0)))
def _sendrawtransaction(rpc: CoreRPC, hexstring: str, maxfeerate: Any, maxburnamount: Any) -> str:
    chain = rpc.chain
    tx, raw = parse_raw_tx(hexstring, "TX decode failed. Make sure the tx has at least one input.")
    max_rate = parse_fee_rate(maxfeerate)
    max_burn = parse_amount(maxburnamount)
    for out in tx.vout:
        if S.is_unspendable(bytes(out.scriptPubKey)) and out.nValue > max_burn:
            raise JSONRPCError(RPC_VERIFY_ERROR, "Unspendable output exceeds maximum configured by user "
                                                 "(maxburnamount)")
    txid = Txid(tx_hashes(tx, raw).txid)
    # Core's BroadcastTransaction: outputs in the UTXO set mean the tx is confirmed; a tx already in the mempool is
    # simply announced again and its txid returned.
    if any(chain.get_txout(txid, n, include_mempool=False) is not None for n in range(len(tx.vout))):
        raise JSONRPCError(RPC_VERIFY_ALREADY_IN_CHAIN, "Transaction outputs already in utxo set")
    if txid in chain.mempool:
        return str(txid)
    try:
        return str(chain.send_raw(raw, max_fee_rate=max_rate))
    except TransactionRejected as err:
        if err.reason == "max-fee-exceeded":
            raise JSONRPCError(RPC_VERIFY_ERROR,
                               "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)") from None
        if err.reason in ("bad-txns-inputs-missingorspent", "txn-already-known"):
            raise JSONRPCError(RPC_VERIFY_ERROR, "bad-txns-inputs-missingorspent") from None
        raise JSONRPCError(RPC_VERIFY_REJECTED, reject_text(err)) from None


@rpc_method("testmempoolaccept", Arg("rawtxs", "arr"), Arg("maxfeerate", "amount", Decimal("0.10")))
def _testmempoolaccept(rpc: CoreRPC, rawtxs: list, maxfeerate: Any) -> list[dict[str, Any]]:
    """Each tx is tested in order with the chain's ``test_accept``, which changes nothing; the first refusal ends
    the test and later txs get only their ids, as in Core.

    A list of several is a package: a tx may spend an earlier one. The chain tests one tx at a time against its own
    mempool, so each accepted tx but the last is added to the mempool inside ``anchor()``, which reverts it after.
    The fee limit is checked after full validation, as Core does, so a tx that fails otherwise reports that reason.
    """
    chain = rpc.chain
    max_rate = parse_fee_rate(maxfeerate)
    if not 1 <= len(rawtxs) <= 25:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Array must contain between 1 and 25 transactions.")
    decoded = []
    for item in rawtxs:
        if not isinstance(item, str):
            raise JSONRPCError(RPC_TYPE_ERROR, f"JSON value of type {json_type(item)} is not of expected type string")
        decoded.append(parse_raw_tx(item, f"TX decode failed: {item} Make sure the tx has at least one input."))
    results: list[dict[str, Any]] = []
    done = False
    with chain.anchor() if len(decoded) > 1 else contextlib.nullcontext():
        for i, (tx, raw) in enumerate(decoded):
            if done:  # validation stopped: Core gives only the ids
                h = tx_hashes(tx, raw)
                results.append({"txid": str(Txid(h.txid)), "wtxid": str(Txid(h.wtxid))})
                continue
            res = chain.test_accept(raw, max_fee_rate=0)
            out: dict[str, Any] = {"txid": str(res.txid), "wtxid": str(res.wtxid)}
            results.append(out)
            if not res.allowed:
                reason = "missing-inputs" if res.reason == "bad-txns-inputs-missingorspent" else res.reason
                out.update({"allowed": False, "reject-reason": reason})
                done = True
                continue
            assert res.fee is not None
            if max_rate and res.fee * 1000 > max_rate * res.vsize:
                out.update({"allowed": False, "reject-reason": "max-fee-exceeded"})
                done = True
                continue
            out.update({"allowed": True, "vsize": res.vsize,
                        "fees": {"base": btc_amount(res.fee),
                                 "effective-feerate": btc_amount(res.fee * 1000 // res.vsize),
                                 "effective-includes": [str(res.wtxid)]}})
            if i + 1 < len(decoded):
                chain.send_raw(raw, max_fee_rate=0)  # a later tx of the package may spend it
    return results


def raw_entry(rpc: CoreRPC, txid: Txid) -> MempoolEntry:
    """The chain's own mempool record (entry height and time)."""
    return rpc.chain.node.mempool.entries[bytes(txid)]


def _mempool_graph(rpc: CoreRPC) -> tuple[dict[Txid, Any], dict[Txid, set[Txid]], dict[Txid, set[Txid]]]:
    """Mempool entries by txid, with in-mempool parents and children of each."""
    entries = {e.txid: e for e in rpc.chain.mempool}
    parents: dict[Txid, set[Txid]] = {t: set() for t in entries}
    children: dict[Txid, set[Txid]] = {t: set() for t in entries}
    for t, e in entries.items():
        for txin in e.tx.vin:
            p = Txid(txin.prevout.hash)
            if p in entries:
                parents[t].add(p)
                children[p].add(t)
    return entries, parents, children


def _closure(start: Txid, edges: dict[Txid, set[Txid]]) -> set[Txid]:
    seen: set[Txid] = set()
    stack = list(edges[start])
    while stack:
        t = stack.pop()
        if t not in seen:
            seen.add(t)
            stack.extend(edges[t])
    return seen


@rpc_method("getrawmempool", Arg("verbose", "bool", False), Arg("mempool_sequence", "bool", False))
def _getrawmempool(rpc: CoreRPC, verbose: bool, mempool_sequence: bool) -> Any:
    if mempool_sequence:
        if verbose:
            raise JSONRPCError(RPC_INVALID_PARAMETER, "Verbose results cannot contain mempool sequence values.")
        raise JSONRPCError(RPC_INVALID_PARAMETER, "mempool_sequence is not kept by the embedded chain")
    if not verbose:
        return [str(t) for t in rpc.chain.mempool.txids]
    entries, parents, children = _mempool_graph(rpc)
    out = {}
    for t, e in entries.items():
        anc, desc = _closure(t, parents), _closure(t, children)
        fee = btc_amount(e.fee)
        replaceable = any(txin.nSequence < 0xFFFFFFFE for a in anc | {t} for txin in entries[a].tx.vin)
        out[str(t)] = {
            "vsize": e.vsize, "weight": e.weight,
            "time": raw_entry(rpc, t).time, "height": raw_entry(rpc, t).height,
            "descendantcount": len(desc) + 1, "descendantsize": e.vsize + sum(entries[d].vsize for d in desc),
            "ancestorcount": len(anc) + 1, "ancestorsize": e.vsize + sum(entries[a].vsize for a in anc),
            "wtxid": str(e.wtxid),
            "fees": {"base": fee, "modified": fee,
                     "ancestor": btc_amount(e.fee + sum(entries[a].fee for a in anc)),
                     "descendant": btc_amount(e.fee + sum(entries[d].fee for d in desc))},
            "depends": sorted(str(p) for p in parents[t]),
            "spentby": sorted(str(c) for c in children[t]),
            "bip125-replaceable": replaceable,
            "unbroadcast": False,
        }
    return out


@rpc_method("getmempoolentry", Arg("txid", "str"))
def _getmempoolentry(rpc: CoreRPC, txid: str) -> dict[str, Any]:
    key = parse_hash(txid, "parameter 1")
    if Txid(key) not in rpc.chain.mempool:
        raise JSONRPCError(RPC_INVALID_ADDRESS_OR_KEY, "Transaction not in mempool")
    entry: dict[str, Any] = _getrawmempool(rpc, True, False)[key]
    return entry


@rpc_method("getmempoolinfo")
def _getmempoolinfo(rpc: CoreRPC) -> dict[str, Any]:
    entries = list(rpc.chain.mempool)
    relay = btc_amount(params.MIN_RELAY_FEE)
    return {
        "loaded": True,
        "size": len(entries),
        "bytes": sum(e.vsize for e in entries),
        "usage": sum(e.weight for e in entries),  # an estimate: the chain does not measure its memory
        "total_fee": btc_amount(sum(e.fee for e in entries)),
        "maxmempool": 300_000_000,
        "mempoolminfee": relay,
        "minrelaytxfee": relay,
        "incrementalrelayfee": relay,
        "unbroadcastcount": 0,
        "fullrbf": True,  # conflicting spends replace by Core's fee rules without opt-in (Core 28's default)
    }
