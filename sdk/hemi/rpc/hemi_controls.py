"""The ``hemi_*`` controls, mirroring the Python API of :class:`~hemi.node.devchain.Devchain` (results are plain
JSON; Bitcoin hashes in display hex, EVM hashes 0x-hex). The tunnel's ``hemi_tunnel*`` are in
:mod:`hemi.rpc.hemi_tunnel`, ``hemi_dumpState``/``hemi_loadState`` in :mod:`hemi.rpc.state_data`.

======================================  ===============================================================
``hemi_mineBitcoin(n=1, address?)``     ``dev.btc.mine(n, to=address)`` -> list of block hashes
``hemi_reorgBitcoin(depth, newBlocks?,  ``dev.btc.reorg(...)`` -> list of the new branch's block hashes
drop?)``
``hemi_syncBitcoin()``                  ``dev.sync_btc()`` -> ``{"l2_blocks_mined", "hvm_view"}``
``hemi_superfinalize(target?)``         ``dev.superfinalize(target).to_json()``
``hemi_finality(target?)``              ``dev.finality(target).to_json()``
``hemi_provenance(txHash)``             ``dev.provenance(tx).to_json()`` (verified first)
``hemi_hvmView(block?)``                ``dev.hvm_view(block).to_dict()``
``hemi_popPublish(keystone?, miner?)``  ``dev.pop.publish(...)`` -> txid
``hemi_sendDepositTransaction(tx)``     ``dev.op.deposit(...)`` -> the deposit's transaction hash
======================================  ===============================================================

``hemi_sendDepositTransaction(tx)`` queues a deposit as if it came from L1 (what the OptimismPortal's
``depositTransaction`` becomes on L2): ``tx`` is ``{"from", "to"?, "value"?, "mint"?, "gas"?, "data"|"input"?,
"sourceHash"?, "mine"?}`` (quantities as 0x-hex; no ``to`` creates a contract). It opens the next L2 block after the
L1-attributes deposit (:meth:`hemi.node.op_stack.OpStack.deposit`).

A target is an L2 block number (int or hex quantity), ``"latest"``, or a 32-byte L2 block / EVM tx hash. Errors of
the protocol layer that are neither lookups nor bad values (``NotSuperfinalizable``, ``ProvenanceError``,
``ReorgError``...) answer -32000 with their message (:func:`protocol_errors`).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from hemi.errors import HemiError, HemiLookupError, HemiValueError, brief
from hemi.rpc.context import RpcContext
from hemi.rpc.errors import RPCError
from hemi.rpc.params import Handler, d, parse_addr, parse_data, parse_hash, parse_q
from hemi.types import L2_BLOCK_TAGS, l2_target

MAX_BTC_BLOCKS = 100_000  # one request holds the devchain (~0.2 ms a block): a typo'd count must not hang it


def protocol_errors(fn: Handler) -> Handler:
    """Map protocol errors that EthApi.request does not map itself (it maps lookups and bad values) to -32000."""

    @functools.wraps(fn)
    def wrapper(api: RpcContext, *params: Any) -> Any:
        try:
            return fn(api, *params)
        except (RPCError, HemiLookupError, HemiValueError, TypeError):
            raise
        except HemiError as err:
            raise RPCError(-32000, f"{type(err).__name__}: {err}") from None

    return wrapper


def int_param(v: Any, name: str) -> int:
    """An integer param: a JSON number, decimal text or a hex quantity."""
    if isinstance(v, str) and v[:2] not in ("0x", "0X"):
        try:
            return int(v)
        except ValueError:
            pass
    return parse_q(v, name)


def _target(v: Any) -> Any:
    """An L2 block number, a tag, a 32-byte hash string or a receipt object (its transactionHash), for
    Devchain.finality and friends."""
    v = l2_target(v)
    if v is None or v in L2_BLOCK_TAGS:
        return v or "latest"
    if isinstance(v, int) and not isinstance(v, bool):
        return v
    if isinstance(v, str):
        s = v[2:] if v[:2] in ("0x", "0X") else v
        if len(s) == 64:
            return "0x" + s
        return parse_q(v, "block number")
    raise RPCError(-32602, f"invalid target: an L2 block number, a tag, a 32-byte hash or a receipt, got "
                           f"{brief(v)}")


@protocol_errors
def mine_bitcoin(api: RpcContext, n: Any = 1, address: str | None = None) -> list[str]:
    count = int_param(n, "n")
    if count > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {count} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    return [str(h) for h in api.dev.btc.mine(count, to=address)]


@protocol_errors
def reorg_bitcoin(api: RpcContext, depth: Any, new_blocks: Any = None, drop: Any = None) -> list[str]:
    if drop is not None and not isinstance(drop, list):
        raise RPCError(-32602, "drop is a list of txids")
    new = None if new_blocks is None else int_param(new_blocks, "newBlocks")
    if new is not None and new > MAX_BTC_BLOCKS:
        raise RPCError(-32602, f"cannot mine {new} Bitcoin blocks in one request (at most {MAX_BTC_BLOCKS})")
    hashes = api.dev.btc.reorg(int_param(depth, "depth"), new_blocks=new, drop=drop or ())
    return [str(h) for h in hashes]


@protocol_errors
def sync_bitcoin(api: RpcContext) -> dict[str, Any]:
    mined = api.dev.sync_btc()
    return {"l2_blocks_mined": mined, "hvm_view": api.dev.hvm_view("latest").to_dict()}


@protocol_errors
def superfinalize(api: RpcContext, target: Any = "latest") -> dict[str, Any]:
    result: dict[str, Any] = api.dev.superfinalize(_target(target)).to_json()
    return result


@protocol_errors
def finality(api: RpcContext, target: Any = "latest") -> dict[str, Any]:
    result: dict[str, Any] = api.dev.finality(_target(target)).to_json()
    return result


@protocol_errors
def provenance(api: RpcContext, tx_hash: Any) -> dict[str, Any]:
    result: dict[str, Any] = api.dev.provenance(parse_hash(tx_hash, "transaction hash")).verify().to_json()
    return result


@protocol_errors
def hvm_view(api: RpcContext, block: Any = "latest") -> dict[str, Any]:
    if isinstance(block, bool) or not isinstance(block, str | int) or isinstance(block, int) and \
            not 0 <= block < 2**64:
        raise RPCError(-32602, f"invalid block: a number or a tag, got {brief(block)}")
    if isinstance(block, str) and block not in ("latest", "earliest", "pending", "safe", "finalized"):
        block = parse_q(block, "block number")
    result: dict[str, Any] = api.dev.hvm_view(block).to_dict()
    return result


@protocol_errors
def pop_publish(api: RpcContext, keystone: Any = None, miner: Any = "default") -> str:
    if not isinstance(miner, str):
        raise RPCError(-32602, f"miner must be a miner's name (a string), got {type(miner).__name__}")
    if isinstance(keystone, bool) or not isinstance(keystone, str | int | None):
        raise RPCError(-32602, "keystone must be a block number, a 32-byte block hash or null")
    if isinstance(keystone, str) and len(keystone.removeprefix("0x")) != 64:
        keystone = parse_q(keystone, "keystone")
    return str(api.dev.pop.publish(keystone, miner=miner))


def send_deposit(api: RpcContext, tx: Any) -> str:
    if api.dev.op is None:
        raise RPCError(-32000, "this devchain has no OP-stack blocks (created with op_stack=False)")
    if not isinstance(tx, dict) or not tx.get("from"):
        raise RPCError(-32602, "a deposit is an object with at least `from`")
    source = tx.get("sourceHash")
    mine = tx.get("mine", True)
    if not isinstance(mine, bool):  # "false" is truthy: it would mine
        raise RPCError(-32602, f"invalid mine: expected true or false, got {mine!r}")
    try:
        h = api.dev.op.deposit(
            sender=parse_addr(tx["from"], "from"), to=parse_addr(tx["to"], "to") if tx.get("to") else None,
            value=parse_q(tx.get("value", "0x0"), "value"), mint=parse_q(tx.get("mint", "0x0"), "mint"),
            gas=parse_q(tx.get("gas", hex(100_000)), "gas"), data=parse_data(tx.get("data", tx.get("input")), "data"),
            source_hash=parse_data(source, "sourceHash") if source else None, mine=mine)
    except HemiValueError as err:
        raise RPCError(-32602, str(err)) from None
    return d(h)


METHODS: Mapping[str, Handler] = MappingProxyType({
    "hemi_mineBitcoin": mine_bitcoin, "hemi_reorgBitcoin": reorg_bitcoin, "hemi_syncBitcoin": sync_bitcoin,
    "hemi_superfinalize": superfinalize, "hemi_finality": finality, "hemi_provenance": provenance,
    "hemi_hvmView": hvm_view, "hemi_popPublish": pop_publish, "hemi_sendDepositTransaction": send_deposit,
})
