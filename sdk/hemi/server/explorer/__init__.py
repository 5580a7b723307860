"""The explorer page ``hemi devchain`` serves at ``/``: both chains side by side, live, and a transaction search.

Routes (GET, after the server's Host and Origin guard, :mod:`hemi.server.guard`):

- ``/`` asked for by a browser (``Accept`` names ``text/html``): ``index.html``; other clients (curl, scripts)
  still get the JSON health answer. ``/?tx=<hash>`` opens with that search.
- ``/explorer/explorer.js``, ``/explorer/explorer.css``: the page's own script and style (package data beside this
  module; no framework, no CDN).
- ``/explorer/api/state``: :func:`hemi.server.explorer.data.snapshot`, polled by the page once a second.
- ``/explorer/api/search?q=<hash>``: :func:`hemi.server.explorer.data.search`.

Browsers: every answer carries ``X-Content-Type-Options: nosniff`` and ``Cross-Origin-Resource-Policy:
same-origin`` (no other site can read them, even as a ``<script>`` or ``<img>``), the page a Content-Security-Policy
that allows only its own script, style and fetches and no framing. A request a browser marks as coming from another
site (``Sec-Fetch-Site`` ``cross-site``/``same-site``) is served only when its ``Origin`` (or, for a plain
navigation, its ``Referer``'s origin) is one the server allows (``--allow-origin``); typed URLs, bookmarks and the
page's own requests (``none``/``same-origin``) always work. The page writes every value with ``textContent``, never
as HTML.
"""

from __future__ import annotations

import importlib.resources
import json
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import hdrs, web

from hemi.errors import HemiError

from .data import SearchError, search, snapshot


class ExplorerHost(Protocol):
    """What the explorer needs of the server (hemi.server.core.DevchainServer has it); a Protocol rather than an
    import, so the explorer and the server's modules form no cycle."""

    dev: Any  # the devchain
    api: Any  # its JSON-RPC method table (``request(name, params)``)
    lock: Any  # held while reading the devchain
    policy: Any  # the Host/Origin allowlists (hemi.server.guard.AccessPolicy)

STATIC = {"/explorer/explorer.js": ("explorer.js", "text/javascript"),
          "/explorer/explorer.css": ("explorer.css", "text/css")}
CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
BROWSER_HEADERS = {"X-Content-Type-Options": "nosniff", "Cross-Origin-Resource-Policy": "same-origin",
                   "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}
MAX_QUERY = 200  # characters of a search: a hash is 66 at most


def _file(name: str) -> bytes:
    return importlib.resources.files(__name__).joinpath(name).read_bytes()


def wants_page(request: web.Request) -> bool:
    """A browser navigating to ``/``: it asks for HTML first (curl and JSON clients send ``*/*`` or JSON)."""
    return "text/html" in request.headers.get(hdrs.ACCEPT, "")


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else None


def browser_allowed(server: ExplorerHost, request: web.Request) -> bool:
    """False for a request a browser sends on behalf of a page of a site the server does not allow."""
    site = request.headers.get("Sec-Fetch-Site")
    if site in (None, "none", "same-origin"):
        return True
    origin = request.headers.get(hdrs.ORIGIN) or _origin_of(request.headers.get(hdrs.REFERER))
    return origin is not None and server.policy.origin_allowed(origin)


def _response(status: int, body: bytes, content_type: str, *, page: bool = False) -> web.Response:
    headers = dict(BROWSER_HEADERS)
    if page:
        headers["Content-Security-Policy"] = CSP
        headers["X-Frame-Options"] = "DENY"
    return web.Response(status=status, body=body, content_type=content_type, charset="utf-8", headers=headers)


def _json(status: int, obj: Any) -> web.Response:
    return _response(status, json.dumps(obj).encode(), "application/json")


def handle_get(server: ExplorerHost, request: web.Request) -> web.StreamResponse | None:
    """The explorer's answer to a GET that passed the server's guard, or None when the path is not the explorer's."""
    path = request.path
    if path == "/" and not wants_page(request):
        return None  # the JSON health answer, as before the explorer
    if path != "/" and path not in STATIC and not path.startswith("/explorer/api/"):
        return None
    if not browser_allowed(server, request):
        return _json(403, {"error": "this page's site is not allowed (hemi devchain --allow-origin)"})
    if path == "/":
        return _response(200, _file("index.html"), "text/html", page=True)
    if path in STATIC:
        name, content_type = STATIC[path]
        return _response(200, _file(name), content_type)
    if path == "/explorer/api/state":
        with server.lock:
            return _json(200, snapshot(server.dev, server.api))
    if path == "/explorer/api/search":
        query = request.query.get("q", "")[:MAX_QUERY]
        try:
            with server.lock:
                return _json(200, search(server.dev, server.api, query))
        except SearchError as err:
            return _json(400, {"error": str(err)})
        except HemiError as err:  # a lookup the node refused: the page shows the reason
            return _json(200, {"kind": "unknown", "query": query, "note": str(err)})
    return _json(404, {"error": f"no explorer route {path}"})
