"""Who may talk to the devchain: the Host and Origin allowlists, CORS and the Content-Type rule.

``hemi devchain`` runs beside a browser on the developer's machine, and every web page the browser opens can send
requests to ``127.0.0.1``. Three rules keep pages out while scripts and CLIs (which send no ``Origin``) keep working:

- **Host allowlist** (geth's ``--http.vhosts``, default ``localhost``): a request whose ``Host`` header names another
  host is refused with 403. This defeats DNS rebinding, where a page's own domain is re-pointed at 127.0.0.1: the
  browser then sends ``Host: attacker.example``. Default: ``localhost``, ``127.0.0.1``, ``[::1]`` and the bound
  address, any port.
- **Origin allowlist** (geth's ``--http.corsdomain`` / ``--ws.origins``, anvil's ``--allow-origin``): a request that
  carries an ``Origin`` header (every browser request from a page, and every browser WebSocket) is refused with 403
  unless the origin is allowed. Default: ``http``/``https`` origins on ``localhost``, ``127.0.0.1`` and ``[::1]``,
  any port (a dapp served by a local dev server). Look-alikes (``localhost.evil.example``, ``127.0.0.1.nip.io``)
  are other hosts; ``null`` (sandboxed frames, ``file://``) is foreign too. ``*`` allows every origin.
- **Content-Type**: a JSON-RPC POST must say ``application/json`` (415 otherwise, as geth). HTML forms and
  ``fetch`` without a preflight can only send ``text/plain``, form or multipart bodies (or none), so a page cannot
  slip a request in as a "simple" CORS request either.

CORS answers echo only an allowed origin (``Access-Control-Allow-Origin: <origin>``, ``Vary: Origin``); a preflight
from an allowed origin gets 204 with the allowed methods and headers, one from another origin 403. A refused request
never reaches the dispatcher: nothing runs.
"""

from __future__ import annotations

import functools
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

DEFAULT_HOST = "127.0.0.1"  # the server binds loopback unless told otherwise
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "[::1]")
ALLOWED_METHODS = "GET, POST, OPTIONS"
ALLOWED_HEADERS = "Content-Type, Authorization"
_HOST_MEMORY = 64  # distinct Host header values whose answer AccessPolicy remembers
JSON_TYPES = ("application/json", "application/json-rpc", "application/jsonrequest")  # geth's accepted types


def is_loopback(host: str) -> bool:
    """Whether binding ``host`` keeps the server on this machine (``localhost`` or a loopback address)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The host part of a ``Host`` header (``name``, ``name:port``, ``[v6]`` or ``[v6]:port``), lower case; IPv6
    addresses in brackets."""
    value = value.strip().lower()
    if value.startswith("["):
        end = value.find("]")
        return value[: end + 1] if end > 0 else value
    if value.count(":") == 1:
        return value.split(":", 1)[0]
    if value.count(":") > 1:  # a bare IPv6 address (not valid in Host, but be exact about it)
        return f"[{value}]"
    return value


def bracketed(host: str) -> str:
    """An address as it appears in a URL authority: IPv6 in brackets."""
    h = host.strip().lower()
    if h.startswith("["):
        return h
    try:
        if isinstance(ipaddress.ip_address(h), ipaddress.IPv6Address):
            return f"[{h}]"
    except ValueError:
        pass
    return h


@dataclass
class AccessPolicy:
    """The Host and Origin allowlists of one server. ``hosts``/``origins`` extend the defaults; ``*`` in either
    allows everything of that kind."""

    bound_host: str = "127.0.0.1"
    hosts: Iterable[str] = ()
    origins: Iterable[str] = ()
    _hosts: set = field(init=False, repr=False)
    _any_host: bool = field(init=False, repr=False)
    _any_origin: bool = field(init=False, repr=False)
    _origins_any_port: set = field(init=False, repr=False)
    _origins_exact: set = field(init=False, repr=False)
    _host_answers: dict[str, bool] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        hosts = [h.strip() for h in self.hosts if h.strip()]
        origins = [o.strip() for o in self.origins if o.strip()]
        self.hosts, self.origins = tuple(hosts), tuple(origins)
        self._any_host = "*" in hosts
        self._hosts = {bracketed(h) for h in (*LOOPBACK_NAMES, self.bound_host, *hosts) if h and h != "*"}
        if self._hosts & {"0.0.0.0", "[::]", ""}:  # every interface: the names this machine is reached by
            self._hosts -= {"0.0.0.0", "[::]", ""}
            self._hosts |= _machine_names()
        self._any_origin = "*" in origins
        self._origins_any_port = {(s, h) for s in ("http", "https") for h in LOOPBACK_NAMES}
        self._origins_exact: set[str] = set()
        for o in origins:
            if o == "*":
                continue
            if o == "null":
                self._origins_exact.add("null")
                continue
            parts = _split_origin(o)
            if parts is None:
                raise ValueError(f"invalid origin {o!r}: expected scheme://host[:port] (http, https or a "
                                 f"wallet extension's chrome-extension://ID), 'null' or '*'")
            scheme, host, port = parts
            if port is None:
                self._origins_any_port.add((scheme, host))
            else:
                self._origins_exact.add(f"{scheme}://{host}:{port}")

    @property
    def any_origin(self) -> bool:
        return self._any_origin

    @property
    def allowed_origins(self) -> list[str]:
        """For the banner: every allowed origin pattern."""
        if self._any_origin:
            return ["*"]
        return sorted(f"{s}://{h}:*" for s, h in self._origins_any_port) + sorted(self._origins_exact)

    @property
    def allowed_hosts(self) -> list[str]:
        return ["*"] if self._any_host else sorted(self._hosts)

    def host_allowed(self, host_header: str | None) -> bool:
        if host_header is None or self._any_host:  # no Host (HTTP/1.0 tools): no browser sends such a request
            return True
        # A client sends the same Host on every request: the answer is remembered, not parsed again (bounded: a
        # client cycling through names only refills the memory)
        answer = self._host_answers.get(host_header)
        if answer is None:
            if len(self._host_answers) >= _HOST_MEMORY:
                self._host_answers.clear()
            answer = self._host_answers[host_header] = _host_name(host_header) in self._hosts
        return answer

    def origin_allowed(self, origin: str | None) -> bool:
        """True for no Origin (scripts, CLIs) and for an allowed one."""
        if origin is None or self._any_origin:
            return True
        origin = origin.strip()
        if origin.lower() == "null":
            return "null" in self._origins_exact
        parts = _split_origin(origin)
        if parts is None:
            return False
        scheme, host, port = parts
        if (scheme, host) in self._origins_any_port:
            return True
        return port is not None and f"{scheme}://{host}:{port}" in self._origins_exact

    def cors_headers(self, origin: str | None) -> dict[str, str]:
        """Headers for an answer to an allowed request (none without an Origin)."""
        if origin is None:
            return {}
        return {"Access-Control-Allow-Origin": "*" if self._any_origin else origin, "Vary": "Origin"}

    def preflight_headers(self, origin: str | None) -> dict[str, str]:
        return {**self.cors_headers(origin), "Access-Control-Allow-Methods": ALLOWED_METHODS,
                "Access-Control-Allow-Headers": ALLOWED_HEADERS, "Access-Control-Max-Age": "600"}


def _machine_names() -> set[str]:
    """This machine's host name and the addresses it resolves to (for a server bound to every interface)."""
    names = set()
    try:
        hostname = socket.gethostname()
        names.add(hostname.lower())
        names.update(bracketed(a) for a in socket.gethostbyname_ex(hostname)[2])
    except OSError:
        pass
    return names


# a browser extension's pages and service worker (a wallet such as MetaMask) send these origins; none is allowed
# unless named with --allow-origin, as a web page
EXTENSION_SCHEMES = ("chrome-extension", "moz-extension", "safari-web-extension")


def _split_origin(origin: str) -> tuple[str, str, int | None] | None:
    """(scheme, host, port or None) of ``scheme://host[:port]`` (no path), lower case; None if malformed."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in ("http", "https", *EXTENSION_SCHEMES) or not parts.hostname or \
            parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
        return None
    return parts.scheme.lower(), bracketed(parts.hostname), port


@functools.lru_cache(maxsize=32)  # per request, the same few values: parsed once each
def json_content_type(value: str | None) -> bool:
    """True for ``application/json`` (or geth's other JSON-RPC types), with no charset or ``charset=utf-8``."""
    if not value:
        return False
    media, _, rest = value.partition(";")
    if media.strip().lower() not in JSON_TYPES:
        return False
    for param in rest.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset" and val.strip().strip('"').lower() not in ("utf-8", "utf8"):
            return False  # RFC 8259: UTF-8 only
    return True
