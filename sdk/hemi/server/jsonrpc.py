"""JSON-RPC 2.0 over the EthApi table: request parsing, batches, error objects, one lock around the devchain.

Error codes (JSON-RPC 2.0 and EIP-1474, as geth and anvil send them): -32700 parse error, -32600 invalid request,
-32601 method not found, -32602 invalid params, -32603 internal error, 3 execution reverted (``data`` = revert
data), -32000 rejected transaction / protocol refusal, -32001 not found, -32002 request timed out (a batch past its
time budget), -32004 method not supported. Every JSON-RPC level error travels in an HTTP 200 body, as geth and anvil
do; notifications (no ``id``) get no reply.

A batch runs for at most ``Limits.batch_timeout`` seconds, its calls together: each EVM call runs to the sooner of
its own timeout and the batch's end, and every entry not answered by then gets -32002 ``request timed out``, as geth
answers a batch past its HTTP write timeout (ethereum/go-ethereum rpc/handler.go ``handleBatch``, rpc/http.go
``ContextRequestTimeout``, rpc/errors.go ``errcodeTimeout``). Without it a batch of 1000 five-second calls held the
server for 83 minutes.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import orjson

from hemi.errors import HemiError
from hemi.jsontext import MAX_DEPTH, JSONParseError, loads
from hemi.node.api import CallAborted, CallTimeout
from hemi.rpc import EthApi, RPCError

from .caps import CAPPED, Caps
from .limits import Limits

log = logging.getLogger("hemi.server")

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
REQUEST_TIMED_OUT = -32002  # geth's errcodeTimeout
MAX_BATCH = Limits.max_batch
MAX_JSON_DEPTH = MAX_DEPTH  # orjson's fixed nesting limit

Extra = Callable[[list], Any]


def error_obj(code: int, message: str, id_: Any = None, data: Any = None) -> dict:
    err: dict[str, Any] = {"code": code, "message": message}
    if data is not None:
        err["data"] = data
    return {"jsonrpc": "2.0", "id": id_, "error": err}


def dumps(obj: Any) -> bytes:
    try:
        return orjson.dumps(obj)
    except TypeError:  # an integer past 64 bits (orjson's limit): the standard encoder writes it
        return json.dumps(obj, separators=(",", ":")).encode()


class Dispatcher:
    """Runs JSON-RPC requests against one :class:`EthApi` under ``lock`` (shared by every transport and timer).

    ``handle_body(bytes) -> bytes | None`` is the whole HTTP/WebSocket exchange (None: only notifications were
    sent). ``extra`` methods (the WebSocket's ``eth_subscribe``) take precedence over the table and get the params
    list; they run under the lock too. ``limits`` (:class:`~hemi.server.limits.Limits`) bounds batches, replies,
    calls, mining, filters and snapshots.
    """

    def __init__(self, api: EthApi, lock: threading.RLock | None = None, limits: Limits | None = None) -> None:
        self.api = api
        self.lock = lock if lock is not None else threading.RLock()
        self.limits = limits or Limits()
        self.caps = Caps(api, self.limits)
        self.closing = False  # set by close(): the server is stopping

    def close(self) -> None:
        """The server is stopping: the EVM call running, if any, stops at its next clock check (its state thrown
        away as on a timeout) and requests get -32000 without running, until :meth:`reopen`. So Ctrl-C does not wait
        for a long call, nor the state saved on exit for the lock it holds."""
        self.closing = True
        self.caps.abort()

    def reopen(self) -> None:
        self.closing = False

    def handle_body(self, body: bytes | str, extra: dict[str, Extra] | None = None) -> bytes | None:
        try:
            request = loads(body)
        except JSONParseError as err:
            return dumps(error_obj(PARSE_ERROR, f"parse error: {err}"))
        if isinstance(request, list):
            if not request:
                return dumps(error_obj(INVALID_REQUEST, "empty batch"))
            limit = self.limits.max_batch
            if len(request) > limit:
                return dumps(error_obj(INVALID_REQUEST, f"batch too large: {len(request)} requests (max {limit})"))
            replies: list[bytes] = []
            size = 0
            until = time.monotonic() + self.limits.batch_timeout  # the whole batch's time; past it, each entry
            for item in request:  # is answered -32002 without running, as geth answers a batch past its timeout
                reply = self.handle_obj(item, extra, until)
                if reply is None:
                    continue
                encoded = self._encode(reply)
                size += len(encoded) + 1
                if size > self.limits.max_response:  # geth's answer: the rest of the batch is not run
                    replies.append(dumps(error_obj(
                        -32003, f"response too large: the batch's replies exceed {self.limits.max_response} bytes "
                                f"(hemi devchain --max-response-size); send smaller batches",
                        item.get("id") if isinstance(item, dict) else None)))
                    break
                replies.append(encoded)
            return b"[" + b",".join(replies) + b"]" if replies else None
        reply = self.handle_obj(request, extra)
        return None if reply is None else self._encode(reply)

    @staticmethod
    def _encode(reply: dict) -> bytes:
        """A reply's bytes; a result that is not JSON is our bug, reported as -32603 for that request alone."""
        try:
            return dumps(reply)
        except (TypeError, ValueError) as err:
            log.error("reply to id %r is not JSON: %s", reply.get("id"), err)
            return dumps(error_obj(INTERNAL_ERROR, f"internal error: the result is not JSON ({err})", reply.get("id")))

    def handle_obj(self, obj: Any, extra: dict[str, Extra] | None = None, until: float | None = None) -> dict | None:
        """One request object -> its reply (None for a valid notification). ``until``: the end of its batch's time
        (``time.monotonic()``); past it the request is not run and gets -32002."""
        if not isinstance(obj, dict):
            return error_obj(INVALID_REQUEST, "invalid request: not a JSON object")
        id_ = obj.get("id")
        if not isinstance(id_, (str, int, float, type(None))) or isinstance(id_, bool):
            return error_obj(INVALID_REQUEST, "invalid request: id must be a string, number or null")
        if isinstance(id_, float) and abs(id_) >= 2**53:  # an integer past 64 bits parses as a float: echoing it
            return error_obj(INVALID_REQUEST, "invalid request: the id is too large a number to echo exactly; "
                                              "send it as a string")  # back changed would match no request
        if "jsonrpc" in obj and obj["jsonrpc"] != "2.0":
            return error_obj(INVALID_REQUEST, "invalid request: jsonrpc must be \"2.0\"", id_)
        name = obj.get("method")
        if not isinstance(name, str) or not name:
            return error_obj(INVALID_REQUEST, "invalid request: method must be a non-empty string", id_)
        params = obj.get("params", [])
        if params is None:
            params = []
        if not isinstance(params, list):
            return error_obj(INVALID_PARAMS, "invalid params: params must be an array", id_)
        try:
            result = self.call(name, params, extra, until)
        except RPCError as err:
            reply = {"jsonrpc": "2.0", "id": id_, "error": err.to_dict()}
        else:
            reply = {"jsonrpc": "2.0", "id": id_, "result": result}
        return None if "id" not in obj else reply

    def call(self, name: str, params: list, extra: dict[str, Extra] | None = None, until: float | None = None) -> Any:
        """Run one method; raises only :class:`RPCError`. ``until``: as :meth:`handle_obj`'s."""
        if until is not None and time.monotonic() >= until:
            raise self._batch_timed_out()
        if self.closing:
            raise RPCError(-32000, "the server is stopping")
        with self.lock:
            try:
                if extra and name in extra:
                    return extra[name](params)
                if name not in CAPPED:
                    return self.api.request(name, params)
                with self.caps.check(name, params, until):
                    result = self.api.request(name, params)
                self.caps.after(name, params, result)
                return result
            except RPCError:
                raise
            except CallAborted as err:
                raise RPCError(-32000, str(err)) from None
            except CallTimeout as err:
                if until is not None and time.monotonic() >= until:  # the batch's end stopped it, not its own
                    raise self._batch_timed_out() from None
                raise RPCError(-32000, f"{err} (hemi devchain --call-timeout)") from None
            except HemiError as err:
                raise RPCError(-32000, f"{type(err).__name__}: {err}") from None
            except TypeError as err:
                raise RPCError(INVALID_PARAMS, f"invalid params for {name}: {err}") from None
            except Exception as err:  # noqa: BLE001 - one bad request never takes the server down
                log.exception("internal error in %s", name)
                raise RPCError(INTERNAL_ERROR, f"internal error: {type(err).__name__}: {err}") from None

    def _batch_timed_out(self) -> RPCError:
        return RPCError(REQUEST_TIMED_OUT, f"request timed out: the batch used up its {self.limits.batch_timeout:g}s "
                                           f"(hemi devchain --batch-timeout); send smaller batches")
