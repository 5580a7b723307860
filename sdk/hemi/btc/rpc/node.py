"""Node RPCs that read no chain state: getnetworkinfo (``rpc/net.cpp``), estimatesmartfee (``rpc/fees.cpp``),
validateaddress (``rpc/output_script.cpp``) and help (``rpc/server.cpp``).

There is no P2P network: no connections, no local addresses. Fee estimation answers as a fresh regtest node does,
with no data.
"""

from __future__ import annotations

from typing import Any

from hemi.btc import params

from .addresses import validate_address
from .arguments import Arg, as_int
from .encoding import btc_amount
from .errors import RPC_INVALID_PARAMETER, RPC_MISC_ERROR, JSONRPCError
from .server import CoreRPC, rpc_method

CORE_VERSION = 280000  # the Bitcoin Core release whose answers these are shaped after


@rpc_method("estimatesmartfee", Arg("conf_target", "num"), Arg("estimate_mode", "str", "economical"))
def _estimatesmartfee(rpc: CoreRPC, conf_target: Any, estimate_mode: str) -> dict[str, Any]:
    target = as_int(conf_target)
    if not 1 <= target <= 1008:
        raise JSONRPCError(RPC_INVALID_PARAMETER, "Invalid conf_target, must be between 1 and 1008")
    if estimate_mode.lower() not in ("unset", "economical", "conservative"):
        raise JSONRPCError(RPC_INVALID_PARAMETER, 'Invalid estimate_mode parameter, must be one of: "unset", '
                                                  '"economical", "conservative"')
    return {"errors": ["Insufficient data or no feerate found"], "blocks": 0}  # as a fresh regtest node answers


@rpc_method("getnetworkinfo")
def _getnetworkinfo(rpc: CoreRPC) -> dict[str, Any]:
    relay = btc_amount(params.MIN_RELAY_FEE)
    return {
        "version": CORE_VERSION,
        "subversion": "/Satoshi:28.0.0(hemi-sdk)/",
        "protocolversion": 70016,
        "localservices": "0000000000000409",
        "localservicesnames": ["NETWORK", "WITNESS", "NETWORK_LIMITED"],
        "localrelay": True,
        "timeoffset": 0,
        "networkactive": True,
        "connections": 0,
        "connections_in": 0,
        "connections_out": 0,
        "networks": [],
        "relayfee": relay,
        "incrementalfee": relay,
        "localaddresses": [],
        "warnings": [],
    }


@rpc_method("validateaddress", Arg("address", "str"))
def _validateaddress(rpc: CoreRPC, address: str) -> dict[str, Any]:
    return validate_address(address)


@rpc_method("help", Arg("command", "str", None))
def _help(rpc: CoreRPC, command: str | None) -> str:
    """Core's ``help`` (src/rpc/server.cpp): every command's usage line, or one command's; Core's longer help texts
    (argument descriptions, examples) are not reproduced."""
    if command is None:
        return "\n".join(rpc.usage(name) for name in rpc.methods)
    if command not in rpc.methods:
        raise JSONRPCError(RPC_MISC_ERROR, f"help: unknown command: {command}")
    return rpc.usage(command)
