"""Raw-HTTP helpers of the attack tests: send the attacker's bytes and headers, read status and reply, and take the
chain's state before and after (head, Bitcoin height, state root, a victim's balance, automine)."""

from __future__ import annotations

import http.client
import json
from typing import Any

VICTIM = "0x" + "5a" * 20


def chain_state(server) -> tuple:
    with server.lock:
        dev = server.dev
        return (dev.engine.head_number, dev.btc.height, bytes(dev.engine.pending_state_root),
                dev.engine.state().get_balance(bytes.fromhex(VICTIM[2:])), dev.automine)


def request(port: int, method: str, body: bytes = b"", headers: dict | None = None, path: str = "/",
            timeout: float = 30) -> tuple[int, dict, Any]:
    """(status, headers with lower-case names, parsed JSON body or raw bytes or None)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        hdrs = {"Host": f"127.0.0.1:{port}", **(headers or {})}
        for k, v in hdrs.items():
            if v is not None:
                conn.putheader(k, v)
        if method in ("POST", "PUT"):
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body if method in ("POST", "PUT") else None)
        r = conn.getresponse()
        data = r.read()
        out_headers = {k.lower(): v for k, v in r.getheaders()}
        try:
            parsed: Any = json.loads(data) if data else None
        except ValueError:
            parsed = data
        return r.status, out_headers, parsed
    finally:
        conn.close()


def rpc_body(method: str, *params: Any, id_: Any = 1) -> bytes:
    return json.dumps({"jsonrpc": "2.0", "id": id_, "method": method, "params": list(params)}).encode()


def post(server, body: bytes, headers: dict | None = None, **kw) -> tuple[int, dict, Any]:
    return request(server.port, "POST", body, {"Content-Type": "application/json", **(headers or {})}, **kw)


def rpc(server, method: str, *params: Any) -> dict:
    status, _, reply = post(server, rpc_body(method, *params))
    assert status == 200, (status, reply)
    return reply


def set_balance_attack(server, headers: dict) -> tuple[int, Any]:
    """What a web page would send: anvil_setBalance of the victim to 1000 ETH, with the page's headers."""
    status, _, reply = request(server.port, "POST", rpc_body("anvil_setBalance", VICTIM, hex(10**21)), headers)
    return status, reply
