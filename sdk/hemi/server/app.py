"""The two aiohttp applications: the Ethereum port (JSON-RPC, WebSocket, BFG, health) and the Bitcoin Core RPC port.

Ethereum port, every request first through ``eth_guard`` (Host, then Origin: 403; :mod:`hemi.server.guard`):

- ``POST`` (any path): JSON-RPC 2.0, single or batch; ``Content-Type: application/json`` (415 otherwise); bodies
  over the limit (5 MiB by default) get 413 with a JSON-RPC error (-32600) and the connection is closed; chunked
  bodies get 411 (send ``Content-Length``).
- ``GET`` with ``Upgrade: websocket`` (any path, e.g. ``/`` or ``/ws``): WebSocket JSON-RPC with subscriptions.
- ``GET /`` (or ``/health``): ``{"status": "ok", "chainId", "blockNumber", "bitcoinHeight"}``.
- ``GET /v2/keystonefinality/{abrevHash}``: BFG v2's keystone finality (:meth:`DevchainServer.keystone_finality`).
- ``OPTIONS``: CORS preflight (204 for an allowed origin).

Bitcoin port: ``POST`` (any path) with HTTP Basic credentials (401 otherwise, after a short pause, as bitcoind),
answered by :func:`hemi.btc.rpc.transport.respond` with Bitcoin Core's statuses; other methods get 405.

Requests are dispatched on the event loop's thread, under the devchain lock: the server's CPU per trivial request
was lowest that way (benchmarks/server_stack.py); requests are serialized by the lock in any case.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import hdrs, web

from hemi.btc.rpc.transport import respond

from . import explorer
from .context import ServerContext
from .guard import EXTENSION_SCHEMES, json_content_type
from .jsonrpc import INVALID_REQUEST, dumps, error_obj
from .ws import serve_websocket

log = logging.getLogger("hemi.server")
DRAIN_LIMIT = 64 * 1024 * 1024  # oversized bodies up to this are read and dropped after the 413
BODY_TIMEOUT = 120.0  # seconds to receive a promised body (geth's HTTP read timeout is 30 s; 120 s was the old idle
# timeout here)
AUTH_FAILURE_DELAY = 0.25  # seconds before a 401, as bitcoind (slows password guessing)


def _json(status: int, obj: Any, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(status=status, body=dumps(obj), content_type="application/json", headers=headers)


def _refuse(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    """A refusal before any dispatch: the JSON-RPC error shape, so clients show the reason."""
    return _json(status, error_obj(INVALID_REQUEST, message), headers)


def build_eth_app(server: ServerContext) -> web.Application:
    policy = server.policy

    def eth_guard(request: web.Request) -> web.StreamResponse | None:
        """The Host, then the Origin rule (403), and preflights; None: go on. Called first by each handler, before
        the body is read."""
        host = request.headers.get(hdrs.HOST)
        if not policy.host_allowed(host):
            return _refuse(403, f"invalid host {host!r}: not in the allowed hosts (hemi devchain --allow-host)")
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is None:
            return None
        if not policy.origin_allowed(origin):
            hint = f"--allow-origin {origin} for this wallet extension" \
                if origin.startswith(EXTENSION_SCHEMES) and len(origin) < 100 else "--allow-origin"
            return _refuse(403, f"origin {origin!r} is not allowed (hemi devchain {hint})")
        if request.method == "OPTIONS":
            return web.Response(status=204, headers=policy.preflight_headers(origin))
        return None

    def cors(request: web.Request, response: web.StreamResponse) -> web.StreamResponse:
        origin = request.headers.get(hdrs.ORIGIN)
        if origin is not None and not isinstance(response, web.WebSocketResponse):
            response.headers.update(policy.cors_headers(origin))
        return response

    # built once: a POST does no work beyond its method that does not depend on the request
    max_body = server.limits.max_body
    too_large = dumps(error_obj(INVALID_REQUEST, f"request body too large (limit {max_body / (1 << 20):g} MiB)"))

    async def post(request: web.Request) -> web.StreamResponse:
        refused = eth_guard(request)
        if refused is not None:
            return refused
        body = await _read_body(request, max_body, too_large)
        if isinstance(body, web.StreamResponse):
            return cors(request, body)
        if not json_content_type(request.headers.get(hdrs.CONTENT_TYPE)):
            return cors(request, _refuse(415, "unsupported Content-Type: send application/json (UTF-8)"))
        reply = server.dispatcher.handle_body(body)  # looked up per request: a wrapped dispatcher takes effect
        if reply is None:
            return cors(request, web.Response(status=204))
        return cors(request, web.Response(body=reply, content_type="application/json"))

    async def get(request: web.Request) -> web.StreamResponse:
        refused = eth_guard(request)
        if refused is not None:
            return refused
        return cors(request, await _get(request))

    async def _get(request: web.Request) -> web.StreamResponse:
        if request.headers.get(hdrs.UPGRADE, "").lower() == "websocket":
            return await serve_websocket(server, request)
        page = explorer.handle_get(server, request)  # the explorer page and its JSON (hemi.server.explorer)
        if page is not None:
            return page
        path = request.path.rstrip("/")
        if path in ("", "/health"):
            with server.lock:
                dev = server.dev
                info = {"status": "ok", "chainId": dev.config.chain_id, "blockNumber": dev.engine.head_number,
                        "bitcoinHeight": dev.btc.height, "client": "hemi-sdk devchain"}
            return _json(200, info)
        prefix = "/v2/keystonefinality/"
        if path.startswith(prefix):
            status, obj = server.keystone_finality(path[len(prefix):])
            return _json(status, obj)
        return _json(404, {"error": f"no route for GET {path or '/'}; POST JSON-RPC to /"})

    async def other(request: web.Request) -> web.StreamResponse:
        refused = eth_guard(request)
        if refused is not None:
            return refused
        if request.method == "OPTIONS":  # without an Origin: not a browser's preflight, but answer it alike
            return web.Response(status=204, headers=policy.preflight_headers(None))
        return cors(request, _json(405, {"error": f"{request.method} is not served; POST JSON-RPC to /"}))

    app = web.Application(client_max_size=server.limits.max_body)
    app.router.add_route("POST", "/{tail:.*}", post)
    app.router.add_get("/{tail:.*}", get)  # allow_head: aiohttp answers HEAD from the GET route
    app.router.add_route("*", "/{tail:.*}", other)
    return app


async def _read_body(request: web.Request, limit: int, too_large: bytes) -> bytes | web.StreamResponse:
    """The request body, or the error response (411 chunked, 413 too large; the connection is then closed)."""
    if "chunked" in request.headers.get(hdrs.TRANSFER_ENCODING, "").lower():
        resp = web.Response(status=411, body=dumps(error_obj(INVALID_REQUEST, "chunked bodies are not supported; "
                                                                                "send Content-Length")),
                            content_type="application/json")
        resp.force_close()
        return resp
    length = request.content_length or 0
    if length > limit:
        if length <= DRAIN_LIMIT:  # read and drop it, so a client that sends everything first still sees the 413
            try:
                async with asyncio.timeout(5):
                    while await request.content.readany():
                        pass
            except (TimeoutError, OSError):
                pass
        resp = web.Response(status=413, body=too_large, content_type="application/json")
        resp.force_close()
        return resp
    if request.content.is_eof():  # the usual case: the whole body came with the headers (no timer needed)
        return await request.read()
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            return await request.read()
    except TimeoutError:  # a client that promised a body and stalls holds only its own connection, and not forever
        resp = web.Response(status=408, body=dumps(error_obj(INVALID_REQUEST, "request body not received in time")),
                            content_type="application/json")
        resp.force_close()
        return resp


def build_btc_app(server: ServerContext) -> web.Application:
    policy = server.policy
    too_large = b'{"result":null,"error":{"code":-32600,"message":"request too large"},"id":null}\n'

    async def post(request: web.Request) -> web.StreamResponse:
        if not policy.host_allowed(request.headers.get(hdrs.HOST)):
            return web.Response(status=403, text="invalid host")
        creds = server.btc_credentials
        if creds is not None and not creds.matches(request.headers.get(hdrs.AUTHORIZATION)):
            await asyncio.sleep(AUTH_FAILURE_DELAY)
            return web.Response(status=401, headers={"WWW-Authenticate": 'Basic realm="jsonrpc"'})
        body = await _read_body(request, server.limits.max_body, too_large)
        if isinstance(body, web.StreamResponse):
            return body
        with server.lock, server.core_rpc.budget():
            answer = respond(server.core_rpc, body, max_batch=server.limits.max_batch)
        return web.Response(status=answer.status, body=answer.body,
                            content_type="application/json" if answer.body else None)

    async def not_post(request: web.Request) -> web.StreamResponse:
        return web.Response(status=405, text="JSONRPC server handles only POST requests", content_type="text/html")

    app = web.Application(client_max_size=server.limits.max_body)
    app.router.add_route("POST", "/{tail:.*}", post)
    app.router.add_route("*", "/{tail:.*}", not_post)
    return app
