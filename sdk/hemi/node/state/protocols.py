"""Parts ``keystones``, ``pop`` and ``tunnel`` of a devchain state: Hemi's protocol records as plain fields.

``keystones``: every keystone the index made (its seven wire fields) under both of the index's keys. ``pop``: each
miner's name, policy, delay, fee rate, keystones waiting to be published (with the Bitcoin height seen) and txids of
its publications; the failures list; the miner keys ever added (for attribution). Caches are left empty. ``tunnel``:
the tunnel's own plain-data dump (:meth:`hemi.node.tunnel.Tunnel.dump_state`: deposits, operator policy, withdrawals,
failures); the chains hold the rest (contracts' storage, Bitcoin transactions).
"""

from __future__ import annotations

from typing import Any

from hemi.node.pop.keystones import KeystoneHash, KeystoneIndex, L2Keystone
from hemi.node.pop.publications import PopFailure, PopMiner, PopNetwork
from hemi.node.state.codec import check_fields, fields, hx, num, seq, text, unhx
from hemi.types import Txid

_KS = ("version", "l1_block_number", "l2_block_number", "parent_ep_hash", "prev_ep_keystone_hash", "state_root",
       "ep_hash")


def _ks(k: L2Keystone) -> list:
    return [k.version, k.l1_block_number, k.l2_block_number, hx(k.parent_ep_hash), hx(k.prev_ep_keystone_hash),
            hx(k.state_root), hx(k.ep_hash)]


def _unks(v: Any) -> L2Keystone:
    version, l1, l2, parent, prev, root, ep = seq(v, 7)
    return L2Keystone(num(version), num(l1), num(l2), unhx(parent), unhx(prev), unhx(root), unhx(ep))


# ---------------------------------------------------------------------------------------------- keystones


def keystones_to_data(index: KeystoneIndex) -> dict:
    check_fields(index, ("chains", "interval", "_by_block", "_by_abrev"), "keystones")
    return {"interval": index.interval,
            "by_block": [[hx(k), _ks(v)] for k, v in index._by_block.items()],
            "by_abrev": [[hx(k), _ks(v)] for k, v in index._by_abrev.items()]}


def keystones_restore(index: KeystoneIndex, data: Any) -> None:
    interval, by_block, by_abrev = fields(data, ("interval", "by_block", "by_abrev"))
    blocks = {unhx(k): _unks(v) for k, v in (seq(i, 2) for i in seq(by_block))}
    abrevs = {unhx(k): _unks(v) for k, v in (seq(i, 2) for i in seq(by_abrev))}
    index.interval, index._by_block, index._by_abrev = num(interval), blocks, abrevs


# ---------------------------------------------------------------------------------------------- PoP

_MINER = ("name", "policy", "after_btc_blocks", "fee_rate", "network", "pending", "published")


def pop_to_data(pop: PopNetwork) -> dict:
    check_fields(pop, ("chains", "keystones", "auto_fund", "miners", "failures", "_pubkeys", "_block_cache",
                       "_index_cache"), "pop")
    miners = []
    for m in pop.miners.values():
        check_fields(m, _MINER, "pop")
        miners.append([m.name, m.policy, m.after_btc_blocks, float(m.fee_rate),
                       [[hx(k), _ks(ks), height] for k, (ks, height) in m.pending.items()],
                       [[hx(k), [hx(bytes(t)) for t in ts]] for k, ts in m.published.items()]])
    return {"auto_fund": pop.auto_fund, "miners": miners,
            "failures": [[f.miner, f.l2_block_number, hx(bytes(f.keystone_hash)), f.error] for f in pop.failures],
            "pubkeys": [[hx(k), name] for k, name in pop._pubkeys.items()]}


def pop_restore(pop: PopNetwork, data: Any) -> None:
    auto_fund, miners_d, failures_d, pubkeys_d = fields(data, ("auto_fund", "miners", "failures", "pubkeys"))
    if not isinstance(auto_fund, bool):
        raise ValueError("auto_fund is true or false")
    miners = {}
    for item in seq(miners_d):
        name, policy, after, rate, pending_d, published_d = seq(item, 6)
        if not isinstance(rate, (int, float)) or isinstance(rate, bool):
            raise ValueError(f"fee rate {rate!r} is not a number")
        m = PopMiner(text(name), text(policy), num(after), float(rate), pop)
        m.pending = {unhx(k): (_unks(ks), num(h)) for k, ks, h in (seq(i, 3) for i in seq(pending_d))}
        m.published = {unhx(k): [Txid(unhx(t, size=32)) for t in seq(ts)]
                       for k, ts in (seq(i, 2) for i in seq(published_d))}
        miners[m.name] = m
    failures = [PopFailure(text(miner), num(n), KeystoneHash(unhx(h, size=32)), text(err))
                for miner, n, h, err in (seq(i, 4) for i in seq(failures_d))]
    pubkeys = {unhx(k): text(name) for k, name in (seq(i, 2) for i in seq(pubkeys_d))}
    pop.auto_fund, pop.miners, pop.failures, pop._pubkeys = auto_fund, miners, failures, pubkeys
    pop._block_cache, pop._index_cache = {}, None


# ---------------------------------------------------------------------------------------------- tunnel


def tunnel_to_data(tunnel: Any) -> Any:
    if tunnel is None:
        return None
    check_fields(tunnel, ("host", "operator", "_deposits", "_web3_contracts"), "tunnel")
    check_fields(tunnel.operator, ("host", "policy", "delay", "fee_rate", "withdrawals", "failures",
                                   "unswept", "inflight"),
                 "tunnel")
    return tunnel.dump_state()


def tunnel_restore(tunnel: Any, data: Any) -> None:
    if (tunnel is None) != (data is None):
        raise ValueError("the saved devchain and its configuration disagree on whether there is a tunnel")
    if tunnel is not None:
        tunnel.load_state(data)
