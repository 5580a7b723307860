"""Why a Bitcoin lookup from the EVM found nothing, in words that say what to do.

hBK and the hVM precompiles answer "not found" (an empty result, or a failed 0x43 call) alike for three different
mistakes, and a contract can tell only one of them apart (hBK's revert reasons name the reversed byte order,
contracts/hbk/BitcoinKit.sol ``notFound``):

- the txid is not a Bitcoin transaction this chain knows;
- the txid was passed in the other byte order: the precompiles read a ``bytes32`` txid in display (explorer) order
  (hemilabs/op-geth ``core/vm/contracts.go``, the ``btcTxByTxid`` family reverses it into the internal order before
  the lookup), so a raw transaction's internal order, or ``bytes(Txid)``, names another, unknown, transaction;
- the transaction is real but not yet in the hVM's *indexed* view: the precompiles that read transactions and
  balances see Bitcoin blocks only up to the indexed tip, ``hvm_indexer_lag`` (2) blocks behind the light tip, which
  itself moves only as L2 blocks carry headers (op-geth ``hVMIndexerTipLag``; README "How Bitcoin reaches the EVM").

:func:`explain_txid` names which, from the devchain's own state; :func:`explain_call` runs a call, and when it fails
explains every txid the call asked the precompiles about; :func:`explain_balance` says how much of an address's
balance the view cannot see yet (a balance read through hBK is 0 until then).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hemi.btc.address import destination_script
from hemi.errors import ForkValueError, HemiError
from hemi.types import Txid

# what explain_txid found, in ``TxidExplanation.status``
INDEXED = "indexed"  # the precompiles see it
NOT_INDEXED_YET = "not-indexed-yet"  # in a Bitcoin block above the indexed tip (or below hVM activation)
MEMPOOL = "mempool"  # not in a block yet
REVERSED = "reversed"  # unknown as given; the same bytes reversed are a known tx
UNKNOWN = "unknown"


@dataclass(frozen=True)
class TxidExplanation:
    """What the hVM's view makes of a txid, and what to do about it."""

    txid: Txid  # as the precompiles read it (display order)
    status: str  # INDEXED, NOT_INDEXED_YET, MEMPOOL, REVERSED or UNKNOWN
    message: str
    btc_blocks_needed: int = 0  # Bitcoin blocks still to be mined before the view can hold it (NOT_INDEXED_YET)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class CallExplanation:
    """The outcome of :func:`explain_call`: the call's result, or its error with an explanation of every txid it
    asked the precompiles about."""

    ok: bool
    result: Any = None
    error: BaseException | None = None
    txids: tuple[TxidExplanation, ...] = field(default_factory=tuple)

    def __str__(self) -> str:
        if self.ok:
            return "the call succeeded"
        lines = [f"the call failed: {self.error}"]
        lines += [f"- {t.message}" for t in self.txids] or ["- it asked the hVM precompiles about no txid"]
        return "\n".join(lines)


@dataclass(frozen=True)
class BalanceExplanation:
    """An address's confirmed balance on the Bitcoin chain and the part of it the hVM's indexed view holds."""

    address: str
    chain_sats: int
    visible_sats: int  # what 0x40 / hBK getBitcoinAddressBalance can count now
    message: str

    def __str__(self) -> str:
        return self.message


def explain_txid(dev: Any, txid: Txid | str | bytes) -> TxidExplanation:
    """Which of the three "not found" cases ``txid`` is in, or that the view holds it (``txid``: a :class:`Txid`,
    display hex, or internal-order bytes, as :class:`Txid` reads them)."""
    _refuse_on_fork(dev)
    t = Txid(txid)
    view = dev.hvm_view("latest")
    info = _lookup(dev, t)
    if info is None:
        other = Txid(bytes(t)[::-1])
        if _lookup(dev, other) is not None:
            return TxidExplanation(t, REVERSED, (
                f"no Bitcoin transaction {t}; the same 32 bytes in the other order are transaction {other}: the "
                f"hVM precompiles and hBK take a txid in display (explorer) order, pass {other}.display_bytes "
                f"(hemi.types.Txid.display_bytes; bytes.fromhex of the explorer hex)"))
        return TxidExplanation(t, UNKNOWN, f"no Bitcoin transaction {t} on this chain (mempool included)")
    if info.height is None:
        return TxidExplanation(t, MEMPOOL, (
            f"Bitcoin transaction {t} is in the mempool, not in a block: mine a Bitcoin block (dev.btc.mine()), "
            f"then dev.sync_btc()"), btc_blocks_needed=1 + dev.config.hvm_indexer_lag)
    activation = dev.config.hvm_genesis_btc_height
    if info.height < activation:
        return TxidExplanation(t, NOT_INDEXED_YET, (
            f"Bitcoin transaction {t} is in block {info.height}, below the hVM's activation height {activation} "
            f"(hvm_genesis_btc_height): the precompiles never see it"))
    # the index itself decides, not the height: after a Bitcoin reorg the view may still hold the old branch
    if dev.bitcoin_reader(dev.engine.head_number).transaction(bytes(t)) is not None:
        return TxidExplanation(t, INDEXED, (
            f"Bitcoin transaction {t} is in block {info.height}, inside the hVM's indexed view (indexed tip "
            f"{view.indexed_height}): the precompiles see it"))
    lag = dev.config.hvm_indexer_lag
    if info.height <= view.indexed_height:  # at an indexed height, but the view holds another block there
        return TxidExplanation(t, NOT_INDEXED_YET, (
            f"Bitcoin transaction {t} is in block {info.height} ({info.block_hash}), but the hVM's view still holds "
            f"the block Bitcoin replaced at that height (a reorg): dev.sync_btc() walks the view over to the new "
            f"branch"), btc_blocks_needed=max(0, info.height + lag - dev.btc.height))
    more = max(0, info.height + lag - dev.btc.height)  # the light tip must reach height + lag
    todo = (f"mine {more} more Bitcoin block(s) (dev.btc.mine({more})), then dev.sync_btc()" if more
            else "dev.sync_btc() (L2 blocks carry the Bitcoin headers the view still lacks)")
    return TxidExplanation(t, NOT_INDEXED_YET, (
        f"Bitcoin transaction {t} is in block {info.height}, but the hVM's indexed view ends at block "
        f"{view.indexed_height} (light tip {view.light_tip_height}, indexer lag {lag}): {todo}"),
        btc_blocks_needed=more)


def _refuse_on_fork(dev: Any) -> None:
    # on a fork 0x40-0x49 answer from the remote's Bitcoin view, which the embedded chain these helpers read is not
    if dev.fork is not None:
        raise ForkValueError(dev.fork.url, "explain_txid, explain_call and explain_balance read the embedded Bitcoin "
                             "chain, but on a fork the hVM precompiles answer from the remote's Bitcoin view: ask "
                             "the remote (its hBK, or an eth_call to the precompile)")


def _lookup(dev: Any, t: Txid) -> Any:
    try:
        return dev.btc.tx(t)
    except HemiError:  # UnknownTransactionError: not in a block of the active chain nor in the mempool
        return None


def explain_call(dev: Any, call: Callable[..., Any], *args: Any, **kwargs: Any) -> CallExplanation:
    """Run ``call(*args, **kwargs)`` (e.g. ``kit.functions.getTxConfirmations(t).call``) on this devchain; when it
    raises, explain every txid it passed to the hVM precompiles (0x42, 0x43, 0x47–0x49). The call's own exception
    is kept in ``error``; nothing is raised."""
    _refuse_on_fork(dev)
    seq = dev.sequencer
    nested = seq._reads is not None  # inside block building already: share its record, do not end it
    if not nested:
        seq.start_reads()
    first = len(seq._reads)
    try:
        result = call(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - any failure of the user's call is what we explain
        # a transaction mined by the call (automine) ends the record itself: its reads are then its ordering's
        read: list[Txid] = []
        for t in seq._reads[first:] if seq._reads is not None else ():
            if Txid(bytes(t)[::-1]) not in read:  # not hBK's own probe of the other byte order (its notFound)
                read.append(t)
        return CallExplanation(False, error=err, txids=tuple(explain_txid(dev, t) for t in read))
    finally:
        if not nested and seq._reads is not None:
            seq.end_reads()
    return CallExplanation(True, result=result)


def explain_balance(dev: Any, address: str) -> BalanceExplanation:
    """How much of ``address``'s confirmed Bitcoin balance the hVM's indexed view holds, and why the rest is not
    visible yet. ``visible_sats`` is the index's own balance, what 0x40 and hBK count: outputs confirmed above the
    indexed tip are missing from it, and an output spent above the indexed tip still counts there (the view has not
    seen the spend either)."""
    _refuse_on_fork(dev)
    view = dev.hvm_view("latest")
    utxos = dev.btc.utxos(address)
    chain = sum(u.value for u in utxos)
    hidden = [u for u in utxos if u.height is not None and u.height > view.indexed_height]
    # what 0x40 counts: the index's balance (outputs spent above the indexed tip still count, a reorged view's too)
    visible = dev.bitcoin_reader(dev.engine.head_number).balance(destination_script(address))
    if not hidden and visible == chain:
        msg = (f"{address}: {chain} sats confirmed on Bitcoin, all inside the hVM's indexed view (tip "
               f"{view.indexed_height})")
    elif not hidden:  # the view lags a spend, or holds a branch Bitcoin reorged away
        msg = (f"{address}: {chain} sats confirmed on Bitcoin, {visible} visible to the hVM: its indexed view (tip "
               f"{view.indexed_height}) has not caught up with the chain's spends or reorgs; dev.sync_btc()")
    else:
        top = max(u.height for u in hidden if u.height is not None)
        more = max(0, top + dev.config.hvm_indexer_lag - dev.btc.height)
        todo = (f"mine {more} more Bitcoin block(s), then dev.sync_btc()" if more else "dev.sync_btc()")
        stale = visible - (chain - sum(u.value for u in hidden))  # spent above the tip, still counted by the index
        spent = f", and it still counts {stale} sats spent there" if stale > 0 else ""
        msg = (f"{address}: {chain} sats confirmed on Bitcoin, {visible} visible to the hVM: {len(hidden)} output(s) "
               f"in blocks above the indexed tip {view.indexed_height} (up to block {top}) are not indexed yet"
               f"{spent}; {todo}")
    return BalanceExplanation(address, chain, visible, msg)
