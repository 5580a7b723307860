"""WebSocket JSON-RPC on the HTTP port: every eth_*/hemi_* method, plus ``eth_subscribe`` / ``eth_unsubscribe``.

The HTTP handler hands an upgrade request (any path: ``ws://host:port`` or ``ws://host:port/ws``) to
:func:`serve_websocket`, which finishes the handshake with the ``websockets`` package's sync connection on the same
socket. Subscriptions: ``newHeads`` (the block header object, as geth sends it), ``logs`` (``{address, topics}``,
one notification per matching log) and ``newPendingTransactions`` (each accepted transaction's hash once, or the
transaction object with ``["newPendingTransactions", true]`` as geth offers), delivered as ``eth_subscription``
notifications: pending transactions when the server accepts them (or, for transactions sent through the Python API,
when their block is sealed), heads and logs after each sealed L2 block (``Devchain.on_block``).

Notifications are queued and written by a per-connection thread, so mining never waits on a slow client; a client
that leaves more than :data:`MAX_BACKLOG_BYTES` of messages unread is disconnected (its socket shut down, its
subscriptions dropped) rather than let the queue grow without bound. The budget holds the heads of the largest
``anvil_mine`` burst many times over, so a client that reads is never cut off for a burst.
"""

from __future__ import annotations

import itertools
import logging
import os
import queue
import socket
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Optional

from hemi.node.op_stack import user_tx_hashes
from hemi.rpc.eth import RPCError

from .jsonrpc import INVALID_PARAMS, dumps

if TYPE_CHECKING:
    from .core import DevchainServer

log = logging.getLogger("hemi.server")
SUBSCRIPTION_KINDS = ("newHeads", "logs", "newPendingTransactions")
MAX_BACKLOG_BYTES = 64 * 1024 * 1024  # unread bytes a WebSocket client may leave queued before it is disconnected
_ANNOUNCED_MEMORY = 10_000  # recently announced pending tx hashes remembered, so none is announced twice
_HEADER_DROP = ("transactions", "uncles", "size", "totalDifficulty")


class _PrefixedSocket:
    """The accepted socket, replaying the upgrade request that http.server already read from it.

    ``close()`` only shuts the socket down: socketserver closes it when the handler returns."""

    def __init__(self, sock: socket.socket, prefix: bytes) -> None:
        self._sock, self._prefix = sock, prefix

    def recv(self, bufsize: int) -> bytes:
        if self._prefix:
            out, self._prefix = self._prefix[:bufsize], self._prefix[bufsize:]
            return out
        return self._sock.recv(bufsize)

    def sendall(self, data: bytes) -> None:
        self._sock.sendall(data)

    def settimeout(self, t: Optional[float]) -> None:
        self._sock.settimeout(t)

    def shutdown(self, how: int) -> None:
        self._sock.shutdown(how)

    def close(self) -> None:
        try:
            self._sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def getsockname(self) -> Any:
        return self._sock.getsockname()

    def getpeername(self) -> Any:
        return self._sock.getpeername()

    def fileno(self) -> int:
        return self._sock.fileno()


@dataclass
class Subscription:
    id: str
    kind: str
    session: "Session"
    filter: dict = field(default_factory=dict)
    active: bool = False  # set once the eth_subscribe reply is queued, so no notification precedes it


class Session:
    """One WebSocket client: its subscriptions and its outgoing queue."""

    _ids = itertools.count(1)

    def __init__(self, server: "DevchainServer", conn: Any) -> None:
        self.server, self.conn = server, conn
        self.id = next(self._ids)
        self.subs: dict[str, Subscription] = {}
        self.outbox: "queue.Queue[Optional[bytes]]" = queue.Queue()
        self.backlog = 0  # bytes queued and not yet written to the socket
        self._backlog_lock = threading.Lock()
        self.writer = threading.Thread(target=self._write, name=f"hemi-ws-writer-{self.id}", daemon=True)
        self.extra = {"eth_subscribe": self._subscribe, "eth_unsubscribe": self._unsubscribe}

    def _write(self) -> None:
        while True:
            item = self.outbox.get()
            if item is None:
                return
            try:
                self.conn.send(item.decode())
            except Exception:  # noqa: BLE001 - the client went away; the reader ends the session
                return
            with self._backlog_lock:
                self.backlog -= len(item)

    def send(self, payload: bytes) -> None:
        with self._backlog_lock:
            over = self.backlog + len(payload) > MAX_BACKLOG_BYTES
            if not over:
                self.backlog += len(payload)
        if over:
            self._drop_slow_client()
            return
        self.outbox.put(payload)

    def _drop_slow_client(self) -> None:
        """Called under the devchain lock: never wait on the client here, only shut its socket down (the reader
        then ends the session)."""
        if self.subs:
            log.warning("websocket client %s left %d bytes unread: disconnecting it", self.id, self.backlog)
        self.server.subscriptions.drop_session(self)
        self.subs.clear()
        try:
            self.conn.socket.shutdown(socket.SHUT_RDWR)
        except Exception:  # noqa: BLE001 - already gone
            pass

    def run(self) -> None:
        self.writer.start()
        try:
            for message in self.conn:
                body = message.encode() if isinstance(message, str) else message
                reply = self.server.dispatcher.handle_body(body, self.extra)
                if reply is not None:
                    self.send(reply)
                for sub in self.subs.values():  # new subscriptions go live once their id is queued
                    sub.active = True
        except Exception:  # noqa: BLE001 - ConnectionClosed and friends end the session quietly
            pass
        finally:
            self.close()

    def close(self) -> None:
        self.server.subscriptions.drop_session(self)
        self.outbox.put(None)
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001
            pass

    # ------------------------------------------------------------------ eth_subscribe

    def _subscribe(self, params: list) -> str:
        if not params or params[0] not in SUBSCRIPTION_KINDS:
            kind = params[0] if params else None
            raise RPCError(INVALID_PARAMS, f"unsupported subscription {kind!r}: this devchain offers "
                                           f"{', '.join(SUBSCRIPTION_KINDS)}")
        kind = params[0]
        flt: dict = {}
        if kind == "newPendingTransactions":
            full = params[1] if len(params) > 1 else False
            if not isinstance(full, bool):
                raise RPCError(INVALID_PARAMS, "newPendingTransactions takes an optional boolean (full transactions)")
            flt = {"full": full}
        elif kind == "logs":
            raw = params[1] if len(params) > 1 and params[1] is not None else {}
            if not isinstance(raw, dict):
                raise RPCError(INVALID_PARAMS, "a logs subscription takes a filter object {address, topics}")
            flt = {k: raw[k] for k in ("address", "topics") if raw.get(k) is not None}
            api = self.server.api
            api.request("eth_getLogs", [dict(flt, fromBlock="latest", toBlock="latest")])  # validates the filter
        sid = "0x" + os.urandom(16).hex()
        sub = Subscription(sid, kind, self, flt)
        self.subs[sid] = sub
        self.server.subscriptions.add(sub)
        return sid

    def _unsubscribe(self, params: list) -> bool:
        if not params or not isinstance(params[0], str):
            raise RPCError(INVALID_PARAMS, "eth_unsubscribe takes a subscription id")
        sub = self.subs.pop(params[0], None)
        if sub is None:
            return False
        self.server.subscriptions.remove(sub)
        return True


class Subscriptions:
    """Every live subscription; :meth:`on_block` is the devchain's block hook (runs under the devchain lock)."""

    def __init__(self, server: "DevchainServer") -> None:
        self.server = server
        self._subs: dict[str, Subscription] = {}
        self._lock = threading.Lock()
        self._announced: dict[bytes, None] = {}  # insertion-ordered set of announced pending tx hashes

    def add(self, sub: Subscription) -> None:
        with self._lock:
            self._subs[sub.id] = sub

    def remove(self, sub: Subscription) -> None:
        with self._lock:
            self._subs.pop(sub.id, None)

    def drop_session(self, session: Session) -> None:
        with self._lock:
            for sid in list(session.subs):
                self._subs.pop(sid, None)

    def __len__(self) -> int:
        return len(self._subs)

    def _live(self) -> list[Subscription]:
        with self._lock:
            return [s for s in self._subs.values() if s.active]

    def _announce(self, subs: list[Subscription], tx_hashes: list[bytes]) -> None:
        """newPendingTransactions: each hash once (a tx accepted over RPC is announced at once; a block's txs not
        yet announced, e.g. sent through the Python API, when the block is sealed)."""
        fresh = [h for h in tx_hashes if h not in self._announced]
        for h in fresh:
            self._announced[h] = None
        while len(self._announced) > _ANNOUNCED_MEMORY:
            self._announced.pop(next(iter(self._announced)))
        pending = [s for s in subs if s.kind == "newPendingTransactions"]
        if not fresh or not pending:
            return
        api = self.server.api
        for h in fresh:
            full: Optional[dict] = None
            for s in pending:
                if s.filter.get("full"):
                    if full is None:
                        rec = api.engine.tx_record(h)
                        full = api.tx_json(rec) if rec is not None else api.request("eth_getTransactionByHash",
                                                                                    ["0x" + h.hex()])
                    self._notify(s, full)
                else:
                    self._notify(s, "0x" + h.hex())

    def on_pending_tx(self, tx_hash: bytes) -> None:
        """EthApi's tx listener (runs under the devchain lock)."""
        subs = self._live()
        if not subs:
            return
        try:
            self._announce(subs, [tx_hash])
        except Exception:  # noqa: BLE001 - a notification failure never fails the transaction
            log.exception("newPendingTransactions notification for 0x%s failed", tx_hash.hex())

    def on_block(self, dev: Any, number: int) -> None:
        """The devchain's block hook (runs under the devchain lock): pending txs not yet announced, then the new
        head, then matching logs."""
        subs = self._live()
        if not subs:
            return
        api = self.server.api
        try:
            self._announce(subs, user_tx_hashes(api.engine, number))  # system txs were never pending
            header: Optional[dict] = None
            for s in subs:
                if s.kind == "newHeads":
                    if header is None:
                        header = {k: v for k, v in api.block_json(number, False).items() if k not in _HEADER_DROP}
                    self._notify(s, header)
            for s in subs:
                if s.kind == "logs":
                    q = hex(number)
                    for lg in api.request("eth_getLogs", [dict(s.filter, fromBlock=q, toBlock=q)]):
                        self._notify(s, lg)
        except Exception:  # noqa: BLE001 - a notification failure never breaks block production
            log.exception("eth_subscription notification for block %s failed", number)

    @staticmethod
    def _notify(sub: Subscription, result: Any) -> None:
        sub.session.send(dumps({"jsonrpc": "2.0", "method": "eth_subscription",
                                "params": {"subscription": sub.id, "result": result}}))


def serve_websocket(server: "DevchainServer", sock: socket.socket, raw_request: bytes) -> None:
    """Finish the WebSocket handshake of an upgrade request already read from ``sock``, then serve the session
    until the client or the server closes it."""
    from websockets.server import ServerProtocol
    from websockets.sync.server import ServerConnection

    sock.settimeout(None)  # the HTTP handler's idle timeout does not apply to a long-lived subscriber
    protocol = ServerProtocol(max_size=server.max_body)
    conn = ServerConnection(_PrefixedSocket(sock, raw_request), protocol, close_timeout=2)
    try:
        conn.handshake(timeout=10)
    except Exception as err:  # noqa: BLE001 - a failed handshake was already answered with an HTTP error
        log.debug("websocket handshake failed: %s", err)
        conn.close_socket()
        return
    session = Session(server, conn)
    server._sessions.add(session)
    try:
        session.run()
    finally:
        server._sessions.discard(session)

