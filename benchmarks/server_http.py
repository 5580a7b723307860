"""Benchmark of `hemi devchain` over HTTP: the same web3.py script against it and against anvil, with the ratio.

    python benchmarks/server_http.py [--n 200] [--repeat 3] [--skip-anvil] [--skip-inprocess] [--profile]

The script is benchmarks/devchain.py's (imported from it): web3.py's ``HTTPProvider`` (one keep-alive ``requests``
session) with auto-filled transactions, no explicit gas, fees or nonce: N ETH transfers (``send_transaction``),
deploy a counter compiled with ``hemi.compiler.compile``, N ``bump()`` transactions, N ``count()`` ``eth_call``s,
after a warm-up of 10 of each; then ``evm_snapshot`` + ``evm_revert`` over HTTP. Peers:

1. ``hemi devchain --port <free> --no-btc-rpc --quiet`` in a subprocess (the CLI a user runs);
2. anvil (npm ``@foundry-rs/anvil``, pinned in ``benchmarks/_anvil.py``, installed into hemi-sdk's cache if absent);
3. for reference, ``Devchain().w3`` in this process (no HTTP): the gap between 1 and 3 is what the server costs.

The ``--repeat R`` rounds interleave the peers; each figure is the median of the rounds (wall clock: the servers
work in other processes). Target: ``hemi devchain`` at least as fast as anvil (ratio >= 1.0) on each of transfers,
contract transactions and eth_calls; the script exits 1 when one is missed or could not be measured (``--skip-anvil``
judges nothing). ``--profile`` runs the server in this process and prints a cProfile of its request handling
(``Dispatcher.handle_body``: parsing, dispatch, encoding) for the transfer and the bump() loops, grouped by layer.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _anvil  # noqa: E402  (benchmarks/_anvil.py)
from _targets import Verdicts, environment  # noqa: E402
from devchain import (  # noqa: E402
    COUNTER_SOURCE,
    LABELS,
    WARMUP,
    _package_of,
    deploy,
    run_rounds,
    testing_snapshot_revert,
    warm_up,
)

from hemi.rpc.table import handlers  # noqa: E402

TARGET_RATIO = 1.0
_METHOD_FUNCTIONS = {fn.__name__ for fn in handlers().values()}  # the JSON-RPC methods' functions, by name


# ---------------------------------------------------------------------------------------------- hemi devchain


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    req = urllib.request.Request(url, data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}).encode(),
                                 headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=2) as r:
            return "result" in json.loads(r.read())
    except (OSError, ValueError):
        return False


class DevchainProcess:
    """``hemi devchain`` as a user starts it, on a free loopback port; stopped with SIGINT (a clean exit)."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen([sys.executable, "-m", "hemi.cli", "devchain", "--port", str(self.port),
                                      "--no-btc-rpc", "--quiet"], stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                break
            if _answers(self.url):
                return
            time.sleep(0.05)
        self.stop()
        self.log.seek(0)
        raise RuntimeError(f"hemi devchain did not start: {self.log.read().decode(errors='replace')[-800:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(2)  # SIGINT, as Ctrl-C
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


# ---------------------------------------------------------------------------------------------- profile


def profile_server(art, n: int) -> str:
    """cProfile of the server's request handling (Dispatcher.handle_body, run on the server's event loop thread)
    while web3.py runs n transfers, then n bump() transactions, over HTTP against a DevchainServer in this process."""
    from web3 import Web3

    from hemi.devchain import Devchain
    from hemi.server import DevchainServer
    from hemi.server.jsonrpc import Dispatcher

    out = io.StringIO()
    original = Dispatcher.handle_body
    active: dict[str, cProfile.Profile | None] = {"prof": None}

    def handle_body(dispatcher: Any, body: Any, extra: Any = None) -> Any:
        prof = active["prof"]
        if prof is None:
            return original(dispatcher, body, extra)
        prof.enable()  # web3 sends one request at a time: one profiler at a time is enough
        try:
            return original(dispatcher, body, extra)
        finally:
            prof.disable()

    Dispatcher.handle_body = handle_body  # type: ignore[method-assign]
    try:
        for kind in ("transfer", "bump"):
            with DevchainServer(Devchain(), port=0, btc_port=None) as srv:
                w3 = Web3(Web3.HTTPProvider(srv.url))
                a, b = w3.eth.accounts[:2]
                warm_up(w3, [a, b], art)
                c = deploy(w3, art, a)
                active["prof"] = prof = cProfile.Profile()
                t = time.perf_counter()
                if kind == "transfer":
                    for _ in range(n):
                        w3.eth.send_transaction({"from": a, "to": b, "value": 1})
                else:
                    for _ in range(n):
                        c.functions.bump().transact({"from": a})
                wall = time.perf_counter() - t
                active["prof"] = None
            out.write(_report(prof, n, kind, wall))
    finally:
        Dispatcher.handle_body = original  # type: ignore[method-assign]
    return out.getvalue()


def _cum(raw: pstats.Stats, suffix: str, func: str) -> float:
    return sum(ct for (filename, _l, name), (_cc, _nc, _tt, ct, _c) in raw.stats.items()
               if name == func and filename.replace(os.sep, "/").endswith(suffix))


def _report(prof: cProfile.Profile, n: int, kind: str, wall: float) -> str:
    raw = pstats.Stats(prof)
    total = raw.total_tt
    out = io.StringIO()
    out.write(f"\nserver side of {n} {kind}s over HTTP: {total:.2f} s in handle_body under cProfile of {wall:.2f} s "
              f"wall ({total / n * 1e3:.2f} ms a transaction, every RPC call it takes included):\n")
    methods = defaultdict(float)
    for (filename, _l, name), (_cc, _nc, _tt, ct, _c) in raw.stats.items():
        if "hemi/rpc/" in filename.replace(os.sep, "/") and name in _METHOD_FUNCTIONS:
            methods[name] += ct
    rows = [("JSON-RPC dispatch (Dispatcher.handle_body)", _cum(raw, "hemi/server/jsonrpc.py", "handle_body")),
            ("  parsing requests (hemi.jsontext.loads)", _cum(raw, "hemi/jsontext.py", "loads")),
            ("  EthApi.request (all methods)", _cum(raw, "hemi/rpc/api.py", "request")),
            ("    Devchain.include (validate, apply, seal the block)", _cum(raw, "hemi/node/devchain.py", "include")),
            ("      py-evm apply_transaction (deposits included)", _cum(raw, "eth/vm/base.py", "apply_transaction")),
            ("      py-evm VM.finalize_block (state root)", _cum(raw, "eth/vm/base.py", "finalize_block")),
            ("    estimate_gas", _cum(raw, "hemi/hvm/calls.py", "estimate_gas")),
            ("    call", _cum(raw, "hemi/hvm/calls.py", "call")),
            ("  encoding replies (jsonrpc.dumps)", _cum(raw, "hemi/server/jsonrpc.py", "dumps"))]
    for label, v in rows:
        out.write(f"  {v / total * 100:5.1f} %  {v:7.3f} s  {label}\n")
    out.write("  by RPC method (cumulative):\n")
    for name, v in sorted(methods.items(), key=lambda kv: -kv[1])[:8]:
        out.write(f"    {v / total * 100:5.1f} %  {v:7.3f} s  {name}\n")
    by_pkg: dict[str, float] = defaultdict(float)
    for (filename, _l, _f), (_cc, _nc, tt, _ct, _c) in raw.stats.items():
        by_pkg[_package_of(filename)] += tt
    out.write("  self time by package: " + ", ".join(f"{pkg} {tt / total * 100:.1f} %" for pkg, tt in
                                                   sorted(by_pkg.items(), key=lambda kv: -kv[1])[:10]) + "\n")
    return out.getvalue()


# ---------------------------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="transfers, contract calls and eth_calls per round")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds per peer, interleaved; medians kept")
    parser.add_argument("--skip-anvil", action="store_true", help="do not install or run anvil (nothing judged)")
    parser.add_argument("--skip-inprocess", action="store_true", help="no in-process Devchain().w3 reference")
    parser.add_argument("--profile", action="store_true", help="cProfile the server's request handling")
    args = parser.parse_args()
    n, repeat = max(1, args.n), max(1, args.repeat)

    from web3 import Web3

    from hemi.compiler import compile

    art = compile({"Counter.sol": COUNTER_SOURCE})["Counter"]
    notes: list[str] = []
    anvil_ver = "not run (--skip-anvil)" if args.skip_anvil else "unavailable"
    server: DevchainProcess | None = None
    node: _anvil.AnvilNode | None = None
    peers: dict[str, tuple[Any, list[str]]] = {}
    try:
        print("starting and warming up the peers ...", flush=True)
        try:
            server = DevchainProcess()
            w3 = Web3(Web3.HTTPProvider(server.url, request_kwargs={"timeout": 120}))
            peers["hemi devchain"] = (w3, list(w3.eth.accounts))
        except Exception as exc:  # noqa: BLE001 - reported; the other peers still run
            notes.append(f"hemi devchain unavailable: {type(exc).__name__}: {exc}")
        if not args.skip_anvil:
            node, anvil_ver = _anvil.join_peers(peers, notes)
        if not args.skip_inprocess:
            from hemi.devchain import Devchain

            dev = Devchain()
            peers["in-process"] = (dev.w3, list(dev.accounts))
        for name in list(peers):
            try:
                warm_up(*peers[name], art)
            except Exception as exc:  # noqa: BLE001
                notes.append(f"{name} failed in the warm-up: {type(exc).__name__}: {exc}")
                del peers[name]
        results = run_rounds(peers, art, n, repeat, notes)
        print("evm_snapshot + evm_revert ...", flush=True)
        snaps = {name: testing_snapshot_revert(*p, n) for name, p in peers.items()}
    finally:
        if server is not None:
            server.stop()
        if node is not None:
            node.stop()

    print()
    print("\n".join(environment(f"anvil {anvil_ver}")))
    print(f"N = {n} of each per round, warm-up {WARMUP} of each, median of {repeat} interleaved round(s); "
          "web3.py HTTPProvider, auto-filled transactions; wall clock")
    v = Verdicts()
    h, a, p = results.get("hemi devchain"), results.get("anvil"), results.get("in-process")
    v.throughput(LABELS, {"hemi devchain": h, "anvil": a, "in-process": p}, "hemi devchain", "anvil",
                 dict.fromkeys(LABELS, TARGET_RATIO), rival_expected=not args.skip_anvil)
    for peer, r in (("hemi devchain", h), ("anvil", a), ("in-process", p)):
        if r is not None:
            v.info(f"deploy the counter, {peer}", r["deploy_ms"], " ms")
    for peer, ms in snaps.items():
        v.info(f"evm_snapshot + evm_revert, {peer}", ms, " ms")
    v.print()
    for note in notes:
        print("note:", note)
    if args.profile:
        print("profiling the server's request handling ...", flush=True)
        print(profile_server(art, n))
    return v.exit_code()


if __name__ == "__main__":
    sys.exit(main())
