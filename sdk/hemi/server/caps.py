"""The per-method caps of :class:`~hemi.server.limits.Limits`, applied around the dispatcher.

:class:`Caps` checks before a call (block counts, call gas, filters), puts the wall-clock limit on EVM calls, and
keeps the books after one (filters idle past the timeout are dropped, the oldest snapshot beyond the bound is
dropped). Every refusal is a JSON-RPC error (-32602 for a request over a cap, -32000 for a resource that is full)
and changes nothing.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from hemi.node.api import abort_call, time_limit
from hemi.rpc.errors import RPCError
from hemi.rpc.params import parse_q

from .limits import Limits

INVALID_PARAMS = -32602
SERVER_ERROR = -32000

# EVM runs a request asks for, under the gas cap and the wall-clock limit (geth bounds its traces by time too:
# eth/tracers/api.go defaultTraceTimeout)
_CALLS = ("eth_call", "eth_estimateGas", "eth_createAccessList", "debug_traceCall", "debug_traceTransaction",
          "eth_simulateV1")
_MINE = ("evm_mine", "anvil_mine", "hardhat_mine")
_NEW_FILTER = ("eth_newFilter", "eth_newBlockFilter", "eth_newPendingTransactionFilter")
_POLL_FILTER = ("eth_getFilterChanges", "eth_getFilterLogs")
CAPPED = frozenset((*_CALLS, *_MINE, *_NEW_FILTER, *_POLL_FILTER, "eth_uninstallFilter", "hemi_mineBitcoin",
                    "hemi_reorgBitcoin", "evm_snapshot", "anvil_snapshot"))  # the methods Caps looks at


class Caps:
    """The per-method caps of :class:`Limits` over one ``EthApi``; every method runs under the devchain lock."""

    def __init__(self, api: Any, limits: Limits) -> None:
        self.api, self.limits = api, limits
        self._filter_used: dict[int, float] = {}  # filter id -> last creation or poll (monotonic seconds)

    # ------------------------------------------------------------------ before a call

    def check(self, name: str, params: list, until: float | None = None) -> AbstractContextManager[Any]:
        """Refuse a request over a cap (RPCError); the returned context manager wraps the call itself. ``until``: the
        end of the batch the request belongs to (``time.monotonic()``), which an EVM call does not run past."""
        lim = self.limits
        if name in _CALLS:
            obj = params[0] if params else None
            if isinstance(obj, dict) and obj.get("gas") is not None:
                gas = parse_q(obj["gas"], "gas")
                if gas > lim.call_gas_cap:
                    raise RPCError(INVALID_PARAMS, f"gas {gas} is above the RPC gas cap {lim.call_gas_cap} "
                                                   f"(hemi devchain --rpc-gas-cap)")
            seconds = lim.call_timeout if until is None else min(lim.call_timeout, until - time.monotonic())
            return time_limit(seconds, self.api.engine.computation_class)
        if name in _MINE and params:
            self._check_blocks(_mine_count(name, params[0]))
        elif name == "hemi_mineBitcoin" and params:
            self._check_blocks(_count(params[0], "n"))
        elif name == "hemi_reorgBitcoin" and len(params) > 1 and params[1] is not None:
            self._check_blocks(_count(params[1], "newBlocks"))
        elif name in _NEW_FILTER:
            self.expire_filters()
            if len(self.api._filters) >= lim.max_filters:
                raise RPCError(SERVER_ERROR, f"too many filters installed ({lim.max_filters}, hemi devchain "
                                             f"--max-filters): uninstall some, or let idle ones expire")
        elif name in _POLL_FILTER or name == "eth_uninstallFilter":
            self.expire_filters()
        return nullcontext()

    def _check_blocks(self, n: int | None) -> None:
        if n is not None and n > self.limits.max_blocks:
            raise RPCError(INVALID_PARAMS, f"cannot mine {n} blocks in one request (at most {self.limits.max_blocks}, "
                                           f"hemi devchain --max-blocks-per-call)")

    def abort(self) -> None:
        """Stop the EVM call running under the wall-clock limit, if one is, at its next check (from any thread)."""
        abort_call(self.api.engine.computation_class)

    # ------------------------------------------------------------------ after a call

    def after(self, name: str, params: list, result: Any) -> None:
        now = time.monotonic()
        if name in _NEW_FILTER and isinstance(result, str):
            self._filter_used[int(result, 16)] = now
        elif name in _POLL_FILTER and params:
            try:
                self._filter_used[parse_q(params[0], "filter id")] = now
            except RPCError:
                pass
        elif name in ("evm_snapshot", "anvil_snapshot"):
            self._bound_snapshots()

    def expire_filters(self) -> None:
        """Drop every filter not polled for ``filter_timeout`` seconds (geth: 'filter not found' afterwards)."""
        deadline = time.monotonic() - self.limits.filter_timeout
        filters = self.api._filters
        for fid in [f for f in filters if self._filter_used.get(f, deadline + 1) < deadline]:
            filters.pop(fid, None)
        for fid in [f for f in self._filter_used if f not in filters]:
            del self._filter_used[fid]

    def _bound_snapshots(self) -> None:
        """Keep at most ``max_snapshots`` evm_snapshot ids: the oldest go first (evm_revert to one answers false)."""
        snaps = self.api._evm_snapshots
        while len(snaps) > self.limits.max_snapshots:
            oldest = min(snaps)
            self.api.dev.discard(snaps.pop(oldest))


def _mine_count(name: str, arg: Any) -> int | None:
    """The block count of evm_mine/anvil_mine/hardhat_mine (None for the evm_mine(timestamp) form, one block).
    anvil_mine and hardhat_mine take a count first, always (anvil's and Hardhat's signatures)."""
    if isinstance(arg, dict):
        return _count(arg.get("blocks", 1), "blocks")
    if name == "evm_mine" and isinstance(arg, str) and arg.startswith("0x"):
        n = parse_q(arg, "blocks")
        return None if n > 10**6 else n  # evm_mine(timestamp): one block (as the method reads it)
    return _count(arg, "blocks")


def _count(v: Any, name: str) -> int | None:
    if isinstance(v, bool):
        raise RPCError(INVALID_PARAMS, f"invalid {name}: expected a number, got {v!r}")
    if isinstance(v, int):
        return v
    if isinstance(v, str):
        return parse_q(v, name)
    return None  # the method itself rejects other types
