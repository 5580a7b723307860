"""The Bitcoin Core RPC port's credentials, as bitcoind's (bitcoin/bitcoin src/httprpc.cpp: HTTP Basic, 401 with
``WWW-Authenticate: Basic realm="jsonrpc"`` otherwise; src/rpc/request.cpp: the ``__cookie__:<hex>`` cookie file,
readable by its owner only, deleted at shutdown)."""

from __future__ import annotations

import base64
import json
import stat

import pytest
from security_helpers import chain_state, request

from hemi.devchain import Devchain
from hemi.server import DevchainServer
from hemi.server.auth import COOKIE_USER, read_cookie


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def generate(server, authorization):
    address = server.dev.btc.wallet("alice").address
    body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": "generatetoaddress", "params": [1, address]}).encode()
    return request(server.btc_port, "POST", body, {"Content-Type": "application/json",
                                                   "Authorization": authorization})


@pytest.mark.parametrize("authorization", [None, basic("hemi", "hemi"), basic(COOKIE_USER, "wrong"),
                                           basic("", ""), "Bearer x", "Basic !!!notbase64"])
def test_missing_or_wrong_credentials_get_401_and_mine_nothing(server, authorization):
    before = chain_state(server)
    status, headers, _ = generate(server, authorization)
    assert status == 401 and headers["www-authenticate"] == 'Basic realm="jsonrpc"'
    assert chain_state(server) == before


def test_cookie_file_holds_working_credentials_readable_by_owner_only(server):
    path = server.cookie_path
    assert path is not None and path.name == ".cookie"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    creds = read_cookie(path)
    assert creds.user == COOKIE_USER and len(creds.password) == 64
    height = server.dev.btc.height
    status, _, reply = generate(server, basic(*creds))
    assert status == 200 and len(reply["result"]) == 1 and server.dev.btc.height == height + 1


def test_python_bitcoinlib_connects_with_the_url(server):
    import bitcoin
    import bitcoin.rpc

    bitcoin.SelectParams("regtest")
    assert bitcoin.rpc.Proxy(service_url=server.btc_url).getblockcount() == server.dev.btc.height
    bad = server.btc_url.replace(server.btc_credentials.password, "0" * 64)
    with pytest.raises(bitcoin.rpc.JSONRPCError, match="401 Unauthorized"):  # python-bitcoinlib's code -342
        bitcoin.rpc.Proxy(service_url=bad).getblockcount()


def test_fixed_credentials_and_cookie_removed_at_stop(tmp_path):
    dev = Devchain(seed=2)
    with DevchainServer(dev, port=0, btc_port=0, rpc_user="alice", rpc_password="s3cret") as srv:
        assert srv.btc_url.startswith("http://alice:s3cret@127.0.0.1:")
        assert generate(srv, basic("alice", "s3cret"))[0] == 200
        assert generate(srv, basic("alice", "wrong"))[0] == 401
    srv = DevchainServer(dev, port=0, btc_port=0, cookie_dir=tmp_path)
    with srv:
        cookie = srv.cookie_path
        assert cookie.exists() and read_cookie(cookie).password == srv.btc_credentials.password
        first = srv.btc_credentials.password
    assert not cookie.exists()
    assert DevchainServer(dev, port=0, btc_port=0).btc_credentials.password != first  # a new one per run


def test_in_process_transport_needs_no_credentials(server):
    """The Python API and the in-process transport stay credential-free: nothing crosses a socket."""
    from hemi.btc.rpc import proxy

    assert proxy(server.dev.btc).getblockcount() == server.dev.btc.height


def test_bitcoin_port_refuses_a_rebound_host_even_with_credentials(server):
    before = chain_state(server)
    address = server.dev.btc.wallet("alice").address
    body = json.dumps({"jsonrpc": "1.0", "id": 1, "method": "generatetoaddress", "params": [1, address]}).encode()
    status, _, _ = request(server.btc_port, "POST", body, {"Host": "attacker.example:18443",
                                                           "Authorization": basic(*server.btc_credentials)})
    assert status == 403 and chain_state(server) == before


def test_a_batch_over_the_limit_runs_nothing_on_the_bitcoin_port(server):
    """The Ethereum port refused batches over --max-batch but the Bitcoin port took any: 50,000 requests fit in a
    5 MiB body, and each may mine up to --max-blocks-per-call blocks. Refused whole, before anything runs."""
    creds = read_cookie(server.cookie_path)
    address = server.dev.btc.wallet("alice").address
    item = {"jsonrpc": "2.0", "id": 1, "method": "generatetoaddress", "params": [1, address]}
    height = server.dev.btc.height
    status, _, reply = request(server.btc_port, "POST", json.dumps([item] * (server.limits.max_batch + 1)).encode(),
                               {"Content-Type": "application/json", "Authorization": basic(*creds)})
    assert status == 400 and "batch too large" in reply["error"]["message"] and server.dev.btc.height == height
    status, _, reply = request(server.btc_port, "POST", json.dumps([item] * 2).encode(),
                               {"Content-Type": "application/json", "Authorization": basic(*creds)})
    assert status == 200 and len(reply) == 2 and server.dev.btc.height == height + 2
