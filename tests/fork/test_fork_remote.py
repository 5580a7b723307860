"""A fork's remote that fails: a bad or unreachable URL fails at start in seconds with a typed error naming it, a
remote that rate-limits or errors is retried with backoff, one that stays down raises a clear error; the on-disk
cache spares a re-run every read."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from hemi import Devchain
from hemi.errors import ForkError, ForkRemoteFailed, ForkUnreachable, ForkValueError, HemiError
from hemi.node.fork.remote import open_remote


class FlakyProxy:
    """An HTTP front of the remote that answers ``fail`` (status, body) to the next ``failures`` requests; a body
    may be a function of the request's JSON (to answer with its ids)."""

    def __init__(self, target: str) -> None:
        self.target, self.failures, self.fail = target, 0, (429, b"")
        self.seen = 0
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                proxy.seen += 1
                if proxy.failures:
                    proxy.failures -= 1
                    status, reply = proxy.fail
                    if callable(reply):
                        reply = reply(json.loads(body))
                    self.send_response(status)
                    self.send_header("Retry-After", "0")
                else:
                    status, reply = 200, requests.post(proxy.target, data=body, timeout=30,
                                                       headers={"Content-Type": "application/json"}).content
                    self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def proxy(remote):
    p = FlakyProxy(remote.url)
    yield p
    p.close()


def test_unreachable_url_fails_fast_naming_it():
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    start = time.monotonic()
    with pytest.raises(ForkUnreachable) as err:
        Devchain(fork_url=url)
    assert time.monotonic() - start < 5
    assert url in str(err.value) and err.value.url == url
    assert isinstance(err.value, ForkError) and isinstance(err.value, HemiError)


@pytest.mark.parametrize("url", ["not a url", "ws://127.0.0.1:8546", ""])
def test_bad_url_is_a_typed_error(url):
    with pytest.raises(ForkUnreachable, match="http"):
        Devchain(fork_url=url)


def test_not_a_json_rpc_node(proxy):
    proxy.failures, proxy.fail = 10, (404, b"<html>not here</html>")
    with pytest.raises(ForkUnreachable, match=proxy.url):
        Devchain(fork_url=proxy.url)


def test_fork_block_above_the_head(remote):
    with pytest.raises(ForkValueError, match=f"above the remote's head {remote.dev.engine.head_number}"):
        Devchain(fork_url=remote.url, fork_block=remote.fork_block + 1000)
    with pytest.raises(ForkValueError):
        Devchain(fork_url=remote.url, fork_block=-1)


def test_rate_limits_and_server_errors_are_retried(remote, proxy):
    slept: list[float] = []
    fork = open_remote(proxy.url, block=remote.fork_block, disk_cache=False)
    fork.transport.sleep = slept.append
    proxy.failures, proxy.fail = 2, (429, b"")
    assert fork.account(bytes.fromhex(remote.whale[2:]))[0] == 5 * 10**18
    proxy.failures, proxy.fail = 1, (503, b"")
    assert fork.storage(bytes.fromhex(remote.counter[2:]), 0) == 42
    # a JSON-RPC rate-limit error (EIP-1474 -32005) inside a 200 answer is retried too
    proxy.failures, proxy.fail = 1, (200, json.dumps([{"jsonrpc": "2.0", "id": 0, "error": {
        "code": -32005, "message": "limit exceeded"}}]).encode())
    fork._memory.clear()
    assert fork.storage(bytes.fromhex(remote.counter[2:]), 0) == 42
    assert len(slept) == 4 and slept[:2] == [0.0, 0.0]  # Retry-After: 0 is honoured; backoff otherwise


def test_a_remote_that_stays_down_raises_naming_it(remote, proxy):
    fork = Devchain(fork_url=proxy.url, fork_block=remote.fork_block, fork_cache=False)
    fork.fork.transport.backoff = 0.001
    proxy.failures, proxy.fail = 100, (503, b"")
    with pytest.raises(ForkRemoteFailed, match=f"fork remote {proxy.url}: .*HTTP 503"):
        fork.w3.eth.get_balance(remote.whale)
    assert proxy.seen >= 5  # the start, then 1 + 4 retries
    proxy.failures = 0
    assert fork.w3.eth.get_balance(remote.whale) == 5 * 10**18  # and works again once the remote is back


def test_disk_cache_spares_a_rerun(remote, tmp_path):
    def run() -> list[str]:
        since = len(remote.requests)
        fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache_dir=tmp_path)
        assert fork.w3.eth.get_balance(remote.whale) == 5 * 10**18
        assert fork.w3.eth.get_storage_at(remote.counter, 0) == (42).to_bytes(32, "big")
        fork.w3.eth.call({"to": "0x" + "00" * 19 + "44"})
        return sorted(m for m, _ in remote.requests[since:])

    assert len(run()) > 5
    assert run() == ["eth_blockNumber", "eth_chainId", "eth_getBlockByNumber"]  # the start's batch only
    assert list(tmp_path.glob(f"{remote.dev.config.chain_id}-{remote.fork_block}-*.sqlite"))
    since = len(remote.requests)
    Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache=False,
             fork_cache_dir=tmp_path).w3.eth.get_balance(remote.whale)
    assert remote.count("eth_getBalance", remote.whale, hex(remote.fork_block), since=since) == 1


def test_an_unwritable_cache_directory_only_costs_refetching(remote, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    fork = Devchain(fork_url=remote.url, fork_block=remote.fork_block, fork_cache_dir=blocker / "cache")
    assert fork.fork.disk.path is None
    assert fork.w3.eth.get_balance(remote.whale) == 5 * 10**18


def test_a_node_error_on_a_forwarded_precompile_call_is_raised_and_not_cached(remote, proxy):
    """Only an execution error (geth's 3 / -32000) is the precompile's answer; a node's internal error (-32603) is
    ForkRemoteFailed, and the next call asks again (a transient failure must not become a cached failure)."""
    fork = Devchain(fork_url=proxy.url, fork_block=remote.fork_block, fork_cache=False)
    to, data = "0x" + "00" * 19 + "40", remote.btc_address.encode()
    proxy.failures, proxy.fail = 1, (200, lambda batch: json.dumps([
        {"jsonrpc": "2.0", "id": call["id"], "error": {"code": -32603, "message": "internal error"}}
        for call in batch]).encode())
    with pytest.raises(ForkRemoteFailed, match="internal error"):
        fork.w3.eth.call({"to": to, "data": data})
    assert int.from_bytes(fork.w3.eth.call({"to": to, "data": data}), "big") > 0
