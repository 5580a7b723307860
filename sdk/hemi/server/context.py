"""What the HTTP and WebSocket handlers need from the server that owns them, as a Protocol.

:mod:`hemi.server.app` and :mod:`hemi.server.ws` are typed against :class:`ServerContext`, not against
:class:`~hemi.server.core.DevchainServer`, so the server module imports them and they never import it back (no
import cycle, type hints included).
"""

from __future__ import annotations

import threading
from typing import Any, Protocol

from .auth import Credentials
from .bitcoin import CappedCoreRPC
from .guard import AccessPolicy
from .ws import WebSocketHost


class ServerContext(WebSocketHost, Protocol):
    """The server as its HTTP handlers see it: what the WebSocket sessions need (limits, dispatcher, API, sessions,
    subscriptions) plus the devchain and its lock, the access policy, the Bitcoin RPC and BFG's finality."""

    dev: Any
    lock: threading.RLock
    policy: AccessPolicy
    core_rpc: CappedCoreRPC
    btc_credentials: Credentials

    def keystone_finality(self, abrev_hash: str) -> tuple[int, dict[str, Any]]: ...
