"""Changing the active chain other than by mining on the tip: blocks from outside (``submitblock``),
``invalidateblock`` / ``reconsiderblock``, and the test helper ``reorg(depth)``; each repairs the mempool after
the switch as Bitcoin Core does.

Sources (bitcoin/bitcoin v26.0): src/validation.cpp ``ProcessNewBlock``, ``AcceptBlock``, ``ActivateBestChain``,
``MaybeUpdateMempoolForReorg`` (transactions of disconnected blocks go back to the mempool first, then the old
mempool, each re-checked), ``InvalidateBlock``, ``ResetBlockFailureFlags``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from bitcoin.core import CBlock

from hemi.btc.chainstate import BlockRecord
from hemi.btc.consensus import check_block, check_block_header, decode_block
from hemi.btc.context import NodeContext
from hemi.btc.mempool_accept import Candidate, rebuild, resubmit
from hemi.btc.miner import mine_block
from hemi.btc.tx import sha256d
from hemi.errors import BlockRejected, ReorgError
from hemi.types import BlockHash, HashLike, Txid


def activate_best_chain(node: NodeContext, disconnected: Iterable[BlockRecord] = ()) -> None:
    """Switch to the most-work valid chain (first seen wins ties) and fix the mempool: transactions of
    disconnected blocks go back first, then the old mempool, each re-checked. Listeners hear of any change."""
    cs = node.chainstate
    gone = list(disconnected)
    old_pool: list[Candidate] = [(e.tx, e.raw) for e in node.mempool]
    start_tip = cs.active[-1]
    gone += cs.activate_best_chain()
    if gone:
        back: list[Candidate] = [(tx, None) for r in gone for tx in r.txs[1:]]
        rebuild(node, back + old_pool)
    elif cs.active[-1] != start_tip:
        for h in cs.active[cs.blocks[start_tip].height + 1:]:
            rec = cs.blocks[h]
            node.mempool.remove_for_block(rec.txs[1:], [x.txid for x in rec.hashes[1:]])
    if gone or cs.active[-1] != start_tip:
        node.notify()


def submit_block(node: NodeContext, block: CBlock | bytes | str) -> str | None:
    """``submitblock``: None when accepted, ``"duplicate"`` / ``"duplicate-invalid"`` when known; raises
    ``BlockRejected`` with Core's reason otherwise (the chain is unchanged)."""
    cs = node.chainstate
    cblock = decode_block(block)
    header = cblock.get_header().serialize()
    bhash = sha256d(header)
    if bhash in cs.blocks:
        return "duplicate-invalid" if bhash in cs.invalid else "duplicate"
    prev = cs.blocks.get(cblock.hashPrevBlock)
    if prev is None:
        raise BlockRejected("prev-blk-not-found")
    if cblock.hashPrevBlock in cs.invalid:
        raise BlockRejected("bad-prevblk")
    check_block_header(cblock, bhash, prev_mtp=cs.median_time_past(prev.hash), adjusted_time=cs.adjusted_time())
    hashes = check_block(cblock, prev.height + 1)
    cs.add_record(bhash, list(cblock.vtx), header, hashes, cblock)
    activate_best_chain(node)
    if bhash in cs.invalid:
        err = cs.reject_reasons.get(bhash)
        raise BlockRejected(err.reason if err else "bad-prevblk", err.detail if err else "")
    return None


def invalidate_block(node: NodeContext, block_hash: HashLike) -> None:
    """Mark a block and its descendants invalid (``invalidateblock``); its transactions return to the mempool."""
    cs = node.chainstate
    rec = cs.record(BlockHash(block_hash))
    if rec.height == 0:
        raise ReorgError("cannot invalidate the genesis block")
    cs.mark_invalid(rec.hash)
    disconnected = cs.disconnect_to(cs.blocks[rec.prev]) if cs.in_active(rec) else []
    activate_best_chain(node, disconnected)


def reconsider_block(node: NodeContext, block_hash: HashLike) -> None:
    """Clear the invalid mark of a block, its ancestors and descendants (``reconsiderblock``)."""
    node.chainstate.clear_invalid(node.chainstate.record(BlockHash(block_hash)))
    activate_best_chain(node)


def reorg(node: NodeContext, depth: int, *, new_blocks: int | None, drop: Iterable[HashLike],
          payout: Callable[[], bytes]) -> list[BlockHash]:
    """Replace the top ``depth`` blocks with a heavier branch of ``new_blocks`` blocks (default ``depth + 1``)
    paying ``payout()`` (asked once the arguments are known good). Transactions of the replaced blocks are mined
    again, except ``drop`` and their spends."""
    cs = node.chainstate
    if isinstance(depth, bool) or not isinstance(depth, int) or not 1 <= depth <= cs.height:
        raise ReorgError(f"depth must be an int in [1, {cs.height}], got {depth!r}")
    count = depth + 1 if new_blocks is None else new_blocks
    if isinstance(count, bool) or not isinstance(count, int) or count <= depth:
        raise ReorgError(f"a branch of {count!r} blocks is not heavier than the {depth} it replaces; "
                         f"new_blocks must be at least {depth + 1}")
    old = [cs.blocks[h] for h in cs.active[-depth:]]
    old_txids = {h.txid for r in old for h in r.hashes[1:]}
    drop_ids = {bytes(Txid(t)) for t in drop}
    unknown = drop_ids - old_txids
    if unknown:
        raise ReorgError("drop names txids that are not non-coinbase txs of the replaced blocks: "
                         + ", ".join(str(Txid(t)) for t in sorted(unknown)))
    payout_spk = payout()
    pool: list[Candidate] = [(tx, None) for r in old for tx in r.txs[1:]]
    pool += [(e.tx, e.raw) for e in node.mempool]
    for _ in range(depth):
        cs.disconnect_tip()
    skip = frozenset(drop_ids)
    rebuild(node, pool, skip=skip)
    new = []
    for _ in range(count):
        # A tx refused now (say it spends a coinbase that is immature at the fork) may become valid as the new
        # branch grows: offer the left-overs again before each block, so "mined again" holds wherever it can.
        resubmit(node, pool, skip)
        new.append(BlockHash(mine_block(node, payout_spk, None)))
    return new
