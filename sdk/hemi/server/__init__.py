"""A devchain over the network: Ethereum JSON-RPC (HTTP + WebSocket), BFG's finality endpoint, Bitcoin Core RPC.

``DevchainServer(dev, port=8545, btc_port=18443)`` serves one :class:`~hemi.node.devchain.Devchain`:

- ``http://127.0.0.1:8545`` — JSON-RPC 2.0 (``POST``, any path; batches; 5 MiB body limit -> 413), the whole
  ``hemi.rpc.eth`` table plus ``kss_*``, ``optimism_btcFinalityByBlockHash`` and ``hemi_*``
  (:mod:`hemi.rpc.hemi_methods`); CORS open to every origin; ``GET /`` is a health check;
- ``ws://127.0.0.1:8545`` (any path, ``/ws`` too) — the same methods plus ``eth_subscribe`` (``newHeads``,
  ``logs``) / ``eth_unsubscribe``;
- ``GET http://127.0.0.1:8545/v2/keystonefinality/{abrevHash}`` — BFG v2's keystone finality (404 when unknown);
- ``http://u:p@127.0.0.1:18443`` — Bitcoin Core JSON-RPC over the embedded Bitcoin chain (``bitcoin.rpc.Proxy``).

Port 0 picks free ports. Loopback only unless ``allow_remote=True``. ``hemi devchain`` runs one from the shell.
"""

from .core import DEFAULT_BTC_PORT, DEFAULT_HOST, DEFAULT_PORT, MAX_BODY, DevchainServer, is_loopback
from .jsonrpc import Dispatcher

__all__ = ["DevchainServer", "Dispatcher", "DEFAULT_HOST", "DEFAULT_PORT", "DEFAULT_BTC_PORT", "MAX_BODY",
           "is_loopback"]
