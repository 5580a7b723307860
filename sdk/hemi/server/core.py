"""DevchainServer: a Devchain behind real sockets (Ethereum JSON-RPC + WebSocket + BFG on one port, Bitcoin Core
RPC on another), served by aiohttp on an event loop in a thread of its own, with optional interval mining of both
chains. One lock serialises every request and timer."""

from __future__ import annotations

import asyncio
import logging
import socket
import threading
from collections.abc import Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from aiohttp import web

try:  # libuv's event loop: 9-40 % less server CPU per request than asyncio's (benchmarks/server_stack.py)
    from uvloop import new_event_loop
except ImportError:  # Windows, where uvloop does not build: asyncio's own loop serves the same requests
    from asyncio import new_event_loop  # type: ignore[assignment]

from hemi.errors import HemiValueError
from hemi.node.pop.finality_wire import keystone_finality_http
from hemi.rpc import EthApi

from .app import build_btc_app, build_eth_app
from .auth import Credentials, fixed_credentials, random_credentials, remove_cookie, write_cookie
from .bitcoin import CappedCoreRPC
from .guard import DEFAULT_HOST, AccessPolicy, is_loopback
from .jsonrpc import Dispatcher
from .limits import Limits
from .ws import Session, Subscriptions

log = logging.getLogger("hemi.server")

DEFAULT_PORT = 8545
DEFAULT_BTC_PORT = 18443
MAX_BODY = Limits.max_body
KEEPALIVE_TIMEOUT = 120.0  # seconds an idle keep-alive connection is kept (geth's HTTP idle timeout)


__all__ = ["DEFAULT_BTC_PORT", "DEFAULT_HOST", "DEFAULT_PORT", "MAX_BODY", "DevchainServer", "ListenError",
           "is_loopback"]


class ListenError(OSError):
    """One of the server's ports could not be opened: ``which`` is ``"http"`` (JSON-RPC, WebSocket, BFG) or
    ``"bitcoin"``, ``port`` the port asked for; ``errno`` is the socket's (``EADDRINUSE``: already in use)."""

    def __init__(self, err: OSError, which: str, port: int) -> None:
        super().__init__(err.errno, err.strerror)
        self.which, self.port = which, port


class DevchainServer:
    """Serve ``dev`` over HTTP/WebSocket (``port``) and Bitcoin Core RPC (``btc_port``; None: no Bitcoin port).

    Port 0 picks a free port; :attr:`port`, :attr:`btc_port` and :attr:`urls` give the bound ones after
    :meth:`start`. Binding a non-loopback ``host`` needs ``allow_remote=True`` (the dev accounts' keys are public).
    ``block_time`` (seconds) turns automine off and mines an L2 block every interval; ``btc_block_time`` mines a
    Bitcoin block every interval. Use as a context manager or call :meth:`start` / :meth:`stop`. Code that touches
    ``dev`` directly while the server runs should hold :attr:`lock` (``with server.lock: dev.superfinalize()``).

    Security (docs/security.md): ``allow_hosts`` / ``allow_origins`` extend the Host and Origin allowlists
    (``"*"`` opens either); ``limits`` holds the caps. The Bitcoin port takes ``rpc_user``/``rpc_password`` or, by
    default, a random password per run (:attr:`btc_credentials`; :attr:`btc_url` carries them); with ``cookie_dir``
    the credentials are also written to ``cookie_dir/.cookie`` (mode 0600) while the server runs, as bitcoind does.
    """

    def __init__(self, dev: Any = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 btc_port: int | None = DEFAULT_BTC_PORT, allow_remote: bool = False,
                 block_time: float | None = None, btc_block_time: float | None = None,
                 max_body: int | None = None, limits: Limits | None = None,
                 allow_hosts: Iterable[str] = (), allow_origins: Iterable[str] = (),
                 rpc_user: str | None = None, rpc_password: str | None = None,
                 cookie_dir: str | Path | None = None) -> None:
        if dev is None:
            # the public Devchain carries its web3 face (web3 costs ~1 s to import); only a server that builds its
            # own devchain needs it (deferred)
            from hemi.devchain import Devchain

            dev = Devchain()
        if not is_loopback(host) and not allow_remote:
            raise HemiValueError(f"refusing to bind {host!r}: the devchain's accounts and keys are public; pass "
                                 f"allow_remote=True (CLI: an explicit --host) to expose it beyond this machine")
        for name, v in (("block_time", block_time), ("btc_block_time", btc_block_time)):
            if v is not None and not (isinstance(v, (int, float)) and v > 0):
                raise HemiValueError(f"{name} is a positive number of seconds, got {v!r}")
        limits = limits or Limits()
        if max_body is not None:
            limits = replace(limits, max_body=max_body)
        if (rpc_user is None) != (rpc_password is None):
            raise HemiValueError("give both rpc_user and rpc_password, or neither (a random password per run)")
        try:
            self.policy = AccessPolicy(host, tuple(allow_hosts), tuple(allow_origins))
        except ValueError as err:
            raise HemiValueError(str(err)) from None
        self.btc_credentials: Credentials = fixed_credentials(rpc_user, rpc_password) \
            if rpc_user is not None and rpc_password is not None else random_credentials()
        self.cookie_dir = None if cookie_dir is None else Path(cookie_dir)
        self.cookie_path: Path | None = None
        self._made_cookie_dir = False
        self.dev = dev
        self.host = host
        self.limits = limits
        self._want_port, self._want_btc_port = port, btc_port
        self.block_time, self.btc_block_time = block_time, btc_block_time
        self.lock = threading.RLock()
        self.api = EthApi(dev)
        self.dispatcher = Dispatcher(self.api, self.lock, limits)
        self.core_rpc = CappedCoreRPC(dev.btc, limits)
        self.subscriptions = Subscriptions(self)
        self.api.tx_listeners.append(self.subscriptions.on_pending_tx)
        self.sessions: set[Session] = set()  # open WebSocket connections
        self._hooked = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runners: list[web.AppRunner] = []
        self._bound: dict[str, tuple] = {}
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    @property
    def max_body(self) -> int:
        return self.limits.max_body

    # ------------------------------------------------------------------ addresses

    @property
    def running(self) -> bool:
        return self._loop is not None

    @property
    def addresses(self) -> dict[str, tuple]:
        """The bound socket address of each port (``{"http": (host, port), "bitcoin": ...}``) while running."""
        return dict(self._bound)

    @property
    def port(self) -> int:
        return self._bound["http"][1] if "http" in self._bound else self._want_port

    @property
    def btc_port(self) -> int | None:
        return self._bound["bitcoin"][1] if "bitcoin" in self._bound else None

    @property
    def ports(self) -> dict[str, int | None]:
        return {"http": self.port, "ws": self.port, "bitcoin": self.btc_port}

    def _hostname(self) -> str:
        h = "127.0.0.1" if self.host in ("0.0.0.0", "") else ("::1" if self.host == "::" else self.host)
        return f"[{h}]" if ":" in h else h

    @property
    def url(self) -> str:
        return f"http://{self._hostname()}:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://{self._hostname()}:{self.port}"

    @property
    def btc_url(self) -> str | None:
        """For python-bitcoinlib, with working credentials: ``bitcoin.rpc.Proxy(service_url=server.btc_url)``."""
        if self.btc_port is None:
            return None
        user, password = self.btc_credentials
        return f"http://{user}:{password}@{self._hostname()}:{self.btc_port}"

    @property
    def urls(self) -> dict[str, str | None]:
        return {"http": self.url, "ws": self.ws_url, "bitcoin": self.btc_url,
                "bfg": f"{self.url}/v2/keystonefinality/"}

    # ------------------------------------------------------------------ life cycle

    def start(self) -> DevchainServer:
        if self._loop is not None:
            return self
        self._stop.clear()
        self.dispatcher.reopen()
        if self.block_time is not None:
            with self.lock:
                self.dev.automine = False
        if not self._hooked:
            self.dev.on_block(self._on_block)  # Devchain has no way to remove a hook: _on_block checks running
            self._hooked = True
        loop = new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def run_loop() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._open())
            except BaseException as err:  # noqa: BLE001 - reported to start()'s caller
                failure.append(err)
                loop.run_until_complete(self._close())
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(self._close())
            loop.close()

        t = threading.Thread(target=run_loop, name="hemi-server", daemon=True)
        t.start()
        ready.wait()
        if failure:
            t.join(timeout=5)
            loop.close()
            raise failure[0]
        self._loop = loop
        self._threads.append(t)
        if self.cookie_dir is not None:
            self.write_cookie(self.cookie_dir)
        if self.block_time is not None:
            self._spawn("hemi-l2-miner", self._interval(self.block_time, lambda: self.dev.mine(1)))
        if self.btc_block_time is not None:
            self._spawn("hemi-btc-miner", self._interval(self.btc_block_time, lambda: self.dev.btc.mine(1)))
        return self

    async def _open(self) -> None:
        ports = [("http", build_eth_app(self), self._want_port)]
        if self._want_btc_port is not None:
            ports.append(("bitcoin", build_btc_app(self), self._want_btc_port))
        for name, app, port in ports:
            runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                   keepalive_timeout=KEEPALIVE_TIMEOUT, shutdown_timeout=1.0)
            await runner.setup()
            self._runners.append(runner)
            family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
            sock = socket.socket(family, socket.SOCK_STREAM)
            try:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                sock.bind((self.host, port))
                sock.listen(128)
            except OSError as err:
                sock.close()
                raise ListenError(err, name, port) from err
            site = web.SockSite(runner, sock)
            await site.start()
            self._bound[name] = sock.getsockname()

    async def _close(self) -> None:
        for session in list(self.sessions):
            session.close()
            if not session.ws.closed:
                try:
                    await asyncio.wait_for(session.ws.close(), 1)
                except Exception:  # noqa: BLE001 - going away anyway
                    pass
        for runner in self._runners:
            try:
                await runner.cleanup()
            except Exception:  # noqa: BLE001
                log.debug("runner cleanup failed", exc_info=True)
        self._runners.clear()
        self._bound.clear()

    def write_cookie(self, directory: str | Path | None) -> Path | None:
        """Write the Bitcoin RPC credentials to ``directory/.cookie`` (mode 0600), deleted again by :meth:`stop`;
        nothing without a directory or a Bitcoin port. Returns the path (also :attr:`cookie_path`)."""
        if directory is None or self.btc_port is None:
            return None
        self.cookie_dir = Path(directory)
        self._made_cookie_dir = not self.cookie_dir.exists()
        self.cookie_path = write_cookie(self.cookie_dir, self.btc_credentials)
        return self.cookie_path

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        t = threading.Thread(target=target, args=args, name=name, daemon=True)
        t.start()
        self._threads.append(t)

    def _interval(self, seconds: float, job: Any) -> Any:
        def run() -> None:
            while not self._stop.wait(seconds):
                try:
                    with self.lock:
                        job()
                except Exception:  # noqa: BLE001 - keep mining; the error is logged
                    log.exception("interval mining failed")

        return run

    def _on_block(self, dev: Any, number: int) -> None:
        if self._loop is not None:
            self.subscriptions.on_block(dev, number)

    def stop(self) -> None:
        """Stop the EVM call in progress (:meth:`Dispatcher.close`), timers, WebSocket sessions and client connections;
        release both ports, delete the cookie."""
        self._stop.set()
        self.dispatcher.close()  # a long eth_call in progress stops now, not at its timeout
        self.core_rpc.abort()  # and a long Bitcoin batch at its next entry
        loop, self._loop = self._loop, None
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()
        remove_cookie(self.cookie_path)
        if self.cookie_path is not None and self._made_cookie_dir:  # leave the disk as it was found
            try:
                self.cookie_path.parent.rmdir()
            except OSError:  # not empty: something else lives there now
                pass
        self.cookie_path = None

    def __enter__(self) -> DevchainServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start and block until :meth:`stop` is called from another thread (the CLI stops on Ctrl-C)."""
        self.start()
        self._stop.wait()

    # ------------------------------------------------------------------ BFG

    def keystone_finality(self, abrev_hash: str) -> tuple[int, dict]:
        """(HTTP status, body) of BFG's ``GET /v2/keystonefinality/{hash}`` (:mod:`hemi.node.pop.finality_wire`)."""
        with self.lock:
            return keystone_finality_http(self.dev, abrev_hash)

    def __repr__(self) -> str:
        state = f"{self.url} btc port={self.btc_port}" if self.running else "stopped"
        return f"<DevchainServer {state}>"
