"""The transaction pool with automine off: replacement by fee and geth's ``txpool_*`` inspection methods.

With automine off, accepted transactions wait in the pending block (executed there, so ``pending`` reads their
effects) until ``evm_mine``. As in geth's legacy pool (ethereum/go-ethereum core/txpool/legacypool/list.go
``list.Add``), a transaction with the sender and nonce of a pooled one replaces it only if both its fee cap and its
tip are at least 10 % (``PriceBump``) above the old ones (for legacy transactions both are the gas price); otherwise
it is refused with ``replacement transaction underpriced`` (core/txpool/errors.go ``ErrReplaceUnderpriced``).
The replacement takes the old one's place in the pending block, which is re-executed.

``txpool_content``, ``txpool_contentFrom``, ``txpool_status`` and ``txpool_inspect`` have geth's shapes
(internal/ethapi/api.go ``TxPoolAPI``): pending transactions keyed by sender (checksummed) and nonce (decimal
string); ``queued`` is always empty, since a transaction with a nonce gap is refused ("nonce too high") rather than
queued.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, addr, checksum, parse_addr, q

PRICE_BUMP_PERCENT = 10  # geth's txpool.pricebump default (core/txpool/legacypool/legacypool.go DefaultConfig)


def _fees(tx: Any) -> tuple[int, int]:
    """(fee cap, tip cap); a legacy transaction offers its gas price as both (geth's GasFeeCap / GasTipCap)."""
    if hasattr(tx, "max_fee_per_gas") and getattr(tx, "type_id", None):
        return tx.max_fee_per_gas, tx.max_priority_fee_per_gas
    return tx.gas_price, tx.gas_price


def pooled(engine: Any) -> list[Any]:
    """The pending block's records that came through the pool: its system transactions (the OP-stack deposits,
    0x7C, 0x7D) are never pooled, as on op-geth, and the journal counts only these as replaceable "tx" entries."""
    return [r for r in engine.pending_records if not getattr(r.tx, "is_op_system", False)]


def replace_by_fee(api: RpcContext, tx: Any, sender: bytes, *, signed: bool) -> bytes | None:
    """If ``tx`` has the sender and nonce of a pending transaction, replace that one (or refuse, underpriced) and
    return the new hash; None when there is nothing to replace (the caller validates and includes as usual)."""
    engine = api.engine
    user = pooled(engine)
    index = next((i for i, r in enumerate(user) if r.sender == sender and r.tx.nonce == tx.nonce), None)
    if index is None:
        return None
    old_cap, old_tip = _fees(user[index].tx)
    new_cap, new_tip = _fees(tx)
    bump = 100 + PRICE_BUMP_PERCENT
    if new_cap * 100 < old_cap * bump or new_tip * 100 < old_tip * bump or new_cap <= old_cap or new_tip <= old_tip:
        raise RPCError(-32000, "replacement transaction underpriced")
    header = engine.pending_header
    if tx.gas < tx.intrinsic_gas:
        raise RPCError(-32000, f"intrinsic gas too low: gas {tx.gas}, minimum {tx.intrinsic_gas}")
    if tx.gas > header.gas_limit:
        raise RPCError(-32000, f"gas limit {tx.gas} exceeds the block gas limit {header.gas_limit}")
    if new_cap < header.base_fee_per_gas:
        raise RPCError(-32000, f"max fee per gas {new_cap} below base fee {header.base_fee_per_gas}")
    balance = engine.state(engine.head_number).get_balance(sender)
    if balance < tx.value + tx.gas * new_cap:
        raise RPCError(-32000, f"insufficient funds for gas * price + value: balance {balance}, "
                               f"cost {tx.value + tx.gas * new_cap}")
    dev = api.dev
    dev._open_block()
    old_hash = user[index].tx.hash
    try:
        rec = engine.replace_pending(index, tx, None if signed else sender)
    except ValueError as err:
        raise RPCError(-32000, str(err)) from None
    finally:
        dev._restore_indexer()
    dev.sequencer.replace_tx(old_hash, rec.tx.hash)
    new_hash: bytes = rec.tx.hash
    return new_hash


def _by_sender(api: RpcContext, shape: Any, only: bytes | None = None) -> dict:
    out: dict[str, dict[str, Any]] = {}
    for i, rec in enumerate(pooled(api.engine)):
        if only is not None and rec.sender != only:
            continue
        out.setdefault(checksum(rec.sender), {})[str(rec.tx.nonce)] = shape(rec, i)
    return out


def _content(api: RpcContext, rec: Any, i: int) -> dict:
    return api.tx_json(None, rec.tx, sender=rec.sender)


def _summary(api: RpcContext, rec: Any, i: int) -> str:
    """geth's inspect line: ``<to>: <value> wei + <gas> gas × <fee cap> wei``."""
    tx = rec.tx
    to = addr(tx.to) if tx.to else "contract creation"
    return f"{to}: {tx.value} wei + {tx.gas} gas × {_fees(tx)[0]} wei"


def content(api: RpcContext) -> dict:
    return {"pending": _by_sender(api, lambda r, i: _content(api, r, i)), "queued": {}}


def content_from(api: RpcContext, address: Any) -> dict:
    who = parse_addr(address)
    return {"pending": _by_sender(api, lambda r, i: _content(api, r, i), who).get(checksum(who), {}), "queued": {}}


def status(api: RpcContext) -> dict:
    return {"pending": q(len(pooled(api.engine))), "queued": q(0)}


def inspect(api: RpcContext) -> dict:
    return {"pending": _by_sender(api, lambda r, i: _summary(api, r, i)), "queued": {}}


def pending_transactions(api: RpcContext) -> list[dict]:
    """The transactions waiting in the pending block (geth lists those whose sender the node holds a key for; the
    devchain holds every dev account's, and an impersonated sender counts as held)."""
    return [api.tx_json(None, r.tx, sender=r.sender) for r in pooled(api.engine)]


METHODS: Mapping[str, Handler] = MappingProxyType({
    "txpool_content": content, "txpool_contentFrom": content_from, "txpool_status": status,
    "txpool_inspect": inspect, "eth_pendingTransactions": pending_transactions,
})
