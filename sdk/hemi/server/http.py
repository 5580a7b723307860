"""HTTP transports: the Ethereum JSON-RPC port (also WebSocket, BFG and health) and the Bitcoin Core RPC port.

Ethereum port routes:

- ``POST`` (any path): JSON-RPC 2.0, single or batch. Bodies over the server's limit (5 MiB by default) get HTTP 413
  with a JSON-RPC error body (-32600) and the connection is closed.
- ``GET`` with ``Upgrade: websocket`` (any path, e.g. ``/`` or ``/ws``): WebSocket JSON-RPC with subscriptions.
- ``GET /`` (or ``/health``): ``{"status": "ok", "chainId", "blockNumber", "bitcoinHeight"}``.
- ``GET /v2/keystonefinality/{abrevHash}``: BFG v2's ``L2KeystoneBitcoinFinalityResponse``; 404 for an unknown
  keystone, 400 for a malformed hash.
- ``OPTIONS``: CORS preflight (204). Every answer carries ``Access-Control-Allow-Origin: *`` so browser wallets and
  dapps on any origin may call the devchain.

Bitcoin port: ``POST`` (any path, credentials not checked) answered by :func:`hemi.btc.rpc.transport.respond`, with
Bitcoin Core's statuses; other methods get 405 as Core answers them.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Optional

from .jsonrpc import INVALID_REQUEST, dumps, error_obj, too_deep

if TYPE_CHECKING:
    from .core import DevchainServer

log = logging.getLogger("hemi.server")
DRAIN_LIMIT = 64 * 1024 * 1024  # oversized bodies up to this are read and dropped after the 413
IDLE_TIMEOUT = 120.0  # seconds a connection may sit idle or stall mid-request (geth's HTTP idle timeout); WebSocket
# connections have none: a subscriber may be silent for hours


class TrackingHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that remembers its open connections, so :meth:`close_all` can end keep-alive and
    WebSocket clients at shutdown."""

    daemon_threads = True
    request_queue_size = 64

    def __init__(self, address: tuple, handler: type, owner: "DevchainServer") -> None:
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        self.owner = owner
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()
        super().__init__(address, handler)

    def get_request(self) -> tuple:
        sock, addr = super().get_request()
        try:  # http.server writes the headers and the body separately: without this, Nagle's algorithm holds the
            # body back until the client's delayed ACK of the headers (~40 ms on Linux) on every keep-alive reply
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        with self._open_lock:
            self._open.add(sock)
        return sock, addr

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_all(self) -> None:
        with self._open_lock:
            socks = list(self._open)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("connection from %s ended with an error", client_address, exc_info=True)


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT  # applied to the socket by StreamRequestHandler.setup
    server: TrackingHTTPServer

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - http.server's name
        log.debug("%s %s", self.address_string(), format % args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json",
              extra: Optional[dict] = None) -> None:
        self.send_response(status)
        if body or status not in (204, 304):
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        if self.close_connection:
            self.send_header("Connection", "close")
        self._extra_headers()
        self.end_headers()
        if body and self.command != "HEAD":
            self.wfile.write(body)

    def _extra_headers(self) -> None:
        pass

    def _read_body(self, too_large_body: bytes) -> Optional[bytes]:
        """The request body, or None after answering 411/400/413 (then the connection is closed)."""
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            self._send(411, dumps(error_obj(INVALID_REQUEST, "chunked bodies are not supported; send "
                                                             "Content-Length")))
            return None
        try:
            length = int(self.headers.get("Content-Length", "0"))
            if length < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._send(400, dumps(error_obj(INVALID_REQUEST, "invalid Content-Length")))
            return None
        if length > self.server.owner.max_body:
            self.close_connection = True  # never reuse this connection
            self._send(413, too_large_body)
            self._drain(length)
            return None
        return self.rfile.read(length)


    def _drain(self, length: int) -> None:
        """Read and drop an oversized body (up to DRAIN_LIMIT), so a client that sends it all before reading sees
        the 413 instead of a broken pipe."""
        if length > DRAIN_LIMIT:
            return
        try:
            self.connection.settimeout(5)
            while length > 0:
                chunk = self.rfile.read(min(length, 1 << 16))
                if not chunk:
                    break
                length -= len(chunk)
        except OSError:
            pass


class EthHandler(_Base):
    """The Ethereum port."""

    def _extra_headers(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
        self.send_header("Access-Control-Allow-Headers",
                         self.headers.get("Access-Control-Request-Headers") or "Content-Type, Authorization")
        self.send_header("Access-Control-Max-Age", "86400")

    def do_OPTIONS(self) -> None:  # noqa: N802 - http.server's name
        self._send(204, b"")

    def do_POST(self) -> None:  # noqa: N802
        owner = self.server.owner
        limit_mib = owner.max_body / (1 << 20)
        body = self._read_body(dumps(error_obj(INVALID_REQUEST, f"request body too large (limit "
                                                                f"{limit_mib:g} MiB)")))
        if body is None:
            return
        reply = owner.dispatcher.handle_body(body)
        if reply is None:
            self._send(204, b"")
        else:
            self._send(200, reply)

    def do_GET(self) -> None:  # noqa: N802
        owner = self.server.owner
        if self.headers.get("Upgrade", "").lower() == "websocket":
            from .ws import serve_websocket

            raw = self.raw_requestline + b"".join(f"{k}: {v}\r\n".encode("latin-1")
                                                  for k, v in self.headers.items()) + b"\r\n"
            self.close_connection = True
            serve_websocket(owner, self.connection, raw)
            return
        path = self.path.split("?", 1)[0].rstrip("/")
        if path in ("", "/health"):
            with owner.lock:
                info = {"status": "ok", "chainId": owner.dev.config.chain_id,
                        "blockNumber": owner.dev.engine.head_number, "bitcoinHeight": owner.dev.btc.height,
                        "client": "hemi-sdk devchain"}
            self._send(200, dumps(info))
            return
        prefix = "/v2/keystonefinality/"
        if path.startswith(prefix):
            status, obj = owner.keystone_finality(path[len(prefix):])
            self._send(status, dumps(obj))
            return
        self._send(404, dumps({"error": f"no route for GET {path or '/'}; POST JSON-RPC to /"}))

    do_HEAD = do_GET


class BitcoinHandler(_Base):
    """The Bitcoin Core RPC port."""

    def do_POST(self) -> None:  # noqa: N802
        from hemi.btc.rpc.transport import respond

        owner = self.server.owner
        body = self._read_body(json.dumps({"result": None, "error": {"code": -32600, "message":
                                                                      "request too large"}, "id": None}).encode())
        if body is None:
            return
        if too_deep(body):  # Core's answer to unparseable JSON
            self._send(500, json.dumps({"result": None, "error": {"code": -32700, "message": "Parse error"},
                                        "id": None}).encode())
            return
        with owner.lock:
            answer = respond(owner.core_rpc, body)
        self._send(answer.status, answer.body)

    def _not_post(self) -> None:
        self._send(405, b"JSONRPC server handles only POST requests", "text/html")

    do_GET = do_PUT = do_DELETE = do_OPTIONS = _not_post
