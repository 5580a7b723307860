"""What a web page in the developer's browser can send to the devchain: foreign origins, DNS rebinding (a foreign
Host), look-alike origins, simple (text/plain) POSTs, preflights, WebSocket upgrades. Each is refused before any
dispatch, with the chain unchanged; scripts (no Origin) and local dapps (loopback origins) keep working.
Anchors: geth's --http.vhosts (default localhost) and --http.corsdomain / --ws.origins (default: none), anvil's
--allow-origin; ethereum/go-ethereum node/rpcstack.go (virtualHostHandler: 403 for a Host not allowed) and
rpc/http.go (validateRequest: 415 for other content types)."""

from __future__ import annotations

import base64
import os
import socket

import pytest
from security_helpers import VICTIM, chain_state, post, request, rpc_body, set_balance_attack

from hemi.devchain import Devchain
from hemi.server import DevchainServer

JSON = {"Content-Type": "application/json"}


@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost.evil.example",
                                    "http://127.0.0.1.nip.io:8545", "null", "http://localhost@evil.example",
                                    "file://", "chrome-extension://abcdef"])
def test_foreign_origin_is_refused(server, origin):
    before = chain_state(server)
    status, reply = set_balance_attack(server, {**JSON, "Origin": origin})
    assert status == 403 and "not allowed" in reply["error"]["message"]
    assert chain_state(server) == before


@pytest.mark.parametrize("host", ["attacker.example", "attacker.example:8545", "localhost.evil.example",
                                  "127.0.0.1.evil.example", "192.168.1.20"])
def test_dns_rebinding_host_is_refused(server, host):
    """A rebound domain keeps its name in the Host header; the request comes from no Origin at all when the page
    is on that same (rebound) origin... so only the Host check stops it."""
    before = chain_state(server)
    status, reply = set_balance_attack(server, {**JSON, "Host": host})
    assert status == 403 and "invalid host" in reply["error"]["message"]
    status, _, _ = request(server.port, "GET", headers={"Host": host}, path="/")  # health and BFG too
    assert status == 403
    assert chain_state(server) == before


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:1", "127.0.0.1", "[::1]:9"])
def test_loopback_hosts_any_port_are_served(server, host):
    status, _, reply = request(server.port, "POST", rpc_body("eth_chainId"), {**JSON, "Host": host})
    assert status == 200 and reply["result"] == hex(server.dev.config.chain_id)


@pytest.mark.parametrize("content_type", ["text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_simple_cors_posts_are_refused(server, content_type):
    """A page may POST without a preflight only as text/plain, a form, multipart or with no type: all get 415, from
    an allowed origin as much as without one; nothing runs."""
    before = chain_state(server)
    for origin in (None, "http://localhost:3000"):
        status, reply = set_balance_attack(server, {"Content-Type": content_type, "Origin": origin})
        assert status == 415 and "application/json" in reply["error"]["message"]
    assert chain_state(server) == before


def test_preflight_from_foreign_origin_is_refused(server):
    status, headers, _ = request(server.port, "OPTIONS", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 403 and "access-control-allow-origin" not in headers


def test_allowed_origin_gets_its_own_origin_back_never_star(server):
    origin = "https://127.0.0.1:4443"
    status, headers, _ = request(server.port, "OPTIONS", headers={
        "Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["access-control-allow-origin"] == origin
    assert headers["access-control-allow-headers"] == "Content-Type, Authorization"
    status, headers, reply = request(server.port, "POST", rpc_body("eth_chainId"), {**JSON, "Origin": origin})
    assert status == 200 and headers["access-control-allow-origin"] == origin and "origin" in headers["vary"].lower()
    status, headers, _ = post(server, rpc_body("eth_chainId"))  # a script: no Origin, no CORS headers
    assert status == 200 and "access-control-allow-origin" not in headers


def _ws_upgrade(port: int, origin: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    req = (f"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\nOrigin: {origin}\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        s.sendall(req)
        return s.recv(4096)


def test_websocket_from_foreign_origin_is_refused(server):
    """Browsers send Origin on every WebSocket and apply no CORS to it: the Origin check is the only guard."""
    assert _ws_upgrade(server.port, "https://evil.example").split(b"\r\n", 1)[0].split()[1] == b"403"
    assert _ws_upgrade(server.port, "http://localhost:5173").split(b"\r\n", 1)[0].split()[1] == b"101"


def test_allow_origin_star_and_extra_origins_are_explicit_opt_ins():
    """--allow-origin adds origins (one without a port: any port); '*' lets every page in and the banner warns."""
    from hemi.server.cli_options import banner_lines

    dev = Devchain(seed=1)
    with DevchainServer(dev, port=0, btc_port=None, allow_origins=["https://app.example"]) as srv:
        before = chain_state(srv)
        assert set_balance_attack(srv, {**JSON, "Origin": "https://app.example:8443"})[0] == 200
        assert set_balance_attack(srv, {**JSON, "Origin": "https://evil.example"})[0] == 403
        assert chain_state(srv) != before  # the allowed page could act
        assert not any("Warning" in line for line in banner_lines(srv))
    with DevchainServer(dev, port=0, btc_port=None, allow_origins=["*"], allow_hosts=["rebind.example"]) as srv:
        status, headers, _ = request(srv.port, "POST", rpc_body("eth_chainId"),
                                     {**JSON, "Origin": "https://evil.example", "Host": "rebind.example"})
        assert status == 200 and headers["access-control-allow-origin"] == "*"
        assert any("Warning" in line and "every web page" in line for line in banner_lines(srv))


def test_a_wallet_extension_is_an_origin_that_can_be_allowed():
    """A wallet extension (MetaMask: ``chrome-extension://nkbih...``) sends its own origin; it is refused by default,
    as any origin, and the refusal names the --allow-origin that lets it in (the flag refused such origins as
    malformed, which left only '*')."""
    metamask = "chrome-extension://nkbihfbeogaeaoehlefnkodbefgpgknn"
    dev = Devchain(seed=1)
    with DevchainServer(dev, port=0, btc_port=None) as srv:
        status, reply = set_balance_attack(srv, {**JSON, "Origin": metamask})
        assert status == 403 and f"--allow-origin {metamask}" in reply["error"]["message"]
    with DevchainServer(dev, port=0, btc_port=None, allow_origins=[metamask]) as srv:
        assert set_balance_attack(srv, {**JSON, "Origin": metamask})[0] == 200
        assert set_balance_attack(srv, {**JSON, "Origin": "chrome-extension://otherextensionid"})[0] == 403
        assert set_balance_attack(srv, {**JSON, "Origin": "moz-extension://" + metamask[19:]})[0] == 403


def test_victim_balance_untouched_after_all_browser_attacks(server):
    from security_helpers import rpc

    assert rpc(server, "eth_getBalance", VICTIM, "latest")["result"] == "0x0"
