"""Helpers of the fork tests (a module of its own: ``conftest`` is a name several test folders share)."""

from __future__ import annotations

from typing import Any

import requests

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
