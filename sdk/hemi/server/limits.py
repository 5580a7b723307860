"""The server's caps: what one client may ask of the devchain in one request, and how much state it may leave behind.

:class:`Limits` holds the numbers (each a ``hemi devchain`` flag; docs/security.md lists them with geth's and
Bitcoin Core's equivalents); :class:`hemi.server.caps.Caps` applies them. This module imports nothing heavy, so the
CLI can show the defaults in ``--help`` without loading the EVM.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """Every cap of the server, with its default (geth's where it has one)."""

    max_body: int = 5 * 1024 * 1024  # bytes of one HTTP body or WebSocket message (geth: 5 MiB)
    max_batch: int = 1_000  # requests in one batch (geth --rpc.batch-request-limit)
    max_response: int = 25_000_000  # bytes of one batch's replies (geth --rpc.batch-response-max-size)
    call_gas_cap: int = 50_000_000  # gas of eth_call / eth_estimateGas / eth_createAccessList (geth --rpc.gascap)
    call_timeout: float = 5.0  # seconds of EVM time per such request (geth --rpc.evmtimeout)
    batch_timeout: float = 30.0  # seconds of one batch, its calls included (geth's HTTP write timeout, 30 s)
    max_blocks: int = 10_000  # blocks mined by one anvil_mine / hemi_mineBitcoin / generatetoaddress call
    max_ws_connections: int = 100  # open WebSocket connections
    max_subscriptions: int = 1_000  # subscriptions per WebSocket connection
    max_filters: int = 10_000  # installed filters (eth_newFilter, eth_newBlockFilter...)
    filter_timeout: float = 300.0  # seconds a filter lives without being polled (geth: 5 minutes)
    max_snapshots: int = 1_000  # evm_snapshot ids kept; the oldest is dropped beyond it
