"""An in-process web3.py provider: requests go straight to the devchain's JSON-RPC method table, no HTTP.

The provider only carries requests (web3.py's habit); what each method does lives in :mod:`hemi.rpc` (the
devchain's own :class:`~hemi.rpc.EthApi`). It is a ``JSONBaseProvider`` so that web3's ``w3.batch_requests()``
works (web3 batches only through providers with ``make_batch_request``), and it hands the table the same values
JSON would carry: bytes in params (web3 passes a block hash as ``HexBytes`` to some methods) become 0x-hex, as
web3's JSON encoder writes them over HTTP.
"""

from __future__ import annotations

import threading
from typing import Any

from web3 import Web3
from web3._utils.caching import handle_request_caching
from web3.main import get_default_modules
from web3.providers.base import JSONBaseProvider
from web3.types import RPCEndpoint, RPCResponse

from hemi.rpc import EthApi, RPCError
from hemi.web3.formatters import DevchainEth
from hemi.web3.hemi_module import HemiModule
from hemi.web3.middleware import install as install_middleware


def _as_json_values(v: Any) -> Any:
    """``v`` with bytes-like values as 0x-hex, recursively (what a JSON round trip through web3's encoder gives)."""
    if isinstance(v, (bytes, bytearray)):
        return "0x" + bytes(v).hex()
    if isinstance(v, (list, tuple)):
        return [_as_json_values(x) for x in v]
    if isinstance(v, dict):
        return {k: _as_json_values(x) for k, x in v.items()}
    return v


class DevchainProvider(JSONBaseProvider):
    """``Web3(DevchainProvider(dev))``; one lock serialises requests, so threads may share it."""

    def __init__(self, dev: Any) -> None:
        # web3 asks eth_chainId up to four times per transaction; the devchain's id never changes, so let web3's
        # own request cache hold it (and nothing else, since blocks change under reverts).
        super().__init__(cache_allowed_requests=True,
                         cacheable_requests={"eth_chainId", "net_version", "web3_clientVersion"})
        self.api = EthApi(dev)
        self._lock = threading.RLock()
        self._id = 0

    @handle_request_caching
    def make_request(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        with self._lock:
            return self._dispatch(method, params)

    def make_batch_request(self, requests: list[tuple[RPCEndpoint, Any]]) -> list[RPCResponse]:
        """Each request answered in order, as a JSON-RPC batch is (one failing does not stop the others)."""
        with self._lock:
            return [self._dispatch(method, params) for method, params in requests]

    def _dispatch(self, method: RPCEndpoint, params: Any) -> RPCResponse:
        self._id += 1
        try:
            result = self.api.request(method, _as_json_values(list(params)) if params is not None else [])
        except RPCError as err:
            return {"jsonrpc": "2.0", "id": self._id, "error": err.to_dict()}  # type: ignore[typeddict-item]
        return {"jsonrpc": "2.0", "id": self._id, "result": result}

    @property
    def chain_id(self) -> int:
        chain_id: int = self.api.engine.chain_id
        return chain_id

    def block_gas_limit(self) -> int:
        """The latest block's gas limit (what ``get_block("latest")["gasLimit"]`` answers), without rendering it."""
        with self._lock:
            engine = self.api.engine
            limit: int = engine.block(engine.head_number).header.gas_limit
            return limit

    def is_connected(self, show_traceback: bool = False) -> bool:
        return True


def make_web3(dev: Any) -> Web3:
    """``Web3`` over the devchain, with web3's default middleware re-done for a known chain (see
    :mod:`hemi.web3.middleware`), its ``eth`` module formatting requests with less machinery
    (:mod:`hemi.web3.formatters`) and Hemi's own methods as ``w3.hemi`` (:mod:`hemi.web3.hemi_module`)."""
    modules = {**get_default_modules(), "eth": DevchainEth}
    w3 = Web3(DevchainProvider(dev), modules=modules, external_modules={"hemi": HemiModule})
    install_middleware(w3)
    return w3
