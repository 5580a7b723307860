"""DevchainServer: a Devchain behind real sockets (Ethereum JSON-RPC + WebSocket + BFG on one port, Bitcoin Core
RPC on another), with optional interval mining of both chains. One lock serialises every request and timer."""

from __future__ import annotations

import ipaddress
import logging
import threading
from typing import Any, Optional

from hemi.errors import HemiValueError

from .http import BitcoinHandler, EthHandler, TrackingHTTPServer
from .jsonrpc import Dispatcher

log = logging.getLogger("hemi.server")

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8545
DEFAULT_BTC_PORT = 18443
MAX_BODY = 5 * 1024 * 1024


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class DevchainServer:
    """Serve ``dev`` over HTTP/WebSocket (``port``) and Bitcoin Core RPC (``btc_port``; None: no Bitcoin port).

    Port 0 picks a free port; :attr:`port`, :attr:`btc_port` and :attr:`urls` give the bound ones after
    :meth:`start`. Binding a non-loopback ``host`` needs ``allow_remote=True`` (the dev accounts' keys are public).
    ``block_time`` (seconds) turns automine off and mines an L2 block every interval; ``btc_block_time`` mines a
    Bitcoin block every interval. Use as a context manager or call :meth:`start` / :meth:`stop`. Code that touches
    ``dev`` directly while the server runs should hold :attr:`lock` (``with server.lock: dev.superfinalize()``).
    """

    def __init__(self, dev: Any = None, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT,
                 btc_port: Optional[int] = DEFAULT_BTC_PORT, allow_remote: bool = False,
                 block_time: Optional[float] = None, btc_block_time: Optional[float] = None,
                 max_body: int = MAX_BODY) -> None:
        from hemi.btc.rpc import CoreRPC
        from hemi.rpc.eth import EthApi

        if dev is None:
            from hemi.node.devchain import Devchain

            dev = Devchain()
        if not is_loopback(host) and not allow_remote:
            raise HemiValueError(f"refusing to bind {host!r}: the devchain's accounts and keys are public; pass "
                                 f"allow_remote=True (CLI: an explicit --host) to expose it beyond this machine")
        for name, v in (("block_time", block_time), ("btc_block_time", btc_block_time)):
            if v is not None and not (isinstance(v, (int, float)) and v > 0):
                raise HemiValueError(f"{name} is a positive number of seconds, got {v!r}")
        self.dev = dev
        self.host = host
        self._want_port, self._want_btc_port = port, btc_port
        self.block_time, self.btc_block_time = block_time, btc_block_time
        self.max_body = max_body
        self.lock = threading.RLock()
        self.api = EthApi(dev)
        self.dispatcher = Dispatcher(self.api, self.lock)
        self.core_rpc = CoreRPC(dev.btc)
        from .ws import Subscriptions

        self.subscriptions = Subscriptions(self)
        self.api.tx_listeners.append(self.subscriptions.on_pending_tx)
        self._sessions: set = set()
        self._hooked = False
        self._http: Optional[TrackingHTTPServer] = None
        self._btc: Optional[TrackingHTTPServer] = None
        self._threads: list[threading.Thread] = []
        self._stop = threading.Event()

    # ------------------------------------------------------------------ addresses

    @property
    def port(self) -> int:
        return self._http.server_address[1] if self._http else self._want_port

    @property
    def btc_port(self) -> Optional[int]:
        return self._btc.server_address[1] if self._btc else None

    @property
    def ports(self) -> dict[str, Optional[int]]:
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
    def btc_url(self) -> Optional[str]:
        """For python-bitcoinlib: ``bitcoin.rpc.Proxy(service_url=server.btc_url)`` (credentials not checked)."""
        return None if self.btc_port is None else f"http://hemi:hemi@{self._hostname()}:{self.btc_port}"

    @property
    def urls(self) -> dict[str, Optional[str]]:
        return {"http": self.url, "ws": self.ws_url, "bitcoin": self.btc_url,
                "bfg": f"{self.url}/v2/keystonefinality/"}

    # ------------------------------------------------------------------ life cycle

    def start(self) -> "DevchainServer":
        if self._http is not None:
            return self
        self._stop.clear()
        if self.block_time is not None:
            with self.lock:
                self.dev.automine = False
        if not self._hooked:
            self.dev.on_block(self._on_block)  # Devchain has no way to remove a hook: _on_block checks _http
            self._hooked = True
        try:
            self._http = TrackingHTTPServer((self.host, self._want_port), EthHandler, self)
            if self._want_btc_port is not None:
                self._btc = TrackingHTTPServer((self.host, self._want_btc_port), BitcoinHandler, self)
        except BaseException:
            self._close_servers()
            raise
        for name, srv in (("hemi-http", self._http), ("hemi-btc", self._btc)):
            if srv is not None:
                self._spawn(name, srv.serve_forever, 0.05)
        if self.block_time is not None:
            self._spawn("hemi-l2-miner", self._interval(self.block_time, lambda: self.dev.mine(1)))
        if self.btc_block_time is not None:
            self._spawn("hemi-btc-miner", self._interval(self.btc_block_time, lambda: self.dev.btc.mine(1)))
        return self

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
        if self._http is not None:
            self.subscriptions.on_block(dev, number)

    def stop(self) -> None:
        """Stop timers, close WebSocket sessions and client connections, and release both ports."""
        self._stop.set()
        for srv in (self._http, self._btc):
            if srv is not None:
                srv.shutdown()
        for s in list(self._sessions):
            s.close()
        self._close_servers()
        for t in self._threads:
            t.join(timeout=5)
        self._threads.clear()

    def _close_servers(self) -> None:
        for srv in (self._http, self._btc):
            if srv is not None:
                srv.close_all()
                srv.server_close()
        self._http = self._btc = None

    def __enter__(self) -> "DevchainServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Start and block until :meth:`stop` is called from another thread (the CLI stops on Ctrl-C)."""
        self.start()
        self._stop.wait()

    # ------------------------------------------------------------------ BFG

    def keystone_finality(self, abrev_hash: str) -> tuple[int, dict]:
        """(HTTP status, body) of BFG's ``GET /v2/keystonefinality/{hash}`` (:mod:`hemi.node.finality_wire`)."""
        from hemi.node.finality_wire import keystone_finality_http

        with self.lock:
            return keystone_finality_http(self.dev, abrev_hash)

    def __repr__(self) -> str:
        state = f"{self.url} btc={self.btc_url}" if self._http else "stopped"
        return f"<DevchainServer {state}>"
