"""Requests per second that `hemi devchain` answers over HTTP, with a client that costs next to nothing.

    python benchmarks/server_requests.py [--n 500] [--repeat 3]

Starts ``hemi devchain --port 0 --no-btc-rpc --quiet`` in a subprocess, deploys the counter of
benchmarks/devchain.py, then sends on one keep-alive connection (``http.client``, bodies prepared beforehand):
N ``eth_sendTransaction`` ETH transfers (automine: a block each), N ``eth_call`` of ``count()`` and N
``eth_chainId`` (a method that does nothing: the floor, what HTTP and dispatch alone cost). The client does
no JSON decoding in the timed loop (it checks the reply's status and that it has a ``result``), so the figures are
the server's: its HTTP handling, JSON-RPC dispatch and the method itself. Each of ``--repeat`` rounds times the
loops; the best round is printed, as requests per second (wall clock) and as the server process's CPU time per
request (Linux: ``/proc/<pid>/schedstat``, nanoseconds on a CPU, so the figure holds on a busy shared machine where
the wall clock does not). Nothing asserts; the script exits 0 (a benchmark, not a test).
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from devchain import COUNTER_SOURCE  # benchmarks/devchain.py (the script's folder is on sys.path)

from hemi.compiler import compile as hemi_compile

ROOT = Path(__file__).resolve().parent.parent
COUNT_SELECTOR = "0x06661abd"  # count()


def start_server() -> tuple[subprocess.Popen[str], str, int]:
    """``hemi devchain`` on a free port; returns the process and the host and port it printed."""
    proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", "0", "--no-btc-rpc", "--quiet"],
                            stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()  # "http http://127.0.0.1:PORT"
    url = line.split()[1]
    host, port = url.removeprefix("http://").rsplit(":", 1)
    return proc, host, int(port)


class Client:
    """One keep-alive HTTP/1.1 connection sending JSON-RPC bodies."""

    def __init__(self, host: str, port: int) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=30)
        self.headers = {"Content-Type": "application/json"}

    def raw(self, body: bytes) -> bytes:
        self.conn.request("POST", "/", body, self.headers)
        reply = self.conn.getresponse()
        data = reply.read()
        if reply.status != 200 or b'"result"' not in data:
            raise RuntimeError(f"HTTP {reply.status}: {data[:300]!r}")
        return data

    def call(self, method: str, params: list[Any]) -> Any:
        body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}).encode()
        return json.loads(self.raw(body))["result"]


def bodies(method: str, params: list[Any], n: int) -> list[bytes]:
    return [json.dumps({"jsonrpc": "2.0", "id": i, "method": method, "params": params}).encode() for i in range(n)]


def cpu_ns(pid: int) -> int | None:
    """Nanoseconds process ``pid`` has run on a CPU (all its threads), or None where /proc has no schedstat."""
    total = 0
    try:
        for task in Path(f"/proc/{pid}/task").iterdir():
            total += int((task / "schedstat").read_text().split()[0])
    except OSError:
        return None
    return total


def rate(client: Client, prepared: list[bytes], pid: int) -> tuple[float, float]:
    """(requests per second, server CPU microseconds per request; 0 when unknown)."""
    cpu0 = cpu_ns(pid)
    t = time.perf_counter()
    for body in prepared:
        client.raw(body)
    wall = time.perf_counter() - t
    cpu1 = cpu_ns(pid)
    cpu = (cpu1 - cpu0) / 1e3 / len(prepared) if cpu0 is not None and cpu1 is not None else 0.0
    return len(prepared) / wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--n", type=int, default=500, help="requests per loop")
    parser.add_argument("--repeat", type=int, default=3, help="rounds (the best is printed)")
    args = parser.parse_args()
    code = hemi_compile({"Counter.sol": COUNTER_SOURCE})["Counter"].bytecode
    proc, host, port = start_server()
    try:
        client = Client(host, port)
        alice, bob = client.call("eth_accounts", [])[:2]
        tx = client.call("eth_sendTransaction", [{"from": alice, "data": code}])
        counter = client.call("eth_getTransactionReceipt", [tx])["contractAddress"]
        transfer = bodies("eth_sendTransaction", [{"from": alice, "to": bob, "value": "0x1"}], args.n)
        loops = {"transfer": transfer,
                 "eth_call": bodies("eth_call", [{"to": counter, "data": COUNT_SELECTOR}, "latest"], args.n),
                 "eth_chainId": bodies("eth_chainId", [], args.n)}
        for prepared in loops.values():
            rate(client, prepared[:20], proc.pid)  # warm-up
        rates = {name: 0.0 for name in loops}
        cpus = {name: float("inf") for name in loops}
        for _ in range(args.repeat):
            for name, prepared in loops.items():
                per_s, cpu = rate(client, prepared, proc.pid)
                rates[name], cpus[name] = max(rates[name], per_s), min(cpus[name], cpu)
        print(f"best of {args.repeat} rounds of {args.n} requests")
        for name in loops:
            print(f"{name:11s} {rates[name]:8.0f} requests/s  server CPU {cpus[name]:8.0f} us/request")
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    main()
