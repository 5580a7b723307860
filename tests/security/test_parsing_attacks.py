"""Request bodies built to crash or freeze the server: deep nesting (HTTP, UTF-16, WebSocket, typed data inside
params), a body that made the old depth check's regex backtrack, non-UTF-8 encodings. Each gets a JSON-RPC error,
the server goes on serving, and the chain is unchanged."""

from __future__ import annotations

import json
import threading
import time

import pytest
from security_helpers import chain_state, post, request, rpc, rpc_body

from hemi.jsontext import MAX_DEPTH, JSONParseError, loads


def deep(n: int) -> bytes:
    return b"[" * n + b"]" * n


def test_parser_depth_limit_is_fixed_even_with_a_huge_recursion_limit():
    """orjson's nesting limit is its own (1024), not Python's: py_ecc sets sys.setrecursionlimit(100000) when it is
    imported (the devchain now defers it until a BN254/BLS precompile runs, so the test sets it itself), and the limit
    must hold in a worker thread with that setting (where the stdlib parser overflowed the C stack)."""
    import sys

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(old_limit, 100_000))  # what py_ecc does at import
    try:
        _check_depth_limit_in_a_thread()
    finally:
        sys.setrecursionlimit(old_limit)


def _check_depth_limit_in_a_thread() -> None:
    results: dict = {}

    def run():
        results["ok"] = loads(deep(MAX_DEPTH))
        for n in (MAX_DEPTH + 1, 10**6):
            try:
                loads(deep(n))
            except JSONParseError as err:
                results[n] = str(err)

    t = threading.Thread(target=run)
    t.start()
    t.join()
    assert results["ok"] is not None
    assert all("nested deeper than 1024" in results[n] for n in (MAX_DEPTH + 1, 10**6))


def test_deeply_nested_body_is_a_parse_error(server):
    before = chain_state(server)
    body = b'{"jsonrpc":"2.0","id":1,"method":"anvil_setBalance","params":' + deep(1_000_000) + b"}"
    status, _, reply = post(server, body)
    assert status == 200 and reply["error"]["code"] == -32700 and reply["id"] is None
    assert "nested deeper" in reply["error"]["message"]
    assert chain_state(server) == before
    assert rpc(server, "eth_chainId")["result"] == hex(server.dev.config.chain_id)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32", "utf-8-sig"])
def test_non_utf8_bodies_are_parse_errors(server, encoding):
    """RFC 8259 §8.1: UTF-8 only. A UTF-16 body (which slipped past the old byte-level depth check) and a UTF-8 BOM
    are -32700, with a deep payload that would otherwise crash the parser."""
    before = chain_state(server)
    text = '{"jsonrpc":"2.0","id":1,"method":"evm_mine","params":' + "[" * 50_000 + "]" * 50_000 + "}"
    status, _, reply = post(server, text.encode(encoding))
    assert status == 200 and reply["error"]["code"] == -32700
    assert chain_state(server) == before


def test_charset_other_than_utf8_is_refused(server):
    before = chain_state(server)
    status, _, _ = post(server, rpc_body("evm_mine"), {"Content-Type": "application/json; charset=utf-16"})
    assert status == 415 and chain_state(server) == before


def test_backtracking_body_is_answered_at_once(server):
    """40 KB of brackets, quotes and backslashes froze the old server 12-25 s in its depth check's regex; the
    parser has no regex: the answer comes in well under a second."""
    before = chain_state(server)
    body = b"[" * 300 + b'"\\' * 20_000
    start = time.monotonic()
    status, _, reply = post(server, body)
    assert status == 200 and reply["error"]["code"] == -32700
    assert time.monotonic() - start < 1.0
    assert chain_state(server) == before


def test_deep_websocket_message_is_a_parse_error_and_the_connection_lives(server):
    from websockets.sync.client import connect

    before = chain_state(server)
    with connect(server.ws_url, open_timeout=10, max_size=None) as ws:
        ws.send(deep(500_000).decode())
        reply = json.loads(ws.recv(timeout=10))
        assert reply["error"]["code"] == -32700
        ws.send(rpc_body("eth_chainId").decode())
        assert json.loads(ws.recv(timeout=10))["result"] == hex(server.dev.config.chain_id)
    assert chain_state(server) == before


def test_deep_typed_data_inside_params_is_invalid_params(server):
    """eth_signTypedData_v4 takes the typed data as JSON text (as MetaMask sends it): that text goes through the
    same parser, so nesting inside a string cannot crash the server either."""
    before = chain_state(server)
    signer = str(server.dev.accounts[0])
    reply = rpc(server, "eth_signTypedData_v4", signer, deep(200_000).decode())
    assert reply["error"]["code"] == -32602 and "nested deeper" in reply["error"]["message"]
    reply = rpc(server, "eth_signTypedData_v4", signer, '{"types": 1}\ud800')  # a lone surrogate: not Unicode
    assert reply["error"]["code"] == -32700 and "surrogate" in reply["error"]["message"]
    assert chain_state(server) == before


@pytest.mark.parametrize("id_", ["18446744073709551616", "-9223372036854775809", "1e300"])
def test_an_id_too_large_to_echo_exactly_is_refused(server, id_):
    """An integer id past 64 bits parses as a float and was echoed changed (1.8446744073709552e+19), matching no
    request; it is refused (-32600), and a small id or a string id still comes back as sent."""
    status, _, reply = post(server, b'{"jsonrpc":"2.0","id":%s,"method":"eth_chainId"}' % id_.encode())
    assert status == 200 and reply["error"]["code"] == -32600 and "too large" in reply["error"]["message"]
    assert rpc(server, "eth_chainId")["id"] == 1


def test_head_is_answered_as_get_without_a_body(server):
    """HEAD / got 405 (the catch-all route took it); HTTP (RFC 9110 §9.3.2) answers it as GET, without the body, as
    the health check's GET / is."""
    status, headers, body = request(server.port, "HEAD", path="/")
    assert status == 200 and not body and headers["content-type"].startswith("application/json")
    assert request(server.port, "GET", path="/")[0] == 200
