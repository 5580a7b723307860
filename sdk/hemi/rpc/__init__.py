"""Ethereum and Hemi JSON-RPC over a devchain, shaped exactly as a node sends them over the wire (hex quantities,
0x data), so the in-process web3 provider and the HTTP server share one implementation.

``EthApi(dev)`` (:mod:`hemi.rpc.api`) is one devchain's face: its RPC state and its own method table, built by
:func:`hemi.rpc.table.build_methods` from one module per namespace (see :mod:`hemi.rpc.table`). Errors are
:class:`~hemi.rpc.errors.RPCError`.
"""

import hemi._quiet_web3  # noqa: F401 - before anything imports web3: silences websockets.legacy's warning
from hemi.rpc.api import EthApi
from hemi.rpc.errors import RPCError
from hemi.rpc.table import build_methods

__all__ = ["EthApi", "RPCError", "build_methods"]
