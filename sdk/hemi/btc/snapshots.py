"""Snapshots of the embedded chain for tests (no Bitcoin Core counterpart): remember the tip, the arrival counter,
the invalid marks and a copy of the mempool; reverting moves the tip back (undo data makes that exact) and forgets
every block that arrived after the snapshot.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from hemi.btc.context import NodeContext
from hemi.btc.mempool import Mempool

_snapshot_ids = itertools.count(1)  # process-wide, so a snapshot of one chain never names another's


@dataclass(frozen=True)
class Snapshot:
    """A point ``BitcoinChain.revert`` can return to. Opaque; hold it, do not build it."""

    id: int
    chain_id: int
    tip: bytes
    seq: int
    invalid: dict[bytes, str]
    mempool: Mempool


def take(node: NodeContext, chain_id: int) -> Snapshot:
    cs = node.chainstate
    return Snapshot(next(_snapshot_ids), chain_id, cs.active[-1], cs.seq, dict(cs.invalid), node.mempool.copy())


def roll_back(node: NodeContext, snapshot: Snapshot) -> bool:
    """Return the chain state and mempool to ``snapshot``; True when listeners should hear of it."""
    cs = node.chainstate
    changed = cs.active[-1] != snapshot.tip or cs.seq != snapshot.seq
    cs.invalid = dict(snapshot.invalid)
    if cs.active[-1] != snapshot.tip:
        cs.set_tip(snapshot.tip, verify=False)
    cs.forget_after(snapshot.seq)
    node.mempool = snapshot.mempool.copy()
    cs.seq = snapshot.seq
    return changed
