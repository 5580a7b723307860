"""Server CPU per trivial JSON-RPC request, for each candidate HTTP/WebSocket stack of ``hemi devchain``, in one run.

    python benchmarks/server_stack.py [--n 3000] [--repeat 3] [--skip-anvil]

Every candidate serves the same thing in its own process: a ``Devchain`` behind hemi's JSON-RPC ``Dispatcher``
(so the figure is the devchain's whole per-request cost, transport + parsing + dispatch). The client (this process)
sends ``eth_chainId`` then ``eth_blockNumber`` N times each over ONE keep-alive connection (``http.client``), one
request at a time, and reads the server process's CPU time (user + system, all threads, ``/proc/<pid>/stat``)
before and after: CPU microseconds per request, which is what a busy laptop pays, independent of the client.

Candidates:

- ``stdlib``: ``http.server.ThreadingHTTPServer`` (the hand-rolled stack hemi-sdk had before);
- ``aiohttp``: ``aiohttp.web`` on asyncio, the dispatch run on the event loop thread;
- ``aiohttp-executor``: the same, the dispatch run in a one-thread executor (the loop stays free during a call);
- ``aiohttp-uvloop``: ``aiohttp`` on uvloop (libuv's event loop) instead of asyncio's;
- ``uvicorn-starlette``: starlette on uvicorn with httptools (uvicorn's fastest pure-Python-event-loop setup);
- ``hemi``: ``hemi devchain`` itself as the CLI runs it (whatever stack this checkout has);
- ``anvil``: Foundry's node (npm ``@foundry-rs/anvil``, see ``benchmarks/_anvil.py``), the reference.

With ``--repeat R`` the candidates are interleaved R times and the lowest figure of each is kept (the machine is
shared; the minimum is the least disturbed). Nothing asserts; the script exits 0.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CANDIDATES = ("stdlib", "aiohttp", "aiohttp-executor", "aiohttp-uvloop", "uvicorn-starlette", "hemi")


# ---------------------------------------------------------------------------------------------- servers (children)


def _dispatcher():
    from hemi.devchain import Devchain
    from hemi.rpc import EthApi
    from hemi.server.jsonrpc import Dispatcher

    return Dispatcher(EthApi(Devchain()))


def serve_stdlib(port: int) -> None:
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    disp = _dispatcher()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a: object) -> None:
            pass

        def do_POST(self) -> None:  # noqa: N802
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            out = disp.handle_body(body) or b""
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(out)))
            self.end_headers()
            self.wfile.write(out)

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def get_request(self):  # type: ignore[no-untyped-def]
            sock, addr = super().get_request()
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock, addr

    Server(("127.0.0.1", port), Handler).serve_forever()


def serve_aiohttp(port: int, executor: bool, uvloop: bool = False) -> None:
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    from aiohttp import web

    disp = _dispatcher()
    pool = ThreadPoolExecutor(1)

    async def post(request: web.Request) -> web.Response:
        body = await request.read()
        if executor:
            out = await asyncio.get_running_loop().run_in_executor(pool, disp.handle_body, body)
        else:
            out = disp.handle_body(body)
        return web.Response(body=out or b"", content_type="application/json")

    app = web.Application()
    app.router.add_post("/", post)
    loop = None
    if uvloop:
        import uvloop as libuv

        loop = libuv.new_event_loop()
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None, loop=loop)


def serve_starlette(port: int) -> None:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.routing import Route

    disp = _dispatcher()

    async def post(request: Request) -> Response:
        out = disp.handle_body(await request.body())
        return Response(out or b"", media_type="application/json")

    app = Starlette(routes=[Route("/", post, methods=["POST"])])
    uvicorn.run(app, host="127.0.0.1", port=port, http="httptools", loop="asyncio", log_level="error",
                access_log=False, lifespan="off")


# ---------------------------------------------------------------------------------------------- client (parent)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime, all threads


class Target:
    def __init__(self, name: str, port: int, proc: subprocess.Popen, pid: int | None = None) -> None:
        self.name, self.port, self.proc = name, port, proc
        self.pid = pid or proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def _wait(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", "/", json.dumps({"jsonrpc": "2.0", "id": 1, "method": "eth_chainId"}),
                         {"Content-Type": "application/json"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not answer")


def start(name: str) -> Target:
    port = _free_port()
    env = dict(os.environ)
    if name == "anvil":
        import _anvil

        node = _anvil.start_anvil()
        return Target(name, node.port, node.proc)
    if name == "hemi":
        cmd = [sys.executable, "-m", "hemi.cli", "devchain", "--port", str(port), "--no-btc-rpc", "--quiet"]
    else:
        cmd = [sys.executable, __file__, "--serve", name, "--port", str(port)]
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env=env)
    _wait(port, proc)
    return Target(name, port, proc)


def measure(target: Target, method: str, n: int) -> float:
    """Server CPU µs per request of ``method`` over one keep-alive connection."""
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=30)
    conn.connect()
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": []}).encode()
    headers = {"Content-Type": "application/json"}

    def one() -> None:
        conn.request("POST", "/", body, headers)
        resp = conn.getresponse()
        data = resp.read()
        assert resp.status == 200 and b'"result"' in data, data

    for _ in range(200):  # warm-up
        one()
    before = _cpu_seconds(target.pid)
    for _ in range(n):
        one()
    used = _cpu_seconds(target.pid) - before
    conn.close()
    return used / n * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--serve", help=argparse.SUPPRESS)
    ap.add_argument("--port", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=3000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-anvil", action="store_true")
    ap.add_argument("--only", nargs="*", default=None)
    args = ap.parse_args()
    if args.serve:
        {"stdlib": lambda: serve_stdlib(args.port), "aiohttp": lambda: serve_aiohttp(args.port, False),
         "aiohttp-executor": lambda: serve_aiohttp(args.port, True),
         "aiohttp-uvloop": lambda: serve_aiohttp(args.port, False, uvloop=True),
         "uvicorn-starlette": lambda: serve_starlette(args.port)}[args.serve]()
        return
    names = list(args.only or CANDIDATES) + ([] if args.skip_anvil or args.only else ["anvil"])
    best: dict[tuple[str, str], float] = {}
    for _ in range(args.repeat):
        for name in names:
            try:
                target = start(name)
            except Exception as exc:  # noqa: BLE001 - report and go on with the others
                print(f"{name}: unavailable ({exc})", file=sys.stderr)
                continue
            try:
                for method in ("eth_chainId", "eth_blockNumber"):
                    us = measure(target, method, args.n)
                    key = (name, method)
                    best[key] = min(us, best.get(key, us))
            finally:
                target.stop()
    print(f"server CPU per request (µs, best of {args.repeat}, {args.n} keep-alive requests each)")
    print(f"{'stack':20} {'eth_chainId':>12} {'eth_blockNumber':>16}")
    for name in names:
        row = [best.get((name, m)) for m in ("eth_chainId", "eth_blockNumber")]
        cells = (f"{'-' if v is None else f'{v:.0f}':>{w}}" for v, w in zip(row, (12, 16), strict=True))
        print(f"{name:20} " + " ".join(cells))


if __name__ == "__main__":
    main()
