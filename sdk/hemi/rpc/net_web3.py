"""The ``web3_*`` and ``net_*`` namespaces: the client's name, keccak, and the network a single dev node is on."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import metadata
from types import MappingProxyType
from typing import Any

from eth_utils import keccak

from hemi.rpc.context import RpcContext
from hemi.rpc.params import Handler, d, parse_data

DISTRIBUTION = "hemi-sdk"


def _version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a source tree that was never installed
        return "0.0.0+unknown"


def client_version(api: RpcContext) -> str:
    return f"hemi-sdk/v{_version()}/devchain"


def sha3(api: RpcContext, data: Any) -> str:
    return d(keccak(parse_data(data)))


def net_version(api: RpcContext) -> str:
    return str(api.engine.chain_id)


def net_listening(api: RpcContext) -> bool:
    return True


def net_peer_count(api: RpcContext) -> str:
    return "0x0"  # a devchain has no peers


METHODS: Mapping[str, Handler] = MappingProxyType({
    "web3_clientVersion": client_version, "web3_sha3": sha3,
    "net_version": net_version, "net_listening": net_listening, "net_peerCount": net_peer_count,
})
