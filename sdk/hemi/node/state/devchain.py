"""Parts ``config``, ``devchain``, ``sequencer`` and ``precompiles`` of a devchain state.

``config``: the :class:`~hemi.node.config.DevchainConfig` fields; a loaded devchain is first built from them (the
accounts, the genesis allocation, the tunnel and the precompiles follow from them), then every other part is
restored into it. ``devchain``: automine, impersonated addresses, the light view's header hashes, the hVM view of
every L2 block and of the pending block, the clock (next timestamp, time travelled), and the block the Bitcoin
indexer stands on (its indexes are rebuilt by indexing to it: they are a function of the chain up to that block),
with the blocks of its chain that the Bitcoin chain has forgotten (a snapshot revert of the Bitcoin chain drops
blocks the hVM view still stands on: the indexer keeps its own copies, and so does the state).
``sequencer``: the forced-input queue (transaction fields as typed values), the ordering of every transaction, each
block's ordering, inputs dropped and why, and which EVM transaction each input became. ``precompiles``: every
mounted precompile, as the devchain's own hVM precompile or as a user function by its import name (module and
qualified name): a user function is never imported from the file, only matched against functions this process
registered and saved, or passed to ``load_state(..., precompiles=...)``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from bitcoin.core import CTransaction

from hemi.btc.merkle import merkle_root
from hemi.btc.tx import tx_hashes
from hemi.errors import StateFileError
from hemi.hvm.registry import PrecompileRegistry, to_address
from hemi.hvm.system_txs import SystemTx
from hemi.node.bitcoin_view.btc_index import BitcoinIndexer
from hemi.node.bitcoin_view.hvm_view import HvmView
from hemi.node.bitcoin_view.precompile import HvmPrecompile
from hemi.node.sequencer import BlockOrdering, ForcedInput, Ordering, Sequencer
from hemi.node.state.codec import check_fields, fields, flag, hx, num, seq, text, unhx
from hemi.node.state.host import SavedDevchain
from hemi.types import BlockHash, Txid

_DEVCHAIN_FIELDS = ("config", "btc", "precompiles", "_accounts", "_keys", "_impersonated", "engine", "_automine",
                    "_light", "_indexer", "_views", "_pending_view", "_next_timestamp", "_time_offset", "_snapshots",
                    "_block_listeners", "_stateful", "sequencer", "keystones", "pop", "_finality", "_tunnel",
                    "op", "pop_payouts", "fork")
_KEYS = ("automine", "impersonated", "light", "views", "pending_view", "next_timestamp", "time_offset",
         "indexer_tip", "indexer_blocks", "op")
_VIEW = tuple(f.name for f in dataclasses.fields(HvmView))
_VIEW_KNOWN = ("l2_block", "light_tip_height", "light_tip_hash", "indexed_height", "indexed_hash", "headers_added",
               "fork_height")

# user precompile functions this process saved, by import name: the only functions a state can mount again by name
_SAVED_FUNCTIONS: dict[str, Callable[..., bytes]] = {}


# ---------------------------------------------------------------------------------------------- config


def config_to_data(dev: SavedDevchain) -> dict:
    return {f.name: getattr(dev.config, f.name) for f in dataclasses.fields(dev.config)}


def config_from_data(data: Any, config_class: type) -> dict:
    names = [f.name for f in dataclasses.fields(config_class)]
    values = dict(zip(names, fields(data, names), strict=True))
    for name, v in values.items():
        if v is not None and not isinstance(v, (int, str, bool)):  # None: an optional setting left unset
            raise ValueError(f"config field {name} is {type(v).__name__}")
    config_class(**values)  # validates
    return values


# ---------------------------------------------------------------------------------------------- views


def view_to_data(v: HvmView) -> list:
    if _VIEW != _VIEW_KNOWN:
        raise StateFileError(f"cannot save part 'devchain': HvmView has fields the state format does not know {_VIEW}")
    return [v.l2_block, v.light_tip_height, hx(bytes(v.light_tip_hash)), v.indexed_height, hx(bytes(v.indexed_hash)),
            [hx(bytes(h)) for h in v.headers_added], v.fork_height]


def view_from_data(d: Any) -> HvmView:
    l2, light_h, light_hash, idx_h, idx_hash, added, fork = seq(d, 7)
    return HvmView(num(l2), num(light_h), BlockHash(unhx(light_hash, size=32)), num(idx_h),
                   BlockHash(unhx(idx_hash, size=32)), tuple(BlockHash(unhx(h, size=32)) for h in seq(added)),
                   num(fork, optional=True))


# ---------------------------------------------------------------------------------------------- devchain


def devchain_to_data(dev: SavedDevchain) -> dict:
    faces = tuple(f for f in getattr(type(dev), "FACE_FIELDS", ()) if f in vars(dev))  # face caches: never saved
    check_fields(dev, _DEVCHAIN_FIELDS + faces, "devchain")
    if dev.fork is not None:  # fork mode (hemi.node.fork): the state is mostly the remote's, read lazily
        raise StateFileError(f"cannot save part 'devchain': a forked devchain's state cannot be saved, most of it "
                             f"lives on the remote {dev.fork.url}")
    check_fields(dev._light, ("btc", "max_headers", "lag", "hashes"), "devchain")
    check_fields(dev._indexer, ("chain", "visible_from", "_active", "_height_of", "_coins", "_by_spk", "_balance",
                                "_txindex", "_tx_cache"), "devchain")
    check_fields(dev._finality, ("chains", "keystones", "pop", "superfinality_threshold"), "devchain")
    return {
        "automine": dev.automine,
        "impersonated": sorted(hx(a) for a in dev._impersonated),
        "light": [hx(h) for h in dev._light.hashes],
        "views": [view_to_data(v) for v in dev._views],
        "pending_view": None if dev._pending_view is None else view_to_data(dev._pending_view),
        "next_timestamp": dev._next_timestamp,
        "time_offset": dev._time_offset,
        "indexer_tip": hx(bytes(dev._indexer.tip.hash)),
        "indexer_blocks": [[hx(raw), [hx(tx.serialize()) for tx in txs]]
                           for raw, txs in dev._indexer.forgotten_blocks()],
        "op": None if dev.op is None else op_to_data(dev.op),
    }


def op_to_data(op: Any) -> dict:
    """The OP-stack part's own state: L1 deposits queued for the next block and the next deposit's log index (the
    rest, L1Block's values and the system txs, is chain data)."""
    check_fields(op, ("ctx", "config", "payouts", "_queue", "_log_index"), "devchain")
    return {"queue": [[hx(t.encode()), t.nonce, t.label] for t in op._queue], "log_index": op._log_index}


def op_from_data(op: Any, data: Any) -> tuple[list, int] | None:
    """Decode what :func:`op_to_data` wrote (nothing changes yet): (queue, log index), or None without OP stack."""
    if (op is None) != (data is None):
        raise ValueError("the saved devchain and its configuration disagree on the OP-stack part (op_stack)")
    if op is None:
        return None
    queue, log_index = fields(data, ("queue", "log_index"))
    return ([dataclasses.replace(SystemTx.decode(unhx(raw), nonce=num(n)), label=text(label))
             for raw, n, label in (seq(item, 3) for item in seq(queue))], num(log_index))


def _kept_block(item: Any) -> tuple[bytes, list[CTransaction]]:
    """A block of ``indexer_blocks``: (raw header, transactions), the transactions checked against the header."""
    raw_h, txs_h = seq(item, 2)
    raw = unhx(raw_h, size=80)
    txs = [CTransaction.deserialize(unhx(t)) for t in seq(txs_h)]
    if not txs or merkle_root([tx_hashes(tx).txid for tx in txs]) != raw[36:68]:
        raise ValueError("a block of indexer_blocks does not hold the transactions its header commits to")
    return raw, txs


def devchain_restore(dev: SavedDevchain, data: Any) -> None:
    automine, imp, light, views_d, pending_d, next_ts, offset, tip, kept_d, op_d = fields(data, _KEYS)
    op_state = op_from_data(dev.op, op_d)
    hashes = [unhx(h, size=32) for h in seq(light)]
    views = [view_from_data(v) for v in seq(views_d)]
    if len(views) != dev.engine.head_number + 1:
        raise ValueError(f"{len(views)} hVM views for {dev.engine.head_number + 1} L2 blocks")
    indexer = BitcoinIndexer(dev.btc, visible_from=dev.config.hvm_genesis_btc_height)
    kept = [_kept_block(item) for item in seq(kept_d)]
    indexer.index_to(unhx(tip, size=32), kept=kept)  # every block it needs: the restored block tree, or kept
    dev.automine = flag(automine)
    dev._impersonated = {unhx(a, size=20) for a in seq(imp)}
    dev._light.hashes = hashes
    dev._views = views
    dev._pending_view = None if pending_d is None else view_from_data(pending_d)
    dev._next_timestamp = num(next_ts, optional=True)
    dev._time_offset = num(offset)
    dev._indexer = indexer
    if op_state is not None and dev.op is not None:  # op_from_data checked they agree
        dev.op._queue, dev.op._log_index = op_state
    dev._snapshots = {}


# ---------------------------------------------------------------------------------------------- sequencer


def _value(v: Any) -> list:
    """A transaction field as a typed value: the forced-input queue holds eth fields of several types."""
    if v is None:
        return ["none"]
    if isinstance(v, bool):
        return ["bool", v]
    if isinstance(v, int):
        return ["int", str(v)]  # as text: JSON readers elsewhere lose integers above 2**53
    if isinstance(v, str):
        return ["str", v]
    if isinstance(v, (bytes, bytearray)):
        return ["bytes", bytes(v).hex()]
    raise StateFileError(f"cannot save part 'sequencer': a forced input holds a {type(v).__name__}")


def _unvalue(d: Any) -> Any:
    kind, *rest = seq(d)
    if kind == "none" and not rest:
        return None
    (v,) = rest
    if kind == "bool":
        return flag(v)
    if kind == "int":
        return int(text(v))
    if kind == "str":
        return text(v)
    if kind == "bytes":
        return unhx(v)
    raise ValueError(f"unknown value kind {kind!r}")


def _input(i: ForcedInput) -> list:
    return [i.id, [[k, _value(v)] for k, v in i.tx.items()], [hx(bytes(t)) for t in i.depends_on], i.label]


def _uninput(d: Any) -> ForcedInput:
    iid, tx, deps, label = seq(d, 4)
    body = {text(k): _unvalue(v) for k, v in (seq(p, 2) for p in seq(tx))}
    return ForcedInput(num(iid), body, tuple(Txid(unhx(t, size=32)) for t in seq(deps)), text(label))


def sequencer_to_data(s: Sequencer) -> dict:
    check_fields(s, ("ctx", "_queue", "_last_id", "_orderings", "_blocks", "_reads", "dropped", "_by_input"),
                 "sequencer")
    for cls, known in ((ForcedInput, ("id", "tx", "depends_on", "label")),
                       (Ordering, ("tx_hash", "l2_block", "position", "kind", "depends_on", "view", "label")),
                       (BlockOrdering, ("number", "view", "forced", "mempool"))):
        if tuple(f.name for f in dataclasses.fields(cls)) != known:
            raise StateFileError(f"cannot save part 'sequencer': {cls.__name__} has fields the state format does not "
                                 f"know")
    return {
        "queue": [_input(i) for i in s._queue],
        "last_id": s._last_id,
        "orderings": [[hx(o.tx_hash), o.l2_block, o.position, o.kind, [hx(bytes(t)) for t in o.depends_on],
                       view_to_data(o.view), o.label] for o in s._orderings.values()],
        "blocks": [[b.number, view_to_data(b.view), [hx(h) for h in b.forced], [hx(h) for h in b.mempool]]
                   for b in s._blocks.values()],
        "dropped": [[_input(i), why] for i, why in s.dropped],
        "by_input": [[k, hx(h)] for k, h in s._by_input.items()],
    }


def sequencer_restore(s: Sequencer, data: Any) -> None:
    queue, last_id, orderings_d, blocks_d, dropped_d, by_input_d = fields(
        data, ("queue", "last_id", "orderings", "blocks", "dropped", "by_input"))
    orderings = {}
    for item in seq(orderings_d):
        h, n, pos, kind, deps, view, label = seq(item, 7)
        o = Ordering(unhx(h, size=32), num(n), num(pos), text(kind), tuple(Txid(unhx(t, size=32)) for t in seq(deps)),
                     view_from_data(view), text(label))
        orderings[o.tx_hash] = o
    blocks = {}
    for item in seq(blocks_d):
        n, view, forced, mempool = seq(item, 4)
        blocks[num(n)] = BlockOrdering(num(n), view_from_data(view), tuple(unhx(h, size=32) for h in seq(forced)),
                                       tuple(unhx(h, size=32) for h in seq(mempool)))
    s._queue = [_uninput(i) for i in seq(queue)]
    s._last_id = num(last_id)
    s._orderings, s._blocks = orderings, dict(sorted(blocks.items()))  # block order: revert truncates from the end
    s.dropped = [(_uninput(i), text(why)) for i, why in (seq(p, 2) for p in seq(dropped_d))]
    s._by_input = {num(k): unhx(h, size=32) for k, h in (seq(p, 2) for p in seq(by_input_d))}
    s._reads = None


# ---------------------------------------------------------------------------------------------- precompiles


def _import_name(fn: Any) -> str | None:
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None  # a lambda, a function defined inside another, or an object: nothing names it
    return f"{module}:{qualname}"


def precompiles_to_data(dev: SavedDevchain) -> list:
    reg = dev.precompiles
    check_fields(reg, ("fork", "_base", "table", "_ethereum", "_entries"), "precompiles")  # fork: configuration
    out = []
    for e in reg._entries.values():
        if isinstance(e.fn, HvmPrecompile) and e.fn.host is dev:
            out.append(["hvm", hx(e.address), e.name, e.gas])
            continue
        name = _import_name(e.fn)
        if name is None:
            raise StateFileError(f"the precompile {e.name!r} at 0x{e.address.hex()} cannot be saved: a state holds "
                                 f"only data, so a user precompile is saved by its import name, and "
                                 f"{e.fn!r} has none (use a module-level function, not a lambda or an object)")
        _SAVED_FUNCTIONS[name] = e.fn
        out.append(["user", hx(e.address), e.name, e.gas, name])
    return out


def precompiles_restore(dev: SavedDevchain, data: Any,
                        given: Mapping[Any, Callable[..., bytes]] | None = None) -> None:
    given_by_addr = {to_address(a): fn for a, fn in (given or {}).items()}
    wanted = []
    for item in seq(data):
        kind, addr_h, name, gas, *ref = seq(item)
        addr = unhx(addr_h, size=20)
        if kind == "hvm" and not ref:
            fn: Any = HvmPrecompile(dev, int.from_bytes(addr, "big"))
        elif kind == "user" and len(ref) == 1:
            fn = given_by_addr.pop(addr, None) or _SAVED_FUNCTIONS.get(text(ref[0]))
            if fn is None:
                raise StateFileError(
                    f"the state mounts the user precompile {name!r} ({ref[0]}) at 0x{addr.hex()}: a state never "
                    f"imports code, so pass it: "
                    f"load_state(..., precompiles={{0x{addr.hex()}: {ref[0].split(':')[-1]}}})")
        else:
            raise ValueError(f"unknown precompile entry {item!r:.80}")
        wanted.append((addr, fn, text(name), num(gas)))
    if given_by_addr:
        raise StateFileError(f"precompiles were given for {', '.join('0x' + a.hex() for a in given_by_addr)}, "
                             f"where the state mounts no user precompile")
    fresh = PrecompileRegistry(dev.precompiles.fork)
    for addr, fn, name, gas in wanted:
        fresh.register(addr, fn, gas=gas, name=name, force=True)
    reg: PrecompileRegistry = dev.precompiles
    for addr in list(reg._entries):
        reg.unregister(addr)
    for addr, fn, name, gas in wanted:  # the registry's table is the dict py-evm reads: change it in place
        reg.register(addr, fn, gas=gas, name=name, force=True)
