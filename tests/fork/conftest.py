"""The remote of the fork tests: our own ``hemi devchain`` server (no internet in CI), one for all of them.

Before the fork point the remote deploys contracts (a counter with storage, a BLOCKHASH reader, a contract that
STATICCALLs an hVM precompile), funds an account that has no key on the fork, mines Bitcoin with a payment in it
and moves its hVM view. Every JSON-RPC request the remote receives is recorded (method and params), so tests can
count what the fork fetched; the recording wraps the server's dispatcher, the chain underneath is the real one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pytest
import requests

from hemi.btc import COIN
from hemi.node.devchain import Devchain
from hemi.server import DevchainServer

# Hand-assembled EVM code (small enough to check by eye; no compiler needed)
# counter: each call increments slot 0 and returns the new value
COUNTER_RUNTIME = bytes.fromhex("600054600101806000556000526020" "6000f3")
# blockhash: returns BLOCKHASH(calldata[0:32])
BLOCKHASH_RUNTIME = bytes.fromhex("600035" "40" "600052" "6020" "6000" "f3")
# hvm proxy: STATICCALL 0x40 + calldata[0] with calldata[1:], return what it returned (reverts if the call failed)
HVM_PROXY_RUNTIME = bytes.fromhex(
    "600136" "03" "80" "6001" "6000" "37"  # size = CALLDATASIZE - 1; CALLDATACOPY(0, 1, size)
    "6000" "6000" "91" "6000" "6000" "35" "60f8" "1c" "6040" "01" "5a" "fa"  # STATICCALL(gas, 0x40+b, 0, size, 0, 0)
    "3d" "6000" "6000" "3e"  # RETURNDATACOPY(0, 0, RETURNDATASIZE)
    "6029" "57" "3d" "6000" "fd" "5b" "3d" "6000" "f3")  # success ? RETURN : REVERT


def deploy_code(runtime: bytes, slot0: int = 0) -> bytes:
    """Init code that stores ``slot0`` in slot 0 (if nonzero) and returns ``runtime``."""
    head = bytes.fromhex(f"60{slot0:02x}600055") if slot0 else b""
    size = len(runtime)
    tail_len = 12
    return head + bytes.fromhex(f"60{size:02x}60{len(head) + tail_len:02x}600039" f"60{size:02x}6000f3") + runtime


def rpc(url: str, method: str, *params: Any) -> Any:
    reply = requests.post(url, json={"jsonrpc": "2.0", "id": 1, "method": method, "params": list(params)},
                          timeout=30).json()
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["result"]


@dataclass
class Remote:
    dev: Devchain
    server: DevchainServer
    url: str
    fork_block: int
    counter: str
    blockhash: str
    proxy: str
    whale: str  # funded on the remote, no key on the fork
    btc_address: str
    txid: str  # a Bitcoin payment the remote's hVM view holds
    requests: list[tuple[str, str]] = field(default_factory=list)

    def count(self, method: str, *params: Any, since: int = 0) -> int:
        """How many times the remote received ``method`` with ``params`` (from request number ``since`` on)."""
        key = json.dumps(list(params))
        return sum(1 for m, p in self.requests[since:] if m == method and p == key)

    def methods(self) -> set[str]:
        return {m for m, _ in self.requests}


def _record(server: DevchainServer, log: list[tuple[str, str]]) -> None:
    handle = server.dispatcher.handle_body

    def recording(body: bytes | str, extra: Any = None) -> Any:
        try:
            request = json.loads(body)
        except ValueError:
            request = None
        for r in request if isinstance(request, list) else [request]:
            if isinstance(r, dict):
                log.append((str(r.get("method")), json.dumps(r.get("params", []))))
        return handle(body, extra)

    server.dispatcher.handle_body = recording  # type: ignore[method-assign]


def _send(dev: Devchain, **tx: Any) -> Any:
    w3 = dev.w3
    receipt = w3.eth.wait_for_transaction_receipt(w3.eth.send_transaction({"from": dev.accounts[0], **tx}))
    assert receipt.status == 1
    return receipt


@pytest.fixture(scope="session", autouse=True)
def _fork_cache_in_tmp(tmp_path_factory):
    """Forks made with the on-disk cache on keep it in a temporary directory, not in the user's cache."""
    mp = pytest.MonkeyPatch()
    mp.setenv("HEMI_FORK_CACHE_DIR", str(tmp_path_factory.mktemp("fork-cache")))
    yield
    mp.undo()


@pytest.fixture(scope="session")  # one per session (per xdist worker): tests never leave changes on it
def remote():
    dev = Devchain(seed=11)
    btc = dev.btc
    alice, bob = btc.wallet("alice"), btc.wallet("bob")
    btc.mine(101, to=alice.address)
    txid = alice.send(bob.address, 3 * COIN)
    btc.mine(5)  # past the hVM indexer's lag: the payment is indexed (balances, confirmations)
    dev.sync_btc()
    counter = _send(dev, data=deploy_code(COUNTER_RUNTIME, slot0=42)).contractAddress
    blockhash = _send(dev, data=deploy_code(BLOCKHASH_RUNTIME)).contractAddress
    proxy = _send(dev, data=deploy_code(HVM_PROXY_RUNTIME)).contractAddress
    whale = "0x" + "77" * 20
    _send(dev, to=whale, value=5 * 10**18)
    dev.mine(3)
    server = DevchainServer(dev, port=0, btc_port=None)
    server.start()
    r = Remote(dev, server, f"http://127.0.0.1:{server.port}", dev.engine.head_number, counter, blockhash, proxy,
               whale, bob.address, str(txid))
    _record(server, r.requests)
    try:
        yield r
    finally:
        server.stop()
