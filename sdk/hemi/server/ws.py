"""WebSocket JSON-RPC on the HTTP port: every eth_*/hemi_* method, plus ``eth_subscribe`` / ``eth_unsubscribe``.

The HTTP app hands an upgrade request (any path: ``ws://host:port`` or ``ws://host:port/ws``), once its Host and
Origin passed :mod:`hemi.server.guard`, to :func:`serve_websocket` (aiohttp's ``WebSocketResponse``). Subscriptions:
``newHeads`` (the block header object, as geth sends it), ``logs`` (``{address, topics}``, one notification per
matching log) and ``newPendingTransactions`` (each accepted transaction's hash once, or the transaction object with
``["newPendingTransactions", true]`` as geth offers), delivered as ``eth_subscription`` notifications: pending
transactions when the server accepts them (or, for transactions sent through the Python API, when their block is
sealed), heads and logs after each sealed L2 block (``Devchain.on_block``).

Notifications are queued and written by a per-connection task on the server's event loop, so mining (which may run
on a timer thread) never waits on a slow client; a client that leaves more than :data:`MAX_BACKLOG_BYTES` of
messages unread (each message counted with :data:`MESSAGE_OVERHEAD` for the objects that carry it) is disconnected
(its subscriptions dropped) rather than let the queue grow without bound. Notifications of blocks a request mines
are written once that request ends (it holds the loop), so the budget bounds a burst too: about 35,000 heads, one
``anvil_mine`` of the largest size (10,000 blocks) on up to three ``newHeads`` subscriptions of one connection; more
disconnect even a client that reads. Connections are bounded by ``Limits.max_ws_connections`` (more get HTTP 503
before the upgrade) and each one's subscriptions by ``Limits.max_subscriptions``.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Protocol

from aiohttp import WSMsgType, web

from hemi.node.op_stack import user_tx_hashes
from hemi.rpc import EthApi, RPCError

from .jsonrpc import INVALID_PARAMS, Dispatcher, Extra, dumps
from .limits import Limits

log = logging.getLogger("hemi.server")
SUBSCRIPTION_KINDS = ("newHeads", "logs", "newPendingTransactions")
MAX_BACKLOG_BYTES = 64 * 1024 * 1024  # unread bytes a WebSocket client may leave queued before it is disconnected
MESSAGE_OVERHEAD = 128  # counted per queued message beyond its bytes: the bytes object and the queue's slot (measured
# in RSS: a queued 1.77 KB newHeads notification holds 1.8 KB; two clients at the budget hold about 128 MiB)


def _on_loop(loop: asyncio.AbstractEventLoop) -> bool:
    try:
        return asyncio.get_running_loop() is loop
    except RuntimeError:  # a thread without a running loop (a mining timer)
        return False
_ANNOUNCED_MEMORY = 10_000  # recently announced pending tx hashes remembered, so none is announced twice
_HEADER_DROP = ("transactions", "uncles", "size", "totalDifficulty")


class WebSocketHost(Protocol):
    """What the sessions use of the server that owns them (:class:`~hemi.server.core.DevchainServer` is one)."""

    limits: Limits
    api: EthApi
    dispatcher: Dispatcher
    sessions: set[Session]  # the open connections, counted against ``limits.max_ws_connections``
    subscriptions: Subscriptions


@dataclass
class Subscription:
    id: str
    kind: str
    session: Session
    filter: dict = field(default_factory=dict)
    active: bool = False  # set once the eth_subscribe reply is queued, so no notification precedes it


class Session:
    """One WebSocket client: its subscriptions and its outgoing queue (written by a task on the event loop)."""

    _ids = itertools.count(1)

    def __init__(self, server: WebSocketHost, ws: web.WebSocketResponse, loop: asyncio.AbstractEventLoop) -> None:
        self.server, self.ws, self.loop = server, ws, loop
        self.id = next(self._ids)
        self.subs: dict[str, Subscription] = {}
        self.outbox: asyncio.Queue[bytes | None] = asyncio.Queue()
        self.backlog = 0  # bytes queued and not yet written to the socket
        self._backlog_lock = threading.Lock()
        self.closed = False
        self.extra: dict[str, Extra] = {"eth_subscribe": self._subscribe, "eth_unsubscribe": self._unsubscribe}

    async def _write(self) -> None:
        while True:
            item = await self.outbox.get()
            if item is None:
                return
            try:
                await self.ws.send_str(item.decode())
            except Exception:  # noqa: BLE001 - the client went away; the reader ends the session
                return
            with self._backlog_lock:
                self.backlog -= len(item) + MESSAGE_OVERHEAD

    def send(self, payload: bytes) -> None:
        """Queue a message; callable from any thread (mining timers notify from theirs)."""
        if self.closed:
            return
        # a copy of its own size is queued: orjson's bytes keep the buffer they were written in (8 KiB for a 1.4 KB
        # newHeads notification), which made an unread backlog hold about six times the bytes it counted
        payload = bytes(memoryview(payload))
        size = len(payload) + MESSAGE_OVERHEAD
        with self._backlog_lock:
            over = self.backlog + size > MAX_BACKLOG_BYTES
            if not over:
                self.backlog += size
        if over:
            self._drop_slow_client()
            return
        if _on_loop(self.loop):  # a request mining blocks runs on the loop's thread: queued directly, not through a
            self.outbox.put_nowait(payload)  # callback object per message held until the request ends
        else:
            self.loop.call_soon_threadsafe(self.outbox.put_nowait, payload)

    def _drop_slow_client(self) -> None:
        """Called under the devchain lock: never wait on the client here, only schedule its close."""
        if self.subs:
            log.warning("websocket client %s left %d bytes unread: disconnecting it", self.id, self.backlog)
        self.server.subscriptions.drop_session(self)
        self.subs.clear()
        self.closed = True
        self.loop.call_soon_threadsafe(self._abort)

    def _abort(self) -> None:
        transport = self.ws._req.transport if self.ws._req is not None else None  # noqa: SLF001 - no public way
        # to cut a peer that does not read: a close handshake would wait behind the unread data
        if transport is not None:
            transport.abort()

    async def run(self) -> None:
        writer = asyncio.ensure_future(self._write())
        try:
            async for msg in self.ws:
                if msg.type == WSMsgType.TEXT:
                    body: Any = msg.data
                elif msg.type == WSMsgType.BINARY:
                    body = msg.data
                else:
                    break
                reply = self.server.dispatcher.handle_body(body, self.extra)
                if reply is not None:
                    self.send(reply)
                for sub in self.subs.values():  # new subscriptions go live once their id is queued
                    sub.active = True
        except Exception:  # noqa: BLE001 - a broken connection ends the session quietly
            log.debug("websocket session %s ended with an error", self.id, exc_info=True)
        finally:
            self.close()
            self.outbox.put_nowait(None)
            try:
                await asyncio.wait_for(writer, 2)
            except Exception:  # noqa: BLE001
                writer.cancel()

    def close(self) -> None:
        self.closed = True
        self.server.subscriptions.drop_session(self)

    # ------------------------------------------------------------------ eth_subscribe

    def _subscribe(self, params: list) -> str:
        if not params or params[0] not in SUBSCRIPTION_KINDS:
            kind = params[0] if params else None
            raise RPCError(INVALID_PARAMS, f"unsupported subscription {kind!r}: this devchain offers "
                                           f"{', '.join(SUBSCRIPTION_KINDS)}")
        limit = self.server.limits.max_subscriptions
        if len(self.subs) >= limit:
            raise RPCError(-32000, f"too many subscriptions on this connection ({limit}, hemi devchain "
                                   f"--max-subscriptions): eth_unsubscribe some first")
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

    def __init__(self, server: WebSocketHost) -> None:
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
            full: dict | None = None
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
            header: dict | None = None
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


async def serve_websocket(server: WebSocketHost, request: web.Request) -> web.StreamResponse:
    """Finish the WebSocket handshake of an (already allowed) upgrade request and serve the session until the
    client or the server closes it."""
    if len(server.sessions) >= server.limits.max_ws_connections:
        return web.json_response({"error": f"too many WebSocket connections ({server.limits.max_ws_connections}, "
                                           f"hemi devchain --max-ws-connections)"}, status=503)
    ws = web.WebSocketResponse(max_msg_size=server.limits.max_body, autoping=True, heartbeat=None)
    session = Session(server, ws, asyncio.get_running_loop())
    server.sessions.add(session)  # counted before the handshake yields to the loop: the cap cannot be overrun
    try:
        await ws.prepare(request)
        await session.run()
    finally:
        server.sessions.discard(session)
        if ws.prepared and not ws.closed:
            await ws.close()
    return ws
