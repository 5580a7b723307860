"""JSON-RPC over HTTP bodies, and python-bitcoinlib talking to the chain in-process.

:func:`respond` answers a JSON-RPC POST body (1.0/1.1/2.0, single or batch) with the HTTP status and body Bitcoin
Core 28's HTTP handler would send (``src/httprpc.cpp``, ``src/rpc/request.cpp``); :func:`handle_jsonrpc` gives the
body alone. :class:`InProcessConnection` is an ``http.client.HTTPConnection`` look-alike that hands each request to
:func:`respond`, so ``bitcoin.rpc.Proxy`` / ``RawProxy`` work without a socket: :func:`proxy`, :func:`raw_proxy`.
"""

from __future__ import annotations

import email.message
import http.client
from collections.abc import Mapping
from typing import Any, NamedTuple

import bitcoin.rpc

from hemi.btc.chain import BitcoinChain
from hemi.jsontext import JSONParseError, loads

from .encoding import dumps
from .errors import RPC_INVALID_REQUEST, RPC_METHOD_NOT_FOUND, RPC_PARSE_ERROR, JSONRPCError
from .server import CoreRPC

SERVICE_URL = "http://hemi:hemi@127.0.0.1:18443"  # given to python-bitcoinlib so it never reads bitcoin.conf


class RPCResponse(NamedTuple):
    """An HTTP answer to a JSON-RPC POST: status and body (empty for 204)."""

    status: int
    body: bytes


def _reply(result: Any, error: JSONRPCError | None, id_: Any, *, v2: bool, has_id: bool) -> dict[str, Any]:
    """Core's JSONRPCReplyObj: 1.x always has result and error; 2.0 has "jsonrpc" and one of them."""
    out: dict[str, Any] = {"jsonrpc": "2.0"} if v2 else {}
    if error is None:
        out["result"] = result
        if not v2:
            out["error"] = None
    else:
        if not v2:
            out["result"] = None
        out["error"] = error.to_dict()
    if has_id:
        out["id"] = id_
    return out


class _Request(NamedTuple):
    method: str
    params: Any
    id: Any
    has_id: bool
    v2: bool


def _parse_request(obj: Any) -> _Request:
    """Core's JSONRPCRequest::parse; raises JSONRPCError(-32600) with Core's texts, carrying what it parsed."""
    if not isinstance(obj, dict):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Invalid Request object"), None, True, False)
    has_id = "id" in obj
    id_ = obj.get("id")
    version = obj.get("jsonrpc")
    v2 = False
    if version is not None:
        if not isinstance(version, str):
            raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "jsonrpc field must be a string"), id_, has_id, v2)
        if version == "2.0":
            v2 = True
        elif version != "1.0":
            raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "JSON-RPC version not supported"), id_, has_id, v2)
    method = obj.get("method")
    if method is None:
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Missing method"), id_, has_id, v2)
    if not isinstance(method, str):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Method must be a string"), id_, has_id, v2)
    params_ = obj.get("params")
    if params_ is not None and not isinstance(params_, (list, dict)):
        raise _RequestError(JSONRPCError(RPC_INVALID_REQUEST, "Params must be an array or object"), id_, has_id, v2)
    return _Request(method, params_, id_, has_id, v2)


class _RequestError(Exception):
    def __init__(self, error: JSONRPCError, id_: Any, has_id: bool, v2: bool) -> None:
        super().__init__(error.message)
        self.error, self.id, self.has_id, self.v2 = error, id_, has_id, v2


def _execute(rpc: CoreRPC, obj: Any) -> tuple[dict[str, Any] | None, int]:
    """One request object -> (reply, or None for a 2.0 notification; the HTTP status it gets when sent alone).

    As in Core 28, a malformed request object is an HTTP error whatever its version, a failed 1.x call is an HTTP
    error too, and a failed 2.0 call is HTTP 200 with the error in the body.
    """
    try:
        req = _parse_request(obj)
    except _RequestError as bad:
        return _reply(None, bad.error, bad.id, v2=bad.v2, has_id=bad.has_id), _http_status(bad.error)
    try:
        result, error = rpc.call(req.method, req.params), None
    except JSONRPCError as err:
        result, error = None, err
    if req.v2 and not req.has_id:
        return None, 204
    status = _http_status(error) if error is not None and not req.v2 else 200
    return _reply(result, error, req.id, v2=req.v2, has_id=req.has_id), status


def _http_status(error: JSONRPCError) -> int:
    if error.code == RPC_INVALID_REQUEST:
        return 400
    if error.code == RPC_METHOD_NOT_FOUND:
        return 404
    return 500


def _body(reply: Any) -> bytes:
    return (dumps(reply) + "\n").encode()


def respond(rpc: CoreRPC, body: bytes | str, *, max_batch: int | None = None) -> RPCResponse:
    """A JSON-RPC POST body -> (HTTP status, response body), as Bitcoin Core 28's HTTP handler answers.

    A single 1.0/1.1 request that fails gets an HTTP error status (400, 404 or 500) with the error in the body;
    JSON-RPC 2.0 calls and batches get 200; 2.0 notifications (no ``id``) run and get 204 with no body. A batch of
    more than ``max_batch`` requests is refused whole (400) before any runs: Core has no such bound, a server open
    to other processes needs one.
    """
    try:  # hemi's network JSON parser: UTF-8 only, nesting bounded (a deep body cannot crash the process)
        request = loads(body, decimals=True)
    except JSONParseError:
        return RPCResponse(500, _body(_reply(None, JSONRPCError(RPC_PARSE_ERROR, "Parse error"), None, v2=False,
                                             has_id=True)))
    if isinstance(request, dict):
        reply, status = _execute(rpc, request)
        return RPCResponse(204, b"") if reply is None else RPCResponse(status, _body(reply))
    if isinstance(request, list):
        if max_batch is not None and len(request) > max_batch:
            return RPCResponse(400, _body(_reply(None, JSONRPCError(
                RPC_INVALID_REQUEST, f"batch too large: {len(request)} requests, at most {max_batch}"), None,
                v2=False, has_id=True)))
        replies = [r for r, _status in (_execute(rpc, item) for item in request) if r is not None]
        if not replies and request:
            return RPCResponse(204, b"")
        return RPCResponse(200, _body(replies))
    return RPCResponse(500, _body(_reply(None, JSONRPCError(RPC_PARSE_ERROR, "Top-level object parse error"), None,
                                         v2=False, has_id=True)))


def handle_jsonrpc(rpc: CoreRPC, body: bytes | str) -> bytes:
    """A JSON-RPC request body (single or batch) -> the response body Bitcoin Core would send (see :func:`respond`
    for the HTTP status); ``b""`` when only 2.0 notifications were sent."""
    return respond(rpc, body).body


class InProcessResponse:
    """The part of ``http.client.HTTPResponse`` python-bitcoinlib reads: status, reason, read(), getheader()."""

    def __init__(self, status: int, body: bytes, content_type: str | None = "application/json") -> None:
        self.status = status
        self.reason = http.client.responses.get(status, "")
        self.headers = email.message.Message()
        if content_type and body:
            self.headers["Content-Type"] = content_type
        self.headers["Content-Length"] = str(len(body))
        self._body = body
        self._pos = 0

    def read(self, amt: int | None = None) -> bytes:
        end = len(self._body) if amt is None or amt < 0 else min(len(self._body), self._pos + amt)
        chunk = self._body[self._pos:end]
        self._pos = end
        return chunk

    def getheader(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name, default)

    def getheaders(self) -> list[tuple[str, str]]:
        return list(self.headers.items())

    def close(self) -> None:
        self._pos = len(self._body)


class InProcessConnection:
    """An ``http.client.HTTPConnection`` stand-in that answers JSON-RPC POSTs from a :class:`CoreRPC`.

    Give it to python-bitcoinlib: ``bitcoin.rpc.Proxy(service_url=SERVICE_URL, connection=InProcessConnection(rpc))``
    (or use :func:`proxy`). Any path is served (Core serves ``/`` and ``/wallet/<name>``); credentials are not
    checked, as nothing leaves the process.
    """

    def __init__(self, rpc: CoreRPC | BitcoinChain) -> None:
        self.rpc = rpc if isinstance(rpc, CoreRPC) else CoreRPC(rpc)
        self._pending: InProcessResponse | None = None
        self.requests = 0

    def connect(self) -> None:
        pass

    def request(self, method: str, url: str, body: bytes | str | None = None,
                headers: Mapping[str, Any] | None = None, *, encode_chunked: bool = False) -> None:
        self.requests += 1
        if method.upper() != "POST":
            self._pending = InProcessResponse(405, b"JSONRPC server handles only POST requests", "text/html")
            return
        answer = respond(self.rpc, body if body is not None else b"")
        self._pending = InProcessResponse(answer.status, answer.body)

    def getresponse(self) -> InProcessResponse:
        if self._pending is None:
            raise http.client.ResponseNotReady("no request was sent")
        response, self._pending = self._pending, None
        return response

    def close(self) -> None:
        self._pending = None

    def __repr__(self) -> str:
        return f"<InProcessConnection to {self.rpc!r}>"


def proxy(chain: BitcoinChain | CoreRPC) -> bitcoin.rpc.Proxy:
    """python-bitcoinlib's ``Proxy`` talking to ``chain`` in-process (no socket, no bitcoin.conf)."""
    return bitcoin.rpc.Proxy(service_url=SERVICE_URL, connection=InProcessConnection(chain))


def raw_proxy(chain: BitcoinChain | CoreRPC) -> bitcoin.rpc.RawProxy:
    """python-bitcoinlib's ``RawProxy`` (plain JSON values) talking to ``chain`` in-process."""
    return bitcoin.rpc.RawProxy(service_url=SERVICE_URL, connection=InProcessConnection(chain))
