"""The method table of one devchain: every namespace module's ``METHODS``, bound to that devchain's RPC context.

Each namespace module (``eth_chain``, ``eth_blocks``, ``eth_txs``, ``eth_state``, ``eth_call``, ``eth_simulate``,
``eth_send``, ``eth_sign``, ``eth_filters``, ``net_web3``, ``controls``, ``state_data``, ``txpool``, ``debug_raw``,
``debug_trace``, ``kss_optimism``, ``hemi_controls``, ``hemi_tunnel``) declares its methods as a read-only mapping
of name -> function ``(api, *params)``; nothing registers itself on import. :func:`build_methods` merges them into
a new dict per devchain, so two devchains never share a table, and a face can add or drop methods on one.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from hemi.rpc import (
    controls,
    debug_raw,
    debug_trace,
    eth_blocks,
    eth_call,
    eth_chain,
    eth_filters,
    eth_send,
    eth_sign,
    eth_simulate,
    eth_state,
    eth_txs,
    hemi_controls,
    hemi_tunnel,
    kss_optimism,
    net_web3,
    state_data,
    txpool,
)
from hemi.rpc.context import RpcContext
from hemi.rpc.params import Handler

Method = Callable[..., Any]  # a bound method: (*params) -> JSON result

NAMESPACES: tuple[Mapping[str, Handler], ...] = (
    net_web3.METHODS, eth_chain.METHODS, eth_blocks.METHODS, eth_txs.METHODS, eth_state.METHODS, eth_call.METHODS,
    eth_simulate.METHODS, eth_send.METHODS, eth_sign.METHODS, eth_filters.METHODS, txpool.METHODS,
    controls.METHODS, state_data.METHODS, debug_raw.METHODS, debug_trace.METHODS, kss_optimism.METHODS,
    hemi_controls.METHODS, hemi_tunnel.METHODS,
)


def handlers() -> dict[str, Handler]:
    """Every method name -> its unbound function ``(api, *params)`` (a name in two namespaces is a bug)."""
    out: dict[str, Handler] = {}
    for namespace in NAMESPACES:
        clash = out.keys() & namespace.keys()
        assert not clash, f"methods declared twice: {sorted(clash)}"
        out.update(namespace)
    return out


def build_methods(api: RpcContext) -> dict[str, Method]:
    """A new table for one devchain's context: each method bound to ``api``, called with the request's params."""
    return {name: functools.partial(fn, api) for name, fn in handlers().items()}
