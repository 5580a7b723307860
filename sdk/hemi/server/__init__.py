"""A devchain over the network: Ethereum JSON-RPC (HTTP + WebSocket), BFG's finality endpoint, Bitcoin Core RPC.

``DevchainServer(dev, port=8545, btc_port=18443)`` serves one :class:`~hemi.node.devchain.Devchain`:

- ``http://127.0.0.1:8545`` — JSON-RPC 2.0 (``POST`` with ``Content-Type: application/json``, any path; batches;
  5 MiB body limit -> 413), the devchain's whole ``hemi.rpc`` table, ``kss_*``, ``optimism_btcFinalityByBlockHash``
  and ``hemi_*`` included (:mod:`hemi.rpc.table`); ``GET /`` is a health check;
- ``ws://127.0.0.1:8545`` (any path, ``/ws`` too) — the same methods plus ``eth_subscribe`` (``newHeads``,
  ``logs``) / ``eth_unsubscribe``;
- ``GET http://127.0.0.1:8545/v2/keystonefinality/{abrevHash}`` — BFG v2's keystone finality (404 when unknown);
- ``http://user:password@127.0.0.1:18443`` — Bitcoin Core JSON-RPC over the embedded Bitcoin chain
  (``bitcoin.rpc.Proxy(service_url=server.btc_url)``); wrong or missing credentials get 401.

Port 0 picks free ports. Loopback only unless ``allow_remote=True``. Browsers are kept out by Host and Origin
allowlists (:mod:`hemi.server.guard`); requests are bounded by :class:`~hemi.server.limits.Limits`; docs/security.md
has the threat model. aiohttp serves both ports on one event loop. ``hemi devchain`` runs one from the shell.
"""

import importlib
from typing import Any

# Names load on first use (PEP 562): the CLI imports the flag definitions (hemi.server.cli_options) without paying
# for aiohttp and the EVM when it only prints --help or compiles.
_EXPORTS = {"DevchainServer": "core", "DEFAULT_HOST": "guard", "DEFAULT_PORT": "core", "DEFAULT_BTC_PORT": "core",
            "MAX_BODY": "core", "is_loopback": "guard", "AccessPolicy": "guard", "Dispatcher": "jsonrpc",
            "Limits": "limits"}

__all__ = ["AccessPolicy", "DevchainServer", "Dispatcher", "Limits", "DEFAULT_HOST", "DEFAULT_PORT",
           "DEFAULT_BTC_PORT", "MAX_BODY", "is_loopback"]


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'hemi.server' has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
