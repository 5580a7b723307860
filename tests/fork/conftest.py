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
from fork_helpers import BLOCKHASH_RUNTIME, COUNTER_RUNTIME, HVM_PROXY_RUNTIME, deploy_code

from hemi.btc import COIN
from hemi.devchain import Devchain
from hemi.server import DevchainServer


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
