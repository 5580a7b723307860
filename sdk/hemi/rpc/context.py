"""The RPC state of one devchain and what every method shares: which block a tag names, the cached JSON of mined
blocks, transactions built from JSON, installed filters and ``evm_snapshot`` ids.

Each :class:`~hemi.rpc.api.EthApi` is one of these with its method table; the method modules take it as their first
argument. Nothing here is module-level: two devchains have two contexts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from hemi.node.api import TxRecord
from hemi.rpc import shapes
from hemi.rpc.errors import RPCError
from hemi.rpc.params import parse_access_list, parse_addr, parse_authorization_list, parse_data, parse_hash, parse_q

BLOCK_CACHE_SIZE = 256  # rendered blocks kept; cleared when full (mined blocks never change, so no staleness)


class RpcContext:
    """The per-devchain RPC state over ``dev`` (a :class:`~hemi.node.devchain.Devchain`)."""

    def __init__(self, dev: Any) -> None:
        self.dev = dev
        self.engine = dev.engine
        self._filters: dict[int, dict[str, Any]] = {}
        self._filter_ids = itertools.count(1)
        self._evm_snapshots: dict[int, Any] = {}
        self._evm_snapshot_ids = itertools.count(1)
        self._block_cache: dict[tuple[bytes, bool], dict[str, Any]] = {}  # mined blocks never change; keyed by hash
        self.tx_listeners: list[Callable[[bytes], None]] = []  # called with each accepted tx's hash (the server's
        # newPendingTransactions subscriptions listen here)

    # ------------------------------------------------------------------ block selection

    def from_remote(self, n: int | None) -> bool:
        """Whether block ``n`` is a forked remote's (at or below the fork block), whose transactions live there."""
        fork = self.dev.fork
        return fork is not None and n is not None and n <= fork.number

    def remote(self, method: str, *params: Any) -> Any:
        """A forked remote's own answer to a history read (None without a fork, or past the fork block)."""
        fork = self.dev.fork
        return None if fork is None else fork.history(method, list(params))

    def block_number(self, tag: Any) -> int:
        """The mined block a tag or number names (-32001 past the head)."""
        head: int = self.engine.head_number
        if tag is None or tag in ("latest", "safe", "finalized", "pending"):
            return head
        if tag == "earliest":
            return 0
        n = parse_q(tag, "block number")
        if n > head:
            raise RPCError(-32001, f"block {n} not found (head is {head})")
        return n

    def state_number(self, tag: Any) -> int | None:
        """None means the pending state (with the transactions waiting while automine is off); "latest" is the head
        block's state plus direct edits (anvil_setBalance, ...), as anvil reads it."""
        if tag == "pending":
            return None
        if tag is None or tag in ("latest", "safe", "finalized"):
            head: int = self.engine.head_number
            return head
        if isinstance(tag, dict):  # EIP-1898
            if "blockHash" in tag:
                n: int | None = self.engine.block_number_of(parse_hash(tag["blockHash"], "blockHash"))
                if n is None:
                    raise RPCError(-32001, "block not found")
                return n
            return self.state_number(tag.get("blockNumber"))
        return self.block_number(tag)

    # ------------------------------------------------------------------ shapes (hemi.rpc.shapes, over this engine)

    def tx_json(self, rec: TxRecord | None, tx: Any = None, sender: bytes | None = None,
                block: Any = None, index: int | None = None) -> dict[str, Any]:
        return shapes.tx_json(self.engine, rec, tx, sender, block, index)

    def block_json(self, n: int, full: bool) -> dict[str, Any]:
        """Block ``n`` (cached by hash: the server's subscriptions and web3's polling ask for the same blocks)."""
        rec = self.engine.block_record(n)
        key = (rec.block.hash, full)
        cached = self._block_cache.get(key)
        if cached is None:
            cached = self._block_cache[key] = shapes.block_json(self.engine, rec, full)
            if len(self._block_cache) > BLOCK_CACHE_SIZE:
                self._block_cache.clear()
        return dict(cached)

    def log_json(self, n: int, rec: TxRecord, log_index: int, lg: Any) -> dict[str, Any]:
        return shapes.log_json(self.engine, n, rec, log_index, lg)

    def receipt_json(self, rec: TxRecord) -> dict[str, Any]:
        return shapes.receipt_json(self.engine, rec)

    # ------------------------------------------------------------------ transactions from JSON

    def unsigned_from_json(self, obj: dict[str, Any], *, default_gas: int | None = None,
                           for_call: bool = False) -> tuple[Any, bytes]:
        """An unsigned transaction and its sender from a JSON transaction object; missing fields as geth fills them
        (nonce from the state, gas the block's limit, fees twice the base fee plus the tip, or free for a call)."""
        if not isinstance(obj, dict):
            raise RPCError(-32602, "transaction must be an object")
        sender = parse_addr(obj["from"], "from") if obj.get("from") else b"\x00" * 20
        to = parse_addr(obj["to"], "to") if obj.get("to") else b""
        data = parse_data(obj.get("input", obj.get("data")), "input")
        value = parse_q(obj.get("value", "0x0"), "value")
        header = self.engine.pending_header
        gas = parse_q(obj["gas"], "gas") if obj.get("gas") is not None else (default_gas or header.gas_limit)
        if obj.get("nonce") is not None:
            nonce = parse_q(obj["nonce"], "nonce")
        else:  # a call runs with the nonce of its own block's state (the engine sets it), not the pending one
            nonce = 0 if for_call else self.engine.state().get_nonce(sender)
        access_list = parse_access_list(obj.get("accessList"))
        authorizations = parse_authorization_list(obj.get("authorizationList"))
        if authorizations and obj.get("gasPrice") is not None and obj.get("maxFeePerGas") is None:
            raise RPCError(-32602, "a transaction with an authorizationList (EIP-7702, type 4) takes maxFeePerGas and "
                                   "maxPriorityFeePerGas, not gasPrice")
        if obj.get("gasPrice") is not None and obj.get("maxFeePerGas") is None:
            tx = self.engine.build_unsigned(nonce=nonce, gas=gas, to=to, value=value, data=data,
                                            gas_price=parse_q(obj["gasPrice"], "gasPrice"), access_list=access_list)
        else:
            prio = parse_q(obj.get("maxPriorityFeePerGas", "0x0"), "maxPriorityFeePerGas")
            if obj.get("maxFeePerGas") is not None:
                max_fee = parse_q(obj["maxFeePerGas"], "maxFeePerGas")
            else:  # a call or estimate without fees runs for free (base fee 0), as geth's do
                max_fee = prio if for_call else header.base_fee_per_gas * 2 + prio
            try:
                tx = self.engine.build_unsigned(nonce=nonce, gas=gas, to=to, value=value, data=data, max_fee=max_fee,
                                                max_priority_fee=prio, access_list=access_list,
                                                authorization_list=authorizations)
            except ValueError as err:
                raise RPCError(-32602, str(err)) from None
        return tx, sender

    def capped_gas(self, tx: Any) -> Any:
        """``tx`` with its gas limit capped at the block's, for a call (a copy only when it is above: the default gas
        is the block's limit already, and copying a py-evm transaction costs a tenth of a small call)."""
        limit = self.engine.pending_header.gas_limit
        return tx if tx.gas <= limit else tx.copy(gas=limit)

    def dev_key(self, address: Any) -> Any:
        """The key of a dev account (-32000 for any other address)."""
        key = self.dev.key_for(parse_addr(address))
        if key is None:
            raise RPCError(-32000, f"unknown account {address}: only the dev accounts' keys are held here")
        return key

    def forget_state(self) -> None:
        """After the devchain's whole state was replaced (anvil_loadState): the caches and snapshot ids name blocks
        and snapshots of the state that is gone."""
        self._block_cache.clear()
        self._evm_snapshots.clear()
