"""Assertions about Hemi's two chains, usable with or without pytest.

Each raises ``AssertionError`` whose message says what was expected, what was found (numbers, hashes, heights) and
what to call to get there. Nothing heavy is imported at module load: the devchain is passed in.

L2 targets (``assert_superfinal`` and friends) may be an L2 block number, a block hash or a transaction hash (hex
string, ``bytes`` or ``HexBytes``), a web3 receipt (anything with ``transactionHash``), or a block tag
(``"latest"``).
"""

from __future__ import annotations

from typing import Any

from hemi.errors import UnknownTransactionError, brief
from hemi.types import L2_BLOCK_TAGS, BlockHash, Txid, bytes32, l2_target

__all__ = ["assert_superfinal", "assert_not_superfinal", "assert_btc_confirmed", "assert_ordered_after",
           "resolve_l2_block"]



# ---------------------------------------------------------------------------------------------- targets


def resolve_l2_block(dev: Any, target: Any) -> tuple[int, str]:
    """``(L2 block number, description)`` for a block number, block hash, tx hash, receipt or tag.

    Raises ``AssertionError`` when the target names nothing on this devchain, ``TypeError`` when it cannot name
    anything at all."""
    head = dev.engine.head_number
    given, target = target, l2_target(target)  # a web3 receipt -> its transactionHash, as Devchain.finality does
    if isinstance(target, bool):
        raise TypeError("an L2 target is a block number, block hash or tx hash, not a bool")
    if isinstance(target, int):
        if not 0 <= target <= head:
            raise AssertionError(f"expected an L2 block, but there is no L2 block {target} (head is {head})")
        return target, f"L2 block {target}"
    if isinstance(target, str) and target in L2_BLOCK_TAGS:
        n = 0 if target == "earliest" else head
        return n, f"L2 block {n} ({target!r})"
    h = bytes32(target)
    if h is None:
        raise TypeError(f"an L2 target is a block number, block hash, tx hash (32 bytes or 0x-hex) or receipt, got "
                        f"{brief(given)}")
    rec = dev.engine.tx_record(h)
    if rec is not None:
        return rec.block_number, f"EVM tx 0x{h.hex()} (in L2 block {rec.block_number})"
    n = dev.engine.block_number_of(h)
    if n is not None:
        return n, f"L2 block {n} (0x{h.hex()})"
    pending = any(bytes(getattr(tx, "hash", b"")) == h for tx in getattr(dev.engine, "pending_txs", ()))
    if pending:
        raise AssertionError(f"expected a mined EVM tx or L2 block, but 0x{h.hex()} is a pending tx not yet in a "
                             f"block: call dev.mine()")
    raise AssertionError(f"expected an L2 block or EVM tx, but 0x{h.hex()} is neither a block hash nor a mined "
                         f"transaction on this devchain (head is {head}; reverted by a snapshot?)")


def _bitcoin_chain(btc_or_dev: Any) -> Any:
    """The BitcoinChain of a Devchain, or the chain itself."""
    if hasattr(btc_or_dev, "tx") and hasattr(btc_or_dev, "confirmations"):
        return btc_or_dev
    btc = getattr(btc_or_dev, "btc", None)
    if btc is None:
        raise TypeError(f"expected a Devchain or a BitcoinChain, got {type(btc_or_dev).__name__}")
    return btc


# ---------------------------------------------------------------------------------------------- finality


def _finality(dev: Any, target: Any, who: str) -> tuple[Any, int, str]:
    if not hasattr(dev, "finality"):
        raise TypeError(f"{who} needs dev.finality(), which this devchain ({type(dev).__name__}) does not have")
    n, what = resolve_l2_block(dev, target)
    return dev.finality(n), n, what


def _describe_finality(f: Any) -> str:
    def g(name: str) -> Any:
        return getattr(f, name, "?")

    parts = [f"l2_block={g('l2_block')}"]
    h = g("l2_block_hash")
    if isinstance(h, (bytes, bytearray)):
        h = "0x" + bytes(h).hex()
    parts.append(f"l2_block_hash={h}")
    ks = g("keystone")
    parts.append(f"keystone={'None (not mined yet)' if ks is None else getattr(ks, 'l2_block_number', ks)}")
    pub = getattr(f, "publication", None)
    if pub is None:
        parts.append("publication=None (the keystone is not yet published to Bitcoin)")
    else:
        parts.append(f"publication=(Bitcoin block {getattr(pub, 'height', '?')} {getattr(pub, 'block_hash', '?')}, "
                     f"txid {getattr(pub, 'txid', '?')})")
    need = getattr(f, "superfinality_threshold", None)
    parts.append(f"effective_confirmations={g('effective_confirmations')}"
                 + (f" (superfinal at {need})" if need is not None else ""))
    parts.append(f"btc_finality={g('btc_finality')}")
    parts.append(f"btc_tip_height={g('btc_tip_height')}")
    parts.append(f"superfinal={g('superfinal')}")
    return ", ".join(parts)


def assert_superfinal(dev: Any, target: Any) -> Any:
    """Assert that the L2 block holding ``target`` is superfinal (its keystone is published to Bitcoin and buried
    deep enough). Returns the :class:`Finality` found."""
    f, n, what = _finality(dev, target, "assert_superfinal")
    if not getattr(f, "superfinal", False):
        pub = getattr(f, "publication", None)
        need = getattr(f, "superfinality_threshold", None)
        if getattr(f, "keystone", "?") is None:
            why = f"the keystone covering it is not mined yet (L2 head is {dev.engine.head_number})"
        elif pub is None:
            why = "its keystone is not published to Bitcoin yet"
        else:
            why = (f"its keystone is published in Bitcoin block {getattr(pub, 'height', '?')} with "
                   f"{getattr(f, 'effective_confirmations', '?')} effective confirmations"
                   + (f", {need} needed" if need is not None else ", not yet enough"))
        raise AssertionError(f"expected {what} to be superfinal, but it is not: {why}. Found: {_describe_finality(f)}."
                             f" Hint: call dev.superfinalize({n}) to publish its keystone and mine Bitcoin blocks "
                             f"until it is superfinal")
    return f


def assert_not_superfinal(dev: Any, target: Any) -> Any:
    """Assert that the L2 block holding ``target`` is not (yet) superfinal. Returns the :class:`Finality` found."""
    f, n, what = _finality(dev, target, "assert_not_superfinal")
    if getattr(f, "superfinal", False):
        raise AssertionError(f"expected {what} not to be superfinal, but it is. Found: {_describe_finality(f)}. "
                             f"Hint: take the assertion before dev.superfinalize({n}) or before mining the Bitcoin "
                             f"blocks that bury its keystone (or wrap them in `with dev.anchor():`)")
    return f


# ---------------------------------------------------------------------------------------------- Bitcoin


def assert_btc_confirmed(btc_or_dev: Any, txid: Any, n: int = 1) -> int:
    """Assert that Bitcoin tx ``txid`` has at least ``n`` confirmations on the active chain (``btc_or_dev`` is a
    ``Devchain`` or a ``BitcoinChain``; ``txid`` display hex, ``Txid`` or internal-order bytes). Returns the
    confirmations found."""
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise TypeError(f"n must be a non-negative int, got {n!r}")
    btc = _bitcoin_chain(btc_or_dev)
    t = Txid(txid)
    try:
        info = btc.tx(t)
    except UnknownTransactionError:
        raise AssertionError(f"expected Bitcoin tx {t} to have at least {n} confirmation(s), but it is unknown: in "
                             f"neither the mempool nor the active chain (tip height {btc.height}); was it "
                             f"broadcast, or reorganised away and dropped?") from None
    found: int = info.confirmations
    if found < n:
        if info.height is None:
            where = f"it is in the mempool (0 confirmations, tip height {btc.height})"
        else:
            where = f"it is in block {info.height} ({info.block_hash}), tip height {btc.height}"
        raise AssertionError(f"expected Bitcoin tx {t} to have at least {n} confirmation(s), found {found}: {where}. "
                             f"Hint: mine {n - found} more Bitcoin block(s), e.g. dev.btc.mine({n - found})")
    return found


# ---------------------------------------------------------------------------------------------- ordering


def _hash_at(btc: Any, tip_hash: Any, tip_height: int, height: int) -> bytes:
    """The block hash at ``height`` on the header chain ending at ``tip_hash`` (side branches included)."""
    h = tip_hash
    for _ in range(tip_height - height):
        h = btc.header(h).prev_hash
    return bytes(h)


def assert_ordered_after(dev: Any, evm_tx: Any, btc_txid: Any, *, indexed: bool = False) -> Any:
    """Assert that EVM tx ``evm_tx`` was included in an L2 block whose hVM view already contained Bitcoin tx
    ``btc_txid``'s block: that block's height is at most the L2 block's light tip (``indexed=True``: its indexed
    tip, what the tx-reading precompiles can see) and it is on that view's light chain. Returns the L2 block's
    ``HvmView``."""
    h = bytes32(l2_target(evm_tx))
    if h is None:
        raise TypeError(f"evm_tx is a tx hash (32 bytes or 0x-hex) or a receipt, got {brief(evm_tx)}")
    t = Txid(btc_txid)
    rec = dev.engine.tx_record(h)
    if rec is None:
        raise AssertionError(f"expected EVM tx 0x{h.hex()} to be ordered after Bitcoin tx {t}, but the EVM tx is not "
                             f"in any L2 block (head is {dev.engine.head_number}; pending, or never sent?)")
    number = rec.block_number
    view = dev.hvm_view(number)
    tip_name = "indexed tip" if indexed else "light tip"
    limit = view.indexed_height if indexed else view.light_tip_height
    ordering = ""
    seq = getattr(dev, "sequencer", None)
    if seq is not None and hasattr(seq, "ordering"):
        try:
            o = seq.ordering(h)
        except Exception:  # noqa: BLE001 - the sequencer's record is only for a richer message
            o = None
        if o is not None:
            deps = ", ".join(str(d) for d in getattr(o, "depends_on", ())) or "none"
            ordering = (f" The sequencer ordered it at position {getattr(o, 'position', '?')} of L2 block "
                        f"{getattr(o, 'l2_block', number)} as a {getattr(o, 'kind', '?')} tx; its recorded Bitcoin "
                        f"dependencies: {deps}.")
    expect = f"expected EVM tx 0x{h.hex()} (L2 block {number}) to be ordered after Bitcoin tx {t}"
    seen = (f"L2 block {number}'s hVM view: light tip {view.light_tip_height} ({view.light_tip_hash}), indexed tip "
            f"{view.indexed_height}")
    try:
        info = dev.btc.tx(t)
    except UnknownTransactionError:
        raise AssertionError(f"{expect}, but the Bitcoin tx is unknown (not in the mempool or the active chain; "
                             f"reorganised away?). {seen}.{ordering}") from None
    if info.height is None:
        raise AssertionError(f"{expect}, but the Bitcoin tx is still in the mempool, in no block. {seen}. Hint: mine "
                             f"it (dev.btc.mine(1)), sync the view (dev.sync_btc()), then send the EVM tx.{ordering}")
    if info.height > limit:
        raise AssertionError(f"{expect}, but its Bitcoin block {info.height} ({info.block_hash}) is above the "
                             f"{tip_name} {limit} of {seen}. Hint: send the EVM tx after dev.sync_btc() (or mine "
                             f"more L2 blocks so the view catches up).{ordering}")
    on_chain = _hash_at(dev.btc, view.light_tip_hash, view.light_tip_height, info.height)
    if on_chain != bytes(info.block_hash):
        raise AssertionError(f"{expect}, but its Bitcoin block {info.height} ({info.block_hash}) is not on the light "
                             f"chain of {seen}: that chain has {BlockHash(on_chain)} at height {info.height} (a "
                             f"Bitcoin reorg moved the tx).{ordering}")
    return view
