"""web3.py's WebSocketProvider (AsyncWeb3) against the server's WebSocket: calls and eth_subscribe."""

from __future__ import annotations

import asyncio
import json
import urllib.request

import pytest
from web3 import AsyncWeb3, Web3, WebSocketProvider

EMITTER = Web3.to_checksum_address("0x" + "00" * 19 + "aa")


def _http(server, method, params=()):
    req = urllib.request.Request(server.url, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": method,
                                                              "params": list(params)}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read())


async def _next(w3, timeout=10):
    async def first():
        async for payload in w3.socket.process_subscriptions():
            return payload

    return await asyncio.wait_for(first(), timeout)


@pytest.mark.parametrize("path", ["", "/ws"])
def test_calls_over_websocket(server, path):
    async def main():
        async with AsyncWeb3(WebSocketProvider(server.ws_url + path)) as w3:
            assert await w3.eth.chain_id == 31337
            assert await w3.eth.block_number == server.dev.engine.head_number
            kss = await w3.provider.make_request("kss_getLatestKeystones", [1])
            assert kss["result"] == {"keystones": []} or "keystones" in kss["result"]

    asyncio.run(main())


def test_new_heads_subscription(server):
    async def main():
        async with AsyncWeb3(WebSocketProvider(server.ws_url)) as w3:
            sub = await w3.eth.subscribe("newHeads")
            head = await w3.eth.block_number
            # a block mined by another client over HTTP...
            await asyncio.to_thread(_http, server, "evm_mine")
            payload = await _next(w3)
            assert payload["subscription"] == sub
            assert payload["result"]["number"] == head + 1
            block = await w3.eth.get_block(head + 1)
            assert payload["result"]["hash"] == block["hash"]
            # ...and one mined through the Python API under the server's lock
            with server.lock:
                server.dev.mine(1)
            payload = await _next(w3)
            assert payload["result"]["number"] == head + 2
            assert await w3.eth.unsubscribe(sub) is True
            again = await w3.provider.make_request("eth_unsubscribe", [sub])  # web3 itself refuses a second time
            assert again["result"] is False

    asyncio.run(main())
    assert len(server.subscriptions) == 0


def test_logs_subscription(server):
    # a contract emitting an event: runtime code LOG1(topic=0x2a) with 32 bytes of memory, then STOP
    runtime = bytes.fromhex("602a60206000a100")  # PUSH1 0x2a PUSH1 0x20 PUSH1 0 LOG1 STOP
    with server.lock:
        server.dev.set_code(EMITTER, runtime)

    async def main():
        async with AsyncWeb3(WebSocketProvider(server.ws_url)) as w3:
            sub = await w3.eth.subscribe("logs", {"address": EMITTER})
            acct = (await w3.eth.accounts)[0]
            tx = await w3.eth.send_transaction({"from": acct, "to": EMITTER,
                                                "gas": 100_000})
            payload = await _next(w3)
            assert payload["subscription"] == sub
            log = payload["result"]
            assert log["transactionHash"] == tx
            assert log["topics"][0] == (42).to_bytes(32, "big")

    asyncio.run(main())


def test_raw_websocket_errors_batches_and_bad_json(server):
    """The websockets package's own client: JSON-RPC errors keep the connection open."""
    from websockets.sync.client import connect

    with connect(server.ws_url + "/ws", open_timeout=10) as ws:
        ws.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["bogus"]}))
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == -32602
        ws.send("{not json")
        assert json.loads(ws.recv(timeout=10))["error"]["code"] == -32700
        ws.send(json.dumps([{"jsonrpc": "2.0", "id": 2, "method": "eth_chainId"},
                            {"jsonrpc": "2.0", "id": 3, "method": "nope_nothing"}]))
        replies = {r["id"]: r for r in json.loads(ws.recv(timeout=10))}
        assert replies[2]["result"] == "0x7a69"
        assert replies[3]["error"]["code"] == -32601
