"""Raw HTTP against the JSON-RPC port: error codes, batches, limits, CORS, health; the server keeps serving."""

from __future__ import annotations

import http.client
import json

import pytest


def post(server, body, headers=None):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    try:
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json", **(headers or {})})
        r = conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None), dict(r.getheaders())
    finally:
        conn.close()


def call(server, method, params=(), id_=1):
    status, body, _ = post(server, json.dumps({"jsonrpc": "2.0", "id": id_, "method": method,
                                               "params": list(params)}))
    assert status == 200
    return body


def still_serving(server):
    assert call(server, "eth_chainId")["result"] == "0x7a69"


def test_malformed_json(server):
    status, body, _ = post(server, b'{"jsonrpc": "2.0", "id": 1, "method": ')
    assert status == 200 and body["error"]["code"] == -32700 and body["id"] is None
    still_serving(server)


@pytest.mark.parametrize("obj", [
    42, "eth_chainId", {"jsonrpc": "2.0", "id": 1}, {"jsonrpc": "1.5", "id": 1, "method": "eth_chainId"},
    {"jsonrpc": "2.0", "id": 1, "method": 7}, {"jsonrpc": "2.0", "id": [1], "method": "eth_chainId"},
])
def test_invalid_request(server, obj):
    status, body, _ = post(server, json.dumps(obj))
    assert status == 200 and body["error"]["code"] == -32600
    still_serving(server)


def test_empty_batch_is_invalid(server):
    assert post(server, b"[]")[1]["error"]["code"] == -32600


def test_unknown_method(server):
    body = call(server, "eth_doesNotExist")
    assert body["error"]["code"] == -32601 and body["id"] == 1


def test_bad_params(server):
    assert call(server, "eth_getBalance", ["not-an-address"])["error"]["code"] == -32602
    assert call(server, "eth_getBalance", [])["error"]["code"] == -32602  # missing argument
    status, body, _ = post(server, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                               "params": {"a": 1}}))
    assert body["error"]["code"] == -32602


def test_revert_over_raw_http_has_code_3_and_data(server):
    # runtime: REVERT with 4 bytes 0xdeadbeef of memory
    code = bytes.fromhex("63deadbeef6000526004601cfd")  # PUSH4 deadbeef PUSH1 0 MSTORE PUSH1 4 PUSH1 28 REVERT
    target = "0x" + "00" * 19 + "bb"
    with server.lock:
        server.dev.set_code(target, code)
    body = call(server, "eth_call", [{"to": target, "data": "0x"}, "latest"])
    assert body["error"]["code"] == 3
    assert body["error"]["data"] == "0xdeadbeef"


def test_batch_mixes_results_errors_and_notifications(server):
    batch = [{"jsonrpc": "2.0", "id": "a", "method": "eth_chainId"},
             {"jsonrpc": "2.0", "id": "b", "method": "nope"},
             {"jsonrpc": "2.0", "method": "eth_blockNumber"},  # a notification: no reply
             17]
    status, body, _ = post(server, json.dumps(batch))
    assert status == 200 and isinstance(body, list) and len(body) == 3
    assert body[0] == {"jsonrpc": "2.0", "id": "a", "result": "0x7a69"}
    assert body[1]["id"] == "b" and body[1]["error"]["code"] == -32601
    assert body[2]["error"]["code"] == -32600


def test_notification_alone_gets_204(server):
    status, body, _ = post(server, json.dumps({"jsonrpc": "2.0", "method": "eth_chainId"}))
    assert status == 204 and body is None


def test_huge_body_gets_413_and_server_survives(server):
    huge = b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":["' + b"a" * (6 * 1024 * 1024) + b'"]}'
    status, body, headers = post(server, huge)
    assert status == 413 and body["error"]["code"] == -32600 and "too large" in body["error"]["message"]
    assert headers["Connection"] == "close"
    still_serving(server)


def test_cors(server):
    """A dapp on a local dev server (an allowed origin) gets its preflight answered and its origin echoed; other
    origins are tests/security's."""
    origin = "http://localhost:5173"
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("OPTIONS", "/", headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "content-type"})
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 204
    assert r.getheader("Access-Control-Allow-Origin") == origin
    assert "POST" in r.getheader("Access-Control-Allow-Methods")
    assert "content-type" in r.getheader("Access-Control-Allow-Headers").lower()
    _, _, headers = post(server, json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}),
                         {"Origin": origin})
    assert headers["Access-Control-Allow-Origin"] == origin


def test_health_and_unknown_route(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    conn.request("GET", "/")
    r = conn.getresponse()
    health = json.loads(r.read())
    assert r.status == 200 and health["status"] == "ok" and health["chainId"] == 31337
    conn.request("GET", "/nothing/here")  # same keep-alive connection
    r = conn.getresponse()
    r.read()
    conn.close()
    assert r.status == 404


def test_keep_alive_connection_serves_many_requests(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=10)
    for i in range(5):
        conn.request("POST", "/", body=json.dumps({"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"}),
                     headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        assert json.loads(r.read())["id"] == i
    conn.close()


def test_refuses_non_loopback_without_opt_in():
    from hemi.errors import HemiValueError
    from hemi.server import DevchainServer

    class _Dev:  # never reached: the check comes first
        btc = None

    with pytest.raises(HemiValueError, match="refusing to bind"):
        DevchainServer(_Dev(), host="0.0.0.0", port=0)
