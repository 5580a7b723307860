"""Bad input against the server: garbage of every type to every method, malformed and oversized bodies, stalled and
vanishing clients, a subscriber that never reads, racing nonces, and where the server may listen.

The rule (issue 6, "Bad input"): a JSON-RPC error, the server keeps serving, no state lost. test_server_raw_http.py
has the basic error codes, batches and the 413; this module covers what is left.
"""

from __future__ import annotations

import http.client
import json
import random
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from eth_account import Account

from hemi.rpc.table import handlers


def post(server, body, *, timeout=30):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=timeout)
    try:
        conn.request("POST", "/", body=body, headers={"Content-Type": "application/json"})
        r = conn.getresponse()
        data = r.read()
        return r.status, (json.loads(data) if data else None)
    finally:
        conn.close()


def rpc(server, method, *params):
    status, body = post(server, json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)}))
    assert status == 200
    return body


def still_serving(server):
    assert rpc(server, "eth_chainId")["result"] == hex(server.dev.config.chain_id)


def head(server):
    return int(rpc(server, "eth_blockNumber")["result"], 16)


# ---------------------------------------------------------------------------------------------- malformed bodies

@pytest.mark.parametrize("body", [
    b"\xff\xfe\x00garbage",                       # not UTF-8
    b"[" * 100_000 + b"]" * 100_000,             # nested past Python's recursion limit
    b'{"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"} trailing',
    b"",                                          # empty body
    b"NaN",
])
def test_unparseable_bodies_are_parse_errors(server, body):
    """JSON-RPC 2.0: anything that is not one JSON value is -32700 with id null, in an HTTP 200 (as geth)."""
    status, reply = post(server, body)
    assert status == 200 and reply["error"]["code"] in (-32700, -32600) and reply["id"] is None
    still_serving(server)


def test_oversized_batch_is_refused_whole(server):
    batch = [{"jsonrpc": "2.0", "id": i, "method": "eth_chainId"} for i in range(1001)]
    status, reply = post(server, json.dumps(batch))
    assert status == 200 and reply["error"]["code"] == -32600 and "batch too large" in reply["error"]["message"]


def test_batch_of_notifications_only_gets_no_content(server):
    status, reply = post(server, json.dumps([{"jsonrpc": "2.0", "method": "eth_chainId"}] * 3))
    assert status == 204 and reply is None


def test_chunked_and_invalid_content_length(server):
    for headers, expected in ((b"Transfer-Encoding: chunked\r\n", 411), (b"Content-Length: -5\r\n", 400),
                              (b"Content-Length: lots\r\n", 400)):
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:
            s.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers + b"\r\n")
            status_line = s.recv(4096).split(b"\r\n", 1)[0]
        assert status_line.split()[1] == str(expected).encode()
    still_serving(server)


def test_oversized_websocket_message_closes_only_that_connection(server):
    """The WebSocket frame limit is the body limit: a bigger message closes the connection with 1009 (message too
    big); the server and other connections go on."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with connect(server.ws_url, open_timeout=10, max_size=None) as ok, \
            connect(server.ws_url, open_timeout=10, max_size=None) as big:
        with pytest.raises(ConnectionClosed) as info:
            big.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId",
                                 "params": ["x" * (server.max_body + 1)]}))
            big.recv(timeout=10)
        assert info.value.rcvd is not None and info.value.rcvd.code == 1009
        ok.send(json.dumps({"jsonrpc": "2.0", "id": 2, "method": "eth_chainId"}))
        assert json.loads(ok.recv(timeout=10))["result"] == hex(server.dev.config.chain_id)
    still_serving(server)


# ---------------------------------------------------------------------------------------------- wrong types

_ADDR = "0x" + "11" * 20
GARBAGE = [None, 0, -1, 123, 1.5, True, "", "0x", "0xzz", "zz", "latest", "pending", "earliest", "0x1",
           "0x" + "f" * 80, "0x" + "ab" * 32, _ADDR, {}, [], [1000], [50, 10], {"to": 5}, {"from": "0x12"},
           {"to": _ADDR, "value": "0x" + "f" * 70}, {"to": _ADDR, "gas": "0x" + "f" * 20}, {"fromBlock": {}},
           {"blockHash": 5}, {"from": _ADDR, "to": _ADDR, "nonce": "0x" + "f" * 20}, {"address": [5]},
           {"topics": [[5]]}, {"topics": "x"}, {"blockNumber": "0xfffff"}, {"blockHash": "0x" + "ab" * 32}]
PER_METHOD = 25


def test_garbage_params_never_cause_internal_errors(server):
    """Every method of the table (eth_*, net_*, web3_*, evm_*/anvil_*/hardhat_*, kss_*, optimism_*, hemi_*) called
    with random garbage of every JSON type, 0-4 params: each answer is a result or a typed JSON-RPC error (-32602
    bad params, -32000 refused, -32001 not found...), never -32603 (an exception we did not anticipate)."""
    rng = random.Random(6)
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    internal = {}
    try:
        for name in sorted(handlers()):
            for _ in range(PER_METHOD):
                params = [rng.choice(GARBAGE) for _ in range(rng.randint(0, 4))]
                conn.request("POST", "/", body=json.dumps({"jsonrpc": "2.0", "id": 1, "method": name,
                                                           "params": params}))
                reply = json.loads(conn.getresponse().read())
                assert ("result" in reply) != ("error" in reply), reply
                if "error" in reply and reply["error"]["code"] == -32603:
                    internal[name] = (params, reply["error"]["message"])
    finally:
        conn.close()
    assert not internal, internal
    still_serving(server)


@pytest.mark.parametrize("method,params", [
    ("anvil_mine", ["0xffffffffffff"]), ("evm_mine", [{"blocks": "0xffffffffff"}]),
    ("hemi_mineBitcoin", [10**12]), ("hemi_reorgBitcoin", [1, 10**9]),
    ("eth_getStorageAt", [_ADDR, "0x" + "f" * 70]), ("anvil_setBalance", [_ADDR, "0x" + "f" * 70]),
    ("anvil_setStorageAt", [_ADDR, "0x0", "0x" + "ab" * 33]), ("anvil_setNonce", [_ADDR, "0x" + "f" * 20]),
])
def test_huge_values_are_refused_quickly(server, method, params):
    """A count that would hold the devchain for hours, or a number past its type, is -32602 at once, with nothing
    changed."""
    before = head(server), int(rpc(server, "hemi_hvmView")["result"]["light_tip_height"])
    start = time.monotonic()
    err = rpc(server, method, *params)["error"]
    assert err["code"] == -32602 and time.monotonic() - start < 5
    assert (head(server), int(rpc(server, "hemi_hvmView")["result"]["light_tip_height"])) == before


@pytest.mark.parametrize("params", [["0x2", "latest", [90, 10]], ["0x2", "latest", [101]], ["0x2", "latest", "50"],
                                    ["-0x2", "latest"], ["0x2", "0xffffff"]])
def test_fee_history_checks_its_arguments(server, params):
    """eth_feeHistory as geth: percentiles are numbers from 0 to 100 in increasing order, the count a quantity, the
    newest block an existing one."""
    err = rpc(server, "eth_feeHistory", *params)["error"]
    assert err["code"] in (-32602, -32001)


# ---------------------------------------------------------------------------------------- slow and vanishing clients

def test_stalled_clients_do_not_block_others(server):
    """A client stuck mid-headers and one stuck mid-body (Content-Length promised, bytes never sent) each hold only
    their own connection: everyone else is served, and mining goes on, meanwhile."""
    stalled = []
    for partial in (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Le",
                    b'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 1000\r\n\r\n{"jsonrpc": "2.0", '):
        s = socket.create_connection(("127.0.0.1", server.port), timeout=10)
        s.sendall(partial)
        stalled.append(s)
    try:
        start, n = time.monotonic(), head(server)
        for _ in range(5):
            assert rpc(server, "evm_mine")["result"] == "0x0"
        assert head(server) == n + 5 and time.monotonic() - start < 5
    finally:
        for s in stalled:
            s.close()
    still_serving(server)


def test_client_vanishing_before_the_reply_loses_nothing(server):
    """A client that sends a transaction and disconnects before reading the answer: the transaction is applied
    exactly once, as with any client; one that disconnects mid-body applies nothing."""
    acct = server.dev.accounts[9]
    nonce = int(rpc(server, "eth_getTransactionCount", acct, "latest")["result"], 16)
    signed = Account.sign_transaction({"to": server.dev.accounts[0], "value": 5, "gas": 21000, "nonce": nonce,
                                       "chainId": server.dev.config.chain_id, "maxFeePerGas": 10**10,
                                       "maxPriorityFeePerGas": 10**9}, acct.private_key)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_sendRawTransaction",
                       "params": ["0x" + signed.raw_transaction.hex()]}).encode()
    request = (b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
               b"Content-Length: %d\r\n\r\n" % len(body))
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:  # half a body, then gone
        s.sendall(request + body[: len(body) // 2])
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as s:  # all of it, then gone
        s.sendall(request + body)
    tx_hash = "0x" + signed.hash.hex().removeprefix("0x")
    deadline = time.monotonic() + 10
    receipt = None
    while receipt is None and time.monotonic() < deadline:
        receipt = rpc(server, "eth_getTransactionReceipt", tx_hash)["result"]
        time.sleep(0.05)
    assert receipt is not None and receipt["status"] == "0x1"
    assert int(rpc(server, "eth_getTransactionCount", acct, "latest")["result"], 16) == nonce + 1
    still_serving(server)


def _silent_subscriber(server, params, *, rcvbuf=None):
    """A WebSocket client that subscribes and then never reads a byte (websockets' sans-I/O protocol on a bare
    socket, so no background thread drains it). ``rcvbuf``: a fixed receive buffer (no autotuning), so the kernel
    absorbs little of what the server sends."""
    from websockets.client import ClientProtocol
    from websockets.protocol import State
    from websockets.uri import parse_uri

    sock = socket.socket()
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(10)
    sock.connect(("127.0.0.1", server.port))
    proto = ClientProtocol(parse_uri(server.ws_url))
    proto.send_request(proto.connect())
    sock.sendall(b"".join(proto.data_to_send()))
    while proto.state is State.CONNECTING:
        proto.receive_data(sock.recv(4096))
    assert proto.state is State.OPEN
    proto.send_text(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": params}).encode())
    sock.sendall(b"".join(proto.data_to_send()))
    return sock


def test_websocket_subscriber_that_never_reads(server, monkeypatch):
    """A logs subscriber that never reads does not slow mining; once it has left more than MAX_BACKLOG_BYTES unread
    (beyond what the kernel's socket buffers absorb) it is disconnected and its subscription dropped, while a
    subscriber that reads gets every log."""
    from websockets.sync.client import connect

    from hemi.server import ws

    monkeypatch.setattr(ws, "MAX_BACKLOG_BYTES", 1024 * 1024)
    emitter = "0x" + "00" * 19 + "e1"
    with server.lock:  # LOG0 of 100,000 zero bytes: a 200 kB notification per transaction
        server.dev.set_code(emitter, bytes.fromhex("620186a06000a000"))  # PUSH3 100000 PUSH1 0 LOG0 STOP
    subscribe = ["logs", {"address": emitter}]
    subs_before = len(server.subscriptions)
    lazy = _silent_subscriber(server, subscribe)
    try:
        with connect(server.ws_url, open_timeout=10, max_size=None) as reader:
            reader.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": subscribe}))
            reader.recv(timeout=10)
            deadline = time.monotonic() + 10
            while len(server.subscriptions) < subs_before + 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            start = time.monotonic()
            sent = []
            for _ in range(60):  # 12 MB for each subscriber
                tx = rpc(server, "eth_sendTransaction", {"from": server.dev.accounts[1], "to": emitter,
                                                         "gas": hex(2_000_000)})["result"]
                sent.append(tx)
                got = json.loads(reader.recv(timeout=10))["params"]["result"]
                assert got["transactionHash"] == tx and len(got["data"]) == 2 + 200_000
            assert time.monotonic() - start < 60
            assert len(server.subscriptions) == subs_before + 1  # the silent one was dropped
    finally:
        lazy.close()
    still_serving(server)


def test_a_reading_subscriber_gets_every_head_of_a_mining_burst(server, monkeypatch):
    """The heads of blocks one request mines are queued while it holds the loop and written when it ends: a burst
    the budget holds reaches a client that reads, whole and in order; one past it disconnects even that client (each
    message counted with MESSAGE_OVERHEAD for the objects that carry it)."""
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    from hemi.server import ws

    with connect(server.ws_url, open_timeout=10, max_size=None) as reader:
        reader.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}))
        reader.recv(timeout=10)
        head = int(rpc(server, "eth_blockNumber")["result"], 16)
        assert "result" in rpc(server, "anvil_mine", hex(500))
        numbers = [int(json.loads(reader.recv(timeout=30))["params"]["result"]["number"], 16) for _ in range(500)]
        assert numbers == list(range(head + 1, head + 501))
    monkeypatch.setattr(ws, "MAX_BACKLOG_BYTES", 100 * (ws.MESSAGE_OVERHEAD + 1500))  # about 100 heads
    with connect(server.ws_url, open_timeout=10, max_size=None) as reader:
        reader.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_subscribe", "params": ["newHeads"]}))
        reader.recv(timeout=10)
        assert "result" in rpc(server, "anvil_mine", hex(300))
        got = 0
        with pytest.raises(ConnectionClosed):
            while True:
                reader.recv(timeout=10)
                got += 1
        assert got < 300
    still_serving(server)


def test_unread_notifications_hold_what_the_budget_counts(server):
    """A queued notification holds about its own size, so MAX_BACKLOG_BYTES bounds memory: orjson's bytes keep the
    buffer they were written in (8 KiB for a 1.8 KB head), and queued as they came, 64 MiB counted held ~6x that."""
    import tracemalloc

    from hemi.server import ws

    before = set(server.sessions)
    lazy = _silent_subscriber(server, ["newHeads"], rcvbuf=64 * 1024)
    try:
        deadline = time.monotonic() + 10
        while not any(sub.active for new in set(server.sessions) - before for sub in new.subs.values()):
            assert time.monotonic() < deadline
            time.sleep(0.01)
        (session,) = set(server.sessions) - before
        assert "result" in rpc(server, "anvil_mine", hex(2500))  # fills the sockets' buffers (up to 4 MB on Linux)
        time.sleep(0.5)
        tracemalloc.start()
        try:
            start, waiting = tracemalloc.take_snapshot(), session.outbox.qsize()
            assert "result" in rpc(server, "anvil_mine", hex(500))  # these stay queued
            time.sleep(0.2)
            queued = session.outbox.qsize() - waiting
            grown = tracemalloc.take_snapshot().compare_to(start, "filename")
        finally:
            tracemalloc.stop()
        held = sum(st.size_diff for st in grown if st.traceback[0].filename.endswith(("ws.py", "jsonrpc.py")))
        assert queued > 100  # most heads are still queued: the client reads nothing
        per_message = held / queued
        assert per_message < 2 * (1800 + ws.MESSAGE_OVERHEAD), per_message
    finally:
        lazy.close()
    still_serving(server)


# ---------------------------------------------------------------------------------------------- concurrency

def test_two_clients_racing_the_same_nonce(server):
    """Eight clients send transactions with the same nonce at the same moment: exactly one is mined; the others get
    -32000 "nonce too low" (geth's and anvil's wording); the sender's nonce moved by one and only the winner's
    recipient was paid."""
    sender = server.dev.accounts[7]
    nonce = int(rpc(server, "eth_getTransactionCount", sender, "latest")["result"], 16)
    recipients = [Account.create().address for _ in range(8)]
    raws = ["0x" + Account.sign_transaction({"to": to, "value": 1000 + i, "gas": 21000, "nonce": nonce,
                                             "chainId": server.dev.config.chain_id, "maxFeePerGas": 10**10,
                                             "maxPriorityFeePerGas": 10**9},
                                            sender.private_key).raw_transaction.hex()
            for i, to in enumerate(recipients)]
    gate = threading.Barrier(len(raws))

    def send(raw):
        gate.wait()
        return rpc(server, "eth_sendRawTransaction", raw)

    with ThreadPoolExecutor(len(raws)) as pool:
        replies = list(pool.map(send, raws))
    winners = [i for i, r in enumerate(replies) if "result" in r]
    assert len(winners) == 1
    for i, r in enumerate(replies):
        if i not in winners:
            assert r["error"]["code"] == -32000 and "nonce too low" in r["error"]["message"]
    assert int(rpc(server, "eth_getTransactionCount", sender, "latest")["result"], 16) == nonce + 1
    paid = [int(rpc(server, "eth_getBalance", to, "latest")["result"], 16) for to in recipients]
    assert paid == [1000 + i if i == winners[0] else 0 for i in range(len(recipients))]


def test_concurrent_auto_nonce_sends_all_land(server):
    """Clients sharing one node account without giving nonces (eth_sendTransaction): the nonce is taken under the
    devchain lock, so all of them are mined, with consecutive nonces."""
    sender, to = server.dev.accounts[6], server.dev.accounts[5]
    nonce = int(rpc(server, "eth_getTransactionCount", sender, "latest")["result"], 16)

    def send(_):
        return rpc(server, "eth_sendTransaction", {"from": sender, "to": to, "value": "0x1"})

    with ThreadPoolExecutor(6) as pool:
        replies = list(pool.map(send, range(24)))
    assert all("result" in r for r in replies), [r for r in replies if "error" in r][:2]
    assert int(rpc(server, "eth_getTransactionCount", sender, "latest")["result"], 16) == nonce + 24
    nonces = sorted(int(rpc(server, "eth_getTransactionByHash", r["result"])["result"]["nonce"], 16) for r in replies)
    assert nonces == list(range(nonce, nonce + 24))


# ---------------------------------------------------------------------------------------------- where it listens

@pytest.mark.parametrize("host,loopback", [("127.0.0.1", True), ("localhost", True), ("::1", True),
                                           ("127.8.9.10", True), ("0.0.0.0", False), ("::", False),
                                           ("192.168.1.20", False), ("example.com", False)])
def test_is_loopback(host, loopback):
    from hemi.server import is_loopback

    assert is_loopback(host) is loopback


def test_default_binding_is_loopback_and_remote_only_when_asked():
    """Without allow_remote the server binds 127.0.0.1 (both ports) and refuses a wildcard address; with it, the
    wildcard is bound and still reachable on loopback."""
    from hemi.devchain import Devchain
    from hemi.errors import HemiValueError
    from hemi.server import DevchainServer

    dev = Devchain(seed=3)
    with DevchainServer(dev, port=0, btc_port=0) as srv:
        assert srv.addresses["http"][0] == "127.0.0.1" and srv.addresses["bitcoin"][0] == "127.0.0.1"
    for host in ("0.0.0.0", "::"):
        with pytest.raises(HemiValueError, match="allow_remote"):
            DevchainServer(dev, host=host, port=0)
    with DevchainServer(dev, host="0.0.0.0", port=0, btc_port=None, allow_remote=True) as srv:
        assert srv.addresses["http"][0] == "0.0.0.0" and srv.url.startswith("http://127.0.0.1:")
        still_serving(srv)
