"""Requests that would hold the devchain or grow its memory without bound: endless EVM loops, gas past the cap,
mining millions of blocks, oversized batches and replies, WebSocket floods, filters and snapshots left behind, huge
Bitcoin addresses. Each gets a clear error (or the documented eviction), the chain unchanged, the server serving.
Anchors: geth's --rpc.gascap 50M, --rpc.evmtimeout 5 s, batch limit 1000 / 25 MB (ethereum/go-ethereum
rpc/handler.go), filter timeout 5 min (eth/filters/filter_system.go)."""

from __future__ import annotations

import json
import time

import pytest
from security_helpers import chain_state, post, request, rpc, rpc_body

LOOP = bytes.fromhex("5b600056")  # JUMPDEST PUSH1 0 JUMP: loops until the gas runs out
LOOPER = "0x" + "00" * 19 + "1f"


@pytest.fixture(scope="module")
def looper(server):
    with server.lock:
        server.dev.set_code(LOOPER, LOOP)
    return LOOPER


@pytest.mark.parametrize("method", ["eth_call", "eth_estimateGas", "eth_createAccessList"])
def test_endless_loop_call_times_out_and_the_next_request_is_served(server, looper, method):
    """A 50M-gas loop runs for tens of seconds in py-evm; the wall-clock limit (0.5 s here) aborts it."""
    before = chain_state(server)
    params = [{"to": looper, "gas": hex(50_000_000)}, "latest"]
    start = time.monotonic()
    reply = rpc(server, method, *params)
    elapsed = time.monotonic() - start
    if method == "eth_createAccessList":  # reports the failure in its result, as geth
        assert "timeout" in json.dumps(reply)
    else:
        assert reply["error"]["code"] == -32000 and "timeout" in reply["error"]["message"]
    assert elapsed < 3
    assert rpc(server, "eth_chainId")["result"] == hex(server.dev.config.chain_id)
    assert chain_state(server) == before


@pytest.mark.parametrize("method", ["debug_traceCall", "debug_traceTransaction", "eth_simulateV1"])
def test_traces_and_simulations_of_an_endless_loop_time_out(server, looper, method):
    """A trace records every step: a 22M-gas loop traced for 24 s and took 3 GB before these methods came under the
    wall-clock limit; a simulation of 30M-gas calls froze the server as long."""
    if method == "debug_traceTransaction":
        sender = str(server.dev.accounts[4])
        rpc(server, "evm_mine")  # the looper's code (a direct edit) into a block's state, which a replay starts from
        tx = rpc(server, "eth_sendTransaction", {"from": sender, "to": looper, "gas": hex(20_000_000)})["result"]
        params: list = [tx]
    elif method == "debug_traceCall":
        params = [{"to": looper, "gas": hex(30_000_000)}, "latest", {}]
    else:
        params = [{"blockStateCalls": [{"calls": [{"to": looper, "gas": hex(30_000_000)}]}]}, "latest"]
    before = chain_state(server)
    start = time.monotonic()
    reply = rpc(server, method, *params)
    assert reply["error"]["code"] == -32000 and "timeout" in reply["error"]["message"]
    assert time.monotonic() - start < 5
    assert chain_state(server) == before


def test_transactions_are_not_time_limited(server, looper):
    """The limit applies to calls only: a transaction that loops runs to its gas limit, deterministically."""
    sender = str(server.dev.accounts[3])
    tx = rpc(server, "eth_sendTransaction", {"from": sender, "to": looper, "gas": hex(300_000)})["result"]
    receipt = rpc(server, "eth_getTransactionReceipt", tx)["result"]
    assert receipt["status"] == "0x0" and int(receipt["gasUsed"], 16) == 300_000


def test_call_gas_above_the_cap_is_refused(server, looper):
    before = chain_state(server)
    reply = rpc(server, "eth_call", {"to": looper, "gas": hex(50_000_001)}, "latest")
    assert reply["error"]["code"] == -32602 and "gas cap" in reply["error"]["message"]
    assert chain_state(server) == before


@pytest.mark.parametrize("method,params", [
    ("anvil_mine", ["0x33"]), ("hardhat_mine", [51]), ("evm_mine", [{"blocks": 51}]), ("hemi_mineBitcoin", [51]),
    ("hemi_reorgBitcoin", [1, 51]),
])
def test_blocks_per_call_are_capped(server, method, params):
    before = chain_state(server)
    reply = rpc(server, method, *params)
    assert reply["error"]["code"] == -32602 and "at most 50" in reply["error"]["message"]
    assert chain_state(server) == before


def test_generatetoaddress_is_capped(server):
    from test_bitcoin_auth import basic

    before = chain_state(server)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "generatetoaddress",
                       "params": [51, server.dev.btc.wallet("bob").address]}).encode()
    status, _, reply = request(server.btc_port, "POST", body, {"Authorization": basic(*server.btc_credentials)})
    assert status == 200 and reply["error"]["code"] == -8 and "at most 50" in reply["error"]["message"]
    assert chain_state(server) == before


def test_a_bitcoin_batch_shares_the_time_budget(tmp_path):
    """The Bitcoin port's batches too: 1000 generatetoaddress of 50 blocks each (~3 s here; 1000 x 10,000 blocks
    under the default caps) stop at the budget (0.3 s here), the rest answered Core's misc error (-1) 'request timed
    out' without mining (Core has no such budget: bitcoin/bitcoin src/httprpc.cpp runs every batch entry)."""
    from test_bitcoin_auth import basic

    from hemi.devchain import Devchain
    from hemi.server import DevchainServer, Limits

    server = DevchainServer(Devchain(seed=12), port=0, btc_port=0, cookie_dir=tmp_path,
                            limits=Limits(batch_timeout=0.3, max_blocks=50))
    with server:
        _bitcoin_batch_stops_at_its_budget(server, basic)


def _bitcoin_batch_stops_at_its_budget(server, basic) -> None:
    address = server.dev.btc.wallet("bob").address
    batch = [{"jsonrpc": "2.0", "id": i, "method": "generatetoaddress", "params": [50, address]} for i in range(1000)]
    height = server.dev.btc.height
    start = time.monotonic()
    status, _, reply = request(server.btc_port, "POST", json.dumps(batch).encode(),
                               {"Authorization": basic(*server.btc_credentials)}, timeout=120)
    elapsed = time.monotonic() - start
    assert status == 200 and len(reply) == 1000 and elapsed < 2, elapsed
    mined = [r for r in reply if r.get("error") is None]
    refused = reply[len(mined):]
    assert mined and refused and all(len(r["result"]) == 50 for r in mined)
    assert all(r["error"]["code"] == -1 and "request timed out" in r["error"]["message"] for r in refused)
    assert server.dev.btc.height == height + 50 * len(mined)


def test_oversized_batch_is_refused_whole(server):
    before = chain_state(server)
    batch = [{"jsonrpc": "2.0", "id": i, "method": "evm_mine"} for i in range(1001)]
    status, _, reply = post(server, json.dumps(batch).encode())
    assert status == 200 and reply["error"]["code"] == -32600 and "batch too large" in reply["error"]["message"]
    assert chain_state(server) == before


def test_batch_reply_size_is_capped(server):
    """Each eth_call reply is ~60 KB (the identity precompile echoes 30 KB); past 200 KB of replies the rest of the
    batch is not run (geth's -32003)."""
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_getCode", "params": [LOOPER, "latest"]} for i in range(3)] + [
        {"jsonrpc": "2.0", "id": 100 + i, "method": "eth_call",
         "params": [{"to": "0x" + "00" * 19 + "04", "data": "0x" + "ab" * 30_000}, "latest"]} for i in range(20)]
    status, _, reply = post(server, json.dumps(batch).encode())
    assert status == 200 and isinstance(reply, list)
    assert reply[-1]["error"]["code"] == -32003 and "response too large" in reply[-1]["error"]["message"]
    assert len(reply) < len(batch)


def test_a_batch_of_slow_calls_shares_one_time_budget(server, looper):
    """20 endless calls of 0.5 s each held the server 10 s: the batch's 2 s budget (--batch-timeout, 30 s by default)
    stops it, the call running then and every later entry answered -32002 'request timed out', in order, as geth
    answers a batch past its HTTP write timeout (ethereum/go-ethereum rpc/handler.go handleBatch, rpc/errors.go
    errcodeTimeout); notifications still get no reply, an invalid entry its own error."""
    call = {"to": looper, "gas": hex(50_000_000)}
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_call", "params": [call, "latest"]} for i in range(20)] + [
        {"jsonrpc": "2.0", "method": "eth_chainId"}, 7, {"jsonrpc": "2.0", "id": "last", "method": "eth_chainId"}]
    before = chain_state(server)
    start = time.monotonic()
    status, _, reply = post(server, json.dumps(batch).encode())
    elapsed = time.monotonic() - start
    assert status == 200 and elapsed < 3.5, elapsed
    assert [r["id"] for r in reply] == [*range(20), None, "last"]
    codes = [r["error"]["code"] for r in reply]
    ran = codes.index(-32002)
    assert 2 <= ran <= 5 and codes[:ran] == [-32000] * ran  # their own 0.5 s timeouts, then the budget is spent
    assert codes[ran:] == [-32002] * (20 - ran) + [-32600, -32002]
    assert "request timed out" in reply[-1]["error"]["message"] and "--batch-timeout" in reply[-1]["error"]["message"]
    assert chain_state(server) == before
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_blockNumber"} for i in range(500)]
    status, _, reply = post(server, json.dumps(batch).encode())  # a batch of quick requests is untouched
    assert status == 200 and all("result" in r for r in reply) and len(reply) == 500


def test_websocket_connections_and_subscriptions_are_capped(server):
    from websockets.exceptions import InvalidStatus
    from websockets.sync.client import connect

    conns = [connect(server.ws_url, open_timeout=10) for _ in range(server.limits.max_ws_connections)]
    try:
        with pytest.raises(InvalidStatus) as info:
            connect(server.ws_url, open_timeout=10)
        assert info.value.response.status_code == 503
        ws = conns[0]
        for i in range(server.limits.max_subscriptions):
            ws.send(rpc_body("eth_subscribe", "newHeads", id_=i).decode())
            assert "result" in json.loads(ws.recv(timeout=10))
        ws.send(rpc_body("eth_subscribe", "newHeads", id_=99).decode())
        reply = json.loads(ws.recv(timeout=10))
        assert reply["error"]["code"] == -32000 and "too many subscriptions" in reply["error"]["message"]
    finally:
        for c in conns:
            c.close()
    deadline = time.monotonic() + 5
    while server.sessions and time.monotonic() < deadline:
        time.sleep(0.02)
    with connect(server.ws_url, open_timeout=10):  # closed ones free their places
        pass


def test_idle_filters_expire(server):
    fid = rpc(server, "eth_newBlockFilter")["result"]
    polled = rpc(server, "eth_newBlockFilter")["result"]
    for _ in range(3):  # polled within the timeout (1 s here): kept
        time.sleep(0.4)
        assert "result" in rpc(server, "eth_getFilterChanges", polled)
    reply = rpc(server, "eth_getFilterChanges", fid)
    assert reply["error"]["code"] == -32000 and "filter not found" in reply["error"]["message"]
    assert "result" in rpc(server, "eth_getFilterChanges", polled)


def test_snapshots_are_bounded_oldest_dropped(server):
    ids = [rpc(server, "evm_snapshot")["result"] for _ in range(5)]  # the cap is 3 here
    assert len(server.api._evm_snapshots) <= 3
    assert rpc(server, "evm_revert", ids[0])["result"] is False  # dropped: as an unknown id
    assert rpc(server, "evm_revert", ids[-1])["result"] is True


@pytest.mark.parametrize("method", ["validateaddress", "generatetoaddress"])
def test_huge_bitcoin_address_is_refused_at_once(server, method):
    """base58 decoding is quadratic in the length: a megabyte 'address' is refused by its length first (Bitcoin
    port: Core's answers, isvalid false / -5; Ethereum port: -32602)."""
    from test_bitcoin_auth import basic

    before = chain_state(server)
    params = [1, "1" * 1_000_000] if method == "generatetoaddress" else ["1" * 1_000_000]
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
    start = time.monotonic()
    status, _, reply = request(server.btc_port, "POST", body, {"Authorization": basic(*server.btc_credentials)})
    assert time.monotonic() - start < 1.0 and status == 200
    if method == "validateaddress":
        assert reply["result"]["isvalid"] is False
    else:
        assert reply["error"]["code"] == -5
    start = time.monotonic()
    reply = rpc(server, "hemi_mineBitcoin", 1, "1" * 1_000_000)
    assert reply["error"]["code"] == -32602 and "at most 90" in reply["error"]["message"]
    assert time.monotonic() - start < 1.0
    assert chain_state(server) == before
